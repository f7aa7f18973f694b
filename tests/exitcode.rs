//! `compose-lint explain <CODE>`: every exit code renders, the documented
//! special cases say what they should, signal names resolve, bad input is
//! exit 2; and the crash-loop note of the process rules.

use assert_cmd::Command;
use compose_lint::exitcode::{self, parse_query, Query};
use compose_lint::lint::lint_text;
use compose_lint::rules::REGISTRY;

fn explain(args: &[&str]) -> (i32, String, String) {
    let o = Command::cargo_bin("compose-lint")
        .unwrap()
        .arg("explain")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn every_code_renders_in_text_and_json() {
    for code in 0..=255u8 {
        let i = exitcode::info(code);
        assert!(!i.title.is_empty(), "{code}: no title");
        assert!(!i.meaning.is_empty(), "{code}: no meaning");
        assert!(!i.causes.is_empty(), "{code}: no causes");
        let text = exitcode::render_text(&i);
        assert!(text.starts_with(&format!("Exit code {code}: ")), "{text}");
        assert!(text.contains("compose-lint rules that predict it"));
        let j = exitcode::to_json(&i);
        assert_eq!(j["code"], code as u64);
        if (129..=159).contains(&code) {
            assert_eq!(j["signal"]["number"], (code - 128) as u64);
        } else {
            assert!(j["signal"].is_null(), "{code}");
        }
    }
}

#[test]
fn special_cases() {
    let has = |code: u8, needles: &[&str]| {
        let t = exitcode::render_text(&exitcode::info(code));
        for n in needles {
            assert!(t.contains(n), "explain {code} lacks {n:?}:\n{t}");
        }
    };
    has(0, &["success"]);
    has(1, &["Could not create the Java Virtual Machine"]);
    has(125, &["docker command itself failed"]);
    has(
        126,
        &["not executable", "EACCES", "EISDIR", "setExitCodeFromError"],
    );
    has(
        127,
        &[
            "not found",
            "Are you trying to mount a directory onto a file",
        ],
    );
    has(130, &["SIGINT", "Ctrl+C"]);
    has(
        137,
        &[
            "SIGKILL",
            "OOMKilled",
            "grace period",
            "dmesg -T",
            "docker inspect",
        ],
    );
    has(139, &["SIGSEGV"]);
    has(143, &["SIGTERM", "docker stop"]);
    has(253, &["exit(-3)", "RocketMQ"]);
    has(255, &["exit(-1)"]);
    has(200, &["exit(-56)"]);
    has(170, &["real-time signal"]);
    has(64, &["EX_USAGE"]);
}

#[test]
fn rules_come_from_the_registry() {
    for code in 0..=255u8 {
        let listed: Vec<&str> = exitcode::info(code).rules.iter().map(|r| r.code).collect();
        let expected: Vec<&str> = REGISTRY
            .iter()
            .filter(|r| r.meta.exit_codes.contains(&code))
            .map(|r| r.meta.code)
            .collect();
        assert_eq!(listed, expected, "explain {code}");
    }
    let r137: Vec<&str> = exitcode::rules_predicting(137)
        .iter()
        .map(|r| r.code)
        .collect();
    for c in ["X101", "X104", "X105"] {
        assert!(r137.contains(&c), "{r137:?}");
    }
    assert!(exitcode::rules_predicting(127)
        .iter()
        .any(|r| r.code == "X102"));
    assert!(exitcode::rules_predicting(126)
        .iter()
        .any(|r| r.code == "X103"));
}

#[test]
fn signal_names() {
    assert_eq!(parse_query("SIGTERM"), Some(Query::Signal(15)));
    assert_eq!(parse_query("TERM"), Some(Query::Signal(15)));
    assert_eq!(parse_query("sigkill"), Some(Query::Signal(9)));
    assert_eq!(parse_query("int"), Some(Query::Signal(2)));
    assert_eq!(parse_query("SIGIOT"), Some(Query::Signal(6)));
    assert_eq!(parse_query("137"), Some(Query::Code(137)));
    assert_eq!(parse_query("0"), Some(Query::Code(0)));
    assert_eq!(parse_query("256"), None);
    assert_eq!(parse_query("-1"), None);
    assert_eq!(parse_query("SIGFOO"), None);
    for (n, name, _) in exitcode::SIGNALS {
        assert_eq!(parse_query(name), Some(Query::Signal(n)));
        assert_eq!(Query::Signal(n).code(), 128 + n);
    }
}

#[test]
fn cli_explain_codes_signals_and_rules() {
    let (code, out, _) = explain(&["SIGTERM"]);
    assert_eq!(code, 0);
    assert!(out.contains("143"), "{out}");
    assert!(out.contains("Exit code 143: SIGTERM"), "{out}");
    let (code, out, _) = explain(&["137", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["code"], 137);
    assert_eq!(v["signal"]["name"], "SIGKILL");
    assert!(v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["code"] == "X101"));
    let (code, out, _) = explain(&["kill", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["code"], 137);
    assert_eq!(v["query"]["signal"], "SIGKILL");
    let (code, out, _) = explain(&["X101"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# X101 pid1-signal-forwarding"));
    let (code, out, _) = explain(&["oom-heap", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["exit_codes"][0], 137);
}

#[test]
fn cli_explain_bad_input_is_usage_error() {
    for bad in ["256", "-3", "SIGFOO", "X999", "1.5", ""] {
        let (code, out, err) = explain(&[bad]);
        assert_eq!(code, 2, "{bad}: {out}{err}");
        assert!(out.is_empty());
        assert!(
            err.contains("exit code") && err.contains("SIGTERM") && err.contains("rule"),
            "{err}"
        );
    }
}

/// The crash-loop note: on an error-level finding that predicts an exit
/// code, only for services that restart.
#[test]
fn crash_loop_note() {
    let lint = |restart: &str| {
        let text = format!(
            "services:\n  job:\n    image: alpine:3.20\n{restart}    entrypoint: [\"/bin/bash\", \"-c\", \"echo hi\"]\n"
        );
        let res = lint_text("/nonexistent-compose-lint-example/app/compose.yaml", &text).unwrap();
        let d = res
            .diagnostics
            .into_iter()
            .find(|d| d.code == "X102")
            .expect("X102");
        d.notes.iter().any(|n| n.contains("restart in a loop"))
    };
    assert!(lint("    restart: always\n"));
    assert!(lint("    restart: unless-stopped\n"));
    assert!(lint("    restart: on-failure:3\n"));
    assert!(lint(
        "    deploy:\n      restart_policy:\n        condition: on-failure\n"
    ));
    assert!(!lint(""));
    assert!(!lint("    restart: \"no\"\n"));
    assert!(!lint(
        "    deploy:\n      restart_policy:\n        condition: none\n"
    ));
    // A warning (X104's -Xmn finding) gets no note.
    let res = lint_text(
        "/nonexistent-compose-lint-example/app/compose.yaml",
        "services:\n  b:\n    image: apacherocketmq/rocketmq:4.3.1\n    restart: always\n    environment:\n      JAVA_OPT_EXT: \"-Xmx256m -Xmn256m\"\n",
    )
    .unwrap();
    let d = res.diagnostics.iter().find(|d| d.code == "X104").unwrap();
    assert!(!d.notes.iter().any(|n| n.contains("restart in a loop")));
}

/// The seed's failing project: the brokers get X101 and the -Xmn finding.
#[test]
fn seed_brokers() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/seed/failing/docker-compose.yml"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let res = lint_text(path, &text).unwrap();
    let count = |code: &str, needle: &str| {
        res.diagnostics
            .iter()
            .filter(|d| d.code == code && d.message.contains(needle))
            .count()
    };
    assert_eq!(count("X101", "`mqbroker`"), 2);
    assert_eq!(count("X101", "`mqnamesrv`"), 1);
    assert_eq!(count("X104", "-Xmn256m"), 2);
}
