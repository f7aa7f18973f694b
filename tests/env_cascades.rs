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
