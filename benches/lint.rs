//! `cargo bench`: how fast compose-lint is, stage by stage against the
//! floor (the bare YAML event parse), and as a whole process. Targets and
//! numbers are in the README's Performance section; nothing here asserts a
//! time.
//!
//! Stages (each on the corpus, `big` and `plain`):
//! - `floor`: granit-parser events over text in memory;
//! - `load`: the loader (YAML tree, values, interpolation, the model);
//! - `rules`: every rule enabled by default, on a project loaded once;
//! - `report`: rendering `big`'s findings as human, JSON and SARIF;
//! - `in_process`: the whole lint of named files through the library;
//! - `editor`: what the language server does after an edit of a 50 KB
//!   file (its project linted with the edited text, LSP diagnostics made);
//! - `process`: the release binary, start to exit.
//!
//! Inputs:
//! - (a) `corpus`: the real Compose files of `../shared/corpus` (or
//!   `$COMPOSE_LINT_CORPUS`): the directory as a user would lint it, and
//!   every `.yml`/`.yaml` file in it named on the command line;
//! - (b) `big`: a generated 5 MB file, ~7,000 services with anchors and `<<`;
//! - `plain`: a generated 2.4 MB file, 7,000 plain services, no findings;
//! - (c) `repo`: a generated repository of 10,000 small projects;
//! - `small`: one small file (start-up cost).
//!
//! Generated inputs live in a temporary directory, removed at the end.
//! Filter with divan's arguments, e.g. `cargo bench -- process`.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

use compose_lint::config::Config;
use compose_lint::discover;
use compose_lint::lint::{self, Selection};
use compose_lint::load::project::{self, LoadOptions};
use compose_lint::report::{self, Format, HumanOptions, Report};
use compose_lint::rules;
use compose_lint::source::SourceMap;
use divan::Bencher;
use rayon::prelude::*;

#[path = "../bench/gen.rs"]
mod gen;

const BIN: &str = env!("CARGO_BIN_EXE_compose-lint");

struct Inputs {
    corpus: Option<PathBuf>,
    /// Every YAML file in the corpus, sorted.
    corpus_files: Vec<PathBuf>,
    /// The readable ones with their text.
    corpus_texts: Vec<(PathBuf, String)>,
    big: PathBuf,
    big_text: String,
    plain: PathBuf,
    plain_text: String,
    repo: PathBuf,
    small: PathBuf,
    /// A 50 KB file like `big` (anchors, merges, findings): the editor case.
    edited: PathBuf,
    edited_text: String,
}

static TEMP: Mutex<Option<tempfile::TempDir>> = Mutex::new(None);
static INPUTS: OnceLock<Inputs> = OnceLock::new();

fn corpus_dir() -> Option<PathBuf> {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::env::var_os("COMPOSE_LINT_CORPUS")
        .map(PathBuf::from)
        .into_iter()
        .chain([
            manifest.join("../shared/corpus"),
            PathBuf::from("/work/shared/corpus"),
        ])
        .find(|p| p.is_dir())
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let Ok(t) = e.file_type() else { continue };
        if t.is_dir() {
            yaml_files(&p, out);
        } else if t.is_file() && p.extension().is_some_and(|x| x == "yml" || x == "yaml") {
            out.push(p);
        }
    }
}

fn inputs() -> &'static Inputs {
    INPUTS.get_or_init(|| {
        let tmp = tempfile::Builder::new()
            .prefix("compose-lint-bench")
            .tempdir()
            .expect("temp dir");
        let dir = tmp.path().to_path_buf();
        *TEMP.lock().unwrap() = Some(tmp);
        let big = dir.join("big").join("compose.yaml");
        std::fs::create_dir_all(big.parent().unwrap()).unwrap();
        let big_text = gen::big_file(5_000_000);
        std::fs::write(&big, &big_text).unwrap();
        let plain = dir.join("plain").join("compose.yaml");
        std::fs::create_dir_all(plain.parent().unwrap()).unwrap();
        let plain_text = gen::plain_file(7_000);
        std::fs::write(&plain, &plain_text).unwrap();
        let small = dir.join("small").join("compose.yaml");
        std::fs::create_dir_all(small.parent().unwrap()).unwrap();
        std::fs::write(&small, gen::small_file()).unwrap();
        let repo = dir.join("repo");
        gen::write_repo(&repo, 10_000).unwrap();
        let edited = dir.join("edited").join("compose.yaml");
        std::fs::create_dir_all(edited.parent().unwrap()).unwrap();
        let edited_text = gen::big_file(50_000);
        std::fs::write(&edited, &edited_text).unwrap();
        let corpus = corpus_dir();
        let mut corpus_files = Vec::new();
        if let Some(c) = &corpus {
            yaml_files(c, &mut corpus_files);
        } else {
            eprintln!(
                "note: no corpus found (set COMPOSE_LINT_CORPUS); its benchmarks are skipped"
            );
        }
        corpus_files.sort();
        let corpus_texts = corpus_files
            .iter()
            .filter_map(|p| Some((p.clone(), std::fs::read_to_string(p).ok()?)))
            .collect();
        Inputs {
            corpus,
            corpus_files,
            corpus_texts,
            big,
            big_text,
            plain,
            plain_text,
            repo,
            small,
            edited,
            edited_text,
        }
    })
}

fn main() {
    inputs();
    divan::main();
    // Statics are never dropped: remove the generated inputs here.
    drop(TEMP.lock().unwrap().take());
}

/// The bare YAML event parse: granit-parser events, nothing built.
fn events(text: &str) -> usize {
    granit_parser::Parser::new_from_str(text)
        .take_while(|e| e.is_ok())
        .count()
}

/// What the command line does, in process: find the jobs, lint them in
/// parallel, merge, sort and render a JSON report.
fn lint_paths(paths: &[PathBuf]) -> usize {
    let mut jobs = Vec::new();
    for p in paths {
        if p.is_dir() {
            jobs.extend(discover::walk(p));
        } else {
            jobs.push(discover::jobs_for_file(p));
        }
    }
    let opts = LoadOptions::default();
    let config = Config::default();
    let selection = Selection::default();
    let results: Vec<_> = jobs
        .par_iter()
        .map(|j| lint::lint_job(j, &opts, &config, &selection))
        .collect();
    let mut sources = SourceMap::new();
    let mut diagnostics = Vec::new();
    let mut files_checked = 0;
    for r in results.into_iter().flatten() {
        let offset = sources.append(r.sources);
        for mut d in r.diagnostics {
            d.shift_files(offset);
            diagnostics.push(d);
        }
        files_checked += r.files_checked;
    }
    lint::sort(&mut diagnostics, &sources);
    let metas = rules::all_meta();
    let report = Report {
        sources: &sources,
        diagnostics: &diagnostics,
        rules: &metas,
        notes: &[],
        files_checked,
    };
    let mut out = Vec::new();
    let human = HumanOptions {
        color: false,
        quiet: false,
        statistics: false,
        ..Default::default()
    };
    report::render(Format::Json, &report, &human, &mut out).expect("render");
    out.len()
}

/// Runs the release binary to completion, output discarded.
fn run(args: &[&Path]) {
    let status = Command::new(BIN)
        .args(["--format", "json"])
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("run compose-lint");
    assert!(status.code().is_some_and(|c| c <= 1), "{status}");
}

/// The floor: granit-parser events only, text already in memory.
mod floor {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn corpus_events(b: Bencher) {
        let i = inputs();
        b.bench(|| i.corpus_texts.iter().map(|(_, t)| events(t)).sum::<usize>());
    }

    #[divan::bench(sample_count = 10)]
    fn big_events(b: Bencher) {
        let i = inputs();
        b.bench(|| events(&i.big_text));
    }

    #[divan::bench(sample_count = 10)]
    fn plain_events(b: Bencher) {
        let i = inputs();
        b.bench(|| events(&i.plain_text));
    }
}

/// Loads one file from text in memory (no read of the Compose file itself;
/// `.env` and the files it names are still looked for on the disk).
fn load_text(path: &Path, text: &str) -> Option<project::Loaded> {
    let input = project::Input {
        path: path.to_path_buf(),
        text: Some(text.to_string()),
    };
    project::load(std::slice::from_ref(&input), &LoadOptions::default()).ok()
}

/// The loader: YAML tree, values, interpolation, merges and the model.
mod load {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn corpus(b: Bencher) {
        let i = inputs();
        b.bench(|| {
            i.corpus_texts
                .iter()
                .filter_map(|(p, t)| load_text(p, t))
                .count()
        });
    }

    #[divan::bench(sample_count = 10)]
    fn big(b: Bencher) {
        let i = inputs();
        b.bench(|| load_text(&i.big, &i.big_text).is_some());
    }

    #[divan::bench(sample_count = 10)]
    fn plain(b: Bencher) {
        let i = inputs();
        b.bench(|| load_text(&i.plain, &i.plain_text).is_some());
    }
}

/// A project loaded once, with its image facts resolved, for the rules.
struct Prepared {
    loaded: project::Loaded,
    facts: compose_lint::image::ImageFacts,
}

fn prepare(path: &Path, text: &str) -> Option<Prepared> {
    let loaded = load_text(path, text)?;
    let project = loaded.project.as_ref()?;
    let (facts, _) = compose_lint::image::resolve(
        project,
        &loaded.project_dir,
        None,
        &compose_lint::image::ImageOptions::default(),
    );
    Some(Prepared { loaded, facts })
}

/// Every rule the default configuration enables, as the command line runs them.
fn run_rules(p: &Prepared) -> Vec<compose_lint::diagnostic::Diagnostic> {
    let config = Config::default();
    let selection = Selection::default();
    let facts = compose_lint::image::LazyFacts::ready(&p.facts);
    let cx = rules::Context {
        project: p.loaded.project.as_ref().expect("prepared"),
        sources: &p.loaded.sources,
        trees: &p.loaded.trees,
        project_dir: &p.loaded.project_dir,
        incomplete: p.loaded.incomplete,
        overlay: false,
        images: &facts,
        config: &config,
        roots: &p.loaded.roots,
        engine_here: false,
    };
    rules::run(&cx, &|m| lint::is_enabled(m, &config, &selection))
}

/// All rules enabled by default, on projects loaded beforehand.
mod rules_all {
    use super::*;

    #[divan::bench(sample_count = 10)]
    fn corpus(b: Bencher) {
        let i = inputs();
        let prepared: Vec<Prepared> = i
            .corpus_texts
            .iter()
            .filter_map(|(p, t)| prepare(p, t))
            .collect();
        b.bench(|| prepared.iter().map(|p| run_rules(p).len()).sum::<usize>());
    }

    #[divan::bench(sample_count = 5)]
    fn big(b: Bencher) {
        let i = inputs();
        let p = prepare(&i.big, &i.big_text).expect("big loads");
        b.bench(|| run_rules(&p).len());
    }

    #[divan::bench(sample_count = 5)]
    fn plain(b: Bencher) {
        let i = inputs();
        let p = prepare(&i.plain, &i.plain_text).expect("plain loads");
        b.bench(|| run_rules(&p).len());
    }
}

/// Rendering the big file's findings (thousands of them, sorted) into a
/// buffer, in the three formats CI uses most.
mod report_big {
    use super::*;

    fn render(b: Bencher, format: Format) {
        let i = inputs();
        let p = prepare(&i.big, &i.big_text).expect("big loads");
        let mut diagnostics = run_rules(&p);
        lint::sort(&mut diagnostics, &p.loaded.sources);
        let metas = rules::all_meta();
        let report = Report {
            sources: &p.loaded.sources,
            diagnostics: &diagnostics,
            rules: &metas,
            notes: &[],
            files_checked: 1,
        };
        let human = HumanOptions::default();
        b.bench(|| {
            let mut out = Vec::new();
            report::render(format, &report, &human, &mut out).expect("render");
            out.len()
        });
    }

    #[divan::bench(sample_count = 5)]
    fn human(b: Bencher) {
        render(b, Format::Human);
    }

    #[divan::bench(sample_count = 5)]
    fn json(b: Bencher) {
        render(b, Format::Json);
    }

    #[divan::bench(sample_count = 5)]
    fn sarif(b: Bencher) {
        render(b, Format::Sarif);
    }
}

/// The library, in process (no process start, no config discovery).
mod in_process {
    use super::*;

    /// Every YAML file of the corpus, each linted as the command line
    /// would lint it when named.
    #[divan::bench(sample_count = 5)]
    fn corpus_files(b: Bencher) {
        let i = inputs();
        b.bench(|| lint_paths(&i.corpus_files));
    }

    #[divan::bench(sample_count = 5)]
    fn big(b: Bencher) {
        let i = inputs();
        b.bench(|| lint_paths(std::slice::from_ref(&i.big)));
    }

    #[divan::bench(sample_count = 5)]
    fn plain(b: Bencher) {
        let i = inputs();
        b.bench(|| lint_paths(std::slice::from_ref(&i.plain)));
    }
}

/// The editor case: re-linting a 50 KB file after an edit, as
/// `compose-lint lsp` does (target: 5 ms), in one session (what the server
/// keeps between lints). Each iteration changes the text, so nothing made
/// from the previous text can be reused.
mod editor {
    use super::*;

    #[divan::bench(sample_count = 50)]
    fn relint_50kb(b: Bencher) {
        let i = inputs();
        let session = compose_lint::lsp::Session::default();
        let mut n = 0usize;
        b.with_inputs(|| {
            n += 1;
            // An edit: a comment line before `services:` (every span after it moves).
            i.edited_text
                .replacen("services:", &format!("# edit {n}\nservices:"), 1)
        })
        .bench_local_values(|text| session.relint(&i.edited, text));
    }
}

/// Whole-process runs of the release binary (what a user waits for).
mod process {
    use super::*;

    #[divan::bench(sample_count = 20)]
    fn version() {
        let status = Command::new(BIN)
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .expect("run compose-lint");
        assert!(status.success());
    }

    #[divan::bench(sample_count = 20)]
    fn small_file() {
        run(&[&inputs().small]);
    }

    /// (a) `compose-lint ../shared/corpus`: the Compose-named files a
    /// directory walk finds.
    #[divan::bench(sample_count = 5)]
    fn corpus_dir() {
        if let Some(c) = &inputs().corpus {
            run(&[c]);
        }
    }

    /// (a) every `.yml`/`.yaml` file in the corpus, named on the command line.
    #[divan::bench(sample_count = 5)]
    fn corpus_files() {
        let files: Vec<&Path> = inputs().corpus_files.iter().map(|p| p.as_path()).collect();
        if !files.is_empty() {
            run(&files);
        }
    }

    /// (b) one 5 MB file with ~7,000 services.
    #[divan::bench(sample_count = 5)]
    fn big() {
        run(&[&inputs().big]);
    }

    /// 7,000 plain services, no findings.
    #[divan::bench(sample_count = 5)]
    fn plain() {
        run(&[&inputs().plain]);
    }

    /// (c) a repository of 10,000 small projects.
    #[divan::bench(sample_count = 3)]
    fn repo() {
        run(&[&inputs().repo]);
    }
}
