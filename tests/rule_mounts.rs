//! The mount rules against the seed itself and against file ownership that
//! a checkout cannot carry: the seed's failing file gets M101 at its data
//! volumes and the working file does not (at the brokers); M105 reads the
//! owner of a bind source created here and chowned to another uid.

mod rule_cases;

use std::path::{Path, PathBuf};

use rule_cases::{lint_case, render_all};

fn seed(which: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/seed")
        .join(which)
}

/// (line, text of the line) of every finding of `code`.
fn lines_of(dir: &Path, code: &str) -> Vec<(usize, String)> {
    let res = lint_case(dir);
    res.diagnostics
        .iter()
        .filter(|d| d.code == code)
        .map(|d| {
            let f = res.sources.get(d.span.file);
            let line = f.line_col(d.span.start as usize).line;
            (line, f.text[f.line_range(line)].trim().to_string())
        })
        .collect()
}

#[test]
fn seed_failing_gets_m101_at_each_broker_data_volume() {
    let dir = seed("failing");
    let found = lines_of(&dir, "M101");
    let texts: Vec<&str> = found.iter().map(|(_, t)| t.as_str()).collect();
    for want in [
        "- master_broker_log:/home/rocketmq/log",
        "- master_broker_store:/home/rocketmq/store",
        "- slave_broker_log:/home/rocketmq/log",
        "- slave_broker_store:/home/rocketmq/store",
    ] {
        assert!(texts.contains(&want), "no M101 at `{want}`: {found:?}");
    }
    // The name server's log volume has the same defect (it keeps running,
    // without its log files).
    assert_eq!(found.len(), 5, "{found:?}");
    let res = lint_case(&dir);
    let out = render_all(&res, &dir);
    for want in [
        "rules/images/apacherocketmq__rocketmq.toml (4.3.1)",
        "rocketmq (3000:3000)",
        "mount the volume at /home/rocketmq instead",
        "RUN mkdir -p /home/rocketmq/log /home/rocketmq/store && chown 3000:3000 /home/rocketmq/log /home/rocketmq/store",
        "FROM apacherocketmq/rocketmq:4.3.1",
    ] {
        assert!(out.contains(want), "missing `{want}` in:\n{out}");
    }
}

#[test]
fn seed_working_gets_no_m101_at_the_brokers() {
    let found = lines_of(&seed("working"), "M101");
    // Only the name server's `/home/rocketmq/logs`, which the working file
    // kept from the failing one.
    assert_eq!(
        found.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        ["- mq_nsrv:/home/rocketmq/logs"],
        "{found:?}"
    );
}

/// A bind source inside the project that belongs to another uid: M105
/// warns. Needs root to chown; skipped otherwise.
#[cfg(unix)]
#[test]
fn m105_warns_on_a_bind_source_owned_by_another_uid() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY-free check of the effective uid through the file system: a
    // file we create belongs to us.
    let base = std::env::temp_dir().join(format!("compose-lint-m105-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(base.join("store")).unwrap();
    std::fs::create_dir_all(base.join("open")).unwrap();
    use std::os::unix::fs::MetadataExt;
    let me = std::fs::metadata(&base).unwrap().uid();
    if me != 0 {
        eprintln!("skipped: chown to another uid needs root (running as uid {me})");
        let _ = std::fs::remove_dir_all(&base);
        return;
    }
    std::os::unix::fs::chown(base.join("store"), Some(1000), Some(1000)).unwrap();
    std::fs::set_permissions(base.join("store"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::os::unix::fs::chown(base.join("open"), Some(1000), Some(1000)).unwrap();
    std::fs::set_permissions(base.join("open"), std::fs::Permissions::from_mode(0o777)).unwrap();
    std::fs::write(
        base.join("compose.yaml"),
        "services:\n  a:\n    image: apacherocketmq/rocketmq:4.3.1\n    volumes:\n      - ./store:/home/rocketmq\n  b:\n    image: apacherocketmq/rocketmq:4.3.1\n    volumes:\n      - ./open:/home/rocketmq\n  c:\n    image: apacherocketmq/rocketmq:4.3.1\n    volumes:\n      - ./store:/home/rocketmq:ro\n  d:\n    image: apacherocketmq/rocketmq:4.3.1\n    volumes:\n      - ./store:/opt/rocketmq-4.3.1/conf\n",
    )
    .unwrap();
    let res = lint_case(&base);
    let m105: Vec<_> = res
        .diagnostics
        .iter()
        .filter(|d| d.code == "M105")
        .collect();
    let out = render_all(&res, &base);
    let _ = std::fs::remove_dir_all(&base);
    assert_eq!(m105.len(), 1, "{out}");
    assert_eq!(
        m105[0].severity,
        compose_lint::diagnostic::Severity::Warning
    );
    assert!(
        m105[0].message.contains("`./store`") && m105[0].message.contains("1000:1000"),
        "{out}"
    );
    assert!(m105[0]
        .help
        .as_deref()
        .unwrap_or("")
        .contains("chown -R 3000:3000 ./store"));
}
