//! C115 (opt-in): the root file system is writable (`read_only` not set).
//!
//! A read-only root file system breaks every program that writes outside
//! its mounts, so the rule suggests it only when the image facts list
//! every path the program writes (`writes` in the built-in facts); it then
//! gives the `tmpfs:` entries the service needs. Without that fact it says
//! why it does not suggest it (info).

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::Evidence;
use crate::rules::mounts::paths::is_within;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C115",
    name: "read-only-rootfs",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "info when the image facts do not say where the program writes, so no `tmpfs:` list can be suggested.",
    fix: FixAvailability::None,
    summary: "(strict) The root file system is writable; suggested with its `tmpfs:` entries only when the image facts say where the program writes.",
    exit_codes: &[],
    page: page!("C115-read-only-rootfs.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if s.read_only.as_ref().is_some_and(|r| r.value) {
            continue;
        }
        let span = s.read_only.as_ref().map_or(s.name.span, |r| r.span);
        let name = &s.name.value;
        let img = cx.image(s).filter(|i| i.is_known());
        // Only facts about the image itself as published: a Dockerfile's
        // own layers may add programs that write elsewhere.
        let writes = img
            .filter(|i| matches!(i.image.origin, Some(Evidence::Builtin { .. })))
            .and_then(|i| i.image.writes.as_ref());
        let Some(writes) = writes else {
            out.push(
                Diagnostic::info(
                    META.code,
                    span,
                    format!("service `{name}` has a writable root file system; compose-lint does not suggest `read_only: true` here because the image facts do not say where the program writes, and a read-only root breaks a program that writes outside its mounts"),
                )
                .help("run it once with `read_only: true`, see which writes fail (`EROFS`, \"Read-only file system\"), and give each such directory a `tmpfs:` entry or a volume")
                .note("CIS Docker Benchmark 5.12: mount the container's root file system as read-only"),
            );
            continue;
        };
        // Mounted paths stay writable: the service's volumes and tmpfs,
        // and the image's VOLUMEs (anonymous volumes).
        let mounted: Vec<String> = s
            .volumes
            .iter()
            .filter(|m| !m.is_read_only())
            .map(|m| m.target.value.clone())
            .chain(
                s.tmpfs
                    .iter()
                    .map(|t| t.value.split(':').next().unwrap_or("").to_string()),
            )
            .chain(
                img.into_iter()
                    .flat_map(|i| i.image.volumes.iter().map(|v| v.value.clone())),
            )
            .collect();
        let mut need: Vec<String> = writes
            .value
            .iter()
            .chain(std::iter::once(&"/tmp".to_string()))
            .filter(|w| !mounted.iter().any(|m| is_within(w, m)))
            .cloned()
            .collect();
        need.dedup();
        let tmpfs = if need.is_empty() {
            String::new()
        } else {
            format!(
                " and `tmpfs: [{}]`",
                need.iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        out.push(
            Diagnostic::warning(
                META.code,
                span,
                format!("service `{name}` has a writable root file system: whoever takes over the process can replace the image's programs and libraries, and the change survives restarts of the container"),
            )
            .help(format!("add `read_only: true`{tmpfs}: by the image facts the program writes nowhere else"))
            .note(format!("image facts (paths written outside volumes): {}", writes.evidence.render()))
            .note("CIS Docker Benchmark 5.12: mount the container's root file system as read-only"),
        );
    }
}
