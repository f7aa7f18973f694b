//! The YAML layer: any text parses to a tree and diagnostics, never a panic.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    compose_lint::fuzzing::yaml(text);
});
