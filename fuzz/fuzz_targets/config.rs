//! The config-file reader (`compose-lint.toml`).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    compose_lint::fuzzing::config(text);
});
