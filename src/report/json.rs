//! compose-lint's own JSON document: versioned, stable, described in
//! docs/json-format.md. Field order here is the order written.
//!
//! Display text (messages, labels, help, notes, titles, paths) is sanitized
//! like every other format. Fix replacements are kept exact, since tools
//! apply them; `sanitize::write_json` writes any unsafe character in them as
//! a JSON `\u` escape.

use super::sanitize::{self, append_json, SafeJson};
use super::{Counts, Fixable, Pos, Report, TOOL_NAME, TOOL_VERSION};
use crate::diagnostic::{Applicability, Diagnostic};
use crate::source::Span;
use serde::Serialize;
use std::borrow::Cow;
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
    for part in diagnostics(report)? {
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
/// converted as it is written, and thousands of them are written on both
/// cores in chunks.
fn diagnostics(report: &Report) -> io::Result<Vec<Vec<u8>>> {
    use rayon::prelude::*;
    // Up to one chunk, one thread: no thread start-up for a small report.
    const CHUNK: usize = 512;
    let write = |(c, chunk): (usize, &[Diagnostic])| -> io::Result<Vec<u8>> {
        let mut part = Vec::with_capacity(chunk.len() * 1024);
        for (i, d) in chunk.iter().enumerate() {
            let first = c == 0 && i == 0;
            part.extend_from_slice(if first { b"\n    " } else { b",\n    " });
            write_diagnostic(&mut part, &diagnostic(report, d), 2)?;
        }
        Ok(part)
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

/// Writes a finding as serializing it with [`SafeJson`] at `depth` does,
/// byte for byte (`parts_write_what_the_whole_document_writes` holds the
/// two together), without serde's machinery: every finding of a report
/// passes here, and its keys need no escaping. Strings are serialized
/// alone, so they are escaped as before.
fn write_diagnostic(out: &mut Vec<u8>, d: &JsonDiagnostic, depth: usize) -> io::Result<()> {
    let mut o = Members::open(out, depth);
    o.string("code", &d.code)?;
    match d.name {
        Some(name) => o.string("name", name)?,
        None => o.raw("name", b"null"),
    }
    o.string("severity", d.severity)?;
    o.string("message", &d.message)?;
    o.string("file", &d.file)?;
    o.pos("start", d.start);
    o.pos("end", d.end);
    o.array("labels", &d.labels, |out, depth, l| {
        let mut o = Members::open(out, depth);
        o.string("file", &l.file)?;
        o.pos("start", l.start);
        o.pos("end", l.end);
        o.string("message", &l.message)?;
        o.close();
        Ok(())
    })?;
    match &d.help {
        Some(help) => o.string("help", help)?,
        None => o.raw("help", b"null"),
    }
    o.array("notes", &d.notes, |out, _, n| string(out, n))?;
    o.array("fixes", &d.fixes, |out, depth, f| {
        let mut o = Members::open(out, depth);
        o.string("title", &f.title)?;
        o.string(
            "applicability",
            match f.applicability {
                Applicability::Safe => "safe",
                Applicability::Unsafe => "unsafe",
                Applicability::DisplayOnly => "display-only",
            },
        )?;
        o.array("edits", &f.edits, |out, depth, e| {
            let mut o = Members::open(out, depth);
            o.string("file", &e.file)?;
            o.pos("start", e.start);
            o.pos("end", e.end);
            o.string("replacement", e.replacement)?;
            o.close();
            Ok(())
        })?;
        o.close();
        Ok(())
    })?;
    o.close();
    Ok(())
}

/// A JSON string, escaped by serde_json and [`SafeJson`].
fn string(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    append_json(out, s, 0)
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

    fn key(&mut self, key: &str) {
        newline(self.out, !self.first, self.depth);
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\": ");
    }

    fn raw(&mut self, key: &str, value: &[u8]) {
        self.key(key);
        self.out.extend_from_slice(value);
    }

    fn string(&mut self, key: &str, value: &str) -> io::Result<()> {
        self.key(key);
        string(self.out, value)
    }

    fn number(&mut self, key: &str, n: usize) {
        self.raw(key, itoa::Buffer::new().format(n).as_bytes());
    }

    fn pos(&mut self, key: &str, p: Pos) {
        self.key(key);
        let mut o = Members::open(self.out, self.depth);
        o.number("line", p.line);
        o.number("column", p.column);
        o.number("offset", p.offset);
        o.close();
    }

    /// An array of `items`, each written by `write` at the items' depth.
    fn array<T>(
        &mut self,
        key: &str,
        items: &[T],
        write: impl Fn(&mut Vec<u8>, usize, &T) -> io::Result<()>,
    ) -> io::Result<()> {
        self.key(key);
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            newline(self.out, i > 0, self.depth + 1);
            write(self.out, self.depth + 1, item)?;
        }
        if !items.is_empty() {
            newline(self.out, false, self.depth);
        }
        self.out.push(b']');
        Ok(())
    }

    fn close(self) {
        if !self.first {
            newline(self.out, false, self.depth - 1);
        }
        self.out.push(b'}');
    }
}

/// A newline (after a comma when `comma`) and the indentation of `depth`.
fn newline(out: &mut Vec<u8>, comma: bool, depth: usize) {
    SafeJson::newline(out, comma, depth).expect("writing to a Vec does not fail");
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::{Edit, Fix};
    use crate::report::FileNote;
    use crate::source::SourceMap;
    use std::path::PathBuf;

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
