//! The GitHub Action's entry script (scripts/action-entry.sh), run the way
//! action.yml runs it on a runner: inputs in `INPUT_*` variables (in the
//! runner's own spelling, `INPUT_FAIL-ON`, and with underscores), the
//! checkout in `GITHUB_WORKSPACE`, outputs appended to `GITHUB_OUTPUT`, and
//! the report printed to the log as workflow commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A workspace with the seed's failing Compose file and a clean one.
fn workspace() -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    copy_dir(
        &manifest().join("fixtures/seed/failing"),
        &ws.path().join("deploy"),
    );
    std::fs::create_dir_all(ws.path().join("clean")).unwrap();
    std::fs::write(
        ws.path().join("clean/compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    ws
}

/// The script with only the runner's variables (and PATH), from another
/// directory than the workspace, as a composite step runs it.
fn entry(ws: &Path, inputs: &[(&str, &str)]) -> (Output, String) {
    let outputs = ws.join("github_output");
    std::fs::write(&outputs, "").unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let mut cmd = Command::new("bash");
    cmd.arg(manifest().join("scripts/action-entry.sh"))
        .current_dir(elsewhere.path())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", ws)
        .env("GITHUB_OUTPUT", &outputs)
        .env("COMPOSE_LINT_BIN", env!("CARGO_BIN_EXE_compose-lint"));
    for (k, v) in inputs {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let outputs = std::fs::read_to_string(&outputs).unwrap();
    (out, outputs)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

#[test]
fn findings_become_annotations_a_sarif_file_and_outputs() {
    let ws = workspace();
    let (out, outputs) = entry(
        ws.path(),
        &[
            ("INPUT_PATHS", "deploy\nclean"),
            ("INPUT_FORMAT", "github"),
            ("INPUT_UPLOAD-SARIF", "true"),
            ("INPUT_SARIF-FILE", "results/compose-lint.sarif"),
        ],
    );
    let log = stdout(&out);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{log}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // One workflow command per finding, at the workspace-relative path.
    let m101: Vec<&str> = log
        .lines()
        .filter(|l| {
            l.starts_with("::error file=deploy/docker-compose.yml,line=")
                && l.contains("title=M101 ")
        })
        .collect();
    assert_eq!(m101.len(), 5, "{log}");
    assert!(
        log.contains("::error file=deploy/docker-compose.yml,line=12,col=17,"),
        "{log}"
    );
    assert!(!log.contains("clean/compose.yaml"), "{log}");
    // Every line is ours or a workflow command of the report.
    for l in log.lines() {
        assert!(
            l.starts_with("::error file=")
                || l.starts_with("::warning file=")
                || l.starts_with("::notice file=")
                || l.starts_with("compose-lint "),
            "{l}"
        );
    }

    assert_eq!(
        outputs, "sarif-file=results/compose-lint.sarif\nexit-code=1\n",
        "GITHUB_OUTPUT"
    );
    // The SARIF was not there before; compose-lint's --output made it.
    let sarif: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(ws.path().join("results/compose-lint.sarif"))
            .expect("the SARIF file the output names"),
    )
    .unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let m101 = results.iter().filter(|r| r["ruleId"] == "M101").count();
    assert_eq!(m101, 5);
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "deploy/docker-compose.yml"
    );
}

#[test]
fn fail_on_and_config_reach_compose_lint() {
    let ws = workspace();
    // The runner's spelling of `fail-on`: never fails.
    let (out, outputs) = entry(
        ws.path(),
        &[("INPUT_PATHS", "deploy"), ("INPUT_FAIL-ON", "never")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(stdout(&out).contains("title=M101 "));
    assert_eq!(outputs, "exit-code=0\n");

    // A config that ignores everything the seed has but M101, with the
    // underscore spelling; the default format is `github`.
    std::fs::write(
        ws.path().join("lint.toml"),
        "ignore = [\"P\", \"X\", \"M106\"]\n",
    )
    .unwrap();
    let (out, outputs) = entry(
        ws.path(),
        &[
            ("INPUT_PATHS", " deploy "),
            ("INPUT_CONFIG", "lint.toml"),
            ("INPUT_FAIL_ON", "error"),
        ],
    );
    let log = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{log}");
    let titles: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split("title=").nth(1))
        .map(|t| &t[..4])
        .collect();
    assert_eq!(titles, ["M101"; 5], "{log}");
    assert_eq!(outputs, "exit-code=1\n");
}

#[test]
fn a_clean_workspace_passes_with_the_default_path() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(
        ws.path().join("compose.yaml"),
        "services:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    let (out, outputs) = entry(ws.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out), "compose-lint --format github .\n");
    assert_eq!(outputs, "exit-code=0\n");
}

#[test]
fn unusable_inputs_are_exit_2_with_an_error_command() {
    let ws = workspace();
    for (inputs, says) in [
        (
            vec![("INPUT_FORMAT", "yaml")],
            "::error title=compose-lint::compose-lint could not lint the paths (exit 2)",
        ),
        (
            vec![("INPUT_PATHS", "no/such/dir")],
            "::error title=compose-lint::compose-lint could not lint the paths (exit 2)",
        ),
        (
            vec![("INPUT_UPLOAD_SARIF", "maybe")],
            "::error title=compose-lint::upload-sarif must be true or false, not `maybe`",
        ),
    ] {
        let (out, outputs) = entry(ws.path(), &inputs);
        let log = stdout(&out);
        assert_eq!(out.status.code(), Some(2), "{inputs:?}: {log}");
        assert!(log.contains(says), "{inputs:?}: {log}");
        assert_eq!(outputs, "exit-code=2\n", "{inputs:?}");
    }
}

/// A path input is an argument, never shell text: `$(...)`, `;` and globs
/// reach compose-lint as they are (and name no file).
#[test]
fn inputs_are_not_shell_code() {
    let ws = workspace();
    let marker = ws.path().join("pwned");
    let (out, _) = entry(
        ws.path(),
        &[(
            "INPUT_PATHS",
            &format!("$(touch {0}) ;touch {0} `touch {0}` *", marker.display()),
        )],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(!marker.exists(), "an input ran as a command");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("$(touch"), "{err}");
}
