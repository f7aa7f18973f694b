//! The premise suite (issue 7; on Compose v2 since issue 13): every
//! runtime rule's premise, run for real on the local Docker Engine with
//! `docker compose` v2 (or `docker-compose` v1 when v2 is missing; a test
//! whose outcome differs on v1 runs there too when it is installed),
//! against images built here from busybox. For each rule: the firing
//! fixture fails the way the rule says, each fix the rule proposes works,
//! and compose-lint fires on the first and is silent on the others, with
//! the image facts taken from a `docker save` archive of the same image.
//! Also the loader cross-check against `config`, and the agreement with
//! Compose v2 over the shared corpus and real projects (these two need
//! only the Compose v2 binary, not the engine).
//!
//! These tests need an engine and take a while, so they are `#[ignore]`d
//! in the plain `cargo test`; `.ci/run` runs them with
//! `cargo test --locked --test premise -- --ignored`. Without an engine,
//! each prints one `SKIPPED` line and passes. The table of rules and tests
//! is docs/runtime-proof.md.

#[path = "premise/agreement.rs"]
mod agreement;
#[path = "premise/compose.rs"]
mod compose;
#[path = "premise/crosscheck.rs"]
mod crosscheck;
#[path = "premise/docker.rs"]
mod docker;
#[path = "premise/exits.rs"]
mod exits;
#[path = "premise/fixes.rs"]
mod fixes;
#[path = "premise/image_start.rs"]
mod image_start;
#[path = "premise/images.rs"]
mod images;
#[path = "premise/lint.rs"]
mod lint;
#[path = "premise/mounts.rs"]
mod mounts;
#[path = "premise/scenario.rs"]
mod scenario;
#[path = "premise/security.rs"]
mod security;
#[path = "premise/sigterm.rs"]
mod sigterm;

/// One line in the log saying what the suite ran against.
#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn engine_in_use() {
    let Some(e) = docker::engine_or_skip("engine_in_use") else {
        return;
    };
    eprintln!(
        "premise suite: Docker Engine {}, {}, init binary {:?}",
        e.server_version, e.compose_version, e.init_binary
    );
    assert!(!e.compose.is_empty());
}
