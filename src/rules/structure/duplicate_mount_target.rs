//! S105: two mounts in one service share a container path.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "S105",
    name: "duplicate-mount-target",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "Two mounts in one service use the same container path.",
    exit_codes: &[],
    page: page!("S105-duplicate-mount-target.md"),
};

/// `/data/` and `/data` are the same mount point.
fn normalize(p: &str) -> &str {
    let t = p.trim_end_matches('/');
    if t.is_empty() {
        "/"
    } else {
        t
    }
}

/// What happens at `up` with two mounts at one target, on Compose v2.40.3
/// (Engine 20.10; checked by the premise suite, `s105_*`): an entry of the
/// service's `tmpfs:` key against a `volumes:` entry is refused while
/// loading; any two `volumes:` entries (named, anonymous, bind, tmpfs)
/// start the container with only the later one mounted. Compose v1
/// refuses every case ("Duplicate mount points").
fn consequence(tmpfs_key: bool) -> &'static str {
    if tmpfs_key {
        "Compose v2 refuses the project (\"target already mounted as tmpfs\")"
    } else {
        "Compose v2 starts the container with only the second one mounted and silently drops the first, so data meant for it goes elsewhere (Compose v1 refuses: \"Duplicate mount points\")"
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let mut seen: Vec<(&str, Span, bool)> = Vec::new();
        let tmpfs = s.tmpfs.iter().map(|t| {
            let path = t.value.split(':').next().unwrap_or("");
            (path, t.span, true)
        });
        let targets = s
            .volumes
            .iter()
            .map(|m| (m.target.value.as_str(), m.target.span, false))
            .chain(tmpfs);
        for (target, span, kind) in targets {
            if target.is_empty() || target.contains('$') {
                continue;
            }
            let t = normalize(target);
            if let Some((_, first, first_kind)) = seen.iter().find(|(p, _, _)| *p == t) {
                out.push(
                    Diagnostic::error(
                        META.code,
                        span,
                        format!(
                            "service `{}` mounts two things at `{t}`; {}",
                            s.name.value,
                            consequence(*first_kind || kind)
                        ),
                    )
                    .label(*first, "first mounted here")
                    .help("remove one of the two mounts, or mount it at another path"),
                );
            } else {
                seen.push((t, span, kind));
            }
        }
    }
}
