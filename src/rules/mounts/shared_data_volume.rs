//! M109: one named volume mounted read-write by two services whose images
//! are databases or message brokers: two servers on one data directory.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Mount, MountKind, Service};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M109",
    name: "shared-data-volume",
    group: Group::Mounts,
    default_severity: Severity::Error,
    levels: &[Severity::Error, Severity::Warning],
    levels_why: "error when both services certainly write the volume (by their image facts); warning when it is only likely.",
    fix: FixAvailability::None,
    summary: "One named volume mounted read-write by two database or broker services.",
    exit_codes: &[],
    page: page!("M109-shared-data-volume.md"),
};

/// Image names (the last part of the repository) of servers that own their
/// data directory and must not share it with another instance. Derived
/// from the name rather than from the facts files so that it also covers
/// images without facts (`bitnami/postgresql`, `mysql/mysql-server`).
const DATA_STORES: &[&str] = &[
    "postgres",
    "postgresql",
    "postgis",
    "timescaledb",
    "mysql",
    "mysql-server",
    "mariadb",
    "percona",
    "percona-server",
    "mongo",
    "mongodb",
    "redis",
    "redis-stack-server",
    "keydb",
    "valkey",
    "rabbitmq",
    "elasticsearch",
    "opensearch",
    "rocketmq",
    "kafka",
    "cp-kafka",
    "cp-server",
    "zookeeper",
    "cp-zookeeper",
    "cassandra",
    "scylla",
    "couchdb",
    "couchbase",
    "influxdb",
    "neo4j",
    "clickhouse-server",
    "etcd",
    "solr",
    "qdrant",
    "questdb",
    "cockroach",
    "activemq",
    "artemis",
    "nats",
    "minio",
    "memgraph",
    "arangodb",
    "rethinkdb",
    "orientdb",
];

/// The data-store name of a service's image, if it is one.
fn data_store(s: &Service) -> Option<String> {
    let image = s.image.as_ref()?.value.as_str();
    let no_digest = image.split('@').next().unwrap_or(image);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    let name = last.split(':').next().unwrap_or(last);
    // Copied only for a data store (the names are lower case).
    DATA_STORES
        .iter()
        .find(|d| name.eq_ignore_ascii_case(d))
        .map(|d| d.to_string())
}

fn subpath(m: &Mount) -> Option<&str> {
    m.volume
        .as_ref()
        .and_then(|v| v.subpath.as_ref())
        .map(|s| s.value.as_str())
}

/// Both services can run at the same time: not both limited to profiles
/// that never meet.
fn can_run_together(a: &Service, b: &Service) -> bool {
    if a.profiles.is_empty() || b.profiles.is_empty() {
        return true;
    }
    a.profiles
        .iter()
        .any(|p| b.profiles.iter().any(|q| q.value == p.value))
}

/// Could this mount be the store's data directory? When the image facts
/// name its data directories (declared VOLUMEs, the data-dir variable's
/// value), the target must be one of them, inside one, or above one; a
/// shared volume for backups or sockets is fine. Without such facts, any
/// read-write mount of a data store counts.
fn may_hold_data(cx: &Context, s: &Service, target: &str) -> bool {
    let Some(img) = cx.image(s).filter(|i| i.is_known()) else {
        return true;
    };
    let mut dirs: Vec<&str> = img.image.volumes.iter().map(|v| v.value.as_str()).collect();
    if let Some(var) = &img.image.data_dir_env {
        let from_service = s
            .environment
            .get(&var.value)
            .and_then(|kv| kv.value.as_ref())
            .map(|v| v.value.as_str());
        if let Some(dir) =
            from_service.or_else(|| img.image.env(&var.value).map(|f| f.value.as_str()))
        {
            dirs.push(dir);
        }
    }
    if dirs.is_empty() {
        return true;
    }
    let t = target.trim_end_matches('/');
    dirs.iter().any(|d| {
        let d = d.trim_end_matches('/');
        t == d || t.starts_with(&format!("{d}/")) || d.starts_with(&format!("{t}/"))
    })
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let p = cx.project;
    // Linear in the services: each data store's read-write volume mounts,
    // by volume name, (service, mount, store) in service order; a service
    // counts once per volume, with its first such mount of it.
    let mut by_volume: HashMap<&str, Vec<(&Service, &Mount, String)>> = HashMap::new();
    for s in &p.services {
        let Some(store) = data_store(s) else { continue };
        let mut seen: Vec<&str> = Vec::new();
        for m in &s.volumes {
            let Some(src) = m.source.as_ref().map(|x| x.value.as_str()) else {
                continue;
            };
            if m.kind.value == MountKind::Volume
                && !seen.contains(&src)
                && !m.is_read_only()
                && may_hold_data(cx, s, &m.target.value)
            {
                seen.push(src);
                by_volume
                    .entry(src)
                    .or_default()
                    .push((s, m, store.clone()));
            }
        }
    }
    for v in &p.volumes {
        let name = &v.name.value;
        let Some(users) = by_volume.get(name.as_str()) else {
            continue;
        };
        for (i, (s, m, store)) in users.iter().enumerate() {
            let Some((s0, m0, store0)) = users[..i]
                .iter()
                .find(|(s0, m0, _)| subpath(m0) == subpath(m) && can_run_together(s0, s))
            else {
                continue;
            };
            // Certain only when the facts say the target is the data
            // directory; otherwise it is likely, not known.
            let certain = [*s0, *s]
                .iter()
                .all(|x| cx.image(x).is_some_and(|i| i.is_known()));
            let severity = if certain {
                Severity::Error
            } else {
                Severity::Warning
            };
            let mut d = Diagnostic::new(
                META.code,
                severity,
                m.source.as_ref().map_or(m.span, |x| x.span),
                format!(
                    "services `{}` ({store0}) and `{}` ({store}) both mount volume `{name}` read-write: two servers on one data directory fight over its lock files or corrupt each other's data",
                    s0.name.value, s.name.value
                ),
            )
            .label(
                m0.source.as_ref().map_or(m0.span, |x| x.span),
                format!("`{}` mounts it here", s0.name.value),
            )
            .help(format!(
                "give each service its own volume (e.g. `{name}_{}`) and let replication copy the data; mount it `:ro` where a service only reads it",
                s.name.value
            ));
            if !certain {
                d = d.note("no image facts for one of these services: that the volume holds the data directory is inferred from the image name");
            }
            out.push(d);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `data_store` names a store as the list writes it, which must be the
    /// image's name in lower case.
    #[test]
    fn data_stores_are_lower_case() {
        for d in DATA_STORES {
            assert_eq!(*d, d.to_ascii_lowercase());
        }
    }
}
