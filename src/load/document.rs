//! YAML tree -> [`Value`]: aliases and `<<` followed, scalars interpolated.
//!
//! This is where aliases are expanded, so it carries the work budget that
//! stops alias bombs, and a depth bound (alias chains can nest deeper than
//! the YAML text does).
//!
//! Compose interpolates values, never keys. Top-level `x-*` extension fields
//! are interpolated too, but an unset variable there is not reported: they
//! are usually templates for anchors, and the use site is what matters.

use crate::diagnostic::Diagnostic;
use crate::load::interpolate::{interpolate, Env, Problem};
use crate::source::Span;
use crate::value::{Key, Map, ScalarValue, Value, ValueKind, ValueTag};
use crate::yaml::{CoreValue, NodeId, NodeKind, ScalarStyle, Tree};
use compact_str::CompactString;

/// Bounds for expanding one file.
#[derive(Clone, Debug)]
pub struct Budget {
    /// Value nodes that aliases may add beyond the file's own nodes (an
    /// alias counts each time it is used). Small on purpose: a 400-byte
    /// alias bomb must not cost seconds and a gigabyte before S011, while no
    /// real file comes near it.
    pub nodes: usize,
    pub depth: usize,
}

impl Default for Budget {
    fn default() -> Budget {
        Budget {
            nodes: 200_000,
            depth: 400,
        }
    }
}

/// go-yaml v3's alias bomb guard, which Compose v2 applies to every file:
/// past 1,000 decoded values, refuse a document in which nearly all of
/// them came through aliases (99% up to 400,000 values, falling to 10% at
/// 4,000,000). Checking the same ratio stops an alias bomb after a few
/// thousand values instead of at the node budget.
fn excessive(decoded: usize, aliased: usize) -> bool {
    const LOW: usize = 400_000;
    const HIGH: usize = 4_000_000;
    if aliased <= 100 || decoded <= 1000 {
        return false;
    }
    // It is asked at every value: up to LOW, a ratio under 0.98 is under
    // 0.99 however the division rounds, and is told apart in integers.
    if decoded <= LOW && aliased * 100 < decoded * 98 {
        return false;
    }
    let allowed = if decoded <= LOW {
        0.99
    } else if decoded >= HIGH {
        0.10
    } else {
        0.99 - 0.89 * ((decoded - LOW) as f64 / (HIGH - LOW) as f64)
    };
    aliased as f64 / decoded as f64 > allowed
}

struct Converter<'a> {
    tree: &'a Tree,
    text: &'a str,
    env: &'a Env,
    nodes_left: usize,
    max_depth: usize,
    exhausted: bool,
    /// Values decoded so far, and how many of them came through an alias
    /// (go-yaml v3's `decodeCount` and `aliasCount`; see [`excessive`]).
    decoded: usize,
    aliased: usize,
    /// Nesting of alias expansions around the value being converted.
    alias_depth: usize,
    /// The aliasing went past what Compose accepts: nothing more is read.
    refused: bool,
    /// Build only what discovery's look-ahead reads (see [`to_outline`]).
    outline: bool,
    /// With `outline`: the values left out are still walked and counted
    /// (see [`Converter::walk`]), because the tree has aliases or merge
    /// keys for the count to matter to.
    walk_left_out: bool,
    diags: &'a mut Vec<Diagnostic>,
    unresolved: &'a mut Vec<Span>,
}

/// Converts a parsed file into a [`Value`], interpolating scalars with `env`.
/// `text` is the file's source (to map interpolation problems to spans).
/// The spans of scalars that used an unset variable are pushed to
/// `unresolved`: their value is a guess, so later type checks on them would
/// only repeat the S006 warning.
pub fn to_value(
    tree: &Tree,
    text: &str,
    env: &Env,
    budget: &Budget,
    diags: &mut Vec<Diagnostic>,
    unresolved: &mut Vec<Span>,
) -> Option<Value> {
    convert_root(tree, text, env, budget, diags, unresolved, false)
}

/// The top-level keys [`to_outline`] builds: what `model::outline` reads,
/// and `include` (the loader follows it).
const OUTLINE_TOP_KEYS: [&str; 6] = [
    "services", "volumes", "networks", "secrets", "configs", "include",
];

/// [`to_value`] for discovery's look-ahead, which reads only an outline
/// of the project (`model::outline`): every other top-level key, and
/// every service key that the outline does not read, is left out. When
/// the file has aliases or merge keys their values are still walked, and
/// counted against the budget and the alias ratio as [`to_value`] counts
/// them, so the file is read as far as [`to_value`] reads it; only
/// nothing is built for them (no keys, no strings, no interpolation).
/// Without either, counting them changes nothing, and they are not
/// walked (see [`reads_through_aliases`]). Conversion problems are not
/// reported (the real load reports them).
pub fn to_outline(
    tree: &Tree,
    text: &str,
    env: &Env,
    budget: &Budget,
    diags: &mut Vec<Diagnostic>,
    unresolved: &mut Vec<Span>,
) -> Option<Value> {
    convert_root(tree, text, env, budget, diags, unresolved, true)
}

fn convert_root(
    tree: &Tree,
    text: &str,
    env: &Env,
    budget: &Budget,
    diags: &mut Vec<Diagnostic>,
    unresolved: &mut Vec<Span>,
    outline: bool,
) -> Option<Value> {
    let root = tree.root?;
    let mut c = Converter {
        tree,
        text,
        env,
        nodes_left: budget.nodes.saturating_add(tree.nodes.len()),
        max_depth: budget.depth,
        exhausted: false,
        decoded: 0,
        aliased: 0,
        alias_depth: 0,
        refused: false,
        outline,
        walk_left_out: outline && reads_through_aliases(tree),
        diags,
        unresolved,
    };
    Some(c.convert(root, 0, !outline, Place::Root))
}

/// Whether converting `tree` can read a node through an alias or a merge
/// key. Without either, the values [`to_outline`] leaves out need not be
/// walked: no node is read twice, so the node budget cannot run out and
/// the alias ratio stays at zero; only the depth bound can stop such a
/// value, which changes nothing that is read after it.
fn reads_through_aliases(tree: &Tree) -> bool {
    tree.has_merge_keys()
        || tree
            .nodes
            .iter()
            .any(|n| matches!(n.kind, NodeKind::Alias { .. }))
}

/// Where a value sits, for [`to_outline`]: the document, the `services`
/// mapping, one service, or anything else.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Root,
    Services,
    Service,
    Other,
}

impl Place {
    /// The place of the value of `key` in a mapping at `self`.
    fn child(self, key: &str) -> Place {
        match self {
            Place::Root if key == "services" => Place::Services,
            Place::Services => Place::Service,
            _ => Place::Other,
        }
    }

    /// Whether [`to_outline`] leaves out the entry `key` of a mapping at
    /// `self`.
    fn outside_outline(self, key: &str) -> bool {
        match self {
            Place::Root => !OUTLINE_TOP_KEYS.contains(&key),
            Place::Service => !crate::model::is_outline_key(key),
            _ => false,
        }
    }
}

impl Converter<'_> {
    /// Converts one node and, recursively, its children. The recursion is
    /// bounded by `max_depth`; everything that is not the recursion itself
    /// lives in helpers marked `#[inline(never)]` so that one level costs a
    /// small stack frame even in debug builds.
    fn convert(&mut self, id: NodeId, depth: usize, report: bool, place: Place) -> Value {
        let (content, via) = self.tree.resolve(id);
        let node = self.tree.node(content);
        let tag = self
            .tree
            .tag(id)
            .or(self.tree.tag(content))
            .map(ValueTag::of);
        let mut value = Value {
            kind: ValueKind::Null,
            span: node.span,
            via,
            tag,
        };
        let through_alias = content != id;
        if !self.enter(through_alias, depth, via.unwrap_or(node.span)) {
            return value;
        }
        value.kind = match &node.kind {
            NodeKind::Scalar(_) => self.scalar(content, report),
            NodeKind::Sequence(items) => {
                let mut seq = Vec::with_capacity(items.len());
                for &i in items {
                    seq.push(self.convert(i, depth + 1, report, Place::Other));
                }
                ValueKind::Seq(seq)
            }
            NodeKind::Mapping(m) => {
                let mut map = Map {
                    entries: Vec::with_capacity(m.entries.len()),
                };
                for e in &m.entries {
                    // A merged entry is read through its `<<` alias.
                    let merged = usize::from(e.via.is_some());
                    self.alias_depth += merged;
                    self.count(false);
                    if self.outline && self.left_out(e, place, depth) {
                        self.alias_depth -= merged;
                        continue;
                    }
                    let Some(key) = self.key(e.key, report) else {
                        self.alias_depth -= merged;
                        continue;
                    };
                    // Top-level extension fields are templates for anchors;
                    // a variable missing there is not the user's problem.
                    let report_child = report && !(depth == 0 && key.name.starts_with("x-"));
                    let mut child =
                        self.convert(e.value, depth + 1, report_child, place.child(&key.name));
                    self.alias_depth -= merged;
                    if child.via.is_none() {
                        child.via = e.via;
                    }
                    map.entries.push((key, child));
                }
                ValueKind::Map(map)
            }
            NodeKind::Alias { .. } | NodeKind::Invalid => ValueKind::Null,
        };
        self.alias_depth -= usize::from(through_alias);
        value
    }

    /// Counts a value about to be decoded (and the alias it is read
    /// through, if any) and enters it: false when the budget, the alias
    /// ratio or the depth stops here (S011, once).
    fn enter(&mut self, through_alias: bool, depth: usize, span: Span) -> bool {
        if through_alias {
            // The alias itself, then its target inside the expansion.
            self.count(false);
        }
        self.count(through_alias);
        if !self.refused && excessive(self.decoded, self.aliased) {
            self.refused = true;
        }
        if self.refused || self.nodes_left == 0 || depth > self.max_depth {
            self.exhaust(span);
            return false;
        }
        self.nodes_left -= 1;
        self.alias_depth += usize::from(through_alias);
        true
    }

    /// [`Converter::convert`] without building anything: the value and
    /// its children are counted and entered exactly as `convert` would,
    /// so what follows is read, or refused, the same.
    fn walk(&mut self, id: NodeId, depth: usize) {
        let (content, via) = self.tree.resolve(id);
        let node = self.tree.node(content);
        let through_alias = content != id;
        if !self.enter(through_alias, depth, via.unwrap_or(node.span)) {
            return;
        }
        match &node.kind {
            NodeKind::Sequence(items) => {
                for &i in items {
                    self.walk(i, depth + 1);
                }
            }
            NodeKind::Mapping(m) => {
                for e in &m.entries {
                    let merged = usize::from(e.via.is_some());
                    self.alias_depth += merged;
                    self.count(false);
                    if self.tree.key_str(e.key).is_some() {
                        self.walk(e.value, depth + 1);
                    }
                    self.alias_depth -= merged;
                }
            }
            NodeKind::Scalar(_) | NodeKind::Alias { .. } | NodeKind::Invalid => {}
        }
        self.alias_depth -= usize::from(through_alias);
    }

    /// Whether [`to_outline`] leaves out the entry `e` of a mapping at
    /// `place` (at `depth`): its value is then walked if the count
    /// matters (see [`Converter::walk_left_out`]), and nothing is built.
    fn left_out(&mut self, e: &crate::yaml::Entry, place: Place, depth: usize) -> bool {
        let out = self
            .tree
            .key_str(e.key)
            .is_some_and(|k| place.outside_outline(k));
        if out && self.walk_left_out {
            self.walk(e.value, depth + 1);
        }
        out
    }

    /// Counts one decoded value, as go-yaml does.
    fn count(&mut self, through_alias: bool) {
        self.decoded += 1;
        if through_alias || self.alias_depth > 0 {
            self.aliased += 1;
        }
    }

    /// Reports S011 once, when the node budget or the depth runs out.
    #[inline(never)]
    fn exhaust(&mut self, span: Span) {
        if self.exhausted {
            return;
        }
        self.exhausted = true;
        let what = if self.refused {
            "aliases expand to too many values (an alias bomb?): past go-yaml's \"excessive aliasing\" ratio compose-lint reads no further (Compose v2.40.3, which resolves aliases itself, may still load the file, slowly)"
        } else if self.nodes_left == 0 {
            "aliases expand to too many values (an alias bomb?)"
        } else {
            "aliases nest too deeply"
        };
        self.diags.push(
            Diagnostic::error("S011", span, format!("{what}; the rest of this value is ignored"))
                .help("Compose would spend unbounded time and memory on this file; reduce the alias nesting."),
        );
    }

    /// A scalar node: null, or its interpolated text.
    #[inline(never)]
    fn scalar(&mut self, id: NodeId, report: bool) -> ValueKind {
        let node = self.tree.node(id);
        let NodeKind::Scalar(s) = &node.kind else {
            return ValueKind::Null;
        };
        if s.is_null() {
            return ValueKind::Null;
        }
        let (text, interpolated) = self.interpolate(&s.value, s.style, node.span, report);
        ValueKind::Scalar(ScalarValue {
            text,
            style: s.style,
            interpolated,
        })
    }

    /// A mapping key, with S004 for a plain key that is not a string (`1:`,
    /// `true:`). `None` for keys that are not scalars.
    #[inline(never)]
    fn key(&mut self, id: NodeId, report: bool) -> Option<Key> {
        // The node is resolved once, and its text cloned as it is held
        // (a short key is copied inline, not measured and built again).
        let key_node = self.tree.node(self.tree.resolve(id).0);
        let NodeKind::Scalar(k) = &key_node.kind else {
            return None;
        };
        let key_span = key_node.span;
        if report && k.style == ScalarStyle::Plain && k.core_value() != CoreValue::Str {
            let name = &k.value;
            self.diags.push(
                Diagnostic::error(
                    "S004",
                    key_span,
                    format!("`{name}` is not a string key; Compose refuses non-string keys"),
                )
                .help(format!("quote it: \"{name}\"")),
            );
        }
        Some(Key {
            name: k.value.clone(),
            span: key_span,
        })
    }

    fn interpolate(
        &mut self,
        raw: &str,
        style: ScalarStyle,
        span: Span,
        report: bool,
    ) -> (CompactString, bool) {
        if !raw.contains('$') {
            return (raw.into(), false);
        }
        let out = interpolate(raw, self.env);
        let changed = out.value != raw;
        if out
            .problems
            .iter()
            .any(|p| matches!(p, Problem::Undefined { .. }))
        {
            self.unresolved.push(span);
        }
        for p in &out.problems {
            // In top-level `x-*` templates an unset variable is harmless
            // until used; a required one or bad syntax still stops Compose.
            if report || !matches!(p, Problem::Undefined { .. }) {
                self.diags.push(self.problem(p, raw, style, span));
            }
        }
        (out.value.into(), changed)
    }

    fn problem(&self, p: &Problem, raw: &str, style: ScalarStyle, span: Span) -> Diagnostic {
        match p {
            Problem::Undefined { name, range } => Diagnostic::warning(
                "S006",
                self.map_range(raw, range, style, span),
                format!("variable `{name}` is not set; Compose substitutes an empty string"),
            )
            .help(format!(
                "set `{name}` in the environment or the project's `.env` file, or give a default: `${{{name}:-default}}`"
            )),
            Problem::Required {
                name,
                message,
                range,
            } => {
                let detail = if message.is_empty() {
                    String::new()
                } else {
                    format!(": {message}")
                };
                Diagnostic::warning(
                    "S007",
                    self.map_range(raw, range, style, span),
                    format!("required variable `{name}` is not set{detail}"),
                )
                .help(format!(
                    "`docker compose` refuses to start until `{name}` is set in the environment or `.env`"
                ))
            }
            Problem::Syntax { message, range } => Diagnostic::error(
                "S013",
                self.map_range(raw, range, style, span),
                format!("invalid interpolation: {message}"),
            )
            .help("write a literal `$` as `$$`"),
            Problem::TooLarge { range } => Diagnostic::error(
                "S011",
                self.map_range(raw, range, style, span),
                "interpolated value is too large; it was truncated",
            ),
        }
    }

    /// Maps a byte range in the decoded scalar to a span in the file. Exact
    /// when the raw text equals the decoded text (plain scalars, quoted ones
    /// without escapes); otherwise the same occurrence of the expression is
    /// searched for in the raw text, and failing that the whole scalar is
    /// used.
    fn map_range(
        &self,
        value: &str,
        range: &std::ops::Range<usize>,
        style: ScalarStyle,
        span: Span,
    ) -> Span {
        let raw = self.text.get(span.range()).unwrap_or("");
        let quote = match style {
            ScalarStyle::SingleQuoted | ScalarStyle::DoubleQuoted => 1,
            _ => 0,
        };
        let inner = raw
            .get(quote..raw.len().saturating_sub(quote))
            .unwrap_or("");
        if inner == value {
            return span.sub(quote + range.start, range.len());
        }
        let Some(expr) = value.get(range.clone()) else {
            return span;
        };
        // The n-th occurrence in the decoded text is the n-th in the raw
        // text (escapes and line folding do not create or remove a `$`).
        let nth = value[..range.start].match_indices(expr).count();
        match raw.match_indices(expr).nth(nth) {
            Some((pos, _)) => span.sub(pos, expr.len()),
            None => span,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::yaml::{parse, Limits};

    /// The outline built without walking the values it leaves out is
    /// the one built walking them, on files without aliases or merge keys
    /// (deep nesting in a value left out included); files with either are
    /// walked.
    #[test]
    fn the_outline_walks_what_it_leaves_out_only_when_aliases_count() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        let plain = [
            "services:\n  a:\n    image: x\n    environment: {A: \"${UNSET}\"}\n    depends_on: [b]\n".to_string(),
            format!("x-deep: {}\nservices:\n  a:\n    labels: {}\n    volumes: [\"v:/x\"]\n", deep(190), deep(150)),
            "services: ~\nx-a: !reset [1]\n".to_string(),
        ];
        let env = Env::new();
        let budget = Budget {
            nodes: 0,
            depth: 100,
        };
        for text in &plain {
            let (tree, _) = parse(FileId(0), text, &Limits::default());
            assert!(!reads_through_aliases(&tree), "{text}");
            let walked = {
                let mut diags = Vec::new();
                let mut unresolved = Vec::new();
                let mut c = Converter {
                    tree: &tree,
                    text,
                    env: &env,
                    nodes_left: budget.nodes.saturating_add(tree.nodes.len()),
                    max_depth: budget.depth,
                    exhausted: false,
                    decoded: 0,
                    aliased: 0,
                    alias_depth: 0,
                    refused: false,
                    outline: true,
                    walk_left_out: true,
                    diags: &mut diags,
                    unresolved: &mut unresolved,
                };
                c.convert(tree.root.unwrap(), 0, true, Place::Root)
            };
            let outline = to_outline(&tree, text, &env, &budget, &mut Vec::new(), &mut Vec::new());
            assert_eq!(outline, Some(walked), "{text}");
        }
        for text in ["a: &a [x]\nb: *a\n", "a:\n  <<: {b: 1}\n  c: 2\n"] {
            let (tree, _) = parse(FileId(0), text, &Limits::default());
            assert!(reads_through_aliases(&tree), "{text}");
        }
    }

    /// A plain key that YAML reads as another type is reported (S004)
    /// with its text, through an alias too, and kept as a key with that
    /// text; a quoted one is a string.
    #[test]
    fn keys_keep_their_text_and_non_strings_are_reported() {
        let text = "a: &k true\nb: {1: x, '2': y, *k : z, null: w}\n";
        let (tree, _) = parse(FileId(0), text, &Limits::default());
        let mut diags = Vec::new();
        let doc = to_value(
            &tree,
            text,
            &Env::new(),
            &Budget::default(),
            &mut diags,
            &mut Vec::new(),
        )
        .unwrap();
        let b = doc
            .as_map()
            .and_then(|m| m.get("b"))
            .and_then(Value::as_map)
            .unwrap();
        let names: Vec<&str> = b.keys().map(|k| k.name.as_str()).collect();
        assert_eq!(names, ["1", "2", "true", "null"]);
        let messages: Vec<&str> = diags
            .iter()
            .filter(|d| d.code == "S004")
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            messages,
            [
                "`1` is not a string key; Compose refuses non-string keys",
                "`true` is not a string key; Compose refuses non-string keys",
                "`null` is not a string key; Compose refuses non-string keys"
            ]
        );
    }

    /// [`excessive`] answers as go-yaml's float formula does: every
    /// count up to 3,000 values, and the counts near the 0.98 and 0.99
    /// ratios up to and past 400,000 values.
    #[test]
    fn excessive_is_the_float_formula() {
        fn formula(decoded: usize, aliased: usize) -> bool {
            if aliased <= 100 || decoded <= 1000 {
                return false;
            }
            let allowed = if decoded <= 400_000 {
                0.99
            } else if decoded >= 4_000_000 {
                0.10
            } else {
                0.99 - 0.89 * ((decoded - 400_000) as f64 / 3_600_000.0)
            };
            aliased as f64 / decoded as f64 > allowed
        }
        let mut pairs: Vec<(usize, usize)> = Vec::new();
        for decoded in 0..3000 {
            pairs.extend((0..=decoded).map(|a| (decoded, a)));
        }
        for decoded in (1000usize..420_000).step_by(997).chain(399_990..400_010) {
            for ratio in [98, 99] {
                let a = decoded * ratio / 100;
                pairs.extend((a.saturating_sub(3)..=(a + 3).min(decoded)).map(|a| (decoded, a)));
            }
        }
        for (decoded, aliased) in pairs {
            assert_eq!(
                excessive(decoded, aliased),
                formula(decoded, aliased),
                "{decoded} {aliased}"
            );
        }
    }

    /// An alias bomb in a key the outline leaves out (a top-level
    /// `x-` template, a service's `environment`) stops the outline exactly
    /// where it stops the full conversion: the services after it are
    /// null in both, and the S011 is at the same place.
    #[test]
    fn the_outline_reads_as_far_as_the_full_conversion() {
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for (i, prev) in ["a", "b", "c", "d", "e"].iter().enumerate() {
            let name = ["b", "c", "d", "e", "f"][i];
            bomb.push_str(&format!(
                "{name}: &{name} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"
            ));
        }
        let indented: String = bomb.lines().map(|l| format!("      {l}\n")).collect();
        for text in [
            format!("x-bomb:\n{}services:\n  one:\n    image: one\n", indented.replace("      ", "  ")),
            format!("services:\n  zero:\n    image: zero\n    environment:\n{indented}  one:\n    image: one\n    depends_on: [zero]\n"),
            "services:\n  one:\n    image: one\n    environment: {A: \"${UNSET}\"}\n".to_string(),
        ] {
            let (tree, _) = parse(FileId(0), &text, &Limits::default());
            let budget = Budget::default();
            let env = Env::new();
            let (mut full_diags, mut outline_diags) = (Vec::new(), Vec::new());
            let full = to_value(&tree, &text, &env, &budget, &mut full_diags, &mut Vec::new()).unwrap();
            let outline = to_outline(&tree, &text, &env, &budget, &mut outline_diags, &mut Vec::new()).unwrap();
            let s011 = |d: &[Diagnostic]| d.iter().filter(|d| d.code == "S011").map(|d| d.span).collect::<Vec<_>>();
            assert_eq!(s011(&full_diags), s011(&outline_diags), "{text}");
            let services = |v: &Value| {
                v.as_map()
                    .and_then(|m| m.get("services"))
                    .and_then(Value::as_map)
                    .map(|m| {
                        m.entries
                            .iter()
                            .map(|(k, s)| {
                                let image = s.as_map().and_then(|m| m.get("image")).cloned();
                                let deps = s.as_map().and_then(|m| m.get("depends_on")).cloned();
                                (k.name.clone(), image, deps)
                            })
                            .collect::<Vec<_>>()
                    })
            };
            assert_eq!(services(&full), services(&outline), "{text}");
            // The keys left out are not there.
            let outline_env = outline
                .as_map()
                .and_then(|m| m.get("services"))
                .and_then(Value::as_map)
                .and_then(|m| m.entries.first())
                .and_then(|(_, s)| s.as_map())
                .and_then(|m| m.get("environment"));
            assert!(outline_env.is_none(), "{text}");
        }
    }
}
