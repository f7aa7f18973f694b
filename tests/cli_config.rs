//! Configuration files, command-line selection and inline suppression, as
//! the command line applies them.

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
        .env_remove("TAG")
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

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// "line:CODE:severity" of every diagnostic, from `--format json`.
fn codes(o: &Output) -> Vec<String> {
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", String::from_utf8_lossy(&o.stdout), stderr(o)));
    doc["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            format!(
                "{}:{}:{}",
                d["start"]["line"],
                d["code"].as_str().unwrap(),
                d["severity"].as_str().unwrap()
            )
        })
        .collect()
}

/// An error (S102, line 6), a warning (P103, line 8) and an info (P101,
/// line 1), in services `web` and `db`.
const MIXED: &str = "version: \"3\"
services:
  web:
    image: nginx:1.27
    depends_on:
      - nope
    environment:
      DEBUG: yes
  db:
    image: postgres:16
    depends_on: [alsonope]
";

const ALL: [&str; 4] = [
    "1:P101:info",
    "6:S102:error",
    "8:P103:warning",
    "11:S102:error",
];

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose.yaml", MIXED);
    dir
}

fn lint(dir: &Path, args: &[&str]) -> Output {
    bin(dir)
        .args(["--format", "json"])
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn without_config_everything_runs() {
    let dir = project();
    let out = lint(dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ALL);
}

#[test]
fn config_is_found_by_walking_up_from_the_linted_file() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "compose-lint.toml", "ignore = [\"S102\"]\n");
    write(dir.path(), "a/b/compose.yaml", MIXED);
    // Run from elsewhere: the config belongs to the file, not the cwd.
    let out = lint(dir.path(), &["a/b/compose.yaml"]);
    assert_eq!(codes(&out), ["1:P101:info", "8:P103:warning"]);
    let out = bin(Path::new("/"))
        .args(["--format", "json"])
        .arg(dir.path().join("a/b/compose.yaml"))
        .output()
        .unwrap();
    assert_eq!(codes(&out), ["1:P101:info", "8:P103:warning"]);

    // A nearer one wins.
    write(dir.path(), "a/.compose-lint.toml", "ignore = [\"P\"]\n");
    let out = lint(dir.path(), &["a/b/compose.yaml"]);
    assert_eq!(codes(&out), ["6:S102:error", "11:S102:error"]);
}

#[test]
fn explicit_config_flag() {
    let dir = project();
    write(dir.path(), "compose-lint.toml", "ignore = [\"S102\"]\n");
    write(dir.path(), "other.toml", "select = [\"P101\"]\n");
    let out = lint(dir.path(), &["--config", "other.toml"]);
    assert_eq!(codes(&out), ["1:P101:info"]);
    assert_eq!(out.status.code(), Some(0));

    let out = lint(dir.path(), &["--config", "missing.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.toml"), "{}", stderr(&out));
}

#[test]
fn select_ignore_severity_and_off() {
    let dir = project();
    let cases: &[(&str, &[&str])] = &[
        ("select = [\"S\"]\n", &["6:S102:error", "11:S102:error"]),
        (
            "select = [\"ALL\"]\nignore = [\"P1\"]\n",
            &["6:S102:error", "11:S102:error"],
        ),
        (
            "ignore = [\"yaml11-ambiguous-scalar\"]\n",
            &["1:P101:info", "6:S102:error", "11:S102:error"],
        ),
        (
            "[rules.S102]\nseverity = \"warning\"\n[rules.P101]\nseverity = \"off\"\n",
            &["6:S102:warning", "8:P103:warning", "11:S102:warning"],
        ),
        (
            "[rules.P103]\nseverity = \"error\"\n",
            &[
                "1:P101:info",
                "6:S102:error",
                "8:P103:error",
                "11:S102:error",
            ],
        ),
    ];
    for (config, want) in cases {
        write(dir.path(), "compose-lint.toml", config);
        let out = lint(dir.path(), &[]);
        assert_eq!(codes(&out), *want, "{config}");
    }
}

#[test]
fn per_file_and_per_service_ignores() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "legacy/old/compose.yaml", MIXED);
    write(dir.path(), "new/compose.yaml", MIXED);
    write(
        dir.path(),
        "compose-lint.toml",
        "[per-file-ignores]\n\"legacy/**/*.yaml\" = [\"S102\", \"P101\"]\n\n[per-service-ignores]\ndb = [\"unknown-dependency\"]\n",
    );
    let out = lint(dir.path(), &["legacy/old/compose.yaml"]);
    assert_eq!(codes(&out), ["8:P103:warning"]);
    let out = lint(dir.path(), &["new/compose.yaml"]);
    assert_eq!(
        codes(&out),
        ["1:P101:info", "6:S102:error", "8:P103:warning"]
    );
}

#[test]
fn fail_on_and_format_from_config_and_cli_overrides() {
    let dir = project();
    write(
        dir.path(),
        "compose-lint.toml",
        "fail-on = \"never\"\nformat = \"github\"\n",
    );
    let out = bin(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("::notice file=compose.yaml,line=1,"),
        "{text}"
    );

    // The command line wins.
    let out = bin(dir.path())
        .args(["--fail-on", "error", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(codes(&out), ALL);
    // CLI --select overrides the config's select; CLI --ignore adds to it.
    write(
        dir.path(),
        "compose-lint.toml",
        "select = [\"P\"]\nignore = [\"P103\"]\n",
    );
    let out = lint(dir.path(), &["--select", "S102,P"]);
    assert_eq!(
        codes(&out),
        ["1:P101:info", "6:S102:error", "11:S102:error"]
    );

    write(dir.path(), "compose-lint.toml", "format = \"xml\"\n");
    let out = bin(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("xml"), "{}", stderr(&out));
}

#[test]
fn unknown_config_key_or_code_is_exit_2() {
    let dir = project();
    for (config, want) in [
        ("[rules.S102]\nlevel = \"error\"\n", "2:1"),
        ("select = [\"S\"]\nselekt = [\"P\"]\n", "2:1"),
        ("ignore = [\"Z999\"]\n", "Z999"),
        ("fail-on = \"sometimes\"\n", "1:11"),
        ("[per-file-ignores]\n\"[\" = [\"S102\"]\n", "invalid glob"),
    ] {
        write(dir.path(), "compose-lint.toml", config);
        let out = bin(dir.path()).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{config}");
        assert!(out.stdout.is_empty(), "{config}");
        let err = stderr(&out);
        assert!(err.contains("compose-lint.toml"), "{config}: {err}");
        assert!(err.contains(want), "{config}: {err}");
    }
}

/// With several files named, each is linted as soon as its job is planned
/// (on any core, in any order), but a broken config is still exit 2 with
/// nothing on standard output, and the error named is that of the first
/// file (in command-line order) whose config is broken, as when the files
/// were checked one after the other.
#[test]
fn the_first_broken_config_in_file_order_is_the_error() {
    let dir = tempfile::tempdir().unwrap();
    for (sub, config) in [
        ("a", Some("ignore = [\"S102\"]\n")),
        ("b", Some("selekt = [\"P\"]\n")),
        ("c", None),
        ("d", Some("ignore = [\"Z999\"]\n")),
    ] {
        write(dir.path(), &format!("{sub}/compose.yaml"), MIXED);
        if let Some(config) = config {
            write(dir.path(), &format!("{sub}/compose-lint.toml"), config);
        }
    }
    let files = |order: &[&str]| -> Vec<String> {
        order.iter().map(|s| format!("{s}/compose.yaml")).collect()
    };
    for (order, broken) in [
        (["a", "b", "c", "d"], "b"),
        (["d", "c", "b", "a"], "d"),
        (["c", "a", "d", "b"], "d"),
    ] {
        let out = lint(
            dir.path(),
            &files(&order).iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(out.status.code(), Some(2), "{order:?}");
        assert!(out.stdout.is_empty(), "{order:?}");
        let err = stderr(&out);
        assert_eq!(err.lines().count(), 1, "{order:?}: {err}");
        assert!(
            err.contains(&format!("{broken}/compose-lint.toml")),
            "{order:?}: {err}"
        );
    }
    // Without the broken ones, every file is linted under its own config.
    let out = lint(dir.path(), &["c/compose.yaml", "a/compose.yaml"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        codes(&out),
        [
            "1:P101:info",
            "8:P103:warning",
            "1:P101:info",
            "6:S102:error",
            "8:P103:warning",
            "11:S102:error"
        ]
    );
}

#[test]
fn cli_select_and_ignore_by_code_prefix_and_name() {
    let dir = project();
    let cases: &[(&[&str], &[&str])] = &[
        (&["--select", "S102"], &["6:S102:error", "11:S102:error"]),
        (&["--select", "P"], &["1:P101:info", "8:P103:warning"]),
        (
            &["--select", "obsolete-version,P103"],
            &["1:P101:info", "8:P103:warning"],
        ),
        (&["--ignore", "S1"], &["1:P101:info", "8:P103:warning"]),
        (
            &["--ignore", "unknown-dependency", "--ignore", "P101"],
            &["8:P103:warning"],
        ),
        (&["--select", "S", "--ignore", "S102"], &[]),
    ];
    for (args, want) in cases {
        let out = lint(dir.path(), args);
        assert_eq!(codes(&out), *want, "{args:?}");
    }
    // A typo must not silently turn every check off.
    for args in [
        &["--select", "Z999"][..],
        &["--ignore", "S1O2"],
        &["--select", "S102,nope"],
    ] {
        let out = lint(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(
            stderr(&out).contains("unknown rule code"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn fail_on_levels() {
    let dir = project();
    for (args, code) in [
        (&["--fail-on", "error"][..], 1),
        (&["--fail-on", "never"], 0),
        (&["--select", "P103", "--fail-on", "error"], 0),
        (&["--select", "P103"], 1),
        (&["--select", "P101"], 0),
        (&["--select", "P101", "--fail-on", "warning"], 0),
        (&["--select", "P101", "--fail-on", "info"], 1),
        (&["--select", "P101", "--fail-on", "error"], 0),
    ] {
        let out = lint(dir.path(), args);
        assert_eq!(out.status.code(), Some(code), "{args:?}");
    }
}

#[test]
fn suppression_comments() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "version: \"3\" # compose-lint: disable-line P101 -- kept for an old tool
services:
  web:
    image: nginx:1.27
    # compose-lint: disable-next-line S102,P103 -- the service comes from an overlay
    depends_on: [nope]
    environment:
      DEBUG: yes # compose-lint: disable-line
  db:
    image: postgres:16
    # compose-lint: disable-next-line P101 -- wrong code
    depends_on: [alsonope]
",
    );
    let out = lint(dir.path(), &[]);
    assert_eq!(
        codes(&out),
        ["11:S015:info", "12:S102:error"],
        "an unused suppression is S015 on the comment's line"
    );

    // disable-file, with and without codes.
    write(
        dir.path(),
        "compose.yaml",
        &format!("# compose-lint: disable-file S102, P101\n{MIXED}"),
    );
    let out = lint(dir.path(), &[]);
    assert_eq!(codes(&out), ["9:P103:warning"]);
    write(
        dir.path(),
        "compose.yaml",
        &format!("{MIXED}# compose-lint: disable-file\n"),
    );
    let out = lint(dir.path(), &[]);
    assert_eq!(codes(&out), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(0));

    // S015 can be turned off like any rule.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27 # compose-lint: disable-line S102\n",
    );
    let out = lint(dir.path(), &[]);
    assert_eq!(codes(&out), ["3:S015:info"]);
    let out = lint(dir.path(), &["--ignore", "S015"]);
    assert_eq!(codes(&out), Vec::<String>::new());

    // A suppression for a rule that is turned off in this run is idle, not
    // unused: narrowing `--select` must not make it S015.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27\n    environment:\n      A: yes # compose-lint: disable-line P103\n",
    );
    assert_eq!(codes(&lint(dir.path(), &[])), Vec::<String>::new());
    assert_eq!(
        codes(&lint(dir.path(), &["--select", "S"])),
        Vec::<String>::new()
    );
    write(
        dir.path(),
        "compose-lint.toml",
        "[rules.P103]\nseverity = \"off\"\n",
    );
    assert_eq!(codes(&lint(dir.path(), &[])), Vec::<String>::new());
    // An unknown code in a suppression is still reported.
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  web:\n    image: nginx:1.27 # compose-lint: disable-line P1O3\n",
    );
    assert_eq!(codes(&lint(dir.path(), &[])), ["3:S015:info"]);
}

/// Issue 19: opt-in rules run under `--profile strict` / `profile =
/// "strict"`, or when selected by code or name, never by a prefix.
#[test]
fn profiles_turn_on_the_opt_in_rules() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "compose.yaml",
        "services:\n  app:\n    image: myorg/app:1.0\n",
    );
    let has = |o: &Output, code: &str| codes(o).iter().any(|c| c.contains(code));
    // Default: none of the strict rules.
    let out = lint(dir.path(), &[]);
    assert!(!has(&out, "C113"), "{:?}", codes(&out));
    // --profile strict: all of them.
    let out = lint(dir.path(), &["--profile", "strict"]);
    for code in ["C113", "C114", "C116", "C118", "C119"] {
        assert!(has(&out, code), "{code}: {:?}", codes(&out));
    }
    // A prefix or `ALL` does not turn them on; the code or name does.
    let out = lint(dir.path(), &["--select", "C"]);
    assert!(!has(&out, "C113"), "{:?}", codes(&out));
    let out = lint(dir.path(), &["--select", "ALL"]);
    assert!(!has(&out, "C113"), "{:?}", codes(&out));
    let out = lint(dir.path(), &["--select", "C113"]);
    assert_eq!(codes(&out), ["2:C113:warning"]);
    let out = lint(dir.path(), &["--select", "restart-policy"]);
    assert_eq!(codes(&out), ["2:C118:warning"]);
    // In the config file, and the command line wins over it.
    write(dir.path(), "compose-lint.toml", "profile = \"strict\"\n");
    let out = lint(dir.path(), &[]);
    assert!(has(&out, "C118"), "{:?}", codes(&out));
    let out = lint(dir.path(), &["--profile", "default"]);
    assert!(!has(&out, "C118"), "{:?}", codes(&out));
    write(
        dir.path(),
        "compose-lint.toml",
        "extend-select = [\"C118\"]\n",
    );
    let out = lint(dir.path(), &[]);
    assert!(has(&out, "C118") && !has(&out, "C113"), "{:?}", codes(&out));
    // An unknown profile is a usage error.
    let out = lint(dir.path(), &["--profile", "paranoid"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn rules_listing_shows_the_profile() {
    let dir = tempfile::tempdir().unwrap();
    let rules = |args: &[&str]| {
        Command::cargo_bin("compose-lint")
            .unwrap()
            .current_dir(dir.path())
            .arg("rules")
            .args(args)
            .output()
            .unwrap()
    };
    let out = rules(&["--format", "json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let profile = |code: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["code"] == code)
            .map(|r| r["profile"].as_str().unwrap().to_string())
    };
    assert_eq!(profile("C103").as_deref(), Some("default"));
    assert_eq!(profile("C120").as_deref(), Some("strict"));
    let out = rules(&[]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().next().unwrap().contains("PROFILE"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("C117") && l.contains(" strict ")),
        "{text}"
    );
}

/// S006 stands for every use of a variable; a comment at one use
/// suppresses that use, and the finding moves on or goes.
#[test]
fn suppressing_one_use_of_an_unset_variable() {
    let dir = tempfile::tempdir().unwrap();
    let uses = |marks: [bool; 3]| {
        let m = |i: usize| {
            if marks[i] {
                " # compose-lint: disable-line S006"
            } else {
                ""
            }
        };
        format!(
            "services:\n  a:\n    image: \"nginx:${{TAG}}\"{}\n    environment:\n      X: ${{TAG}}{}\n  b:\n    image: \"redis:${{TAG}}\"{}\n",
            m(0),
            m(1),
            m(2)
        )
    };
    let message = |o: &Output| -> Vec<String> {
        let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        doc["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["message"].as_str().unwrap().to_string())
            .collect()
    };
    let run = |marks| {
        write(dir.path(), "compose.yaml", &uses(marks));
        lint(dir.path(), &["--select", "S006,S015"])
    };
    let out = run([false, false, false]);
    assert_eq!(codes(&out), ["3:S006:warning"]);
    assert!(
        message(&out)[0].ends_with("(3 uses)"),
        "{:?}",
        message(&out)
    );
    // The second use suppressed: two uses left, and the comment is used.
    let out = run([false, true, false]);
    assert_eq!(codes(&out), ["3:S006:warning"]);
    assert!(
        message(&out)[0].ends_with("(2 uses)"),
        "{:?}",
        message(&out)
    );
    // The first use suppressed: the finding moves to the next use.
    let out = run([true, false, false]);
    assert_eq!(codes(&out), ["5:S006:warning"]);
    // Every use suppressed: nothing, and no comment is unused (S015).
    let out = run([true, true, true]);
    assert_eq!(codes(&out), Vec::<String>::new());
    assert_eq!(out.status.code(), Some(0));
}
