fn main() -> std::process::ExitCode {
    compose_lint::cli::main()
}
