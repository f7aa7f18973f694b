//! The whole load-and-lint path on one file's text.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    compose_lint::fuzzing::lint_text(text);
});
