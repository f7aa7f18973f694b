//! S109: `container_name` on a service that runs more than one container.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "S109",
    name: "container-name-with-replicas",
    group: Group::Structure,
    default_severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "`container_name` on a service with more than one replica.",
    exit_codes: &[],
    page: page!("S109-container-name-with-replicas.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(name) = s.container_name.as_ref().filter(|n| !n.value.is_empty()) else {
            continue;
        };
        let replicas = s
            .deploy
            .as_ref()
            .and_then(|d| d.replicas.as_ref())
            .filter(|r| r.value > 1)
            .or(s.scale.as_ref().filter(|r| r.value > 1));
        let Some(replicas) = replicas else {
            continue;
        };
        out.push(
            Diagnostic::error(
                META.code,
                name.span,
                format!(
                    "service `{}` sets `container_name: {}` but asks for {} containers; container names must be unique, so `docker compose` refuses the project",
                    s.name.value, name.value, replicas.value
                ),
            )
            .label(replicas.span, "more than one replica requested here")
            .help("remove `container_name` (Compose then names the replicas itself), or run a single replica"),
        );
    }
}
