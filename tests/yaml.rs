//! Tests for the YAML layer: spans, anchors, merges, duplicate keys, tags,
//! comments, limits and syntax errors, through the public `yaml::parse`.

use compose_lint::diagnostic::{Diagnostic, Severity};
use compose_lint::source::{FileId, SourceFile, Span};
use compose_lint::yaml::{parse, Limits, NodeId, NodeKind, ScalarStyle, Tag, Tree};
use std::time::Instant;

fn p(src: &str) -> (Tree, Vec<Diagnostic>) {
    parse(FileId(0), src, &Limits::default())
}

fn slice(src: &str, span: Span) -> &str {
    &src[span.range()]
}

/// The value node of `key` in mapping `map`.
fn val(tree: &Tree, map: NodeId, key: &str) -> NodeId {
    tree.get(map, key)
        .unwrap_or_else(|| panic!("no key {key:?}"))
        .value
}

fn codes(diags: &[Diagnostic]) -> Vec<&'static str> {
    diags.iter().map(|d| d.code).collect()
}

fn keys(tree: &Tree, map: NodeId) -> Vec<String> {
    tree.as_mapping(map)
        .unwrap()
        .entries
        .iter()
        .map(|e| tree.key_str(e.key).unwrap().to_string())
        .collect()
}

fn scalar(tree: &Tree, id: NodeId) -> &str {
    &tree.as_scalar(id).expect("a scalar").value
}

#[test]
fn spans_of_keys_values_and_quoted_scalars() {
    let src = "a: 1\n\"b\": 'it''s'\nc: \"x\\ty\"\nd:\n  - one\n  - {e: f}\nempty:\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let root = tree.root.unwrap();
    let m = tree.as_mapping(root).unwrap();
    let key_texts: Vec<&str> = m
        .entries
        .iter()
        .map(|e| slice(src, tree.node(e.key).span))
        .collect();
    assert_eq!(key_texts, ["a", "\"b\"", "c", "d", "empty"]);
    assert_eq!(slice(src, tree.node(val(&tree, root, "a")).span), "1");
    let b = val(&tree, root, "b");
    assert_eq!(slice(src, tree.node(b).span), "'it''s'");
    assert_eq!(scalar(&tree, b), "it's");
    assert_eq!(tree.as_scalar(b).unwrap().style, ScalarStyle::SingleQuoted);
    let c = val(&tree, root, "c");
    assert_eq!(slice(src, tree.node(c).span), "\"x\\ty\"");
    assert_eq!(scalar(&tree, c), "x\ty");
    let d = val(&tree, root, "d");
    assert_eq!(slice(src, tree.node(d).span), "- one\n  - {e: f}");
    let items = tree.as_sequence(d).unwrap();
    assert_eq!(slice(src, tree.node(items[0]).span), "one");
    assert_eq!(slice(src, tree.node(items[1]).span), "{e: f}");
    let empty = val(&tree, root, "empty");
    assert_eq!(scalar(&tree, empty), "");
    assert!(tree.node(empty).span.is_empty());
    // The root block mapping runs from its first key to its last value.
    assert_eq!(slice(src, tree.node(root).span), src.trim_end());
}

#[test]
fn block_scalar_spans_include_the_header() {
    let src = "lit: |\n  x\n  y\nfold: >-\n  p\n  q\nprops: &a !!str |+ # note | >\n  z\n\nseq:\n  - |\n    in seq\nend: 1\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let root = tree.root.unwrap();
    let lit = val(&tree, root, "lit");
    assert_eq!(slice(src, tree.node(lit).span), "|\n  x\n  y");
    assert_eq!(scalar(&tree, lit), "x\ny\n");
    assert_eq!(tree.as_scalar(lit).unwrap().style, ScalarStyle::Literal);
    let fold = val(&tree, root, "fold");
    assert_eq!(slice(src, tree.node(fold).span), ">-\n  p\n  q");
    assert_eq!(scalar(&tree, fold), "p q");
    assert_eq!(tree.as_scalar(fold).unwrap().style, ScalarStyle::Folded);
    let props = val(&tree, root, "props");
    assert_eq!(slice(src, tree.node(props).span), "|+ # note | >\n  z");
    let (name, aspan) = tree.anchor(props).cloned().unwrap();
    assert_eq!((name.as_str(), slice(src, aspan)), ("a", "&a"));
    let (tag, tspan) = tree.tag_and_span(props).cloned().unwrap();
    assert_eq!(tag, Tag::Core("str".into()));
    assert_eq!(slice(src, tspan), "!!str");
    let seq = val(&tree, root, "seq");
    let item = tree.as_sequence(seq).unwrap()[0];
    assert_eq!(slice(src, tree.node(item).span), "|\n    in seq");
}

#[test]
fn anchors_and_aliases_keep_use_site_and_definition() {
    let src = "x: &val hello\ny: *val\nz: &m {a: 1}\nw: *m\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let root = tree.root.unwrap();
    let y = val(&tree, root, "y");
    let NodeKind::Alias { target } = tree.node(y).kind else {
        panic!("alias expected")
    };
    assert_eq!(slice(src, tree.node(y).span), "*val");
    assert_eq!(slice(src, tree.node(target).span), "hello");
    let (name, aspan) = tree.anchor(target).cloned().unwrap();
    assert_eq!(name, "val");
    assert_eq!(slice(src, aspan), "&val");
    let (content, via) = tree.resolve(y);
    assert_eq!(content, target);
    assert_eq!(slice(src, via.unwrap()), "*val");
    assert_eq!(scalar(&tree, y), "hello");
    let w = val(&tree, root, "w");
    assert_eq!(slice(src, tree.node(w).span), "*m");
    assert_eq!(keys(&tree, w), ["a"]);
}

#[test]
fn unknown_anchor_is_s012_and_invalid() {
    let src = "a: *nope\nb: 1\n";
    let (tree, diags) = p(src);
    assert_eq!(codes(&diags), ["S012"]);
    assert_eq!(diags[0].message, "unknown anchor `*nope`");
    assert_eq!(slice(src, diags[0].span), "*nope");
    let root = tree.root.unwrap();
    assert_eq!(tree.node(val(&tree, root, "a")).kind, NodeKind::Invalid);
    assert_eq!(scalar(&tree, val(&tree, root, "b")), "1");
}

#[test]
fn alias_to_enclosing_collection_is_rejected() {
    let src = "a: &a [1, *a]\n";
    let (tree, diags) = p(src);
    assert_eq!(codes(&diags), ["S012"]);
    assert_eq!(slice(src, diags[0].span), "*a");
    let a = val(&tree, tree.root.unwrap(), "a");
    assert_eq!(
        tree.node(tree.as_sequence(a).unwrap()[1]).kind,
        NodeKind::Invalid
    );
}

#[test]
fn merge_single_alias() {
    let src = "base: &b\n  image: nginx\n  restart: always\nsvc:\n  <<: *b\n  restart: \"no\"\n  ports: [80]\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let svc = val(&tree, tree.root.unwrap(), "svc");
    assert_eq!(keys(&tree, svc), ["restart", "ports", "image"]);
    assert!(tree.as_mapping(svc).is_some());
    assert_eq!(tree.merge_keys(svc).len(), 1);
    assert_eq!(slice(src, tree.node(tree.merge_keys(svc)[0]).span), "<<");
    // The explicit key wins.
    assert_eq!(scalar(&tree, val(&tree, svc, "restart")), "no");
    assert_eq!(tree.get(svc, "restart").unwrap().via, None);
    let image = tree.get(svc, "image").unwrap();
    assert_eq!(slice(src, image.via.unwrap()), "*b");
    // The value's own span stays on the anchor definition.
    assert_eq!(slice(src, tree.node(image.value).span), "nginx");
}

#[test]
fn merge_inline_mapping_and_list_precedence() {
    let src = "a: &a {x: a, y: a}\nb: &b {x: b, z: b}\nm:\n  <<: [*a, *b, {w: inline, x: inline}]\n  y: own\nn:\n  <<: {k: v}\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let root = tree.root.unwrap();
    let m = val(&tree, root, "m");
    assert_eq!(keys(&tree, m), ["y", "x", "z", "w"]);
    assert_eq!(scalar(&tree, val(&tree, m, "x")), "a");
    assert_eq!(scalar(&tree, val(&tree, m, "y")), "own");
    assert_eq!(scalar(&tree, val(&tree, m, "z")), "b");
    assert_eq!(slice(src, tree.get(m, "x").unwrap().via.unwrap()), "*a");
    assert_eq!(slice(src, tree.get(m, "z").unwrap().via.unwrap()), "*b");
    assert_eq!(
        slice(src, tree.get(m, "w").unwrap().via.unwrap()),
        "{w: inline, x: inline}"
    );
    let n = val(&tree, root, "n");
    assert_eq!(keys(&tree, n), ["k"]);
    assert_eq!(slice(src, tree.get(n, "k").unwrap().via.unwrap()), "{k: v}");
}

#[test]
fn nested_merge_uses_effective_entries() {
    let src = "a: &a {x: 1}\nb: &b\n  <<: *a\n  y: 2\nc:\n  <<: *b\n  z: 3\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let c = val(&tree, tree.root.unwrap(), "c");
    assert_eq!(keys(&tree, c), ["z", "y", "x"]);
    // Both came through `*b` in this mapping.
    assert_eq!(slice(src, tree.get(c, "x").unwrap().via.unwrap()), "*b");
    assert_eq!(scalar(&tree, val(&tree, c, "x")), "1");
}

#[test]
fn invalid_merges_are_s012() {
    let cases = [
        ("a: &s hello\nm:\n  <<: *s\n", "*s"),
        ("m:\n  <<: plain\n", "plain"),
        ("l: &l [1]\nm:\n  <<: *l\n", "*l"),
        ("a: &a {x: 1}\nm:\n  <<: [*a, 3]\n", "3"),
        ("m:\n  <<: [[{x: 1}]]\n", "[{x: 1}]"),
    ];
    for (src, at) in cases {
        let (tree, diags) = p(src);
        assert_eq!(codes(&diags), ["S012"], "{src}");
        assert_eq!(slice(src, diags[0].span), at, "{src}");
        assert_eq!(diags[0].severity, Severity::Error);
        assert!(tree.root.is_some());
    }
    // go-yaml v3 (Compose v2) follows an alias to a list of mappings.
    let src = "l: &l\n  - {x: 1}\n  - {y: 2}\nm:\n  <<: *l\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let m = val(&tree, tree.root.unwrap(), "m");
    assert_eq!(keys(&tree, m), ["x", "y"]);
    // A quoted `"<<"` is an ordinary key, not a merge.
    let (tree, diags) = p("m:\n  \"<<\": plain\n");
    assert!(diags.is_empty());
    let m = val(&tree, tree.root.unwrap(), "m");
    assert_eq!(keys(&tree, m), ["<<"]);
}

#[test]
fn duplicate_keys_are_s002_at_the_second() {
    let src = "a: 1\nb: 2\n\"a\": 3\n";
    let (_, diags) = p(src);
    assert_eq!(codes(&diags), ["S002"]);
    assert_eq!(slice(src, diags[0].span), "\"a\"");
    assert_eq!(diags[0].labels.len(), 1);
    assert_eq!(slice(src, diags[0].labels[0].span), "a");
    assert_eq!(diags[0].labels[0].message, "first defined here");

    let src = "x: &x {k: 1}\ny: &y {k: 2}\nm:\n  <<: *x\n  <<: *y\n";
    let (_, diags) = p(src);
    assert_eq!(codes(&diags), ["S002"]);
    assert_eq!(diags[0].span.start as usize, src.rfind("<<").unwrap());

    // Keys merged in never count as duplicates.
    let (_, diags) = p("x: &x {k: 1, j: 1}\nm:\n  k: 2\n  <<: *x\n");
    assert!(diags.is_empty(), "{diags:?}");
}

/// Duplicates are found, at the same spans, however many keys a mapping
/// has: short mappings keep their keys in a list, long ones in a hash map,
/// and a mapping whose `<<` makes it long switches midway.
#[test]
fn duplicate_keys_in_short_and_long_mappings() {
    for n in [2, 15, 16, 17, 40] {
        let mut src = String::from("t: &t {");
        src.push_str(
            &(0..n)
                .map(|i| format!("m{i}: 1"))
                .collect::<Vec<_>>()
                .join(", "),
        );
        src.push_str(", k1: 9}\nm:\n");
        for i in 0..n {
            src.push_str(&format!("  k{i}: {i}\n"));
        }
        src.push_str("  <<: *t\n  k0: again\n");
        let (tree, diags) = p(&src);
        assert_eq!(codes(&diags), ["S002"], "{n} keys");
        assert_eq!(
            diags[0].span.start as usize,
            src.rfind("k0").unwrap(),
            "{n} keys"
        );
        assert_eq!(slice(&src, diags[0].labels[0].span), "k0");
        assert_eq!(
            diags[0].labels[0].span.start as usize,
            src.find("  k0").unwrap() + 2
        );
        // The merged `k1` loses to the explicit one; every `m*` comes in.
        let m = val(&tree, tree.root.unwrap(), "m");
        let ks = keys(&tree, m);
        assert_eq!(ks.len(), 2 * n + 1, "{n} keys: {ks:?}");
        assert_eq!(ks.iter().filter(|k| *k == "k1").count(), 1);
        let k1 = val(&tree, m, "k1");
        assert_eq!(tree.as_scalar(k1).unwrap().value, "1");
    }
}

#[test]
fn non_string_keys_are_s004() {
    let src = "? [a, b]\n: 1\n{c: d}: 2\nok: 3\n";
    let (_, diags) = p(src);
    assert_eq!(codes(&diags), ["S004", "S004"]);
    assert_eq!(slice(src, diags[0].span), "[a, b]");
    assert_eq!(slice(src, diags[1].span), "{c: d}");
}

#[test]
fn tags() {
    let src = "a: !reset []\nb: !override {x: 1}\nc: !!int \"3\"\nd: !custom x\ne: !reset null\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let root = tree.root.unwrap();
    let tag = |k: &str| {
        let (t, s) = tree.tag_and_span(val(&tree, root, k)).cloned().unwrap();
        (t, slice(src, s).to_string())
    };
    assert_eq!(tag("a"), (Tag::Reset, "!reset".into()));
    assert_eq!(tag("b"), (Tag::Override, "!override".into()));
    assert_eq!(tag("c"), (Tag::Core("int".into()), "!!int".into()));
    assert_eq!(tag("d"), (Tag::Other("!custom".into()), "!custom".into()));
    assert_eq!(tag("e").0, Tag::Reset);
    assert_eq!(slice(src, tree.node(val(&tree, root, "a")).span), "[]");
    assert_eq!(slice(src, tree.node(val(&tree, root, "b")).span), "{x: 1}");
}

#[test]
fn comments_are_captured() {
    let src = "# top\na: 1 # right\n# über\nb:\n  - x  #in seq\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty());
    let got: Vec<(&str, &str)> = tree
        .comments
        .iter()
        .map(|c| (slice(src, c.span), c.text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("# top", " top"),
            ("# right", " right"),
            ("# über", " über"),
            ("#in seq", "in seq")
        ]
    );
}

#[test]
fn long_comment_blocks_are_fine() {
    let mut src = String::from("a:\n  - x\n");
    for i in 0..500 {
        src.push_str(&format!("  # comment {i}\n"));
    }
    src.push_str("  - y\n");
    let (tree, diags) = p(&src);
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(tree.comments.len(), 500);
    let a = val(&tree, tree.root.unwrap(), "a");
    assert_eq!(tree.as_sequence(a).unwrap().len(), 2);
}

/// 10 levels of 10 aliases each: 10^10 nodes if expanded.
#[test]
fn billion_laughs_is_instant() {
    let mut src = String::from("l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let prev = format!("*l{}", i - 1);
        let items = [prev.as_str(); 10].join(", ");
        src.push_str(&format!("l{i}: &l{i} [{items}]\n"));
    }
    let (tree, diags) = p(&src);
    assert!(diags.is_empty(), "{diags:?}");
    assert!(tree.nodes.len() < 300, "aliases must not be expanded");
}

/// Each level merges the previous one twice under new names: without a
/// budget the copy count grows geometrically.
#[test]
fn merge_bomb_hits_the_budget() {
    let mut src = String::from("m0: &m0 {a: 1, b: 2, c: 3, d: 4}\n");
    for i in 1..30 {
        src.push_str(&format!(
            "m{i}: &m{i} {{<<: [*m{p}, *m{p}], k{i}: 1}}\n",
            p = i - 1
        ));
    }
    src.push_str("x:\n");
    for i in 0..200 {
        src.push_str(&format!("  y{i}: {{<<: *m29}}\n"));
    }
    let limits = Limits {
        merge_budget: 2_000,
        ..Limits::default()
    };
    let (_, diags) = parse(FileId(0), &src, &limits);
    assert_eq!(codes(&diags), ["S011"], "exactly one S011");
    assert!(diags[0].message.contains("2000"));
}

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .expect("no stack overflow or panic")
}

#[test]
fn deep_flow_nesting_on_a_small_stack() {
    let diags = on_small_stack(|| {
        let src = "[".repeat(10_000) + &"]".repeat(10_000);
        let (tree, diags) = p(&src);
        // granit's scanner looks ahead for a simple key and hits its own
        // limit before the first event: no tree, one S011.
        assert!(tree.root.is_none());
        diags
    });
    assert_eq!(codes(&diags), ["S011"]);
    assert_eq!(diags[0].span.start, 255);
    assert!(
        diags[0].message.contains("255 levels"),
        "{}",
        diags[0].message
    );
}

#[test]
fn flow_nesting_past_our_limit_keeps_the_tree() {
    let src = "[".repeat(240) + &"]".repeat(240);
    let (tree, diags) = p(&src);
    assert_eq!(codes(&diags), ["S011"]);
    assert_eq!(
        diags[0].span.start, 200,
        "at the collection that crosses the limit"
    );
    let mut id = tree.root.unwrap();
    for _ in 0..200 {
        id = tree.as_sequence(id).unwrap()[0];
    }
    assert_eq!(tree.node(id).kind, NodeKind::Invalid);
    assert_eq!(tree.node(id).span.range(), 200..280);
}

#[test]
fn deep_block_nesting_on_a_small_stack() {
    let diags = on_small_stack(|| {
        let mut src = String::new();
        for i in 0..10_000 {
            src.push_str(&" ".repeat(i));
            src.push_str("k:\n");
        }
        src.push_str(&" ".repeat(10_000));
        src.push_str("leaf\n");
        let (_, diags) = p(&src);
        diags
    });
    assert_eq!(codes(&diags), ["S011"]);
}

#[test]
fn depth_limit_skips_deep_content_but_keeps_parsing() {
    let limits = Limits {
        max_depth: 3,
        ..Limits::default()
    };
    let src = "a:\n  b:\n    c:\n      d: 1\n    e: [[x]]\nf: 2\n";
    let (tree, diags) = parse(FileId(0), src, &limits);
    assert_eq!(codes(&diags), ["S011"], "reported once");
    assert_eq!(slice(src, diags[0].span), "d");
    let root = tree.root.unwrap();
    let b = val(&tree, val(&tree, root, "a"), "b");
    assert_eq!(tree.node(val(&tree, b, "c")).kind, NodeKind::Invalid);
    assert_eq!(keys(&tree, b), ["c", "e"]);
    assert_eq!(scalar(&tree, val(&tree, root, "f")), "2");
}

#[test]
fn syntax_error_position() {
    let src = "a: 1\nb: [1, 2\nc: 3\n";
    let (tree, diags) = p(src);
    assert_eq!(codes(&diags), ["S001"]);
    assert!(
        diags[0].message.starts_with("YAML syntax error: "),
        "{}",
        diags[0].message
    );
    let file = SourceFile::new(FileId(0), "c.yaml".into(), src.into());
    let lc = file.line_col(diags[0].span.start as usize);
    assert_eq!((lc.line, lc.col), (3, 2));
    assert!(diags[0].span.len() <= 1);
    // The partial tree keeps what was read.
    let root = tree.root.unwrap();
    assert_eq!(scalar(&tree, val(&tree, root, "a")), "1");

    let src = "a: 1\n b: 2\n";
    let (_, diags) = p(src);
    assert_eq!(codes(&diags), ["S001"]);
    let file = SourceFile::new(FileId(0), "c.yaml".into(), src.into());
    assert_eq!(file.line_col(diags[0].span.start as usize).line, 2);
}

#[test]
fn second_document_is_a_warning() {
    let src = "a: 1\n---\nb: 2\n";
    let (tree, diags) = p(src);
    assert_eq!(codes(&diags), ["S001"]);
    assert_eq!(diags[0].severity, Severity::Warning);
    assert_eq!(diags[0].message, "only the first YAML document is read");
    assert_eq!(slice(src, diags[0].span), "-");
    assert_eq!(keys(&tree, tree.root.unwrap()), ["a"]);
    // A leading `---` is just the first document.
    let (tree, diags) = p("---\na: 1\n");
    assert!(diags.is_empty());
    assert!(tree.root.is_some());
}

#[test]
fn empty_and_comment_only_files() {
    for src in ["", "\n\n", "# just a comment\n# another\n", "   "] {
        let (tree, diags) = p(src);
        assert!(tree.root.is_none(), "{src:?}");
        assert!(diags.is_empty(), "{src:?}: {diags:?}");
    }
    let (tree, _) = p("# c\n");
    assert_eq!(tree.comments.len(), 1);
}

#[test]
fn bom_crlf_and_tabs() {
    let src = "\u{feff}a: 1\r\nb:\r\n  - c\r\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let root = tree.root.unwrap();
    assert_eq!(keys(&tree, root), ["a", "b"]);
    assert_eq!(slice(src, tree.node(root).span), "a: 1\r\nb:\r\n  - c");

    let src = "lit: |\r\n  x\r\n  y\r\n";
    let (tree, diags) = p(src);
    assert!(diags.is_empty(), "{diags:?}");
    let lit = val(&tree, tree.root.unwrap(), "lit");
    assert_eq!(scalar(&tree, lit), "x\ny\n");
    assert_eq!(slice(src, tree.node(lit).span), "|\r\n  x\r\n  y");

    // A tab as indentation is a clean syntax error...
    let src = "a:\n\tb: 1\n";
    let (_, diags) = p(src);
    assert_eq!(codes(&diags), ["S001"]);
    assert!(diags[0].message.contains("tab"), "{}", diags[0].message);
    assert_eq!(diags[0].span.start, 3);
    // ...but a tab as separation is fine.
    let (tree, diags) = p("a:\t1\n");
    assert!(diags.is_empty(), "{diags:?}");
    assert_eq!(scalar(&tree, val(&tree, tree.root.unwrap(), "a")), "1");
}

#[test]
fn scalar_root() {
    let (tree, diags) = p("hello\n");
    assert!(diags.is_empty());
    assert_eq!(scalar(&tree, tree.root.unwrap()), "hello");
}

mod generated {
    use super::*;
    use proptest::prelude::*;

    const PIECES: &[&str] = &[
        "a",
        "b",
        ": ",
        ":",
        "- ",
        "-",
        "\n",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&x ",
        "*x",
        "*y",
        "&y ",
        "<<: ",
        "<<",
        "!reset ",
        "!!str ",
        "\"q\"",
        "'s'",
        "|\n",
        ">-\n",
        "# c\n",
        "---\n",
        "...\n",
        "? ",
        "\r\n",
        "\u{feff}",
        "é",
        "\"\\u00e9\"",
        "%YAML 1.2\n",
        "~",
    ];

    fn yamlish() -> impl Strategy<Value = String> {
        prop::collection::vec(prop::sample::select(PIECES), 0..60).prop_map(|v| v.concat())
    }

    fn check(src: &str) {
        let limits = Limits {
            max_depth: 8,
            merge_budget: 100,
        };
        let (tree, diags) = parse(FileId(0), src, &limits);
        for n in &tree.nodes {
            assert!(n.span.end as usize <= src.len());
            assert!(src.is_char_boundary(n.span.start as usize));
            assert!(src.is_char_boundary(n.span.end as usize));
        }
        for d in &diags {
            assert!(d.span.end as usize <= src.len());
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn never_panics_on_yamlish_input(src in yamlish()) {
            check(&src);
        }

        #[test]
        fn never_panics_on_arbitrary_text(src in "\\PC{0,80}") {
            check(&src);
        }

        #[test]
        fn never_panics_on_mutated_compose(pos in 0usize..200, ins in prop::sample::select(PIECES)) {
            let base = "x-common: &common\n  restart: always\n  environment: {A: 1}\nservices:\n  web:\n    <<: *common\n    image: \"nginx:1.25\"\n    ports:\n      - 22:22\n    command: |\n      run\n";
            let mut at = pos.min(base.len());
            while !base.is_char_boundary(at) { at -= 1; }
            let src = format!("{}{}{}", &base[..at], ins, &base[at..]);
            check(&src);
        }
    }
}

/// Throughput sanity check, not a timed test:
/// `cargo test --release --test yaml -- --ignored --nocapture large_file`.
#[test]
#[ignore]
fn large_file_with_merges() {
    let mut src = String::from(
        "x-common: &common\n  restart: unless-stopped\n  logging:\n    driver: json-file\n    options: {max-size: 10m}\n  environment:\n    TZ: UTC\n    LANG: C.UTF-8\nservices:\n",
    );
    let mut i = 0;
    while src.len() < 5_000_000 {
        src.push_str(&format!(
            "  svc{i}:\n    <<: *common\n    image: \"registry.example.com/team/app{i}:1.{i}\"\n    ports:\n      - \"{p}:80\"\n    environment:\n      - KEY_{i}=value\n      - OTHER=1\n    # comment {i}\n    command: [\"run\", \"--id\", \"{i}\"]\n    healthcheck:\n      test: [\"CMD\", \"curl\", \"-f\", \"http://localhost\"]\n      interval: 30s\n    labels:\n      com.example.team: \"t{i}\"\n      com.example.tier: backend\n    volumes:\n      - ./data{i}:/data\n",
            p = 10000 + i % 50000
        ));
        i += 1;
    }
    let start = Instant::now();
    let opts = granit_parser::options! { emit_anchor_events: true, emit_unresolved_aliases: true };
    let events = granit_parser::Parser::new_from_str_with_options(&src, opts).count();
    println!("granit alone: {events} events in {:?}", start.elapsed());
    let start = Instant::now();
    let (tree, diags) = p(&src);
    let took = start.elapsed();
    assert!(diags.is_empty(), "{:?}", &diags[..diags.len().min(3)]);
    let services = val(&tree, tree.root.unwrap(), "services");
    let n = tree.as_mapping(services).unwrap().entries.len();
    assert_eq!(n, i);
    println!(
        "{} bytes, {n} services, {} nodes: {took:?} ({:.1} MB/s)",
        src.len(),
        tree.nodes.len(),
        src.len() as f64 / took.as_secs_f64() / 1e6
    );
}

/// A tree handed from one load to another (`load::project`) is moved to
/// the file id the second load gives the file: moved, it is the tree and
/// the diagnostics that parsing under that id gives, span for span
/// (anchors, aliases, tags, merges, comments, a duplicate key, an error).
#[test]
fn a_tree_moved_to_another_file_id_is_the_tree_parsed_under_it() {
    let src = "# head\nx-base: &base\n  image: a # tail\n  ports: [\"80\"]\nservices:\n  web:\n    <<: *base\n    command: !reset null\n    image: b\n    image: c\n  db: {image: 'd', env: [\"a\", ]\n";
    let (mut moved, mut diags) = parse(FileId(0), src, &Limits::default());
    let (under_3, diags_3) = parse(FileId(3), src, &Limits::default());
    assert!(!diags.is_empty(), "the text has problems to move");
    assert!(!moved.comments.is_empty());
    assert_ne!(moved.nodes, under_3.nodes, "the spans name the file");
    moved.move_to(FileId(3));
    for d in &mut diags {
        d.move_file(FileId(0), FileId(3));
    }
    assert_eq!(moved.file, under_3.file);
    assert_eq!(moved.root, under_3.root);
    assert_eq!(moved.nodes, under_3.nodes);
    assert_eq!(moved.comments, under_3.comments);
    assert_eq!(format!("{diags:?}"), format!("{diags_3:?}"));
}

/// Tags, anchors and merge keys are kept beside the nodes (`Tree::props`):
/// on every document of four entries, each value plain, anchored, tagged,
/// both, or a mapping with a `<<` key, each node has exactly the tag,
/// anchor and merge keys its text writes, and no other node has any, also
/// after the tree moves to another file id.
#[test]
fn props_are_those_the_text_writes_on_each_node() {
    let variants = |i: usize, v: usize| match v {
        0 => format!("plain{i}"),
        1 => format!("&a{i} anchored"),
        2 => format!("!custom{i} tagged"),
        3 => format!("&a{i} !!str both"),
        _ => format!("{{<<: {{m: {i}}}, k: v}}"),
    };
    for n in 0..5usize.pow(4) {
        let kinds: Vec<usize> = (0..4).map(|i| n / 5usize.pow(i) % 5).collect();
        let src: String = kinds
            .iter()
            .enumerate()
            .map(|(i, &v)| format!("k{i}: {}\n", variants(i, v)))
            .collect();
        let (mut tree, diags) = p(&src);
        assert!(diags.is_empty(), "{src}: {diags:?}");
        for file in [FileId(0), FileId(7)] {
            tree.move_to(file);
            let root = tree.root.unwrap();
            let mut with_props = 0;
            for (i, &v) in kinds.iter().enumerate() {
                let id = val(&tree, root, &format!("k{i}"));
                let anchor = tree
                    .anchor(id)
                    .map(|(name, s)| (name.clone(), slice(&src, *s).to_string(), s.file));
                let want_anchor =
                    matches!(v, 1 | 3).then(|| (format!("a{i}"), format!("&a{i}"), file));
                assert_eq!(anchor, want_anchor, "{src}");
                let tag = tree
                    .tag_and_span(id)
                    .map(|(t, s)| (t.clone(), slice(&src, *s).to_string(), s.file));
                let want_tag = match v {
                    2 => Some((
                        Tag::Other(format!("!custom{i}")),
                        format!("!custom{i}"),
                        file,
                    )),
                    3 => Some((Tag::Core("str".into()), "!!str".into(), file)),
                    _ => None,
                };
                assert_eq!(tag, want_tag, "{src}");
                let merges: Vec<&str> = tree
                    .merge_keys(id)
                    .iter()
                    .map(|&k| slice(&src, tree.node(k).span))
                    .collect();
                assert_eq!(merges, if v == 4 { vec!["<<"] } else { vec![] }, "{src}");
                with_props += usize::from(v != 0);
            }
            let all = (0..tree.nodes.len() as u32)
                .filter(|&i| tree.props(NodeId(i)).is_some())
                .count();
            assert_eq!(all, with_props, "{src}");
        }
    }
}
