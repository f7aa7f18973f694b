//! The exit-code rules: X101 (PID 1 that does not pass SIGTERM on: 137
//! after `docker stop`), X102 (command not found: 127), X103 (command not
//! executable: 126), X104 (memory limit below what the process needs: 137
//! with OOMKilled).

use std::time::Duration;

use super::scenario::{noshell_spec, seed_spec, Setup};

const EXIT_LIMIT: Duration = Duration::from_secs(60);

fn seed(test: &'static str) -> Option<Setup> {
    Setup::seed(test)
}

fn noshell(test: &'static str) -> Option<Setup> {
    Setup::new(
        test,
        &[
            ("PREMISE_IMAGE", seed_spec()),
            ("PREMISE_NOSHELL_IMAGE", noshell_spec()),
        ],
    )
}

/// A start failure: `up` fails, the container stays `created` with the
/// exit code and the daemon's error.
fn assert_start_fails(s: &Setup, rel: &str, code: i64, text: &str) {
    let p = s.project(rel);
    let out = p.up().expect_err("up fails");
    assert!(out.contains(text), "{out}");
    let st = p.state("app");
    assert_eq!(
        (st.status.as_str(), st.exit_code),
        ("created", code),
        "{st:?}"
    );
    assert!(st.error.contains(text), "{st:?}");
}

/// Runs to its end; returns the exit code and the output.
fn run_to_exit(s: &Setup, rel: &str) -> (i64, String) {
    let p = s.project(rel);
    p.up().expect("up");
    let st = p.wait_exit("app", EXIT_LIMIT);
    (st.exit_code, p.logs("app"))
}

/// Up, then `stop` once it runs; returns the exit code and how long the
/// stop took.
fn stop_exit(s: &Setup, rel: &str) -> (i64, Duration) {
    let p = s.project(rel);
    p.up().expect("up");
    p.wait_running("app", EXIT_LIMIT);
    // Let the shell reach its `sleep` / `wait` (and its trap).
    std::thread::sleep(Duration::from_millis(500));
    let t = std::time::Instant::now();
    p.stop("app");
    let took = t.elapsed();
    let st = p.wait_exit("app", EXIT_LIMIT);
    (st.exit_code, took)
}

// X102

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_premise_command_not_found_exits_127() {
    let Some(s) = seed("x102_premise_command_not_found_exits_127") else {
        return;
    };
    s.lint_fires("X102", "X102-not-found/failing");
    assert_start_fails(
        &s,
        "X102-not-found/failing",
        127,
        "executable file not found in $PATH",
    );
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_fix_name_a_program_the_image_has() {
    let Some(s) = seed("x102_fix_name_a_program_the_image_has") else {
        return;
    };
    s.lint_silent("X102", "X102-not-found/fixed");
    assert_eq!(run_to_exit(&s, "X102-not-found/fixed").0, 0);
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_premise_no_shell_in_the_image_exits_127() {
    let Some(s) = noshell("x102_premise_no_shell_in_the_image_exits_127") else {
        return;
    };
    s.lint_fires("X102", "X102-not-found/failing-no-shell");
    assert_start_fails(
        &s,
        "X102-not-found/failing-no-shell",
        127,
        "executable file not found in $PATH",
    );
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x102_fix_exec_form_without_a_shell() {
    let Some(s) = noshell("x102_fix_exec_form_without_a_shell") else {
        return;
    };
    s.lint_silent("X102", "X102-not-found/fixed-no-shell");
    assert_eq!(run_to_exit(&s, "X102-not-found/fixed-no-shell").0, 0);
}

// X103

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x103_premise_script_without_exec_bit_exits_126() {
    let Some(s) = seed("x103_premise_script_without_exec_bit_exits_126") else {
        return;
    };
    s.lint_fires("X103", "X103-not-executable/failing");
    assert_start_fails(&s, "X103-not-executable/failing", 126, "permission denied");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x103_fix_set_the_exec_bit() {
    let Some(s) = seed("x103_fix_set_the_exec_bit") else {
        return;
    };
    s.lint_silent("X103", "X103-not-executable/fixed-exec-bit");
    let (code, logs) = run_to_exit(&s, "X103-not-executable/fixed-exec-bit");
    assert_eq!(code, 0, "{logs}");
    assert!(logs.contains("run.sh ran"), "{logs}");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x103_fix_run_through_the_interpreter() {
    let Some(s) = seed("x103_fix_run_through_the_interpreter") else {
        return;
    };
    s.lint_silent("X103", "X103-not-executable/fixed-interpreter");
    let (code, logs) = run_to_exit(&s, "X103-not-executable/fixed-interpreter");
    assert_eq!(code, 0, "{logs}");
    assert!(logs.contains("run.sh ran"), "{logs}");
}

// X101

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x101_premise_shell_as_pid1_is_killed_after_the_grace_period() {
    let Some(s) = seed("x101_premise_shell_as_pid1_is_killed_after_the_grace_period") else {
        return;
    };
    s.lint_fires("X101", "X101-stop/failing");
    let (code, took) = stop_exit(&s, "X101-stop/failing");
    assert_eq!(code, 137);
    assert!(
        took >= Duration::from_millis(900),
        "stop waited the grace period: {took:?}"
    );
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x101_fix_init_true() {
    let Some(s) = seed("x101_fix_init_true") else {
        return;
    };
    if s.engine.init_binary.is_empty() {
        eprintln!(
            "SKIPPED premise::x101_fix_init_true: the engine has no Init Binary for `init: true`"
        );
        return;
    }
    s.lint_silent("X101", "X101-stop/fixed-init");
    assert_eq!(stop_exit(&s, "X101-stop/fixed-init").0, 143);
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x101_fix_exec_a_program_that_handles_sigterm() {
    let Some(s) = seed("x101_fix_exec_a_program_that_handles_sigterm") else {
        return;
    };
    s.lint_silent("X101", "X101-stop/fixed-exec");
    assert_eq!(stop_exit(&s, "X101-stop/fixed-exec").0, 143);
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x101_fix_trap_sigterm_in_the_shell() {
    let Some(s) = seed("x101_fix_trap_sigterm_in_the_shell") else {
        return;
    };
    s.lint_silent("X101", "X101-stop/fixed-trap");
    assert_eq!(stop_exit(&s, "X101-stop/fixed-trap").0, 0);
}

/// `exec` alone is not a fix: a PID 1 without a SIGTERM handler ignores it.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x101_premise_exec_into_a_program_without_a_handler_is_still_137() {
    let Some(_s) = seed("x101_premise_exec_into_a_program_without_a_handler_is_still_137") else {
        return;
    };
    let (code, _) = stop_exit(&_s, "X101-stop/exec-without-handler");
    assert_eq!(code, 137);
}

// X104

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x104_premise_memory_limit_below_need_is_oom_killed() {
    let Some(s) = seed("x104_premise_memory_limit_below_need_is_oom_killed") else {
        return;
    };
    s.lint_fires("X104", "X104-oom/failing");
    let p = s.project("X104-oom/failing");
    p.up().expect("up");
    let st = p.wait_exit("app", EXIT_LIMIT);
    assert_eq!(st.exit_code, 137, "{st:?}");
    assert!(st.oom_killed, "{st:?}");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x104_fix_raise_the_limit() {
    let Some(s) = seed("x104_fix_raise_the_limit") else {
        return;
    };
    s.lint_silent("X104", "X104-oom/fixed");
    let p = s.project("X104-oom/fixed");
    p.up().expect("up");
    let st = p.wait_exit("app", EXIT_LIMIT);
    assert_eq!(st.exit_code, 0, "{st:?}");
    assert!(!st.oom_killed, "{st:?}");
}

/// BusyBox ash execs the last command of a `-c` list (`cd / && prog`,
/// `a; prog`), with a redirection too (`prog > log`), so the shell is not
/// PID 1 there: a program that handles SIGTERM stops at once. X101 counts
/// a redirection as "cannot exec" (true for bash, not for BusyBox ash);
/// where it fires here, that is a false positive for images whose `sh` is
/// BusyBox (Alpine), which this test reports without failing.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x101_premise_busybox_sh_execs_the_last_command_of_a_list() {
    let Some(s) = seed("x101_premise_busybox_sh_execs_the_last_command_of_a_list") else {
        return;
    };
    let rel = "X101-stop/busybox-execs-last";
    // 143: syslogd died of the SIGTERM itself, not of the SIGKILL after
    // the grace period (137).
    assert_eq!(stop_exit(&s, rel).0, 143);
    if s.lint(rel).iter().any(|d| d.code == "X101") {
        eprintln!(
            "PREMISE-FINDING premise::x101_premise_busybox_sh_execs_the_last_command_of_a_list: X101 fires on `sh -c \"cd / && prog > /dev/null\"`, but BusyBox's sh execs prog, which gets SIGTERM (exit 143)"
        );
    }
}
