//! The HTML format: one self-contained page to open in a browser or keep
//! as a CI artifact.
//!
//! - a summary by severity and by rule;
//! - per file, each finding with its code frame, evidence notes and fixes;
//! - per service, the image facts the findings used.
//!
//! The page loads nothing: the CSS is inline, there are no fonts, images or
//! scripts, and a Content-Security-Policy (`default-src 'none'`) tells the
//! browser to refuse any that would appear. Every piece of text from a
//! linted file goes through [`sanitize`] (controls, bidi, workflow
//! commands) and then [`escape`] (`& < > " '`), so a key like
//! `<script>alert(1)</script>` is shown as text and never becomes markup.
//! Code frames are the human format's (see `human.rs`), escaped the same
//! way; no attribute value or id is made from linted text.

use super::human::{clamp, edit_lines, summary, Frames};
use super::sanitize;
use super::Report;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::source::{FileId, SourceFile};
use miette::LabeledSpan;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

/// How many lines of a fix's before/after text to show (a page has room
/// for twice the human format's).
const PREVIEW_LINES: usize = 8;

/// A note that cites the image facts a rule used starts with this.
const FACTS_PREFIX: &str = "image facts: ";

const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1f2328;--bg:#fff;--muted:#59636e;--line:#d1d9e0;--code:#f6f8fa;\
--error:#cf222e;--warning:#9a6700;--info:#0969da;--add:#1a7f37;--del:#cf222e}\
@media (prefers-color-scheme:dark){:root{--fg:#e6edf3;--bg:#0d1117;--muted:#9198a1;--line:#3d444d;\
--code:#151b23;--error:#ff7b72;--warning:#d29922;--info:#58a6ff;--add:#3fb950;--del:#ff7b72}}\
*{box-sizing:border-box}\
body{margin:0 auto;max-width:1100px;padding:1.5rem;font:15px/1.5 system-ui,-apple-system,\"Segoe UI\",sans-serif;\
color:var(--fg);background:var(--bg)}\
h1{font-size:1.6rem;margin:0 0 .25rem}h2{font-size:1.3rem;border-bottom:1px solid var(--line);\
padding-bottom:.3rem;margin-top:2rem}h3{font-size:1.1rem;margin:1.5rem 0 .5rem}\
code,pre{font:13px/1.45 ui-monospace,\"SFMono-Regular\",Menlo,Consolas,monospace}\
pre{background:var(--code);border:1px solid var(--line);border-radius:6px;padding:.6rem .8rem;\
overflow-x:auto;margin:.5rem 0;white-space:pre}\
table{border-collapse:collapse;margin:.5rem 0}th,td{border:1px solid var(--line);padding:.3rem .7rem;\
text-align:left;vertical-align:top}th{background:var(--code)}td.n{text-align:right}\
.muted{color:var(--muted)}\
.sev{display:inline-block;font-weight:600;border-radius:4px;padding:0 .4rem;color:#fff;font-size:.85em}\
.sev-error{background:var(--error)}.sev-warning{background:var(--warning)}.sev-info{background:var(--info)}\
.finding{border:1px solid var(--line);border-left-width:4px;border-radius:6px;padding:.6rem 1rem;margin:1rem 0}\
.finding.error{border-left-color:var(--error)}.finding.warning{border-left-color:var(--warning)}\
.finding.info{border-left-color:var(--info)}\
.finding h4{margin:0;font-size:1rem}.finding .msg{margin:.3rem 0}.loc{font-size:.9em}\
.help{margin:.4rem 0}.help b,.fix b{font-weight:600}\
ul.notes{margin:.3rem 0;padding-left:1.2rem}ul.notes li{margin:.15rem 0}\
.fix{margin:.5rem 0}.fix .kind{font-size:.85em;border:1px solid var(--line);border-radius:4px;padding:0 .3rem}\
.add{color:var(--add)}.del{color:var(--del)}\
.service{margin:1rem 0}.service ul{margin:.3rem 0;padding-left:1.2rem}\
footer{margin-top:2rem;color:var(--muted);font-size:.85em}";

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut h = String::with_capacity(16 * 1024);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
    );
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"generator\" content=\"compose-lint ");
    h.push_str(super::TOOL_VERSION);
    h.push_str("\">\n<title>compose-lint report</title>\n<style>");
    h.push_str(STYLE);
    h.push_str("</style>\n</head>\n<body>\n<header>\n<h1>compose-lint report</h1>\n");
    let _ = writeln!(h, "<p id=\"result\">{}</p>", lines(&summary(report)));
    h.push_str("</header>\n");

    summary_section(report, &mut h);
    notes_section(report, &mut h);
    files_section(report, &mut h);
    services_section(report, &mut h);

    let _ = writeln!(
        h,
        "<footer>compose-lint {} · {} checked</footer>\n</body>\n</html>",
        super::TOOL_VERSION,
        plural(report.files_checked, "file", "files")
    );
    out.write_all(h.as_bytes())
}

/// `&`, `<`, `>`, `"` and `'` as character references: safe in element
/// content and in quoted attribute values.
pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Text from a linted file (or a message quoting it), made safe for HTML.
fn text(s: &str) -> String {
    escape(&sanitize::text(s))
}

/// Our own multi-line text (the summary), one `<br>` per line break.
fn lines(s: &str) -> String {
    s.lines().map(text).collect::<Vec<_>>().join("<br>")
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn sev_badge(s: Severity) -> String {
    format!("<span class=\"sev sev-{0}\">{0}</span>", s.as_str())
}

fn summary_section(report: &Report, h: &mut String) {
    h.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
    let c = report.counts();
    h.push_str("<table id=\"by-severity\">\n<tr><th>severity</th><th>findings</th></tr>\n");
    for (sev, n) in [
        (Severity::Error, c.errors),
        (Severity::Warning, c.warnings),
        (Severity::Info, c.infos),
    ] {
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td class=\"n\">{n}</td></tr>",
            sev_badge(sev)
        );
    }
    h.push_str("</table>\n");

    // Per rule: count, the highest severity it was reported at, and a link
    // to its first finding.
    let mut rules: BTreeMap<&str, (usize, Severity, usize)> = BTreeMap::new();
    for (i, d) in report.diagnostics.iter().enumerate() {
        let e = rules.entry(d.code).or_insert((0, d.severity, i));
        e.0 += 1;
        e.1 = e.1.max(d.severity);
    }
    if rules.is_empty() {
        h.push_str("<p>No findings.</p>\n");
    } else {
        let mut rows: Vec<_> = rules.into_iter().collect();
        rows.sort_by(|a, b| {
            b.1 .1
                .cmp(&a.1 .1)
                .then(b.1 .0.cmp(&a.1 .0))
                .then(a.0.cmp(b.0))
        });
        h.push_str(
            "<table id=\"by-rule\">\n<tr><th>rule</th><th>name</th><th>severity</th><th>findings</th></tr>\n",
        );
        for (code, (n, sev, first)) in rows {
            let _ = writeln!(
                h,
                "<tr><td><a href=\"#finding-{first}\"><code>{}</code></a></td><td>{}</td><td>{}</td><td class=\"n\">{n}</td></tr>",
                text(code),
                escape(report.rule_name(code)),
                sev_badge(sev)
            );
        }
        h.push_str("</table>\n");
    }
    h.push_str("</section>\n");
}

fn notes_section(report: &Report, h: &mut String) {
    if report.notes.is_empty() {
        return;
    }
    h.push_str("<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n");
    for n in report.notes {
        let _ = writeln!(
            h,
            "<li><code>{}</code>: {}</li>",
            escape(&sanitize::path(&n.path)),
            text(&n.message)
        );
    }
    h.push_str("</ul>\n</section>\n");
}

fn files_section(report: &Report, h: &mut String) {
    if report.diagnostics.is_empty() {
        return;
    }
    h.push_str("<section id=\"files\">\n<h2>Findings by file</h2>\n");
    // Files in the order of their first finding (the caller sorted them).
    let mut order: Vec<FileId> = Vec::new();
    for d in report.diagnostics {
        if !order.contains(&d.span.file) {
            order.push(d.span.file);
        }
    }
    let mut frames = Frames::new(report, false);
    for file in order {
        let path = escape(&sanitize::path(&report.sources.get(file).path));
        let n = report
            .diagnostics
            .iter()
            .filter(|d| d.span.file == file)
            .count();
        let _ = writeln!(
            h,
            "<section class=\"file\">\n<h3><code>{path}</code> <span class=\"muted\">({})</span></h3>",
            plural(n, "finding", "findings")
        );
        for (i, d) in report.diagnostics.iter().enumerate() {
            if d.span.file == file {
                finding(report, i, d, &mut frames, h);
            }
        }
        h.push_str("</section>\n");
    }
    h.push_str("</section>\n");
}

fn finding(report: &Report, index: usize, d: &Diagnostic, frames: &mut Frames, h: &mut String) {
    let sev = d.severity.as_str();
    let (start, _) = report.position(d.span);
    let _ = writeln!(
        h,
        "<article class=\"finding {sev}\" id=\"finding-{index}\">\n<h4>{} <code>{}</code> {}</h4>",
        sev_badge(d.severity),
        text(d.code),
        escape(report.rule_name(d.code))
    );
    let _ = writeln!(h, "<p class=\"msg\">{}</p>", text(&d.message));
    let _ = writeln!(
        h,
        "<p class=\"loc muted\"><code>{}:{}:{}</code></p>",
        escape(&sanitize::path(report.path(d.span))),
        start.line,
        start.column
    );

    // The code frames, as the human format draws them (no colour).
    let mut by_file: BTreeMap<FileId, Vec<LabeledSpan>> = BTreeMap::new();
    let primary_label = d
        .labels
        .iter()
        .find(|l| l.span == d.span)
        .map(|l| sanitize::text(&l.message).into_owned())
        .unwrap_or_else(|| "here".to_string());
    let primary_text = &report.sources.get(d.span.file).text;
    by_file.insert(
        d.span.file,
        vec![LabeledSpan::new_primary_with_span(
            Some(primary_label),
            clamp(primary_text, d.span),
        )],
    );
    for l in d.labels.iter().filter(|l| l.span != d.span) {
        let t = &report.sources.get(l.span.file).text;
        by_file
            .entry(l.span.file)
            .or_default()
            .push(LabeledSpan::new_with_span(
                Some(sanitize::text(&l.message).into_owned()),
                clamp(t, l.span),
            ));
    }
    let mut frame = String::new();
    if let Some(labels) = by_file.remove(&d.span.file) {
        frame.push_str(&frames.render(d.span.file, false, labels));
    }
    for (file, labels) in by_file {
        frame.push_str(&frames.render(file, true, labels));
    }
    if !frame.trim().is_empty() {
        let _ = writeln!(
            h,
            "<pre class=\"frame\">{}</pre>",
            escape(frame.trim_end_matches('\n'))
        );
    }

    if let Some(help) = &d.help {
        let _ = writeln!(h, "<p class=\"help\"><b>help:</b> {}</p>", text(help));
    }
    if !d.notes.is_empty() {
        h.push_str("<ul class=\"notes\">\n");
        for n in &d.notes {
            let _ = writeln!(h, "<li>{}</li>", text(n));
        }
        h.push_str("</ul>\n");
    }
    for fix in &d.fixes {
        let kind = match fix.applicability {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display only",
        };
        let _ = writeln!(
            h,
            "<div class=\"fix\"><p><b>fix</b> <span class=\"kind\">{kind}</span> {}</p>",
            text(&fix.title)
        );
        let mut diff = String::new();
        for edit in &fix.edits {
            let file = report.sources.get(edit.span.file);
            if edit.span.file != d.span.file {
                let _ = writeln!(diff, "--> {}", escape(&sanitize::path(&file.path)));
            }
            let (line, before, after) = edit_lines(file, edit);
            let width = (line + before.len().max(after.len()))
                .to_string()
                .len()
                .max(3);
            side(&before, line, width, '-', &mut diff);
            side(&after, line, width, '+', &mut diff);
        }
        let _ = writeln!(
            h,
            "<pre class=\"diff\">{}</pre></div>",
            diff.trim_end_matches('\n')
        );
    }
    h.push_str("</article>\n");
}

/// One side of a fix preview, each line escaped and classed.
fn side(lines: &[String], first: usize, width: usize, sign: char, out: &mut String) {
    let class = if sign == '-' { "del" } else { "add" };
    for (i, l) in lines.iter().take(PREVIEW_LINES).enumerate() {
        let _ = writeln!(
            out,
            "<span class=\"{class}\">{:>width$} {sign} {}</span>",
            first + i,
            text(l)
        );
    }
    if lines.len() > PREVIEW_LINES {
        let _ = writeln!(
            out,
            "{:>width$} {sign} … {} more lines",
            "",
            lines.len() - PREVIEW_LINES
        );
    }
}

/// A service of a Compose file: its name, the byte range of its entry
/// (key to the end of its value) and its `image:` as written.
struct ServiceSpan {
    name: String,
    start: u32,
    end: u32,
    image: Option<String>,
}

/// The services a file defines, read again from its text (the report has
/// only the text): a finding belongs to the service whose entry holds it.
fn services_of(file: &SourceFile) -> Vec<ServiceSpan> {
    let (tree, _) = crate::yaml::parse(file.id, &file.text, &crate::yaml::Limits::default());
    let Some(root) = tree.root else {
        return Vec::new();
    };
    let Some(services) = tree.get(root, "services") else {
        return Vec::new();
    };
    let Some(map) = tree.as_mapping(services.value) else {
        return Vec::new();
    };
    map.entries
        .iter()
        .filter(|e| e.via.is_none())
        .filter_map(|e| {
            let name = tree.key_str(e.key)?.to_string();
            let start = tree.node(e.key).span.start;
            let end = tree.node(e.value).span.end.max(tree.node(e.key).span.end);
            let image = tree
                .get(e.value, "image")
                .and_then(|i| tree.as_scalar(i.value))
                .map(|s| s.value.to_string());
            Some(ServiceSpan {
                name,
                start,
                end,
                image,
            })
        })
        .collect()
}

fn services_section(report: &Report, h: &mut String) {
    // (file, service) -> image, facts in first-use order, finding indexes.
    type Entry = (Option<String>, Vec<String>, Vec<usize>);
    let mut groups: Vec<((FileId, String), Entry)> = Vec::new();
    let mut parsed: BTreeMap<FileId, Vec<ServiceSpan>> = BTreeMap::new();
    for (i, d) in report.diagnostics.iter().enumerate() {
        let facts: Vec<&str> = d
            .notes
            .iter()
            .filter_map(|n| n.strip_prefix(FACTS_PREFIX))
            .collect();
        if facts.is_empty() {
            continue;
        }
        let spans = parsed
            .entry(d.span.file)
            .or_insert_with(|| services_of(report.sources.get(d.span.file)));
        let svc = spans
            .iter()
            .filter(|s| s.start <= d.span.start && d.span.end <= s.end)
            .min_by_key(|s| s.end - s.start);
        let (name, image) = match svc {
            Some(s) => (s.name.clone(), s.image.clone()),
            None => (String::new(), None),
        };
        let key = (d.span.file, name);
        let at = match groups.iter().position(|(k, _)| *k == key) {
            Some(at) => at,
            None => {
                groups.push((key, (image, Vec::new(), Vec::new())));
                groups.len() - 1
            }
        };
        let entry = &mut groups[at].1;
        for f in facts {
            if !entry.1.iter().any(|x| x == f) {
                entry.1.push(f.to_string());
            }
        }
        entry.2.push(i);
    }
    h.push_str("<section id=\"services\">\n<h2>Image facts by service</h2>\n");
    if groups.is_empty() {
        h.push_str("<p>No finding used image facts.</p>\n</section>\n");
        return;
    }
    h.push_str(
        "<p class=\"muted\">The facts about each service's image that the findings above rely on, with where each came from (see <code>compose-lint images</code> for all of them).</p>\n",
    );
    for ((file, name), (image, facts, used_by)) in groups {
        let path = escape(&sanitize::path(&report.sources.get(file).path));
        let title = if name.is_empty() {
            "(outside a service)".to_string()
        } else {
            format!("service <code>{}</code>", text(&name))
        };
        let _ = writeln!(
            h,
            "<div class=\"service\">\n<h3>{title} <span class=\"muted\">in <code>{path}</code></span></h3>"
        );
        if let Some(image) = image {
            let _ = writeln!(h, "<p>image <code>{}</code></p>", text(&image));
        }
        h.push_str("<ul>\n");
        for f in facts {
            let _ = writeln!(h, "<li>{}</li>", text(&f));
        }
        h.push_str("</ul>\n<p class=\"muted\">used by ");
        let links: Vec<String> = used_by
            .iter()
            .map(|&i| {
                format!(
                    "<a href=\"#finding-{i}\">{}</a>",
                    text(report.diagnostics[i].code)
                )
            })
            .collect();
        h.push_str(&links.join(", "));
        h.push_str("</p>\n</div>\n");
    }
    h.push_str("</section>\n");
}
