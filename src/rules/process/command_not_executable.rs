//! X103: the program the container starts is a directory or a file without
//! an execute bit: a script bind-mounted from the project (checked on the
//! host), or a path the image facts describe. The start fails with EACCES,
//! which Docker reports as exit 126.

use std::path::PathBuf;

use crate::diagnostic::{Diagnostic, Severity};
use crate::exitcode::see;
use crate::image::{PathFact, PathKind};
use crate::model::Command;
use crate::model::Service;
use crate::rules::process::{argv, bind_source, command_is_executed, image_starts, mounted_over};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "X103",
    name: "command-not-executable",
    group: Group::Process,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary:
        "The entrypoint or command is a directory or a file without the execute bit (exit 126).",
    exit_codes: &[126],
    page: page!("X103-command-not-executable.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let si = cx.image(s);
        image_start(cx, s, si, out);
        let (key, cmd): (&str, &Command) = if let Some(e) = argv(&s.entrypoint) {
            ("entrypoint", e)
        } else if s.entrypoint.is_some() {
            continue;
        } else if let Some(c) = argv(&s.command).filter(|_| command_is_executed(si)) {
            ("command", c)
        } else {
            continue;
        };
        let prog = &cmd.argv[0];
        // A relative path with a slash is resolved from the working directory.
        let path = if prog.starts_with('/') {
            prog.clone()
        } else if prog.contains('/') {
            let wd = s
                .working_dir
                .as_ref()
                .map(|w| w.value.clone())
                .or_else(|| si.and_then(|i| i.workdir()).map(|w| w.value.clone()));
            match wd {
                Some(wd) if wd.starts_with('/') => crate::image::facts::join(&wd, prog),
                _ => continue,
            }
        } else {
            continue;
        };
        let problem = if let Some((src, rest)) = bind_source(s, &path) {
            host_problem(cx, src, &rest)
        } else if mounted_over(s, &path) {
            None
        } else {
            si.and_then(|si| image_problem(si, &path))
        };
        let Some((what, evidence)) = problem else {
            continue;
        };
        out.push(
            Diagnostic::error(
                META.code,
                cmd.span,
                format!(
                    "`{key}` starts `{prog}`, which {what}: the start fails with `permission denied` and the container exits with 126 (see {})",
                    see(126)
                ),
            )
            .note(evidence)
            .help(if what.contains("directory") {
                "name the program inside the directory, or fix the mount source".to_string()
            } else {
                "make it executable (`chmod +x` on the host, and commit the mode: `git update-index --chmod=+x`), or run it through its interpreter (`[\"sh\", \"script.sh\"]`)".to_string()
            }),
        );
    }
}

/// The image's own ENTRYPOINT/CMD, when Compose sets neither.
fn image_start(
    cx: &Context,
    s: &Service,
    si: Option<&crate::image::ServiceImage>,
    out: &mut Vec<Diagnostic>,
) {
    for st in image_starts(s, si) {
        // A shell form whose string is one simple command: the shell runs
        // that program, and reports its own 126 when it cannot.
        let (prog, via_shell) = if st.shell_form {
            // Without `/bin/sh` that is X102's 127 instead.
            if si.and_then(|si| si.has_binary("/bin/sh")) == Some(false) {
                continue;
            }
            match simple_command(&st.argv[2]) {
                Some(p) => (p, true),
                None => continue,
            }
        } else {
            (st.argv[0].clone(), false)
        };
        let prog = &prog;
        let path = if prog.starts_with('/') {
            prog.clone()
        } else if prog.contains('/') {
            let wd = s
                .working_dir
                .as_ref()
                .map(|w| w.value.clone())
                .or_else(|| si.and_then(|i| i.workdir()).map(|w| w.value.clone()));
            match wd {
                Some(wd) if wd.starts_with('/') => crate::image::facts::join(&wd, prog),
                _ => continue,
            }
        } else {
            continue;
        };
        // A bind mount over a program the image starts directly is M107's
        // finding; one started through the shell form is judged here.
        let problem = match bind_source(s, &path) {
            Some((src, rest)) if via_shell => host_problem(cx, src, &rest),
            Some(_) => None,
            None if mounted_over(s, &path) => None,
            None => si.and_then(|si| image_problem(si, &path)),
        };
        let Some((what, evidence)) = problem else {
            continue;
        };
        let what = if via_shell {
            format!("is run by `/bin/sh -c` and {what}")
        } else {
            what
        };
        out.push(
            Diagnostic::error(
                META.code,
                st.span,
                format!(
                    "the image's {} starts `{prog}`, which {what}: the start fails with `permission denied` and the container exits with 126 (see {})",
                    st.instruction,
                    see(126)
                ),
            )
            .note(st.origin())
            .note(evidence)
            .help(if what.contains("directory") {
                "name the program inside the directory".to_string()
            } else {
                "copy it executable (`COPY --chmod=755 ...`, or `RUN chmod +x <path>`), or commit the mode in the build context (`chmod +x`, `git update-index --chmod=+x`)".to_string()
            }),
        );
    }
}

/// The program of a shell string that is one simple command
/// (`/code/run.sh --port 80`), when it has no shell syntax.
fn simple_command(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() || t.contains(|c: char| ";&|<>$`()'\"\\\n*?".contains(c)) {
        return None;
    }
    let first = t.split_whitespace().next()?;
    (!first.contains('=')).then(|| first.to_string())
}

/// The host side of a bind mount, inside the project directory.
fn host_problem(cx: &Context, src: &str, rest: &str) -> Option<(String, String)> {
    if src.starts_with('~') || src.contains('$') {
        return None;
    }
    let mut host: PathBuf = cx.project_dir.join(src);
    if !rest.is_empty() {
        host.push(rest);
    }
    if !crate::image::contained(&host, cx.project_dir) {
        return None;
    }
    let meta = std::fs::metadata(&host).ok()?;
    let shown = if rest.is_empty() {
        src.to_string()
    } else {
        format!("{}/{rest}", src.trim_end_matches('/'))
    };
    if meta.is_dir() {
        return Some((
            "is a directory".into(),
            format!("host: {shown} is a directory (bind-mounted from the project)"),
        ));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode();
        if meta.is_file() && mode & 0o111 == 0 {
            return Some((
                "has no execute bit".into(),
                format!(
                    "host: {shown} has mode {:04o} (bind-mounted from the project; the container sees the host's mode)",
                    mode & 0o7777
                ),
            ));
        }
    }
    None
}

fn image_problem(si: &crate::image::ServiceImage, path: &str) -> Option<(String, String)> {
    let PathFact::Exists(info) = si.path(path) else {
        return None;
    };
    match info.kind {
        Some(PathKind::Dir) => Some((
            "is a directory in the image".into(),
            format!(
                "image facts: {} is a directory, {}",
                info.path,
                info.evidence.render()
            ),
        )),
        Some(PathKind::File) if info.mode.is_some_and(|m| m & 0o111 == 0) => Some((
            "has no execute bit in the image".into(),
            format!(
                "image facts: {} has mode {:04o}, {}",
                info.path,
                info.mode.unwrap_or(0),
                info.evidence.render()
            ),
        )),
        _ => None,
    }
}
