//! S108: a top-level volume or network that no service uses.

use crate::diagnostic::{Diagnostic, Severity};
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
    for v in &p.volumes {
        let used = p.services.iter().any(|s| {
            s.volumes.iter().any(|m| {
                m.kind.value == MountKind::Volume
                    && m.source
                        .as_ref()
                        .is_some_and(|src| src.value == v.name.value)
            })
        });
        if !used {
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
        let used = p
            .services
            .iter()
            .any(|s| s.networks.iter().any(|sn| sn.name.value == n.name.value));
        if !used {
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
