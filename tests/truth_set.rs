//! The truth set: failures reported in public issue trackers, each
//! re-created from scratch in `fixtures/truth/<id>/` (the failing Compose
//! project, a fixed one, and `case.toml` with the source URL, the failure,
//! and the line(s) of `failing/compose.yaml` a finding must point at).
//!
//! Each failing project is linted with the built-in facts only (no engine,
//! no archive), as a user would run compose-lint. A case is *detected* when
//! a finding at warning or error level points at one of its lines. The test
//! prints every case and the detection rate, and fails when:
//! - a fixed project gets any error (a false alarm on a file that works);
//! - detection falls below `DETECTED_FLOOR` (raise it when it improves);
//! - a missed case does not say why (`note`), or a case is malformed.

mod rule_cases;

use std::path::{Path, PathBuf};

use compose_lint::diagnostic::Severity;
use compose_lint::rules::REGISTRY;
use rule_cases::lint_case;
use serde::Deserialize;

/// What the truth set detects today (44 of 46 on 2026-12-06: replicas with a fixed port, installed node_modules hidden by a bind, commands through official-style wrappers, a relative entrypoint absent from nginx's listed root, a PATH lookup passing over a script without the execute bit, elasticsearch 5.3.0's user from generated facts, `apk add` of packages whose closure is recorded). Raise it
/// with the detection; never lower it to make a change pass.
const DETECTED_FLOOR: usize = 44;

/// The set must stay at least this large.
const MIN_CASES: usize = 40;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseToml {
    /// The public issue or pull request the failure comes from.
    source: String,
    /// What the reporter saw.
    failure: String,
    /// The rule a reader would expect to report it.
    code: String,
    /// Lines of `failing/compose.yaml`; a finding at any of them counts.
    lines: Vec<usize>,
    /// Why it is not detected (yet): the facts or the rule it needs.
    note: Option<String>,
    /// How the fix relates to the upstream one, when that needs saying.
    #[allow(dead_code)]
    fixed_note: Option<String>,
}

struct Outcome {
    id: String,
    case: CaseToml,
    detected: bool,
    /// `CODE:line:severity` of every finding on the failing project.
    found: Vec<String>,
    /// Errors on the fixed project.
    fixed_errors: Vec<String>,
}

fn truth_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/truth")
}

fn run_case(dir: &Path) -> Outcome {
    let id = dir.file_name().unwrap().to_string_lossy().into_owned();
    let text = std::fs::read_to_string(dir.join("case.toml"))
        .unwrap_or_else(|e| panic!("{id}/case.toml: {e}"));
    let case: CaseToml = toml::from_str(&text).unwrap_or_else(|e| panic!("{id}/case.toml: {e}"));
    let failing_dir = dir.join("failing");
    let fixed_dir = dir.join("fixed");
    let compose = failing_dir.join("compose.yaml");
    assert!(compose.is_file(), "{id}: failing/compose.yaml is missing");
    assert!(
        fixed_dir.join("compose.yaml").is_file(),
        "{id}: fixed/compose.yaml is missing"
    );

    let res = lint_case(&failing_dir);
    let mut detected = false;
    let mut found = Vec::new();
    for d in &res.diagnostics {
        let file = &res.sources.get(d.span.file).path;
        let (start, _) = res.sources.line_col(d.span);
        found.push(format!("{}:{}:{}", d.code, start.line, d.severity.as_str()));
        let in_compose = file.file_name() == compose.file_name()
            && file.parent().map(rule_cases_abs) == Some(rule_cases_abs(&failing_dir));
        if in_compose && d.severity >= Severity::Warning && case.lines.contains(&start.line) {
            detected = true;
        }
    }
    let fixed = lint_case(&fixed_dir);
    let fixed_errors = fixed
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| {
            let (start, _) = fixed.sources.line_col(d.span);
            format!("{}:{} {}", d.code, start.line, d.message)
        })
        .collect();
    Outcome {
        id,
        case,
        detected,
        found,
        fixed_errors,
    }
}

fn rule_cases_abs(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Every file of a directory, relative to it, with its mode and bytes.
fn files(dir: &Path) -> Vec<(PathBuf, u32, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).unwrap().to_path_buf();
                out.push((rel, mode(&p), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[cfg(unix)]
fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[cfg(not(unix))]
fn mode(_: &Path) -> u32 {
    0
}

#[test]
fn truth_set() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(truth_root())
        .expect("fixtures/truth")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= MIN_CASES,
        "the truth set has {} cases; it must keep at least {MIN_CASES}",
        dirs.len()
    );

    let outcomes: Vec<Outcome> = dirs.iter().map(|d| run_case(d)).collect();
    let mut problems = Vec::new();
    println!("truth set: {} cases", outcomes.len());
    for o in &outcomes {
        let c = &o.case;
        println!(
            "{} {:<40} {} at line {:?}: found [{}]",
            if o.detected { "DETECTED" } else { "MISSED  " },
            o.id,
            c.code,
            c.lines,
            o.found.join(" ")
        );
        if !o.detected {
            match &c.note {
                Some(n) => println!("         why: {n}"),
                None => problems.push(format!(
                    "{}: missed, and case.toml gives no `note` saying why",
                    o.id
                )),
            }
        } else if let Some(n) = &c.note {
            println!("         (detected now; its note may be stale: {n})");
        }
        if !o.fixed_errors.is_empty() {
            problems.push(format!(
                "{}: errors on the fixed project: {}",
                o.id,
                o.fixed_errors.join("; ")
            ));
        }
        // The case is well-formed: a public tracker URL, a registered code,
        // lines, a description, and a fix that changes something.
        if !(c.source.starts_with("https://github.com/")
            || c.source.starts_with("https://gitlab.com/"))
        {
            problems.push(format!(
                "{}: source is not a public issue tracker URL",
                o.id
            ));
        }
        if !REGISTRY.iter().any(|r| r.meta.code == c.code) {
            problems.push(format!("{}: code {} is not a rule", o.id, c.code));
        }
        if c.lines.is_empty() || c.failure.trim().is_empty() {
            problems.push(format!("{}: needs `lines` and `failure`", o.id));
        }
        let dir = truth_root().join(&o.id);
        if files(&dir.join("failing")) == files(&dir.join("fixed")) {
            problems.push(format!("{}: fixed/ is the same as failing/", o.id));
        }
    }
    let detected = outcomes.iter().filter(|o| o.detected).count();
    println!(
        "truth set detection: {detected}/{} ({:.0}%), floor {DETECTED_FLOOR}",
        outcomes.len(),
        100.0 * detected as f64 / outcomes.len() as f64
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert!(
        detected >= DETECTED_FLOOR,
        "detection fell to {detected}, below the floor {DETECTED_FLOOR}"
    );
}
