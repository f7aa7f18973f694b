//! Registry credentials, found the way the docker CLI finds them: the
//! config file `$DOCKER_CONFIG/config.json` (default `~/.docker`), its
//! `credHelpers` for this registry, else its `credsStore`, else its
//! `auths` entry (`auth` is base64 of `user:password`). A helper is the
//! user's own configured program, run as `docker-credential-<name> get`
//! with the server on standard input.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde::Deserialize;

/// A user name and a secret (a password or a token).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub secret: String,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfig {
    #[serde(default)]
    auths: HashMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: HashMap<String, String>,
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    identitytoken: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperAnswer {
    username: String,
    secret: String,
}

fn config_path() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("DOCKER_CONFIG").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// The names a registry may have in `auths` and for helpers.
fn server_names(registry: &str) -> Vec<String> {
    if registry == "docker.io" {
        return vec![
            "https://index.docker.io/v1/".into(),
            "index.docker.io".into(),
            "docker.io".into(),
            "registry-1.docker.io".into(),
        ];
    }
    vec![
        registry.to_string(),
        format!("https://{registry}"),
        format!("http://{registry}"),
        format!("https://{registry}/"),
    ]
}

/// The credentials for `registry`: `Ok(None)` when none are configured,
/// `Err` when the configuration is there but cannot be used.
pub fn for_registry(registry: &str) -> Result<Option<Credentials>, String> {
    let Some(path) = config_path() else {
        return Ok(None);
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    let cfg: DockerConfig =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let names = server_names(registry);
    let helper = names
        .iter()
        .find_map(|n| cfg.cred_helpers.get(n))
        .or(cfg.creds_store.as_ref())
        .filter(|h| !h.is_empty());
    if let Some(h) = helper {
        // The helper knows the server by the name `docker login` gave it.
        let server = if registry == "docker.io" {
            "https://index.docker.io/v1/"
        } else {
            registry
        };
        if let Some(c) = run_helper(h, server)? {
            return Ok(Some(c));
        }
    }
    let Some(entry) = names.iter().find_map(|n| cfg.auths.get(n)) else {
        return Ok(None);
    };
    if let Some(a) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(a.trim())
            .map_err(|_| format!("{}: the `auth` of {registry} is not base64", path.display()))?;
        let raw = String::from_utf8_lossy(&raw).to_string();
        let (u, p) = raw.split_once(':').ok_or_else(|| {
            format!(
                "{}: the `auth` of {registry} is not `user:password`",
                path.display()
            )
        })?;
        return Ok(Some(Credentials {
            username: u.to_string(),
            secret: p.to_string(),
        }));
    }
    if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
        return Ok(Some(Credentials {
            username: u.clone(),
            secret: p.clone(),
        }));
    }
    if let Some(t) = &entry.identitytoken {
        return Ok(Some(Credentials {
            username: "<token>".into(),
            secret: t.clone(),
        }));
    }
    Ok(None)
}

/// Runs `docker-credential-<name> get`, bounded in time and output.
fn run_helper(name: &str, server: &str) -> Result<Option<Credentials>, String> {
    if name.contains(['/', '\\']) || name.starts_with('-') {
        return Err(format!("credential helper `{name}` is not a helper name"));
    }
    let program = format!("docker-credential-{name}");
    let mut child = Command::new(&program)
        .arg("get")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("could not run {program}: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = stdout.by_ref().take(1024 * 1024).read_to_end(&mut v);
        v
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break s,
            Ok(None) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("{program} get did not answer within 30 s"));
            }
        }
    };
    let out = reader.join().unwrap_or_default();
    if !status.success() {
        // "credentials not found in native keychain": none for this server.
        return Ok(None);
    }
    let a: HelperAnswer = serde_json::from_slice(&out)
        .map_err(|e| format!("{program} get gave no credentials: {e}"))?;
    Ok(Some(Credentials {
        username: a.username,
        secret: a.secret,
    }))
}

/// `Basic <base64(user:secret)>`.
pub fn basic_header(c: &Credentials) -> String {
    let raw = format!("{}:{}", c.username, c.secret);
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
    )
}
