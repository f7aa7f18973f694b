//! Checkstyle XML, read by many CI and review tools: a `<file>` per source
//! file, an `<error>` per diagnostic with line, column, severity
//! (error/warning/info), message and source (`compose-lint.CODE`).

use super::sanitize::{self, xml};
use super::{Report, TOOL_NAME};
use std::io::{self, Write};

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    buf.push_str("<checkstyle version=\"4.3\">\n");
    for file in report.sources.files() {
        let path = xml(&sanitize::path(&file.path));
        let mut diags = report
            .diagnostics
            .iter()
            .filter(|d| d.span.file == file.id)
            .peekable();
        if diags.peek().is_none() {
            buf.push_str(&format!("  <file name=\"{path}\"/>\n"));
            continue;
        }
        buf.push_str(&format!("  <file name=\"{path}\">\n"));
        for d in diags {
            let (start, _) = report.position(d.span);
            let mut message = sanitize::text(&d.message).into_owned();
            if let Some(help) = &d.help {
                message.push_str(" (help: ");
                message.push_str(&sanitize::text(help));
                message.push(')');
            }
            buf.push_str(&format!(
                "    <error line=\"{}\" column=\"{}\" severity=\"{}\" message=\"{}\" source=\"{}\"/>\n",
                start.line,
                start.column,
                d.severity.as_str(),
                xml(&message),
                xml(&format!("{TOOL_NAME}.{}", sanitize::text(d.code))),
            ));
        }
        buf.push_str("  </file>\n");
    }
    buf.push_str("</checkstyle>\n");
    out.write_all(buf.as_bytes())
}
