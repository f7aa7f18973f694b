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

/// Whether `key` is one of [`OUTLINE_KEYS`]: asked of every key of every
/// service a look ahead converts, a match finds it by length and bytes
/// where a search of the list compared it with each.
pub fn is_outline_key(key: &str) -> bool {
    matches!(
        key,
        "image"
            | "build"
            | "provider"
            | "extends"
            | "depends_on"
            | "volumes"
            | "volumes_from"
            | "networks"
            | "network_mode"
            | "secrets"
            | "configs"
    )
}

/// The names a document defines and refers to, borrowed from it.
#[derive(Debug, Default)]
pub struct Outline<'a> {
    /// In document order, as `lower` lists them (a repeated `services`
    /// key lists its services again).
    pub services: Vec<ServiceOutline<'a>>,
    /// What the services refer to by name, service after service (see
    /// [`ServiceOutline::first_ref`]).
    pub refs: Vec<(Field, &'a str)>,
    pub volumes: Vec<&'a str>,
    /// Without the `x-` entries, which Compose reads as extensions.
    pub networks: Vec<&'a str>,
    pub secrets: Vec<&'a str>,
    pub configs: Vec<&'a str>,
}

/// One service's name, and whether it can run alone.
#[derive(Debug, Default)]
pub struct ServiceOutline<'a> {
    pub name: &'a str,
    /// Has `image`, `build`, `extends` or `provider`.
    pub runnable: bool,
    /// Where its names begin in [`Outline::refs`].
    first_ref: usize,
}

/// The service field a name is referred to in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Field {
    DependsOn,
    /// The source of a named-volume mount.
    VolumeSource,
    Network,
    Secret,
    Config,
    /// A `volumes_from` entry as written (`db`, `service:db:ro`, ...).
    VolumesFrom,
    NetworkMode,
    /// The service `extends` names when it names no `file`.
    Extends,
}

impl Outline<'_> {
    /// Keeps the first `n` services and what they refer to.
    pub fn truncate_services(&mut self, n: usize) {
        if let Some(s) = self.services.get(n) {
            self.refs.truncate(s.first_ref);
            self.services.truncate(n);
        }
    }
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
                        let first_ref = o.refs.len();
                        let runnable = service(sv, &mut o.refs);
                        o.services.push(ServiceOutline {
                            name: &name.name,
                            runnable,
                            first_ref,
                        });
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

/// One service, its keys read as `lower_service` reads them: the names
/// it refers to are added to `refs`; true when it can run alone.
fn service<'a>(v: &'a Value, refs: &mut Vec<(Field, &'a str)>) -> bool {
    let ValueKind::Map(m) = &v.kind else {
        return false;
    };
    // Each key's last value, as lowering leaves it.
    let (mut image, mut build, mut provider, mut extends) = (None, None, None, None);
    let (mut depends_on, mut volumes, mut volumes_from) = (None, None, None);
    let (mut networks, mut network_mode, mut secrets, mut configs) = (None, None, None, None);
    for (k, v) in &m.entries {
        let field = match k.name.as_str() {
            "image" => &mut image,
            "build" => &mut build,
            "provider" => &mut provider,
            "extends" => &mut extends,
            "depends_on" => &mut depends_on,
            // `volumes:` with nothing is refused, and leaves the field as
            // it was.
            "volumes" if v.is_null() => continue,
            "volumes" => &mut volumes,
            "volumes_from" => &mut volumes_from,
            "networks" => &mut networks,
            "network_mode" => &mut network_mode,
            "secrets" => &mut secrets,
            "configs" => &mut configs,
            _ => continue,
        };
        *field = Some(v);
    }
    let extends = extends.and_then(extends_of);
    let runnable = image.and_then(string).is_some()
        || build.is_some_and(|v| matches!(v.kind, ValueKind::Scalar(_) | ValueKind::Map(_)))
        || provider.is_some_and(|v| matches!(v.kind, ValueKind::Map(_)))
        || extends.is_some();
    let mut add = |field: Field, names: &mut dyn Iterator<Item = &'a str>| {
        refs.extend(names.map(|n| (field, n)));
    };
    let items = |v: Option<&'a Value>| v.map_or(&[][..], seq).iter();
    add(
        Field::DependsOn,
        &mut depends_on.into_iter().flat_map(keys_or_strings),
    );
    add(
        Field::VolumeSource,
        &mut items(volumes).filter_map(volume_source),
    );
    add(
        Field::VolumesFrom,
        &mut items(volumes_from).filter_map(string),
    );
    add(
        Field::Network,
        &mut networks.into_iter().flat_map(keys_or_strings),
    );
    add(
        Field::NetworkMode,
        &mut network_mode.and_then(string).into_iter(),
    );
    add(
        Field::Secret,
        &mut items(secrets).filter_map(file_ref_source),
    );
    add(
        Field::Config,
        &mut items(configs).filter_map(file_ref_source),
    );
    let here = extends.and_then(|(service, has_file)| (!has_file).then_some(service));
    add(Field::Extends, &mut here.into_iter());
    runnable
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

/// `depends_on` and a service's `networks`: a list of names (its scalar
/// items), or a mapping keyed by them.
fn keys_or_strings(v: &Value) -> impl Iterator<Item = &str> {
    let keys = v.as_map().into_iter().flat_map(|m| m.entries.iter());
    keys.map(|(k, _)| k.name.as_str())
        .chain(seq(v).iter().filter_map(string))
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

/// The source of a service's `secrets` or `configs` entry (short syntax,
/// or long syntax with a `source`).
fn file_ref_source(item: &Value) -> Option<&str> {
    match &item.kind {
        ValueKind::Scalar(s) => Some(s.text.as_str()),
        ValueKind::Map(m) => last(m, "source", string),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`is_outline_key`] is [`OUTLINE_KEYS`]: every service key, top-level
    /// key and outline key, and near misses, answered as the list answers.
    #[test]
    fn is_outline_key_is_the_list() {
        let near = [
            "", "imag", "images", "Image", "volume", "network", "x-image",
        ];
        let keys = super::super::SERVICE_KEYS
            .iter()
            .chain(super::super::TOP_LEVEL_KEYS)
            .chain(&OUTLINE_KEYS)
            .chain(&near);
        for key in keys {
            assert_eq!(is_outline_key(key), OUTLINE_KEYS.contains(key), "{key}");
        }
    }
}
