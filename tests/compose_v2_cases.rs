//! The differences from Compose v2 that compose-lint fixed (issue 13), one
//! case per directory under fixtures/compose-v2: compose-lint reports what
//! `expect.txt` says, with an empty environment (each case reads only its
//! own `.env`). The premise suite checks the same cases against Compose v2
//! itself (`agreement::compose_v2_cases_hold_on_v2`).

use std::path::{Path, PathBuf};

use compose_lint::config::Config;
use compose_lint::discover::jobs_for_file;
use compose_lint::lint::{lint_job, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::LoadOptions;

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compose-v2");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("expect.txt").is_file())
        .collect();
    out.sort();
    out
}

/// `lint: S005 error phrase...` -> (code, severity, phrase).
fn expected(dir: &Path) -> (String, String, String) {
    let text = std::fs::read_to_string(dir.join("expect.txt")).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("lint: "))
        .unwrap_or_else(|| panic!("{}: no `lint:` line", dir.display()));
    let mut it = line.splitn(3, ' ');
    let code = it.next().unwrap().to_string();
    let severity = it.next().unwrap().to_string();
    let phrase = it.next().unwrap_or("").to_string();
    (code, severity, phrase)
}

#[test]
fn every_fixed_difference_is_reported() {
    let all = cases();
    assert!(all.len() >= 20, "the cases are there: {}", all.len());
    let mut failures = Vec::new();
    for dir in &all {
        let (code, severity, phrase) = expected(dir);
        let opts = LoadOptions {
            root: Some(dir.clone()),
            env: Some(Env::new()),
            ..Default::default()
        };
        let job = jobs_for_file(&dir.join("compose.yaml"));
        let res = lint_job(&job, &opts, &Config::default(), &Selection::default())
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let found = res.diagnostics.iter().any(|d| {
            d.code == code && d.severity.as_str() == severity && d.message.contains(&phrase)
        });
        if !found {
            let got: Vec<String> = res
                .diagnostics
                .iter()
                .map(|d| format!("{} {} {}", d.code, d.severity.as_str(), d.message))
                .collect();
            failures.push(format!(
                "{}: want {code} {severity} `{phrase}`, got {got:#?}",
                dir.file_name().unwrap().to_string_lossy()
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A service of an inactive profile is not an error, but the warning
/// names the profile that needs the file.
#[test]
fn inactive_profile_env_file_is_a_warning_naming_the_profile() {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/compose-v2/inactive-profile-env-file");
    let opts = LoadOptions {
        root: Some(dir.clone()),
        env: Some(Env::new()),
        ..Default::default()
    };
    let res = lint_job(
        &jobs_for_file(&dir.join("compose.yaml")),
        &opts,
        &Config::default(),
        &Selection::default(),
    )
    .unwrap();
    let s010: Vec<_> = res
        .diagnostics
        .iter()
        .filter(|d| d.code == "S010")
        .collect();
    assert_eq!(s010.len(), 1, "{s010:?}");
    assert_eq!(s010[0].severity.as_str(), "warning");
    assert!(
        s010[0].message.contains("profile `debug`"),
        "{}",
        s010[0].message
    );
    assert!(
        !res.diagnostics
            .iter()
            .any(|d| d.severity.as_str() == "error"),
        "no error: {:?}",
        res.diagnostics
    );
}
