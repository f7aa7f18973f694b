//! SARIF 2.1.0, for GitHub code scanning and other SARIF viewers.
//!
//! One run; the driver lists every rule the caller passed (plus a bare entry
//! for any code it did not know), so `ruleIndex` always points somewhere.
//! Columns count Unicode code points, which the run declares with
//! `columnKind`. URIs are relative paths with forward slashes, percent-encoded.

use super::sanitize::{self, write_json};
use super::{fingerprint, slash_path, Report, TOOL_NAME, TOOL_VERSION};
use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::meta::RuleMeta;
use crate::source::Span;
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::io::{self, Write};
use std::path::Path;

const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub(crate) fn render(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    // Rules: the known ones in the caller's order, then unknown codes.
    let mut codes: Vec<&str> = report.rules.iter().map(|r| r.code).collect();
    // Each code's first index (the rule a result points at).
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, c) in codes.iter().enumerate() {
        index.entry(c).or_insert(i);
    }
    for d in report.diagnostics {
        if !index.contains_key(d.code) {
            index.insert(d.code, codes.len());
            codes.push(d.code);
        }
    }
    let rules: Vec<Value> = codes
        .iter()
        .map(|code| match report.rule(code) {
            Some(meta) => rule(meta),
            None => json!({ "id": sanitize::text(code) }),
        })
        .collect();

    let mut driver = Map::new();
    driver.insert("name".into(), json!(TOOL_NAME));
    driver.insert("version".into(), json!(TOOL_VERSION));
    driver.insert("semanticVersion".into(), json!(TOOL_VERSION));
    // Filled from Cargo.toml's `repository` when the crate declares one.
    if let Some(uri) = option_env!("CARGO_PKG_REPOSITORY").filter(|s| !s.is_empty()) {
        driver.insert("informationUri".into(), json!(uri));
    }
    driver.insert("rules".into(), Value::Array(rules));

    // Written as `json!` would write the whole document (keys sorted), but
    // each result is built as it is written instead of all of them first.
    let doc = Document {
        report,
        index: &index,
        tool: json!({ "driver": driver }),
    };
    write_json(out, &doc)
}

struct Document<'r, 'a> {
    report: &'r Report<'a>,
    index: &'r HashMap<&'r str, usize>,
    tool: Value,
}

impl Serialize for Document<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("$schema", SCHEMA)?;
        m.serialize_entry("runs", &[Run(self)])?;
        m.serialize_entry("version", "2.1.0")?;
        m.end()
    }
}

struct Run<'d, 'r, 'a>(&'d Document<'r, 'a>);

impl Serialize for Run<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(3))?;
        m.serialize_entry("columnKind", "unicodeCodePoints")?;
        m.serialize_entry("results", &Results(self.0))?;
        m.serialize_entry("tool", &self.0.tool)?;
        m.end()
    }
}

struct Results<'d, 'r, 'a>(&'d Document<'r, 'a>);

impl Serialize for Results<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let report = self.0.report;
        s.collect_seq(report.diagnostics.iter().map(|d| {
            let index = self.0.index.get(d.code).copied().unwrap_or(0);
            result(report, d, index)
        }))
    }
}

fn rule(meta: &RuleMeta) -> Value {
    let mut help = Map::new();
    help.insert("text".into(), json!(meta.summary));
    if !meta.page.trim().is_empty() {
        help.insert("markdown".into(), json!(meta.page));
    }
    let mut rule = json!({
        "id": meta.code,
        "name": meta.name,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": full_description(meta) },
        "help": help,
        "defaultConfiguration": { "level": level(meta.default_severity) },
        "properties": { "tags": [meta.group.name()] },
    });
    if !meta.page.trim().is_empty() {
        rule["helpUri"] = json!(super::rule_url(meta.code, meta.name));
    }
    rule
}

/// The first paragraph of the rule page that is not a heading, else the
/// summary.
fn full_description(meta: &RuleMeta) -> String {
    let mut para: Vec<&str> = Vec::new();
    for line in meta.page.lines() {
        let t = line.trim();
        if t.is_empty() || t.starts_with('#') {
            if !para.is_empty() {
                break;
            }
            continue;
        }
        para.push(t);
    }
    if para.is_empty() {
        meta.summary.to_string()
    } else {
        para.join(" ")
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(report: &Report, d: &Diagnostic, rule_index: usize) -> Value {
    let mut r = Map::new();
    r.insert("ruleId".into(), json!(sanitize::text(d.code)));
    r.insert("ruleIndex".into(), json!(rule_index));
    r.insert("level".into(), json!(level(d.severity)));
    r.insert(
        "message".into(),
        json!({ "text": sanitize::text(&d.message) }),
    );
    r.insert(
        "locations".into(),
        json!([{ "physicalLocation": physical(report, d.span) }]),
    );
    if !d.labels.is_empty() {
        let related: Vec<Value> = d
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| {
                json!({
                    "id": i,
                    "physicalLocation": physical(report, l.span),
                    "message": { "text": sanitize::text(&l.message) },
                })
            })
            .collect();
        r.insert("relatedLocations".into(), Value::Array(related));
    }
    if !d.fixes.is_empty() {
        let fixes: Vec<Value> = d.fixes.iter().map(|f| fix(report, f)).collect();
        r.insert("fixes".into(), Value::Array(fixes));
    }
    r.insert(
        "partialFingerprints".into(),
        json!({ "composeLint/v1": fingerprint(report, d) }),
    );
    let mut props = Map::new();
    if let Some(help) = &d.help {
        props.insert("help".into(), json!(sanitize::text(help)));
    }
    if !d.notes.is_empty() {
        let notes: Vec<_> = d.notes.iter().map(|n| sanitize::text(n)).collect();
        props.insert("notes".into(), json!(notes));
    }
    if !props.is_empty() {
        r.insert("properties".into(), Value::Object(props));
    }
    Value::Object(r)
}

fn fix(report: &Report, f: &crate::diagnostic::Fix) -> Value {
    // One artifactChange per file, in the order files first appear.
    let mut changes: Vec<(crate::source::FileId, Vec<Value>)> = Vec::new();
    for e in &f.edits {
        let replacement = json!({
            "deletedRegion": region(report, e.span),
            // Exact text to insert; unsafe characters become JSON escapes.
            "insertedContent": { "text": e.replacement },
        });
        match changes.iter_mut().find(|(file, _)| *file == e.span.file) {
            Some((_, reps)) => reps.push(replacement),
            None => changes.push((e.span.file, vec![replacement])),
        }
    }
    let changes: Vec<Value> = changes
        .into_iter()
        .map(|(file, reps)| {
            json!({
                "artifactLocation": { "uri": uri(&report.sources.get(file).path) },
                "replacements": reps,
            })
        })
        .collect();
    json!({
        "description": { "text": sanitize::text(&f.title) },
        "artifactChanges": changes,
    })
}

fn physical(report: &Report, span: Span) -> Value {
    json!({
        "artifactLocation": { "uri": uri(report.path(span)) },
        "region": region(report, span),
    })
}

fn region(report: &Report, span: Span) -> Value {
    let (start, end) = report.position(span);
    json!({
        "startLine": start.line,
        "startColumn": start.column,
        "endLine": end.line,
        "endColumn": end.column,
    })
}

/// A URI reference for a path: relative paths stay relative, absolute ones
/// become `file://` URIs; everything but unreserved characters and `/` is
/// percent-encoded (so a control or bidi character in a file name is too).
pub(crate) fn uri(path: &Path) -> String {
    let p = slash_path(path);
    let (prefix, rest) = if p.starts_with('/') {
        ("file://", p.as_str())
    } else if cfg!(windows)
        && p.len() >= 2
        && p.as_bytes()[1] == b':'
        && p.as_bytes()[0].is_ascii_alphabetic()
    {
        // A Windows drive path, `C:/x`.
        ("file:///", p.as_str())
    } else {
        ("", p.as_str())
    };
    let mut out = String::from(prefix);
    for (i, b) in rest.bytes().enumerate() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/')
            || (b == b':' && !prefix.is_empty() && i == 1);
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::uri;
    use std::path::Path;

    #[test]
    fn uris() {
        assert_eq!(
            uri(Path::new("./a b/docker-compose.yml")),
            "a%20b/docker-compose.yml"
        );
        assert_eq!(uri(Path::new("dir/x\u{202E}y.yml")), "dir/x%E2%80%AEy.yml");
        if !cfg!(windows) {
            assert_eq!(
                uri(Path::new("/srv/app/compose.yaml")),
                "file:///srv/app/compose.yaml"
            );
        }
        // Not a scheme: the colon is encoded.
        assert_eq!(uri(Path::new("c:d.yml")), "c%3Ad.yml");
        assert_eq!(uri(Path::new("100%.yml")), "100%25.yml");
    }
}
