//! P101: the top-level `version` key, which Compose v2 ignores.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "P101",
    name: "obsolete-version",
    group: Group::Portability,
    default_severity: Severity::Info,
    levels: &[Severity::Info],
    levels_why: "",
    fix: FixAvailability::Always,
    summary: "The top-level `version` key is obsolete.",
    exit_codes: &[],
    page: page!("P101-obsolete-version.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let Some(version) = &cx.project.version else {
        return;
    };
    let Some(key) = cx.project.keys.get("version") else {
        return;
    };
    let mut d = Diagnostic::info(
        META.code,
        key,
        format!(
            "`version: {}` is obsolete: Compose v2 ignores it and warns on every run",
            cx.sources.slice(version.span)
        ),
    )
    .help("remove the `version` line; the Compose Specification needs no version");
    if let Some(span) = whole_line(cx, key, version.span) {
        d = d.fix(Fix {
            title: "remove the `version` line".into(),
            edits: vec![Edit {
                span,
                replacement: String::new(),
            }],
            applicability: Applicability::Safe,
        });
    }
    out.push(d);
}

/// The line holding `key: value`, with its line break, when nothing else is
/// on it but an optional comment. `None` when deleting it would be unsafe.
fn whole_line(cx: &Context, key: Span, value: Span) -> Option<Span> {
    if key.file != value.file {
        return None;
    }
    let file = cx.sources.get(key.file);
    let line = file.line_col(key.start as usize).line;
    if file.line_col(value.end as usize).line != line {
        return None;
    }
    let range = file.line_range(line);
    let text = &file.text[range.clone()];
    if range.start != key.start as usize {
        return None; // not at column 1: inside something else
    }
    let after = text[(value.end as usize - range.start)..].trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let end = file.text[range.end..]
        .find('\n')
        .map_or(file.text.len(), |i| range.end + i + 1);
    Some(Span::new(key.file, range.start, end))
}
