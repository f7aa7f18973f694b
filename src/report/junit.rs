//! JUnit XML, for CI systems that show test results: one `<testsuite>` per
//! source file, one `<testcase>` per diagnostic. Errors and warnings are
//! `<failure>`s; an info is a passing test case with its text in
//! `<system-out>`, so it is visible without failing the build.

use super::sanitize::{self, xml};
use super::{Report, TOOL_NAME};
use crate::diagnostic::{Diagnostic, Severity};
use std::io::{self, Write};

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let fails = |d: &Diagnostic| d.severity != Severity::Info;
    let total_failures = report.diagnostics.iter().filter(|d| fails(d)).count();
    let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    buf.push_str(&format!(
        "<testsuites name=\"{TOOL_NAME}\" tests=\"{}\" failures=\"{total_failures}\" errors=\"0\">\n",
        report.diagnostics.len(),
    ));
    for file in report.sources.files() {
        let diags: Vec<&Diagnostic> = report
            .diagnostics
            .iter()
            .filter(|d| d.span.file == file.id)
            .collect();
        let path = xml(&sanitize::path(&file.path));
        let failures = diags.iter().filter(|d| fails(d)).count();
        if diags.is_empty() {
            buf.push_str(&format!(
                "  <testsuite name=\"{path}\" tests=\"0\" failures=\"0\" errors=\"0\" skipped=\"0\"/>\n"
            ));
            continue;
        }
        buf.push_str(&format!(
            "  <testsuite name=\"{path}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n",
            diags.len()
        ));
        for d in diags {
            let (start, _) = report.position(d.span);
            let name = report.rule_name(d.code);
            let code = sanitize::text(d.code);
            let title = if name.is_empty() {
                code.to_string()
            } else {
                format!("{code} {name}")
            };
            buf.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{path}\" file=\"{path}\" line=\"{}\">\n",
                xml(&format!("{title} at {}:{}", start.line, start.column)),
                start.line
            ));
            // Every line of the body starts with text of ours.
            let mut body = format!(
                "{}:{}:{}: {} {title}: {}",
                sanitize::path(report.path(d.span)),
                start.line,
                start.column,
                d.severity.as_str(),
                sanitize::text(&d.message)
            );
            if let Some(help) = &d.help {
                body.push_str(&format!("\nhelp: {}", sanitize::text(help)));
            }
            for note in &d.notes {
                body.push_str(&format!("\nnote: {}", sanitize::text(note)));
            }
            let body = body.split('\n').map(xml).collect::<Vec<_>>().join("\n");
            if d.severity == Severity::Info {
                buf.push_str(&format!("      <system-out>{body}</system-out>\n"));
            } else {
                buf.push_str(&format!(
                    "      <failure message=\"{}\" type=\"{}\">{body}</failure>\n",
                    xml(&sanitize::text(&d.message)),
                    xml(d.severity.as_str()),
                ));
            }
            buf.push_str("    </testcase>\n");
        }
        buf.push_str("  </testsuite>\n");
    }
    buf.push_str("</testsuites>\n");
    out.write_all(buf.as_bytes())
}
