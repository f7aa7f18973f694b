//! Output safety through the command line, for every format: hostile
//! values (ANSI escapes, bidi overrides, `::error::` and `##[` workflow
//! commands, newlines in keys) and a hostile *path* (a directory name with
//! the same), reach the report only as visible text. `report_injection.rs`
//! checks the renderers on hand-made diagnostics; `cli_output.rs` the
//! github and human formats through the CLI. Here, the machine formats are
//! also parsed and every string in them checked after decoding, since the
//! tool that reads them decodes `\u001b` back into ESC.

mod hostile_support;
use hostile_support::*;

use compose_lint::report::sanitize::is_unsafe;

const FORMATS: [&str; 7] = [
    "human",
    "json",
    "sarif",
    "github",
    "junit",
    "checkstyle",
    "gitlab",
];

/// Valid YAML whose keys and values carry every trick (escaped in YAML,
/// raw after parsing).
const ESCAPED: &str = "services:\n  web:\n    image: nginx:1.27\n    depends_on:\n      - \"::error::pwned\"\n      - \"##[error]pwned\"\n      - \"red\\e[31m\\e]0;title\\a\"\n      - \"bidi\\u202Eevil\\u2066x\"\n    \"bad\\nkey\\r\\n::warning::k\": 1\n    \"::notice::key\": 2\n  \"svc\\nname\\e[2J\":\n    image: \"##[group]x\"\n";

/// Raw control and bidi characters in the text itself (S001), shown in
/// code frames.
const RAW: &str = "services:\n  web:\n    image: nginx\n    # raw: \u{1b}[31m \u{202e} ::error::x ##[error]y\n    networks: [\"\u{1b}[31m\u{202e}net\"]\n";

fn check_line(format: &str, line: &str) {
    let trimmed = line.trim_start();
    if format == "github" {
        assert!(
            line.starts_with("::error file=")
                || line.starts_with("::warning file=")
                || line.starts_with("::notice file="),
            "{format}: not one of our commands: {line:?}"
        );
    } else {
        assert!(!trimmed.starts_with("::"), "{format}: {line:?}");
    }
    assert!(!line.contains("##["), "{format}: {line:?}");
    for c in line.chars() {
        assert!(!is_unsafe(c), "{format}: U+{:04X} in {line:?}", c as u32);
    }
}

/// Every string in a JSON document, decoded.
fn json_strings(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::String(s) => out.push(s.clone()),
        serde_json::Value::Array(a) => a.iter().for_each(|v| json_strings(v, out)),
        serde_json::Value::Object(o) => {
            for (k, v) in o {
                out.push(k.clone());
                json_strings(v, out);
            }
        }
        _ => {}
    }
}

/// Every text node and attribute value of an XML document, decoded.
fn xml_strings(text: &str) -> Vec<String> {
    let doc = roxmltree::Document::parse(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let mut out = Vec::new();
    for n in doc.descendants() {
        if let Some(t) = n.text() {
            out.push(t.to_string());
        }
        for a in n.attributes() {
            out.push(a.value().to_string());
        }
    }
    out
}

fn check_decoded(format: &str, text: &str) {
    let strings = match format {
        "json" | "sarif" | "gitlab" => {
            let doc: serde_json::Value =
                serde_json::from_str(text).unwrap_or_else(|e| panic!("{format}: {e}\n{text}"));
            let mut out = Vec::new();
            json_strings(&doc, &mut out);
            out
        }
        "junit" | "checkstyle" => xml_strings(text),
        _ => return,
    };
    for s in strings {
        for c in s.chars() {
            // A decoded string may hold a real newline (a SARIF markdown
            // help, an XML body); a viewer shows it as one.
            if c == '\n' {
                continue;
            }
            assert!(
                !is_unsafe(c),
                "{format}: U+{:04X} in decoded {s:?}",
                c as u32
            );
        }
        assert!(!s.contains("##["), "{format}: {s:?}");
        for l in s.lines() {
            assert!(!l.trim_start().starts_with("::"), "{format}: {s:?}");
        }
    }
}

#[test]
fn every_format_through_the_cli_with_hostile_values_and_paths() {
    // A directory whose name carries the same tricks as the values.
    let hostile_dir = "::error::d\u{1b}[31m\u{202e}##[x]\nnl";
    for (source, expected) in [(ESCAPED, "S102"), (RAW, "S001")] {
        let dir = tempfile::tempdir().unwrap();
        for sub in [".", hostile_dir] {
            write(&dir.path().join(sub), "compose.yaml", source);
        }
        for format in FORMATS {
            for target in [".", hostile_dir] {
                let out = bin(dir.path())
                    .args(["--format", format, "--statistics"])
                    .arg(target)
                    .output()
                    .unwrap();
                let ctx = format!("{format} on {target:?}");
                assert_eq!(out.status.code(), Some(1), "{ctx}: {}", all(&out));
                let text = String::from_utf8(out.stdout.clone()).expect("UTF-8 report");
                assert!(text.contains(expected), "{ctx}:\n{text}");
                for line in text.lines() {
                    check_line(format, line);
                }
                for line in stderr(&out).lines() {
                    check_line("stderr", line);
                }
                check_decoded(format, &text);
            }
        }
    }
}

/// The same through `--output`, `images`, a note, and a fatal error, whose
/// message names the hostile path on stderr.
#[test]
fn other_outputs_are_sanitized_too() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let hostile_dir = "::error::d\u{1b}[31m\u{202e}##[x]";
    write(&d.join(hostile_dir), "compose.yaml", ESCAPED);
    // An overlay (a note names its file) beside its base.
    write(
        &d.join(hostile_dir),
        "compose.override.yaml",
        "services:\n  web:\n    user: \"\\e[31m::error::u\"\n",
    );
    for format in FORMATS {
        let out = bin(d)
            .args(["--format", format, "--output", "report.out", hostile_dir])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1), "{format}: {}", all(&out));
        let text = std::fs::read_to_string(d.join("report.out")).unwrap();
        for line in text.lines() {
            check_line(format, line);
        }
        check_decoded(format, &text);
    }
    for args in [vec![], vec!["--format", "json"]] {
        let out = sub(d, Some("images"))
            .args(&args)
            .arg(hostile_dir)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", all(&out));
        for line in stdout(&out).lines() {
            check_line("images", line);
        }
        // Image facts are data: the JSON keeps them exact (escaped, so the
        // raw bytes are safe, as checked above) rather than rewritten.
        if !args.is_empty() {
            serde_json::from_str::<serde_json::Value>(&stdout(&out)).unwrap();
        }
    }
    // A fatal error about a hostile path: the message is on stderr.
    let missing = format!("{hostile_dir}/missing\u{1b}]0;t\u{7}.yaml");
    let out = bin(d).args(["-f", &missing]).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    for line in stderr(&out).lines() {
        check_line("stderr", line);
    }
    std::fs::create_dir_all(d.join("big")).unwrap();
    write(&d.join(hostile_dir), "huge.yaml", "x".repeat(2000));
    let out = bin(d)
        .args(["--max-file-size", "1000", "-f"])
        .arg(format!("{hostile_dir}/huge.yaml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", all(&out));
    for line in stderr(&out).lines() {
        check_line("stderr", line);
    }
}
