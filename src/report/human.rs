//! The terminal format: a header per diagnostic, miette code frames, help,
//! notes and a preview of each fix, then a summary line.
//!
//! miette draws the frames only; the header, help, notes and fixes are ours,
//! unwrapped, so no text from a linted file can be wrapped onto the start of
//! a line (see `sanitize` on workflow commands). miette reads spans as byte
//! offsets into the source, so it gets `sanitize::frame_source`, which keeps
//! every byte offset.

use super::sanitize;
use super::{HumanOptions, Report};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::source::{FileId, SourceFile, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

/// How many lines of a fix's before/after text to show.
const PREVIEW_LINES: usize = 4;

pub(crate) fn render(report: &Report, opts: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint(opts.color);
    let mut frames = Frames::new(report, opts.color);
    let mut buf = String::new();

    if !opts.quiet {
        for note in report.notes {
            buf.push_str(&format!(
                "{}: {}: {}\n",
                paint.bold("note"),
                sanitize::path(&note.path),
                sanitize::text(&note.message)
            ));
        }
        if !report.notes.is_empty() && !report.diagnostics.is_empty() {
            buf.push('\n');
        }
    }

    for d in report.diagnostics {
        diagnostic(report, d, paint, &mut frames, &mut buf);
        buf.push('\n');
    }

    if opts.statistics {
        statistics(report, paint, &mut buf);
    }
    if !opts.quiet {
        buf.push_str(&summary(report));
        buf.push('\n');
    }
    out.write_all(buf.as_bytes())
}

fn diagnostic(
    report: &Report,
    d: &Diagnostic,
    paint: Paint,
    frames: &mut Frames,
    buf: &mut String,
) {
    let name = report.rule_name(d.code);
    let (start, _) = report.position(d.span);
    let sev = d.severity.as_str();
    let head = paint.severity(d.severity, &format!("{sev}[{}]", sanitize::text(d.code)));
    if name.is_empty() {
        buf.push_str(&format!(
            "{head}: {}\n",
            paint.bold(&sanitize::text(&d.message))
        ));
    } else {
        buf.push_str(&format!(
            "{head} {}: {}\n",
            paint.bold(name),
            paint.bold(&sanitize::text(&d.message))
        ));
    }
    buf.push_str(&format!(
        " {} {}:{}:{}\n",
        paint.blue("-->"),
        sanitize::path(report.path(d.span)),
        start.line,
        start.column
    ));

    // One frame for the primary file, then one per other file a label is in.
    let mut by_file: BTreeMap<FileId, Vec<LabeledSpan>> = BTreeMap::new();
    let primary_label = d
        .labels
        .iter()
        .find(|l| l.span == d.span)
        .map(|l| sanitize::text(&l.message).into_owned())
        .unwrap_or_else(|| "here".to_string());
    let primary_text = &report.sources.get(d.span.file).text;
    by_file.insert(
        d.span.file,
        vec![LabeledSpan::new_primary_with_span(
            Some(primary_label),
            clamp(primary_text, d.span),
        )],
    );
    for l in d.labels.iter().filter(|l| l.span != d.span) {
        let text = &report.sources.get(l.span.file).text;
        by_file
            .entry(l.span.file)
            .or_default()
            .push(LabeledSpan::new_with_span(
                Some(sanitize::text(&l.message).into_owned()),
                clamp(text, l.span),
            ));
    }
    if let Some(labels) = by_file.remove(&d.span.file) {
        buf.push_str(&frames.render(d.span.file, false, labels));
    }
    for (file, labels) in by_file {
        buf.push_str(&frames.render(file, true, labels));
    }

    if let Some(help) = &d.help {
        buf.push_str(&format!(
            "  {}: {}\n",
            paint.cyan("help"),
            sanitize::text(help)
        ));
    }
    for note in &d.notes {
        buf.push_str(&format!(
            "  {} {}\n",
            paint.bold("= note:"),
            sanitize::text(note)
        ));
    }
    for fix in &d.fixes {
        fix_preview(report, d, fix, paint, buf);
    }
}

/// A span as miette wants it: inside the text and on char boundaries.
pub(super) fn clamp(text: &str, span: Span) -> (usize, usize) {
    let mut start = (span.start as usize).min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = (span.end as usize).clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    (start, end - start)
}

fn fix_preview(report: &Report, d: &Diagnostic, fix: &Fix, paint: Paint, buf: &mut String) {
    let kind = match fix.applicability {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
        Applicability::DisplayOnly => "display only",
    };
    buf.push_str(&format!(
        "  {} ({kind}): {}\n",
        paint.green("fix"),
        sanitize::text(&fix.title)
    ));
    for edit in &fix.edits {
        let file = report.sources.get(edit.span.file);
        if edit.span.file != d.span.file {
            buf.push_str(&format!(
                "     {} {}\n",
                paint.blue("-->"),
                sanitize::path(&file.path)
            ));
        }
        let (line, before, after) = edit_lines(file, edit);
        let width = (line + before.len().max(after.len()))
            .to_string()
            .len()
            .max(3);
        preview_side(&before, line, width, '-', paint, buf);
        preview_side(&after, line, width, '+', paint, buf);
    }
}

fn preview_side(
    lines: &[String],
    first: usize,
    width: usize,
    sign: char,
    paint: Paint,
    buf: &mut String,
) {
    for (i, l) in lines.iter().take(PREVIEW_LINES).enumerate() {
        let text = format!("{sign} {}", sanitize::text(l));
        let text = if sign == '-' {
            paint.red(&text)
        } else {
            paint.green(&text)
        };
        let row = format!("    {:>width$} {text}", first + i);
        buf.push_str(row.trim_end());
        buf.push('\n');
    }
    if lines.len() > PREVIEW_LINES {
        buf.push_str(&format!(
            "    {:>width$} {sign} … {} more lines\n",
            "",
            lines.len() - PREVIEW_LINES
        ));
    }
}

/// The whole lines an edit touches, before and after it: (first line
/// number, old lines, new lines). An edit that ends just after a line break
/// (a whole-line deletion) does not pull in the next line.
pub(super) fn edit_lines(file: &SourceFile, edit: &Edit) -> (usize, Vec<String>, Vec<String>) {
    let text = &*file.text;
    let (start, len) = clamp(text, edit.span);
    let end = start + len;
    let first = file.line_col(start).line;
    let from = file.line_range(first).start;
    let to = if end > from && text[..end].ends_with('\n') {
        end
    } else {
        file.line_range(file.line_col(end).line).end.max(end)
    };
    let old = &text[from..to];
    let new = format!(
        "{}{}{}",
        &text[from..start],
        edit.replacement,
        &text[end..to]
    );
    // A chunk that ends in its line break and becomes empty was deleted.
    let whole = old.ends_with('\n');
    let split = |s: &str| -> Vec<String> {
        if s.is_empty() && whole {
            return Vec::new();
        }
        let s = s.strip_suffix('\n').unwrap_or(s);
        s.split('\n')
            .map(|l| l.trim_end_matches('\r').to_string())
            .collect()
    };
    (first, split(old), split(&new))
}

fn statistics(report: &Report, paint: Paint, buf: &mut String) {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for d in report.diagnostics {
        *counts.entry(d.code).or_default() += 1;
    }
    let mut rows: Vec<_> = counts.into_iter().collect();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if rows.is_empty() {
        return;
    }
    buf.push_str(&paint.bold("count  code   name"));
    buf.push('\n');
    for (code, n) in rows {
        let row = format!(
            "{n:>5}  {:<6} {}",
            sanitize::text(code),
            report.rule_name(code)
        );
        buf.push_str(row.trim_end());
        buf.push('\n');
    }
    buf.push('\n');
}

/// `Found 3 problems (1 error, 2 warnings) in 2 files.` counts the files the
/// problems are in; `No problems found in 2 files.` the files checked.
pub(crate) fn summary(report: &Report) -> String {
    let c = report.counts();
    let total = c.errors + c.warnings + c.infos;
    if total == 0 {
        return format!(
            "No problems found in {}.",
            plural(report.files_checked, "file", "files")
        );
    }
    let mut parts = Vec::new();
    if c.errors > 0 {
        parts.push(plural(c.errors, "error", "errors"));
    }
    if c.warnings > 0 {
        parts.push(plural(c.warnings, "warning", "warnings"));
    }
    if c.infos > 0 {
        parts.push(plural(c.infos, "info", "info"));
    }
    let mut files: Vec<FileId> = report.diagnostics.iter().map(|d| d.span.file).collect();
    files.sort();
    files.dedup();
    let mut line = format!(
        "Found {} ({}) in {}.",
        plural(total, "problem", "problems"),
        parts.join(", "),
        plural(files.len(), "file", "files")
    );
    let f = report.fixable();
    match (f.safe, f.r#unsafe) {
        (0, 0) => {}
        (s, 0) => line.push_str(&format!("\n{s} fixable with `--fix`.")),
        (0, u) => line.push_str(&format!("\n{u} fixable with `--fix --unsafe-fixes`.")),
        (s, u) => line.push_str(&format!(
            "\n{s} fixable with `--fix`, {u} more with `--fix --unsafe-fixes`."
        )),
    }
    line
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Code frames through miette, with each file's sanitized text made once.
pub(super) struct Frames<'r> {
    report: &'r Report<'r>,
    handler: GraphicalReportHandler,
    sanitized: BTreeMap<FileId, Arc<str>>,
}

impl<'r> Frames<'r> {
    pub(super) fn new(report: &'r Report<'r>, color: bool) -> Frames<'r> {
        let theme = if color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_links(false)
            .with_urls(false)
            .with_wrap_lines(false)
            .with_context_lines(1)
            .without_syntax_highlighting()
            .without_cause_chain()
            .without_primary_span_start();
        Frames {
            report,
            handler,
            sanitized: BTreeMap::new(),
        }
    }

    /// A frame for `labels` in `file`. `named` frames carry the file name
    /// in their top border (for labels outside the diagnostic's own file).
    pub(super) fn render(&mut self, file: FileId, named: bool, labels: Vec<LabeledSpan>) -> String {
        let f = self.report.sources.get(file);
        let text = self
            .sanitized
            .entry(file)
            .or_insert_with(|| Arc::from(sanitize::frame_source(&f.text).into_owned()))
            .clone();
        let labels = match bound_labels(&text, labels) {
            Ok(l) => l,
            Err((line, len)) => {
                return format!("   (no code frame: line {line} is {len} bytes long)\n");
            }
        };
        // Labels far apart (a duplicate's first site many lines up) get a
        // frame each, so that a frame never spans half the file.
        let mut labels = labels;
        labels.sort_by_key(|l| l.offset());
        let mut clusters: Vec<Vec<LabeledSpan>> = Vec::new();
        let mut last_line = 0;
        for l in labels {
            let line = f.line_col(l.offset()).line;
            let end_line = f.line_col(l.offset() + l.len()).line;
            match clusters.last_mut() {
                Some(c) if line <= last_line + 8 => c.push(l),
                _ => clusters.push(vec![l]),
            }
            last_line = last_line.max(end_line);
        }
        let mut out = String::new();
        for (i, cluster) in clusters.into_iter().enumerate() {
            out.push_str(&self.window(file, &text, named || i > 0, cluster));
        }
        out
    }

    /// One frame over the lines of `labels` (and one line of context each
    /// side). miette finds a span's line by scanning from the start of the
    /// source, so it gets only those lines, with the file's line numbers.
    fn window(
        &self,
        file: FileId,
        text: &Arc<str>,
        named: bool,
        labels: Vec<LabeledSpan>,
    ) -> String {
        let f = self.report.sources.get(file);
        let text = text.clone();
        let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
        let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i);
        let from = labels
            .iter()
            .map(|l| line_start(line_start(l.offset()).saturating_sub(1)))
            .min()
            .unwrap_or(0);
        // Up to and including the line break, so a CRLF line keeps its pair.
        let to = labels
            .iter()
            .map(|l| {
                (line_end((line_end(l.offset() + l.len()) + 1).min(text.len())) + 1).min(text.len())
            })
            .max()
            .unwrap_or(text.len());
        let labels: Vec<LabeledSpan> = labels
            .into_iter()
            .map(|l| {
                let span = (l.offset() - from, l.len());
                let label = l.label().map(str::to_string);
                if l.primary() {
                    LabeledSpan::new_primary_with_span(label, span)
                } else {
                    LabeledSpan::new_with_span(label, span)
                }
            })
            .collect();
        let name = named.then(|| {
            let first = labels.iter().map(|l| l.offset()).min().unwrap_or(0) + from;
            let lc = f.line_col(first);
            format!("{}:{}:{}", sanitize::path(&f.path), lc.line, lc.col)
        });
        let source: Box<dyn SourceCode> = Box::new(Window {
            first_line: f.line_col(from).line - 1,
            text,
            from,
            to,
            name,
        });
        let frame = Frame { source, labels };
        let mut s = String::new();
        if self.handler.render_report(&mut s, &frame).is_err() {
            return String::new();
        }
        // miette opens with the (empty) message line; the frame follows.
        let start = s
            .find(['╭'])
            .and_then(|i| s[..i].rfind('\n').map(|n| n + 1))
            .unwrap_or(0);
        s[start..].to_string()
    }
}

/// Longest source line drawn in a code frame, in bytes: a file that is one
/// 10 MB line must not turn into a 47 MB report in a CI log.
const MAX_FRAME_LINE: usize = 1000;
/// Lines of one label drawn; a label over more lines (a whole document that
/// is a list, say) is drawn as its first line only.
const MAX_FRAME_LABEL_LINES: usize = 12;

/// Labels cut to at most [`MAX_FRAME_LABEL_LINES`] lines, or the 1-based
/// number and length of a line too long to draw (the frame is left out).
fn bound_labels(text: &str, labels: Vec<LabeledSpan>) -> Result<Vec<LabeledSpan>, (usize, usize)> {
    let line_start = |at: usize| text[..at].rfind('\n').map_or(0, |i| i + 1);
    let line_end = |at: usize| text[at..].find('\n').map_or(text.len(), |i| at + i);
    let mut out = Vec::with_capacity(labels.len());
    for l in labels {
        let start = l.offset().min(text.len());
        let mut end = (start + l.len()).min(text.len());
        if text[start..end].matches('\n').count() >= MAX_FRAME_LABEL_LINES {
            end = line_end(start);
        }
        // The frame shows the label's lines and one line of context on
        // each side.
        let from = line_start(line_start(start).saturating_sub(1));
        let to = line_end(line_end(end).saturating_add(1).min(text.len()));
        let mut pos = from;
        for line in text[from..to].split('\n') {
            if line.len() > MAX_FRAME_LINE {
                let number = text[..pos].matches('\n').count() + 1;
                return Err((number, line.len()));
            }
            pos += line.len() + 1;
        }
        let (label, len) = (l.label().map(str::to_string), end - start);
        out.push(if l.primary() {
            LabeledSpan::new_primary_with_span(label, (start, len))
        } else {
            LabeledSpan::new_with_span(label, (start, len))
        });
    }
    Ok(out)
}

/// The miette view of one frame: a source and its labels, no message.
/// The lines `from..to` of a file, as miette's source: spans are relative
/// to `from`, and line numbers are the file's.
struct Window {
    text: Arc<str>,
    from: usize,
    to: usize,
    /// 0-based line number of `from`.
    first_line: usize,
    name: Option<String>,
}

impl SourceCode for Window {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let window: &'a str = &self.text[self.from..self.to];
        let inner = window.read_span(span, before, after)?;
        let line = inner.line() + self.first_line;
        Ok(Box::new(match &self.name {
            Some(name) => miette::MietteSpanContents::new_named(
                name.clone(),
                inner.data(),
                *inner.span(),
                line,
                inner.column(),
                inner.line_count(),
            ),
            None => miette::MietteSpanContents::new(
                inner.data(),
                *inner.span(),
                line,
                inner.column(),
                inner.line_count(),
            ),
        }))
    }
}

struct Frame {
    source: Box<dyn SourceCode>,
    labels: Vec<LabeledSpan>,
}

impl fmt::Debug for Frame {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Frame")
            .field("labels", &self.labels)
            .finish()
    }
}

impl fmt::Display for Frame {
    fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
        Ok(())
    }
}

impl std::error::Error for Frame {}

impl miette::Diagnostic for Frame {
    fn source_code(&self) -> Option<&dyn SourceCode> {
        Some(&*self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

/// Minimal ANSI styling, only when colour is on. Our own escapes are the
/// only ones that may reach the terminal.
#[derive(Clone, Copy)]
struct Paint(bool);

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn bold(self, s: &str) -> String {
        self.wrap("1", s)
    }
    fn red(self, s: &str) -> String {
        self.wrap("31", s)
    }
    fn green(self, s: &str) -> String {
        self.wrap("32", s)
    }
    fn blue(self, s: &str) -> String {
        self.wrap("34", s)
    }
    fn cyan(self, s: &str) -> String {
        self.wrap("36", s)
    }
    fn severity(self, sev: Severity, s: &str) -> String {
        match sev {
            Severity::Error => self.wrap("1;31", s),
            Severity::Warning => self.wrap("1;33", s),
            Severity::Info => self.wrap("1;36", s),
        }
    }
}
