//! The fix property on real files: for every Compose file in
//! `../shared/corpus` and `../shared/realworld`, `--fix --unsafe-fixes`
//! either changes nothing or yields text that loads (no syntax or load
//! error), whose remaining findings are a subset of the original ones
//! (compared by code, severity and message, as a multiset), and on which a
//! second run changes nothing.
//!
//! The fixed text is linted again here, independently of the check the
//! fix stage itself makes. Skipped, with one line, when ../shared is
//! absent.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use compose_lint::config::Config;
use compose_lint::diagnostic::{Diagnostic, Severity};
use compose_lint::discover::{self, Job};
use compose_lint::fix;
use compose_lint::lint::{lint_job, JobResult, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::LoadOptions;
use rayon::prelude::*;

fn shared() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared");
    [beside, PathBuf::from("/work/shared")]
        .into_iter()
        .find(|d| d.join("corpus").is_dir() && d.join("realworld").is_dir())
        .map(|d| d.canonicalize().unwrap())
}

/// Every YAML file named like a Compose file, and every file the corpus
/// manifest lists as Compose (some are test snippets with other names).
fn files(shared: &Path) -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for sub in ["corpus", "realworld"] {
        let root = shared.join(sub);
        let mut stack = vec![root.clone()];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
                let p = e.path();
                let ft = e.file_type().unwrap();
                if ft.is_dir() {
                    stack.push(p);
                } else if ft.is_file() {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    if discover::is_compose_name(&name) {
                        out.push((root.clone(), p));
                    }
                }
            }
        }
    }
    let manifest = std::fs::read_to_string(shared.join("corpus/MANIFEST.tsv")).unwrap_or_default();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split('\t').collect();
    if let (Some(kind), Some(local)) = (
        header.iter().position(|h| *h == "kind"),
        header.iter().position(|h| *h == "local_path"),
    ) {
        for r in lines.map(|l| l.split('\t').collect::<Vec<_>>()) {
            if r.get(kind) == Some(&"inline-test-snippet") {
                if let Some(l) = r.get(local) {
                    out.push((shared.join("corpus"), shared.join("corpus").join(l)));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

type Key = (&'static str, Severity, String);

fn counts(ds: &[Diagnostic]) -> BTreeMap<Key, usize> {
    let mut m = BTreeMap::new();
    for d in ds {
        *m.entry((d.code, d.severity, d.message.clone()))
            .or_default() += 1;
    }
    m
}

fn lint_with(job: &Job, root: &Path, texts: &[(PathBuf, String)]) -> Result<JobResult, String> {
    let opts = LoadOptions {
        root: Some(root.to_path_buf()),
        env: Some(Env::new()),
        texts: texts.to_vec(),
        ..Default::default()
    };
    lint_job(job, &opts, &Config::default(), &Selection::default()).map_err(|e| e.to_string())
}

/// `None` when the property holds; else what is wrong.
fn check(root: &Path, path: &Path) -> (bool, Option<String>) {
    let job = discover::jobs_for_file(path);
    let Ok(original) = lint_with(&job, root, &[]) else {
        return (false, None);
    };
    let before = counts(&original.diagnostics);
    let opts = fix::Options { unsafe_fixes: true };
    let out = fix::run(original, opts, &|t| lint_with(&job, root, t));
    if out.changes.is_empty() {
        return (false, None);
    }
    let texts: Vec<(PathBuf, String)> = out
        .changes
        .iter()
        .map(|c| (c.path.clone(), c.after.clone()))
        .collect();
    let after = match lint_with(&job, root, &texts) {
        Ok(r) => r,
        Err(e) => return (true, Some(format!("the fixed text does not load: {e}"))),
    };
    if let Some(d) = after.diagnostics.iter().find(|d| d.code == "S001") {
        return (
            true,
            Some(format!("the fixed text does not parse: {}", d.message)),
        );
    }
    let now = counts(&after.diagnostics);
    for (k, n) in &now {
        if before.get(k).copied().unwrap_or(0) < *n {
            return (
                true,
                Some(format!("a new finding after fixing: {} {}", k.0, k.2)),
            );
        }
    }
    let again = fix::run(after, opts, &|t| {
        let mut all = texts.clone();
        for (p, s) in t {
            match all.iter_mut().find(|(q, _)| q == p) {
                Some(slot) => slot.1 = s.clone(),
                None => all.push((p.clone(), s.clone())),
            }
        }
        lint_with(&job, root, &all)
    });
    if !again.changes.is_empty() {
        return (true, Some("a second run changes the text again".into()));
    }
    (true, None)
}

#[test]
fn fixing_real_files_keeps_them_loadable_and_adds_no_finding() {
    let Some(shared) = shared() else {
        eprintln!("SKIPPED fix property: ../shared (corpus, realworld) is absent");
        return;
    };
    let files = files(&shared);
    assert!(files.len() > 500, "only {} files", files.len());
    let results: Vec<(String, bool, Option<String>)> = files
        .par_iter()
        .map(|(root, p)| {
            let (changed, err) = check(root, p);
            (
                p.strip_prefix(&shared).unwrap().display().to_string(),
                changed,
                err,
            )
        })
        .collect();
    let changed = results.iter().filter(|r| r.1).count();
    let failures: Vec<String> = results
        .iter()
        .filter_map(|(p, _, e)| e.as_ref().map(|e| format!("{p}: {e}")))
        .collect();
    eprintln!(
        "fix property: {} files, {changed} changed by --fix --unsafe-fixes, {} failures",
        files.len(),
        failures.len()
    );
    assert!(changed > 0, "no file was fixed: the property tests nothing");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
