//! M108: a mount at `/` or over a system directory of the image.
//!
//! A mount replaces the directory it lands on. Over `/usr`, `/bin`, `/lib`
//! and their kin it takes away the image's programs and libraries; over
//! `/etc` its users, groups, certificates and settings. `/` itself is
//! refused by the daemon ("destination can't be '/'").
//!
//! Nested targets (`/data` and `/data/cache`) are not reported: moby sorts
//! a container's mounts by the depth of their destination before mounting
//! (`sortMounts` in daemon/volumes_unix.go), so the order in the file does
//! not matter. `/proc`, `/sys` and `/dev` are filesystems the runtime
//! provides, not image content; binding the host's is C102.

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::PathFact;
use crate::model::{Mount, MountKind, Service};
use crate::rules::mounts::paths::{normalize_abs, target_abs};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "M108",
    name: "mount-over-system-path",
    group: Group::Mounts,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Error],
    levels_why: "error for a mount at `/` or one that replaces the directory of the program the container starts; warning otherwise.",
    fix: FixAvailability::None,
    summary: "A mount at `/` or over a system directory (`/usr`, `/bin`, `/lib`, `/etc`) hides the image's own files.",
    exit_codes: &[127],
    page: page!("M108-mount-over-system-path.md"),
};

/// Directories that hold the image's programs and libraries.
const PROGRAM_DIRS: &[&str] = &[
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/usr",
    "/usr/bin",
    "/usr/sbin",
    "/usr/lib",
];

/// What a mount puts at its target.
/// Is a mount at `target` one this rule may report (at `/`, over a
/// program directory or `/etc`)? Checked before anything else is worked out.
fn concerns(target: &str) -> bool {
    target == "/" || target == "/etc" || PROGRAM_DIRS.contains(&target)
}

enum Fill {
    /// Empty (tmpfs, `nocopy`) or the host's directory.
    Replaced(&'static str),
    /// A copy of the image's directory, made once.
    CopiedOnce,
    /// A volume whose content compose-lint cannot know.
    Unknown,
}

fn fill(cx: &Context, m: &Mount) -> Fill {
    match m.kind.value {
        MountKind::Bind => Fill::Replaced("the host directory"),
        MountKind::Tmpfs => Fill::Replaced("an empty tmpfs"),
        MountKind::Volume => {
            if m.volume
                .as_ref()
                .and_then(|v| v.nocopy.as_ref())
                .is_some_and(|n| n.value)
            {
                return Fill::Replaced("an empty volume (`nocopy`)");
            }
            let Some(src) = &m.source else {
                return Fill::CopiedOnce;
            };
            match cx.project.volume(&src.value) {
                Some(def)
                    if def.external.as_ref().is_some_and(|e| e.external.value)
                        || def.driver.as_ref().is_some_and(|d| d.value != "local") =>
                {
                    Fill::Unknown
                }
                Some(_) => Fill::CopiedOnce,
                None => Fill::Unknown,
            }
        }
        _ => Fill::Unknown,
    }
}

fn report(
    cx: &Context,
    s: &Service,
    target: &str,
    span: Span,
    fill: Fill,
    out: &mut Vec<Diagnostic>,
) {
    let name = &s.name.value;
    if target == "/" {
        out.push(
            Diagnostic::error(
                META.code,
                span,
                format!("service `{name}` mounts something at `/`; Docker refuses it (\"invalid specification: destination can't be '/'\") and the container is not created"),
            )
            .help("mount it at a directory below `/`, such as `/data` or `/host`"),
        );
        return;
    }
    let program = PROGRAM_DIRS.contains(&target);
    if !program && target != "/etc" {
        return;
    }
    // Nothing is hidden where the image has nothing.
    if let Some(img) = cx.image(s) {
        if let PathFact::Absent { .. } = img.path(target) {
            return;
        }
    }
    let holds = if program {
        "programs and libraries"
    } else {
        "users and groups (`/etc/passwd`), CA certificates and settings"
    };
    let d = match (fill, program) {
        (Fill::Replaced(what), true) => Diagnostic::error(
            META.code,
            span,
            format!(
                "service `{name}` mounts {what} over `{target}`, hiding the image's {holds}; the container cannot run its own programs (exit 127, \"no such file or directory\")"
            ),
        ),
        (Fill::Replaced(what), false) => Diagnostic::warning(
            META.code,
            span,
            format!("service `{name}` mounts {what} over `{target}`, hiding the image's {holds}"),
        ),
        (Fill::CopiedOnce, _) => Diagnostic::warning(
            META.code,
            span,
            format!(
                "service `{name}` mounts a volume over `{target}`: Docker fills it once with the image's {holds}, and later images never update that copy"
            ),
        ),
        (Fill::Unknown, _) => Diagnostic::warning(
            META.code,
            span,
            format!(
                "service `{name}` mounts a volume over `{target}`, replacing the image's {holds} with whatever the volume holds"
            ),
        ),
    };
    out.push(d.help(format!(
        "mount only the files or subdirectory you need (e.g. `{target}/<app>`), not `{target}` itself"
    )));
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        for m in &s.volumes {
            let Some(target) = target_abs(m).filter(|t| concerns(t)) else {
                continue;
            };
            report(cx, s, &target, m.target.span, fill(cx, m), out);
        }
        for t in &s.tmpfs {
            let path = t.value.split(':').next().unwrap_or("");
            let Some(target) = normalize_abs(path) else {
                continue;
            };
            report(
                cx,
                s,
                &target,
                t.span,
                Fill::Replaced("an empty tmpfs"),
                out,
            );
        }
    }
}
