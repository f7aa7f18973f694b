//! C117 (opt-in): no health check. Silent when the image has its own
//! HEALTHCHECK, or when the service turns it off on purpose.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::HealthTest;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C117",
    name: "healthcheck",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "info when compose-lint does not know whether the image defines a health check.",
    fix: FixAvailability::None,
    summary: "(strict) Neither the service nor its image defines a health check.",
    exit_codes: &[],
    page: page!("C117-healthcheck.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if let Some(h) = &s.healthcheck {
            // A test of its own, or turned off on purpose: a decision.
            let inherits = matches!(
                h.test.as_ref().map(|t| &t.value),
                None | Some(HealthTest::Inherit)
            ) && !h.disable.as_ref().is_some_and(|d| d.value);
            if !inherits {
                continue;
            }
        }
        let img = cx.image(s).filter(|i| i.is_known());
        let own = img.and_then(|i| i.image.healthcheck.as_ref());
        let name = &s.name.value;
        let d = match own {
            Some(f) if f.value => continue,
            Some(f) => Diagnostic::warning(
                META.code,
                s.name.span,
                format!("service `{name}` has no health check, and its image defines none: Compose reports it running while it hangs or still starts, and `depends_on: condition: service_healthy` cannot wait for it"),
            )
            .note(format!("image facts: no HEALTHCHECK ({})", f.evidence.render())),
            None => Diagnostic::info(
                META.code,
                s.name.span,
                format!("service `{name}` has no health check, and compose-lint does not know whether its image defines one: if it does not, a hung service looks healthy"),
            ),
        };
        out.push(
            d.help("add `healthcheck: {test: [\"CMD\", \"<probe>\"], interval: 30s, retries: 3}` with a probe the image contains (`pg_isready`, `redis-cli ping`, `wget -q --spider http://localhost:PORT/`)")
                .note("CIS Docker Benchmark 4.6 and 5.26: add a HEALTHCHECK and check container health at run time"),
        );
    }
}
