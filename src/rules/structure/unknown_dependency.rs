//! S102: `depends_on` names a service that does not exist.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "S102",
    name: "unknown-dependency",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "`depends_on` or `links` names a service that does not exist.",
    exit_codes: &[],
    page: page!("S102-unknown-dependency.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.incomplete || cx.overlay {
        return;
    }
    let p = cx.project;
    let defined: HashSet<&str> = p.services.iter().map(|s| s.name.value.as_str()).collect();
    for s in &p.services {
        for dep in &s.depends_on {
            let optional = dep.required.as_ref().is_some_and(|r| !r.value);
            if optional || defined.contains(dep.service.value.as_str()) {
                continue;
            }
            let names: Vec<&str> = p.services.iter().map(|s| s.name.value.as_str()).collect();
            let help = match crate::model::suggest::did_you_mean(&dep.service.value, &names) {
                Some(n) => format!("did you mean `{n}`?"),
                None => "define the service, or remove it from `depends_on` (or mark it `required: false`)".into(),
            };
            out.push(
                Diagnostic::error(
                    META.code,
                    dep.service.span,
                    format!(
                        "service `{}` depends on `{}`, which is not defined; `docker compose` refuses to start the project",
                        s.name.value, dep.service.value
                    ),
                )
                .help(help),
            );
        }
        // A link is a dependency as well: Compose v2 refuses a link to a
        // service the project does not define.
        for link in &s.links {
            let target = super::dependency_cycle::link_target(&link.value);
            if defined.contains(target) {
                continue;
            }
            let names: Vec<&str> = p.services.iter().map(|s| s.name.value.as_str()).collect();
            let help = match crate::model::suggest::did_you_mean(target, &names) {
                Some(n) => format!("did you mean `{n}`?"),
                None => "define the service, or remove the link (services on a shared network reach each other by name; to reach a container of another project, use `external_links`)".into(),
            };
            out.push(
                Diagnostic::error(
                    META.code,
                    link.span,
                    format!(
                        "service `{}` links to `{target}`, which is not defined; `docker compose` refuses the project (\"depends on undefined service\")",
                        s.name.value
                    ),
                )
                .help(help),
            );
        }
    }
}
