//! Inline suppression comments.
//!
//! ```yaml
//! # compose-lint: disable-next-line M101,X301 -- the entrypoint chowns /data
//! # compose-lint: disable-line S006
//! # compose-lint: disable-file P001
//! ```
//!
//! With no codes, every rule is suppressed at that place. A suppression that
//! suppresses nothing is itself reported (S015), so stale ones do not pile
//! up.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix};
use crate::source::{SourceMap, Span};
use crate::yaml::Tree;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Scope {
    /// A 1-based line.
    Line(usize),
    File,
}

#[derive(Debug)]
struct Suppression {
    scope: Scope,
    /// Empty: all codes.
    codes: Vec<String>,
    span: Span,
    used: bool,
}

/// An S006/S007 finding that stands for every use of one variable (see
/// `load::envhints::regroup`): its labels are the other uses.
fn is_grouped_uses(d: &Diagnostic) -> bool {
    matches!(d.code, "S006" | "S007")
        && !d.labels.is_empty()
        && d.labels
            .iter()
            .all(|l| l.message.ends_with("is used here too"))
}

/// The ` (N uses)` suffix after some uses were suppressed.
fn recount_uses(d: &mut Diagnostic) {
    if let Some(i) = d.message.rfind(" (") {
        let tail = &d.message[i + 2..];
        if tail.ends_with(" uses)") && tail[..tail.len() - 6].bytes().all(|b| b.is_ascii_digit()) {
            d.message.truncate(i);
        }
    }
    if !d.labels.is_empty() {
        let n = d.labels.len() + 1;
        d.message.push_str(&format!(" ({n} uses)"));
    }
}

/// Removes suppressed diagnostics from `diags` and appends S015 for every
/// suppression comment that matched nothing. Only comments of files in
/// `trees` are considered. `may_fire(code)` says whether a code could have
/// been reported in this run: a suppression that names only rules turned
/// off (by `--select`, `ignore` or `severity = "off"`) is not unused, just
/// idle, and is not reported.
pub fn apply(
    diags: &mut Vec<Diagnostic>,
    trees: &[Tree],
    sources: &SourceMap,
    may_fire: &dyn Fn(&str) -> bool,
) {
    let mut sups: Vec<Suppression> = Vec::new();
    for tree in trees {
        let file = sources.get(tree.file);
        for c in &tree.comments {
            let Some((scope, codes)) = parse_comment(&c.text) else {
                continue;
            };
            let line = file.line_col(c.span.start as usize).line;
            let scope = match scope {
                "disable-next-line" => Scope::Line(line + 1),
                "disable-line" => Scope::Line(line),
                _ => Scope::File,
            };
            sups.push(Suppression {
                scope,
                codes,
                span: c.span,
                used: false,
            });
        }
    }
    if sups.is_empty() {
        return;
    }
    let suppressed_at = |sups: &mut Vec<Suppression>, span: Span, code: &str| {
        let line = sources.get(span.file).line_col(span.start as usize).line;
        let mut hit = false;
        for s in sups.iter_mut() {
            if s.span.file != span.file {
                continue;
            }
            let place = match s.scope {
                Scope::File => true,
                Scope::Line(l) => l == line,
            };
            let code = s.codes.is_empty() || s.codes.iter().any(|c| c.eq_ignore_ascii_case(code));
            if place && code {
                s.used = true;
                hit = true;
            }
        }
        hit
    };
    diags.retain_mut(|d| {
        let primary = suppressed_at(&mut sups, d.span, d.code);
        if !is_grouped_uses(d) {
            return !primary;
        }
        // A variable's uses are one finding (the first use, the others as
        // labels): a comment at any use suppresses that use, and the
        // finding goes when none is left.
        let code = d.code;
        d.labels.retain(|l| !suppressed_at(&mut sups, l.span, code));
        if primary {
            if d.labels.is_empty() {
                return false;
            }
            let next = d.labels.remove(0);
            d.span = next.span;
        }
        recount_uses(d);
        true
    });
    let idle = |s: &Suppression| !s.codes.is_empty() && !s.codes.iter().any(|c| may_fire(c));
    for s in sups.iter().filter(|s| !s.used && !idle(s)) {
        let what = if s.codes.is_empty() {
            "any problem".to_string()
        } else {
            s.codes.join(", ")
        };
        let mut d = Diagnostic::info(
            "S015",
            s.span,
            format!(
                "this suppression comment suppresses nothing ({what} not found where it applies)"
            ),
        )
        .help("remove the comment, or fix its codes or its placement");
        if let Some(span) = removal(sources, s.span) {
            // Safe: a comment changes nothing Compose does.
            d = d.fix(Fix {
                title: "remove the suppression comment".into(),
                edits: vec![Edit {
                    span,
                    replacement: String::new(),
                }],
                applicability: Applicability::Safe,
            });
        }
        diags.push(d);
    }
}

/// What to delete to remove a comment: its whole line when it is alone on
/// it, else the comment and the blanks before it.
fn removal(sources: &SourceMap, comment: Span) -> Option<Span> {
    let text = &*sources.get(comment.file).text;
    let (start, end) = (comment.start as usize, comment.end as usize);
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = &text[line_start..start];
    if before.chars().all(|c| c == ' ' || c == '\t') {
        let line_end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
        if !text[end..line_end].trim().is_empty() {
            return None;
        }
        return Some(Span::new(comment.file, line_start, line_end));
    }
    let blanks = before.len() - before.trim_end_matches([' ', '\t']).len();
    // The end of the line stays: `\r\n` or `\n` is not part of the comment.
    let end = end - text[start..end].len() + text[start..end].trim_end_matches('\r').len();
    Some(Span::new(comment.file, start - blanks, end))
}

/// `compose-lint: disable-next-line A,B -- reason` -> (directive, codes).
fn parse_comment(text: &str) -> Option<(&'static str, Vec<String>)> {
    let rest = text.trim().strip_prefix("compose-lint:")?.trim();
    let rest = rest.split(" -- ").next().unwrap_or(rest).trim();
    let (directive, codes) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let directive = match directive {
        "disable-next-line" => "disable-next-line",
        "disable-line" => "disable-line",
        "disable-file" => "disable-file",
        _ => return None,
    };
    let codes = codes
        .split([',', ' '])
        .map(str::trim)
        .filter(|c| !c.is_empty() && *c != "--")
        .map(str::to_string)
        .collect();
    Some((directive, codes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_forms() {
        assert_eq!(
            parse_comment(" compose-lint: disable-next-line M101,X301 -- reason"),
            Some(("disable-next-line", vec!["M101".into(), "X301".into()]))
        );
        assert_eq!(
            parse_comment("compose-lint: disable-line S006"),
            Some(("disable-line", vec!["S006".into()]))
        );
        assert_eq!(
            parse_comment("compose-lint: disable-file"),
            Some(("disable-file", vec![]))
        );
        assert_eq!(parse_comment("compose-lint: enable-all"), None);
        assert_eq!(parse_comment("just a comment"), None);
    }
}
