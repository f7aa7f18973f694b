//! Scalar conversions Compose applies after interpolation: durations
//! (`1m30s`), byte sizes (`512m`, `1.5g`), lenient booleans and numbers.
//!
//! The rules follow compose-go: durations use Go's `time.ParseDuration`
//! syntax extended with `d` and `w` (go-str2duration); byte sizes use
//! docker/go-units `RAMInBytes` (binary multiples, optional `b`/`ib` suffix);
//! booleans given as strings accept `y/yes/true/on` and `n/no/false/off`.

/// A duration as written and its value in nanoseconds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Duration {
    pub nanos: i64,
    pub raw: String,
}

impl Duration {
    pub fn as_secs_f64(&self) -> f64 {
        self.nanos as f64 / 1e9
    }
}

/// A byte size as written and its value in bytes (`-1` means unlimited
/// where Compose allows it, e.g. `memswap_limit`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ByteSize {
    pub bytes: i64,
    pub raw: String,
}

/// Parses a Go-style duration: an optional sign, then one or more
/// `{number}{unit}` pairs (`ns us µs ms s m h d w`); a bare `0` is allowed.
pub fn parse_duration(s: &str) -> Result<i64, String> {
    let err = || format!("invalid duration `{s}`");
    let mut rest = s;
    let mut neg = false;
    if let Some(r) = rest.strip_prefix('-') {
        neg = true;
        rest = r;
    } else if let Some(r) = rest.strip_prefix('+') {
        rest = r;
    }
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(err());
    }
    let mut total: f64 = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return Err(err());
        }
        let n: f64 = num.parse().map_err(|_| err())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let mult: f64 = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "d" => 86400e9,
            "w" => 7.0 * 86400e9,
            "" => return Err(format!("invalid duration `{s}`: missing unit")),
            _ => return Err(format!("invalid duration `{s}`: unknown unit `{unit}`")),
        };
        total += n * mult;
        rest = &rest[unit_len..];
    }
    if total > i64::MAX as f64 {
        return Err(format!("invalid duration `{s}`: overflow"));
    }
    let v = total as i64;
    Ok(if neg { -v } else { v })
}

/// Parses a byte size like `512m`, `1.5g`, `1gb`, `2GiB`, `1024`, `1 k`.
/// Units are binary (k = 1024) and case-insensitive.
pub fn parse_bytes(s: &str) -> Result<i64, String> {
    let err = || format!("invalid byte size `{s}`");
    if s == "-1" {
        return Ok(-1);
    }
    let Some(sep) = s.rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ' ') else {
        return Err(err());
    };
    let (num, sfx) = if s.as_bytes()[sep] == b' ' {
        (&s[..sep], &s[sep + 1..])
    } else {
        (&s[..sep + 1], &s[sep + 1..])
    };
    let size: f64 = num.parse().map_err(|_| err())?;
    if !size.is_finite() || size < 0.0 {
        return Err(err());
    }
    if sfx.is_empty() {
        return Ok(size as i64);
    }
    let bad = || format!("invalid byte size `{s}`: unknown unit `{sfx}`");
    if sfx.len() > 3 {
        return Err(bad());
    }
    let lower = sfx.to_ascii_lowercase();
    let b = lower.as_bytes();
    if b[0] == b'b' {
        return if b.len() == 1 {
            Ok(size as i64)
        } else {
            Err(bad())
        };
    }
    let mult: f64 = match b[0] {
        b'k' => 1024.0,
        b'm' => 1024.0 * 1024.0,
        b'g' => 1024.0 * 1024.0 * 1024.0,
        b't' => 1024f64.powi(4),
        b'p' => 1024f64.powi(5),
        _ => return Err(bad()),
    };
    match b.len() {
        2 if b[1] != b'b' => return Err(bad()),
        3 if &b[1..] != b"ib" => return Err(bad()),
        _ => {}
    }
    Ok((size * mult) as i64)
}

/// Compose's boolean reading of a scalar (YAML 1.1 words, case-insensitive).
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "y" | "yes" | "true" | "on" => Some(true),
        "n" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// An integer: decimal with optional sign, or YAML `0x`/`0o` forms.
pub fn parse_int(s: &str) -> Option<i64> {
    let t = s.trim();
    let (neg, body) = match t.strip_prefix('-') {
        Some(b) => (true, b),
        None => (false, t.strip_prefix('+').unwrap_or(t)),
    };
    let v = if let Some(h) = body.strip_prefix("0x") {
        i64::from_str_radix(h, 16).ok()?
    } else if let Some(o) = body.strip_prefix("0o") {
        i64::from_str_radix(o, 8).ok()?
    } else {
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        body.parse().ok()?
    };
    Some(if neg { -v } else { v })
}

/// A float (`1.5`, `.5`, `2`); rejects NaN and infinities.
pub fn parse_float(s: &str) -> Option<f64> {
    let v: f64 = s.trim().parse().ok()?;
    v.is_finite().then_some(v)
}

/// File modes (`0440`, `0o440`, `288`): octal when written with a leading
/// zero or `0o`, as Docker users mean it, decimal otherwise.
pub fn parse_file_mode(s: &str) -> Option<u32> {
    let t = s.trim();
    if let Some(o) = t.strip_prefix("0o") {
        return u32::from_str_radix(o, 8).ok();
    }
    if t.len() > 1 && t.starts_with('0') {
        return u32::from_str_radix(&t[1..], 8).ok();
    }
    t.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("10s", 10_000_000_000),
            ("1m30s", 90_000_000_000),
            ("1h", 3_600_000_000_000),
            ("500ms", 500_000_000),
            ("1.5s", 1_500_000_000),
            ("1h5m30s20ms", 3_930_020_000_000),
            ("10us", 10_000),
            ("10µs", 10_000),
            ("3ns", 3),
            ("1d", 86_400_000_000_000),
            ("1w", 604_800_000_000_000),
            ("-5s", -5_000_000_000),
            ("+5s", 5_000_000_000),
            (".5s", 500_000_000),
        ];
        for (s, want) in ok {
            assert_eq!(parse_duration(s), Ok(*want), "{s}");
        }
        for s in ["", "10", "1x", "s", "1.2.3s", "abc", "1m 30s", "-", "5S"] {
            assert!(parse_duration(s).is_err(), "{s} should fail");
        }
    }

    #[test]
    fn byte_sizes() {
        const K: i64 = 1024;
        let ok: &[(&str, i64)] = &[
            ("0", 0),
            ("1024", 1024),
            ("2b", 2),
            ("2B", 2),
            ("1024kb", 1024 * K),
            ("2048k", 2048 * K),
            ("300m", 300 * K * K),
            ("512M", 512 * K * K),
            ("1g", K * K * K),
            ("1gb", K * K * K),
            ("1GB", K * K * K),
            ("2GiB", 2 * K * K * K),
            ("1.5g", 3 * K * K * K / 2),
            ("1 g", K * K * K),
            ("1t", K * K * K * K),
            ("-1", -1),
        ];
        for (s, want) in ok {
            assert_eq!(parse_bytes(s), Ok(*want), "{s}");
        }
        for s in [
            "",
            "m",
            "1x",
            "1gbb",
            "1mib2",
            "abc",
            "-2m",
            "1bb",
            "1 gigabyte",
        ] {
            assert!(parse_bytes(s).is_err(), "{s} should fail");
        }
    }

    #[test]
    fn booleans_and_numbers() {
        for (s, b) in [
            ("true", true),
            ("True", true),
            ("yes", true),
            ("ON", true),
            ("y", true),
            ("false", false),
            ("no", false),
            ("off", false),
            ("N", false),
        ] {
            assert_eq!(parse_bool(s), Some(b), "{s}");
        }
        assert_eq!(parse_bool("1"), None);
        assert_eq!(parse_bool("maybe"), None);
        assert_eq!(parse_int("42"), Some(42));
        assert_eq!(parse_int("-7"), Some(-7));
        assert_eq!(parse_int("0x1F"), Some(31));
        assert_eq!(parse_int("1.5"), None);
        assert_eq!(parse_int(""), None);
        assert_eq!(parse_float("0.5"), Some(0.5));
        assert_eq!(parse_float("nan"), None);
        assert_eq!(parse_file_mode("0440"), Some(0o440));
        assert_eq!(parse_file_mode("0o755"), Some(0o755));
        assert_eq!(parse_file_mode("288"), Some(288));
        assert_eq!(parse_file_mode("0"), Some(0));
    }
}
