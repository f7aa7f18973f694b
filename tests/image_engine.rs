//! The engine source against the real local engine, with an image this
//! test builds FROM scratch (busybox from busybox-static, files prepared in
//! the build context). Skips, saying why, when docker or /bin/busybox is
//! missing. The image is removed at the end.

use std::path::Path;
use std::process::Command;

use compose_lint::image::{engine, Evidence, PathFact};

fn docker_ok() -> bool {
    Command::new("docker")
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .is_ok_and(|o| o.status.success())
}

struct RemoveImage(String);
impl Drop for RemoveImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["image", "rm", "-f", &self.0])
            .output();
    }
}

#[test]
fn engine_reads_a_locally_built_image() {
    if !Path::new("/bin/busybox").exists() {
        eprintln!("SKIPPED: /bin/busybox is missing (apt-get install busybox-static)");
        return;
    }
    if !docker_ok() {
        eprintln!("SKIPPED: no Docker engine reachable");
        return;
    }
    let ctx = tempfile::tempdir().unwrap();
    let c = ctx.path();
    std::fs::copy("/bin/busybox", c.join("busybox")).unwrap();
    std::fs::create_dir(c.join("home")).unwrap();
    std::fs::write(c.join("home/.profile"), "export A=1\n").unwrap();
    std::fs::write(
        c.join("passwd"),
        "root:x:0:0:root:/root:/bin/sh\napp:x:3000:3000::/home/app:/bin/sh\n",
    )
    .unwrap();
    std::fs::write(
        c.join("Dockerfile"),
        "FROM scratch\nCOPY busybox /bin/busybox\nCOPY passwd /etc/passwd\nCOPY --chown=3000:3000 home /home/app\nUSER 3000\nWORKDIR /home/app\nENTRYPOINT [\"/bin/busybox\", \"sleep\"]\nCMD [\"1\"]\n",
    )
    .unwrap();
    let tag = format!("compose-lint-test/engine:{}", std::process::id());
    let _guard = RemoveImage(tag.clone());
    let mut built = Command::new("docker")
        .args(["build", "-q", "-t", &tag])
        .arg(c)
        .output()
        .unwrap();
    if !built.status.success() {
        // No buildx plugin: the classic builder.
        built = Command::new("docker")
            .env("DOCKER_BUILDKIT", "0")
            .args(["build", "-q", "-t", &tag])
            .arg(c)
            .output()
            .unwrap();
    }
    assert!(
        built.status.success(),
        "docker build failed: {}",
        String::from_utf8_lossy(&built.stderr)
    );

    let img = engine::image(&tag).expect("engine reads the image");
    let user = img.resolve_user(&img.user.as_ref().unwrap().value).unwrap();
    assert_eq!(user.render(), "app (3000:3000)");
    assert!(matches!(
        img.user.as_ref().unwrap().evidence,
        Evidence::Engine { ref image_id } if image_id.starts_with("sha256:")
    ));
    let home = img.fs.query("/home/app");
    let h = home.exists().expect("/home/app exists");
    assert_eq!(h.owner().as_deref(), Some("3000:3000"));
    assert!(img.fs.query("/home/app/.profile").exists().is_some());
    assert!(
        img.fs.query("/home/app/store").is_absent(),
        "{:?}",
        img.fs.query("/home/app/store")
    );
    assert!(img.fs.query("/bin/busybox").exists().is_some());
    assert!(matches!(img.fs.query("/bin/sh"), PathFact::Absent { .. }));

    // Never pulls: an image that is not present is unknown, with the reason.
    let missing = format!("compose-lint-test/missing:{}", std::process::id());
    let err = engine::image(&missing).unwrap_err();
    assert!(err.contains("not present"), "{err}");
    // A name that would be read as a flag is refused before running anything.
    assert!(engine::image("-o/tmp/x").is_err());
}
