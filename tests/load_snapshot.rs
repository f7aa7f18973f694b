//! Snapshots of the normalized model for a few fixture projects: services,
//! image, build, command argv, environment, mounts, ports, dependencies.
//! A compact summary rather than the whole struct, so a change in the
//! loader shows up as a readable diff.

mod load_support;
use std::path::{Path, PathBuf};

use compose_lint::load::project::{load, Input};
use load_support::*;

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn summarize(files: &[&str]) -> String {
    let inputs: Vec<Input> = files
        .iter()
        .map(|f| Input {
            path: fixture(f),
            text: None,
        })
        .collect();
    let root = fixture("fixtures");
    let l = load(&inputs, &opts(root, &[])).expect("load");
    let mut out = summary(project(&l));
    if !l.diagnostics.is_empty() {
        out.push_str("diagnostics:\n");
        out.push_str(&render(&l));
    }
    out
}

#[test]
fn seed_rocketmq_failing() {
    insta::assert_snapshot!(summarize(&["fixtures/seed/failing/docker-compose.yml"]));
}

#[test]
fn seed_rocketmq_working() {
    insta::assert_snapshot!(summarize(&["fixtures/seed/working/docker-compose.yml"]));
}

#[test]
fn webapp() {
    insta::assert_snapshot!(summarize(&["fixtures/load/webapp/compose.yaml"]));
}

#[test]
fn layered_include_extends_override() {
    insta::assert_snapshot!(summarize(&[
        "fixtures/load/layered/compose.yaml",
        "fixtures/load/layered/override.yaml"
    ]));
}
