//! No surprises: linting opens no network connection, runs no program named
//! in the files it reads, and writes no file but the report `--output`
//! names. Where `strace` is installed, the system calls themselves are
//! checked; where `unshare` can make a network namespace, the linter is
//! run without a network. Each skips with a message when its tool is
//! missing; the behavioural checks (marker files, directory listings) run
//! everywhere.

mod hostile_support;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as Std;

use hostile_support::*;

fn exe() -> PathBuf {
    assert_cmd::cargo::cargo_bin("compose-lint")
}

/// A project whose values try to run programs: command substitution and
/// backticks in every place a value can be, in `.env`, and `RUN` in a
/// Dockerfile and an inline one. `marker` is the file each would create.
fn booby_trapped_project(dir: &Path, marker: &Path) {
    let m = marker.display();
    let sub = format!("$(touch {m})");
    let tick = format!("`touch {m}`");
    write(
        dir,
        "compose.yaml",
        format!(
            r#"x-cmd: &cmd "{sub}"
name: "{sub}"
services:
  web:
    image: "nginx:1.27{sub}"
    command: ["sh", "-c", "{sub}; {tick}"]
    entrypoint: {tick}
    environment:
      A: "{sub}"
      B: "${{FROM_DOTENV}}"
      C: *cmd
    labels: ["x={tick}"]
    healthcheck:
      test: ["CMD-SHELL", "{sub}"]
    env_file: [app.env]
    volumes: ["./{sub}:/data"]
  built:
    build:
      context: ./app
      args: [V={sub}]
  inline:
    build:
      dockerfile_inline: |
        FROM alpine:3.19
        RUN touch {m}
        RUN {sub}
        USER {tick}
"#
        ),
    );
    write(
        dir,
        ".env",
        format!("FROM_DOTENV=\"{sub}\"\nOTHER={tick}\n"),
    );
    write(dir, "app.env", format!("X={sub}\n"));
    write(
        dir,
        "app/Dockerfile",
        format!("FROM alpine:3.19\nRUN touch {m}\nARG V\nRUN echo $V\nCMD {sub}\n"),
    );
    write(dir, "compose-lint.toml", "ignore = []\n");
}

/// Every file under `dir` with its size and modification time (directories
/// by name only).
fn listing(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let meta = std::fs::symlink_metadata(&p).unwrap();
            if meta.is_dir() {
                // A directory's time changes when the report is added.
                todo.push(p.clone());
                out.insert(p, (0, std::time::UNIX_EPOCH));
            } else {
                out.insert(p, (meta.len(), meta.modified().unwrap()));
            }
        }
    }
    out
}

/// The command lines the tests run, `--output` last.
fn runs() -> Vec<Vec<&'static str>> {
    let mut runs: Vec<Vec<&str>> = [
        "human",
        "json",
        "sarif",
        "github",
        "junit",
        "checkstyle",
        "gitlab",
    ]
    .iter()
    .map(|f| vec!["--format", f, "."])
    .collect();
    runs.push(vec!["images", "."]);
    runs.push(vec!["images", "--format", "json", "."]);
    runs.push(vec!["--format", "json", "--output", "report.json", "."]);
    runs
}

#[test]
fn values_never_run_and_nothing_but_the_report_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let marker = std::env::temp_dir().join(format!(
        "compose-lint-pwned-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    booby_trapped_project(&project, &marker);
    let before = listing(dir.path());
    for args in runs() {
        let out = match args[0] {
            "images" => sub(&project, Some("images"))
                .args(&args[1..])
                .output()
                .unwrap(),
            _ => bin(&project).args(&args).output().unwrap(),
        };
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {}",
            all(&out)
        );
        assert!(!marker.exists(), "{args:?} ran a program from the files");
    }
    let mut after = listing(dir.path());
    let report = project.join("report.json");
    assert!(after.remove(&report).is_some(), "--output wrote no report");
    assert_eq!(before, after, "files changed besides the report");
}

/// The system calls of a run, by `strace -f`: no socket but a Unix one, no
/// connect, no program started, and nothing opened for writing except the
/// report's temporary file.
#[test]
fn system_calls_show_no_network_no_exec_no_stray_writes() {
    if !Std::new("strace")
        .arg("-V")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("skipped: strace is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let project = dir.path().join("p");
    let marker = dir.path().join("pwned");
    booby_trapped_project(&project, &marker);
    for args in runs() {
        let log = dir.path().join("strace.log");
        let status = Std::new("strace")
            .args(["-f", "-qq", "-s", "256", "-o"])
            .arg(&log)
            .args([
                "-e",
                "trace=socket,connect,execve,execveat,fork,vfork,openat,open,creat,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat",
            ])
            .arg(exe())
            .args(&args)
            .current_dir(&project)
            .env_remove("DOCKER_HOST")
            .output()
            .unwrap();
        let trace = std::fs::read_to_string(&log).unwrap();
        if trace.contains("PTRACE_TRACEME") || trace.is_empty() {
            eprintln!("skipped: strace cannot trace here: {status:?}");
            return;
        }
        assert!(
            matches!(status.status.code(), Some(0 | 1)),
            "{args:?}: {status:?}"
        );
        let mut execs = 0;
        for line in trace.lines() {
            let call = line
                .split_once(' ')
                .map_or(line, |(_, rest)| rest)
                .trim_start();
            let ctx = || format!("{args:?}: {line}");
            if call.starts_with("execve") {
                execs += 1;
                assert_eq!(execs, 1, "a program was started: {}", ctx());
            }
            assert!(!call.starts_with("connect("), "{}", ctx());
            assert!(
                !call.starts_with("fork(") && !call.starts_with("vfork("),
                "{}",
                ctx()
            );
            if call.starts_with("socket(") {
                assert!(call.starts_with("socket(AF_UNIX"), "{}", ctx());
            }
            let writes =
                call.contains("O_WRONLY") || call.contains("O_RDWR") || call.contains("O_CREAT");
            if (call.starts_with("openat(") || call.starts_with("open(")) && writes {
                assert!(
                    call.contains(".compose-lint-") && call.contains(".tmp"),
                    "opened for writing: {}",
                    ctx()
                );
            }
            if call.starts_with("rename") {
                assert!(call.contains("report.json"), "{}", ctx());
            }
            for c in ["unlink", "mkdir", "creat("] {
                if call.starts_with(c) && !call.contains("= -1") {
                    panic!("{}", ctx());
                }
            }
        }
        assert!(!marker.exists());
    }
}

/// The whole corpus linted with no network at all (a new network
/// namespace): it works, so nothing needs the network.
#[test]
fn the_corpus_lints_without_a_network() {
    if !Std::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        eprintln!("skipped: `unshare -n` is not available here");
        return;
    }
    let corpus = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
        PathBuf::from("/work/shared/corpus"),
    ]
    .into_iter()
    .find(|d| d.join("MANIFEST.tsv").is_file());
    let Some(corpus) = corpus else {
        eprintln!("skipped: no shared corpus");
        return;
    };
    let out = Std::new("unshare")
        .arg("-n")
        .arg(exe())
        .args(["--color", "never", "--format", "json", "--root"])
        .arg(&corpus)
        .arg(corpus.join("projects"))
        .env_remove("DOCKER_HOST")
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0..=2)), "{}", all(&out));
    assert!(!stderr(&out).contains("internal error"), "{}", stderr(&out));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checked = doc["files_checked"].as_u64().unwrap();
    assert!(checked > 100, "only {checked} files checked");
}
