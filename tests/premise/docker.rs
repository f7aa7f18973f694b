//! The engine and the Compose tool this machine has, found once, and
//! running their commands with a time limit. Every call to docker in the
//! premise suite goes through [`run`], so no wait is unbounded.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// What the suite runs against.
#[derive(Debug)]
pub struct Engine {
    /// `docker compose` (the v2 plugin) or `docker-compose` (v1), as argv.
    pub compose: Vec<String>,
    /// "docker compose 2.x" / "docker-compose 1.29.2", for the report.
    pub compose_version: String,
    /// `docker info`'s Init Binary: what `init: true` runs (empty: none).
    pub init_binary: String,
    pub server_version: String,
}

/// The engine, or why the premise suite cannot run here.
pub fn engine() -> Result<&'static Engine, &'static str> {
    static ENGINE: OnceLock<Result<Engine, String>> = OnceLock::new();
    ENGINE.get_or_init(detect).as_ref().map_err(String::as_str)
}

fn detect() -> Result<Engine, String> {
    if !Path::new("/bin/busybox").exists() {
        return Err("/bin/busybox is missing (apt-get install busybox-static)".into());
    }
    let info = try_run(
        Command::new("docker").args(["info", "--format", "{{.ServerVersion}}\t{{.InitBinary}}"]),
        Duration::from_secs(20),
    )
    .map_err(|e| format!("no Docker engine reachable ({e})"))?;
    if !info.status.success() {
        return Err(format!(
            "no Docker engine reachable ({})",
            first_line(&info.stderr)
        ));
    }
    let info = String::from_utf8_lossy(&info.stdout).trim().to_string();
    let (server_version, init_binary) = info.split_once('\t').unwrap_or((&info, ""));
    let (compose, compose_version) = compose_tool()?.clone();
    Ok(Engine {
        compose,
        compose_version,
        init_binary: init_binary.trim().to_string(),
        server_version: server_version.trim().to_string(),
    })
}

/// `docker compose` (v2) if the plugin is there, else `docker-compose`
/// (v1): its argv and its version line.
pub fn compose_tool() -> Result<&'static (Vec<String>, String), String> {
    static TOOL: OnceLock<Result<(Vec<String>, String), String>> = OnceLock::new();
    TOOL.get_or_init(|| {
        let v2 = try_run(
            Command::new("docker").args(["compose", "version", "--short"]),
            Duration::from_secs(20),
        );
        if let Some(o) = v2.as_ref().ok().filter(|o| o.status.success()) {
            return Ok((
                vec!["docker".to_string(), "compose".to_string()],
                format!(
                    "docker compose {}",
                    String::from_utf8_lossy(&o.stdout).trim()
                ),
            ));
        }
        let v1 = try_run(
            Command::new("docker-compose").args(["version", "--short"]),
            Duration::from_secs(20),
        );
        match v1 {
            Ok(o) if o.status.success() => Ok((
                vec!["docker-compose".to_string()],
                format!(
                    "docker-compose {}",
                    String::from_utf8_lossy(&o.stdout).trim()
                ),
            )),
            _ => Err("neither `docker compose` nor `docker-compose` is installed".into()),
        }
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// The Compose v2 Go binary (the CLI plugin, run directly: it exits with
/// Compose's status, unlike the PyPI wheel's wrapper) and its version, or
/// why there is none. `COMPOSE_LINT_COMPOSE_V2` names another binary.
pub fn compose_v2() -> Result<&'static (String, String), String> {
    static V2: OnceLock<Result<(String, String), String>> = OnceLock::new();
    V2.get_or_init(|| {
        let home = std::env::var("HOME").unwrap_or_default();
        let candidates: Vec<String> = match std::env::var("COMPOSE_LINT_COMPOSE_V2") {
            Ok(p) => vec![p],
            Err(_) => vec![
                format!("{home}/.docker/cli-plugins/docker-compose"),
                "/usr/local/lib/docker/cli-plugins/docker-compose".into(),
                "/usr/libexec/docker/cli-plugins/docker-compose".into(),
                "/usr/lib/docker/cli-plugins/docker-compose".into(),
            ],
        };
        for bin in candidates {
            let Ok(o) = try_run(
                Command::new(&bin).args(["version", "--short"]),
                Duration::from_secs(20),
            ) else {
                continue;
            };
            let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
            if o.status.success() && v.starts_with('2') {
                return Ok((bin, v));
            }
        }
        Err("Compose v2 is not installed (.ci/run installs it)".into())
    })
    .as_ref()
    .map_err(Clone::clone)
}

/// `docker-compose` 1.x (v1, end-of-life since 2023) when it is installed:
/// some premise tests also run on it, to record where it differs from v2.
pub fn compose_v1() -> Option<&'static (Vec<String>, String)> {
    static V1: OnceLock<Option<(Vec<String>, String)>> = OnceLock::new();
    V1.get_or_init(|| {
        let o = try_run(
            Command::new("docker-compose").args(["version", "--short"]),
            Duration::from_secs(20),
        )
        .ok()?;
        let v = String::from_utf8_lossy(&o.stdout).trim().to_string();
        (o.status.success() && v.starts_with("1.")).then(|| {
            (
                vec!["docker-compose".to_string()],
                format!("docker-compose {v}"),
            )
        })
    })
    .as_ref()
}

/// The engine, or `None` after printing the one line that says why the
/// test is skipped.
pub fn engine_or_skip(test: &str) -> Option<&'static Engine> {
    match engine() {
        Ok(e) => Some(e),
        Err(why) => {
            eprintln!("SKIPPED premise::{test}: {why}");
            None
        }
    }
}

/// Runs a command to completion within `limit`; panics (after killing it)
/// when it takes longer or cannot start.
pub fn run(cmd: &mut Command, limit: Duration) -> Output {
    try_run(cmd, limit).unwrap_or_else(|e| panic!("{e}"))
}

/// A docker command that must succeed; returns its stdout.
pub fn docker(args: &[&str], limit: Duration) -> String {
    let out = run(Command::new("docker").args(args), limit);
    assert!(
        out.status.success(),
        "docker {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn try_run(cmd: &mut Command, limit: Duration) -> Result<Output, String> {
    let desc = format!("{cmd:?}");
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().map_err(|e| format!("{desc}: {e}"))?;
    let mut so = child.stdout.take().expect("piped");
    let mut se = child.stderr.take().expect("piped");
    let t_out = thread::spawn(move || {
        let mut b = Vec::new();
        let _ = so.read_to_end(&mut b);
        b
    });
    let t_err = thread::spawn(move || {
        let mut b = Vec::new();
        let _ = se.read_to_end(&mut b);
        b
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().map_err(|e| format!("{desc}: {e}"))? {
            break s;
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("{desc} took longer than {limit:?}; killed"));
        }
        thread::sleep(Duration::from_millis(50));
    };
    Ok(Output {
        status,
        stdout: t_out.join().unwrap_or_default(),
        stderr: t_err.join().unwrap_or_default(),
    })
}

pub fn first_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_string()
}
