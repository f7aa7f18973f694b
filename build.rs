//! Embeds every `rules/images/*.toml` facts file and every base layout
//! (`rules/images/base/*.txt`) in the binary: generates
//! `$OUT_DIR/builtin_images.rs` with one `include_str!` per file, so a new
//! file is picked up without touching the code.

use std::path::PathBuf;

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
    let mut out = String::from("pub static FILES: &[(&str, &str)] = &[\n");
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
