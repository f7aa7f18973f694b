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

/// Runs the CLI on `dir` (concise output) with `extra` arguments and
/// `COMPOSE_LINT_DOCKER` when given; the lines of `code`.
fn cli_lines(dir: &Path, extra: &[&str], docker: Option<&Path>, code: &str) -> Vec<String> {
    let mut cmd = assert_cmd::Command::cargo_bin("compose-lint").unwrap();
    cmd.current_dir(dir)
        .env("PWD", dir)
        .env_remove("COMPOSE_LINT_DOCKER")
        .env("COMPOSE_LINT_CACHE", dir.join(".cache"))
        .args(["--output-format", "concise", "--color", "never"])
        .args(extra)
        .arg(".");
    if let Some(d) = docker {
        cmd.env("COMPOSE_LINT_DOCKER", d);
    }
    let out = cmd.output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains(&format!("[{code}]")))
        .map(str::to_string)
        .collect()
}

/// A project with a missing `${PWD}` source, a missing absolute source and
/// a root-owned 0755 absolute source, all where the image user (rocketmq,
/// 3000) writes.
struct HostBinds {
    project: tempfile::TempDir,
    /// Holds the host directories until the test ends.
    _host: tempfile::TempDir,
    missing: PathBuf,
    rootdir: PathBuf,
}

fn host_bind_project() -> HostBinds {
    let dir = tempfile::tempdir().unwrap();
    let host = tempfile::tempdir().unwrap();
    let missing = host.path().join("missing");
    let rootdir = host.path().join("root-owned");
    std::fs::create_dir(&rootdir).unwrap();
    std::fs::write(
        dir.path().join("compose.yaml"),
        format!(
            "services:\n  a:\n    image: apacherocketmq/rocketmq:4.3.1\n    volumes:\n      - ${{PWD}}/logs:/home/rocketmq/logs\n      - {}:/home/rocketmq/store\n  b:\n    image: apacherocketmq/rocketmq:4.3.1\n    volumes:\n      - {}:/home/rocketmq\n",
            missing.display(),
            rootdir.display()
        ),
    )
    .unwrap();
    HostBinds {
        project: dir,
        _host: host,
        missing,
        rootdir,
    }
}

#[test]
fn pwd_bind_sources_are_in_the_project_whatever_the_engine() {
    let hb = host_bind_project();
    let (dir, missing) = (&hb.project, &hb.missing);
    let m104 = cli_lines(dir.path(), &[], None, "M104");
    // `${PWD}/logs` is checked in the project; the absolute source is not
    // (no --engine: it names a path on whatever host runs the engine).
    assert_eq!(m104.len(), 1, "{m104:#?}");
    assert!(
        m104[0].contains("error[M104] bind source `${PWD}/logs`"),
        "{m104:#?}"
    );
    assert!(!m104
        .iter()
        .any(|l| l.contains(&missing.display().to_string())));
}

#[test]
fn with_the_engine_on_this_machine_absolute_bind_sources_are_checked_here() {
    use std::os::unix::fs::MetadataExt;
    if !compose_lint::image::engine::runs_here() {
        eprintln!(
            "SKIPPED: no Docker engine on this machine (`docker info` names another host or fails)"
        );
        return;
    }
    let hb = host_bind_project();
    let (dir, missing, rootdir) = (&hb.project, &hb.missing, &hb.rootdir);
    if std::fs::metadata(rootdir).unwrap().uid() == 3000 {
        eprintln!("SKIPPED: running as uid 3000, the image user");
        return;
    }
    let m104 = cli_lines(dir.path(), &["--engine"], None, "M104");
    assert!(
        m104.iter()
            .any(|l| l.contains(&format!("error[M104] bind source `{}`", missing.display()))),
        "{m104:#?}"
    );
    let m105 = cli_lines(dir.path(), &["--engine"], None, "M105");
    assert!(
        m105.iter().any(|l| l.contains("warning[M105]")
            && l.contains(&format!("`{}`", rootdir.display()))
            && l.contains("mode 0755")),
        "{m105:#?}"
    );
    // Without --engine the same directory is only described (info).
    let m105 = cli_lines(dir.path(), &[], None, "M105");
    assert!(m105.iter().all(|l| l.contains("info[M105]")), "{m105:#?}");
}

#[test]
fn an_engine_elsewhere_leaves_absolute_sources_unchecked() {
    use std::os::unix::fs::PermissionsExt;
    let hb = host_bind_project();
    let (dir, missing) = (&hb.project, &hb.missing);
    // A docker CLI whose daemon has another name (Docker Desktop's VM, a
    // remote host): `info` answers, images are not present.
    let fake = dir.path().join("docker");
    std::fs::write(
        &fake,
        "#!/bin/sh\n[ \"$1\" = info ] && { echo some-other-host; exit 0; }\necho 'Error: No such image' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    let m104 = cli_lines(dir.path(), &["--engine"], Some(&fake), "M104");
    assert_eq!(m104.len(), 1, "{m104:#?}");
    assert!(!m104
        .iter()
        .any(|l| l.contains(&missing.display().to_string())));
}
