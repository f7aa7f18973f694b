//! TEST HELPER ONLY: a tiny reader for the YAML subset used in the model
//! tests (block mappings and sequences, plain / quoted scalars, flow
//! `[a, b]` and `{k: v}`, comments), producing a spanned `Value` with exact
//! byte spans. It exists because the real YAML layer was still being
//! written when these tests were; switch to `yaml::parse` + the loader's
//! converter once they land. Not a YAML parser: no anchors, tags, block
//! scalars or multi-line plain scalars.

#![allow(dead_code)]

use compose_lint::diagnostic::Diagnostic;
use compose_lint::model::{lower, Project};
use compose_lint::source::{FileId, Span};
use compose_lint::value::{Key, Map, ScalarValue, Value, ValueKind};
use compose_lint::yaml::ScalarStyle;

pub fn lower_yaml(src: &str) -> (Project, Vec<Diagnostic>) {
    lower(parse(src))
}

/// The text a span covers, for assertions.
pub fn at(src: &str, span: Span) -> &str {
    &src[span.range()]
}

pub fn parse(src: &str) -> Value {
    let mut lines = Vec::new();
    let mut start = 0;
    for line in src.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let end = start + strip_comment(body).trim_end().len();
        let content = start + (body.len() - body.trim_start().len());
        if content < end {
            lines.push(Line {
                start,
                content,
                end,
            });
        }
        start += line.len();
    }
    let mut p = P { src, lines, i: 0 };
    if p.lines.is_empty() {
        return node(ValueKind::Null, Span::default());
    }
    let col = p.lines[0].content;
    p.block(col)
}

struct Line {
    start: usize,
    content: usize,
    end: usize,
}

struct P<'a> {
    src: &'a str,
    lines: Vec<Line>,
    i: usize,
}

fn strip_comment(s: &str) -> &str {
    let (mut sq, mut dq) = (false, false);
    let b = s.as_bytes();
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'\'' if !dq => sq = !sq,
            b'"' if !sq => dq = !dq,
            b'#' if !sq && !dq && (i == 0 || b[i - 1] == b' ') => return &s[..i],
            _ => {}
        }
    }
    s
}

fn node(kind: ValueKind, span: Span) -> Value {
    Value {
        kind,
        span,
        via: None,
        tag: None,
    }
}

fn sp(a: usize, b: usize) -> Span {
    Span::new(FileId(0), a, b)
}

fn scalar(text: String, style: ScalarStyle, a: usize, b: usize) -> Value {
    node(
        ValueKind::Scalar(ScalarValue {
            text: text.into(),
            style,
            interpolated: false,
        }),
        sp(a, b),
    )
}

impl<'a> P<'a> {
    fn rest(&self, col: usize) -> &'a str {
        &self.src[col..self.lines[self.i].end]
    }

    fn indent_of(&self, i: usize) -> usize {
        self.lines[i].content - self.lines[i].start
    }

    /// Parses the block node whose first token is at absolute offset `col`
    /// on the current line.
    fn block(&mut self, col: usize) -> Value {
        let rest = self.rest(col);
        if rest == "-" || rest.starts_with("- ") {
            self.seq(col)
        } else if key_end(rest).is_some() {
            self.map(col)
        } else {
            let end = self.lines[self.i].end;
            let v = self.inline(col, end);
            self.i += 1;
            v
        }
    }

    fn indent_at(&self, col: usize) -> usize {
        col - self.lines[self.i].start
    }

    /// The value after `key:` or `- ` when nothing follows on the line.
    fn nested(&mut self, parent_indent: usize, allow_same_indent_seq: bool, at: usize) -> Value {
        self.i += 1;
        if self.i < self.lines.len() {
            let ind = self.indent_of(self.i);
            let c = self.lines[self.i].content;
            let is_seq = self.src[c..].starts_with('-');
            if ind > parent_indent || (allow_same_indent_seq && ind == parent_indent && is_seq) {
                return self.block(c);
            }
        }
        node(ValueKind::Null, sp(at, at))
    }

    fn map(&mut self, col: usize) -> Value {
        let indent = self.indent_at(col);
        let mut entries = Vec::new();
        let first = col;
        let mut last_end = col;
        let mut c = col;
        loop {
            let rest = self.rest(c);
            let Some((kend, vstart)) = key_end(rest) else {
                break;
            };
            let key_text = unquote(&rest[..kend]);
            let key = Key {
                name: key_text.into(),
                span: sp(c, c + kend),
            };
            let vcol = c + vstart;
            let value = if vcol >= self.lines[self.i].end {
                self.nested(indent, true, c + kend + 1)
            } else {
                let end = self.lines[self.i].end;
                let v = self.inline(vcol, end);
                self.i += 1;
                v
            };
            last_end = last_end.max(value.span.end as usize).max(c + kend + 1);
            entries.push((key, value));
            if self.i >= self.lines.len() || self.indent_of(self.i) != indent {
                break;
            }
            c = self.lines[self.i].content;
        }
        node(ValueKind::Map(Map { entries }), sp(first, last_end))
    }

    fn seq(&mut self, col: usize) -> Value {
        let indent = self.indent_at(col);
        let mut items = Vec::new();
        let mut c = col;
        let mut last_end = col + 1;
        loop {
            let rest = self.rest(c);
            if !(rest == "-" || rest.starts_with("- ")) {
                break;
            }
            let after = rest[1..].len() - rest[1..].trim_start().len() + 1;
            let item = if after >= rest.len() {
                self.nested(indent, false, c + 1)
            } else {
                self.block(c + after)
            };
            last_end = last_end.max(item.span.end as usize);
            items.push(item);
            if self.i >= self.lines.len() || self.indent_of(self.i) != indent {
                break;
            }
            c = self.lines[self.i].content;
        }
        node(ValueKind::Seq(items), sp(col, last_end))
    }

    /// A scalar or flow collection in `a..b`.
    fn inline(&self, a: usize, b: usize) -> Value {
        let t = &self.src[a..b];
        if t.starts_with('[') && t.ends_with(']') {
            let items = split_flow(&t[1..t.len() - 1])
                .into_iter()
                .map(|(x, y)| self.inline(a + 1 + x, a + 1 + y))
                .collect();
            return node(ValueKind::Seq(items), sp(a, b));
        }
        if t.starts_with('{') && t.ends_with('}') {
            let mut entries = Vec::new();
            for (x, y) in split_flow(&t[1..t.len() - 1]) {
                let (x, y) = (a + 1 + x, a + 1 + y);
                let item = &self.src[x..y];
                let (kend, vstart) = key_end(item).unwrap_or((item.len(), item.len()));
                let key = Key {
                    name: unquote(&item[..kend]).into(),
                    span: sp(x, x + kend),
                };
                let value = if x + vstart >= y {
                    node(ValueKind::Null, sp(x + kend, x + kend))
                } else {
                    self.inline(x + vstart, y)
                };
                entries.push((key, value));
            }
            return node(ValueKind::Map(Map { entries }), sp(a, b));
        }
        if let Some(inner) = t.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
            return scalar(inner.replace("''", "'"), ScalarStyle::SingleQuoted, a, b);
        }
        if let Some(inner) = t.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
            let mut out = String::new();
            let mut it = inner.chars();
            while let Some(c) = it.next() {
                if c == '\\' {
                    match it.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some(o) => out.push(o),
                        None => {}
                    }
                } else {
                    out.push(c);
                }
            }
            return scalar(out, ScalarStyle::DoubleQuoted, a, b);
        }
        if matches!(t, "~" | "null" | "Null" | "NULL") {
            return node(ValueKind::Null, sp(a, b));
        }
        scalar(t.to_string(), ScalarStyle::Plain, a, b)
    }
}

/// For `key: value` / `key:` returns (end of key, start of value).
fn key_end(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'"') | Some(b'\'')) {
        let q = b[0];
        i = 1;
        while i < b.len() && b[i] != q {
            i += 1;
        }
        i += 1;
        if b.get(i) != Some(&b':') {
            return None;
        }
    } else {
        while i < b.len() {
            if b[i] == b':' && (i + 1 == b.len() || b[i + 1] == b' ') {
                break;
            }
            if matches!(b[i], b'[' | b'{' | b'"' | b'\'') && i == 0 {
                return None;
            }
            i += 1;
        }
        if i >= b.len() || i == 0 {
            return None;
        }
    }
    let mut v = i + 1;
    while v < b.len() && b[v] == b' ' {
        v += 1;
    }
    Some((i, v))
}

fn unquote(s: &str) -> String {
    s.strip_prefix(['"', '\''])
        .and_then(|x| x.strip_suffix(['"', '\'']))
        .unwrap_or(s)
        .to_string()
}

/// Splits flow content at top-level commas, trimming spaces; offsets are
/// relative to `s`.
fn split_flow(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let (mut depth, mut sq, mut dq, mut start) = (0i32, false, false, 0);
    let b = s.as_bytes();
    let push = |a: usize, e: usize, out: &mut Vec<(usize, usize)>| {
        let seg = &s[a..e];
        let lead = seg.len() - seg.trim_start().len();
        let t = seg.trim();
        if !t.is_empty() {
            out.push((a + lead, a + lead + t.len()));
        }
    };
    for (i, &c) in b.iter().enumerate() {
        match c {
            b'\'' if !dq => sq = !sq,
            b'"' if !sq => dq = !dq,
            b'[' | b'{' if !sq && !dq => depth += 1,
            b']' | b'}' if !sq && !dq => depth -= 1,
            b',' if !sq && !dq && depth == 0 => {
                push(start, i, &mut out);
                start = i + 1;
            }
            _ => {}
        }
    }
    push(start, s.len(), &mut out);
    out
}
