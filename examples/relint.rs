//! The editor case of issue 20 for callgrind: what the language server does
//! after each of N edits of a generated 50 KB file (`cargo bench`'s
//! `editor` group, `compose_lint::lsp::Session::relint`), in one session.
//!
//! `cargo build --release --example relint && valgrind --tool=callgrind
//! target/release/examples/relint [N]`: the instructions of N relints
//! (default 3) and of the set-up; run it with 3 and 6 and take the
//! difference over 3 for one relint.

#[path = "../bench/gen.rs"]
mod gen;

fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(3);
    let tmp = tempfile::Builder::new()
        .prefix("compose-lint-relint")
        .tempdir()
        .expect("temp dir");
    let path = tmp.path().join("edited").join("compose.yaml");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let text = gen::big_file(50_000);
    std::fs::write(&path, &text).unwrap();
    let session = compose_lint::lsp::Session::default();
    let mut found = 0;
    for i in 0..n {
        // An edit: a comment line before `services:` (every span after it moves).
        let edited = text.replacen("services:", &format!("# edit {i}\nservices:"), 1);
        found = session.relint(&path, edited);
    }
    println!("{n} relints, {found} diagnostics each");
}
