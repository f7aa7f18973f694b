//! GitHub Actions workflow commands: one annotation per diagnostic.
//!
//! `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE name::MSG`
//! Property values escape `%`, CR, LF, `:` and `,`; the message escapes `%`,
//! CR and LF (the runner's own rules). Text from linted files is sanitized
//! first, so the only line breaks left are the ones we put between the
//! message and the help, and they are escaped as `%0A`.

use super::sanitize;
use super::Report;
use crate::diagnostic::Severity;
use std::io::{self, Write};

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut buf = String::new();
    for d in report.diagnostics {
        let command = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let (start, end) = report.position(d.span);
        let name = report.rule_name(d.code);
        let title = if name.is_empty() {
            sanitize::text(d.code).into_owned()
        } else {
            format!("{} {name}", sanitize::text(d.code))
        };
        let mut message = sanitize::text(&d.message).into_owned();
        if let Some(help) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(&sanitize::text(help));
        }
        buf.push_str(&format!(
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
            property(&sanitize::path(report.path(d.span))),
            start.line,
            start.column,
            end.line,
            end.column,
            property(&title),
            data(&message),
        ));
    }
    out.write_all(buf.as_bytes())
}

/// Escape a command's message.
pub(crate) fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a command property value.
pub(crate) fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escaping() {
        assert_eq!(super::data("50%\r\n::x,y"), "50%25%0D%0A::x,y");
        assert_eq!(super::property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }
}
