//! compose-lint's own `--fix --unsafe-fixes`, applied to each runtime
//! rule's failing fixture and run on the engine (issue 16).
//!
//! For the rules with an exact fix (M101's root mount, X101's `init:
//! true`, S109's removal of `container_name`), the fixed file must work:
//! the write succeeds, `docker stop` ends the container with SIGTERM (143)
//! instead of SIGKILL (137), both replicas run. The seed's analogue (two
//! volumes, for the logs and the store) is among them.
//! For the rules whose fix is not certain (M102, M104, X102, X103, X104:
//! the help is text), `--fix` must not pretend: their finding is still
//! reported on the file it leaves.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::compose::Project;
use super::lint;
use super::scenario::{noshell_spec, seed_spec, Setup};

const EXIT_LIMIT: Duration = Duration::from_secs(60);

/// Runs the compose-lint binary with `--fix --unsafe-fixes` on the
/// project's copy of the fixture, with the test images' archives as facts.
/// Returns the file before and after, and what compose-lint said.
fn fix_project(s: &Setup, p: &Project) -> (String, String, String) {
    let file = p.dir().join("docker-compose.yml");
    let before = std::fs::read_to_string(&file).unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_compose-lint"));
    cmd.current_dir(p.dir())
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PROJECT_NAME")
        .args(["--fix", "--unsafe-fixes", "--color", "never"]);
    for a in &s.archives {
        cmd.arg("--image-archive").arg(a);
    }
    cmd.arg("--root").arg(p.dir()).arg("docker-compose.yml");
    for (k, v) in s.env() {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("compose-lint runs");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "compose-lint --fix failed: {said}"
    );
    let after = std::fs::read_to_string(&file).unwrap();
    (before, after, said)
}

fn findings(s: &Setup, dir: &Path) -> Vec<&'static str> {
    lint::lint(dir, &s.env(), &s.archives)
        .iter()
        .map(|d| d.code)
        .collect()
}

/// The single-volume seed fixture: the fix moves the volume to /home/app.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn m101_own_fix_makes_the_seed_fixture_work() {
    let Some(s) = Setup::seed("m101_own_fix_makes_the_seed_fixture_work") else {
        return;
    };
    let p = s.project("M101-seed/failing");
    let (before, after, said) = fix_project(&s, &p);
    assert!(before.contains("store:/home/app/store"), "{before}");
    assert!(after.contains("- store:/home/app\n"), "{after}\n{said}");
    assert!(!findings(&s, p.dir()).contains(&"M101"), "{after}");
    p.up().expect("up");
    let st = p.wait_exit("broker", EXIT_LIMIT);
    let logs = p.logs("broker");
    assert_eq!(st.exit_code, 0, "{st:?} {logs}\n{after}");
    assert!(logs.contains("written"), "{logs}");
}

/// The seed's analogue: log and store, two volumes. It fails as the seed
/// does; compose-lint's fix mounts one volume at /home/app, drops the
/// other mount and its definition, and the broker writes both directories.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn m101_own_fix_makes_the_seed_analogue_work() {
    let Some(s) = Setup::seed("m101_own_fix_makes_the_seed_analogue_work") else {
        return;
    };
    let rel = "M101-seed-two-volumes/failing";
    s.lint_fires("M101", rel);
    let failing = s.project(rel);
    failing.up().expect("up");
    let st = failing.wait_exit("broker", EXIT_LIMIT);
    let logs = failing.logs("broker");
    assert_eq!(st.exit_code, 1, "{st:?} {logs}");
    assert!(logs.contains("Permission denied"), "{logs}");
    drop(failing);

    let p = s.project(rel);
    let (_, after, said) = fix_project(&s, &p);
    assert!(
        after.contains("- broker_log:/home/app   # the seed's .../logs\n"),
        "{after}"
    );
    assert!(!after.contains("broker_store"), "{after}");
    assert!(!after.contains("version:"), "P101's safe fix: {after}");
    assert!(
        said.contains("warning: the volume keeps its first copy"),
        "{said}"
    );
    let left = findings(&s, p.dir());
    assert!(!left.contains(&"M101"), "{left:?}\n{after}");
    assert!(!left.contains(&"S108"), "{left:?}\n{after}");
    p.up().expect("up");
    let st = p.wait_exit("broker", EXIT_LIMIT);
    let logs = p.logs("broker");
    assert_eq!(st.exit_code, 0, "{st:?} {logs}\n{after}");
    assert!(logs.contains("written"), "{logs}");
}

/// X101: `init: true` above the command; `docker stop` now ends it with
/// SIGTERM through the init (143), not SIGKILL after the grace period.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x101_own_fix_makes_stop_end_with_sigterm() {
    let Some(s) = Setup::seed("x101_own_fix_makes_stop_end_with_sigterm") else {
        return;
    };
    if s.engine.init_binary.is_empty() {
        eprintln!("SKIPPED premise::x101_own_fix_makes_stop_end_with_sigterm: the engine has no Init Binary for `init: true`");
        return;
    }
    let p = s.project("X101-stop/failing");
    let (_, after, said) = fix_project(&s, &p);
    assert!(
        after.contains("    init: true\n    command:"),
        "{after}\n{said}"
    );
    assert!(!findings(&s, p.dir()).contains(&"X101"), "{after}");
    p.up().expect("up");
    p.wait_running("app", EXIT_LIMIT);
    std::thread::sleep(Duration::from_millis(500));
    p.stop("app");
    let st = p.wait_exit("app", EXIT_LIMIT);
    assert_eq!(st.exit_code, 143, "{st:?}\n{after}");
}

/// How many containers of the project are running.
fn running(p: &Project) -> usize {
    let out = Command::new("docker")
        .args([
            "ps",
            "-q",
            "--filter",
            &format!("label=com.docker.compose.project={}", p.name),
        ])
        .output()
        .expect("docker ps");
    String::from_utf8_lossy(&out.stdout).lines().count()
}

/// S109: Compose refuses two replicas with one `container_name`; without
/// it, both replicas run.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn s109_own_fix_lets_both_replicas_run() {
    let Some(s) = Setup::seed("s109_own_fix_lets_both_replicas_run") else {
        return;
    };
    let rel = "S109-replicas/failing";
    s.lint_fires("S109", rel);
    let failing = s.project(rel);
    let err = failing.up().expect_err("Compose refuses the project");
    assert!(err.contains("container name must be unique"), "{err}");
    drop(failing);

    let p = s.project(rel);
    let (_, after, said) = fix_project(&s, &p);
    assert!(!after.contains("    container_name:"), "{after}\n{said}");
    assert!(!findings(&s, p.dir()).contains(&"S109"), "{after}");
    p.up().expect("up");
    p.wait_running("app", EXIT_LIMIT);
    assert_eq!(running(&p), 2, "{after}");
}

/// N101 (replicas): two replicas of a service with one fixed host port:
/// the second cannot bind it and `up` fails; a host range as wide as the
/// replicas (the help's fix) lets both run.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn n101_replicas_with_one_host_port_fail_and_a_range_lets_both_run() {
    let Some(s) = Setup::seed("n101_replicas_with_one_host_port_fail_and_a_range_lets_both_run")
    else {
        return;
    };
    s.lint_fires("N101", "N101-replicas/failing");
    let failing = s.project("N101-replicas/failing");
    let err = failing.up().expect_err("the second replica cannot start");
    assert!(err.contains("port is already allocated"), "{err}");
    drop(failing);

    s.lint_silent("N101", "N101-replicas/fixed");
    let p = s.project("N101-replicas/fixed");
    p.up().expect("up");
    p.wait_running("app", EXIT_LIMIT);
    assert_eq!(running(&p), 2);
}

/// The runtime rules without an exact fix: `--fix --unsafe-fixes` leaves
/// their finding in place (it may still apply other rules' safe fixes,
/// such as removing `version`).
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn rules_without_an_exact_fix_are_left_to_the_user() {
    let Some(s) = Setup::new(
        "rules_without_an_exact_fix_are_left_to_the_user",
        &[
            ("PREMISE_IMAGE", seed_spec()),
            ("PREMISE_NOSHELL_IMAGE", noshell_spec()),
        ],
    ) else {
        return;
    };
    for (code, rel) in [
        ("M102", "M102-copied-owner/failing"),
        ("M104", "M104-bind-dir/failing"),
        ("M104", "M104-bind-file/failing"),
        ("X102", "X102-not-found/failing"),
        ("X102", "X102-not-found/failing-no-shell"),
        ("X103", "X103-not-executable/failing"),
        ("X104", "X104-oom/failing"),
    ] {
        let p = s.project(rel);
        let before_codes = findings(&s, p.dir());
        if !before_codes.contains(&code) {
            eprintln!("PENDING premise::rules_without_an_exact_fix_are_left_to_the_user: {code} does not fire on {rel} in this build");
            continue;
        }
        let (_, after, said) = fix_project(&s, &p);
        assert!(
            findings(&s, p.dir()).contains(&code),
            "{rel}: --fix removed {code} without an exact fix:\n{after}\n{said}"
        );
    }
}
