//! The image's own command (issue 14): with no `command`/`entrypoint` in
//! Compose, X102 and X103 judge the ENTRYPOINT the Dockerfile sets: a
//! CRLF script (exit 1 after the start) and a script without the execute
//! bit (126 at the start). The
//! image is built here from the fixture's Dockerfile on the seed image,
//! run with `up --no-build`, and linted from its Dockerfile (the seed's
//! facts from its archive).

use std::time::Duration;

use super::compose::Project;
use super::images::build_context;
use super::lint;
use super::scenario::{fixture, Setup};

const LIMIT: Duration = Duration::from_secs(60);

/// The variables the fixtures interpolate.
type Vars = Vec<(&'static str, String)>;

/// The seed, and the fixture's image built on it: (setup, env, fixture).
fn built(test: &'static str, case: &str) -> Option<(Setup, Vars, String)> {
    let s = Setup::seed(test)?;
    let rel = format!("X10x-image-start/{case}");
    let seed = s.var("PREMISE_IMAGE").to_string();
    let tag = build_context(
        &format!("x10x-image-start-{case}"),
        &fixture(&rel),
        &[("BASE", seed.as_str())],
    );
    let env = vec![("PREMISE_IMAGE", seed), ("PREMISE_BUILT_IMAGE", tag)];
    Some((s, env, rel))
}

fn env_refs<'a>(env: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    env.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn assert_start_fails(s: &Setup, env: &[(&'static str, String)], rel: &str, code: i64, text: &str) {
    let p = Project::new(s.engine, s.test, &fixture(rel), &env_refs(env));
    let out = p.up().expect_err("up fails");
    assert!(out.contains(text), "{out}");
    let st = p.state("app");
    assert_eq!(
        (st.status.as_str(), st.exit_code),
        ("created", code),
        "{st:?}"
    );
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_premise_crlf_entrypoint_of_the_image_stops_at_once() {
    let Some((s, env, rel)) = built(
        "x102_premise_crlf_entrypoint_of_the_image_stops_at_once",
        "crlf",
    ) else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_fires(s.test, "X102", &fixture(&rel), &diags);
    // The runtime finds the script, so the container starts; the kernel
    // then cannot find `/bin/sh\r`, and runc's init stops it at once with
    // its own status (1; 255 with older runc), not Docker's 127.
    let p = Project::new(s.engine, s.test, &fixture(&rel), &env_refs(&env));
    let _ = p.up();
    let st = p.wait_exit("app", LIMIT);
    let logs = p.logs("app");
    assert!(matches!(st.exit_code, 1 | 255), "{st:?} {logs}");
    assert!(
        logs.contains("no such file or directory")
            || st.error.contains("no such file or directory"),
        "{st:?} {logs}"
    );
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x103_premise_entrypoint_of_the_image_without_exec_bit_exits_126() {
    let Some((s, env, rel)) = built(
        "x103_premise_entrypoint_of_the_image_without_exec_bit_exits_126",
        "noexec",
    ) else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_fires(s.test, "X103", &fixture(&rel), &diags);
    assert_start_fails(&s, &env, &rel, 126, "permission denied");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_x103_fix_lf_and_exec_bit() {
    let Some((s, env, rel)) = built("x102_x103_fix_lf_and_exec_bit", "fixed") else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_silent(s.test, "X102", &fixture(&rel), &diags);
    lint::assert_silent(s.test, "X103", &fixture(&rel), &diags);
    let p = Project::new(s.engine, s.test, &fixture(&rel), &env_refs(&env));
    p.up().expect("up");
    assert_eq!(p.wait_exit("app", LIMIT).exit_code, 0);
}

/// X106 through the image's wrapper: an entrypoint shaped like the
/// official images' (`set -- <program> "$@"` only for an option or a
/// non-command, then `exec "$@"`) runs the shell-form CMD `sleep 300`
/// as given, so `sleep` ends up PID 1 and `docker stop` waits the grace
/// period, then SIGKILLs it (137).
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x106_premise_cmd_through_an_official_style_wrapper_is_killed() {
    let Some((s, env, rel)) = built(
        "x106_premise_cmd_through_an_official_style_wrapper_is_killed",
        "wrapper-cmd",
    ) else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_fires(s.test, "X106", &fixture(&rel), &diags);
    let p = Project::new(s.engine, s.test, &fixture(&rel), &env_refs(&env));
    p.up().expect("up");
    p.wait_running("app", LIMIT);
    std::thread::sleep(Duration::from_millis(500));
    let t = std::time::Instant::now();
    p.stop("app");
    let took = t.elapsed();
    let st = p.wait_exit("app", LIMIT);
    assert_eq!(st.exit_code, 137, "{st:?}");
    assert!(took >= Duration::from_millis(1500), "stop waited: {took:?}");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_premise_path_lookup_passes_over_a_file_without_exec_bit_exits_127() {
    let Some((s, env, rel)) = built(
        "x102_premise_path_lookup_passes_over_a_file_without_exec_bit_exits_127",
        "path-noexec",
    ) else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_fires(s.test, "X102", &fixture(&rel), &diags);
    assert_start_fails(&s, &env, &rel, 127, "executable file not found in $PATH");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_fix_path_lookup_finds_the_executable_script() {
    let Some((s, env, rel)) = built(
        "x102_fix_path_lookup_finds_the_executable_script",
        "path-noexec-fixed",
    ) else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_silent(s.test, "X102", &fixture(&rel), &diags);
    let p = Project::new(s.engine, s.test, &fixture(&rel), &env_refs(&env));
    p.up().expect("up");
    assert_eq!(p.wait_exit("app", LIMIT).exit_code, 0);
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_premise_relative_entrypoint_is_taken_from_the_working_directory_exits_127() {
    let Some((s, env, rel)) = built(
        "x102_premise_relative_entrypoint_is_taken_from_the_working_directory_exits_127",
        "relative-missing",
    ) else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_fires(s.test, "X102", &fixture(&rel), &diags);
    assert_start_fails(&s, &env, &rel, 127, "no such file or directory");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_premise_wrapper_execs_a_missing_command_exits_127() {
    let Some((s, env, rel)) = built(
        "x102_premise_wrapper_execs_a_missing_command_exits_127",
        "option-wrapper-missing",
    ) else {
        return;
    };
    let diags = lint::lint(&fixture(&rel), &env_refs(&env), &s.archives);
    lint::assert_fires(s.test, "X102", &fixture(&rel), &diags);
    let p = Project::new(s.engine, s.test, &fixture(&rel), &env_refs(&env));
    let _ = p.up();
    let st = p.wait_exit("app", LIMIT);
    let logs = p.logs("app");
    assert_eq!(st.exit_code, 127, "{st:?} {logs}");
    assert!(logs.contains("not found"), "{st:?} {logs}");
}
