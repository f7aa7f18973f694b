//! Replays every saved fuzz input under `fixtures/fuzz/<target>/` through
//! the same entry point the fuzzer calls (`compose_lint::fuzzing`), plus the
//! hand-written seeds under `fuzz/seeds/<target>/`, so that a crash fixed
//! once stays fixed. Each file runs on its own small-stack thread with a
//! time bound: a timeout the fuzzer found is a failure here too.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use compose_lint::fuzzing;

/// Generous: debug build, shared machine. The fuzzer's own bound is 10 s
/// in a release build.
const LIMIT: Duration = Duration::from_secs(30);

fn inputs(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_file())
            .collect(),
        Err(_) => Vec::new(),
    };
    out.sort();
    out
}

fn replay(target: &'static str, file: &Path) {
    let data = std::fs::read(file).unwrap();
    let start = Instant::now();
    let name = file.display().to_string();
    let result = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(move || fuzzing::run(target, &data))
        .unwrap()
        .join();
    assert!(result.is_ok(), "{target}: {name} panicked");
    assert!(
        start.elapsed() < LIMIT,
        "{target}: {name} took {:?}",
        start.elapsed()
    );
}

#[test]
fn saved_fuzz_inputs_do_not_crash() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut count = 0;
    for dir in ["fixtures/fuzz", "fuzz/seeds"] {
        let dir = root.join(dir);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let sub = entry.unwrap().path();
            let target = sub.file_name().unwrap().to_str().unwrap().to_string();
            let target = *fuzzing::TARGETS
                .iter()
                .find(|t| **t == target)
                .unwrap_or_else(|| panic!("{}: not a fuzz target name", sub.display()));
            for file in inputs(&sub) {
                replay(target, &file);
                count += 1;
            }
        }
    }
    assert!(count > 0, "no saved fuzz inputs found");
}

/// Every target in the library has a fuzz target file and seeds, and the
/// other way round: the replay covers what the fuzzer runs.
#[test]
fn every_target_has_a_fuzz_binary_and_seeds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for t in fuzzing::TARGETS {
        assert!(
            root.join(format!("fuzz/fuzz_targets/{t}.rs")).is_file(),
            "fuzz/fuzz_targets/{t}.rs is missing"
        );
        assert!(
            !inputs(&root.join("fuzz/seeds").join(t)).is_empty(),
            "fuzz/seeds/{t}/ has no seed"
        );
    }
    let manifest = std::fs::read_to_string(root.join("fuzz/Cargo.toml")).unwrap();
    let bins = manifest.matches("[[bin]]").count();
    assert_eq!(
        bins,
        fuzzing::TARGETS.len(),
        "fuzz/Cargo.toml lists {bins} targets"
    );
}
