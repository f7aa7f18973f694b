//! The binary turns transparent huge pages off for itself before `main`
//! (src/main.rs, decision 0033): each huge page it touched is 2 MB the
//! kernel clears, which made a first run on a virtual machine several
//! times slower.

#![cfg(target_os = "linux")]

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

/// What the kernel says of the process's huge pages: the `THP_enabled`
/// line of `/proc/PID/status` (Linux 5.0 and later), `None` without it.
fn thp_enabled(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(|v| v.trim().to_string())
}

#[test]
fn the_linter_runs_without_transparent_huge_pages() {
    if thp_enabled(std::process::id()).is_none() {
        eprintln!("skipped: this kernel's /proc/PID/status has no THP_enabled line");
        return;
    }
    // The language server waits for its client, so its status can be read
    // while it runs; its answer to `initialize` shows that `main` has run.
    let mut child = Command::new(env!("CARGO_BIN_EXE_compose-lint"))
        .arg("lsp")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let body = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{}}}"#;
    let mut stdin = child.stdin.take().unwrap();
    write!(stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
    stdin.flush().unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut length = 0;
    loop {
        let mut line = String::new();
        assert!(
            out.read_line(&mut line).unwrap() > 0,
            "no answer to initialize"
        );
        if let Some(n) = line.strip_prefix("Content-Length:") {
            length = n.trim().parse().unwrap();
        }
        if line == "\r\n" {
            break;
        }
    }
    let mut answer = vec![0; length];
    out.read_exact(&mut answer).unwrap();
    assert!(String::from_utf8_lossy(&answer).contains("\"id\":1"));

    let thp = thp_enabled(child.id());
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        thp.as_deref(),
        Some("0"),
        "THP_enabled of the running linter"
    );
}
