//! C107: `security_opt` that turns off the kernel confinement of the
//! container: seccomp, AppArmor, SELinux labelling, or the masking of
//! `/proc` and `/sys` paths.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::security_opt;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C107",
    name: "confinement-disabled",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "`security_opt` turns off seccomp, AppArmor or SELinux confinement (`seccomp:unconfined`, `apparmor:unconfined`, `label:disable`).",
    exit_codes: &[],
    page: page!("C107-confinement-disabled.md"),
};

/// What the entry switches off, and what an attacker gains, or `None`.
fn disables(key: &str, value: &str) -> Option<(&'static str, &'static str, &'static str)> {
    let v = value.trim().to_ascii_lowercase();
    match (key, v.as_str()) {
        ("seccomp", "unconfined") => Some((
            "the seccomp filter",
            "the whole kernel system-call interface is open again, including the calls (`keyctl`, `bpf`, `unshare`, `userfaultfd`) behind most container escapes",
            "CIS Docker Benchmark 5.21: do not disable the default seccomp profile",
        )),
        ("apparmor", "unconfined") => Some((
            "the AppArmor profile",
            "nothing stops writes to `/proc/sys`, mounts, or access to `/sys/kernel` that the default profile denies",
            "CIS Docker Benchmark 5.1: verify an AppArmor profile is enabled",
        )),
        ("label", "disable") => Some((
            "SELinux labelling",
            "on an SELinux host the container's processes are no longer kept to their own files: a bind mount or an escape reaches every host file",
            "CIS Docker Benchmark 5.2: verify SELinux security options are set",
        )),
        ("label", "type:spc_t") => Some((
            "SELinux confinement (`spc_t` is the unconfined \"super privileged container\" type)",
            "on an SELinux host the container's processes act on host files as an unconfined process",
            "CIS Docker Benchmark 5.2: verify SELinux security options are set",
        )),
        ("systempaths", "unconfined") => Some((
            "the masking of `/proc` and `/sys` paths",
            "kernel interfaces such as `/proc/kcore`, `/proc/sysrq-trigger` and `/sys/firmware` become visible",
            "CIS Docker Benchmark 5.21 and OWASP D04: keep the kernel paths masked",
        )),
        _ => None,
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        for o in &s.security_opt {
            let (key, value) = security_opt(&o.value);
            let Some((what, gains, cis)) = disables(&key, &value) else {
                continue;
            };
            out.push(
                Diagnostic::warning(
                    META.code,
                    o.span,
                    format!("service `{}` turns off {what}: {gains}", s.name.value),
                )
                .help("remove the entry; if one system call or path is missing, allow just that in a custom profile (`seccomp:./profile.json`)")
                .note(cis),
            );
        }
    }
}
