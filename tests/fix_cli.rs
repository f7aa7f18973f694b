//! `--fix`, `--unsafe-fixes` and `--diff`, run as a user runs them, on the
//! cases in `fixtures/fix/<case>/` (one per fixable rule, with comments,
//! anchors, flow style, an overlay and an `extends` source).
//!
//! For each case, on a copy of its directory:
//! - `--diff --unsafe-fixes` prints a diff and exits 1, or (a refused fix)
//!   prints nothing and exits 0; the files are not touched;
//! - `--fix --unsafe-fixes` writes exactly what the diff showed;
//! - a second run has nothing left to do;
//! - snapshot: the input, the diff, what was said on standard error, and
//!   the fixed files (`tests/snapshots/fix_cli/`);
//! - the same case saved with CRLF line endings, and with a UTF-8 BOM,
//!   is fixed to the same text with its CRLF and BOM kept.
//!
//! Also: standard input (the fixed text on standard output), `--fix`
//! without `--unsafe-fixes`, and a file that would not load after a fix.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

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

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Every file under `dir`, by relative path, as bytes.
fn snapshot_dir(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

/// Files by relative path.
type Files = BTreeMap<String, Vec<u8>>;

fn copy_dir(from: &Path, to: &Path) {
    for (rel, bytes) in snapshot_dir(from) {
        let p = to.join(&rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

fn is_yaml(rel: &str) -> bool {
    rel.ends_with(".yaml") || rel.ends_with(".yml")
}

fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(manifest().join("fixtures/fix"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    v.sort();
    assert!(v.len() >= 8, "the fix cases are missing");
    v
}

fn run(dir: &Path, args: &[&str]) -> Output {
    bin(dir)
        .args(["--color", "never"])
        .args(args)
        .arg(".")
        .output()
        .unwrap()
}

/// Runs `--diff` then `--fix` on a copy of `case` whose YAML files went
/// through `transform`; returns the diff run, the fix run and the files
/// after fixing.
fn fix_case(case: &Path, transform: &dyn Fn(&[u8]) -> Vec<u8>) -> (Output, Output, Files, Files) {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(case, tmp.path());
    for (rel, bytes) in snapshot_dir(tmp.path()) {
        if is_yaml(&rel) {
            std::fs::write(tmp.path().join(&rel), transform(&bytes)).unwrap();
        }
    }
    let before = snapshot_dir(tmp.path());
    let diff = run(tmp.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(
        snapshot_dir(tmp.path()),
        before,
        "{}: --diff wrote to a file",
        case.display()
    );
    let fix = run(tmp.path(), &["--fix", "--unsafe-fixes"]);
    let after = snapshot_dir(tmp.path());
    // No temporary file is left behind.
    assert_eq!(
        after.keys().collect::<Vec<_>>(),
        before.keys().collect::<Vec<_>>(),
        "{}",
        case.display()
    );
    let again = run(tmp.path(), &["--diff", "--unsafe-fixes"]);
    assert_eq!(
        (again.status.code(), text(&again.stdout)),
        (Some(0), String::new()),
        "{}: a second run still changes something; stderr: {}",
        case.display(),
        text(&again.stderr)
    );
    (diff, fix, before, after)
}

fn crlf(b: &[u8]) -> Vec<u8> {
    String::from_utf8(b.to_vec())
        .unwrap()
        .replace('\n', "\r\n")
        .into_bytes()
}

fn bom(b: &[u8]) -> Vec<u8> {
    let mut v = vec![0xEF, 0xBB, 0xBF];
    v.extend_from_slice(b);
    v
}

#[test]
fn each_case_diff_fix_and_second_run() {
    for case in cases() {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let (diff, fix, before, after) = fix_case(&case, &|b| b.to_vec());
        let changed: Vec<&String> = after
            .iter()
            .filter(|(k, v)| before.get(*k) != Some(*v))
            .map(|(k, _)| k)
            .collect();
        let diff_text = text(&diff.stdout);
        if changed.is_empty() {
            assert_eq!(diff.status.code(), Some(0), "{name}: no change, exit 0");
            assert!(diff_text.is_empty(), "{name}: {diff_text}");
        } else {
            assert_eq!(diff.status.code(), Some(1), "{name}: a change, exit 1");
            for f in &changed {
                assert!(
                    diff_text.contains(&format!("+++ b/{f}")),
                    "{name}: the diff does not show {f}"
                );
            }
        }
        // Every line the diff removes or adds is what the fix wrote.
        for (rel, new) in &after {
            let old = &before[rel];
            if old == new {
                continue;
            }
            let (old, new) = (text(old), text(new));
            for l in diff_text.lines() {
                if let Some(added) = l.strip_prefix('+').filter(|_| !l.starts_with("+++")) {
                    assert!(new.contains(added), "{name}: diff adds `{added}`");
                }
                if let Some(gone) = l.strip_prefix('-').filter(|_| !l.starts_with("---")) {
                    assert!(old.contains(gone), "{name}: diff removes `{gone}`");
                }
            }
        }
        let mut snap = String::new();
        for (rel, bytes) in &before {
            if is_yaml(rel) {
                snap.push_str(&format!("=== input {rel}\n{}", text(bytes)));
            }
        }
        snap.push_str(&format!(
            "=== --diff --unsafe-fixes (exit {})\n{diff_text}",
            diff.status.code().unwrap_or(-1)
        ));
        snap.push_str(&format!(
            "=== --fix --unsafe-fixes: standard error\n{}",
            text(&fix.stderr)
        ));
        for f in &changed {
            snap.push_str(&format!("=== fixed {f}\n{}", text(&after[*f])));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots/fix_cli");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name.clone(), snap));
    }
}

/// CRLF and a BOM survive: the fixed file is the LF case's fixed file,
/// saved the same way.
#[test]
fn crlf_and_bom_are_kept() {
    for case in cases() {
        let name = case.display().to_string();
        let (_, _, _, lf) = fix_case(&case, &|b| b.to_vec());
        for (label, t) in [
            ("CRLF", &crlf as &dyn Fn(&[u8]) -> Vec<u8>),
            ("BOM", &bom),
            ("BOM+CRLF", &|b: &[u8]| bom(&crlf(b))),
        ] {
            let (_, _, _, got) = fix_case(&case, t);
            for (rel, bytes) in &lf {
                let want = if is_yaml(rel) {
                    t(bytes)
                } else {
                    bytes.clone()
                };
                assert_eq!(
                    text(&got[rel]),
                    text(&want),
                    "{name} saved with {label}: {rel} is not the LF fix saved with {label}"
                );
            }
        }
    }
}

#[test]
fn stdin_fixed_text_goes_to_standard_output() {
    let input = "version: '3'\nservices:\n  web:\n    image: nginx:1.27\n    restart: no\n";
    let out = bin(&manifest())
        .args(["--fix", "-", "--stdin-filename", "compose.yaml"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(
        text(&out.stdout),
        "services:\n  web:\n    image: nginx:1.27\n    restart: \"no\"\n"
    );
    // The report (of the fixed text) is on standard error.
    assert!(
        text(&out.stderr).contains("Fixed 2 findings"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // Nothing to fix: the text comes back as it was.
    let clean = "services:\n  web:\n    image: nginx:1.27 # as is\n";
    let out = bin(&manifest())
        .args(["--fix", "-"])
        .write_stdin(clean)
        .output()
        .unwrap();
    assert_eq!(text(&out.stdout), clean);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A BOM and CRLF on standard input come back on standard output.
    let out = bin(&manifest())
        .args(["--fix", "-"])
        .write_stdin(bom(&crlf(input.as_bytes())))
        .output()
        .unwrap();
    assert_eq!(
        out.stdout,
        bom(&crlf(
            b"services:\n  web:\n    image: nginx:1.27\n    restart: \"no\"\n"
        ))
    );

    let out = bin(&manifest())
        .args(["--diff", "-", "--stdin-filename", "compose.yaml"])
        .write_stdin(input)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stdout).starts_with("--- a/compose.yaml\n+++ b/compose.yaml\n"));
}

/// Without `--unsafe-fixes`, only safe fixes are applied, and the report
/// says how many more the flag would fix.
#[test]
fn fix_alone_applies_only_safe_fixes() {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&manifest().join("fixtures/fix/X101-comments"), tmp.path());
    let f = tmp.path().join("compose.yaml");
    std::fs::write(
        &f,
        format!("version: '3'\n{}", std::fs::read_to_string(&f).unwrap()),
    )
    .unwrap();
    let lint = run(tmp.path(), &[]);
    let report = text(&lint.stdout);
    assert!(
        report.contains("1 fixable with --fix;\n1 more fixable with --fix --unsafe-fixes\n"),
        "{report}"
    );
    let out = run(tmp.path(), &["--fix"]);
    let fixed = std::fs::read_to_string(&f).unwrap();
    assert!(!fixed.contains("version"), "{fixed}");
    assert!(!fixed.contains("init: true"), "{fixed}");
    assert!(text(&out.stdout)
        .contains("0 fixable with --fix;\n1 more fixable with --fix --unsafe-fixes\n"));
    let json = run(tmp.path(), &["--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(v["fixable"], serde_json::json!({"safe": 0, "unsafe": 1}));
}

/// A fixed file keeps its permissions, and a symbolic link stays a link
/// (the file it points to is fixed).
#[cfg(unix)]
#[test]
fn permissions_and_symlinks_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("real.yaml");
    std::fs::write(
        &real,
        "version: '3'\nservices:\n  web:\n    image: nginx:1.27\n",
    )
    .unwrap();
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = tmp.path().join("compose.yaml");
    std::os::unix::fs::symlink("real.yaml", &link).unwrap();
    let out = bin(tmp.path())
        .args(["--fix", "compose.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(std::fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        "services:\n  web:\n    image: nginx:1.27\n"
    );
    let mode = std::fs::metadata(&real).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}
