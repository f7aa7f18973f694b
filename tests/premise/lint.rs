//! compose-lint on a premise fixture, with the image facts taken from a
//! `docker save` archive of the test image (as `--image-archive` gives
//! them) and no built-in facts, so that what the rule knows is exactly
//! what the engine ran.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use compose_lint::config::Config;
use compose_lint::diagnostic::Diagnostic;
use compose_lint::discover::Job;
use compose_lint::image::{archive, ImageOptions};
use compose_lint::lint::{lint_job_with_images, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::{Input, LoadOptions};

/// Lints `dir/docker-compose.yml` with `env` as the whole environment.
pub fn lint(dir: &Path, env: &[(&str, &str)], archives: &[PathBuf]) -> Vec<Diagnostic> {
    let mut vars = Env::new();
    for (k, v) in env {
        vars.insert(*k, *v);
    }
    let opts = LoadOptions {
        root: Some(dir.to_path_buf()),
        project_dir: Some(dir.to_path_buf()),
        env: Some(vars),
        ..Default::default()
    };
    let mut images = ImageOptions {
        no_builtin: true,
        ..Default::default()
    };
    for a in archives {
        let read = archive::read_file(a).unwrap_or_else(|e| panic!("archive {e}"));
        images.archives.extend(read.into_iter().map(Arc::new));
    }
    let job = Job {
        inputs: vec![Input {
            path: dir.join("docker-compose.yml"),
            text: None,
        }],
        report_only: None,
        ..Default::default()
    };
    lint_job_with_images(
        &job,
        &opts,
        &Config::default(),
        &Selection::default(),
        &images,
    )
    .unwrap_or_else(|e| panic!("lint {}: {e}", dir.display()))
    .diagnostics
}

fn render(diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| format!("  {} {}", d.code, d.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Is the rule in this build? The runtime rules land separately; until one
/// does, its lint half is reported as pending instead of failing.
fn registered(test: &str, code: &str) -> bool {
    let there = compose_lint::rules::find(code).is_some();
    if !there {
        eprintln!(
            "PENDING premise::{test}: {code} is not in this build; its lint check waits for it"
        );
    }
    there
}

/// The rule fires on the failing fixture.
pub fn assert_fires(test: &str, code: &str, fixture: &Path, diags: &[Diagnostic]) {
    if !registered(test, code) {
        return;
    }
    assert!(
        diags.iter().any(|d| d.code == code),
        "{test}: {code} does not fire on {}; compose-lint said:\n{}",
        fixture.display(),
        render(diags)
    );
}

/// The rule is silent on a fixed fixture. Other runtime rules (the M and
/// X groups) that fire there are listed: they judge another aspect (X101
/// on a one-shot `sh -c` job, say), not this fix.
pub fn assert_silent(test: &str, code: &str, fixture: &Path, diags: &[Diagnostic]) {
    let _ = registered(test, code);
    assert!(
        !diags.iter().any(|d| d.code == code),
        "{test}: {code} fires on the fixed {}:\n{}",
        fixture.display(),
        render(diags)
    );
    for d in diags
        .iter()
        .filter(|d| d.code.starts_with('M') || d.code.starts_with('X'))
    {
        eprintln!("NOTE premise::{test}: also {} {}", d.code, d.message);
    }
}
