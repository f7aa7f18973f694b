//! Every rule declares the levels it can report at (`RuleMeta::levels`,
//! default first). These tests hold the declaration to the truth: every
//! finding of every fixture case is at one of its rule's declared levels,
//! and the README's rule table shows the same levels.

mod rule_cases;

use compose_lint::diagnostic::Severity;
use compose_lint::rules::REGISTRY;
use rule_cases::{all_cases, lint_case};

#[test]
fn declared_levels_are_well_formed() {
    for r in REGISTRY {
        let m = &r.meta;
        assert_eq!(
            m.levels.first(),
            Some(&m.default_severity),
            "{}: levels must start with the default level",
            m.code
        );
        let mut seen = Vec::new();
        for l in m.levels {
            assert!(!seen.contains(l), "{}: level {l:?} listed twice", m.code);
            seen.push(*l);
        }
        assert_eq!(
            m.levels.len() > 1,
            !m.levels_why.is_empty(),
            "{}: a rule with several levels says why (and only then)",
            m.code
        );
    }
}

#[test]
fn every_fixture_finding_is_at_a_declared_level() {
    let mut bad = Vec::new();
    let mut seen: Vec<(&'static str, Severity)> = Vec::new();
    for case in all_cases() {
        let res = lint_case(&case.dir);
        for d in &res.diagnostics {
            let Some(rule) = REGISTRY.iter().find(|r| r.meta.code == d.code) else {
                continue;
            };
            if !seen.contains(&(d.code, d.severity)) {
                seen.push((d.code, d.severity));
            }
            if !rule.meta.levels.contains(&d.severity) {
                bad.push(format!(
                    "{}: {} at {:?}, but {} declares only {:?}: {}",
                    case.id(),
                    d.code,
                    d.severity,
                    d.code,
                    rule.meta.levels,
                    d.message
                ));
            }
        }
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
    // The check above is not vacuous: the fixtures do show graded rules at
    // their other levels.
    for (code, level) in [
        ("M104", Severity::Info),
        ("M107", Severity::Info),
        ("C101", Severity::Info),
        ("X104", Severity::Warning),
    ] {
        assert!(
            seen.contains(&(code, level)),
            "no fixture shows {code} at {level:?}"
        );
    }
}

#[test]
fn readme_rule_table_shows_the_declared_levels() {
    let readme = include_str!("../README.md");
    for rule in REGISTRY {
        let m = &rule.meta;
        let row = format!("| {} | {} |", m.code, m.name);
        let line = readme
            .lines()
            .find(|l| l.starts_with(&row))
            .unwrap_or_else(|| panic!("README rule table lacks `{row}`"));
        let col = line.split('|').nth(3).map(str::trim).unwrap_or_default();
        let col = col.trim_end_matches("(strict)").trim();
        let want = m
            .levels
            .iter()
            .map(|l| l.as_str())
            .collect::<Vec<_>>()
            .join(", ");
        assert_eq!(col, want, "README: the levels of {}", m.code);
    }
}
