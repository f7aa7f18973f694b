//! X102: the command the container starts does not exist in the image, so
//! it exits with 127 at once. Only with image facts that say so.

use crate::diagnostic::{Diagnostic, Severity};
use crate::exitcode::see;
use crate::image::script;
use crate::image::{PathFact, ServiceImage};
use crate::model::{Command, Service};
use crate::rules::process::{argv, bind_source, command_is_executed, image_starts, mounted_over};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "X102",
    name: "command-not-found",
    group: Group::Process,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "The entrypoint or command names a program the image does not have (exit 127).",
    exit_codes: &[127],
    page: page!("X102-command-not-found.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(si) = cx.image(s).filter(|i| i.is_known()) else {
            continue;
        };
        // The image's own ENTRYPOINT/CMD, when Compose sets neither.
        for st in image_starts(s, Some(si)) {
            let prog = &st.argv[0];
            let what = match missing(s, si, prog) {
                Some((why, ev)) => Some((why, ev, exits_127(), help(prog, st.shell_form))),
                None => interpreter_missing(cx, s, si, prog).map(|(why, ev)| {
                    let h = interpreter_help(&why);
                    (why, ev, exits_after_start(prog), h)
                }),
            };
            let Some((why, evidence, outcome, fix)) = what else {
                continue;
            };
            let mut d = Diagnostic::error(
                META.code,
                st.span,
                format!(
                    "the image's {} starts `{prog}`, which {why}: {outcome}",
                    st.instruction,
                ),
            )
            .note(st.origin())
            .note(format!("image facts: {evidence}"));
            if st.shell_form {
                d = d.note(format!(
                    "the shell form of {} runs `/bin/sh -c \"...\"`",
                    st.instruction
                ));
            }
            out.push(d.help(fix));
        }
        // The program that is executed: the service's entrypoint, else its
        // command when nothing stands in front of it (no entrypoint, an
        // init, or a wrapper that execs its arguments).
        let (key, cmd): (&str, &Command) = if let Some(e) = argv(&s.entrypoint) {
            ("entrypoint", e)
        } else if s.entrypoint.is_some() {
            continue;
        } else if let Some(c) = argv(&s.command).filter(|_| command_is_executed(Some(si))) {
            ("command", c)
        } else {
            continue;
        };
        let prog = &cmd.argv[0];
        let found = match missing(s, si, prog) {
            Some((why, ev)) => Some((why, ev, exits_127(), help(prog, false))),
            None => interpreter_missing(cx, s, si, prog).map(|(why, ev)| {
                let h = interpreter_help(&why);
                (why, ev, exits_after_start(prog), h)
            }),
        };
        let Some(evidence) = found else {
            continue;
        };
        let mut d = Diagnostic::error(
            META.code,
            cmd.span,
            format!(
                "`{key}` starts `{prog}`, which {}: {}",
                evidence.0, evidence.2
            ),
        )
        .note(format!("image facts: {}", evidence.1));
        if key == "command" {
            if let Some(f) = si.image.execs_args.as_ref().filter(|f| f.value) {
                d = d.note(format!(
                    "the image's entrypoint ends in `exec \"$@\"`, so the command is the program: {}",
                    f.evidence.render()
                ));
            }
        }
        out.push(d.help(evidence.3));
    }
}

fn interpreter_help(why: &str) -> String {
    if why.contains("CRLF") {
        "save the script with LF line ends (`dos2unix`; `*.sh text eol=lf` in .gitattributes keeps a Windows checkout from converting it)".to_string()
    } else {
        "change the `#!` line to an interpreter the image has (`#!/bin/sh`), or install it in the image".to_string()
    }
}

/// The runtime cannot find the program: the start fails, 127.
fn exits_127() -> String {
    format!("the container exits with 127 at once (see {})", see(127))
}

/// The runtime finds the script, starts the container, and only then the
/// kernel cannot find its interpreter: the container stops at once with
/// `exec <script>: no such file or directory`, and runc's status (1 with
/// runc 1.1+, proven on the engine in tests/premise/image_start.rs), not
/// Docker's 127.
fn exits_after_start(prog: &str) -> String {
    format!(
        "the container stops at once with `exec {prog}: no such file or directory` (exit 1 with current runc; a restart policy loops on it)"
    )
}

fn help(prog: &str, shell_form: bool) -> String {
    if shell_form {
        "use the exec form (`CMD [\"/app/server\"]`), which needs no shell, or base the image on one that has `/bin/sh`".to_string()
    } else if prog.contains('/') && !prog.starts_with('/') {
        "a relative path is taken from the working directory in the container, not from the project: copy the file into the image (or bind-mount it) and name it by its absolute path".to_string()
    } else if prog.ends_with("bash") {
        "use `/bin/sh` (and POSIX shell syntax), or install bash in the image".to_string()
    } else {
        format!("use a program the image has, or install `{prog}` in the image")
    }
}

/// A script copied from the build context whose `#!` line names an
/// interpreter the image lacks (or ends in `\r`: the file has CRLF line
/// ends): the kernel reports ENOENT for the script itself.
fn interpreter_missing(
    cx: &Context,
    s: &Service,
    si: &ServiceImage,
    prog: &str,
) -> Option<(String, String)> {
    let path = if prog.starts_with('/') {
        prog.to_string()
    } else if prog.contains('/') {
        let wd = s
            .working_dir
            .as_ref()
            .map(|w| w.value.clone())
            .or_else(|| si.workdir().map(|w| w.value.clone()))?;
        crate::image::facts::join(&wd, prog)
    } else {
        return None;
    };
    // The script's text: the host file of a bind mount from the project,
    // else the file the build copied from its context.
    let (host, from) = if let Some((src, rest)) = bind_source(s, &path) {
        if src.starts_with('~') || src.contains('$') {
            return None;
        }
        let mut h = cx.project_dir.join(src);
        if !rest.is_empty() {
            h.push(rest);
        }
        if !crate::image::contained(&h, cx.project_dir) {
            return None;
        }
        (h, "bind-mounted from the project")
    } else if mounted_over(s, &path) {
        return None;
    } else {
        (
            si.image.context_file(&path)?,
            "copied from the build context",
        )
    };
    let text = crate::load::project::read_text(&host, 1024 * 1024).ok()?;
    let (interp, _) = script::shebang(&text)?;
    if let Some(bare) = interp.strip_suffix('\r') {
        return Some((
            format!("is a script saved with Windows (CRLF) line ends: its `#!` line names `{bare}\\r`, which no image has"),
            format!("{path} is {from}, and its first line ends in \\r"),
        ));
    }
    if !interp.starts_with('/') || mounted_over(s, &interp) {
        return None;
    }
    let ev = absent(si, &interp)?;
    Some((
        format!("is a script whose `#!` line names `{interp}`, which the image does not have"),
        format!("{path} is {from}; {ev}"),
    ))
}

/// Why `prog` is certainly missing, and the evidence; `None` when it may exist.
fn missing(s: &Service, si: &ServiceImage, prog: &str) -> Option<(String, String)> {
    if prog.starts_with('/') {
        if mounted_over(s, prog) {
            return None;
        }
        return absent(si, prog).map(|ev| ("does not exist in the image".to_string(), ev));
    }
    if prog.is_empty() {
        return None;
    }
    if prog.contains('/') {
        // A relative path (`./run.sh`) is taken from the working directory:
        // the service's `working_dir`, else the image's WORKDIR.
        let (wd, from) = match &s.working_dir {
            Some(w) => (w.value.clone(), "`working_dir`"),
            None => (si.workdir()?.value.clone(), "the image's working directory"),
        };
        if !wd.starts_with('/') {
            return None;
        }
        let path = crate::image::facts::join(&wd, prog);
        if mounted_over(s, &path) {
            return None;
        }
        return absent(si, &path).map(|ev| {
            (
                format!("does not exist in the image ({path}, from {from} {wd})"),
                ev,
            )
        });
    }
    // A relative name is looked up on the container's PATH: the service's
    // `environment`, else the image's.
    let path = match s.environment.get("PATH") {
        Some(kv) => kv.value.as_ref()?.value.clone(),
        None => si.image.env("PATH")?.value.clone(),
    };
    let dirs: Vec<&str> = path.split(':').collect();
    if dirs.iter().any(|d| !d.starts_with('/')) {
        return None;
    }
    let mut first = None;
    for d in &dirs {
        let p = format!("{}/{prog}", d.trim_end_matches('/'));
        if mounted_over(s, &p) {
            return None;
        }
        let ev = absent(si, &p)?;
        first.get_or_insert(ev);
    }
    Some((
        format!("is in none of the PATH directories ({path})"),
        first?,
    ))
}

/// The evidence that `path` is absent from the image.
fn absent(si: &ServiceImage, path: &str) -> Option<String> {
    if si.has_binary(path) != Some(false) {
        return None;
    }
    if let Some(f) = si.image.absent_binaries.iter().find(|b| b.value == path) {
        return Some(format!("{path} is absent, {}", f.evidence.render()));
    }
    match si.path(path) {
        PathFact::Absent { evidence } => Some(format!("{path} is absent, {}", evidence.render())),
        _ => None,
    }
}
