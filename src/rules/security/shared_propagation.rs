//! C108: a bind mount with `shared` or `rshared` propagation: mounts made
//! inside the container appear on the host (and host mounts inside it).

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::MountKind;
use crate::rules::security::util::{adds_cap, is_privileged};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C108",
    name: "shared-propagation",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "info when the container cannot mount anything itself (no `SYS_ADMIN`, not privileged).",
    fix: FixAvailability::None,
    summary: "A bind mount with `shared`/`rshared` propagation: mounts the container makes show up on the host.",
    exit_codes: &[],
    page: page!("C108-shared-propagation.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let can_mount = is_privileged(s) || adds_cap(s, "SYS_ADMIN");
        for m in &s.volumes {
            if m.kind.value != MountKind::Bind {
                continue;
            }
            let Some(p) = m.bind.as_ref().and_then(|b| b.propagation.as_ref()) else {
                continue;
            };
            let mode = p.value.trim().to_ascii_lowercase();
            if mode != "shared" && mode != "rshared" {
                continue;
            }
            let name = &s.name.value;
            let target = &m.target.value;
            let d = if can_mount {
                Diagnostic::warning(
                    META.code,
                    p.span,
                    format!("service `{name}` can mount file systems and its bind mount at `{target}` has `{mode}` propagation: a mount it makes there appears on the host, so a compromised container can mount over host paths that host processes then use"),
                )
            } else {
                Diagnostic::info(
                    META.code,
                    p.span,
                    format!("service `{name}`'s bind mount at `{target}` has `{mode}` propagation: mounts made there appear on the host; today the service cannot mount (no `privileged`, no `SYS_ADMIN`), but the setting couples the host's mount table to the container"),
                )
            };
            out.push(
                d.help("use the default `rprivate`, or `rslave` if the container only needs to see mounts the host makes later")
                    .note("CIS Docker Benchmark 5.19: do not set mount propagation mode to shared"),
            );
        }
    }
}
