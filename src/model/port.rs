//! Published ports and `expose`: the model types and the short-syntax
//! parser, which follows docker/go-connections `nat.ParsePortSpec` as
//! compose-go uses it.
//!
//! Unlike compose-go, a range like `9090-9091:8080-8081` stays one [`Port`]
//! (compose-go expands it into one entry per container port), so that a
//! rule can point at what the user wrote; [`PortRange`] iterates it.

use crate::source::{Span, Spanned};
use crate::value::{Key, Value};
use std::ops::Range;

/// `start..=end`; a single port has `start == end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    pub fn single(p: u16) -> PortRange {
        PortRange { start: p, end: p }
    }
    pub fn is_single(&self) -> bool {
        self.start == self.end
    }
    pub fn len(&self) -> usize {
        (self.end - self.start) as usize + 1
    }
    pub fn is_empty(&self) -> bool {
        false
    }
    pub fn contains(&self, p: u16) -> bool {
        self.start <= p && p <= self.end
    }
    pub fn iter(&self) -> impl Iterator<Item = u16> {
        self.start..=self.end
    }
}

impl std::fmt::Display for PortRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_single() {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}-{}", self.start, self.end)
        }
    }
}

/// One `ports` entry, short or long syntax.
///
/// Sub-spans point into the short-syntax string where the text allows it
/// (plain or simply quoted scalars), else at the whole entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Port {
    pub host_ip: Option<Spanned<String>>,
    /// The host side; `None` lets the engine pick a port. A host range with
    /// a single container port means "any free port in this range".
    pub published: Option<Spanned<PortRange>>,
    pub target: Spanned<PortRange>,
    /// As written (lowercased for short syntax); `None` means tcp.
    pub protocol: Option<Spanned<String>>,
    pub app_protocol: Option<Spanned<String>>,
    /// `host` or `ingress` (the default).
    pub mode: Option<Spanned<String>>,
    pub name: Option<Spanned<String>>,
    pub short_syntax: bool,
    /// The whole entry.
    pub span: Span,
    pub extensions: Vec<(Key, Value)>,
}

impl Port {
    pub fn protocol(&self) -> &str {
        self.protocol.as_ref().map_or("tcp", |p| p.value.as_str())
    }
}

/// One `expose` entry: `3000`, `"8080-8085/udp"`.
#[derive(Clone, Debug, PartialEq)]
pub struct Expose {
    pub ports: Spanned<PortRange>,
    pub protocol: Option<Spanned<String>>,
    pub span: Span,
}

/// A parsed piece of a short-syntax string and where it sits in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Part<T> {
    pub value: T,
    pub at: Range<usize>,
}

/// The result of parsing `[[IP:]HOST:]CONTAINER[/PROTO]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSpec {
    pub host_ip: Option<Part<String>>,
    pub published: Option<Part<PortRange>>,
    pub target: Part<PortRange>,
    pub protocol: Option<Part<String>>,
}

fn parse_port_number(s: &str) -> Result<u16, String> {
    if s.is_empty() {
        return Err("value is empty".into());
    }
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("`{s}` is not a number"));
    }
    match digits.parse::<u32>() {
        Ok(n) if n <= 65535 => Ok(n as u16),
        _ => Err(format!("`{s}` is out of range (0-65535)")),
    }
}

/// Parses `80` or `8000-8010`.
pub fn parse_port_range(s: &str) -> Result<PortRange, String> {
    if s.is_empty() {
        return Err("empty port".into());
    }
    let (start, end) = match s.split_once('-') {
        Some((a, b)) => (a, Some(b)),
        None => (s, None),
    };
    let first = parse_port_number(start)?;
    match end {
        None => Ok(PortRange::single(first)),
        Some(e) if e == start => Ok(PortRange::single(first)),
        Some(e) => {
            let last = parse_port_number(e)?;
            if last < first {
                return Err(format!("invalid port range `{s}`"));
            }
            Ok(PortRange {
                start: first,
                end: last,
            })
        }
    }
}

fn valid_proto(p: &str) -> bool {
    matches!(p, "tcp" | "udp" | "sctp")
}

/// Parses the short port syntax. Accepted like compose-go: `"80"`,
/// `"8080:80"`, `"127.0.0.1:8080:80"`, `"127.0.0.1::80"`, ranges,
/// `/tcp|/udp|/sctp`, IPv6 hosts as `"[::1]:8080:80"` or `"::1:8080:80"`
/// (everything before the last two colons is the IP).
pub fn parse_port_short(s: &str) -> Result<PortSpec, String> {
    // Split on ':' keeping offsets.
    let mut parts: Vec<(usize, &str)> = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == ':' {
            parts.push((start, &s[start..i]));
            start = i + 1;
        }
    }
    parts.push((start, &s[start..]));
    let n = parts.len();
    let (ip, host, container) = match n {
        1 => (None, None, parts[0]),
        2 => (None, Some(parts[0]), parts[1]),
        _ => {
            let ip_end = parts[n - 2].0 - 1;
            (Some((0, &s[..ip_end])), Some(parts[n - 2]), parts[n - 1])
        }
    };

    let (c_off, c_text) = container;
    let (port_text, proto) = match c_text.split_once('/') {
        Some((p, pr)) => (p, Some((c_off + p.len() + 1, pr))),
        None => (c_text, None),
    };
    if port_text.is_empty() {
        return Err("no container port specified".into());
    }
    let protocol = match proto {
        Some((off, pr)) if !pr.is_empty() => {
            let lower = pr.to_ascii_lowercase();
            if !valid_proto(&lower) {
                return Err(format!(
                    "invalid protocol `{pr}` (expected tcp, udp or sctp)"
                ));
            }
            Some(Part {
                value: lower,
                at: off..off + pr.len(),
            })
        }
        _ => None,
    };

    let host_ip = match ip {
        Some((off, text)) if !text.is_empty() => {
            let (inner, inner_off) = if let Some(rest) = text.strip_prefix('[') {
                match rest.strip_suffix(']') {
                    Some(inner) => (inner, off + 1),
                    None => return Err(format!("invalid IP address `{text}`")),
                }
            } else {
                (text, off)
            };
            if inner.parse::<std::net::IpAddr>().is_err() {
                return Err(format!("invalid IP address `{inner}`"));
            }
            Some(Part {
                value: inner.to_string(),
                at: inner_off..inner_off + inner.len(),
            })
        }
        _ => None,
    };

    let target = parse_port_range(port_text)
        .map_err(|e| format!("invalid container port `{port_text}`: {e}"))?;
    let published = match host {
        Some((off, text)) if !text.is_empty() => {
            let r =
                parse_port_range(text).map_err(|e| format!("invalid host port `{text}`: {e}"))?;
            if r.len() != target.len() && !target.is_single() {
                return Err(format!(
                    "host range `{text}` and container range `{port_text}` have different sizes"
                ));
            }
            Some(Part {
                value: r,
                at: off..off + text.len(),
            })
        }
        _ => None,
    };
    Ok(PortSpec {
        host_ip,
        published,
        target: Part {
            value: target,
            at: c_off..c_off + port_text.len(),
        },
        protocol,
    })
}

/// Parses an `expose` entry: `port|range[/proto]`.
pub fn parse_expose(s: &str) -> Result<(PortRange, Option<Part<String>>), String> {
    let (p, proto) = match s.split_once('/') {
        Some((p, pr)) => (p, Some(pr)),
        None => (s, None),
    };
    let range = parse_port_range(p).map_err(|e| format!("invalid port `{p}`: {e}"))?;
    let proto = match proto {
        Some(pr) => {
            let lower = pr.to_ascii_lowercase();
            if !valid_proto(&lower) {
                return Err(format!(
                    "invalid protocol `{pr}` (expected tcp, udp or sctp)"
                ));
            }
            Some(Part {
                value: lower,
                at: p.len() + 1..s.len(),
            })
        }
        None => None,
    };
    Ok((range, proto))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(a: u16, b: u16) -> PortRange {
        PortRange { start: a, end: b }
    }

    /// (input, host_ip, published, target, protocol)
    #[allow(clippy::type_complexity)]
    const OK: &[(
        &str,
        Option<&str>,
        Option<(u16, u16)>,
        (u16, u16),
        Option<&str>,
    )] = &[
        ("80", None, None, (80, 80), None),
        ("3000-3005", None, None, (3000, 3005), None),
        ("8080:80", None, Some((8080, 8080)), (80, 80), None),
        ("8000:8000", None, Some((8000, 8000)), (8000, 8000), None),
        ("49100:22", None, Some((49100, 49100)), (22, 22), None),
        (
            "9090-9091:8080-8081",
            None,
            Some((9090, 9091)),
            (8080, 8081),
            None,
        ),
        ("8000-9000:80", None, Some((8000, 9000)), (80, 80), None),
        (
            "127.0.0.1:8080:80",
            Some("127.0.0.1"),
            Some((8080, 8080)),
            (80, 80),
            None,
        ),
        (
            "127.0.0.1:8001:8001",
            Some("127.0.0.1"),
            Some((8001, 8001)),
            (8001, 8001),
            None,
        ),
        ("127.0.0.1::80", Some("127.0.0.1"), None, (80, 80), None),
        (
            "127.0.0.1:5000-5010:5000-5010",
            Some("127.0.0.1"),
            Some((5000, 5010)),
            (5000, 5010),
            None,
        ),
        (
            "[::1]:8080:80",
            Some("::1"),
            Some((8080, 8080)),
            (80, 80),
            None,
        ),
        (
            "[::1]:6001:6001",
            Some("::1"),
            Some((6001, 6001)),
            (6001, 6001),
            None,
        ),
        (
            "::1:6000:6000",
            Some("::1"),
            Some((6000, 6000)),
            (6000, 6000),
            None,
        ),
        (
            "[2001:db8::1]::53/udp",
            Some("2001:db8::1"),
            None,
            (53, 53),
            Some("udp"),
        ),
        (
            "0.0.0.0:53:53/udp",
            Some("0.0.0.0"),
            Some((53, 53)),
            (53, 53),
            Some("udp"),
        ),
        (
            "6060:6060/udp",
            None,
            Some((6060, 6060)),
            (6060, 6060),
            Some("udp"),
        ),
        (
            "6060:6060/UDP",
            None,
            Some((6060, 6060)),
            (6060, 6060),
            Some("udp"),
        ),
        ("80/tcp", None, None, (80, 80), Some("tcp")),
        ("132/sctp", None, None, (132, 132), Some("sctp")),
        ("80/", None, None, (80, 80), None),
        ("8080-8080:80", None, Some((8080, 8080)), (80, 80), None),
        (":80", None, None, (80, 80), None),
        ("0:0", None, Some((0, 0)), (0, 0), None),
        (
            "65535:65535",
            None,
            Some((65535, 65535)),
            (65535, 65535),
            None,
        ),
    ];

    #[test]
    fn short_syntax_table() {
        for (input, ip, published, target, proto) in OK {
            let spec = parse_port_short(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(
                spec.host_ip.as_ref().map(|p| p.value.as_str()),
                *ip,
                "{input} ip"
            );
            assert_eq!(
                spec.published.as_ref().map(|p| p.value),
                published.map(|(a, b)| r(a, b)),
                "{input} published"
            );
            assert_eq!(spec.target.value, r(target.0, target.1), "{input} target");
            assert_eq!(
                spec.protocol.as_ref().map(|p| p.value.as_str()),
                *proto,
                "{input} proto"
            );
            // Offsets point at the text they were parsed from.
            let t = &input[spec.target.at.clone()];
            assert!(
                t.starts_with(&target.0.to_string()),
                "{input}: target at {t}"
            );
            if let Some(p) = &spec.published {
                assert!(
                    input[p.at.clone()].starts_with(&p.value.start.to_string()),
                    "{input}"
                );
            }
            if let Some(h) = &spec.host_ip {
                assert_eq!(&input[h.at.clone()], h.value, "{input}");
            }
        }
    }

    #[test]
    fn short_syntax_errors() {
        for input in [
            "",
            "80:80:80:80",
            "abc",
            "80:abc",
            "127.0.1:8080:80",
            "[::1:8080:80",
            "80/xyz",
            "70000",
            "8080:70000",
            "9090-9092:8080-8081",
            "8081-8080",
            "8080:",
            "1.2.3.4:80:80:80",
            "${HOST_PORT}:80",
            "-80",
            "80-",
        ] {
            assert!(parse_port_short(input).is_err(), "{input} should fail");
        }
    }

    #[test]
    fn expose_table() {
        assert_eq!(parse_expose("3000").unwrap().0, r(3000, 3000));
        let (range, proto) = parse_expose("8080-8085/tcp").unwrap();
        assert_eq!(range, r(8080, 8085));
        assert_eq!(proto.unwrap().at, 10..13);
        assert_eq!(parse_expose("53/UDP").unwrap().1.unwrap().value, "udp");
        for bad in ["", "x", "80/foo", "99999"] {
            assert!(parse_expose(bad).is_err(), "{bad}");
        }
    }
}
