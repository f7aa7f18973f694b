//! The generic, spanned Compose document that files are merged on.
//!
//! `docker compose` parses each file into a plain map, interpolates it,
//! then merges files, `extends` and `include` on those maps, and only then
//! converts to typed structures. compose-lint does the same on [`Value`]:
//! a YAML tree with aliases and `<<` resolved and scalars interpolated, where
//! every node still knows the file and span it was written at.

use crate::source::Span;
use crate::yaml::{ScalarStyle, Tag};
use compact_str::CompactString;

#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    /// Where the value is written (for an aliased value: the anchor's text).
    pub span: Span,
    /// The alias use site or `<<` source this value came through, if any.
    pub via: Option<Span>,
    /// A tag written on the node: what merging reads of it (a byte, where
    /// the whole tag took a box: a large file has hundreds of thousands
    /// of values, and a value is 64 bytes with this, 72 with the box).
    pub tag: Option<ValueTag>,
}

const _: () = assert!(std::mem::size_of::<Value>() == 64);

/// What a document keeps of a tag: `!reset` and `!override` change how
/// files merge; any other tag (`!!str`, `!custom`) changes nothing there.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueTag {
    Reset,
    Override,
    Other,
}

impl ValueTag {
    pub fn of(tag: &Tag) -> ValueTag {
        match tag {
            Tag::Reset => ValueTag::Reset,
            Tag::Override => ValueTag::Override,
            Tag::Core(_) | Tag::Other(_) => ValueTag::Other,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    /// A null (`~`, `null`, or nothing after `key:`).
    Null,
    Scalar(ScalarValue),
    Seq(Vec<Value>),
    Map(Map),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScalarValue {
    /// The text after interpolation (inline up to 24 bytes: most scalars
    /// of a large file cost no allocation).
    pub text: CompactString,
    pub style: ScalarStyle,
    /// True when interpolation changed the text: its YAML type is then a
    /// string, but Compose converts it to the type the schema expects.
    pub interpolated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Key {
    /// Inline up to 24 bytes, as keys almost always are.
    pub name: CompactString,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct Map {
    pub entries: Vec<(Key, Value)>,
}

impl Map {
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    pub fn get_entry(&self, key: &str) -> Option<(&Key, &Value)> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == key)
            .map(|(k, v)| (k, v))
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.entries
            .iter_mut()
            .find(|(k, _)| k.name == key)
            .map(|(_, v)| v)
    }

    pub fn keys(&self) -> impl Iterator<Item = &Key> {
        self.entries.iter().map(|(k, _)| k)
    }
}

impl Value {
    pub fn as_map(&self) -> Option<&Map> {
        match &self.kind {
            ValueKind::Map(m) => Some(m),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> Option<&[Value]> {
        match &self.kind {
            ValueKind::Seq(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_scalar(&self) -> Option<&ScalarValue> {
        match &self.kind {
            ValueKind::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The scalar text, if this is a scalar.
    pub fn as_str(&self) -> Option<&str> {
        self.as_scalar().map(|s| s.text.as_str())
    }

    pub fn is_null(&self) -> bool {
        matches!(self.kind, ValueKind::Null)
    }

    /// A short name of the value's type for "expected X, found Y" messages.
    pub fn type_name(&self) -> &'static str {
        match &self.kind {
            ValueKind::Null => "null",
            ValueKind::Scalar(_) => "a scalar",
            ValueKind::Seq(_) => "a sequence",
            ValueKind::Map(_) => "a mapping",
        }
    }
}
