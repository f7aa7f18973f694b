//! compose-lint's own JSON document: versioned, stable, described in
//! docs/json-format.md. Field order here is the order written.
//!
//! Display text (messages, labels, help, notes, titles, paths) is sanitized
//! like every other format. Fix replacements are kept exact, since tools
//! apply them; `sanitize::write_json` writes any unsafe character in them as
//! a JSON `\u` escape.

use super::sanitize::{self, append_json, SafeJson};
use super::{Counts, Fixable, Report, TOOL_NAME, TOOL_VERSION};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::source::{FileId, Span};
use serde::Serialize;
use std::io::{self, Write};

/// Bumped only for changes that can break a reader (see the doc).
pub(crate) const JSON_VERSION: u32 = 1;

/// The document is written in three parts, in this order: the head, the
/// findings (`"diagnostics": [...]`, written apart, on both cores when
/// there are many), and the tail. Together they are what serializing one
/// struct with these fields in this order writes.
#[derive(Serialize)]
struct Head {
    version: u32,
    tool: Tool,
    files_checked: usize,
}

#[derive(Serialize)]
struct Tail {
    notes: Vec<JsonNote>,
    summary: Counts,
    fixable: Fixable,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonNote {
    file: String,
    message: String,
}

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let head = Head {
        version: JSON_VERSION,
        tool: Tool {
            name: TOOL_NAME,
            version: TOOL_VERSION,
        },
        files_checked: report.files_checked,
    };
    let tail = Tail {
        notes: notes(report),
        summary: report.counts(),
        fixable: report.fixable(),
    };
    // Each part goes to `out` as it is: the caller buffers the report (a
    // copy here would copy it all once more).
    // The head's object, left open: `{ ... "files_checked": N` and no `\n}`.
    let mut head_part = Vec::with_capacity(256);
    append_json(&mut head_part, &head, 0)?;
    head_part.truncate(head_part.len() - b"\n}".len());
    head_part.extend_from_slice(b",\n  \"diagnostics\": [");
    out.write_all(&head_part)?;
    for part in diagnostics(report) {
        out.write_all(&part)?;
    }
    let close: &[u8] = if report.diagnostics.is_empty() {
        b"]"
    } else {
        b"\n  ]"
    };
    out.write_all(close)?;
    // The tail's object without its `{`: it closes the document.
    let mut rest = Vec::new();
    append_json(&mut rest, &tail, 0)?;
    out.write_all(b",")?;
    out.write_all(&rest[1..])?;
    out.write_all(b"\n")
}

/// The findings as the elements of the `diagnostics` array (each after its
/// `\n` or `,\n` and indentation), in order, in parts: each finding is
/// written straight from the [`Diagnostic`], and thousands of them are
/// written on both cores in chunks.
fn diagnostics(report: &Report) -> Vec<Vec<u8>> {
    use rayon::prelude::*;
    // Up to one chunk, one thread: no thread start-up for a small report.
    const CHUNK: usize = 512;
    let write = |(c, chunk): (usize, &[Diagnostic])| -> Vec<u8> {
        let mut w = Writer {
            out: Vec::with_capacity(chunk.len() * 1536),
            report,
            path: None,
            names: Vec::new(),
            layouts: Vec::new(),
        };
        for (i, d) in chunk.iter().enumerate() {
            let first = c == 0 && i == 0;
            w.out
                .extend_from_slice(if first { b"\n    " } else { b",\n    " });
            w.diagnostic(d, 2);
        }
        w.out
    };
    let chunks = report.diagnostics.chunks(CHUNK).enumerate();
    if report.diagnostics.len() <= CHUNK {
        chunks.map(write).collect()
    } else {
        chunks
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(write)
            .collect()
    }
}

/// Writes findings as serializing the [`JsonDiagnostic`] of each with
/// [`SafeJson`] writes them, byte for byte
/// (`parts_write_what_the_whole_document_writes` holds the two together),
/// without serde's machinery and without converting a finding first:
/// every finding of a report passes here.
struct Writer<'r> {
    out: Vec<u8>,
    report: &'r Report<'r>,
    /// The last file named, and its path as a JSON string: a finding, its
    /// labels and its edits are mostly in one file, and the findings come
    /// sorted by file.
    path: Option<(FileId, Vec<u8>)>,
    /// Rule names found for codes, by the code's address: a handful of
    /// codes recur through a report.
    names: Vec<(&'static str, Option<&'static str>)>,
    /// The fixed text around a span's numbers, by the depth of its members.
    layouts: Vec<Option<SpanLayout>>,
}

/// What is written around the numbers of a span's `start`
/// and `end`, for members at one depth: each part is written at once.
struct SpanLayout {
    /// `,\n  "start": {\n    "line": `
    start: Vec<u8>,
    /// `,\n    "column": `
    column: Vec<u8>,
    /// `,\n    "offset": `
    offset: Vec<u8>,
    /// `\n  },\n  "end": {\n    "line": `
    end: Vec<u8>,
    /// `\n  }`
    close: Vec<u8>,
}

impl SpanLayout {
    fn at(depth: usize) -> SpanLayout {
        let part = |f: &dyn Fn(&mut Members)| {
            let mut out = Vec::new();
            f(&mut Members::resume(&mut out, depth));
            out
        };
        let open = |o: &mut Members, key: &[u8]| {
            o.key(key);
            o.out.push(b'{');
            newline(o.out, false, o.depth + 1);
            o.out.extend_from_slice(b"\"line\": ");
        };
        let member = |key: &[u8]| {
            let mut out = Vec::new();
            Members::resume(&mut out, depth + 1).key(key);
            out
        };
        let close = |o: &mut Members| newline(o.out, false, o.depth);
        SpanLayout {
            start: part(&|o| open(o, b"\"start\": ")),
            column: member(b"\"column\": "),
            offset: member(b"\"offset\": "),
            end: part(&|o| {
                close(o);
                o.out.push(b'}');
                open(o, b"\"end\": ");
            }),
            close: part(&|o| {
                close(o);
                o.out.push(b'}');
            }),
        }
    }
}

/// `before`, then `n`.
#[inline]
fn number_after(out: &mut Vec<u8>, before: &[u8], n: usize) {
    out.extend_from_slice(before);
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

impl Writer<'_> {
    fn diagnostic(&mut self, d: &Diagnostic, depth: usize) {
        let name = self.name(d.code);
        let mut o = Members::open(&mut self.out, depth);
        o.text(b"\"code\": ", d.code);
        match name {
            Some(name) => o.text(b"\"name\": ", name),
            None => o.raw(b"\"name\": ", b"null"),
        }
        o.text(b"\"severity\": ", d.severity.as_str());
        o.text(b"\"message\": ", &d.message);
        let depth = o.depth;
        self.span(d.span, depth, false);
        Members::resume(&mut self.out, depth).key(b"\"labels\": ");
        self.array(&d.labels, depth, |w, depth, l| {
            w.out.push(b'{');
            w.span(l.span, depth + 1, true);
            let mut o = Members::resume(&mut w.out, depth + 1);
            o.text(b"\"message\": ", &l.message);
            o.close();
        });
        let mut o = Members::resume(&mut self.out, depth);
        match &d.help {
            Some(help) => o.text(b"\"help\": ", help),
            None => o.raw(b"\"help\": ", b"null"),
        }
        o.key(b"\"notes\": ");
        self.array(&d.notes, depth, |w, _, n| {
            sanitize::append_json_text(&mut w.out, n)
        });
        Members::resume(&mut self.out, depth).key(b"\"fixes\": ");
        self.array(&d.fixes, depth, |w, depth, f| {
            let mut o = Members::open(&mut w.out, depth);
            o.text(b"\"title\": ", &f.title);
            o.text(
                b"\"applicability\": ",
                match f.applicability {
                    Applicability::Safe => "safe",
                    Applicability::Unsafe => "unsafe",
                    Applicability::DisplayOnly => "display-only",
                },
            );
            o.key(b"\"edits\": ");
            w.array(&f.edits, depth + 1, |w, depth, e| {
                w.out.push(b'{');
                w.span(e.span, depth + 1, true);
                let mut o = Members::resume(&mut w.out, depth + 1);
                o.key(b"\"replacement\": ");
                sanitize::append_json_str(o.out, &e.replacement);
                o.close();
            });
            Members::resume(&mut w.out, depth + 1).close();
        });
        Members::resume(&mut self.out, depth).close();
    }

    /// The `file`, `start` and `end` members of an object whose members
    /// are at `depth`, `file` its first member when `first`.
    fn span(&mut self, span: Span, depth: usize, first: bool) {
        self.file(span, depth, first);
        let (start, end) = self.report.position(span);
        if self.layouts.len() <= depth {
            self.layouts.resize_with(depth + 1, || None);
        }
        let layout = self.layouts[depth].get_or_insert_with(|| SpanLayout::at(depth));
        let out = &mut self.out;
        for (open, p) in [(&layout.start, start), (&layout.end, end)] {
            number_after(out, open, p.line);
            number_after(out, &layout.column, p.column);
            number_after(out, &layout.offset, p.offset);
        }
        out.extend_from_slice(&layout.close);
    }

    /// The `file` member of an object whose members are at `depth`, its
    /// first member when `first`.
    fn file(&mut self, span: Span, depth: usize, first: bool) {
        let mut o = Members {
            out: &mut self.out,
            depth,
            first,
        };
        o.key(b"\"file\": ");
        let path = match &self.path {
            Some((file, path)) if *file == span.file => path,
            _ => {
                let mut path = Vec::new();
                let lossy = self.report.path(span).to_string_lossy();
                sanitize::append_json_text(&mut path, &lossy);
                &self.path.insert((span.file, path)).1
            }
        };
        self.out.extend_from_slice(path);
    }

    /// The rule name of `code`, looked up once per code.
    fn name(&mut self, code: &'static str) -> Option<&'static str> {
        let same = |c: &&str| c.as_ptr() == code.as_ptr() && c.len() == code.len();
        if let Some((_, name)) = self.names.iter().find(|(c, _)| same(c)) {
            return *name;
        }
        let name = self.report.rule(code).map(|r| r.name);
        self.names.push((code, name));
        name
    }

    /// An array of `items` as the value of a member at `depth` (its key
    /// written), each item written by `write` at the items' depth.
    fn array<T>(&mut self, items: &[T], depth: usize, write: impl Fn(&mut Self, usize, &T)) {
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            newline(&mut self.out, i > 0, depth + 1);
            write(self, depth + 1, item);
        }
        if !items.is_empty() {
            newline(&mut self.out, false, depth);
        }
        self.out.push(b']');
    }
}

/// The members of one JSON object being written, laid out as [`SafeJson`]
/// lays them out: each on its own line, indented one level deeper than
/// the object, and the closing brace on a line of its own unless the
/// object is empty.
struct Members<'a> {
    out: &'a mut Vec<u8>,
    /// The depth of the members (the object's plus one).
    depth: usize,
    first: bool,
}

impl<'a> Members<'a> {
    fn open(out: &'a mut Vec<u8>, depth: usize) -> Members<'a> {
        out.push(b'{');
        Members {
            out,
            depth: depth + 1,
            first: true,
        }
    }

    /// An object opened before, with a member written, whose members are
    /// at `depth`.
    fn resume(out: &'a mut Vec<u8>, depth: usize) -> Members<'a> {
        Members {
            out,
            depth,
            first: false,
        }
    }

    /// A member's key, given quoted and followed by `: ` (it needs no
    /// escaping).
    #[inline]
    fn key(&mut self, key: &[u8]) {
        newline(self.out, !self.first, self.depth);
        self.first = false;
        self.out.extend_from_slice(key);
    }

    fn raw(&mut self, key: &[u8], value: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(value);
    }

    /// Display text, made safe.
    fn text(&mut self, key: &[u8], value: &str) {
        self.key(key);
        sanitize::append_json_text(self.out, value);
    }

    fn close(self) {
        if !self.first {
            newline(self.out, false, self.depth - 1);
        }
        self.out.push(b'}');
    }
}

/// A newline (after a comma when `comma`) and the indentation of `depth`.
#[inline]
fn newline(out: &mut Vec<u8>, comma: bool, depth: usize) {
    const LINE: &[u8; 34] = b",\n                                ";
    let from = usize::from(!comma);
    match LINE.get(from..2 + 2 * depth) {
        Some(bytes) => out.extend_from_slice(bytes),
        None => SafeJson::newline(out, comma, depth).expect("writing to a Vec does not fail"),
    }
}

/// The file notes, their text made safe.
fn notes(report: &Report) -> Vec<JsonNote> {
    report
        .notes
        .iter()
        .map(|n| JsonNote {
            file: sanitize::path(&n.path),
            message: sanitize::text(&n.message).into_owned(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix};
    use crate::report::{FileNote, Pos};
    use crate::source::SourceMap;
    use std::borrow::Cow;
    use std::path::PathBuf;

    /// A finding as the document describes it: serialized with
    /// [`SafeJson`], the bytes [`Writer`] must write.
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

    fn file<'a>(report: &'a Report, span: Span) -> Cow<'a, str> {
        sanitize::path_borrowed(report.path(span))
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

    /// The whole document as one struct, serialized at once: what
    /// [`render`] writes in parts must be these bytes.
    #[derive(Serialize)]
    struct Whole<'a> {
        version: u32,
        tool: Tool,
        files_checked: usize,
        diagnostics: Vec<JsonDiagnostic<'a>>,
        notes: Vec<JsonNote>,
        summary: Counts,
        fixable: Fixable,
    }

    fn whole(report: &Report) -> Vec<u8> {
        let doc = Whole {
            version: JSON_VERSION,
            tool: Tool {
                name: TOOL_NAME,
                version: TOOL_VERSION,
            },
            files_checked: report.files_checked,
            diagnostics: report
                .diagnostics
                .iter()
                .map(|d| diagnostic(report, d))
                .collect(),
            notes: notes(report),
            summary: report.counts(),
            fixable: report.fixable(),
        };
        let mut out = Vec::new();
        sanitize::write_json(&mut out, &doc).unwrap();
        out
    }

    /// Findings of every shape (labels, notes, help, fixes, text to
    /// escape), `n` of them.
    fn findings(sources: &mut SourceMap, n: usize) -> Vec<Diagnostic> {
        let text = "services:\n  web:\n    image: nginx\n";
        let file = sources.add(PathBuf::from("dir/compose \"x\".yaml"), text);
        (0..n)
            .map(|i| {
                let span = Span::new(file, 12 + i % 3, 15 + i % 3);
                let mut d = match i % 3 {
                    0 => {
                        Diagnostic::error("M101", span, format!("finding {i}: `web`\u{202e} ##[x]"))
                    }
                    1 => Diagnostic::warning("S005", span, "tab\there \"quoted\" \\ back"),
                    _ => Diagnostic::info("X999", span, format!("{i}")),
                };
                if i % 2 == 0 {
                    d = d.label(span, "here").note("a note").help("do this");
                }
                if i % 5 == 0 {
                    d = d.fix(Fix {
                        title: "Fix it".into(),
                        edits: vec![Edit {
                            span,
                            replacement: format!("line\n\u{7}{i}"),
                        }],
                        applicability: Applicability::Safe,
                    });
                }
                d
            })
            .collect()
    }

    #[test]
    fn parts_write_what_the_whole_document_writes() {
        let rules = crate::rules::all_meta();
        // None, one, a chunk exactly, and several chunks on both cores.
        for n in [0, 1, 512, 513, 2000] {
            let mut sources = SourceMap::new();
            let diagnostics = findings(&mut sources, n);
            let overlay = FileNote {
                path: PathBuf::from("a.yml"),
                message: "linted as an overlay".into(),
            };
            for notes in [vec![], vec![overlay]] {
                let report = Report {
                    sources: &sources,
                    diagnostics: &diagnostics,
                    rules: &rules,
                    notes: &notes,
                    files_checked: 3,
                };
                let mut parts = Vec::new();
                render(&report, &mut parts).unwrap();
                let whole = whole(&report);
                assert!(
                    parts == whole,
                    "{n} findings, {} notes:\n{}\n---\n{}",
                    notes.len(),
                    String::from_utf8_lossy(&parts),
                    String::from_utf8_lossy(&whole)
                );
            }
        }
    }
}
