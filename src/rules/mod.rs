//! Rules and the one registry that lists them.
//!
//! A rule is a [`RuleMeta`] plus a check function that reads the typed model
//! (and, for rules about YAML itself, the parsed trees) and pushes
//! diagnostics. Checks done while loading (syntax, duplicate keys, unknown
//! keys, interpolation) are listed here too, with no check function, so that
//! selection, `compose-lint rules`, `explain` and the docs all come from the
//! same table.

pub mod meta;
pub mod mounts;
pub mod network;
pub mod portability;
pub mod process;
pub mod security;
pub mod structure;

use std::borrow::Cow;
use std::path::Path;

use crate::config::Profile;
use crate::diagnostic::{Diagnostic, Severity};
use crate::image::reference::Reference;
use crate::image::{LazyFacts, ServiceImage};
use crate::model::{Project, Service};
use crate::source::SourceMap;
use crate::yaml::Tree;
pub use meta::{FixAvailability, Group, RuleMeta};

/// The service's own Dockerfile, when its build context is a folder of the
/// project: the context folder and the Dockerfile's text (`dockerfile_inline`,
/// else the file, read only inside the project and at most 1 MiB). `None`
/// for a remote or interpolated context, or a Dockerfile out of reach.
pub fn service_dockerfile(cx: &Context, s: &Service) -> Option<(std::path::PathBuf, String)> {
    let build = s.build.as_ref()?;
    let context = build.context.as_ref().map_or(".", |c| c.value.as_str());
    if context.contains("://") || context.starts_with('~') || context.contains('$') {
        return None;
    }
    let dir = cx.project_dir.join(context);
    let text = match &build.dockerfile_inline {
        Some(inline) => inline.value.clone(),
        None => {
            let name = build
                .dockerfile
                .as_ref()
                .map_or("Dockerfile", |d| d.value.as_str());
            let file = dir.join(name);
            if !crate::image::contained(&file, cx.project_dir) {
                return None;
            }
            crate::load::project::read_text(&file, 1024 * 1024).ok()?
        }
    };
    Some((dir, text))
}

/// What a check can look at.
pub struct Context<'a> {
    pub project: &'a Project,
    pub sources: &'a SourceMap,
    pub trees: &'a [Tree],
    pub project_dir: &'a Path,
    /// Part of the project could not be read: cross-reference rules must
    /// stay quiet rather than guess.
    pub incomplete: bool,
    /// The file is an overlay meant to be layered with `-f` on a base that
    /// is not part of this run: services may legitimately lack image/build.
    pub overlay: bool,
    /// What is inside each service's image, resolved once per project
    /// when a rule first asks.
    pub images: &'a LazyFacts<'a>,
    /// The configuration in force (rule settings such as `require-digest`).
    pub config: &'a crate::config::Config,
    /// The files loaded with `-f` (not those reached through `extends` or
    /// `include`): their relative paths resolve from the project
    /// directory, wherever they sit (an overlay in a subfolder, decision 0011).
    pub roots: &'a [crate::source::FileId],
    /// The Docker engine runs on this machine (`--engine`, and the daemon's
    /// name is this host's): absolute bind sources are real paths here.
    pub engine_here: bool,
}

impl Context<'_> {
    /// The image facts of a service (`None` only for a service not in the project).
    pub fn image(&self, service: &Service) -> Option<&ServiceImage> {
        match self.position(service) {
            Some(i) => self.images.get().get_at(i, &service.name.value),
            None => self.images.get().get(&service.name.value),
        }
    }

    /// The service's `image:` parsed (`None` without one, or for one that is
    /// not a valid reference), as the image resolution parsed it once
    /// (parsed here when no rule has asked for the image facts).
    pub fn reference(&self, service: &Service) -> Option<Cow<'_, Reference>> {
        let image = &service.image.as_ref()?.value;
        let own = self.images.if_resolved().and_then(|facts| {
            self.position(service)
                .and_then(|i| facts.own_at(i, &service.name.value))
        });
        match own {
            Some(si) if si.reference.as_ref() == Some(image) => {
                si.parsed.as_deref().map(Cow::Borrowed)
            }
            // Facts resolved for another project, or none: parse it here.
            _ => Reference::parse(image).map(Cow::Owned),
        }
    }

    /// Where `service` sits in the project's services, when it is one of
    /// them (not a copy): rules walk the services and look each one's
    /// image facts up, and a position needs no hashing of the name.
    fn position(&self, service: &Service) -> Option<usize> {
        let size = std::mem::size_of::<Service>();
        let base = self.project.services.as_ptr() as usize;
        let offset = (service as *const Service as usize).checked_sub(base)?;
        let i = offset / size;
        (offset % size == 0 && i < self.project.services.len()).then_some(i)
    }
}

pub type Check = fn(&Context, &mut Vec<Diagnostic>);

pub struct Rule {
    pub meta: RuleMeta,
    /// `None` for checks the loader performs.
    pub check: Option<Check>,
    /// The least profile that runs the rule: `Default` (on unless turned
    /// off) or `Strict` (opt-in: `profile = "strict"`, `--profile strict`,
    /// or selecting the rule by its code or name).
    pub profile: Profile,
}

macro_rules! page {
    ($file:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $file))
    };
}
pub(crate) use page;

/// A loader check: code, name, severity, summary, page file.
const fn loader(
    code: &'static str,
    name: &'static str,
    default_severity: Severity,
    summary: &'static str,
    page: &'static str,
) -> Rule {
    Rule {
        meta: RuleMeta {
            code,
            name,
            group: Group::Structure,
            default_severity,
            levels: match default_severity {
                Severity::Error => &[Severity::Error],
                Severity::Warning => &[Severity::Warning],
                Severity::Info => &[Severity::Info],
            },
            levels_why: "",
            fix: FixAvailability::None,
            summary,
            exit_codes: &[],
            page,
        },
        check: None,
        profile: Profile::Default,
    }
}

/// A loader check that reports at more than one level.
const fn with_levels(mut rule: Rule, levels: &'static [Severity], why: &'static str) -> Rule {
    rule.meta.levels = levels;
    rule.meta.levels_why = why;
    rule
}

/// A loader check whose findings carry a fix.
const fn with_fix(mut rule: Rule, fix: FixAvailability) -> Rule {
    rule.meta.fix = fix;
    rule
}

/// Every rule, grouped by family (S loader checks first). Listings sort by code.
pub static REGISTRY: &[Rule] = &[
    with_levels(
        loader(
            "S001",
            "yaml-syntax",
            Severity::Error,
            "The file is not valid YAML, or not valid text.",
            page!("S001-yaml-syntax.md"),
        ),
        &[Severity::Error, Severity::Warning],
        "warning for a second YAML document, which Compose ignores.",
    ),
    loader(
        "S002",
        "duplicate-key",
        Severity::Error,
        "A mapping defines the same key twice.",
        page!("S002-duplicate-key.md"),
    ),
    loader(
        "S003",
        "unknown-key",
        Severity::Error,
        "A key that the Compose Specification does not define.",
        page!("S003-unknown-key.md"),
    ),
    loader(
        "S004",
        "wrong-type",
        Severity::Error,
        "A value of the wrong type, such as a mapping where a list is expected.",
        page!("S004-wrong-type.md"),
    ),
    with_levels(
        loader(
            "S005",
            "invalid-value",
            Severity::Error,
            "A value Compose cannot parse, such as a malformed port or volume.",
            page!("S005-invalid-value.md"),
        ),
        &[Severity::Error, Severity::Warning, Severity::Info],
        "error by default; when only an unset variable makes the value invalid, the level of that variable's S007 (a required variable), or warning when an env file beside the Compose file shows the project prepares the environment (`defaults.env` for `--env-file`).",
    ),
    with_levels(
        loader(
            "S006",
            "undefined-variable",
            Severity::Warning,
            "An interpolated variable that is not set and has no default.",
            page!("S006-undefined-variable.md"),
        ),
        &[Severity::Warning, Severity::Info],
        "info when the project documents the variable in an example env file (`.env.example`, ...), so a user who follows the example sets it; warning otherwise. One finding per variable, every use labelled.",
    ),
    with_levels(
        loader(
            "S007",
            "required-variable",
            Severity::Warning,
            "A `${VAR:?message}` variable that is not set.",
            page!("S007-required-variable.md"),
        ),
        &[Severity::Warning, Severity::Error, Severity::Info],
        "warning: the author asks the user to set the variable, and `docker compose` says so; info when an example env file documents it; error when it looks like a typo of a variable that is set (`${DB_PASWORD:?}` with `DB_PASSWORD` in `.env`).",
    ),
    with_levels(
        loader(
            "S008",
            "path-outside-project",
            Severity::Warning,
            "A referenced file outside the project root, which is not read.",
            page!("S008-path-outside-project.md"),
        ),
        &[Severity::Warning, Severity::Info],
        "info for a remote include, which is never fetched.",
    ),
    loader(
        "S009",
        "reference-cycle",
        Severity::Error,
        "`extends` or `include` refers back to itself.",
        page!("S009-reference-cycle.md"),
    ),
    with_levels(
        loader(
            "S010",
            "missing-file",
            Severity::Error,
            "A referenced env file, extends file or included file does not exist.",
            page!("S010-missing-file.md"),
        ),
        &[Severity::Error, Severity::Warning],
        "warning for an env file the user is told to create (an example file beside it such as `.env.example`, a `.gitignore` entry beside it or above it, a comment in the Compose file naming it, or the name `.env` itself, the local-settings file by convention), and for a service of an inactive profile; error otherwise.",
    ),
    loader(
        "S011",
        "limit-exceeded",
        Severity::Error,
        "The input exceeds a safety limit (nesting, aliases, size).",
        page!("S011-limit-exceeded.md"),
    ),
    loader(
        "S012",
        "invalid-merge",
        Severity::Error,
        "A `<<` merge key or alias that YAML cannot resolve.",
        page!("S012-invalid-merge.md"),
    ),
    loader(
        "S013",
        "invalid-interpolation",
        Severity::Error,
        "A malformed `${...}` expression.",
        page!("S013-invalid-interpolation.md"),
    ),
    loader(
        "S014",
        "unknown-extends-service",
        Severity::Error,
        "`extends` names a service that does not exist.",
        page!("S014-unknown-extends-service.md"),
    ),
    with_fix(
        loader(
            "S015",
            "unused-suppression",
            Severity::Info,
            "A suppression comment that suppresses nothing.",
            page!("S015-unused-suppression.md"),
        ),
        FixAvailability::Always,
    ),
    rule(
        structure::undefined_reference::META,
        structure::undefined_reference::check,
    ),
    rule(
        structure::unknown_dependency::META,
        structure::unknown_dependency::check,
    ),
    rule(
        structure::dependency_cycle::META,
        structure::dependency_cycle::check,
    ),
    rule(
        structure::duplicate_container_name::META,
        structure::duplicate_container_name::check,
    ),
    rule(
        structure::duplicate_mount_target::META,
        structure::duplicate_mount_target::check,
    ),
    rule(
        structure::network_mode_with_networks::META,
        structure::network_mode_with_networks::check,
    ),
    rule(
        structure::missing_image_or_build::META,
        structure::missing_image_or_build::check,
    ),
    rule(
        structure::unused_definition::META,
        structure::unused_definition::check,
    ),
    rule(
        structure::container_name_with_replicas::META,
        structure::container_name_with_replicas::check,
    ),
    // M: mounts (copy-up family)
    rule(
        mounts::new_volume_missing_path::META,
        mounts::new_volume_missing_path::check,
    ),
    rule(
        mounts::volume_owner_mismatch::META,
        mounts::volume_owner_mismatch::check,
    ),
    rule(mounts::no_copy_up::META, mounts::no_copy_up::check),
    rule(
        mounts::missing_bind_source::META,
        mounts::missing_bind_source::check,
    ),
    rule(
        mounts::bind_source_owner::META,
        mounts::bind_source_owner::check,
    ),
    rule(
        mounts::shared_data_volume::META,
        mounts::shared_data_volume::check,
    ),
    // X: process, signals and exit codes
    rule(
        process::pid1_signal_forwarding::META,
        process::pid1_signal_forwarding::check,
    ),
    rule(
        process::command_not_found::META,
        process::command_not_found::check,
    ),
    rule(
        process::command_not_executable::META,
        process::command_not_executable::check,
    ),
    rule(process::oom_heap::META, process::oom_heap::check),
    rule(
        process::stop_signal_grace::META,
        process::stop_signal_grace::check,
    ),
    rule(
        process::pid1_ignores_sigterm::META,
        process::pid1_ignores_sigterm::check,
    ),
    rule(
        network::duplicate_published_port::META,
        network::duplicate_published_port::check,
    ),
    rule(
        portability::obsolete_version::META,
        portability::obsolete_version::check,
    ),
    rule(
        portability::legacy_links::META,
        portability::legacy_links::check,
    ),
    rule(
        portability::yaml11_ambiguous_scalar::META,
        portability::yaml11_ambiguous_scalar::check,
    ),
    // M: mounts (structure and host paths) and C: security
    rule(
        mounts::host_specific_file::META,
        mounts::host_specific_file::check,
    ),
    rule(
        mounts::bind_hides_image_content::META,
        mounts::bind_hides_image_content::check,
    ),
    rule(
        mounts::mount_over_system_path::META,
        mounts::mount_over_system_path::check,
    ),
    rule(
        mounts::anonymous_volume_stale::META,
        mounts::anonymous_volume_stale::check,
    ),
    rule(
        security::docker_socket::META,
        security::docker_socket::check,
    ),
    rule(
        security::sensitive_host_path::META,
        security::sensitive_host_path::check,
    ),
    // C: security, on by default (issue 19)
    rule(security::privileged::META, security::privileged::check),
    rule(
        security::dangerous_cap_add::META,
        security::dangerous_cap_add::check,
    ),
    rule(
        security::host_namespace::META,
        security::host_namespace::check,
    ),
    rule(security::host_network::META, security::host_network::check),
    rule(
        security::confinement_disabled::META,
        security::confinement_disabled::check,
    ),
    rule(
        security::shared_propagation::META,
        security::shared_propagation::check,
    ),
    rule(security::host_device::META, security::host_device::check),
    rule(
        security::literal_secret::META,
        security::literal_secret::check,
    ),
    rule(
        security::database_published::META,
        security::database_published::check,
    ),
    rule(
        security::unpinned_image::META,
        security::unpinned_image::check,
    ),
    // C: security, opt-in (the `strict` profile)
    strict(
        security::no_new_privileges::META,
        security::no_new_privileges::check,
    ),
    strict(security::cap_drop_all::META, security::cap_drop_all::check),
    strict(
        security::read_only_rootfs::META,
        security::read_only_rootfs::check,
    ),
    strict(
        security::resource_limits::META,
        security::resource_limits::check,
    ),
    strict(security::healthcheck::META, security::healthcheck::check),
    strict(
        security::restart_policy::META,
        security::restart_policy::check,
    ),
    strict(security::logging::META, security::logging::check),
    strict(security::runs_as_root::META, security::runs_as_root::check),
];

const fn rule(meta: RuleMeta, check: Check) -> Rule {
    Rule {
        meta,
        check: Some(check),
        profile: Profile::Default,
    }
}

/// An opt-in rule: it runs under the `strict` profile, or when selected by
/// its code or name.
const fn strict(meta: RuleMeta, check: Check) -> Rule {
    Rule {
        meta,
        check: Some(check),
        profile: Profile::Strict,
    }
}

/// The least profile that runs the rule `code` (`Default` for unknown codes).
pub fn profile_of(code: &str) -> Profile {
    by_key()
        .get(code)
        .map(|&i| &REGISTRY[i])
        .filter(|r| r.meta.code == code)
        .map_or(Profile::Default, |r| r.profile)
}

pub fn find(code_or_name: &str) -> Option<&'static Rule> {
    // Codes as written and names are looked up directly (every finding
    // asks, so a scan of the registry each time added up); another case of
    // a code is searched for.
    if let Some(&i) = by_key().get(code_or_name) {
        return Some(&REGISTRY[i]);
    }
    REGISTRY
        .iter()
        .find(|r| r.meta.code.eq_ignore_ascii_case(code_or_name) || r.meta.name == code_or_name)
}

/// Each rule's index in [`REGISTRY`] by its code and by its name (the first
/// rule wins, as in a scan).
fn by_key() -> &'static std::collections::HashMap<&'static str, usize> {
    static MAP: std::sync::OnceLock<std::collections::HashMap<&'static str, usize>> =
        std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = std::collections::HashMap::new();
        for (i, r) in REGISTRY.iter().enumerate() {
            m.entry(r.meta.code).or_insert(i);
            m.entry(r.meta.name).or_insert(i);
        }
        m
    })
}

/// Every rule, sorted by code (for listings, SARIF and the docs).
pub fn sorted() -> Vec<&'static Rule> {
    let mut all: Vec<&Rule> = REGISTRY.iter().collect();
    all.sort_by_key(|r| r.meta.code);
    all
}

pub fn all_meta() -> Vec<RuleMeta> {
    sorted().into_iter().map(|r| r.meta).collect()
}

/// Runs every rule with a check function that `enabled` accepts.
pub fn run(cx: &Context, enabled: &(dyn Fn(&Rule) -> bool + Sync)) -> Vec<Diagnostic> {
    run_having(cx, enabled, "", Vec::new())
}

/// [`run`], where the rule `code` ran already (while loading) and found
/// `found`: its findings take its place among the others'.
pub fn run_having(
    cx: &Context,
    enabled: &(dyn Fn(&Rule) -> bool + Sync),
    code: &str,
    found: Vec<Diagnostic>,
) -> Vec<Diagnostic> {
    let beside = cx.project.services.len() >= RULES_BESIDE;
    run_rules(cx, enabled, code, found, beside)
}

/// From this many services up, the rules run on both cores.
const RULES_BESIDE: usize = 512;

/// [`run_having`], the rules shared between both cores when `beside`: each
/// rule reads the project and writes its own findings, which are put
/// together in the registry's order, as one by one.
fn run_rules(
    cx: &Context,
    enabled: &(dyn Fn(&Rule) -> bool + Sync),
    code: &str,
    mut found: Vec<Diagnostic>,
    beside: bool,
) -> Vec<Diagnostic> {
    let checks: Vec<(&str, Check)> = REGISTRY
        .iter()
        .filter(|rule| enabled(rule))
        .filter_map(|rule| Some((rule.meta.code, rule.check?)))
        .collect();
    let mut out = Vec::new();
    // One rule (`--select`) has no one to share the cores with.
    if !beside || checks.len() < 2 {
        for (c, check) in checks {
            if c == code {
                out.append(&mut found);
            } else {
                check(cx, &mut out);
            }
        }
        return out;
    }
    use rayon::prelude::*;
    // The image facts are resolved before the rules share the cores. A
    // rule resolving them in its task could, were the resolution ever to
    // wait on the thread pool, be handed another rule's task on the same
    // thread, which would ask for them again: a `OnceLock` initialized
    // from within its own initialization deadlocks.
    cx.images.get();
    let mut each: Vec<Vec<Diagnostic>> = checks
        .par_iter()
        .map(|&(c, check)| {
            let mut own = Vec::new();
            if c != code {
                check(cx, &mut own);
            }
            own
        })
        .collect();
    if let Some(i) = checks.iter().position(|&(c, _)| c == code) {
        each[i] = found;
    }
    out.reserve_exact(each.iter().map(Vec::len).sum());
    for mut e in each {
        out.append(&mut e);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The rules shared between both cores find what they find one by
    /// one, in the same order, with a rule's findings made elsewhere (P103
    /// while loading) in that rule's place.
    #[test]
    fn rules_run_beside_find_what_they_find_one_by_one() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed/failing");
        let seed = std::fs::read_to_string(dir.join("docker-compose.yml")).unwrap();
        let shapes = [
            "image: apacherocketmq/rocketmq:4.3.1\n    volumes: [logs:/home/rocketmq/log, ./gone:/data]",
            "image: postgres:latest\n    privileged: true\n    ports: [\"5432:5432\"]",
            "image: nginx\n    ports: [\"5432:5432\"]\n    command: nginx -g 'daemon off;'\n    user: \"1000\"",
            "build: .\n    depends_on: [nowhere]\n    environment: {PASSWORD: hunter2}",
            "image: redis:7\n    restart: always\n    command: [\"redis-server\", \"--no-such-flag\"]\n    mem_limit: 1m",
        ];
        let mut more = String::from("services:\n");
        for i in 0..100 {
            more.push_str(&format!("  x{i}:\n    {}\n", shapes[i % shapes.len()]));
        }
        let text = seed.replacen("services:\n", &more, 1).replacen(
            "\nvolumes:\n",
            "\nvolumes:\n  logs:\n",
            1,
        );
        let inputs = [crate::load::project::Input {
            path: dir.join("docker-compose.yml"),
            text: Some(text),
        }];
        let opts = crate::load::project::LoadOptions {
            root: Some(dir.clone()),
            env: Some(crate::load::interpolate::Env::new()),
            ..Default::default()
        };
        let loaded = crate::load::project::load_without_nodes(&inputs, &opts).unwrap();
        let project = loaded.project.as_ref().unwrap();
        let image_opts = crate::image::ImageOptions::default();
        let facts = LazyFacts::new(project, &loaded.project_dir, Some(&dir), &image_opts);
        let config = crate::config::Config::default();
        let cx = Context {
            project,
            sources: &loaded.sources,
            trees: &loaded.trees,
            project_dir: &loaded.project_dir,
            incomplete: false,
            overlay: false,
            images: &facts,
            config: &config,
            roots: &loaded.roots,
            engine_here: false,
        };
        let all = |_: &Rule| true;
        let made = || {
            let span = project.services[0].span;
            vec![Diagnostic::info("M101", span, "found while loading")]
        };
        let shown = |d: Vec<Diagnostic>| (d.len(), format!("{d:?}"));
        let one = shown(run_rules(&cx, &all, "M101", made(), false));
        let beside = shown(run_rules(&cx, &all, "M101", made(), true));
        assert!(one.0 > 300, "{} findings", one.0);
        assert!(one.1.contains("found while loading"));
        assert!(one == beside, "the findings differ");
    }
}
