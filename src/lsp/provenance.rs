//! Hover on a value that layering or `extends` touches: which file sets the
//! value in effect, and which other files set the same key.
//!
//! The per-file YAML trees are compared along the hovered key's path
//! (`services.web.image`): each file named with `-f` in order, then the
//! service that `extends` points at. A scalar is taken from the last `-f`
//! file that sets it, else from the `extends` source; mappings and lists
//! are merged (Compose merges mappings by key, `volumes` by target, and
//! appends most other lists). `!reset` removes an earlier value.

use std::fmt::Write as _;
use std::path::Path;

use crate::load::project::{self, Loaded};
use crate::source::{FileId, Span};
use crate::yaml::{NodeKind, Tag, Tree};

/// One file's value at the hovered path.
struct Setting {
    file: FileId,
    span: Span,
    /// The value's text as written, shortened; `None` for a collection.
    scalar: Option<String>,
    reset: bool,
    /// Reached through the service's `extends`.
    extends: bool,
}

/// Markdown for a hover at byte `at` of `file`, when another file sets the
/// same key; `None` when the value is this file's alone.
pub fn hover(loaded: &Loaded, file: FileId, at: usize) -> Option<String> {
    let tree = loaded.trees.iter().find(|t| t.file == file)?;
    let path = path_at(tree, at)?;
    if path.len() < 3 || path[0] != "services" {
        return None;
    }
    let mut settings = Vec::new();
    for root in &loaded.roots {
        if let Some(t) = loaded.trees.iter().find(|t| t.file == *root) {
            if let Some(s) = setting(t, &path, false) {
                settings.push(s);
            }
        }
    }
    if let Some(s) = extends_setting(loaded, &path) {
        settings.insert(0, s);
    }
    if settings.len() < 2 || !settings.iter().any(|s| s.file == file) {
        return None;
    }
    let at_line = |s: &Setting| {
        let f = loaded.sources.get(s.file);
        let shown = f
            .path
            .strip_prefix(&loaded.project_dir)
            .unwrap_or(&f.path)
            .display()
            .to_string();
        format!("`{shown}:{}`", f.line_col(s.span.start as usize).line)
    };
    let key = path.join(".");
    let mut out = String::new();
    let scalar = settings.iter().all(|s| s.scalar.is_some() || s.reset);
    if scalar {
        // Later files win; the extending service's own value wins over its
        // `extends` source (which was put first).
        let last = settings.last().expect("two or more");
        if last.reset {
            let _ = writeln!(
                out,
                "**`{key}`** is removed by `!reset` at {}\n",
                at_line(last)
            );
        } else {
            let _ = writeln!(
                out,
                "**`{key}`** in effect: `{}`, set at {}\n",
                last.scalar.as_deref().unwrap_or_default(),
                at_line(last)
            );
        }
        for s in settings[..settings.len() - 1].iter().rev() {
            let _ = writeln!(
                out,
                "- overridden: {}{} at {}",
                s.scalar
                    .as_deref()
                    .map_or("`!reset`".to_string(), |v| format!("`{v}`")),
                if s.extends { " (`extends` source)" } else { "" },
                at_line(s)
            );
        }
    } else {
        let _ = writeln!(
            out,
            "**`{key}`** is merged from {} files (mappings by key, `volumes` by target, most lists appended):\n",
            settings.len()
        );
        for s in &settings {
            let _ = writeln!(
                out,
                "- {}{}{}",
                at_line(s),
                if s.extends { " (`extends` source)" } else { "" },
                if s.reset { ": `!reset`" } else { "" }
            );
        }
    }
    Some(out)
}

/// The keys from the document root to the mapping entry at `at` (its key
/// or its value); the innermost entry whose key or value holds `at`.
pub fn path_at(tree: &Tree, at: usize) -> Option<Vec<String>> {
    let mut node = tree.root?;
    let mut path = Vec::new();
    'descend: while let Some(map) = tree.as_mapping(node) {
        for e in &map.entries {
            if e.via.is_some() {
                continue;
            }
            let key = tree.node(e.key).span;
            let value = tree.node(e.value).span;
            let inside = |s: Span| s.start as usize <= at && at <= s.end as usize;
            if inside(key) || inside(value) {
                path.push(tree.key_str(e.key)?.to_string());
                if inside(key) {
                    break 'descend;
                }
                node = e.value;
                continue 'descend;
            }
        }
        break;
    }
    (!path.is_empty()).then_some(path)
}

/// The value at `path` in `tree`, if the file sets it.
fn setting(tree: &Tree, path: &[String], extends: bool) -> Option<Setting> {
    let mut node = tree.root?;
    for key in path {
        node = tree.get(node, key)?.value;
    }
    let reset = matches!(tree.tag(node), Some(Tag::Reset));
    let span = tree.node(node).span;
    let scalar = match tree.kind(node) {
        NodeKind::Scalar(s) => Some(shorten(&s.value)),
        NodeKind::Sequence(_) | NodeKind::Mapping(_) => None,
        NodeKind::Alias { .. } | NodeKind::Invalid => return None,
    };
    Some(Setting {
        file: tree.file,
        span,
        scalar,
        reset,
        extends,
    })
}

/// The value at `path` in the service that the hovered service `extends`
/// (`extends: name` or `extends: {service, file}`), in the last `-f` file
/// that says so.
fn extends_setting(loaded: &Loaded, path: &[String]) -> Option<Setting> {
    let service = &path[1];
    let (tree, ext) = loaded.roots.iter().rev().find_map(|root| {
        let t = loaded.trees.iter().find(|t| t.file == *root)?;
        let services = t.get(t.root?, "services")?.value;
        let svc = t.get(services, service)?.value;
        Some((t, t.get(svc, "extends")?.value))
    })?;
    let (target, file) = match tree.kind(ext) {
        NodeKind::Scalar(s) => (s.value.to_string(), None),
        NodeKind::Mapping(_) => (
            tree.as_scalar(tree.get(ext, "service")?.value)?
                .value
                .to_string(),
            tree.get(ext, "file")
                .and_then(|e| tree.as_scalar(e.value))
                .map(|s| s.value.clone()),
        ),
        _ => return None,
    };
    let from = loaded.sources.get(tree.file).path.clone();
    let source_tree = match file {
        None => tree,
        Some(f) => {
            let wanted = project::absolute(&from.parent().unwrap_or(Path::new("")).join(f));
            loaded
                .trees
                .iter()
                .find(|t| project::absolute(&loaded.sources.get(t.file).path) == wanted)?
        }
    };
    let mut source_path = path.to_vec();
    source_path[1] = target;
    if source_tree.file == tree.file && source_path == path {
        return None;
    }
    setting(source_tree, &source_path, true)
}

/// At most 60 characters of a value, on one line.
fn shorten(v: &str) -> String {
    let one_line = v.lines().next().unwrap_or_default();
    let mut s: String = one_line.chars().take(60).collect();
    if s.len() < v.len() {
        s.push('…');
    }
    s
}
