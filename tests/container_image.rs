//! The container image built from the root Dockerfile (by .ci/run, after
//! scripts/build-release.sh), named by `COMPOSE_LINT_IMAGE`: `docker run`
//! on the seed project exits 1 with valid SARIF, the default command lints
//! the mounted project, the image runs as a non-root user in /src, and the
//! Action's entry script runs it (`image` input).
//!
//! Skips with one line when `COMPOSE_LINT_IMAGE` is not set or no engine
//! answers.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn image() -> Option<String> {
    let Some(image) = std::env::var("COMPOSE_LINT_IMAGE")
        .ok()
        .filter(|s| !s.is_empty())
    else {
        println!("skipped: the container image tests (COMPOSE_LINT_IMAGE is not set; .ci/run builds the image and sets it)");
        return None;
    };
    let ok = Command::new("docker")
        .args(["image", "inspect", &image])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: the container image tests (no engine, or no image {image})");
        return None;
    }
    Some(image)
}

/// The seed project in a directory the image's user (65532) can read.
fn seed() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(manifest().join("fixtures/seed/failing")).unwrap() {
        let e = e.unwrap();
        let to = dir.path().join(e.file_name());
        std::fs::copy(e.path(), &to).unwrap();
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    dir
}

fn docker_run(image: &str, project: &Path, args: &[&str]) -> Output {
    Command::new("docker")
        .args(["run", "--rm", "--network", "none", "-v"])
        .arg(format!("{}:/src:ro", project.display()))
        .arg(image)
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn docker_run_lints_the_seed_with_sarif() {
    let Some(image) = image() else { return };
    let project = seed();
    let out = docker_run(&image, project.path(), &["--format", "sarif", "."]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let sarif: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF JSON");
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let m101: Vec<_> = results.iter().filter(|r| r["ruleId"] == "M101").collect();
    assert_eq!(m101.len(), 5, "{results:#?}");
    // Paths relative to the mounted project, as code scanning wants them.
    assert_eq!(
        m101[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "docker-compose.yml"
    );
    assert_eq!(
        m101[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
}

#[test]
fn the_default_command_lints_the_mounted_project_as_non_root() {
    let Some(image) = image() else { return };
    let project = seed();
    let out = docker_run(&image, project.path(), &[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("error[M101] new-volume-missing-path"),
        "{text}"
    );
    assert!(text.contains(" --> docker-compose.yml:12:17"), "{text}");
    assert!(
        text.contains("16 problems (5 errors, 8 warnings, 3 infos) in 1 of 1 file;"),
        "{text}"
    );

    // A clean project: exit 0.
    let clean = tempfile::tempdir().unwrap();
    std::fs::write(
        clean.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    std::fs::set_permissions(
        clean.path().join("compose.yaml"),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    std::fs::set_permissions(clean.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = docker_run(&image, clean.path(), &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );

    let inspect = Command::new("docker")
        .args([
            "image",
            "inspect",
            "--format",
            "{{.Config.User}} {{.Config.WorkingDir}} {{json .Config.Entrypoint}} {{len .RootFS.Layers}}",
            &image,
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&inspect.stdout).trim(),
        "65532:65532 /src [\"/usr/local/bin/compose-lint\"] 2",
        "non-root, in /src, two layers (the binary and /src: FROM scratch)"
    );
}

#[test]
fn the_action_runs_the_image() {
    let Some(image) = image() else { return };
    let project = seed();
    let outputs = project.path().join("github_output");
    std::fs::write(&outputs, "").unwrap();
    let out = Command::new("bash")
        .arg(manifest().join("scripts/action-entry.sh"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_WORKSPACE", project.path())
        .env("GITHUB_OUTPUT", &outputs)
        .env("INPUT_IMAGE", &image)
        .env("INPUT_UPLOAD-SARIF", "true")
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{log}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        log.contains("::error file=docker-compose.yml,line=12,col=17,"),
        "{log}"
    );
    assert_eq!(
        std::fs::read_to_string(&outputs).unwrap(),
        "sarif-file=compose-lint.sarif\nexit-code=1\n"
    );
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(project.path().join("compose-lint.sarif")).unwrap(),
    )
    .unwrap();
    assert_eq!(sarif["runs"][0]["results"].as_array().unwrap().len(), 16);
}
