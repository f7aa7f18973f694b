//! C105: `pid: host` or `ipc: host` — the container shares the host's
//! process or IPC namespace.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::{image_is, short_repository};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C105",
    name: "host-namespace",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "info for `pid: host` on a monitoring image that needs it by design.",
    fix: FixAvailability::None,
    summary: "`pid: host` or `ipc: host` lets the container see and signal host processes or read their shared memory.",
    exit_codes: &[],
    page: page!("C105-host-namespace.md"),
};

/// Host monitoring agents whose job is to see every host process.
const MONITORS: &[&str] = &[
    "docker.io/prom/node-exporter",
    "quay.io/prometheus/node-exporter",
    "gcr.io/cadvisor/cadvisor",
    "docker.io/google/cadvisor",
    "docker.io/netdata/netdata",
    "docker.io/datadog/agent",
    "gcr.io/datadoghq/agent",
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let name = &s.name.value;
        // Only a service that shares a namespace needs its image's name.
        let monitor = std::cell::OnceCell::new();
        for (key, v, gains, cis) in [
            (
                "pid",
                &s.pid,
                "it sees every host process with its command line, and as root can signal (kill) them; with `SYS_PTRACE` it can inject code into them",
                "CIS Docker Benchmark 5.15: do not share the host's process namespace",
            ),
            (
                "ipc",
                &s.ipc,
                "it can read and write the shared memory segments and message queues of host processes",
                "CIS Docker Benchmark 5.16: do not share the host's IPC namespace",
            ),
        ] {
            let Some(v) = v.as_ref().filter(|v| v.value.trim() == "host") else {
                continue;
            };
            let d = match (monitor.get_or_init(|| image_is(s, MONITORS)), key) {
                (Some(repo), "pid") => Diagnostic::info(
                    META.code,
                    v.span,
                    format!(
                        "service `{name}` shares the host's process namespace; `{}` monitors host processes by design, but {gains}",
                        short_repository(repo)
                    ),
                ),
                _ => Diagnostic::warning(
                    META.code,
                    v.span,
                    format!("service `{name}` sets `{key}: host`: {gains}"),
                ),
            };
            out.push(
                d.help(format!("remove `{key}: host`; to share with one other service use `{key}: \"service:<name>\"`"))
                    .note(cis),
            );
        }
    }
}
