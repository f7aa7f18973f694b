//! Every output format on one small project: snapshots, and SARIF checked
//! against the official 2.1.0 schema.

use compose_lint::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use compose_lint::report::{render, FileNote, Format, HumanOptions, Report};
use compose_lint::rules::meta::{FixAvailability, Group, RuleMeta};
use compose_lint::source::{SourceMap, Span};
use std::path::PathBuf;

const BASE: &str = "\
services:
  web:
    image: nginx
    image: nginx:1.27
    volumes:
      - data:/home/app/store
volumes:
  data: {}
";

const OVERRIDE: &str = "\
services:
  web:
    links:
      - db
";

const RULES: [RuleMeta; 3] = [
    RuleMeta {
        code: "S002",
        name: "duplicate-key",
        group: Group::Structure,
        default_severity: Severity::Error,
        levels: &[Severity::Error],
        levels_why: "",
        fix: FixAvailability::Always,
        summary: "A mapping key is defined twice.",
        exit_codes: &[],
        page: "# S002 duplicate-key\n\n## What it does\n\nReports a key written twice in one mapping.\nCompose keeps only the last one.\n\n## Why is this bad?\n\nThe first value is silently ignored.\n",
    },
    RuleMeta {
        code: "M001",
        name: "volume-hides-image-data",
        group: Group::Mounts,
        default_severity: Severity::Warning,
        levels: &[Severity::Warning],
        levels_why: "",
        fix: FixAvailability::None,
        summary: "A named volume is mounted over a directory the image fills.",
        exit_codes: &[1],
        page: "",
    },
    RuleMeta {
        code: "P003",
        name: "legacy-links",
        group: Group::Portability,
        default_severity: Severity::Info,
        levels: &[Severity::Info],
        levels_why: "",
        fix: FixAvailability::None,
        summary: "`links` is legacy; services reach each other by name.",
        exit_codes: &[],
        page: "# P003 legacy-links\n\nServices on one network reach each other by name.\n",
    },
];

fn span_of(map: &SourceMap, file: compose_lint::source::FileId, needle: &str, nth: usize) -> Span {
    let text = &map.get(file).text;
    let start = text.match_indices(needle).nth(nth).expect("needle").0;
    Span::new(file, start, start + needle.len())
}

struct Fixture {
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
    notes: Vec<FileNote>,
}

fn fixture() -> Fixture {
    let mut sources = SourceMap::new();
    let base = sources.add("docker-compose.yml", BASE);
    let over = sources.add("docker-compose.override.yml", OVERRIDE);

    let second = span_of(&sources, base, "image", 1);
    let first = span_of(&sources, base, "image", 0);
    let first_line = {
        let f = sources.get(base);
        let r = f.line_range(3);
        Span::new(base, r.start, r.end + 1)
    };
    let error = Diagnostic::error(
        "S002",
        second,
        "key `image` is defined twice in service `web`",
    )
    .label(first, "first defined here")
    .help("keep one `image` key")
    .fix(Fix {
        title: "Remove the first `image` key".into(),
        edits: vec![Edit {
            span: first_line,
            replacement: String::new(),
        }],
        applicability: Applicability::Safe,
    });

    let warning = Diagnostic::warning(
        "M001",
        span_of(&sources, base, "data:/home/app/store", 0),
        "volume `data` hides /home/app/store, which the image fills",
    )
    .help("mount the volume on a subdirectory, or seed it from the image")
    .note("image facts: nginx:1.27, /home/app/store holds 3 files")
    .note("a new named volume is filled from the image only when empty");

    let info = Diagnostic::info(
        "P003",
        span_of(&sources, over, "links", 0),
        "`links` is not needed: services on one network reach each other by name",
    )
    .label(
        span_of(&sources, base, "web", 0),
        "service `web` is defined here",
    )
    .fix(Fix {
        title: "Remove `links`".into(),
        edits: vec![Edit {
            span: span_of(&sources, over, "    links:\n      - db\n", 0),
            replacement: String::new(),
        }],
        applicability: Applicability::Unsafe,
    });

    Fixture {
        sources,
        diagnostics: vec![error, warning, info],
        notes: vec![FileNote {
            path: PathBuf::from("docker-compose.override.yml"),
            message: "linted as an overlay of docker-compose.yml".into(),
        }],
    }
}

fn run(fx: &Fixture, format: Format, human: HumanOptions) -> String {
    let report = Report {
        sources: &fx.sources,
        diagnostics: &fx.diagnostics,
        rules: &RULES,
        notes: &fx.notes,
        files_checked: 2,
    };
    let mut out = Vec::new();
    render(format, &report, &human, &mut out).unwrap();
    let s = String::from_utf8(out).unwrap();
    // Keep snapshots stable across releases.
    s.replace(env!("CARGO_PKG_VERSION"), "[VERSION]")
}

fn plain() -> HumanOptions {
    HumanOptions {
        color: false,
        quiet: false,
        statistics: false,
        ..Default::default()
    }
}

#[test]
fn human() {
    insta::assert_snapshot!(run(&fixture(), Format::Human, plain()));
}

#[test]
fn human_quiet_with_statistics() {
    let opts = HumanOptions {
        quiet: true,
        statistics: true,
        ..plain()
    };
    insta::assert_snapshot!(run(&fixture(), Format::Human, opts));
}

#[test]
fn human_no_problems() {
    let fx = Fixture {
        diagnostics: Vec::new(),
        ..fixture()
    };
    let out = run(&fx, Format::Human, plain());
    assert!(out.ends_with("No problems found in 2 files.\n"), "{out}");
}

#[test]
fn human_color_only_when_asked() {
    let fx = fixture();
    assert!(!run(&fx, Format::Human, plain()).contains('\x1b'));
    let colored = run(
        &fx,
        Format::Human,
        HumanOptions {
            color: true,
            ..plain()
        },
    );
    assert!(colored.contains("\x1b["));
}

#[test]
fn json() {
    let out = run(&fixture(), Format::Json, plain());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    insta::assert_snapshot!(out);
}

#[test]
fn sarif() {
    insta::assert_snapshot!(run(&fixture(), Format::Sarif, plain()));
}

#[test]
fn github() {
    insta::assert_snapshot!(run(&fixture(), Format::Github, plain()));
}

#[test]
fn junit() {
    insta::assert_snapshot!(run(&fixture(), Format::Junit, plain()));
}

#[test]
fn checkstyle() {
    insta::assert_snapshot!(run(&fixture(), Format::Checkstyle, plain()));
}

#[test]
fn gitlab() {
    let out = run(&fixture(), Format::Gitlab, plain());
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let prints: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["fingerprint"].clone())
        .collect();
    assert_eq!(prints.len(), 3);
    assert!(prints.iter().all(|p| p.as_str().unwrap().len() == 32));
    assert_ne!(prints[0], prints[1]);
    insta::assert_snapshot!(out);
}

#[test]
fn format_names_round_trip() {
    for f in Format::ALL {
        assert_eq!(f.as_str().parse::<Format>().unwrap(), f);
        assert_eq!(f.to_string(), f.as_str());
    }
    assert!("xml".parse::<Format>().is_err());
}

#[test]
fn unknown_rule_code_still_renders() {
    let mut fx = fixture();
    fx.diagnostics.push(Diagnostic::warning(
        "Z999",
        Span::new(compose_lint::source::FileId(0), 0, 8),
        "from a rule nobody registered",
    ));
    for f in Format::ALL {
        let out = run(&fx, f, plain());
        assert!(out.contains("Z999"), "{f}: {out}");
    }
    let sarif: serde_json::Value = serde_json::from_str(&run(&fx, Format::Sarif, plain())).unwrap();
    let run0 = &sarif["runs"][0];
    let idx = run0["results"][3]["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(run0["tool"]["driver"]["rules"][idx]["id"], "Z999");
    validate_sarif(&sarif);
}

// --- SARIF schema -------------------------------------------------------

/// The official schema, from the shared reference folder next to the
/// checkout. A missing schema fails the test rather than skipping it.
fn sarif_schema() -> serde_json::Value {
    let rel = "shared/reference/sarif/sarif-schema-2.1.0.json";
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let candidates = [
        manifest.join("..").join(rel),
        manifest.join("../..").join(rel),
        PathBuf::from("/work").join(rel),
    ];
    for c in &candidates {
        if let Ok(text) = std::fs::read_to_string(c) {
            return serde_json::from_str(&text).expect("schema is JSON");
        }
    }
    panic!(
        "SARIF schema not found; looked in {:?}. It lives in shared/reference/sarif/ beside the checkout.",
        candidates
    );
}

fn validate_sarif(doc: &serde_json::Value) {
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "SARIF invalid:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_against_the_schema() {
    let fx = fixture();
    let doc: serde_json::Value = serde_json::from_str(&run(&fx, Format::Sarif, plain())).unwrap();
    validate_sarif(&doc);

    // Also: no diagnostics at all, and one with several edits in two files.
    let empty = Fixture {
        diagnostics: Vec::new(),
        ..fixture()
    };
    let doc: serde_json::Value =
        serde_json::from_str(&run(&empty, Format::Sarif, plain())).unwrap();
    validate_sarif(&doc);

    let mut multi = fixture();
    let base = compose_lint::source::FileId(0);
    let over = compose_lint::source::FileId(1);
    multi.diagnostics.push(
        Diagnostic::error(
            "S002",
            Span::new(base, 0, 0),
            "empty span at the very start",
        )
        .label(Span::new(over, 0, OVERRIDE.len()), "whole file")
        .fix(Fix {
            title: "Edit two files".into(),
            edits: vec![
                Edit {
                    span: Span::new(base, 0, 0),
                    replacement: "# inserted\n".into(),
                },
                Edit {
                    span: Span::new(over, 0, 8),
                    replacement: "x".into(),
                },
                Edit {
                    span: Span::new(base, BASE.len(), BASE.len()),
                    replacement: "\n".into(),
                },
            ],
            applicability: Applicability::DisplayOnly,
        }),
    );
    let doc: serde_json::Value =
        serde_json::from_str(&run(&multi, Format::Sarif, plain())).unwrap();
    validate_sarif(&doc);
    let changes = &doc["runs"][0]["results"][3]["fixes"][0]["artifactChanges"];
    assert_eq!(changes.as_array().unwrap().len(), 2);
}

#[test]
fn sarif_regions_are_one_based_character_columns() {
    let mut sources = SourceMap::new();
    let f = sources.add("dir with space/ü.yml", "k: \"äö\"\nx: 1\n");
    let start = "k: \"äö\"".find('"').unwrap();
    let d = vec![Diagnostic::warning(
        "M001",
        Span::new(f, start, start + "\"äö\"".len()),
        "m",
    )];
    let report = Report {
        sources: &sources,
        diagnostics: &d,
        rules: &RULES,
        notes: &[],
        files_checked: 1,
    };
    let mut out = Vec::new();
    render(Format::Sarif, &report, &plain(), &mut out).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    let loc = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "dir%20with%20space/%C3%BC.yml"
    );
    assert_eq!(loc["region"]["startColumn"], 4);
    assert_eq!(loc["region"]["endColumn"], 8);
    assert_eq!(v["runs"][0]["columnKind"], "unicodeCodePoints");
    validate_sarif(&v);
}

/// The validator does reject a broken document (so a pass means something).
#[test]
fn sarif_schema_rejects_an_invalid_level() {
    let mut doc: serde_json::Value =
        serde_json::from_str(&run(&fixture(), Format::Sarif, plain())).unwrap();
    doc["runs"][0]["results"][0]["level"] = "fatal".into();
    let schema = sarif_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    assert!(!validator.is_valid(&doc));
}

/// Many findings are drawn on the thread pool (from 64 on), a few on the
/// calling thread; what a finding says about the ones above it (a repeated
/// reason, help, notes and fixes already shown) must come out the same, in
/// order. The first 60 of 90 findings are drawn exactly as when they are all
/// there is, and the later ones point back at the first.
#[test]
fn human_many_findings_drawn_in_parallel_as_in_order() {
    let mut fx = fixture();
    let three = fx.diagnostics.clone();
    fx.diagnostics = (0..30).flat_map(|_| three.iter().cloned()).collect();
    let quiet = HumanOptions {
        quiet: true,
        ..plain()
    };
    let all = run(&fx, Format::Human, quiet);
    fx.diagnostics.truncate(60);
    let first = run(&fx, Format::Human, quiet);
    assert!(all.starts_with(&first), "{all}");
    let rest = &all[first.len()..];
    assert_eq!(
        rest.matches("\nerror[S002]").count() + usize::from(rest.starts_with("error[S002]")),
        10
    );
    assert_eq!(
        rest.matches("the fix under line 4 fixes this too").count(),
        10
    );
    assert_eq!(rest.matches("help as for line 6").count(), 10);
    assert_eq!(
        rest.matches("info[P003]: `links` is not needed (as on line 3)")
            .count(),
        10
    );
    assert!(!rest.contains("note:"), "{rest}");
}
