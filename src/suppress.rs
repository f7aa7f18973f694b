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
    diags.retain(|d| {
        let line = sources
            .get(d.span.file)
            .line_col(d.span.start as usize)
            .line;
        let mut keep = true;
        for s in sups.iter_mut() {
            if s.span.file != d.span.file {
                continue;
            }
            let place = match s.scope {
                Scope::File => true,
                Scope::Line(l) => l == line,
            };
            let code = s.codes.is_empty() || s.codes.iter().any(|c| c.eq_ignore_ascii_case(d.code));
            if place && code {
                s.used = true;
                keep = false;
            }
        }
        keep
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
