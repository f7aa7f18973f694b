//! Merging Compose documents, as `docker compose -f a.yml -f b.yml` and
//! `extends` do (Compose Specification, 13-merge.md; compose-go's
//! `override` package).
//!
//! - Mappings merge key by key; sequences append; scalars are replaced.
//! - `command`, `entrypoint` and `healthcheck.test` are replaced, not appended.
//! - `volumes`, `secrets` and `configs` are keyed by target, `ports` by
//!   (ip, target, published, protocol): a later entry with the same key
//!   replaces the earlier one in place.
//! - `environment`, `labels`, `build.args` and the other list-or-map keys are
//!   merged by variable name whichever syntax each side used.
//! - `!reset` removes the value; `!override` replaces it without merging.
//!
//! Every value keeps the span it was written at, so after merging a
//! diagnostic still points into the file that set the value.

use crate::value::{Key, Map, Value, ValueKind, ValueTag};
use compact_str::CompactString;

/// Merges `over` onto `base` at the document level.
pub fn merge_documents(base: &mut Value, over: Value) {
    merge_at(base, over, &mut Vec::new());
}

/// Merges a service definition that `extends` another: `base` is the
/// referenced service, `over` the extending one. Same rules as files.
pub fn merge_services(base: &mut Value, over: Value) {
    let mut path = vec!["services".to_string(), "*".to_string()];
    merge_at(base, over, &mut path);
}

/// Drops every `!reset` entry left in a document (a `!reset` in a file that
/// overrides nothing still means "unset").
pub fn strip_resets(v: &mut Value) {
    let mut stack = vec![v];
    while let Some(v) = stack.pop() {
        match &mut v.kind {
            ValueKind::Map(m) => {
                m.entries.retain(|(_, e)| e.tag != Some(ValueTag::Reset));
                stack.extend(m.entries.iter_mut().map(|(_, e)| e));
            }
            ValueKind::Seq(s) => {
                s.retain(|e| e.tag != Some(ValueTag::Reset));
                stack.extend(s.iter_mut());
            }
            _ => {}
        }
    }
}

/// How the value at a path merges.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Strategy {
    /// Maps merge, sequences append, scalars replace.
    Default,
    /// The later value wins entirely.
    Replace,
    /// A sequence of mounts, ports, secrets or configs keyed by target.
    Unique(UniqueKey),
    /// `K=V` list or `K: V` map, merged by K.
    KeyedList,
    /// `depends_on` / `networks`: a list of names or a map of name -> options.
    NameListOrMap,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum UniqueKey {
    Mount,
    Port,
    FileRef,
}

fn strategy(path: &[String]) -> Strategy {
    let p: Vec<&str> = path.iter().map(String::as_str).collect();
    match p.as_slice() {
        ["services", _, "command" | "entrypoint"] => Strategy::Replace,
        ["services", _, "healthcheck", "test"] => Strategy::Replace,
        ["services", _, "volumes"] => Strategy::Unique(UniqueKey::Mount),
        ["services", _, "ports"] => Strategy::Unique(UniqueKey::Port),
        ["services", _, "secrets" | "configs"] => Strategy::Unique(UniqueKey::FileRef),
        ["services", _, "environment" | "labels" | "annotations" | "sysctls" | "extra_hosts"] => {
            Strategy::KeyedList
        }
        ["services", _, "build", "args" | "labels" | "extra_hosts" | "additional_contexts"] => {
            Strategy::KeyedList
        }
        ["services", _, "deploy", "labels"] => Strategy::KeyedList,
        ["networks" | "volumes", _, "labels"] => Strategy::KeyedList,
        ["services", _, "depends_on" | "networks"] => Strategy::NameListOrMap,
        _ => Strategy::Default,
    }
}

fn merge_at(base: &mut Value, over: Value, path: &mut Vec<String>) {
    match over.tag {
        Some(ValueTag::Reset) => {
            base.kind = ValueKind::Null;
            base.span = over.span;
            base.tag = Some(ValueTag::Reset);
            return;
        }
        Some(ValueTag::Override) => {
            *base = over;
            base.tag = None;
            return;
        }
        _ => {}
    }
    // `build: ./dir` and `build: {context: ...}` merge as mappings.
    if path.len() == 3 && path[0] == "services" && path[2] == "build" {
        normalize_build(base);
        let mut over = over;
        normalize_build(&mut over);
        return merge_plain(base, over, path);
    }
    match strategy(path) {
        Strategy::Replace => *base = over,
        Strategy::Unique(key) => merge_unique(base, over, key),
        Strategy::KeyedList => merge_keyed(base, over),
        Strategy::NameListOrMap => {
            names_to_map(base);
            let mut over = over;
            names_to_map(&mut over);
            merge_plain(base, over, path)
        }
        Strategy::Default => merge_plain(base, over, path),
    }
}

fn merge_plain(base: &mut Value, over: Value, path: &mut Vec<String>) {
    match (&mut base.kind, over.kind) {
        (ValueKind::Map(b), ValueKind::Map(o)) => {
            for (key, value) in o.entries {
                if let Some(existing) = b.get_mut(&key.name) {
                    path.push(child_path(path, &key.name));
                    merge_at(existing, value, path);
                    path.pop();
                } else {
                    b.entries.push((key, value));
                }
            }
        }
        (ValueKind::Seq(b), ValueKind::Seq(o)) => b.extend(o),
        (_, kind) => {
            base.kind = kind;
            base.span = over.span;
            base.via = over.via;
            base.tag = over.tag;
        }
    }
}

/// Under `services` and the other top-level sections, the second path
/// segment is a name; it is written as `*` so that [`strategy`] can match.
fn child_path(path: &[String], key: &str) -> String {
    if path.len() == 1
        && matches!(
            path[0].as_str(),
            "services" | "volumes" | "networks" | "secrets" | "configs"
        )
    {
        "*".to_string()
    } else {
        key.to_string()
    }
}

fn normalize_build(v: &mut Value) {
    if let ValueKind::Scalar(_) = &v.kind {
        let context = v.clone();
        v.kind = ValueKind::Map(Map {
            entries: vec![(
                Key {
                    name: "context".into(),
                    span: context.span,
                },
                context,
            )],
        });
    }
}

/// `[a, b]` -> `{a: null, b: null}`, so list and map forms merge by name.
fn names_to_map(v: &mut Value) {
    if let ValueKind::Seq(items) = &v.kind {
        let entries = items
            .iter()
            .filter_map(|item| {
                let name = item.as_str()?.into();
                Some((
                    Key {
                        name,
                        span: item.span,
                    },
                    Value {
                        kind: ValueKind::Null,
                        span: item.span,
                        via: item.via,
                        tag: None,
                    },
                ))
            })
            .collect();
        v.kind = ValueKind::Map(Map { entries });
    }
}

/// One entry of a list-or-map value: its name, the value as written, and
/// whether it was written as a `K=V` list item (whose text still holds the
/// `K=`) or as a map entry (whose text is the bare value).
struct Keyed {
    name: CompactString,
    value: Value,
    from_list: bool,
}

/// The entries of a `K=V` list or a `K: V` map, by variable name.
fn keyed_items(v: &Value) -> Vec<Keyed> {
    match &v.kind {
        ValueKind::Map(m) => m
            .entries
            .iter()
            .map(|(k, v)| Keyed {
                name: k.name.clone(),
                value: v.clone(),
                from_list: false,
            })
            .collect(),
        ValueKind::Seq(items) => items
            .iter()
            .map(|item| {
                let text = item.as_str().unwrap_or_default();
                let name = text.split('=').next().unwrap_or_default().into();
                Keyed {
                    name,
                    value: item.clone(),
                    from_list: true,
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// Merges list-or-map keys by name. The result keeps the base's syntax when
/// both sides agree, and otherwise takes the override's form per item.
fn merge_keyed(base: &mut Value, over: Value) {
    let same_form = matches!(
        (&base.kind, &over.kind),
        (ValueKind::Map(_), ValueKind::Map(_)) | (ValueKind::Seq(_), ValueKind::Seq(_))
    );
    if same_form {
        match (&mut base.kind, over.kind) {
            (ValueKind::Map(b), ValueKind::Map(o)) => {
                for (k, v) in o.entries {
                    match b.get_mut(&k.name) {
                        Some(slot) if v.tag == Some(ValueTag::Reset) => {
                            slot.kind = ValueKind::Null;
                            slot.tag = Some(ValueTag::Reset);
                        }
                        Some(slot) => *slot = v,
                        None => b.entries.push((k, v)),
                    }
                }
            }
            (ValueKind::Seq(b), ValueKind::Seq(o)) => {
                for item in o {
                    let name = item
                        .as_str()
                        .unwrap_or_default()
                        .split('=')
                        .next()
                        .unwrap_or_default()
                        .to_string();
                    let pos = b.iter().position(|e| {
                        e.as_str().unwrap_or_default().split('=').next() == Some(name.as_str())
                    });
                    match pos {
                        Some(i) => b[i] = item,
                        None => b.push(item),
                    }
                }
            }
            _ => unreachable!("forms checked above"),
        }
        return;
    }
    // Mixed forms, or a non-collection on one side: fall back to the override
    // when it is not a collection (type errors are reported by the model).
    if !matches!(over.kind, ValueKind::Map(_) | ValueKind::Seq(_)) {
        *base = over;
        return;
    }
    let mut merged: Vec<Keyed> = keyed_items(base);
    for item in keyed_items(&over) {
        match merged.iter().position(|m| m.name == item.name) {
            Some(i) if item.value.tag == Some(ValueTag::Reset) => {
                merged[i].value.kind = ValueKind::Null;
                merged[i].value.tag = Some(ValueTag::Reset);
            }
            Some(i) => merged[i] = item,
            None => merged.push(item),
        }
    }
    // Keep the override's form: the list form when it wrote a list.
    let as_list = matches!(over.kind, ValueKind::Seq(_));
    base.span = over.span;
    base.kind = if as_list {
        ValueKind::Seq(merged.into_iter().map(list_item).collect())
    } else {
        ValueKind::Map(Map {
            entries: merged
                .into_iter()
                .map(|k| {
                    let span = if k.from_list && exact_text(&k.value) {
                        k.value.span.sub(0, k.name.len())
                    } else {
                        k.value.span
                    };
                    let name = k.name.clone();
                    (Key { name, span }, map_value(k))
                })
                .collect(),
        })
    };
}

/// An entry rendered as a `K=V` list item, keeping the span.
fn list_item(k: Keyed) -> Value {
    if k.from_list || k.value.tag == Some(ValueTag::Reset) {
        return k.value;
    }
    let v = k.value;
    let text = match &v.kind {
        ValueKind::Scalar(s) => compact_str::format_compact!("{}={}", k.name, s.text),
        _ => k.name,
    };
    let (style, interpolated) = match &v.kind {
        ValueKind::Scalar(s) => (s.style, s.interpolated),
        _ => (crate::yaml::ScalarStyle::Plain, false),
    };
    Value {
        kind: ValueKind::Scalar(crate::value::ScalarValue {
            text,
            style,
            interpolated,
        }),
        ..v
    }
}

/// An entry turned into the value of a map entry: a `K=V` list item loses
/// its `K=`, and a bare `K` item becomes null ("take it from the shell").
fn map_value(k: Keyed) -> Value {
    let v = k.value;
    if !k.from_list {
        return v;
    }
    if let ValueKind::Scalar(s) = &v.kind {
        if let Some((name, val)) = s.text.split_once('=') {
            // Point at the value part when the text is as written.
            let span = if exact_text(&v) {
                v.span.sub(name.len() + 1, val.len())
            } else {
                v.span
            };
            let mut s = s.clone();
            s.text = val.into();
            return Value {
                kind: ValueKind::Scalar(s),
                span,
                ..v
            };
        }
        return Value {
            kind: ValueKind::Null,
            ..v
        };
    }
    v
}

/// True when a scalar's text is exactly its source text (a plain scalar
/// that interpolation did not change), so sub-spans can be computed.
fn exact_text(v: &Value) -> bool {
    match &v.kind {
        ValueKind::Scalar(s) => {
            s.style == crate::yaml::ScalarStyle::Plain
                && !s.interpolated
                && s.text.len() == v.span.len()
        }
        _ => false,
    }
}

fn merge_unique(base: &mut Value, over: Value, key: UniqueKey) {
    match (&mut base.kind, over.kind) {
        (ValueKind::Seq(b), ValueKind::Seq(o)) => {
            for item in o {
                let k = unique_key(&item, key);
                let pos = k.as_ref().and_then(|k| {
                    b.iter()
                        .position(|e| unique_key(e, key).as_ref() == Some(k))
                });
                match pos {
                    Some(i) => b[i] = item,
                    None => b.push(item),
                }
            }
        }
        (_, kind) => {
            base.kind = kind;
            base.span = over.span;
            base.via = over.via;
            base.tag = over.tag;
        }
    }
}

/// The uniqueness key of one entry, as a string, or None when it cannot be
/// determined (such entries are always appended).
fn unique_key(v: &Value, key: UniqueKey) -> Option<String> {
    match key {
        UniqueKey::Mount => match &v.kind {
            ValueKind::Scalar(s) => Some(short_volume_target(&s.text).to_string()),
            ValueKind::Map(m) => m.get("target").and_then(Value::as_str).map(str::to_string),
            _ => None,
        },
        UniqueKey::FileRef => match &v.kind {
            ValueKind::Scalar(s) => Some(s.text.to_string()),
            ValueKind::Map(m) => m
                .get("target")
                .or_else(|| m.get("source"))
                .and_then(Value::as_str)
                .map(str::to_string),
            _ => None,
        },
        UniqueKey::Port => match &v.kind {
            // `8080:80` and `{target: 80, published: 8080}` are one port.
            ValueKind::Scalar(s) => Some(match crate::model::parse_port_short(&s.text) {
                Ok(p) => {
                    let range = |r: &crate::model::PortRange| {
                        if r.is_single() {
                            r.start.to_string()
                        } else {
                            format!("{}-{}", r.start, r.end)
                        }
                    };
                    format!(
                        "{}|{}|{}|{}",
                        p.host_ip.map(|h| h.value).unwrap_or_default(),
                        range(&p.target.value),
                        p.published.map(|r| range(&r.value)).unwrap_or_default(),
                        p.protocol.map_or("tcp".to_string(), |p| p.value)
                    )
                }
                Err(_) => s.text.to_string(),
            }),
            ValueKind::Map(m) => {
                let f = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or("").to_string();
                Some(format!(
                    "{}|{}|{}|{}",
                    f("host_ip"),
                    f("target"),
                    f("published"),
                    if f("protocol").is_empty() {
                        "tcp".to_string()
                    } else {
                        f("protocol")
                    }
                ))
            }
            _ => None,
        },
    }
}

/// The container path of a short volume spec `[src:]dst[:mode]`, allowing
/// for Windows drive letters in the source.
fn short_volume_target(spec: &str) -> &str {
    let parts = split_volume_spec(spec);
    match parts.len() {
        0 => spec,
        1 => parts[0],
        _ => parts[1],
    }
}

/// Splits `src:dst:mode` on colons that are not part of a Windows drive
/// letter (`C:\` or `C:/` at the start of a part).
pub(crate) fn split_volume_spec(spec: &str) -> Vec<&str> {
    let bytes = spec.as_bytes();
    let mut parts = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b':' {
            let is_drive = i == start + 1
                && bytes[start].is_ascii_alphabetic()
                && matches!(bytes.get(i + 1), Some(b'\\') | Some(b'/'));
            if !is_drive {
                parts.push(&spec[start..i]);
                start = i + 1;
            }
        }
        i += 1;
    }
    parts.push(&spec[start..]);
    parts
}
