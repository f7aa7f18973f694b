//! `--output-format full|concise` (issue 17): snapshots of both on the seed
//! project and on a real project (fixtures/output/plausible, copied from
//! ../shared/realworld), and the limits `full` keeps: no line wider than the
//! terminal (COLUMNS=100), and at most half the bytes the seed gave before.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(dir: &Path, args: &[&str]) -> String {
    let out = Command::cargo_bin("compose-lint")
        .unwrap()
        .current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

const SEED: &str = "fixtures/seed/failing/docker-compose.yml";

/// The seed's human output before issue 17: 259 lines, 26 278 bytes, the
/// longest line 822 characters.
const SEED_BEFORE_LINES: usize = 259;
const SEED_BEFORE_BYTES: usize = 26_278;

fn widest(text: &str) -> usize {
    text.lines().map(|l| l.chars().count()).max().unwrap_or(0)
}

#[test]
fn seed_full() {
    let out = run(&manifest(), &[SEED]);
    insta::assert_snapshot!(out);
    assert!(widest(&out) <= 100, "a line is {} wide", widest(&out));
    assert!(
        out.len() * 2 <= SEED_BEFORE_BYTES,
        "{} bytes, more than half of {SEED_BEFORE_BYTES}",
        out.len()
    );
    // Lines: wrapping to 100 columns adds lines; what is not repeated
    // any more takes them away. (Measured: 195 of 259.)
    assert!(
        out.lines().count() * 4 <= SEED_BEFORE_LINES * 3,
        "{} lines",
        out.lines().count()
    );
    // Each finding ends with where to read more.
    assert_eq!(
        out.matches("\n  see: compose-lint explain ").count(),
        16,
        "{out}"
    );
    // The image facts' source is named once, not under every finding.
    assert_eq!(out.matches("apacherocketmq__rocketmq.toml").count(), 1);
    // The fix shared by the findings on lines 35 and 36 is drawn once.
    assert_eq!(out.matches("36 -       - master_broker_store").count(), 1);
    assert!(
        out.contains("the fix under line 35 fixes this too"),
        "{out}"
    );
    assert!(out.ends_with(
        "16 problems (5 errors, 8 warnings, 3 infos) in 1 of 1 file; 1 fixable with --fix;\n\
         11 more fixable with --fix --unsafe-fixes\n"
    ));
}

#[test]
fn seed_concise() {
    let out = run(&manifest(), &["--output-format", "concise", SEED]);
    insta::assert_snapshot!(out);
    let findings: Vec<&str> = out.lines().filter(|l| l.starts_with("fixtures/")).collect();
    assert_eq!(findings.len(), 16);
    for l in findings {
        // path:line:col: severity[CODE] message
        let mut parts = l.splitn(4, ':');
        let (_, line, col, rest) = (
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
            parts.next().unwrap(),
        );
        assert!(
            line.parse::<usize>().is_ok() && col.parse::<usize>().is_ok(),
            "{l}"
        );
        assert!(
            rest.starts_with(" error[")
                || rest.starts_with(" warning[")
                || rest.starts_with(" info["),
            "{l}"
        );
    }
}

#[test]
fn realworld_full() {
    let dir = manifest().join("fixtures/output/plausible");
    let out = run(&dir, &[]);
    insta::assert_snapshot!(out);
    assert!(widest(&out) <= 100, "a line is {} wide", widest(&out));
}

#[test]
fn realworld_concise() {
    let dir = manifest().join("fixtures/output/plausible");
    let out = run(&dir, &["--output-format", "concise"]);
    insta::assert_snapshot!(out);
    assert_eq!(out.lines().count(), 4, "{out}");
}

/// A narrow terminal narrows the output too.
#[test]
fn columns_narrow_the_output() {
    let out = Command::cargo_bin("compose-lint")
        .unwrap()
        .current_dir(manifest())
        .env("COLUMNS", "60")
        .arg(SEED)
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(widest(&text) <= 60, "a line is {} wide", widest(&text));
}

/// SARIF rules link to their page in the repository, and the page is there.
#[test]
fn sarif_rules_carry_help_uri() {
    let out = Command::cargo_bin("compose-lint")
        .unwrap()
        .current_dir(manifest())
        .args(["--format", "sarif", SEED])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = v["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() > 40, "{}", rules.len());
    let base = "https://github.com/compose-lint/compose-lint/blob/main/";
    for r in rules {
        let uri = r["helpUri"]
            .as_str()
            .unwrap_or_else(|| panic!("no helpUri: {r}"));
        let rel = uri.strip_prefix(base).expect(uri);
        assert!(manifest().join(rel).is_file(), "{uri} names no file");
        assert!(rel.starts_with(&format!(
            "rules/{}-{}",
            r["id"].as_str().unwrap(),
            r["name"].as_str().unwrap()
        )));
    }
}

/// `explain` piped prints the rule page as it is: plain Markdown.
#[test]
fn explain_piped_is_the_page() {
    let out = Command::cargo_bin("compose-lint")
        .unwrap()
        .args(["explain", "M101"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let page =
        std::fs::read_to_string(manifest().join("rules/M101-new-volume-missing-path.md")).unwrap();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), page);
}

/// On a terminal, the page is laid out: headings without `#`, prose
/// wrapped to the width, code blocks indented and kept whole.
#[test]
fn explain_renders_markdown_for_the_terminal() {
    use compose_lint::report::markdown::render_terminal;
    let page =
        std::fs::read_to_string(manifest().join("rules/M101-new-volume-missing-path.md")).unwrap();
    let out = render_terminal(&page, 80, false);
    assert!(
        out.starts_with("M101 new-volume-missing-path\n════"),
        "{out}"
    );
    assert!(out.contains("\nWhy it breaks\n─────────────\n"), "{out}");
    assert!(!out.lines().any(|l| l.starts_with('#')), "{out}");
    assert!(
        out.contains("\n    services:\n      mq_broker_m:\n"),
        "{out}"
    );
    assert!(!out.contains("```"), "{out}");
    assert!(out.contains("\n• it is a named volume"), "{out}");
    let code: Vec<&str> = page.lines().collect();
    for l in out.lines() {
        // Only code lines (drawn as written) may be wider.
        if l.chars().count() > 80 {
            assert!(code.iter().any(|c| l.trim() == c.trim()), "too wide: {l:?}");
        }
    }
    // Colour only when asked.
    assert!(!out.contains('\x1b'));
    assert!(render_terminal(&page, 80, true).contains("\x1b[1m"));
}
