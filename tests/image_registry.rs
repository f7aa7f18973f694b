//! `--pull` against a real registry: Debian's `docker-registry` (CNCF
//! Distribution) started here on 127.0.0.1, with images built here from
//! busybox-static and pushed with the docker CLI. No mocks: the fault
//! cases use the real registry (wrong credentials, a missing tag, a layer
//! truncated in its storage) or a real local socket that misbehaves (one
//! that never answers, one that redirects for ever).
//!
//! Skips with one line when there is no engine, no `docker-registry` or no
//! `/bin/busybox`. The test that nothing connects without `--pull` needs
//! none of them.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command as Process, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use compose_lint::image::{archive, registry, Image, PathKind};

fn registry_bin() -> Option<PathBuf> {
    let p = std::env::var_os("COMPOSE_LINT_REGISTRY_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/bin/docker-registry"));
    p.exists().then_some(p)
}

fn docker_ok() -> bool {
    Process::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Why these tests cannot run here, if they cannot.
fn missing() -> Option<&'static str> {
    if registry_bin().is_none() {
        return Some("no /usr/bin/docker-registry (apt-get install docker-registry)");
    }
    let htpasswd = Process::new("htpasswd").arg("-h").output();
    if htpasswd.is_err() {
        return Some("no htpasswd (apt-get install apache2-utils)");
    }
    if !Path::new("/bin/busybox").exists() {
        return Some("/bin/busybox is missing (apt-get install busybox-static)");
    }
    if !docker_ok() {
        return Some("no Docker engine reachable");
    }
    None
}

macro_rules! need_parts {
    () => {
        if let Some(why) = missing() {
            eprintln!("SKIPPED: {why}");
            return;
        }
    };
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A `docker-registry` process; killed on drop.
struct Registry {
    child: Option<Child>,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Registry {
    /// Serves `storage`; with `htpasswd`, only to that user.
    fn start(storage: &Path, htpasswd: Option<(&str, &str)>) -> Registry {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut auth = String::new();
        if let Some((user, pass)) = htpasswd {
            let out = Process::new("htpasswd")
                .args(["-Bbn", user, pass])
                .output()
                .expect("htpasswd (apache2-utils)");
            assert!(out.status.success());
            let file = dir.path().join("htpasswd");
            std::fs::write(&file, out.stdout).unwrap();
            auth = format!(
                "auth:\n  htpasswd:\n    realm: test\n    path: {}\n",
                file.display()
            );
        }
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n{auth}http:\n  addr: 127.0.0.1:{port}\n",
                storage.display()
            ),
        )
        .unwrap();
        let child = Process::new(registry_bin().unwrap())
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let r = Registry {
            child: Some(child),
            port,
            _dir: dir,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "the registry did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        r
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        self.stop();
    }
}

fn docker(args: &[&str]) {
    let out = Process::new("docker").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "docker {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

struct RemoveImages(Vec<String>);
impl Drop for RemoveImages {
    fn drop(&mut self) {
        for t in &self.0 {
            let _ = Process::new("docker")
                .args(["image", "rm", "-f", t])
                .output();
        }
    }
}

/// The seed's analogue, built once: a `USER 3000` image with
/// `/home/rocketmq` (owned by 3000) and no `/home/rocketmq/store`, in
/// three layers, one with a whiteout. Returns the local tag.
fn broker_image() -> &'static str {
    static TAG: OnceLock<String> = OnceLock::new();
    TAG.get_or_init(|| {
        let ctx = tempfile::tempdir().unwrap();
        let c = ctx.path();
        std::fs::copy("/bin/busybox", c.join("busybox")).unwrap();
        std::fs::create_dir_all(c.join("home/logs")).unwrap();
        std::fs::write(c.join("home/.profile"), "export A=1\n").unwrap();
        std::fs::write(c.join("home/old.txt"), "x\n").unwrap();
        std::fs::write(
            c.join("passwd"),
            "root:x:0:0:root:/root:/bin/sh\nrocketmq:x:3000:3000::/home/rocketmq:/bin/sh\n",
        )
        .unwrap();
        std::fs::write(c.join("group"), "root:x:0:\nrocketmq:x:3000:\n").unwrap();
        std::fs::write(
            c.join("Dockerfile"),
            "FROM scratch\n\
             COPY busybox /bin/busybox\n\
             COPY passwd /etc/passwd\n\
             COPY group /etc/group\n\
             COPY --chown=3000:3000 home /home/rocketmq\n\
             RUN [\"/bin/busybox\", \"rm\", \"/home/rocketmq/old.txt\"]\n\
             USER 3000\n\
             WORKDIR /home/rocketmq\n\
             ENV ROCKETMQ_HOME=/home/rocketmq\n\
             VOLUME /home/rocketmq/logs\n\
             STOPSIGNAL SIGINT\n\
             ENTRYPOINT [\"/bin/busybox\", \"sleep\"]\n\
             CMD [\"3600\"]\n",
        )
        .unwrap();
        // One fixed tag, rebuilt from the build cache by each run (a
        // static cannot remove it at the end).
        let tag = "compose-lint-test/broker:registry".to_string();
        let out = Process::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q", "-t", &tag])
            .arg(c)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "docker build: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        tag
    })
}

/// Pushes the local `tag` as `<registry>/<name>`.
fn push(tag: &str, remote: &str) -> RemoveImages {
    docker(&["tag", tag, remote]);
    docker(&["push", "-q", remote]);
    RemoveImages(vec![remote.to_string()])
}

struct Project {
    dir: tempfile::TempDir,
    cache: tempfile::TempDir,
    docker_config: tempfile::TempDir,
}

impl Project {
    fn new(compose: &str) -> Project {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), compose).unwrap();
        Project {
            dir,
            cache: tempfile::tempdir().unwrap(),
            docker_config: tempfile::tempdir().unwrap(),
        }
    }

    fn seed(image: &str) -> Project {
        Project::new(&format!(
            "services:\n  broker:\n    image: {image}\n    volumes:\n      - store:/home/rocketmq/store\nvolumes:\n  store:\n"
        ))
    }

    fn login(&self, registry: &str, user: &str, pass: &str) {
        use base64::Engine as _;
        let auth = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
        std::fs::write(
            self.docker_config.path().join("config.json"),
            format!("{{\"auths\": {{\"{registry}\": {{\"auth\": \"{auth}\"}}}}}}"),
        )
        .unwrap();
    }

    /// Runs compose-lint; (exit code, stdout, stderr).
    fn run(&self, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = Command::cargo_bin("compose-lint").unwrap();
        cmd.current_dir(self.dir.path())
            .env_remove("COMPOSE_FILE")
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env("COMPOSE_LINT_CACHE", self.cache.path())
            .env("DOCKER_CONFIG", self.docker_config.path())
            .env("COMPOSE_LINT_REGISTRY_TIMEOUT", "10")
            .args(args)
            .arg("compose.yaml")
            .timeout(Duration::from_secs(120));
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// The `unknown:` line `images --pull` prints for the only service.
    fn unknown_line(&self, env: &[(&str, &str)]) -> String {
        let (code, out, err) = self.run(&["images", "--pull"], env);
        assert_eq!(code, 0, "{out}{err}");
        let lines: Vec<&str> = out
            .lines()
            .filter(|l| l.trim_start().starts_with("unknown: "))
            .collect();
        assert_eq!(lines.len(), 1, "one unknown line: {out}");
        eprintln!("{}", lines[0].trim());
        lines[0].trim().to_string()
    }

    fn cached_facts(&self) -> usize {
        std::fs::read_dir(self.cache.path().join("facts"))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

#[test]
fn pull_alone_flags_the_seed_analogue_then_the_cache_serves_it() {
    need_parts!();
    let storage = tempfile::tempdir().unwrap();
    let mut reg = Registry::start(storage.path(), None);
    let image = format!("{}/acme/broker:4.3.1", reg.host());
    let _rm = push(broker_image(), &image);
    let p = Project::seed(&image);

    // Without --pull nothing is known: no finding.
    let (code, out, _) = p.run(&["check"], &[]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(p.cached_facts(), 0);

    let (code, out, err) = p.run(&["check", "--pull"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("M101"), "{out}");
    assert!(out.contains("/home/rocketmq/store"), "{out}");
    assert!(
        out.contains(&format!("registry {}/acme/broker@sha256:", reg.host())),
        "{out}"
    );
    assert_eq!(p.cached_facts(), 1);

    // `images --pull` names the registry, the digest and the layer of
    // each path.
    let (_, listing, _) = p.run(&["images", "--pull"], &[]);
    assert!(
        listing.contains("  user: rocketmq (3000:3000)\n"),
        "{listing}"
    );
    let home = listing
        .lines()
        .find(|l| l.trim_start().starts_with("/home/rocketmq:"))
        .unwrap();
    assert!(home.contains("owner 3000:3000"), "{home}");
    assert!(home.contains(" layer sha256:"), "{home}");
    assert!(
        listing.contains("/home/rocketmq/store: absent"),
        "{listing}"
    );

    // The registry is gone: the second run is served from the cache.
    reg.stop();
    let (code, out, _) = p.run(&["check", "--offline"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("M101"), "{out}");
    // A fresh tag resolution is trusted for its time to live...
    let (code, out, _) = p.run(&["check", "--pull"], &[]);
    assert_eq!(code, 1, "{out}");
    // ... and after it, the registry is asked again (and is down).
    let line = p.unknown_line(&[("COMPOSE_LINT_TAG_TTL", "0")]);
    assert!(line.contains("could not connect"), "{line}");
    // --offline takes any age, and never connects.
    let (code, _, _) = p.run(&["check", "--offline"], &[("COMPOSE_LINT_TAG_TTL", "0")]);
    assert_eq!(code, 1);
}

/// The library reads the cache directory from the environment: one for
/// the whole test binary, set once (tests run in parallel).
fn lib_cache() {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = tempfile::tempdir().unwrap();
        std::env::set_var("COMPOSE_LINT_CACHE", d.path());
        d
    });
}

/// The facts that an image's content determines, without their evidence.
fn comparable(img: &Image) -> String {
    let mut s = String::new();
    let v = |f: &Option<compose_lint::image::Fact<String>>| f.as_ref().map(|f| f.value.clone());
    s += &format!("user {:?}\nworkdir {:?}\n", v(&img.user), v(&img.workdir));
    s += &format!(
        "entrypoint {:?}\ncmd {:?}\n",
        img.entrypoint.as_ref().map(|f| &f.value),
        img.cmd.as_ref().map(|f| &f.value)
    );
    for (k, f) in &img.env {
        s += &format!("env {k}={}\n", f.value);
    }
    for f in &img.volumes {
        s += &format!("volume {}\n", f.value);
    }
    s += &format!(
        "stop {:?} health {:?}\n",
        v(&img.stop_signal),
        img.healthcheck.as_ref().map(|f| f.value)
    );
    for u in &img.users {
        s += &format!("user {} {:?} {:?} {:?}\n", u.name, u.uid, u.gid, u.home);
    }
    for g in &img.groups {
        s += &format!("group {} {:?}\n", g.name, g.gid);
    }
    for (p, e) in &img.fs.entries {
        s += &format!(
            "{p} {:?} {:?} {:?} {:?} {:?} {:?} {}\n",
            e.kind, e.uid, e.gid, e.mode, e.content, e.link, e.children_complete
        );
    }
    s
}

#[test]
fn pull_gives_the_facts_of_the_saved_image() {
    need_parts!();
    let storage = tempfile::tempdir().unwrap();
    let reg = Registry::start(storage.path(), None);
    let image = format!("{}/acme/same:1", reg.host());
    let _rm = push(broker_image(), &image);
    let saved = tempfile::tempdir().unwrap();
    let tar = saved.path().join("image.tar");
    docker(&["save", "-o", tar.to_str().unwrap(), broker_image()]);
    let from_archive = archive::read_file(&tar).unwrap().remove(0).image;
    lib_cache();
    let pulled = registry::image(&image, None, false).unwrap();
    let expected = comparable(&from_archive);
    assert!(expected.contains("/home/rocketmq/.profile"), "{expected}");
    assert!(
        !expected.contains("old.txt"),
        "the whiteout applies: {expected}"
    );
    assert_eq!(comparable(&pulled), expected);
    assert!(pulled
        .fs
        .entries
        .values()
        .any(|e| e.kind == Some(PathKind::File)));
    // From the cache, the same again, evidence included.
    let cached = registry::image(&image, None, true).unwrap();
    assert_eq!(cached, pulled);

    // The engine's facts go to the same store, under the image ID: the
    // second read is the cache's, and equal.
    let first = compose_lint::image::engine::image(broker_image()).unwrap();
    assert_eq!(comparable(&first), expected);
    let id = Process::new("docker")
        .args(["image", "inspect", "--format", "{{.Id}}", broker_image()])
        .output()
        .unwrap();
    let id = String::from_utf8(id.stdout).unwrap().trim().to_string();
    let file = compose_lint::image::cache::facts_path(&id).unwrap();
    assert!(file.exists(), "{}", file.display());
    assert_eq!(
        compose_lint::image::engine::image(broker_image()).unwrap(),
        first
    );

    // A zstd-compressed copy (skopeo), where skopeo is here.
    let auth_file = saved.path().join("auth.json");
    std::fs::write(&auth_file, "{}").unwrap();
    let zimage = format!("{}/acme/same:zstd", reg.host());
    let copied = skopeo_zstd(broker_image(), &zimage, &auth_file);
    match copied {
        Ok(o) if o.status.success() => {
            let manifest = ureq::get(&format!(
                "http://{}/v2/acme/same/manifests/zstd",
                reg.host()
            ))
            .set("Accept", "application/vnd.oci.image.manifest.v1+json")
            .call()
            .unwrap()
            .into_string()
            .unwrap();
            assert!(manifest.contains("tar+zstd"), "{manifest}");
            let z = registry::image(&zimage, None, false).unwrap();
            assert_eq!(comparable(&z), expected);
        }
        Ok(o) => panic!("skopeo copy: {}", String::from_utf8_lossy(&o.stderr)),
        Err(_) => eprintln!("SKIPPED (zstd part): no skopeo"),
    }
}

/// `skopeo copy` of a local image to the registry as an OCI image with
/// zstd layers.
fn skopeo_zstd(
    local: &str,
    remote: &str,
    auth_file: &Path,
) -> std::io::Result<std::process::Output> {
    Process::new("skopeo")
        .env("REGISTRY_AUTH_FILE", auth_file)
        .args([
            "copy",
            "-q",
            "--format",
            "oci",
            "--dest-tls-verify=false",
            "--dest-compress-format",
            "zstd",
            &format!("docker-daemon:{local}"),
            &format!("docker://{remote}"),
        ])
        .output()
}

/// The digest and media type of a manifest in the registry.
fn manifest_of(host: &str, repo: &str, tag: &str) -> (String, String, u64) {
    let resp = ureq::get(&format!("http://{host}/v2/{repo}/manifests/{tag}"))
        .set(
            "Accept",
            "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json",
        )
        .call()
        .unwrap();
    let digest = resp.header("docker-content-digest").unwrap().to_string();
    let media = resp.content_type().to_string();
    let body = resp.into_string().unwrap();
    (digest, media, body.len() as u64)
}

#[test]
fn an_index_is_narrowed_to_the_platform() {
    need_parts!();
    let storage = tempfile::tempdir().unwrap();
    let reg = Registry::start(storage.path(), None);
    let host = reg.host();
    let _rm = push(broker_image(), &format!("{host}/acme/multi:amd64"));
    // A second, different image (USER 42), from `docker import`.
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(root.path().join("bin")).unwrap();
    std::fs::copy("/bin/busybox", root.path().join("bin/busybox")).unwrap();
    let other = format!("compose-lint-test/other:{}", std::process::id());
    let mut tar = Process::new("tar")
        .args(["-C", root.path().to_str().unwrap(), "-c", "."])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let imported = Process::new("docker")
        .args(["import", "--change", "USER 42", "-", &other])
        .stdin(tar.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(tar.wait().unwrap().success());
    assert!(
        imported.status.success(),
        "{}",
        String::from_utf8_lossy(&imported.stderr)
    );
    let _rm2 = RemoveImages(vec![other.clone()]);
    let _rm3 = push(&other, &format!("{host}/acme/multi:arm64"));
    let (d1, m1, s1) = manifest_of(&host, "acme/multi", "amd64");
    let (d2, m2, s2) = manifest_of(&host, "acme/multi", "arm64");
    let index = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":[
{{"mediaType":"{m2}","digest":"{d2}","size":{s2},"platform":{{"architecture":"arm64","os":"linux","variant":"v8"}}}},
{{"mediaType":"{m1}","digest":"{d1}","size":{s1},"platform":{{"architecture":"amd64","os":"linux"}}}}]}}"#
    );
    ureq::put(&format!("http://{host}/v2/acme/multi/manifests/both"))
        .set(
            "Content-Type",
            "application/vnd.docker.distribution.manifest.list.v2+json",
        )
        .send_string(&index)
        .unwrap();
    lib_cache();
    let both = format!("{host}/acme/multi:both");
    let user = |p: &str| {
        registry::image(&both, Some(p), false)
            .map(|i| i.user.unwrap().value)
            .unwrap()
    };
    assert_eq!(user("linux/arm64"), "42");
    assert_eq!(user("linux/aarch64"), "42");
    assert_eq!(user("linux/amd64"), "3000");
    let err = registry::image(&both, Some("linux/s390x"), false).unwrap_err();
    assert!(err.contains("no image for linux/s390x"), "{err}");
    assert!(err.contains("linux/arm64/v8, linux/amd64"), "{err}");

    // Through the CLI: the service's `platform:` picks.
    let p = Project::new(&format!(
        "services:\n  a:\n    image: {both}\n    platform: linux/arm64\n  b:\n    image: {both}\n    platform: linux/amd64\n"
    ));
    let (code, out, err) = p.run(&["images", "--pull"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    let a = out.split("service b:").next().unwrap();
    assert!(a.contains("  user: 42"), "{out}");
    assert!(out.contains("  user: rocketmq (3000:3000)"), "{out}");
}

#[test]
fn credentials_and_faults_end_in_one_unknown_line() {
    need_parts!();
    let storage = tempfile::tempdir().unwrap();
    let open = Registry::start(storage.path(), None);
    let image_path = "acme/private:1";
    let _rm = push(broker_image(), &format!("{}/{image_path}", open.host()));
    // The same storage, behind htpasswd.
    let locked = Registry::start(storage.path(), Some(("ci", "s3cret")));
    let image = format!("{}/{image_path}", locked.host());
    let p = Project::seed(&image);

    let line = p.unknown_line(&[]);
    assert!(line.contains("needs credentials"), "{line}");
    p.login(&locked.host(), "ci", "wrong");
    let line = p.unknown_line(&[]);
    assert!(line.contains("refused the credentials"), "{line}");
    p.login(&locked.host(), "ci", "s3cret");
    let (code, out, _) = p.run(&["check", "--pull"], &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("M101"), "{out}");

    // A tag that is not there.
    let p404 = Project::seed(&format!("{}/acme/private:nope", open.host()));
    let line = p404.unknown_line(&[]);
    assert!(line.contains("404"), "{line}");
    assert!(line.contains("acme/private:nope"), "{line}");
}

#[test]
fn a_truncated_layer_is_unknown() {
    need_parts!();
    let storage = tempfile::tempdir().unwrap();
    let reg = Registry::start(storage.path(), None);
    let image = format!("{}/acme/cut:1", reg.host());
    let _rm = push(broker_image(), &image);
    // Cut the largest blob (the busybox layer) in half, in the storage.
    let mut biggest: Option<(u64, PathBuf)> = None;
    let mut stack = vec![storage.path().to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let m = e.metadata().unwrap();
            if m.is_dir() {
                stack.push(e.path());
            } else if e.file_name() == "data" && biggest.as_ref().is_none_or(|b| m.len() > b.0) {
                biggest = Some((m.len(), e.path()));
            }
        }
    }
    let (len, path) = biggest.unwrap();
    let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
    f.set_len(len / 2).unwrap();
    let line = Project::seed(&image).unknown_line(&[]);
    assert!(line.contains("layer sha256:"), "{line}");
    assert!(line.contains("truncated"), "{line}");
}

/// A server on a real socket: `answer` gets each connection.
fn serve(answer: fn(TcpStream)) -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for s in l.incoming().flatten() {
            std::thread::spawn(move || answer(s));
        }
    });
    port
}

#[test]
fn a_stalled_registry_is_unknown_within_the_timeout() {
    let port = serve(|s| {
        // Reads the request and never answers.
        let mut s = s;
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        std::thread::sleep(Duration::from_secs(60));
    });
    let p = Project::seed(&format!("127.0.0.1:{port}/acme/stalled:1"));
    let line = p.unknown_line(&[("COMPOSE_LINT_REGISTRY_TIMEOUT", "1")]);
    assert!(line.contains("timed out"), "{line}");
}

#[test]
fn a_redirect_loop_is_unknown() {
    let port = serve(|mut s| {
        let mut buf = [0u8; 4096];
        while let Ok(n) = s.read(&mut buf) {
            if n == 0 {
                return;
            }
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
            let _ = s.write_all(
                format!("HTTP/1.1 302 Found\r\nLocation: {path}\r\nContent-Length: 0\r\n\r\n")
                    .as_bytes(),
            );
        }
    });
    let p = Project::seed(&format!("127.0.0.1:{port}/acme/loop:1"));
    let line = p.unknown_line(&[]);
    assert!(line.contains("redirect"), "{line}");
}

#[test]
fn nothing_connects_without_pull() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let port = l.local_addr().unwrap().port();
    let p = Project::seed(&format!("127.0.0.1:{port}/acme/quiet:1"));
    for args in [
        &["check"][..],
        &["images"],
        &["check", "--offline"],
        &["images", "--offline"],
    ] {
        let (code, out, err) = p.run(args, &[]);
        assert!(code == 0 || code == 1, "{args:?}: {out}{err}");
        if args.contains(&"--offline") {
            assert!(out.contains("--offline") || code == 0, "{args:?}: {out}");
        }
    }
    match l.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("compose-lint connected without --pull: {other:?}"),
    }
    // The listener does take connections: the check above can fail.
    let (code, _, _) = p.run(
        &["images", "--pull"],
        &[("COMPOSE_LINT_REGISTRY_TIMEOUT", "1")],
    );
    assert_eq!(code, 0);
    l.set_nonblocking(false).unwrap();
    assert!(l.accept().is_ok());
}

/// Image facts are resolved only when a selected rule reads them: with
/// `--pull`, a run of rules that read no image connects to nothing, and a
/// run of one that does (M101, the seed's rule) connects.
#[test]
fn pull_connects_only_when_a_selected_rule_reads_images() {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.set_nonblocking(true).unwrap();
    let port = l.local_addr().unwrap().port();
    let p = Project::seed(&format!("127.0.0.1:{port}/acme/lazy:1"));
    let timeout = [("COMPOSE_LINT_REGISTRY_TIMEOUT", "1")];
    let (code, out, err) = p.run(&["check", "--pull", "--select", "P101,C112"], &timeout);
    assert!(code == 0 || code == 1, "{out}{err}");
    match l.accept() {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
        other => panic!("no selected rule reads images, yet it connected: {other:?}"),
    }
    let (code, out, err) = p.run(&["check", "--pull", "--select", "M101"], &timeout);
    assert!(code == 0 || code == 1, "{out}{err}");
    l.set_nonblocking(false).unwrap();
    assert!(l.accept().is_ok(), "M101 reads the image: --pull must ask");
}

/// `pull = true` in the config holds for every file named, not only the
/// first. With several files, each is linted as soon as its job is
/// planned, before the first job's config is known (see `cli::check`);
/// a config that turns pulling on has them linted again, pulling.
#[test]
fn a_config_that_pulls_holds_for_every_file_named() {
    need_parts!();
    let storage = tempfile::tempdir().unwrap();
    let reg = Registry::start(storage.path(), None);
    let image = format!("{}/acme/broker:4.3.1", reg.host());
    let _rm = push(broker_image(), &image);
    let p = Project::seed(&image);
    let dir = p.dir.path();
    std::fs::create_dir(dir.join("second")).unwrap();
    std::fs::copy(dir.join("compose.yaml"), dir.join("second/compose.yaml")).unwrap();
    let flagged = |out: &str| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_str(out).unwrap();
        let mut files: Vec<String> = v["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["code"] == "M101")
            .map(|d| d["file"].as_str().unwrap().to_string())
            .collect();
        files.sort();
        files
    };

    // Without the config, nothing is pulled and nothing is known.
    let (code, out, err) = p.run(&["check", "--format", "json", "second/compose.yaml"], &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(flagged(&out).is_empty(), "{out}");

    std::fs::write(dir.join("compose-lint.toml"), "pull = true\n").unwrap();
    let (code, out, err) = p.run(&["check", "--format", "json", "second/compose.yaml"], &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        flagged(&out),
        ["compose.yaml", "second/compose.yaml"],
        "{out}"
    );
    assert_eq!(p.cached_facts(), 1);
}
