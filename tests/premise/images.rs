//! Test images, built here from nothing but Debian's static busybox: no
//! registry is needed. An image is `FROM scratch` plus `/bin/busybox`, an
//! `/etc/passwd`, directories and files prepared in the build context and
//! copied in with their owner (`COPY --chown`) and their mode (the classic
//! builder keeps the context file's mode, so a script with or without the
//! exec bit is a file with or without it here). The shell and the other
//! applets are busybox's own symlinks, made by an exec-form `RUN` of busybox
//! itself, which needs no shell.
//!
//! No tini is built in: `init: true` uses the engine's own `docker-init`.
//!
//! Caching: the tag is `compose-lint-premise/<name>:<hash>`, the hash taken
//! over the Dockerfile, every context file and the build arguments. A tag
//! that is present is reused; after a build, older tags of the same name are
//! removed. These cache tags are the only thing the suite leaves behind
//! (`docker image rm $(docker image ls -q 'compose-lint-premise/*')` clears
//! them).

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Duration;

use super::docker::{docker, first_line, run, try_run};

pub const REPO: &str = "compose-lint-premise";
const BUILD_LIMIT: Duration = Duration::from_secs(300);

/// A test image made from busybox.
#[derive(Clone, Debug)]
pub struct Spec {
    pub name: &'static str,
    /// `/bin/sh` and every other applet as symlinks to busybox; without it
    /// only the `applets` listed are there.
    pub shell: bool,
    pub applets: Vec<&'static str>,
    /// `USER`, if any (the image runs as root otherwise).
    pub user: Option<&'static str>,
    pub workdir: Option<&'static str>,
    pub dirs: Vec<Dir>,
    pub files: Vec<File>,
    /// `CMD` in exec form.
    pub cmd: Vec<&'static str>,
}

#[derive(Clone, Debug)]
pub struct Dir {
    pub path: &'static str,
    /// `uid:gid`
    pub owner: &'static str,
}

#[derive(Clone, Debug)]
pub struct File {
    pub path: &'static str,
    pub owner: &'static str,
    pub mode: u32,
    pub content: &'static str,
}

/// The users every test image knows: root and `app` (3000:3000).
const PASSWD: &str = "root:x:0:0:root:/root:/bin/sh\napp:x:3000:3000:app:/home/app:/bin/sh\n";
const GROUP: &str = "root:x:0:\napp:x:3000:\n";

impl Spec {
    pub fn new(name: &'static str) -> Spec {
        Spec {
            name,
            shell: true,
            applets: Vec::new(),
            user: None,
            workdir: None,
            dirs: Vec::new(),
            files: Vec::new(),
            cmd: Vec::new(),
        }
    }

    /// The build context and Dockerfile this spec stands for.
    fn write_context(&self, dir: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::copy("/bin/busybox", dir.join("busybox")).unwrap();
        std::fs::write(dir.join("passwd"), PASSWD).unwrap();
        std::fs::write(dir.join("group"), GROUP).unwrap();
        let mut df = String::from("FROM scratch\nCOPY busybox /bin/busybox\n");
        if self.shell {
            df.push_str("RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\n");
        }
        for a in &self.applets {
            df.push_str(&format!(
                "RUN [\"/bin/busybox\", \"ln\", \"-s\", \"busybox\", \"/bin/{a}\"]\n"
            ));
        }
        df.push_str("COPY passwd group /etc/\n");
        for (i, d) in self.dirs.iter().enumerate() {
            let local = format!("d{i}");
            std::fs::create_dir(dir.join(&local)).unwrap();
            df.push_str(&format!("COPY --chown={} {local} {}\n", d.owner, d.path));
        }
        for (i, f) in self.files.iter().enumerate() {
            let local = format!("f{i}");
            let p = dir.join(&local);
            std::fs::write(&p, f.content).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(f.mode)).unwrap();
            df.push_str(&format!("COPY --chown={} {local} {}\n", f.owner, f.path));
        }
        if let Some(u) = self.user {
            df.push_str(&format!("USER {u}\n"));
        }
        if let Some(w) = self.workdir {
            df.push_str(&format!("WORKDIR {w}\n"));
        }
        if !self.cmd.is_empty() {
            let words: Vec<String> = self.cmd.iter().map(|w| format!("{w:?}")).collect();
            df.push_str(&format!("CMD [{}]\n", words.join(", ")));
        }
        std::fs::write(dir.join("Dockerfile"), df).unwrap();
    }

    /// The image's tag, built now unless a build of the same content is
    /// already there.
    pub fn build(&self) -> String {
        let ctx = tempfile::tempdir().unwrap();
        self.write_context(ctx.path());
        build_context(self.name, ctx.path(), &[])
    }
}

/// Builds `context` (its `Dockerfile`) as `compose-lint-premise/<name>`,
/// with build arguments, cached by content.
pub fn build_context(name: &str, context: &Path, args: &[(&str, &str)]) -> String {
    // One build at a time in this process: two tests asking for the same
    // image would otherwise both build it.
    static BUILDING: Mutex<()> = Mutex::new(());
    let _one = BUILDING.lock().unwrap_or_else(|e| e.into_inner());

    let tag = format!("{REPO}/{name}:{}", content_hash(context, args));
    let present = try_run(
        Command::new("docker").args(["image", "inspect", "--format", "{{.Id}}", &tag]),
        Duration::from_secs(30),
    )
    .is_ok_and(|o| o.status.success());
    if present {
        return tag;
    }
    let mut argv = vec!["build".to_string(), "-q".into(), "-t".into(), tag.clone()];
    for (k, v) in args {
        argv.push("--build-arg".into());
        argv.push(format!("{k}={v}"));
    }
    argv.push(context.display().to_string());
    let mut out = run(Command::new("docker").args(&argv), BUILD_LIMIT);
    if !out.status.success() {
        // No buildx plugin for BuildKit: the classic builder.
        out = run(
            Command::new("docker")
                .env("DOCKER_BUILDKIT", "0")
                .args(&argv),
            BUILD_LIMIT,
        );
    }
    assert!(
        out.status.success(),
        "docker build of {tag} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    prune_stale(name, &tag);
    tag
}

/// Removes the other (older) cached builds of one image name.
fn prune_stale(name: &str, keep: &str) {
    let listed = docker(
        &[
            "image",
            "ls",
            "--format",
            "{{.Repository}}:{{.Tag}}",
            &format!("{REPO}/{name}"),
        ],
        Duration::from_secs(30),
    );
    for old in listed
        .lines()
        .filter(|t| *t != keep && !t.ends_with(":<none>"))
    {
        let out = run(
            Command::new("docker").args(["image", "rm", old]),
            Duration::from_secs(60),
        );
        if !out.status.success() {
            // Still used by a derived image or a container: left for next time.
            eprintln!("note: could not remove {old}: {}", first_line(&out.stderr));
        }
    }
}

/// A hash of everything a build reads: files in name order, with their
/// names and modes, and the build arguments.
fn content_hash(context: &Path, args: &[(&str, &str)]) -> String {
    use std::os::unix::fs::PermissionsExt;
    let mut files = Vec::new();
    collect(context, context, &mut files);
    files.sort();
    let mut h = DefaultHasher::new();
    for rel in &files {
        let p = context.join(rel);
        let meta = std::fs::symlink_metadata(&p).unwrap();
        h.write(rel.to_string_lossy().as_bytes());
        h.write_u8(0);
        h.write_u32(meta.permissions().mode());
        if meta.is_file() {
            h.write(&std::fs::read(&p).unwrap());
        }
        h.write_u8(0);
    }
    for (k, v) in args {
        h.write(k.as_bytes());
        h.write_u8(b'=');
        h.write(v.as_bytes());
        h.write_u8(0);
    }
    format!("{:016x}", h.finish())
}

fn collect(root: &Path, dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        out.push(p.strip_prefix(root).unwrap().to_path_buf());
        if e.file_type().unwrap().is_dir() {
            collect(root, &p, out);
        }
    }
}

/// `docker save` of an image into `dir`, for `--image-archive`.
pub fn save(tag: &str, dir: &Path) -> PathBuf {
    let file = dir.join(format!("{}.tar", tag.replace(['/', ':'], "_")));
    docker(
        &["save", "-o", &file.display().to_string(), tag],
        Duration::from_secs(120),
    );
    file
}
