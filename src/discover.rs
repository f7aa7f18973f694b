//! Finding what to lint: Compose files named on the command line, the
//! default project of a directory, or every Compose file under a directory.
//!
//! The unit of work is a [`Job`]: the files `docker compose` would load
//! together (`-f base -f override`), and which of them the results are for.
//! A base file and its `.override` sibling are one job. A file meant to be
//! layered with `-f` (an "overlay" such as `docker-compose.prod.yml`) is
//! linted merged onto the base beside it, and only its own findings are
//! reported.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::fasthash::{Map, Set};
use crate::load::interpolate::Env;
use crate::load::project::{self, Input, LoadOptions};
use crate::model::{self, Field, Outline};
use compact_str::CompactString;

/// The names `docker compose` looks for, in its order of preference.
pub const DEFAULT_NAMES: [&str; 4] = [
    "compose.yaml",
    "compose.yml",
    "docker-compose.yaml",
    "docker-compose.yml",
];

#[derive(Clone, Debug, Default)]
pub struct Job {
    /// Loaded and merged in order, as with `-f`.
    pub inputs: Vec<Input>,
    /// Only diagnostics in these files are reported (`None`: all).
    pub report_only: Option<Vec<PathBuf>>,
    /// Linted as an overlay of these bases (said in the output), loaded
    /// before the file as `docker compose -f base... -f file` would.
    pub overlay_of: Vec<PathBuf>,
    /// Why these bases were chosen (said in the output).
    pub why: String,
    /// Whether the job may be an overlay without a base: services that lack
    /// `image` and `build` are then expected.
    pub maybe_overlay: bool,
}

impl Job {
    fn single(path: PathBuf) -> Job {
        Job {
            inputs: vec![Input { path, text: None }],
            ..Default::default()
        }
    }
}

/// Is this file name one compose-lint treats as a Compose file when walking?
/// `compose.yaml`, `docker-compose.prod.yml`, `compose.override.yaml`,
/// `docker-stack.yml`, `traefik-compose.yml`, `app.compose.yaml`, ...
pub fn is_compose_name(name: &str) -> bool {
    let Some(stem) = name
        .strip_suffix(".yml")
        .or_else(|| name.strip_suffix(".yaml"))
    else {
        return false;
    };
    if stem.ends_with("-compose") || stem.ends_with(".compose") {
        return stem.len() > ".compose".len();
    }
    let rest = stem
        .strip_prefix("docker-compose")
        .or_else(|| stem.strip_prefix("compose"))
        .or_else(|| stem.strip_prefix("docker-stack"));
    match rest {
        Some("") => true,
        Some(r) => r.starts_with('.') || r.starts_with('-') || r.starts_with('_'),
        None => false,
    }
}

/// A YAML file with another name counts as Compose when it has a top-level
/// `services:` key.
///
/// A Compose file's contents are kept for the look-ahead that reads it
/// next (`fscache::keep_bytes`).
fn has_top_level_services(path: &Path) -> bool {
    let Ok(bytes) = project::read_bytes(path, 4 * 1024 * 1024) else {
        return false;
    };
    let compose = std::str::from_utf8(&bytes).is_ok_and(|t| {
        t.lines().any(|l| {
            l.strip_prefix("services")
                .is_some_and(|r| r.trim_start().starts_with(':'))
        })
    });
    if compose {
        crate::fscache::keep_bytes(path, bytes);
    }
    compose
}

fn is_yaml_name(name: &str) -> bool {
    name.ends_with(".yml") || name.ends_with(".yaml")
}

fn is_base_name(name: &str) -> bool {
    DEFAULT_NAMES.contains(&name)
}

/// The `.override` siblings of [`DEFAULT_NAMES`], in the same order.
const DEFAULT_OVERRIDES: [&str; 4] = [
    "compose.override.yaml",
    "compose.override.yml",
    "docker-compose.override.yaml",
    "docker-compose.override.yml",
];

/// `compose.yaml` -> `compose.override.yaml`.
fn override_name(base: &str) -> String {
    // A default name's is known (a walk asks twice per folder).
    if let Some(i) = DEFAULT_NAMES.iter().position(|n| *n == base) {
        return DEFAULT_OVERRIDES[i].to_string();
    }
    let (stem, ext) = base.rsplit_once('.').unwrap_or((base, "yml"));
    format!("{stem}.override.{ext}")
}

/// The default project of `dir`, as `docker compose` finds it: the first
/// default name that exists, plus its `.override` sibling.
pub fn default_project(dir: &Path) -> Option<Job> {
    let base = DEFAULT_NAMES
        .iter()
        .find(|n| crate::fscache::is_file(&dir.join(n)))?;
    let mut inputs = vec![Input {
        path: clean(&dir.join(base)),
        text: None,
    }];
    let ov = dir.join(override_name(base));
    if crate::fscache::is_file(&ov) {
        inputs.push(Input {
            path: clean(&ov),
            text: None,
        });
    }
    Some(Job {
        inputs,
        ..Default::default()
    })
}

/// Strips a leading `./` so printed paths read as the user typed them.
fn clean(p: &Path) -> PathBuf {
    // Only a path that starts with a `.` can start with a `.` component.
    if !p.as_os_str().as_encoded_bytes().starts_with(b".") {
        return p.to_path_buf();
    }
    p.strip_prefix(".")
        .map(Path::to_path_buf)
        .unwrap_or_else(|_| p.to_path_buf())
}

/// The repository a path belongs to: the enclosing git work tree, else
/// `fallback`, widened to the nearest folder above the path (at most three
/// levels up) that holds a default-named Compose file when `fallback` is
/// inside it. Outside git that folder is the project an overlay below it is
/// layered on (`cd ci/x && docker compose -f ../../compose.yaml -f
/// compose.yaml`), so linting from the overlay's folder finds the same base
/// as linting from the project's.
pub fn repository_root(path: &Path, fallback: &Path) -> PathBuf {
    let abs = project::absolute(path);
    if let Some(git) = crate::fscache::git_root(&abs) {
        return git;
    }
    let fallback = project::absolute(fallback);
    let dir = if crate::fscache::is_dir(&abs) {
        abs.as_path()
    } else {
        abs.parent().unwrap_or(&abs)
    };
    dir.ancestors()
        .skip(1)
        .take(3)
        .find(|a| {
            fallback.starts_with(a) && crate::fscache::first_file_in(a, &DEFAULT_NAMES).is_some()
        })
        .map_or(fallback.clone(), Path::to_path_buf)
}

/// The kind of a name a Compose file defines or refers to, ordered as
/// the words are.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Kind {
    Config,
    Network,
    Secret,
    Service,
    Volume,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Config => "config",
            Kind::Network => "network",
            Kind::Secret => "secret",
            Kind::Service => "service",
            Kind::Volume => "volume",
        }
    }
}

/// A name of a kind (`service db`, `volume data`). The pairs sort as the
/// `kind:name` strings they stand for would (no kind's word begins
/// another's), so the names listed in the output come in the same order;
/// a name up to 24 bytes is held inline, without an allocation.
type Name = (Kind, CompactString);

/// What a Compose file defines and what it refers to without defining it.
#[derive(Clone, Debug, Default, PartialEq)]
struct Names {
    defined: BTreeSet<Name>,
    missing: BTreeSet<Name>,
    /// Services without `image`/`build`: only a base can complete them.
    incomplete: BTreeSet<Name>,
    /// What the file provides as a base: `defined` less `missing`.
    provides: BTreeSet<Name>,
}

/// What `path` defines and lacks, read with `editor`'s texts and parses
/// (see [`Repository::with_texts`]).
fn names_of(path: &Path, root: &Path, editor: &Editor) -> Names {
    let opts = LoadOptions {
        root: Some(root.to_path_buf()),
        env: Some(Env::new()),
        texts: editor.texts.clone(),
        parses: editor.parses.clone(),
        ..Default::default()
    };
    let input = Input {
        path: path.to_path_buf(),
        text: None,
    };
    // The look-ahead load builds only what the outline reads.
    let Ok(loaded) = project::load_handing_on(&[input], &opts) else {
        return Names::default();
    };
    let Some(doc) = &loaded.document else {
        return Names::default();
    };
    let mut outline = model::outline(doc);
    // The services past the limit are not loaded.
    outline.truncate_services(opts.limits.max_services);
    names_in_outline(&outline)
}

/// What a document's outline defines and refers to (see [`Names`]).
fn names_in_outline(o: &Outline) -> Names {
    let name = |kind: Kind, n: &str| (kind, CompactString::from(n));
    let mut defined: Vec<Name> = Vec::with_capacity(o.services.len());
    defined.extend(o.services.iter().map(|s| name(Kind::Service, s.name)));
    for (kind, names) in [
        (Kind::Volume, &o.volumes),
        (Kind::Network, &o.networks),
        (Kind::Secret, &o.secrets),
        (Kind::Config, &o.configs),
    ] {
        defined.extend(names.iter().map(|n| name(kind, n)));
    }
    let wanted = o.refs.iter().filter_map(|&(field, n)| match field {
        Field::DependsOn | Field::Extends => Some((Kind::Service, n)),
        Field::VolumeSource => Some((Kind::Volume, n)),
        Field::Network => (n != "default").then_some((Kind::Network, n)),
        Field::Secret => Some((Kind::Secret, n)),
        Field::Config => Some((Kind::Config, n)),
        Field::VolumesFrom => volumes_from_service(n).map(|s| (Kind::Service, s)),
        Field::NetworkMode => n.strip_prefix("service:").map(|s| (Kind::Service, s)),
    });
    // Completed by a base that defines the same service.
    let incomplete = o.services.iter().filter(|s| !s.runnable);
    names_from(
        defined,
        wanted,
        incomplete.map(|s| name(Kind::Service, s.name)).collect(),
    )
}

/// The service a `volumes_from` entry mounts from (`db`, `service:db`,
/// `db:ro`); `None` for a container (`container:name`).
fn volumes_from_service(entry: &str) -> Option<&str> {
    let mut parts = entry.split(':');
    match parts.next() {
        Some("container") => None,
        Some("service") => Some(parts.next().unwrap_or("service")),
        first => first,
    }
}

/// [`Names`] from what a file defines, the names it refers to, and its
/// services that cannot run alone.
fn names_from<'a>(
    defined: Vec<Name>,
    wanted: impl Iterator<Item = (Kind, &'a str)>,
    incomplete: Vec<Name>,
) -> Names {
    let defined: BTreeSet<Name> = defined.into_iter().collect();
    // A name is referred to many times: a large file's names are looked
    // up by hash, a small file's (most files) one by one.
    let by_hash: Option<Set<(Kind, &str)>> =
        (defined.len() > 16).then(|| defined.iter().map(|(k, n)| (*k, n.as_str())).collect());
    let known = |&(kind, name): &(Kind, &str)| match &by_hash {
        Some(set) => set.contains(&(kind, name)),
        None => defined.iter().any(|(k, n)| *k == kind && n == name),
    };
    let missing: BTreeSet<Name> = wanted
        .filter(|k| !known(k))
        .map(|(k, n)| (k, CompactString::from(n)))
        .chain(incomplete.iter().cloned())
        .collect();
    drop(by_hash);
    let provides = if missing.is_empty() {
        defined.clone()
    } else {
        defined.difference(&missing).cloned().collect()
    };
    Names {
        incomplete: incomplete.into_iter().collect(),
        defined,
        missing,
        provides,
    }
}

/// What a loaded project defines and refers to: the names the look-ahead
/// must learn from the outline of the same file.
#[cfg(test)]
fn names_in(p: &crate::model::Project) -> Names {
    let name = |kind: Kind, n: &str| (kind, CompactString::from(n));
    let mut defined = Vec::new();
    defined.extend(
        p.services
            .iter()
            .map(|s| name(Kind::Service, &s.name.value)),
    );
    defined.extend(p.volumes.iter().map(|v| name(Kind::Volume, &v.name.value)));
    defined.extend(
        p.networks
            .iter()
            .map(|v| name(Kind::Network, &v.name.value)),
    );
    defined.extend(p.secrets.iter().map(|v| name(Kind::Secret, &v.name.value)));
    defined.extend(p.configs.iter().map(|v| name(Kind::Config, &v.name.value)));
    let mut wanted = Vec::new();
    let mut incomplete = Vec::new();
    for s in &p.services {
        let runnable =
            s.image.is_some() || s.build.is_some() || s.extends.is_some() || s.provider.is_some();
        if !runnable {
            incomplete.push(name(Kind::Service, &s.name.value));
        }
        for d in &s.depends_on {
            wanted.push(name(Kind::Service, &d.service.value));
        }
        for m in &s.volumes {
            if m.kind.value == crate::model::MountKind::Volume {
                if let Some(src) = &m.source {
                    wanted.push(name(Kind::Volume, &src.value));
                }
            }
        }
        for net in &s.networks {
            if net.name.value != "default" {
                wanted.push(name(Kind::Network, &net.name.value));
            }
        }
        for r in &s.secrets {
            wanted.push(name(Kind::Secret, &r.source.value));
        }
        for r in &s.configs {
            wanted.push(name(Kind::Config, &r.source.value));
        }
        for v in &s.volumes_from {
            let v = v.value.split(':').collect::<Vec<_>>();
            match v.as_slice() {
                ["container", ..] => {}
                ["service", n, ..] => wanted.push(name(Kind::Service, n)),
                [n, ..] => wanted.push(name(Kind::Service, n)),
                [] => {}
            }
        }
        if let Some(mode) = &s.network_mode {
            if let Some(n) = mode.value.strip_prefix("service:") {
                wanted.push(name(Kind::Service, n));
            }
        }
        if let Some(e) = &s.extends {
            if e.file.is_none() {
                wanted.push(name(Kind::Service, &e.service.value));
            }
        }
    }
    names_from(
        defined,
        wanted.iter().map(|(k, n)| (*k, n.as_str())),
        incomplete,
    )
}

/// The Compose files of one repository, and what each defines (read once,
/// when first asked).
pub struct Repository {
    root: PathBuf,
    /// The Compose files directly in each directory listed so far
    /// (absolute, sorted), as a walk of the whole repository finds them.
    listed: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// The Compose files anywhere under each folder asked about so far.
    under: BTreeMap<PathBuf, Vec<PathBuf>>,
    /// What each file read so far defines, by absolute path (its bytes).
    names: Map<OsString, Arc<Names>>,
    /// The candidate bases of the files of each folder asked about so far,
    /// nearest first (see [`Near`]).
    near: Map<OsString, Arc<Near>>,
    /// The texts of the files searched for names without being read
    /// (see [`Repository::may_define`]): `None` for a file whose names
    /// cannot be searched for in its text.
    spellings: Map<OsString, Option<Arc<str>>>,
    /// The editor's unsaved texts and kept parses.
    editor: Editor,
}

/// What the language server adds to discovery: the open documents' text
/// in place of the files on disk, and the parses it keeps.
#[derive(Clone, Default)]
struct Editor {
    texts: Vec<(PathBuf, String)>,
    parses: Option<project::ParseCache>,
}

/// The candidate bases of a file in one folder, in the order they are
/// tried; the file itself is left out by the caller.
#[derive(Default)]
struct Near {
    /// The Compose files of the folder and of each ancestor up to the
    /// root, folder by folder from the nearest; within a folder the default
    /// names first, in `docker compose`'s order, then the others by path.
    ancestors: Vec<PathBuf>,
    /// What each of `ancestors` defines.
    names: Vec<Arc<Names>>,
    /// `ancestors`, then the other Compose files under the folder's parent
    /// (filled when first needed: `None` until then).
    order: Option<Vec<PathBuf>>,
}

impl Repository {
    pub fn new(root: &Path) -> Repository {
        Repository {
            root: project::absolute(root),
            listed: BTreeMap::new(),
            under: BTreeMap::new(),
            names: Map::default(),
            near: Map::default(),
            spellings: Map::default(),
            editor: Editor::default(),
        }
    }

    /// A repository read as the language server sees it: the files in
    /// `opts.texts` (absolute paths) with that text instead of what is on
    /// disk, and parses taken from and kept in `opts.parses`.
    pub fn with_texts(root: &Path, opts: &LoadOptions) -> Repository {
        Repository {
            editor: Editor {
                texts: opts.texts.clone(),
                parses: opts.parses.clone(),
            },
            ..Repository::new(root)
        }
    }

    /// What a candidate base provides: the names it defines, less those it
    /// lacks itself (a service without `image` completes nothing).
    fn provides(&mut self, path: &Path) -> Arc<Names> {
        self.names(path)
    }

    /// The repository's root (absolute).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Reads, on both cores, what the files of a walk define: every file
    /// but the `.override` of a base beside it (which is linted with its
    /// base, and read only if the base turns out to need a base itself).
    fn learn_names(&mut self, by_dir: &[(PathBuf, Vec<String>)]) {
        let mut todo: Vec<PathBuf> = Vec::new();
        for (dir, names) in by_dir {
            let base = DEFAULT_NAMES.iter().find(|n| names.iter().any(|m| m == *n));
            let skip = base.map(|b| override_name(b));
            for n in names {
                if Some(n) == skip.as_ref() {
                    continue;
                }
                todo.push(dir.join(n));
            }
        }
        self.learn_files(todo.iter().map(PathBuf::as_path));
    }

    /// Reads, on both cores, what these files define (those not read yet),
    /// before the jobs are planned one by one. One file is read later, when
    /// asked, on this thread.
    pub fn learn_files<'p>(&mut self, paths: impl IntoIterator<Item = &'p Path>) {
        use rayon::prelude::*;
        let mut seen: Set<OsString> = Set::default();
        let mut todo: Vec<PathBuf> = Vec::new();
        for p in paths {
            let abs = project::absolute(&clean(p));
            if !self.names.contains_key(abs.as_os_str()) && seen.insert(abs.as_os_str().to_owned())
            {
                todo.push(abs);
            }
        }
        if todo.len() < 2 {
            return;
        }
        let (root, editor) = (&self.root, &self.editor);
        let learned: Vec<(PathBuf, Names)> = todo
            .into_par_iter()
            .map(|p| {
                let n = names_of(&p, root, editor);
                (p, n)
            })
            .collect();
        for (p, n) in learned {
            self.names.insert(p.into_os_string(), Arc::new(n));
        }
    }

    fn names(&mut self, path: &Path) -> Arc<Names> {
        // The candidates are absolute already: no copy to look them up.
        if let Some(n) = self.names.get(path.as_os_str()) {
            return n.clone();
        }
        let abs = project::absolute(path);
        if let Some(n) = self.names.get(abs.as_os_str()) {
            return n.clone();
        }
        let n = Arc::new(names_of(&abs, &self.root, &self.editor));
        self.names.insert(abs.into_os_string(), n.clone());
        n
    }

    /// Whether the file `path` (absolute, not read yet) can define all of
    /// `names` (`all`), or any of them, judged from its text without
    /// parsing it (see [`Spelling`]); `true` when that cannot be ruled out.
    fn may_define(&mut self, path: &Path, names: &[Spelling], all: bool) -> bool {
        let Some(text) = self.spelling_text(path) else {
            return true;
        };
        let spelled = |n: &Spelling| n.may_be_in(&text);
        if all {
            names.iter().all(spelled)
        } else {
            names.iter().any(spelled)
        }
    }

    /// The text the look-ahead would parse for `path` (the editor's, or
    /// the file's, decoded as the loader decodes it), when the names it
    /// defines are spelled in it as they are (see
    /// [`spells_names_as_they_are`]); read once.
    fn spelling_text(&mut self, path: &Path) -> Option<Arc<str>> {
        if let Some(t) = self.spellings.get(path.as_os_str()) {
            return t.clone();
        }
        let text: Option<Arc<str>> = match self.editor.texts.iter().find(|(p, _)| p == path) {
            Some((_, t)) => Some(t.as_str().into()),
            None => project::read_text(path, project::Limits::default().max_file_bytes)
                .ok()
                .map(Arc::from),
        };
        let text = text.filter(|t| spells_names_as_they_are(t));
        self.spellings
            .insert(path.as_os_str().to_owned(), text.clone());
        text
    }

    /// The candidate bases of the files in `dir` (absolute), nearest
    /// first, with the rest of the project tree when `order` is asked for;
    /// what they define is read on both cores.
    fn near(&mut self, dir: &Path, order: bool) -> Arc<Near> {
        let cached = self.near.get(dir.as_os_str()).cloned();
        let mut near = match cached {
            Some(n) if !order || n.order.is_some() => return n,
            Some(n) => Arc::try_unwrap(n).unwrap_or_else(|n| Near {
                ancestors: n.ancestors.clone(),
                names: n.names.clone(),
                order: None,
            }),
            None => {
                let mut ancestors: Vec<PathBuf> = Vec::new();
                let mut cur = Some(dir);
                while let Some(d) = cur {
                    let mut here: Vec<&PathBuf> = self
                        .files_in(d)
                        .iter()
                        .filter(|f| f.parent() == Some(d))
                        .collect();
                    let rank = |f: &PathBuf| {
                        let n = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                        DEFAULT_NAMES.iter().position(|d| *d == n).unwrap_or(9)
                    };
                    here.sort_by(|a, b| rank(a).cmp(&rank(b)).then_with(|| a.cmp(b)));
                    ancestors.extend(here.into_iter().cloned());
                    if d == self.root || !d.starts_with(&self.root) {
                        break;
                    }
                    cur = d.parent();
                }
                self.learn_files(ancestors.iter().map(PathBuf::as_path));
                let names = ancestors.iter().map(|a| self.names(a)).collect();
                Near {
                    ancestors,
                    names,
                    order: None,
                }
            }
        };
        if order {
            let scope = self.project_tree(dir);
            let seen: Set<&std::ffi::OsStr> =
                near.ancestors.iter().map(|a| a.as_os_str()).collect();
            let rest: Vec<PathBuf> = self
                .files_under(&scope)
                .iter()
                .filter(|f| !seen.contains(f.as_os_str()))
                .cloned()
                .collect();
            drop(seen);
            let mut all = near.ancestors.clone();
            all.extend(rest);
            near.order = Some(all);
        }
        let near = Arc::new(near);
        self.near.insert(dir.as_os_str().to_owned(), near.clone());
        near
    }

    /// The folder whose tree the files of `dir` search for bases beyond
    /// their ancestors: only the files of the same project tree, under the
    /// folder's parent (siblings' subfolders, its own subfolders), not a
    /// cousin project elsewhere in a large repository.
    fn project_tree(&self, dir: &Path) -> PathBuf {
        match dir.parent() {
            Some(p) if p.starts_with(&self.root) => p.to_path_buf(),
            _ => self.root.clone(),
        }
    }

    /// The Compose files directly in `dir` (absolute, sorted), as a walk
    /// of the whole repository finds them: hidden and ignored folders on
    /// the way hide them. Only the folders that lead to `dir` are walked
    /// (a file's base is searched for in its own folder and its ancestors,
    /// not in the whole repository), and each folder is listed once.
    fn files_in(&mut self, dir: &Path) -> &[PathBuf] {
        if !self.listed.contains_key(dir) {
            let v = self.walk_to(dir, false);
            self.listed.insert(dir.to_path_buf(), v);
        }
        &self.listed[dir]
    }

    /// The Compose files anywhere under `dir` (absolute, sorted), as a walk
    /// of the whole repository finds them; each folder asked about is
    /// walked once.
    fn files_under(&mut self, dir: &Path) -> &[PathBuf] {
        if !self.under.contains_key(dir) {
            let v = self.walk_to(dir, true);
            self.under.insert(dir.to_path_buf(), v);
        }
        &self.under[dir]
    }

    /// Walks the repository from its root, entering only the folders that
    /// lead to `dir` (and, with `below`, every folder under it), for the
    /// Compose files directly in `dir` (or anywhere under it).
    fn walk_to(&self, dir: &Path, below: bool) -> Vec<PathBuf> {
        if !dir.starts_with(&self.root) {
            return Vec::new();
        }
        let mut lead: Set<OsString> = Set::default();
        let mut cur = Some(dir);
        while let Some(d) = cur {
            lead.insert(d.as_os_str().to_owned());
            if d == self.root {
                break;
            }
            cur = d.parent();
        }
        let target = dir.to_path_buf();
        let mut v: Vec<PathBuf> = compose_files_with(&self.root, move |p, is_dir| {
            if is_dir {
                lead.contains(p.as_os_str()) || (below && project::is_under(p, &target))
            } else if below {
                project::is_under(p, &target)
            } else {
                p.parent() == Some(target.as_path())
            }
        })
        .into_iter()
        .map(|p| project::absolute(&p))
        .collect();
        sort_paths(&mut v);
        v
    }

    /// Whether a large file with a default name (`compose.yaml`), not read
    /// yet, is alone: no header comment, and no other Compose file where a
    /// base of it would be searched for (its folder, the folders above it
    /// up to the root, the tree under its folder's parent). Its job is then
    /// the file alone whatever it lacks (see [`Repository::job_for_once`]),
    /// and the look-ahead that would read what it defines is left out: on
    /// a file of megabytes, that is a conversion of its services. A walk
    /// that looks at more than [`ALONE_LOOK`] entries gives up (false).
    fn alone(&self, abs: &Path) -> bool {
        let named = abs
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_base_name);
        if !named
            || !self.editor.texts.is_empty()
            || self.names.contains_key(abs.as_os_str())
            || crate::fscache::metadata(abs).map_or(true, |m| m.size() < ALONE_BYTES as u64)
            || !starts_without_comment(abs)
        {
            return false;
        }
        let Some(dir) = abs.parent() else {
            return false;
        };
        if !dir.starts_with(&self.root) {
            return false;
        }
        let scope = self.project_tree(dir);
        // The folders from the root down to `scope`: only their own files.
        let lead: Set<OsString> = scope
            .ancestors()
            .take_while(|d| d.starts_with(&self.root))
            .map(|d| d.as_os_str().to_owned())
            .collect();
        let under = scope.clone();
        let walk = compose_files_walk(&self.root, move |p, is_dir| {
            project::is_under(p, &under)
                || if is_dir {
                    lead.contains(p.as_os_str())
                } else {
                    p.parent().is_some_and(|d| lead.contains(d.as_os_str()))
                }
        });
        let mut looked = 0;
        for entry in walk {
            looked += 1;
            if looked > ALONE_LOOK {
                return false;
            }
            if compose_name(&entry).is_some() && project::absolute(entry.path()) != abs {
                return false;
            }
        }
        true
    }

    /// The job for one file: alone when it is complete; else layered on
    /// the base(s) that define what it lacks. `bases` (from `--base` or the
    /// config) overrides the search.
    pub fn job_for(&mut self, path: &Path, bases: &[PathBuf]) -> Job {
        let job = self.job_for_once(path, bases);
        if job.overlay_of.is_empty() || !bases.is_empty() {
            return job;
        }
        // A base that is itself an overlay brings its own bases first
        // (`-f compose.yaml -f ci/x/compose.yaml -f ci/x/extra.yaml`).
        let mut chain: Vec<PathBuf> = Vec::new();
        let mut seen = vec![project::absolute(path)];
        let mut todo: Vec<PathBuf> = job.overlay_of.clone();
        while let Some(b) = todo.first().cloned() {
            todo.remove(0);
            let abs = project::absolute(&b);
            if seen.contains(&abs) || seen.len() > 8 {
                continue;
            }
            seen.push(abs);
            let under = self.job_for_once(&b, &[]);
            for u in under.overlay_of {
                if !chain
                    .iter()
                    .any(|c| project::absolute(c) == project::absolute(&u))
                    && !seen.contains(&project::absolute(&u))
                {
                    todo.push(u.clone());
                    chain.insert(0, u);
                }
            }
        }
        if chain.is_empty() {
            return job;
        }
        let mut all = chain;
        for b in &job.overlay_of {
            if !all
                .iter()
                .any(|c| project::absolute(c) == project::absolute(b))
            {
                all.push(b.clone());
            }
        }
        layered(&clean(path), all, &job.why)
    }

    fn job_for_once(&mut self, path: &Path, bases: &[PathBuf]) -> Job {
        let shown = clean(path);
        let fallback = || {
            let name = shown
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            Job {
                maybe_overlay: !is_base_name(name),
                ..Job::single(shown.clone())
            }
        };
        if !bases.is_empty() {
            let bases: Vec<PathBuf> = bases
                .iter()
                .filter(|b| project::absolute(b) != project::absolute(path))
                .cloned()
                .collect();
            if !bases.is_empty() {
                return layered(&shown, bases, "named by --base or the config's [bases]");
            }
        }
        let abs = project::absolute(path);
        if self.alone(&abs) {
            return Job::single(shown);
        }
        let missing = self.names(path).missing.clone();
        if missing.is_empty() {
            return Job::single(shown);
        }
        let dir = abs.parent().unwrap_or(Path::new("/")).to_path_buf();
        // 1. A header comment naming the `-f` files.
        let header = header_bases(&abs, &dir, &self.root, &self.editor);
        if !header.is_empty() {
            return layered(&shown, header, "named in its header comment");
        }
        // 2. The nearest Compose file in the same folder or an ancestor
        //    that defines what is missing.
        let near = self.near(&dir, false);
        // Both sides are absolute and normalized: the bytes tell them apart
        // (much cheaper than comparing components).
        let is_abs = |f: &PathBuf| f.as_os_str() == abs.as_os_str();
        let ancestors: Vec<&PathBuf> = near.ancestors.iter().filter(|f| !is_abs(f)).collect();
        // A candidate that defines the names completely (not itself
        // lacking them) and has a default name is preferred: it is the
        // project the file is layered onto.
        let mut best: Option<(u8, &PathBuf)> = None;
        for (c, n) in near.ancestors.iter().zip(&near.names) {
            if is_abs(c) || !missing.is_subset(&n.provides) {
                continue;
            }
            let default = c
                .file_name()
                .and_then(|f| f.to_str())
                .is_some_and(is_base_name);
            let rank: u8 = if default { 0 } else { 1 };
            if best.as_ref().is_none_or(|(r, _)| rank < *r) {
                best = Some((rank, c));
            }
        }
        if let Some((_, c)) = best {
            return layered(
                &shown,
                vec![relative_to_shown(&shown, &abs, c)],
                &format!("the nearest Compose file that defines {}", list(&missing)),
            );
        }
        // 3. Any file of the repository that does, nearest first; else
        //    several, each adding what the others lack.
        // Only the files of the same project tree: under the file's
        // parent folder (siblings' subfolders, its own subfolders), not a
        // cousin project elsewhere in a large repository.
        let near = self.near(&dir, true);
        let order: Vec<&PathBuf> = near.order.iter().flatten().filter(|f| !is_abs(f)).collect();
        // A file not read yet is read only when its text can spell the
        // names: most of a large tree's files cannot, and reading one is a
        // parse. Asked once per file, as the search reaches it.
        let spelled: Vec<Spelling> = missing.iter().map(|(_, n)| Spelling::of(n)).collect();
        let mut spells: Vec<Option<bool>> = vec![None; order.len()];
        let mut spells_all = |repo: &mut Repository, i: usize| -> bool {
            *spells[i].get_or_insert_with(|| {
                repo.names.contains_key(order[i].as_os_str())
                    || repo.may_define(order[i], &spelled, true)
            })
        };
        for i in 0..order.len() {
            if !spells_all(self, i) {
                continue;
            }
            let c = order[i];
            if !self.names.contains_key(c.as_os_str()) {
                // Read ahead on both cores, a few at a time: the first
                // match ends the search.
                let ahead: Vec<PathBuf> = (i..order.len())
                    .filter(|&j| spells_all(self, j))
                    .take(16)
                    .map(|j| order[j].clone())
                    .collect();
                self.learn_files(ahead.iter().map(PathBuf::as_path));
            }
            if missing.is_subset(&self.provides(c).provides) {
                return layered(
                    &shown,
                    vec![relative_to_shown(&shown, &abs, c)],
                    &format!(
                        "a Compose file of the repository that defines {}",
                        list(&missing)
                    ),
                );
            }
        }
        // Else several files that together define what is missing; when
        // some of it is defined nowhere (a mistake in the file, reported),
        // only files of the folder and its ancestors, and only when they
        // complete the file's image-less services.
        let mut left = missing.clone();
        let mut chosen: Vec<&PathBuf> = Vec::new();
        // Only what is missing counts: a file that spells none of it
        // defines none of it, and is neither read nor chosen.
        let order: Vec<&PathBuf> = order
            .into_iter()
            .filter(|c| {
                self.names.contains_key(c.as_os_str()) || self.may_define(c, &spelled, false)
            })
            .collect();
        self.learn_files(order.iter().map(|p| p.as_path()));
        // Whether some file of the order defines each of `names`, asked
        // name by name (not by collecting every name every file defines).
        let provided: Vec<Arc<Names>> = order.iter().map(|c| self.provides(c)).collect();
        let defined_somewhere = |names: &BTreeSet<Name>| {
            names
                .iter()
                .all(|n| provided.iter().any(|p| p.provides.contains(n)))
        };
        let complete = defined_somewhere(&missing);
        let incomplete = self.names(path).incomplete.clone();
        if !complete && (incomplete.is_empty() || !defined_somewhere(&incomplete)) {
            return fallback();
        }
        let pool: &[&PathBuf] = if complete { &order } else { &ancestors };
        while !left.is_empty() && chosen.len() < 8 {
            let mut best: Option<(usize, usize)> = None;
            for (i, c) in pool.iter().enumerate() {
                if chosen.contains(c) {
                    continue;
                }
                let n = self.provides(c).provides.intersection(&left).count();
                // The most names; of equals, the nearest.
                if n > 0 && best.is_none_or(|(m, _)| n > m) {
                    best = Some((n, i));
                }
            }
            let Some((_, i)) = best else { break };
            let c = pool[i];
            let defined = self.provides(c);
            left.retain(|k| !defined.provides.contains(k));
            chosen.push(c);
        }
        if !chosen.is_empty() && incomplete.is_disjoint(&left) {
            // What no file defines stays unresolved, and is reported.
            let bases = chosen
                .iter()
                .map(|c| relative_to_shown(&shown, &abs, c))
                .collect();
            return layered(
                &shown,
                bases,
                &format!(
                    "the Compose files of the repository that define {}",
                    list(&missing.difference(&left).cloned().collect())
                ),
            );
        }
        fallback()
    }
}

/// Whether every name `text` defines is a mapping key spelled in it as
/// the name reads: a double-quoted key's escapes (`"\x64b"`) and a file's
/// `include` (whose files' names it defines) are ruled out. A single-quoted
/// key differs from its name only by a quote, and a folded key by spaces;
/// keys are not interpolated.
fn spells_names_as_they_are(text: &str) -> bool {
    !text.contains('\\') && memchr::memmem::find(text.as_bytes(), b"include").is_none()
}

/// A name as it is searched for in a file's text whose names are spelled
/// as they are (see [`spells_names_as_they_are`]): a plain name must
/// appear in it; the empty name needs an empty key; any other name is
/// not ruled out.
enum Spelling {
    Plain(Box<memchr::memmem::Finder<'static>>),
    Empty,
    Other,
}

impl Spelling {
    fn of(name: &str) -> Spelling {
        let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
        if name.is_empty() {
            Spelling::Empty
        } else if name.bytes().all(plain) {
            Spelling::Plain(Box::new(
                memchr::memmem::Finder::new(name.as_bytes()).into_owned(),
            ))
        } else {
            Spelling::Other
        }
    }

    /// Whether the name may be defined in `text`.
    fn may_be_in(&self, text: &str) -> bool {
        match self {
            Spelling::Plain(f) => f.find(text.as_bytes()).is_some(),
            Spelling::Empty => may_have_empty_key(text),
            Spelling::Other => true,
        }
    }
}

/// Whether `text` may hold an empty mapping key: a quoted empty scalar,
/// an explicit key (`?`), an anchored or tagged empty node (`&a :`,
/// `!t :`), or a `:` with nothing before it on its line, or only an entry's
/// start (`- :`, `{ :`, `[ :`, `, :`).
fn may_have_empty_key(text: &str) -> bool {
    let b = text.as_bytes();
    if memchr::memmem::find(b, b"\"\"").is_some()
        || memchr::memmem::find(b, b"''").is_some()
        || memchr::memchr3(b'?', b'&', b'!', b).is_some()
    {
        return true;
    }
    memchr::memchr_iter(b':', b).any(|i| {
        let before = b[..i].iter().rev().find(|&&c| c != b' ' && c != b'\t');
        matches!(
            before,
            None | Some(b'\n' | b'\r' | b'-' | b'{' | b'[' | b',')
        )
    })
}

/// Names as "service `db`, volume `data`" (at most five).
fn list(names: &BTreeSet<Name>) -> String {
    let mut v: Vec<String> = names
        .iter()
        .take(5)
        .map(|(kind, name)| format!("{} `{name}`", kind.word()))
        .collect();
    if names.len() > 5 {
        v.push(format!("and {} more", names.len() - 5));
    }
    v.join(", ")
}

/// A candidate, printed relative the way the linted file was named.
fn relative_to_shown(shown: &Path, abs: &Path, cand: &Path) -> PathBuf {
    if shown.is_absolute() {
        return cand.to_path_buf();
    }
    // `shown` is relative to the current directory: so is the candidate.
    let cwd = abs
        .to_string_lossy()
        .strip_suffix(&*shown.to_string_lossy())
        .map(PathBuf::from);
    match cwd {
        Some(cwd) => cand
            .strip_prefix(&cwd)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| cand.to_path_buf()),
        None => cand.to_path_buf(),
    }
}

/// The job `docker compose -f ... -f file` runs. The files load from the
/// folder nearest the repository's root first: that folder is the project
/// directory, from which every `-f` file's relative paths resolve
/// (`-f compose.yaml -f ci/x/compose.yaml`), whichever file was found first.
fn layered(file: &Path, bases: Vec<PathBuf>, why: &str) -> Job {
    let mut files: Vec<PathBuf> = bases.iter().map(|b| clean(b)).collect();
    files.push(file.to_path_buf());
    let depth = |p: &PathBuf| project::absolute(p).components().count();
    files.sort_by_key(depth);
    let inputs: Vec<Input> = files
        .into_iter()
        .map(|path| Input { path, text: None })
        .collect();
    Job {
        inputs,
        report_only: Some(vec![file.to_path_buf()]),
        overlay_of: bases.iter().map(|b| clean(b)).collect(),
        why: why.to_string(),
        maybe_overlay: false,
    }
}

/// The `-f` files a leading comment names (`# docker compose -f
/// ../../compose.yaml -f compose.yaml up`), other than the file itself,
/// resolved from its folder or, failing that, an ancestor up to the root.
fn header_bases(file: &Path, dir: &Path, root: &Path, editor: &Editor) -> Vec<PathBuf> {
    let open = editor
        .texts
        .iter()
        .find(|(p, _)| project::absolute(p) == file)
        .map(|(_, t)| t.clone());
    let Some(text) = open.or_else(|| project::read_to_string(file)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        let Some(c) = t.strip_prefix('#') else { break };
        let words: Vec<&str> = c.split_whitespace().collect();
        for w in words.windows(2) {
            if w[0] != "-f" && w[0] != "--file" {
                continue;
            }
            let rel = w[1].trim_matches(|c| c == '"' || c == '\'' || c == '`');
            let mut cur = Some(dir);
            while let Some(d) = cur {
                let p = project::absolute(&d.join(rel));
                if crate::fscache::is_file(&p) {
                    if p != file && !out.contains(&p) {
                        out.push(p);
                    }
                    break;
                }
                if d == root || !d.starts_with(root) {
                    break;
                }
                cur = d.parent();
            }
        }
    }
    out
}

/// Every Compose file under `root` (by name, or by a top-level `services:`),
/// as its folder and its name, in no particular order. The folders are
/// walked on both cores: a walk of a large tree (a stat and a look for
/// ignore files in every folder) was most of the planning before any lint
/// could start. What is found is what [`compose_files_with`] finds, the
/// same filters applied the same way; only the order differs.
fn compose_files(root: &Path) -> Vec<(PathBuf, String)> {
    use std::sync::Mutex;
    let all: Mutex<Vec<(PathBuf, String)>> = Mutex::new(Vec::new());
    /// One walking thread's finds, added to `all` when it ends.
    struct Finds<'a> {
        mine: Vec<(PathBuf, String)>,
        all: &'a Mutex<Vec<(PathBuf, String)>>,
    }
    impl Drop for Finds<'_> {
        fn drop(&mut self) {
            let mut all = self.all.lock().unwrap_or_else(|e| e.into_inner());
            all.append(&mut self.mine);
        }
    }
    walker(root, |_, _| true).build_parallel().run(|| {
        let mut finds = Finds {
            mine: Vec::new(),
            all: &all,
        };
        Box::new(move |entry| {
            if let Ok(entry) = entry {
                if let Some(name) = compose_name(&entry) {
                    let dir = entry.path().parent().unwrap_or(root).to_path_buf();
                    finds.mine.push((dir, name.to_string()));
                }
            }
            ignore::WalkState::Continue
        })
    });
    all.into_inner().unwrap_or_else(|e| e.into_inner())
}

/// A walk of `root` as compose-lint walks: ignore files respected, hidden
/// folders skipped, symlinks not followed (so loops are harmless), and
/// only the folders and files that `keep(path, is_dir)` accepts looked at
/// (`root` itself is always entered).
fn walker(
    root: &Path,
    keep: impl Fn(&Path, bool) -> bool + Send + Sync + 'static,
) -> ignore::WalkBuilder {
    let mut walker = ignore::WalkBuilder::new(root);
    walker
        .hidden(true)
        .follow_links(false)
        .require_git(false)
        .filter_entry(move |e| {
            e.depth() == 0 || keep(e.path(), e.file_type().is_some_and(|t| t.is_dir()))
        });
    walker
}

/// The name of a walk's entry when it is a Compose file (by name, or a YAML
/// file with a top-level `services:`).
fn compose_name(entry: &ignore::DirEntry) -> Option<&str> {
    if !entry.file_type().is_some_and(|t| t.is_file()) {
        return None;
    }
    let name = entry.file_name().to_str()?;
    let compose = is_compose_name(name)
        || (is_yaml_name(name)
            && crate::fscache::has_top_level_services(entry.path(), has_top_level_services));
    compose.then_some(name)
}

/// From this size up, a file named on its own is checked for being alone
/// (see [`Repository::alone`]) before its look-ahead: below it, the
/// look-ahead costs less than the walk.
const ALONE_BYTES: usize = 256 * 1024;

/// The most entries [`Repository::alone`] looks at.
const ALONE_LOOK: usize = 1000;

/// Whether the text of `path` starts with something other than a comment,
/// as [`header_bases`] reads it (its first line that is not blank): a
/// header comment can name bases. Read from the first 4 KB; false when
/// they are blank, or in UTF-16.
fn starts_without_comment(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 4096];
    let Ok(n) = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)) else {
        return false;
    };
    let head = &head[..n];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return false;
    }
    let head = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let text = match std::str::from_utf8(head) {
        Ok(t) => t,
        Err(e) => std::str::from_utf8(&head[..e.valid_up_to()]).unwrap_or_default(),
    };
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .is_some_and(|l| !l.starts_with('#'))
}

/// The entries of a walk of `root` as [`compose_files_with`] walks it, as
/// they come.
fn compose_files_walk(
    root: &Path,
    keep: impl Fn(&Path, bool) -> bool + Send + Sync + 'static,
) -> impl Iterator<Item = ignore::DirEntry> {
    walker(root, keep).build().flatten()
}

/// The paths of the Compose files under `root` that [`compose_files`]
/// finds, walked in order on this thread, entering only the folders and
/// looking only at the files that `keep(path, is_dir)` accepts (`root`
/// itself is always entered): a walk to one folder is too small to share.
fn compose_files_with(
    root: &Path,
    keep: impl Fn(&Path, bool) -> bool + Send + Sync + 'static,
) -> Vec<PathBuf> {
    compose_files_walk(root, keep)
        .filter(|entry| compose_name(entry).is_some())
        .map(|entry| entry.path().to_path_buf())
        .collect()
}

/// The job for a file named on the command line, searching its repository
/// (the git work tree, else its folder) for a base when it needs one.
pub fn jobs_for_file(path: &Path) -> Job {
    jobs_for_open_file(path, &LoadOptions::default())
}

/// [`jobs_for_file`] as the language server asks it: the files named in
/// `opts.texts` are read with that text (the unsaved edits of the open
/// documents, the file itself among them), and parses are kept in and
/// taken from `opts.parses`.
pub fn jobs_for_open_file(path: &Path, opts: &LoadOptions) -> Job {
    let dir = path.parent().unwrap_or(Path::new("."));
    let dir = if dir.as_os_str().is_empty() {
        Path::new(".")
    } else {
        dir
    };
    let root = repository_root(dir, dir);
    Repository::with_texts(&root, opts).job_for(path, &[])
}

/// Walks `root` for Compose files, respecting `.gitignore`, skipping hidden
/// directories and never following symlinks (so loops are harmless), and
/// groups them into jobs. Bases are searched for in `repo`.
pub fn walk_in(root: &Path, repo: &mut Repository, bases: &[PathBuf]) -> Vec<Job> {
    // The files grouped by folder, the folders in `Path` order (sorted
    // once: a map keyed by path compared components at every step of
    // every insertion).
    let mut found = compose_files(root);
    let plain = project::sort_by_path(&mut found, |(dir, _)| dir.as_path());
    // Plain paths are the same folder when their bytes are (much cheaper
    // than comparing components).
    let same = |a: &Path, b: &Path| match plain {
        true => a.as_os_str() == b.as_os_str(),
        false => a == b,
    };
    let mut by_dir: Vec<(PathBuf, Vec<String>)> = Vec::new();
    for (dir, name) in found {
        match by_dir.last_mut() {
            Some((last, names)) if same(last, &dir) => names.push(name),
            _ => by_dir.push((dir, vec![name])),
        }
    }
    if bases.is_empty() {
        repo.learn_names(&by_dir);
    }
    let mut jobs = Vec::new();
    for (dir, mut names) in by_dir {
        names.sort();
        let base = DEFAULT_NAMES
            .iter()
            .find(|n| names.iter().any(|m| m == *n))
            .map(|s| s.to_string());
        let base_override = base.as_deref().map(override_name);
        let mut skip = Vec::new();
        if let Some(base) = &base {
            if let (Some(ov), true) = (&base_override, bases.is_empty()) {
                // A base and its `.override` sibling are one project, as
                // `docker compose` loads them; unless the base itself
                // needs a base.
                let b = clean(&dir.join(base));
                if names.contains(ov) && repo.names(&b).missing.is_empty() {
                    if let Some(job) = default_project(&dir) {
                        jobs.push(job);
                        skip.push(base.clone());
                        skip.push(ov.clone());
                    }
                }
            }
        }
        for name in &names {
            if skip.contains(name) {
                continue;
            }
            let path = clean(&dir.join(name));
            jobs.push(repo.job_for(&path, bases));
        }
    }
    jobs
}

/// Sorts paths in `Path` order (component by component).
fn sort_paths(paths: &mut [PathBuf]) {
    project::sort_by_path(paths, PathBuf::as_path);
}

/// [`walk_in`] with the repository `root` belongs to (its git work tree,
/// else `root` itself).
pub fn walk(root: &Path) -> Vec<Job> {
    let repo_root = repository_root(root, root);
    walk_in(root, &mut Repository::new(&repo_root), &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A large `compose.yaml` with no header comment and no other Compose
    /// file around is planned alone without being read ahead, as the
    /// look-ahead would have planned it (here it lacks the services it
    /// depends on). With a header comment, or another Compose file under
    /// the root, it is read ahead.
    #[test]
    fn a_large_file_alone_is_planned_without_its_look_ahead() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let body: String = (0..8000)
            .map(|i| format!("  s{i}:\n    image: busybox\n    depends_on: [gone{i}]\n"))
            .collect();
        let text = format!("services:\n{body}");
        assert!(text.len() >= ALONE_BYTES);
        let file = root.join("compose.yaml");
        std::fs::write(&file, &text).unwrap();
        let read_ahead = |repo: &Repository| repo.names.contains_key(file.as_os_str());
        let mut repo = Repository::new(root);
        let alone = format!("{:?}", repo.job_for(&file, &[]));
        assert!(!read_ahead(&repo), "read ahead");
        // The editor's repository reads every file ahead.
        let opts = LoadOptions {
            texts: vec![(file.clone(), text.clone())],
            ..Default::default()
        };
        let mut editor = Repository::with_texts(root, &opts);
        assert_eq!(format!("{:?}", editor.job_for(&file, &[])), alone);
        assert!(read_ahead(&editor));
        assert!(!editor.names[file.as_os_str()].missing.is_empty());

        let header = format!("# docker compose -f base.yaml -f compose.yaml\n{text}");
        std::fs::write(&file, header).unwrap();
        let mut repo = Repository::new(root);
        repo.job_for(&file, &[]);
        assert!(read_ahead(&repo), "a header comment");

        std::fs::write(&file, &text).unwrap();
        std::fs::create_dir(root.join("ci")).unwrap();
        std::fs::write(root.join("ci/docker-compose.ci.yml"), "services: {}\n").unwrap();
        let mut repo = Repository::new(root);
        repo.job_for(&file, &[]);
        assert!(read_ahead(&repo), "another Compose file");
    }

    #[test]
    fn sort_paths_is_path_order() {
        // `-` and `.` sort before `/` as bytes, after it by components.
        let mut v: Vec<PathBuf> = [
            "/r/a-b/x",
            "/r/a/b",
            "/r/a.b",
            "/r/a",
            "/r/a/b/c",
            "/q",
            "/r/a//b/d",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        let mut want = v.clone();
        want.sort();
        sort_paths(&mut v);
        assert_eq!(v, want);
        assert_eq!(v[1], PathBuf::from("/r/a"));
    }

    /// The walk on both cores finds what the walk in order finds: ignore
    /// files (nested, negated, `.ignore`, `.git/info/exclude`), hidden
    /// folders, a symlink loop, YAML files with and without `services:`,
    /// many folders.
    #[test]
    fn the_parallel_walk_finds_what_the_ordered_walk_finds() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let write = |rel: &str, text: &str| {
            let p = root.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write(".gitignore", "ignored/\n*.skip.yml\n");
        write(".git/info/exclude", "excluded/\n");
        write("compose.yaml", "services: {}\n");
        write("compose.override.yaml", "services: {}\n");
        write("a.skip.yml", "services: {}\n");
        write("ignored/compose.yaml", "services: {}\n");
        write("excluded/compose.yaml", "services: {}\n");
        write(".hidden/compose.yaml", "services: {}\n");
        write("sub/.gitignore", "!keep/\nlocal/\n");
        write("sub/.ignore", "quiet/\n");
        write("sub/local/compose.yaml", "services: {}\n");
        write("sub/quiet/compose.yaml", "services: {}\n");
        write("sub/keep/docker-compose.yml", "services: {}\n");
        write("sub/stack.yaml", "services:\n  a: {}\n");
        write("sub/other.yaml", "x: 1\n");
        write("sub/notes.txt", "services: {}\n");
        for i in 0..60 {
            write(&format!("many/p{i:02}/compose.yml"), "services: {}\n");
            write(
                &format!("many/p{i:02}/docker-compose.prod.yml"),
                "services: {}\n",
            );
        }
        std::os::unix::fs::symlink(root, root.join("sub/loop")).unwrap();
        let mut ordered: Vec<PathBuf> = compose_files_with(root, |_, _| true);
        let mut parallel: Vec<PathBuf> = compose_files(root)
            .into_iter()
            .map(|(dir, name)| dir.join(name))
            .collect();
        ordered.sort();
        parallel.sort();
        assert_eq!(parallel, ordered);
        assert_eq!(ordered.len(), 2 + 2 + 120, "{ordered:#?}");
    }

    #[test]
    fn compose_names() {
        for yes in [
            "compose.yaml",
            "compose.yml",
            "docker-compose.yml",
            "docker-compose.override.yml",
            "docker-compose.prod.yaml",
            "compose.dev.yml",
            "docker-compose-test.yml",
            "docker-stack.yml",
            "traefik-compose.yml",
            "app.compose.yaml",
        ] {
            assert!(is_compose_name(yes), "{yes}");
        }
        for no in [
            "composer.yml",
            "compose.json",
            "docker-compose",
            "mycompose.yml",
            "values.yaml",
            "-compose.yml",
        ] {
            assert!(!is_compose_name(no), "{no}");
        }
    }

    /// Discovery's look-ahead load lowers only part of each service
    /// (`model::lower_outline`): what it learns from that is what the full
    /// load says, on every Compose file of the fixtures and of the shared
    /// corpus and real projects (when they are there).
    #[test]
    fn the_outline_load_learns_what_the_full_load_does() {
        let files = yaml_files_of_tests_and_corpus();
        assert!(files.len() > 500, "only {} files", files.len());
        let mut defining = 0;
        for f in &files {
            let full = learns_what_the_full_load_does(f);
            defining += usize::from(!full.missing.is_empty() && !full.defined.is_empty());
        }
        assert!(
            defining > 20,
            "only {defining} files both define and lack names"
        );
    }

    /// The YAML files of the fixtures, the tests, and the shared corpus
    /// and real projects when they are there.
    fn yaml_files_of_tests_and_corpus() -> Vec<PathBuf> {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![manifest.join("fixtures"), manifest.join("tests")];
        for shared in [manifest.join("../shared"), PathBuf::from("/work/shared")] {
            if shared.join("corpus").is_dir() {
                dirs.push(shared.join("corpus"));
                dirs.push(shared.join("realworld"));
                break;
            }
        }
        let mut files = Vec::new();
        for d in &dirs {
            for e in ignore::WalkBuilder::new(d).hidden(false).build().flatten() {
                let name = e.file_name().to_string_lossy();
                if e.file_type().is_some_and(|t| t.is_file()) && is_yaml_name(&name) {
                    files.push(e.path().to_path_buf());
                }
            }
        }
        files
    }

    /// Asserts that the look-ahead learns from `f` what the full load's
    /// project says (see [`names_in`]), and returns that.
    fn learns_what_the_full_load_does(f: &Path) -> Names {
        let root = f.parent().unwrap_or(Path::new("/")).to_path_buf();
        let opts = LoadOptions {
            root: Some(root.clone()),
            env: Some(Env::new()),
            ..Default::default()
        };
        let input = Input {
            path: f.to_path_buf(),
            text: None,
        };
        let full = project::load(std::slice::from_ref(&input), &opts)
            .ok()
            .and_then(|l| l.project)
            .map(|p| names_in(&p))
            .unwrap_or_default();
        assert_eq!(
            names_of(f, &root, &Editor::default()),
            full,
            "{}",
            f.display()
        );
        full
    }

    /// The shapes the corpus seldom has: each key the outline reads,
    /// written in every shape lowering accepts or refuses, repeated, null,
    /// or reached through a merge key.
    #[test]
    fn the_outline_reads_each_key_as_lowering_does() {
        let services = [
            "a: {provider: tool}",
            "a: {provider: {type: model}}",
            "a: {provider: ~}",
            "a: {build: [x]}",
            "a: {build: ~}",
            "a: {build: .}",
            "a: {build: {context: .}}",
            "a: {image: [x]}",
            "a: {image: ~}",
            "a: {image: 1}",
            "a: {extends: {file: b.yml}}",
            "a: {extends: {service: b, file: ~}}",
            "a: {extends: {service: b, file: b.yml}}",
            "a: {extends: {service: [b]}}",
            "a: {extends: b}",
            "a: {extends: [b]}",
            "a: {image: x, volumes: [\"v:/x\"], volumes: ~}",
            "a: {image: x, volumes: [\"v:/x\"], volumes: w}",
            "a: {image: x, volumes: \"v:/x\"}",
            "a: {image: x, volumes: [{type: volume, source: v, target: /x}]}",
            "a: {image: x, volumes: [{type: volume, source: v}]}",
            "a: {image: x, volumes: [{type: volume, source: v, target: ~}]}",
            "a: {image: x, volumes: [{type: bogus, source: v, target: /x}]}",
            "a: {image: x, volumes: [{type: volume, type: bogus, source: v, target: /x}]}",
            "a: {image: x, volumes: [{type: bind, source: v, target: /x}]}",
            "a: {image: x, volumes: [{source: v, target: /x}]}",
            "a: {image: x, volumes: [{type: volume, source: v, source: ~, target: /x}]}",
            "a: {image: x, volumes: [\"./v:/x\", \"v:/x:ro\", \"${V}:/x\", \"v::/x\", /x, [v]]}",
            "a: {image: x, depends_on: {b: {condition: x}, c: ~}}",
            "a: {image: x, depends_on: [b, [c], {d: e}]}",
            "a: {image: x, depends_on: b}",
            "a: {image: x, depends_on: [b], depends_on: ~}",
            "a: {image: x, networks: {default: ~, n: {}}}",
            "a: {image: x, networks: [default, n, [m]]}",
            "a: {image: x, networks: n}",
            "a: {image: x, secrets: [s, {source: t}, {target: u}, [v], {source: ~}]}",
            "a: {image: x, configs: [s, {source: t, source: w}, {target: u}]}",
            "a: {image: x, secrets: s}",
            "a: {image: x, volumes_from: [\"container:c\", \"service:b\", service, \"b:ro\", \"\", container]}",
            "a: {image: x, volumes_from: b}",
            "a: {image: x, network_mode: \"service:b\"}",
            "a: {image: x, network_mode: host}",
            "a: {image: x, network_mode: [b]}",
            "a: x",
            "a: [x]",
            "a: ~",
            "a: {}",
        ];
        let mut texts: Vec<String> = services
            .iter()
            .map(|s| format!("services:\n  {s}\n"))
            .collect();
        texts.extend(
            [
                "services: ~\n",
                "services: [a]\n",
                "services: {a: {image: x}}\nservices: {b: {}}\n",
                "services: {a: {}}\nvolumes: [v]\nnetworks: v\nsecrets: ~\nconfigs: {c: ~}\n",
                "services: {a: {}}\nvolumes: {v: ~}\nnetworks: {x-n: {}, n: ~}\nsecrets: {s: {}}\n",
                "- a\n",
                "x-base: &b {image: x, depends_on: [q], volumes: [\"v:/x\"]}\nservices:\n  a:\n    <<: *b\n    networks: [n]\n  b: *b\n",
            ]
            .map(String::from),
        );
        let dir = tempfile::tempdir().expect("temp dir");
        for (i, text) in texts.iter().enumerate() {
            let sub = dir.path().join(i.to_string());
            std::fs::create_dir(&sub).expect("folder");
            let f = sub.join("compose.yaml");
            std::fs::write(&f, text).expect("write");
            learns_what_the_full_load_does(&f);
        }
    }

    /// Asserts that the search without parsing does not rule out a name
    /// the file defines (see [`Repository::may_define`]); returns how
    /// many of its names could be searched for in its text.
    fn spelling_is_sound(f: &Path) -> usize {
        let root = f.parent().unwrap_or(Path::new("/")).to_path_buf();
        let names = names_of(f, &root, &Editor::default());
        let mut repo = Repository::new(&root);
        let searched = repo.spelling_text(f).is_some();
        for (kind, name) in &names.defined {
            let one = [Spelling::of(name)];
            assert!(
                repo.may_define(f, &one, true) && repo.may_define(f, &one, false),
                "{}: {} `{name}` is defined but ruled out",
                f.display(),
                kind.word()
            );
        }
        if searched {
            names.defined.len()
        } else {
            0
        }
    }

    /// On every file of the tests and the corpus, a name a file defines
    /// is never ruled out by its text.
    #[test]
    fn a_file_defines_only_names_its_text_spells() {
        let files = yaml_files_of_tests_and_corpus();
        let searched: usize = files.iter().map(|f| spelling_is_sound(f)).sum();
        assert!(searched > 2000, "only {searched} names searched for");
    }

    /// The shapes in which a key's text differs from its name, or a name
    /// is made of no text at all, on files whose names are searched for.
    #[test]
    fn keys_of_every_shape_are_found_in_the_text() {
        let texts = [
            "services: {\"\": {image: x}}\n",
            "services: {'': {image: x}}\n",
            "services:\n  ? \n  : {image: x}\n",
            "services:\n  : {image: x}\n",
            "services: {: {image: x}}\n",
            "services: {a: {image: x}, : {image: y}}\n",
            "services:\n  &e : {image: x}\n",
            "services:\n  !!str : {image: x}\n",
            "x: &n db\nservices:\n  *n : {image: x}\n",
            "services: {'d''b': {image: x}, 'db': {image: y}, \"web\": {image: z}}\n",
            "services:\n  ? |-\n    db\n  : {image: x}\n",
            "x-s: &s {db: {image: x}}\nservices:\n  <<: *s\n  web: {image: y}\n",
            "services:\n  db.1_a-b: {image: x}\n  ~: {image: y}\n  null: {image: z}\n  1: {image: w}\n",
            "volumes: {data: ~}\nnetworks: {front: {}}\nsecrets: {s1: {file: x}}\nconfigs: {c1: {file: y}}\n",
            "services: {\"d\\x62\": {image: x}}\n",
            "include: [other.yaml]\nservices: {a: {image: x}}\n",
            "services: {a b: {image: x}, é: {image: y}}\n",
        ];
        let dir = tempfile::tempdir().expect("temp dir");
        let other = dir.path().join("other.yaml");
        std::fs::write(&other, "services: {zz9: {image: x}}\n").expect("write");
        for (i, text) in texts.iter().enumerate() {
            let f = dir.path().join(format!("{i}.yaml"));
            std::fs::write(&f, text).expect("write");
            spelling_is_sound(&f);
        }
        // UTF-16, which the loader decodes: no name is ruled out.
        let f = dir.path().join("utf16.yaml");
        let mut bytes = vec![0xFF, 0xFE];
        for u in "services: {db: {image: x}}\n".encode_utf16() {
            bytes.extend(u.to_le_bytes());
        }
        std::fs::write(&f, bytes).expect("write");
        spelling_is_sound(&f);
    }

    /// What the search rules out: a plain name nowhere in the text, and
    /// the empty name where no key can be empty; what it cannot: any name
    /// in a file with an escape or an `include`, a name that is not plain.
    #[test]
    fn what_a_text_rules_out() {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut repo = Repository::new(dir.path());
        let mut may = |text: &str, name: &str| {
            let f = dir.path().join(format!("{}.yaml", repo.spellings.len()));
            std::fs::write(&f, text).expect("write");
            repo.may_define(&f, &[Spelling::of(name)], true)
        };
        let plain = "services:\n  web:\n    image: nginx # d-b\n    ports: ['80:80']\n";
        assert!(!may(plain, "db"));
        assert!(may(plain, "web"));
        assert!(may(plain, "ngin"), "a part of a word is not ruled out");
        assert!(!may(plain, ""));
        assert!(!may(
            "services: {web: {image: \"a:b\", command: [x, y]}}\n",
            ""
        ));
        assert!(may("services: {web: {image: x}}\n# \\\n", "db"));
        assert!(may("include: [x.yaml]\n", "db"));
        assert!(may("services: {web: {image: x}}\n", "a b"));
        for empty in [
            "a: ''\n",
            "a: \"\"\n",
            "? a\n",
            "a: &x 1\n",
            "a: !t 1\n",
            "- : 1\n",
            "[ : 1]\n",
            "a,\n:\n",
        ] {
            assert!(may(empty, ""), "{empty:?}");
        }
    }

    #[test]
    fn override_names() {
        assert_eq!(override_name("compose.yaml"), "compose.override.yaml");
        assert_eq!(
            override_name("docker-compose.yml"),
            "docker-compose.override.yml"
        );
    }
}
