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
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "info when the mount is read-only.",
    fix: FixAvailability::None,
    summary: "A bind mount of a sensitive host directory such as `/`, `/etc`, `/root` or `/var/lib/docker`.",
    exit_codes: &[],
    page: page!("C102-sensitive-host-path.md"),
};

/// (host directory, what it holds, what a writable mount allows)
const PATHS: &[(&str, &str, &str)] = &[
    (
        "/",
        "the whole host file system",
        "any file a process could change to gain root can be changed",
    ),
    (
        "/etc",
        "the host's users, password hashes, sudoers and cron jobs",
        "adding a user or a cron job there is root on the host",
    ),
    (
        "/root",
        "the root user's SSH keys, shell start-up files and credentials",
        "an added key or start-up line is root on the host",
    ),
    (
        "/proc",
        "every host process with its environment (secrets)",
        "kernel settings under /proc/sys can be changed",
    ),
    (
        "/sys",
        "the host's kernel and device settings",
        "they can be changed",
    ),
    (
        "/var/lib/docker",
        "every container's files, volumes and configuration (environment variables, secrets)",
        "other containers and the daemon's state can be changed",
    ),
    (
        "/boot",
        "the host's kernel and boot loader",
        "a change there runs at the next boot",
    ),
    (
        "/dev",
        "the host's device nodes, including its disks",
        "with `privileged` or device rules the disks can be written",
    ),
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        for m in &s.volumes {
            let Some(host) = bind_host_abs(m) else {
                continue;
            };
            let hit = PATHS
                .iter()
                .find(|(p, _, _)| host == *p || (*p == "/var/lib/docker" && is_within(&host, p)));
            let Some((_, holds, write)) = hit else {
                continue;
            };
            let span = m.source.as_ref().map_or(m.span, |s| s.span);
            let name = &s.name.value;
            let d = if m.is_read_only() {
                Diagnostic::info(
                    META.code,
                    span,
                    format!("service `{name}` mounts the host's `{host}` read-only: the container can read {holds}"),
                )
                .help("mount only the files the service needs")
            } else {
                Diagnostic::warning(
                    META.code,
                    span,
                    format!("service `{name}` mounts the host's `{host}` writable: the container can read {holds}, and {write}"),
                )
                .help(format!("mount only the files the service needs, and add `:ro` (`{host}:<target>:ro`) if it only reads them"))
            };
            out.push(d);
        }
    }
}
