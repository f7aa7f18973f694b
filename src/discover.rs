//! Finding what to lint: Compose files named on the command line, the
//! default project of a directory, or every Compose file under a directory.
//!
//! The unit of work is a [`Job`]: the files `docker compose` would load
//! together (`-f base -f override`), and which of them the results are for.
//! A base file and its `.override` sibling are one job. A file meant to be
//! layered with `-f` (an "overlay" such as `docker-compose.prod.yml`) is
//! linted merged onto the base beside it, and only its own findings are
//! reported.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::load::project::Input;

/// The names `docker compose` looks for, in its order of preference.
pub const DEFAULT_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

#[derive(Clone, Debug)]
pub struct Job {
    /// Loaded and merged in order, as with `-f`.
    pub inputs: Vec<Input>,
    /// Only diagnostics in these files are reported (`None`: all).
    pub report_only: Option<Vec<PathBuf>>,
    /// Linted as an overlay of this base (said in the output).
    pub overlay_of: Option<PathBuf>,
    /// Whether the job may be an overlay without a base: services that lack
    /// `image` and `build` are then expected.
    pub maybe_overlay: bool,
}

impl Job {
    fn single(path: PathBuf) -> Job {
        Job {
            inputs: vec![Input { path, text: None }],
            report_only: None,
            overlay_of: None,
            maybe_overlay: false,
        }
    }
}

/// Is this file name one compose-lint treats as a Compose file when walking?
/// `compose.yaml`, `docker-compose.prod.yml`, `compose.override.yaml`, ...
pub fn is_compose_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
    else {
        return false;
    };
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"));
    match rest {
        Some("") => true,
        Some(r) => r.starts_with('.') || r.starts_with('-') || r.starts_with('_'),
        None => false,
    }
}

fn is_base_name(name: &str) -> bool {
    DEFAULT_NAMES.contains(&name)
}

/// `compose.yaml` -> `compose.override.yaml`.
fn override_name(base: &str) -> String {
    let (stem, ext) = base.rsplit_once('.').unwrap_or((base, "yml"));
    format!("{stem}.override.{ext}")
}

/// The default project of `dir`, as `docker compose` finds it: the first
/// default name that exists, plus its `.override` sibling.
pub fn default_project(dir: &Path) -> Option<Job> {
    let base = DEFAULT_NAMES.iter().find(|n| dir.join(n).is_file())?;
    let mut inputs = vec![Input {
        path: clean(&dir.join(base)),
        text: None,
    }];
    let ov = dir.join(override_name(base));
    if ov.is_file() {
        inputs.push(Input {
            path: clean(&ov),
            text: None,
        });
    }
    Some(Job {
        inputs,
        report_only: None,
        overlay_of: None,
        maybe_overlay: false,
    })
}

/// Strips a leading `./` so printed paths read as the user typed them.
fn clean(p: &Path) -> PathBuf {
    p.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// Jobs for a file named on the command line. A base file gets its
/// `.override` sibling; an override file or another overlay-named file is
/// linted on top of its base when one sits beside it.
pub fn jobs_for_file(path: &Path) -> Job {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default()
        .to_string();
    let dir = path.parent().unwrap_or(Path::new(""));
    if is_base_name(&name) || !is_compose_name(&name) {
        return Job::single(path.to_path_buf());
    }
    // An overlay-style name: find a base beside it.
    let base = DEFAULT_NAMES
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file());
    match base {
        Some(base) => Job {
            inputs: vec![
                Input {
                    path: base.clone(),
                    text: None,
                },
                Input {
                    path: path.to_path_buf(),
                    text: None,
                },
            ],
            report_only: Some(vec![path.to_path_buf()]),
            overlay_of: Some(base),
            maybe_overlay: false,
        },
        None => Job {
            maybe_overlay: true,
            ..Job::single(path.to_path_buf())
        },
    }
}

/// Walks `root` for Compose files, respecting `.gitignore`, skipping hidden
/// directories and never following symlinks (so loops are harmless), and
/// groups them into jobs.
pub fn walk(root: &Path) -> Vec<Job> {
    let mut by_dir: BTreeMap<PathBuf, Vec<String>> = BTreeMap::new();
    let walker = ignore::WalkBuilder::new(root)
        .hidden(true)
        .follow_links(false)
        .require_git(false)
        .build();
    for entry in walker.flatten() {
        if !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let Some(name) = entry.file_name().to_str() else {
            continue;
        };
        if is_compose_name(name) {
            let dir = entry.path().parent().unwrap_or(root).to_path_buf();
            by_dir.entry(dir).or_default().push(name.to_string());
        }
    }
    let mut jobs = Vec::new();
    for (dir, mut names) in by_dir {
        names.sort();
        let base = DEFAULT_NAMES
            .iter()
            .find(|n| names.iter().any(|m| m == *n))
            .map(|s| s.to_string());
        let base_override = base.as_deref().map(override_name);
        if let Some(base) = &base {
            if let Some(job) = default_project(&dir) {
                jobs.push(job);
            }
            let _ = base;
        }
        for name in &names {
            if Some(name) == base.as_ref() || Some(name) == base_override.as_ref() {
                continue;
            }
            // Other base names (a directory with both compose.yaml and
            // docker-compose.yml) are projects of their own.
            let path = clean(&dir.join(name));
            if is_base_name(name) {
                jobs.push(Job::single(path));
            } else {
                jobs.push(jobs_for_file(&path));
            }
        }
    }
    jobs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compose_names() {
        for yes in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.override.yml",
            "docker-compose.prod.yaml",
            "compose.dev.yml",
            "docker-compose-test.yml",
        ] {
            assert!(is_compose_name(yes), "{yes}");
        }
        for no in [
            "composer.yml",
            "compose.json",
            "docker-compose",
            "mycompose.yml",
            "values.yaml",
        ] {
            assert!(!is_compose_name(no), "{no}");
        }
    }

    #[test]
    fn override_names() {
        assert_eq!(override_name("compose.yaml"), "compose.override.yaml");
        assert_eq!(
            override_name("docker-compose.yml"),
            "docker-compose.override.yml"
        );
    }
}
