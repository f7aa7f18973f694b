//! S104: two services set the same `container_name`.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Service;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "S104",
    name: "duplicate-container-name",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "Two services set the same `container_name`.",
    exit_codes: &[],
    page: page!("S104-duplicate-container-name.md"),
};

/// Can both services run at once? Compose drops the services of profiles
/// that are not enabled before it checks names, so services whose profiles
/// are all different (`app-dev` / `app-prod`) are alternatives.
fn may_run_together(a: &Service, b: &Service) -> bool {
    a.profiles.is_empty()
        || b.profiles.is_empty()
        || a.profiles
            .iter()
            .any(|p| b.profiles.iter().any(|q| q.value == p.value))
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // Earlier services by container name, in source order.
    let mut by_name: HashMap<&str, Vec<&Service>> = HashMap::new();
    for s in &cx.project.services {
        let Some(name) = &s.container_name else {
            continue;
        };
        let earlier = by_name.entry(name.value.as_str()).or_default();
        let first = earlier.iter().copied().find(|o| may_run_together(o, s));
        earlier.push(s);
        // Empty (an unset variable, reported by S006) means no name at all.
        if name.value.is_empty() || name.value.contains('$') {
            continue;
        }
        if let Some(first) = first {
            out.push(
                Diagnostic::error(
                    META.code,
                    name.span,
                    format!(
                        "services `{}` and `{}` both use container name `{}`, which must be unique on the Docker host; `docker compose` refuses the project (older releases fail to create the second container: \"Conflict. The container name is already in use\")",
                        first.name.value, s.name.value, name.value
                    ),
                )
                .label(
                    first.container_name.as_ref().map_or(first.name.span, |n| n.span),
                    "first used here",
                )
                .help("give each service its own `container_name`, or drop it and let Compose name the containers"),
            );
        }
    }
}
