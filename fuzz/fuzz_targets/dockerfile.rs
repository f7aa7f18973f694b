//! The Dockerfile reader: parse, then evaluate what the image holds.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    compose_lint::fuzzing::dockerfile(text);
});
