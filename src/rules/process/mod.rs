//! X1xx: process, signals and exit codes. Each rule predicts a container
//! exit status (`RuleMeta.exit_codes`), names it in its message and points
//! to `compose-lint explain <code>`.

pub mod command_not_executable;
pub mod command_not_found;
pub mod oom_heap;
pub mod pid1_ignores_sigterm;
pub mod pid1_signal_forwarding;
pub mod stop_signal_grace;

use crate::image::{Evidence, Fact, ImageCommand, ServiceImage};
use crate::model::{Command, MountKind, Service};
use crate::source::Span;

/// Shells that, as PID 1, do not forward SIGTERM to their children.
pub const SHELLS: [&str; 7] = ["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"];

pub fn basename(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

pub fn is_shell(argv0: &str) -> bool {
    SHELLS.contains(&basename(argv0))
}

/// A non-empty argv, when its words are all resolved (no `$` left).
pub fn argv(c: &Option<Command>) -> Option<&Command> {
    c.as_ref()
        .filter(|c| !c.argv.is_empty() && !c.argv.iter().any(|w| w.contains('$')))
}

/// What runs the service's `command` when the service sets no
/// `entrypoint`: `true` when the command itself becomes the process (the
/// image has no entrypoint, or its entrypoint is an init such as tini that
/// execs its arguments); `false` when that is not known.
pub fn command_is_executed(si: Option<&ServiceImage>) -> bool {
    let Some(si) = si.filter(|s| s.is_known()) else {
        return false;
    };
    if si.image.init.is_some() || si.image.execs_args.as_ref().is_some_and(|f| f.value) {
        return true;
    }
    match &si.image.entrypoint {
        Some(f) => match &f.value {
            None => true,
            Some(ImageCommand::Exec(v)) => v.is_empty(),
            Some(ImageCommand::Shell(_)) => false,
        },
        None => false,
    }
}

/// Does the command `argv` run as given, the way [`command_is_executed`]
/// says, or through a wrapper that execs a command whose first word is a
/// program of the image (and puts its own program in front of anything
/// else: [`crate::image::script::execs_commands`])?
pub fn command_runs_as_given(si: Option<&ServiceImage>, argv: &[String]) -> bool {
    if command_is_executed(si) {
        return true;
    }
    let Some(si) = si.filter(|s| s.is_known()) else {
        return false;
    };
    si.image.execs_commands.as_ref().is_some_and(|f| f.value)
        && argv.first().is_some_and(|w| is_program(si, w))
}

/// `word` names an executable file of the image: an absolute path, or a
/// name found in a directory of the image's `PATH`. A file without the
/// execute bit is not one (the wrapper's `command -v` skips it).
fn is_program(si: &ServiceImage, word: &str) -> bool {
    let executable = |p: &str| {
        if si.image.binaries.iter().any(|b| b.value == p) {
            return true;
        }
        match si.path(p) {
            crate::image::PathFact::Exists(info) => {
                info.kind != Some(crate::image::PathKind::Dir)
                    && info.mode.is_some_and(|m| m & 0o111 != 0)
            }
            _ => false,
        }
    };
    if word.starts_with('/') {
        return executable(word);
    }
    if word.contains('/') {
        return false;
    }
    si.image.env("PATH").is_some_and(|p| {
        p.value
            .split(':')
            .filter(|d| d.starts_with('/'))
            .any(|d| executable(&format!("{}/{word}", d.trim_end_matches('/'))))
    })
}

/// Is `path` (in the container) covered by one of the service's mounts, so
/// that what the image holds there is not what the process sees?
pub fn mounted_over(s: &Service, path: &str) -> bool {
    let covers = |t: &str| {
        let t = t.trim_end_matches('/');
        t.is_empty() || path == t || path.starts_with(&format!("{t}/"))
    };
    s.volumes.iter().any(|m| covers(&m.target.value))
        || s.tmpfs
            .iter()
            .any(|t| covers(t.value.split(':').next().unwrap_or("")))
}

/// The bind mount whose target holds `path`, and the rest of the path below it.
pub fn bind_source<'a>(s: &'a Service, path: &str) -> Option<(&'a str, String)> {
    // The longest target wins, as the mounts nest.
    let mut best: Option<(&str, String, usize)> = None;
    for m in &s.volumes {
        if m.kind.value != MountKind::Bind {
            continue;
        }
        let Some(src) = &m.source else { continue };
        let t = m.target.value.trim_end_matches('/');
        let rest = if path == t {
            String::new()
        } else if let Some(r) = path.strip_prefix(&format!("{t}/")) {
            r.to_string()
        } else {
            continue;
        };
        if best.as_ref().is_none_or(|b| t.len() > b.2) {
            best = Some((src.value.as_str(), rest, t.len()));
        }
    }
    best.map(|(a, b, _)| (a, b))
}

/// The first word of an image command.
pub fn image_argv0(c: &ImageCommand) -> Option<&str> {
    match c {
        ImageCommand::Exec(v) => v.first().map(String::as_str),
        ImageCommand::Shell(_) => Some("/bin/sh"),
    }
}

/// A program the image itself starts, when Compose sets neither `command`
/// nor `entrypoint`: its ENTRYPOINT, or its CMD when there is no
/// ENTRYPOINT or the ENTRYPOINT execs its arguments (`exec "$@"`).
pub struct ImageStart<'a> {
    /// The argv: a shell form is `/bin/sh -c "<string>"`.
    pub argv: Vec<String>,
    /// `ENTRYPOINT` or `CMD`.
    pub instruction: &'static str,
    /// Where the argv comes from (the Dockerfile line, the facts file, ...).
    pub evidence: &'a Evidence,
    /// The shell form was used.
    pub shell_form: bool,
    /// The `build` or `image` key the finding goes at.
    pub key: &'static str,
    pub span: Span,
}

impl ImageStart<'_> {
    /// `Dockerfile:12 CMD ["/app/run.sh"]`: the related location, for a note.
    pub fn origin(&self) -> String {
        format!(
            "the image's {}: {}",
            self.instruction,
            self.evidence.render()
        )
    }
}

fn start_argv(c: &ImageCommand) -> Vec<String> {
    match c {
        ImageCommand::Exec(v) => v.clone(),
        ImageCommand::Shell(t) => vec!["/bin/sh".into(), "-c".into(), t.clone()],
    }
}

/// What the image starts (see [`ImageStart`]); empty when Compose sets a
/// `command` or `entrypoint`, or when the image's own are not known.
pub fn image_starts<'a>(s: &Service, si: Option<&'a ServiceImage>) -> Vec<ImageStart<'a>> {
    let mut out = Vec::new();
    if s.command.is_some() || s.entrypoint.is_some() {
        return out;
    }
    let Some(si) = si.filter(|si| si.is_known()) else {
        return out;
    };
    // The finding goes where the image comes from: `build` when the facts
    // come from its Dockerfile, else `image`.
    let from_build = matches!(si.image.origin, Some(Evidence::Dockerfile { .. }));
    let (key, span) = match (&s.build, &s.image) {
        (Some(b), _) if from_build => ("build", s.keys.get("build").unwrap_or(b.span)),
        (_, Some(i)) => ("image", i.span),
        (Some(b), None) => ("build", s.keys.get("build").unwrap_or(b.span)),
        (None, None) => return out,
    };
    let Some(ep) = &si.image.entrypoint else {
        return out;
    };
    let cmd: Option<&Fact<Option<ImageCommand>>> = si.image.cmd.as_ref();
    let mut push = |c: &ImageCommand, instruction: &'static str, evidence: &'a Evidence| {
        let argv = start_argv(c);
        if argv.is_empty() || argv.iter().any(|w| w.is_empty()) {
            return;
        }
        out.push(ImageStart {
            argv,
            instruction,
            evidence,
            shell_form: c.is_shell_form(),
            key,
            span,
        });
    };
    match &ep.value {
        Some(c @ ImageCommand::Exec(v)) if !v.is_empty() => {
            // The image's CMD is appended to the entrypoint's argv.
            let mut full = c.clone();
            if let (
                ImageCommand::Exec(v),
                Some(Fact {
                    value: Some(cc), ..
                }),
            ) = (&mut full, cmd)
            {
                v.extend(start_argv(cc));
            }
            push(&full, "ENTRYPOINT", &ep.evidence);
            if let Some(Fact {
                value: Some(cc),
                evidence,
            }) = cmd
            {
                // A shell-form CMD starts with `/bin/sh`: if the image has no
                // executable `/bin/sh`, it cannot start anyway.
                let wrapper_execs_shell =
                    cc.is_shell_form() && si.image.execs_commands.as_ref().is_some_and(|f| f.value);
                if si.image.execs_args.as_ref().is_some_and(|f| f.value)
                    || wrapper_execs_shell
                    || command_runs_as_given(Some(si), &start_argv(cc))
                {
                    push(cc, "CMD", evidence);
                }
            }
        }
        Some(c @ ImageCommand::Shell(_)) => push(c, "ENTRYPOINT", &ep.evidence),
        _ => {
            if let Some(Fact {
                value: Some(cc),
                evidence,
            }) = cmd
            {
                push(cc, "CMD", evidence);
            }
        }
    }
    out
}
