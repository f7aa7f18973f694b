//! GitLab Code Quality JSON: an array of issues with description,
//! check_name, fingerprint, severity (info/minor/major) and location
//! {path, lines {begin, end}}. GitLab matches issues between pipelines by
//! fingerprint, so it must not change while the finding does not.

use super::sanitize::{self, write_json};
use super::{fingerprint, slash_path, Report};
use crate::diagnostic::Severity;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: String,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: usize,
    end: usize,
}

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Issue> = report
        .diagnostics
        .iter()
        .map(|d| {
            let (start, end) = report.position(d.span);
            let name = report.rule_name(d.code);
            let code = sanitize::text(d.code);
            let mut description = if name.is_empty() {
                format!("{code}: {}", sanitize::text(&d.message))
            } else {
                format!("{code} {name}: {}", sanitize::text(&d.message))
            };
            if let Some(help) = &d.help {
                description.push_str(" (help: ");
                description.push_str(&sanitize::text(help));
                description.push(')');
            }
            Issue {
                description,
                check_name: code.into_owned(),
                fingerprint: fingerprint(report, d),
                severity: match d.severity {
                    Severity::Error => "major",
                    Severity::Warning => "minor",
                    Severity::Info => "info",
                },
                location: Location {
                    path: sanitize::text(&slash_path(report.path(d.span))).into_owned(),
                    lines: Lines {
                        begin: start.line,
                        end: end.line.max(start.line),
                    },
                },
            }
        })
        .collect();
    write_json(out, &issues)
}
