//! S101: a service uses a volume, network, secret or config that the
//! project does not define.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::MountKind;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Spanned;

pub const META: RuleMeta = RuleMeta {
    code: "S101",
    name: "undefined-reference",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "A service uses a volume, network, secret or config that is not defined.",
    exit_codes: &[],
    page: page!("S101-undefined-reference.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    if cx.incomplete {
        return;
    }
    let p = cx.project;
    let mut report = |service: &str, kind: &str, name: &Spanned<String>, top: &str| {
        // An empty name comes from an unset variable, which S006 reports;
        // a `$` is one that could not be resolved.
        if name.value.is_empty() || name.value.contains('$') {
            return;
        }
        let defined: Vec<&str> = match top {
            "volumes" => p.volumes.iter().map(|v| v.name.value.as_str()).collect(),
            "networks" => p.networks.iter().map(|v| v.name.value.as_str()).collect(),
            "secrets" => p.secrets.iter().map(|v| v.name.value.as_str()).collect(),
            _ => p.configs.iter().map(|v| v.name.value.as_str()).collect(),
        };
        let mut d = Diagnostic::error(
            META.code,
            name.span,
            format!(
                "service `{service}` uses {kind} `{}`, which is not defined under top-level `{top}:`; `docker compose` refuses to start the project",
                name.value
            ),
        );
        d = match crate::model::suggest::did_you_mean(&name.value, &defined) {
            Some(s) => d.help(format!(
                "did you mean `{s}`? Otherwise add `{}:` under top-level `{top}:`",
                name.value
            )),
            None => d.help(format!("add `{}:` under top-level `{top}:`", name.value)),
        };
        if top == "networks" && name.value.starts_with("x-") {
            d = d.note(format!(
                "Compose v2 reads a top-level `networks:` entry whose name starts with `x-` as an extension, not as a network, so `{}:` there does not define it; rename the network",
                name.value
            ));
        }
        if let Some(via) = name.via {
            d = d.label(via, "used through this alias");
        }
        out.push(d);
    };
    // The names defined at the top level, each looked up once per use: a
    // scan per use would be quadratic in a large file.
    fn names<'a, T>(defs: &'a [T], name: impl Fn(&'a T) -> &'a str) -> HashSet<&'a str> {
        defs.iter().map(name).collect()
    }
    let volumes = names(&p.volumes, |d| d.name.value.as_str());
    let networks = names(&p.networks, |d| d.name.value.as_str());
    let secrets = names(&p.secrets, |d| d.name.value.as_str());
    let configs = names(&p.configs, |d| d.name.value.as_str());
    for s in &p.services {
        let svc = s.name.value.as_str();
        for m in &s.volumes {
            if m.kind.value != MountKind::Volume {
                continue;
            }
            if let Some(src) = &m.source {
                if !volumes.contains(src.value.as_str()) {
                    report(svc, "volume", src, "volumes");
                }
            }
        }
        for n in &s.networks {
            if n.name.value != "default" && !networks.contains(n.name.value.as_str()) {
                report(svc, "network", &n.name, "networks");
            }
        }
        for r in &s.secrets {
            if !secrets.contains(r.source.value.as_str()) {
                report(svc, "secret", &r.source, "secrets");
            }
        }
        for r in &s.configs {
            if !configs.contains(r.source.value.as_str()) {
                report(svc, "config", &r.source, "configs");
            }
        }
    }
}
