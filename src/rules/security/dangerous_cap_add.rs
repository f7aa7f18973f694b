//! C104: a capability in `cap_add` that lets the container escape or
//! reach into the host kernel (`ALL`, `SYS_ADMIN`, `SYS_MODULE`, ...).
//!
//! Only capabilities Docker does not grant by default are judged; those
//! that change only the container's own network (`NET_ADMIN`) are an info
//! unless the container shares the host's network.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::normalize_cap;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C104",
    name: "dangerous-cap-add",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "warning for capabilities that reach the host (`SYS_ADMIN`, `NET_ADMIN` with the host network...); info for those confined to the container's namespaces.",
    fix: FixAvailability::None,
    summary: "`cap_add` grants a capability that lets a compromised container reach the host (`ALL`, `SYS_ADMIN`, `SYS_MODULE`, ...).",
    exit_codes: &[],
    page: page!("C104-dangerous-cap-add.md"),
};

/// (capability, what an attacker gains with it, host-level?)
const CAPS: &[(&str, &str, bool)] = &[
    ("ALL", "every capability, close to `privileged: true`: mounting file systems, loading kernel modules, tracing any process", true),
    ("SYS_ADMIN", "mounting file systems and cgroups, the classic way out of a container to root on the host", true),
    ("SYS_MODULE", "loading kernel modules, i.e. running code in the host kernel", true),
    ("SYS_RAWIO", "raw access to I/O ports and device memory of the host", true),
    ("SYS_PTRACE", "tracing and injecting code into other processes (every host process with `pid: host`)", true),
    ("DAC_READ_SEARCH", "opening any host file by handle (`open_by_handle_at`, the \"shocker\" escape), bypassing directory permissions", true),
    ("SYS_BOOT", "rebooting the host or loading a new kernel (`kexec_load`)", true),
    ("BPF", "loading eBPF programs that read kernel memory and other processes' data", true),
    ("PERFMON", "tracing the kernel and other processes with perf events", true),
    ("MAC_ADMIN", "changing the AppArmor/SELinux policy that confines containers", true),
    ("MAC_OVERRIDE", "bypassing the mandatory access control (AppArmor/SELinux) policy", true),
    ("SYSLOG", "reading the kernel log, which reveals kernel addresses that make exploits easier", false),
    ("SYS_TIME", "setting the host's clock, which every container and the host share", false),
    ("NET_ADMIN", "reconfiguring interfaces, routes and firewall rules of its network namespace", false),
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let host_net = s
            .network_mode
            .as_ref()
            .is_some_and(|n| n.value.trim() == "host");
        for c in &s.cap_add {
            let cap = normalize_cap(&c.value);
            let Some((_, gains, host_level)) = CAPS.iter().find(|(n, _, _)| *n == cap) else {
                continue;
            };
            let name = &s.name.value;
            let d = if cap == "NET_ADMIN" && host_net {
                Diagnostic::warning(
                    META.code,
                    c.span,
                    format!("service `{name}` adds `NET_ADMIN` and shares the host's network: it can change the host's interfaces, routes and firewall, and intercept its traffic"),
                )
            } else if *host_level {
                Diagnostic::warning(
                    META.code,
                    c.span,
                    format!("service `{name}` adds `{cap}`: whoever takes over the container gains {gains}"),
                )
            } else {
                Diagnostic::info(
                    META.code,
                    c.span,
                    format!("service `{name}` adds `{cap}`: whoever takes over the container gains {gains}"),
                )
            };
            out.push(
                d.help("keep it only if the program needs it (a VPN needs `NET_ADMIN`, a debugger `SYS_PTRACE`), and drop the rest with `cap_drop: [ALL]`")
                    .note("CIS Docker Benchmark 5.3: restrict Linux kernel capabilities within containers"),
            );
        }
    }
}
