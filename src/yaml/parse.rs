//! granit-parser events -> [`Tree`].
//!
//! The tree is built iteratively: an explicit stack of open collections, one
//! frame each, so input depth never becomes Rust call depth. Each mapping is
//! checked (duplicate keys, key types) and its `<<` merges resolved when it
//! closes; anchors always close before their aliases, so a merge source's
//! effective entries are final by then. Aliases are never expanded.

use super::*;
use crate::diagnostic::Diagnostic;
use granit_parser::{ErrorKind, Event, Parser, ScanError, StructureStyle};
use std::collections::hash_map::Entry as MapEntry;
use std::collections::HashMap;
use std::ops::Range;

/// Bounds that keep hostile input from exhausting time or memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of collections.
    pub max_depth: usize,
    /// Maximum number of entries that `<<` merges may copy in one file.
    pub merge_budget: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_depth: 200,
            merge_budget: 1_000_000,
        }
    }
}

/// Parses one YAML document into a tree. Never panics; problems become
/// diagnostics (codes S001 syntax, S002 duplicate key, S004 non-string key,
/// S011 limit, S012 anchor/merge). An empty or comments-only file gives
/// `root: None` and no diagnostic.
pub fn parse(file: FileId, text: &str, limits: &Limits) -> (Tree, Vec<Diagnostic>) {
    let beside = (text.len() >= BESIDE_BYTES).then_some(BATCH);
    parse_with(file, text, limits, beside)
}

/// [`parse`], with the parser on a thread of its own handing over batches
/// of `beside` events when that is given (see [`Builder::run_beside`]).
fn parse_with(
    file: FileId,
    text: &str,
    limits: &Limits,
    beside: Option<usize>,
) -> (Tree, Vec<Diagnostic>) {
    let mut b = Builder {
        text,
        limits,
        tree: Tree {
            file,
            // About one node per 10 bytes of YAML: reserved at once, a large
            // file's node array is not copied as it grows (pages the
            // estimate overshoots are never touched).
            nodes: Vec::with_capacity(text.len() / 8 + 8),
            ..Tree::default()
        },
        diags: Vec::new(),
        stack: Vec::new(),
        open: Vec::new(),
        anchors: HashMap::new(),
        spare_pairs: Vec::new(),
        last_node: None,
        last_end: 0,
        skip: 0,
        skip_start: 0,
        depth_reported: false,
        merge_used: 0,
        merge_stopped: false,
        docs: 0,
    };
    let end = b.run(beside);
    b.unwind(end);
    let mut diags = b.diags;
    diags.sort_by_key(|d| d.span.start);
    (b.tree, diags)
}

/// What the parser gives next: an event and its span, an error, or
/// `None` at the end.
type Next<'t> = Option<Result<(Event<'t>, granit_parser::Span), ScanError>>;

/// Texts from this size up are parsed beside the tree's building
/// ([`Builder::run_beside`]); a smaller one costs less than starting a
/// thread.
const BESIDE_BYTES: usize = 256 * 1024;

/// Events handed over at a time: fewer hand-overs cost less, up to about
/// this many (measured on the 5 MB file: 64 were slower than one thread,
/// 4,096 the quickest, 16,384 slower again).
const BATCH: usize = 4096;

const MERGE_HELP: &str =
    "the value of `<<` must be an alias to a mapping, a mapping, or a list of those";

/// An open collection.
struct Frame {
    node: NodeId,
    items: Items,
    start: usize,
    /// End of the furthest child so far (block collections have no end token).
    end: usize,
    flow: bool,
}

enum Items {
    Seq(Vec<NodeId>),
    Map {
        pairs: Vec<(NodeId, NodeId)>,
        key: Option<NodeId>,
    },
}

struct Builder<'a> {
    text: &'a str,
    limits: &'a Limits,
    tree: Tree,
    diags: Vec<Diagnostic>,
    stack: Vec<Frame>,
    /// Per node: a collection that has started but not closed (an alias to it
    /// would make the tree cyclic).
    open: Vec<bool>,
    /// granit anchor id -> node.
    anchors: HashMap<usize, NodeId>,
    /// Pair lists of closed mappings, emptied, for the next mappings to
    /// fill: their entries are copied out when a mapping closes, so one
    /// list per nesting level serves the whole file.
    spare_pairs: Vec<Vec<(NodeId, NodeId)>>,
    /// The node an immediately following `Anchor` event describes.
    last_node: Option<NodeId>,
    /// Furthest source byte consumed by a node event; block scalar headers
    /// are searched for from here.
    last_end: usize,
    /// Nesting inside a collection that is too deep to build (0: not skipping).
    skip: usize,
    skip_start: usize,
    depth_reported: bool,
    merge_used: usize,
    merge_stopped: bool,
    docs: usize,
}

impl Builder<'_> {
    fn span(&self, r: Range<usize>) -> Span {
        Span::new(self.tree.file, r.start, r.end)
    }

    /// A span of one character at `at` (empty at end of input or a line break),
    /// for errors that have a position but no extent.
    fn point(&self, at: usize) -> Span {
        let at = at.min(self.text.len());
        let len = self
            .text
            .get(at..)
            .unwrap_or("")
            .chars()
            .next()
            .filter(|c| *c != '\n' && *c != '\r')
            .map_or(0, char::len_utf8);
        self.span(at..at + len)
    }

    /// Feeds events until the end, an error, or a second document. Returns
    /// the byte offset where reading stopped.
    fn run(&mut self, beside: Option<usize>) -> usize {
        let nesting = granit_nesting(self.limits);
        let mut options = granit_parser::options! {
            emit_anchor_events: true,
            emit_unresolved_aliases: true,
            flow_nesting_limit: nesting,
            block_nesting_limit: nesting,
        };
        options.set_emit_comments(true);
        // Long comment blocks between entries must not become errors; the
        // buffer is bounded by the input size anyway.
        options.max_buffered_comment_events = usize::MAX;
        let mut parser = Parser::new_from_str_with_options(self.text, options);
        if let Some(batch) = beside {
            return self.run_beside(parser, batch.max(1));
        }
        loop {
            if let Some(end) = self.next(parser.next_event()) {
                return end;
            }
        }
    }

    /// [`Builder::run`] for a large text: the parser runs on a thread of
    /// its own and hands its events over `size` at a time, so that the
    /// tree (a sixth of the work) is built beside the parse instead of
    /// after each event. The events and the tree are the same as on one
    /// thread.
    fn run_beside<'t>(
        &mut self,
        mut parser: Parser<'t, granit_parser::StrInput<'t>>,
        size: usize,
    ) -> usize {
        use std::sync::mpsc;
        // A few batches in flight keep both threads busy; the emptied
        // batches go back to the parser to be filled again.
        let (full_tx, full_rx) = mpsc::sync_channel::<Vec<Next<'t>>>(4);
        let (empty_tx, empty_rx) = mpsc::channel::<Vec<Next<'t>>>();
        std::thread::scope(|s| {
            s.spawn(move || {
                let mut batch = Vec::with_capacity(size);
                loop {
                    let next = parser.next_event();
                    let last = !matches!(next, Some(Ok(_)));
                    batch.push(next);
                    if last {
                        let _ = full_tx.send(batch);
                        return;
                    }
                    if batch.len() == size {
                        let empty = empty_rx
                            .try_recv()
                            .unwrap_or_else(|_| Vec::with_capacity(size));
                        // The builder stopped reading: so does the parser.
                        if full_tx.send(std::mem::replace(&mut batch, empty)).is_err() {
                            return;
                        }
                    }
                }
            });
            for mut batch in full_rx {
                for next in batch.drain(..) {
                    if let Some(end) = self.next(next) {
                        return end;
                    }
                }
                let _ = empty_tx.send(batch);
            }
            // The parser always ends with `None` or an error.
            self.text.len()
        })
    }

    /// Takes the parser's next item; `Some(end)` when reading stops there.
    fn next(&mut self, next: Next<'_>) -> Option<usize> {
        match next {
            None => Some(self.text.len()),
            Some(Err(e)) => Some(self.scan_error(&e)),
            Some(Ok((event, span))) => {
                let range = span
                    .byte_range()
                    .filter(|r| r.start <= r.end && r.end <= self.text.len())
                    .unwrap_or(self.last_end..self.last_end);
                (!self.event(event, &span, range)).then_some(self.last_end)
            }
        }
    }

    fn scan_error(&mut self, e: &ScanError) -> usize {
        let at = e
            .marker()
            .byte_offset()
            .unwrap_or(self.last_end)
            .min(self.text.len());
        let mut at = at;
        if matches!(
            e.kind(),
            ErrorKind::TabInBlockIndentation | ErrorKind::TabNotAllowed
        ) {
            // granit points after the tab; point at it.
            while at > 0 && self.text.as_bytes()[at - 1] == b'\t' {
                at -= 1;
            }
        }
        let span = self.point(at);
        if *e.kind() == ErrorKind::RecursionLimitExceeded {
            if !self.depth_reported {
                self.depth_reported = true;
                let n = granit_nesting(self.limits);
                self.diags.push(
                    Diagnostic::error(
                        "S011",
                        span,
                        format!("YAML nesting is deeper than {n} levels; reading stopped here"),
                    )
                    .note("deep nesting is refused to keep hostile files from exhausting memory"),
                );
            }
        } else {
            self.diags.push(Diagnostic::error(
                "S001",
                span,
                format!("YAML syntax error: {}", e.info()),
            ));
        }
        at
    }

    /// Handles one event; `false` stops reading.
    fn event(&mut self, event: Event<'_>, span: &granit_parser::Span, r: Range<usize>) -> bool {
        let described = self.last_node.take();
        let is_map = matches!(event, Event::MappingStart(..));
        match event {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(..) => {
                self.docs += 1;
                if self.docs > 1 {
                    self.diags.push(
                        Diagnostic::warning(
                            "S001",
                            self.point(r.start),
                            "only the first YAML document is read",
                        )
                        .help("move this content into the first document or a separate file"),
                    );
                    return false;
                }
                self.last_end = self.last_end.max(r.end);
            }
            Event::Comment(text, _) => {
                let span = self.span(r);
                self.tree.comments.push(Comment {
                    span,
                    text: text.into_owned(),
                });
            }
            Event::Anchor(_, name) => {
                if let Some(id) = described {
                    let span = self.span(r);
                    self.tree.props_mut(id).anchor = Some((name.into_owned(), span));
                }
            }
            _ if self.skip > 0 => match event {
                Event::SequenceStart(..) | Event::MappingStart(..) => self.skip += 1,
                Event::SequenceEnd | Event::MappingEnd => {
                    self.skip -= 1;
                    if self.skip == 0 {
                        let end = r.end.max(self.skip_start);
                        self.last_end = self.last_end.max(end);
                        let id = self.push_node(NodeKind::Invalid, self.span(self.skip_start..end));
                        self.attach(id);
                    }
                }
                _ => {}
            },
            Event::Scalar(value, style, anchor, tag) => {
                let (range, style) = match style {
                    granit_parser::ScalarStyle::Plain => (r, ScalarStyle::Plain),
                    granit_parser::ScalarStyle::SingleQuoted => (r, ScalarStyle::SingleQuoted),
                    granit_parser::ScalarStyle::DoubleQuoted => (r, ScalarStyle::DoubleQuoted),
                    granit_parser::ScalarStyle::Literal => {
                        (self.block_scalar_range(r), ScalarStyle::Literal)
                    }
                    granit_parser::ScalarStyle::Folded => {
                        (self.block_scalar_range(r), ScalarStyle::Folded)
                    }
                };
                // granit reports an empty plain scalar (`key:`) as "~" at the
                // `:`; keep the text as written and place it after the `:` so
                // that the enclosing mapping's span covers the colon.
                let (value, range) = if style == ScalarStyle::Plain && range.is_empty() {
                    let at = if self.text.as_bytes().get(range.start) == Some(&b':') {
                        range.start + 1
                    } else {
                        range.start
                    };
                    (CompactString::default(), at..at)
                } else {
                    (CompactString::from(value), range)
                };
                self.last_end = self.last_end.max(range.end);
                let id = self.push_node(
                    NodeKind::Scalar(Scalar { value, style }),
                    self.span(range.clone()),
                );
                self.set_tag(id, tag.as_deref(), span, range.start);
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.last_node = Some(id);
                self.attach(id);
            }
            Event::Alias(anchor) => {
                self.last_end = self.last_end.max(r.end);
                let use_site = self.span(r);
                let kind = match self.anchors.get(&anchor) {
                    Some(&target) if self.open[target.0 as usize] => {
                        self.diags.push(
                            Diagnostic::error(
                                "S012",
                                use_site,
                                format!(
                                    "alias `{}` refers to a collection that contains it",
                                    self.text.get(use_site.range()).unwrap_or("*")
                                ),
                            )
                            .label(self.anchor_span(target), "anchor defined here"),
                        );
                        NodeKind::Invalid
                    }
                    Some(&target) => NodeKind::Alias { target },
                    // The anchored node was too deep to build; S011 said so.
                    None => NodeKind::Invalid,
                };
                let id = self.push_node(kind, use_site);
                self.attach(id);
            }
            Event::UnresolvedAlias(name) => {
                self.last_end = self.last_end.max(r.end);
                let use_site = self.span(r);
                self.diags.push(
                    Diagnostic::error("S012", use_site, format!("unknown anchor `*{name}`")).help(
                        format!("define `&{name}` before this alias, in the same document"),
                    ),
                );
                let id = self.push_node(NodeKind::Invalid, use_site);
                self.attach(id);
            }
            Event::SequenceStart(style, anchor, tag) | Event::MappingStart(style, anchor, tag) => {
                let flow = style == StructureStyle::Flow;
                if flow {
                    self.last_end = self.last_end.max(r.end);
                }
                if self.stack.len() >= self.limits.max_depth {
                    self.skip = 1;
                    self.skip_start = r.start;
                    if !self.depth_reported {
                        self.depth_reported = true;
                        self.diags.push(
                            Diagnostic::error(
                                "S011",
                                self.point(r.start),
                                format!(
                                    "YAML nesting is deeper than {} levels; the content below is not read",
                                    self.limits.max_depth
                                ),
                            )
                            .note("deep nesting is refused to keep hostile files from exhausting memory"),
                        );
                    }
                    return true;
                }
                let (kind, items) = if is_map {
                    (
                        NodeKind::Mapping(Mapping::default()),
                        Items::Map {
                            pairs: self.spare_pairs.pop().unwrap_or_default(),
                            key: None,
                        },
                    )
                } else {
                    (NodeKind::Sequence(Vec::new()), Items::Seq(Vec::new()))
                };
                let id = self.push_node(kind, self.span(r.clone()));
                self.open[id.0 as usize] = true;
                self.set_tag(id, tag.as_deref(), span, r.start);
                if anchor != 0 {
                    self.anchors.insert(anchor, id);
                }
                self.last_node = Some(id);
                self.stack.push(Frame {
                    node: id,
                    items,
                    start: r.start,
                    end: r.end,
                    flow,
                });
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let end = if frame.flow {
                        self.last_end = self.last_end.max(r.end);
                        r.end
                    } else {
                        frame.end
                    };
                    self.close(frame, end);
                }
            }
            // `Event` is non-exhaustive; anything new is metadata.
            _ => {}
        }
        true
    }

    fn push_node(&mut self, kind: NodeKind, span: Span) -> NodeId {
        let id = NodeId(self.tree.nodes.len() as u32);
        self.tree.nodes.push(Node::new(kind, span));
        self.open.push(false);
        id
    }

    fn anchor_span(&self, id: NodeId) -> Span {
        self.tree
            .anchor(id)
            .map_or(self.tree.node(id).span, |(_, s)| *s)
    }

    fn set_tag(
        &mut self,
        id: NodeId,
        tag: Option<&granit_parser::Tag>,
        span: &granit_parser::Span,
        node_start: usize,
    ) {
        let Some(tag) = tag else { return };
        let range = span
            .tag_span()
            .and_then(|s| s.byte_range())
            .or_else(|| {
                let at = span.tag_start()?.byte_offset()?;
                Some(at..at + 1)
            })
            .filter(|r| r.end <= self.text.len())
            .unwrap_or(node_start..node_start);
        let raw = self.text.get(range.clone()).unwrap_or("");
        let t = if tag.handle() == "!" && tag.suffix() == "reset" {
            Tag::Reset
        } else if tag.handle() == "!" && tag.suffix() == "override" {
            Tag::Override
        } else if let Some(suffix) = tag.suffix_in_namespace("tag:yaml.org,2002:") {
            Tag::Core(suffix.into_owned())
        } else if !raw.is_empty() {
            Tag::Other(raw.to_string())
        } else {
            Tag::Other(tag.original())
        };
        let span = self.span(range);
        self.tree.props_mut(id).tag = Some((t, span));
    }

    /// granit's span for a block scalar covers only its content. Widen it to
    /// the raw token: from the `|`/`>` header to the last content character.
    fn block_scalar_range(&self, content: Range<usize>) -> Range<usize> {
        let b = self.text.as_bytes();
        let mut i = self.last_end.min(content.start);
        let mut header = None;
        while i < content.start {
            match b[i] {
                b' ' | b'\t' | b'\r' | b'\n' | b':' | b'-' | b'?' => i += 1,
                b'#' => {
                    while i < content.start && b[i] != b'\n' {
                        i += 1;
                    }
                }
                // Node properties: `!tag`, `&anchor`.
                b'!' | b'&' => {
                    while i < content.start && !b[i].is_ascii_whitespace() {
                        i += 1;
                    }
                }
                b'|' | b'>' => {
                    header = Some(i);
                    break;
                }
                _ => break,
            }
        }
        let Some(start) = header else {
            return content;
        };
        let mut header_end = start + 1;
        while header_end < b.len() && matches!(b[header_end], b'-' | b'+' | b'0'..=b'9') {
            header_end += 1;
        }
        let mut end = content.end.min(b.len());
        while end > content.start && b[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        start..end.max(header_end)
    }

    /// Adds a finished node to the open collection (or makes it the root).
    fn attach(&mut self, id: NodeId) {
        let end = self.tree.node(id).span.end as usize;
        match self.stack.last_mut() {
            None => {
                if self.tree.root.is_none() {
                    self.tree.root = Some(id);
                }
            }
            Some(frame) => {
                frame.end = frame.end.max(end);
                match &mut frame.items {
                    Items::Seq(items) => items.push(id),
                    Items::Map { pairs, key } => match key.take() {
                        None => *key = Some(id),
                        Some(k) => pairs.push((k, id)),
                    },
                }
            }
        }
    }

    fn close(&mut self, frame: Frame, end: usize) {
        let id = frame.node;
        let span = self.span(frame.start..end.max(frame.start));
        let kind = match frame.items {
            Items::Seq(items) => NodeKind::Sequence(items),
            Items::Map { mut pairs, key } => {
                if let Some(k) = key {
                    // Only when unwinding after an error: a key without a value.
                    let at = end.max(self.tree.node(k).span.end as usize);
                    let v = self.push_node(NodeKind::Invalid, self.span(at..at));
                    pairs.push((k, v));
                }
                let (mapping, merge_keys) = self.finish_mapping(&pairs);
                pairs.clear();
                self.spare_pairs.push(pairs);
                if !merge_keys.is_empty() {
                    self.tree.props_mut(id).merge_keys = merge_keys;
                }
                NodeKind::Mapping(mapping)
            }
        };
        let node = &mut self.tree.nodes[id.0 as usize];
        node.kind = kind;
        node.span = span;
        self.open[id.0 as usize] = false;
        self.attach(id);
    }

    /// Closes whatever is still open after reading stopped early, so that
    /// the partial tree is consistent.
    fn unwind(&mut self, at: usize) {
        let at = at.min(self.text.len());
        if self.skip > 0 {
            self.skip = 0;
            let id = self.push_node(NodeKind::Invalid, self.span(self.skip_start..at));
            self.attach(id);
        }
        while let Some(frame) = self.stack.pop() {
            // An unclosed flow collection runs to where reading stopped.
            let end = if frame.flow {
                frame.end.max(at)
            } else {
                frame.end
            };
            self.close(frame, end);
        }
    }

    /// Explicit entries with duplicate and key-type checks, then `<<`
    /// merges: keys from merge sources that are not already present, earlier
    /// sources first.
    fn finish_mapping(&mut self, pairs: &[(NodeId, NodeId)]) -> (Mapping, Vec<NodeId>) {
        let tree = &self.tree;
        let mut diags = Vec::new();
        let mut entries = Vec::with_capacity(pairs.len());
        let mut merge_keys: Vec<NodeId> = Vec::new();
        let mut merge_values = Vec::new();
        let mut seen = SeenKeys::with_capacity(pairs.len());
        for &(k, v) in pairs {
            let key = tree.node(k);
            if is_merge_key(tree, k) {
                if let Some(&first) = merge_keys.first() {
                    diags.push(
                        Diagnostic::error("S002", key.span, "duplicate merge key `<<`")
                            .label(tree.node(first).span, "first defined here")
                            .help("merge several mappings with one list: `<<: [*a, *b]`"),
                    );
                }
                merge_keys.push(k);
                merge_values.push(v);
                continue;
            }
            match tree.kind(k) {
                NodeKind::Scalar(s) => {
                    if let Some(first) = seen.first_or_insert(s.value.as_str(), k) {
                        diags.push(
                            Diagnostic::error(
                                "S002",
                                key.span,
                                format!("duplicate key `{}`", s.value),
                            )
                            .label(tree.node(first).span, "first defined here")
                            .help("remove one of the two; YAML does not allow duplicate keys"),
                        );
                    }
                }
                NodeKind::Invalid => {}
                _ => diags.push(
                    Diagnostic::error("S004", key.span, "mapping keys must be strings")
                        .help("use a plain or quoted string as the key"),
                ),
            }
            entries.push(Entry {
                key: k,
                value: v,
                via: None,
            });
        }

        let mut sources: Vec<(NodeId, Span)> = Vec::new();
        for &v in &merge_values {
            // go-yaml v3 (Compose v2) also accepts `<<: *list` where the
            // anchored list holds mappings: the alias is followed first.
            let (content, _) = tree.resolve(v);
            match (&tree.node(v).kind, &tree.node(content).kind) {
                (NodeKind::Sequence(items), _) => {
                    for &item in items {
                        merge_source(tree, item, &mut sources, &mut diags);
                    }
                }
                (NodeKind::Alias { .. }, NodeKind::Sequence(items))
                    if items
                        .iter()
                        .all(|&i| matches!(tree.kind(i), NodeKind::Mapping(_))) =>
                {
                    for &item in items {
                        merge_source(tree, item, &mut sources, &mut diags);
                    }
                }
                _ => merge_source(tree, v, &mut sources, &mut diags),
            }
        }
        for (src, via) in sources {
            if self.merge_stopped {
                break;
            }
            let Some(m) = tree.as_mapping(src) else {
                continue;
            };
            for e in &m.entries {
                if self.merge_used >= self.limits.merge_budget {
                    self.merge_stopped = true;
                    diags.push(
                        Diagnostic::error(
                            "S011",
                            via,
                            format!(
                                "`<<` merges copy more than {} entries in this file; merging stopped here",
                                self.limits.merge_budget
                            ),
                        )
                        .note("nested merges that multiply entries are a known denial-of-service pattern"),
                    );
                    break;
                }
                self.merge_used += 1;
                if let Some(text) = tree.key_str(e.key) {
                    if seen.first_or_insert(text, e.key).is_some() {
                        continue;
                    }
                }
                entries.push(Entry {
                    key: e.key,
                    value: e.value,
                    via: Some(via),
                });
            }
        }
        self.diags.extend(diags);
        (Mapping { entries }, merge_keys)
    }
}

/// Past this many keys [`SeenKeys`]' list becomes a hash map.
const FEW_KEYS: usize = 16;

/// The keys of one mapping seen so far, each with the first node that
/// wrote it. Most mappings have a few keys, which a short list on the
/// stack finds with fewer instructions than hashing them (and without an
/// allocation per mapping); a long mapping (`services` of a large file)
/// switches to a hash map.
struct SeenKeys<'a> {
    few: [(&'a str, NodeId); FEW_KEYS],
    /// How many of `few` are in use.
    len: usize,
    many: Option<HashMap<&'a str, NodeId>>,
}

impl<'a> SeenKeys<'a> {
    const FEW: usize = FEW_KEYS;

    fn with_capacity(n: usize) -> SeenKeys<'a> {
        SeenKeys {
            few: [("", NodeId(0)); Self::FEW],
            len: 0,
            many: (n > Self::FEW).then(|| HashMap::with_capacity(n)),
        }
    }

    /// The node that wrote `key` first, or `None` after recording `id` as
    /// that node.
    fn first_or_insert(&mut self, key: &'a str, id: NodeId) -> Option<NodeId> {
        if let Some(many) = &mut self.many {
            return match many.entry(key) {
                MapEntry::Occupied(first) => Some(*first.get()),
                MapEntry::Vacant(slot) => {
                    slot.insert(id);
                    None
                }
            };
        }
        let few = &self.few[..self.len];
        if let Some(&(_, first)) = few.iter().find(|(k, _)| *k == key) {
            return Some(first);
        }
        if self.len == Self::FEW {
            let mut many: HashMap<&'a str, NodeId> = few.iter().copied().collect();
            many.insert(key, id);
            self.many = Some(many);
        } else {
            self.few[self.len] = (key, id);
            self.len += 1;
        }
        None
    }
}

/// granit's own nesting limit: above ours, so that ours normally fires
/// first and keeps the tree. granit's scanner can still hit it first on
/// deep flow collections, because it scans ahead for simple keys.
fn granit_nesting(limits: &Limits) -> usize {
    limits.max_depth.saturating_add(1).max(255)
}

/// A plain, untagged `<<` key (a quoted `"<<"` is an ordinary key).
fn is_merge_key(tree: &Tree, id: NodeId) -> bool {
    tree.tag(id).is_none()
        && matches!(&tree.node(id).kind, NodeKind::Scalar(s) if s.style == ScalarStyle::Plain && s.value == "<<")
}

/// One element of a `<<` value: an alias to a mapping or an inline mapping.
fn merge_source(
    tree: &Tree,
    id: NodeId,
    sources: &mut Vec<(NodeId, Span)>,
    diags: &mut Vec<Diagnostic>,
) {
    let node = tree.node(id);
    let bad = |what: &str| {
        Diagnostic::error("S012", node.span, format!("cannot merge {what} with `<<`"))
            .help(MERGE_HELP)
    };
    match &node.kind {
        NodeKind::Mapping(_) => sources.push((id, node.span)),
        NodeKind::Alias { .. } => {
            let (target, _) = tree.resolve(id);
            match &tree.node(target).kind {
                NodeKind::Mapping(_) => sources.push((target, node.span)),
                NodeKind::Invalid => {}
                NodeKind::Sequence(_) => diags.push(
                    bad("an alias to a sequence")
                        .label(tree.node(target).span, "the anchored sequence"),
                ),
                _ => diags.push(
                    bad("an alias to a scalar").label(tree.node(target).span, "the anchored value"),
                ),
            }
        }
        // Already reported (unknown anchor, too deep).
        NodeKind::Invalid => {}
        NodeKind::Sequence(_) => diags.push(bad("a nested sequence")),
        NodeKind::Scalar(_) => diags.push(bad("a scalar")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tree and diagnostics of a text parsed beside the building
    /// (events handed over in batches of one event up to 4,096) are those
    /// of the text parsed on one thread: for the repository's YAML files,
    /// the shared corpus when it is there, and texts that stop early (a
    /// syntax error, a second document, nesting past the limit).
    #[test]
    fn parsing_beside_builds_the_same_tree() {
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts: Vec<(String, String)> = [
            "a: [1, 2\nb: 3\n",
            "a: 1\n---\nb: 2\n",
            "a: &x\n  b: *x\n",
            "x: &x {k: v}\ny:\n  <<: *x\n  k: w\nz: *nope\n",
            "a:\n\t- b\n",
            "# only a comment\n",
            "",
        ]
        .iter()
        .map(|t| (format!("{t:?}"), t.to_string()))
        .collect();
        texts.push(("deep".into(), "[".repeat(300) + &"]".repeat(300)));
        let mut dirs = vec![manifest.join("fixtures"), manifest.join("tests")];
        if let Some(shared) = [manifest.join("../shared"), "/work/shared".into()]
            .into_iter()
            .find(|s| s.join("corpus").is_dir())
        {
            dirs.push(shared.join("corpus"));
        }
        for d in dirs {
            for e in ignore::WalkBuilder::new(d).hidden(false).build().flatten() {
                let name = e.file_name().to_string_lossy();
                if name.ends_with(".yml") || name.ends_with(".yaml") {
                    if let Ok(t) = std::fs::read_to_string(e.path()) {
                        texts.push((e.path().display().to_string(), t));
                    }
                }
            }
        }
        assert!(texts.len() > 100, "{} texts", texts.len());
        let limits = Limits::default();
        let shown = |(tree, diags): (Tree, Vec<Diagnostic>)| format!("{tree:?}\n{diags:?}");
        for (name, text) in &texts {
            let alone = shown(parse_with(FileId(0), text, &limits, None));
            for batch in [1, 2, 7, BATCH] {
                let beside = shown(parse_with(FileId(0), text, &limits, Some(batch)));
                assert!(alone == beside, "{name}, batches of {batch}");
            }
        }
    }

    /// [`SeenKeys`] answers as a plain list searched from the start does,
    /// below, at and past the switch to a hash map, whether it was sized
    /// for the keys or not (merged keys come past the size given).
    #[test]
    fn seen_keys_answer_as_a_list_does() {
        for n in 0..3 * FEW_KEYS {
            for distinct in 1..=n.max(1) {
                for capacity in [0, n] {
                    let names: Vec<String> = (0..n)
                        .map(|i| format!("k{}", (i * 7 + i / 3) % distinct))
                        .collect();
                    let mut seen = SeenKeys::with_capacity(capacity);
                    let mut list: Vec<(&str, NodeId)> = Vec::new();
                    for (i, name) in names.iter().enumerate() {
                        let id = NodeId(i as u32);
                        let expected = list.iter().find(|(k, _)| k == name).map(|&(_, f)| f);
                        if expected.is_none() {
                            list.push((name, id));
                        }
                        assert_eq!(
                            seen.first_or_insert(name, id),
                            expected,
                            "{n} keys, {distinct} distinct, sized {capacity}, at {i}"
                        );
                    }
                }
            }
        }
    }
}
