//! The terminal format (`--output-format full`, the default): per finding a
//! header, the location, a compact code frame, help, notes, the fix that
//! fixes it and where to read more; then a summary line.
//!
//! Everything is wrapped to the terminal width (`HumanOptions::width`).
//! What a reader has already seen is not said twice: a note that is word for
//! word one printed above is left out, the source of image facts is named
//! once, a help text already printed is referred to by its line, and a fix
//! that fixes several findings is drawn under the first only. Text from a
//! linted file goes through `sanitize`; every continuation line of wrapped
//! text is indented, so no text from a linted file starts a line (see
//! `sanitize` on workflow commands). Code frames use
//! `sanitize::frame_source`, which keeps every byte offset.

use super::sanitize;
use super::{HumanOptions, Report};
use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::fasthash::{map_with_capacity, set_with_capacity, Map, Set};
use crate::source::{FileId, LineCol, SourceFile, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::hash_map::Entry;
use std::collections::BTreeMap;
use std::fmt;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::sync::{Arc, OnceLock};
use unicode_width::UnicodeWidthChar;

/// How many lines of a fix's before/after text to show.
const PREVIEW_LINES: usize = 4;

/// The width used when the caller gives none (not a terminal, no COLUMNS).
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest layout drawn; below it text would be mostly indentation.
const MIN_WIDTH: usize = 40;

pub(crate) fn render<'r>(
    report: &'r Report<'r>,
    opts: &HumanOptions,
    out: &mut dyn Write,
) -> io::Result<()> {
    let paint = Paint(opts.color);
    let width = effective_width(opts.width);
    let files: Vec<FileText> = report
        .sources
        .files()
        .map(|_| FileText::default())
        .collect();
    let writer = || Writer {
        report,
        paint,
        width,
        files: &files,
        buf: String::new(),
    };
    let mut w = writer();

    if !opts.quiet {
        for note in report.notes {
            let text = format!(
                "{}: {}",
                sanitize::path(&note.path),
                sanitize::text(&note.message)
            );
            w.wrapped(BOLD, "note", "", &text, 2);
        }
        if !report.notes.is_empty() && !report.diagnostics.is_empty() {
            w.buf.push('\n');
        }
    }

    // What a finding's text says depends on the findings above it (what was
    // seen already): decided here, in order, from what each finding's text
    // is on its own (sanitized, made on the worker threads). The text
    // itself, code frames and all, is drawn from that on the worker
    // threads, a run of findings into one buffer.
    let n = report.diagnostics.len();
    let mut seen = Seen {
        report,
        notes: set_with_capacity(n),
        sources: Set::default(),
        help: map_with_capacity(n),
        reasons: map_with_capacity(n),
        fixes: map_with_capacity(n),
        kinds: Set::default(),
        paths: Map::default(),
    };
    let prepare = |d: &'r Diagnostic| (d, Own::of(report, d));
    let own: Vec<(&Diagnostic, Own)> = if n < PARALLEL_FROM {
        report.diagnostics.iter().map(prepare).collect()
    } else {
        report.diagnostics.par_iter().map(prepare).collect()
    };
    let findings: Vec<(&Diagnostic, Plan)> = own
        .into_iter()
        .map(|(d, own)| (d, seen.plan(d, own)))
        .collect();
    let draw = |run: Vec<(&Diagnostic, Plan)>| {
        let mut w = writer();
        for (d, plan) in run {
            w.diagnostic(d, plan);
            w.buf.push('\n');
        }
        w.buf
    };
    // A few findings are drawn here: starting the thread pool would cost
    // more than drawing them.
    let pieces: Vec<String> = if findings.len() < PARALLEL_FROM {
        vec![draw(findings)]
    } else {
        findings
            .into_par_iter()
            .chunks(PARALLEL_FROM)
            .map(draw)
            .collect()
    };

    // Written piece by piece: joined first, a large report would be held
    // twice (megabytes of findings copied into fresh memory).
    out.write_all(w.buf.as_bytes())?;
    for p in &pieces {
        out.write_all(p.as_bytes())?;
    }
    let mut buf = String::new();
    if opts.statistics {
        statistics(report, paint, &mut buf);
    }
    if !opts.quiet {
        for line in summary(report).lines() {
            for l in pack(line, "; ", width) {
                buf.push_str(&l);
                buf.push('\n');
            }
        }
    }
    out.write_all(buf.as_bytes())
}

/// From how many findings they are drawn on the thread pool, and how many
/// each task draws.
const PARALLEL_FROM: usize = 64;

/// `line` broken after `sep` into lines of at most `width` columns where
/// it can be (a part wider than that stays whole).
fn pack(line: &str, sep: &str, width: usize) -> Vec<String> {
    let parts: Vec<&str> = line.split(sep).collect();
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for (i, p) in parts.iter().enumerate() {
        let piece = if i + 1 < parts.len() {
            format!("{p}{}", sep.trim_end())
        } else {
            p.to_string()
        };
        if !cur.is_empty() && str_width(&cur) + 1 + str_width(&piece) > width {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(&piece);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The width to lay out for: `width`, or [`DEFAULT_WIDTH`] when 0.
pub(crate) fn effective_width(width: usize) -> usize {
    if width == 0 {
        DEFAULT_WIDTH
    } else {
        width.max(MIN_WIDTH)
    }
}

/// A finding's file and line, pointed to from a later one.
type At = (FileId, usize);

/// A fix's title and first edit: a fix equal to another has the same.
type FixKey<'r> = (&'r str, Option<Span>);

/// What was printed for the findings so far, for what is not said twice.
/// Text is kept borrowed from the findings where sanitizing changed nothing.
/// The tables hash with foldhash: hashing every message, help text and
/// note with SipHash was a fifth of planning 17,000 findings.
struct Seen<'r> {
    report: &'r Report<'r>,
    notes: Set<Cow<'r, str>>,
    /// Sources of image facts already named.
    sources: Set<String>,
    /// Help texts already printed, with the line of the finding they were under.
    help: Map<Cow<'r, str>, At>,
    /// The reason part of messages already printed, per rule.
    reasons: Map<(&'static str, Cow<'r, str>), At>,
    /// Fixes already drawn, with the line of the finding they were under,
    /// by title and first edit (a fix equal to one drawn has both).
    fixes: Map<FixKey<'r>, Vec<(&'r Fix, At)>>,
    /// The title and number of edits of every fix previewed.
    kinds: Set<(&'r str, usize)>,
    /// Paths named in pointers to another file, sanitized.
    paths: Map<FileId, String>,
}

/// What a finding's text is on its own, whatever was printed above it:
/// made for many findings at once on the worker threads.
struct Own<'r> {
    /// Where the finding starts.
    start: LineCol,
    /// The rule's code, sanitized.
    code: Cow<'static, str>,
    /// The message, sanitized.
    message: Cow<'r, str>,
    /// Where the message's first `: ` is, which ends the part that differs
    /// between findings of a rule for one reason.
    reason_at: Option<usize>,
    /// The help, sanitized.
    help: Option<Cow<'r, str>>,
    /// The notes, sanitized.
    notes: Vec<Cow<'r, str>>,
}

impl<'r> Own<'r> {
    fn of(report: &Report<'_>, d: &'r Diagnostic) -> Own<'r> {
        let message = sanitize::text(&d.message);
        Own {
            code: sanitize::text(d.code),
            start: report
                .sources
                .get(d.span.file)
                .line_col(d.span.start as usize),
            reason_at: memchr::memmem::find(message.as_bytes(), b": "),
            message,
            help: d.help.as_deref().map(sanitize::text),
            notes: d.notes.iter().map(|n| sanitize::text(n)).collect(),
        }
    }
}

/// What to print for one finding, given the findings above it.
struct Plan<'r> {
    /// Where the finding starts.
    start: LineCol,
    /// Sanitized; for a repeat, only what differs and a pointer.
    message: Cow<'r, str>,
    /// A finding of a rule shown above, for the same reason.
    repeat: bool,
    /// Help not printed before.
    help: Option<Cow<'r, str>>,
    /// Notes not printed before, as printed.
    notes: Vec<Cow<'r, str>>,
    /// Fixes not drawn before; true when one like it was previewed above,
    /// so the title says it.
    fixes: Vec<(&'r Fix, bool)>,
    /// The text of the `see` line.
    see: String,
}

impl<'r> Seen<'r> {
    fn plan(&mut self, d: &'r Diagnostic, own: Own<'r>) -> Plan<'r> {
        let start = own.start;
        let here = (d.span.file, start.line);
        // A finding of a rule shown above, for the same reason: only what
        // differs (the part before the first `: `), and a pointer; the rule's
        // name is above too.
        let mut message = own.message;
        let mut repeat = false;
        if let Some(at) = own.reason_at {
            let why = match &message {
                Cow::Borrowed(m) => Cow::Borrowed(&m[at + 2..]),
                Cow::Owned(m) => Cow::Owned(m[at + 2..].to_string()),
            };
            match self.reasons.entry((d.code, why)) {
                Entry::Occupied(seen) => {
                    repeat = true;
                    let on = *seen.get();
                    // Room for the pointer, a path when in another file.
                    let pointer = self.pointer_len(d.span.file, on.0);
                    let mut short = String::with_capacity(at + pointer + 32);
                    short.push_str(&message[..at]);
                    short.push_str(" (as on ");
                    self.at_line(&mut short, d.span.file, on);
                    short.push(')');
                    message = Cow::Owned(short);
                }
                Entry::Vacant(new) => {
                    new.insert(here);
                }
            }
        }

        // Help already printed above is pointed to from the `see` line.
        // Room for the pointers too (they were most of the regrowing).
        let mut see = String::with_capacity(128);
        see.push_str("compose-lint explain ");
        see.push_str(&own.code);
        let mut help_shown = None;
        if let Some(help) = own.help {
            match self.help.get(&*help) {
                Some(&at) if help.len() > 60 => {
                    see.push_str("; help as for ");
                    self.at_line(&mut see, d.span.file, at);
                }
                _ => {
                    self.help.insert(help.clone(), here);
                    help_shown = Some(help);
                }
            }
        }
        let notes = self.notes(own.notes);
        // A fix already drawn under another finding is pointed to.
        let mut fixes = Vec::new();
        for fix in &d.fixes {
            let drawn = self
                .fixes
                .entry((fix.title.as_str(), fix.edits.first().map(|e| e.span)))
                .or_default();
            if let Some(&(_, at)) = drawn.iter().find(|(f, _)| *f == fix) {
                see.push_str("; the fix under ");
                self.at_line(&mut see, d.span.file, at);
                see.push_str(" fixes this too");
                continue;
            }
            drawn.push((fix, here));
            // The same kind of fix as one previewed above: its title says it.
            let title_only = !self.kinds.insert((fix.title.as_str(), fix.edits.len()));
            fixes.push((fix, title_only));
        }
        Plan {
            start,
            message,
            repeat,
            help: help_shown,
            notes,
            fixes,
            see,
        }
    }

    /// Appends `line 14` in the file `here`, `path:14` in another.
    fn at_line(&mut self, out: &mut String, here: FileId, (file, line): At) {
        if file == here {
            out.push_str("line ");
        } else {
            out.push_str(self.path(file));
            out.push(':');
        }
        push_number(out, line);
    }

    /// How long [`Seen::at_line`]'s text before the number is.
    fn pointer_len(&mut self, here: FileId, file: FileId) -> usize {
        if file == here {
            "line ".len()
        } else {
            self.path(file).len() + 1
        }
    }

    /// The path of `file` as a pointer names it (sanitized once).
    fn path(&mut self, file: FileId) -> &str {
        let report = self.report;
        self.paths
            .entry(file)
            .or_insert_with(|| sanitize::path(&report.sources.get(file).path))
    }

    /// The notes not printed before; image facts from one source are
    /// gathered on one note that names the source once per output.
    fn notes(&mut self, notes: Vec<Cow<'r, str>>) -> Vec<Cow<'r, str>> {
        const FACTS: &str = "image facts: ";
        // The source of a group of image facts: the longest prefix, ending
        // in ": ", that two facts notes share, or a source named before.
        let facts: Vec<&str> = notes.iter().filter_map(|n| n.strip_prefix(FACTS)).collect();
        if facts.is_empty() {
            let seen = &mut self.notes;
            return notes
                .into_iter()
                .filter(|n| seen.insert(n.clone()))
                .collect();
        }
        let mut sources: Vec<String> = Vec::new();
        for (i, a) in facts.iter().enumerate() {
            for b in facts.iter().skip(i + 1) {
                let common = common_prefix(a, b);
                if let Some(at) = common.rfind(": ") {
                    let s = &a[..at];
                    if !s.is_empty() && !sources.iter().any(|x| x == s) {
                        sources.push(s.to_string());
                    }
                }
            }
        }
        for s in &self.sources {
            if facts.iter().any(|f| source_of(f, s).is_some()) && !sources.iter().any(|x| x == s) {
                sources.push(s.clone());
            }
        }
        sources.sort_by_key(|s| std::cmp::Reverse(s.len()));

        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        let mut plain: Vec<Cow<'r, str>> = Vec::new();
        for n in &notes {
            let group = n.strip_prefix(FACTS).and_then(|rest| {
                sources
                    .iter()
                    .find_map(|s| source_of(rest, s).map(|fact| (s.clone(), fact.to_string())))
            });
            // A grouped note is remembered as it was written, which is
            // `image facts: <source>: <fact>`.
            if !self.notes.insert(n.clone()) {
                continue;
            }
            match group {
                Some((source, fact)) => match grouped.iter_mut().find(|(s, _)| *s == source) {
                    Some((_, f)) => f.push(fact),
                    None => grouped.push((source, vec![fact])),
                },
                None => plain.push(n.clone()),
            }
        }
        let mut out = Vec::new();
        for (source, facts) in grouped {
            out.push(Cow::Owned(if self.sources.insert(source.clone()) {
                format!("image facts ({source}): {}", facts.join("; "))
            } else {
                format!("image facts (source above): {}", facts.join("; "))
            }));
        }
        out.extend(plain);
        out
    }
}

/// The fact in `fact_note` (an image facts note without its `image facts: `)
/// when it comes from `source`.
fn source_of<'a>(fact_note: &'a str, source: &str) -> Option<&'a str> {
    fact_note.strip_prefix(source)?.strip_prefix(": ")
}

/// Appends `n` in decimal (without the formatting machinery: a pointer to
/// a line is written for most findings).
fn push_number(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.push_str(std::str::from_utf8(&digits[i..]).expect("ASCII digits"));
}

/// Each file's text as a code frame shows it and its path as a location
/// line shows it, made once per file by whichever thread needs it first.
#[derive(Default)]
struct FileText<'r> {
    frame: OnceLock<Cow<'r, str>>,
    path: OnceLock<Cow<'r, str>>,
}

/// Draws findings as planned, into one buffer per run of findings, on any
/// thread.
struct Writer<'r> {
    report: &'r Report<'r>,
    paint: Paint,
    width: usize,
    files: &'r [FileText<'r>],
    buf: String,
}

impl<'r> Writer<'r> {
    /// `text` wrapped to the width after the label, which is `word`
    /// (printed in `style`) followed by `rest`; continuation lines indented
    /// by `indent` + the label's width + 2.
    fn wrapped(&mut self, style: &str, word: &str, rest: &str, text: &str, indent: usize) {
        let hang = indent + word.chars().count() + rest.chars().count() + 2;
        let (paint, buf) = (self.paint, &mut self.buf);
        let mut first = true;
        wrap_each(text, self.width.saturating_sub(hang).max(20), None, |l| {
            if first {
                push_spaces(buf, indent);
                paint.push(buf, style, word);
                buf.push_str(rest);
                buf.push_str(": ");
                first = false;
            } else {
                push_spaces(buf, hang);
            }
            buf.push_str(l);
            buf.push('\n');
        });
    }

    /// The file's path, sanitized, made once.
    fn path(&self, file: FileId) -> &'r str {
        let report = self.report;
        self.files[file.0 as usize]
            .path
            .get_or_init(|| sanitize::path_borrowed(&report.sources.get(file).path))
    }

    /// `  --> path:line:col`, cut to the width less `indent`.
    fn location(&mut self, lead: &str, file: FileId, at: LineCol, indent: usize) {
        let path = self.path(file);
        let mut location = String::with_capacity(path.len() + 12);
        location.push_str(path);
        location.push(':');
        push_number(&mut location, at.line);
        location.push(':');
        push_number(&mut location, at.col);
        self.buf.push_str(lead);
        self.paint.push(&mut self.buf, BLUE, "-->");
        self.buf.push(' ');
        push_cut(&mut self.buf, &location, self.width - indent);
        self.buf.push('\n');
    }

    fn diagnostic(&mut self, d: &Diagnostic, plan: Plan) {
        let report = self.report;
        let paint = self.paint;
        let name = if plan.repeat {
            ""
        } else {
            report.rule_name(d.code)
        };
        let sev = d.severity.as_str();
        let code = sanitize::text(d.code);
        // `sev[code]`, and ` name` after it when there is one.
        let mut tag = String::with_capacity(sev.len() + code.len() + 2);
        tag.push_str(sev);
        tag.push('[');
        tag.push_str(&code);
        tag.push(']');
        let head_width = tag.chars().count()
            + if name.is_empty() {
                0
            } else {
                1 + name.chars().count()
            };
        let hang = 2;
        let first_room = self.width.saturating_sub(head_width + 2);
        let buf = &mut self.buf;
        let mut first = true;
        wrap_each(
            &plan.message,
            first_room.max(10),
            Some(self.width - hang),
            |l| {
                if first {
                    paint.push(buf, severity_style(d.severity), &tag);
                    if !name.is_empty() {
                        buf.push(' ');
                        paint.push(buf, BOLD, name);
                    }
                    buf.push_str(": ");
                    first = false;
                } else {
                    push_spaces(buf, hang);
                }
                paint.push(buf, BOLD, l);
                buf.push('\n');
            },
        );
        self.location("  ", d.span.file, plan.start, 6);

        // A repeat's location line says where; its frame would repeat the
        // frame above but for the names.
        if !plan.repeat {
            self.frame(d);
        }
        if let Some(help) = &plan.help {
            self.wrapped(CYAN, "help", "", help, 2);
        }
        for n in &plan.notes {
            self.wrapped(BOLD, "note", "", n, 2);
        }
        for (fix, title_only) in plan.fixes {
            self.fix(d, fix, title_only);
        }
        self.wrapped(BLUE, "see", "", &plan.see, 2);
    }

    /// A fix and, unless one like it was previewed above, a preview of its
    /// edits.
    fn fix(&mut self, d: &Diagnostic, fix: &Fix, title_only: bool) {
        let kind = match fix.applicability {
            Applicability::Safe => " (safe)",
            Applicability::Unsafe => " (unsafe)",
            Applicability::DisplayOnly => " (display only)",
        };
        self.wrapped(GREEN, "fix", kind, &sanitize::text(&fix.title), 2);
        if title_only {
            return;
        }
        for edit in &fix.edits {
            let file = self.report.sources.get(edit.span.file);
            if edit.span.file != d.span.file {
                let p = self.path(edit.span.file);
                self.buf.push_str("     ");
                self.paint.push(&mut self.buf, BLUE, "-->");
                self.buf.push(' ');
                push_cut(&mut self.buf, p, self.width - 9);
                self.buf.push('\n');
            }
            let (line, before, after) = edit_lines(file, edit);
            let width = (line + before.len().max(after.len()))
                .to_string()
                .len()
                .max(3);
            let columns = self.width;
            preview_side(&before, line, width, '-', self, columns);
            preview_side(&after, line, width, '+', self, columns);
        }
    }

    /// The code frame: each labelled line once, with an underline per label
    /// on it; labels in another file under that file's name, by file.
    fn frame(&mut self, d: &Diagnostic) {
        let primary = d
            .labels
            .iter()
            .find(|l| l.span == d.span)
            .map(|l| sanitize::text(&l.message))
            .unwrap_or_default();
        let mut own = vec![(d.span, primary)];
        let mut others: Vec<(Span, Cow<str>)> = Vec::new();
        for l in d.labels.iter().filter(|l| l.span != d.span) {
            let label = (l.span, sanitize::text(&l.message));
            if l.span.file == d.span.file {
                own.push(label);
            } else {
                others.push(label);
            }
        }
        self.frame_file(d.span.file, false, own);
        // Stable: each file's labels stay in their order.
        others.sort_by_key(|(s, _)| s.file);
        while let Some((first, _)) = others.first() {
            let file = first.file;
            let n = others.iter().take_while(|(s, _)| s.file == file).count();
            let labels: Vec<_> = others.drain(..n).collect();
            self.frame_file(file, true, labels);
        }
    }

    fn frame_file(&mut self, file: FileId, named: bool, mut labels: Vec<(Span, Cow<str>)>) {
        let f = self.report.sources.get(file);
        let text: &str = self.files[file.0 as usize]
            .frame
            .get_or_init(|| sanitize::frame_source(&f.text));
        labels.sort_by_key(|(s, _)| (s.start, s.end));
        if named {
            let first = labels.first().map(|(s, _)| s.start as usize).unwrap_or(0);
            let lc = f.line_col(first.min(text.len()));
            self.location("  ", file, lc, 6);
        }
        // (line number, line start, line end) per label, for the gutter.
        let mut rows: Vec<Row> = Vec::new();
        for (span, label) in labels {
            let (start, len) = clamp(text, span);
            let ls = text[..start].rfind('\n').map_or(0, |i| i + 1);
            let le = text[start..].find('\n').map_or(text.len(), |i| start + i);
            let number = f.line_col(start).line;
            // A label over several lines is drawn on its first line only.
            let end = (start + len).min(le);
            match rows.iter_mut().find(|r| r.0 == number) {
                Some(r) => r.3.push((start - ls, end - ls, label)),
                None => rows.push((number, ls, le, vec![(start - ls, end - ls, label)])),
            }
        }
        let gutter = rows
            .iter()
            .map(|r| r.0.to_string().len())
            .max()
            .unwrap_or(1);
        let paint = self.paint;
        let mut cells: Vec<Cell> = Vec::new();
        for (number, ls, le, marks) in rows {
            let buf = &mut self.buf;
            let line = text[ls..le].trim_end_matches('\r');
            if line.len() > MAX_FRAME_LINE {
                let _ = writeln!(
                    buf,
                    "   (no code frame: line {number} is {} bytes long)",
                    line.len()
                );
                continue;
            }
            let room = self.width.saturating_sub(gutter + 6);
            // Columns of the first mark decide the visible window.
            cells_into(line, &mut cells);
            let col_of = |byte: usize| -> usize {
                cells.iter().take_while(|c| c.0 < byte).map(|c| c.2).sum()
            };
            let total: usize = cells.iter().map(|c| c.2).sum();
            let (s0, e0) = (marks[0].0, marks[0].1);
            let (c0, c1) = (col_of(s0), col_of(e0));
            let mut from = 0;
            if total > room && c0 + (c1 - c0).min(room / 2) + 1 > room {
                from = c0.saturating_sub(room / 3);
            }
            let row = buf.len();
            buf.push_str("  ");
            if paint.0 {
                buf.push_str(&paint.wrap(BLUE, &format!("{number:>gutter$}")));
            } else {
                let _ = write!(buf, "{number:>gutter$}");
            }
            buf.push(' ');
            paint.push(buf, BLUE, "│");
            buf.push(' ');
            let shift = window(buf, &cells, from, room, total);
            trim_end_from(buf, row);
            buf.push('\n');
            for (s, e, label) in marks {
                let (a, b) = (col_of(s), col_of(e));
                let a = (a + shift).saturating_sub(from);
                let b = (b + shift).saturating_sub(from).max(a + 1);
                let lim = room.max(1);
                let a = a.min(lim - 1);
                let b = b.min(lim);
                let used = b.max(a + 1);
                let inline = !label.is_empty() && used + 1 + label.chars().count() <= room;
                push_spaces(buf, 2 + gutter);
                buf.push(' ');
                paint.push(buf, BLUE, "│");
                buf.push(' ');
                if paint.0 {
                    buf.push_str("\x1b[");
                    buf.push_str(CYAN);
                    buf.push('m');
                }
                push_spaces(buf, a);
                for _ in 0..b.saturating_sub(a).max(1) {
                    buf.push('─');
                }
                if inline {
                    buf.push(' ');
                    buf.push_str(&label);
                }
                if paint.0 {
                    buf.push_str(RESET);
                }
                buf.push('\n');
                if !inline && !label.is_empty() {
                    let hang = gutter + 5;
                    wrap_each(
                        &label,
                        self.width.saturating_sub(hang + 2).max(20),
                        None,
                        |l| {
                            push_spaces(buf, 2 + gutter);
                            buf.push(' ');
                            paint.push(buf, BLUE, "│");
                            buf.push_str("   ");
                            buf.push_str(l);
                            buf.push('\n');
                        },
                    );
                }
            }
        }
    }
}

/// A framed line: its number, start and end offsets, and the marks on it
/// (start and end within the line, label).
type Row<'l> = (usize, usize, usize, Vec<(usize, usize, Cow<'l, str>)>);

/// A display cell: byte offset in the line, the character, its width.
type Cell = (usize, char, usize);

/// A line as display cells, into `cells`. A tab shows as four spaces.
fn cells_into(line: &str, cells: &mut Vec<Cell>) {
    cells.clear();
    cells.extend(line.char_indices().map(|(i, c)| {
        if c == '\t' {
            (i, c, 4)
        } else {
            (i, c, c.width().unwrap_or(0))
        }
    }));
}

/// Appends the cells from column `from`, at most `room` columns, with `…`
/// where text was cut; returns how many columns the leading `…` adds.
fn window(out: &mut String, cells: &[Cell], from: usize, room: usize, total: usize) -> usize {
    let mut col = 0;
    let mut used = 0;
    let mut shift = 0;
    if from > 0 {
        out.push('…');
        used = 1;
        shift = 1;
    }
    let cut_end = total - from.min(total) + used > room;
    let limit = if cut_end {
        room.saturating_sub(1)
    } else {
        room
    };
    for &(_, c, w) in cells {
        if col < from {
            col += w;
            continue;
        }
        if used + w > limit {
            break;
        }
        if c == '\t' {
            out.push_str("    ");
        } else {
            out.push(c);
        }
        used += w;
        col += w;
    }
    if cut_end {
        out.push('…');
    }
    shift
}

/// Drops the whitespace at the end of `buf` after byte `from`.
fn trim_end_from(buf: &mut String, from: usize) {
    let kept = buf[from..].trim_end().len();
    buf.truncate(from + kept);
}

fn push_spaces(buf: &mut String, n: usize) {
    buf.extend(std::iter::repeat_n(' ', n));
}

/// Greedy word wrap at spaces; a word wider than `width` is cut. No piece
/// of a cut word starts with `::` (see `sanitize` on workflow commands).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    wrap_each(text, width, None, |l| lines.push(l.to_string()));
    lines
}

/// [`wrap`] to `first` columns, each line handed to `line` as it is made;
/// lines after the first are `rest` columns wide when given.
fn wrap_each(text: &str, first: usize, rest: Option<usize>, mut line_out: impl FnMut(&str)) {
    let rest = rest.unwrap_or(first);
    let mut line = String::with_capacity(text.len().min(first.max(rest)) + 8);
    let mut line_w = 0;
    let mut done = 0;
    let room = |done: usize| if done == 0 { first } else { rest }.max(1);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = str_width(word);
        if line_w > 0 && line_w + 1 + w <= room(done) {
            line.push(' ');
            line.push_str(word);
            line_w += 1 + w;
            continue;
        }
        if line_w > 0 {
            line_out(&line);
            line.clear();
            done += 1;
        }
        if w <= room(done) {
            line.push_str(word);
            line_w = w;
            continue;
        }
        // Cut a long word (a zero-width word before it is dropped).
        line.clear();
        let mut pw = 0;
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if pw + cw > room(done) && !line.is_empty() && !(c == ':' && line.ends_with(':')) {
                line_out(&line);
                line.clear();
                done += 1;
                pw = 0;
            }
            line.push(c);
            pw += cw;
        }
        line_w = pw;
    }
    if !line.is_empty() || done == 0 {
        line_out(&line);
    }
}

/// Display columns of `s`; printable ASCII is one column a byte.
fn str_width(s: &str) -> usize {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return s.len();
    }
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` cut to `width` columns with a trailing `…`.
fn cut(s: &str, width: usize) -> String {
    let mut out = String::new();
    push_cut(&mut out, s, width);
    out
}

/// Appends [`cut`]`(s, width)`.
fn push_cut(out: &mut String, s: &str, width: usize) {
    if str_width(s) <= width {
        out.push_str(s);
        return;
    }
    let mut w = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if w + cw + 1 > width {
            break;
        }
        out.push(c);
        w += cw;
    }
    out.push('…');
}

fn common_prefix<'a>(a: &'a str, b: &str) -> &'a str {
    let n = a
        .char_indices()
        .zip(b.chars())
        .find(|((_, x), y)| x != y)
        .map_or(a.len().min(b.len()), |((i, _), _)| i);
    &a[..n]
}

/// A span inside the text and on char boundaries, as (start, length).
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

fn preview_side(
    lines: &[String],
    first: usize,
    width: usize,
    sign: char,
    r: &mut Writer,
    columns: usize,
) {
    let paint = r.paint;
    let room = columns.saturating_sub(width + 7);
    for (i, l) in lines.iter().take(PREVIEW_LINES).enumerate() {
        let body = cut(&sanitize::text(l).replace('\t', "    "), room);
        let text = format!("{sign} {body}");
        let text = if sign == '-' {
            paint.red(&text)
        } else {
            paint.green(&text)
        };
        let row = format!("    {:>width$} {text}", first + i);
        r.buf.push_str(row.trim_end());
        r.buf.push('\n');
    }
    if lines.len() > PREVIEW_LINES {
        r.buf.push_str(&format!(
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

/// `16 problems (3 errors, 9 warnings, 4 infos) in 1 of 1 files; 1 fixable
/// with --fix (8 more with --fix --unsafe-fixes)`: the files the problems are
/// in, of the files checked. `No problems found in 2 files.` otherwise.
pub(crate) fn summary(report: &Report) -> String {
    let c = report.counts();
    let total = c.errors + c.warnings + c.infos;
    if total == 0 {
        return format!(
            "No problems found in {}.",
            plural(report.files_checked, "file", "files")
        );
    }
    let mut files: Vec<FileId> = report.diagnostics.iter().map(|d| d.span.file).collect();
    files.sort();
    files.dedup();
    let mut line = format!(
        "{} ({}, {}, {}) in {} of {}",
        plural(total, "problem", "problems"),
        plural(c.errors, "error", "errors"),
        plural(c.warnings, "warning", "warnings"),
        plural(c.infos, "info", "infos"),
        files.len(),
        plural(report.files_checked.max(files.len()), "file", "files")
    );
    let f = report.fixable();
    line.push_str(&format!("; {} fixable with --fix", f.safe));
    if f.r#unsafe > 0 {
        line.push_str(&format!(
            ";\n{} more fixable with --fix --unsafe-fixes",
            f.r#unsafe
        ));
    }
    line
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Longest source line drawn in a code frame, in bytes: a file that is one
/// 10 MB line must not turn into a 47 MB report in a CI log.
const MAX_FRAME_LINE: usize = 1000;

// miette code frames, for the HTML report (`html.rs`); the terminal
// format draws its own compact frames above.

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
pub(crate) struct Paint(pub bool);

/// Styles, as the numbers of their escape sequence.
const BOLD: &str = "1";
const RED: &str = "31";
const GREEN: &str = "32";
const BLUE: &str = "34";
const CYAN: &str = "36";
const RESET: &str = "\x1b[0m";

fn severity_style(sev: Severity) -> &'static str {
    match sev {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

impl Paint {
    /// Appends `s` in `style`.
    fn push(self, buf: &mut String, style: &str, s: &str) {
        if self.0 {
            buf.push_str("\x1b[");
            buf.push_str(style);
            buf.push('m');
            buf.push_str(s);
            buf.push_str(RESET);
        } else {
            buf.push_str(s);
        }
    }
    fn wrap(self, style: &str, s: &str) -> String {
        let mut out = String::with_capacity(s.len() + 12);
        self.push(&mut out, style, s);
        out
    }
    pub(crate) fn bold(self, s: &str) -> String {
        self.wrap(BOLD, s)
    }
    fn red(self, s: &str) -> String {
        self.wrap(RED, s)
    }
    fn green(self, s: &str) -> String {
        self.wrap(GREEN, s)
    }
    pub(crate) fn severity(self, sev: Severity, s: &str) -> String {
        self.wrap(severity_style(sev), s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers are appended as `format!` writes them.
    #[test]
    fn push_number_is_decimal() {
        for n in [0, 1, 9, 10, 99, 100, 12_345, usize::MAX] {
            let mut s = String::from("line ");
            push_number(&mut s, n);
            assert_eq!(s, format!("line {n}"));
        }
    }

    #[test]
    fn width_of_printable_ascii_is_its_length_and_of_controls_zero() {
        assert_eq!(str_width("abc def"), 7);
        assert_eq!(str_width("a\u{1b}b\u{7f}"), 2);
        assert_eq!(str_width("a\u{FF21}"), 3);
    }

    #[test]
    fn wrap_cuts_long_words_and_keeps_short_ones() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh x", 3), ["abc", "def", "gh", "x"]);
        // A word of no width has no room of its own: the next word joins it,
        // or drops it when that word is cut.
        assert_eq!(wrap("\u{301} ab", 4), ["\u{301}ab"]);
        assert_eq!(wrap("\u{301} abcdef", 4), ["abcd", "ef"]);
        assert_eq!(wrap("", 4), [""]);
    }
}
