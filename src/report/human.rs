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
use crate::source::{FileId, SourceFile, Span};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};
use rayon::prelude::*;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::{self, Write};
use std::sync::{Arc, OnceLock};
use unicode_width::UnicodeWidthChar;

/// How many lines of a fix's before/after text to show.
const PREVIEW_LINES: usize = 4;

/// The width used when the caller gives none (not a terminal, no COLUMNS).
pub const DEFAULT_WIDTH: usize = 100;

/// The narrowest layout drawn; below it text would be mostly indentation.
const MIN_WIDTH: usize = 40;

pub(crate) fn render(report: &Report, opts: &HumanOptions, out: &mut dyn Write) -> io::Result<()> {
    let paint = Paint(opts.color);
    let width = effective_width(opts.width);
    let frames: Vec<OnceLock<Cow<str>>> = report.sources.files().map(|_| OnceLock::new()).collect();
    let writer = || Writer {
        report,
        paint,
        width,
        frames: &frames,
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
            w.wrapped(&paint.bold("note"), "note", &text, 2);
        }
        if !report.notes.is_empty() && !report.diagnostics.is_empty() {
            w.buf.push('\n');
        }
    }

    // What a finding's text says depends on the findings above it (what was
    // seen already): decided here, in order. The text itself, code frames
    // and all, is drawn from that on the worker threads.
    let mut seen = Seen {
        report,
        notes: HashSet::new(),
        sources: HashSet::new(),
        help: HashMap::new(),
        reasons: HashMap::new(),
        fixes: HashMap::new(),
        kinds: HashSet::new(),
        paths: HashMap::new(),
    };
    let plans: Vec<Plan> = report.diagnostics.iter().map(|d| seen.plan(d)).collect();
    let draw = |(d, plan): (&Diagnostic, Plan)| {
        let mut w = writer();
        w.diagnostic(d, plan);
        w.buf.push('\n');
        w.buf
    };
    // A few findings are drawn here: starting the thread pool would cost
    // more than drawing them.
    let pieces: Vec<String> = if report.diagnostics.len() < PARALLEL_FROM {
        report.diagnostics.iter().zip(plans).map(draw).collect()
    } else {
        report
            .diagnostics
            .par_iter()
            .zip(plans.into_par_iter())
            .map(draw)
            .collect()
    };

    let mut buf = std::mem::take(&mut w.buf);
    buf.reserve(pieces.iter().map(String::len).sum());
    for p in pieces {
        buf.push_str(&p);
    }
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

/// From how many findings they are drawn on the thread pool.
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
struct Seen<'r> {
    report: &'r Report<'r>,
    notes: HashSet<String>,
    /// Sources of image facts already named.
    sources: HashSet<String>,
    /// Help texts already printed, with the line of the finding they were under.
    help: HashMap<String, (FileId, usize)>,
    /// The reason part of messages already printed, per rule.
    reasons: HashMap<(&'static str, String), (FileId, usize)>,
    /// Fixes already drawn, with the line of the finding they were under,
    /// by title and first edit (a fix equal to one drawn has both).
    fixes: HashMap<FixKey<'r>, Vec<(&'r Fix, At)>>,
    /// The title and number of edits of every fix previewed.
    kinds: HashSet<(&'r str, usize)>,
    /// Paths named in pointers to another file, sanitized.
    paths: HashMap<FileId, String>,
}

/// What to print for one finding, given the findings above it.
struct Plan<'r> {
    /// Sanitized; for a repeat, only what differs and a pointer.
    message: String,
    /// A finding of a rule shown above, for the same reason.
    repeat: bool,
    /// Help not printed before.
    help: Option<String>,
    /// Notes not printed before, as printed.
    notes: Vec<String>,
    /// Fixes not drawn before; true when one like it was previewed above,
    /// so the title says it.
    fixes: Vec<(&'r Fix, bool)>,
    /// The text of the `see` line.
    see: String,
}

impl<'r> Seen<'r> {
    fn plan(&mut self, d: &'r Diagnostic) -> Plan<'r> {
        let report = self.report;
        let (start, _) = report.position(d.span);
        let here = (d.span.file, start.line);
        // A finding of a rule shown above, for the same reason: only what
        // differs (the part before the first `: `), and a pointer; the rule's
        // name is above too.
        let mut message = sanitize::text(&d.message).into_owned();
        let mut repeat = false;
        if let Some((what, why)) = message.split_once(": ") {
            let key = (d.code, why.to_string());
            match self.reasons.get(&key) {
                Some(at) => {
                    repeat = true;
                    let at = *at;
                    message = format!("{what} (as on {})", self.at_line(d.span.file, at));
                }
                None => {
                    self.reasons.insert(key, here);
                }
            }
        }

        // Help already printed above is pointed to from the `see` line.
        let mut as_for: Vec<String> = Vec::new();
        let mut help_shown = None;
        if let Some(help) = &d.help {
            let help = sanitize::text(help).into_owned();
            match self.help.get(&help) {
                Some(at) if help.len() > 60 => {
                    let at = *at;
                    as_for.push(format!("help as for {}", self.at_line(d.span.file, at)))
                }
                _ => {
                    self.help.insert(help.clone(), here);
                    help_shown = Some(help);
                }
            }
        }
        let notes = self.notes(d);
        // A fix already drawn under another finding is pointed to.
        let mut fixes = Vec::new();
        for fix in &d.fixes {
            let drawn = self
                .fixes
                .entry((fix.title.as_str(), fix.edits.first().map(|e| e.span)))
                .or_default();
            if let Some((_, at)) = drawn.iter().find(|(f, _)| *f == fix) {
                let at = *at;
                let at = self.at_line(d.span.file, at);
                as_for.push(format!("the fix under {at} fixes this too"));
                continue;
            }
            drawn.push((fix, here));
            // The same kind of fix as one previewed above: its title says it.
            let title_only = !self.kinds.insert((fix.title.as_str(), fix.edits.len()));
            fixes.push((fix, title_only));
        }
        let mut see = format!("compose-lint explain {}", sanitize::text(d.code));
        if !as_for.is_empty() {
            see.push_str(&format!("; {}", as_for.join("; ")));
        }
        Plan {
            message,
            repeat,
            help: help_shown,
            notes,
            fixes,
            see,
        }
    }

    /// `line 14` in the file `here`, `path:14` in another.
    fn at_line(&mut self, here: FileId, (file, line): (FileId, usize)) -> String {
        if file == here {
            return format!("line {line}");
        }
        let report = self.report;
        let path = self
            .paths
            .entry(file)
            .or_insert_with(|| sanitize::path(&report.sources.get(file).path));
        format!("{path}:{line}")
    }

    /// The notes not printed before; image facts from one source are
    /// gathered on one note that names the source once per output.
    fn notes(&mut self, d: &Diagnostic) -> Vec<String> {
        const FACTS: &str = "image facts: ";
        let notes: Vec<String> = d
            .notes
            .iter()
            .map(|n| sanitize::text(n).into_owned())
            .collect();
        // The source of a group of image facts: the longest prefix, ending
        // in ": ", that two facts notes share, or a source named before.
        let facts: Vec<&str> = notes.iter().filter_map(|n| n.strip_prefix(FACTS)).collect();
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
            if facts.iter().any(|f| f.starts_with(&format!("{s}: ")))
                && !sources.iter().any(|x| x == s)
            {
                sources.push(s.clone());
            }
        }
        sources.sort_by_key(|s| std::cmp::Reverse(s.len()));

        let mut grouped: Vec<(String, Vec<String>)> = Vec::new();
        let mut plain: Vec<String> = Vec::new();
        for n in &notes {
            let group = n.strip_prefix(FACTS).and_then(|rest| {
                sources.iter().find_map(|s| {
                    rest.strip_prefix(s.as_str())
                        .and_then(|r| r.strip_prefix(": "))
                        .map(|fact| (s.clone(), fact.to_string()))
                })
            });
            match group {
                Some((source, fact)) => {
                    if !self.notes.insert(format!("{FACTS}{source}: {fact}")) {
                        continue;
                    }
                    match grouped.iter_mut().find(|(s, _)| *s == source) {
                        Some((_, f)) => f.push(fact),
                        None => grouped.push((source, vec![fact])),
                    }
                }
                None => {
                    if self.notes.insert(n.clone()) {
                        plain.push(n.clone());
                    }
                }
            }
        }
        let mut out = Vec::new();
        for (source, facts) in grouped {
            out.push(if self.sources.insert(source.clone()) {
                format!("image facts ({source}): {}", facts.join("; "))
            } else {
                format!("image facts (source above): {}", facts.join("; "))
            });
        }
        out.extend(plain);
        out
    }
}

/// Draws findings as planned; one per finding, on any thread.
struct Writer<'r> {
    report: &'r Report<'r>,
    paint: Paint,
    width: usize,
    /// Each file's text made safe for a code frame, made once.
    frames: &'r [OnceLock<Cow<'r, str>>],
    buf: String,
}

impl<'r> Writer<'r> {
    /// `text` wrapped to the width after `label` (`shown` is the label as
    /// printed, with colour), continuation lines indented by `indent` + the
    /// label's width + 2.
    fn wrapped(&mut self, shown: &str, label: &str, text: &str, indent: usize) {
        let lead = " ".repeat(indent);
        let hang = lead.len() + label.chars().count() + 2;
        let lines = wrap(text, self.width.saturating_sub(hang).max(20));
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                self.buf.push_str(&format!("{lead}{shown}: {l}\n"));
            } else {
                self.buf.push_str(&format!("{:hang$}{l}\n", ""));
            }
        }
    }

    fn diagnostic(&mut self, d: &Diagnostic, plan: Plan) {
        let report = self.report;
        let paint = self.paint;
        let (start, _) = report.position(d.span);
        let name = if plan.repeat {
            ""
        } else {
            report.rule_name(d.code)
        };
        let sev = d.severity.as_str();
        let code = sanitize::text(d.code);
        let head_plain = if name.is_empty() {
            format!("{sev}[{code}]")
        } else {
            format!("{sev}[{code}] {name}")
        };
        let head = if name.is_empty() {
            paint.severity(d.severity, &format!("{sev}[{code}]"))
        } else {
            format!(
                "{} {}",
                paint.severity(d.severity, &format!("{sev}[{code}]")),
                paint.bold(name)
            )
        };
        let hang = 2;
        let first_room = self.width.saturating_sub(head_plain.chars().count() + 2);
        let lines = wrap_first(&plan.message, first_room.max(10), self.width - hang);
        for (i, l) in lines.iter().enumerate() {
            if i == 0 {
                self.buf.push_str(&format!("{head}: {}\n", paint.bold(l)));
            } else {
                self.buf
                    .push_str(&format!("{:hang$}{}\n", "", paint.bold(l)));
            }
        }
        let location = format!(
            "{}:{}:{}",
            sanitize::path(report.path(d.span)),
            start.line,
            start.column
        );
        self.buf.push_str(&format!(
            "  {} {}\n",
            paint.blue("-->"),
            cut(&location, self.width - 6)
        ));

        // A repeat's location line says where; its frame would repeat the
        // frame above but for the names.
        if !plan.repeat {
            self.frame(d);
        }
        if let Some(help) = &plan.help {
            self.wrapped(&paint.cyan("help"), "help", help, 2);
        }
        let label = paint.bold("note");
        for n in &plan.notes {
            self.wrapped(&label, "note", n, 2);
        }
        for (fix, title_only) in plan.fixes {
            self.fix(d, fix, title_only);
        }
        self.wrapped(&paint.blue("see"), "see", &plan.see, 2);
    }

    /// A fix and, unless one like it was previewed above, a preview of its
    /// edits.
    fn fix(&mut self, d: &Diagnostic, fix: &Fix, title_only: bool) {
        let paint = self.paint;
        let kind = match fix.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display only",
        };
        let label = format!("fix ({kind})");
        let shown = format!("{} ({kind})", paint.green("fix"));
        self.wrapped(&shown, &label, &sanitize::text(&fix.title), 2);
        if title_only {
            return;
        }
        for edit in &fix.edits {
            let file = self.report.sources.get(edit.span.file);
            if edit.span.file != d.span.file {
                let p = sanitize::path(&file.path);
                self.buf.push_str(&format!(
                    "     {} {}\n",
                    paint.blue("-->"),
                    cut(&p, self.width - 9)
                ));
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
    /// on it; labels in another file under that file's name.
    fn frame(&mut self, d: &Diagnostic) {
        let report = self.report;
        let primary = d
            .labels
            .iter()
            .find(|l| l.span == d.span)
            .map(|l| sanitize::text(&l.message).into_owned())
            .unwrap_or_default();
        let mut by_file: BTreeMap<FileId, Vec<(Span, String)>> = BTreeMap::new();
        by_file
            .entry(d.span.file)
            .or_default()
            .push((d.span, primary));
        for l in d.labels.iter().filter(|l| l.span != d.span) {
            by_file
                .entry(l.span.file)
                .or_default()
                .push((l.span, sanitize::text(&l.message).into_owned()));
        }
        let own = by_file.remove(&d.span.file).unwrap_or_default();
        self.frame_file(d.span.file, false, own);
        for (file, labels) in by_file {
            let _ = report;
            self.frame_file(file, true, labels);
        }
    }

    fn frame_file(&mut self, file: FileId, named: bool, mut labels: Vec<(Span, String)>) {
        let f = self.report.sources.get(file);
        let text: &str =
            self.frames[file.0 as usize].get_or_init(|| sanitize::frame_source(&f.text));
        labels.sort_by_key(|(s, _)| (s.start, s.end));
        if named {
            let first = labels.first().map(|(s, _)| s.start as usize).unwrap_or(0);
            let lc = f.line_col(first.min(text.len()));
            let name = format!("{}:{}:{}", sanitize::path(&f.path), lc.line, lc.col);
            self.buf.push_str(&format!(
                "  {} {}\n",
                self.paint.blue("-->"),
                cut(&name, self.width - 6)
            ));
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
        let bar = self.paint.blue("│");
        for (number, ls, le, marks) in rows {
            let line = text[ls..le].trim_end_matches('\r');
            if line.len() > MAX_FRAME_LINE {
                self.buf.push_str(&format!(
                    "   (no code frame: line {number} is {} bytes long)\n",
                    line.len()
                ));
                continue;
            }
            let room = self.width.saturating_sub(gutter + 6);
            // Columns of the first mark decide the visible window.
            let cells = cells(line);
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
            let (shown, shift) = window(&cells, from, room, total);
            let row = format!(
                "  {} {bar} {}",
                self.paint.blue(&format!("{number:>gutter$}")),
                shown
            );
            self.buf.push_str(row.trim_end());
            self.buf.push('\n');
            for (s, e, label) in marks {
                let (a, b) = (col_of(s), col_of(e));
                let a = (a + shift).saturating_sub(from);
                let b = (b + shift).saturating_sub(from).max(a + 1);
                let lim = room.max(1);
                let a = a.min(lim - 1);
                let b = b.min(lim);
                let mut mark = format!("{:a$}{}", "", "─".repeat(b.saturating_sub(a).max(1)));
                let used = b.max(a + 1);
                if !label.is_empty() && used + 1 + label.chars().count() <= room {
                    mark.push(' ');
                    mark.push_str(&label);
                    mark = self.paint.cyan(&mark);
                    self.buf
                        .push_str(&format!("  {:gutter$} {bar} {mark}\n", ""));
                } else {
                    self.buf.push_str(&format!(
                        "  {:gutter$} {bar} {}\n",
                        "",
                        self.paint.cyan(&mark)
                    ));
                    if !label.is_empty() {
                        let hang = gutter + 5;
                        for l in wrap(&label, self.width.saturating_sub(hang + 2).max(20)) {
                            self.buf
                                .push_str(&format!("  {:gutter$} {bar}   {l}\n", ""));
                        }
                    }
                }
            }
        }
    }
}

/// A framed line: its number, start and end offsets, and the marks on it
/// (start and end within the line, label).
type Row = (usize, usize, usize, Vec<(usize, usize, String)>);

/// A line as display cells: (byte offset, text shown, width). A tab shows
/// as four spaces.
fn cells(line: &str) -> Vec<(usize, Cow<'static, str>, usize)> {
    line.char_indices()
        .map(|(i, c)| {
            if c == '\t' {
                (i, Cow::Borrowed("    "), 4)
            } else {
                (i, Cow::Owned(c.to_string()), c.width().unwrap_or(0))
            }
        })
        .collect()
}

/// The cells from column `from`, at most `room` columns, with `…` where
/// text was cut; and how many columns the leading `…` adds.
fn window(
    cells: &[(usize, Cow<'static, str>, usize)],
    from: usize,
    room: usize,
    total: usize,
) -> (String, usize) {
    let mut out = String::new();
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
    for c in cells {
        if col < from {
            col += c.2;
            continue;
        }
        if used + c.2 > limit {
            break;
        }
        out.push_str(&c.1);
        used += c.2;
        col += c.2;
    }
    if cut_end {
        out.push('…');
    }
    (out.trim_end().to_string(), shift)
}

/// Greedy word wrap at spaces; a word wider than `width` is cut. No piece
/// of a cut word starts with `::` (see `sanitize` on workflow commands).
pub(crate) fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_first(text, width, width)
}

/// [`wrap`], with a first line of a different width.
fn wrap_first(text: &str, first: usize, rest: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut line_w = 0;
    let room = |lines: &Vec<String>| if lines.is_empty() { first } else { rest }.max(1);
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let w = str_width(word);
        if line_w > 0 && line_w + 1 + w <= room(&lines) {
            line.push(' ');
            line.push_str(word);
            line_w += 1 + w;
            continue;
        }
        if line_w > 0 {
            lines.push(std::mem::take(&mut line));
        }
        if w <= room(&lines) {
            line.push_str(word);
            line_w = w;
            continue;
        }
        // Cut a long word.
        let mut piece = String::new();
        let mut pw = 0;
        for c in word.chars() {
            let cw = c.width().unwrap_or(0);
            if pw + cw > room(&lines) && !piece.is_empty() && !(c == ':' && piece.ends_with(':')) {
                lines.push(std::mem::take(&mut piece));
                pw = 0;
            }
            piece.push(c);
            pw += cw;
        }
        line = piece;
        line_w = pw;
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn str_width(s: &str) -> usize {
    s.chars().map(|c| c.width().unwrap_or(0)).sum()
}

/// `s` cut to `width` columns with a trailing `…`.
fn cut(s: &str, width: usize) -> String {
    if str_width(s) <= width {
        return s.to_string();
    }
    let mut out = String::new();
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
    out
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

impl Paint {
    fn wrap(self, code: &str, s: &str) -> String {
        if self.0 {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    pub(crate) fn bold(self, s: &str) -> String {
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
    pub(crate) fn severity(self, sev: Severity, s: &str) -> String {
        match sev {
            Severity::Error => self.wrap("1;31", s),
            Severity::Warning => self.wrap("1;33", s),
            Severity::Info => self.wrap("1;36", s),
        }
    }
}
