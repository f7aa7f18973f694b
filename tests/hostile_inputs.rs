//! Hostile and broken input through the command line: every case ends with
//! an exit status and a message, never a panic or a hang. The loader-level
//! cases are in `load_hostile.rs` and `load_paths.rs`, the first CLI ones in
//! `cli_discovery.rs`; this file adds what a pull request could put in front
//! of the binary: encodings, sizes, odd file types, the limits, and
//! references out of the project.

mod hostile_support;

use hostile_support::*;

/// Encodings and line ends: what Compose reads is read, the rest is S001
/// with a position, and nothing is exit 2 (the file could be read).
#[test]
fn encodings_line_ends_and_odd_bytes() {
    let utf16 = |be: bool, text: &str| -> Vec<u8> {
        let mut out = if be {
            vec![0xFE, 0xFF]
        } else {
            vec![0xFF, 0xFE]
        };
        for u in text.encode_utf16() {
            out.extend(if be { u.to_be_bytes() } else { u.to_le_bytes() });
        }
        out
    };
    let bad_tail = "    depends_on: [nope]\n";
    let cases: Vec<(&str, Vec<u8>, i32, &str)> = vec![
        ("bom", [b"\xEF\xBB\xBF", GOOD.as_bytes()].concat(), 0, ""),
        ("utf16le", utf16(false, GOOD), 0, ""),
        ("utf16be", utf16(true, GOOD), 0, ""),
        // Positions count from the decoded text: S102 on line 4.
        (
            "utf16le-finding",
            utf16(false, &format!("{GOOD}{bad_tail}")),
            1,
            "4:18 S102",
        ),
        ("crlf", GOOD.replace('\n', "\r\n").into_bytes(), 0, ""),
        (
            "crlf-finding",
            format!("{GOOD}{bad_tail}")
                .replace('\n', "\r\n")
                .into_bytes(),
            1,
            "4:18 S102",
        ),
        (
            "bom-crlf-finding",
            [
                b"\xEF\xBB\xBF".as_slice(),
                format!("{GOOD}{bad_tail}").replace('\n', "\r\n").as_bytes(),
            ]
            .concat(),
            1,
            "4:18 S102",
        ),
        // Compose v2 refuses a file with nothing in it ("empty compose file").
        ("empty", Vec::new(), 1, "1:1 S005"),
        ("comments", b"# nothing\n# here\n".to_vec(), 1, "1:1 S005"),
        ("blank", b"\n\n   \n".to_vec(), 1, "1:1 S005"),
        (
            "invalid-utf8",
            b"services:\n  web:\n    image: ngi\xFFnx\n".to_vec(),
            1,
            "3:15 S001",
        ),
        (
            "nul",
            b"services:\n  web:\n    image: ngi\x00nx\n".to_vec(),
            1,
            "3:15 S001",
        ),
        (
            "tabs",
            b"services:\n\tweb:\n\t\timage: nginx\n".to_vec(),
            1,
            "2:1 S001",
        ),
        // UTF-16 without a BOM is not recognised: NULs, so S001.
        (
            "utf16-no-bom",
            utf16(false, GOOD)[2..].to_vec(),
            1,
            "1:2 S001",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, status, expected) in cases {
        let file = format!("{name}/compose.yaml");
        write(dir.path(), &file, &bytes);
        let out = bin(dir.path())
            .args(["--format", "json"])
            .arg(&file)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(status), "{name}: {}", all(&out));
        let got: Vec<String> = findings(&out)
            .into_iter()
            .map(|(_, at, code, _)| format!("{at} {code}"))
            .collect();
        if expected.is_empty() {
            assert!(got.is_empty(), "{name}: {got:?}");
        } else {
            assert!(got.iter().any(|g| g == expected), "{name}: {got:?}");
        }
        // The human format shows the same file without trouble.
        let out = bin(dir.path()).arg(&file).output().unwrap();
        assert_eq!(out.status.code(), Some(status), "{name}: {}", all(&out));
        assert!(out.stderr.is_empty(), "{name}: {}", stderr(&out));
    }
    // Invalid UTF-8 says so; a broken UTF-16 file cannot be read at all.
    let out = bin(dir.path())
        .arg("invalid-utf8/compose.yaml")
        .output()
        .unwrap();
    assert!(stdout(&out).contains("not valid UTF-8"), "{}", all(&out));
    write(
        dir.path(),
        "bad16/compose.yaml",
        b"\xFF\xFE\x00\xD8\x41\x00",
    );
    let out = bin(dir.path()).arg("bad16/compose.yaml").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(stderr(&out).contains("not valid UTF-16"), "{}", all(&out));
}

/// A file under the default size limit that discovery reads (and hands
/// on to the lint, issue 20) is still refused by a lower `--max-file-size`:
/// the lint checks the size of the text it takes from discovery.
#[test]
fn lower_size_limit_refuses_a_file_discovery_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = "services:\n  web:\n    image: nginx:1.27\n    command: [\"echo\", \"a rather long argument to pass 100 bytes\"]\n";
    assert!(text.len() > 100);
    write(dir.path(), "compose.yaml", text.as_bytes());
    let out = bin(dir.path())
        .args(["--max-file-size", "100", "compose.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    let err = stderr(&out);
    assert!(
        err.contains(&format!(
            "compose.yaml: is {} bytes, more than the limit of 100 bytes",
            text.len()
        )),
        "{err}"
    );
}

/// A 10 MB single line: over the default limit it is exit 2 naming the
/// flag; with the limit raised it is linted quickly, and the report stays
/// small (the code frame of a 10 MB line is left out, not printed).
#[test]
fn ten_megabyte_single_line() {
    let dir = tempfile::tempdir().unwrap();
    let line = "a".repeat(10 * 1024 * 1024);
    write(dir.path(), "compose.yaml", &line);
    let out = bin(dir.path()).arg("compose.yaml").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    let err = stderr(&out);
    assert!(
        err.contains("compose.yaml: is 10485760 bytes, more than the limit of 8388608 bytes")
            && err.contains("--max-file-size"),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    for format in ["human", "json", "github", "sarif"] {
        let out = bin(dir.path())
            .args(["--max-file-size", "20000000", "--format", format])
            .arg("compose.yaml")
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        let text = stdout(&out);
        assert!(
            text.contains("S004"),
            "{format}: {}",
            &text[..text.len().min(2000)]
        );
        // SARIF carries every rule's help: larger, but bounded.
        assert!(
            out.stdout.len() < 256 * 1024,
            "{format}: a {} byte report for one finding",
            out.stdout.len()
        );
        if format == "human" {
            assert!(
                text.contains("(no code frame: line 1 is 10485760 bytes long)"),
                "{text}"
            );
        }
    }
}

/// A finding whose span is a whole long document is framed by its first
/// line, not by the 100,000 lines it covers.
#[test]
fn a_finding_over_a_huge_span_prints_a_small_frame() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..100_000).map(|i| format!("- item{i}\n")).collect();
    write(dir.path(), "compose.yaml", &text);
    let out = bin(dir.path()).arg("compose.yaml").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let report = stdout(&out);
    assert!(
        report.contains("S004") && report.contains("- item0"),
        "{report}"
    );
    assert!(report.lines().count() < 30, "{report}");
}

/// The limits each give S011 through the CLI, naming what was exceeded.
#[test]
fn limits_give_s011() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let services = |n: usize| -> String {
        let mut t = String::from("services:\n");
        for i in 0..n {
            t.push_str(&format!("  s{i}:\n    image: nginx:1.27\n"));
        }
        t
    };
    let mut deep = String::from("services:\n  web:\n    image: nginx:1.27\n    labels: ");
    deep.push_str(&"[".repeat(300));
    deep.push_str(&"]".repeat(300));
    deep.push('\n');
    let mut bomb = String::from("x-l0: &l0 [\"lol\"]\n");
    for i in 1..=9 {
        let refs = vec![format!("*l{}", i - 1); 9].join(", ");
        bomb.push_str(&format!("x-l{i}: &l{i} [{refs}]\n"));
    }
    bomb.push_str("services:\n  web:\n    image: nginx:1.27\n    command: *l9\n");
    let big = "b".repeat(100 * 1024);
    let interpolated = format!(
        "services:\n  web:\n    image: nginx:1.27\n    command: \"{}\"\n",
        "${BIG}".repeat(11)
    );
    let cases: Vec<(&str, String, &[&str], &str)> = vec![
        (
            "services",
            services(12),
            &["--max-services", "10"],
            "the project has 12 services, more than the limit of 10",
        ),
        (
            "services-default",
            services(10_001),
            &[],
            "the project has 10001 services, more than the limit of 10000",
        ),
        ("depth", deep, &[], "nest"),
        ("aliases", bomb, &[], "aliases expand to too many values"),
        (
            "interpolation",
            interpolated,
            &[],
            "interpolated value is too large",
        ),
    ];
    for (name, text, args, message) in cases {
        write(d, &format!("{name}/compose.yaml"), &text);
        write(d, &format!("{name}/.env"), format!("BIG={big}\n"));
        let out = bin(d)
            .args(["--format", "json"])
            .args(args)
            .arg(format!("{name}/compose.yaml"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{name}: {}", stderr(&out));
        let s011: Vec<_> = findings(&out)
            .into_iter()
            .filter(|f| f.2 == "S011")
            .collect();
        assert_eq!(s011.len(), 1, "{name}: {s011:?}");
        assert!(s011[0].3.contains(message), "{name}: {s011:?}");
    }
    // The services limit points at the first service not checked.
    let out = bin(d)
        .args([
            "--format",
            "json",
            "--max-services",
            "10",
            "services/compose.yaml",
        ])
        .output()
        .unwrap();
    let s011 = findings(&out).into_iter().find(|f| f.2 == "S011").unwrap();
    assert_eq!(s011.1, "22:3", "{s011:?}");
}

/// Paths that are not Compose files: directories, loops, FIFOs, devices.
#[test]
#[cfg(unix)]
fn odd_file_types_are_refused_without_blocking() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // A directory named docker-compose.yml, named as a path: it is walked,
    // finds nothing, and says so.
    std::fs::create_dir_all(d.join("dirs/docker-compose.yml")).unwrap();
    let out = bin(d).arg("dirs/docker-compose.yml").output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(
        stderr(&out).contains("no Compose file found under"),
        "{}",
        all(&out)
    );
    // ...and beside a real file in a walk or as the default project, it is
    // not taken for a file.
    write(d, "dirs/compose.yaml", GOOD);
    let out = bin(d).arg("dirs").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));
    let out = bin(&d.join("dirs")).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", all(&out));

    // A symlink loop, named, as -f, and as the default project.
    std::fs::create_dir_all(d.join("loop")).unwrap();
    symlink("b.yml", d.join("loop/compose.yaml")).unwrap();
    symlink("compose.yaml", d.join("loop/b.yml")).unwrap();
    for args in [vec!["loop/compose.yaml"], vec!["-f", "loop/compose.yaml"]] {
        let out = bin(d).args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", all(&out));
        assert!(
            stderr(&out).contains("loop/compose.yaml") && stderr(&out).contains("symbolic links"),
            "{args:?}: {}",
            all(&out)
        );
    }
    let out = bin(&d.join("loop")).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    // A loop beside a good file in a walk does not stop the walk.
    write(d, "walk/compose.yaml", GOOD);
    symlink("x.yml", d.join("walk/compose.override.yaml")).unwrap();
    symlink("compose.override.yaml", d.join("walk/x.yml")).unwrap();
    let out = bin(d).arg("walk").output().unwrap();
    assert_ne!(out.status.code(), None, "{}", all(&out));
    assert!(!all(&out).contains("panicked"), "{}", all(&out));

    // Devices, named directly and through a symlink in the project.
    for dev in ["/dev/zero", "/dev/null", "/dev/urandom"] {
        let out = bin(d).arg(dev).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{dev}: {}", all(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{dev}: {}",
            all(&out)
        );
    }
    std::fs::create_dir_all(d.join("dev")).unwrap();
    symlink("/dev/zero", d.join("dev/compose.yaml")).unwrap();
    let out = bin(d).args(["-f", "dev/compose.yaml"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(stderr(&out).contains("not a regular file"), "{}", all(&out));

    // A FIFO or a device where the loader reads a referenced file: `.env`,
    // `env_file`, `extends`, `include`. None of them is read; each is a
    // clear message, and the run ends.
    if !mkfifo(&d.join("fifo/pipe")) {
        return;
    }
    write(
        d,
        "fifo/compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    env_file: pipe\n  ext:\n    extends: {file: pipe, service: web}\n",
    );
    // The project's `.env` is read before anything else: a FIFO there
    // means nothing can be linted (exit 2).
    symlink("pipe", d.join("fifo/.env")).unwrap();
    let out = bin(d)
        .args(["--format", "json", "fifo/compose.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    assert!(
        stderr(&out).contains("fifo/.env: is not a regular file"),
        "{}",
        all(&out)
    );
    std::fs::remove_file(d.join("fifo/.env")).unwrap();
    let out = bin(d)
        .args(["--format", "json", "fifo/compose.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", all(&out));
    let got: Vec<_> = findings(&out)
        .into_iter()
        .map(|f| (f.1, f.2, f.3))
        .collect();
    assert!(
        got.iter().any(|(at, code, m)| at == "4:15"
            && code == "S010"
            && m.contains("env file `pipe` of service `web` is not a regular file")),
        "{got:#?}"
    );
    assert!(
        got.iter().any(|(at, code, m)| at.starts_with("6:")
            && code == "S010"
            && m.contains("extends file `pipe` is not a regular file")),
        "{got:#?}"
    );
    write(
        d,
        "fifo/inc.yaml",
        "include: [pipe]\nservices:\n  web:\n    image: nginx:1.27\n",
    );
    let out = bin(d)
        .args(["--format", "json", "fifo/inc.yaml"])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(1 | 2)), "{}", all(&out));
    assert!(all(&out).contains("not a regular file"), "{}", all(&out));

    // A config file that is a FIFO or a device: `--config` refuses it.
    for cfg in ["fifo/pipe", "/dev/zero"] {
        let out = bin(d)
            .args(["--config", cfg, "dirs/compose.yaml"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{cfg}: {}", all(&out));
        assert!(
            stderr(&out).contains("not a regular file"),
            "{cfg}: {}",
            all(&out)
        );
    }
    // A discovered `compose-lint.toml` that is a symlink to /dev/zero is
    // not a config file: it is skipped rather than read forever.
    write(d, "cfg/compose.yaml", GOOD);
    symlink("/dev/zero", d.join("cfg/compose-lint.toml")).unwrap();
    let out = bin(d).arg("cfg/compose.yaml").output().unwrap();
    assert!(matches!(out.status.code(), Some(0 | 2)), "{}", all(&out));
}

/// A referenced file that cannot be read (root reads through chmod 000, so
/// this is skipped with a message there).
#[test]
#[cfg(unix)]
fn unreadable_referenced_file() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "base.yml", GOOD);
    write(
        d,
        "compose.yaml",
        "services:\n  web:\n    extends: {file: base.yml, service: web}\n",
    );
    std::fs::set_permissions(d.join("base.yml"), std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(d.join("base.yml")).is_ok() {
        eprintln!("skipped: running as root, chmod 000 does not block reads");
        return;
    }
    let out = bin(d)
        .args(["--format", "json", "compose.yaml"])
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(1 | 2)), "{}", all(&out));
    assert!(all(&out).contains("permission denied"), "{}", all(&out));
}

/// References out of the project, directly, with `..`, absolute, and
/// through a symlink that escapes: each is S008 saying why, and nothing of
/// the outside file reaches the report.
#[test]
#[cfg(unix)]
fn references_outside_the_project_are_refused_through_the_cli() {
    const SECRET: &str = "TOPSECRET_b7c1e0";
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "outside/secret.env", format!("TOKEN={SECRET}\n"));
    write(
        d,
        "outside/base.yml",
        format!("services:\n  web:\n    image: {SECRET}\n    user: {SECRET}\n"),
    );
    write(
        d,
        "outside/ctx/Dockerfile",
        format!("FROM alpine\nUSER {SECRET}\n"),
    );
    std::fs::create_dir_all(d.join("proj")).unwrap();
    std::os::unix::fs::symlink(d.join("outside"), d.join("proj/link")).unwrap();
    let abs = d.join("outside/secret.env");
    let compose = format!(
        "include:\n  - ../outside/base.yml\nservices:\n  a:\n    image: nginx:1.27\n    env_file: ../outside/secret.env\n  b:\n    image: nginx:1.27\n    env_file: {}\n  c:\n    extends: {{file: link/base.yml, service: web}}\n  d:\n    build: ../outside/ctx\n  e:\n    build: {{context: link/ctx}}\n  f:\n    image: nginx:1.27\n    env_file: link/secret.env\n",
        abs.display()
    );
    write(d, "proj/compose.yaml", &compose);
    for format in ["json", "human", "github", "sarif"] {
        let out = bin(&d.join("proj"))
            .args(["--root", ".", "--format", format, "compose.yaml"])
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(1)),
            "{format}: {}",
            all(&out)
        );
        assert!(
            !all(&out).contains(SECRET),
            "{format} leaked: {}",
            all(&out)
        );
        if format == "json" {
            let s008: Vec<_> = findings(&out)
                .into_iter()
                .filter(|f| f.2 == "S008")
                .map(|f| (f.1, f.3))
                .collect();
            let lines: Vec<&str> = s008.iter().map(|(at, _)| at.as_str()).collect();
            // include, a's env_file, b's absolute env_file, c's extends
            // through the link, d's and e's build contexts, f's env_file
            // through the link.
            for at in ["2:5", "6:15", "9:15", "11:21", "13:12", "15:22", "18:15"] {
                assert!(lines.contains(&at), "S008 at {at} missing: {s008:#?}");
            }
            for (_, message) in &s008 {
                assert!(message.contains("outside the project root"), "{message}");
            }
        }
    }
}
