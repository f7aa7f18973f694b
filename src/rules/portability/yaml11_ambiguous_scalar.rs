//! P103: unquoted scalars that YAML 1.1 tools read differently from
//! Compose v2 (`22:22`, `yes`/`no`/`on`/`off`, `0755`).
//!
//! This rule is about the YAML text itself, so it reads the trees.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::{SourceFile, SourceMap};
use crate::yaml::{NodeId, NodeKind, ScalarStyle, Tree, Yaml11Kind};

pub const META: RuleMeta = RuleMeta {
    code: "P103",
    name: "yaml11-ambiguous-scalar",
    group: Group::Portability,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::Always,
    summary: "An unquoted value that YAML 1.1 tools (Compose v1, PyYAML) read differently.",
    exit_codes: &[],
    page: page!("P103-yaml11-ambiguous-scalar.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    check_trees(cx.trees, cx.sources, out);
}

/// The rule on the trees themselves, which is all it reads: a lint runs it
/// while loading, before the trees' nodes are freed
/// ([`crate::load::project::load_reading_nodes`]).
pub fn check_trees(trees: &[Tree], sources: &SourceMap, out: &mut Vec<Diagnostic>) {
    for tree in trees {
        check_tree(sources, tree, out);
    }
}

fn check_tree(sources: &SourceMap, tree: &Tree, out: &mut Vec<Diagnostic>) {
    let source = sources.get(tree.file);
    // Value positions only: mapping values and sequence items. Keys such as
    // `on:` are not Compose keys anyway. Each value with the key it belongs
    // to, if any, in the order of the tree.
    for node in &tree.nodes {
        match &node.kind {
            NodeKind::Mapping(m) => {
                for e in m.entries.iter().filter(|e| e.via.is_none()) {
                    check_value(source, tree, e.value, Some(e.key), out);
                }
            }
            NodeKind::Sequence(items) => {
                for &i in items {
                    check_value(source, tree, i, None, out);
                }
            }
            _ => {}
        }
    }
}

/// One value, `key` the key of its mapping entry.
fn check_value(
    source: &SourceFile,
    tree: &Tree,
    id: NodeId,
    key: Option<NodeId>,
    out: &mut Vec<Diagnostic>,
) {
    let node = tree.node(id);
    let NodeKind::Scalar(s) = &node.kind else {
        return;
    };
    if s.style != ScalarStyle::Plain || tree.tag(id).is_some() {
        return;
    }
    let Some(amb) = s.yaml11_ambiguity() else {
        return;
    };
    let raw = source.slice(node.span);
    let applicability = match amb.kind {
        // Compose v2 already reads these as the string written.
        Yaml11Kind::Bool | Yaml11Kind::Sexagesimal => Applicability::Safe,
        // Compose parses a file mode string as octal, as it reads the
        // unquoted number: quoting keeps the value.
        Yaml11Kind::Octal if key.and_then(|k| scalar_text(tree, k)) == Some("mode") => {
            Applicability::Safe
        }
        // Compose v2 reads a number (`01234` is 668, `1e3` is 1000):
        // quoting changes what the container gets, most likely to what
        // the author meant, but a human should confirm.
        Yaml11Kind::Octal | Yaml11Kind::NotANumber => Applicability::Unsafe,
    };
    out.push(
        Diagnostic::warning(
            META.code,
            node.span,
            format!(
                "unquoted `{raw}` means different things to different YAML readers: {}",
                amb.description
            ),
        )
        .help(format!("quote it: \"{raw}\""))
        .fix(Fix {
            title: format!("quote `{raw}`"),
            edits: vec![Edit {
                span: node.span,
                replacement: format!("\"{raw}\""),
            }],
            applicability,
        }),
    );
}

fn scalar_text(tree: &Tree, id: NodeId) -> Option<&str> {
    match &tree.node(id).kind {
        NodeKind::Scalar(s) => Some(s.value.as_str()),
        _ => None,
    }
}
