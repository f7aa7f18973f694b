//! C102: a bind mount of a sensitive host directory (`/`, `/etc`, `/root`,
//! `/proc`, `/sys`, `/var/lib/docker`, `/boot`, `/dev`).
//!
//! Only these directories themselves are reported (and anything under
//! `/var/lib/docker`), not a single file such as `/etc/localtime`.
//! Read-only lowers the finding to info: the container can still read
//! secrets there, but cannot change the host.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::mounts::paths::{bind_host_abs, is_within};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C102",
    name: "sensitive-host-path",
    group: Group::Security,
    default_severity: Severity::Warning,
    fix: FixAvailability::None,
    summary: "A bind mount of a sensitive host directory such as `/`, `/etc`, `/root` or `/var/lib/docker`.",
    exit_codes: &[],
    page: page!("C102-sensitive-host-path.md"),
};

/// (host directory, what a writable mount of it allows)
const PATHS: &[(&str, &str)] = &[
    ("/", "the whole host file system: its passwords, keys, and every file a process could change to gain root"),
    ("/etc", "the host's users, sudoers, cron jobs and service configuration: a write there is root on the host"),
    ("/root", "the root user's home: SSH keys, shell start-up files and credentials"),
    ("/proc", "every host process, with its environment (secrets) and kernel settings under /proc/sys"),
    ("/sys", "kernel and device settings of the host"),
    ("/var/lib/docker", "every container's files, volumes and configuration (environment variables, secrets)"),
    ("/boot", "the host's kernel and boot loader: a change there runs at the next boot"),
    ("/dev", "the host's device nodes, including its disks"),
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        for m in &s.volumes {
            let Some(host) = bind_host_abs(m) else {
                continue;
            };
            let hit = PATHS.iter().find(|(p, _)| {
                host == *p || (*p == "/var/lib/docker" && is_within(&host, p))
            });
            let Some((_, why)) = hit else { continue };
            let span = m.source.as_ref().map_or(m.span, |s| s.span);
            let name = &s.name.value;
            let d = if m.is_read_only() {
                Diagnostic::info(
                    META.code,
                    span,
                    format!("service `{name}` mounts the host's `{host}` read-only: it can read {why}"),
                )
                .help("mount only the files the service needs")
            } else {
                Diagnostic::warning(
                    META.code,
                    span,
                    format!("service `{name}` mounts the host's `{host}` writable, exposing {why}"),
                )
                .help(format!("mount only the files the service needs, and add `:ro` (`{host}:<target>:ro`) if it only reads them"))
            };
            out.push(d);
        }
    }
}
