//! Image facts: what is inside each service's image (users, paths and their
//! owners, entrypoint, volumes, ...), each fact with its evidence, so that
//! rules can reason about what happens at run time.
//!
//! Sources, most certain first, for a service:
//! 1. an image archive (`--image-archive`) whose tags name the service's image;
//! 2. the service's Dockerfile (`build:`), layered on the facts of its base;
//! 3. the local engine (`--engine`), for an image present locally (never pulled);
//! 4. the registry (`--pull`), through the facts cache ([`cache`]);
//! 5. the built-in facts (`rules/images/*.toml`) and `--image-facts` directories.
//!
//! Resolution runs once per project ([`resolve`]); rules read the result
//! through [`crate::rules::Context::image`].

pub mod archive;
pub mod builtin;
pub mod cache;
pub mod context;
pub mod credentials;
pub mod dockerfile;
pub mod engine;
pub mod facts;
mod facts_format;
pub mod generate;
pub mod layout;
pub mod listing;
pub mod packages;
pub mod reference;
pub mod registry;
pub mod runeffects;
pub mod script;

use crate::fasthash::{map_with_capacity, Map};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

pub use facts::{
    Confidence, Content, Evidence, Fact, Image, ImageCommand, PathFact, PathInfo, PathKind,
    RegistrySource, RuntimeUser,
};

use crate::diagnostic::Diagnostic;
use crate::model::{Project, Service};
use crate::source::Span;
use builtin::{Catalog, Lookup};
use reference::Reference;

/// Where image facts may come from, beyond the built-in ones.
#[derive(Clone, Debug, Default)]
pub struct ImageOptions {
    /// Images read from `--image-archive` files.
    pub archives: Vec<Arc<archive::ArchiveImage>>,
    /// `--engine`: ask the local Docker engine about images present locally.
    pub engine: bool,
    /// The engine runs on this machine ([`engine::runs_here`], asked only
    /// with `--engine`): absolute bind sources are paths here, and M104 and
    /// M105 check them.
    pub engine_here: bool,
    /// `--image-facts DIR`: consulted before the built-in facts.
    pub catalogs: Vec<Arc<Catalog>>,
    /// Leave out the built-in facts (tests).
    pub no_builtin: bool,
    /// `--pull`: read images from their registry (through the facts cache).
    pub pull: bool,
    /// `--offline`: with `pull`, read only the facts cache.
    pub offline: bool,
}

/// What is known about one service's image.
#[derive(Clone, Debug)]
pub struct ServiceImage {
    pub service: String,
    /// `image:` as written, if any.
    pub reference: Option<String>,
    /// `reference` parsed, when it is a valid reference: parsed once per
    /// distinct reference of the project, shared by its services.
    pub parsed: Option<Arc<Reference>>,
    /// Shared: services on the same built-in image hold one copy.
    pub image: Arc<Image>,
    /// The user the process starts as: the service's `user:`, else the
    /// image's USER, resolved to uid/gid through the image's users.
    pub user: Option<Fact<RuntimeUser>>,
    /// Why `user` is `None`.
    pub user_unknown: Option<String>,
    /// Why nothing is known (no source had facts).
    pub unknown_reason: Option<String>,
}

impl ServiceImage {
    /// Does `path` exist in the image, and with which owner and mode?
    pub fn path(&self, path: &str) -> PathFact {
        if let Some(why) = &self.unknown_reason {
            return PathFact::Unknown {
                reason: why.clone(),
            };
        }
        self.image.query_shared(path)
    }

    pub fn confidence(&self) -> Confidence {
        self.image.confidence
    }

    pub fn is_known(&self) -> bool {
        self.unknown_reason.is_none()
    }

    /// The effective user, if known.
    pub fn runtime_user(&self) -> Option<&RuntimeUser> {
        self.user.as_ref().map(|f| &f.value)
    }

    pub fn workdir(&self) -> Option<&Fact<String>> {
        self.image.workdir.as_ref()
    }

    /// Is a program present (`Some(true)`), certainly absent (`Some(false)`),
    /// or unknown?
    pub fn has_binary(&self, path: &str) -> Option<bool> {
        if self.image.binaries.iter().any(|b| b.value == path) {
            return Some(true);
        }
        // A file a later layer added (`COPY bash /bin/bash`) wins over the
        // base's list of absent programs.
        if let PathFact::Exists(_) = self.path(path) {
            return Some(true);
        }
        if self.image.absent_binaries.iter().any(|b| b.value == path) {
            return Some(false);
        }
        match self.path(path) {
            PathFact::Exists(_) => Some(true),
            PathFact::Absent { .. } => Some(false),
            PathFact::Unknown { .. } => None,
        }
    }
}

/// The image facts of every service of a project.
#[derive(Clone, Debug, Default)]
pub struct ImageFacts {
    services: Vec<ServiceImage>,
    /// Service name -> index in `services`: every image-aware rule looks
    /// each service up, so a scan would be quadratic in the services.
    index: Map<String, usize>,
    /// For the service at each position, the position of the first service
    /// of its name (what `index` says), so that a service found by its
    /// position needs no hashing.
    first: Vec<usize>,
}

impl ImageFacts {
    pub fn empty() -> ImageFacts {
        ImageFacts::default()
    }
    pub fn get(&self, service: &str) -> Option<&ServiceImage> {
        self.index.get(service).map(|&i| &self.services[i])
    }
    /// What [`ImageFacts::get`] says for the service at `position` of the
    /// project, when it is named `service` (checked: facts resolved for
    /// another project, or none, fall back to the name).
    pub fn get_at(&self, position: usize, service: &str) -> Option<&ServiceImage> {
        match self.services.get(position) {
            Some(s) if s.service == service => Some(&self.services[self.first[position]]),
            _ => self.get(service),
        }
    }
    /// The facts resolved for exactly the service at `position` (not the
    /// first of its name), when it is named `service`.
    pub fn own_at(&self, position: usize, service: &str) -> Option<&ServiceImage> {
        self.services.get(position).filter(|s| s.service == service)
    }
    pub fn iter(&self) -> impl Iterator<Item = &ServiceImage> {
        self.services.iter()
    }
}

/// Works out every service's image facts. Diagnostics: S008 for a
/// Dockerfile outside the project root (which is not read).
pub fn resolve(
    project: &Project,
    project_dir: &Path,
    root: Option<&Path>,
    opts: &ImageOptions,
) -> (ImageFacts, Vec<Diagnostic>) {
    let root = root
        .map(Path::to_path_buf)
        .unwrap_or_else(|| default_root(project_dir));
    let mut r = Resolver {
        project_dir,
        root,
        opts,
        engine_cache: Map::default(),
        pull_cache: Map::default(),
        diagnostics: Vec::new(),
        references: Map::default(),
        catalogued: Map::default(),
    };
    let services: Vec<ServiceImage> = project.services.iter().map(|s| r.service(s)).collect();
    let mut index = map_with_capacity(services.len());
    let first = services
        .iter()
        .enumerate()
        // The first of two services of the same name, as a scan found it.
        .map(|(i, s)| *index.entry(s.service.clone()).or_insert(i))
        .collect();
    (
        ImageFacts {
            services,
            index,
            first,
        },
        r.diagnostics,
    )
}

/// A project's image facts, resolved when a rule first asks for them: a
/// run whose selected rules read no image (`--select P101`) reads no
/// Dockerfile, asks no engine and pulls nothing.
pub struct LazyFacts<'a> {
    inputs: Option<(&'a Project, &'a Path, Option<&'a Path>, &'a ImageOptions)>,
    ready: Option<&'a ImageFacts>,
    cell: std::sync::OnceLock<(ImageFacts, Vec<Diagnostic>)>,
}

impl<'a> LazyFacts<'a> {
    /// [`resolve`] with these arguments, when first asked.
    pub fn new(
        project: &'a Project,
        project_dir: &'a Path,
        root: Option<&'a Path>,
        opts: &'a ImageOptions,
    ) -> LazyFacts<'a> {
        LazyFacts {
            inputs: Some((project, project_dir, root, opts)),
            ready: None,
            cell: std::sync::OnceLock::new(),
        }
    }

    /// Facts resolved already (by a caller that keeps them).
    pub fn ready(facts: &'a ImageFacts) -> LazyFacts<'a> {
        LazyFacts {
            inputs: None,
            ready: Some(facts),
            cell: std::sync::OnceLock::new(),
        }
    }

    /// The facts, resolved now if no one asked before.
    pub fn get(&self) -> &ImageFacts {
        if let Some(facts) = self.ready {
            return facts;
        }
        &self
            .cell
            .get_or_init(|| match self.inputs {
                Some((project, dir, root, opts)) => resolve(project, dir, root, opts),
                None => (ImageFacts::empty(), Vec::new()),
            })
            .0
    }

    /// The facts, if something asked for them already.
    pub fn if_resolved(&self) -> Option<&ImageFacts> {
        self.ready
            .or_else(|| self.cell.get().map(|(facts, _)| facts))
    }

    /// What resolving reported (S008: a Dockerfile outside the project
    /// root); nothing when the facts were never asked for.
    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.cell.into_inner().map(|(_, d)| d).unwrap_or_default()
    }
}

/// What decides a Dockerfile's evaluation: its text, the build options,
/// and the image options (by address: one set for a whole batch run).
type EvalKey = (String, dockerfile::BuildOptions, usize);

struct Resolver<'a> {
    project_dir: &'a Path,
    root: PathBuf,
    opts: &'a ImageOptions,
    engine_cache: Map<String, Result<Image, String>>,
    /// (reference, platform) -> what `--pull` found.
    pull_cache: Map<(String, Option<String>), Result<Arc<Image>, String>>,
    diagnostics: Vec<Diagnostic>,
    /// `image:` -> its parse: many services share one image.
    references: Map<String, Option<Arc<Reference>>>,
    /// `image:` -> what the facts catalogs say of it (the last step of
    /// [`Resolver::image_for`]), with the reason when they know nothing.
    catalogued: Map<String, Result<Arc<Image>, String>>,
}

/// The image of a service whose image is not known: one for the run, since
/// thousands of services may share it and nothing changes it.
fn unknown_image() -> Arc<Image> {
    static UNKNOWN: std::sync::OnceLock<Arc<Image>> = std::sync::OnceLock::new();
    UNKNOWN.get_or_init(|| Arc::new(Image::unknown())).clone()
}

impl Resolver<'_> {
    fn service(&mut self, s: &Service) -> ServiceImage {
        let reference = s.image.as_ref().map(|i| i.value.clone());
        let parsed = reference.as_deref().and_then(|r| self.parse(r));
        let (image, unknown) = match self.image_for(s, parsed.as_deref()) {
            Ok(img) => (img, None),
            Err(why) => (unknown_image(), Some(why)),
        };
        let (user, user_unknown) = if unknown.is_some() {
            (None, unknown.clone())
        } else {
            effective_user(s, &image)
        };
        ServiceImage {
            service: s.name.value.clone(),
            reference,
            parsed,
            image,
            user,
            user_unknown,
            unknown_reason: unknown,
        }
    }

    /// The parse of `image:`, once per distinct reference.
    fn parse(&mut self, r: &str) -> Option<Arc<Reference>> {
        if let Some(known) = self.references.get(r) {
            return known.clone();
        }
        // In a batch run, once for the run: projects name the same images.
        static PARSED: crate::fscache::Memo<String, Option<Arc<Reference>>> =
            std::sync::OnceLock::new();
        let parsed = crate::fscache::memo(&PARSED, r, |r| Reference::parse(r).map(Arc::new));
        self.references.insert(r.to_string(), parsed.clone());
        parsed
    }

    fn image_for(&mut self, s: &Service, parsed: Option<&Reference>) -> Result<Arc<Image>, String> {
        let reference = s.image.as_ref().map(|i| i.value.as_str());
        if let Some(a) = parsed.and_then(|want| self.archive_of(want)) {
            return Ok(Arc::new(a));
        }
        if let Some(build) = &s.build {
            return self.dockerfile(build);
        }
        let Some(r) = reference else {
            return Err("the service has neither `image` nor `build`".into());
        };
        let mut engine_why = None;
        if self.opts.engine {
            let res = self
                .engine_cache
                .entry(r.to_string())
                .or_insert_with(|| engine::image(r))
                .clone();
            match res {
                Ok(img) => return Ok(Arc::new(img)),
                Err(why) => engine_why = Some(why),
            }
        }
        if self.opts.pull {
            let platform = s.platform.as_ref().map(|p| p.value.clone());
            let offline = self.opts.offline;
            let pulled = self
                .pull_cache
                .entry((r.to_string(), platform))
                .or_insert_with_key(|(r, p)| {
                    registry::image(r, p.as_deref(), offline).map(Arc::new)
                })
                .clone();
            match pulled {
                Ok(img) => return Ok(img),
                // The built-in facts still hold; say why they are used.
                Err(why) => match self.lookup(r) {
                    Lookup::Found(img) => {
                        let mut img = Arc::unwrap_or_clone(img);
                        img.forget_queries();
                        img.notes
                            .push(format!("--pull: {why}; built-in facts used"));
                        return Ok(Arc::new(img));
                    }
                    _ => return Err(why),
                },
            }
        }
        // Without an engine's answer the result depends on `r` alone.
        let remember = engine_why.is_none();
        if remember {
            if let Some(known) = self.catalogued.get(r) {
                return known.clone();
            }
        }
        if !remember {
            return self.catalogued_now(r, engine_why);
        }
        // In a batch run, once for the run (with the run's one set of image
        // options, by address; another set asks anew): projects name the
        // same images.
        static CATALOGUED: crate::fscache::Memo<String, (usize, Result<Arc<Image>, String>)> =
            std::sync::OnceLock::new();
        let opts = self.opts as *const ImageOptions as usize;
        let (by, mut found) =
            crate::fscache::memo(&CATALOGUED, r, |r| (opts, self.catalogued_now(r, None)));
        if by != opts {
            found = self.catalogued_now(r, None);
        }
        self.catalogued.insert(r.to_string(), found.clone());
        found
    }

    /// What the facts catalogs say of `r`, or why they know nothing (with
    /// what the engine said, if it was asked).
    fn catalogued_now(&self, r: &str, engine_why: Option<String>) -> Result<Arc<Image>, String> {
        match self.lookup(r) {
            Lookup::Found(img) => Ok(img),
            Lookup::NoVariant { file, why } => Err(format!("{file}: {why}")),
            Lookup::NotFound => Err(match engine_why {
                Some(w) => format!("no facts for `{r}`: {w}"),
                None => format!("no facts for `{r}` (built-in facts, --image-archive or --engine)"),
            }),
        }
    }

    fn archive(&self, r: &str) -> Option<Image> {
        if self.opts.archives.is_empty() {
            return None;
        }
        self.archive_of(&Reference::parse(r)?)
    }

    fn archive_of(&self, want: &Reference) -> Option<Image> {
        self.opts
            .archives
            .iter()
            .find(|a| a.matches(want))
            .map(|a| a.image.clone())
    }

    fn lookup(&self, r: &str) -> Lookup {
        let mut first_miss = None;
        let cats = self
            .opts
            .catalogs
            .iter()
            .map(|c| c.as_ref())
            .map(|c| c.lookup(r))
            .chain((!self.opts.no_builtin).then(|| builtin::builtin_lookup(r)));
        for found in cats {
            match found {
                Lookup::Found(i) => return Lookup::Found(i),
                Lookup::NotFound => {}
                miss => {
                    first_miss.get_or_insert(miss);
                }
            }
        }
        first_miss.unwrap_or(Lookup::NotFound)
    }

    fn dockerfile(&mut self, build: &crate::model::Build) -> Result<Arc<Image>, String> {
        let context = build.context.as_ref().map_or(".", |c| c.value.as_str());
        if context.contains("://") || context.starts_with("git@") {
            return Err(format!("the build context `{context}` is remote"));
        }
        let context_dir = self.project_dir.join(context);
        let context_ok = contained(&context_dir, &self.root);
        let args = build
            .args
            .iter()
            .map(|kv| {
                (
                    kv.key.value.clone(),
                    kv.value.as_ref().map(|v| v.value.clone()),
                )
            })
            .collect();
        let (text, label) = match &build.dockerfile_inline {
            Some(inline) => (inline.value.clone(), "dockerfile_inline".to_string()),
            None => {
                let name = build
                    .dockerfile
                    .as_ref()
                    .map_or("Dockerfile", |d| d.value.as_str());
                let path = context_dir.join(name);
                if !contained(&path, &self.root) {
                    let span = build
                        .dockerfile
                        .as_ref()
                        .map(|d| d.span)
                        .or(build.context.as_ref().map(|c| c.span))
                        .unwrap_or(build.span);
                    self.outside_root(&path, span);
                    return Err(format!(
                        "the Dockerfile {} is outside the project root, so it is not read",
                        path.display()
                    ));
                }
                let label = relative_label(&path, self.project_dir);
                let text = crate::load::project::read_text(&path, 1024 * 1024)
                    .map_err(|e| format!("{label}: {e}"))?;
                (text, label)
            }
        };
        let bopts = dockerfile::BuildOptions {
            label,
            args,
            target: build.target.as_ref().map(|t| t.value.clone()),
            context: context_ok.then_some(context_dir),
            git_modes: false,
            rootfs: Vec::new(),
            partial_context: Vec::new(),
        };
        let evaluate = |(text, bopts, _): &EvalKey| {
            let df = dockerfile::parse(text);
            let base = |name: &str| -> Option<Image> {
                if let Some(a) = self.archive(name) {
                    return Some(a);
                }
                match self.lookup(name) {
                    Lookup::Found(i) => {
                        // The evaluation changes it.
                        let mut i = Arc::unwrap_or_clone(i);
                        i.forget_queries();
                        Some(i)
                    }
                    _ => None,
                }
            };
            dockerfile::evaluate(&df, bopts, &base).map(Arc::new)
        };
        // In a batch run, a Dockerfile built the same way (the same text,
        // label, arguments, target and context, with the run's one set of
        // image options) is evaluated once: projects of one repository
        // often build the same context.
        static EVALUATED: crate::fscache::Memo<EvalKey, Result<Arc<Image>, String>> =
            std::sync::OnceLock::new();
        let key = (text, bopts, self.opts as *const ImageOptions as usize);
        crate::fscache::memo(&EVALUATED, &key, evaluate)
    }

    fn outside_root(&mut self, path: &Path, span: Span) {
        let root = std::fs::canonicalize(&self.root).unwrap_or_else(|_| self.root.clone());
        self.diagnostics.push(
            Diagnostic::warning(
                "S008",
                span,
                format!(
                    "Dockerfile `{}` is outside the project root, so compose-lint does not read it",
                    path.display()
                ),
            )
            .note(format!("project root: {}", root.display()))
            .help("lint from a directory that contains it, or pass --root <dir> to widen the root"),
        );
    }
}

/// The user the container starts as, and its evidence.
fn effective_user(s: &Service, image: &Image) -> (Option<Fact<RuntimeUser>>, Option<String>) {
    if let Some(u) = &s.user {
        let ev = Evidence::Compose {
            setting: format!("user: {}", u.value),
            span: u.span,
        };
        return match image.resolve_user(&u.value) {
            Ok(ru) => (Some(Fact::new(ru, ev)), None),
            Err(why) => (None, Some(why)),
        };
    }
    match &image.user {
        None => (None, Some("the image's USER is not known".into())),
        Some(f) => match image.resolve_user(&f.value) {
            Ok(ru) => (Some(Fact::new(ru, f.evidence.clone())), None),
            Err(why) => (None, Some(why)),
        },
    }
}

fn relative_label(path: &Path, base: &Path) -> String {
    let a = crate::load::project::absolute(path);
    let b = crate::load::project::absolute(base);
    match a.strip_prefix(&b) {
        Ok(rel) => rel.display().to_string(),
        Err(_) => path.display().to_string(),
    }
}

/// The enclosing git work tree of `dir`, or `dir` (as the loader does).
fn default_root(dir: &Path) -> PathBuf {
    let abs = crate::load::project::absolute(dir);
    crate::fscache::git_root(&abs).unwrap_or(abs)
}

/// Does `path` stay inside `root`, following symlinks in the part that
/// exists? (The loader's containment rule.)
pub fn contained(path: &Path, root: &Path) -> bool {
    let abs = crate::load::project::absolute(path);
    let root =
        crate::fscache::canonicalize(root).unwrap_or_else(|| crate::load::project::absolute(root));
    let mut existing = abs.clone();
    let mut rest = Vec::new();
    while !crate::fscache::exists(&existing) {
        match existing.file_name() {
            Some(n) => rest.push(n.to_os_string()),
            None => break,
        }
        if !existing.pop() {
            break;
        }
    }
    let mut real = crate::fscache::canonicalize(&existing).unwrap_or(existing);
    for n in rest.iter().rev() {
        real.push(n);
    }
    debug_assert!(!real.components().any(|c| c == Component::ParentDir));
    crate::load::project::is_under(&real, &root)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::project::{load, Input, LoadOptions};

    fn facts_of(text: &str) -> ImageFacts {
        facts_with(text, &ImageOptions::default())
    }

    fn facts_with(text: &str, image_opts: &ImageOptions) -> ImageFacts {
        let dir = std::env::temp_dir();
        let inputs = [Input {
            path: dir.join("compose.yaml"),
            text: Some(text.to_string()),
        }];
        let opts = LoadOptions {
            root: Some(dir.clone()),
            ..Default::default()
        };
        let loaded = load(&inputs, &opts).expect("loads");
        let project = loaded.project.expect("a project");
        resolve(&project, &dir, Some(&dir), image_opts).0
    }

    /// In one run (a scope of the cache), where a reference's parse and
    /// catalog answer are remembered for every project, each project gets
    /// what it gets alone; and another set of image options (without the
    /// built-in facts) is not answered with the first set's.
    #[test]
    fn references_remembered_for_the_run_per_options() {
        let text = "services:\n  a: {image: 'postgres:16'}\n  b: {image: 'nosuch/thing:1'}\n  c: {image: 'postgres:0.1'}\n";
        let with = ImageOptions::default();
        let without = ImageOptions {
            no_builtin: true,
            ..Default::default()
        };
        let summary = |f: &ImageFacts| -> Vec<(Option<String>, Option<String>, bool)> {
            f.iter()
                .map(|s| {
                    let repo = s.parsed.as_ref().map(|r| r.repository());
                    (repo, s.unknown_reason.clone(), s.is_known())
                })
                .collect()
        };
        let alone_with = summary(&facts_with(text, &with));
        let alone_without = summary(&facts_with(text, &without));
        assert_ne!(alone_with, alone_without);
        crate::fscache::scope(|| {
            for _ in 0..2 {
                assert_eq!(summary(&facts_with(text, &with)), alone_with);
                assert_eq!(summary(&facts_with(text, &without)), alone_without);
            }
        });
    }

    /// The containment check `contained` ends with (`project::is_under`,
    /// by bytes for normal paths) agrees with `Path::starts_with` on every
    /// pair of paths of up to five characters of `/ . a b`.
    #[test]
    fn root_prefix_by_bytes_is_by_components() {
        let mut paths = vec![String::new()];
        let mut all = vec![String::new()];
        for _ in 0..5 {
            let mut next = Vec::new();
            for p in &paths {
                for c in ['/', '.', 'a', 'b'] {
                    next.push(format!("{p}{c}"));
                }
            }
            all.extend(next.iter().cloned());
            paths = next;
        }
        for p in &all {
            for r in &all {
                let (p, r) = (Path::new(p), Path::new(r));
                assert_eq!(
                    crate::load::project::is_under(p, r),
                    p.starts_with(r),
                    "{p:?} {r:?}"
                );
            }
        }
    }

    /// Services on one image get what a lookup of their own would give,
    /// and share the image: known, unknown with its reason, or with no
    /// variant for the tag.
    #[test]
    fn services_on_one_image_share_its_facts() {
        let facts = facts_of(
            "services:\n  a: {image: 'nosuch/thing:1'}\n  b: {image: 'nosuch/thing:1'}\n  c: {image: 'postgres:16'}\n  d: {image: 'postgres:16'}\n  e: {image: 'postgres:0.1'}\n  f: {image: 'postgres:0.1'}\n  g: {image: 'nosuch/other:2'}\n",
        );
        let get = |s: &str| facts.get(s).expect(s);
        for (x, y) in [("a", "b"), ("c", "d"), ("e", "f"), ("a", "g")] {
            assert!(Arc::ptr_eq(&get(x).image, &get(y).image), "{x} {y}");
        }
        assert_eq!(
            get("a").unknown_reason.as_deref(),
            Some("no facts for `nosuch/thing:1` (built-in facts, --image-archive or --engine)")
        );
        assert_eq!(get("a").unknown_reason, get("b").unknown_reason);
        assert!(get("g")
            .unknown_reason
            .as_deref()
            .unwrap()
            .contains("nosuch/other:2"));
        assert!(get("c").is_known() && get("d").is_known());
        assert!(get("e")
            .unknown_reason
            .as_deref()
            .unwrap()
            .starts_with("rules/images/postgres.toml"));
        assert_eq!(get("e").unknown_reason, get("f").unknown_reason);
    }
}
