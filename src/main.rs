// A large file's load makes millions of small allocations (YAML nodes,
// values, the model); mimalloc serves them with fewer instructions than
// glibc's malloc (docs/performance-history.md). The library keeps the
// system allocator, so tests and embedders choose their own.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

// No transparent huge pages for this process (decision 0033). mimalloc
// asks for them, and each one the process touches is 2 MB the kernel must
// clear: a single small file touched four (8 MB) and the 777 real files
// twenty. On a virtual machine whose host has taken back the free memory,
// a first run paid 24 ms of system time for one small file and 140 ms for
// the 777 files; with 4 KB pages, none and 40 ms. It is set before
// `main`, from the executable's init array, because Rust's runtime makes
// its first allocations before `main` runs, and mimalloc's first huge
// page with them; a child process inherits it.
#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static NO_HUGE_PAGES: extern "C" fn() = no_huge_pages;

#[cfg(target_os = "linux")]
extern "C" fn no_huge_pages() {
    // SAFETY: prctl with PR_SET_THP_DISABLE reads only its integer
    // arguments and changes only this process's paging; a kernel older
    // than 3.15 refuses it (EINVAL), and the process runs as before.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

fn main() -> std::process::ExitCode {
    compose_lint::cli::main()
}
