//! X105: `docker stop` that can only end in SIGKILL (137): `stop_signal`
//! set to SIGKILL, a zero `stop_grace_period`, or a grace period shorter
//! than the clean shutdown the image documents. Only with evidence.

use crate::diagnostic::{Diagnostic, Severity};
use crate::exitcode::{see, signal_by_name};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "X105",
    name: "stop-signal-grace",
    group: Group::Process,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "`stop_signal`/`stop_grace_period` leave no time for a clean shutdown: `docker stop` ends in SIGKILL (137).",
    exit_codes: &[137],
    page: page!("X105-stop-signal-grace.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if let Some(sig) = &s.stop_signal {
            let v = sig.value.trim();
            let n = v.parse::<u8>().ok().or_else(|| signal_by_name(v));
            if n == Some(9) {
                out.push(
                    Diagnostic::warning(
                        META.code,
                        sig.span,
                        format!(
                            "`stop_signal: {v}` cannot be caught: `docker stop` kills the process at once, with no chance to flush or close cleanly (exit 137; see {})",
                            see(137)
                        ),
                    )
                    .help("remove `stop_signal` (SIGTERM, or the image's STOPSIGNAL) and give the program a `stop_grace_period` to exit"),
                );
            }
        }
        let Some(grace) = &s.stop_grace_period else {
            continue;
        };
        let secs = grace.value.as_secs_f64();
        if grace.value.nanos == 0 {
            out.push(
                Diagnostic::warning(
                    META.code,
                    grace.span,
                    format!(
                        "`stop_grace_period: {}` sends SIGKILL right after the stop signal: the process has no time to shut down (exit 137; see {})",
                        grace.value.raw,
                        see(137)
                    ),
                )
                .help("remove it (10s by default) or give the time a clean shutdown needs"),
            );
            continue;
        }
        if let Some(need) = cx.image(s).and_then(|i| i.image.shutdown_seconds.as_ref()) {
            if secs < need.value as f64 {
                out.push(
                    Diagnostic::warning(
                        META.code,
                        grace.span,
                        format!(
                            "`stop_grace_period: {}` is shorter than the {}s this image documents for a clean shutdown: `docker stop` may SIGKILL it midway (exit 137; see {})",
                            grace.value.raw,
                            need.value,
                            see(137)
                        ),
                    )
                    .note(format!("image facts: {}", need.evidence.render()))
                    .help(format!("set `stop_grace_period: {}s` or more", need.value)),
                );
            }
        }
    }
}
