//! Every rule has a page with the fixed sections, and every example in a
//! page does what its `# expect:` line says.

use compose_lint::diagnostic::Severity;
use compose_lint::lint::lint_text;
use compose_lint::rules::{FixAvailability, REGISTRY};

use compose_lint::config::{Config, Profile};
use compose_lint::discover::Job;
use compose_lint::lint::{lint_job, JobResult, Selection};
use compose_lint::load::project::{Input, LoadOptions};
use std::path::{Path, PathBuf};

/// `lint_text` with one opt-in rule selected on top of the default profile.
fn opt_in_text(path: &str, text: &str, code: &str) -> JobResult {
    let path = PathBuf::from(path);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let job = Job {
        inputs: vec![Input {
            path,
            text: Some(text.to_string()),
        }],
        report_only: None,
        ..Default::default()
    };
    let opts = LoadOptions {
        root: Some(dir.clone()),
        project_dir: Some(dir),
        env: Some(compose_lint::load::interpolate::Env::new()),
        ..Default::default()
    };
    let config = Config {
        extend_select: vec![code.to_string()],
        ..Config::default()
    };
    lint_job(&job, &opts, &config, &Selection::default()).expect("example loads")
}

const SECTIONS: [&str; 5] = [
    "## What it does",
    "## Why it breaks",
    "## Example",
    "## Fix",
    "## Evidence used",
];

/// The ```yaml blocks of a page with their `# expect:` value.
fn examples(page: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut lines = page.lines();
    while let Some(line) = lines.next() {
        if line.trim() != "```yaml" {
            continue;
        }
        let mut body = String::new();
        for l in lines.by_ref() {
            if l.trim() == "```" {
                break;
            }
            body.push_str(l);
            body.push('\n');
        }
        let expect = body
            .lines()
            .next()
            .and_then(|l| l.trim().strip_prefix("# expect:"))
            .map(|e| e.trim().to_string());
        if let Some(expect) = expect {
            out.push((expect, body));
        }
    }
    out
}

#[test]
fn every_rule_has_a_page_with_the_sections() {
    for rule in REGISTRY {
        let page = rule.meta.page;
        let title = format!("# {} {}", rule.meta.code, rule.meta.name);
        assert!(
            page.starts_with(&title),
            "page of {} must start with `{title}`",
            rule.meta.code
        );
        for s in SECTIONS {
            assert!(page.contains(s), "page of {} lacks `{s}`", rule.meta.code);
        }
        let ex = examples(page);
        assert!(
            ex.iter().any(|(e, _)| e == rule.meta.code),
            "page of {} has no example with `# expect: {}`",
            rule.meta.code,
            rule.meta.code
        );
        assert!(
            ex.iter().any(|(e, _)| e == "none"),
            "page of {} has no fixed example with `# expect: none`",
            rule.meta.code
        );
    }
}

#[test]
fn page_examples_do_what_they_say() {
    let mut failures = Vec::new();
    for rule in REGISTRY {
        for (i, (expect, body)) in examples(rule.meta.page).into_iter().enumerate() {
            let path = format!(
                "/nonexistent-compose-lint-example/app/{}-{i}.yaml",
                rule.meta.code
            );
            let res = if rule.profile == Profile::Default {
                lint_text(&path, &body).expect("example loads")
            } else {
                // An opt-in rule's examples run with the rule turned on.
                opt_in_text(&path, &body, rule.meta.code)
            };
            let codes: Vec<&str> = res.diagnostics.iter().map(|d| d.code).collect();
            let ok = if expect == "none" {
                !res.diagnostics
                    .iter()
                    .any(|d| d.severity >= Severity::Warning)
            } else {
                codes.contains(&expect.as_str())
            };
            if !ok {
                failures.push(format!(
                    "{} example {i} expects {expect}, got {:?}: {:#?}",
                    rule.meta.code,
                    codes,
                    res.diagnostics
                        .iter()
                        .map(|d| &d.message)
                        .collect::<Vec<_>>()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn readme_lists_every_rule() {
    let readme = include_str!("../README.md");
    for rule in REGISTRY {
        let row = format!("| {} | {} |", rule.meta.code, rule.meta.name);
        assert!(readme.contains(&row), "README rule table lacks `{row}`");
        // The fix column: empty exactly for the rules without a fix, and
        // `sometimes` exactly for those whose fix is not always offered.
        let line = readme
            .lines()
            .find(|l| l.starts_with(&row))
            .expect("the row");
        let fix = line.split('|').nth(4).map(str::trim).unwrap_or_default();
        let want = match rule.meta.fix {
            FixAvailability::None => fix.is_empty(),
            FixAvailability::Sometimes => fix.contains("sometimes"),
            FixAvailability::Always => !fix.is_empty() && !fix.contains("sometimes"),
        };
        assert!(
            want,
            "README: the fix column of {} says `{fix}`, but its fix availability is {:?}",
            rule.meta.code, rule.meta.fix
        );
    }
}
