//! The local Docker engine (`--engine`): for an image that is present
//! locally, `docker image inspect` for its ID and `docker save` streamed
//! into the archive reader for config and file system. It never pulls: an
//! image that is not present is unknown, with the reason. The docker CLI
//! is used as is, so `DOCKER_HOST` and contexts apply. Nothing runs
//! without `--engine`. What `docker save` gave is kept in the facts cache
//! ([`super::cache`]) under the image ID.

use std::io::Read;
use std::process::{Command, Stdio};

use super::archive::{self, Origin};
use super::facts::Image;
use super::reference::Reference;

/// The docker CLI to run (`COMPOSE_LINT_DOCKER` overrides, for tests).
fn docker() -> String {
    std::env::var("COMPOSE_LINT_DOCKER").unwrap_or_else(|_| "docker".into())
}

/// Reads a locally present image. `Err` says why it is unknown.
pub fn image(reference: &str) -> Result<Image, String> {
    // The name comes from a Compose file: never let it be read as a flag.
    if reference.starts_with('-') || Reference::parse(reference).is_none() {
        return Err(format!("`{reference}` is not an image reference"));
    }
    let out = Command::new(docker())
        .args(["image", "inspect", "--format", "{{.Id}}", "--", reference])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("could not run the docker CLI: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "image `{reference}` is not present in the local engine (compose-lint never pulls): {}",
            first_line(&out.stderr)
        ));
    }
    let id = String::from_utf8_lossy(&out.stdout).trim().to_string();
    // The facts cache, keyed by the image ID: a second run saves nothing.
    if let Some(img) = super::cache::load(&id) {
        return Ok(img);
    }

    let mut child = Command::new(docker())
        .args(["save", "--", reference])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("could not run the docker CLI: {e}"))?;
    let mut stderr = child.stderr.take().expect("piped");
    let err_reader = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = stderr.by_ref().take(64 * 1024).read_to_end(&mut s);
        s
    });
    let stdout = child.stdout.take().expect("piped");
    let read = archive::read_stream(stdout, &Origin::Engine(id.clone()));
    let status = child.wait().map_err(|e| e.to_string())?;
    let err = err_reader.join().unwrap_or_default();
    if !status.success() {
        return Err(format!(
            "`docker save {reference}` failed: {}",
            first_line(&err)
        ));
    }
    let images = read.map_err(|e| format!("`docker save {reference}`: {e}"))?;
    let want = Reference::parse(reference).expect("checked above");
    let pick = images
        .iter()
        .find(|a| a.digest == id || a.matches(&want))
        .or(images.first())
        .cloned()
        .ok_or_else(|| format!("`docker save {reference}` gave no image"))?;
    if pick.digest == id {
        super::cache::store(&id, &pick.image);
    }
    Ok(pick.image)
}

/// Whether the engine runs on this machine, so that an absolute bind
/// source names a path that can be checked here: the daemon's name
/// (`docker info`) is this host's name. Docker Desktop's VM, a remote
/// engine (through `DOCKER_HOST` or a context) and compose-lint in a
/// container with the socket mounted all see another name, and then
/// absolute sources stay unchecked.
pub fn runs_here() -> bool {
    let Some(here) = host_name() else {
        return false;
    };
    let Ok(out) = Command::new(docker())
        .args(["info", "--format", "{{.Name}}"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
    else {
        return false;
    };
    out.status.success() && String::from_utf8_lossy(&out.stdout).trim() == here
}

/// This machine's host name (the kernel's, which the daemon reports as its
/// name when it runs here).
fn host_name() -> Option<String> {
    let name = std::fs::read_to_string("/proc/sys/kernel/hostname").ok()?;
    let name = name.trim();
    (!name.is_empty()).then(|| name.to_string())
}

fn first_line(b: &[u8]) -> String {
    String::from_utf8_lossy(b)
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("no message")
        .trim()
        .to_string()
}
