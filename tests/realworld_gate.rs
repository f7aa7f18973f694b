//! The real-projects gate (issue 12): lints every repository of
//! `../shared/realworld/projects` the way a user in it would
//! (`compose-lint .` from its root, in folder mode, so overlays find
//! their bases as decision 0011 says), and compares one line per finding
//! (`file:line code severity`) with the committed snapshot. Every
//! error-level line is argued in docs/realworld-review.md.
//!
//! After a deliberate change, regenerate with
//!
//!     INSTA_UPDATE=always cargo test --test realworld_gate
//!
//! and review the diff (and the review document). The environment is
//! empty and the config the default one, so the snapshot does not depend
//! on the machine.

use std::path::{Path, PathBuf};

use compose_lint::config::Config;
use compose_lint::discover::{self, Repository};
use compose_lint::lint::{lint_job, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::LoadOptions;

/// `<manifest>/../shared/realworld/projects` (beside the clone, as in
/// CI), else `/work/shared/realworld/projects`.
fn projects_dir() -> Option<PathBuf> {
    let beside = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/realworld/projects");
    [beside, PathBuf::from("/work/shared/realworld/projects")]
        .into_iter()
        .find(|d| d.is_dir())
        .map(|d| d.canonicalize().unwrap())
}

fn lint_repository(repo: &Path, name: &str) -> Vec<String> {
    let mut r = Repository::new(repo);
    let jobs = discover::walk_in(repo, &mut r, &[]);
    let opts = LoadOptions {
        root: Some(repo.to_path_buf()),
        env: Some(Env::new()),
        ..Default::default()
    };
    let mut lines = Vec::new();
    for job in &jobs {
        match lint_job(job, &opts, &Config::default(), &Selection::default()) {
            Ok(res) => {
                for d in &res.diagnostics {
                    let file = res.sources.get(d.span.file);
                    let line = file.line_col(d.span.start as usize).line;
                    let rel = file.path.strip_prefix(repo).unwrap_or(&file.path);
                    lines.push(format!(
                        "{name}/{}:{line} {} {}",
                        rel.display(),
                        d.code,
                        d.severity.as_str()
                    ));
                }
            }
            Err(e) => lines.push(format!(
                "{name}/{} FATAL {}",
                job.inputs[0].path.display(),
                e.message
            )),
        }
    }
    lines
}

#[test]
fn realworld() {
    let Some(projects) = projects_dir() else {
        eprintln!("realworld gate skipped: ../shared/realworld/projects is missing");
        return;
    };
    let mut names: Vec<String> = std::fs::read_dir(&projects)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 10, "only {} repositories", names.len());
    let mut lines: Vec<String> = names
        .iter()
        .flat_map(|n| lint_repository(&projects.join(n), n))
        .collect();
    lines.sort();
    let count = |sev: &str| lines.iter().filter(|l| l.ends_with(sev)).count();
    let snapshot = format!(
        "{} repositories, {} errors, {} warnings\n{}\n",
        names.len(),
        count(" error"),
        count(" warning"),
        lines.join("\n")
    );
    insta::assert_snapshot!("realworld", snapshot);
}
