//! Small helpers about mount paths shared by the mount and security rules:
//! normalizing host and container paths, and finding the line of a
//! short-syntax `volumes` entry so that a fix can remove it.

use std::borrow::Cow;

use crate::model::{Mount, MountKind};
use crate::rules::Context;
use crate::source::Span;

/// A path normalized lexically: duplicate and trailing slashes dropped, `.`
/// removed, `..` applied. `None` for a relative path or one with an
/// unresolved variable.
pub fn normalize_abs(path: &str) -> Option<String> {
    normalized_abs(path).map(Cow::into_owned)
}

/// [`normalize_abs`], borrowing a path that is already normal (most are):
/// rules normalize every mount of every service.
pub fn normalized_abs(path: &str) -> Option<Cow<'_, str>> {
    use crate::image::facts::{is_normal, normalize_by_parts};
    if !path.starts_with('/') || path.contains('$') {
        return None;
    }
    Some(if is_normal(path) {
        Cow::Borrowed(path)
    } else {
        Cow::Owned(normalize_by_parts(path))
    })
}

/// The host path of a bind mount, normalized, when it is absolute.
pub fn bind_host_abs(m: &Mount) -> Option<Cow<'_, str>> {
    if m.kind.value != MountKind::Bind {
        return None;
    }
    normalized_abs(m.source.as_ref()?.value.as_str())
}

/// The container path of a mount, normalized.
pub fn target_abs(m: &Mount) -> Option<Cow<'_, str>> {
    normalized_abs(&m.target.value)
}

/// Is `inner` at or below `outer`?
pub fn is_within(inner: &str, outer: &str) -> bool {
    outer == "/"
        || inner == outer
        || (inner.starts_with(outer) && inner.as_bytes().get(outer.len()) == Some(&b'/'))
}

/// The whole line of a short-syntax `- source:target` entry, with its line
/// break, when nothing else is on it but an optional comment; `None` when
/// removing it would be unsafe.
pub fn entry_line(cx: &Context, m: &Mount) -> Option<Span> {
    if !m.short_syntax {
        return None;
    }
    let file = cx.sources.get(m.span.file);
    let line = file.line_col(m.span.start as usize).line;
    if file.line_col(m.span.end as usize).line != line {
        return None;
    }
    let range = file.line_range(line);
    let text = &file.text[range.clone()];
    let before = text[..(m.span.start as usize - range.start)].trim();
    if before.trim_end_matches(['"', '\'']).trim() != "-" {
        return None;
    }
    let after = text[(m.span.end as usize - range.start)..].trim();
    let after = after.trim_start_matches(['"', '\'']).trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let end = file.text[range.end..]
        .find('\n')
        .map_or(file.text.len(), |i| range.end + i + 1);
    Some(Span::new(m.span.file, range.start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(
            normalize_abs("//var/run/docker.sock").as_deref(),
            Some("/var/run/docker.sock")
        );
        assert_eq!(normalize_abs("/etc/").as_deref(), Some("/etc"));
        assert_eq!(normalize_abs("/").as_deref(), Some("/"));
        assert_eq!(normalize_abs("/a/./b/../c").as_deref(), Some("/a/c"));
        assert_eq!(normalize_abs("./x"), None);
        assert_eq!(normalize_abs("/${X}"), None);
    }

    /// The borrowed shortcut is taken exactly for the paths normalizing
    /// leaves as they are.
    #[test]
    fn normal_paths_are_borrowed() {
        for p in [
            "/",
            "/etc",
            "/usr/share/nginx/html",
            "/a/.../b",
            "/a/.b",
            "/a/b.",
        ] {
            assert!(
                matches!(normalized_abs(p), Some(Cow::Borrowed(b)) if b == p),
                "{p}"
            );
        }
        for (p, want) in [
            ("/a/", "/a"),
            ("/a//b", "/a/b"),
            ("/..", "/"),
            ("/.", "/"),
            ("/a/..", "/"),
            ("//", "/"),
            ("/a/./b", "/a/b"),
        ] {
            assert!(
                matches!(normalized_abs(p), Some(Cow::Owned(ref o)) if o == want),
                "{p}"
            );
        }
    }

    #[test]
    fn within() {
        assert!(is_within("/app/node_modules", "/app"));
        assert!(is_within("/app", "/app"));
        assert!(is_within("/x", "/"));
        assert!(!is_within("/application", "/app"));
    }
}
