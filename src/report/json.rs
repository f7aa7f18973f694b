//! compose-lint's own JSON document: versioned, stable, described in
//! docs/json-format.md. Field order here is the order written.
//!
//! Display text (messages, labels, help, notes, titles, paths) is sanitized
//! like every other format. Fix replacements are kept exact, since tools
//! apply them; `sanitize::write_json` writes any unsafe character in them as
//! a JSON `\u` escape.

use super::sanitize::{self, write_json};
use super::{Counts, Fixable, Pos, Report, TOOL_NAME, TOOL_VERSION};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::source::Span;
use serde::{Serialize, Serializer};
use std::borrow::Cow;
use std::io::{self, Write};

/// Bumped only for changes that can break a reader (see the doc).
pub(crate) const JSON_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'r, 'a> {
    version: u32,
    tool: Tool,
    files_checked: usize,
    diagnostics: Diagnostics<'r, 'a>,
    notes: Vec<JsonNote>,
    summary: Counts,
    fixable: Fixable,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

/// The findings, each converted as it is written (thousands of them are
/// streamed, not collected first); sanitized text is borrowed when it
/// needed no change.
struct Diagnostics<'r, 'a>(&'r Report<'a>);

impl Serialize for Diagnostics<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0;
        s.collect_seq(report.diagnostics.iter().map(|d| diagnostic(report, d)))
    }
}

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    code: Cow<'a, str>,
    name: Option<&'static str>,
    severity: &'static str,
    message: Cow<'a, str>,
    file: Cow<'a, str>,
    start: Pos,
    end: Pos,
    labels: Vec<JsonLabel<'a>>,
    help: Option<Cow<'a, str>>,
    notes: Vec<Cow<'a, str>>,
    fixes: Vec<JsonFix<'a>>,
}

#[derive(Serialize)]
struct JsonLabel<'a> {
    file: Cow<'a, str>,
    start: Pos,
    end: Pos,
    message: Cow<'a, str>,
}

#[derive(Serialize)]
struct JsonFix<'a> {
    title: Cow<'a, str>,
    applicability: Applicability,
    edits: Vec<JsonEdit<'a>>,
}

#[derive(Serialize)]
struct JsonEdit<'a> {
    file: Cow<'a, str>,
    start: Pos,
    end: Pos,
    replacement: &'a str,
}

#[derive(Serialize)]
struct JsonNote {
    file: String,
    message: String,
}

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let doc = Document {
        version: JSON_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: TOOL_VERSION,
        },
        files_checked: report.files_checked,
        diagnostics: Diagnostics(report),
        notes: report
            .notes
            .iter()
            .map(|n| JsonNote {
                file: sanitize::path(&n.path),
                message: sanitize::text(&n.message).into_owned(),
            })
            .collect(),
        summary: report.counts(),
        fixable: report.fixable(),
    };
    write_json(out, &doc)
}

fn diagnostic<'a>(report: &'a Report, d: &'a Diagnostic) -> JsonDiagnostic<'a> {
    let (start, end) = report.position(d.span);
    JsonDiagnostic {
        code: sanitize::text(d.code),
        name: report.rule(d.code).map(|r| r.name),
        severity: d.severity.as_str(),
        message: sanitize::text(&d.message),
        file: file(report, d.span),
        start,
        end,
        labels: d
            .labels
            .iter()
            .map(|l| {
                let (start, end) = report.position(l.span);
                JsonLabel {
                    file: file(report, l.span),
                    start,
                    end,
                    message: sanitize::text(&l.message),
                }
            })
            .collect(),
        help: d.help.as_deref().map(sanitize::text),
        notes: d.notes.iter().map(|n| sanitize::text(n)).collect(),
        fixes: d
            .fixes
            .iter()
            .map(|f| JsonFix {
                title: sanitize::text(&f.title),
                applicability: f.applicability,
                edits: f
                    .edits
                    .iter()
                    .map(|e| {
                        let (start, end) = report.position(e.span);
                        JsonEdit {
                            file: file(report, e.span),
                            start,
                            end,
                            replacement: &e.replacement,
                        }
                    })
                    .collect(),
            })
            .collect(),
    }
}

fn file<'a>(report: &'a Report, span: Span) -> Cow<'a, str> {
    sanitize::path_borrowed(report.path(span))
}
