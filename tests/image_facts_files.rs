//! Every built-in facts file is reachable: fixtures/images/<file>/compose.yaml
//! has one service per variant, tagged with a tag that variant's first
//! pattern matches, and each service must resolve to exactly that file and
//! pattern. This also proves that no earlier variant's pattern steals a
//! later variant's tags.

use std::path::Path;

use compose_lint::image::builtin::{builtin, embedded_files};
use compose_lint::image::{self, Evidence, ImageOptions};
use compose_lint::load::interpolate::Env;
use compose_lint::load::project::{load, Input, LoadOptions};

#[test]
fn every_facts_file_and_variant_is_used_by_a_fixture() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    assert_eq!(
        builtin().files.len(),
        embedded_files().len(),
        "every embedded facts file parses"
    );
    for facts in &builtin().files {
        let stem = Path::new(&facts.file)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let dir = root.join("fixtures/images").join(&stem);
        let compose = dir.join("compose.yaml");
        if !compose.is_file() {
            failures.push(format!(
                "{}: no fixture at {}",
                facts.file,
                compose.display()
            ));
            continue;
        }
        let opts = LoadOptions {
            env: Some(Env::new()),
            root: Some(dir.clone()),
            ..Default::default()
        };
        let loaded = load(
            &[Input {
                path: compose.clone(),
                text: None,
            }],
            &opts,
        )
        .expect("fixture loads");
        let project = loaded.project.expect("a project");
        assert_eq!(
            project.services.len(),
            facts.variant_count(),
            "{}: one service per variant",
            facts.file
        );
        let (resolved, _) = image::resolve(&project, &dir, Some(&dir), &ImageOptions::default());
        for (i, service) in project.services.iter().enumerate() {
            let origin = resolved
                .get(&service.name.value)
                .and_then(|s| s.image.origin.clone());
            match origin {
                Some(Evidence::Builtin {
                    file, tag_pattern, ..
                }) if *file == *facts.file => {
                    // The variant reached is the one the service was made for.
                    let expected = nth_variant_first_pattern(&facts.file, i);
                    if *tag_pattern != *expected {
                        failures.push(format!(
                            "{}: service v{i} reached pattern `{tag_pattern}`, expected `{expected}`",
                            facts.file
                        ));
                    }
                }
                other => failures.push(format!(
                    "{}: service v{i} ({:?}) did not resolve to this file: {other:?}",
                    facts.file,
                    service.image.as_ref().map(|s| &s.value)
                )),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The first tag pattern of variant `n` in a facts file, read from the TOML.
fn nth_variant_first_pattern(file: &str, n: usize) -> String {
    let text = embedded_files()
        .iter()
        .find(|(name, _)| file == format!("rules/images/{name}"))
        .map(|(_, t)| *t)
        .unwrap_or_else(|| panic!("{file} is embedded"));
    let doc: toml::Value = toml::from_str(text).unwrap();
    doc["variant"][n]["tags"][0].as_str().unwrap().to_string()
}
