//! A hostile Compose file must not reach a terminal or a CI log as anything
//! but visible text: no workflow command, no escape sequence, no bidi or
//! invisible character, in any format.

use compose_lint::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use compose_lint::report::sanitize::is_unsafe;
use compose_lint::report::{render, FileNote, Format, HumanOptions, Report};
use compose_lint::source::{FileId, SourceMap, Span};
use std::path::PathBuf;

const HOSTILE: &str = "services:\n  \"::error::pwned\":\n    image: \"##[error]x\"\n    command: \"\x1b[31mred\x1b[0m\"\n    labels:\n      \"ev\u{202E}il\": \"a\u{2066}b\u{200B}c\"\n      \"multi\n  line\": \"\x07\x08\u{9b}\u{feff}\"\n  ok: {}\n";

/// Everything a rule might quote from the file.
const EVIL: &str = "::error::pwned ##[error]x \x1b[31mred\x1b[0m ev\u{202E}il multi\nline \r\n::warning::again \u{2066}\u{200E}\u{061C}\u{feff}";

fn hostile_report_parts() -> (SourceMap, Vec<Diagnostic>, Vec<FileNote>) {
    let mut sources = SourceMap::new();
    let a = sources.add("docker-compose.yml", HOSTILE);
    let b = sources.add(
        "::warning::dir/##[error]\x1b[2J\u{202E}lmy.yml",
        "::error::in-other-file\n##[error]y\n",
    );
    let at = |file: FileId, needle: &str| {
        let text = &sources.get(file).text;
        let start = text.find(needle).expect("needle");
        Span::new(file, start, start + needle.len())
    };
    let key = at(a, "\"::error::pwned\"");
    let esc = at(a, "\x1b[31mred");
    let rlo = at(a, "ev\u{202E}il");
    let multi = at(a, "\"multi\n  line\"");
    let other = at(b, "::error::in-other-file");
    let d1 = Diagnostic::error("S002", key, format!("::error::pwned {EVIL}"))
        .label(rlo, EVIL)
        .label(other, format!("##[error]{EVIL}"))
        .help(format!("\n::error::help {EVIL}"))
        .note(format!("::notice::note {EVIL}"))
        .fix(Fix {
            title: format!("::error::fix {EVIL}"),
            edits: vec![
                Edit {
                    span: key,
                    replacement: format!("\"{EVIL}\""),
                },
                Edit {
                    span: other,
                    replacement: EVIL.to_string(),
                },
            ],
            applicability: Applicability::Safe,
        });
    let d2 = Diagnostic::warning("M001", esc, format!("##[error]x {EVIL}"))
        .help(EVIL)
        .note(EVIL);
    let d3 = Diagnostic::info(
        "P003",
        multi,
        format!("key `multi\nline`\n::error::pwned {EVIL}"),
    )
    .label(esc, "\x1b]0;title\x07");
    let d4 = Diagnostic::error("S001", at(b, "##[error]y"), EVIL);
    let notes = vec![FileNote {
        path: PathBuf::from("::error::note-path\u{202E}.yml"),
        message: EVIL.to_string(),
    }];
    (sources, vec![d1, d2, d3, d4], notes)
}

fn render_all(human: HumanOptions) -> Vec<(Format, String)> {
    let (sources, diagnostics, notes) = hostile_report_parts();
    let report = Report {
        sources: &sources,
        diagnostics: &diagnostics,
        rules: &[],
        notes: &notes,
        files_checked: 2,
    };
    let mut outs = Vec::new();
    for f in Format::ALL {
        let mut out = Vec::new();
        render(f, &report, &human, &mut out).unwrap();
        outs.push((f, String::from_utf8(out).unwrap()));
    }
    let mut out = Vec::new();
    let stats = HumanOptions {
        quiet: true,
        statistics: true,
        ..human
    };
    render(Format::Human, &report, &stats, &mut out).unwrap();
    outs.push((Format::Human, String::from_utf8(out).unwrap()));
    outs
}

fn plain() -> HumanOptions {
    HumanOptions {
        color: false,
        quiet: false,
        statistics: false,
    }
}

/// How the GitHub runner splits a `::cmd props::data` line.
fn parse_command(line: &str) -> (&str, &str, &str) {
    let rest = &line[2..];
    let sep = rest.find("::").expect("command separator");
    let info = &rest[..sep];
    let data = &rest[sep + 2..];
    let (cmd, props) = info.split_once(' ').unwrap_or((info, ""));
    (cmd, props, data)
}

#[test]
fn no_format_lets_the_file_speak() {
    for (format, out) in render_all(plain()) {
        assert!(!out.is_empty(), "{format}");
        for (i, line) in out.lines().enumerate() {
            let ctx = || format!("{format} line {}: {line:?}", i + 1);
            assert!(!line.contains("##["), "`##[` in {}", ctx());
            for c in line.chars() {
                assert!(!is_unsafe(c), "U+{:04X} in {}", c as u32, ctx());
            }
            let trimmed = line.trim_start();
            if format == Format::Github {
                assert!(
                    line.starts_with("::error file=")
                        || line.starts_with("::warning file=")
                        || line.starts_with("::notice file="),
                    "not our command: {}",
                    ctx()
                );
                let (cmd, props, data) = parse_command(line);
                assert!(["error", "warning", "notice"].contains(&cmd), "{}", ctx());
                let keys: Vec<&str> = props
                    .split(',')
                    .map(|p| p.split_once('=').expect("key=value").0)
                    .collect();
                assert_eq!(
                    keys,
                    ["file", "line", "col", "endLine", "endColumn", "title"],
                    "{}",
                    ctx()
                );
                // The injected command is in the data, escaped, never raw.
                assert!(data.contains(":\\u{3A}error::pwned"), "{}", ctx());
                assert!(!data.contains('\r') && !data.contains('\n'));
            } else {
                assert!(
                    !trimmed.starts_with("::"),
                    "line starts a command: {}",
                    ctx()
                );
            }
        }
    }
}

#[test]
fn github_is_one_line_per_diagnostic() {
    let outs = render_all(plain());
    let (_, gh) = outs.iter().find(|(f, _)| *f == Format::Github).unwrap();
    assert_eq!(gh.lines().count(), 4, "{gh}");
    // The path property is escaped too (`:` is %3A).
    assert!(
        gh.contains("file=%3A\\u{3A}warning%3A%3Adir/#\\u{23}[error]\\u{1B}[2J\\u{202E}lmy.yml,"),
        "{gh}"
    );
}

#[test]
fn colour_adds_only_our_own_escapes() {
    for (format, out) in render_all(HumanOptions {
        color: true,
        ..plain()
    }) {
        // Remove the SGR sequences we write; nothing else may be an escape.
        let mut rest = out.as_str();
        let mut cleaned = String::new();
        while let Some(i) = rest.find('\x1b') {
            cleaned.push_str(&rest[..i]);
            let tail = &rest[i + 1..];
            let end = tail
                .strip_prefix('[')
                .and_then(|t| {
                    t.find('m')
                        .filter(|&m| t[..m].bytes().all(|b| b.is_ascii_digit() || b == b';'))
                })
                .unwrap_or_else(|| {
                    panic!(
                        "{format}: a foreign escape: {:?}",
                        &rest[i..(i + 12).min(rest.len())]
                    )
                });
            rest = &tail[end + 2..];
        }
        cleaned.push_str(rest);
        for c in cleaned.chars() {
            assert!(c == '\n' || !is_unsafe(c), "{format}: U+{:04X}", c as u32);
        }
        assert!(!cleaned.contains("##["), "{format}");
        assert!(!out.contains("\x1b[31mred"), "{format}: raw injected SGR");
        if format == Format::Human {
            assert!(cleaned.contains("\\u{1B}[31mred"), "{cleaned}");
        }
    }
}

#[test]
fn machine_formats_stay_parseable_and_exact() {
    for (format, out) in render_all(plain()) {
        match format {
            Format::Json | Format::Sarif | Format::Gitlab => {
                let v: serde_json::Value =
                    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{format}: {e}"));
                if format == Format::Json {
                    // Replacements are exact; the writer only escaped them.
                    let r = &v["diagnostics"][0]["fixes"][0]["edits"][1]["replacement"];
                    assert_eq!(r.as_str().unwrap(), EVIL);
                    // Display text is sanitized.
                    let m = v["diagnostics"][0]["message"].as_str().unwrap();
                    assert!(m.starts_with(":\\u{3A}error::pwned"), "{m}");
                    assert!(!m.chars().any(is_unsafe), "{m}");
                }
                if format == Format::Sarif {
                    let t = &v["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][1]
                        ["replacements"][0]["insertedContent"]["text"];
                    assert_eq!(t.as_str().unwrap(), EVIL);
                    let uri = v["runs"][0]["results"][3]["locations"][0]["physicalLocation"]
                        ["artifactLocation"]["uri"]
                        .as_str()
                        .unwrap();
                    assert!(uri.bytes().all(|b| b.is_ascii_graphic()), "{uri}");
                }
            }
            Format::Junit | Format::Checkstyle => {
                let doc = roxmltree::Document::parse(&out)
                    .unwrap_or_else(|e| panic!("{format}: {e}\n{out}"));
                for node in doc.descendants() {
                    let texts = node
                        .attributes()
                        .map(|a| a.value().to_string())
                        .chain(node.text().map(str::to_string));
                    for t in texts {
                        assert!(!t.contains("##["), "{format}: {t:?}");
                        for line in t.lines() {
                            assert!(!line.trim_start().starts_with("::"), "{format}: {line:?}");
                        }
                        assert!(
                            !t.chars().any(|c| c != '\n' && is_unsafe(c)),
                            "{format}: {t:?}"
                        );
                    }
                }
            }
            Format::Human | Format::Github | Format::Html => {}
        }
    }
}

/// The code frame's source is sanitized with same-length substitutions, so
/// the underline still sits under the text it marks.
#[test]
fn code_frame_underlines_line_up_after_substitution() {
    let mut sources = SourceMap::new();
    let text = "a: \"\u{202E}\x1b\u{9b}\u{E0041}##[x\" # target\n";
    let f = sources.add("c.yml", text);
    let start = text.find("target").unwrap();
    let d = vec![Diagnostic::warning(
        "M001",
        Span::new(f, start, start + 6),
        "m",
    )];
    let report = Report {
        sources: &sources,
        diagnostics: &d,
        rules: &[],
        notes: &[],
        files_checked: 1,
    };
    let mut out = Vec::new();
    render(Format::Human, &report, &plain(), &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    let src = lines
        .iter()
        .position(|l| l.contains("target"))
        .expect("frame line");
    let col_of = |s: &str, pat: char| s.chars().position(|c| c == pat).unwrap();
    let target_col = lines[src]
        .chars()
        .collect::<String>()
        .find("target")
        .map(|b| lines[src][..b].chars().count())
        .unwrap();
    let underline_col = col_of(lines[src + 1], '─');
    assert_eq!(target_col, underline_col, "\n{out}");
    // And the substituted text is what we said it would be.
    assert!(lines[src].contains("\"\u{FFFD}???????#?[x\""), "\n{out}");
}

/// CRLF files, tabs, empty spans and spans at the end of the file render
/// without a raw CR, and without panicking, in every format.
#[test]
fn crlf_tabs_and_edge_spans() {
    let mut sources = SourceMap::new();
    let text = "services:\r\n\tweb:\r\n    image: x\r\n";
    let f = sources.add("crlf.yml", text);
    let empty = sources.add("empty.yml", "");
    let web = text.find("web").unwrap();
    let d = vec![
        Diagnostic::warning("M001", Span::new(f, web, web + 3), "tabbed key")
            .label(Span::new(f, 0, 8), "root"),
        Diagnostic::error(
            "S001",
            Span::new(f, text.len(), text.len()),
            "at the very end",
        ),
        Diagnostic::error("S001", Span::new(empty, 0, 0), "empty file"),
        Diagnostic::error("S001", Span::new(f, 9999, 10000), "out of range span"),
    ];
    let report = Report {
        sources: &sources,
        diagnostics: &d,
        rules: &[],
        notes: &[],
        files_checked: 2,
    };
    for format in Format::ALL {
        let mut out = Vec::new();
        render(format, &report, &plain(), &mut out).unwrap();
        let out = String::from_utf8(out).unwrap();
        assert!(!out.contains('\r'), "{format}:\n{out}");
        assert!(!out.contains('\t'), "{format}:\n{out}");
        if format == Format::Human {
            assert!(out.contains("web:"), "{out}");
            assert!(out.contains("Found 4 problems"), "{out}");
        }
    }
}
