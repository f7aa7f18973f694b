//! The loader cross-check (issue 7, item 3; on Compose v2 since issue 13):
//! over the corpus's Compose files whose references resolve, compare what
//! compose-lint loads with what the installed Compose tool resolves
//! (`config`, v2 when its plugin is installed, else v1): the services
//! (those of inactive profiles left out, as `config` does), each service's
//! volumes and ports, and the top-level volumes some service mounts.
//!
//! Both sides are normalized the same way: the tool's resolved output is
//! itself loaded with compose-lint's YAML layer and model (it is plain
//! Compose YAML with long-syntax ports and absolute bind paths), and then
//! every mount becomes `kind|source|target|ro` with a relative bind source
//! made absolute against the project directory, every port
//! `host_ip|published|target|protocol`. A file the tool refuses to load is
//! counted apart ("tool cannot load"), not as a disagreement.
//!
//! The environment is empty on both sides (each reads the project's
//! `.env`). Needs only the Compose tool, not the engine. The rate and every
//! disagreement are printed and written to
//! `$CARGO_TARGET_TMPDIR/premise-crosscheck.txt`; docs/runtime-proof.md
//! classifies them.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Component, Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use compose_lint::load::interpolate::Env;
use compose_lint::load::project::{self, Input, LoadOptions};
use compose_lint::model::{MountKind, Project};

use super::docker::{compose_tool, try_run};

/// Files known to differ, with the class of the difference (see
/// docs/runtime-proof.md). Only these may disagree; any other
/// disagreement fails the test.
const KNOWN: &[(&str, &str)] = &[];

const V1_FORMAT: &str = "v1 vs v2: a version-1 file (services at the top level, no `services:`), which docker-compose 1.x reads and Compose v2 and compose-lint do not";

/// A version-1 file has no top-level `services:` key.
fn version_1_format(file: &Path) -> bool {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    !text.lines().any(|l| l.starts_with("services:"))
}

/// The agreement floor over the files both sides load.
const FLOOR: f64 = 0.95;

#[derive(Debug, PartialEq, Default)]
struct Normal {
    services: BTreeMap<String, (BTreeSet<String>, BTreeSet<String>)>,
    volumes: BTreeSet<String>,
}

fn corpus() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("COMPOSE_LINT_CORPUS") {
        return Some(PathBuf::from(p));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/corpus"))
        .find(|c| c.join("MANIFEST.tsv").is_file())
}

/// The Compose files to compare: compose files not meant to be invalid
/// whose every reference resolved when the corpus was copied.
fn candidates(corpus: &Path) -> Vec<PathBuf> {
    let refs = std::fs::read_to_string(corpus.join("projects/PROJECT_REFS.tsv")).unwrap();
    let mut unresolved = BTreeSet::new();
    for line in refs.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 {
            continue;
        }
        let ok = matches!(
            f[5],
            "file" | "dir" | "dir,dockerfile-present" | "dir,dockerfile-missing"
        );
        if !ok {
            unresolved.insert((f[0].to_string(), f[1].to_string()));
        }
    }
    let manifest = std::fs::read_to_string(corpus.join("MANIFEST.tsv")).unwrap();
    let mut out = Vec::new();
    for line in manifest.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 13 || f[5] != "compose" || f[7].starts_with("invalid") {
            continue;
        }
        if unresolved.contains(&(f[0].to_string(), f[2].to_string())) {
            continue;
        }
        let local = if f[12].is_empty() { f[3] } else { f[12] };
        out.push(corpus.join(local));
    }
    out
}

enum Outcome {
    Agree,
    Differ(String),
    ToolRefuses(String),
    LintRefuses(String),
}

fn check(compose: &[String], version: &str, file: &Path, scratch: &Path) -> Outcome {
    let dir = file.parent().unwrap();
    let stdout = match resolve_cached(compose, version, file) {
        Ok(o) => o,
        Err(e) => return Outcome::ToolRefuses(e),
    };
    let resolved = scratch.join(format!(
        "{}.yml",
        file.display().to_string().replace('/', "_")
    ));
    std::fs::write(&resolved, &stdout).unwrap();
    let theirs = match load(&resolved, dir, scratch) {
        Ok(p) => normalize(&p, dir),
        Err(e) => return Outcome::LintRefuses(format!("the tool's output: {e}")),
    };
    let ours = match load(file, dir, dir) {
        Ok(p) => normalize(&p, dir),
        Err(e) => return Outcome::LintRefuses(e),
    };
    if ours == theirs {
        Outcome::Agree
    } else {
        Outcome::Differ(diff(&ours, &theirs))
    }
}

/// `config`'s output for a file, or why the tool refused it. Cached under
/// `$CARGO_TARGET_TMPDIR` by tool version, path, and the bytes of the file
/// and its `.env`: the tool is a Python program that takes about a second
/// to start, so a cold run over the corpus takes minutes, a warm one
/// seconds.
fn resolve_cached(compose: &[String], version: &str, file: &Path) -> Result<Vec<u8>, String> {
    use std::hash::Hasher;
    let dir = file.parent().unwrap();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    h.write(version.as_bytes());
    h.write(file.as_os_str().as_encoded_bytes());
    h.write(&std::fs::read(file).unwrap_or_default());
    h.write(&std::fs::read(dir.join(".env")).unwrap_or_default());
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("premise-crosscheck-cache");
    std::fs::create_dir_all(&cache).unwrap();
    let entry = cache.join(format!("{:016x}", h.finish()));
    if let Ok(b) = std::fs::read(&entry) {
        return match b.split_first() {
            Some((b'+', rest)) => Ok(rest.to_vec()),
            Some((_, rest)) => Err(String::from_utf8_lossy(rest).into_owned()),
            None => Err("empty cache entry".into()),
        };
    }
    let result = run_config(compose, file);
    let bytes = match &result {
        Ok(o) => [b"+".as_slice(), o].concat(),
        Err(e) => [b"-".as_slice(), e.as_bytes()].concat(),
    };
    std::fs::write(&entry, bytes).unwrap();
    result
}

fn run_config(compose: &[String], file: &Path) -> Result<Vec<u8>, String> {
    let dir = file.parent().unwrap();
    let (prog, pre) = compose.split_first().unwrap();
    let mut cmd = Command::new(prog);
    cmd.args(pre)
        .arg("-f")
        .arg(file)
        .arg("config")
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", std::env::var_os("HOME").unwrap_or_default());
    let out = try_run(&mut cmd, Duration::from_secs(60))?;
    if !out.status.success() {
        return Err(last_line(&out.stderr));
    }
    Ok(out.stdout)
}

/// The tool's error: its last line (warnings about unset variables come
/// first).
fn last_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_string()
}

fn load(file: &Path, project_dir: &Path, root: &Path) -> Result<Project, String> {
    let opts = LoadOptions {
        root: Some(root.to_path_buf()),
        project_dir: Some(project_dir.to_path_buf()),
        env: Some(Env::new()),
        ..Default::default()
    };
    let loaded = project::load(
        &[Input {
            path: file.to_path_buf(),
            text: None,
        }],
        &opts,
    )
    .map_err(|e| e.to_string())?;
    loaded.project.ok_or_else(|| "no project".to_string())
}

/// What `config` prints with no profile enabled: Compose v2 leaves out the
/// services of inactive profiles and the top-level volumes no remaining
/// service mounts (v1 keeps those volumes; both sides drop them here).
fn normalize(p: &Project, dir: &Path) -> Normal {
    let mut n = Normal::default();
    let active = p.services.iter().filter(|s| s.profiles.is_empty());
    let mut used = BTreeSet::new();
    for s in active {
        for m in &s.volumes {
            if let (MountKind::Volume, Some(src)) = (m.kind.value, &m.source) {
                used.insert(src.value.clone());
            }
        }
        let vols = s
            .volumes
            .iter()
            .map(|m| {
                let source = m
                    .source
                    .as_ref()
                    .map(|s| s.value.clone())
                    .unwrap_or_default();
                let source = if m.kind.value == MountKind::Bind {
                    absolute(&source, dir)
                } else {
                    source
                };
                format!(
                    "{}|{}|{}|{}",
                    m.kind.value.as_str(),
                    source,
                    m.target.value.trim_end_matches('/'),
                    m.read_only.as_ref().is_some_and(|r| r.value)
                )
            })
            .collect();
        let mut ports = BTreeSet::new();
        for p in &s.ports {
            let ip = p.host_ip.as_ref().map_or("", |h| h.value.as_str());
            let proto = p.protocol();
            let t = &p.target.value;
            // A range is one port per entry (both tools expand it), unless
            // a host range maps onto a single container port.
            match &p.published {
                Some(h) if h.value.end - h.value.start == t.end - t.start => {
                    for i in 0..=(t.end - t.start) {
                        ports.insert(format!(
                            "{ip}|{}|{}|{proto}",
                            h.value.start + i,
                            t.start + i
                        ));
                    }
                }
                Some(h) => {
                    ports.insert(format!(
                        "{ip}|{}|{}|{proto}",
                        range(h.value.start, h.value.end),
                        range(t.start, t.end)
                    ));
                }
                None => {
                    for i in t.start..=t.end {
                        ports.insert(format!("{ip}||{i}|{proto}"));
                    }
                }
            }
        }
        n.services.insert(s.name.value.clone(), (vols, ports));
    }
    n.volumes = p
        .volumes
        .iter()
        .map(|v| v.name.value.clone())
        .filter(|v| used.contains(v))
        .collect();
    n
}

fn range(a: u16, b: u16) -> String {
    if a == b {
        a.to_string()
    } else {
        format!("{a}-{b}")
    }
}

/// A bind source as the engine gets it: `~` expanded, relative paths
/// joined to the project directory, `.` and `..` folded.
fn absolute(source: &str, dir: &Path) -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    let p = if let Some(rest) = source.strip_prefix("~/") {
        Path::new(&home).join(rest)
    } else if source == "~" {
        PathBuf::from(&home)
    } else {
        dir.join(source)
    };
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            c => out.push(c),
        }
    }
    out.display().to_string()
}

fn diff(ours: &Normal, theirs: &Normal) -> String {
    let mut d = Vec::new();
    let names: BTreeSet<&String> = ours.services.keys().chain(theirs.services.keys()).collect();
    for name in names {
        match (ours.services.get(name), theirs.services.get(name)) {
            (Some(_), None) => d.push(format!("service {name}: only compose-lint has it")),
            (None, Some(_)) => d.push(format!("service {name}: only the tool has it")),
            (Some((ov, op)), Some((tv, tp))) => {
                for (what, o, t) in [("volume", ov, tv), ("port", op, tp)] {
                    for x in o.difference(t) {
                        d.push(format!("service {name}: {what} {x}: only compose-lint"));
                    }
                    for x in t.difference(o) {
                        d.push(format!("service {name}: {what} {x}: only the tool"));
                    }
                }
            }
            (None, None) => {}
        }
    }
    for v in ours.volumes.difference(&theirs.volumes) {
        d.push(format!("volume {v}: only compose-lint"));
    }
    for v in theirs.volumes.difference(&ours.volumes) {
        d.push(format!("volume {v}: only the tool"));
    }
    d.join("; ")
}

#[test]
#[ignore = "needs docker-compose; run by .ci/run (cargo test --test premise -- --ignored)"]
fn loader_agrees_with_the_compose_tool() {
    let Some(corpus) = corpus() else {
        eprintln!("SKIPPED premise::loader_agrees_with_the_compose_tool: ../shared/corpus not found (set COMPOSE_LINT_CORPUS)");
        return;
    };
    let (compose, version) = match compose_tool() {
        Ok(t) => t,
        Err(why) => {
            eprintln!("SKIPPED premise::loader_agrees_with_the_compose_tool: {why}");
            return;
        }
    };
    // Compose v2 (Go) answers in a few milliseconds: every file. v1 is a
    // Python program that takes about a second per file: with it, CI
    // compares a fixed quarter (every fourth), and
    // `COMPOSE_LINT_CROSSCHECK=all` compares every one.
    let all = candidates(&corpus);
    let every = version.starts_with("docker compose ")
        || std::env::var("COMPOSE_LINT_CROSSCHECK").as_deref() == Ok("all");
    let files: Vec<PathBuf> = if every {
        all
    } else {
        all.into_iter().step_by(4).collect()
    };
    eprintln!(
        "premise::loader_agrees_with_the_compose_tool: comparing {} files",
        files.len()
    );
    let scratch = tempfile::tempdir().unwrap();
    // Three at a time: the tool is a Python program that takes a while to start.
    let chunks: Vec<Vec<PathBuf>> = files
        .chunks(files.len().div_ceil(3).max(1))
        .map(<[PathBuf]>::to_vec)
        .collect();
    let results: Vec<(PathBuf, Outcome)> = std::thread::scope(|sc| {
        let handles: Vec<_> = chunks
            .iter()
            .map(|chunk| {
                let scratch = scratch.path();
                sc.spawn(move || {
                    chunk
                        .iter()
                        .map(|f| (f.clone(), check(compose, version, f, scratch)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });

    let rel = |p: &Path| p.strip_prefix(&corpus).unwrap_or(p).display().to_string();
    let mut report = String::new();
    let (mut agree, mut differ, mut tool, mut lint) = (0, 0, 0, 0);
    let mut unexpected = Vec::new();
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    for (f, o) in &results {
        let r = rel(f);
        match o {
            Outcome::Agree => agree += 1,
            Outcome::Differ(d) => {
                differ += 1;
                let class = KNOWN
                    .iter()
                    .find(|(k, _)| *k == r)
                    .map(|k| k.1)
                    .or_else(|| version_1_format(f).then_some(V1_FORMAT));
                *classes.entry(class.unwrap_or("unclassified")).or_insert(0) += 1;
                report.push_str(&format!(
                    "DIFFER {r} [{}]: {d}\n",
                    class.unwrap_or("unclassified")
                ));
                if class.is_none() {
                    unexpected.push(r);
                }
            }
            Outcome::ToolRefuses(e) => {
                tool += 1;
                report.push_str(&format!("TOOL-REFUSES {r}: {e}\n"));
            }
            Outcome::LintRefuses(e) => {
                lint += 1;
                report.push_str(&format!("LINT-REFUSES {r}: {e}\n"));
                unexpected.push(r);
            }
        }
    }
    let compared = agree + differ;
    let rate = if compared == 0 {
        1.0
    } else {
        agree as f64 / compared as f64
    };
    let summary = format!(
        "loader cross-check with {}: {} files; {} loaded by both, {} agree ({:.1}%), {} differ; the tool refused {}, compose-lint refused {}\n",
        version,
        results.len(),
        compared,
        agree,
        rate * 100.0,
        differ,
        tool,
        lint
    );
    let summary = format!(
        "{summary}disagreements by class: {}\n",
        classes
            .iter()
            .map(|(c, n)| format!("{n} {c}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    report.insert_str(0, &summary);
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("premise-crosscheck.txt");
    std::fs::write(&out, &report).unwrap();
    eprintln!("{summary}(details: {})", out.display());
    for line in report
        .lines()
        .filter(|l| l.starts_with("DIFFER") || l.starts_with("LINT"))
    {
        eprintln!("  {line}");
    }
    assert!(
        rate >= FLOOR,
        "agreement {:.1}% is below {:.0}%",
        rate * 100.0,
        FLOOR * 100.0
    );
    assert!(
        unexpected.is_empty(),
        "unclassified disagreements (add them to KNOWN with a class, or fix the loader): {unexpected:?}"
    );
}
