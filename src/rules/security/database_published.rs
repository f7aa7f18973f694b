//! C111: a database or cache (the image facts know its kind) published on
//! every interface of the host. Its port is meant for the other services
//! on the Compose network; published without a host address it is open to
//! the whole network, and Docker's own firewall rules put it in front of
//! a host firewall such as ufw.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::image::builtin;
use crate::rules::security::util::is_interpolated;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "C111",
    name: "database-published",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::Sometimes,
    summary: "A database or cache port published on all host interfaces instead of 127.0.0.1.",
    exit_codes: &[],
    page: page!("C111-database-published.md"),
};

/// Kinds whose port must not face the network.
const DATA_KINDS: &[&str] = &["database", "cache"];

/// Is the host address "every interface"?
fn all_interfaces(ip: Option<&str>) -> bool {
    match ip.map(str::trim) {
        None | Some("") => true,
        Some(ip) => {
            let ip = ip.trim_start_matches('[').trim_end_matches(']');
            ip == "0.0.0.0" || ip == "::"
        }
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if s.ports.is_empty() {
            continue;
        }
        if s.network_mode.is_some() {
            // `host` is C106's; `service:x` / `container:x` ports are an error elsewhere.
            continue;
        }
        // The kind from the facts of the image (a Dockerfile `FROM postgres`
        // inherits it), else from the built-in facts of the repository.
        // The kind is compared before anything is copied or rendered: most
        // services are not data stores.
        let (kind, evidence) = match cx.image(s).and_then(|i| i.image.kind.as_ref()) {
            Some(k) if !DATA_KINDS.contains(&k.value.as_str()) => continue,
            Some(k) => (k.value.clone(), k.evidence.render()),
            None => {
                let Some(image) = cx.reference(s) else {
                    continue;
                };
                match builtin::builtin_kind_of_reference(&image) {
                    Some((kind, file)) if DATA_KINDS.contains(&kind) => {
                        (kind.to_string(), format!("built-in facts {file}"))
                    }
                    _ => continue,
                }
            }
        };
        let what = match &s.image {
            Some(i) => format!("{kind} image `{}`", i.value),
            None => format!("built from a {kind} image"),
        };
        for p in &s.ports {
            if is_interpolated(cx, p.span) {
                continue;
            }
            if !all_interfaces(p.host_ip.as_ref().map(|h| h.value.as_str())) {
                continue;
            }
            let host = match &p.published {
                Some(h) => format!("host port {}", h.value),
                None => "a random host port".to_string(),
            };
            let mut d = Diagnostic::warning(
                META.code,
                p.span,
                format!(
                    "service `{}` ({what}) publishes container port {} on {host} of every host interface: anyone who can reach the host can connect to the {kind} directly, past a host firewall such as ufw (Docker's rules come first)",
                    s.name.value, p.target.value
                ),
            )
            .help("other services reach it over the Compose network without `ports:`; remove the entry, or bind it to the loopback (`127.0.0.1:HOST:CONTAINER`) for tools on this machine")
            .note(format!("image kind `{kind}`: {evidence}"))
            .note("OWASP Docker Top 10 D03 (network segmentation and firewalling); CIS Docker Benchmark 5.13: bind incoming container traffic to a specific host interface");
            // Short syntax with the host port written separately: put the
            // loopback in front of it. Unsafe: other machines lose access.
            if let Some(h) = p.published.as_ref().filter(|h| {
                p.short_syntax
                    && p.host_ip.is_none()
                    && h.span != p.span
                    && h.span.start > p.span.start
            }) {
                d = d.fix(Fix {
                    title: "publish on the loopback only (`127.0.0.1:`)".into(),
                    edits: vec![Edit {
                        span: Span::new(h.span.file, h.span.start as usize, h.span.start as usize),
                        replacement: "127.0.0.1:".into(),
                    }],
                    applicability: Applicability::Unsafe,
                });
            }
            out.push(d);
        }
    }
}
