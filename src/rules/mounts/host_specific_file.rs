//! M106: a bind mount of a host file that exists only on some hosts.
//!
//! `/etc/timezone` is a Debian-family file: Fedora, RHEL, Arch and Alpine
//! hosts, macOS and Windows do not have it, and some hosts have a directory
//! there. A missing bind source is created by the daemon as an empty
//! root-owned directory (legacy bind strings, see the mount notes), which
//! then lands on the image's `/etc/timezone` file: the container does not
//! start ("not a directory"). `/etc/localtime` exists on Linux and macOS
//! hosts alike and is not reported.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::mounts::paths::{bind_host_abs, entry_line};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M106",
    name: "host-specific-file",
    group: Group::Mounts,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "warning for `/etc/timezone` (missing or a directory on many hosts); info for files that only some hosts lack (`/etc/machine-id`).",
    fix: FixAvailability::Sometimes,
    summary: "A bind mount of a host file that many hosts do not have, such as `/etc/timezone`.",
    exit_codes: &[127],
    page: page!("M106-host-specific-file.md"),
};

/// A host file that varies by OS, and what to say about it.
struct HostFile {
    path: &'static str,
    severity: Severity,
    why: &'static str,
    help: &'static str,
}

const FILES: &[HostFile] = &[
    HostFile {
        path: "/etc/timezone",
        severity: Severity::Warning,
        why: "only Debian-family hosts have it (Fedora, RHEL, Arch and Alpine hosts, macOS and Windows do not), and on some (CentOS 8) it is a directory",
        help: "remove this mount and set the zone with the `TZ` environment variable (`TZ: Europe/Berlin`); keep `/etc/localtime:/etc/localtime:ro` if you mount it",
    },
    HostFile {
        path: "/etc/machine-id",
        severity: Severity::Info,
        why: "hosts without systemd (Alpine, macOS, Windows with Docker Desktop) do not have it",
        help: "mount it only on hosts that have it (an override file for those hosts), or pass the id another way",
    },
    HostFile {
        path: "/var/lib/dbus/machine-id",
        severity: Severity::Info,
        why: "only hosts with D-Bus installed have it (not macOS, Windows, or minimal Linux hosts)",
        help: "mount it only on hosts that have it (an override file for those hosts), or pass the id another way",
    },
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        for m in &s.volumes {
            let Some(host) = bind_host_abs(m) else {
                continue;
            };
            let Some(f) = FILES.iter().find(|f| f.path == host) else {
                continue;
            };
            let source = m.source.as_ref().expect("a bind has a source");
            let mut d = Diagnostic::new(
                META.code,
                f.severity,
                source.span,
                format!(
                    "service `{}` bind-mounts the host's `{}`: {}",
                    s.name.value, f.path, f.why
                ),
            )
            .note(
                "where the file is missing, Docker creates an empty root-owned directory at that host path and mounts it; over a file in the image the container fails to start (\"not a directory\", exit 127 class)",
            )
            .help(f.help);
            if f.path == "/etc/timezone" {
                d = d.note("the JVM and most C libraries read `TZ` before `/etc/timezone`; the image needs its zoneinfo files (`tzdata`) for it");
            }
            // Removing the entry leaves `volumes:` empty when it is the only one.
            if s.volumes.len() > 1 {
                if let Some(line) = entry_line(cx, m) {
                    d = d.fix(Fix {
                        title: if f.path == "/etc/timezone" {
                            "remove the `/etc/timezone` mount (then set `TZ`)".to_string()
                        } else {
                            format!("remove the `{}` mount", f.path)
                        },
                        edits: vec![Edit {
                            span: line,
                            replacement: String::new(),
                        }],
                        applicability: Applicability::Unsafe,
                    });
                }
            }
            out.push(d);
        }
    }
}
