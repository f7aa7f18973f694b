//! Every rule against its fixtures: `fixtures/rules/<CODE>/fires/<case>/`
//! must report `<CODE>`, `fixtures/rules/<CODE>/silent/<case>/` must not.
//! The rendered diagnostics of each firing case are snapshotted in
//! `tests/snapshots/rule_fixtures/`. A meta-test fails when a rule with a
//! check function has too few cases.
//!
//! Update snapshots with `INSTA_UPDATE=always cargo test --test rule_fixtures`
//! (or `cargo insta review`), then read the diff.

mod rule_cases;

use std::path::Path;

use compose_lint::config::Config;
use compose_lint::diagnostic::Severity;
use compose_lint::discover::Job;
use compose_lint::lint::{lint_job, Selection};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::{Input, LoadOptions};
use compose_lint::rules::REGISTRY;
use rule_cases::{all_cases, collect_failures, lint_case, render_all, Case, Expect};

/// The least a rule with a check function must have: firing cases prove
/// it finds the problem, silent cases pin the edges where it must not.
const MIN_FIRES: usize = 2;
const MIN_SILENT: usize = 3;

fn is_loader_code(code: &str) -> bool {
    REGISTRY
        .iter()
        .any(|r| r.meta.code == code && r.check.is_none())
}

/// A case's fixture must be well-formed apart from what it tests: no
/// loader finding at warning or above, unless the case is about a loader
/// check. An unset variable (S006) is allowed: what a rule makes of the
/// empty value is an edge worth pinning.
fn loader_noise(case: &Case, res: &compose_lint::lint::JobResult) -> Vec<String> {
    if is_loader_code(&case.code) {
        return Vec::new();
    }
    res.diagnostics
        .iter()
        .filter(|d| is_loader_code(d.code) && d.code != "S006" && d.severity >= Severity::Warning)
        .map(|d| format!("{} {}", d.code, d.message))
        .collect()
}

#[test]
fn every_fixture_names_a_registered_rule() {
    let root = rule_cases::fixtures_root();
    for entry in std::fs::read_dir(&root).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        assert!(
            REGISTRY.iter().any(|r| r.meta.code == name),
            "fixtures/rules/{name}: no rule has this code"
        );
    }
}

#[test]
fn every_rule_with_a_check_has_fixtures_both_ways() {
    let cases = all_cases();
    let mut missing = Vec::new();
    for rule in REGISTRY.iter().filter(|r| r.check.is_some()) {
        let count = |e: Expect| {
            cases
                .iter()
                .filter(|c| c.code == rule.meta.code && c.expect == e)
                .count()
        };
        let (fires, silent) = (count(Expect::Fires), count(Expect::Silent));
        if fires < MIN_FIRES || silent < MIN_SILENT {
            missing.push(format!(
                "{} {}: {fires} firing case(s) (need {MIN_FIRES}), {silent} silent case(s) (need {MIN_SILENT}) under fixtures/rules/{}/",
                rule.meta.code, rule.meta.name, rule.meta.code
            ));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

#[test]
fn fires_cases_report_their_rule() {
    let cases: Vec<Case> = all_cases()
        .into_iter()
        .filter(|c| c.expect == Expect::Fires)
        .collect();
    collect_failures(&cases, |case| {
        let res = lint_case(&case.dir);
        let rendered = render_all(&res, &case.dir);
        if !res.diagnostics.iter().any(|d| d.code == case.code) {
            return Err(format!("expected {}, got:\n{rendered}", case.code));
        }
        let noise = loader_noise(case, &res);
        if !noise.is_empty() {
            return Err(format!("the fixture itself is broken: {noise:?}"));
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path("snapshots/rule_fixtures");
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.set_info(&case.id());
        settings.bind(|| insta::assert_snapshot!(case.snapshot_name(), rendered));
        Ok(())
    });
}

#[test]
fn silent_cases_do_not_report_their_rule() {
    let cases: Vec<Case> = all_cases()
        .into_iter()
        .filter(|c| c.expect == Expect::Silent)
        .collect();
    collect_failures(&cases, |case| {
        let res = lint_case(&case.dir);
        if res.diagnostics.iter().any(|d| d.code == case.code) {
            return Err(format!(
                "expected no {}, got:\n{}",
                case.code,
                render_all(&res, &case.dir)
            ));
        }
        let noise = loader_noise(case, &res);
        if !noise.is_empty() {
            return Err(format!("the fixture itself is broken: {noise:?}"));
        }
        Ok(())
    });
}

/// S107 on an overlay: a file that may be layered on a base that is not part
/// of the run (`maybe_overlay`) is not required to have `image`/`build`;
/// the same text as a plain file is.
#[test]
fn s107_quiet_for_an_overlay_without_base() {
    let text = "services:\n  web:\n    restart: always\n";
    let lint = |maybe_overlay: bool| {
        let path = Path::new("/nonexistent-compose-lint-fixture/docker-compose.prod.yml");
        let job = Job {
            inputs: vec![Input {
                path: path.to_path_buf(),
                text: Some(text.into()),
            }],
            report_only: None,
            maybe_overlay,
            ..Default::default()
        };
        let opts = LoadOptions {
            env: Some(Env::new()),
            root: Some(path.parent().unwrap().to_path_buf()),
            ..Default::default()
        };
        lint_job(&job, &opts, &Config::default(), &Selection::default()).unwrap()
    };
    let overlay = lint(true);
    assert!(
        !overlay.diagnostics.iter().any(|d| d.code == "S107"),
        "{:?}",
        overlay.diagnostics
    );
    assert_eq!(overlay.notes.len(), 1, "the output says it is an overlay");
    let plain = lint(false);
    assert!(plain.diagnostics.iter().any(|d| d.code == "S107"));
}
