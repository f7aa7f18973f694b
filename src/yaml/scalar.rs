//! Scalar resolution: what a plain scalar means to Compose v2, and where
//! YAML 1.1 tools (Compose v1, PyYAML, podman-compose) would read it
//! differently.
//!
//! Compose v2 decodes YAML with go-yaml v3, whose resolver is "YAML 1.2 core,
//! plus some 1.1 leftovers". [`Scalar::core_value`] transcribes that
//! resolver (`resolve()` in go-yaml's `resolve.go`) rather than the spec, so
//! that the linter sees what `docker compose` sees. The differences from the
//! YAML 1.2 core schema are deliberate and listed on the function.

use super::{Scalar, ScalarStyle};

/// The value a plain scalar resolves to.
#[derive(Clone, Debug, PartialEq)]
pub enum CoreValue {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str,
}

/// How YAML 1.1 reads a plain scalar that Compose v2 reads otherwise (or
/// that YAML 1.2 tools read otherwise): the basis of a "quote it" fix.
#[derive(Clone, Debug, PartialEq)]
pub struct Yaml11Ambiguity {
    pub kind: Yaml11Kind,
    /// What a YAML 1.1 loader produces (`Str` when 1.1 keeps it a string).
    pub yaml11: CoreValue,
    /// One sentence, e.g. "YAML 1.1 reads `22:22` as the base-60 number 1342".
    pub description: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Yaml11Kind {
    /// `22:22`, `1:30:00`, `1:30.5`: base-60 numbers in 1.1, strings in 1.2.
    Sexagesimal,
    /// `yes`, `no`, `on`, `off`, `y`, `n`: booleans in 1.1, strings in 1.2.
    Bool,
    /// `0755`, `010`: octal in 1.1. go-yaml v3 (Compose v2) reads them as
    /// octal too, but YAML 1.2 tools read them as decimal 755 / 10.
    Octal,
    /// `08`, `1e3`: numbers to Compose v2, strings to YAML 1.1.
    NotANumber,
}

impl Scalar {
    /// The reading Compose v2 (go-yaml v3) gives this scalar when it decodes
    /// into an untyped value. Quoted and block scalars are always strings.
    ///
    /// Beyond the YAML 1.2 core schema, as go-yaml v3 does it:
    /// - `_` is removed from numbers before parsing (`1_000` is 1000);
    /// - integers use Go's base-0 syntax: `0x1F`, `0o17`, `0b101`, and a
    ///   leading zero means octal (`0755` is 493, `08` fails and becomes the
    ///   float 8.0);
    /// - timestamps such as `2001-12-14` stay strings (go-yaml returns them
    ///   as strings when decoding into `interface{}`).
    ///
    /// Integers above `i64::MAX` (go-yaml's `uint64`) are returned as
    /// `Float`.
    pub fn core_value(&self) -> CoreValue {
        if self.style != ScalarStyle::Plain {
            return CoreValue::Str;
        }
        resolve_core(&self.value)
    }

    /// Whether [`Scalar::core_value`] is `Null`, without resolving the rest.
    pub fn is_null(&self) -> bool {
        self.style == ScalarStyle::Plain && is_core_null(&self.value)
    }

    /// `Some` when a YAML 1.1 tool reads this plain scalar differently from
    /// Compose v2, or (for leading-zero octals) when YAML 1.2 tools do.
    pub fn yaml11_ambiguity(&self) -> Option<Yaml11Ambiguity> {
        if self.style != ScalarStyle::Plain {
            return None;
        }
        yaml11_ambiguity(&self.value)
    }
}

/// go-yaml v3 `resolve()` for an untagged plain scalar.
pub fn resolve_core(s: &str) -> CoreValue {
    // Most scalars are words: only these first bytes can start anything
    // but a string (every literal below, and the numbers).
    match s.as_bytes().first() {
        Some(b'~' | b'n' | b'N' | b't' | b'T' | b'f' | b'F' | b'.' | b'+' | b'-' | b'0'..=b'9')
        | None => {}
        Some(_) => return CoreValue::Str,
    }
    if is_core_null(s) {
        return CoreValue::Null;
    }
    match s {
        "true" | "True" | "TRUE" => return CoreValue::Bool(true),
        "false" | "False" | "FALSE" => return CoreValue::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return CoreValue::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return CoreValue::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return CoreValue::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match s.as_bytes()[0] {
        b'.' => {
            // Go's ParseFloat on the raw text; without a base prefix it
            // accepts no underscores, so this is `\.[0-9]+([eE][-+]?[0-9]+)?`.
            if yaml_style_float(s) {
                if let Ok(f) = s.parse::<f64>() {
                    return CoreValue::Float(f);
                }
            }
            CoreValue::Str
        }
        b'+' | b'-' | b'0'..=b'9' => {
            if is_timestamp_like(s) {
                return CoreValue::Str;
            }
            let plain: std::borrow::Cow<str> = if s.contains('_') {
                s.replace('_', "").into()
            } else {
                s.into()
            };
            match go_parse_int(&plain) {
                Some(v) if i64::try_from(v).is_ok() => return CoreValue::Int(v as i64),
                Some(v) if !plain.starts_with(['+', '-']) && u64::try_from(v).is_ok() => {
                    return CoreValue::Float(v as f64)
                }
                _ => {}
            }
            if yaml_style_float(&plain) {
                if let Ok(f) = plain.parse::<f64>() {
                    return CoreValue::Float(f);
                }
            }
            CoreValue::Str
        }
        _ => CoreValue::Str,
    }
}

/// The core schema's nulls: what [`resolve_core`] reads as `Null`.
fn is_core_null(s: &str) -> bool {
    matches!(s, "" | "~" | "null" | "Null" | "NULL")
}

/// go-yaml's timestamp quick check plus the shapes it then accepts: the text
/// starts with four digits and `-`. Such values resolve to a timestamp, which
/// go-yaml hands back as a string; never as a number.
fn is_timestamp_like(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() > 4 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Go's `strconv.ParseInt(s, 0, _)` syntax, widened to i128 so that the
/// caller can tell int64 from uint64. `None` on bad syntax or overflow.
fn go_parse_int(s: &str) -> Option<i128> {
    let (neg, rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let lower = rest.get(..2).map(|p| p.to_ascii_lowercase());
    let (radix, digits) = match lower.as_deref() {
        Some("0x") => (16, &rest[2..]),
        Some("0o") => (8, &rest[2..]),
        Some("0b") => (2, &rest[2..]),
        _ if rest.len() > 1 && rest.starts_with('0') => (8, &rest[1..]),
        _ => (10, rest),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i128 = 0;
    for c in digits.chars() {
        let d = c.to_digit(radix)? as i128;
        v = v.checked_mul(radix as i128)?.checked_add(d)?;
        if v > u64::MAX as i128 + 1 {
            return None;
        }
    }
    Some(if neg { -v } else { v })
}

/// go-yaml's `yamlStyleFloat`:
/// `^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$`.
fn yaml_style_float(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    if matches!(b.first(), Some(b'+' | b'-')) {
        i += 1;
    }
    let digits = |i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i - start
    };
    if b.get(i) == Some(&b'.') {
        i += 1;
        if digits(&mut i) == 0 {
            return false;
        }
    } else {
        if digits(&mut i) == 0 {
            return false;
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            digits(&mut i);
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if digits(&mut i) == 0 {
            return false;
        }
    }
    i == b.len()
}

fn yaml11_ambiguity(s: &str) -> Option<Yaml11Ambiguity> {
    // Only the booleans below and numbers can be read two ways, and they
    // start with these bytes: most scalars are other words.
    match s.as_bytes().first() {
        Some(b'y' | b'Y' | b'n' | b'N' | b'o' | b'O' | b'+' | b'-' | b'.' | b'0'..=b'9') => {
            any_yaml11_ambiguity(s)
        }
        _ => None,
    }
}

/// [`yaml11_ambiguity`] without its shortcut.
fn any_yaml11_ambiguity(s: &str) -> Option<Yaml11Ambiguity> {
    let found = |kind, yaml11, description: String| {
        Some(Yaml11Ambiguity {
            kind,
            yaml11,
            description,
        })
    };
    match s {
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return found(
                Yaml11Kind::Bool,
                CoreValue::Bool(true),
                format!("YAML 1.1 reads `{s}` as the boolean true"),
            )
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return found(
                Yaml11Kind::Bool,
                CoreValue::Bool(false),
                format!("YAML 1.1 reads `{s}` as the boolean false"),
            )
        }
        _ => {}
    }
    if let Some(v) = sexagesimal(s) {
        let shown = match v {
            CoreValue::Int(i) => i.to_string(),
            CoreValue::Float(f) => f.to_string(),
            _ => String::new(),
        };
        return found(
            Yaml11Kind::Sexagesimal,
            v,
            format!("YAML 1.1 reads `{s}` as the base-60 number {shown}"),
        );
    }
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    let b = unsigned.as_bytes();
    // YAML 1.1 octal: [-+]?0[0-7_]+
    if b.len() > 1 && b[0] == b'0' && b[1..].iter().all(|c| matches!(c, b'0'..=b'7' | b'_')) {
        let mut v: i64 = 0;
        for c in b[1..].iter().filter(|c| **c != b'_') {
            v = v.checked_mul(8)?.checked_add((c - b'0') as i64)?;
        }
        if s.starts_with('-') {
            v = -v;
        }
        return found(
            Yaml11Kind::Octal,
            CoreValue::Int(v),
            format!("YAML 1.1 reads `{s}` as the octal number {v}"),
        );
    }
    // Numbers to go-yaml that no YAML 1.1 int or float pattern matches:
    // a leading zero before 8 or 9 (`08`), and floats without a `.` or
    // with an unsigned exponent (`1e3`, `1.5e3`).
    if let CoreValue::Int(_) | CoreValue::Float(_) = resolve_core(s) {
        if !is_yaml11_number(s) {
            return found(
                Yaml11Kind::NotANumber,
                CoreValue::Str,
                format!("YAML 1.1 reads `{s}` as a string, not a number"),
            );
        }
    }
    None
}

/// YAML 1.1 int or float syntax (the 1.1 type repository regexps, without
/// base 60, which is handled separately).
fn is_yaml11_number(s: &str) -> bool {
    let u = s.strip_prefix(['+', '-']).unwrap_or(s);
    let b = u.as_bytes();
    let all = |t: &[u8], f: fn(&u8) -> bool| !t.is_empty() && t.iter().all(f);
    let dec_ = |c: &u8| c.is_ascii_digit() || *c == b'_';
    // Ints: 0b.., 0x.., 0[0-7_]+, 0, [1-9][0-9_]*
    if let Some(r) = u.strip_prefix("0b") {
        return all(r.as_bytes(), |c| matches!(c, b'0' | b'1' | b'_'));
    }
    if let Some(r) = u.strip_prefix("0x") {
        return all(r.as_bytes(), |c| c.is_ascii_hexdigit() || *c == b'_');
    }
    if u == "0" || (matches!(b.first(), Some(b'1'..=b'9')) && all(b, dec_)) {
        return true;
    }
    // Floats: [0-9][0-9_]*\.[0-9_]*([eE][-+][0-9]+)? and \.[0-9_]+(...)?
    if matches!(u, ".inf" | ".Inf" | ".INF" | ".nan" | ".NaN" | ".NAN") {
        return true;
    }
    let (mantissa, exp) = match u.find(['e', 'E']) {
        Some(i) => (&u[..i], Some(&u[i + 1..])),
        None => (u, None),
    };
    let Some((int, frac)) = mantissa.split_once('.') else {
        return false;
    };
    let int_ok = if int.is_empty() {
        !frac.is_empty()
    } else {
        int.as_bytes()[0].is_ascii_digit() && int.bytes().all(|c| dec_(&c))
    };
    let frac_ok = frac.bytes().all(|c| dec_(&c));
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            matches!(e.as_bytes().first(), Some(b'+' | b'-'))
                && all(&e.as_bytes()[1..], u8::is_ascii_digit)
        }
    };
    int_ok && frac_ok && exp_ok
}

/// YAML 1.1 base 60: int `[-+]?[1-9][0-9_]*(:[0-5]?[0-9])+`,
/// float `[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+\.[0-9_]*`.
fn sexagesimal(s: &str) -> Option<CoreValue> {
    let neg = s.starts_with('-');
    let u = s.strip_prefix(['+', '-']).unwrap_or(s);
    let (whole, frac) = match u.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (u, None),
    };
    let mut parts = whole.split(':');
    let first = parts.next()?;
    let fb = first.as_bytes();
    if fb.is_empty()
        || !fb[0].is_ascii_digit()
        || !fb.iter().all(|c| c.is_ascii_digit() || *c == b'_')
    {
        return None;
    }
    if frac.is_none() && fb[0] == b'0' {
        return None;
    }
    let mut v: i64 = 0;
    for c in fb.iter().filter(|c| **c != b'_') {
        v = v.checked_mul(10)?.checked_add((c - b'0') as i64)?;
    }
    let mut n = 0;
    for p in parts {
        let pb = p.as_bytes();
        let ok = match pb {
            [d] => d.is_ascii_digit(),
            [a, d] => matches!(a, b'0'..=b'5') && d.is_ascii_digit(),
            _ => false,
        };
        if !ok {
            return None;
        }
        let part: i64 = p.parse().ok()?;
        v = v.checked_mul(60)?.checked_add(part)?;
        n += 1;
    }
    if n == 0 {
        return None;
    }
    let sign = if neg { -1 } else { 1 };
    match frac {
        None => Some(CoreValue::Int(sign * v)),
        Some(f) => {
            if !f.bytes().all(|c| c.is_ascii_digit() || c == b'_') {
                return None;
            }
            let digits: String = f.chars().filter(|c| *c != '_').collect();
            let frac: f64 = format!("0.{digits}").parse().ok()?;
            Some(CoreValue::Float(sign as f64 * (v as f64 + frac)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shortcut on the first byte leaves out no ambiguous scalar: on
    /// every string of up to three characters from an alphabet of the
    /// characters that matter, and on longer samples, it agrees with the
    /// full check.
    #[test]
    fn the_first_byte_shortcut_misses_nothing() {
        let alphabet: Vec<char> = "yYnNoOtTfFeEsS019_+-.:~ax".chars().collect();
        let mut words = vec![String::new()];
        for _ in 0..3 {
            let longer: Vec<String> = words
                .iter()
                .flat_map(|w| alphabet.iter().map(move |c| format!("{w}{c}")))
                .collect();
            words.extend(longer);
        }
        words.sort();
        words.dedup();
        words.extend(
            [
                "yes",
                "Off",
                "0755",
                "1:20:30",
                "1e3",
                "08",
                "+0_7",
                ".5",
                "-.inf",
                "x-y",
                "\u{e9}t\u{e9}",
            ]
            .map(String::from),
        );
        let mut ambiguous = 0;
        for w in &words {
            let full = any_yaml11_ambiguity(w).map(|a| a.description);
            ambiguous += usize::from(full.is_some());
            assert_eq!(yaml11_ambiguity(w).map(|a| a.description), full, "{w:?}");
        }
        assert!(
            ambiguous > 50,
            "the words include ambiguous ones: {ambiguous}"
        );
    }

    fn plain(s: &str) -> Scalar {
        Scalar {
            value: s.into(),
            style: ScalarStyle::Plain,
        }
    }

    #[test]
    fn core_value_table() {
        use CoreValue::*;
        let table: &[(&str, CoreValue)] = &[
            ("", Null),
            ("~", Null),
            ("null", Null),
            ("Null", Null),
            ("NULL", Null),
            ("nULL", Str),
            ("true", Bool(true)),
            ("True", Bool(true)),
            ("TRUE", Bool(true)),
            ("false", Bool(false)),
            ("FALSE", Bool(false)),
            ("tRUE", Str),
            ("yes", Str),
            ("no", Str),
            ("on", Str),
            ("off", Str),
            ("y", Str),
            ("0", Int(0)),
            ("-0", Int(0)),
            ("42", Int(42)),
            ("+42", Int(42)),
            ("-17", Int(-17)),
            ("1_000", Int(1000)),
            ("0x1F", Int(31)),
            ("0X1f", Int(31)),
            ("-0x10", Int(-16)),
            ("0o17", Int(15)),
            ("0b101", Int(5)),
            ("0755", Int(493)),
            ("010", Int(8)),
            ("08", Float(8.0)),
            ("9223372036854775807", Int(i64::MAX)),
            ("-9223372036854775808", Int(i64::MIN)),
            ("18446744073709551615", Float(18446744073709551615.0)),
            ("99999999999999999999", Float(1e20)),
            ("0x", Str),
            ("0o8", Str),
            ("1.5", Float(1.5)),
            ("1.", Float(1.0)),
            (".5", Float(0.5)),
            ("-.5", Float(-0.5)),
            ("1e3", Float(1000.0)),
            ("1.5E-2", Float(0.015)),
            ("+.5e1", Float(5.0)),
            (".inf", Float(f64::INFINITY)),
            ("+.Inf", Float(f64::INFINITY)),
            ("-.INF", Float(f64::NEG_INFINITY)),
            (".e3", Str),
            ("1e", Str),
            ("inf", Str),
            ("nan", Str),
            ("infinity", Str),
            ("-", Str),
            ("+", Str),
            (".", Str),
            ("22:22", Str),
            ("1:30:00", Str),
            ("2001-12-14", Str),
            ("2001-12-14T21:59:43Z", Str),
            ("1.2.3", Str),
            ("3.10", Float(3.1)),
            ("nginx:1.25", Str),
            ("8080/tcp", Str),
            ("_1", Str),
        ];
        for (text, want) in table {
            assert_eq!(&plain(text).core_value(), want, "core_value({text:?})");
            // The shortcut for nulls agrees with the full reading.
            assert_eq!(plain(text).is_null(), *want == Null, "is_null({text:?})");
        }
        // Every first byte that can start a number is read as one (the
        // first-byte shortcut lets only those through).
        for d in 0..=9 {
            assert_eq!(plain(&d.to_string()).core_value(), Int(d), "{d}");
        }
        for nan in [".nan", ".NaN", ".NAN"] {
            assert!(
                matches!(plain(nan).core_value(), Float(f) if f.is_nan()),
                "{nan}"
            );
        }
        for style in [
            ScalarStyle::SingleQuoted,
            ScalarStyle::DoubleQuoted,
            ScalarStyle::Literal,
            ScalarStyle::Folded,
        ] {
            let s = Scalar {
                value: "42".into(),
                style,
            };
            assert_eq!(s.core_value(), Str, "{style:?} is always a string");
            let quoted_null = Scalar {
                value: "null".into(),
                style,
            };
            assert!(!quoted_null.is_null(), "{style:?} is never a null");
        }
    }

    #[test]
    fn yaml11_ambiguity_table() {
        use Yaml11Kind::*;
        let table: &[(&str, Yaml11Kind, CoreValue, &str)] = &[
            (
                "22:22",
                Sexagesimal,
                CoreValue::Int(1342),
                "YAML 1.1 reads `22:22` as the base-60 number 1342",
            ),
            (
                "1:30:00",
                Sexagesimal,
                CoreValue::Int(5400),
                "YAML 1.1 reads `1:30:00` as the base-60 number 5400",
            ),
            (
                "-1:30",
                Sexagesimal,
                CoreValue::Int(-90),
                "YAML 1.1 reads `-1:30` as the base-60 number -90",
            ),
            (
                "1:30.5",
                Sexagesimal,
                CoreValue::Float(90.5),
                "YAML 1.1 reads `1:30.5` as the base-60 number 90.5",
            ),
            (
                "yes",
                Bool,
                CoreValue::Bool(true),
                "YAML 1.1 reads `yes` as the boolean true",
            ),
            (
                "Y",
                Bool,
                CoreValue::Bool(true),
                "YAML 1.1 reads `Y` as the boolean true",
            ),
            (
                "ON",
                Bool,
                CoreValue::Bool(true),
                "YAML 1.1 reads `ON` as the boolean true",
            ),
            (
                "no",
                Bool,
                CoreValue::Bool(false),
                "YAML 1.1 reads `no` as the boolean false",
            ),
            (
                "Off",
                Bool,
                CoreValue::Bool(false),
                "YAML 1.1 reads `Off` as the boolean false",
            ),
            (
                "n",
                Bool,
                CoreValue::Bool(false),
                "YAML 1.1 reads `n` as the boolean false",
            ),
            (
                "0755",
                Octal,
                CoreValue::Int(493),
                "YAML 1.1 reads `0755` as the octal number 493",
            ),
            (
                "010",
                Octal,
                CoreValue::Int(8),
                "YAML 1.1 reads `010` as the octal number 8",
            ),
            (
                "-010",
                Octal,
                CoreValue::Int(-8),
                "YAML 1.1 reads `-010` as the octal number -8",
            ),
            (
                "08",
                NotANumber,
                CoreValue::Str,
                "YAML 1.1 reads `08` as a string, not a number",
            ),
            (
                "0o17",
                NotANumber,
                CoreValue::Str,
                "YAML 1.1 reads `0o17` as a string, not a number",
            ),
            (
                "1e3",
                NotANumber,
                CoreValue::Str,
                "YAML 1.1 reads `1e3` as a string, not a number",
            ),
            (
                "1.5e3",
                NotANumber,
                CoreValue::Str,
                "YAML 1.1 reads `1.5e3` as a string, not a number",
            ),
        ];
        for (text, kind, value, desc) in table {
            let got = plain(text)
                .yaml11_ambiguity()
                .unwrap_or_else(|| panic!("{text:?} should be ambiguous"));
            assert_eq!(got.kind, *kind, "{text}");
            assert_eq!(&got.yaml11, value, "{text}");
            assert_eq!(got.description, *desc);
        }
        for fine in [
            "22",
            "0",
            "true",
            "false",
            "null",
            "~",
            "",
            "1.5",
            "1.5e+3",
            "0x1F",
            "0:30",
            "12:60",
            "1:2:3:",
            "yEs",
            "nginx",
            "8080:80/tcp",
            "127.0.0.1:80:80",
            "a:b",
            "-",
        ] {
            assert_eq!(
                plain(fine).yaml11_ambiguity(),
                None,
                "{fine:?} is not ambiguous"
            );
        }
        let quoted = Scalar {
            value: "22:22".into(),
            style: ScalarStyle::DoubleQuoted,
        };
        assert_eq!(quoted.yaml11_ambiguity(), None);
    }
}
