//! The image-archive reader (`docker save`, OCI layout; tar or tar.gz).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    compose_lint::fuzzing::archive(data);
});
