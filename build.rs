//! Embeds every `rules/images/*.toml` facts file and every base layout
//! (`rules/images/base/*.txt`) in the binary: generates
//! `$OUT_DIR/builtin_images.rs` with one `include_str!` per file, so a new
//! file is picked up without touching the code.
//!
//! The facts files are also parsed here, once, with the same serde types
//! and `extends` resolution as at run time (`src/image/facts_format.rs`):
//! `FACTS` holds each file's names and kind and, per variant, its tag
//! patterns and its resolved facts as JSON, so that a lint parses only the
//! variant an image reference matches (parsing the TOML of every file an
//! image named was most of a run's fixed cost).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

#[allow(dead_code)]
#[path = "src/image/facts_format.rs"]
mod facts_format;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"))
        .join("rules")
        .join("images");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
                .filter_map(|p| Some((p.file_name()?.to_str()?.to_string(), p)))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    println!("cargo:rerun-if-changed=src/image/facts_format.rs");
    let mut out = String::from("pub static FACTS: &[EmbeddedFacts] = &[\n");
    for (name, path) in &files {
        out.push_str(&embedded_facts(name, path));
    }
    out.push_str("];\n");
    out.push_str("pub static FILES: &[(&str, &str)] = &[\n");
    for (name, path) in &files {
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    // Base layouts: rules/images/base/*.txt.
    let base = dir.join("base");
    println!("cargo:rerun-if-changed={}", base.display());
    let mut layouts: Vec<(String, PathBuf)> = std::fs::read_dir(&base)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "txt") && p.is_file())
                .filter_map(|p| Some((p.file_stem()?.to_str()?.to_string(), p)))
                .collect()
        })
        .unwrap_or_default();
    layouts.sort();
    out.push_str("pub static LAYOUTS: &[(&str, &str)] = &[\n");
    for (name, path) in &layouts {
        out.push_str(&format!(
            "    ({name:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("builtin_images.rs");
    std::fs::write(dest, out).expect("write builtin_images.rs");
}

/// One `EmbeddedFacts { .. },` entry of `FACTS` for the facts file `name`.
/// A file that does not parse, or whose `extends` do not resolve, fails the
/// build with the same message the run-time parser gives.
fn embedded_facts(name: &str, path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("read a facts file");
    let file = format!("rules/images/{name}");
    let t: facts_format::FileToml = toml::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let names: Vec<&String> = std::iter::once(&t.repository).chain(&t.aliases).collect();
    let mut out = format!(
        "    EmbeddedFacts {{ file: {file:?}, repository: {:?}, names: &{names:?}, kind: {:?}, variants: &[\n",
        t.repository, t.kind
    );
    for i in 0..t.variant.len() {
        let v = facts_format::resolve_extends(&t.variant, i, 0)
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut json = serde_json::to_value(&v).expect("a variant as JSON");
        drop_nulls(&mut json);
        writeln!(out, "        (&{:?}, {:?}),", v.tags, json.to_string()).unwrap();
    }
    out.push_str("    ] },\n");
    out
}

/// Leaves out the fields that are not set (`None`), as the TOML does: serde
/// reads a missing optional field as `None`.
fn drop_nulls(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            m.retain(|_, x| !x.is_null());
            m.values_mut().for_each(drop_nulls);
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}
