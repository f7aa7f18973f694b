//! Diagnostics: what is wrong, where, why it breaks, and how to fix it.
//!
//! Every stage (loader, rules) reports through this one type. Rendering to a
//! terminal, JSON, SARIF and the CI formats lives in `report/`.

use crate::source::{FileId, Span};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// How safe it is to apply a fix without a human looking at it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the meaning the author intended; `--fix` may apply it.
    Safe,
    /// Changes behaviour or may need adjusting; applied only with `--unsafe-fixes`.
    Unsafe,
    /// Shown to the user, never applied automatically.
    DisplayOnly,
}

/// Replace the text at `span` with `replacement`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    pub span: Span,
    pub replacement: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Fix {
    pub title: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
}

/// A secondary location: the first of two duplicate keys, the anchor a value
/// came through, the file a merged value was set in.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// Rule code, e.g. `S002`.
    pub code: &'static str,
    pub severity: Severity,
    /// What breaks, in one sentence.
    pub message: String,
    /// The key or value at fault.
    pub span: Span,
    pub labels: Vec<Label>,
    /// What to change.
    pub help: Option<String>,
    /// Evidence and background, one line each.
    pub notes: Vec<String>,
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    pub fn new(
        code: &'static str,
        severity: Severity,
        span: Span,
        message: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message: message.into(),
            span,
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            fixes: Vec::new(),
        }
    }

    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Error, span, message)
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Warning, span, message)
    }

    pub fn info(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(code, Severity::Info, span, message)
    }

    pub fn label(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Diagnostic {
        self.notes.push(note.into());
        self
    }

    pub fn fix(mut self, fix: Fix) -> Diagnostic {
        self.fixes.push(fix);
        self
    }
}

impl Diagnostic {
    /// Moves the spans in file `from` to file `to` (a parse handed from
    /// one load to another that numbers the file differently).
    pub fn move_file(&mut self, from: FileId, to: FileId) {
        let mv = |s: &mut Span| {
            if s.file == from {
                s.file = to;
            }
        };
        mv(&mut self.span);
        for l in &mut self.labels {
            mv(&mut l.span);
        }
        for f in &mut self.fixes {
            for e in &mut f.edits {
                mv(&mut e.span);
            }
        }
    }

    /// Moves every span to another file numbering (see `SourceMap::append`).
    pub fn shift_files(&mut self, offset: u32) {
        self.span.file = self.span.file.shifted(offset);
        for l in &mut self.labels {
            l.span.file = l.span.file.shifted(offset);
        }
        for f in &mut self.fixes {
            for e in &mut f.edits {
                e.span.file = e.span.file.shifted(offset);
            }
        }
    }
}
