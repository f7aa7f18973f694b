//! Built-in image facts: `rules/images/*.toml` (format in
//! `rules/images/README.md`), embedded and parsed by `build.rs`: a lint
//! reads only the variant an image matches ([`builtin_lookup`]). The full
//! catalog ([`builtin`], parsed from the embedded text on first use) serves
//! the generator and the tests. Extra directories in the same format can be
//! added (`--image-facts DIR`), parsed at run time.

use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

use crate::fasthash::Map;

use super::facts::{
    dir_prefix, Content, Entry, Evidence, Fact, Filesystem, GroupEntry, Image, ImageCommand,
    PathKind, UserEntry,
};
use super::facts_format::{resolve_extends, FileToml, VariantToml};
use super::reference::{canonical_repository, tag_glob_matches, valid_tag_pattern, Reference};

mod embedded {
    use super::EmbeddedFacts;
    include!(concat!(env!("OUT_DIR"), "/builtin_images.rs"));
}

/// `(name, text)` of every embedded base layout (`rules/images/base/*.txt`).
pub fn embedded_layouts() -> &'static [(&'static str, &'static str)] {
    embedded::LAYOUTS
}

/// `(file name, text)` of every embedded facts file.
pub fn embedded_files() -> &'static [(&'static str, &'static str)] {
    embedded::FILES
}

/// One parsed facts file.
#[derive(Clone, Debug)]
pub struct FactsFile {
    /// As shown in evidence: `rules/images/postgres.toml`.
    pub file: String,
    pub repository: String,
    /// Canonical names (repository first, then aliases).
    names: Vec<String>,
    variants: Vec<VariantToml>,
    /// `database`, `cache`, ... (see [`KINDS`]).
    pub kind: Option<String>,
}

/// The kinds an image may declare (`kind = "database"` at the top of its
/// facts file). `database` and `cache` hold data and often listen without
/// authentication by default; `broker` is a message broker or queue.
pub const KINDS: &[&str] = &["database", "cache", "broker", "web", "tool"];

impl FactsFile {
    pub fn variant_count(&self) -> usize {
        self.variants.len()
    }
    pub fn tag_patterns(&self) -> impl Iterator<Item = &str> {
        self.variants
            .iter()
            .flat_map(|v| v.tags.iter().map(String::as_str))
    }
}

/// A set of facts files.
#[derive(Clone, Debug, Default)]
pub struct Catalog {
    pub files: Vec<FactsFile>,
}

/// The result of looking an image up.
#[derive(Clone, Debug)]
pub enum Lookup {
    Found(Arc<Image>),
    /// The repository has facts, but not for this tag.
    NoVariant {
        file: String,
        why: String,
    },
    NotFound,
}

static BUILTIN: OnceLock<Catalog> = OnceLock::new();

/// The embedded catalog, parsed on first use. A file that does not parse is
/// left out (the unit test over every embedded file keeps that from shipping).
pub fn builtin() -> &'static Catalog {
    BUILTIN.get_or_init(|| {
        let mut cat = Catalog::default();
        for (name, text) in embedded_files() {
            if let Ok(f) = parse_file(&format!("rules/images/{name}"), text) {
                cat.files.push(f);
            }
        }
        cat
    })
}

static BUILTIN_LOOKUPS: OnceLock<Mutex<Map<String, Lookup>>> = OnceLock::new();

/// [`Catalog::lookup`] in the built-in catalog, remembered for the whole
/// run: every job shares one read-only image, so a repository of projects
/// on the same few images matches tags and builds each image once.
pub fn builtin_lookup(image: &str) -> Lookup {
    let cache = BUILTIN_LOOKUPS.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(image).cloned()) {
        return hit;
    }
    let found = lazy_lookup(image);
    if let Ok(mut c) = cache.lock() {
        c.insert(image.to_string(), found.clone());
    }
    found
}

/// One embedded facts file as `build.rs` parsed it: its names and kind,
/// and per variant (in file order) its tag patterns and its facts with
/// `extends` resolved, as JSON for [`VariantToml`].
pub struct EmbeddedFacts {
    /// As shown in evidence: `rules/images/postgres.toml`.
    pub file: &'static str,
    pub repository: &'static str,
    /// The repository and its aliases, as written.
    pub names: &'static [&'static str],
    pub kind: Option<&'static str>,
    pub variants: &'static [(&'static [&'static str], &'static str)],
}

/// Every embedded facts file, parsed at build time.
pub fn embedded_facts() -> &'static [EmbeddedFacts] {
    embedded::FACTS
}

/// Looks an image up in the facts parsed at build time: only the variant
/// that matches is read (from JSON), not the TOML of the whole file.
fn lazy_lookup(image: &str) -> Lookup {
    let Some(r) = Reference::parse(image) else {
        return Lookup::NotFound;
    };
    let Some(f) = embedded_file(&r.repository()) else {
        return Lookup::NotFound;
    };
    let tags = f.variants.iter().map(|(tags, _)| tags.iter().copied());
    match first_variant(f.file, &r, tags) {
        Ok((i, pattern)) => Lookup::Found(built_variant(f, i, pattern)),
        Err(miss) => miss,
    }
}

/// The image of variant `i` of `f`, matched by `pattern`: built once for
/// the run. The tags of one variant (`postgres:16.2`, `postgres:16`) give
/// the same image, down to its evidence, so they share it.
fn built_variant(f: &'static EmbeddedFacts, i: usize, pattern: &'static str) -> Arc<Image> {
    type Key = (usize, usize, &'static str);
    static BUILT: OnceLock<Mutex<Map<Key, Arc<Image>>>> = OnceLock::new();
    let key = (f as *const EmbeddedFacts as usize, i, pattern);
    let cache = BUILT.get_or_init(Default::default);
    if let Some(hit) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return hit;
    }
    let v: VariantToml = serde_json::from_str(f.variants[i].1)
        .expect("build.rs wrote the variant from the same type");
    let image = Arc::new(variant_image(f.file, f.repository, f.kind, &v, pattern));
    if let Ok(mut c) = cache.lock() {
        c.entry(key).or_insert_with(|| image.clone());
    }
    image
}

/// [`Catalog::kind_of`] in the built-in catalog, read from the facts parsed
/// at build time.
pub fn builtin_kind_of(image: &str) -> Option<(&'static str, &'static str)> {
    builtin_kind_of_reference(&Reference::parse(image)?)
}

/// [`builtin_kind_of`] for a reference already parsed.
pub fn builtin_kind_of_reference(r: &Reference) -> Option<(&'static str, &'static str)> {
    let f = embedded_file(&r.repository())?;
    Some((f.kind?, f.file))
}

/// The first embedded facts file that names `repo` (canonical), as the
/// full catalog finds it.
fn embedded_file(repo: &str) -> Option<&'static EmbeddedFacts> {
    // Canonical name -> the first file naming it: every service's image is
    // looked up, so a scan of every name of every file would cost each one.
    static FIRST: OnceLock<Map<String, usize>> = OnceLock::new();
    let first = FIRST.get_or_init(|| {
        let mut first = Map::default();
        for (i, f) in embedded_facts().iter().enumerate() {
            for n in f.names.iter().filter_map(|n| canonical_repository(n)) {
                first.entry(n).or_insert(i);
            }
        }
        first
    });
    first.get(repo).map(|&i| &embedded_facts()[i])
}

/// Parses and checks one facts file.
pub fn parse_file(file: &str, text: &str) -> Result<FactsFile, String> {
    let t: FileToml = toml::from_str(text).map_err(|e| format!("{file}: {e}"))?;
    let mut names = Vec::new();
    for n in std::iter::once(&t.repository).chain(&t.aliases) {
        if n.contains('@') {
            return Err(format!("{file}: `{n}` must be a repository without tag"));
        }
        let c = canonical_repository(n)
            .ok_or_else(|| format!("{file}: `{n}` is not a repository name"))?;
        if Reference::parse(n).is_some_and(|r| r.tag.is_some()) {
            return Err(format!("{file}: `{n}` must be a repository without tag"));
        }
        names.push(c);
    }
    if t.variant.is_empty() {
        return Err(format!("{file}: no [[variant]]"));
    }
    for (i, v) in t.variant.iter().enumerate() {
        let which = format!("{file}: variant {}", i + 1);
        if v.tags.is_empty() {
            return Err(format!("{which}: no tags"));
        }
        for p in &v.tags {
            if !valid_tag_pattern(p) {
                return Err(format!("{which}: `{p}` is not a valid tag pattern"));
            }
        }
        match &v.source {
            Some(s) if s.starts_with("https://") => {}
            _ => return Err(format!("{which}: `source` must be an https URL")),
        }
        if v.entrypoint.is_some() && v.entrypoint_shell.is_some() {
            return Err(format!("{which}: both entrypoint and entrypoint_shell"));
        }
        if v.cmd.is_some() && v.cmd_shell.is_some() {
            return Err(format!("{which}: both cmd and cmd_shell"));
        }
        if let Some(m) = &v.min_memory {
            crate::model::parse_bytes(m).map_err(|e| format!("{which}: min_memory: {e}"))?;
        }
        if let Some(ext) = &v.extends {
            if !t.variant.iter().any(|o| o.tags.contains(ext)) {
                return Err(format!(
                    "{which}: extends `{ext}`, which no variant in this file lists"
                ));
            }
        }
        if let Some(l) = &v.layout {
            if super::layout::get(l).is_none() {
                return Err(format!("{which}: no base layout `{l}`"));
            }
        }
        for u in v.unknown.iter().flatten() {
            if !u.starts_with('/') {
                return Err(format!("{which}: unknown area `{u}` is not absolute"));
            }
        }
        for p in v.paths.iter().flatten() {
            let pw = format!("{which}: path {}", p.path);
            if !p.path.starts_with('/') {
                return Err(format!("{pw}: not absolute"));
            }
            if PathKind::parse(&p.kind).is_none() {
                return Err(format!("{pw}: kind must be dir, file or symlink"));
            }
            if let Some(o) = &p.owner {
                parse_owner(o).ok_or_else(|| format!("{pw}: owner must be uid:gid"))?;
            }
            if let Some(m) = &p.mode {
                u32::from_str_radix(m, 8).map_err(|_| format!("{pw}: mode must be octal"))?;
            }
            if let Some(c) = &p.content {
                Content::parse(c).ok_or_else(|| format!("{pw}: unknown content `{c}`"))?;
            }
        }
    }
    // Resolve extends now so that cycles are an error of the file.
    let mut variants = Vec::with_capacity(t.variant.len());
    for i in 0..t.variant.len() {
        variants.push(resolve_extends(&t.variant, i, 0).map_err(|e| format!("{file}: {e}"))?);
    }
    if let Some(k) = &t.kind {
        if !KINDS.contains(&k.as_str()) {
            return Err(format!(
                "{file}: unknown kind `{k}` (one of: {})",
                KINDS.join(", ")
            ));
        }
    }
    Ok(FactsFile {
        file: file.to_string(),
        repository: t.repository,
        names,
        variants,
        kind: t.kind,
    })
}

fn parse_owner(s: &str) -> Option<(u32, u32)> {
    let (u, g) = s.split_once(':')?;
    Some((u.parse().ok()?, g.parse().ok()?))
}

impl Catalog {
    /// Loads every `*.toml` in `dir` (sorted by name), as `--image-facts`.
    pub fn load_dir(dir: &Path) -> Result<Catalog, String> {
        let mut names: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| format!("{}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        names.sort();
        let mut cat = Catalog::default();
        for p in names {
            let text = crate::load::project::read_text(&p, 1024 * 1024)
                .map_err(|e| format!("{}: {e}", p.display()))?;
            cat.files.push(parse_file(&p.display().to_string(), &text)?);
        }
        Ok(cat)
    }

    /// The kind of an image's repository (`database`, `cache`, ...), with
    /// the facts file that says so, whatever the tag: a kind holds for
    /// every tag of a repository, even one with no variant.
    pub fn kind_of(&self, image: &str) -> Option<(&str, &str)> {
        let repo = Reference::parse(image)?.repository();
        let file = self.files.iter().find(|f| f.names.contains(&repo))?;
        Some((file.kind.as_deref()?, file.file.as_str()))
    }

    /// The facts for an image reference. The first file naming the
    /// repository decides; within it, the first variant whose tags match.
    pub fn lookup(&self, image: &str) -> Lookup {
        let Some(r) = Reference::parse(image) else {
            return Lookup::NotFound;
        };
        let repo = r.repository();
        let Some(file) = self.files.iter().find(|f| f.names.contains(&repo)) else {
            return Lookup::NotFound;
        };
        lookup_in(file, &r)
    }
}

/// [`Catalog::lookup`] in the one file that names the repository.
fn lookup_in(file: &FactsFile, r: &Reference) -> Lookup {
    let tags = file
        .variants
        .iter()
        .map(|v| v.tags.iter().map(String::as_str));
    match first_variant(&file.file, r, tags) {
        Ok((i, pattern)) => Lookup::Found(Arc::new(variant_image(
            &file.file,
            &file.repository,
            file.kind.as_deref(),
            &file.variants[i],
            pattern,
        ))),
        Err(miss) => miss,
    }
}

/// The first variant, given as its tag patterns in file order, that lists
/// the reference's tag, and the pattern that matched; or why none does.
fn first_variant<'a, T>(
    file: &str,
    r: &Reference,
    variants: impl Iterator<Item = T>,
) -> Result<(usize, &'a str), Lookup>
where
    T: Iterator<Item = &'a str>,
{
    let Some(tag) = r.effective_tag() else {
        return Err(Lookup::NoVariant {
            file: file.to_string(),
            why: "the image is pinned by digest only; built-in facts are per tag".into(),
        });
    };
    for (i, mut patterns) in variants.enumerate() {
        // `latest` (or no tag) matches only a listed "latest", not `*`.
        let hit = patterns.find(|p| {
            if tag == "latest" {
                *p == "latest"
            } else {
                tag_glob_matches(p, tag)
            }
        });
        if let Some(pattern) = hit {
            return Ok((i, pattern));
        }
    }
    Err(Lookup::NoVariant {
        file: file.to_string(),
        why: format!("no variant lists tag `{tag}`"),
    })
}

fn variant_image(
    file: &str,
    repository: &str,
    kind: Option<&str>,
    v: &VariantToml,
    pattern: &str,
) -> Image {
    let ev = Evidence::Builtin {
        file: file.into(),
        repository: repository.into(),
        tag_pattern: pattern.into(),
        source_url: v.source.as_deref().unwrap_or_default().into(),
    };
    let f = |x| Fact::new(x, ev.clone());
    let mut img = Image::unknown();
    img.origin = Some(ev.clone());
    img.confidence = super::facts::Confidence::Partial;
    img.user = Some(f(v.user.clone().unwrap_or_default()));
    img.workdir = v.workdir.clone().map(f);
    // `entrypoint = []` / `cmd = []`: the image sets none (known).
    img.entrypoint = match (&v.entrypoint, &v.entrypoint_shell) {
        // `entrypoint = []`: the image sets none (`null` in its config).
        (Some(e), _) if e.is_empty() => Some(Fact::new(None, ev.clone())),
        (Some(e), _) => Some(Fact::new(Some(ImageCommand::Exec(e.clone())), ev.clone())),
        (_, Some(s)) => Some(Fact::new(Some(ImageCommand::Shell(s.clone())), ev.clone())),
        _ => None,
    };
    img.cmd = match (&v.cmd, &v.cmd_shell) {
        (Some(e), _) if e.is_empty() => Some(Fact::new(None, ev.clone())),
        (Some(e), _) => Some(Fact::new(Some(ImageCommand::Exec(e.clone())), ev.clone())),
        (_, Some(s)) => Some(Fact::new(Some(ImageCommand::Shell(s.clone())), ev.clone())),
        _ => None,
    };
    img.stop_signal = v.stop_signal.clone().map(f);
    img.volumes = v.volumes.iter().flatten().cloned().map(f).collect();
    img.healthcheck = v.healthcheck.map(|h| Fact::new(h, ev.clone()));
    img.kind = kind.map(|k| f(k.to_string()));
    for (k, val) in v.env.iter().flatten() {
        img.env.push((k.clone(), f(val.clone())));
    }
    img.binaries = v
        .shells
        .iter()
        .flatten()
        .chain(v.binaries.iter().flatten())
        .cloned()
        .map(f)
        .collect();
    img.absent_binaries = v.absent_binaries.iter().flatten().cloned().map(f).collect();
    img.starts_as_root_and_drops = v.starts_as_root_and_drops.map(|b| Fact::new(b, ev.clone()));
    img.chowns_on_start = v.chowns_on_start.iter().flatten().cloned().map(f).collect();
    img.writes = v.writes.clone().map(|w| Fact::new(w, ev.clone()));
    img.init = v.init.clone().map(f);
    img.execs_args = match (&v.execs_args, &img.entrypoint) {
        (Some(b), _) => Some(Fact::new(*b, ev.clone())),
        // No entrypoint: the command is the program, nothing execs it.
        (None, Some(Fact { value: None, .. })) => Some(Fact::new(false, ev.clone())),
        _ => None,
    };
    img.execs_commands = v.execs_commands.map(|b| Fact::new(b, ev.clone()));
    img.data_dir_env = v.data_dir_env.clone().map(f);
    img.min_memory = v
        .min_memory
        .as_deref()
        .and_then(|m| crate::model::parse_bytes(m).ok())
        .map(|b| Fact::new(b, ev.clone()));
    img.shutdown_seconds = v.shutdown_seconds.map(|s| Fact::new(s, ev.clone()));

    // Users: the layout's (or root), the listed ones, plus the image user
    // when only uid/gid are given.
    let layout = v.layout.as_deref().and_then(super::layout::get);
    match &layout {
        Some(l) => {
            let lev = layout_evidence(l, &ev);
            for u in &l.users {
                img.users.push(UserEntry {
                    evidence: lev.clone(),
                    ..u.clone()
                });
            }
            for g in &l.groups {
                img.groups.push(GroupEntry {
                    evidence: lev.clone(),
                    ..g.clone()
                });
            }
        }
        None => {
            img.users.push(UserEntry {
                name: "root".into(),
                uid: Some(0),
                gid: Some(0),
                home: Some("/root".into()),
                evidence: ev.clone(),
            });
            img.groups.push(GroupEntry {
                name: "root".into(),
                gid: Some(0),
                evidence: ev.clone(),
            });
        }
    }
    if v.users_complete == Some(true) {
        img.users_complete = Some(ev.clone());
    } else if let Some(from) = v.users_known_from {
        img.users_known_from = Some(Fact::new(from, ev.clone()));
    }
    for u in v.users.iter().flatten() {
        img.users.push(UserEntry {
            name: u.name.clone(),
            uid: u.uid,
            gid: u.gid,
            home: u.home.clone(),
            evidence: ev.clone(),
        });
    }
    if let (Some(name), Some(uid)) = (&v.user, v.uid) {
        let numeric = name
            .split(':')
            .next()
            .is_some_and(|u| u.parse::<u32>().is_ok());
        if !numeric && img.user_named(name).is_none() {
            img.users.push(UserEntry {
                name: name.clone(),
                uid: Some(uid),
                gid: v.gid,
                home: None,
                evidence: ev.clone(),
            });
        }
    }

    img.fs = builtin_fs(v, &ev);
    if let Some(note) = &v.note {
        img.notes.push(format!("facts note: {note}"));
    }
    img
}

/// A layout's facts are cited as the layout file, used by this variant.
fn layout_evidence(l: &super::layout::Layout, ev: &Evidence) -> Evidence {
    match ev {
        Evidence::Builtin {
            repository,
            tag_pattern,
            ..
        } => Evidence::Builtin {
            file: format!("rules/images/base/{}.txt", l.name).into(),
            repository: repository.clone(),
            tag_pattern: tag_pattern.clone(),
            source_url: l.source.as_str().into(),
        },
        other => other.clone(),
    }
}

fn builtin_fs(v: &VariantToml, ev: &Evidence) -> Filesystem {
    let mut fs = match v.layout.as_deref().and_then(super::layout::get) {
        Some(l) => super::layout::filesystem_with(&l, &layout_evidence(&l, ev)),
        None => Filesystem::default(),
    };
    for u in v.unknown.iter().flatten() {
        fs.forget_under(u, false, ev);
    }
    let implied = |_: &str| Entry::new(Some(PathKind::Dir), ev.clone());
    for p in v.paths.iter().flatten() {
        let mut e = Entry::new(PathKind::parse(&p.kind), ev.clone());
        if let Some((u, g)) = p.owner.as_deref().and_then(parse_owner) {
            e.uid = Some(u);
            e.gid = Some(g);
        }
        e.mode = p
            .mode
            .as_deref()
            .and_then(|m| u32::from_str_radix(m, 8).ok());
        e.content = p.content.as_deref().and_then(Content::parse);
        e.link = p.target.clone();
        if let Some(children) = &p.children {
            // What the layout had there and the list leaves out is gone.
            let dir = super::facts::normalize(&p.path);
            let prefix = dir_prefix(&dir);
            let gone: Vec<String> = fs
                .keys_below(&prefix)
                .filter(|k| {
                    let rest = &k[prefix.len()..];
                    let first = rest.split('/').next().unwrap_or(rest);
                    !rest.is_empty() && !children.iter().any(|c| c == first)
                })
                .cloned()
                .collect();
            for k in gone {
                fs.entries.remove(&k);
            }
            e.children_complete = true;
            if children.is_empty() && e.content.is_none() {
                e.content = Some(Content::Empty);
            }
        }
        // An empty directory has no children to be unsure about.
        if e.content == Some(Content::Empty) {
            e.children_complete = true;
        }
        fs.insert(&p.path, e, &implied);
    }
    // Listed children exist, kind unknown unless described.
    for p in v.paths.iter().flatten() {
        for c in p.children.iter().flatten() {
            let child = super::facts::join(&p.path, c);
            if fs.get(&child).is_none() {
                fs.insert(&child, Entry::new(None, ev.clone()), &implied);
            }
        }
    }
    for b in v.shells.iter().flatten().chain(v.binaries.iter().flatten()) {
        // Known through the layout already (maybe under a symlink: /bin).
        if fs.query(b).exists().is_none() && fs.get(b).is_none() {
            fs.insert(b, Entry::new(None, ev.clone()), &implied);
        }
    }
    for b in v.absent_binaries.iter().flatten() {
        fs.absent.insert(super::facts::normalize(b), ev.clone());
    }
    fs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::facts::PathFact;

    const SAMPLE: &str = r#"
repository = "apacherocketmq/rocketmq"
aliases = ["docker.io/apacherocketmq/rocketmq"]

[[variant]]
tags = ["4.3.*", "4.4.*"]
source = "https://github.com/apache/rocketmq-docker/blob/abc/image-build/Dockerfile"
user = "rocketmq"
uid = 3000
gid = 3000
workdir = "/opt/rocketmq-4.3.1"
entrypoint_shell = "sh"
absent_binaries = ["/bin/ash"]

[[variant.users]]
name = "rocketmq"
uid = 3000
gid = 3000
home = "/home/rocketmq"

[[variant.paths]]
path = "/home/rocketmq"
kind = "dir"
owner = "3000:3000"
mode = "0700"
content = "dotfiles"
children = [".bash_logout", ".bash_profile", ".bashrc"]

[[variant]]
tags = ["latest", "5.*"]
extends = "4.3.*"
source = "https://github.com/apache/rocketmq-docker/blob/def/image-build/Dockerfile"
workdir = "/home/rocketmq/rocketmq-5.0.0"
"#;

    fn cat() -> Catalog {
        Catalog {
            files: vec![parse_file("rules/images/apacherocketmq__rocketmq.toml", SAMPLE).unwrap()],
        }
    }

    fn found(c: &Catalog, image: &str) -> Image {
        match c.lookup(image) {
            Lookup::Found(i) => Arc::unwrap_or_clone(i),
            other => panic!("{image}: {other:?}"),
        }
    }

    #[test]
    fn matching() {
        let c = cat();
        for image in [
            "apacherocketmq/rocketmq:4.3.1",
            "docker.io/apacherocketmq/rocketmq:4.3.2",
            "index.docker.io/apacherocketmq/rocketmq:4.4.0@sha256:00",
        ] {
            let img = found(&c, image);
            assert_eq!(img.workdir.unwrap().value, "/opt/rocketmq-4.3.1", "{image}");
        }
        // `latest` and no tag only match a listed "latest".
        for image in ["apacherocketmq/rocketmq", "apacherocketmq/rocketmq:latest"] {
            let img = found(&c, image);
            assert_eq!(img.workdir.unwrap().value, "/home/rocketmq/rocketmq-5.0.0");
        }
        assert!(matches!(
            c.lookup("apacherocketmq/rocketmq:3.0"),
            Lookup::NoVariant { .. }
        ));
        assert!(matches!(
            c.lookup("apacherocketmq/rocketmq@sha256:00"),
            Lookup::NoVariant { .. }
        ));
        assert!(matches!(
            c.lookup("ghcr.io/apacherocketmq/rocketmq:4.3.1"),
            Lookup::NotFound
        ));
        assert!(matches!(c.lookup("postgres"), Lookup::NotFound));
    }

    #[test]
    fn facts_and_extends() {
        let c = cat();
        let img = found(&c, "apacherocketmq/rocketmq:4.3.1");
        assert_eq!(
            img.resolve_user("rocketmq").unwrap().render(),
            "rocketmq (3000:3000)"
        );
        assert_eq!(img.user.as_ref().unwrap().value, "rocketmq");
        assert_eq!(
            img.user.as_ref().unwrap().evidence.render(),
            "built-in facts rules/images/apacherocketmq__rocketmq.toml (4.3.*), from https://github.com/apache/rocketmq-docker/blob/abc/image-build/Dockerfile"
        );
        let home = img.fs.query("/home/rocketmq");
        let info = home.exists().unwrap();
        assert_eq!(info.owner().as_deref(), Some("3000:3000"));
        assert_eq!(info.mode, Some(0o700));
        assert!(img.fs.query("/home/rocketmq/store").is_absent());
        assert!(img.fs.query("/home/rocketmq/.bashrc").exists().is_some());
        assert!(matches!(img.fs.query("/opt/x"), PathFact::Unknown { .. }));
        assert!(img.fs.query("/bin/ash").is_absent());
        assert_eq!(
            img.entrypoint.unwrap().value,
            Some(ImageCommand::Shell("sh".into()))
        );
        // The extending variant keeps users and paths, overrides workdir.
        let img = found(&c, "apacherocketmq/rocketmq:5.1");
        assert!(img.fs.query("/home/rocketmq/store").is_absent());
        assert_eq!(img.resolve_user("rocketmq").unwrap().uid, 3000);
        match img.origin.unwrap() {
            Evidence::Builtin { tag_pattern, .. } => assert_eq!(&*tag_pattern, "5.*"),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn bad_files() {
        let base = "repository = \"x/y\"\n[[variant]]\nsource = \"https://e/x\"\n";
        for (extra, want) in [
            ("tags = [\"a/b\"]\n", "not a valid tag pattern"),
            ("tags = []\n", "no tags"),
            ("tags = [\"1\"]\nbogus = 1\n", "unknown field"),
            ("tags = [\"1\"]\nextends = \"2\"\n", "no variant"),
            (
                "tags = [\"1\"]\n[[variant.paths]]\npath = \"rel\"\nkind = \"dir\"\n",
                "not absolute",
            ),
            (
                "tags = [\"1\"]\n[[variant.paths]]\npath = \"/a\"\nkind = \"dir\"\nowner = \"x\"\n",
                "owner",
            ),
            ("tags = [\"1\"]\nmin_memory = \"lots\"\n", "min_memory"),
        ] {
            let err = parse_file("t.toml", &format!("{base}{extra}")).unwrap_err();
            assert!(err.contains(want), "{extra}: {err}");
        }
        let err = parse_file(
            "t.toml",
            "repository = \"x:1\"\n[[variant]]\ntags=[\"1\"]\nsource=\"https://e\"\n",
        )
        .unwrap_err();
        assert!(err.contains("without tag"), "{err}");
        let err = parse_file(
            "t.toml",
            "repository = \"x/y\"\n[[variant]]\ntags=[\"1\"]\n",
        )
        .unwrap_err();
        assert!(err.contains("source"), "{err}");
    }

    /// Every embedded file parses, names a source for every variant (checked
    /// by `parse_file`), and has valid tag patterns.
    #[test]
    fn every_embedded_file_parses() {
        for (name, text) in embedded_files() {
            let f =
                parse_file(&format!("rules/images/{name}"), text).unwrap_or_else(|e| panic!("{e}"));
            let expected = format!("{}.toml", f.repository.replace('/', "__"));
            assert_eq!(*name, expected, "file name must follow the repository");
            assert!(f.tag_patterns().all(valid_tag_pattern));
        }
        assert_eq!(builtin().files.len(), embedded_files().len());
    }

    /// What build.rs parsed is what the run-time parser reads from the same
    /// text: names, kind and every variant with `extends` resolved.
    #[test]
    fn build_time_facts_are_the_parsers() {
        assert_eq!(embedded_facts().len(), embedded_files().len());
        for (e, (name, text)) in embedded_facts().iter().zip(embedded_files()) {
            let f = parse_file(&format!("rules/images/{name}"), text).unwrap();
            assert_eq!(e.file, f.file);
            assert_eq!(e.repository, f.repository);
            let names: Vec<String> = e
                .names
                .iter()
                .filter_map(|n| canonical_repository(n))
                .collect();
            assert_eq!(names, f.names, "{name}");
            assert_eq!(e.kind, f.kind.as_deref(), "{name}");
            assert_eq!(e.variants.len(), f.variants.len(), "{name}");
            for ((tags, json), v) in e.variants.iter().zip(&f.variants) {
                let read: VariantToml = serde_json::from_str(json).unwrap();
                assert_eq!(&read, v, "{name}");
                assert_eq!(tags.to_vec(), v.tags, "{name}");
            }
        }
    }

    /// The kind read from the one file naming the repository is the full
    /// catalog's, for every name of every embedded file and a stranger.
    #[test]
    fn lazy_kind_is_the_catalogs() {
        let mut kinds = 0;
        for f in &builtin().files {
            for n in &f.names {
                let image = format!("{n}:1");
                assert_eq!(
                    builtin_kind_of(&image),
                    builtin().kind_of(&image),
                    "{image}"
                );
                kinds += usize::from(builtin_kind_of(&image).is_some());
            }
        }
        assert!(kinds > 0, "some embedded file declares a kind");
        assert_eq!(builtin_kind_of("example.org/nobody/nothing:1"), None);
    }
}
