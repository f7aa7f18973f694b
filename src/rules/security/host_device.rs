//! C109: `devices:` hands a host device to the container. Raw disks and
//! memory are a warning (the container reads and writes the host's data
//! below every file permission); other devices an info.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C109",
    name: "host-device",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "warning for raw disk and memory devices; info for other devices.",
    fix: FixAvailability::None,
    summary: "`devices:` gives the container a host device; a raw disk or memory device bypasses every file permission.",
    exit_codes: &[],
    page: page!("C109-host-device.md"),
};

/// Host devices that expose all of the host's data or memory.
fn raw_access(path: &str) -> Option<&'static str> {
    let p = path.trim();
    let name = p.strip_prefix("/dev/")?;
    let is = |prefix: &str| name.starts_with(prefix);
    if matches!(name, "mem" | "kmem" | "port") {
        Some("the host's physical memory or I/O ports")
    } else if is("sd")
        || is("hd")
        || is("vd")
        || is("xvd")
        || is("nvme")
        || is("mmcblk")
        || is("dm-")
        || is("mapper/")
        || is("disk/")
        || is("md")
        || is("loop")
    {
        Some("a host block device (every file on it, below file permissions)")
    } else {
        None
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        for d in &s.devices {
            let dev = d.source.value.trim();
            let name = &s.name.value;
            let diag = match raw_access(dev) {
                Some(what) => Diagnostic::warning(
                    META.code,
                    d.source.span,
                    format!("service `{name}` gets the host device `{dev}`, {what}: whoever takes over the container can read and change it, including other containers' data and the host's password hashes"),
                )
                .help("mount the directory the service needs instead of the device"),
                None => Diagnostic::info(
                    META.code,
                    d.source.span,
                    format!("service `{name}` gets the host device `{dev}`: whoever takes over the container can use it directly"),
                )
                .help("keep it if the service drives this hardware (a GPU, a serial adapter); add `:r` if it only reads"),
            };
            out.push(diag.note(
                "CIS Docker Benchmark 5.17: do not expose host devices directly to containers",
            ));
        }
    }
}
