//! What every scenario shares: the test images, the fixtures, and one
//! call that lints a fixture and brings it up.

use std::path::{Path, PathBuf};

use compose_lint::diagnostic::Diagnostic;

use super::compose::Project;
use super::docker::{engine_or_skip, Engine};
use super::images::{self, Dir, File, Spec};
use super::lint;

/// The seed's image, minus RocketMQ: uid 3000 (`app`), `/home/app` owned by
/// it and nothing under it, a shell, and `/etc/app.conf` (a file, root's).
pub fn seed_spec() -> Spec {
    let mut s = Spec::new("seed");
    s.user = Some("3000");
    s.workdir = Some("/home/app");
    s.dirs.push(Dir {
        path: "/home/app",
        owner: "3000:3000",
    });
    s.files.push(File {
        path: "/etc/app.conf",
        owner: "0:0",
        mode: 0o644,
        content: "from the image\n",
    });
    s.cmd = vec!["sleep", "1"];
    s
}

/// The same without a shell: busybox, `sleep` and `touch` only.
pub fn noshell_spec() -> Spec {
    let mut s = seed_spec();
    s.name = "noshell";
    s.shell = false;
    s.applets = vec!["sleep", "touch"];
    s
}

pub fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/premise")
        .join(rel)
}

/// One scenario run: the engine, the images it needs (built or reused),
/// an archive of each, and the environment the fixtures interpolate.
pub struct Setup {
    pub engine: &'static Engine,
    pub test: &'static str,
    pub env: Vec<(&'static str, String)>,
    pub archives: Vec<PathBuf>,
    _archive_dir: tempfile::TempDir,
}

impl Setup {
    /// `None` (after one SKIPPED line) without an engine.
    pub fn new(test: &'static str, images: &[(&'static str, Spec)]) -> Option<Setup> {
        let engine = engine_or_skip(test)?;
        let dir = tempfile::tempdir().unwrap();
        let mut env = Vec::new();
        let mut archives = Vec::new();
        for (var, spec) in images {
            let tag = spec.build();
            archives.push(images::save(&tag, dir.path()));
            env.push((*var, tag));
        }
        Some(Setup {
            engine,
            test,
            env,
            archives,
            _archive_dir: dir,
        })
    }

    /// The seed image as `PREMISE_IMAGE`.
    pub fn seed(test: &'static str) -> Option<Setup> {
        Setup::new(test, &[("PREMISE_IMAGE", seed_spec())])
    }

    pub fn var(&self, name: &str) -> &str {
        &self
            .env
            .iter()
            .find(|(k, _)| *k == name)
            .unwrap_or_else(|| panic!("{name} not set"))
            .1
    }

    pub fn env(&self) -> Vec<(&str, &str)> {
        self.env.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }

    /// compose-lint's findings on a fixture.
    pub fn lint(&self, rel: &str) -> Vec<Diagnostic> {
        lint::lint(&fixture(rel), &self.env(), &self.archives)
    }

    /// Asserts compose-lint fires `code` on the failing fixture.
    pub fn lint_fires(&self, code: &str, rel: &str) {
        lint::assert_fires(self.test, code, &fixture(rel), &self.lint(rel));
    }

    /// Asserts no runtime rule fires on a fixed fixture.
    pub fn lint_silent(&self, code: &str, rel: &str) {
        lint::assert_silent(self.test, code, &fixture(rel), &self.lint(rel));
    }

    /// A copy of the fixture as a project of its own (not yet up).
    pub fn project(&self, rel: &str) -> Project {
        Project::new(self.engine, self.test, &fixture(rel), &self.env())
    }
}
