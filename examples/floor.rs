//! The floor for `bench/table.sh`: reads each file named (directories are
//! walked for Compose-named files) and counts its granit-parser events,
//! building nothing, the same parse as `cargo bench`'s `floor` group. A
//! process that does only this is what the loader is measured against.
//!
//! `cargo build --release --example floor && target/release/examples/floor FILE|DIR...`

use std::path::Path;

fn events(text: &str) -> usize {
    granit_parser::Parser::new_from_str(text)
        .take_while(|e| e.is_ok())
        .count()
}

fn walk(dir: &Path, total: &mut usize) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => walk(&p, total),
            Ok(t) if t.is_file() => {
                let name = e.file_name();
                let name = name.to_string_lossy();
                let compose = (name.starts_with("compose") || name.starts_with("docker-compose"))
                    && (name.ends_with(".yml") || name.ends_with(".yaml"));
                if compose {
                    file(&p, total);
                }
            }
            _ => {}
        }
    }
}

fn file(path: &Path, total: &mut usize) {
    if let Ok(text) = std::fs::read_to_string(path) {
        *total += events(&text);
    }
}

fn main() {
    let mut total = 0;
    for arg in std::env::args_os().skip(1) {
        let p = Path::new(&arg);
        if p.is_dir() {
            walk(p, &mut total);
        } else {
            file(p, &mut total);
        }
    }
    println!("{total} events");
}
