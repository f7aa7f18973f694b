//! The fixes of every firing fixture (`fixtures/rules/<CODE>/fires/`),
//! applied as exact byte edits:
//!
//! - each fix alone: its edits are in bounds, on character boundaries and
//!   do not overlap; after applying them the file still parses, the finding
//!   is gone and no new warning or error appears;
//! - all safe fixes of a case together (as `--fix` would): the result
//!   converges (no fixable finding is left) and is snapshotted in
//!   `tests/snapshots/rule_fixes/`.

mod rule_cases;

use std::collections::BTreeMap;
use std::path::PathBuf;

use compose_lint::diagnostic::{Applicability, Diagnostic, Edit, Severity};
use compose_lint::lint::JobResult;
use rule_cases::{all_cases, at, collect_failures, lint_case, lint_case_with, Case, Expect};

/// A finding, as compared before and after a fix (spans move, so they are
/// left out).
fn key(d: &Diagnostic) -> (String, Severity, String) {
    (d.code.to_string(), d.severity, d.message.clone())
}

fn counts(res: &JobResult) -> BTreeMap<(String, Severity, String), usize> {
    let mut m = BTreeMap::new();
    for d in &res.diagnostics {
        *m.entry(key(d)).or_default() += 1;
    }
    m
}

/// Applies edits to the files of a case, back to front. Every edit must be
/// in bounds and on character boundaries, and no two may overlap.
fn apply(res: &JobResult, edits: &[&Edit]) -> Result<Vec<(PathBuf, String)>, String> {
    let mut by_file: BTreeMap<u32, Vec<&Edit>> = BTreeMap::new();
    for e in edits {
        by_file.entry(e.span.file.0).or_default().push(e);
    }
    let mut out = Vec::new();
    for (_, mut edits) in by_file {
        let file = res.sources.get(edits[0].span.file);
        let mut text = file.text.to_string();
        edits.sort_by_key(|e| (e.span.start, e.span.end));
        for w in edits.windows(2) {
            if w[0].span.end > w[1].span.start {
                return Err(format!(
                    "overlapping edits {:?} and {:?}",
                    w[0].span, w[1].span
                ));
            }
        }
        for e in edits.iter().rev() {
            let r = e.span.range();
            if r.end > text.len()
                || !text.is_char_boundary(r.start)
                || !text.is_char_boundary(r.end)
            {
                return Err(format!(
                    "edit {:?} is not a valid range of the file",
                    e.span
                ));
            }
            text.replace_range(r, &e.replacement);
        }
        out.push((file.path.clone(), text));
    }
    Ok(out)
}

fn parse_errors(res: &JobResult) -> Vec<String> {
    res.diagnostics
        .iter()
        .filter(|d| d.code == "S001")
        .map(|d| d.message.clone())
        .collect()
}

/// New findings at warning or above: in `after` more often than in `before`,
/// apart from the one that was fixed.
fn new_findings(
    before: &BTreeMap<(String, Severity, String), usize>,
    after: &BTreeMap<(String, Severity, String), usize>,
) -> Vec<String> {
    after
        .iter()
        .filter(|((_, sev, _), n)| *sev >= Severity::Warning && **n > 0)
        .filter(|(k, n)| before.get(*k).copied().unwrap_or(0) < **n)
        .map(|((code, _, msg), _)| format!("{code} {msg}"))
        .collect()
}

fn fires_cases() -> Vec<Case> {
    all_cases()
        .into_iter()
        .filter(|c| c.expect == Expect::Fires)
        .collect()
}

#[test]
fn each_fix_removes_its_finding_and_nothing_else_appears() {
    let mut fixes_seen = 0;
    collect_failures(&fires_cases(), |case| {
        let res = lint_case(&case.dir);
        let before = counts(&res);
        for d in res.diagnostics.iter() {
            for fix in &d.fixes {
                fixes_seen += 1;
                let what = format!(
                    "{} at {} ({})",
                    d.code,
                    at(&res.sources, d.span, &case.dir),
                    fix.title
                );
                let edits: Vec<&Edit> = fix.edits.iter().collect();
                let files = apply(&res, &edits).map_err(|e| format!("{what}: {e}"))?;
                let after_res = lint_case_with(&case.dir, &files);
                let errors = parse_errors(&after_res);
                if !errors.is_empty() {
                    return Err(format!(
                        "{what}: the fixed file no longer parses: {errors:?}"
                    ));
                }
                let after = counts(&after_res);
                let k = key(d);
                let (n0, n1) = (before[&k], after.get(&k).copied().unwrap_or(0));
                if n1 + 1 != n0 {
                    return Err(format!(
                        "{what}: the finding is still there ({n0} before, {n1} after)"
                    ));
                }
                let new = new_findings(&before, &after);
                if !new.is_empty() {
                    return Err(format!("{what}: new findings after the fix: {new:?}"));
                }
            }
        }
        Ok(())
    });
    assert!(
        fixes_seen > 0,
        "no fixture has a fix: the fix tests test nothing"
    );
}

/// The fixed text of every file a case's safe fixes touch.
fn render_fixed(case: &Case, files: &[(PathBuf, String)]) -> String {
    files
        .iter()
        .map(|(p, text)| {
            let rel = p.strip_prefix(&case.dir).unwrap_or(p).display().to_string();
            format!("--- {rel}\n{text}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn all_safe_fixes_together_converge() {
    collect_failures(&fires_cases(), |case| {
        let res = lint_case(&case.dir);
        let edits: Vec<&Edit> = res
            .diagnostics
            .iter()
            .flat_map(|d| &d.fixes)
            .filter(|f| f.applicability == Applicability::Safe)
            .flat_map(|f| &f.edits)
            .collect();
        if edits.is_empty() {
            return Ok(());
        }
        let files = apply(&res, &edits)?;
        let after = lint_case_with(&case.dir, &files);
        let errors = parse_errors(&after);
        if !errors.is_empty() {
            return Err(format!("the fixed files no longer parse: {errors:?}"));
        }
        let left: Vec<String> = after
            .diagnostics
            .iter()
            .filter(|d| {
                d.fixes
                    .iter()
                    .any(|f| f.applicability == Applicability::Safe)
            })
            .map(|d| format!("{} {}", d.code, d.message))
            .collect();
        if !left.is_empty() {
            return Err(format!("fixes do not converge; still fixable: {left:?}"));
        }
        let new = new_findings(&counts(&res), &counts(&after));
        if !new.is_empty() {
            return Err(format!("new findings after fixing: {new:?}"));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots/rule_fixes");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_info(&case.id());
        settings.bind(|| insta::assert_snapshot!(case.snapshot_name(), render_fixed(case, &files)));
        Ok(())
    });
}
