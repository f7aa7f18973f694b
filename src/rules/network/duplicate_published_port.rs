//! N101: the same host port is published twice.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Port, PortRange};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "N101",
    name: "duplicate-published-port",
    group: Group::Network,
    default_severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The same host port, protocol and address is published twice.",
    exit_codes: &[],
    page: page!("N101-duplicate-published-port.md"),
};

/// The host address a port binds; unset and the wildcards bind everything.
fn host_ip(p: &Port) -> &str {
    match p.host_ip.as_ref().map(|h| h.value.as_str()) {
        None | Some("") | Some("0.0.0.0") | Some("::") | Some("[::]") => "*",
        Some(ip) => ip,
    }
}

fn overlap(a: &PortRange, b: &PortRange) -> Option<u16> {
    let lo = a.start.max(b.start);
    (lo <= a.end.min(b.end)).then_some(lo)
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // (service, port) in source order.
    let mut seen: Vec<(&str, &Port)> = Vec::new();
    for s in &cx.project.services {
        // Several replicas of a service with a fixed host port clash too,
        // but that is a scaling question, not reported here.
        for port in &s.ports {
            let Some(published) = &port.published else {
                continue;
            };
            // A host range with one container port means "any free port in
            // the range": it does not claim the whole range.
            if !published.value.is_single() && port.target.value.is_single() {
                continue;
            }
            let clash = seen.iter().find_map(|(svc, other)| {
                let op = other.published.as_ref()?;
                if !op.value.is_single() && other.target.value.is_single() {
                    return None;
                }
                if other.protocol() != port.protocol() {
                    return None;
                }
                let (a, b) = (host_ip(port), host_ip(other));
                if a != "*" && b != "*" && a != b {
                    return None;
                }
                overlap(&published.value, &op.value).map(|n| (*svc, *other, n))
            });
            if let Some((other_svc, other, n)) = clash {
                let ip = if host_ip(port) == "*" {
                    host_ip(other)
                } else {
                    host_ip(port)
                };
                let addr = if ip == "*" {
                    "0.0.0.0".to_string()
                } else {
                    ip.to_string()
                };
                let whom = if other_svc == s.name.value {
                    format!("service `{}` publishes it twice", s.name.value)
                } else {
                    format!(
                        "services `{other_svc}` and `{}` both publish it",
                        s.name.value
                    )
                };
                out.push(
                    Diagnostic::error(
                        META.code,
                        published.span,
                        format!(
                            "host port {n}/{} is already published: {whom}; the second container fails to start (\"Bind for {addr}:{n} failed: port is already allocated\")",
                            port.protocol()
                        ),
                    )
                    .label(other.published.as_ref().map_or(other.span, |p| p.span), "first published here")
                    .help("publish a different host port, bind each to a different host IP, or drop one of them"),
                );
            } else {
                seen.push((&s.name.value, port));
            }
        }
    }
}
