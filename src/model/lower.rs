//! Lowering: the merged generic [`Value`] -> the typed [`Project`], with
//! S003 (unknown key), S004 (wrong type) and S005 (invalid value)
//! diagnostics at the exact key or value span.
//!
//! Every field is lowered independently: a bad field is reported and left
//! unset, and the rest of its service still lowers. Scalars are read
//! leniently like Compose: numbers and booleans may be strings (after
//! interpolation everything is), and a string field accepts any scalar.

use super::mount::{
    self, BindOptions, ImageOptions, Mount, MountKind, TmpfsOptions, VolumeOptions,
};
use super::port::{self, Expose, Port, PortRange};
use super::service::*;
use super::shellwords::split_command_detailed;
use super::suggest::did_you_mean;
use super::units::{self, ByteSize, Duration};
use super::*;
use crate::diagnostic::Diagnostic;
use crate::source::{Span, Spanned};
use crate::value::{Key, Map, Value, ValueKind};
use crate::yaml::{resolve_core, CoreValue, ScalarStyle};
use std::ops::Range;

pub const TOP_LEVEL_KEYS: &[&str] = &[
    "version", "name", "include", "services", "models", "networks", "volumes", "secrets", "configs",
];

/// Every key a service may have: the Compose Specification schema, plus
/// `pre_start` (documented in the spec) and the file-format-2 `volume_driver`.
pub const SERVICE_KEYS: &[&str] = &[
    "annotations",
    "attach",
    "blkio_config",
    "build",
    "cap_add",
    "cap_drop",
    "cgroup",
    "cgroup_parent",
    "command",
    "configs",
    "container_name",
    "cpu_count",
    "cpu_percent",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpus",
    "cpuset",
    "credential_spec",
    "depends_on",
    "deploy",
    "develop",
    "device_cgroup_rules",
    "devices",
    "dns",
    "dns_opt",
    "dns_search",
    "domainname",
    "entrypoint",
    "env_file",
    "environment",
    "expose",
    "extends",
    "external_links",
    "extra_hosts",
    "gpus",
    "group_add",
    "healthcheck",
    "hostname",
    "image",
    "init",
    "ipc",
    "isolation",
    "label_file",
    "labels",
    "links",
    "logging",
    "mac_address",
    "mem_limit",
    "mem_reservation",
    "mem_swappiness",
    "memswap_limit",
    "models",
    "network_mode",
    "networks",
    "oom_kill_disable",
    "oom_score_adj",
    "pid",
    "pids_limit",
    "platform",
    "ports",
    "post_start",
    "pre_start",
    "pre_stop",
    "privileged",
    "profiles",
    "provider",
    "pull_policy",
    "pull_refresh_after",
    "read_only",
    "restart",
    "runtime",
    "scale",
    "secrets",
    "security_opt",
    "shm_size",
    "stdin_open",
    "stop_grace_period",
    "stop_signal",
    "storage_opt",
    "sysctls",
    "tmpfs",
    "tty",
    "ulimits",
    "use_api_socket",
    "user",
    "userns_mode",
    "uts",
    "volume_driver",
    "volumes",
    "volumes_from",
    "working_dir",
];

const BUILD_KEYS: &[&str] = &[
    "context",
    "dockerfile",
    "dockerfile_inline",
    "entitlements",
    "args",
    "ssh",
    "labels",
    "cache_from",
    "cache_to",
    "no_cache",
    "no_cache_filter",
    "additional_contexts",
    "network",
    "provenance",
    "sbom",
    "pull",
    "target",
    "shm_size",
    "extra_hosts",
    "isolation",
    "privileged",
    "secrets",
    "tags",
    "ulimits",
    "platforms",
];
const HEALTHCHECK_KEYS: &[&str] = &[
    "disable",
    "interval",
    "retries",
    "test",
    "timeout",
    "start_period",
    "start_interval",
];
const DEPLOY_KEYS: &[&str] = &[
    "mode",
    "endpoint_mode",
    "replicas",
    "labels",
    "rollback_config",
    "update_config",
    "resources",
    "restart_policy",
    "placement",
];
const UPDATE_KEYS: &[&str] = &[
    "parallelism",
    "delay",
    "failure_action",
    "monitor",
    "max_failure_ratio",
    "order",
];
const RESTART_POLICY_KEYS: &[&str] = &["condition", "delay", "max_attempts", "window"];
const PLACEMENT_KEYS: &[&str] = &["constraints", "preferences", "max_replicas_per_node"];
const RESOURCES_KEYS: &[&str] = &["limits", "reservations"];
const LIMITS_KEYS: &[&str] = &["cpus", "memory", "pids"];
const RESERVATIONS_KEYS: &[&str] = &["cpus", "memory", "generic_resources", "devices"];
const DEVICE_REQUEST_KEYS: &[&str] = &["capabilities", "count", "device_ids", "driver", "options"];
const PORT_KEYS: &[&str] = &[
    "name",
    "mode",
    "host_ip",
    "target",
    "published",
    "protocol",
    "app_protocol",
];
const MOUNT_KEYS: &[&str] = &[
    "type",
    "source",
    "target",
    "read_only",
    "consistency",
    "bind",
    "volume",
    "tmpfs",
    "image",
];
const BIND_KEYS: &[&str] = &["propagation", "create_host_path", "recursive", "selinux"];
const VOLUME_OPT_KEYS: &[&str] = &["labels", "nocopy", "subpath"];
const TMPFS_KEYS: &[&str] = &["size", "mode"];
const IMAGE_KEYS: &[&str] = &["subpath"];
const DEPENDS_KEYS: &[&str] = &["restart", "required", "condition"];
const ENV_FILE_KEYS: &[&str] = &["path", "format", "required"];
const EXTENDS_KEYS: &[&str] = &["service", "file"];
const FILE_REF_KEYS: &[&str] = &["source", "target", "uid", "gid", "mode"];
const SERVICE_NETWORK_KEYS: &[&str] = &[
    "aliases",
    "interface_name",
    "ipv4_address",
    "ipv6_address",
    "link_local_ips",
    "mac_address",
    "driver_opts",
    "priority",
    "gw_priority",
];
const ULIMIT_KEYS: &[&str] = &["soft", "hard"];
const DEVICE_KEYS: &[&str] = &["source", "target", "permissions"];
const LOGGING_KEYS: &[&str] = &["driver", "options"];
const VOLUME_DEF_KEYS: &[&str] = &["name", "driver", "driver_opts", "external", "labels"];
const NETWORK_DEF_KEYS: &[&str] = &[
    "name",
    "driver",
    "driver_opts",
    "ipam",
    "external",
    "internal",
    "enable_ipv4",
    "enable_ipv6",
    "attachable",
    "labels",
];
const IPAM_KEYS: &[&str] = &["driver", "config", "options"];
const IPAM_POOL_KEYS: &[&str] = &["subnet", "ip_range", "gateway", "aux_addresses"];
const SECRET_KEYS: &[&str] = &[
    "name",
    "environment",
    "file",
    "external",
    "labels",
    "driver",
    "driver_opts",
    "template_driver",
];
const CONFIG_KEYS: &[&str] = &[
    "name",
    "content",
    "environment",
    "file",
    "external",
    "labels",
    "template_driver",
];
const MODEL_KEYS: &[&str] = &["name", "model", "context_size", "runtime_flags"];
const INCLUDE_KEYS: &[&str] = &["path", "env_file", "project_directory"];
const EXTERNAL_KEYS: &[&str] = &["name"];

/// Lowers the final merged document. Never panics; every problem found is
/// returned, in document order. The document is taken: each service's
/// value is freed once the service is lowered, so that a large project's
/// document and model are not both held in full.
pub fn lower(mut doc: Value) -> (Project, Vec<Diagnostic>) {
    lower_with(&mut doc)
}

fn lower_with(doc: &mut Value) -> (Project, Vec<Diagnostic>) {
    let mut cx = Cx::default();
    let mut p = Project::default();
    match &mut doc.kind {
        ValueKind::Null => {}
        ValueKind::Map(m) => {
            for (k, v) in &mut m.entries {
                p.keys.0.push((k.name.clone(), k.span));
                match k.name.as_str() {
                    "version" => p.version = lower_version(&mut cx, v),
                    "name" => p.name = cx.string(v, "name"),
                    "services" => {
                        if v.is_null() {
                            cx.diags.push(
                                Diagnostic::error(
                                    "S004",
                                    k.span,
                                    "`services` is empty: Compose v2 refuses the file (\"services must be a mapping\")",
                                )
                                .help("define a service under `services:`, or remove the key"),
                            );
                        }
                        // The names checked (or the type refused) first.
                        let n = cx.named_entries(v, "services").len();
                        // Sized once: a large file's services are most of the model.
                        p.services.reserve_exact(n);
                        if let ValueKind::Map(m) = &mut v.kind {
                            for (name, sv) in &mut m.entries {
                                p.services.push(lower_service(&mut cx, name, sv));
                                // Lowered: its value is no longer read.
                                sv.kind = ValueKind::Null;
                            }
                        }
                    }
                    "volumes" => {
                        for (name, dv) in cx.named_entries(v, "volumes") {
                            p.volumes.push(lower_volume_def(&mut cx, name, dv));
                        }
                    }
                    "networks" => {
                        for (name, dv) in cx.named_entries(v, "networks") {
                            // Compose v2 reads an `x-` entry here as an
                            // extension, not as a network.
                            if !name.name.starts_with("x-") {
                                p.networks.push(lower_network_def(&mut cx, name, dv));
                            }
                        }
                    }
                    "secrets" => {
                        for (name, dv) in cx.named_entries(v, "secrets") {
                            p.secrets.push(lower_file_object(&mut cx, name, dv, false));
                        }
                    }
                    "configs" => {
                        for (name, dv) in cx.named_entries(v, "configs") {
                            p.configs.push(lower_file_object(&mut cx, name, dv, true));
                        }
                    }
                    "models" => {
                        for (name, dv) in cx.named_entries(v, "models") {
                            p.models.push(lower_model_def(&mut cx, name, dv));
                        }
                    }
                    "include" => {
                        for item in cx.seq(v, "include") {
                            if let Some(i) = lower_include(&mut cx, item) {
                                p.include.push(i);
                            }
                        }
                    }
                    _ if looks_like_v1_service(v) && !k.name.starts_with("x-") => {
                        cx.diags.push(
                            Diagnostic::error(
                                "S003",
                                k.span,
                                format!(
                                    "`{}` looks like a service at the top level: this is the version 1 Compose format, which Compose v2 does not read",
                                    k.name
                                ),
                            )
                            .help("move the services under a top-level `services:` key"),
                        );
                    }
                    _ => cx.other(
                        k,
                        v,
                        TOP_LEVEL_KEYS,
                        "the Compose file",
                        Some(&mut p.extensions),
                    ),
                }
            }
        }
        _ => cx.diags.push(Diagnostic::error(
            "S004",
            doc.span,
            format!("a Compose file must be a mapping, found {}", describe(doc)),
        )),
    }
    (p, cx.diags)
}

/// `version`: obsolete, but Compose v2 still checks that it is a string
/// (`version: 3` is refused: "version must be a string").
fn lower_version(cx: &mut Cx, v: &Value) -> Option<Spanned<String>> {
    if let ValueKind::Scalar(s) = &v.kind {
        if s.style == ScalarStyle::Plain
            && !s.interpolated
            && !matches!(resolve_core(&s.text), CoreValue::Str)
        {
            cx.diags.push(
                Diagnostic::error(
                    "S004",
                    v.span,
                    format!(
                        "`version: {}` is not a string (YAML reads it as a {}): Compose v2 refuses the file (\"version must be a string\")",
                        s.text,
                        match resolve_core(&s.text) {
                            CoreValue::Bool(_) => "boolean",
                            _ => "number",
                        }
                    ),
                )
                .help("remove `version` (it is obsolete), or quote it"),
            );
        }
    }
    cx.string(v, "version")
}

/// A top-level mapping with `image` or `build`: a version 1 file's service.
fn looks_like_v1_service(v: &Value) -> bool {
    v.as_map()
        .is_some_and(|m| m.get("image").is_some() || m.get("build").is_some())
}

#[derive(Default)]
struct Cx {
    diags: Vec<Diagnostic>,
}

/// A service key left empty (`environment:` with nothing, or only a
/// comment, under it) is null, which Compose v2 refuses ("services.x.
/// environment must be a mapping"): S004. True when it reported that.
/// `expected` is Compose v2's word for the type, as it prints it (v2.40.3:
/// "a mapping" for `environment` and `labels`, "a array" for `ports` and
/// `volumes`, though both also take the other form).
fn refuses_null(cx: &mut Cx, v: &Value, field: &str, expected: &str) -> bool {
    if !matches!(v.kind, ValueKind::Null) {
        return false;
    }
    cx.diags.push(
        Diagnostic::error(
            "S004",
            v.span,
            format!(
                "`{field}` is empty (null): Compose v2 refuses the file (\"{field} must be {expected}\")"
            ),
        )
        .help("remove the key, or give it a value (`{}` or `[]` for none)"),
    );
    true
}

fn describe(v: &Value) -> String {
    match &v.kind {
        ValueKind::Scalar(s) => format!("a string `{}`", truncate(&s.text)),
        _ => v.type_name().to_string(),
    }
}

fn truncate(s: &str) -> String {
    if s.chars().count() > 40 {
        let t: String = s.chars().take(40).collect();
        format!("{t}...")
    } else {
        s.to_string()
    }
}

fn sp<T>(value: T, v: &Value) -> Spanned<T> {
    Spanned {
        value,
        span: v.span,
        via: v.via,
    }
}

/// The span of `at` (byte range in the scalar's decoded text) inside the
/// source, when the text maps 1:1 onto it; else the whole scalar.
fn sub_span(v: &Value, at: Range<usize>) -> Span {
    let Some(s) = v.as_scalar() else {
        return v.span;
    };
    let (tlen, slen) = (s.text.len(), v.span.len());
    let offset = match s.style {
        ScalarStyle::Plain if slen == tlen => 0,
        ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted if slen == tlen + 2 => 1,
        _ => return v.span,
    };
    v.span.sub(offset + at.start, at.len())
}

fn sub_sp<T>(value: T, v: &Value, at: Range<usize>) -> Spanned<T> {
    Spanned {
        value,
        span: sub_span(v, at),
        via: v.via,
    }
}

fn is_valid_name(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

impl Cx {
    fn wrong_type(&mut self, field: &str, expected: &str, v: &Value) {
        self.diags.push(Diagnostic::error(
            "S004",
            v.span,
            format!("`{field}` must be {expected}, found {}", describe(v)),
        ));
    }

    fn invalid(&mut self, span: Span, msg: String) {
        self.diags.push(Diagnostic::error("S005", span, msg));
    }

    /// A key of the Compose Specification that the Compose release
    /// compose-lint follows (v2.40.3, see the README) does not accept yet.
    fn newer_than_reference(&mut self, k: &Key, what: &str) {
        self.diags.push(
            Diagnostic::error(
                "S003",
                k.span,
                format!(
                    "`{}` in {what} is newer than Compose v2.40.3, which refuses the file (\"additional properties '{}' not allowed\")",
                    k.name, k.name
                ),
            )
            .help("remove it until the Compose release you deploy with supports it"),
        );
    }

    /// An `x-*` key where extensions are allowed, else an unknown key.
    fn other(
        &mut self,
        k: &Key,
        v: &Value,
        known: &[&str],
        what: &str,
        ext: Option<&mut Vec<(Key, Value)>>,
    ) {
        if let Some(ext) = ext {
            if k.name.starts_with("x-") {
                ext.push((k.clone(), v.clone()));
                return;
            }
        }
        let mut d = Diagnostic::error(
            "S003",
            k.span,
            format!("unknown key `{}` in {what}", k.name),
        );
        if let Some(s) = did_you_mean(&k.name, known) {
            d = d.help(format!("did you mean `{s}`?"));
        }
        self.diags.push(d);
    }

    /// The mapping of a field; null is an absent field.
    fn map<'a>(&mut self, v: &'a Value, field: &str) -> Option<&'a Map> {
        match &v.kind {
            ValueKind::Map(m) => Some(m),
            ValueKind::Null => None,
            _ => {
                self.wrong_type(field, "a mapping", v);
                None
            }
        }
    }

    /// The items of a sequence field; null is empty.
    fn seq<'a>(&mut self, v: &'a Value, field: &str) -> &'a [Value] {
        match &v.kind {
            ValueKind::Seq(s) => s,
            ValueKind::Null => &[],
            _ => {
                self.wrong_type(field, "a sequence", v);
                &[]
            }
        }
    }

    /// Entries of a top-level section or `services`, with names checked.
    fn named_entries<'a>(&mut self, v: &'a Value, field: &str) -> Vec<(&'a Key, &'a Value)> {
        let Some(m) = self.map(v, field) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in &m.entries {
            if !is_valid_name(&k.name) {
                self.invalid(
                    k.span,
                    format!(
                        "invalid name `{}` in `{field}`: only letters, digits, `.`, `_` and `-` are allowed",
                        k.name
                    ),
                );
            }
            out.push((k, v));
        }
        out
    }

    fn string(&mut self, v: &Value, field: &str) -> Option<Spanned<String>> {
        match &v.kind {
            ValueKind::Scalar(s) => Some(sp(s.text.as_str().to_owned(), v)),
            ValueKind::Null => None,
            _ => {
                self.wrong_type(field, "a string", v);
                None
            }
        }
    }

    /// Like `string`, but a present key with a null value reads as "".
    fn string_or_empty(&mut self, v: &Value, field: &str) -> Option<Spanned<String>> {
        if v.is_null() {
            return Some(sp(String::new(), v));
        }
        self.string(v, field)
    }

    fn parsed<T>(
        &mut self,
        v: &Value,
        field: &str,
        what: &str,
        parse: impl FnOnce(&str) -> Result<T, String>,
    ) -> Option<Spanned<T>> {
        let text = self.string(v, field)?;
        match parse(&text.value) {
            Ok(t) => Some(sp(t, v)),
            Err(e) => {
                self.invalid(v.span, format!("invalid {what} for `{field}`: {e}"));
                None
            }
        }
    }

    fn boolean(&mut self, v: &Value, field: &str) -> Option<Spanned<bool>> {
        self.parsed(v, field, "boolean", |s| {
            units::parse_bool(s).ok_or_else(|| format!("`{s}` is not true or false"))
        })
    }

    fn integer(&mut self, v: &Value, field: &str) -> Option<Spanned<i64>> {
        self.parsed(v, field, "integer", |s| {
            units::parse_int(s).ok_or_else(|| format!("`{s}` is not an integer"))
        })
    }

    fn float(&mut self, v: &Value, field: &str) -> Option<Spanned<f64>> {
        self.parsed(v, field, "number", |s| {
            units::parse_float(s).ok_or_else(|| format!("`{s}` is not a number"))
        })
    }

    fn duration(&mut self, v: &Value, field: &str) -> Option<Spanned<Duration>> {
        self.parsed(v, field, "duration", |s| {
            units::parse_duration(s).map(|nanos| Duration {
                nanos,
                raw: s.to_string(),
            })
        })
    }

    fn bytes(&mut self, v: &Value, field: &str) -> Option<Spanned<ByteSize>> {
        self.parsed(v, field, "byte size", |s| {
            units::parse_bytes(s).map(|bytes| ByteSize {
                bytes,
                raw: s.to_string(),
            })
        })
    }

    fn string_list(&mut self, v: &Value, field: &str) -> Vec<Spanned<String>> {
        let items = self.seq(v, field);
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            match &item.kind {
                ValueKind::Scalar(s) => out.push(sp(s.text.as_str().to_owned(), item)),
                _ => self.wrong_type(&format!("{field}[]"), "a string", item),
            }
        }
        out
    }

    fn string_or_list(&mut self, v: &Value, field: &str) -> Vec<Spanned<String>> {
        match &v.kind {
            ValueKind::Scalar(s) => vec![sp(s.text.as_str().to_owned(), v)],
            ValueKind::Seq(_) | ValueKind::Null => self.string_list(v, field),
            _ => {
                self.wrong_type(field, "a string or a sequence", v);
                Vec::new()
            }
        }
    }

    /// A "list or dict": `[K=V, K]` or `{K: V, K: null}`.
    fn kv_list(&mut self, v: &Value, field: &str) -> KvList {
        let mut out = KvList {
            span: v.span,
            ..KvList::default()
        };
        match &v.kind {
            ValueKind::Null => {}
            ValueKind::Map(m) => {
                out.entries.reserve_exact(m.entries.len());
                for (k, val) in &m.entries {
                    let value = match &val.kind {
                        ValueKind::Scalar(s) => Some(sp(s.text.as_str().to_owned(), val)),
                        ValueKind::Null => None,
                        _ => {
                            self.wrong_type(
                                &format!("{field}.{}", k.name),
                                "a string, number or boolean",
                                val,
                            );
                            continue;
                        }
                    };
                    out.entries.push(KeyValue {
                        key: Spanned::new(k.name.as_str().to_owned(), k.span),
                        value,
                        span: k.span.cover(val.span),
                    });
                }
            }
            ValueKind::Seq(items) => {
                out.list_form = true;
                out.entries.reserve_exact(items.len());
                for item in items {
                    let Some(s) = item.as_scalar() else {
                        self.wrong_type(&format!("{field}[]"), "a `KEY=VALUE` string", item);
                        continue;
                    };
                    let text = &s.text;
                    let (key, value) = match text.find('=') {
                        Some(i) => (
                            sub_sp(text[..i].to_string(), item, 0..i),
                            Some(sub_sp(text[i + 1..].to_string(), item, i + 1..text.len())),
                        ),
                        None => (sub_sp(text.as_str().to_owned(), item, 0..text.len()), None),
                    };
                    out.entries.push(KeyValue {
                        key,
                        value,
                        span: item.span,
                    });
                }
            }
            ValueKind::Scalar(_) => self.wrong_type(field, "a mapping or a sequence", v),
        }
        out
    }
}

fn keys_of(m: &Map) -> Keys {
    Keys(
        m.entries
            .iter()
            .map(|(k, _)| (k.name.clone(), k.span))
            .collect(),
    )
}

// ---------------------------------------------------------------- services

/// One service, every key lowered.
fn lower_service(cx: &mut Cx, name: &Key, v: &Value) -> Service {
    let mut s = Service {
        name: Spanned::new(name.name.as_str().to_owned(), name.span),
        span: v.span,
        ..Service::default()
    };
    // `cx.map`, with the field's name made only when it is reported.
    let m = match &v.kind {
        ValueKind::Map(m) => m,
        ValueKind::Null => return s,
        _ => {
            cx.wrong_type(&format!("services.{}", name.name), "a mapping", v);
            return s;
        }
    };
    s.keys = keys_of(m);
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "image" => s.image = cx.string(v, f),
            "build" => s.build = lower_build(cx, v).map(Box::new),
            "command" => s.command = lower_command(cx, v, f),
            "entrypoint" => s.entrypoint = lower_command(cx, v, f),
            "environment" if refuses_null(cx, v, f, "a mapping") => {}
            "environment" => s.environment = cx.kv_list(v, f),
            "env_file" => s.env_file = lower_env_files(cx, v),
            "labels" if refuses_null(cx, v, f, "a mapping") => {}
            "labels" => s.labels = cx.kv_list(v, f),
            "annotations" => s.annotations = cx.kv_list(v, f),
            "label_file" => s.label_file = cx.string_or_list(v, f),
            "ports" if refuses_null(cx, v, f, "a array") => {}
            "ports" => {
                let items = cx.seq(v, f);
                s.ports.reserve_exact(items.len());
                for item in items {
                    if let Some(p) = lower_port(cx, item) {
                        s.ports.push(p);
                    }
                }
            }
            "expose" => {
                for item in cx.seq(v, f) {
                    if let Some(e) = lower_expose(cx, item) {
                        s.expose.push(e);
                    }
                }
            }
            "volumes" if refuses_null(cx, v, f, "a array") => {}
            "volumes" => {
                let items = cx.seq(v, f);
                s.volumes.reserve_exact(items.len());
                for item in items {
                    if let Some(mt) = lower_mount(cx, item) {
                        s.volumes.push(mt);
                    }
                }
            }
            "volumes_from" => s.volumes_from = cx.string_list(v, f),
            "tmpfs" => s.tmpfs = cx.string_or_list(v, f),
            "depends_on" => s.depends_on = lower_depends_on(cx, v),
            "links" => s.links = cx.string_list(v, f),
            "external_links" => s.external_links = cx.string_list(v, f),
            "networks" => s.networks = lower_service_networks(cx, v),
            "network_mode" => s.network_mode = cx.string(v, f),
            "healthcheck" => s.healthcheck = lower_healthcheck(cx, v).map(Box::new),
            "deploy" => s.deploy = lower_deploy(cx, v).map(Box::new),
            "extends" => s.extends = lower_extends(cx, v).map(Box::new),
            "secrets" => s.secrets = lower_file_refs(cx, v, f),
            "configs" => s.configs = lower_file_refs(cx, v, f),
            "logging" => s.logging = lower_logging(cx, v).map(Box::new),
            "ulimits" => s.ulimits = lower_ulimits(cx, v, f),
            "devices" => s.devices = lower_devices(cx, v),
            "extra_hosts" => s.extra_hosts = lower_extra_hosts(cx, v, f),
            "dns" => s.dns = cx.string_or_list(v, f),
            "dns_opt" => s.dns_opt = cx.string_list(v, f),
            "dns_search" => s.dns_search = cx.string_or_list(v, f),
            "sysctls" => s.sysctls = cx.kv_list(v, f),
            "storage_opt" => s.storage_opt = cx.kv_list(v, f),
            "profiles" => s.profiles = cx.string_list(v, f),
            "user" => s.user = cx.string(v, f),
            "group_add" => s.group_add = cx.string_list(v, f),
            "working_dir" => s.working_dir = cx.string(v, f),
            "hostname" => s.hostname = cx.string(v, f).map(Box::new),
            "domainname" => s.domainname = cx.string(v, f).map(Box::new),
            "container_name" => {
                s.container_name = cx.string(v, f);
                if let Some(c) = &s.container_name {
                    if !valid_container_name(&c.value) {
                        cx.invalid(
                            c.span,
                            format!(
                                "invalid `container_name` `{}`: Compose v2 needs a letter or digit followed by letters, digits, `_`, `.` or `-`, and refuses the file",
                                c.value
                            ),
                        );
                    }
                }
            }
            "mac_address" => s.mac_address = cx.string(v, f).map(Box::new),
            "restart" => s.restart = cx.string(v, f),
            "stop_signal" => s.stop_signal = cx.string(v, f),
            "stop_grace_period" => s.stop_grace_period = cx.duration(v, f),
            "pull_policy" => s.pull_policy = cx.string(v, f).map(Box::new),
            "pull_refresh_after" => s.pull_refresh_after = cx.string(v, f).map(Box::new),
            "platform" => s.platform = cx.string(v, f),
            "runtime" => s.runtime = cx.string(v, f).map(Box::new),
            "isolation" => s.isolation = cx.string(v, f).map(Box::new),
            "pid" => s.pid = cx.string(v, f),
            "ipc" => s.ipc = cx.string(v, f),
            "uts" => s.uts = cx.string(v, f).map(Box::new),
            "userns_mode" => s.userns_mode = cx.string(v, f).map(Box::new),
            "cgroup" => s.cgroup = lower_enum(cx, v, f, &["host", "private"]).map(Box::new),
            "cgroup_parent" => s.cgroup_parent = cx.string(v, f).map(Box::new),
            "cap_add" => s.cap_add = cx.string_list(v, f),
            "cap_drop" => s.cap_drop = cx.string_list(v, f),
            "security_opt" => s.security_opt = cx.string_list(v, f),
            "device_cgroup_rules" => s.device_cgroup_rules = cx.string_list(v, f),
            "privileged" => s.privileged = cx.boolean(v, f),
            "read_only" => s.read_only = cx.boolean(v, f),
            "init" => s.init = cx.boolean(v, f),
            "stdin_open" => s.stdin_open = cx.boolean(v, f).map(Box::new),
            "tty" => s.tty = cx.boolean(v, f).map(Box::new),
            "oom_kill_disable" => s.oom_kill_disable = cx.boolean(v, f).map(Box::new),
            "use_api_socket" => s.use_api_socket = cx.boolean(v, f).map(Box::new),
            "attach" => s.attach = cx.boolean(v, f).map(Box::new),
            "mem_limit" => s.mem_limit = cx.bytes(v, f),
            "mem_reservation" => s.mem_reservation = cx.bytes(v, f).map(Box::new),
            "memswap_limit" => s.memswap_limit = cx.bytes(v, f).map(Box::new),
            "shm_size" => s.shm_size = cx.bytes(v, f).map(Box::new),
            "mem_swappiness" => s.mem_swappiness = cx.integer(v, f).map(Box::new),
            "cpus" => s.cpus = cx.float(v, f),
            "cpu_shares" => s.cpu_shares = cx.integer(v, f),
            "cpu_quota" => s.cpu_quota = cx.integer(v, f),
            "cpu_period" => s.cpu_period = cx.integer(v, f).map(Box::new),
            "cpu_count" => s.cpu_count = cx.integer(v, f).map(Box::new),
            "cpu_percent" => s.cpu_percent = cx.integer(v, f).map(Box::new),
            "cpu_rt_runtime" => s.cpu_rt_runtime = cx.string(v, f).map(Box::new),
            "cpu_rt_period" => s.cpu_rt_period = cx.string(v, f).map(Box::new),
            "cpuset" => s.cpuset = cx.string(v, f).map(Box::new),
            "oom_score_adj" => s.oom_score_adj = cx.integer(v, f).map(Box::new),
            "pids_limit" => s.pids_limit = cx.integer(v, f).map(Box::new),
            "scale" => s.scale = cx.integer(v, f),
            "volume_driver" => {
                s.volume_driver = cx.string(v, f).map(Box::new);
                cx.diags.push(
                    Diagnostic::error(
                        "S003",
                        k.span,
                        "`volume_driver` belongs to the version 2 file format; Compose v2 rejects it (\"Additional property volume_driver is not allowed\")",
                    )
                    .help("set `driver:` on the top-level volume definition instead"),
                );
            }
            "blkio_config" => s.blkio_config = raw(cx, v, f, Shape::Map),
            "credential_spec" => s.credential_spec = raw(cx, v, f, Shape::Map),
            "develop" => {
                s.develop = raw(cx, v, f, Shape::Map);
                check_develop(cx, v);
            }
            "provider" => s.provider = raw(cx, v, f, Shape::Map),
            "gpus" => s.gpus = raw(cx, v, f, Shape::ScalarOrSeq),
            "models" => s.models = raw(cx, v, f, Shape::SeqOrMap),
            "post_start" => s.post_start = raw(cx, v, f, Shape::Seq),
            "pre_stop" => s.pre_stop = raw(cx, v, f, Shape::Seq),
            "pre_start" => {
                cx.newer_than_reference(k, "service");
                s.pre_start = raw(cx, v, f, Shape::Seq)
            }
            _ => {
                let what = format!("service `{}`", name.name);
                cx.other(k, v, SERVICE_KEYS, &what, Some(&mut s.extensions));
            }
        }
    }
    check_build_platforms(cx, &s);
    s
}

/// The schema's pattern `[a-zA-Z0-9][a-zA-Z0-9_.-]+`, which the JSON
/// schema validator does not anchor: somewhere in the name, a letter or
/// digit followed by one more allowed character (`a` alone is refused).
fn valid_container_name(s: &str) -> bool {
    s.as_bytes().windows(2).any(|w| {
        w[0].is_ascii_alphanumeric() && (w[1].is_ascii_alphanumeric() || b"_.-".contains(&w[1]))
    })
}

/// `build.platforms` must include the service's `platform`: Compose v2
/// refuses the project otherwise.
fn check_build_platforms(cx: &mut Cx, s: &Service) {
    let (Some(platform), Some(build)) = (&s.platform, &s.build) else {
        return;
    };
    if build.platforms.is_empty() || build.platforms.iter().any(|p| p.value == platform.value) {
        return;
    }
    cx.invalid(
        platform.span,
        format!(
            "`platform` `{}` of service `{}` is not among its `build.platforms`: Compose v2 refuses the project (\"service.build.platforms MUST include service.platform\")",
            platform.value, s.name.value
        ),
    );
}

enum Shape {
    Map,
    Seq,
    SeqOrMap,
    ScalarOrSeq,
}

/// Keeps a value as written after checking its shape.
/// `develop.watch` entries need `path` and `action` (the schema requires
/// both; `docker compose watch` refuses the file otherwise).
fn check_develop(cx: &mut Cx, v: &Value) {
    let Some(watch) = v
        .as_map()
        .and_then(|m| m.get("watch"))
        .and_then(Value::as_seq)
    else {
        return;
    };
    for item in watch {
        let Some(m) = item.as_map() else { continue };
        for required in ["path", "action"] {
            if m.get(required).is_none() {
                cx.invalid(
                    item.span,
                    format!("a `develop.watch` entry needs `{required}`"),
                );
            }
        }
    }
}

fn raw(cx: &mut Cx, v: &Value, field: &str, shape: Shape) -> Option<Box<Value>> {
    let ok = matches!(
        (&shape, &v.kind),
        (_, ValueKind::Null)
            | (Shape::Map | Shape::SeqOrMap, ValueKind::Map(_))
            | (
                Shape::Seq | Shape::SeqOrMap | Shape::ScalarOrSeq,
                ValueKind::Seq(_)
            )
            | (Shape::ScalarOrSeq, ValueKind::Scalar(_))
    );
    if !ok {
        let expected = match shape {
            Shape::Map => "a mapping",
            Shape::Seq => "a sequence",
            Shape::SeqOrMap => "a sequence or a mapping",
            Shape::ScalarOrSeq => "a string or a sequence",
        };
        cx.wrong_type(field, expected, v);
        return None;
    }
    (!v.is_null()).then(|| Box::new(v.clone()))
}

fn lower_enum(cx: &mut Cx, v: &Value, field: &str, allowed: &[&str]) -> Option<Spanned<String>> {
    let s = cx.string(v, field)?;
    if !allowed.contains(&s.value.as_str()) {
        let list = allowed
            .iter()
            .map(|a| format!("`{a}`"))
            .collect::<Vec<_>>()
            .join(", ");
        cx.invalid(
            s.span,
            format!(
                "invalid `{field}` value `{}`: expected one of {list}",
                s.value
            ),
        );
        return None;
    }
    Some(s)
}

fn lower_command(cx: &mut Cx, v: &Value, field: &str) -> Option<Command> {
    match &v.kind {
        ValueKind::Null => None,
        ValueKind::Scalar(s) => {
            let (argv, truncated_at) = match split_command_detailed(&s.text) {
                Ok(split) => (split.args, split.stopped_at),
                Err(e) => {
                    cx.invalid(
                        v.span,
                        format!("invalid `{field}`: {e} (unbalanced quotes or parentheses)"),
                    );
                    (Vec::new(), None)
                }
            };
            Some(Command {
                form: CommandForm::Shell(s.text.as_str().to_owned()),
                argv,
                truncated_at,
                span: v.span,
            })
        }
        ValueKind::Seq(_) => {
            let items = cx.string_list(v, field);
            Some(Command {
                argv: items.iter().map(|i| i.value.clone()).collect(),
                form: CommandForm::Exec(items),
                truncated_at: None,
                span: v.span,
            })
        }
        ValueKind::Map(_) => {
            cx.wrong_type(field, "a string or a sequence", v);
            None
        }
    }
}

fn lower_build(cx: &mut Cx, v: &Value) -> Option<Build> {
    let mut b = Build {
        span: v.span,
        ..Build::default()
    };
    match &v.kind {
        ValueKind::Null => return None,
        ValueKind::Scalar(s) => {
            b.context = Some(sp(s.text.as_str().to_owned(), v));
            b.short_syntax = true;
            return Some(b);
        }
        ValueKind::Seq(_) => {
            cx.wrong_type("build", "a string or a mapping", v);
            return None;
        }
        ValueKind::Map(m) => {
            b.keys = keys_of(m);
            for (k, v) in &m.entries {
                let f = k.name.as_str();
                match f {
                    "context" => b.context = cx.string(v, f),
                    "dockerfile" => b.dockerfile = cx.string(v, f),
                    "dockerfile_inline" => b.dockerfile_inline = cx.string(v, f),
                    "args" => b.args = cx.kv_list(v, f),
                    "ssh" => {
                        b.ssh = match &v.kind {
                            // `ssh:` with nothing: the schema wants a
                            // mapping or a list, and Compose v2 refuses it.
                            ValueKind::Null => {
                                cx.diags.push(Diagnostic::error(
                                    "S004",
                                    k.span,
                                    "`build.ssh` has no value: Compose v2 refuses the file (\"build.ssh must be a mapping\")",
                                ).help("give it a value (`ssh: [default]`), or remove it"));
                                KvList::default()
                            }
                            // `ssh: default` is accepted by compose-go.
                            ValueKind::Scalar(s) => KvList {
                                list_form: true,
                                span: v.span,
                                entries: vec![KeyValue {
                                    key: sp(s.text.as_str().to_owned(), v),
                                    value: None,
                                    span: v.span,
                                }],
                            },
                            _ => cx.kv_list(v, f),
                        }
                    }
                    "labels" => b.labels = cx.kv_list(v, f),
                    "cache_from" => b.cache_from = cx.string_list(v, f),
                    "cache_to" => b.cache_to = cx.string_list(v, f),
                    "no_cache" => b.no_cache = cx.boolean(v, f),
                    "no_cache_filter" => {
                        cx.newer_than_reference(k, "`build`");
                        b.no_cache_filter = cx.string_or_list(v, f)
                    }
                    "additional_contexts" => b.additional_contexts = cx.kv_list(v, f),
                    "network" => b.network = cx.string(v, f),
                    "provenance" => b.provenance = cx.string(v, f),
                    "sbom" => b.sbom = cx.string(v, f),
                    "pull" => b.pull = cx.boolean(v, f),
                    "target" => b.target = cx.string(v, f),
                    "shm_size" => b.shm_size = cx.bytes(v, f),
                    "extra_hosts" => b.extra_hosts = lower_extra_hosts(cx, v, f),
                    "isolation" => b.isolation = cx.string(v, f),
                    "privileged" => b.privileged = cx.boolean(v, f),
                    "secrets" => b.secrets = lower_file_refs(cx, v, f),
                    "tags" => b.tags = cx.string_list(v, f),
                    "ulimits" => b.ulimits = lower_ulimits(cx, v, f),
                    "platforms" => b.platforms = cx.string_list(v, f),
                    "entitlements" => b.entitlements = cx.string_list(v, f),
                    _ => cx.other(k, v, BUILD_KEYS, "`build`", Some(&mut b.extensions)),
                }
            }
        }
    }
    Some(b)
}

fn lower_port(cx: &mut Cx, v: &Value) -> Option<Port> {
    match &v.kind {
        ValueKind::Scalar(s) => {
            let text = &s.text;
            let spec = match port::parse_port_short(text) {
                Ok(spec) => spec,
                Err(e) => {
                    // Unresolved `${...}` or escaped `$$` pieces: leave it to
                    // interpolation diagnostics rather than guess.
                    if !text.contains('$') {
                        cx.invalid(v.span, format!("invalid port `{text}`: {e}"));
                    }
                    return None;
                }
            };
            Some(Port {
                host_ip: spec.host_ip.map(|p| sub_sp(p.value, v, p.at)),
                published: spec.published.map(|p| sub_sp(p.value, v, p.at)),
                target: sub_sp(spec.target.value, v, spec.target.at),
                protocol: spec.protocol.map(|p| sub_sp(p.value, v, p.at)),
                app_protocol: None,
                mode: None,
                name: None,
                short_syntax: true,
                span: v.span,
                extensions: Vec::new(),
            })
        }
        ValueKind::Map(m) => {
            let mut target = None;
            let mut p = Port {
                host_ip: None,
                published: None,
                target: Spanned::new(PortRange::single(0), v.span),
                protocol: None,
                app_protocol: None,
                mode: None,
                name: None,
                short_syntax: false,
                span: v.span,
                extensions: Vec::new(),
            };
            let range =
                |cx: &mut Cx, v: &Value, f: &str| cx.parsed(v, f, "port", port::parse_port_range);
            for (k, v) in &m.entries {
                let f = k.name.as_str();
                match f {
                    "target" => target = range(cx, v, f),
                    "published" => p.published = range(cx, v, f),
                    "host_ip" => {
                        p.host_ip = cx.string(v, f);
                        if let Some(ip) = &p.host_ip {
                            if ip.value.parse::<std::net::IpAddr>().is_err()
                                && !ip.value.contains('$')
                            {
                                cx.invalid(
                                    ip.span,
                                    format!("invalid IP address `{}` for `host_ip`", ip.value),
                                );
                            }
                        }
                    }
                    "protocol" => p.protocol = cx.string(v, f),
                    "app_protocol" => p.app_protocol = cx.string(v, f),
                    "mode" => p.mode = lower_enum(cx, v, f, &["host", "ingress"]),
                    "name" => p.name = cx.string(v, f),
                    _ => cx.other(k, v, PORT_KEYS, "a `ports` entry", Some(&mut p.extensions)),
                }
            }
            match target {
                Some(t) => {
                    p.target = t;
                    Some(p)
                }
                None => {
                    if !m.entries.iter().any(|(k, _)| k.name == "target") {
                        cx.invalid(
                            v.span,
                            "a `ports` entry needs a `target` (the container port)".into(),
                        );
                    }
                    None
                }
            }
        }
        _ => {
            cx.wrong_type("ports[]", "a port string, a number or a mapping", v);
            None
        }
    }
}

fn lower_expose(cx: &mut Cx, v: &Value) -> Option<Expose> {
    let Some(s) = v.as_scalar() else {
        cx.wrong_type("expose[]", "a port string or a number", v);
        return None;
    };
    match port::parse_expose(&s.text) {
        Ok((range, proto)) => {
            let plen = s.text.find('/').unwrap_or(s.text.len());
            Some(Expose {
                ports: sub_sp(range, v, 0..plen),
                protocol: proto.map(|p| sub_sp(p.value, v, p.at)),
                span: v.span,
            })
        }
        Err(e) => {
            if !s.text.contains('$') {
                cx.invalid(v.span, format!("invalid `expose` entry `{}`: {e}", s.text));
            }
            None
        }
    }
}

fn lower_mount(cx: &mut Cx, v: &Value) -> Option<Mount> {
    match &v.kind {
        ValueKind::Scalar(s) => {
            let spec = match mount::parse_volume_short(&s.text) {
                Ok(spec) => spec,
                Err(e) => {
                    cx.invalid(v.span, format!("invalid volume `{}`: {e}", s.text));
                    return None;
                }
            };
            let opt_span = spec
                .options_at
                .clone()
                .map(|at| sub_span(v, at))
                .unwrap_or(v.span);
            let opt = |value: String| Spanned {
                value,
                span: opt_span,
                via: v.via,
            };
            let has_rw = spec.options.iter().any(|o| o == "ro" || o == "rw");
            let bind = if spec.kind == MountKind::Bind
                || spec.selinux.is_some()
                || spec.propagation.is_some()
            {
                Some(Box::new(BindOptions {
                    propagation: spec.propagation.map(opt),
                    selinux: spec.selinux.map(opt),
                    ..BindOptions::default()
                }))
            } else {
                None
            };
            let volume = (spec.kind == MountKind::Volume).then(|| {
                Box::new(VolumeOptions {
                    nocopy: spec.nocopy.then_some(Spanned {
                        value: true,
                        span: opt_span,
                        via: v.via,
                    }),
                    ..VolumeOptions::default()
                })
            });
            Some(Mount {
                kind: sp(spec.kind, v),
                source: spec
                    .source
                    .zip(spec.source_at)
                    .map(|(s, at)| sub_sp(s, v, at)),
                target: sub_sp(spec.target, v, spec.target_at),
                read_only: has_rw.then_some(Spanned {
                    value: spec.read_only,
                    span: opt_span,
                    via: v.via,
                }),
                consistency: spec.consistency.map(opt),
                short_syntax: true,
                volume,
                bind,
                tmpfs: None,
                image: None,
                options: spec.options,
                unknown_options: spec.unknown_options,
                span: v.span,
                keys: Keys::default(),
                extensions: Vec::new(),
            })
        }
        ValueKind::Map(m) => {
            let mut kind = None;
            let mut target = None;
            let mut mt = Mount {
                kind: Spanned::new(MountKind::Volume, v.span),
                source: None,
                target: Spanned::new(String::new(), v.span),
                read_only: None,
                consistency: None,
                short_syntax: false,
                volume: None,
                bind: None,
                tmpfs: None,
                image: None,
                options: Vec::new(),
                unknown_options: Vec::new(),
                span: v.span,
                keys: keys_of(m),
                extensions: Vec::new(),
            };
            let mut type_written = false;
            let mut target_written = false;
            for (k, v) in &m.entries {
                let f = k.name.as_str();
                match f {
                    "type" => {
                        type_written = true;
                        if let Some(t) = cx.string(v, f) {
                            match MountKind::parse(&t.value) {
                                Some(kd) => kind = Some(t.map(|_| kd)),
                                None => cx.invalid(
                                    t.span,
                                    format!(
                                        "invalid mount type `{}`: expected `volume`, `bind`, `tmpfs`, `image`, `npipe` or `cluster`",
                                        t.value
                                    ),
                                ),
                            }
                        }
                    }
                    "source" => mt.source = cx.string(v, f),
                    "target" => {
                        target_written = true;
                        target = cx.string(v, f);
                    }
                    "read_only" => mt.read_only = cx.boolean(v, f),
                    "consistency" => mt.consistency = cx.string(v, f),
                    "bind" => mt.bind = lower_bind_options(cx, v).map(Box::new),
                    "volume" => mt.volume = lower_volume_options(cx, v).map(Box::new),
                    "tmpfs" => mt.tmpfs = lower_tmpfs_options(cx, v).map(Box::new),
                    "image" => mt.image = lower_image_options(cx, v).map(Box::new),
                    _ => cx.other(
                        k,
                        v,
                        MOUNT_KEYS,
                        "a `volumes` entry",
                        Some(&mut mt.extensions),
                    ),
                }
            }
            if !type_written {
                cx.invalid(
                    v.span,
                    "a long-syntax `volumes` entry needs a `type` (`volume`, `bind`, `tmpfs`, ...)"
                        .into(),
                );
            }
            if !target_written {
                cx.invalid(
                    v.span,
                    "a `volumes` entry needs a `target` (the path in the container)".into(),
                );
            }
            let is_bind = kind.as_ref().is_some_and(|k| k.value == MountKind::Bind);
            if is_bind && mt.source.as_ref().is_none_or(|s| s.value.is_empty()) {
                cx.invalid(
                    v.span,
                    "a `bind` mount needs a `source` (the host path)".into(),
                );
            }
            mt.kind = kind?;
            mt.target = target?;
            Some(mt)
        }
        _ => {
            cx.wrong_type("volumes[]", "a string or a mapping", v);
            None
        }
    }
}

fn lower_bind_options(cx: &mut Cx, v: &Value) -> Option<BindOptions> {
    let m = cx.map(v, "bind")?;
    let mut b = BindOptions {
        keys: keys_of(m),
        ..BindOptions::default()
    };
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "propagation" => b.propagation = cx.string(v, f),
            "create_host_path" => b.create_host_path = cx.boolean(v, f),
            "selinux" => b.selinux = lower_enum(cx, v, f, &["z", "Z"]),
            "recursive" => {
                b.recursive = lower_enum(cx, v, f, &["enabled", "disabled", "writable", "readonly"])
            }
            _ => cx.other(k, v, BIND_KEYS, "`bind`", Some(&mut b.extensions)),
        }
    }
    Some(b)
}

fn lower_volume_options(cx: &mut Cx, v: &Value) -> Option<VolumeOptions> {
    let m = cx.map(v, "volume")?;
    let mut o = VolumeOptions {
        keys: keys_of(m),
        ..VolumeOptions::default()
    };
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "nocopy" => o.nocopy = cx.boolean(v, f),
            "subpath" => o.subpath = cx.string(v, f),
            "labels" => o.labels = cx.kv_list(v, f),
            _ => cx.other(k, v, VOLUME_OPT_KEYS, "`volume`", Some(&mut o.extensions)),
        }
    }
    Some(o)
}

fn lower_tmpfs_options(cx: &mut Cx, v: &Value) -> Option<TmpfsOptions> {
    let m = cx.map(v, "tmpfs")?;
    let mut o = TmpfsOptions {
        keys: keys_of(m),
        ..TmpfsOptions::default()
    };
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "size" => {
                o.size = cx.bytes(v, f);
                // The schema wants a whole, non-negative number of bytes
                // (or a size string such as `64m`).
                if let Some(size) = &o.size {
                    let fractional_number =
                        size.value.raw.parse::<f64>().is_ok() && size.value.raw.contains('.');
                    if size.value.bytes < 0 || fractional_number {
                        cx.invalid(
                            size.span,
                            format!(
                                "invalid tmpfs `size` `{}`: it must be a whole number of bytes, 0 or more",
                                size.value.raw
                            ),
                        );
                        o.size = None;
                    }
                }
            }
            "mode" => o.mode = cx.string(v, f),
            _ => cx.other(k, v, TMPFS_KEYS, "`tmpfs`", Some(&mut o.extensions)),
        }
    }
    Some(o)
}

fn lower_image_options(cx: &mut Cx, v: &Value) -> Option<ImageOptions> {
    let m = cx.map(v, "image")?;
    let mut o = ImageOptions {
        keys: keys_of(m),
        ..ImageOptions::default()
    };
    for (k, v) in &m.entries {
        match k.name.as_str() {
            "subpath" => o.subpath = cx.string(v, "subpath"),
            _ => cx.other(k, v, IMAGE_KEYS, "`image`", Some(&mut o.extensions)),
        }
    }
    Some(o)
}

fn lower_env_files(cx: &mut Cx, v: &Value) -> Vec<EnvFile> {
    let short = |v: &Value, s: &str| EnvFile {
        path: sp(s.to_string(), v),
        short_syntax: true,
        span: v.span,
        ..EnvFile::default()
    };
    match &v.kind {
        ValueKind::Scalar(s) => vec![short(v, &s.text)],
        ValueKind::Null => Vec::new(),
        ValueKind::Map(_) => {
            cx.wrong_type("env_file", "a string or a sequence", v);
            Vec::new()
        }
        ValueKind::Seq(items) => {
            let mut out = Vec::new();
            for item in items {
                match &item.kind {
                    ValueKind::Scalar(s) => out.push(short(item, &s.text)),
                    ValueKind::Map(m) => {
                        let mut e = EnvFile {
                            span: item.span,
                            keys: keys_of(m),
                            ..EnvFile::default()
                        };
                        let mut path = None;
                        for (k, v) in &m.entries {
                            let f = k.name.as_str();
                            match f {
                                "path" => path = cx.string(v, f),
                                "required" => e.required = cx.boolean(v, f),
                                "format" => e.format = cx.string(v, f),
                                _ => cx.other(k, v, ENV_FILE_KEYS, "an `env_file` entry", None),
                            }
                        }
                        match path {
                            Some(p) => {
                                e.path = p;
                                out.push(e);
                            }
                            None => {
                                cx.invalid(item.span, "an `env_file` entry needs a `path`".into())
                            }
                        }
                    }
                    _ => cx.wrong_type("env_file[]", "a string or a mapping", item),
                }
            }
            out
        }
    }
}

/// How many entries a list field's value has (items of a sequence, entries
/// of a mapping): the capacity of the list lowered from it. Grown by
/// pushes, a list of one or two large entries (a `ServiceNetwork`, a
/// `Dependency`) would take room for four, in a large file once per
/// service.
fn items_in(v: &Value) -> usize {
    match &v.kind {
        ValueKind::Seq(items) => items.len(),
        ValueKind::Map(m) => m.entries.len(),
        ValueKind::Null | ValueKind::Scalar(_) => 0,
    }
}

fn lower_depends_on(cx: &mut Cx, v: &Value) -> Vec<Dependency> {
    let mut out = Vec::with_capacity(items_in(v));
    match &v.kind {
        ValueKind::Null => {}
        ValueKind::Seq(_) => {
            for s in cx.string_list(v, "depends_on") {
                out.push(Dependency {
                    span: s.span,
                    service: s,
                    short_syntax: true,
                    ..Dependency::default()
                });
            }
        }
        ValueKind::Map(m) => {
            for (name, dv) in &m.entries {
                let mut d = Dependency {
                    service: Spanned::new(name.name.as_str().to_owned(), name.span),
                    span: name.span.cover(dv.span),
                    ..Dependency::default()
                };
                if let Some(dm) = cx.map(dv, &format!("depends_on.{}", name.name)) {
                    d.keys = keys_of(dm);
                    for (k, v) in &dm.entries {
                        let f = k.name.as_str();
                        match f {
                            "condition" => {
                                d.condition = lower_enum(
                                    cx,
                                    v,
                                    f,
                                    &[
                                        "service_started",
                                        "service_healthy",
                                        "service_completed_successfully",
                                    ],
                                )
                            }
                            "restart" => d.restart = cx.boolean(v, f),
                            "required" => d.required = cx.boolean(v, f),
                            _ => cx.other(
                                k,
                                v,
                                DEPENDS_KEYS,
                                "a `depends_on` entry",
                                Some(&mut d.extensions),
                            ),
                        }
                    }
                    if !d.keys.contains("condition") {
                        cx.diags.push(
                            Diagnostic::error(
                                "S005",
                                name.span,
                                format!("`depends_on.{}` needs a `condition`", name.name),
                            )
                            .help("add `condition: service_started` (or `service_healthy`)"),
                        );
                    }
                }
                out.push(d);
            }
        }
        ValueKind::Scalar(_) => cx.wrong_type("depends_on", "a sequence or a mapping", v),
    }
    out
}

fn lower_service_networks(cx: &mut Cx, v: &Value) -> Vec<ServiceNetwork> {
    let mut out = Vec::with_capacity(items_in(v));
    match &v.kind {
        ValueKind::Null => {}
        ValueKind::Seq(_) => {
            for s in cx.string_list(v, "networks") {
                out.push(ServiceNetwork {
                    span: s.span,
                    name: s,
                    short_syntax: true,
                    ..ServiceNetwork::default()
                });
            }
        }
        ValueKind::Map(m) => {
            for (name, nv) in &m.entries {
                let mut n = ServiceNetwork {
                    name: Spanned::new(name.name.as_str().to_owned(), name.span),
                    span: name.span.cover(nv.span),
                    ..ServiceNetwork::default()
                };
                if let Some(nm) = cx.map(nv, &format!("networks.{}", name.name)) {
                    n.keys = keys_of(nm);
                    for (k, v) in &nm.entries {
                        let f = k.name.as_str();
                        match f {
                            "aliases" => n.aliases = cx.string_list(v, f),
                            "ipv4_address" => n.ipv4_address = cx.string(v, f).map(Box::new),
                            "ipv6_address" => n.ipv6_address = cx.string(v, f).map(Box::new),
                            "link_local_ips" => n.link_local_ips = cx.string_list(v, f),
                            "mac_address" => n.mac_address = cx.string(v, f).map(Box::new),
                            "interface_name" => n.interface_name = cx.string(v, f).map(Box::new),
                            "driver_opts" => n.driver_opts = cx.kv_list(v, f),
                            "priority" => n.priority = cx.integer(v, f).map(Box::new),
                            "gw_priority" => n.gw_priority = cx.integer(v, f).map(Box::new),
                            _ => cx.other(
                                k,
                                v,
                                SERVICE_NETWORK_KEYS,
                                "a service network",
                                Some(&mut n.extensions),
                            ),
                        }
                    }
                }
                out.push(n);
            }
        }
        ValueKind::Scalar(_) => cx.wrong_type("networks", "a sequence or a mapping", v),
    }
    out
}

fn lower_healthcheck(cx: &mut Cx, v: &Value) -> Option<Healthcheck> {
    let m = cx.map(v, "healthcheck")?;
    let mut h = Healthcheck {
        span: v.span,
        keys: keys_of(m),
        ..Healthcheck::default()
    };
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "test" => match &v.kind {
                ValueKind::Scalar(s) => {
                    h.test = Some(sp(HealthTest::CmdShell(s.text.as_str().to_owned()), v));
                    h.test_string_form = true;
                }
                ValueKind::Seq(_) => {
                    let items = cx.string_list(v, f);
                    let test = match items.first().map(|i| i.value.as_str()) {
                        None => Some(HealthTest::Inherit),
                        Some("NONE") => Some(HealthTest::None),
                        Some("CMD") => Some(HealthTest::Cmd(
                            items[1..].iter().map(|i| i.value.clone()).collect(),
                        )),
                        Some("CMD-SHELL") => Some(HealthTest::CmdShell(
                            items[1..]
                                .iter()
                                .map(|i| i.value.as_str())
                                .collect::<Vec<_>>()
                                .join(" "),
                        )),
                        Some(other) => {
                            cx.diags.push(
                                Diagnostic::error(
                                    "S005",
                                    items[0].span,
                                    format!("healthcheck `test` must start with `NONE`, `CMD` or `CMD-SHELL`, found `{other}`"),
                                )
                                .help(format!("write `[\"CMD\", \"{other}\", ...]`")),
                            );
                            None
                        }
                    };
                    h.test = test.map(|t| sp(t, v));
                }
                ValueKind::Null => {}
                ValueKind::Map(_) => cx.wrong_type(f, "a string or a sequence", v),
            },
            "interval" => h.interval = cx.duration(v, f),
            "timeout" => h.timeout = cx.duration(v, f),
            "start_period" => h.start_period = cx.duration(v, f),
            "start_interval" => h.start_interval = cx.duration(v, f),
            "retries" => h.retries = cx.integer(v, f),
            "disable" => h.disable = cx.boolean(v, f),
            _ => cx.other(
                k,
                v,
                HEALTHCHECK_KEYS,
                "`healthcheck`",
                Some(&mut h.extensions),
            ),
        }
    }
    Some(h)
}

fn lower_deploy(cx: &mut Cx, v: &Value) -> Option<Deploy> {
    let m = cx.map(v, "deploy")?;
    let mut d = Deploy {
        span: v.span,
        keys: keys_of(m),
        ..Deploy::default()
    };
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "mode" => d.mode = cx.string(v, f),
            "endpoint_mode" => d.endpoint_mode = cx.string(v, f),
            "replicas" => d.replicas = cx.integer(v, f),
            "labels" => d.labels = cx.kv_list(v, f),
            "resources" => d.resources = lower_resources(cx, v).map(Box::new),
            "restart_policy" => d.restart_policy = lower_restart_policy(cx, v).map(Box::new),
            "placement" => d.placement = lower_placement(cx, v).map(Box::new),
            "update_config" => d.update_config = lower_update_config(cx, v, f).map(Box::new),
            "rollback_config" => d.rollback_config = lower_update_config(cx, v, f).map(Box::new),
            _ => cx.other(k, v, DEPLOY_KEYS, "`deploy`", Some(&mut d.extensions)),
        }
    }
    Some(d)
}

fn lower_resources(cx: &mut Cx, v: &Value) -> Option<Resources> {
    let m = cx.map(v, "resources")?;
    let mut r = Resources {
        span: v.span,
        keys: keys_of(m),
        ..Resources::default()
    };
    let mut ignored = Vec::new();
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "limits" => r.limits = lower_resource_spec(cx, v, f, LIMITS_KEYS).map(Box::new),
            "reservations" => {
                r.reservations = lower_resource_spec(cx, v, f, RESERVATIONS_KEYS).map(Box::new)
            }
            _ => cx.other(k, v, RESOURCES_KEYS, "`resources`", Some(&mut ignored)),
        }
    }
    Some(r)
}

fn lower_resource_spec(
    cx: &mut Cx,
    v: &Value,
    field: &str,
    known: &[&str],
) -> Option<ResourceSpec> {
    let m = cx.map(v, field)?;
    let mut r = ResourceSpec {
        span: v.span,
        keys: keys_of(m),
        ..ResourceSpec::default()
    };
    let mut ignored = Vec::new();
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "cpus" => r.cpus = cx.float(v, f),
            "memory" => r.memory = cx.bytes(v, f),
            "pids" if known.contains(&"pids") => r.pids = cx.integer(v, f),
            "generic_resources" if known.contains(&"generic_resources") => {
                r.generic_resources = raw(cx, v, f, Shape::Seq).map(|b| *b)
            }
            "devices" if known.contains(&"devices") => {
                for item in cx.seq(v, f) {
                    if let Some(d) = lower_device_request(cx, item) {
                        r.devices.push(d);
                    }
                }
            }
            // Named only when it is reported: every service with
            // `deploy.resources` comes here.
            _ => cx.other(k, v, known, &format!("`{field}`"), Some(&mut ignored)),
        }
    }
    Some(r)
}

fn lower_device_request(cx: &mut Cx, v: &Value) -> Option<DeviceRequest> {
    let m = cx.map(v, "devices[]")?;
    let mut d = DeviceRequest {
        span: v.span,
        keys: keys_of(m),
        ..DeviceRequest::default()
    };
    let mut ignored = Vec::new();
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "capabilities" => d.capabilities = cx.string_list(v, f),
            "count" => d.count = cx.string(v, f),
            "device_ids" => d.device_ids = cx.string_list(v, f),
            "driver" => d.driver = cx.string(v, f),
            "options" => d.options = cx.kv_list(v, f),
            _ => cx.other(
                k,
                v,
                DEVICE_REQUEST_KEYS,
                "a device request",
                Some(&mut ignored),
            ),
        }
    }
    if !d.keys.contains("capabilities") {
        cx.invalid(
            v.span,
            "a device request needs `capabilities` (for example `[gpu]`)".into(),
        );
    }
    if let Some(count) = &d.count {
        if count.value != "all" && count.value.parse::<i64>().is_err() && !count.value.contains('$')
        {
            cx.invalid(
                count.span,
                format!(
                    "invalid device `count` `{}`: expected a number or `all`",
                    count.value
                ),
            );
        }
        if d.keys.contains("device_ids") {
            cx.invalid(
                count.span,
                "`count` and `device_ids` cannot be used together in one device request".into(),
            );
        }
    }
    Some(d)
}

fn lower_restart_policy(cx: &mut Cx, v: &Value) -> Option<RestartPolicy> {
    let m = cx.map(v, "restart_policy")?;
    let mut r = RestartPolicy {
        span: v.span,
        keys: keys_of(m),
        ..RestartPolicy::default()
    };
    let mut ignored = Vec::new();
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "condition" => r.condition = cx.string(v, f),
            "delay" => r.delay = cx.duration(v, f),
            "max_attempts" => r.max_attempts = cx.integer(v, f),
            "window" => r.window = cx.duration(v, f),
            _ => cx.other(
                k,
                v,
                RESTART_POLICY_KEYS,
                "`restart_policy`",
                Some(&mut ignored),
            ),
        }
    }
    Some(r)
}

fn lower_placement(cx: &mut Cx, v: &Value) -> Option<Placement> {
    let m = cx.map(v, "placement")?;
    let mut p = Placement {
        span: v.span,
        keys: keys_of(m),
        ..Placement::default()
    };
    let mut ignored = Vec::new();
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "constraints" => p.constraints = cx.string_list(v, f),
            "preferences" => {
                for item in cx.seq(v, f) {
                    if let Some(pm) = cx.map(item, "preferences[]") {
                        for (k, v) in &pm.entries {
                            match k.name.as_str() {
                                "spread" => p.preferences.extend(cx.string(v, "spread")),
                                _ => cx.other(
                                    k,
                                    v,
                                    &["spread"],
                                    "a placement preference",
                                    Some(&mut ignored),
                                ),
                            }
                        }
                    }
                }
            }
            "max_replicas_per_node" => p.max_replicas_per_node = cx.integer(v, f),
            _ => cx.other(k, v, PLACEMENT_KEYS, "`placement`", Some(&mut ignored)),
        }
    }
    Some(p)
}

fn lower_update_config(cx: &mut Cx, v: &Value, field: &str) -> Option<UpdateConfig> {
    let m = cx.map(v, field)?;
    let mut u = UpdateConfig {
        span: v.span,
        keys: keys_of(m),
        ..UpdateConfig::default()
    };
    let what = format!("`{field}`");
    let mut ignored = Vec::new();
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "parallelism" => u.parallelism = cx.integer(v, f),
            "delay" => u.delay = cx.duration(v, f),
            "failure_action" => u.failure_action = cx.string(v, f),
            "monitor" => u.monitor = cx.duration(v, f),
            "max_failure_ratio" => u.max_failure_ratio = cx.float(v, f),
            "order" => u.order = lower_enum(cx, v, f, &["start-first", "stop-first"]),
            _ => cx.other(k, v, UPDATE_KEYS, &what, Some(&mut ignored)),
        }
    }
    Some(u)
}

fn lower_extends(cx: &mut Cx, v: &Value) -> Option<Extends> {
    match &v.kind {
        ValueKind::Null => None,
        ValueKind::Scalar(s) => Some(Extends {
            service: sp(s.text.as_str().to_owned(), v),
            short_syntax: true,
            span: v.span,
            ..Extends::default()
        }),
        ValueKind::Map(m) => {
            let mut e = Extends {
                span: v.span,
                keys: keys_of(m),
                ..Extends::default()
            };
            let mut service = None;
            for (k, v) in &m.entries {
                let f = k.name.as_str();
                match f {
                    "service" => service = cx.string(v, f),
                    "file" => e.file = cx.string(v, f),
                    _ => cx.other(k, v, EXTENDS_KEYS, "`extends`", None),
                }
            }
            match service {
                Some(s) => {
                    e.service = s;
                    Some(e)
                }
                None => {
                    cx.invalid(v.span, "`extends` needs a `service`".into());
                    None
                }
            }
        }
        ValueKind::Seq(_) => {
            cx.wrong_type("extends", "a string or a mapping", v);
            None
        }
    }
}

fn lower_file_refs(cx: &mut Cx, v: &Value, field: &str) -> Vec<FileRef> {
    let mut out = Vec::with_capacity(items_in(v));
    for item in cx.seq(v, field) {
        match &item.kind {
            ValueKind::Scalar(s) => out.push(FileRef {
                source: sp(s.text.as_str().to_owned(), item),
                short_syntax: true,
                span: item.span,
                ..FileRef::default()
            }),
            ValueKind::Map(m) => {
                let mut r = FileRef {
                    span: item.span,
                    keys: keys_of(m),
                    ..FileRef::default()
                };
                let mut source = None;
                for (k, v) in &m.entries {
                    let f = k.name.as_str();
                    match f {
                        "source" => source = cx.string(v, f),
                        "target" => r.target = cx.string(v, f),
                        "uid" => r.uid = cx.string(v, f),
                        "gid" => r.gid = cx.string(v, f),
                        "mode" => {
                            r.mode = cx.string(v, f);
                            if let Some(mode) = &r.mode {
                                if units::parse_file_mode(&mode.value).is_none() {
                                    cx.invalid(
                                        mode.span,
                                        format!("invalid file mode `{}`", mode.value),
                                    );
                                }
                            }
                        }
                        _ => cx.other(
                            k,
                            v,
                            FILE_REF_KEYS,
                            &format!("a `{field}` entry"),
                            Some(&mut r.extensions),
                        ),
                    }
                }
                match source {
                    Some(s) => {
                        r.source = s;
                        out.push(r);
                    }
                    None => cx.invalid(item.span, format!("a `{field}` entry needs a `source`")),
                }
            }
            _ => cx.wrong_type(&format!("{field}[]"), "a string or a mapping", item),
        }
    }
    out
}

fn lower_logging(cx: &mut Cx, v: &Value) -> Option<Logging> {
    let m = cx.map(v, "logging")?;
    let mut l = Logging {
        span: v.span,
        keys: keys_of(m),
        ..Logging::default()
    };
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "driver" => l.driver = cx.string(v, f),
            "options" => {
                if matches!(v.kind, ValueKind::Seq(_)) {
                    cx.wrong_type(f, "a mapping", v);
                } else {
                    l.options = cx.kv_list(v, f);
                }
            }
            _ => cx.other(k, v, LOGGING_KEYS, "`logging`", Some(&mut l.extensions)),
        }
    }
    Some(l)
}

fn lower_ulimits(cx: &mut Cx, v: &Value, field: &str) -> Vec<Ulimit> {
    let mut out = Vec::with_capacity(items_in(v));
    let Some(m) = cx.map(v, field) else {
        return out;
    };
    for (name, uv) in &m.entries {
        let mut u = Ulimit {
            name: Spanned::new(name.name.as_str().to_owned(), name.span),
            span: name.span.cover(uv.span),
            ..Ulimit::default()
        };
        match &uv.kind {
            ValueKind::Scalar(_) => {
                u.single = true;
                u.soft = cx.integer(uv, &name.name);
                u.hard = u.soft.clone();
            }
            ValueKind::Map(um) => {
                u.keys = keys_of(um);
                let mut ignored = Vec::new();
                for (k, v) in &um.entries {
                    let f = k.name.as_str();
                    match f {
                        "soft" => u.soft = cx.integer(v, f),
                        "hard" => u.hard = cx.integer(v, f),
                        _ => cx.other(
                            k,
                            v,
                            ULIMIT_KEYS,
                            &format!("ulimit `{}`", name.name),
                            Some(&mut ignored),
                        ),
                    }
                }
                if let (Some(s), Some(h)) = (&u.soft, &u.hard) {
                    if s.value > h.value && h.value >= 0 {
                        cx.invalid(
                            s.span,
                            format!(
                                "ulimit `{}`: soft limit {} is above hard limit {}",
                                name.name, s.value, h.value
                            ),
                        );
                    }
                }
            }
            _ => {
                cx.wrong_type(
                    &format!("ulimits.{}", name.name),
                    "an integer or a mapping with `soft` and `hard`",
                    uv,
                );
                continue;
            }
        }
        out.push(u);
    }
    out
}

fn lower_extra_hosts(cx: &mut Cx, v: &Value, field: &str) -> Vec<ExtraHost> {
    let mut out = Vec::with_capacity(items_in(v));
    match &v.kind {
        ValueKind::Null => {}
        ValueKind::Seq(items) => {
            for item in items {
                let Some(s) = item.as_scalar() else {
                    cx.wrong_type(&format!("{field}[]"), "a `HOST=IP` string", item);
                    continue;
                };
                let text = &s.text;
                let split = text.find('=').or_else(|| text.find(':'));
                match split {
                    Some(i) if i > 0 && i + 1 < text.len() => out.push(ExtraHost {
                        host: sub_sp(text[..i].to_string(), item, 0..i),
                        ips: vec![sub_sp(text[i + 1..].to_string(), item, i + 1..text.len())],
                        span: item.span,
                    }),
                    _ => cx.invalid(
                        item.span,
                        format!("invalid `{field}` entry `{text}`: expected `HOST=IP`"),
                    ),
                }
            }
        }
        ValueKind::Map(m) => {
            for (k, hv) in &m.entries {
                let ips = cx.string_or_list(hv, &format!("{field}.{}", k.name));
                out.push(ExtraHost {
                    host: Spanned::new(k.name.as_str().to_owned(), k.span),
                    ips,
                    span: k.span.cover(hv.span),
                });
            }
        }
        ValueKind::Scalar(_) => cx.wrong_type(field, "a sequence or a mapping", v),
    }
    out
}

fn lower_devices(cx: &mut Cx, v: &Value) -> Vec<Device> {
    let mut out = Vec::with_capacity(items_in(v));
    for item in cx.seq(v, "devices") {
        match &item.kind {
            ValueKind::Scalar(s) => {
                let text = &s.text;
                let mut parts = Vec::new();
                let mut start = 0;
                for (i, c) in text.char_indices() {
                    if c == ':' {
                        parts.push(start..i);
                        start = i + 1;
                    }
                }
                parts.push(start..text.len());
                if parts.len() > 3 || parts[0].is_empty() {
                    cx.invalid(item.span, format!("invalid device `{text}`: expected `HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]`"));
                    continue;
                }
                let part = |i: usize| {
                    parts
                        .get(i)
                        .map(|r| sub_sp(text[r.clone()].to_string(), item, r.clone()))
                };
                out.push(Device {
                    source: part(0).expect("checked"),
                    target: part(1),
                    permissions: part(2),
                    short_syntax: true,
                    span: item.span,
                    keys: Keys::default(),
                });
            }
            ValueKind::Map(m) => {
                let mut d = Device {
                    span: item.span,
                    keys: keys_of(m),
                    ..Device::default()
                };
                let mut source = None;
                let mut ignored = Vec::new();
                for (k, v) in &m.entries {
                    let f = k.name.as_str();
                    match f {
                        "source" => source = cx.string(v, f),
                        "target" => d.target = cx.string(v, f),
                        "permissions" => d.permissions = cx.string(v, f),
                        _ => cx.other(k, v, DEVICE_KEYS, "a `devices` entry", Some(&mut ignored)),
                    }
                }
                match source {
                    Some(s) => {
                        d.source = s;
                        out.push(d);
                    }
                    None => cx.invalid(item.span, "a `devices` entry needs a `source`".into()),
                }
            }
            _ => cx.wrong_type("devices[]", "a string or a mapping", item),
        }
    }
    out
}

// ------------------------------------------------------- top-level sections

fn lower_external(cx: &mut Cx, v: &Value) -> Option<External> {
    match &v.kind {
        ValueKind::Map(m) => {
            let mut legacy_name = None;
            for (k, v) in &m.entries {
                match k.name.as_str() {
                    "name" => legacy_name = cx.string(v, "name"),
                    _ => cx.other(k, v, EXTERNAL_KEYS, "`external`", None),
                }
            }
            Some(External {
                external: sp(true, v),
                legacy_name,
            })
        }
        _ => cx.boolean(v, "external").map(|b| External {
            external: b,
            legacy_name: None,
        }),
    }
}

fn def_map<'a>(cx: &mut Cx, name: &Key, v: &'a Value, section: &str) -> Option<&'a Map> {
    cx.map(v, &format!("{section}.{}", name.name))
}

fn lower_volume_def(cx: &mut Cx, name: &Key, v: &Value) -> VolumeDef {
    let mut d = VolumeDef {
        name: Spanned::new(name.name.as_str().to_owned(), name.span),
        span: v.span,
        ..VolumeDef::default()
    };
    let Some(m) = def_map(cx, name, v, "volumes") else {
        return d;
    };
    d.keys = keys_of(m);
    let what = format!("volume `{}`", name.name);
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "name" => d.custom_name = cx.string(v, f),
            "driver" => d.driver = cx.string(v, f),
            "driver_opts" => d.driver_opts = cx.kv_list(v, f),
            "external" => d.external = lower_external(cx, v),
            "labels" => d.labels = cx.kv_list(v, f),
            _ => cx.other(k, v, VOLUME_DEF_KEYS, &what, Some(&mut d.extensions)),
        }
    }
    d
}

fn lower_network_def(cx: &mut Cx, name: &Key, v: &Value) -> NetworkDef {
    let mut d = NetworkDef {
        name: Spanned::new(name.name.as_str().to_owned(), name.span),
        span: v.span,
        ..NetworkDef::default()
    };
    let Some(m) = def_map(cx, name, v, "networks") else {
        return d;
    };
    d.keys = keys_of(m);
    let what = format!("network `{}`", name.name);
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "name" => d.custom_name = cx.string(v, f),
            "driver" => d.driver = cx.string(v, f),
            "driver_opts" => d.driver_opts = cx.kv_list(v, f),
            "external" => d.external = lower_external(cx, v),
            "internal" => d.internal = cx.boolean(v, f),
            "attachable" => d.attachable = cx.boolean(v, f),
            "enable_ipv4" => d.enable_ipv4 = cx.boolean(v, f),
            "enable_ipv6" => d.enable_ipv6 = cx.boolean(v, f),
            "ipam" => d.ipam = lower_ipam(cx, v),
            "labels" => d.labels = cx.kv_list(v, f),
            _ => cx.other(k, v, NETWORK_DEF_KEYS, &what, Some(&mut d.extensions)),
        }
    }
    d
}

fn lower_ipam(cx: &mut Cx, v: &Value) -> Option<Ipam> {
    let m = cx.map(v, "ipam")?;
    let mut ipam = Ipam {
        span: v.span,
        keys: keys_of(m),
        ..Ipam::default()
    };
    let mut ignored = Vec::new();
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "driver" => ipam.driver = cx.string(v, f),
            "options" => ipam.options = cx.kv_list(v, f),
            "config" => {
                for item in cx.seq(v, f) {
                    let Some(pm) = cx.map(item, "config[]") else {
                        continue;
                    };
                    let mut pool = IpamPool {
                        span: item.span,
                        keys: keys_of(pm),
                        ..IpamPool::default()
                    };
                    for (k, v) in &pm.entries {
                        let f = k.name.as_str();
                        match f {
                            "subnet" => pool.subnet = cx.string(v, f),
                            "ip_range" => pool.ip_range = cx.string(v, f),
                            "gateway" => pool.gateway = cx.string(v, f),
                            "aux_addresses" => pool.aux_addresses = cx.kv_list(v, f),
                            _ => cx.other(
                                k,
                                v,
                                IPAM_POOL_KEYS,
                                "an `ipam.config` entry",
                                Some(&mut ignored),
                            ),
                        }
                    }
                    ipam.config.push(pool);
                }
            }
            _ => cx.other(k, v, IPAM_KEYS, "`ipam`", Some(&mut ignored)),
        }
    }
    Some(ipam)
}

fn lower_file_object(cx: &mut Cx, name: &Key, v: &Value, is_config: bool) -> FileObjectDef {
    let section = if is_config { "configs" } else { "secrets" };
    let known = if is_config { CONFIG_KEYS } else { SECRET_KEYS };
    let mut d = FileObjectDef {
        name: Spanned::new(name.name.as_str().to_owned(), name.span),
        span: v.span,
        ..FileObjectDef::default()
    };
    let Some(m) = def_map(cx, name, v, section) else {
        return d;
    };
    d.keys = keys_of(m);
    let what = format!(
        "{} `{}`",
        if is_config { "config" } else { "secret" },
        name.name
    );
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "name" => d.custom_name = cx.string(v, f),
            "file" => d.file = cx.string(v, f),
            "environment" => d.environment = cx.string(v, f),
            "content" if is_config => d.content = cx.string_or_empty(v, f),
            "external" => d.external = lower_external(cx, v),
            "labels" => d.labels = cx.kv_list(v, f),
            "driver" if !is_config => d.driver = cx.string(v, f),
            "driver_opts" if !is_config => d.driver_opts = cx.kv_list(v, f),
            "template_driver" => d.template_driver = cx.string(v, f),
            _ => cx.other(k, v, known, &what, Some(&mut d.extensions)),
        }
    }
    // Compose v2 refuses a definition with nothing to read from.
    let has_source = d.file.is_some()
        || d.environment.is_some()
        || d.content.is_some()
        || d.external.as_ref().is_some_and(|e| e.external.value);
    if !has_source {
        let (kind, keys) = if is_config {
            ("config", "`file`, `environment` or `content`")
        } else {
            ("secret", "`file` or `environment`")
        };
        cx.diags.push(
            Diagnostic::error(
                "S005",
                name.span,
                format!(
                    "{kind} `{}` has no source: Compose v2 refuses the file unless it sets {keys}, or `external: true`",
                    name.name
                ),
            )
            .help(format!("add one of {keys}, or `external: true` if it already exists")),
        );
    }
    d
}

fn lower_model_def(cx: &mut Cx, name: &Key, v: &Value) -> ModelDef {
    let mut d = ModelDef {
        name: Spanned::new(name.name.as_str().to_owned(), name.span),
        span: v.span,
        ..ModelDef::default()
    };
    let Some(m) = def_map(cx, name, v, "models") else {
        return d;
    };
    d.keys = keys_of(m);
    let what = format!("model `{}`", name.name);
    for (k, v) in &m.entries {
        let f = k.name.as_str();
        match f {
            "name" => d.custom_name = cx.string(v, f),
            "model" => d.model = cx.string(v, f),
            "context_size" => d.context_size = cx.integer(v, f),
            "runtime_flags" => d.runtime_flags = cx.string_list(v, f),
            _ => cx.other(k, v, MODEL_KEYS, &what, Some(&mut d.extensions)),
        }
    }
    d
}

fn lower_include(cx: &mut Cx, v: &Value) -> Option<Include> {
    match &v.kind {
        ValueKind::Scalar(s) => Some(Include {
            path: vec![sp(s.text.as_str().to_owned(), v)],
            short_syntax: true,
            span: v.span,
            ..Include::default()
        }),
        ValueKind::Map(m) => {
            let mut i = Include {
                span: v.span,
                keys: keys_of(m),
                ..Include::default()
            };
            for (k, v) in &m.entries {
                let f = k.name.as_str();
                match f {
                    "path" => i.path = cx.string_or_list(v, f),
                    "project_directory" => i.project_directory = cx.string(v, f),
                    "env_file" => i.env_file = cx.string_or_list(v, f),
                    _ => cx.other(k, v, INCLUDE_KEYS, "an `include` entry", None),
                }
            }
            if !i.keys.contains("path") {
                cx.invalid(v.span, "an `include` entry needs a `path`".into());
                return None;
            }
            Some(i)
        }
        _ => {
            cx.wrong_type("include[]", "a path or a mapping", v);
            None
        }
    }
}
