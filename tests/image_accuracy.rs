//! The accuracy check (issue 14): real images built here from the
//! Dockerfiles in fixtures/accuracy/, on a real Debian base made from
//! Debian's packages (scripts/debian-base-image.sh), compared with what the
//! Dockerfile evaluation predicts: the user, every path the prediction
//! lists (kind, owner, mode), every listing it calls complete, and the
//! probe paths of each case (present, absent or unknown).
//!
//! A wrong prediction fails the test; "unknown" is counted and printed.
//! It needs an engine, root and debootstrap, so it is `#[ignore]`d in the
//! plain `cargo test`; `.ci/run` runs it with `--ignored`. Without them it
//! prints one `SKIPPED` line and passes.

use std::path::{Path, PathBuf};
use std::process::Command;

use compose_lint::image::archive;
use compose_lint::image::builtin::{builtin, Lookup};
use compose_lint::image::dockerfile::{self, BuildOptions};
use compose_lint::image::{Image, PathFact, PathKind};

fn skip(why: &str) {
    eprintln!("SKIPPED image_accuracy: {why}");
}

fn sh(cmd: &mut Command) -> Result<String, String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .join("\n")
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// One disagreement, or one thing the prediction left unknown.
#[derive(Default)]
struct Tally {
    checked: usize,
    unknown: Vec<String>,
    wrong: Vec<String>,
}

fn children(img: &Image, dir: &str) -> Vec<String> {
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    let mut v: Vec<String> = img
        .fs
        .entries
        .keys()
        .filter_map(|k| k.strip_prefix(prefix.as_str()))
        .filter(|r| !r.is_empty() && !r.contains('/'))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn compare(case: &str, predicted: &Image, built: &Image, probes: &[String], t: &mut Tally) {
    // The user.
    let user = |img: &Image| {
        img.user
            .as_ref()
            .map(|u| img.resolve_user(if u.value.is_empty() { "root" } else { &u.value }))
    };
    match (user(predicted), user(built)) {
        (Some(Ok(p)), Some(Ok(b))) => {
            t.checked += 1;
            if p.uid != b.uid || (p.gid.is_some() && p.gid != b.gid) {
                t.wrong.push(format!(
                    "{case}: user {} predicted, {} built",
                    p.render(),
                    b.render()
                ));
            }
        }
        (p, _) => t.unknown.push(format!("{case}: user ({p:?})")),
    }
    // Every path the prediction lists.
    for (path, e) in &predicted.fs.entries {
        if path.starts_with("/proc") || path.starts_with("/sys") || path.starts_with("/dev") {
            continue;
        }
        // The entry itself (a symlink is compared as a symlink).
        let Some(b) = built.fs.get(path) else {
            // A path under a symlink the archive does not follow the same way.
            if predicted.fs.query(path).exists().is_some() {
                t.wrong.push(format!(
                    "{case}: {path} predicted present, not in the image"
                ));
            }
            continue;
        };
        t.checked += 1;
        if let (Some(pk), Some(bk)) = (e.kind, b.kind) {
            if pk != bk && !(pk == PathKind::Dir && bk == PathKind::Symlink) {
                t.wrong.push(format!(
                    "{case}: {path} kind {pk:?} predicted, {bk:?} built"
                ));
            }
        }
        if let (Some(pu), Some(bu)) = (e.uid, b.uid) {
            if pu != bu {
                t.wrong
                    .push(format!("{case}: {path} uid {pu} predicted, {bu} built"));
            }
        }
        if let (Some(pg), Some(bg)) = (e.gid, b.gid) {
            if pg != bg {
                t.wrong
                    .push(format!("{case}: {path} gid {pg} predicted, {bg} built"));
            }
        }
        if let (Some(pm), Some(bm)) = (e.mode, b.mode) {
            // The mode of a symlink is not meaningful.
            if pm != bm && e.kind != Some(PathKind::Symlink) {
                t.wrong.push(format!(
                    "{case}: {path} mode {pm:04o} predicted, {bm:04o} built"
                ));
            }
        }
        if e.uid.is_none() || e.mode.is_none() {
            t.unknown.push(format!("{case}: {path} owner or mode"));
        }
        // A listing called complete must be the image's listing.
        // (Not where a step that was not read exactly may have added.)
        if e.children_complete
            && e.kind == Some(PathKind::Dir)
            && predicted.fs.unknown_area(path).is_none()
        {
            let (p, b) = (children(predicted, path), children(built, path));
            if p != b {
                let extra: Vec<_> = b.iter().filter(|n| !p.contains(n)).collect();
                let missing: Vec<_> = p.iter().filter(|n| !b.contains(n)).collect();
                t.wrong.push(format!(
                    "{case}: {path} listing: the image also has {extra:?}, lacks {missing:?}"
                ));
            }
        }
    }
    // The probes.
    for p in probes {
        t.checked += 1;
        match (predicted.fs.query(p), built.fs.query(p)) {
            (PathFact::Unknown { reason }, _) => t.unknown.push(format!("{case}: {p}: {reason}")),
            (PathFact::Absent { .. }, PathFact::Exists(_)) => t.wrong.push(format!(
                "{case}: {p} predicted absent, present in the image"
            )),
            (PathFact::Exists(_), PathFact::Absent { .. }) => t.wrong.push(format!(
                "{case}: {p} predicted present, absent in the image"
            )),
            _ => {}
        }
    }
}

#[test]
#[ignore = "needs a Docker engine, root and debootstrap; run by .ci/run (cargo test --test image_accuracy -- --ignored)"]
fn predictions_match_built_images() {
    if sh(Command::new("docker").args(["info", "--format", "{{.ServerVersion}}"])).is_err() {
        return skip("no Docker engine reachable");
    }
    if sh(Command::new("sh").args(["-c", "command -v debootstrap"])).is_err() {
        return skip("debootstrap is not installed");
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = match sh(Command::new(root.join("scripts/debian-base-image.sh")).arg("bookworm")) {
        Ok(tag) => tag,
        Err(e) => return skip(&format!("could not make the Debian base image: {e}")),
    };
    let dir = tempfile::tempdir().unwrap();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures/accuracy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    cases.sort();
    assert!(cases.len() >= 3);
    let mut t = Tally::default();
    for case_dir in &cases {
        let case = case_dir.file_name().unwrap().to_string_lossy().to_string();
        let tag = format!("compose-lint-accuracy/{case}:latest");
        sh(Command::new("docker")
            .args(["build", "-q", "--build-arg"])
            .arg(format!("BASE={base}"))
            .args(["-t", &tag])
            .arg(case_dir))
        .unwrap_or_else(|e| panic!("{case}: docker build: {e}"));
        let tar = dir.path().join(format!("{case}.tar"));
        sh(Command::new("docker")
            .args(["save", "-o"])
            .arg(&tar)
            .arg(&tag))
        .unwrap_or_else(|e| panic!("{case}: docker save: {e}"));
        let built = archive::read_file(&tar)
            .unwrap_or_else(|e| panic!("{case}: {e}"))
            .remove(0)
            .image;
        // The prediction: the Dockerfile on `debian:bookworm`'s built-in facts.
        let text = std::fs::read_to_string(case_dir.join("Dockerfile")).unwrap();
        let predicted = dockerfile::evaluate(
            &dockerfile::parse(&text),
            &BuildOptions {
                label: format!("fixtures/accuracy/{case}/Dockerfile"),
                context: Some(case_dir.clone()),
                ..Default::default()
            },
            &|name| match builtin().lookup(name) {
                Lookup::Found(img) => Some((*img).clone()),
                _ => None,
            },
        )
        .unwrap();
        let probes: Vec<String> = std::fs::read_to_string(case_dir.join("probes.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|l| l.starts_with('/'))
            .map(str::to_string)
            .collect();
        compare(&case, &predicted, &built, &probes, &mut t);
    }
    eprintln!(
        "image_accuracy: {} facts compared over {} images; {} left unknown by the prediction, {} wrong",
        t.checked,
        cases.len(),
        t.unknown.len(),
        t.wrong.len()
    );
    for u in t.unknown.iter().filter(|u| !u.contains("owner or mode")) {
        eprintln!("  unknown: {u}");
    }
    assert!(
        t.wrong.is_empty(),
        "wrong predictions:\n{}",
        t.wrong.join("\n")
    );
}
