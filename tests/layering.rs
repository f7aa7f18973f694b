//! Project inference (issue 12, decision 0011): files layered with `-f`
//! in real repositories are linted as `docker compose` would load them.
//! Each folder of `fixtures/layering/` is a small repository of its own.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use compose_lint::config::Config;
use compose_lint::discover::{self, Job, Repository};
use compose_lint::lint::{lint_job, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::LoadOptions;

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/layering")
        .join(name)
}

/// Per reported file (relative to the case): its finding codes, and the notes.
#[derive(Debug, Default, PartialEq)]
struct Out {
    codes: BTreeMap<String, Vec<String>>,
    notes: BTreeMap<String, Vec<String>>,
}

fn lint(root: &Path, jobs: &[Job], out: &mut Out) {
    let opts = LoadOptions {
        root: Some(root.to_path_buf()),
        env: Some(Env::new()),
        ..Default::default()
    };
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
    for job in jobs {
        let res = lint_job(job, &opts, &Config::default(), &Selection::default()).unwrap();
        for f in job.report_only.iter().flatten().chain(
            job.report_only
                .is_none()
                .then_some(&job.inputs)
                .into_iter()
                .flatten()
                .map(|i| &i.path),
        ) {
            out.codes.entry(rel(f)).or_default();
        }
        for d in &res.diagnostics {
            let f = rel(&res.sources.get(d.span.file).path);
            out.codes.entry(f).or_default().push(d.code.to_string());
        }
        for n in &res.notes {
            out.notes
                .entry(rel(&n.path))
                .or_default()
                .push(n.message.clone());
        }
    }
}

/// The whole repository, as `compose-lint .` lints it.
fn whole(name: &str) -> Out {
    let root = case(name);
    let mut repo = Repository::new(&root);
    let jobs = discover::walk_in(&root, &mut repo, &[]);
    let mut out = Out::default();
    lint(&root, &jobs, &mut out);
    out
}

/// One file, as pre-commit passes it (`compose-lint --root <repo> <file>`).
fn one(name: &str, file: &str, bases: &[&str]) -> Out {
    let root = case(name);
    let bases: Vec<PathBuf> = bases.iter().map(|b| root.join(b)).collect();
    let job = Repository::new(&root).job_for(&root.join(file), &bases);
    let mut out = Out::default();
    lint(&root, &[job], &mut out);
    out
}

fn codes<'a>(out: &'a Out, file: &str) -> &'a [String] {
    out.codes
        .get(file)
        .unwrap_or_else(|| panic!("{file} was not linted: {out:#?}"))
}

fn note<'a>(out: &'a Out, file: &str) -> &'a str {
    out.notes
        .get(file)
        .and_then(|n| n.iter().find(|m| m.starts_with("linted as an overlay")))
        .map(String::as_str)
        .unwrap_or_else(|| panic!("no overlay note for {file}: {out:#?}"))
}

const CROSS_REF: [&str; 4] = ["S101", "S102", "S107", "S108"];

fn silent_cross_refs(out: &Out, file: &str) {
    let c = codes(out, file);
    assert!(
        !c.iter().any(|c| CROSS_REF.contains(&c.as_str())),
        "{file}: {c:?}"
    );
}

#[test]
fn sibling_override_is_layered_on_its_base() {
    let out = whole("sibling");
    silent_cross_refs(&out, "docker-compose.prod.yml");
    assert!(note(&out, "docker-compose.prod.yml").contains("-f "));
    assert!(note(&out, "docker-compose.prod.yml").contains("docker-compose.yml"));
}

#[test]
fn ci_subfolder_uses_the_root_file() {
    let out = whole("ci-subfolder");
    silent_cross_refs(&out, "ci/smoke/compose.yaml");
    let n = note(&out, "ci/smoke/compose.yaml");
    assert!(n.contains("ci-subfolder/compose.yaml"), "{n}");
    assert!(
        n.contains("network `backend`") && n.contains("service `app`"),
        "{n}"
    );
}

#[test]
fn overrides_folder_layers_on_the_root_and_on_two_bases() {
    let out = whole("overrides-multi");
    silent_cross_refs(&out, "overrides/compose.proxy.yaml");
    assert!(note(&out, "overrides/compose.proxy.yaml").contains("overrides-multi/compose.yaml"));
    // `backend` is in the root file, `db` and `db-data` in an override:
    // two bases.
    silent_cross_refs(&out, "overrides/compose.two-bases.yaml");
    let n = note(&out, "overrides/compose.two-bases.yaml");
    assert!(
        n.contains("compose.mariadb.yaml") && n.contains("overrides-multi/compose.yaml"),
        "{n}"
    );
    // The mariadb override is complete: linted alone, no note.
    assert!(codes(&out, "overrides/compose.mariadb.yaml").is_empty());
    assert!(!out.notes.contains_key("overrides/compose.mariadb.yaml"));
}

#[test]
fn extension_paths_resolve_from_the_root() {
    let out = whole("extensions");
    // `./extensions/logs/fluent-bit.conf` exists from the root's folder.
    silent_cross_refs(&out, "extensions/logs/logs-compose.yml");
    assert!(
        !codes(&out, "extensions/logs/logs-compose.yml").contains(&"M104".to_string()),
        "{out:#?}"
    );
    // The overlay's own missing bind source is reported (M104).
    let bad = codes(&out, "extensions/bad/bad-compose.yml");
    assert!(bad.contains(&"M104".to_string()), "{bad:?}");
    silent_cross_refs(&out, "extensions/bad/bad-compose.yml");
}

#[test]
fn header_comment_names_the_base() {
    let out = whole("header");
    let n = note(&out, "deploy/stack.yaml");
    assert!(
        n.contains("other/base.yaml") && n.contains("header comment"),
        "{n}"
    );
    silent_cross_refs(&out, "deploy/stack.yaml");
}

#[test]
fn base_flag_overrides_the_inference() {
    let inferred = one("base-flag", "alt/compose.extra.yaml", &[]);
    assert!(note(&inferred, "alt/compose.extra.yaml").contains("alt/compose.yaml"));
    let forced = one("base-flag", "alt/compose.extra.yaml", &["compose.yaml"]);
    let n = note(&forced, "alt/compose.extra.yaml");
    assert!(
        n.contains("--base") && !n.contains("alt/compose.yaml -f"),
        "{n}"
    );
    silent_cross_refs(&forced, "alt/compose.extra.yaml");
}

#[test]
fn unresolved_without_a_base_still_errors() {
    let out = whole("unresolved");
    assert!(
        codes(&out, "compose.yaml").contains(&"S102".to_string()),
        "{out:#?}"
    );
    // Nothing in the repository defines `phantom`: linted alone, and
    // it says it is an overlay without a base.
    assert!(out.notes.get("compose.extra.yaml").is_some_and(|n| n
        .iter()
        .any(|m| m.contains("linted as an overlay: some services"))));
}

#[test]
fn one_file_at_a_time_equals_the_whole_repository() {
    for name in [
        "sibling",
        "ci-subfolder",
        "overrides-multi",
        "extensions",
        "header",
        "base-flag",
        "unresolved",
    ] {
        let all = whole(name);
        for file in all.codes.keys() {
            let alone = one(name, file, &[]);
            assert_eq!(
                alone.codes.get(file),
                all.codes.get(file),
                "{name}/{file}: pre-commit and the whole repository disagree"
            );
            assert_eq!(alone.notes.get(file), all.notes.get(file), "{name}/{file}");
        }
    }
}

#[test]
fn config_bases_override_the_inference() {
    let run = |dir: &str| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_compose-lint"))
            .current_dir(case(dir))
            .args(["check", "--format", "json", "alt/compose.extra.yaml"])
            .output()
            .unwrap();
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        doc["notes"].to_string()
    };
    // Without a config: inferred from the nearest file.
    let inferred = run("base-flag");
    assert!(inferred.contains("alt/compose.yaml -f"), "{inferred}");
    // With `[bases]`: the root file, and the note says why.
    let configured = run("config-bases");
    assert!(
        configured.contains("-f compose.yaml -f alt/compose.extra.yaml")
            && configured.contains("[bases]"),
        "{configured}"
    );
}
