//! P102: `links`, a legacy feature that networks replaced.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "P102",
    name: "legacy-links",
    group: Group::Portability,
    default_severity: Severity::Info,
    levels: &[Severity::Info],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "`links` is legacy; services on a shared network reach each other by name.",
    exit_codes: &[],
    page: page!("P102-legacy-links.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(key) = s.keys.get("links") else {
            continue;
        };
        if s.links.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::info(
                META.code,
                key,
                format!(
                    "service `{}` uses `links`, a legacy feature: services on a shared network already reach each other by service name",
                    s.name.value
                ),
            )
            .help("remove `links`; use `depends_on` for start order and network `aliases` for extra names"),
        );
    }
}
