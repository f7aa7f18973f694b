//! Shared helpers for the loader tests (`tests/load_*.rs`): write a small
//! project into a temporary directory, load it with a fixed environment, and
//! read back diagnostics, spans and a compact summary of the model.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use compose_lint::diagnostic::Diagnostic;
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::{load, Input, LoadOptions, Loaded};
use compose_lint::model::{CommandForm, Project, Service};
use compose_lint::source::Span;

/// A project on disk in a temporary directory.
pub struct Proj {
    pub dir: tempfile::TempDir,
}

impl Proj {
    pub fn new(files: &[(&str, &str)]) -> Proj {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = Proj { dir };
        for (name, text) in files {
            p.write(name, text);
        }
        p
    }

    pub fn path(&self) -> PathBuf {
        // Canonical, so that symlinked temp dirs (macOS /var) compare equal.
        std::fs::canonicalize(self.dir.path()).expect("canonical tempdir")
    }

    pub fn write(&self, name: &str, text: &str) {
        let path = self.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Loads the named files (`-f a -f b`) with `env` as the whole process
    /// environment, the temp dir as root and the first file's directory as
    /// project directory.
    pub fn load_env(&self, files: &[&str], env: &[(&str, &str)]) -> Loaded {
        self.load_opts(files, opts(self.path(), env))
    }

    pub fn load(&self, files: &[&str]) -> Loaded {
        self.load_env(files, &[])
    }

    pub fn load_opts(&self, files: &[&str], opts: LoadOptions) -> Loaded {
        let inputs: Vec<Input> = files
            .iter()
            .map(|f| Input {
                path: self.path().join(f),
                text: None,
            })
            .collect();
        load(&inputs, &opts).expect("load")
    }
}

pub fn opts(root: PathBuf, env: &[(&str, &str)]) -> LoadOptions {
    let mut e = Env::new();
    for (k, v) in env {
        e.insert(*k, *v);
    }
    LoadOptions {
        root: Some(root),
        env: Some(e),
        ..Default::default()
    }
}

/// Loads one text as `dir/compose.yaml` (not read from disk).
pub fn load_text(dir: &Path, text: &str) -> Loaded {
    let inputs = [Input {
        path: dir.join("compose.yaml"),
        text: Some(text.to_string()),
    }];
    load(&inputs, &opts(dir.to_path_buf(), &[])).expect("load")
}

pub fn project(l: &Loaded) -> &Project {
    l.project.as_ref().expect("a project")
}

pub fn service<'a>(l: &'a Loaded, name: &str) -> &'a Service {
    project(l)
        .service(name)
        .unwrap_or_else(|| panic!("no service {name}"))
}

/// The text a span covers.
pub fn at(l: &Loaded, span: Span) -> &str {
    &l.sources.get(span.file).text[span.range()]
}

/// The file name (last component) a span is in.
pub fn file_of(l: &Loaded, span: Span) -> String {
    l.sources
        .get(span.file)
        .path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

pub fn codes(l: &Loaded) -> Vec<&'static str> {
    let mut c: Vec<_> = l.diagnostics.iter().map(|d| d.code).collect();
    c.sort();
    c
}

pub fn with_code<'a>(l: &'a Loaded, code: &str) -> Vec<&'a Diagnostic> {
    l.diagnostics.iter().filter(|d| d.code == code).collect()
}

/// The one diagnostic with `code`; fails listing all when there is not
/// exactly one.
pub fn only<'a>(l: &'a Loaded, code: &str) -> &'a Diagnostic {
    let found = with_code(l, code);
    assert_eq!(found.len(), 1, "expected one {code}, got:\n{}", render(l));
    found[0]
}

/// Diagnostics as `CODE file:text-at-span: message`, one a line.
pub fn render(l: &Loaded) -> String {
    let mut out = String::new();
    for d in &l.diagnostics {
        let _ = writeln!(
            out,
            "{} {}:{:?}: {}",
            d.code,
            file_of(l, d.span),
            at(l, d.span),
            d.message
        );
    }
    out
}

pub fn assert_no_diagnostics(l: &Loaded) {
    assert!(l.diagnostics.is_empty(), "{}", render(l));
}

/// Environment entries as `K=V` (or `K` when valueless), in order.
pub fn env_of(s: &Service) -> Vec<String> {
    s.environment
        .iter()
        .map(|e| match &e.value {
            Some(v) => format!("{}={}", e.key.value, v.value),
            None => e.key.value.clone(),
        })
        .collect()
}

/// Mounts as `kind:source:target` (`-` for no source).
pub fn mounts_of(s: &Service) -> Vec<String> {
    s.volumes
        .iter()
        .map(|m| {
            format!(
                "{}:{}:{}{}",
                m.kind.value.as_str(),
                m.source.as_ref().map_or("-", |s| s.value.as_str()),
                m.target.value,
                if m.is_read_only() { ":ro" } else { "" }
            )
        })
        .collect()
}

/// Ports as `ip/published->target/proto`.
pub fn ports_of(s: &Service) -> Vec<String> {
    s.ports
        .iter()
        .map(|p| {
            let range = |r: &compose_lint::model::PortRange| {
                if r.is_single() {
                    format!("{}", r.start)
                } else {
                    format!("{}-{}", r.start, r.end)
                }
            };
            format!(
                "{}{}->{}/{}",
                p.host_ip
                    .as_ref()
                    .map_or(String::new(), |i| format!("{}/", i.value)),
                p.published.as_ref().map_or("*".into(), |r| range(&r.value)),
                range(&p.target.value),
                p.protocol()
            )
        })
        .collect()
}

pub fn argv(c: &Option<compose_lint::model::Command>) -> Option<Vec<String>> {
    c.as_ref().map(|c| c.argv.clone())
}

/// A compact, readable summary of the model for snapshots.
pub fn summary(p: &Project) -> String {
    let mut out = String::new();
    if let Some(n) = &p.name {
        let _ = writeln!(out, "name: {}", n.value);
    }
    for s in &p.services {
        let _ = writeln!(out, "service {}", s.name.value);
        if let Some(i) = &s.image {
            let _ = writeln!(out, "  image: {}", i.value);
        }
        if let Some(b) = &s.build {
            let _ = writeln!(
                out,
                "  build: context={} dockerfile={}",
                b.context.as_ref().map_or("-", |c| c.value.as_str()),
                b.dockerfile.as_ref().map_or("-", |c| c.value.as_str())
            );
        }
        for (what, c) in [("command", &s.command), ("entrypoint", &s.entrypoint)] {
            if let Some(c) = c {
                let form = match c.form {
                    CommandForm::Shell(_) => "shell",
                    CommandForm::Exec(_) => "exec",
                };
                let _ = writeln!(out, "  {what} ({form}): {:?}", c.argv);
            }
        }
        for e in env_of(s) {
            let _ = writeln!(out, "  env: {e}");
        }
        for m in mounts_of(s) {
            let _ = writeln!(out, "  mount: {m}");
        }
        for port in ports_of(s) {
            let _ = writeln!(out, "  port: {port}");
        }
        for d in &s.depends_on {
            let _ = writeln!(out, "  depends_on: {} ({})", d.service.value, d.condition());
        }
        for n in &s.networks {
            let _ = writeln!(out, "  network: {}", n.name.value);
        }
    }
    for v in &p.volumes {
        let _ = writeln!(out, "volume {}", v.name.value);
    }
    for n in &p.networks {
        let _ = writeln!(out, "network {}", n.name.value);
    }
    for s in &p.secrets {
        let _ = writeln!(out, "secret {}", s.name.value);
    }
    for c in &p.configs {
        let _ = writeln!(out, "config {}", c.name.value);
    }
    out
}
