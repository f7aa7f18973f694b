//! The rule fixtures under `fixtures/rules/`, shared by `rule_fixtures.rs`
//! (does each case fire or stay silent) and `rule_fixes.rs` (do the fixes
//! of the firing cases work).
//!
//! Layout: `fixtures/rules/<CODE>/{fires,silent}/<case>/`, one directory per
//! case so that a case can carry a `.env`, an override file or the source
//! of a bind mount. A case is linted the way `compose-lint <dir>` would lint
//! it: the default project of the directory (`compose.yaml` plus its
//! `.override`), or, when there is no default-named file, the one
//! Compose-named file in it (so `docker-compose.prod.yml` alone is linted
//! as a possible overlay). The environment is empty apart from the case's
//! `.env`, and the case directory is the root.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use compose_lint::config::Config;
use compose_lint::diagnostic::{Applicability, Diagnostic};
use compose_lint::discover::{self, Job};
use compose_lint::image::builtin::Catalog;
use compose_lint::image::ImageOptions;
use compose_lint::lint::{self, lint_job_with_images, JobResult, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::LoadOptions;
use compose_lint::source::{SourceMap, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expect {
    Fires,
    Silent,
}

impl Expect {
    pub fn dir(self) -> &'static str {
        match self {
            Expect::Fires => "fires",
            Expect::Silent => "silent",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Case {
    /// `S101`.
    pub code: String,
    pub expect: Expect,
    /// The case directory's name.
    pub name: String,
    pub dir: PathBuf,
}

impl Case {
    /// `S101/fires/undefined-volume`, for messages.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.code, self.expect.dir(), self.name)
    }

    /// `S101__undefined-volume`, for snapshot names.
    pub fn snapshot_name(&self) -> String {
        format!("{}__{}", self.code, self.name)
    }
}

pub fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/rules")
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = rd
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// Every case, sorted by code, expectation and name. Panics on a stray
/// directory, so that a misspelt `fire/` cannot hide cases.
pub fn all_cases() -> Vec<Case> {
    let mut cases = Vec::new();
    for code_dir in sorted_dirs(&fixtures_root()) {
        let code = file_name(&code_dir);
        for sub in sorted_dirs(&code_dir) {
            let expect = match file_name(&sub).as_str() {
                "fires" => Expect::Fires,
                "silent" => Expect::Silent,
                other => {
                    panic!("fixtures/rules/{code}/{other}: expected only `fires/` and `silent/`")
                }
            };
            for dir in sorted_dirs(&sub) {
                cases.push(Case {
                    code: code.clone(),
                    expect,
                    name: file_name(&dir),
                    dir,
                });
            }
        }
    }
    cases
}

/// The job `compose-lint <case dir>` would run.
pub fn job_for(dir: &Path) -> Job {
    if let Some(job) = discover::default_project(dir) {
        return job;
    }
    let mut named: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file() && discover::is_compose_name(&file_name(p)))
        .collect();
    named.sort();
    assert_eq!(
        named.len(),
        1,
        "{}: a case needs `compose.yaml` or exactly one Compose-named file",
        dir.display()
    );
    discover::jobs_for_file(&named[0])
}

/// Lints a case; `replace` swaps the text of some of its files (used to
/// re-lint after applying fixes).
pub fn lint_case_with(dir: &Path, replace: &[(PathBuf, String)]) -> JobResult {
    let mut job = job_for(dir);
    for input in &mut job.inputs {
        if let Some((_, text)) = replace.iter().find(|(p, _)| *p == input.path) {
            input.text = Some(text.clone());
        }
    }
    let opts = LoadOptions {
        env: Some(Env::new()),
        root: Some(dir.to_path_buf()),
        ..Default::default()
    };
    // A case may carry extra image facts in `image-facts/` (the
    // `--image-facts` format), for facts no built-in image has.
    // Relative to the crate, so the evidence in snapshots is portable.
    let facts_dir = dir.join("image-facts");
    let facts_dir = facts_dir
        .strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .map(Path::to_path_buf)
        .unwrap_or(facts_dir);
    let mut images = ImageOptions::default();
    if facts_dir.is_dir() {
        let cat = Catalog::load_dir(&facts_dir)
            .unwrap_or_else(|e| panic!("{}: {e}", facts_dir.display()));
        images.catalogs.push(std::sync::Arc::new(cat));
    }
    // A case of an opt-in rule (the `strict` profile) runs with that one
    // rule turned on as well, so that its snapshot shows only its own findings.
    let code = dir
        .parent()
        .and_then(Path::parent)
        .and_then(Path::file_name)
        .map(|c| c.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A case may carry its own `compose-lint.toml` (rule settings such as
    // `require-digest`).
    let mut config = match dir.join("compose-lint.toml") {
        p if p.is_file() => Config::load(&p).unwrap_or_else(|e| panic!("{e}")),
        _ => Config::default(),
    };
    if compose_lint::rules::profile_of(&code) != compose_lint::config::Profile::Default {
        config.extend_select.push(code);
    }
    let mut res = lint_job_with_images(&job, &opts, &config, &Selection::default(), &images)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    lint::sort(&mut res.diagnostics, &res.sources);
    res
}

pub fn lint_case(dir: &Path) -> JobResult {
    lint_case_with(dir, &[])
}

/// A file's path relative to the case directory, for stable output.
pub fn rel(sources: &SourceMap, span: Span, dir: &Path) -> String {
    let path = &sources.get(span.file).path;
    path.strip_prefix(dir).unwrap_or(path).display().to_string()
}

/// `compose.yaml:5:9-5:13`.
pub fn at(sources: &SourceMap, span: Span, dir: &Path) -> String {
    let (a, b) = sources.line_col(span);
    format!(
        "{}:{}:{}-{}:{}",
        rel(sources, span, dir),
        a.line,
        a.col,
        b.line,
        b.col
    )
}

pub fn applicability(a: Applicability) -> &'static str {
    match a {
        Applicability::Safe => "safe",
        Applicability::Unsafe => "unsafe",
        Applicability::DisplayOnly => "display-only",
    }
}

/// One diagnostic in the compact form the snapshots use.
pub fn render(d: &Diagnostic, sources: &SourceMap, dir: &Path) -> String {
    let mut s = format!(
        "{} {} {}\n  {}\n",
        at(sources, d.span, dir),
        d.severity.as_str(),
        d.code,
        d.message
    );
    for l in &d.labels {
        let _ = writeln!(s, "  label {}: {}", at(sources, l.span, dir), l.message);
    }
    if let Some(h) = &d.help {
        let _ = writeln!(s, "  help: {h}");
    }
    for n in &d.notes {
        let _ = writeln!(s, "  note: {n}");
    }
    for f in &d.fixes {
        let _ = writeln!(s, "  fix ({}): {}", applicability(f.applicability), f.title);
        for e in &f.edits {
            let _ = writeln!(
                s,
                "    {} {:?} -> {:?}",
                at(sources, e.span, dir),
                sources.slice(e.span),
                e.replacement
            );
        }
    }
    s
}

pub fn render_all(res: &JobResult, dir: &Path) -> String {
    res.diagnostics
        .iter()
        .map(|d| render(d, &res.sources, dir))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs every check, collecting failures instead of stopping at the first,
/// so that one run shows every broken case.
pub fn collect_failures(cases: &[Case], mut f: impl FnMut(&Case) -> Result<(), String>) {
    let mut failures = Vec::new();
    for case in cases {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(case)));
        match r {
            Ok(Ok(())) => {}
            Ok(Err(msg)) => failures.push(format!("{}: {msg}", case.id())),
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!("{}: panicked: {msg}", case.id()));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
