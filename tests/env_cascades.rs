//! A value that only an unset variable makes invalid (issue 12): its
//! level follows the variable's, unless nothing supplies the variable.

use assert_cmd::Command;
use std::path::Path;

/// (code, severity) of every finding on the fixture.
fn findings(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(dir);
    let out = Command::cargo_bin("compose-lint")
        .unwrap()
        .current_dir(&root)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(["--format", "json", "--root", "."])
        .arg("compose.yaml")
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let mut f: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    f.sort();
    f
}

fn has(f: &[(String, String)], code: &str, sev: &str) -> bool {
    f.iter().any(|(c, s)| c == code && s == sev)
}

#[test]
fn empty_image_from_a_required_variable_takes_its_level() {
    let f = findings("env/required-image");
    assert!(has(&f, "S007", "warning"), "{f:?}");
    assert!(has(&f, "S107", "warning"), "{f:?}");
    assert!(!f.iter().any(|(_, s)| s == "error"), "{f:?}");
}

#[test]
fn empty_image_from_a_variable_nothing_supplies_stays_an_error() {
    let f = findings("env/unset-image");
    assert!(has(&f, "S107", "error"), "{f:?}");
}

#[test]
fn a_prepared_environment_makes_the_invalid_value_a_warning() {
    let f = findings("rules/S005/fires/env-file-prepared");
    assert!(has(&f, "S005", "warning"), "{f:?}");
    assert!(!has(&f, "S005", "error"), "{f:?}");
}

#[test]
fn a_missing_dot_env_is_a_setup_step() {
    let f = findings("rules/S010/fires/dot-env-by-convention");
    assert_eq!(f, vec![("S010".to_string(), "warning".to_string())]);
}

#[test]
fn a_variable_set_by_an_env_file_beside_it_is_info() {
    let f = findings("rules/S005/fires/env-file-prepared");
    // DEV_CONTAINER_NAME is in defaults.env; DEV_SOURCE_PATH is not.
    assert!(has(&f, "S006", "info"), "{f:?}");
    assert!(has(&f, "S006", "warning"), "{f:?}");
}

#[test]
fn an_env_file_the_services_read_does_not_feed_interpolation() {
    // `env_file: app.env` sets the container's environment, not `${VAR}`
    // in the Compose file: the unset variable stays a warning.
    let f = findings("env/env-file-not-for-interpolation");
    assert!(has(&f, "S006", "warning"), "{f:?}");
}

/// In one run over two Compose files of one folder, the env file beside
/// them supplies the variable of the file that does not read it as
/// `env_file` and not of the one that does: the folder's env files are
/// read once for the run, but which of them a file names is asked per file.
#[test]
fn one_run_asks_each_file_which_env_files_it_names() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("app.env"), "APP_VERSION=1.2\n").unwrap();
    let reads = "services:\n  app:\n    image: example/app:${APP_VERSION}\n    env_file: app.env\n";
    let plain = "services:\n  web:\n    image: example/web:${APP_VERSION}\n";
    std::fs::write(dir.path().join("reads.compose.yaml"), reads).unwrap();
    std::fs::write(dir.path().join("plain.compose.yaml"), plain).unwrap();
    let out = Command::cargo_bin("compose-lint")
        .unwrap()
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .args(["--format", "json", "--root", "."])
        .args(["reads.compose.yaml", "plain.compose.yaml"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let s006: Vec<(String, String)> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["code"] == "S006")
        .map(|d| {
            let file = d["file"]
                .as_str()
                .or(d["path"].as_str())
                .unwrap_or_default();
            (
                file.to_string(),
                d["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        s006.iter()
            .any(|(f, s)| f.ends_with("reads.compose.yaml") && s == "warning"),
        "{s006:?}"
    );
    assert!(
        s006.iter()
            .any(|(f, s)| f.ends_with("plain.compose.yaml") && s == "info"),
        "{s006:?}"
    );
}
