//! What the command line lints and its exit statuses: the default project,
//! `COMPOSE_FILE`, `-f`, directory walks, overlays, standard input, and
//! every way the input can be unusable.

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;

fn bin(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("compose-lint").unwrap();
    cmd.current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PATH_SEPARATOR")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_LINT_TEST_PANIC")
        .env_remove("NO_COLOR")
        .arg("--color")
        .arg("never");
    cmd
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// (file, line:col, code) of every diagnostic, from `--format json`.
fn findings(o: &Output) -> Vec<(String, String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", stdout(o), stderr(o)));
    assert_eq!(doc["version"], 1);
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["file"].as_str().unwrap().to_string(),
                format!("{}:{}", d["start"]["line"], d["start"]["column"]),
                d["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn notes(o: &Output) -> Vec<(String, String)> {
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    doc["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["file"].as_str().unwrap().to_string(),
                n["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn f(file: &str, at: &str, code: &str) -> (String, String, String) {
    (file.into(), at.into(), code.into())
}

const GOOD: &str = "services:\n  web:\n    image: nginx:1.27\n";
/// S102 at 4:18.
const BAD: &str = "services:\n  web:\n    image: nginx:1.27\n    depends_on: [nope]\n";

#[test]
fn no_path_lints_the_default_project_with_its_override() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", GOOD);
    write(
        dir.path(),
        "compose.override.yaml",
        "services:\n  web:\n    depends_on: [nope]\n",
    );
    // Not part of the default project.
    write(dir.path(), "docker-compose.yml", BAD);
    let out = bin(dir.path()).args(["--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&out), [f("compose.override.yaml", "3:18", "S102")]);
}

#[test]
fn compose_file_variable() {
    let dir = tempfile::tempdir().unwrap();
    // a.yml alone lacks an image; b.yml supplies it and adds an error.
    write(dir.path(), "a.yml", "services:\n  web:\n    command: x\n");
    write(
        dir.path(),
        "b.yml",
        "services:\n  web:\n    image: nginx:1.27\n    depends_on: [nope]\n",
    );
    write(dir.path(), "compose.yaml", BAD);
    let out = bin(dir.path())
        .env("COMPOSE_FILE", "a.yml:b.yml")
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&out), [f("b.yml", "4:18", "S102")]);

    // A missing file in the list is exit 2.
    let out = bin(dir.path())
        .env("COMPOSE_FILE", "a.yml:missing.yml")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.yml"), "{}", stderr(&out));
}

#[test]
fn dash_f_files_are_merged_in_order() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.yml", "services:\n  web:\n    command: x\n");
    write(
        dir.path(),
        "b.yml",
        "services:\n  web:\n    image: nginx:1.27\n    depends_on: [nope]\n",
    );
    let out = bin(dir.path())
        .args(["--format", "json", "-f", "a.yml", "-f", "b.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&out), [f("b.yml", "4:18", "S102")]);
    // `-f` wins over COMPOSE_FILE.
    let out = bin(dir.path())
        .env("COMPOSE_FILE", "a.yml")
        .args(["--format", "json", "-f", "a.yml", "-f", "b.yml"])
        .output()
        .unwrap();
    assert_eq!(findings(&out), [f("b.yml", "4:18", "S102")]);
}

#[test]
fn directory_walk_respects_gitignore_and_hidden_dirs_and_survives_loops() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // No .git directory here: .gitignore still applies.
    write(root, ".gitignore", "ignored/\n");
    write(root, "ignored/compose.yaml", BAD);
    write(root, ".hidden/compose.yaml", BAD);
    write(root, "app/compose.yaml", BAD);
    write(root, "app/nested/deeper/docker-compose.yml", BAD);
    write(root, "app/values.yaml", "not: [compose\n");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink("..", root.join("app/loop")).unwrap();
        std::os::unix::fs::symlink(".", root.join("app/nested/self")).unwrap();
    }
    let out = bin(root).args(["--format", "json", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        findings(&out),
        [
            f("app/compose.yaml", "4:18", "S102"),
            f("app/nested/deeper/docker-compose.yml", "4:18", "S102"),
        ]
    );
}

#[test]
fn overlay_beside_a_base_reports_only_its_own_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "docker-compose.yml", BAD);
    write(
        dir.path(),
        "docker-compose.prod.yml",
        "services:\n  web:\n    depends_on: [alsonope]\n",
    );
    let out = bin(dir.path())
        .args(["--format", "json", "docker-compose.prod.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Merged onto the base (no S107 for the image-less service), and only
    // the overlay's finding.
    assert_eq!(
        findings(&out),
        [f("docker-compose.prod.yml", "3:18", "S102")]
    );
    let n = notes(&out);
    assert_eq!(n.len(), 1, "{n:?}");
    assert_eq!(n[0].0, "docker-compose.prod.yml");
    assert!(n[0].1.contains("overlay of docker-compose.yml"), "{n:?}");

    // The human format says so too.
    let out = bin(dir.path())
        .arg("docker-compose.prod.yml")
        .output()
        .unwrap();
    assert!(
        stdout(&out)
            .contains("note: docker-compose.prod.yml: linted as an overlay of docker-compose.yml"),
        "{}",
        stdout(&out)
    );

    // Walking the directory: the base as a project, the overlay on it.
    let out = bin(dir.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(
        findings(&out),
        [
            f("docker-compose.prod.yml", "3:18", "S102"),
            f("docker-compose.yml", "4:18", "S102"),
        ]
    );
    assert_eq!(notes(&out).len(), 1);
}

#[test]
fn overlay_alone_gets_no_s107_and_a_note() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "docker-compose.prod.yml",
        "services:\n  web:\n    environment:\n      A: \"1\"\n",
    );
    let out = bin(dir.path())
        .args(["--format", "json", "docker-compose.prod.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(findings(&out), []);
    let n = notes(&out);
    assert_eq!(n.len(), 1);
    assert!(n[0].1.contains("overlay"), "{n:?}");

    // A base-named file with the same content is not an overlay.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    environment:\n      A: \"1\"\n",
    );
    let out = bin(dir.path())
        .args(["--format", "json", "compose.yaml"])
        .output()
        .unwrap();
    assert_eq!(findings(&out), [f("compose.yaml", "2:3", "S107")]);
}

#[test]
fn stdin_with_a_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path())
        .args([
            "--format",
            "json",
            "-",
            "--stdin-filename",
            "deploy/compose.yaml",
        ])
        .write_stdin(BAD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&out), [f("deploy/compose.yaml", "4:18", "S102")]);

    let out = bin(dir.path())
        .args(["--format", "json", "-"])
        .write_stdin(GOOD)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(findings(&out), []);
}

#[test]
fn yaml_error_is_exit_1_with_a_position() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx\n    ports: [\"80:80\"\n",
    );
    let out = bin(dir.path()).args(["--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let all = findings(&out);
    assert!(
        all.iter()
            .any(|(file, at, code)| file == "compose.yaml" && code == "S001" && at != "1:1"),
        "{all:?}"
    );
    let out = bin(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("--> compose.yaml:"),
        "{}",
        stdout(&out)
    );
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));

    // Tabs, a schema error, a bad UTF-8 byte, an empty file.
    for (text, code) in [
        ("services:\n\tweb:\n", "S001"),
        ("services: [1, 2]\n", "S004"),
        ("services:\n  web:\n    image: \"\u{0}\"\n", "S001"),
    ] {
        write(dir.path(), "compose.yaml", text);
        let out = bin(dir.path()).args(["--format", "json"]).output().unwrap();
        assert!(
            !stderr(&out).contains("panicked"),
            "{text:?}: {}",
            stderr(&out)
        );
        assert_eq!(out.status.code(), Some(1), "{text:?}: {}", stderr(&out));
        assert!(
            findings(&out).iter().any(|x| x.2 == code),
            "{text:?}: {:?}",
            findings(&out)
        );
    }
    std::fs::write(
        dir.path().join("compose.yaml"),
        b"services:\n  web:\n    image: \xff\n",
    )
    .unwrap();
    let out = bin(dir.path()).args(["--format", "json"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(findings(&out), [f("compose.yaml", "3:12", "S001")]);
}

#[test]
fn usage_errors_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", GOOD);
    for args in [
        &["--no-such-flag"][..],
        &["--format", "nope"],
        &["--fail-on", "sometimes"],
        &["missing.yml"],
        &["-f", "missing.yml"],
        &["-f", "compose.yaml", "compose.yaml"],
    ] {
        let out = bin(dir.path()).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty(), "{args:?}");
    }
    let out = bin(dir.path()).arg("missing.yml").output().unwrap();
    assert!(
        stderr(&out).contains("missing.yml: no such file or directory"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_compose_file_found_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = bin(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no Compose file found"),
        "{}",
        stderr(&out)
    );

    // A directory named on the command line with no Compose file in it.
    write(dir.path(), "empty/README.md", "hi\n");
    let out = bin(dir.path()).arg("empty").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("no Compose file found"),
        "{}",
        stderr(&out)
    );
}

/// A file that cannot be read. Tests often run as root, where `chmod 000`
/// does not stop a read, so a directory and a FIFO stand in for it.
#[test]
#[cfg(unix)]
fn unreadable_file_is_exit_2() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "locked/compose.yaml", GOOD);
    let locked = dir.path().join("locked/compose.yaml");
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&locked).is_err() {
        let out = bin(dir.path()).arg("locked/compose.yaml").output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("locked/compose.yaml"),
            "{}",
            stderr(&out)
        );
    } else {
        eprintln!("running as root: chmod 000 does not block reads; using a directory and a FIFO");
    }

    // A directory where a Compose file should be.
    std::fs::create_dir_all(dir.path().join("d/docker-compose.yml")).unwrap();
    let out = bin(dir.path())
        .args(["-f", "d/docker-compose.yml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("is a directory"), "{}", stderr(&out));

    // A FIFO: refused without blocking on it.
    std::fs::create_dir_all(dir.path().join("fifo")).unwrap();
    let fifo = dir.path().join("fifo/docker-compose.yml");
    let status = std::process::Command::new("mkfifo").arg(&fifo).status();
    if status.is_ok_and(|s| s.success()) {
        let out = bin(dir.path())
            .arg("fifo/docker-compose.yml")
            .timeout(std::time::Duration::from_secs(20))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn invalid_config_is_exit_2_with_its_location() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", GOOD);
    write(
        dir.path(),
        "compose-lint.toml",
        "select = [\"S\"]\n\nfail_on = \"error\"\n",
    );
    let out = bin(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("compose-lint.toml: 3:1: "), "{err}");
    assert!(err.contains("fail_on"), "{err}");
}

/// A file that a project `include`s is found by the folder walk too: its
/// findings are reported once, under its plain path.
#[test]
fn an_included_file_found_by_the_walk_is_reported_once() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "include:\n  - db/compose.yaml\nservices:\n  web:\n    image: nginx:1.27\n    depends_on: [db]\n",
    );
    write(
        dir.path(),
        "db/compose.yaml",
        "services:\n  db:\n    image: postgres:16\n    ports:\n      - \"5432:5432\"\n",
    );
    let o = bin(dir.path())
        .args(["--format", "json", "."])
        .output()
        .unwrap();
    assert_eq!(findings(&o), vec![f("db/compose.yaml", "5:9", "C111")]);
}

/// Outside a git work tree, a file named from the project's root is linted
/// in that repository (the current folder): its base is found, as when the
/// whole folder is linted. From the file's own folder, the nearest folder
/// above with a default-named Compose file is the repository, so the same
/// base is found there too.
#[test]
fn a_file_named_from_the_project_root_finds_its_base_without_git() {
    let dir = tempfile::tempdir().unwrap();
    let case = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/layering/ci-subfolder");
    for rel in ["compose.yaml", "ci/smoke/compose.yaml"] {
        write(
            dir.path(),
            rel,
            &std::fs::read_to_string(case.join(rel)).unwrap(),
        );
    }
    assert!(!dir.path().join(".git").exists());
    let from_root = bin(dir.path())
        .args(["--format", "json", "ci/smoke/compose.yaml"])
        .output()
        .unwrap();
    let errors = |o: &Output| -> Vec<String> {
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["severity"] == "error")
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        errors(&from_root),
        Vec::<String>::new(),
        "{}",
        stdout(&from_root)
    );
    assert!(
        notes(&from_root)
            .iter()
            .any(|(f, m)| f == "ci/smoke/compose.yaml" && m.contains("compose.yaml")),
        "{:?}",
        notes(&from_root)
    );
    let from_its_folder = bin(&dir.path().join("ci/smoke"))
        .args(["--format", "json", "compose.yaml"])
        .output()
        .unwrap();
    assert_eq!(
        errors(&from_its_folder),
        Vec::<String>::new(),
        "{}",
        stdout(&from_its_folder)
    );
    assert!(
        notes(&from_its_folder)
            .iter()
            .any(|(f, m)| f == "compose.yaml" && m.contains("linted as an overlay of")),
        "{:?}",
        notes(&from_its_folder)
    );
}

/// Outside git, a folder above widens the repository only when it holds a
/// default-named Compose file: a lone overlay-shaped file keeps its S107.
#[test]
fn without_a_compose_file_above_the_repository_is_not_widened() {
    let lone = tempfile::tempdir().unwrap();
    write(
        lone.path(),
        "a/b/compose.yaml",
        "services:\n  app:\n    environment:\n      MODE: ci\n",
    );
    write(
        lone.path(),
        "a/notes.yaml",
        "services:\n  app:\n    image: nginx:1.27\n",
    );
    let out = bin(&lone.path().join("a/b"))
        .args(["--format", "json", "compose.yaml"])
        .output()
        .unwrap();
    let codes: Vec<String> = findings(&out).into_iter().map(|(_, _, c)| c).collect();
    assert!(
        codes.iter().any(|c| c == "S107"),
        "{codes:?}\n{}",
        stdout(&out)
    );
}
