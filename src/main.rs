// A large file's load makes millions of small allocations (YAML nodes,
// values, the model); mimalloc serves them with fewer instructions than
// glibc's malloc (docs/performance-history.md). The library keeps the
// system allocator, so tests and embedders choose their own.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    compose_lint::cli::main()
}
