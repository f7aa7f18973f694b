//! S105: two mounts in one service share a container path.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "S105",
    name: "duplicate-mount-target",
    group: Group::Structure,
    default_severity: Severity::Error,
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

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let mut seen: Vec<(&str, Span)> = Vec::new();
        let tmpfs = s.tmpfs.iter().map(|t| {
            let path = t.value.split(':').next().unwrap_or("");
            (path, t.span)
        });
        let targets = s
            .volumes
            .iter()
            .map(|m| (m.target.value.as_str(), m.target.span))
            .chain(tmpfs);
        for (target, span) in targets {
            if target.is_empty() || target.contains('$') {
                continue;
            }
            let t = normalize(target);
            if let Some((_, first)) = seen.iter().find(|(p, _)| *p == t) {
                out.push(
                    Diagnostic::error(
                        META.code,
                        span,
                        format!(
                            "service `{}` mounts two things at `{t}`; the container fails to start (\"Duplicate mount point: {t}\")",
                            s.name.value
                        ),
                    )
                    .label(*first, "first mounted here")
                    .help("remove one of the two mounts, or mount it at another path"),
                );
            } else {
                seen.push((t, span));
            }
        }
    }
}
