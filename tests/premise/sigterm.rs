//! X106 (PID 1 that ignores SIGTERM): `sleep`, or a shell loop, as PID 1
//! with no init is SIGKILLed after the grace period (137); `init: true`
//! and a `trap` in the shell are the fixes. Also the image's own CMD, read
//! from the image archive, when Compose sets no command.

use std::time::Duration;

use super::scenario::{seed_spec, Setup};

const LIMIT: Duration = Duration::from_secs(60);

/// The seed image whose CMD idles: `["sleep", "300"]`.
fn idle(test: &'static str) -> Option<Setup> {
    let mut spec = seed_spec();
    spec.name = "idle";
    spec.cmd = vec!["sleep", "300"];
    Setup::new(
        test,
        &[("PREMISE_IMAGE", seed_spec()), ("PREMISE_IDLE_IMAGE", spec)],
    )
}

/// Up, wait until it runs, `stop`; the exit code and whether the stop
/// waited (at least most of) the 2 s grace period.
fn stop_exit(s: &Setup, rel: &str) -> (i64, Duration) {
    let p = s.project(rel);
    p.up().expect("up");
    p.wait_running("app", LIMIT);
    // Let the shell reach its loop (and its trap).
    std::thread::sleep(Duration::from_millis(500));
    let t = std::time::Instant::now();
    p.stop("app");
    let took = t.elapsed();
    (p.wait_exit("app", LIMIT).exit_code, took)
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x106_premise_sleep_as_pid1_is_killed_after_the_grace_period() {
    let Some(s) = Setup::seed("x106_premise_sleep_as_pid1_is_killed_after_the_grace_period") else {
        return;
    };
    s.lint_fires("X106", "X106-sigterm/failing");
    let (code, took) = stop_exit(&s, "X106-sigterm/failing");
    assert_eq!(code, 137);
    assert!(took >= Duration::from_millis(1500), "stop waited: {took:?}");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x106_premise_shell_loop_as_pid1_is_killed_after_the_grace_period() {
    let Some(s) = Setup::seed("x106_premise_shell_loop_as_pid1_is_killed_after_the_grace_period")
    else {
        return;
    };
    s.lint_fires("X106", "X106-sigterm/failing-loop");
    assert_eq!(stop_exit(&s, "X106-sigterm/failing-loop").0, 137);
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x106_premise_the_images_own_cmd() {
    let Some(s) = idle("x106_premise_the_images_own_cmd") else {
        return;
    };
    s.lint_fires("X106", "X106-sigterm/image-cmd");
    assert_eq!(stop_exit(&s, "X106-sigterm/image-cmd").0, 137);
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x106_fix_init_true() {
    let Some(s) = Setup::seed("x106_fix_init_true") else {
        return;
    };
    if s.engine.init_binary.is_empty() {
        eprintln!(
            "SKIPPED premise::x106_fix_init_true: the engine has no Init Binary for `init: true`"
        );
        return;
    }
    s.lint_silent("X106", "X106-sigterm/fixed-init");
    assert_eq!(stop_exit(&s, "X106-sigterm/fixed-init").0, 143);
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn x106_fix_trap_in_the_loop() {
    let Some(s) = Setup::seed("x106_fix_trap_in_the_loop") else {
        return;
    };
    s.lint_silent("X106", "X106-sigterm/fixed-trap");
    assert_eq!(stop_exit(&s, "X106-sigterm/fixed-trap").0, 0);
}
