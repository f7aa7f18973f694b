//! The command line's output: every `--format` on one fixture, the seed
//! project, injection through linted text, `--output`, `--statistics`,
//! `--quiet`, the subcommands, determinism over many projects, and a panic
//! inside one job.

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary with a predictable environment, run from `dir`.
fn bin(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("compose-lint").unwrap();
    cmd.current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PATH_SEPARATOR")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_LINT_TEST_PANIC")
        .env_remove("NO_COLOR");
    cmd
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("stdout is UTF-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const FORMATS_FIXTURE: [&str; 2] = [
    "fixtures/cli/formats/api/compose.yaml",
    "fixtures/cli/formats/web/compose.yaml",
];

fn run_format(format: &str) -> Output {
    bin(&manifest())
        .args(["--color", "never", "--format", format])
        .args(FORMATS_FIXTURE)
        .output()
        .unwrap()
}

/// One fixture with an error (S102), a warning (P103) and an info (P101)
/// in two files, in every format. Exit 1: the error reaches `--fail-on`.
#[test]
fn every_format_snapshot() {
    for format in [
        "human",
        "json",
        "sarif",
        "github",
        "junit",
        "checkstyle",
        "gitlab",
    ] {
        let out = run_format(format);
        assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
        assert!(out.stderr.is_empty(), "{format}: {}", stderr(&out));
        insta::assert_snapshot!(format!("format_{format}"), stdout(&out));
    }
}

fn sarif_schema_path() -> PathBuf {
    let candidates = [
        manifest().join("../shared/reference/sarif/sarif-schema-2.1.0.json"),
        manifest().join("../../shared/reference/sarif/sarif-schema-2.1.0.json"),
        PathBuf::from("/work/shared/reference/sarif/sarif-schema-2.1.0.json"),
    ];
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "the SARIF 2.1.0 schema is needed to validate the output and was not found at any of {candidates:?}"
            )
        })
}

#[test]
fn sarif_is_valid_against_the_schema() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(sarif_schema_path()).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let out = run_format("sarif");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF schema errors:\n{}",
        errors.join("\n")
    );
    assert_eq!(doc["version"], "2.1.0");
    assert_eq!(doc["runs"][0]["results"].as_array().unwrap().len(), 3);
}

#[test]
fn json_parses_and_has_version_1() {
    let out = run_format("json");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["files_checked"], 2);
    assert_eq!(
        doc["summary"],
        serde_json::json!({"errors": 1, "warnings": 1, "infos": 1})
    );
}

#[test]
fn xml_formats_parse() {
    for format in ["junit", "checkstyle"] {
        let out = run_format(format);
        let text = stdout(&out);
        roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{format}: {e}"));
    }
    let out = run_format("gitlab");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc.as_array().unwrap().len(), 3);
}

/// The seed project as it stands: what fires now, with exact line:col.
#[test]
fn seed_snapshot() {
    let seed = "fixtures/seed/failing/docker-compose.yml";
    let human = bin(&manifest())
        .args(["--color", "never", seed])
        .output()
        .unwrap();
    assert!(human.stderr.is_empty(), "{}", stderr(&human));
    insta::assert_snapshot!("seed_human", stdout(&human));
    let json = bin(&manifest())
        .args(["--format", "json", seed])
        .output()
        .unwrap();
    assert_eq!(json.status.code(), human.status.code());
    insta::assert_snapshot!("seed_json", stdout(&json));
}

/// A Compose file whose values try to write CI workflow commands, terminal
/// escapes and bidi overrides into the output, in values that end up in
/// messages and in a quoted key with a newline.
const HOSTILE: &str = "services:\n  web:\n    image: nginx\n    depends_on:\n      - \"::error::pwned\"\n      - \"##[error]pwned\"\n      - \"red\\e[31m\"\n      - \"bidi\\u202Eevil\"\n    \"bad\\nkey\": 1\n    \"::warning::key\": 2\n";

/// Raw control and bidi bytes are not valid YAML: the file gets S001, and
/// the raw line is shown in the code frame, which must be sanitized too.
const HOSTILE_RAW: &str = "services:\n  web:\n    image: nginx\n    # raw: \u{1b}[31m \u{202e} ::error::x\n    networks: [\"\u{1b}[31m\u{202e}net\"]\n";

#[test]
fn injection_through_the_cli() {
    for (source, expected) in [(HOSTILE, ["S102", "S003"]), (HOSTILE_RAW, ["S001", "S001"])] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("compose.yaml"), source).unwrap();
        for format in ["github", "human"] {
            let out = bin(dir.path())
                .args(["--color", "never", "--format", format])
                .output()
                .unwrap();
            assert_eq!(out.status.code(), Some(1), "{format}: {}", stderr(&out));
            let text = stdout(&out);
            // Our findings are there: the hostile values were linted.
            for code in expected {
                assert!(text.contains(code), "{format}:\n{text}");
            }
            assert_no_injection(format, &text);
        }
    }
}

fn assert_no_injection(format: &str, text: &str) {
    for line in text.lines() {
        if line.starts_with("::") {
            assert!(
                format == "github"
                    && (line.starts_with("::error file=")
                        || line.starts_with("::warning file=")
                        || line.starts_with("::notice file=")),
                "{format}: a line starts with a workflow command: {line:?}"
            );
            // The runner reads a command only at the start of a line, so
            // `::` inside our message is inert; line breaks are `%0A`.
        }
        assert!(!line.trim_start().starts_with("##["), "{format}: {line:?}");
        for c in line.chars() {
            assert!(
                c != '\u{1b}'
                    && !('\u{202a}'..='\u{202e}').contains(&c)
                    && !('\u{2066}'..='\u{2069}').contains(&c),
                "{format}: unsafe char {c:?} in {line:?}"
            );
        }
    }
}

#[test]
fn output_file_is_written_atomically() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.json");
    let out = bin(&manifest())
        .args(["--format", "json", "--output"])
        .arg(&report)
        .args(FORMATS_FIXTURE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(out.stdout.is_empty(), "the report goes to the file only");
    let written = std::fs::read(&report).unwrap();
    assert_eq!(written, run_format("json").stdout, "the full report");
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["report.json"], "no temporary file left behind");

    // Over an existing file, too.
    std::fs::write(&report, "old").unwrap();
    bin(&manifest())
        .args(["--format", "json", "-o"])
        .arg(&report)
        .args(FORMATS_FIXTURE)
        .assert()
        .code(1);
    assert_eq!(std::fs::read(&report).unwrap(), written);

    // A directory that does not exist: exit 2, nothing half-written.
    let missing = dir.path().join("no/such/dir/report.json");
    bin(&manifest())
        .args(["-o"])
        .arg(&missing)
        .args(FORMATS_FIXTURE)
        .assert()
        .code(2);
    // The rename fails (the target is a directory): exit 2 and the
    // temporary file is removed.
    std::fs::create_dir(dir.path().join("taken")).unwrap();
    bin(&manifest())
        .args(["-o"])
        .arg(dir.path().join("taken"))
        .args(FORMATS_FIXTURE)
        .assert()
        .code(2);
    let mut names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["report.json", "taken"],
        "no temporary file left behind"
    );
}

#[test]
fn quiet_and_statistics() {
    let out = bin(&manifest())
        .args(["--color", "never", "--quiet", "--statistics"])
        .args(FORMATS_FIXTURE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(!text.contains("3 problems ("), "{text}");
    insta::assert_snapshot!("quiet_statistics", text);
}

#[test]
fn rules_lists_every_registered_code() {
    let out = bin(&manifest()).arg("rules").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for rule in compose_lint::rules::REGISTRY {
        assert!(
            text.lines()
                .any(|l| l.split_whitespace().next() == Some(rule.meta.code)
                    && l.contains(rule.meta.name)),
            "{} missing from `rules`:\n{text}",
            rule.meta.code
        );
    }

    let out = bin(&manifest())
        .args(["rules", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let list: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = list.iter().map(|r| r["code"].as_str().unwrap()).collect();
    let registry: Vec<&str> = compose_lint::rules::sorted()
        .into_iter()
        .map(|r| r.meta.code)
        .collect();
    assert_eq!(codes, registry);
    assert_eq!(codes.len(), compose_lint::rules::REGISTRY.len());
}

#[test]
fn explain_by_code_and_name() {
    let page = compose_lint::rules::find("S002").unwrap().meta.page;
    for what in ["S002", "duplicate-key", "s002"] {
        let out = bin(&manifest()).args(["explain", what]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(&out));
        assert_eq!(stdout(&out), page, "{what}");
    }
    let out = bin(&manifest()).args(["explain", "NOPE"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(
        stderr(&out).contains("`NOPE` is not a rule"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn completions() {
    let out = bin(&manifest())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("compose-lint"));
    assert!(out.stdout.len() > 1000);
}

/// Fifty projects linted in parallel give the same, sorted output twice.
#[test]
fn many_projects_are_deterministic_and_sorted() {
    let dir = tempfile::tempdir().unwrap();
    for i in 0..50 {
        let p = dir.path().join(format!("p{i:02}"));
        std::fs::create_dir(&p).unwrap();
        std::fs::write(
            p.join("compose.yaml"),
            format!("services:\n  s{i}:\n    image: nginx:1.27\n    depends_on: [missing{i}]\n    links: [missing{i}]\n"),
        )
        .unwrap();
    }
    let run = || {
        bin(dir.path())
            .args(["--format", "github", "."])
            .output()
            .unwrap()
    };
    let first = run();
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    let second = run();
    assert_eq!(first.stdout, second.stdout);
    let text = stdout(&first);
    let files: Vec<&str> = text
        .lines()
        .map(|l| l.split("file=").nth(1).unwrap().split(',').next().unwrap())
        .collect();
    // Per project: S102 for `depends_on`, P102 and S102 for the link.
    assert_eq!(files.len(), 150, "{text}");
    let mut sorted = files.clone();
    sorted.sort();
    assert_eq!(files, sorted);
    assert_eq!(files[0], "p00/compose.yaml");
    assert_eq!(files[149], "p49/compose.yaml");
}

/// A panic while linting one file is reported as an internal error for that
/// file, the other files' results still print, and the exit status is 2.
/// The panic is triggered through a debug-only hook in `lint::lint_job`.
#[test]
#[cfg(debug_assertions)]
fn a_panic_in_one_job_is_contained() {
    let out = bin(&manifest())
        .env("COMPOSE_LINT_TEST_PANIC", "web/compose.yaml")
        .args(["--format", "github"])
        .args(FORMATS_FIXTURE)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let text = stdout(&out);
    assert!(
        text.contains("file=fixtures/cli/formats/api/compose.yaml"),
        "{text}"
    );
    assert!(!text.contains("web/compose.yaml"), "{text}");
    let err = stderr(&out);
    assert!(
        err.contains("internal error while linting fixtures/cli/formats/web/compose.yaml"),
        "{err}"
    );
}
