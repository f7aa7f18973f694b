//! What is known about an image, and how each fact is known.
//!
//! Every fact carries its [`Evidence`] so that a diagnostic can say where it
//! came from. A fact that is not known is `None` (or [`PathFact::Unknown`]):
//! rules stay silent on what is unknown rather than guess.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::source::Span;

/// Where a fact comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// An instruction of a Dockerfile (`path` as shown to the user; 1-based line).
    Dockerfile {
        path: String,
        line: usize,
        instruction: String,
    },
    /// A built-in (or `--image-facts`) facts file and the variant that matched.
    /// Shared strings: every file system entry of an image holds a copy.
    Builtin {
        file: Arc<str>,
        repository: Arc<str>,
        tag_pattern: Arc<str>,
        source_url: Arc<str>,
    },
    /// An image archive given with `--image-archive`.
    Archive { path: PathBuf, digest: String },
    /// An image read from the local engine (`--engine`).
    Engine { image_id: String },
    /// The service's own setting in the Compose file (e.g. `user:`).
    Compose { setting: String, span: Span },
    /// An image read from a registry (`--pull`), or from the facts cache
    /// that such a read filled. Shared: every path of a layer holds one.
    Registry(Arc<RegistrySource>),
}

/// Where a registry fact comes from: the image's manifest digest and, for
/// a file system entry, the layer that put it there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistrySource {
    /// `docker.io`, `127.0.0.1:5000`.
    pub registry: String,
    /// `library/postgres`.
    pub repository: String,
    /// The manifest digest (of the platform's image, not of an index).
    pub digest: String,
    /// The layer digest, for file system facts; `None` for the config.
    pub layer: Option<String>,
}

impl Evidence {
    /// One line for a diagnostic note: `Dockerfile:12 USER app`,
    /// `built-in facts rules/images/x.toml (4.3.*), from <url>`.
    pub fn render(&self) -> String {
        match self {
            Evidence::Dockerfile {
                path,
                line,
                instruction,
            } => format!("{path}:{line} {}", one_line(instruction, 80)),
            Evidence::Builtin {
                file,
                tag_pattern,
                source_url,
                ..
            } => format!("built-in facts {file} ({tag_pattern}), from {source_url}"),
            Evidence::Archive { path, digest } => {
                format!(
                    "image archive {} ({})",
                    path.display(),
                    short_digest(digest)
                )
            }
            Evidence::Engine { image_id } => {
                format!("local engine image {}", short_digest(image_id))
            }
            Evidence::Compose { setting, .. } => format!("the service's `{setting}`"),
            Evidence::Registry(r) => {
                let mut s = format!(
                    "registry {}/{}@{}",
                    r.registry,
                    r.repository,
                    short_digest(&r.digest)
                );
                if let Some(l) = &r.layer {
                    s.push_str(&format!(" layer {}", short_digest(l)));
                }
                s
            }
        }
    }

    /// True when the evidence is the whole image as built (archive or engine).
    pub fn is_image_itself(&self) -> bool {
        matches!(
            self,
            Evidence::Archive { .. } | Evidence::Engine { .. } | Evidence::Registry(_)
        )
    }
}

impl fmt::Display for Evidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render())
    }
}

fn one_line(s: &str, max: usize) -> String {
    let flat: String = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() <= max {
        flat
    } else {
        let cut: String = flat.chars().take(max).collect();
        format!("{cut}…")
    }
}

fn short_digest(d: &str) -> String {
    match d.strip_prefix("sha256:") {
        Some(hex) if hex.len() > 12 => format!("sha256:{}", &hex[..12]),
        _ => d.to_string(),
    }
}

/// A value and how it is known.
#[derive(Clone, Debug, PartialEq)]
pub struct Fact<T> {
    pub value: T,
    pub evidence: Evidence,
}

impl<T> Fact<T> {
    pub fn new(value: T, evidence: Evidence) -> Fact<T> {
        Fact { value, evidence }
    }
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Fact<U> {
        Fact {
            value: f(self.value),
            evidence: self.evidence,
        }
    }
}

/// The user the container's process starts as.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuntimeUser {
    /// The name, when the user is known by one.
    pub name: Option<String>,
    pub uid: u32,
    /// `None` when the primary group could not be determined.
    pub gid: Option<u32>,
}

impl RuntimeUser {
    pub fn root() -> RuntimeUser {
        RuntimeUser {
            name: Some("root".into()),
            uid: 0,
            gid: Some(0),
        }
    }
    pub fn is_root(&self) -> bool {
        self.uid == 0
    }
    /// `rocketmq (3000:3000)`, `3000 (3000:?)`.
    pub fn render(&self) -> String {
        let gid = self.gid.map_or("?".to_string(), |g| g.to_string());
        match &self.name {
            Some(n) => format!("{n} ({}:{gid})", self.uid),
            None => format!("{}:{gid}", self.uid),
        }
    }
}

/// `ENTRYPOINT`/`CMD` as the image defines it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageCommand {
    /// JSON array form: argv verbatim.
    Exec(Vec<String>),
    /// Shell form: run as `/bin/sh -c "<string>"`, so the shell is PID 1.
    Shell(String),
}

impl ImageCommand {
    pub fn is_shell_form(&self) -> bool {
        matches!(self, ImageCommand::Shell(_))
    }
    pub fn render(&self) -> String {
        match self {
            ImageCommand::Exec(v) => serde_json::to_string(v).unwrap_or_default(),
            ImageCommand::Shell(s) => s.clone(),
        }
    }
}

/// How much of an image is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Confidence {
    /// Nothing is known (no source matched).
    Unknown,
    /// Some facts are known; others, or changes made by steps that were not
    /// understood (a `RUN` of an unknown shape), are not.
    Partial,
    /// Every fact given is known for certain (an archive, the engine, or a
    /// Dockerfile fully understood on top of certain facts).
    Certain,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Unknown => "unknown",
            Confidence::Partial => "partial",
            Confidence::Certain => "certain",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PathKind {
    Dir,
    File,
    Symlink,
    /// Devices, FIFOs, hard links.
    Other,
}

impl PathKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PathKind::Dir => "dir",
            PathKind::File => "file",
            PathKind::Symlink => "symlink",
            PathKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<PathKind> {
        Some(match s {
            "dir" => PathKind::Dir,
            "file" => PathKind::File,
            "symlink" => PathKind::Symlink,
            _ => return None,
        })
    }
}

/// What a directory holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Content {
    Empty,
    /// Only shell dotfiles (`/etc/skel`).
    Dotfiles,
    /// Data files.
    Data,
    /// Program files that an upgrade replaces.
    Program,
    /// Has entries; what they are is not classified (archives).
    Entries,
}

impl Content {
    pub fn as_str(self) -> &'static str {
        match self {
            Content::Empty => "empty",
            Content::Dotfiles => "dotfiles",
            Content::Data => "data",
            Content::Program => "program",
            Content::Entries => "entries",
        }
    }
    pub fn parse(s: &str) -> Option<Content> {
        Some(match s {
            "empty" => Content::Empty,
            "dotfiles" => Content::Dotfiles,
            "data" => Content::Data,
            "program" => Content::Program,
            "entries" => Content::Entries,
            _ => return None,
        })
    }
}

/// What is known about one existing path.
#[derive(Clone, Debug, PartialEq)]
pub struct PathInfo {
    /// The path asked about, after following known symlinks.
    pub path: String,
    pub kind: Option<PathKind>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mode: Option<u32>,
    pub content: Option<Content>,
    pub evidence: Evidence,
}

impl PathInfo {
    /// `3000:3000`, `3000:?`, or `None` when the owner is unknown.
    pub fn owner(&self) -> Option<String> {
        let uid = self.uid?;
        Some(format!(
            "{uid}:{}",
            self.gid.map_or("?".into(), |g| g.to_string())
        ))
    }
}

/// The answer to "does this path exist in the image?".
#[derive(Clone, Debug, PartialEq)]
pub enum PathFact {
    Exists(PathInfo),
    /// Certainly not in the image.
    Absent {
        evidence: Evidence,
    },
    Unknown {
        reason: String,
    },
}

impl PathFact {
    pub fn is_absent(&self) -> bool {
        matches!(self, PathFact::Absent { .. })
    }
    pub fn exists(&self) -> Option<&PathInfo> {
        match self {
            PathFact::Exists(i) => Some(i),
            _ => None,
        }
    }
}

/// One file system entry.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub kind: Option<PathKind>,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub mode: Option<u32>,
    pub content: Option<Content>,
    /// For a symlink: its target as stored.
    pub link: Option<String>,
    /// The directory's listing is complete: any other child is absent.
    pub children_complete: bool,
    /// For a file: text it is known to contain (from its base layout's
    /// source), while nothing may have written it since (see
    /// `Filesystem::contains`).
    pub contains: Option<String>,
    pub evidence: Evidence,
}

impl Entry {
    /// What the directory holds is no longer known to be all that is
    /// listed (more may have been written into it).
    /// A file there may have been replaced too: what it contains is no
    /// longer known.
    pub fn listing_unknown(&mut self) {
        self.children_complete = false;
        self.contains = None;
        if self.content == Some(Content::Empty) {
            self.content = None;
        }
    }

    pub fn new(kind: Option<PathKind>, evidence: Evidence) -> Entry {
        Entry {
            kind,
            uid: None,
            gid: None,
            mode: None,
            content: None,
            link: None,
            children_complete: false,
            contains: None,
            evidence,
        }
    }
}

/// The paths known in an image. Keys are normalized absolute paths.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Filesystem {
    pub entries: BTreeMap<String, Entry>,
    /// Paths known not to exist (a facts file's `absent_binaries`).
    pub absent: BTreeMap<String, Evidence>,
    /// Set when the whole file system is known: anything not listed is absent.
    pub complete: Option<Evidence>,
    /// Areas a step that was not fully understood may have written (an
    /// unrecognised `RUN`'s named paths, a package manager's directories):
    /// at, below and above such a path, what is not listed is unknown rather
    /// than absent, and listings there are incomplete.
    pub unknown: BTreeMap<String, Evidence>,
}

/// Lexically normalizes an absolute path in the image: `/a/./b/../c/` -> `/a/c`.
/// A relative path is taken from `/`.
pub fn normalize(path: &str) -> String {
    if is_normal(path) {
        return path.to_string();
    }
    normalize_by_parts(path)
}

/// [`normalize`] by the path's names, with no shortcut for a path that is
/// normal already.
pub(crate) fn normalize_by_parts(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Joins `rel` onto the directory `base` (absolute `rel` wins) and normalizes.
pub fn join(base: &str, rel: &str) -> String {
    if rel.starts_with('/') {
        normalize(rel)
    } else {
        normalize(&format!("{base}/{rel}"))
    }
}

/// What the paths below the normalized `dir` start with: `dir/`, or `/`
/// for the root.
pub(crate) fn dir_prefix(dir: &str) -> String {
    if dir == "/" {
        return "/".to_string();
    }
    let mut prefix = String::with_capacity(dir.len() + 1);
    prefix.push_str(dir);
    prefix.push('/');
    prefix
}

/// Is `path` normal already (the usual case): `/`, or `/` and names, each
/// without `.`, `..` or an empty name? Read byte by byte: the paths are
/// short, and a search per `/` costs more than the loop (every layout
/// line and every query normalizes its path).
pub(crate) fn is_normal(path: &str) -> bool {
    let b = path.as_bytes();
    if b == b"/" {
        return true;
    }
    if b.first() != Some(&b'/') {
        return false;
    }
    // Each name: from after a `/` up to the next `/` or the end.
    b[1..]
        .split(|&c| c == b'/')
        .all(|c| !c.is_empty() && c != b"." && c != b"..")
}

/// The path above the normalized absolute `path`: `None` for `/` (and for
/// a path without `/`).
pub(crate) fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    // `/` is ASCII: a byte position is a char boundary.
    match path.bytes().rposition(|c| c == b'/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

impl Filesystem {
    /// An empty file system that is completely known (`FROM scratch`).
    pub fn empty_complete(evidence: Evidence) -> Filesystem {
        let mut fs = Filesystem {
            complete: Some(evidence.clone()),
            ..Default::default()
        };
        let mut root = Entry::new(Some(PathKind::Dir), evidence);
        root.uid = Some(0);
        root.gid = Some(0);
        root.mode = Some(0o755);
        root.content = Some(Content::Empty);
        root.children_complete = true;
        fs.entries.insert("/".into(), root);
        fs
    }

    /// Everything below `path` stops being certain: a step that may have
    /// changed the file system in ways that are not known.
    pub fn forget_absence(&mut self) {
        self.complete = None;
        self.absent.clear();
        for e in self.entries.values_mut() {
            e.listing_unknown();
        }
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    /// Text the file at `path` is known to contain: its layout recorded
    /// it, and no step since may have written there (a step that replaces
    /// the file replaces its entry; one that may have written the area
    /// forgets it: `forget_under`, `contents_landed_in`, `forget_absence`).
    pub fn contains(&self, path: &str) -> Option<&str> {
        let path = normalize(path);
        let e = self.entries.get(&path)?;
        (e.kind == Some(PathKind::File))
            .then_some(e.contains.as_deref())
            .flatten()
    }

    /// The modes (and, with `owners`, the owners) at and below `path` are
    /// no longer known; what exists stays known (`find DIR -exec chmod`).
    pub fn forget_modes_under(&mut self, path: &str, owners: bool) {
        let path = normalize(path);
        let prefix = dir_prefix(&path);
        for (k, e) in self.entries.iter_mut() {
            if *k == path || k.starts_with(prefix.as_str()) {
                e.mode = None;
                if owners {
                    e.uid = None;
                    e.gid = None;
                }
            }
        }
    }

    /// Contents not read landed in the directory `dir` (a `COPY` of a
    /// source whose kind or listing is not known): below it, no listing is
    /// complete and nothing is known to be absent any more; what is listed
    /// stays listed.
    pub fn contents_landed_in(&mut self, dir: &str) {
        let dir = normalize(dir);
        let prefix = dir_prefix(&dir);
        let under = |k: &str| k == dir || k.starts_with(prefix.as_str());
        for (k, e) in self.entries.iter_mut() {
            if under(k) {
                e.listing_unknown();
            }
        }
        self.absent.retain(|k, _| !under(k));
    }

    /// A step may have written anything at or below `path` (created,
    /// filled, re-owned): its listing and those below it become incomplete,
    /// the owner and mode of what it names become unknown (`names_it`), and
    /// a path there (or a new parent of it) that is not listed is unknown.
    /// Existing entries stay: such steps add files, they rarely delete.
    pub fn forget_under(&mut self, path: &str, names_it: bool, evidence: &Evidence) {
        let path = normalize(path);
        let prefix = dir_prefix(&path);
        let under = |k: &str| k == path || k.starts_with(prefix.as_str());
        // The entries at and below `path`: the path itself, then the keys
        // from `path/` on that start with it (they sort together), found
        // in the ordered map rather than by a scan of the whole listing.
        if let Some(e) = self.entries.get_mut(path.as_str()) {
            e.listing_unknown();
            if names_it {
                e.uid = None;
                e.gid = None;
                e.mode = None;
            }
        }
        for (k, e) in self.entries.range_mut::<str, _>((
            std::ops::Bound::Included(prefix.as_str()),
            std::ops::Bound::Unbounded,
        )) {
            if !k.starts_with(prefix.as_str()) {
                break;
            }
            if *k != path {
                e.listing_unknown();
            }
        }
        // A new path's parents may be new too: the nearest listed ancestor
        // may not be empty any more. Its other children stay known: the
        // `unknown` area answers for this path and its parents.
        let mut cur = parent_of(&path);
        while let Some(p) = cur {
            if let Some(e) = self.entries.get_mut(p) {
                if e.content == Some(Content::Empty) {
                    e.content = None;
                }
                break;
            }
            cur = parent_of(p);
        }
        self.absent.retain(|k, _| !under(k));
        // Keep the set minimal: a prefix below another adds nothing.
        let below = |u: &str| {
            path.len() > u.len() && path.starts_with(u) && path.as_bytes()[u.len()] == b'/'
        };
        if self
            .unknown
            .keys()
            .any(|u| u == "/" || *u == path || below(u))
        {
            return;
        }
        self.unknown.retain(|u, _| !under(u));
        self.unknown.insert(path, evidence.clone());
    }

    /// The step that made `path` unknown, when `path` lies at, below or
    /// above an area a step may have written.
    pub fn unknown_area(&self, path: &str) -> Option<(&str, &Evidence)> {
        // `a` lies below `b`: it starts with `b` and then a `/`.
        let below = |a: &str, b: &str| {
            a.len() > b.len() && a.starts_with(b) && a.as_bytes()[b.len()] == b'/'
        };
        self.unknown
            .iter()
            .find(|(u, _)| {
                let u = u.as_str();
                u == "/" || u == path || below(path, u) || path == "/" || below(u, path)
            })
            .map(|(u, e)| (u.as_str(), e))
    }

    /// Makes sure every ancestor of `path` has an entry (a directory),
    /// creating missing ones with `make` (which gets the path).
    fn ensure_parents(&mut self, path: &str, make: &dyn Fn(&str) -> Entry) {
        let mut missing = Vec::new();
        let mut cur = parent_of(path);
        while let Some(p) = cur {
            if self.entries.contains_key(p) {
                break;
            }
            missing.push(p.to_string());
            cur = parent_of(p);
        }
        for p in missing.into_iter().rev() {
            self.absent.remove(&p);
            let e = make(&p);
            self.entries.insert(p, e);
        }
    }

    /// Records that `path` exists with `entry`, replacing what was known, and
    /// that its ancestors are directories (with what `parent` says when they
    /// were not known).
    pub fn insert(&mut self, path: &str, entry: Entry, parent: &dyn Fn(&str) -> Entry) {
        let path = normalize(path);
        self.ensure_parents(&path, parent);
        if let Some(p) = parent_of(&path) {
            if let Some(pe) = self.entries.get_mut(p) {
                if pe.content == Some(Content::Empty) {
                    pe.content = Some(Content::Entries);
                }
            }
        }
        self.absent.remove(&path);
        self.entries.insert(path, entry);
    }

    /// Removes `path` and everything below it.
    pub fn remove_tree(&mut self, path: &str) {
        let path = normalize(path);
        let prefix = dir_prefix(&path);
        self.entries
            .retain(|k, _| *k != path && !k.starts_with(prefix.as_str()));
    }

    /// Paths at or below `path`, for recursive changes.
    pub fn subtree_mut<'a>(&'a mut self, path: &str) -> impl Iterator<Item = &'a mut Entry> + 'a {
        let path = normalize(path);
        let prefix = dir_prefix(&path);
        self.entries
            .iter_mut()
            .filter(move |(k, _)| **k == path || k.starts_with(prefix.as_str()))
            .map(|(_, v)| v)
    }

    /// The keys that start with `prefix` (a [`dir_prefix`]: the paths
    /// below a directory), in order: they sort together from `prefix` on,
    /// so they are read from there rather than found by a scan.
    pub(crate) fn keys_below<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a String> {
        self.entries
            .range::<str, _>((
                std::ops::Bound::Included(prefix),
                std::ops::Bound::Unbounded,
            ))
            .map(|(k, _)| k)
            .take_while(move |k| k.starts_with(prefix))
    }

    /// Is `path` certainly absent, present, or unknown? Known symlinks are
    /// followed (at most 40 of them).
    pub fn query(&self, path: &str) -> PathFact {
        let mut target = normalize(path);
        let mut hops = 0;
        'restart: loop {
            if let Some(ev) = self.absent.get(&target) {
                if self.unknown_area(&target).is_none() {
                    return PathFact::Absent {
                        evidence: ev.clone(),
                    };
                }
            }
            let comps: Vec<&str> = target.split('/').filter(|c| !c.is_empty()).collect();
            // `target` is normalized (`/a/b/c`): each ancestor is a prefix
            // of it, sliced rather than built.
            let mut parent_end = 1;
            for (i, c) in comps.iter().enumerate() {
                let end = if i == 0 { 1 } else { parent_end + 1 } + c.len();
                let parent: &str = &target[..parent_end];
                let cur: &str = &target[..end];
                parent_end = end;
                let last = i + 1 == comps.len();
                match self.entries.get(cur) {
                    Some(e) => {
                        if e.kind == Some(PathKind::Symlink) {
                            match &e.link {
                                Some(link) => {
                                    hops += 1;
                                    if hops > 40 {
                                        return PathFact::Unknown {
                                            reason: format!("too many symlinks under {cur}"),
                                        };
                                    }
                                    let rest = comps[i + 1..].join("/");
                                    let resolved = join(parent, link);
                                    target = if rest.is_empty() {
                                        resolved
                                    } else {
                                        join(&resolved, &rest)
                                    };
                                    continue 'restart;
                                }
                                None if last => {}
                                None => {
                                    return PathFact::Unknown {
                                        reason: format!("{cur} is a symlink to an unknown target"),
                                    }
                                }
                            }
                        } else if !last && matches!(e.kind, Some(PathKind::File | PathKind::Other))
                        {
                            return PathFact::Absent {
                                evidence: e.evidence.clone(),
                            };
                        }
                    }
                    None => {
                        if let Some((area, ev)) = self.unknown_area(cur) {
                            return PathFact::Unknown {
                                reason: format!("{} may have written {area}", ev.render()),
                            };
                        }
                        // The parent's listing decides; a directory whose
                        // contents were added without being read (a COPY of
                        // a directory) leaves its children unknown even in
                        // an otherwise complete file system.
                        if let Some(pe) = self.entries.get(parent) {
                            if pe.children_complete {
                                return PathFact::Absent {
                                    evidence: pe.evidence.clone(),
                                };
                            }
                            if self.complete.is_some() {
                                return PathFact::Unknown {
                                    reason: format!("what {parent} holds is not known"),
                                };
                            }
                        }
                        if let Some(ev) = &self.complete {
                            return PathFact::Absent {
                                evidence: ev.clone(),
                            };
                        }
                        return PathFact::Unknown {
                            reason: format!("nothing is known about {cur}"),
                        };
                    }
                }
            }
            let e = self.entries.get(&target);
            return match e {
                Some(e) => PathFact::Exists(PathInfo {
                    path: target.clone(),
                    kind: e.kind,
                    uid: e.uid,
                    gid: e.gid,
                    mode: e.mode,
                    content: e.content,
                    evidence: e.evidence.clone(),
                }),
                None => PathFact::Unknown {
                    reason: "nothing is known about /".into(),
                },
            };
        }
    }
}

/// A user from the image's `/etc/passwd` (or created by `useradd`).
#[derive(Clone, Debug, PartialEq)]
pub struct UserEntry {
    pub name: String,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub home: Option<String>,
    pub evidence: Evidence,
}

#[derive(Clone, Debug, PartialEq)]
pub struct GroupEntry {
    pub name: String,
    pub gid: Option<u32>,
    pub evidence: Evidence,
}

/// Everything known about one image, from whichever source.
#[derive(Clone, Debug, PartialEq)]
pub struct Image {
    /// `USER` as written; `""` when the image sets none (root). `None`: unknown.
    pub user: Option<Fact<String>>,
    pub users: Vec<UserEntry>,
    pub groups: Vec<GroupEntry>,
    /// Set when `/etc/passwd` is fully known: a name not in `users` does not exist.
    pub users_complete: Option<Evidence>,
    /// Set when every `/etc/passwd` and `/etc/group` entry with an id at
    /// or above the value is in `users`/`groups`: after a package manager's
    /// RUN, which adds system accounts only (ids below 1000; decision 0020).
    /// Implied from 0 by `users_complete`.
    pub users_known_from: Option<Fact<u32>>,
    /// `WORKDIR`; `/` when the image sets none.
    pub workdir: Option<Fact<String>>,
    /// Outer `None`: unknown; `Some(Fact(None))`: known to have none.
    pub entrypoint: Option<Fact<Option<ImageCommand>>>,
    pub cmd: Option<Fact<Option<ImageCommand>>>,
    /// Known variables (the image may set others unless the config is known).
    pub env: Vec<(String, Fact<String>)>,
    pub volumes: Vec<Fact<String>>,
    /// The signal `docker stop` sends (`SIGTERM` when the image sets none).
    pub stop_signal: Option<Fact<String>>,
    /// Whether the image defines a health check.
    pub healthcheck: Option<Fact<bool>>,
    /// What the image is (`database`, `cache`, ...; see `builtin::KINDS`).
    pub kind: Option<Fact<String>>,
    pub binaries: Vec<Fact<String>>,
    pub absent_binaries: Vec<Fact<String>>,
    pub starts_as_root_and_drops: Option<Fact<bool>>,
    pub chowns_on_start: Vec<Fact<String>>,
    /// Every path the program writes at run time outside the image's
    /// VOLUMEs; `None`: not known (a Dockerfile layer forgets it).
    pub writes: Option<Fact<Vec<String>>>,
    /// An init (tini, dumb-init) is PID 1 through the image's entrypoint.
    pub init: Option<Fact<String>>,
    /// The image's ENTRYPOINT is a wrapper that ends by exec'ing its
    /// arguments (`exec "$@"`), so the command runs as the program itself.
    /// `None`: not known; `Some(false)`: known not to (or no entrypoint).
    pub execs_args: Option<Fact<bool>>,
    /// The wrapper execs its arguments when the first one is a program of
    /// the image, and puts its own program in front otherwise
    /// ([`super::script::execs_commands`]).
    pub execs_commands: Option<Fact<bool>>,
    /// Directories a package manager filled during the build (the
    /// `node_modules` of `RUN npm ci` in the working directory).
    pub installs: Vec<Fact<String>>,
    /// Single files copied from the local build context: path in the image
    /// -> path on the host, so that a rule can read a script's text.
    pub context_files: BTreeMap<String, PathBuf>,
    pub data_dir_env: Option<Fact<String>>,
    /// Bytes.
    pub min_memory: Option<Fact<i64>>,
    pub shutdown_seconds: Option<Fact<u64>>,
    pub fs: Filesystem,
    pub confidence: Confidence,
    /// Why the confidence is not `Certain`, one line each.
    pub notes: Vec<String>,
    /// Where the facts as a whole come from (for the `images` listing).
    pub origin: Option<Evidence>,
    /// The answers of [`Image::query_shared`].
    pub(crate) path_memo: PathMemo,
}

/// Path answers remembered for an image shared behind an `Arc` (every
/// service on it asks the same ones: X102's PATH lookups were 3.7k
/// instructions a query). A clone starts empty; it never makes two images
/// differ.
#[derive(Default)]
pub(crate) struct PathMemo(std::sync::Mutex<std::collections::HashMap<String, PathFact>>);

impl Clone for PathMemo {
    fn clone(&self) -> PathMemo {
        PathMemo::default()
    }
}

impl PartialEq for PathMemo {
    fn eq(&self, _: &PathMemo) -> bool {
        true
    }
}

impl fmt::Debug for PathMemo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PathMemo")
    }
}

impl Image {
    /// `fs.query(path)`, remembered. Only for an image that no longer
    /// changes (shared behind an `Arc`): a change to `fs` after a query
    /// must call [`Image::forget_queries`].
    pub fn query_shared(&self, path: &str) -> PathFact {
        let memo = || self.path_memo.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(f) = memo().get(path) {
            return f.clone();
        }
        let f = self.fs.query(path);
        memo().insert(path.to_string(), f.clone());
        f
    }

    /// Drops the answers [`Image::query_shared`] remembered.
    pub fn forget_queries(&mut self) {
        self.path_memo = PathMemo::default();
    }

    /// Nothing known.
    pub fn unknown() -> Image {
        Image {
            user: None,
            users: Vec::new(),
            groups: Vec::new(),
            users_complete: None,
            users_known_from: None,
            workdir: None,
            entrypoint: None,
            cmd: None,
            env: Vec::new(),
            volumes: Vec::new(),
            stop_signal: None,
            healthcheck: None,
            kind: None,
            binaries: Vec::new(),
            absent_binaries: Vec::new(),
            starts_as_root_and_drops: None,
            chowns_on_start: Vec::new(),
            writes: None,
            init: None,
            execs_args: None,
            execs_commands: None,
            installs: Vec::new(),
            context_files: BTreeMap::new(),
            data_dir_env: None,
            min_memory: None,
            shutdown_seconds: None,
            fs: Filesystem::default(),
            path_memo: PathMemo::default(),
            confidence: Confidence::Unknown,
            notes: Vec::new(),
            origin: None,
        }
    }

    /// An image with no content and a default config, as `FROM scratch`.
    pub fn scratch(evidence: Evidence) -> Image {
        let ev = || evidence.clone();
        Image {
            user: Some(Fact::new(String::new(), ev())),
            users_complete: Some(ev()),
            workdir: Some(Fact::new("/".into(), ev())),
            entrypoint: Some(Fact::new(None, ev())),
            cmd: Some(Fact::new(None, ev())),
            stop_signal: Some(Fact::new("SIGTERM".into(), ev())),
            healthcheck: Some(Fact::new(false, ev())),
            fs: Filesystem::empty_complete(ev()),
            confidence: Confidence::Certain,
            origin: Some(ev()),
            ..Image::unknown()
        }
    }

    pub fn env(&self, name: &str) -> Option<&Fact<String>> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    pub fn set_env(&mut self, name: &str, value: Fact<String>) {
        self.env.retain(|(k, _)| k != name);
        self.env.push((name.to_string(), value));
    }

    /// The host file that a `COPY` from the local build context put at
    /// `path`: copied as a single file, or inside a copied directory. `None`
    /// when not known, or when the path is known to be gone.
    pub fn context_file(&self, path: &str) -> Option<PathBuf> {
        let path = normalize(path);
        if self.fs.query(&path).is_absent() {
            return None;
        }
        let mut cur = path.as_str();
        loop {
            if let Some(host) = self.context_files.get(cur) {
                let rest = path[cur.len()..].trim_start_matches('/');
                if rest.split('/').any(|c| c == "..") {
                    return None;
                }
                let file = if rest.is_empty() {
                    host.clone()
                } else {
                    host.join(rest)
                };
                let meta = std::fs::symlink_metadata(&file).ok()?;
                return meta.is_file().then_some(file);
            }
            cur = parent_of(cur)?;
        }
    }

    pub fn user_named(&self, name: &str) -> Option<&UserEntry> {
        self.users.iter().rev().find(|u| u.name == name)
    }

    pub fn user_by_uid(&self, uid: u32) -> Option<&UserEntry> {
        self.users.iter().rev().find(|u| u.uid == Some(uid))
    }

    pub fn group_named(&self, name: &str) -> Option<&GroupEntry> {
        self.groups.iter().rev().find(|g| g.name == name)
    }

    /// Whether `/etc/passwd` is known to have no entry with this uid: the
    /// range it falls in is completely known and no user there has an
    /// unknown uid.
    pub fn uid_known_absent(&self, uid: u32) -> bool {
        let range_known = self.users_complete.is_some()
            || self
                .users_known_from
                .as_ref()
                .is_some_and(|f| uid >= f.value);
        range_known && self.users.iter().all(|u| u.uid.is_some())
    }

    /// Lowers the confidence to `Partial` with a reason.
    pub fn lower_confidence(&mut self, why: impl Into<String>) {
        if self.confidence == Confidence::Certain {
            self.confidence = Confidence::Partial;
        }
        self.notes.push(why.into());
    }

    /// Resolves a `user` setting (`name`, `uid`, `name:group`, `uid:gid`)
    /// against the image's users, as the runtime does. `Err` says why it
    /// cannot be known.
    pub fn resolve_user(&self, spec: &str) -> Result<RuntimeUser, String> {
        let (u, g) = match spec.split_once(':') {
            Some((u, g)) => (u, Some(g)),
            None => (spec, None),
        };
        let (name, uid, primary) = if u.is_empty() || u == "root" {
            (Some("root".to_string()), 0, Some(0))
        } else if let Ok(uid) = u.parse::<u32>() {
            match self.user_by_uid(uid) {
                Some(e) => (Some(e.name.clone()), uid, e.gid),
                // The runtime starts a numeric uid that `/etc/passwd` lacks
                // with gid 0, which needs every entry that could hold it known.
                None if self.uid_known_absent(uid) => (None, uid, Some(0)),
                None => (None, uid, None),
            }
        } else {
            match self.user_named(u) {
                Some(e) => match e.uid {
                    Some(uid) => (Some(e.name.clone()), uid, e.gid),
                    None => return Err(format!("the uid of user `{u}` is not known")),
                },
                None if self.users_complete.is_some() => {
                    return Err(format!(
                        "user `{u}` does not exist in the image; the container will not start"
                    ))
                }
                None => return Err(format!("user `{u}` is not known in the image")),
            }
        };
        let gid = match g {
            None => primary,
            Some(g) => match g.parse::<u32>() {
                Ok(gid) => Some(gid),
                Err(_) => match self.group_named(g) {
                    Some(ge) => ge.gid,
                    None => None,
                },
            },
        };
        Ok(RuntimeUser { name, uid, gid })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `forget_under` touches exactly the path and the entries below it,
    /// not its neighbours in the sorted listing (`/a!`, `/a.b`, `/ab`).
    #[test]
    fn forget_under_touches_the_path_and_below_only() {
        let ev = Evidence::Archive {
            path: "t.tar".into(),
            digest: "sha256:0".into(),
        };
        let paths = ["/", "/a", "/a!", "/a.b", "/a/b", "/a/b/c", "/ab", "/b"];
        let fresh = || {
            let mut fs = Filesystem::default();
            for p in paths {
                let mut e = Entry::new(Some(PathKind::Dir), ev.clone());
                e.children_complete = true;
                e.content = Some(Content::Empty);
                e.uid = Some(0);
                fs.entries.insert(p.to_string(), e);
            }
            fs
        };
        let mut fs = fresh();
        fs.forget_under("/a", true, &ev);
        for p in paths {
            let e = &fs.entries[p];
            let below = p == "/a" || p.starts_with("/a/");
            assert_eq!(e.children_complete, !below, "{p}");
            // `/` is the nearest listed ancestor: no longer known empty.
            assert_eq!(e.content.is_none(), below || p == "/", "{p}");
            assert_eq!(e.uid.is_none(), p == "/a", "{p}");
        }
        let mut fs = fresh();
        fs.forget_under("/", false, &ev);
        assert!(fs.entries.values().all(|e| !e.children_complete));
        assert!(fs.entries.values().all(|e| e.uid == Some(0)));
    }

    /// The byte-wise check for a normal path and the parent read from the
    /// last `/` agree with the components, on every path of up to six
    /// characters of `/ . a é` (a two-byte char: positions stay on char
    /// boundaries).
    #[test]
    fn normal_paths_and_parents_by_bytes() {
        let alphabet = ['/', '.', 'a', 'é'];
        let mut paths = vec![String::new()];
        let mut all = Vec::new();
        for _ in 0..6 {
            let mut next = Vec::new();
            for p in &paths {
                for c in alphabet {
                    let mut q = p.clone();
                    q.push(c);
                    next.push(q);
                }
            }
            all.extend(next.iter().cloned());
            paths = next;
        }
        for p in &all {
            assert_eq!(normalize(p), normalize_by_parts(p), "{p:?}");
            assert_eq!(is_normal(p), normalize_by_parts(p) == *p, "{p:?}");
            let n = normalize(p);
            let want = (n != "/").then(|| match n.rfind('/') {
                Some(0) => "/",
                Some(i) => &n[..i],
                None => unreachable!(),
            });
            assert_eq!(parent_of(&n), want, "{n:?}");
        }
    }

    /// The keys below a directory, read from its prefix on, are those a
    /// scan of every key finds, for every directory of a listing whose
    /// keys sort between a directory and its children (`/a-b`, `/a.b`).
    #[test]
    fn keys_below_are_the_scans() {
        let ev = Evidence::Engine {
            image_id: "sha256:0".into(),
        };
        let mut fs = Filesystem::default();
        for p in [
            "/", "/a", "/a-b", "/a.b", "/a/b", "/a/b/c", "/a/b-c", "/a/bc", "/ab", "/ab/c", "/b",
            "/b/a", "/a/b/c/d",
        ] {
            fs.entries
                .insert(p.into(), Entry::new(Some(PathKind::Dir), ev.clone()));
        }
        let dirs: Vec<String> = fs.entries.keys().cloned().collect();
        for d in dirs
            .iter()
            .map(String::as_str)
            .chain(["/a/", "/z", "/a/b/c/d/e"])
        {
            let prefix = dir_prefix(d);
            let scan: Vec<&String> = fs
                .entries
                .keys()
                .filter(|k| k.starts_with(prefix.as_str()))
                .collect();
            let read: Vec<&String> = fs.keys_below(&prefix).collect();
            assert_eq!(read, scan, "{d}");
        }
    }

    /// The fast path of `normalize` agrees with the slow one.
    #[test]
    fn normalize_paths() {
        for (p, want) in [
            ("/", "/"),
            ("", "/"),
            ("/a/b", "/a/b"),
            ("a/b", "/a/b"),
            ("/a/b/", "/a/b"),
            ("/a//b", "/a/b"),
            ("/a/./b/../c", "/a/c"),
            ("/..", "/"),
            ("/a/.b/..c", "/a/.b/..c"),
            ("//a", "/a"),
        ] {
            assert_eq!(normalize(p), want, "{p}");
        }
    }

    /// `query_shared` answers as `fs.query` does, from memory the second
    /// time; `forget_queries` makes a changed file system answer anew, and
    /// a clone starts with nothing remembered.
    #[test]
    fn shared_queries_are_remembered_until_forgotten() {
        let ev = Evidence::Engine {
            image_id: "sha256:0".into(),
        };
        let mut img = Image::unknown();
        img.fs = Filesystem::empty_complete(ev.clone());
        assert!(img.query_shared("/bin/sh").is_absent());
        assert_eq!(img.query_shared("/bin/sh"), img.fs.query("/bin/sh"));
        img.fs
            .entries
            .insert("/bin".into(), Entry::new(Some(PathKind::Dir), ev.clone()));
        img.fs
            .entries
            .insert("/bin/sh".into(), Entry::new(Some(PathKind::File), ev));
        // Remembered: the change is not seen until forgotten (or cloned).
        assert!(img.query_shared("/bin/sh").is_absent());
        assert!(img.clone().query_shared("/bin/sh").exists().is_some());
        img.forget_queries();
        assert!(img.query_shared("/bin/sh").exists().is_some());
    }

    /// A path lies in an unknown area at, below or above it; a sibling
    /// that only shares a prefix (`/ab` for `/a`) does not.
    #[test]
    fn unknown_areas() {
        let ev = Evidence::Archive {
            path: "t.tar".into(),
            digest: "sha256:0".into(),
        };
        let mut fs = Filesystem::default();
        fs.unknown.insert("/a/b".into(), ev);
        for (p, hit) in [
            ("/a/b", true),
            ("/a/b/c", true),
            ("/a", true),
            ("/", true),
            ("/a/bc", false),
            ("/ab", false),
            ("/a/c", false),
        ] {
            assert_eq!(fs.unknown_area(p).is_some(), hit, "{p}");
        }
    }
}
