//! C116 (opt-in): no memory or CPU limit. One runaway or attacked service
//! can then take all of the host's memory or CPU from the others.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C116",
    name: "resource-limits",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "(strict) No memory or CPU limit (`mem_limit`/`cpus` or `deploy.resources.limits`).",
    exit_codes: &[],
    page: page!("C116-resource-limits.md"),
};

fn human(bytes: i64) -> String {
    const MIB: i64 = 1024 * 1024;
    if bytes % (1024 * MIB) == 0 {
        format!("{}g", bytes / (1024 * MIB))
    } else {
        format!("{}m", (bytes + MIB - 1) / MIB)
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let limits = s
            .deploy
            .as_ref()
            .and_then(|d| d.resources.as_ref())
            .and_then(|r| r.limits.as_ref());
        let memory = s.mem_limit.is_some() || limits.is_some_and(|l| l.memory.is_some());
        let cpu = s.cpus.is_some()
            || s.cpu_quota.is_some()
            || s.cpu_shares.is_some()
            || limits.is_some_and(|l| l.cpus.is_some());
        let missing = match (memory, cpu) {
            (true, true) => continue,
            (false, false) => "memory or CPU limit",
            (false, true) => "memory limit",
            (true, false) => "CPU limit",
        };
        let min = cx.image(s).and_then(|i| i.image.min_memory.as_ref());
        let help = match (memory, min) {
            (false, Some(m)) => format!(
                "set `mem_limit` (or `deploy.resources.limits.memory`) to what the service uses under load, at least {} for this image, and `cpus`",
                human(m.value)
            ),
            _ => "set `mem_limit` and `cpus` (or `deploy.resources.limits.memory`/`cpus`) to what the service uses under load, with some headroom".to_string(),
        };
        let mut d = Diagnostic::warning(
            META.code,
            s.name.span,
            format!(
                "service `{}` has no {missing}: a leak, a load spike or an attacker's request flood in this one service can starve every other service and the host",
                s.name.value
            ),
        )
        .help(help)
        .note("CIS Docker Benchmark 5.10 (memory) and 5.11 (CPU); OWASP Docker Top 10 D07: resource protection");
        if let (false, Some(m)) = (memory, min) {
            d = d.note(format!("image facts: {}", m.evidence.render()));
        }
        out.push(d);
    }
}
