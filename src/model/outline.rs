//! What discovery reads of a Compose document: the names it defines and
//! the names its services refer to, read straight from the merged
//! [`Value`] without lowering it.
//!
//! Discovery looks ahead at every Compose file of a run (and at the
//! candidate bases beside it) only to learn these names. Lowering each
//! service into a [`Service`](super::Service) for that, then reading the
//! names back out, cost more than the look-ahead's conversion itself on
//! a large file. Each key here is read the way [`lower()`](super::lower)
//! reads it — the same shapes accepted, the same entries skipped, a
//! repeated key's last value winning — so the names are exactly those
//! of the lowered project (the discovery tests compare the two on every
//! Compose file of the corpus).

use super::mount::{self, MountKind};
use crate::value::{Map, Value, ValueKind};

/// The service keys [`outline`] reads: what a service is built from and
/// what it refers to by name (`document::to_outline` builds only these).
pub const OUTLINE_KEYS: [&str; 11] = [
    "image",
    "build",
    "provider",
    "extends",
    "depends_on",
    "volumes",
    "volumes_from",
    "networks",
    "network_mode",
    "secrets",
    "configs",
];

/// The names a document defines and refers to, borrowed from it.
#[derive(Debug, Default)]
pub struct Outline<'a> {
    /// In document order, as `lower` lists them (a repeated `services`
    /// key lists its services again).
    pub services: Vec<ServiceOutline<'a>>,
    pub volumes: Vec<&'a str>,
    /// Without the `x-` entries, which Compose reads as extensions.
    pub networks: Vec<&'a str>,
    pub secrets: Vec<&'a str>,
    pub configs: Vec<&'a str>,
}

/// One service's name and what it refers to by name.
#[derive(Debug, Default)]
pub struct ServiceOutline<'a> {
    pub name: &'a str,
    /// Has `image`, `build`, `extends` or `provider`: it can run alone.
    pub runnable: bool,
    pub depends_on: Vec<&'a str>,
    /// The sources of its named-volume mounts.
    pub volume_sources: Vec<&'a str>,
    pub networks: Vec<&'a str>,
    pub secrets: Vec<&'a str>,
    pub configs: Vec<&'a str>,
    /// `volumes_from` entries as written (`db`, `service:db:ro`, ...).
    pub volumes_from: Vec<&'a str>,
    pub network_mode: Option<&'a str>,
    /// The service `extends` names when it names no `file`.
    pub extends_here: Option<&'a str>,
}

/// The outline of a merged document (see the module comment).
pub fn outline(doc: &Value) -> Outline<'_> {
    let mut o = Outline::default();
    let ValueKind::Map(m) = &doc.kind else {
        return o;
    };
    for (k, v) in &m.entries {
        match k.name.as_str() {
            "services" => {
                if let ValueKind::Map(m) = &v.kind {
                    o.services.reserve(m.entries.len());
                    for (name, sv) in &m.entries {
                        o.services.push(service(&name.name, sv));
                    }
                }
            }
            "volumes" => o.volumes.extend(names(v)),
            "networks" => o.networks.extend(names(v).filter(|n| !n.starts_with("x-"))),
            "secrets" => o.secrets.extend(names(v)),
            "configs" => o.configs.extend(names(v)),
            _ => {}
        }
    }
    o
}

/// The entry names of a top-level section (none unless it is a mapping).
fn names(v: &Value) -> impl Iterator<Item = &str> {
    v.as_map()
        .into_iter()
        .flat_map(|m| m.entries.iter().map(|(k, _)| k.name.as_str()))
}

/// One service, its keys read as `lower_service` reads them.
fn service<'a>(name: &'a str, v: &'a Value) -> ServiceOutline<'a> {
    let mut s = ServiceOutline {
        name,
        ..ServiceOutline::default()
    };
    let ValueKind::Map(m) = &v.kind else {
        return s;
    };
    let (mut image, mut build, mut provider) = (false, false, false);
    let mut extends: Option<(&str, bool)> = None;
    for (k, v) in &m.entries {
        match k.name.as_str() {
            "image" => image = string(v).is_some(),
            "build" => build = matches!(v.kind, ValueKind::Scalar(_) | ValueKind::Map(_)),
            "provider" => provider = matches!(v.kind, ValueKind::Map(_)),
            "extends" => extends = extends_of(v),
            "depends_on" => s.depends_on = keys_or_strings(v),
            // `volumes:` with nothing is refused, and leaves the field
            // as it was.
            "volumes" if v.is_null() => {}
            "volumes" => s.volume_sources = seq(v).iter().filter_map(volume_source).collect(),
            "volumes_from" => s.volumes_from = strings(v),
            "networks" => s.networks = keys_or_strings(v),
            "network_mode" => s.network_mode = string(v),
            "secrets" => s.secrets = file_ref_sources(v),
            "configs" => s.configs = file_ref_sources(v),
            _ => {}
        }
    }
    s.runnable = image || build || provider || extends.is_some();
    s.extends_here = extends.and_then(|(service, has_file)| (!has_file).then_some(service));
    s
}

/// A string field: any scalar.
fn string(v: &Value) -> Option<&str> {
    v.as_scalar().map(|s| s.text.as_str())
}

/// A sequence field's items (none unless it is a sequence).
fn seq(v: &Value) -> &[Value] {
    match &v.kind {
        ValueKind::Seq(items) => items,
        _ => &[],
    }
}

/// A list of strings: the scalar items of a sequence.
fn strings(v: &Value) -> Vec<&str> {
    seq(v).iter().filter_map(string).collect()
}

/// `depends_on` and a service's `networks`: a list of names, or a
/// mapping keyed by them.
fn keys_or_strings(v: &Value) -> Vec<&str> {
    match &v.kind {
        ValueKind::Map(m) => m.entries.iter().map(|(k, _)| k.name.as_str()).collect(),
        _ => strings(v),
    }
}

/// `extends`: the service it names, and whether it names a `file`;
/// `None` when `lower` reads no `extends` (no service named).
fn extends_of(v: &Value) -> Option<(&str, bool)> {
    match &v.kind {
        ValueKind::Scalar(s) => Some((s.text.as_str(), false)),
        ValueKind::Map(m) => {
            let service = last(m, "service", string)?;
            Some((service, last(m, "file", string).is_some()))
        }
        _ => None,
    }
}

/// What `read` makes of the last entry named `key` (`None` when there is
/// none): a repeated key's last value wins.
fn last<'a, T>(m: &'a Map, key: &str, read: impl Fn(&'a Value) -> Option<T>) -> Option<T> {
    let mut out = None;
    for (k, v) in &m.entries {
        if k.name == key {
            out = read(v);
        }
    }
    out
}

/// The source of a `volumes` entry that mounts a named volume.
fn volume_source(v: &Value) -> Option<&str> {
    match &v.kind {
        ValueKind::Scalar(s) => mount::named_volume_source(&s.text),
        ValueKind::Map(m) => {
            // The last `type` that names a mount type, as `lower_mount`.
            let mut kind = None;
            for (k, v) in &m.entries {
                if k.name == "type" {
                    if let Some(t) = string(v).and_then(MountKind::parse) {
                        kind = Some(t);
                    }
                }
            }
            // Without a type or a target the entry is dropped.
            last(m, "target", string)?;
            if kind? != MountKind::Volume {
                return None;
            }
            last(m, "source", string)
        }
        _ => None,
    }
}

/// The sources of a service's `secrets` or `configs` (short syntax, or
/// long syntax with a `source`).
fn file_ref_sources(v: &Value) -> Vec<&str> {
    seq(v)
        .iter()
        .filter_map(|item| match &item.kind {
            ValueKind::Scalar(s) => Some(s.text.as_str()),
            ValueKind::Map(m) => last(m, "source", string),
            _ => None,
        })
        .collect()
}
