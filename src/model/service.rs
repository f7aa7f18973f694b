//! A service and the structures inside it, with short and long syntaxes
//! normalized into one form each.

use super::mount::Mount;
use super::port::{Expose, Port};
use super::units::{ByteSize, Duration};
use super::{Keys, KvList};
use crate::source::{Span, Spanned};
use crate::value::{Key, Value};

/// How `command`/`entrypoint`/healthcheck commands were written.
#[derive(Clone, Debug, PartialEq)]
pub enum CommandForm {
    /// A string: Compose splits it into words itself (no shell is run).
    Shell(String),
    /// A list: used as argv verbatim.
    Exec(Vec<Spanned<String>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub form: CommandForm,
    /// What the container receives: the list, or the string split like
    /// compose-go (go-shellwords). Empty when the string could not be split.
    pub argv: Vec<String>,
    /// For the string form: byte offset in the string where compose-go
    /// stopped reading at an unquoted `;`, `&`, `|`, `<` or `>` and dropped
    /// the rest.
    pub truncated_at: Option<usize>,
    pub span: Span,
}

impl Command {
    pub fn is_shell_form(&self) -> bool {
        matches!(self.form, CommandForm::Shell(_))
    }
}

/// `healthcheck.test`.
#[derive(Clone, Debug, PartialEq)]
pub enum HealthTest {
    /// `[]`: keep the image's test.
    Inherit,
    /// `["NONE"]`.
    None,
    /// `["CMD", args...]`.
    Cmd(Vec<String>),
    /// `["CMD-SHELL", "cmd"]` or the string form `"cmd"`.
    CmdShell(String),
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Healthcheck {
    pub test: Option<Spanned<HealthTest>>,
    /// True when `test` was written as a plain string.
    pub test_string_form: bool,
    pub interval: Option<Spanned<Duration>>,
    pub timeout: Option<Spanned<Duration>>,
    pub start_period: Option<Spanned<Duration>>,
    pub start_interval: Option<Spanned<Duration>>,
    pub retries: Option<Spanned<i64>>,
    pub disable: Option<Spanned<bool>>,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

impl Healthcheck {
    /// `disable: true` or `test: ["NONE"]`.
    pub fn is_disabled(&self) -> bool {
        self.disable.as_ref().is_some_and(|d| d.value)
            || matches!(self.test.as_ref().map(|t| &t.value), Some(HealthTest::None))
    }
}

/// One `depends_on` entry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Dependency {
    pub service: Spanned<String>,
    /// `service_started` (default), `service_healthy`,
    /// `service_completed_successfully`.
    pub condition: Option<Spanned<String>>,
    pub restart: Option<Spanned<bool>>,
    pub required: Option<Spanned<bool>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

impl Dependency {
    pub fn condition(&self) -> &str {
        self.condition
            .as_ref()
            .map_or("service_started", |c| c.value.as_str())
    }
}

/// One `env_file` entry.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct EnvFile {
    pub path: Spanned<String>,
    pub required: Option<Spanned<bool>>,
    pub format: Option<Spanned<String>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
}

impl EnvFile {
    pub fn is_required(&self) -> bool {
        self.required.as_ref().is_none_or(|r| r.value)
    }
}

/// `extends`: a string (service in the same file) or a mapping.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Extends {
    pub service: Spanned<String>,
    pub file: Option<Spanned<String>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
}

/// A service `secrets:`/`configs:` grant, or a build secret.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct FileRef {
    pub source: Spanned<String>,
    pub target: Option<Spanned<String>>,
    pub uid: Option<Spanned<String>>,
    pub gid: Option<Spanned<String>>,
    /// As written; read with [`super::units::parse_file_mode`].
    pub mode: Option<Spanned<String>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// One entry under service `networks:`. The settings that are rarely
/// written and that no rule reads are boxed, like the service's own: most
/// entries are a bare name (`networks: [front, back]`), and an absent
/// boxed field costs a pointer (an entry was 528 bytes with them inline).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ServiceNetwork {
    pub name: Spanned<String>,
    pub aliases: Vec<Spanned<String>>,
    pub ipv4_address: Option<Box<Spanned<String>>>,
    pub ipv6_address: Option<Box<Spanned<String>>>,
    pub link_local_ips: Vec<Spanned<String>>,
    pub mac_address: Option<Box<Spanned<String>>>,
    pub interface_name: Option<Box<Spanned<String>>>,
    pub driver_opts: KvList,
    pub priority: Option<Box<Spanned<i64>>>,
    pub gw_priority: Option<Box<Spanned<i64>>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// One `ulimits` entry: `nofile: 1024` (soft = hard) or `{soft, hard}`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Ulimit {
    pub name: Spanned<String>,
    pub soft: Option<Spanned<i64>>,
    pub hard: Option<Spanned<i64>>,
    pub single: bool,
    pub span: Span,
    pub keys: Keys,
}

/// `extra_hosts` entry: `host=ip`, `host:ip`, or a map entry (one or more IPs).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ExtraHost {
    pub host: Spanned<String>,
    pub ips: Vec<Spanned<String>>,
    pub span: Span,
}

/// `devices` entry: `src[:dst[:perms]]` or `{source, target, permissions}`.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Device {
    pub source: Spanned<String>,
    pub target: Option<Spanned<String>>,
    pub permissions: Option<Spanned<String>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Logging {
    pub driver: Option<Spanned<String>>,
    pub options: KvList,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// `build`: a string is the context.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Build {
    pub context: Option<Spanned<String>>,
    pub dockerfile: Option<Spanned<String>>,
    pub dockerfile_inline: Option<Spanned<String>>,
    pub args: KvList,
    pub ssh: KvList,
    pub labels: KvList,
    pub cache_from: Vec<Spanned<String>>,
    pub cache_to: Vec<Spanned<String>>,
    pub no_cache: Option<Spanned<bool>>,
    /// Build stages not to take from the cache (a string or a list).
    pub no_cache_filter: Vec<Spanned<String>>,
    pub additional_contexts: KvList,
    pub network: Option<Spanned<String>>,
    pub provenance: Option<Spanned<String>>,
    pub sbom: Option<Spanned<String>>,
    pub pull: Option<Spanned<bool>>,
    pub target: Option<Spanned<String>>,
    pub shm_size: Option<Spanned<ByteSize>>,
    pub extra_hosts: Vec<ExtraHost>,
    pub isolation: Option<Spanned<String>>,
    pub privileged: Option<Spanned<bool>>,
    pub secrets: Vec<FileRef>,
    pub tags: Vec<Spanned<String>>,
    pub ulimits: Vec<Ulimit>,
    pub platforms: Vec<Spanned<String>>,
    pub entitlements: Vec<Spanned<String>>,
    pub short_syntax: bool,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct DeviceRequest {
    pub capabilities: Vec<Spanned<String>>,
    /// A number or `all`.
    pub count: Option<Spanned<String>>,
    pub device_ids: Vec<Spanned<String>>,
    pub driver: Option<Spanned<String>>,
    pub options: KvList,
    pub span: Span,
    pub keys: Keys,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct ResourceSpec {
    pub cpus: Option<Spanned<f64>>,
    pub memory: Option<Spanned<ByteSize>>,
    pub pids: Option<Spanned<i64>>,
    pub devices: Vec<DeviceRequest>,
    /// `generic_resources`, kept as written.
    pub generic_resources: Option<Value>,
    pub span: Span,
    pub keys: Keys,
}

/// `deploy.resources`; each half boxed, as an absent one costs a pointer
/// (see [`Deploy`]).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Resources {
    pub limits: Option<Box<ResourceSpec>>,
    pub reservations: Option<Box<ResourceSpec>>,
    pub span: Span,
    pub keys: Keys,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct RestartPolicy {
    pub condition: Option<Spanned<String>>,
    pub delay: Option<Spanned<Duration>>,
    pub max_attempts: Option<Spanned<i64>>,
    pub window: Option<Spanned<Duration>>,
    pub span: Span,
    pub keys: Keys,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct UpdateConfig {
    pub parallelism: Option<Spanned<i64>>,
    pub delay: Option<Spanned<Duration>>,
    pub failure_action: Option<Spanned<String>>,
    pub monitor: Option<Spanned<Duration>>,
    pub max_failure_ratio: Option<Spanned<f64>>,
    pub order: Option<Spanned<String>>,
    pub span: Span,
    pub keys: Keys,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Placement {
    pub constraints: Vec<Spanned<String>>,
    /// `spread` values of `preferences`.
    pub preferences: Vec<Spanned<String>>,
    pub max_replicas_per_node: Option<Spanned<i64>>,
    pub span: Span,
    pub keys: Keys,
}

/// `deploy`. Its sections are boxed: a file usually writes one or two of
/// them (`resources.limits`), and with all of them inline a `Deploy` was
/// 1,936 bytes, in a large file one per service.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Deploy {
    pub mode: Option<Spanned<String>>,
    pub endpoint_mode: Option<Spanned<String>>,
    pub replicas: Option<Spanned<i64>>,
    pub labels: KvList,
    pub resources: Option<Box<Resources>>,
    pub restart_policy: Option<Box<RestartPolicy>>,
    pub placement: Option<Box<Placement>>,
    pub update_config: Option<Box<UpdateConfig>>,
    pub rollback_config: Option<Box<UpdateConfig>>,
    pub span: Span,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// A service. Keys Compose knows but that rules rarely inspect in depth
/// (`develop`, `blkio_config`, `credential_spec`, `provider`, `gpus`,
/// `models`, lifecycle hooks) are kept as their [`Value`] after a shape check.
/// Fields that are rarely written and that no rule reads are boxed, so an
/// absent one costs a pointer (a large file has thousands of services; a
/// service was 3,584 bytes with them inline, 2,384 boxed).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Service {
    /// The service name; span = the key under `services:`.
    pub name: Spanned<String>,
    pub span: Span,
    pub keys: Keys,

    pub image: Option<Spanned<String>>,
    pub build: Option<Box<Build>>,
    pub command: Option<Command>,
    pub entrypoint: Option<Command>,
    pub environment: KvList,
    pub env_file: Vec<EnvFile>,
    pub labels: KvList,
    pub annotations: KvList,
    pub label_file: Vec<Spanned<String>>,
    pub ports: Vec<Port>,
    pub expose: Vec<Expose>,
    pub volumes: Vec<Mount>,
    pub volumes_from: Vec<Spanned<String>>,
    /// Service-level `tmpfs` (string or list), as written (`/run:size=64m`).
    pub tmpfs: Vec<Spanned<String>>,
    pub depends_on: Vec<Dependency>,
    pub links: Vec<Spanned<String>>,
    pub external_links: Vec<Spanned<String>>,
    pub networks: Vec<ServiceNetwork>,
    pub network_mode: Option<Spanned<String>>,
    pub healthcheck: Option<Box<Healthcheck>>,
    pub deploy: Option<Box<Deploy>>,
    pub extends: Option<Box<Extends>>,
    pub secrets: Vec<FileRef>,
    pub configs: Vec<FileRef>,
    pub logging: Option<Box<Logging>>,
    pub ulimits: Vec<Ulimit>,
    pub devices: Vec<Device>,
    pub extra_hosts: Vec<ExtraHost>,
    pub dns: Vec<Spanned<String>>,
    pub dns_opt: Vec<Spanned<String>>,
    pub dns_search: Vec<Spanned<String>>,
    pub sysctls: KvList,
    pub storage_opt: KvList,
    pub profiles: Vec<Spanned<String>>,

    pub user: Option<Spanned<String>>,
    pub group_add: Vec<Spanned<String>>,
    pub working_dir: Option<Spanned<String>>,
    pub hostname: Option<Box<Spanned<String>>>,
    pub domainname: Option<Box<Spanned<String>>>,
    pub container_name: Option<Spanned<String>>,
    pub mac_address: Option<Box<Spanned<String>>>,
    pub restart: Option<Spanned<String>>,
    pub stop_signal: Option<Spanned<String>>,
    pub stop_grace_period: Option<Spanned<Duration>>,
    pub pull_policy: Option<Box<Spanned<String>>>,
    pub pull_refresh_after: Option<Box<Spanned<String>>>,
    pub platform: Option<Spanned<String>>,
    pub runtime: Option<Box<Spanned<String>>>,
    pub isolation: Option<Box<Spanned<String>>>,
    pub pid: Option<Spanned<String>>,
    pub ipc: Option<Spanned<String>>,
    pub uts: Option<Box<Spanned<String>>>,
    pub userns_mode: Option<Box<Spanned<String>>>,
    pub cgroup: Option<Box<Spanned<String>>>,
    pub cgroup_parent: Option<Box<Spanned<String>>>,
    pub cap_add: Vec<Spanned<String>>,
    pub cap_drop: Vec<Spanned<String>>,
    pub security_opt: Vec<Spanned<String>>,
    pub device_cgroup_rules: Vec<Spanned<String>>,

    pub privileged: Option<Spanned<bool>>,
    pub read_only: Option<Spanned<bool>>,
    pub init: Option<Spanned<bool>>,
    pub stdin_open: Option<Box<Spanned<bool>>>,
    pub tty: Option<Box<Spanned<bool>>>,
    pub oom_kill_disable: Option<Box<Spanned<bool>>>,
    pub use_api_socket: Option<Box<Spanned<bool>>>,
    pub attach: Option<Box<Spanned<bool>>>,

    pub mem_limit: Option<Spanned<ByteSize>>,
    pub mem_reservation: Option<Box<Spanned<ByteSize>>>,
    pub memswap_limit: Option<Box<Spanned<ByteSize>>>,
    pub shm_size: Option<Box<Spanned<ByteSize>>>,
    pub mem_swappiness: Option<Box<Spanned<i64>>>,
    pub cpus: Option<Spanned<f64>>,
    pub cpu_shares: Option<Spanned<i64>>,
    pub cpu_quota: Option<Spanned<i64>>,
    pub cpu_period: Option<Box<Spanned<i64>>>,
    pub cpu_count: Option<Box<Spanned<i64>>>,
    pub cpu_percent: Option<Box<Spanned<i64>>>,
    /// Microseconds or a duration; kept as written.
    pub cpu_rt_runtime: Option<Box<Spanned<String>>>,
    pub cpu_rt_period: Option<Box<Spanned<String>>>,
    pub cpuset: Option<Box<Spanned<String>>>,
    pub oom_score_adj: Option<Box<Spanned<i64>>>,
    pub pids_limit: Option<Box<Spanned<i64>>>,
    pub scale: Option<Spanned<i64>>,
    /// Compose file format 2 only; Compose v2 rejects it.
    pub volume_driver: Option<Box<Spanned<String>>>,

    pub blkio_config: Option<Box<Value>>,
    pub credential_spec: Option<Box<Value>>,
    pub develop: Option<Box<Value>>,
    pub provider: Option<Box<Value>>,
    pub gpus: Option<Box<Value>>,
    pub models: Option<Box<Value>>,
    pub post_start: Option<Box<Value>>,
    pub pre_stop: Option<Box<Value>>,
    pub pre_start: Option<Box<Value>>,

    pub extensions: Vec<(Key, Value)>,
}
