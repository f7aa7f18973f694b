//! One entry point per fuzz target (`fuzz/fuzz_targets/*.rs`), shared with
//! `tests/fuzz_replay.rs` so that the replay runs exactly what the fuzzer
//! ran. Each takes raw input and must return without panicking, whatever
//! the input; results are dropped.

use std::path::Path;

use crate::image::{archive, dockerfile};
use crate::source::FileId;

/// The fuzz targets, by the name of their `fuzz/fuzz_targets/<name>.rs`.
pub const TARGETS: [&str; 5] = ["yaml", "lint_text", "dockerfile", "archive", "config"];

/// Runs the named target on `data`: text targets get it as UTF-8 (and
/// ignore it otherwise, as libFuzzer's `&str` targets do).
pub fn run(target: &str, data: &[u8]) {
    let text = std::str::from_utf8(data);
    match (target, text) {
        ("archive", _) => archive(data),
        ("yaml", Ok(t)) => yaml(t),
        ("lint_text", Ok(t)) => lint_text(t),
        ("dockerfile", Ok(t)) => dockerfile(t),
        ("config", Ok(t)) => config(t),
        (_, Err(_)) => {}
        (other, _) => panic!("no fuzz target named `{other}`"),
    }
}

/// `yaml::parse` with the default limits.
pub fn yaml(text: &str) {
    let _ = crate::yaml::parse(FileId(0), text, &crate::yaml::Limits::default());
}

/// Load, lint, render in every format, and fix. The path names a directory that
/// does not exist, so references in the text find nothing to read.
pub fn lint_text(text: &str) {
    let Ok(res) = crate::lint::lint_text(FUZZ_PATH, text) else {
        return;
    };
    let metas = crate::rules::all_meta();
    let report = crate::report::Report {
        sources: &res.sources,
        diagnostics: &res.diagnostics,
        rules: &metas,
        notes: &res.notes,
        files_checked: res.files_checked,
    };
    use clap::ValueEnum;
    for format in crate::report::Format::value_variants() {
        let mut out = Vec::new();
        let _ = crate::report::render(*format, &report, &Default::default(), &mut out);
    }
    // And `--fix --unsafe-fixes`, when there is something to fix.
    if res.diagnostics.iter().any(|d| !d.fixes.is_empty()) {
        let relint = |texts: &[(std::path::PathBuf, String)]| {
            let now = texts.first().map_or(text, |(_, t)| t.as_str());
            crate::lint::lint_text(FUZZ_PATH, now).map_err(|e| e.to_string())
        };
        let opts = crate::fix::Options { unsafe_fixes: true };
        let _ = crate::fix::run(res, opts, &relint);
    }
}

const FUZZ_PATH: &str = "/nonexistent-compose-lint-fuzz/compose.yaml";

/// Parse a Dockerfile, then evaluate the image it builds (every stage as
/// the target in turn would multiply the work; the last stage is enough).
pub fn dockerfile(text: &str) {
    let df = dockerfile::parse(text);
    let opts = dockerfile::BuildOptions {
        label: "Dockerfile".into(),
        args: vec![("VERSION".into(), Some("1".into())), ("TOKEN".into(), None)],
        ..Default::default()
    };
    let _ = dockerfile::evaluate(&df, &opts, &|_| None);
}

/// Read an image archive from memory.
pub fn archive(data: &[u8]) {
    let _ = archive::read_stream(data, &archive::Origin::File("fuzz.tar".into()));
}

/// Parse a config file's text.
pub fn config(text: &str) {
    let _ = crate::config::Config::from_text(text, Path::new("compose-lint.toml"));
}
