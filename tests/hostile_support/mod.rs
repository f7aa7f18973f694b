//! Helpers for the `hostile_*` CLI tests: run the binary in a directory
//! with a clean environment and a time bound, and read its JSON report.

#![allow(dead_code)]

use std::path::Path;
use std::process::Output;
use std::time::Duration;

use assert_cmd::Command;

pub const GOOD: &str = "services:\n  web:\n    image: nginx:1.27\n";

/// Generous for a debug build on a shared machine; a hang fails the test
/// instead of stopping the suite.
pub const TIMEOUT: Duration = Duration::from_secs(60);

pub fn bin(dir: &Path) -> Command {
    sub(dir, None)
}

/// `compose-lint <subcommand> --color never` (a subcommand comes first).
pub fn sub(dir: &Path, subcommand: Option<&str>) -> Command {
    let mut cmd = Command::cargo_bin("compose-lint").unwrap();
    cmd.args(subcommand);
    cmd.current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PATH_SEPARATOR")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_LINT_TEST_PANIC")
        .env_remove("NO_COLOR")
        .timeout(TIMEOUT)
        .arg("--color")
        .arg("never");
    cmd
}

pub fn write(dir: &Path, rel: &str, data: impl AsRef<[u8]>) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, data).unwrap();
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Both streams, for messages that may be on either.
pub fn all(o: &Output) -> String {
    format!("{}{}", stdout(o), stderr(o))
}

/// (file, line:col, code, message) of every diagnostic, from `--format json`.
pub fn findings(o: &Output) -> Vec<(String, String, String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)));
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                format!("{}:{}", d["start"]["line"], d["start"]["column"]),
                d["code"].as_str().unwrap().to_string(),
                d["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

pub fn codes(o: &Output) -> Vec<String> {
    findings(o).into_iter().map(|f| f.2).collect()
}

/// Makes a FIFO; false when `mkfifo` is missing (the caller skips).
pub fn mkfifo(path: &Path) -> bool {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: mkfifo is not available");
    }
    ok
}
