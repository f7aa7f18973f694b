//! Rendering diagnostics in every output format.
//!
//! The caller lints, sorts the diagnostics and hands a [`Report`] to
//! [`render`] with the format the user chose. Each format lives in its own
//! file; all of them take text from linted files only through [`sanitize`],
//! because a Compose file is untrusted input that ends up in terminals, CI
//! logs and other tools' UIs.

pub mod sanitize;

mod checkstyle;
mod concise;
mod github;
mod gitlab;
mod html;
mod human;
mod json;
mod junit;
pub mod markdown;
mod sarif;

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::meta::RuleMeta;
use crate::source::{SourceMap, Span};
use std::path::{Path, PathBuf};

/// Output formats, named as on the command line (`--format sarif`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, clap::ValueEnum)]
pub enum Format {
    /// Code frames for a terminal.
    Human,
    /// compose-lint's own versioned JSON document (docs/json-format.md).
    Json,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
    /// JUnit XML, one test suite per file.
    Junit,
    /// Checkstyle XML.
    Checkstyle,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// One self-contained HTML page (inline CSS, no scripts).
    Html,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Junit,
        Format::Checkstyle,
        Format::Gitlab,
        Format::Html,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Junit => "junit",
            Format::Checkstyle => "checkstyle",
            Format::Gitlab => "gitlab",
            Format::Html => "html",
        }
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                let names: Vec<_> = Format::ALL.iter().map(|f| f.as_str()).collect();
                format!(
                    "unknown format `{s}`; expected one of: {}",
                    names.join(", ")
                )
            })
    }
}

/// Everything a format needs to know about one run.
pub struct Report<'a> {
    /// All files; `Diagnostic.span.file` indexes into it.
    pub sources: &'a SourceMap,
    /// Already sorted by the caller.
    pub diagnostics: &'a [Diagnostic],
    /// Metadata for every code that may appear. A code missing here still
    /// renders, just without a rule name.
    pub rules: &'a [RuleMeta],
    /// Per-file remarks, e.g. "linted as an overlay of docker-compose.yml".
    pub notes: &'a [FileNote],
    pub files_checked: usize,
}

/// A remark about a whole file, not a problem in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileNote {
    pub path: PathBuf,
    pub message: String,
}

/// Options only the human format reads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HumanOptions {
    /// ANSI colours; the caller decides from --color, NO_COLOR and the tty.
    pub color: bool,
    /// Only the diagnostics: no file notes, no summary line.
    pub quiet: bool,
    /// A count per rule code at the end.
    pub statistics: bool,
    /// `--output-format concise`: one line per finding.
    pub concise: bool,
    /// Columns to wrap the full format to; 0 means 100.
    pub width: usize,
}

/// About how many bytes `report` takes in `format`, a little more rather
/// than less (measured: about 1.0-1.3 KB a finding in JSON, 1.7 KB in
/// SARIF, 0.55 KB in the human format): a buffer of this capacity holds
/// the report without growing. Growing a buffer of megabytes copies it
/// into fresh memory each time, which the kernel must clear first.
pub fn size_hint(format: Format, report: &Report) -> usize {
    let per_finding = match format {
        Format::Json | Format::Gitlab => 1536,
        Format::Sarif | Format::Html => 2048,
        _ => 768,
    };
    16 * 1024 + report.diagnostics.len() * per_finding
}

/// Write `report` to `out` in `format`.
pub fn render(
    format: Format,
    report: &Report,
    human: &HumanOptions,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    match format {
        Format::Human if human.concise => concise::render(report, human, out),
        Format::Human => human::render(report, human, out),
        Format::Json => json::render(report, out),
        Format::Sarif => sarif::render(report, out),
        Format::Github => github::render(report, out),
        Format::Junit => junit::render(report, out),
        Format::Checkstyle => checkstyle::render(report, out),
        Format::Gitlab => gitlab::render(report, out),
        Format::Html => html::render(report, out),
    }
}

/// The rule's page in the repository: `rules/<CODE>-<name>.md`.
pub fn rule_url(code: &str, name: &str) -> String {
    format!(
        "{}/blob/main/rules/{code}-{name}.md",
        env!("CARGO_PKG_REPOSITORY")
    )
}

pub(crate) const TOOL_NAME: &str = "compose-lint";
pub(crate) const TOOL_VERSION: &str = env!("CARGO_PKG_VERSION");

impl Report<'_> {
    pub(crate) fn rule(&self, code: &str) -> Option<&RuleMeta> {
        self.rules.iter().find(|r| r.code == code)
    }

    /// The rule name for `code`, or "" when the code is unknown.
    pub(crate) fn rule_name(&self, code: &str) -> &'static str {
        self.rule(code).map(|r| r.name).unwrap_or("")
    }

    pub(crate) fn path(&self, span: Span) -> &Path {
        &self.sources.get(span.file).path
    }

    /// Start and end as 1-based line and character column.
    pub(crate) fn position(&self, span: Span) -> (Pos, Pos) {
        let file = self.sources.get(span.file);
        let text = &*file.text;
        let at = |offset: usize| {
            let lc = file.line_col(offset);
            Pos {
                line: lc.line,
                column: lc.col,
                offset: offset.min(text.len()),
            }
        };
        let start = at(span.start as usize);
        let end = (span.end as usize).min(text.len());
        // An end on the start's line (most spans): its column is the
        // start's plus the characters between, without a second search.
        if end >= start.offset {
            let between = &text.as_bytes()[floor_char(text, start.offset)..floor_char(text, end)];
            if memchr::memchr(b'\n', between).is_none() {
                let chars = between.iter().filter(|&&b| (b as i8) >= -0x40).count();
                let end = Pos {
                    line: start.line,
                    column: start.column + chars,
                    offset: end,
                };
                return (start, end);
            }
        }
        (start, at(span.end as usize))
    }

    pub(crate) fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for d in self.diagnostics {
            match d.severity {
                Severity::Error => c.errors += 1,
                Severity::Warning => c.warnings += 1,
                Severity::Info => c.infos += 1,
            }
        }
        c
    }

    /// How many findings `--fix` would fix, and how many more
    /// `--fix --unsafe-fixes` would.
    pub(crate) fn fixable(&self) -> Fixable {
        use crate::diagnostic::Applicability;
        let mut f = Fixable::default();
        for d in self.diagnostics {
            let has = |a| d.fixes.iter().any(|x| x.applicability == a);
            if has(Applicability::Safe) {
                f.safe += 1;
            } else if has(Applicability::Unsafe) {
                f.r#unsafe += 1;
            }
        }
        f
    }
}

/// Findings with a fix `--fix` applies (`safe`), and those whose only
/// applicable fix needs `--unsafe-fixes` as well (`unsafe`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Fixable {
    pub safe: usize,
    pub r#unsafe: usize,
}

/// The char boundary at or before `i` (`i` at most `s.len()`).
fn floor_char(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// A point in a file: 1-based line, 1-based character column, byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Pos {
    pub line: usize,
    pub column: usize,
    pub offset: usize,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub(crate) struct Counts {
    pub errors: usize,
    pub warnings: usize,
    pub infos: usize,
}

/// A path with forward slashes and no leading `./`, for formats read by
/// web UIs that match it against the repository tree (SARIF, GitLab).
pub(crate) fn slash_path(p: &Path) -> String {
    let s = p.to_string_lossy();
    let s = if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    };
    let mut s = s.as_str();
    while let Some(rest) = s.strip_prefix("./") {
        s = rest;
    }
    s.to_string()
}

/// A stable identity for a diagnostic across runs: FNV-1a (128 bit) of the
/// file, code, line and message, as 32 hex digits. Used by GitLab to track an
/// issue between pipelines and as a SARIF partial fingerprint.
pub(crate) fn fingerprint(report: &Report, d: &Diagnostic) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013B;
    let (start, _) = report.position(d.span);
    let line = start.line.to_string();
    let path = slash_path(report.path(d.span));
    let mut h = OFFSET;
    for part in [
        path.as_bytes(),
        d.code.as_bytes(),
        line.as_bytes(),
        d.message.as_bytes(),
    ] {
        for &b in part.iter().chain(std::iter::once(&0u8)) {
            h ^= b as u128;
            h = h.wrapping_mul(PRIME);
        }
    }
    format!("{h:032x}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceMap;
    use std::path::PathBuf;

    /// An end placed from its start's line and column, when both are on
    /// one line, is where searching for it places it: every span of texts
    /// with multi-byte characters, CRLF and empty lines, ends before the
    /// start and past the text included.
    #[test]
    fn position_places_the_end_as_searching_does() {
        let texts = ["", "a", "\n", "a: é😀x\r\nb\n\nc: 1", "x\n\ny\nzé\n"];
        for text in texts {
            let mut sources = SourceMap::new();
            let id = sources.add(PathBuf::from("x.yml"), text);
            let report = Report {
                sources: &sources,
                diagnostics: &[],
                rules: &[],
                notes: &[],
                files_checked: 1,
            };
            let file = sources.get(id);
            let at = |offset: usize| {
                let lc = file.line_col(offset);
                Pos {
                    line: lc.line,
                    column: lc.col,
                    offset: offset.min(text.len()),
                }
            };
            for start in 0..=text.len() + 1 {
                for end in 0..=text.len() + 1 {
                    // Not `Span::new`, which moves an end before the start.
                    let span = Span {
                        file: id,
                        start: start as u32,
                        end: end as u32,
                    };
                    assert_eq!(
                        report.position(span),
                        (at(start), at(end)),
                        "{text:?} {start}..{end}"
                    );
                }
            }
        }
    }
}
