//! X102: the command the container starts does not exist in the image, so
//! it exits with 127 at once. Only with image facts that say so.

use crate::diagnostic::{Diagnostic, Severity};
use crate::exitcode::see;
use crate::image::{PathFact, ServiceImage};
use crate::model::{Command, Service};
use crate::rules::process::{argv, command_is_executed, mounted_over};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "X102",
    name: "command-not-found",
    group: Group::Process,
    default_severity: Severity::Error,
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
        // The program that is executed: the service's entrypoint, else its
        // command when nothing stands in front of it.
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
        let Some(evidence) = missing(s, si, prog) else {
            continue;
        };
        let d = Diagnostic::error(
            META.code,
            cmd.span,
            format!(
                "`{key}` starts `{prog}`, which {}: the container exits with 127 at once (see {})",
                evidence.0,
                see(127)
            ),
        )
        .note(format!("image facts: {}", evidence.1))
        .help(if prog.ends_with("bash") {
            "use `/bin/sh` (and POSIX shell syntax), or install bash in the image".to_string()
        } else {
            format!("use a program the image has, or install `{prog}` in the image")
        });
        out.push(d);
    }
}

/// Why `prog` is certainly missing, and the evidence; `None` when it may exist.
fn missing(s: &Service, si: &ServiceImage, prog: &str) -> Option<(String, String)> {
    if prog.starts_with('/') {
        if mounted_over(s, prog) {
            return None;
        }
        return absent(si, prog).map(|ev| ("does not exist in the image".to_string(), ev));
    }
    if prog.contains('/') || prog.is_empty() {
        return None;
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
