//! `--output-format concise`: one line per finding,
//! `path:line:col: severity[CODE] message`, then the summary line.

use super::human;
use super::sanitize;
use super::{HumanOptions, Report};
use std::io::{self, Write};

pub(crate) fn render(report: &Report, opts: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = human::Paint(opts.color);
    let mut buf = String::new();
    for d in report.diagnostics {
        let (start, _) = report.position(d.span);
        let head = format!("{}[{}]", d.severity.as_str(), sanitize::text(d.code));
        buf.push_str(&format!(
            "{}:{}:{}: {} {}\n",
            sanitize::path(report.path(d.span)),
            start.line,
            start.column,
            paint.severity(d.severity, &head),
            sanitize::text(&d.message)
        ));
    }
    if !opts.quiet {
        buf.push_str(&human::summary(report));
        buf.push('\n');
    }
    out.write_all(buf.as_bytes())
}
