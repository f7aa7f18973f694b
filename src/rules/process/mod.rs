//! X1xx: process, signals and exit codes. Each rule predicts a container
//! exit status (`RuleMeta.exit_codes`), names it in its message and points
//! to `compose-lint explain <code>`.

pub mod command_not_executable;
pub mod command_not_found;
pub mod oom_heap;
pub mod pid1_signal_forwarding;
pub mod stop_signal_grace;

use crate::image::{ImageCommand, ServiceImage};
use crate::model::{Command, MountKind, Service};

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
    if si.image.init.is_some() {
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
