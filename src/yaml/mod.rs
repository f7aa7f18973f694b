//! The YAML layer: an arena tree with spans, styles, tags, comments and
//! resolved `<<` merges, built from granit-parser events.
//!
//! Aliases are never expanded: an alias node points at its anchor. Merge keys
//! are resolved into each mapping's effective entry list, with provenance.
//! Duplicate keys, malformed merges and limits become diagnostics; the tree is
//! still built as far as possible so that later stages can report more.

mod parse;
mod scalar;

pub use parse::{parse, Limits};
pub use scalar::{resolve_core, CoreValue, Yaml11Ambiguity, Yaml11Kind};

use crate::source::{FileId, Span};
use compact_str::CompactString;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId(pub u32);

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScalarStyle {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// A tag written on a node. Compose understands `!reset` and `!override`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tag {
    Reset,
    Override,
    /// A core schema tag such as `!!str`; the suffix (`str`, `int`, ...).
    Core(String),
    Other(String),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Scalar {
    /// The decoded value (escapes processed, folding applied); inline up
    /// to 24 bytes, so most scalars cost no allocation.
    pub value: CompactString,
    pub style: ScalarStyle,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: NodeId,
    pub value: NodeId,
    /// For an entry that came in through `<<`: the span of the alias (or
    /// inline mapping) in the `<<` value that supplied it.
    pub via: Option<Span>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Mapping {
    /// The effective entries in source order: explicit entries first, then
    /// entries supplied by `<<` (explicit keys win; earlier merge sources win).
    /// `<<` entries themselves are not listed. A duplicate explicit key
    /// (reported as S002) is kept, so [`Tree::get`] finds the first.
    pub entries: Vec<Entry>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum NodeKind {
    Scalar(Scalar),
    Sequence(Vec<NodeId>),
    Mapping(Mapping),
    /// `*name`: the node's span is the use site; `target` is the anchored node.
    Alias {
        target: NodeId,
    },
    /// A node that could not be built: an undefined alias, an alias to the
    /// collection that contains it, content past the depth limit, or a value
    /// missing because a syntax error stopped parsing.
    Invalid,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    /// For scalars: the raw text including quotes; block scalars run from the
    /// `|`/`>` header to the last content character; an empty plain scalar
    /// (`key:`) is an empty span just after the `:`. For collections: from the
    /// first to the last character of the collection (brackets included for
    /// flow style; anchor and tag excluded).
    pub span: Span,
    /// One more than the index of the node's [`Props`] in `Tree::props`;
    /// 0 when it has none, as most nodes have (read them with
    /// [`Tree::props`]).
    props: u32,
}

/// A large file has hundreds of thousands of nodes: one is 48 bytes, where
/// a tag, an anchor and merge keys held in each took 72.
const _: () = assert!(std::mem::size_of::<Node>() == 48);

/// What few nodes have, kept beside the nodes (see [`Node::props`]).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Props {
    /// A tag written on the node, and the span of the tag.
    pub tag: Option<(Tag, Span)>,
    /// `&name` and the span of that token.
    pub anchor: Option<(String, Span)>,
    /// A mapping's `<<` keys, as written (usually none or one).
    pub merge_keys: Vec<NodeId>,
}

impl Node {
    pub fn new(kind: NodeKind, span: Span) -> Node {
        Node {
            kind,
            span,
            props: 0,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    /// Covers `#` to the end of the line, without the line break.
    pub span: Span,
    /// The text after `#`.
    pub text: String,
}

#[derive(Clone, Debug, Default)]
pub struct Tree {
    pub file: FileId,
    pub nodes: Vec<Node>,
    pub root: Option<NodeId>,
    pub comments: Vec<Comment>,
    /// The tags, anchors and merge keys of the nodes that have any.
    props: Vec<Props>,
}

impl Tree {
    /// Gives the tree another file id: every span (nodes, tags, anchors,
    /// merge sites, comments) is moved to `file`. The tree of a text does
    /// not depend on the id it was parsed under, only its spans name it.
    pub fn move_to(&mut self, file: FileId) {
        self.file = file;
        for p in &mut self.props {
            if let Some(t) = &mut p.tag {
                t.1.file = file;
            }
            if let Some(a) = &mut p.anchor {
                a.1.file = file;
            }
        }
        for n in &mut self.nodes {
            n.span.file = file;
            if let NodeKind::Mapping(m) = &mut n.kind {
                for e in &mut m.entries {
                    if let Some(v) = &mut e.via {
                        v.file = file;
                    }
                }
            }
        }
        for c in &mut self.comments {
            c.span.file = file;
        }
    }

    pub fn node(&self, id: NodeId) -> &Node {
        &self.nodes[id.0 as usize]
    }

    /// Follows aliases to the node that holds the content. Returns the
    /// content node and, when an alias was followed, the first alias use site.
    pub fn resolve(&self, id: NodeId) -> (NodeId, Option<Span>) {
        let mut cur = id;
        let mut via = None;
        // Aliases can only point backwards, so this terminates; bound it anyway.
        for _ in 0..64 {
            match self.node(cur).kind {
                NodeKind::Alias { target } => {
                    via.get_or_insert(self.node(cur).span);
                    cur = target;
                }
                _ => break,
            }
        }
        (cur, via)
    }

    /// The content node's kind, aliases followed.
    pub fn kind(&self, id: NodeId) -> &NodeKind {
        &self.node(self.resolve(id).0).kind
    }

    pub fn as_scalar(&self, id: NodeId) -> Option<&Scalar> {
        match self.kind(id) {
            NodeKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_mapping(&self, id: NodeId) -> Option<&Mapping> {
        match self.kind(id) {
            NodeKind::Mapping(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_sequence(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.kind(id) {
            NodeKind::Sequence(s) => Some(s),
            _ => None,
        }
    }

    /// The key text of a mapping entry (keys are scalars in Compose files).
    pub fn key_str(&self, key: NodeId) -> Option<&str> {
        self.as_scalar(key).map(|s| s.value.as_str())
    }

    /// Looks up `key` among a mapping's effective entries.
    pub fn get(&self, map: NodeId, key: &str) -> Option<&Entry> {
        self.as_mapping(map)?
            .entries
            .iter()
            .find(|e| self.key_str(e.key) == Some(key))
    }

    /// Whether any node is tagged `!reset`.
    pub fn has_reset(&self) -> bool {
        self.props
            .iter()
            .any(|p| matches!(p.tag, Some((Tag::Reset, _))))
    }

    /// Whether any mapping has a `<<` key.
    pub fn has_merge_keys(&self) -> bool {
        self.props.iter().any(|p| !p.merge_keys.is_empty())
    }

    /// The node's tag, anchor and merge keys, if it has any.
    pub fn props(&self, id: NodeId) -> Option<&Props> {
        let i = self.node(id).props.checked_sub(1)?;
        self.props.get(i as usize)
    }

    /// The node's props, added if it has none yet.
    fn props_mut(&mut self, id: NodeId) -> &mut Props {
        let node = &mut self.nodes[id.0 as usize];
        if node.props == 0 {
            self.props.push(Props::default());
            node.props = self.props.len() as u32;
        }
        &mut self.props[node.props as usize - 1]
    }

    /// The tag on the node itself with its span (not followed through
    /// aliases).
    pub fn tag_and_span(&self, id: NodeId) -> Option<&(Tag, Span)> {
        self.props(id)?.tag.as_ref()
    }

    /// The node's anchor (`&name`) and the span of that token.
    pub fn anchor(&self, id: NodeId) -> Option<&(String, Span)> {
        self.props(id)?.anchor.as_ref()
    }

    /// The `<<` keys written in a mapping (usually none or one).
    pub fn merge_keys(&self, id: NodeId) -> &[NodeId] {
        self.props(id).map_or(&[], |p| &p.merge_keys)
    }

    /// Frees the nodes, keeping the comments: for a lint in which no rule
    /// reads the nodes (see `load::project::load_without_nodes`). The tree
    /// is then that of an empty document.
    pub fn free_nodes(&mut self) {
        self.nodes = Vec::new();
        self.props = Vec::new();
        self.root = None;
    }

    /// The tag on the node itself (not followed through aliases).
    pub fn tag(&self, id: NodeId) -> Option<&Tag> {
        self.tag_and_span(id).map(|(t, _)| t)
    }
}
