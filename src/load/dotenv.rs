//! `.env` and `env_file` parsing, as `docker compose` (compose-go's `dotenv`
//! package) reads them.
//!
//! The format is looser than it looks, and a linter has to read it exactly as
//! Compose does or it will explain values Compose never sees:
//!
//! - A file is a stream of statements, not of lines: after a closing quote the
//!   next statement starts right there (`A="x" B=y` sets both).
//! - `KEY=VALUE`, `KEY: VALUE` and `export KEY=VALUE` are all assignments; a
//!   name alone (`KEY`) copies the variable from the environment, if set.
//! - Names may use letters, digits, `_ . - [ ]` (Unicode letters and digits
//!   too); whitespace around them is dropped.
//! - An unquoted value runs to the end of the line, loses a ` #` comment and
//!   trailing space, and is interpolated. A `#` right after `=` is part of the
//!   value (`K= #x` is `#x`).
//! - `'single'` is literal. `"double"` understands `\n \r \t \a \b \f \v \" \\
//!   \$` and `\0ooo` octal, then is interpolated. Both may span lines. A quote
//!   preceded by a backslash never closes a value, in either kind, so `"C:\\"`
//!   is unterminated in Compose too.
//! - `${VAR}` in a value sees the lookup environment first, then keys set
//!   earlier in the same file (compose-go's order: the shell wins).
//!
//! Compose stops at the first error; this parser reports each and carries on
//! with the next line.

use super::interpolate::{self, Env, Problem};
use std::collections::HashMap;
use std::ops::Range;

/// Total bytes of values one file may expand to. `B=$A$A$A`, `C=$B$B$B`...
/// grows geometrically, so the per-value limit alone is not enough.
pub const MAX_TOTAL_LEN: usize = 16 << 20;

/// One assignment, in file order. A later entry for the same key overrides an
/// earlier one in Compose; both are kept so that duplicates can be reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvEntry {
    pub key: String,
    pub value: String,
    /// 1-based line of the key.
    pub line: usize,
    pub key_range: Range<usize>,
    /// The value as written, quotes included; empty (at the key's end) for a
    /// bare `KEY` that took its value from the environment.
    pub value_range: Range<usize>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DotenvError {
    pub message: String,
    /// 1-based line where `range` starts.
    pub line: usize,
    pub range: Range<usize>,
    /// Whether Compose refuses the file. An unset variable inside a value is
    /// only a warning in Compose: the value gets `""`.
    pub fatal: bool,
}

/// Parses a .env / env_file text. `lookup` resolves `${VAR}` inside values
/// (the lookup env first, then earlier keys in the same file, as compose-go
/// does); a key alone on a line (`KEY`) takes its value from `lookup` if set,
/// else is skipped.
///
/// Ranges are byte ranges into `text` (a leading BOM is skipped, not removed).
pub fn parse(text: &str, lookup: &Env) -> (Vec<DotenvEntry>, Vec<DotenvError>) {
    let mut p = Parser {
        text,
        line_starts: std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect(),
        lookup,
        earlier: HashMap::new(),
        budget: MAX_TOTAL_LEN,
        entries: Vec::new(),
        errors: Vec::new(),
    };
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    p.statements(start);
    (p.entries, p.errors)
}

struct Parser<'t, 'e> {
    text: &'t str,
    line_starts: Vec<usize>,
    lookup: &'e Env,
    /// Values set so far in this file, for interpolation.
    earlier: HashMap<String, String>,
    /// Bytes left of [`MAX_TOTAL_LEN`].
    budget: usize,
    entries: Vec<DotenvEntry>,
    errors: Vec<DotenvError>,
}

/// Go's `isSpace` in compose-go: blank but not a line break.
fn is_blank(c: char) -> bool {
    matches!(
        c,
        '\t' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{85}' | '\u{a0}'
    )
}

fn is_key_char(c: char) -> bool {
    matches!(c, '_' | '.' | '-' | '[' | ']') || c.is_alphanumeric()
}

/// How a key ended.
enum KeyEnd {
    /// `=` or `:` at this offset: a value follows.
    Assign(usize),
    /// A line break at this offset, or the end of the text: a bare `KEY`.
    Bare(usize),
}

impl Parser<'_, '_> {
    fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    fn error(&mut self, message: impl Into<String>, range: Range<usize>, fatal: bool) {
        self.errors.push(DotenvError {
            message: message.into(),
            line: self.line_of(range.start),
            range,
            fatal,
        });
    }

    /// Index of the next `\n` at or after `from`, or the text's end.
    fn line_end(&self, from: usize) -> usize {
        self.text[from..]
            .find('\n')
            .map_or(self.text.len(), |n| from + n)
    }

    fn skip_while(&self, mut pos: usize, f: impl Fn(char) -> bool) -> usize {
        for c in self.text[pos..].chars() {
            if !f(c) {
                break;
            }
            pos += c.len_utf8();
        }
        pos
    }

    fn statements(&mut self, mut pos: usize) {
        let text = self.text;
        loop {
            pos = self.skip_while(pos, char::is_whitespace);
            if pos >= text.len() {
                return;
            }
            if text[pos..].starts_with('#') {
                pos = self.line_end(pos);
                continue;
            }
            pos = self.statement(pos);
        }
    }

    /// One `[export] KEY[=VALUE]` starting at `pos`; returns where the next
    /// statement may start.
    fn statement(&mut self, mut pos: usize) -> usize {
        let text = self.text;
        // compose-go strips `^export\s+` (RE2's \s includes line breaks).
        if let Some(rest) = text[pos..].strip_prefix("export") {
            if rest.starts_with(['\t', '\n', '\u{c}', '\r', ' ']) {
                pos = self.skip_while(pos + 6, |c| matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' '));
                pos = self.skip_while(pos, is_blank);
            }
        }

        let key_start = pos;
        let mut end = None;
        for (i, c) in text[key_start..].char_indices() {
            let at = key_start + i;
            match c {
                '=' | ':' => {
                    end = Some(KeyEnd::Assign(at));
                    break;
                }
                '\n' => {
                    end = Some(KeyEnd::Bare(at));
                    break;
                }
                c if is_blank(c) || is_key_char(c) => {}
                c => {
                    self.error(
                        format!("unexpected character {c:?} in variable name"),
                        at..at + c.len_utf8(),
                        true,
                    );
                    return self.line_end(at);
                }
            }
        }
        // compose-go mishandles a bare name on the last line without a line
        // break; we read it as the bare name it was meant to be.
        let end = end.unwrap_or(KeyEnd::Bare(text.len()));
        let key_stop = match end {
            KeyEnd::Assign(at) | KeyEnd::Bare(at) => at,
        };
        let key = text[key_start..key_stop].trim_end();
        let key_range = key_start..key_start + key.len();
        let mut valid = true;
        if key.is_empty() {
            self.error(
                "missing variable name",
                key_start..key_stop + usize::from(key_stop < text.len()),
                true,
            );
            valid = false;
        } else if key.contains(is_blank) {
            self.error(
                "variable name cannot contain whitespace",
                key_range.clone(),
                true,
            );
            valid = false;
        }

        let (value, value_range, next) = match end {
            KeyEnd::Bare(at) => {
                let next = (at + 1).min(text.len());
                match self.lookup.get(key) {
                    Some(v) if valid => (v.to_string(), key_range.end..key_range.end, next),
                    _ => return next,
                }
            }
            KeyEnd::Assign(at) => {
                let vpos = self.skip_while(at + 1, is_blank);
                match self.value(vpos) {
                    Some(parsed) => parsed,
                    None => return self.line_end(vpos),
                }
            }
        };
        if valid {
            self.earlier.insert(key.to_string(), value.clone());
            self.entries.push(DotenvEntry {
                key: key.to_string(),
                value,
                line: self.line_of(key_start),
                key_range,
                value_range,
            });
        }
        next
    }

    /// The value starting at `pos`: its text, its range as written, and
    /// where parsing continues. `None` after an unterminated quote.
    fn value(&mut self, pos: usize) -> Option<(String, Range<usize>, usize)> {
        let text = self.text;
        let quote = match text.as_bytes().get(pos) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => {
                let end = self.line_end(pos);
                let raw = &text[pos..end];
                let raw = raw.find(" #").map_or(raw, |n| &raw[..n]).trim_end();
                let range = pos..pos + raw.len();
                let value = self.interpolate(raw, &|o| pos + o, range.clone());
                return Some((value, range, end));
            }
        };
        // The first matching quote not preceded by a backslash closes it.
        let bytes = text.as_bytes();
        let close = (pos + 1..bytes.len()).find(|&i| bytes[i] == quote && bytes[i - 1] != b'\\');
        let Some(close) = close else {
            let end = self.line_end(pos);
            self.error(
                format!("unterminated quoted value {}", &text[pos..end]),
                pos..end,
                true,
            );
            return None;
        };
        let raw = &text[pos + 1..close];
        let range = pos..close + 1;
        let value = if quote == b'\'' {
            raw.to_string()
        } else {
            let (unescaped, map) = unescape(raw);
            let to_source = |o: usize| pos + 1 + map.source(o);
            self.interpolate(&unescaped, &to_source, range.clone())
        };
        Some((value, range, close + 1))
    }

    /// Interpolates a value; `to_source` maps offsets in `s` to the file.
    fn interpolate(
        &mut self,
        s: &str,
        to_source: &dyn Fn(usize) -> usize,
        value_range: Range<usize>,
    ) -> String {
        if !s.contains('$') {
            self.budget = self.budget.saturating_sub(s.len());
            return s.to_string();
        }
        let (lookup, earlier) = (self.lookup, &self.earlier);
        let find = |k: &str| lookup.get(k).or_else(|| earlier.get(k).map(String::as_str));
        let limit = s
            .len()
            .saturating_add(interpolate::MAX_RESULT_LEN)
            .min(self.budget);
        let (value, problems) = interpolate::expand(s, &find, limit);
        self.budget = self.budget.saturating_sub(value.len());
        for problem in problems {
            let fatal = problem.is_fatal();
            let r = problem.range();
            let mut range = to_source(r.start)..to_source(r.end);
            if range.start < value_range.start || range.end > value_range.end {
                range = value_range.clone();
            }
            let message = match &problem {
                Problem::TooLarge { .. } => format!(
                    "value expands past the size limit ({} bytes a value, {} a file); expansion stopped",
                    interpolate::MAX_RESULT_LEN,
                    MAX_TOTAL_LEN
                ),
                p => p.message(),
            };
            self.error(message, range, fatal);
        }
        value
    }
}

/// Offsets in an unescaped string back to the escaped text: `(out, src)`
/// pairs at each escape's start and end.
struct OffsetMap(Vec<(usize, usize)>);

impl OffsetMap {
    fn source(&self, out: usize) -> usize {
        let i = self.0.partition_point(|&(o, _)| o <= out);
        match i.checked_sub(1).and_then(|i| self.0.get(i)) {
            Some(&(o, s)) => s + (out - o),
            None => out,
        }
    }
}

/// Expands the escapes compose-go accepts in a double-quoted value.
///
/// `\$` becomes `$$`, so that interpolation then yields a literal `$`. An
/// escape compose-go does not know (`\x`, `\c`, `\012`) stays as written.
fn unescape(raw: &str) -> (String, OffsetMap) {
    if !raw.contains('\\') {
        return (raw.to_string(), OffsetMap(Vec::new()));
    }
    let bytes = raw.as_bytes();
    let mut out = String::with_capacity(raw.len());
    let mut map = Vec::new();
    let mut copied = 0;
    let mut i = 0;
    while let Some(n) = raw[i..].find('\\') {
        let at = i + n;
        let (replacement, len): (Option<String>, usize) = match bytes.get(at + 1) {
            Some(b'a') => (Some("\u{7}".into()), 2),
            Some(b'b') => (Some("\u{8}".into()), 2),
            Some(b'f') => (Some("\u{c}".into()), 2),
            Some(b'n') => (Some("\n".into()), 2),
            Some(b'r') => (Some("\r".into()), 2),
            Some(b't') => (Some("\t".into()), 2),
            Some(b'v') => (Some("\u{b}".into()), 2),
            Some(b'"') => (Some("\"".into()), 2),
            Some(b'\\') => (Some("\\".into()), 2),
            Some(b'$') => (Some("$$".into()), 2),
            Some(b'0') => {
                let digits = bytes[at + 2..]
                    .iter()
                    .take(3)
                    .take_while(|b| b.is_ascii_digit())
                    .count();
                (octal(&raw[at + 2..at + 2 + digits]), 2 + digits)
            }
            // `\c` matches compose-go's pattern but is no Go escape: kept.
            Some(b'c') => (None, 2),
            _ => (None, 1),
        };
        if let Some(r) = replacement {
            out.push_str(&raw[copied..at]);
            map.push((out.len(), at));
            out.push_str(&r);
            map.push((out.len(), at + len));
            copied = at + len;
        }
        i = at + len;
    }
    out.push_str(&raw[copied..]);
    (out, OffsetMap(map))
}

/// `\0ooo`: exactly three octal digits up to 0377, as a code point (Go's
/// `string(rune)`); anything else is not an escape.
fn octal(digits: &str) -> Option<String> {
    if digits.len() != 3 || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return None;
    }
    let v = u32::from_str_radix(digits, 8).ok()?;
    if v > 255 {
        return None;
    }
    char::from_u32(v).map(String::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(text: &str) -> Vec<(String, String)> {
        let (entries, errors) = parse(text, &Env::new());
        assert_eq!(errors, vec![], "{text:?}");
        entries.into_iter().map(|e| (e.key, e.value)).collect()
    }

    fn one(text: &str) -> String {
        let got = kv(text);
        assert_eq!(got.len(), 1, "{text:?}: {got:?}");
        got[0].1.clone()
    }

    /// Each error as (line, message, the text its range covers).
    fn errors(text: &str, env: &Env) -> Vec<(usize, String, String)> {
        parse(text, env)
            .1
            .into_iter()
            .map(|e| (e.line, e.message, text[e.range].to_string()))
            .collect()
    }

    #[test]
    fn assignment_forms() {
        assert_eq!(one("KEY=value"), "value");
        assert_eq!(one("export KEY=value"), "value");
        assert_eq!(one("export   KEY=value"), "value");
        assert_eq!(one("KEY: value"), "value");
        assert_eq!(one("KEY = value"), "value");
        assert_eq!(one("  KEY=  value  "), "value");
        assert_eq!(one("KEY="), "");
        assert_eq!(one("KEY=a=b:c"), "a=b:c");
        assert_eq!(one("export=1"), "1");
        assert_eq!(kv("A.b-c[0]=1")[0].0, "A.b-c[0]");
    }

    #[test]
    fn comments_and_blank_lines() {
        let text = "# comment\n\n  # indented\nA=1 # trailing\nB=x#not-a-comment\nC=2\t\n";
        assert_eq!(
            kv(text),
            [("A", "1"), ("B", "x#not-a-comment"), ("C", "2")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
        );
        // Right after `=`, `#` starts the value.
        assert_eq!(one("K= # not a comment"), "# not a comment");
    }

    #[test]
    fn single_quotes_are_literal() {
        assert_eq!(one("K='a $FOO \\n b'"), "a $FOO \\n b");
        assert_eq!(one("K='# x'"), "# x");
        assert_eq!(one("K='line1\nline2'"), "line1\nline2");
    }

    #[test]
    fn double_quotes_unescape_then_interpolate() {
        let env = Env::from_iter([("FOO", "first")]);
        let got = |text: &str| parse(text, &env).0[0].value.clone();
        assert_eq!(got(r#"K="a\nb""#), "a\nb");
        assert_eq!(got(r#"K="say \"hi\"""#), "say \"hi\"");
        assert_eq!(got(r#"K="back\\slash""#), "back\\slash");
        assert_eq!(got(r#"K="\t\r\a\b\f\v""#), "\t\r\u{7}\u{8}\u{c}\u{b}");
        assert_eq!(got(r#"K="$FOO ${FOO}""#), "first first");
        assert_eq!(got(r#"K="\$FOO $$FOO""#), "$FOO $FOO");
        assert_eq!(got(r#"K="\0101\0""#), "A\\0");
        assert_eq!(got(r#"K="\x \c \012""#), "\\x \\c \\012");
        assert_eq!(got("K=\"multi\nline\" # c"), "multi\nline");
        assert_eq!(got("K=\"a\" B=b"), "a");
        assert_eq!(parse("K=\"a\" B=b", &env).0[1].value, "b");
    }

    #[test]
    fn quote_after_backslash_never_closes_as_in_compose() {
        let e = errors("K=\"C:\\\\\"\nNEXT=1\n", &Env::new());
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].0, 1);
        assert!(e[0].1.starts_with("unterminated quoted value"), "{e:?}");
    }

    #[test]
    fn bom_and_crlf() {
        let text = "\u{feff}A=1\r\nB=\"two\"\r\nC\r\n";
        let env = Env::from_iter([("C", "from-env")]);
        let (entries, errors) = parse(text, &env);
        assert_eq!(errors, vec![]);
        let got: Vec<_> = entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(got, [("A", "1", 1), ("B", "two", 2), ("C", "from-env", 3)]);
        assert_eq!(&text[entries[0].key_range.clone()], "A");
    }

    #[test]
    fn bare_key_takes_its_value_from_lookup_or_is_skipped() {
        let env = Env::from_iter([("SET", "v")]);
        let (entries, errors) = parse("SET\nUNSET\nexport SET\nLAST", &env);
        assert_eq!(errors, vec![]);
        let keys: Vec<_> = entries
            .iter()
            .map(|e| (e.key.as_str(), e.value.as_str()))
            .collect();
        assert_eq!(keys, [("SET", "v"), ("SET", "v")]);
        assert_eq!(entries[0].value_range, 3..3);
    }

    #[test]
    fn ranges_and_lines() {
        let text = "# c\nFIRST=one\n  SECOND = 'two words'  \nTHIRD=\"x\ny\"\nFOURTH=4";
        let (entries, _) = parse(text, &Env::new());
        let got: Vec<_> = entries
            .iter()
            .map(|e| {
                (
                    e.line,
                    &text[e.key_range.clone()],
                    &text[e.value_range.clone()],
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (2, "FIRST", "one"),
                (3, "SECOND", "'two words'"),
                (4, "THIRD", "\"x\ny\""),
                (6, "FOURTH", "4"),
            ]
        );
    }

    #[test]
    fn interpolation_sees_lookup_first_then_earlier_keys() {
        let env = Env::from_iter([("HOST", "shell")]);
        let text = "HOST=file\nPORT=80\nURL=${HOST}:$PORT\nLATER=$NEXT\nNEXT=x";
        let (entries, errors) = parse(text, &env);
        assert_eq!(entries[2].value, "shell:80");
        assert_eq!(entries[3].value, "");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4);
        assert!(!errors[0].fatal);
        assert_eq!(&text[errors[0].range.clone()], "$NEXT");
    }

    #[test]
    fn interpolation_errors_map_back_through_escapes() {
        let text = "A=\"\\t\\t${MISSING:?set it}\"";
        let e = errors(text, &Env::new());
        assert_eq!(
            e,
            [(
                1,
                "required variable MISSING is missing a value: set it".to_string(),
                "${MISSING:?set it}".to_string()
            )]
        );
        let e = errors("A=x ${", &Env::new());
        assert_eq!(e[0].2, "${");
        assert!(parse("A=x ${", &Env::new()).1[0].fatal);
    }

    #[test]
    fn invalid_keys_are_errors_with_lines_and_parsing_goes_on() {
        let text = "GOOD=1\nBAD!KEY=2\nTWO WORDS=3\n=4\nA\"B=5\nAFTER=6\n";
        let (entries, _) = parse(text, &Env::new());
        let keys: Vec<_> = entries.iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["GOOD", "AFTER"]);
        let e = errors(text, &Env::new());
        let got: Vec<_> = e.iter().map(|(l, _, t)| (*l, t.as_str())).collect();
        assert_eq!(got, [(2, "!"), (3, "TWO WORDS"), (4, "="), (5, "\"")]);
        assert!(e[0].1.contains("unexpected character '!'"));
    }

    #[test]
    fn unterminated_quote_is_an_error() {
        let e = errors("A=1\nB='open\nC=3", &Env::new());
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].0, e[0].2.as_str()), (2, "'open"));
        assert!(e[0].1.starts_with("unterminated quoted value"));
    }

    #[test]
    fn duplicates_are_kept_in_order() {
        let got = kv("A=1\nA=2");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].1, "2");
    }

    #[test]
    fn geometric_growth_is_bounded() {
        let mut text = String::from("A0=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n");
        for i in 1..60 {
            let prev = format!("${{A{}}}", i - 1);
            text.push_str(&format!("A{i}={}\n", prev.repeat(8)));
        }
        let (entries, errors) = parse(&text, &Env::new());
        let total: usize = entries.iter().map(|e| e.value.len()).sum();
        assert!(total <= MAX_TOTAL_LEN + (2 << 20), "{total}");
        assert!(!errors.is_empty());
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_and_ranges_slice_the_text(
                text in r#"([A-Z_=:#'"\\ \t\r\n${}\-.é]|export |FOO|\u{feff}){0,60}"#
            ) {
                let env = Env::from_iter([("FOO", "f")]);
                let (entries, errors) = parse(&text, &env);
                for e in &entries {
                    prop_assert!(text.get(e.key_range.clone()).is_some());
                    prop_assert!(text.get(e.value_range.clone()).is_some());
                    prop_assert!(e.line >= 1);
                }
                for e in &errors {
                    prop_assert!(text.get(e.range.clone()).is_some(), "{:?}", e);
                    prop_assert!(e.line >= 1);
                }
            }
        }
    }
}
