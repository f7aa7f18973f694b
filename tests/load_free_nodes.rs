//! `load_without_nodes` (a lint in which no rule reads the YAML trees'
//! nodes, decision 0031) gives what `load` gives, on every Compose file of
//! the shared corpus and on projects made here to reach the paths the
//! corpus may miss (`extends` and `include` of other files, `-f` overlays,
//! anchors and merges, `!reset`): the same project, diagnostics, sources,
//! roots and comments; only the trees' nodes are gone.

use std::path::{Path, PathBuf};

use compose_lint::load::interpolate::Env;
use compose_lint::load::project::{load, load_without_nodes, Input, LoadOptions, Loaded};

fn corpus_dir() -> PathBuf {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    for dir in [beside, PathBuf::from("/work/shared/corpus")] {
        if dir.join("MANIFEST.tsv").is_file() {
            return dir.canonicalize().unwrap();
        }
    }
    panic!("this test needs the shared corpus at <repository>/../shared/corpus");
}

/// The corpus's Compose files (absolute), as the corpus gate lists them.
fn compose_files(corpus: &Path) -> Vec<PathBuf> {
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let mut lines = manifest.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (kind, local, copy) = (col("kind"), col("local_path"), col("project_copy"));
    let mut files: Vec<PathBuf> = lines
        .map(|l| l.split('\t').collect::<Vec<_>>())
        .filter(|r| matches!(r[kind], "compose" | "inline-test-snippet"))
        .map(|r| match r.get(copy) {
            Some(c) if !c.is_empty() => corpus.join(c),
            _ => corpus.join(r[local]),
        })
        .collect();
    files.sort();
    files.dedup();
    files
}

/// Loads `paths` both ways and compares everything but the nodes.
fn same_load(paths: &[PathBuf], root: &Path) {
    let inputs: Vec<Input> = paths
        .iter()
        .map(|p| Input {
            path: p.clone(),
            text: None,
        })
        .collect();
    let opts = LoadOptions {
        root: Some(root.to_path_buf()),
        env: Some(Env::new()),
        ..Default::default()
    };
    let what = format!("{paths:?}");
    let (full, lean) = match (load(&inputs, &opts), load_without_nodes(&inputs, &opts)) {
        (Ok(full), Ok(lean)) => (full, lean),
        (Err(a), Err(b)) => {
            assert_eq!((a.path, a.message), (b.path, b.message), "{what}");
            return;
        }
        (a, b) => panic!("{what}: one load failed: {:?} / {:?}", a.err(), b.err()),
    };
    assert_eq!(full.project, lean.project, "{what}");
    assert_eq!(full.diagnostics, lean.diagnostics, "{what}");
    assert_eq!(full.roots, lean.roots, "{what}");
    assert_eq!(full.incomplete, lean.incomplete, "{what}");
    assert_eq!(full.project_name, lean.project_name, "{what}");
    assert_eq!(full.project_dir, lean.project_dir, "{what}");
    let texts = |l: &Loaded| {
        l.sources
            .files()
            .map(|f| (f.path.clone(), f.text.to_string()))
            .collect::<Vec<_>>()
    };
    assert_eq!(texts(&full), texts(&lean), "{what}");
    let comments = |l: &Loaded| {
        l.trees
            .iter()
            .map(|t| (t.file, t.comments.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(comments(&full), comments(&lean), "{what}");
    if full.project.is_some() {
        assert!(lean.trees.iter().all(|t| t.nodes.is_empty()), "{what}");
    }
}

#[test]
fn every_corpus_file_loads_the_same_without_its_nodes() {
    let corpus = corpus_dir();
    let files = compose_files(&corpus);
    assert!(files.len() > 500, "only {} files", files.len());
    for f in &files {
        same_load(std::slice::from_ref(f), &corpus);
    }
}

#[test]
fn extends_include_overlays_and_resets_load_the_same_without_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let write = |name: &str, text: &str| {
        let p = d.join(name);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        p
    };
    let base = write(
        "compose.yaml",
        "# compose-lint: disable-file=C101\n\
         x-common: &common\n  restart: always\n  labels: {a: b}\n\
         include:\n  - sub/compose.yaml\n\
         services:\n  web:\n    <<: *common\n    image: nginx:1.27 # compose-lint: disable=S006\n\
         \x20   extends: {file: common.yaml, service: base}\n    ports: [\"80:80\"]\n\
         \x20 db:\n    extends: web\n    image: \"postgres:${TAG:-16}\"\n    environment: [A=1, B]\n",
    );
    write(
        "common.yaml",
        "services:\n  base:\n    user: \"1000\"\n    volumes: [./data:/data, cache:/c]\n",
    );
    write(
        "sub/compose.yaml",
        "services:\n  side:\n    image: busybox\n    networks: [a]\nnetworks:\n  a: {}\n",
    );
    let overlay = write(
        "compose.override.yaml",
        "services:\n  web:\n    ports: !reset []\n    user: ${UNSET}\n  db:\n    environment: !override {C: 3}\n",
    );
    let broken = write("broken.yaml", "services:\n  a: [\n");
    same_load(std::slice::from_ref(&base), d);
    same_load(&[base.clone(), overlay.clone()], d);
    same_load(&[overlay, base], d);
    same_load(&[broken], d);
}
