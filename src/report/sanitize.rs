//! Making text from linted files safe to print.
//!
//! A Compose file is untrusted input: its keys and values end up in messages,
//! labels, help, file paths and code frames, and from there in a terminal, a
//! CI log or a report that another tool renders. Every format passes such text
//! through this module so that a file cannot:
//!
//! - move the cursor, recolour or retitle a terminal (C0/C1 controls, ESC and
//!   ANSI sequences, DEL);
//! - reorder what a reader sees (bidi overrides and isolates, LRM/RLM/ALM:
//!   the "Trojan Source" trick);
//! - hide text (zero-width and other invisible characters, tag characters);
//! - start a new line inside a one-line message (CR, LF, NEL, U+2028/9);
//! - issue a CI workflow command.
//!
//! Such characters are made visible as `\u{XXXX}` (upper-case hex, no
//! padding); LF, CR and TAB read as `\n`, `\r` and `\t`. A backslash itself is
//! left alone, so the escapes are for reading, not for decoding.
//!
//! # Workflow commands
//!
//! The GitHub Actions runner treats a log line as a command when, after
//! leading whitespace is trimmed, it starts with `::` (`::error::...`), and
//! also when `##[` appears anywhere in it (the older `##[error]...` form,
//! which the log viewer honours too). So:
//!
//! - `##[` anywhere becomes `#\u{23}[`;
//! - `::` at the start of the text or right after whitespace becomes
//!   `:\u{3A}`. Only a word-initial `::` can begin a line once the text is
//!   placed after indentation or wrapped at a space, so `[::1]:80` and
//!   `a::b` stay as they are.
//!
//! Both stay readable (`:\u{3A}error::pwned`) and say what was there.
//!
//! # Code frames
//!
//! miette draws code frames from byte offsets, so the source text given to it
//! must keep every byte offset. [`frame_source`] swaps each unsafe character
//! for visible text of the same UTF-8 length: a 3-byte character becomes
//! U+FFFD (also 3 bytes), any other becomes that many `?`. `##[` becomes
//! `#?[`. LF, TAB and the CR of a CRLF are kept: miette lays out lines and
//! tabs itself. A code frame line always starts with a line-number gutter, so
//! a `::` in it needs no change.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::path::Path;

/// True for characters that must never reach output as themselves.
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1F}'
        | '\u{7F}'..='\u{9F}'
        | '\u{AD}'                  // soft hyphen
        | '\u{34F}'                 // combining grapheme joiner
        | '\u{61C}'                 // arabic letter mark
        | '\u{115F}' | '\u{1160}'   // hangul fillers
        | '\u{17B4}' | '\u{17B5}'   // khmer invisible vowels
        | '\u{180B}'..='\u{180F}'   // mongolian selectors and vowel separator
        | '\u{200B}'..='\u{200F}'   // zero width space/joiners, LRM, RLM
        | '\u{2028}'..='\u{202E}'   // line/paragraph separator, bidi embeddings and overrides
        | '\u{2060}'..='\u{206F}'   // word joiner, invisible operators, bidi isolates, deprecated format
        | '\u{3164}' | '\u{FFA0}'   // hangul fillers
        | '\u{FEFF}'                // zero width no-break space / BOM
        | '\u{FFF9}'..='\u{FFFB}'   // interlinear annotation
        | '\u{FFFE}' | '\u{FFFF}'   // noncharacters, invalid in XML
        | '\u{E0000}'..='\u{E007F}' // tag characters
    )
}

/// Sanitize one piece of display text (a message, label, help line, note,
/// title, path). The result is a single line with nothing hidden in it.
pub fn text(s: &str) -> Cow<'_, str> {
    if !needs_work(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut prev_ws = true; // the start of the text counts as after whitespace
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == ':' && prev_ws && s[i..].starts_with("::") {
            out.push_str(":\\u{3A}");
            chars.next();
            prev_ws = false;
            continue;
        }
        if c == '#' && s[i..].starts_with("##[") {
            out.push_str("#\\u{23}[");
            chars.next();
            chars.next();
            prev_ws = false;
            continue;
        }
        push_visible(&mut out, c);
        prev_ws = c.is_whitespace() && !is_unsafe(c);
    }
    Cow::Owned(out)
}

/// A path for display: as given, lossy for non-UTF-8 names, sanitized.
pub fn path(p: &Path) -> String {
    path_borrowed(p).into_owned()
}

/// [`path`], borrowed when the path needs no change (the JSON report shows
/// three paths per finding).
pub fn path_borrowed(p: &Path) -> Cow<'_, str> {
    match p.to_string_lossy() {
        Cow::Borrowed(s) => text(s),
        Cow::Owned(s) => Cow::Owned(text(&s).into_owned()),
    }
}

/// Source text for a miette code frame: unsafe characters replaced by
/// visible ones of the same byte length, so every span still lines up.
pub fn frame_source(s: &str) -> Cow<'_, str> {
    if !frame_dirty(s) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        let keep = match c {
            '\n' | '\t' => true,
            '\r' => bytes.get(i + 1) == Some(&b'\n'),
            _ => !is_unsafe(c),
        };
        if keep {
            // `##[`: turn the second `#` into `?`.
            if c == '#' && i > 0 && bytes[i - 1] == b'#' && bytes.get(i + 1) == Some(&b'[') {
                out.push('?');
            } else {
                out.push(c);
            }
        } else if c.len_utf8() == 3 {
            out.push('\u{FFFD}');
        } else {
            for _ in 0..c.len_utf8() {
                out.push('?');
            }
        }
    }
    debug_assert_eq!(out.len(), s.len());
    Cow::Owned(out)
}

/// Whether [`frame_source`] must change anything in `s`. A whole file is
/// checked, so the common case (printable ASCII, line breaks and tabs) is
/// one branch-free pass the compiler vectorizes; characters are decoded
/// only for a file with others.
fn frame_dirty(s: &str) -> bool {
    let bytes = s.as_bytes();
    let plain = bytes.iter().fold(true, |ok, &b| {
        ok & ((0x20..0x7f).contains(&b) | (b == b'\n') | (b == b'\t') | (b == b'\r'))
    });
    (!plain
        && s.chars()
            .any(|c| is_unsafe(c) && c != '\n' && c != '\t' && c != '\r'))
        || memchr::memmem::find(bytes, b"##[").is_some()
        || (memchr::memchr(b'\r', bytes).is_some() && lone_cr(s))
}

fn lone_cr(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter()
        .enumerate()
        .any(|(i, &c)| c == b'\r' && b.get(i + 1) != Some(&b'\n'))
}

fn needs_work(s: &str) -> bool {
    // Printable ASCII without `#` needs work only for `::`: one pass over
    // the bytes without early exit, which the compiler vectorizes.
    if plain_ascii(s.as_bytes()) {
        return s.contains("::");
    }
    // Printable ASCII holds no unsafe character: most text is only scanned
    // byte by byte.
    let printable_ascii = s.bytes().all(|b| (0x20..0x7f).contains(&b));
    (!printable_ascii && s.chars().any(is_unsafe)) || s.contains("##[") || s.contains("::")
}

/// Only printable ASCII and no `#`: nothing to escape or neutralize but
/// `::`. Checks every byte without branching per byte (fast on the long
/// plain texts most findings are).
fn plain_ascii(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .fold(true, |ok, &b| ok & (0x20..0x7f).contains(&b) & (b != b'#'))
}

fn push_visible(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if is_unsafe(c) => {
            let _ = write!(out, "\\u{{{:X}}}", c as u32);
        }
        c => out.push(c),
    }
}

/// A serde_json formatter for every JSON format we write (json, sarif,
/// gitlab). On top of serde_json's own escaping it writes unsafe characters
/// as `\uXXXX` and `##[` as `##\u005b`. That is lossless for a JSON reader
/// (fix replacements must stay exact), yet no raw control, bidi or invisible
/// character and no workflow command reaches the bytes we print.
pub struct SafeJson {
    /// Nesting depth: each level indents by two spaces, as serde_json's
    /// `PrettyFormatter::with_indent(b"  ")` does, byte for byte.
    depth: usize,
    /// Whether the innermost array or object has a value yet.
    has_value: bool,
}

impl SafeJson {
    pub fn new() -> SafeJson {
        SafeJson::at_depth(0)
    }

    /// A formatter for a value nested `depth` levels deep in a document
    /// (its lines indented to match), to write part of a document apart.
    pub fn at_depth(depth: usize) -> SafeJson {
        SafeJson {
            depth,
            has_value: false,
        }
    }

    /// A newline (after `,` when `comma`) and the indentation of `depth`,
    /// in one write.
    pub(crate) fn newline<W: ?Sized + io::Write>(
        w: &mut W,
        comma: bool,
        depth: usize,
    ) -> io::Result<()> {
        const SPACES: &[u8; 64] =
            b"                                                                ";
        w.write_all(if comma { b",\n" } else { b"\n" })?;
        let mut left = 2 * depth;
        while left > 0 {
            let n = left.min(SPACES.len());
            w.write_all(&SPACES[..n])?;
            left -= n;
        }
        Ok(())
    }
}

impl Default for SafeJson {
    fn default() -> SafeJson {
        SafeJson::new()
    }
}

/// Write `value` as pretty JSON through [`SafeJson`], with a final newline.
pub fn write_json<T: serde::Serialize>(
    out: &mut dyn std::io::Write,
    value: &T,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    append_json(&mut buf, value, 0)?;
    buf.push(b'\n');
    out.write_all(&buf)
}

/// Append `value` to `buf` as pretty JSON through [`SafeJson`], indented
/// as a value `depth` levels deep in a document.
pub fn append_json<T: serde::Serialize + ?Sized>(
    buf: &mut Vec<u8>,
    value: &T,
    depth: usize,
) -> std::io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(buf, SafeJson::at_depth(depth));
    value.serialize(&mut ser).map_err(std::io::Error::other)
}

/// Append `s` as a JSON string, written as serializing it through
/// [`SafeJson`] writes it, byte for byte, without serde's machinery: every
/// string of the JSON report's findings passes here. Printable ASCII
/// without `"`, `\\` or `#` (most text) is copied as it is.
pub fn append_json_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // No early exit: the compiler vectorizes the pass.
    let plain = bytes.iter().fold(true, |ok, &b| {
        ok & (0x20..0x7f).contains(&b) & (b != b'"') & (b != b'\\') & (b != b'#')
    });
    if plain {
        out.extend_from_slice(bytes);
    } else {
        append_escaped(out, s);
    }
    out.push(b'"');
}

/// The escapes of [`append_json_str`]: serde_json's (`\"`, `\\`, `\b`,
/// `\f`, `\n`, `\r`, `\t`, other controls as `\u00xx`), then
/// [`SafeJson`]'s (unsafe characters as `\uxxxx` per UTF-16 unit, the `[`
/// of `##[` as `\u005b`). Runs of plain ASCII are copied at once; only
/// other characters are decoded.
fn append_escaped(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    // The bytes copied as they are unless a `[` closes `##[`.
    const PLAIN: [bool; 256] = {
        let mut plain = [false; 256];
        let mut b = 0x20;
        while b < 0x7f {
            plain[b] = b != b'"' as usize && b != b'\\' as usize && b != b'[' as usize;
            b += 1;
        }
        plain
    };
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if PLAIN[usize::from(b)] {
            i += 1;
            continue;
        }
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0c => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            b'[' if i >= 2 && &bytes[i - 2..i] == b"##" => b"\\u005b",
            0x20..=0x7e => {
                i += 1;
                continue;
            }
            _ => b"",
        };
        // A control, DEL or the first byte of a character past ASCII.
        let c = s[i..].chars().next().expect("i is a char boundary");
        let len = c.len_utf8();
        if short.is_empty() && !is_unsafe(c) {
            i += len;
            continue;
        }
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            let mut units = [0u16; 2];
            for &u in c.encode_utf16(&mut units).iter() {
                out.extend_from_slice(b"\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[usize::from((u >> shift) & 0xf)]);
                }
            }
        } else {
            out.extend_from_slice(short);
        }
        i += len;
        start = i;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// [`text`] made safe, then appended as a JSON string by
/// [`append_json_str`]. Text that both leave as it is (printable ASCII
/// without `"`, `\\`, `#` or `::`, as most messages are) is copied.
pub fn append_json_text(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    if kept_as_it_is(bytes) {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
    } else {
        append_json_str(out, &text(s));
    }
}

/// Whether [`append_json_text`] writes `bytes` as they are. Looked at in
/// blocks of fixed size, each checked without a loop or a branch per byte
/// (the compiler vectorizes it), the last block padded with spaces: most
/// texts are short, and a tail checked byte by byte would cost as much
/// as the rest. A quarter of them hold a `:`; only those are searched
/// for `::`.
fn kept_as_it_is(bytes: &[u8]) -> bool {
    const BLOCK: usize = 32;
    let kept = |b: u8| (0x20..0x7f).contains(&b) & (b != b'"') & (b != b'\\') & (b != b'#');
    let mut colon = false;
    let mut block = |b: &[u8; BLOCK]| {
        colon |= b.iter().fold(false, |any, &x| any | (x == b':'));
        b.iter().fold(true, |ok, &x| ok & kept(x))
    };
    let mut blocks = bytes.chunks_exact(BLOCK);
    for b in &mut blocks {
        if !block(b.try_into().expect("a block")) {
            return false;
        }
    }
    let rest = blocks.remainder();
    let mut last = [b' '; BLOCK];
    last[..rest.len()].copy_from_slice(rest);
    block(&last)
        && !(colon && memchr::memchr_iter(b':', bytes).any(|i| bytes.get(i + 1) == Some(&b':')))
}

use serde_json::ser::Formatter;
use std::io;

impl Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let bytes = fragment.as_bytes();
        // Printable ASCII without `##[` is written as it is.
        if plain_ascii(bytes)
            || (bytes.iter().all(|b| (0x20..0x7f).contains(b)) && !fragment.contains("##["))
        {
            return w.write_all(bytes);
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            let bracket = c == '[' && i >= 2 && &bytes[i - 2..i] == b"##";
            if !(is_unsafe(c) || bracket) {
                continue;
            }
            w.write_all(&bytes[start..i])?;
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                write!(w, "\\u{:04x}", u)?;
            }
            start = i + c.len_utf8();
        }
        w.write_all(&bytes[start..])
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"[")
    }
    fn end_array<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            SafeJson::newline(w, false, self.depth)?;
        }
        w.write_all(b"]")
    }
    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        SafeJson::newline(w, !first, self.depth)
    }
    fn end_array_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth += 1;
        self.has_value = false;
        w.write_all(b"{")
    }
    fn end_object<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.depth -= 1;
        if self.has_value {
            SafeJson::newline(w, false, self.depth)?;
        }
        w.write_all(b"}")
    }
    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> io::Result<()> {
        SafeJson::newline(w, !first, self.depth)
    }
    fn begin_object_value<W: ?Sized + io::Write>(&mut self, w: &mut W) -> io::Result<()> {
        w.write_all(b": ")
    }
    fn end_object_value<W: ?Sized + io::Write>(&mut self, _w: &mut W) -> io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// Escape text for an XML attribute or element. Run [`text`] first for
/// display text; this also writes any remaining unsafe character as a
/// character reference so the document stays well-formed whatever it holds
/// (XML 1.0 cannot contain most controls at all, so those become `\u{XX}`).
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let bytes = s.as_bytes();
    for (i, c) in s.char_indices() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            '[' if i >= 2 && &bytes[i - 2..i] == b"##" => out.push_str("&#91;"),
            // Not allowed in XML 1.0 even as a reference.
            '\u{0}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}' => {
                let _ = write!(out, "\\u{{{:X}}}", c as u32);
            }
            c if is_unsafe(c) => {
                let _ = write!(out, "&#x{:X};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`SafeJson`]'s layout is serde_json's own pretty layout, byte for
    /// byte, at every depth: nested and empty arrays and objects, scalars,
    /// and text with nothing to make safe.
    #[test]
    fn safe_json_indents_as_serde_json_pretty_does() {
        let deep = (0..40).fold(serde_json::json!("leaf"), |v, i| {
            if i % 2 == 0 {
                serde_json::json!([v, {}, []])
            } else {
                serde_json::json!({"k": v, "e": [], "o": {}, "n": null})
            }
        });
        let cases = [
            serde_json::json!(null),
            serde_json::json!([]),
            serde_json::json!({}),
            serde_json::json!([[], {}, [[]], {"a": {}}]),
            serde_json::json!({"version": 1, "list": [1, 2.5, -3, true, false, null],
                "nested": {"x": [{"y": "z"}, {"q \"quoted\" \\ tab\t": "line\nbreak"}]},
                "empty": "", "unicode": "caf\u{e9}"}),
            deep,
        ];
        for v in cases {
            let mut ours = Vec::new();
            write_json(&mut ours, &v).unwrap();
            let mut theirs = serde_json::to_vec_pretty(&v).unwrap();
            theirs.push(b'\n');
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap()
            );
        }
    }

    /// A part written at a depth fits where it sits in the whole document.
    #[test]
    fn a_part_at_depth_is_indented_as_in_the_whole() {
        let inner = serde_json::json!({"a": [1, {"b": []}], "c": {}});
        let whole = serde_json::json!({"outer": [inner.clone()]});
        let mut doc = Vec::new();
        write_json(&mut doc, &whole).unwrap();
        let mut part = Vec::new();
        append_json(&mut part, &inner, 2).unwrap();
        let doc = String::from_utf8(doc).unwrap();
        let part = String::from_utf8(part).unwrap();
        assert!(
            doc.contains(&format!("[\n    {part}\n  ]")),
            "{doc}\n---\n{part}"
        );
    }

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(text("image: nginx:1.27 ü"), Cow::Borrowed(_)));
        assert_eq!(text("[::1]:80"), "[::1]:80");
    }

    #[test]
    fn controls_become_visible() {
        assert_eq!(text("a\x1b[31mb"), "a\\u{1B}[31mb");
        assert_eq!(text("a\nb\r\tc"), "a\\nb\\r\\tc");
        assert_eq!(text("x\u{7f}\u{9b}y"), "x\\u{7F}\\u{9B}y");
        assert_eq!(text("\u{202E}abc\u{2066}"), "\\u{202E}abc\\u{2066}");
        assert_eq!(text("a\u{200B}\u{FEFF}b"), "a\\u{200B}\\u{FEFF}b");
        assert_eq!(text("tag\u{E0041}"), "tag\\u{E0041}");
    }

    #[test]
    fn workflow_openers_are_neutralised() {
        assert_eq!(text("::error::pwned"), ":\\u{3A}error::pwned");
        assert_eq!(text("  ::warning x"), "  :\\u{3A}warning x");
        assert_eq!(text("x\u{3000}::e"), "x\u{3000}:\\u{3A}e");
        assert_eq!(text("say ##[error]x"), "say #\\u{23}[error]x");
        assert_eq!(text("###[x"), "##\\u{23}[x");
        // A newline turned visible is not whitespace any more, but the line
        // it would have started is gone, so `::` after it is harmless.
        assert_eq!(text("a\n::b"), "a\\n::b");
        // Ordinary uses stay.
        assert_eq!(text("[::1]:80 a::b"), "[::1]:80 a::b");
        for s in ["::a", " ::a", "\t::a", "##[a", "a ##[ b", "\u{A0}::x"] {
            let t = text(s);
            assert!(!t.trim_start().starts_with("::"), "{t}");
            assert!(!t.contains("##["), "{t}");
        }
    }

    #[test]
    fn frame_source_keeps_byte_length_and_lines() {
        let src = "a: \"\x1b[31m\"\nb: \u{202E}x\u{2066}\r\nc: \u{9b}\u{E0041}\rd\t##[e]\n";
        let out = frame_source(src);
        assert_eq!(out.len(), src.len());
        // Every char boundary of the input is one of the output.
        for (i, _) in src.char_indices() {
            assert!(out.is_char_boundary(i), "boundary {i}");
        }
        // Line breaks and tabs unchanged; CR kept only before LF.
        let nl = |s: &str| s.match_indices('\n').map(|(i, _)| i).collect::<Vec<_>>();
        assert_eq!(nl(src), nl(&out));
        assert!(out.contains("\r\n"));
        assert!(out.contains('\t'));
        assert!(!out
            .chars()
            .any(|c| is_unsafe(c) && !matches!(c, '\n' | '\t' | '\r')));
        assert!(!out.contains("##["));
        assert_eq!(
            &*out,
            "a: \"?[31m\"\nb: \u{FFFD}x\u{FFFD}\r\nc: ???????d\t#?[e]\n"
        );
    }

    #[test]
    fn frame_source_checks_plain_ascii_text_too() {
        for clean in ["a: b\n", "a: b\r\n\tc # x\n", "a: \"#[x]\"\n", ""] {
            assert!(matches!(frame_source(clean), Cow::Borrowed(_)), "{clean:?}");
        }
        assert_eq!(frame_source("a\u{1b}b\n"), "a?b\n");
        assert_eq!(frame_source("a\rb\r\n"), "a?b\r\n");
        assert_eq!(frame_source("a: ##[x\n"), "a: #?[x\n");
        assert_eq!(frame_source("a\u{7f}\n"), "a?\n");
    }

    #[test]
    fn frame_source_length_for_every_unsafe_char() {
        for c in (0u32..0x11_0000)
            .filter_map(char::from_u32)
            .filter(|&c| is_unsafe(c))
        {
            let s = format!("x{c}y");
            let out = frame_source(&s);
            assert_eq!(out.len(), s.len(), "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn json_escapes_unsafe_losslessly() {
        let v = "a\u{202E}b\u{1b}c ##[x \u{E0041}";
        let mut buf = Vec::new();
        write_json(&mut buf, &v).unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert_eq!(s, "\"a\\u202eb\\u001bc ##\\u005bx \\udb40\\udc41\"\n");
        let back: String = serde_json::from_str(&s).unwrap();
        assert_eq!(back, v);
    }

    /// Strings of up to four characters from an alphabet of everything
    /// either writer treats apart, and a few longer ones.
    fn json_strings() -> Vec<String> {
        let alphabet = [
            "a",
            " ",
            ":",
            "#",
            "[",
            "\"",
            "\\",
            "\n",
            "\r",
            "\t",
            "\u{8}",
            "\u{c}",
            "\u{1}",
            "\u{1b}",
            "\u{7f}",
            "\u{9b}",
            "é",
            "\u{202e}",
            "\u{2028}",
            "😀",
            "\u{e0041}",
            "\u{feff}",
        ];
        let mut all = vec![String::new()];
        let mut last = vec![String::new()];
        for _ in 0..4 {
            last = last
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            all.extend(last.iter().cloned());
        }
        for long in [
            "a plain message of more than sixteen bytes, without anything to escape",
            "a message with \"quotes\" past the first sixteen bytes ##[x] and :: too",
            "image: nginx:1.27 ::error:: at byte 40 and \u{202e} further on, é",
        ] {
            all.push(long.to_string());
        }
        all
    }

    /// [`append_json_str`] writes what serializing the string through
    /// [`SafeJson`] writes, for every string of [`json_strings`].
    #[test]
    fn append_json_str_writes_what_safe_json_writes() {
        for s in json_strings() {
            let mut ours = Vec::new();
            append_json_str(&mut ours, &s);
            let mut theirs = Vec::new();
            append_json(&mut theirs, s.as_str(), 0).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap(),
                "{s:?}"
            );
        }
    }

    /// [`append_json_text`], which copies most text as it is, writes what
    /// making it safe and then serializing it through [`SafeJson`] writes.
    #[test]
    fn append_json_text_writes_the_safe_text_as_safe_json_writes() {
        for s in json_strings() {
            let mut ours = Vec::new();
            append_json_text(&mut ours, &s);
            let mut theirs = Vec::new();
            append_json(&mut theirs, &*text(&s), 0).unwrap();
            assert_eq!(
                String::from_utf8(ours).unwrap(),
                String::from_utf8(theirs).unwrap(),
                "{s:?}"
            );
        }
    }

    #[test]
    fn xml_escapes() {
        assert_eq!(
            xml("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&apos;"
        );
        assert_eq!(xml("a\u{202E}b\u{1}##[c"), "a&#x202E;b\\u{1}##&#91;c");
    }
}
