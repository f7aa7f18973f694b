//! Image archives built here with the tar crate: `docker save` layout and
//! OCI layout, plain and gzip, with whiteouts, opaque directories, owners,
//! modes and symlinks.

use std::io::Write;

use compose_lint::image::archive::{read_file, read_stream, Origin};
use compose_lint::image::reference::Reference;
use compose_lint::image::{Confidence, Content, ImageCommand, PathFact, PathKind};

enum E<'a> {
    Dir(&'a str, u64, u64, u32),
    File(&'a str, u64, u64, u32, &'a [u8]),
    Link(&'a str, &'a str),
}

fn tar_of(entries: &[E]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for e in entries {
        let mut h = tar::Header::new_gnu();
        match e {
            E::Dir(p, u, g, m) => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_uid(*u);
                h.set_gid(*g);
                h.set_mode(*m);
                h.set_size(0);
                b.append_data(&mut h, p, &[][..]).unwrap();
            }
            E::File(p, u, g, m, data) => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_uid(*u);
                h.set_gid(*g);
                h.set_mode(*m);
                h.set_size(data.len() as u64);
                b.append_data(&mut h, p, *data).unwrap();
            }
            E::Link(p, target) => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_size(0);
                h.set_mode(0o777);
                b.append_link(&mut h, p, target).unwrap();
            }
        }
    }
    b.into_inner().unwrap()
}

fn gz(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

const PASSWD: &[u8] = b"root:x:0:0:root:/root:/bin/sh\napp:x:3000:3001::/home/app:/bin/sh\n";
const GROUP: &[u8] = b"root:x:0:\napp:x:3001:\n";
const CONFIG: &str = r#"{"architecture":"amd64","os":"linux","config":{"User":"app","WorkingDir":"/home/app","Entrypoint":["/bin/sh","-c","exec app"],"Cmd":["serve"],"Env":["PATH=/bin","DATA=/data"],"Volumes":{"/data":{}},"StopSignal":"SIGQUIT","Healthcheck":{"Test":["CMD","true"]}},"rootfs":{"type":"layers","diff_ids":[]}}"#;

fn layers() -> (Vec<u8>, Vec<u8>) {
    let l1 = tar_of(&[
        E::Dir("etc/", 0, 0, 0o755),
        E::File("etc/passwd", 0, 0, 0o644, PASSWD),
        E::File("etc/group", 0, 0, 0o644, GROUP),
        E::Dir("home/", 0, 0, 0o755),
        E::Dir("home/app/", 3000, 3001, 0o700),
        E::File("home/app/.profile", 3000, 3001, 0o644, b"x"),
        E::Dir("opt/old/", 0, 0, 0o755),
        E::File("opt/old/file", 0, 0, 0o644, b"x"),
        E::Dir("var/lib/x/", 0, 0, 0o755),
        E::File("var/lib/x/file1", 0, 0, 0o644, b"x"),
        E::Dir("srv/", 0, 0, 0o755),
        E::Dir("srv/empty/", 5, 5, 0o2775),
    ]);
    let l2 = tar_of(&[
        E::File("opt/.wh.old", 0, 0, 0o644, b""),
        E::Dir("var/lib/x/", 7, 7, 0o750),
        E::File("var/lib/x/.wh..wh..opq", 0, 0, 0o644, b""),
        E::File("var/lib/x/new", 7, 7, 0o600, b"y"),
        E::Link("data", "/home/app"),
    ]);
    (l1, l2)
}

fn docker_save(gzip_layers: bool) -> Vec<u8> {
    let (l1, l2) = layers();
    let (l1, l2) = if gzip_layers {
        (gz(&l1), gz(&l2))
    } else {
        (l1, l2)
    };
    let manifest = r#"[{"Config":"abc123.json","RepoTags":["example/app:1","localhost:5000/app:2"],"Layers":["l1/layer.tar","l2/layer.tar","l3/layer.tar"]}]"#;
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |p: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, p, data).unwrap();
    };
    add("l1/layer.tar", &l1);
    add("l2/layer.tar", &l2);
    add("abc123.json", CONFIG.as_bytes());
    add("manifest.json", manifest.as_bytes());
    // A duplicate layer saved as a symlink, as docker save does.
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Symlink);
    h.set_size(0);
    b.append_link(&mut h, "l3/layer.tar", "../l2/layer.tar")
        .unwrap();
    b.into_inner().unwrap()
}

fn check(images: &[compose_lint::image::archive::ArchiveImage], tag: &str) {
    assert_eq!(images.len(), 1);
    let a = &images[0];
    assert!(a.matches(&Reference::parse(tag).unwrap()));
    assert!(!a.matches(&Reference::parse("example/app:2").unwrap()));
    let img = &a.image;
    assert_eq!(img.confidence, Confidence::Certain);
    let u = img.resolve_user(&img.user.as_ref().unwrap().value).unwrap();
    assert_eq!(u.render(), "app (3000:3001)");
    assert_eq!(img.workdir.as_ref().unwrap().value, "/home/app");
    assert_eq!(
        img.entrypoint.as_ref().unwrap().value,
        Some(ImageCommand::Shell("exec app".into()))
    );
    assert_eq!(
        img.cmd.as_ref().unwrap().value,
        Some(ImageCommand::Exec(vec!["serve".into()]))
    );
    assert_eq!(img.env("DATA").unwrap().value, "/data");
    assert_eq!(img.volumes[0].value, "/data");
    assert_eq!(img.stop_signal.as_ref().unwrap().value, "SIGQUIT");
    assert!(img.healthcheck.as_ref().unwrap().value);

    let home = img.fs.query("/home/app");
    let h = home.exists().unwrap();
    assert_eq!(
        (h.kind, h.owner().as_deref(), h.mode, h.content),
        (
            Some(PathKind::Dir),
            Some("3000:3001"),
            Some(0o700),
            Some(Content::Entries)
        )
    );
    // The whole file system is known: absence is certain.
    assert!(img.fs.query("/home/app/store").is_absent());
    assert!(img.fs.query("/nope").is_absent());
    // Whiteout.
    assert!(img.fs.query("/opt/old").is_absent());
    assert!(img.fs.query("/opt/old/file").is_absent());
    assert!(img.fs.query("/opt").exists().is_some());
    // Opaque directory: lower contents hidden, this layer's kept, metadata updated.
    assert!(img.fs.query("/var/lib/x/file1").is_absent());
    let x = img.fs.query("/var/lib/x");
    assert_eq!(x.exists().unwrap().owner().as_deref(), Some("7:7"));
    assert_eq!(
        img.fs.query("/var/lib/x/new").exists().unwrap().mode,
        Some(0o600)
    );
    // Empty directory, setgid mode kept.
    let e = img.fs.query("/srv/empty");
    let e = e.exists().unwrap();
    assert_eq!((e.mode, e.content), (Some(0o2775), Some(Content::Empty)));
    // Symlink followed.
    assert_eq!(
        img.fs
            .query("/data/.profile")
            .exists()
            .map(|i| i.path.clone()),
        Some("/home/app/.profile".into())
    );
    // Users: /etc/passwd is fully known.
    assert!(img
        .resolve_user("nobody")
        .unwrap_err()
        .contains("does not exist"));
    assert_eq!(img.resolve_user("4000").unwrap().render(), "4000:0");
}

#[test]
fn docker_save_layout() {
    let images = read_stream(&docker_save(false)[..], &Origin::File("x.tar".into())).unwrap();
    check(&images, "docker.io/example/app:1");
    assert_eq!(images[0].digest, "sha256:abc123");
    assert!(images[0].matches(&Reference::parse("localhost:5000/app:2").unwrap()));
}

#[test]
fn gzip_outer_and_layers_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("img.tar.gz");
    std::fs::write(&p, gz(&docker_save(true))).unwrap();
    let images = read_file(&p).unwrap();
    check(&images, "example/app:1");
    let ev = images[0].image.user.as_ref().unwrap().evidence.render();
    assert!(
        ev.starts_with("image archive ") && ev.ends_with("(sha256:abc123)"),
        "{ev}"
    );
}

#[test]
fn oci_layout() {
    let (l1, l2) = layers();
    let l2 = gz(&l2);
    let sha = |n: u8| format!("{:064x}", n);
    let config_d = sha(1);
    let l1_d = sha(2);
    let l2_d = sha(3);
    let manifest_d = sha(4);
    let manifest = format!(
        r#"{{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:{config_d}","size":1}},"layers":[{{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:{l1_d}","size":1}},{{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:{l2_d}","size":1}}]}}"#
    );
    let index = format!(
        r#"{{"schemaVersion":2,"manifests":[{{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:{manifest_d}","size":1,"annotations":{{"io.containerd.image.name":"docker.io/example/app:1","org.opencontainers.image.ref.name":"1"}}}}]}}"#
    );
    let mut b = tar::Builder::new(Vec::new());
    let mut add = |p: &str, data: &[u8]| {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, p, data).unwrap();
    };
    add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
    add(&format!("blobs/sha256/{l1_d}"), &l1);
    add(&format!("blobs/sha256/{l2_d}"), &l2);
    add(&format!("blobs/sha256/{config_d}"), CONFIG.as_bytes());
    add(&format!("blobs/sha256/{manifest_d}"), manifest.as_bytes());
    add("index.json", index.as_bytes());
    let bytes = b.into_inner().unwrap();
    let images = read_stream(&bytes[..], &Origin::File("oci.tar".into())).unwrap();
    // The OCI layout has no symlinked duplicate layer, so compare the rest.
    check(&images, "example/app:1");
    assert_eq!(images[0].digest, format!("sha256:{config_d}"));
}

#[test]
fn broken_archives_are_errors() {
    assert!(read_stream(&b"not a tar"[..], &Origin::File("x".into())).is_err());
    let empty = tar_of(&[E::Dir("x/", 0, 0, 0o755)]);
    let err = read_stream(&empty[..], &Origin::File("x".into())).unwrap_err();
    assert!(err.contains("no image"), "{err}");
    let mut b = tar::Builder::new(Vec::new());
    let m = br#"[{"Config":"c.json","RepoTags":["a:1"],"Layers":["missing/layer.tar"]}]"#;
    let mut h = tar::Header::new_gnu();
    h.set_size(m.len() as u64);
    b.append_data(&mut h, "manifest.json", &m[..]).unwrap();
    let mut h = tar::Header::new_gnu();
    h.set_size(CONFIG.len() as u64);
    b.append_data(&mut h, "c.json", CONFIG.as_bytes()).unwrap();
    let err = read_stream(&b.into_inner().unwrap()[..], &Origin::File("x".into())).unwrap_err();
    assert!(err.contains("missing"), "{err}");
    let _ = PathFact::Unknown {
        reason: String::new(),
    };
}
