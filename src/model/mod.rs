//! The typed Compose project that rules read, lowered from the merged
//! generic [`Value`](crate::value::Value) by [`lower()`].
//!
//! # Span scheme
//!
//! - Every value a rule may report on is a [`Spanned<T>`]: its `span` is
//!   the value as written (for a sub-part of a short-syntax string, the
//!   sub-range of that string when it can be computed exactly, else the
//!   whole string), and `via` is the alias/merge use site, if any.
//! - Optional keys are `Option<Spanned<T>>` holding what was *written*;
//!   Compose defaults are applied by methods (`Mount::creates_host_path`,
//!   `Port::protocol`), never stored as if written.
//! - Every struct lowered from a mapping has `keys: Keys`, the span of each
//!   key it was written with (`service.keys.get("privileged")`), so a rule
//!   can point at or delete a key; `span` covers the whole mapping or entry.
//! - Named definitions (services, volumes, networks, ...) have
//!   `name: Spanned<String>` whose span is the map KEY. A `name:` property
//!   inside a definition is `custom_name`.
//! - `x-*` extension keys are kept as `extensions: Vec<(Key, Value)>`.
//! - Short syntaxes are normalized to one form and remember it in
//!   `short_syntax: bool`.
//!
//! Lists keep source order. Lowering never stops at the first problem: a bad
//! field becomes a diagnostic (S003 unknown key, S004 wrong type, S005
//! invalid value) and is left unset, and the rest still lowers.

mod lower;
pub mod mount;
pub mod outline;
pub mod port;
mod service;
pub mod shellwords;
pub mod suggest;
pub mod units;

pub use lower::{lower, SERVICE_KEYS, TOP_LEVEL_KEYS};
pub use mount::{
    is_host_path, parse_volume_short, BindOptions, ImageOptions, Mount, MountKind, MountSpec,
    TmpfsOptions, VolumeOptions,
};
pub use outline::{is_outline_key, outline, Field, Outline, ServiceOutline, OUTLINE_KEYS};
pub use port::{
    parse_expose, parse_port_range, parse_port_short, Expose, Port, PortRange, PortSpec,
};
pub use service::*;
pub use shellwords::{split_command, split_command_detailed, ShellSplit};
pub use units::{parse_bool, parse_bytes, parse_duration, ByteSize, Duration};

use crate::source::{Span, Spanned};
use crate::value::{Key, Value};

/// Lets model structs derive `Default` while building them field by field.
/// (Lives here rather than in `source.rs`, which this module does not own.)
impl<T: Default> Default for Spanned<T> {
    fn default() -> Spanned<T> {
        Spanned::new(T::default(), Span::default())
    }
}

/// Key name -> key span for one mapping, in source order (the names as
/// the document's keys hold them: inline up to 24 bytes, no allocation).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Keys(pub Vec<(compact_str::CompactString, Span)>);

impl Keys {
    pub fn get(&self, name: &str) -> Option<Span> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, s)| *s)
    }
    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// One entry of a "list or dict" field (`environment`, `labels`, `args`,
/// `sysctls`, `driver_opts`, ...). `K=V` list items are split; in list form
/// the key and value spans are sub-spans of the item when exact.
#[derive(Clone, Debug, PartialEq)]
pub struct KeyValue {
    pub key: Spanned<String>,
    /// `None` for `KEY` (list) or `KEY:` / `KEY: null` (map): for
    /// `environment` this means "take the value from the shell".
    pub value: Option<Spanned<String>>,
    /// The whole item (list) or key through value (map).
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct KvList {
    /// True when written as a sequence of `K=V` strings.
    pub list_form: bool,
    pub entries: Vec<KeyValue>,
    /// The whole field value; default span when absent.
    pub span: Span,
}

impl KvList {
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    /// The last entry for `key` (later entries win, as in Compose).
    pub fn get(&self, key: &str) -> Option<&KeyValue> {
        self.entries.iter().rev().find(|e| e.key.value == key)
    }
    pub fn iter(&self) -> impl Iterator<Item = &KeyValue> {
        self.entries.iter()
    }
}

/// A lowered Compose project.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Project {
    pub name: Option<Spanned<String>>,
    /// Kept for an "obsolete version" rule; Compose ignores it.
    pub version: Option<Spanned<String>>,
    pub services: Vec<Service>,
    pub volumes: Vec<VolumeDef>,
    pub networks: Vec<NetworkDef>,
    pub secrets: Vec<FileObjectDef>,
    pub configs: Vec<FileObjectDef>,
    pub models: Vec<ModelDef>,
    pub include: Vec<Include>,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

impl Project {
    pub fn service(&self, name: &str) -> Option<&Service> {
        self.services.iter().find(|s| s.name.value == name)
    }
    pub fn volume(&self, name: &str) -> Option<&VolumeDef> {
        self.volumes.iter().find(|s| s.name.value == name)
    }
    pub fn network(&self, name: &str) -> Option<&NetworkDef> {
        self.networks.iter().find(|s| s.name.value == name)
    }
    pub fn secret(&self, name: &str) -> Option<&FileObjectDef> {
        self.secrets.iter().find(|s| s.name.value == name)
    }
    pub fn config(&self, name: &str) -> Option<&FileObjectDef> {
        self.configs.iter().find(|s| s.name.value == name)
    }
}

/// `external:` on a top-level definition: `true`, or the legacy
/// `external: {name: x}` form (which implies true).
#[derive(Clone, Debug, PartialEq)]
pub struct External {
    pub external: Spanned<bool>,
    pub legacy_name: Option<Spanned<String>>,
}

/// A top-level `volumes:` entry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct VolumeDef {
    pub name: Spanned<String>,
    pub custom_name: Option<Spanned<String>>,
    pub driver: Option<Spanned<String>>,
    pub driver_opts: KvList,
    pub external: Option<External>,
    pub labels: KvList,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct IpamPool {
    pub subnet: Option<Spanned<String>>,
    pub ip_range: Option<Spanned<String>>,
    pub gateway: Option<Spanned<String>>,
    pub aux_addresses: KvList,
    pub span: Span,
    pub keys: Keys,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ipam {
    pub driver: Option<Spanned<String>>,
    pub config: Vec<IpamPool>,
    pub options: KvList,
    pub span: Span,
    pub keys: Keys,
}

/// A top-level `networks:` entry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NetworkDef {
    pub name: Spanned<String>,
    pub custom_name: Option<Spanned<String>>,
    pub driver: Option<Spanned<String>>,
    pub driver_opts: KvList,
    pub external: Option<External>,
    pub internal: Option<Spanned<bool>>,
    pub attachable: Option<Spanned<bool>>,
    pub enable_ipv4: Option<Spanned<bool>>,
    pub enable_ipv6: Option<Spanned<bool>>,
    pub ipam: Option<Ipam>,
    pub labels: KvList,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// A top-level `secrets:` or `configs:` entry (`content` only for configs).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FileObjectDef {
    pub name: Spanned<String>,
    pub custom_name: Option<Spanned<String>>,
    pub file: Option<Spanned<String>>,
    pub environment: Option<Spanned<String>>,
    pub content: Option<Spanned<String>>,
    pub external: Option<External>,
    pub labels: KvList,
    pub driver: Option<Spanned<String>>,
    pub driver_opts: KvList,
    pub template_driver: Option<Spanned<String>>,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

pub type SecretDef = FileObjectDef;
pub type ConfigDef = FileObjectDef;

/// A top-level `models:` entry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ModelDef {
    pub name: Spanned<String>,
    pub custom_name: Option<Spanned<String>>,
    pub model: Option<Spanned<String>>,
    pub context_size: Option<Spanned<i64>>,
    pub runtime_flags: Vec<Spanned<String>>,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// An `include:` entry; the short form is a single path.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Include {
    pub path: Vec<Spanned<String>>,
    pub project_directory: Option<Spanned<String>>,
    pub env_file: Vec<Spanned<String>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
}
