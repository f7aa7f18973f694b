//! C118 (opt-in): no restart policy. A crashed service, or every service
//! after a reboot of the host, stays down.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C118",
    name: "restart-policy",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "(strict) No `restart` policy: the service stays down after a crash or a reboot.",
    exit_codes: &[],
    page: page!("C118-restart-policy.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let deploy = s.deploy.as_ref().and_then(|d| d.restart_policy.as_ref());
        if s.restart.is_some() || deploy.is_some() {
            continue;
        }
        out.push(
            Diagnostic::warning(
                META.code,
                s.name.span,
                format!(
                    "service `{}` has no restart policy: after a crash, an out-of-memory kill or a reboot of the host it stays down until someone runs `docker compose up` again",
                    s.name.value
                ),
            )
            .help("add `restart: unless-stopped` (or `on-failure` for a job that may exit); a one-shot job that must not repeat can say `restart: \"no\"`")
            .note("CIS Docker Benchmark 5.14 (restart policy); OWASP Docker Top 10 D07: resource protection"),
        );
    }
}
