//! S108: a top-level volume or network that no service uses.

use crate::diagnostic::{Diagnostic, Severity};
use crate::fasthash::Set;
use crate::model::MountKind;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "S108",
    name: "unused-definition",
    group: Group::Structure,
    default_severity: Severity::Info,
    levels: &[Severity::Info],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "A top-level volume or network that no service uses.",
    exit_codes: &[],
    page: page!("S108-unused-definition.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // An overlay's definitions may serve the base's services.
    if cx.overlay || cx.incomplete {
        return;
    }
    let p = cx.project;
    // What the services use, read once: a large file has thousands of
    // services and hundreds of definitions.
    let mounted: Set<&str> = p
        .services
        .iter()
        .flat_map(|s| &s.volumes)
        .filter(|m| m.kind.value == MountKind::Volume)
        .filter_map(|m| m.source.as_ref().map(|src| src.value.as_str()))
        .collect();
    let joined: Set<&str> = p
        .services
        .iter()
        .flat_map(|s| &s.networks)
        .map(|sn| sn.name.value.as_str())
        .collect();
    for v in &p.volumes {
        if !mounted.contains(v.name.value.as_str()) {
            out.push(
                Diagnostic::info(
                    META.code,
                    v.name.span,
                    format!(
                        "volume `{}` is defined but no service mounts it",
                        v.name.value
                    ),
                )
                .help("remove it, or check for a typo in the service's `volumes:` entry"),
            );
        }
    }
    for n in &p.networks {
        if n.name.value == "default" {
            continue;
        }
        if !joined.contains(n.name.value.as_str()) {
            out.push(
                Diagnostic::info(
                    META.code,
                    n.name.span,
                    format!(
                        "network `{}` is defined but no service joins it",
                        n.name.value
                    ),
                )
                .help("remove it, or add it to the `networks:` of the services that should use it"),
            );
        }
    }
}
