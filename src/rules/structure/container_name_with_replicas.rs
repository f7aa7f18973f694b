//! S109: `container_name` on a service that runs more than one container.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::model::Service;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "S109",
    name: "container-name-with-replicas",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::Sometimes,
    summary: "`container_name` on a service with more than one replica.",
    exit_codes: &[],
    page: page!("S109-container-name-with-replicas.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(name) = s.container_name.as_ref().filter(|n| !n.value.is_empty()) else {
            continue;
        };
        let replicas = s
            .deploy
            .as_ref()
            .and_then(|d| d.replicas.as_ref())
            .filter(|r| r.value > 1)
            .or(s.scale.as_ref().filter(|r| r.value > 1));
        let Some(replicas) = replicas else {
            continue;
        };
        let mut d = Diagnostic::error(
                META.code,
                name.span,
                format!(
                    "service `{}` sets `container_name: {}` but asks for {} containers; container names must be unique, so `docker compose` refuses the project",
                    s.name.value, name.value, replicas.value
                ),
            )
            .label(replicas.span, "more than one replica requested here")
            .help("remove `container_name` (Compose then names the replicas itself), or run a single replica");
        if let Some(span) = key_lines(cx, s, name.span) {
            // Unsafe: whatever finds the container by that name (`docker
            // exec web`, a script, a monitoring rule) no longer does.
            d = d.fix(Fix {
                title: format!(
                    "remove `container_name: {}` (the replicas get Compose's names, such as `<project>-{}-1`)",
                    name.value, s.name.value
                ),
                edits: vec![Edit {
                    span,
                    replacement: String::new(),
                }],
                applicability: Applicability::Unsafe,
            });
        }
        out.push(d);
    }
}

/// The whole line of `container_name: <value>` in block style: the key
/// alone at the start of its line (after indentation), the value on the
/// same line, nothing but a comment after it.
fn key_lines(cx: &Context, s: &Service, value: Span) -> Option<Span> {
    let key = s.keys.get("container_name")?;
    if key.file != value.file {
        return None;
    }
    let file = cx.sources.get(key.file);
    let text = &*file.text;
    let line = file.line_col(key.start as usize).line;
    if file.line_col(value.end as usize).line != line {
        return None;
    }
    let range = file.line_range(line);
    if !text[range.start..key.start as usize]
        .chars()
        .all(|c| c == ' ')
    {
        return None;
    }
    let after = text.get(value.end as usize..range.end)?.trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let end = text[range.end..]
        .find('\n')
        .map_or(text.len(), |i| range.end + i + 1);
    Some(Span::new(key.file, range.start, end))
}
