//! The pipeline's last stage: applying fixes (`--fix`, `--unsafe-fixes`,
//! `--diff`).
//!
//! A fix is a list of exact edits on the text compose-lint read; everything
//! outside the edits stays byte for byte (comments, quoting, indentation,
//! key order, line endings, a BOM). Fixes are chosen in report order; one
//! whose edits overlap an edit already chosen waits for the next pass. After
//! each pass the project is linted again from the edited text, and the pass
//! is kept only when the text still parses and loads, every fixed finding is
//! gone and no finding appears that was not there before; otherwise the
//! pass is bisected until a prefix of its fixes passes or a single fix
//! fails, which is refused with the reason. Passes repeat until no fix is
//! left, at most [`MAX_PASSES`] times (and [`MAX_LINTS`] lints).
//! Nothing here writes a file: [`run`] returns the new texts and the caller
//! writes them (atomically) or prints a diff.
//!
//! An edit is refused, with the reason, when it touches text that stands for
//! more than one place or is not the value Compose sees: an anchored node
//! that an alias reuses, the value of a `<<` merge key, or an interpolated
//! scalar (`${VAR}`). A rule whose fix is right in those places too (it only
//! respells a scalar) is listed in [`SHARED_TEXT_OK`].

pub mod diff;

use std::collections::{BTreeMap, HashSet};
use std::ops::Range;
use std::path::PathBuf;

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::lint::JobResult;
use crate::load::project::absolute;
use crate::source::{FileId, SourceMap};
use crate::yaml::{self, NodeKind, Tree};

/// Passes that apply fixes (apply, lint again) before giving up on what
/// is left.
pub const MAX_PASSES: usize = 10;

/// Lints of one project while fixing it, refused fixes included: a bound
/// on the time a file full of failing fixes can take.
pub const MAX_LINTS: usize = 200;

/// Rules whose fixes only change how a scalar is written, never what it
/// means: right in an anchor (every alias means the same value), in a `<<`
/// merge source, or beside `${VAR}`.
pub const SHARED_TEXT_OK: &[&str] = &["P103"];

#[derive(Clone, Copy, Debug, Default)]
pub struct Options {
    /// Apply unsafe fixes as well as safe ones.
    pub unsafe_fixes: bool,
}

impl Options {
    fn allows(&self, a: Applicability) -> bool {
        match a {
            Applicability::Safe => true,
            Applicability::Unsafe => self.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
    }
}

/// One file's text before and after fixing. `path` is the file as it was
/// named (on the command line or by the file that referenced it).
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    pub path: PathBuf,
    pub before: String,
    pub after: String,
}

/// A fix that was applied, or refused with `reason`.
#[derive(Clone, Debug, PartialEq)]
pub struct FixNote {
    pub code: &'static str,
    pub title: String,
    /// Where the finding was, in the text before the fix.
    pub path: PathBuf,
    pub line: usize,
    pub applicability: Applicability,
    pub reason: Option<String>,
}

pub struct Outcome {
    /// Files whose text changed, in the order first changed.
    pub changes: Vec<Change>,
    pub applied: Vec<FixNote>,
    pub refused: Vec<FixNote>,
    /// The findings of the fixed text (the original ones when nothing
    /// changed).
    pub result: JobResult,
}

/// How one finding is told apart before and after a fix: spans move, so
/// they are left out.
type Key = (&'static str, Severity, String);

fn key(d: &Diagnostic) -> Key {
    (d.code, d.severity, d.message.clone())
}

fn counts(res: &JobResult) -> BTreeMap<Key, usize> {
    let mut m = BTreeMap::new();
    for d in &res.diagnostics {
        *m.entry(key(d)).or_default() += 1;
    }
    m
}

/// The fix `--fix` (or `--fix --unsafe-fixes`) would apply for a finding:
/// its first applicable one.
pub fn chosen_fix(d: &Diagnostic, opts: Options) -> Option<&Fix> {
    d.fixes.iter().find(|f| opts.allows(f.applicability))
}

/// Lints the job again with these texts (by path) in place of the files.
pub type Relint<'a> = dyn Fn(&[(PathBuf, String)]) -> Result<JobResult, String> + 'a;

/// A fix picked for this pass: the finding it came from and its edits,
/// by absolute path.
struct Candidate {
    key: Key,
    note: FixNote,
    edits: Vec<(PathBuf, Range<usize>, String)>,
}

/// Fixes the project that `relint` lints. `relint` is given the edited
/// texts by path and must lint the same job with them in place of the files
/// on disk; `original` is its result without any.
pub fn run(original: JobResult, opts: Options, relint: &Relint) -> Outcome {
    // Every file's text as read, and as edited so far, by absolute path.
    let mut files: BTreeMap<PathBuf, (PathBuf, String, String)> = BTreeMap::new();
    let mut order: Vec<PathBuf> = Vec::new();
    let mut applied = Vec::new();
    let mut refused: Vec<FixNote> = Vec::new();
    // The findings (and fix titles) refused so far: not tried again.
    let mut refused_ids: HashSet<(Key, String)> = HashSet::new();
    let mut cur = original;
    let mut lints = 0;
    let mut passes = 0;
    while passes < MAX_PASSES {
        passes += 1;
        let (cands, refusals) = choose(&cur, opts);
        for (k, r) in refusals {
            if refused_ids.insert((k, r.title.clone())) {
                refused.push(r);
            }
        }
        // Fixes already refused for failing the check are not tried again.
        let cands: Vec<Candidate> = cands
            .into_iter()
            .filter(|c| !refused_ids.contains(&(c.key.clone(), c.note.title.clone())))
            .collect();
        if cands.is_empty() {
            break;
        }
        let before = counts(&cur);
        let attempt = |cs: &[&Candidate]| -> Result<(JobResult, Vec<(PathBuf, String)>), String> {
            let texts = apply_all(&cur.sources, &files, cs)?;
            let res = relint(&texts)?;
            check(&before, &res, cs)?;
            Ok((res, texts))
        };
        // The whole batch, else its first half, and so on: a prefix that
        // passes is kept (the rest waits for the next pass); a single fix
        // that fails is refused. Each step halves, so a pass costs at most
        // log2(fixes) + 1 lints.
        let mut pool: Vec<&Candidate> = cands.iter().collect();
        let mut kept: Vec<&Candidate> = Vec::new();
        let mut next = None;
        loop {
            if lints >= MAX_LINTS {
                break;
            }
            lints += 1;
            match attempt(&pool) {
                Ok(r) => {
                    kept = pool;
                    next = Some(r);
                    break;
                }
                Err(reason) if pool.len() == 1 => {
                    refused_ids.insert((pool[0].key.clone(), pool[0].note.title.clone()));
                    refused.push(FixNote {
                        reason: Some(reason),
                        ..pool[0].note.clone()
                    });
                    break;
                }
                Err(_) => pool.truncate(pool.len().div_ceil(2)),
            }
        }
        if lints >= MAX_LINTS && next.is_none() {
            for c in &cands {
                if refused_ids.insert((c.key.clone(), c.note.title.clone())) {
                    refused.push(FixNote {
                        reason: Some(format!(
                            "not tried: compose-lint stops checking fixes after {MAX_LINTS} lints of one project; run it again"
                        )),
                        ..c.note.clone()
                    });
                }
            }
            break;
        }
        let Some((res, texts)) = next else {
            // A fix was refused; the others get the next pass.
            passes -= 1;
            continue;
        };
        for (abs, text) in texts {
            let display = cur
                .sources
                .files()
                .find(|f| absolute(&f.path) == abs)
                .map(|f| f.path.clone())
                .unwrap_or_else(|| abs.clone());
            let entry = files.entry(abs.clone()).or_insert_with(|| {
                order.push(abs.clone());
                let before = cur
                    .sources
                    .files()
                    .find(|f| absolute(&f.path) == abs)
                    .map(|f| f.text.to_string())
                    .unwrap_or_default();
                (display, before.clone(), before)
            });
            entry.2 = text;
        }
        applied.extend(kept.iter().map(|c| c.note.clone()));
        cur = res;
    }
    let changes = order
        .iter()
        .filter_map(|abs| {
            let (path, before, after) = &files[abs];
            (before != after).then(|| Change {
                path: path.clone(),
                before: before.clone(),
                after: after.clone(),
            })
        })
        .collect();
    Outcome {
        changes,
        applied,
        refused,
        result: cur,
    }
}

/// The fixes of this pass, in report order, and those refused outright.
#[allow(clippy::type_complexity)]
fn choose(res: &JobResult, opts: Options) -> (Vec<Candidate>, Vec<(Key, FixNote)>) {
    let mut trees: BTreeMap<FileId, Tree> = BTreeMap::new();
    let mut taken: Vec<(PathBuf, Range<usize>)> = Vec::new();
    let mut cands = Vec::new();
    let mut refused = Vec::new();
    for d in &res.diagnostics {
        let Some(fix) = chosen_fix(d, opts) else {
            continue;
        };
        let file = res.sources.get(d.span.file);
        let note = FixNote {
            code: d.code,
            title: fix.title.clone(),
            path: file.path.clone(),
            line: file.line_col(d.span.start as usize).line,
            applicability: fix.applicability,
            reason: None,
        };
        match edits_of(res, fix, d.code, &mut trees) {
            Err(reason) => refused.push((
                key(d),
                FixNote {
                    reason: Some(reason),
                    ..note
                },
            )),
            Ok(edits) => {
                let clash = edits.iter().any(|(p, r, _)| {
                    taken
                        .iter()
                        .any(|(q, t)| p == q && overlaps(r.clone(), t.clone()))
                });
                if clash {
                    continue;
                }
                taken.extend(edits.iter().map(|(p, r, _)| (p.clone(), r.clone())));
                cands.push(Candidate {
                    key: key(d),
                    note,
                    edits,
                });
            }
        }
    }
    (cands, refused)
}

/// Two edits conflict when they share a byte, or insert at the same place
/// (their order would be a guess).
fn overlaps(a: Range<usize>, b: Range<usize>) -> bool {
    if a.start == b.start {
        return true;
    }
    a.start < b.end && b.start < a.end
}

/// A fix's edits by absolute path, checked: in bounds, on character
/// boundaries, not overlapping each other, and not in shared or
/// interpolated text (see the module comment).
#[allow(clippy::type_complexity)]
fn edits_of(
    res: &JobResult,
    fix: &Fix,
    code: &str,
    trees: &mut BTreeMap<FileId, Tree>,
) -> Result<Vec<(PathBuf, Range<usize>, String)>, String> {
    let mut out: Vec<(PathBuf, Range<usize>, String)> = Vec::new();
    for Edit { span, replacement } in &fix.edits {
        let file = res.sources.get(span.file);
        let text = &*file.text;
        let r = span.range();
        if r.start > r.end
            || r.end > text.len()
            || !text.is_char_boundary(r.start)
            || !text.is_char_boundary(r.end)
        {
            return Err("the fix's edit is not a valid range of the file (a bug in compose-lint; please report it)".into());
        }
        if !SHARED_TEXT_OK.contains(&code) {
            let tree = trees
                .entry(span.file)
                .or_insert_with(|| yaml::parse(span.file, text, &yaml::Limits::default()).0);
            if let Some(reason) = shared_text(text, tree, r.clone(), replacement.is_empty()) {
                return Err(reason);
            }
        }
        let abs = absolute(&file.path);
        // The same file loaded twice (with two environments) gives the same
        // edit twice.
        if out
            .iter()
            .any(|(p, q, s)| *p == abs && *q == r && s == replacement)
        {
            continue;
        }
        if out
            .iter()
            .any(|(p, q, _)| *p == abs && overlaps(q.clone(), r.clone()))
        {
            return Err("the fix's edits overlap (a bug in compose-lint; please report it)".into());
        }
        out.push((abs, r, adapt_line_endings(text, replacement)));
    }
    Ok(out)
}

/// A replacement's line breaks written as the file writes them: `\r\n` in
/// a file whose first line ends so.
fn adapt_line_endings(text: &str, replacement: &str) -> String {
    let crlf = text
        .find('\n')
        .is_some_and(|i| i > 0 && text.as_bytes()[i - 1] == b'\r');
    if !crlf || !replacement.contains('\n') {
        return replacement.to_string();
    }
    let mut out = String::with_capacity(replacement.len() + 8);
    let mut prev = '\0';
    for c in replacement.chars() {
        if c == '\n' && prev != '\r' {
            out.push('\r');
        }
        out.push(c);
        prev = c;
    }
    out
}

/// Why an edit at `r` may not be made in `text`, if it touches an anchored
/// node that an alias reuses, a `<<` merge value, or an interpolated scalar
/// (unless the edit is a `deletion` that removes the whole scalar).
fn shared_text(text: &str, tree: &Tree, r: Range<usize>, deletion: bool) -> Option<String> {
    let line_of = |off: usize| text[..off.min(text.len())].matches('\n').count() + 1;
    let mut aliased: BTreeMap<u32, usize> = BTreeMap::new();
    for n in &tree.nodes {
        if let NodeKind::Alias { target } = n.kind {
            aliased.entry(target.0).or_insert(n.span.start as usize);
        }
    }
    for (i, n) in tree.nodes.iter().enumerate() {
        let Some((name, aspan)) = tree.anchor(yaml::NodeId(i as u32)) else {
            continue;
        };
        let Some(&use_at) = aliased.get(&(i as u32)) else {
            continue;
        };
        let region = node_region(text, n, aspan.start as usize);
        if touches(region, r.clone()) {
            return Some(format!(
                "the edit is inside the anchor `&{name}` (line {}), which the alias at line {} reuses: changing it would change every place that uses it",
                line_of(aspan.start as usize),
                line_of(use_at)
            ));
        }
    }
    for n in &tree.nodes {
        if let NodeKind::Mapping(m) = &n.kind {
            for e in &m.entries {
                if let Some(via) = e.via {
                    if touches(via.range(), r.clone()) {
                        return Some(format!(
                            "the edit is inside the `<<` merge at line {}: the merged text is shared with the mapping it comes from",
                            line_of(via.start as usize)
                        ));
                    }
                }
            }
        }
    }
    for n in &tree.nodes {
        if !matches!(n.kind, NodeKind::Scalar(_)) {
            continue;
        }
        let sr = n.span.range();
        let overlap = if r.is_empty() {
            sr.start < r.start && r.start < sr.end
        } else {
            sr.start < r.end && r.start < sr.end
        };
        // Deleting the whole value (with its key or list entry) is not
        // editing it: whatever it interpolates to, it is gone.
        let removed = deletion && r.start <= sr.start && sr.end <= r.end;
        if overlap && !removed && interpolated(&text[sr.clone()]) {
            return Some(format!(
                "the edit is in the interpolated value `{}` (line {}): Compose substitutes variables when it loads the file, so the text there is not the value the fix is about",
                crate::report::sanitize::text(&text[sr.clone()]),
                line_of(sr.start)
            ));
        }
    }
    None
}

/// The bytes a node stands for: from its anchor to its end; a block
/// collection runs from the start of its first line to the end of its last
/// (so a line inserted among its entries is inside it).
fn node_region(text: &str, n: &yaml::Node, anchor_start: usize) -> Range<usize> {
    let mut start = anchor_start.min(n.span.start as usize);
    let mut end = n.span.end as usize;
    let block = match &n.kind {
        NodeKind::Mapping(_) | NodeKind::Sequence(_) => !matches!(
            text.as_bytes().get(n.span.start as usize),
            Some(b'{' | b'[')
        ),
        _ => false,
    };
    if block {
        let ls = text[..n.span.start as usize]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        if text[ls..n.span.start as usize]
            .chars()
            .all(|c| c == ' ' || c == '-' || c == '\t')
        {
            start = start.min(ls);
        }
        end = text[end..].find('\n').map_or(text.len(), |i| end + i + 1);
    }
    start..end
}

/// An edit touches a region when it shares a byte with it, or inserts
/// inside it (at its start included).
fn touches(region: Range<usize>, r: Range<usize>) -> bool {
    if r.is_empty() {
        region.start <= r.start && r.start < region.end
    } else {
        region.start < r.end && r.start < region.end
    }
}

/// Whether raw scalar text holds `$VAR` or `${...}` (not `$$`).
fn interpolated(raw: &str) -> bool {
    let b = raw.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'$' {
            match b.get(i + 1) {
                Some(b'$') => {
                    i += 2;
                    continue;
                }
                Some(c) if *c == b'{' || *c == b'_' || c.is_ascii_alphabetic() => return true,
                _ => {}
            }
        }
        i += 1;
    }
    false
}

/// The texts after applying the candidates on top of the edits so far.
fn apply_all(
    sources: &SourceMap,
    files: &BTreeMap<PathBuf, (PathBuf, String, String)>,
    cands: &[&Candidate],
) -> Result<Vec<(PathBuf, String)>, String> {
    let mut by_file: BTreeMap<&PathBuf, Vec<(&Range<usize>, &String)>> = BTreeMap::new();
    for c in cands {
        for (p, r, s) in &c.edits {
            by_file.entry(p).or_default().push((r, s));
        }
    }
    // Every file edited so far is given again, edited or not this pass.
    let mut out: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(p, (_, _, now))| (p.clone(), now.clone()))
        .collect();
    for (abs, mut edits) in by_file {
        let text = sources
            .files()
            .find(|f| absolute(&f.path) == *abs)
            .map(|f| f.text.to_string())
            .ok_or_else(|| format!("{}: not a file of the project", abs.display()))?;
        edits.sort_by_key(|(r, _)| (r.start, r.end));
        let mut new = text.clone();
        for (r, s) in edits.iter().rev() {
            new.replace_range((*r).clone(), s);
        }
        match out.iter_mut().find(|(p, _)| p == abs) {
            Some(slot) => slot.1 = new,
            None => out.push((abs.clone(), new)),
        }
    }
    Ok(out)
}

/// The check after a pass: the text parses and loads (no new finding at
/// all, so no syntax or load error), and each fixed finding is gone.
fn check(
    before: &BTreeMap<Key, usize>,
    after: &JobResult,
    cands: &[&Candidate],
) -> Result<(), String> {
    let now = counts(after);
    if let Some(d) = after
        .diagnostics
        .iter()
        .find(|d| d.code == "S001" && d.severity == Severity::Error)
    {
        if before.get(&key(d)).is_none() {
            return Err(format!("the fixed text no longer parses: {}", d.message));
        }
    }
    let mut new: Vec<String> = now
        .iter()
        .filter(|(k, n)| before.get(*k).copied().unwrap_or(0) < **n)
        .map(|((code, _, msg), _)| format!("{code} {msg}"))
        .collect();
    if !new.is_empty() {
        new.truncate(3);
        return Err(format!(
            "the fixed text has a finding the original did not: {}",
            new.join("; ")
        ));
    }
    let mut fixed: BTreeMap<&Key, usize> = BTreeMap::new();
    for c in cands {
        *fixed.entry(&c.key).or_default() += 1;
    }
    let mut seen = HashSet::new();
    for c in cands {
        if !seen.insert(&c.key) {
            continue;
        }
        let was = before.get(&c.key).copied().unwrap_or(0);
        let is = now.get(&c.key).copied().unwrap_or(0);
        if is + fixed[&c.key] > was {
            return Err(format!(
                "after the fix, the finding is still there: {} {}",
                c.key.0, c.key.2
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;

    fn refusal(text: &str, needle: &str, len: usize) -> Option<String> {
        let (tree, _) = yaml::parse(FileId(0), text, &yaml::Limits::default());
        let at = text.find(needle).expect("needle");
        shared_text(text, &tree, at..at + len, false)
    }

    #[test]
    fn edits_in_shared_text_are_refused() {
        let anchored = "x: &v\n  - a:/data\ns:\n  w:\n    volumes: *v\n";
        assert!(refusal(anchored, "a:/data", 1)
            .unwrap()
            .contains("anchor `&v`"));
        // An anchor nobody uses is just a name.
        let unused = "x: &v\n  - a:/data\n";
        assert_eq!(refusal(unused, "a:/data", 1), None);
        let merged = "s:\n  w:\n    <<: {image: a}\n    user: x\n";
        assert!(refusal(merged, "image: a", 5)
            .unwrap()
            .contains("`<<` merge"));
        let interp = "s:\n  w:\n    image: ${IMG}\n    user: x\n";
        assert!(refusal(interp, "${IMG}", 2)
            .unwrap()
            .contains("interpolated"));
        assert_eq!(refusal(interp, "user: x", 4), None);
        assert_eq!(refusal("a: $$HOME\n", "$$HOME", 1), None);
        // Deleting the whole entry that holds an interpolated value is fine.
        let (tree, _) = yaml::parse(FileId(0), interp, &yaml::Limits::default());
        let line = interp.find("    image").unwrap();
        let end = interp[line..].find('\n').unwrap() + line + 1;
        assert_eq!(shared_text(interp, &tree, line..end, true), None);
        assert!(shared_text(interp, &tree, line..end, false).is_some());
    }

    const PATH: &str = "/nonexistent/compose.yaml";

    fn lint(text: &str) -> JobResult {
        crate::lint::lint_text(PATH, text).expect("loads")
    }

    fn fix_text(original: JobResult, text: &str) -> Outcome {
        let text = text.to_string();
        run(
            original,
            Options { unsafe_fixes: true },
            &move |t: &[(PathBuf, String)]| {
                let now = t.first().map_or(text.clone(), |(_, s)| s.clone());
                crate::lint::lint_text(PATH, &now).map_err(|e| e.to_string())
            },
        )
    }

    #[test]
    fn fixes_run_to_a_fixed_point_and_keep_the_rest() {
        let text = "version: '3'  # old\nservices:\n  web:\n    image: nginx:1.27\n    restart: no\n    environment: {A: yes}\n";
        let out = fix_text(lint(text), text);
        assert_eq!(out.changes.len(), 1);
        assert_eq!(
            out.changes[0].after,
            "services:\n  web:\n    image: nginx:1.27\n    restart: \"no\"\n    environment: {A: \"yes\"}\n"
        );
        assert_eq!(out.applied.len(), 3);
        assert!(out.refused.is_empty());
        let again = fix_text(lint(&out.changes[0].after), &out.changes[0].after);
        assert!(again.changes.is_empty());
    }

    /// A fix after which the file no longer parses is refused with the
    /// reason; the other fixes are applied.
    #[test]
    fn a_fix_that_breaks_the_file_is_refused_and_the_others_applied() {
        let text = "version: '3'\nservices:\n  web:\n    image: nginx:1.27\n    restart: no\n";
        let mut original = lint(text);
        let mut bad = original.diagnostics[0].clone();
        bad.message = "a test finding whose fix breaks the YAML".into();
        let at = text.find("services").unwrap();
        bad.fixes = vec![Fix {
            title: "break it".into(),
            edits: vec![Edit {
                span: crate::source::Span::new(bad.span.file, at, at + 8),
                replacement: "[: :".into(),
            }],
            applicability: Applicability::Safe,
        }];
        original.diagnostics.insert(0, bad);
        let out = fix_text(original, text);
        assert_eq!(out.refused.len(), 1, "{:?}", out.refused);
        assert!(
            out.refused[0]
                .reason
                .as_deref()
                .unwrap()
                .contains("no longer parses"),
            "{:?}",
            out.refused
        );
        assert_eq!(
            out.changes[0].after,
            "services:\n  web:\n    image: nginx:1.27\n    restart: \"no\"\n"
        );
    }

    #[test]
    fn crlf_files_get_crlf_replacements() {
        assert_eq!(adapt_line_endings("a: 1\r\n", "x\ny\n"), "x\r\ny\r\n");
        assert_eq!(adapt_line_endings("a: 1\n", "x\ny\n"), "x\ny\n");
        assert_eq!(adapt_line_endings("a: 1\r\n", "x\r\n"), "x\r\n");
    }

    #[test]
    fn insertions_at_one_place_conflict() {
        assert!(overlaps(3..3, 3..3));
        assert!(overlaps(3..5, 4..4));
        assert!(!overlaps(3..5, 5..7));
    }
}
