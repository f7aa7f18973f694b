//! The security rules whose finding is a runtime claim: C111 (a port
//! without a host address listens on every interface). The seed image
//! has no database kind, so only the engine half runs; the lint half is
//! pinned by the C111 fixtures (`fixtures/rules/C111/`).

use std::time::Duration;

use super::docker::docker;
use super::scenario::Setup;

const LIMIT: Duration = Duration::from_secs(60);

/// `docker port` of the service's container: one `PORT/tcp -> ADDR:HOST` a line.
fn bindings(p: &super::compose::Project, service: &str) -> String {
    docker(&["port", &p.container(service)], LIMIT)
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn c111_premise_port_without_address_is_on_every_interface() {
    let Some(s) = Setup::seed("c111_premise_port_without_address_is_on_every_interface") else {
        return;
    };
    let p = s.project("C111-published/all-interfaces");
    p.up().expect("up");
    let ports = bindings(&p, "db");
    assert!(ports.contains("5432/tcp -> 0.0.0.0:18432"), "{ports}");
    // `- "5433"`: a random host port, on every interface too.
    let random = ports
        .lines()
        .find(|l| l.starts_with("5433/tcp -> 0.0.0.0:"))
        .unwrap_or_else(|| panic!("{ports}"));
    assert!(!random.ends_with(":5433"), "{random}");
    assert!(!ports.contains("127.0.0.1"), "{ports}");
}

#[test]
#[ignore = "needs a Docker engine; run by .ci/run (cargo test --test premise -- --ignored)"]
fn c111_fix_loopback_only() {
    let Some(s) = Setup::seed("c111_fix_loopback_only") else {
        return;
    };
    let p = s.project("C111-published/loopback");
    p.up().expect("up");
    let ports = bindings(&p, "db");
    assert_eq!(ports.trim(), "5432/tcp -> 127.0.0.1:18433", "{ports}");
}
