//! Hostile input: nothing panics, nothing hangs, and what Compose would
//! refuse gets a diagnostic. Every case runs on a thread with a 1 MiB stack
//! (smaller than the 2 MiB Rust gives test threads, and the 8 MiB of a
//! main thread) to prove there is no deep recursion on input depth.

mod load_support;

use compose_lint::lint::lint_text;
use compose_lint::load::project::Loaded;
use load_support::*;

const STACK: usize = 1024 * 1024;

/// Runs `f` on a small-stack thread, so that recursion that follows the
/// input would overflow. (Speed is measured by the benchmarks, not here:
/// the budgets are proven by the S011 diagnostics.)
fn guarded<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .unwrap()
        .join()
        .expect("no panic")
}

fn load_str(text: String) -> Loaded {
    guarded(move || {
        let dir = tempfile::tempdir().unwrap();
        let l = load_text(dir.path(), &text);
        check_spans(&l);
        l
    })
}

/// Every diagnostic span lies within its file, on char boundaries.
fn check_spans(l: &Loaded) {
    for d in &l.diagnostics {
        let text = &l.sources.get(d.span.file).text;
        assert!(
            d.span.end as usize <= text.len(),
            "{d:?} beyond {}",
            text.len()
        );
        assert!(d.span.start <= d.span.end);
        assert!(text.is_char_boundary(d.span.start as usize), "{d:?}");
        assert!(text.is_char_boundary(d.span.end as usize), "{d:?}");
    }
}

#[test]
fn billion_laughs_is_s011_quickly() {
    let mut t = String::from("x-l0: &l0 [\"lol\"]\n");
    for i in 1..=10 {
        let refs: Vec<String> = (0..10).map(|_| format!("*l{}", i - 1)).collect();
        t.push_str(&format!("x-l{i}: &l{i} [{}]\n", refs.join(", ")));
    }
    t.push_str("services:\n  a:\n    image: x\n    command: *l10\n");
    let l = load_str(t);
    assert!(!with_code(&l, "S011").is_empty(), "{}", render(&l));
}

#[test]
fn merge_bomb_is_bounded() {
    let mut t = String::from("x-m0: &m0 {a: 1, b: 2, c: 3}\n");
    for i in 1..=12 {
        let keys: Vec<String> = (0..8).map(|k| format!("k{k}: *m{}", i - 1)).collect();
        t.push_str(&format!(
            "x-m{i}: &m{i} {{<<: [*m{p}, *m{p}, *m{p}], {}}}\n",
            keys.join(", "),
            p = i - 1
        ));
    }
    t.push_str("services:\n  a:\n    image: x\n    labels:\n      <<: *m12\n");
    let l = load_str(t);
    assert!(
        l.diagnostics.iter().any(|d| d.code == "S011"),
        "{}",
        render(&l)
    );
}

#[test]
fn deep_flow_nesting() {
    let n = 10_000;
    let t = format!(
        "services:\n  a:\n    image: x\n    command: {}{}\n",
        "[".repeat(n),
        "]".repeat(n)
    );
    let l = load_str(t);
    assert!(!l.diagnostics.is_empty());
    let t = format!("x: {}1{}\n", "{a: ".repeat(n), "}".repeat(n));
    let l = load_str(t);
    assert!(!l.diagnostics.is_empty());
}

#[test]
fn deep_block_nesting() {
    let n = 10_000;
    let t = format!(
        "services:\n  a:\n    image: x\n    command:\n      {}x\n",
        "- ".repeat(n)
    );
    let l = load_str(t);
    assert!(!l.diagnostics.is_empty());
    // Indented mappings: 1,000 levels (10,000 would be 100 MB of spaces).
    let mut t = String::new();
    for i in 0..1_000 {
        t.push_str(&" ".repeat(i));
        t.push_str("k:\n");
    }
    let l = load_str(t);
    assert!(!l.diagnostics.is_empty());
}

#[test]
fn deep_nesting_through_aliases() {
    // Each level is shallow in the text but nests through an alias.
    let mut t = String::from("x-0: &a0 [1]\n");
    for i in 1..2_000 {
        t.push_str(&format!("x-{i}: &a{i} [*a{}]\n", i - 1));
    }
    t.push_str("services:\n  a:\n    image: x\n    command: *a1999\n");
    let l = load_str(t);
    assert!(!with_code(&l, "S011").is_empty(), "{}", render(&l));
}

#[test]
fn alias_fan_out() {
    let mut t = String::from("x-v: &v \"/data:/data\"\nservices:\n  a:\n    image: x\n    dns:\n");
    for _ in 0..5_000 {
        t.push_str("      - *v\n");
    }
    let l = load_str(t);
    assert_eq!(service(&l, "a").dns.len(), 5_000, "{}", render(&l));
}

#[test]
fn empty_and_comment_only_files() {
    for text in ["", "\n\n", "# just a comment\n# another\n", "---\n", "  \n"] {
        let l = load_str(text.to_string());
        assert!(l.project.is_some(), "{text:?}");
        assert!(project(&l).services.is_empty());
    }
}

#[test]
fn bom_crlf_and_tabs() {
    // A BOM in text given directly.
    let l = load_str("\u{feff}services:\n  a:\n    image: x\n".into());
    assert!(project(&l).service("a").is_some(), "{}", render(&l));
    // CRLF line endings: spans still slice to the values.
    let l = load_str("services:\r\n  a:\r\n    image: \"x:${NOPE}\"\r\n    user: root\r\n".into());
    assert_eq!(service(&l, "a").user.as_ref().unwrap().value, "root");
    assert_eq!(at(&l, only(&l, "S006").span), "${NOPE}");
    // Tabs for indentation are a YAML error, reported, not a panic.
    let l = load_str("services:\n\ta:\n\t\timage: x\n".into());
    assert!(!l.diagnostics.is_empty());
}

#[test]
fn bom_and_crlf_on_disk() {
    let p = Proj::new(&[]);
    std::fs::write(
        p.path().join("compose.yaml"),
        b"\xEF\xBB\xBFservices:\r\n  a:\r\n    image: x\r\n",
    )
    .unwrap();
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let a = service(&l, "a");
    assert_eq!(at(&l, a.image.as_ref().unwrap().span), "x");
}

#[test]
fn invalid_utf8_on_disk_is_s001_at_the_offset() {
    let p = Proj::new(&[]);
    std::fs::write(
        p.path().join("compose.yaml"),
        b"services:\n  a:\n    image: caf\xE9\n",
    )
    .unwrap();
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S001");
    // The offset of the bad byte; the shown text has U+FFFD there.
    assert_eq!(d.span.start, 29);
    assert_eq!(at(&l, d.span), "\u{FFFD}");
    check_spans(&l);
}

#[test]
fn invalid_utf8_in_an_extended_file_is_an_error_not_a_panic() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    extends:\n      file: base.yaml\n      service: b\n",
    )]);
    std::fs::write(
        p.path().join("base.yaml"),
        b"services:\n  b:\n    image: \xff\n",
    )
    .unwrap();
    let l = p.load(&["compose.yaml"]);
    assert!(!l.diagnostics.is_empty());
    check_spans(&l);
}

#[test]
fn unterminated_constructs() {
    for text in [
        "services:\n  a:\n    image: \"x",
        "services:\n  a:\n    image: 'x",
        "services: [",
        "services: {a: ",
        "services:\n  a: &",
        "services:\n  a: *nope\n",
        "services:\n  a:\n    image: \"${\"\n",
        "services:\n  a:\n    image: \"${A:-${B:-${C\"\n",
        ": :\n",
        "- - - : - :\n",
        "? a\n? b\n",
        "!!binary x: y\n",
        "%YAML 1.2\n---\nservices: {}\n",
        "services: !reset\n",
        "services:\n  a: !override\n",
        "---\na: 1\n---\nb: 2\n",
    ] {
        let l = load_str(text.to_string());
        let _ = l;
    }
}

/// A tiny deterministic generator (xorshift), so the mutation run is
/// reproducible without a dependency.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const PIECES: &[&str] = &[
    "\n",
    " ",
    "  ",
    "\t",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "&a ",
    "*a",
    "<<: *a",
    "!reset ",
    "!override ",
    "\"",
    "'",
    "#",
    "$",
    "${X}",
    "${X:?m}",
    "$$",
    "${",
    "é",
    "\u{feff}",
    "\r\n",
    "|",
    ">",
    "?",
    "---",
    "...",
    "~",
    "null",
    "8080:80",
    "./x:/y",
    "0o777",
    "yes",
    "\\",
    "\u{0}",
    "💥",
];

#[test]
fn random_mutations_of_real_compose_text() {
    let seeds: Vec<String> = [
        include_str!("../fixtures/seed/failing/docker-compose.yml"),
        include_str!("../fixtures/seed/working/docker-compose.yml"),
        "x-common: &common\n  restart: always\n  environment:\n    - A=1\nservices:\n  web:\n    <<: *common\n    image: \"nginx:${TAG:-1}\"\n    ports: [\"80:80\", {target: 443, published: 8443}]\n    volumes:\n      - type: bind\n        source: ./html\n        target: /usr/share/nginx/html\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n    extends:\n      service: db\n  db:\n    image: postgres\n    command: >\n      postgres -c 'max_connections=200'\n    environment:\n      POSTGRES_PASSWORD: \"$${X}\"\n",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    guarded(move || {
        let mut rng = Rng(0x5eed_1234_abcd_ef01);
        for round in 0..1_500 {
            let mut text = seeds[round % seeds.len()].clone();
            for _ in 0..1 + rng.below(6) {
                let mut at = rng.below(text.len() + 1);
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                match rng.below(3) {
                    0 => text.insert_str(at, PIECES[rng.below(PIECES.len())]),
                    1 => {
                        let mut end = (at + 1 + rng.below(20)).min(text.len());
                        while !text.is_char_boundary(end) {
                            end += 1;
                        }
                        text.replace_range(at..end, "");
                    }
                    _ => {
                        // Duplicate a line somewhere else.
                        let lines: Vec<&str> = text.lines().collect();
                        if !lines.is_empty() {
                            let line = lines[rng.below(lines.len())].to_string();
                            text.insert_str(at, &format!("{line}\n"));
                        }
                    }
                }
            }
            let result = lint_text("compose.yaml", &text)
                .unwrap_or_else(|e| panic!("round {round}: fatal {e} for {text:?}"));
            for d in &result.diagnostics {
                let src = &result.sources.get(d.span.file).text;
                let (s, e) = (d.span.start as usize, d.span.end as usize);
                assert!(
                    s <= e && e <= src.len() && src.is_char_boundary(s) && src.is_char_boundary(e),
                    "round {round}: bad span {d:?} in {text:?}"
                );
            }
        }
    });
}
