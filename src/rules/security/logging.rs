//! C119 (opt-in): logs without rotation. The default `json-file` driver
//! keeps every line forever: a chatty or attacked service fills the disk.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C119",
    name: "logging",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "(strict) No log rotation: the `json-file` driver without `max-size` grows until the disk is full.",
    exit_codes: &[],
    page: page!("C119-logging.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let (span, driver) = match &s.logging {
            Some(l) => (
                l.driver.as_ref().map_or(l.span, |d| d.span),
                l.driver.as_ref().map(|d| d.value.trim().to_string()),
            ),
            None => (s.name.span, None),
        };
        // Other drivers ship logs elsewhere or rotate (`local`) on their own.
        if driver.as_deref().is_some_and(|d| d != "json-file") {
            continue;
        }
        if s.logging
            .as_ref()
            .is_some_and(|l| l.options.get("max-size").is_some())
        {
            continue;
        }
        out.push(
            Diagnostic::warning(
                META.code,
                span,
                format!(
                    "service `{}` logs through `json-file` without `max-size` (unless the daemon's own default says otherwise): the log grows without limit, and a noisy or attacked service fills the host's disk",
                    s.name.value
                ),
            )
            .help("add `logging: {driver: json-file, options: {max-size: \"10m\", max-file: \"3\"}}`, or use the `local` driver, which rotates")
            .note("OWASP Docker Top 10 D10 (logging) and D07 (resource protection); CIS Docker Benchmark 2.12 (centralized logging)"),
        );
    }
}
