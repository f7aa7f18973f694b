//! C106: `network_mode: host` (info). The container uses the host's
//! network stack: no isolation, every port it opens is open on the host,
//! and it reaches services bound to the host's loopback.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C106",
    name: "host-network",
    group: Group::Security,
    default_severity: Severity::Info,
    levels: &[Severity::Info],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "`network_mode: host` removes network isolation: the container reaches the host's loopback services and opens ports on the host directly.",
    exit_codes: &[],
    page: page!("C106-host-network.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(n) = s.network_mode.as_ref().filter(|n| n.value.trim() == "host") else {
            continue;
        };
        out.push(
            Diagnostic::info(
                META.code,
                n.span,
                format!(
                    "service `{}` uses the host's network: it can reach every service bound to the host's 127.0.0.1 (databases, admin ports, a Docker API on tcp://127.0.0.1:2375), every port it opens is open on the host without `ports:`, and its default `NET_RAW` capability can sniff host traffic",
                    s.name.value
                ),
            )
            .help("use the default bridge network and publish only the ports the service serves (`ports: [\"127.0.0.1:8080:8080\"]`); keep host networking for tools that need it (mDNS/DLNA discovery, network monitors)")
            .note("CIS Docker Benchmark 5.9: do not share the host's network namespace"),
        );
    }
}
