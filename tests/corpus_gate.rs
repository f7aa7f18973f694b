//! The corpus regression gate: lints every Compose file of the shared
//! corpus (`../shared/corpus`, real files from public projects) through the
//! library, and compares one line per finding (file, line, code) with the
//! committed snapshot `tests/snapshots/corpus_gate__corpus.snap`. A change
//! in what compose-lint reports on real files shows up in review as a diff
//! of that snapshot.
//!
//! After a deliberate change (a new rule, a fix), regenerate it with
//!
//!     INSTA_UPDATE=always cargo test --test corpus_gate
//!
//! and review the diff. Each file is linted as `compose-lint --root
//! <corpus> <file>` would lint it, except that the environment is empty
//! (the snapshot must not depend on the machine) and the config is the
//! default one. A file that `MANIFEST.tsv` also has in `projects/` (with
//! the layout of its repository, so references resolve) is linted there,
//! with its repository searched for bases (decision 0011); a flat copy in
//! `files/` is linted alone.

use std::path::{Path, PathBuf};
use std::time::Instant;

use compose_lint::config::Config;
use compose_lint::discover::{self, Job};
use compose_lint::lint::{lint_job, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::{Input, LoadOptions};
use rayon::prelude::*;

/// `<manifest>/../shared/corpus` (beside the clone, as in CI), else
/// `/work/shared/corpus`.
fn corpus_dir() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    for dir in [beside, PathBuf::from("/work/shared/corpus")] {
        if dir.join("MANIFEST.tsv").is_file() {
            return dir.canonicalize().unwrap();
        }
    }
    panic!(
        "the corpus regression gate needs the shared corpus: expected it at \
         <repository>/../shared/corpus (or /work/shared/corpus) with its MANIFEST.tsv"
    );
}

/// The Compose files to lint, relative to the corpus: `project_copy` when
/// set, else `local_path`; Compose files and Go test snippets only.
fn compose_files(corpus: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("MANIFEST.tsv has no `{name}` column"))
    };
    let (kind, local, copy) = (col("kind"), col("local_path"), col("project_copy"));
    let mut files: Vec<String> = lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|r| matches!(r[kind], "compose" | "inline-test-snippet"))
        .map(|r| match r.get(copy) {
            Some(c) if !c.is_empty() => c.to_string(),
            _ => r[local].to_string(),
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

/// One file's findings as `file:line code` lines.
fn lint_one(corpus: &Path, rel: &str) -> Vec<String> {
    let path = corpus.join(rel);
    // A file of `projects/<repo>/` is linted in its repository, where
    // overlays find their bases (decision 0011). `files/` holds flat copies
    // of unrelated files side by side: each is linted alone.
    let job = match rel
        .strip_prefix("projects/")
        .and_then(|r| r.split_once('/'))
    {
        Some((repo, _)) => {
            discover::Repository::new(&corpus.join("projects").join(repo)).job_for(&path, &[])
        }
        None => {
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            Job {
                inputs: vec![Input {
                    path: path.clone(),
                    text: None,
                }],
                maybe_overlay: discover::is_compose_name(name)
                    && !discover::DEFAULT_NAMES.contains(&name),
                ..Default::default()
            }
        }
    };
    let opts = LoadOptions {
        root: Some(corpus.to_path_buf()),
        env: Some(Env::new()),
        ..Default::default()
    };
    let shown = |p: &Path| p.strip_prefix(corpus).unwrap_or(p).display().to_string();
    match lint_job(&job, &opts, &Config::default(), &Selection::default()) {
        Ok(res) => res
            .diagnostics
            .iter()
            .map(|d| {
                let file = res.sources.get(d.span.file);
                let line = file.line_col(d.span.start as usize).line;
                format!("{}:{line} {}", shown(&file.path), d.code)
            })
            .collect(),
        Err(e) => vec![format!("{} FATAL {}", rel, e.message)],
    }
}

#[test]
fn corpus() {
    let corpus = corpus_dir();
    let files = compose_files(&corpus);
    assert!(
        files.len() > 500,
        "only {} files in the corpus",
        files.len()
    );
    let start = Instant::now();
    let mut lines: Vec<String> = files
        .par_iter()
        .flat_map_iter(|rel| lint_one(&corpus, rel))
        .collect();
    lines.sort();
    eprintln!(
        "corpus gate: {} files, {} findings in {:?}",
        files.len(),
        lines.len(),
        start.elapsed()
    );
    let snapshot = format!("{} files\n{}\n", files.len(), lines.join("\n"));
    insta::assert_snapshot!("corpus", snapshot);
}
