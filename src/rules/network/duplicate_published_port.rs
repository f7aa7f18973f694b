//! N101: the same host port is published twice.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Port, PortRange, Service};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Spanned;

pub const META: RuleMeta = RuleMeta {
    code: "N101",
    name: "duplicate-published-port",
    group: Group::Network,
    default_severity: Severity::Error,
    fix: FixAvailability::None,
    summary: "The same host port, protocol and address is published twice, or by a service with several replicas.",
    exit_codes: &[],
    page: page!("N101-duplicate-published-port.md"),
};

/// The host address a mapping binds.
#[derive(Clone, Copy, PartialEq, Eq)]
enum HostIp {
    /// No IP: every IPv4 and every IPv6 address.
    Unset,
    /// `0.0.0.0`: every IPv4 address.
    AnyV4,
    /// `::`: every IPv6 address (Docker binds it IPv6-only).
    AnyV6,
    Specific(IpAddr),
}

impl HostIp {
    /// The model has already checked that the address parses.
    fn of(p: &Port) -> HostIp {
        let Some(ip) = p.host_ip.as_ref() else {
            return HostIp::Unset;
        };
        match ip.value.parse::<IpAddr>() {
            Ok(ip) if ip.is_unspecified() && ip.is_ipv4() => HostIp::AnyV4,
            Ok(ip) if ip.is_unspecified() => HostIp::AnyV6,
            Ok(ip) => HostIp::Specific(ip),
            Err(_) => HostIp::Unset,
        }
    }

    fn is_v6(self) -> bool {
        match self {
            HostIp::AnyV6 => true,
            HostIp::Specific(ip) => ip.is_ipv6(),
            _ => false,
        }
    }

    /// Do two bindings of the same port on these addresses collide?
    fn clashes(self, other: HostIp) -> bool {
        match (self, other) {
            (HostIp::Unset, _) | (_, HostIp::Unset) => true,
            (HostIp::Specific(a), HostIp::Specific(b)) => a == b,
            // A wildcard covers every specific address of its family.
            (a, b) => a.is_v6() == b.is_v6(),
        }
    }

    /// The address in Docker's error message about the second binding.
    fn shown(self, first: HostIp) -> String {
        match (self, first) {
            (HostIp::Specific(IpAddr::V6(ip)), _)
            | (HostIp::Unset, HostIp::Specific(IpAddr::V6(ip))) => format!("[{ip}]"),
            (HostIp::Specific(ip), _) | (HostIp::Unset, HostIp::Specific(ip)) => ip.to_string(),
            (HostIp::AnyV6, _) | (HostIp::Unset, HostIp::AnyV6) => "[::]".into(),
            _ => "0.0.0.0".into(),
        }
    }
}

/// Can both services run at once? Services whose profiles are all
/// different are alternatives (`ollama-cpu` / `ollama-gpu`): only a
/// command line naming both profiles starts both.
fn may_run_together(a: &Service, b: &Service) -> bool {
    a.profiles.is_empty()
        || b.profiles.is_empty()
        || a.profiles
            .iter()
            .any(|p| b.profiles.iter().any(|q| q.value == p.value))
}

fn overlap(a: &PortRange, b: &PortRange) -> Option<u16> {
    let lo = a.start.max(b.start);
    (lo <= a.end.min(b.end)).then_some(lo)
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // (service, port) in source order.
    let mut seen: Vec<(&Service, &Port)> = Vec::new();
    // Index into `seen`: single host ports by number, and host ranges
    // (which claim every port in them), so that a port is compared only
    // with the bindings it can overlap, not with every earlier one.
    let mut by_port: HashMap<u16, Vec<usize>> = HashMap::new();
    let mut ranges: Vec<usize> = Vec::new();
    let mut candidates: Vec<usize> = Vec::new();
    for s in &cx.project.services {
        let replicas = s
            .deploy
            .as_ref()
            .and_then(|d| d.replicas.as_ref())
            .or(s.scale.as_ref())
            .filter(|r| r.value > 1 && !for_swarm(s));
        for port in &s.ports {
            let Some(published) = &port.published else {
                continue;
            };
            if let Some(r) = replicas {
                replicas_clash(s, port, r, out);
            }
            // A host range with one container port means "any free port in
            // the range": it does not claim the whole range.
            if !published.value.is_single() && port.target.value.is_single() {
                continue;
            }
            let ip = HostIp::of(port);
            candidates.clear();
            candidates.extend_from_slice(&ranges);
            for n in published.value.start..=published.value.end {
                if let Some(v) = by_port.get(&n) {
                    candidates.extend_from_slice(v);
                }
            }
            // The first clash in source order, as a scan of `seen` finds it.
            candidates.sort_unstable();
            let clash = candidates.iter().find_map(|&k| {
                let (svc, other) = seen[k];
                let op = other.published.as_ref()?;
                if other.protocol() != port.protocol()
                    || !ip.clashes(HostIp::of(other))
                    || !may_run_together(svc, s)
                {
                    return None;
                }
                overlap(&published.value, &op.value).map(|n| (svc, other, n))
            });
            if let Some((other_svc, other, n)) = clash {
                let addr = ip.shown(HostIp::of(other));
                let whom = if other_svc.name.value == s.name.value {
                    format!("service `{}` publishes it twice", s.name.value)
                } else {
                    format!(
                        "services `{}` and `{}` both publish it",
                        other_svc.name.value, s.name.value
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
                if published.value.is_single() {
                    by_port
                        .entry(published.value.start)
                        .or_default()
                        .push(seen.len());
                } else {
                    ranges.push(seen.len());
                }
                seen.push((s, port));
            }
        }
    }
}

/// Settings that only `docker stack deploy` reads (`deploy.mode`,
/// `endpoint_mode`, `placement`, `update_config`, `rollback_config`): the
/// service is meant for a swarm, where the routing mesh lets every replica
/// share a published port. Compose ignores them, so their presence says
/// which tool the file is for.
fn for_swarm(s: &Service) -> bool {
    s.deploy.as_ref().is_some_and(|d| {
        d.mode.is_some()
            || d.endpoint_mode.is_some()
            || d.placement.is_some()
            || d.update_config.is_some()
            || d.rollback_config.is_some()
    })
}

/// Every replica of a service binds each of its published ports: a fixed
/// host port (or a host range narrower than the replica count) lets only
/// the first replicas start.
fn replicas_clash(s: &Service, port: &Port, replicas: &Spanned<i64>, out: &mut Vec<Diagnostic>) {
    let Some(published) = &port.published else {
        return;
    };
    // A host range with several container ports maps them one to one: each
    // replica wants the same host ports.
    let width = if port.target.value.is_single() {
        i64::from(published.value.end - published.value.start) + 1
    } else {
        1
    };
    if width >= replicas.value {
        return;
    }
    let n = published.value.start;
    let addr = HostIp::of(port).shown(HostIp::Unset);
    let what = if width == 1 {
        format!("host port {n}/{}", port.protocol())
    } else {
        format!(
            "the {width} host ports {n}-{}/{}",
            published.value.end,
            port.protocol()
        )
    };
    out.push(
        Diagnostic::error(
            META.code,
            published.span,
            format!(
                "service `{}` runs {} replicas and each one publishes {what}: {}, the others fail to start (\"Bind for {addr}:{n} failed: port is already allocated\")",
                s.name.value,
                replicas.value,
                if width == 1 { "only the first can bind it".to_string() } else { format!("only {width} replicas get one") },
            ),
        )
        .label(replicas.span, "several replicas requested here")
        .help(format!(
            "publish a host range at least {} ports wide (`{n}-{}:{}`), each replica then takes a free port of it; or leave the host port out and let Docker choose; or run one replica",
            replicas.value,
            i64::from(n) + replicas.value - 1,
            port.target.value.start
        )),
    );
}
