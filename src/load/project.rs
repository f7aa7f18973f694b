//! Assembling a project the way `docker compose` does: read the files,
//! build the environment (process first, then `.env`), interpolate, merge
//! the `-f` files in order, resolve `extends` and `include`, and lower the
//! result into the typed model.
//!
//! Paths named in a document (`env_file`, `extends.file`, `include`, a build
//! context) are resolved against the right directory and are only read when
//! they stay inside the project root: compose-lint runs on untrusted pull
//! requests and must not read or leak files elsewhere on the machine.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use crate::diagnostic::Diagnostic;
use crate::fasthash;
use crate::load::document::{to_outline, to_value, Budget};
use crate::load::dotenv;
use crate::load::interpolate::Env;
use crate::load::merge::{merge_documents, merge_services, split_volume_spec, strip_resets};
use crate::model::{self, Project};
use crate::source::{FileId, SourceMap, Span, Text};
use crate::value::{Key, Map, Value, ValueKind};
use crate::yaml::{self, Tree};

/// What to load, as the command line said it.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    /// `--env-file`: replaces the project directory's `.env`.
    pub env_files: Vec<PathBuf>,
    /// The directory paths may not escape. Defaults to the enclosing git
    /// work tree of the first file, or its directory.
    pub root: Option<PathBuf>,
    /// `--project-directory`: defaults to the first file's directory.
    pub project_dir: Option<PathBuf>,
    pub limits: Limits,
    /// The environment; `None` means the process environment.
    pub env: Option<Env>,
    /// Compose files to read from here instead of the disk, by absolute
    /// path: `--fix` lints its edited text before it writes anything.
    pub texts: Vec<(PathBuf, String)>,
    /// Parsed files kept from one load to the next (the language server's
    /// session): a file whose text has not changed is not parsed again.
    pub parses: Option<ParseCache>,
}

/// The YAML trees of the files a session has parsed, by absolute path, each
/// with the text and limits it was parsed under (see [`HandedOn`]). A load
/// takes a copy of the tree when the file's text is the same, and parses
/// (and keeps) it again when not: keyed by the text, it cannot go stale
/// when a file changes on disk or in the editor. The language server keeps
/// one for its session, so that after an edit only the edited file is
/// parsed, and only once (discovery's look-ahead parses it, the lint and
/// the hover take that tree).
#[derive(Clone, Default)]
pub struct ParseCache(Arc<Mutex<Parses>>);

#[derive(Default)]
struct Parses {
    files: HashMap<PathBuf, Arc<HandedOn>>,
    /// The texts' total length.
    bytes: usize,
    /// The files read since [`ParseCache::take_reads`] was last called.
    reads: HashSet<PathBuf>,
}

/// Once the texts kept total more than this, the other files are dropped
/// (parsed again when next read): a session over a large repository does
/// not keep every tree it ever read. A tree takes about 16 times its text.
const PARSE_CACHE_BYTES: usize = 4 << 20;

impl std::fmt::Debug for ParseCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = self.lock();
        write!(f, "ParseCache({} files, {} bytes)", p.files.len(), p.bytes)
    }
}

impl ParseCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Parses> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The tree of `text` at `path` (absolute) under `limits`, if kept;
    /// `path` counts as read (see [`ParseCache::take_reads`]).
    fn get(&self, path: &Path, text: &str, limits: &yaml::Limits) -> Option<Arc<HandedOn>> {
        let mut p = self.lock();
        if !p.reads.contains(path) {
            p.reads.insert(path.to_path_buf());
        }
        p.files
            .get(path)
            .filter(|p| *p.text == *text && p.limits == *limits)
            .cloned()
    }

    /// The Compose files (absolute paths) the loads using this cache read
    /// since the last call: the files whose text a lint depended on (the
    /// language server re-lints a document after an edit of one of them).
    pub fn take_reads(&self) -> HashSet<PathBuf> {
        std::mem::take(&mut self.lock().reads)
    }

    /// Keeps a parse of `path` (absolute), replacing the one before.
    fn put(&self, path: PathBuf, parsed: HandedOn) {
        let mut p = self.lock();
        let len = parsed.text.len();
        if let Some(old) = p.files.remove(&path) {
            p.bytes -= old.text.len();
        }
        if p.bytes + len > PARSE_CACHE_BYTES {
            p.files.clear();
            p.bytes = 0;
        }
        p.bytes += len;
        p.files.insert(path, Arc::new(parsed));
    }

    /// The paths kept, for tests.
    #[doc(hidden)]
    pub fn paths(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = self.lock().files.keys().cloned().collect();
        v.sort();
        v
    }
}

#[derive(Clone, Debug)]
pub struct Limits {
    pub max_file_bytes: u64,
    /// Services in one project; those beyond it are dropped with S011, so
    /// that rules comparing services pairwise stay bounded.
    pub max_services: usize,
    pub yaml: yaml::Limits,
    pub budget: Budget,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_file_bytes: 8 * 1024 * 1024,
            max_services: 10_000,
            yaml: yaml::Limits::default(),
            budget: Budget::default(),
        }
    }
}

/// One input file: a path, and its text when it came from stdin.
#[derive(Clone, Debug)]
pub struct Input {
    pub path: PathBuf,
    pub text: Option<String>,
}

/// Everything loading produced. `project` is `None` only when no file could
/// be parsed into a document at all.
pub struct Loaded {
    pub sources: SourceMap,
    /// The parsed YAML of every file read, for rules about YAML itself and
    /// for suppression comments (only the comments after
    /// [`load_without_nodes`]).
    pub trees: Vec<Tree>,
    /// The files named by the user (not those reached through extends/include).
    pub roots: Vec<FileId>,
    pub project: Option<Project>,
    /// A look ahead's merged document, not lowered (see
    /// [`load_handing_on`]): `project` is then `None`.
    pub document: Option<Value>,
    /// True when part of the project could not be read (a path outside the
    /// root, a missing file): rules about cross references stay quiet.
    pub incomplete: bool,
    pub diagnostics: Vec<Diagnostic>,
    pub project_dir: PathBuf,
    /// The project name as Compose derives it: `COMPOSE_PROJECT_NAME`,
    /// else `name:`, else the project directory's name.
    pub project_name: String,
}

/// A file that cannot be used at all (exit status 2).
#[derive(Debug)]
pub struct FatalError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for FatalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

struct Loader {
    sources: SourceMap,
    trees: Vec<Tree>,
    diagnostics: Vec<Diagnostic>,
    limits: Limits,
    root: PathBuf,
    incomplete: bool,
    /// Files currently being included, for cycle detection.
    include_stack: Vec<PathBuf>,
    /// Scalars whose value used an unset variable (see `document::to_value`).
    unresolved: Vec<Span>,
    /// Every document parsed so far, by absolute path and the environment
    /// it was interpolated with: a file that several services extend (or a
    /// root file that is also an `extends` target) is read, and its
    /// problems reported, once. A root file's value is `None` until another
    /// file needs it: it is then converted again from its tree (the same
    /// result, problems not repeated), which is cheaper than copying every
    /// root document in case one is an `extends` target.
    parsed: Vec<(PathBuf, Env, Option<Value>, usize)>,
    /// [`LoadOptions::texts`].
    texts: Vec<(PathBuf, String)>,
    /// Keep the trees for the next load ([`load_handing_on`]).
    hand_on: bool,
    /// A look ahead: documents are converted with `document::to_outline`.
    look_ahead: bool,
    /// With `hand_on`, the parser's diagnostics of each file.
    parse_diagnostics: Vec<(FileId, Vec<Diagnostic>)>,
    /// With `hand_on`, the size on disk of each root file it read.
    read_bytes: Vec<(FileId, u64)>,
    /// [`LoadOptions::parses`].
    parses: Option<ParseCache>,
    /// A look ahead with `parses`: the files it parsed (not found there),
    /// each with the parser's diagnostics, are kept there when it ends.
    keep_at_end: Option<Vec<(FileId, Vec<Diagnostic>)>>,
}

/// Loads the files of one project (`-f a -f b`, merged in order).
pub fn load(inputs: &[Input], opts: &LoadOptions) -> Result<Loaded, FatalError> {
    load_with(inputs, opts, false, Nodes::Keep)
}

/// [`load`] for a lint in which nothing reads the YAML trees' nodes: each
/// tree in `trees` keeps only its comments (for suppressions), its nodes
/// freed before the model is lowered, so that a large file's tree and
/// model are not held at once (decision 0031). Everything else is what
/// [`load`] gives.
pub fn load_without_nodes(inputs: &[Input], opts: &LoadOptions) -> Result<Loaded, FatalError> {
    load_with(inputs, opts, false, Nodes::Free(&mut |_, _| {}))
}

/// [`load_without_nodes`], with `read` given the trees, nodes and all, and
/// the sources, once every document is converted and before the nodes are
/// freed: a lint whose one reader of nodes (P103) runs there keeps a large
/// file's tree and model from being held at once all the same.
pub fn load_reading_nodes(
    inputs: &[Input],
    opts: &LoadOptions,
    read: &mut dyn FnMut(&[Tree], &SourceMap),
) -> Result<Loaded, FatalError> {
    load_with(inputs, opts, false, Nodes::Free(read))
}

/// What a load does with the YAML trees' nodes once every document is
/// converted (only rules about YAML itself read them).
enum Nodes<'a> {
    Keep,
    /// Frees them, after this has read them.
    Free(&'a mut dyn FnMut(&[Tree], &SourceMap)),
}

/// [`load`] for a look ahead (discovery reads each file to learn what it
/// defines and what it refers to). It gives the merged document, not
/// lowered, in `document`, built only as far as [`model::outline`] reads
/// it (see `document::to_outline`); the env files are not checked and
/// the diagnostics are not complete. In a batch run the YAML trees it parsed
/// are handed on to the next loads of the same file, which then do not
/// parse it again (see [`HandedOn`]); with [`LoadOptions::parses`] those it
/// parsed move there (and are missing from `trees`).
pub fn load_handing_on(inputs: &[Input], opts: &LoadOptions) -> Result<Loaded, FatalError> {
    load_with(inputs, opts, true, Nodes::Keep)
}

/// A parsed file handed from one load to the next (see [`load_handing_on`]):
/// the text it was parsed from, the tree and the parser's diagnostics. It
/// is taken by a load of the same path that reads the same text under the
/// same limits, whatever id that load gives the file (an overlay is the
/// second file of its job, a base the first of several jobs): the spans are
/// moved to that id. A small file's tree stays for the next load of the
/// same file (a base is loaded by every overlay layered on it); a large
/// one is handed to one load only, so that it is not held twice.
struct HandedOn {
    text: Text,
    /// The file's size on disk when the look ahead read it as a root file
    /// (`None`: read some other way), for [`Loader::take_handed`].
    bytes: Option<u64>,
    limits: yaml::Limits,
    tree: Tree,
    diagnostics: Vec<Diagnostic>,
}

/// Files smaller than this are parsed again rather than handed on.
const HAND_ON_BYTES: usize = 64 * 1024;

/// Files under [`HAND_ON_BYTES`] are handed on too, until their texts
/// total this much (a few hundred real Compose files): the parse they save
/// is a tenth of a run over many files, and the trees kept stay small.
const HAND_ON_SMALL_TOTAL: usize = 2 << 20;

/// Whether a small file of `len` bytes still fits [`HAND_ON_SMALL_TOTAL`]
/// (counted once asked, whether it fits or not).
fn small_hand_on(len: usize) -> bool {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static USED: AtomicUsize = AtomicUsize::new(0);
    USED.fetch_add(len, Ordering::Relaxed) + len <= HAND_ON_SMALL_TOTAL
}

/// What the look ahead hands on, by the bytes of each file's absolute path.
type HandOver = Mutex<fasthash::Map<OsString, HandedOn>>;

/// The text, tree and parse diagnostics handed on for `key` (present): a
/// small file's stay for later loads of it (copied), a large one's are
/// handed to this load only (moved), so that they are not held twice.
fn take_handed_on(
    h: &mut fasthash::Map<OsString, HandedOn>,
    key: &OsStr,
) -> (Text, Tree, Vec<Diagnostic>) {
    if h[key].text.len() < HAND_ON_BYTES {
        let prev = &h[key];
        (
            prev.text.clone(),
            prev.tree.clone(),
            prev.diagnostics.clone(),
        )
    } else {
        let prev = h.remove(key).expect("present");
        (prev.text, prev.tree, prev.diagnostics)
    }
}

fn hand_over() -> &'static HandOver {
    static H: OnceLock<HandOver> = OnceLock::new();
    H.get_or_init(Default::default)
}

fn load_with(
    inputs: &[Input],
    opts: &LoadOptions,
    look_ahead: bool,
    nodes: Nodes,
) -> Result<Loaded, FatalError> {
    let first = inputs.first().ok_or_else(|| FatalError {
        path: PathBuf::from("."),
        message: "no Compose file given".into(),
    })?;
    let first_dir = parent_dir(&first.path);
    let project_dir = opts.project_dir.clone().unwrap_or(first_dir.clone());
    let root = opts
        .root
        .clone()
        .unwrap_or_else(|| default_root(&project_dir));
    let mut loader = Loader {
        sources: SourceMap::new(),
        trees: Vec::new(),
        diagnostics: Vec::new(),
        limits: opts.limits.clone(),
        texts: opts.texts.clone(),
        root,
        incomplete: false,
        include_stack: Vec::new(),
        unresolved: Vec::new(),
        parsed: Vec::new(),
        hand_on: look_ahead && crate::fscache::enabled(),
        look_ahead,
        parse_diagnostics: Vec::new(),
        read_bytes: Vec::new(),
        parses: opts.parses.clone(),
        keep_at_end: (look_ahead && opts.parses.is_some()).then(Vec::new),
    };

    let mut env = opts.env.clone().unwrap_or_else(Env::from_process);
    if opts.env_files.is_empty() {
        loader.add_env_file(&mut env, &project_dir.join(".env"), None, true)?;
    } else {
        for f in &opts.env_files {
            loader.add_env_file(&mut env, f, None, false)?;
        }
    }

    let mut roots = Vec::new();
    let mut doc: Option<Value> = None;
    for input in inputs {
        let overridden = loader.text_of(&input.path);
        let mut read_len = None;
        let handed = match (&overridden, &input.text) {
            (None, None) => loader.take_handed(&input.path),
            _ => None,
        };
        let (id, tree) = if let Some(handed) = handed {
            handed
        } else {
            let text = match overridden.or_else(|| input.text.clone()) {
                Some(t) => t,
                None => {
                    let fatal = |message| FatalError {
                        path: input.path.clone(),
                        message,
                    };
                    let bytes =
                        read_bytes(&input.path, loader.limits.max_file_bytes).map_err(fatal)?;
                    read_len = Some(bytes.len() as u64);
                    match decode(bytes) {
                        Ok(t) => t,
                        Err(Undecodable::Utf8 { lossy, offset }) => {
                            // Still show the file, pointing at the bad byte.
                            let id = loader.sources.add(&input.path, lossy);
                            loader.diagnostics.push(
                                Diagnostic::error(
                                    "S001",
                                    // The bad byte is a U+FFFD in the lossy text.
                                    Span::new(id, offset, offset + '\u{FFFD}'.len_utf8()),
                                    "the file is not valid UTF-8; Compose refuses it",
                                )
                                .help("save the file as UTF-8"),
                            );
                            roots.push(id);
                            continue;
                        }
                        Err(e) => return Err(fatal(e.to_string())),
                    }
                }
            };
            let (id, tree) = loader.parse_tree(&input.path, text);
            if let (true, Some(len)) = (loader.hand_on, read_len) {
                loader.read_bytes.push((id, len));
            }
            (id, tree)
        };
        if roots.is_empty() {
            // Compose exposes the project name to interpolation.
            if env.get("COMPOSE_PROJECT_NAME").is_none() {
                let name = declared_name(&tree).unwrap_or_else(|| dir_project_name(&project_dir));
                env.insert("COMPOSE_PROJECT_NAME", name);
            }
        }
        let mut value = loader.convert(tree, &env);
        loader.check_not_empty(&value, id);
        roots.push(id);
        let tree_index = loader.trees.len() - 1;
        loader
            .parsed
            .push((absolute(&input.path), env.clone(), None, tree_index));
        let dir = parent_dir(&input.path);
        loader.resolve_extends(&mut value, &input.path, &dir, &env, &mut Vec::new());
        match &mut doc {
            None => doc = Some(value),
            Some(d) => merge_documents(d, value),
        }
    }

    let mut project = None;
    let mut document = None;
    if let Some(mut doc) = doc {
        loader.include_stack.push(first.path.clone());
        loader.resolve_includes(&mut doc, &project_dir, &env);
        // Every value comes from one of the trees: without a `!reset` in
        // them there is nothing to strip.
        if loader.trees.iter().any(Tree::has_reset) {
            strip_resets(&mut doc);
        }
        // A look ahead reads the names straight from the document.
        if look_ahead {
            document = Some(doc);
        } else {
            if let Nodes::Free(read) = nodes {
                // Converted: from here on only the comments are read.
                read(&loader.trees, &loader.sources);
                loader.trees.iter_mut().for_each(Tree::free_nodes);
            }
            let p = loader.lower(doc);
            loader.check_env_files(&p, &project_dir, &env);
            project = Some(p);
        }
    }

    // Example env files of the project directory and of its parents up to
    // the root (an overlay in `overrides/` is documented at the top).
    // Only a use of an unset variable is looked up in them: without one
    // the folders are not listed (most projects set what they use).
    let mut documented = std::collections::HashSet::new();
    let top = absolute(&loader.root);
    // A look ahead's diagnostics are not read.
    let uses = !look_ahead
        && loader
            .diagnostics
            .iter()
            .any(super::envhints::is_variable_use);
    let mut dir = uses.then(|| absolute(&project_dir));
    while let Some(d) = dir {
        documented.extend(
            crate::fscache::documented_vars(&d, super::envhints::documented_vars)
                .iter()
                .cloned(),
        );
        if d == top || !d.starts_with(&top) {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    if !look_ahead {
        super::envhints::regroup(&mut loader.diagnostics, &documented, &env);
    }
    if loader.hand_on {
        loader.hand_on_trees();
    }
    loader.keep_parses();

    let project_name = env
        .get("COMPOSE_PROJECT_NAME")
        .map(str::to_string)
        .unwrap_or_else(|| dir_project_name(&project_dir));
    Ok(Loaded {
        project_name,
        sources: loader.sources,
        trees: loader.trees,
        roots,
        project,
        document,
        incomplete: loader.incomplete,
        diagnostics: loader.diagnostics,
        project_dir,
    })
}

/// Reads a file as UTF-8 text: a UTF-8 BOM is dropped, UTF-16 with a BOM is
/// decoded, and anything else that is not UTF-8 is refused with the offset.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String, String> {
    decode(read_bytes(path, max_bytes)?).map_err(|e| e.to_string())
}

/// The file's text as `std::fs::read_to_string` gives it (UTF-8 as it is,
/// no limit; `None` when it cannot be read), read through [`read_bytes`],
/// so once per run: for files that are not Compose files (`.gitignore`,
/// a header's base), which other loads of the run ask about again.
pub fn read_to_string(path: &Path) -> Option<String> {
    read_bytes(path, u64::MAX)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// Reads a regular file of at most `max_bytes`; FIFOs, devices and
/// directories are refused rather than read (a FIFO would hang). In a batch
/// run a file is read from disk once: its metadata is asked once (see
/// `fscache::metadata`), and what was read is kept for the next read of it
/// (see `fscache::take_bytes`).
pub fn read_bytes(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
    let meta = crate::fscache::metadata(path).map_err(|e| io_message(&e))?;
    if meta.is_dir() {
        return Err("is a directory, not a Compose file".into());
    }
    if !meta.is_file() {
        return Err("is not a regular file (a FIFO, socket or device); refusing to read it".into());
    }
    if meta.size() > max_bytes {
        return Err(format!(
            "is {} bytes, more than the limit of {} bytes (raise it with --max-file-size)",
            meta.size(),
            max_bytes
        ));
    }
    // Read already in this run, as a regular file.
    if let Some(bytes) = crate::fscache::take_bytes(path) {
        if bytes.len() as u64 <= max_bytes {
            return Ok(bytes);
        }
    }
    let bytes = read_regular(path, meta.size(), max_bytes).map_err(|e| io_message(&e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(format!(
            "is more than the limit of {max_bytes} bytes (raise it with --max-file-size)"
        ));
    }
    if bytes.len() < crate::fscache::SHARED_BYTES {
        crate::fscache::keep_bytes(path, bytes.clone());
    }
    Ok(bytes)
}

/// The contents of the regular file `path` whose metadata gave `len`
/// bytes (at most `max_bytes`). Those bytes are read and no more: asking
/// again to learn that the file ends there is a system call per file, and
/// a file that grows between the two questions is a file changed during
/// the run. A file of length 0 (files in /proc or /sys report 0) is read
/// to its end, at most one byte over the limit.
fn read_regular(path: &Path, len: u64, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let limit = if len == 0 {
        max_bytes.saturating_add(1)
    } else {
        len
    };
    let mut bytes = Vec::with_capacity(len as usize);
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Why bytes could not be turned into text.
#[derive(Debug)]
pub enum Undecodable {
    /// Not UTF-8: the text with replacement characters, and the offset of
    /// the first bad byte (valid in `lossy` too, since all before it is kept).
    Utf8 {
        lossy: String,
        offset: usize,
    },
    Utf16,
}

impl std::fmt::Display for Undecodable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Undecodable::Utf8 { offset, .. } => write!(
                f,
                "is not valid UTF-8 (invalid byte at offset {offset}); Compose files must be UTF-8"
            ),
            Undecodable::Utf16 => write!(f, "is not valid UTF-16"),
        }
    }
}

/// Bytes -> text, as described for [`read_text`].
pub fn decode(bytes: Vec<u8>) -> Result<String, Undecodable> {
    let utf16 = |be: bool| -> Result<String, Undecodable> {
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if be {
                    u16::from_be_bytes(pair)
                } else {
                    u16::from_le_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| Undecodable::Utf16)
    };
    // UTF-8 text becomes the string in the buffer it was read into: a
    // copy would touch as much fresh memory again (5 MB for a 5 MB file).
    let utf8 = |b: Vec<u8>| -> Result<String, Undecodable> {
        String::from_utf8(b).map_err(|e| Undecodable::Utf8 {
            offset: e.utf8_error().valid_up_to(),
            lossy: String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    };
    match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, ..] => {
            let mut bytes = bytes;
            bytes.drain(..3);
            utf8(bytes)
        }
        [0xFF, 0xFE, ..] => utf16(false),
        [0xFE, 0xFF, ..] => utf16(true),
        _ => utf8(bytes),
    }
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The enclosing git work tree, or the directory itself.
/// The profiles `COMPOSE_PROFILES` turns on (from the environment or
/// `.env`), as `docker compose` reads it when no `--profile` is given.
fn active_profiles(env: &Env) -> Vec<String> {
    env.get("COMPOSE_PROFILES")
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn default_root(dir: &Path) -> PathBuf {
    let abs = absolute(dir);
    crate::fscache::git_root(&abs).unwrap_or(abs)
}

/// An absolute, lexically normalized path (no file system access, so a
/// missing path still normalizes).
pub fn absolute(path: &Path) -> PathBuf {
    if is_normal_absolute(path) {
        return path.to_path_buf();
    }
    if is_normal_relative(path) {
        // The current folder is absolute and normal (as the kernel gives
        // it): joined to a normal relative path it is normal too, and
        // nothing is left to clean up (a folder lint names every project
        // relative to it, several times per load).
        let cwd = crate::fscache::current_dir();
        if is_normal_absolute(&cwd) {
            return cwd.join(path);
        }
    }
    let joined = if path.is_absolute() {
        path.to_path_buf()
    } else {
        crate::fscache::current_dir().join(path)
    };
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Whether `path` is relative, not empty, and made of normal components
/// only: no `.` or `..` component, no doubled or trailing `/`.
fn is_normal_relative(path: &Path) -> bool {
    let b = path.as_os_str().as_encoded_bytes();
    !b.is_empty() && b[0] != b'/' && normal_components(b)
}

/// Whether `path` is absolute and already what [`absolute`] makes of it:
/// no `.` or `..` component, no doubled or trailing `/` (checked on the
/// bytes, which is much cheaper than splitting into components).
fn is_normal_absolute(path: &Path) -> bool {
    let b = path.as_os_str().as_encoded_bytes();
    match b {
        [b'/'] => true,
        [b'/', rest @ ..] => rest.first() != Some(&b'/') && normal_components(rest),
        _ => false,
    }
}

/// Whether the `/`-separated components of `b` are all normal: none
/// empty (so no doubled, leading or trailing `/`), `.` or `..`. A
/// component that is not starts at the start or after a `/`, and is empty
/// or begins with `.`: so only the start, the end, and each `//` and `/.`
/// (found by `memmem`, rare in real paths) are looked at, not every
/// component.
fn normal_components(b: &[u8]) -> bool {
    use memchr::memmem::Finder;
    use std::sync::LazyLock;
    static DOUBLED: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"//"));
    static DOT: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"/."));
    // Whether the component starting at `i` is empty, `.` or `..`.
    let bad_at = |i: usize| {
        matches!(
            &b[i..],
            [] | [b'/', ..] | [b'.'] | [b'.', b'/', ..] | [b'.', b'.'] | [b'.', b'.', b'/', ..]
        )
    };
    !bad_at(0)
        && b.last() != Some(&b'/')
        && DOUBLED.find(b).is_none()
        && DOT.find_iter(b).all(|i| !bad_at(i + 1))
}

/// Whether `path` is `base` or under it, as [`Path::starts_with`] says:
/// compared as bytes when both are normal absolute paths (for which bytes
/// and components agree), which is much cheaper than by components.
pub(crate) fn is_under(path: &Path, base: &Path) -> bool {
    if !(is_normal_absolute(path) && is_normal_absolute(base)) {
        return path.starts_with(base);
    }
    let (p, b) = (
        path.as_os_str().as_encoded_bytes(),
        base.as_os_str().as_encoded_bytes(),
    );
    p.starts_with(b) && (p.len() == b.len() || b == b"/" || p[b.len()] == b'/')
}

/// Sorts `items` stably by their paths in `Path`'s order (component by
/// component). When every path is plain (no `.` or `..` component, no
/// doubled or trailing `/`), that order is the order of the bytes with `/`
/// below every other byte, compared without splitting the paths into
/// components (which was most of sorting many paths); else the paths are
/// compared as `Path`s. Returns whether every path was plain. Many items
/// are sorted on both cores.
pub fn sort_by_path<T: Send>(items: &mut [T], path: impl Fn(&T) -> &Path + Sync) -> bool {
    let plain = items.iter().all(|t| is_plain(path(t)));
    sort_stable_by(items, |a: &T, b: &T| match plain {
        true => plain_order(path(a), path(b)),
        false => path(a).cmp(path(b)),
    });
    plain
}

/// Sorts `items` stably by `order`, on both cores when there are many
/// (from 4,096: below that, sharing costs more than it saves).
pub(crate) fn sort_stable_by<T: Send>(
    items: &mut [T],
    order: impl Fn(&T, &T) -> std::cmp::Ordering + Sync,
) {
    use rayon::slice::ParallelSliceMut;
    // Both sorts are stable.
    if items.len() >= 4096 {
        items.par_sort_by(order);
    } else {
        items.sort_by(order);
    }
}

/// Whether `path` has only normal components (after a leading `/`): no
/// `.` or `..`, no doubled or trailing `/`, not empty.
pub(crate) fn is_plain(path: &Path) -> bool {
    let b = path.as_os_str().as_encoded_bytes();
    match b.strip_prefix(b"/") {
        Some([]) => true,
        rest => rest
            .unwrap_or(b)
            .split(|c| *c == b'/')
            .all(|c| !c.is_empty() && c != b"." && c != b".."),
    }
}

/// The order of two plain paths (see [`is_plain`]): the bytes from the
/// first that differs, `/` below every other byte, a path before the
/// longer ones it begins.
fn plain_order(a: &Path, b: &Path) -> std::cmp::Ordering {
    let (a, b) = (
        a.as_os_str().as_encoded_bytes(),
        b.as_os_str().as_encoded_bytes(),
    );
    let n = a.len().min(b.len());
    let mut i = 0;
    // Eight bytes at a time up to the first difference.
    let word = |s: &[u8], i: usize| u64::from_ne_bytes(s[i..i + 8].try_into().expect("8 bytes"));
    while i + 8 <= n && word(a, i) == word(b, i) {
        i += 8;
    }
    while i < n && a[i] == b[i] {
        i += 1;
    }
    let rank = |c: Option<&u8>| c.map(|&c| if c == b'/' { 0 } else { u16::from(c) + 1 });
    rank(a.get(i)).cmp(&rank(b.get(i)))
}

impl Loader {
    /// Lowers the merged document into the project, with the lowering's
    /// diagnostics and the S011 of a project over the service limit.
    fn lower(&mut self, doc: Value) -> Project {
        let (mut p, diags) = model::lower(doc);
        if let Some(first_over) = p.services.get(self.limits.max_services) {
            self.diagnostics.push(
                Diagnostic::error(
                    "S011",
                    first_over.name.span,
                    format!(
                        "the project has {} services, more than the limit of {}; those from here on are not checked",
                        p.services.len(),
                        self.limits.max_services
                    ),
                )
                .help("raise the limit with --max-services if the project really is this large"),
            );
            p.services.truncate(self.limits.max_services);
        }
        // A value built from an unset variable (it has its S006) that is
        // then invalid is refused by Compose v2 just the same (`${UNSET}:/x`
        // is an empty volume source, `read_only: ${UNSET}` no boolean): the
        // finding stays an error, and says where the value came from.
        let unresolved = &self.unresolved;
        // After the alias guard stopped reading, what is left unread is
        // null: no finding is about the emptiness that leaves.
        let cut_short = self.diagnostics.iter().any(|d| d.code == "S011");
        let diags = diags
            .into_iter()
            .filter(|d| !(cut_short && d.message.starts_with("`services` is empty")));
        self.diagnostics.extend(diags.map(|d| {
            let from_unset = matches!(d.code, "S004" | "S005")
                && unresolved.iter().any(|u| {
                    u.file == d.span.file && u.start <= d.span.start && d.span.end <= u.end
                });
            if from_unset {
                d.note("the value uses a variable that is not set here (see S006); Compose substitutes an empty string and refuses the result. Set the variable, or give it a default: `${VAR:-default}`")
            } else {
                d
            }
        }));
        p
    }

    /// The text [`LoadOptions::texts`] gives for `path`, if any.
    fn text_of(&self, path: &Path) -> Option<String> {
        if self.texts.is_empty() {
            return None;
        }
        let abs = absolute(path);
        self.texts
            .iter()
            .find(|(p, _)| absolute(p) == abs)
            .map(|(_, t)| t.clone())
    }

    fn parse_file(&mut self, path: &Path, text: String, env: &Env) -> Value {
        let (_, tree) = self.parse_tree(path, text);
        self.convert(tree, env)
    }

    /// The document at `path` interpolated with `env`, parsed once.
    fn read_document(&mut self, path: &Path, env: &Env) -> Result<Value, String> {
        let abs = absolute(path);
        if let Some(k) = self
            .parsed
            .iter()
            .position(|(p, e, _, _)| *p == abs && e == env)
        {
            if self.parsed[k].2.is_none() {
                let value = self.reconvert(self.parsed[k].3, env);
                self.parsed[k].2 = Some(value);
            }
            return Ok(self.parsed[k].2.clone().expect("just set"));
        }
        let text = match self.text_of(path) {
            Some(t) => t,
            None => read_text(path, self.limits.max_file_bytes)?,
        };
        let value = self.parse_file(path, text, env);
        let tree_index = self.trees.len() - 1;
        self.parsed
            .push((abs, env.clone(), Some(value.clone()), tree_index));
        Ok(value)
    }

    /// [`Loader::convert`] again for a tree already converted: the same
    /// value, with its problems (already reported) dropped.
    fn reconvert(&self, tree_index: usize, env: &Env) -> Value {
        let tree = &self.trees[tree_index];
        let id = tree.file;
        let to_value = if self.look_ahead {
            to_outline
        } else {
            to_value
        };
        to_value(
            tree,
            &self.sources.get(id).text,
            env,
            &self.limits.budget,
            &mut Vec::new(),
            &mut Vec::new(),
        )
        .unwrap_or(Value {
            kind: ValueKind::Map(Map::default()),
            span: Span::new(id, 0, 0),
            via: None,
            tag: None,
        })
    }

    fn parse_tree(&mut self, path: &Path, text: String) -> (FileId, Tree) {
        let id = self.sources.add(path, text);
        let text = &self.sources.get(id).text;
        if let Some(cache) = &self.parses {
            let key = absolute(path);
            let kept = cache.get(&key, text, &self.limits.yaml);
            let (tree, diagnostics) = match kept {
                Some(k) => (k.tree.clone(), k.diagnostics.clone()),
                None => {
                    let (tree, diagnostics) = yaml::parse(id, text, &self.limits.yaml);
                    if let Some(at_end) = &mut self.keep_at_end {
                        // A look ahead's trees are not returned: they
                        // move to the cache when it ends, not copied.
                        at_end.push((id, diagnostics.clone()));
                    } else {
                        let kept = HandedOn {
                            text: text.clone(),
                            bytes: None,
                            limits: self.limits.yaml.clone(),
                            tree: tree.clone(),
                            diagnostics: diagnostics.clone(),
                        };
                        cache.put(key, kept);
                    }
                    (tree, diagnostics)
                }
            };
            return self.adopt(id, tree, diagnostics);
        }
        if crate::fscache::enabled() && !self.hand_on {
            let key = absolute(path).into_os_string();
            let mut h = hand_over().lock().unwrap_or_else(|e| e.into_inner());
            let same = h
                .get(&key)
                .is_some_and(|prev| *prev.text == **text && prev.limits == self.limits.yaml);
            if same {
                let (_, tree, diagnostics) = take_handed_on(&mut h, &key);
                drop(h);
                return self.adopt(id, tree, diagnostics);
            }
        }
        let (tree, diags) = yaml::parse(id, text, &self.limits.yaml);
        // Small files parse in less time than keeping their trees until
        // the lint costs memory over thousands of files: they are handed
        // on only while their texts total at most `HAND_ON_SMALL_TOTAL`.
        if self.hand_on && (text.len() >= HAND_ON_BYTES || small_hand_on(text.len())) {
            self.parse_diagnostics.push((id, diags.clone()));
        }
        self.diagnostics.extend(diags);
        (id, tree)
    }

    /// In a batch run, a root file the look ahead read from disk and
    /// parsed, as [`Loader::parse_tree`] would add it, taken from what the
    /// look ahead handed on (the file system holds still while a run lasts,
    /// decision 0019), so that the lint does not read it again; `None`
    /// when it was not handed on, was parsed under other limits or is over
    /// this load's size limit (then the file is read, and refused, as
    /// before).
    fn take_handed(&mut self, path: &Path) -> Option<(FileId, Tree)> {
        if !crate::fscache::enabled() || self.hand_on || self.parses.is_some() {
            return None;
        }
        let key = absolute(path).into_os_string();
        let mut h = hand_over().lock().unwrap_or_else(|e| e.into_inner());
        let prev = h.get(&key)?;
        if prev.bytes? > self.limits.max_file_bytes || prev.limits != self.limits.yaml {
            return None;
        }
        let (text, tree, diagnostics) = take_handed_on(&mut h, &key);
        drop(h);
        let id = self.sources.add(path, text);
        Some(self.adopt(id, tree, diagnostics))
    }

    /// A tree parsed earlier (by the look ahead, or cached), now file `id`
    /// of this load: its spans and its parse diagnostics move to `id`, and
    /// the diagnostics join this load's.
    fn adopt(
        &mut self,
        id: FileId,
        mut tree: Tree,
        mut diagnostics: Vec<Diagnostic>,
    ) -> (FileId, Tree) {
        if tree.file != id {
            let from = tree.file;
            tree.move_to(id);
            for d in &mut diagnostics {
                d.move_file(from, id);
            }
        }
        self.diagnostics.extend(diagnostics);
        (id, tree)
    }

    /// Moves the trees a look ahead parsed to [`LoadOptions::parses`].
    fn keep_parses(&mut self) {
        let (Some(cache), Some(at_end)) = (&self.parses, self.keep_at_end.take()) else {
            return;
        };
        for (id, diagnostics) in at_end {
            let Some(i) = self.trees.iter().position(|t| t.file == id) else {
                continue;
            };
            let tree = self.trees.swap_remove(i);
            let file = self.sources.get(id);
            cache.put(
                absolute(&file.path),
                HandedOn {
                    text: file.text.clone(),
                    bytes: None,
                    limits: self.limits.yaml.clone(),
                    tree,
                    diagnostics,
                },
            );
        }
    }

    /// Hands the trees parsed by this load on to the next load of the same
    /// files (see [`load_handing_on`]).
    fn hand_on_trees(&mut self) {
        let mut h = hand_over().lock().unwrap_or_else(|e| e.into_inner());
        for tree in std::mem::take(&mut self.trees) {
            let id = tree.file;
            let Some(i) = self.parse_diagnostics.iter().position(|(f, _)| *f == id) else {
                continue;
            };
            let (_, diagnostics) = self.parse_diagnostics.swap_remove(i);
            let file = self.sources.get(id);
            let bytes = self
                .read_bytes
                .iter()
                .find(|(f, _)| *f == id)
                .map(|(_, n)| *n);
            h.insert(
                absolute(&file.path).into_os_string(),
                HandedOn {
                    text: file.text.clone(),
                    bytes,
                    limits: self.limits.yaml.clone(),
                    tree,
                    diagnostics,
                },
            );
        }
    }

    /// Interpolates and expands a parsed file; keeps the tree for rules.
    fn convert(&mut self, tree: Tree, env: &Env) -> Value {
        let id = tree.file;
        let to_value = if self.look_ahead {
            to_outline
        } else {
            to_value
        };
        let value = to_value(
            &tree,
            &self.sources.get(id).text,
            env,
            &self.limits.budget,
            &mut self.diagnostics,
            &mut self.unresolved,
        );
        self.trees.push(tree);
        // An empty file is a document with nothing in it.
        value.unwrap_or(Value {
            kind: ValueKind::Map(Map::default()),
            span: Span::new(id, 0, 0),
            via: None,
            tag: None,
        })
    }

    /// True when `path` is inside the root once symlinks are followed. The
    /// existing part of the path is resolved by the file system, so `..`
    /// after a symlink goes where the OS would go, not where a lexical
    /// clean-up of the path would; the part that does not exist yet is
    /// cleaned up lexically.
    fn inside_root(&self, path: &Path) -> bool {
        let root = crate::fscache::canonicalize(&self.root).unwrap_or_else(|| absolute(&self.root));
        let joined = if path.is_absolute() {
            path.to_path_buf()
        } else {
            crate::fscache::current_dir().join(path)
        };
        let mut existing = joined;
        let mut rest = Vec::new();
        while !crate::fscache::exists(&existing) {
            match existing.components().next_back() {
                Some(c) => rest.push(c.as_os_str().to_os_string()),
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
        is_under(&absolute(&real), &root)
    }

    /// Checks that a document-supplied path stays inside the root (see
    /// [`Loader::inside_root`]). Reports S008 and returns false when it
    /// does not.
    fn contained(&mut self, path: &Path, span: Span, what: &str) -> bool {
        if self.inside_root(path) {
            return true;
        }
        let root = crate::fscache::canonicalize(&self.root).unwrap_or_else(|| absolute(&self.root));
        self.incomplete = true;
        self.diagnostics.push(
            Diagnostic::warning(
                "S008",
                span,
                format!(
                    "{what} `{}` is outside the project root, so compose-lint does not read it",
                    path.display()
                ),
            )
            .note(format!("project root: {}", root.display()))
            .help("lint from a directory that contains it, or pass --root <dir> to widen the root"),
        );
        false
    }

    /// A service's `env_file` that does not exist stops `docker compose`
    /// (unless `required: false`). Only existence is checked, and only
    /// inside the root.
    /// Compose v2 refuses a Compose file with nothing in it ("empty
    /// compose file"): no content, only comments, `~` or `{}`.
    fn check_not_empty(&mut self, value: &Value, id: FileId) {
        let empty = match &value.kind {
            ValueKind::Null => true,
            ValueKind::Map(m) => m.entries.is_empty(),
            _ => false,
        };
        let broken = self
            .diagnostics
            .iter()
            .any(|d| d.code == "S001" && d.span.file == id);
        if empty && !broken {
            self.diagnostics.push(
                Diagnostic::error(
                    "S005",
                    Span::new(id, 0, 0),
                    "the Compose file is empty: Compose v2 refuses it (\"empty compose file\")",
                )
                .help("define at least one service under `services:`, or delete the file"),
            );
        }
    }

    fn check_env_files(&mut self, project: &Project, project_dir: &Path, env: &Env) {
        let active = active_profiles(env);
        for service in &project.services {
            // A service whose profiles are all off is not loaded by
            // `docker compose`, and neither is its env file: a missing one
            // matters only once one of its profiles is on.
            let off = !service.profiles.is_empty()
                && !service
                    .profiles
                    .iter()
                    .any(|p| active.iter().any(|a| a == "*" || *a == p.value));
            for f in &service.env_file {
                let rel = &f.path.value;
                if rel.is_empty() && f.is_required() && !off {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "S005",
                            f.path.span,
                            format!(
                                "env file path of service `{}` is empty: `docker compose` refuses to start (\"env file  not found\")",
                                service.name.value
                            ),
                        )
                        .help("name the file; if the path comes from a variable, set it"),
                    );
                    continue;
                }
                if rel.is_empty() || rel.contains('$') || !f.is_required() {
                    continue;
                }
                let path = project_dir.join(rel);
                if !self.contained(&path, f.path.span, "env file") {
                    continue;
                }
                if !crate::fscache::is_file(&path) {
                    // A FIFO or a device is there but is not read.
                    let problem = if crate::fscache::exists(&path) {
                        "is not a regular file"
                    } else {
                        "does not exist"
                    };
                    let help = "create the file, fix the path, or mark it optional with the long syntax: `- path: ...` and `required: false`";
                    let d = if off {
                        let profiles = service
                            .profiles
                            .iter()
                            .map(|p| format!("`{}`", p.value))
                            .collect::<Vec<_>>()
                            .join(" or ");
                        let first = &service.profiles[0].value;
                        Diagnostic::warning(
                            "S010",
                            f.path.span,
                            format!(
                                "env file `{rel}` of service `{}` {problem}; the service runs only with profile {profiles}, and `docker compose --profile {first} up` refuses to start",
                                service.name.value
                            ),
                        )
                    } else if crate::fscache::exists(&path) {
                        Diagnostic::error(
                            "S010",
                            f.path.span,
                            format!(
                                "env file `{rel}` of service `{}` {problem}; `docker compose` refuses to start",
                                service.name.value
                            ),
                        )
                    } else {
                        // A file the project tells the user to create (an
                        // example beside it, a .gitignore entry, a comment)
                        // is a setup step: a warning that says what to do.
                        let example = super::envhints::example_for(&path);
                        let text = &self.sources.get(f.path.span.file).text;
                        if example.is_some() || super::envhints::told_to_create(&path, text) {
                            let dir = Path::new(rel)
                                .parent()
                                .filter(|p| !p.as_os_str().is_empty());
                            let shown = |n: &str| match dir {
                                Some(d) => d.join(n).display().to_string(),
                                None => n.to_string(),
                            };
                            let how = match &example {
                                Some(ex) => format!(
                                    "create it from the example: `cp {} {rel}`, then fill in the values",
                                    shown(ex)
                                ),
                                None if path.file_name().is_some_and(|n| n == ".env") => "a `.env` file holds each user's own settings and is not committed: create it with the variables the services need".to_string(),
                                None => "the project tells you to create it (see the comment or .gitignore that names it)".to_string(),
                            };
                            let d = Diagnostic::warning(
                                "S010",
                                f.path.span,
                                format!(
                                    "env file `{rel}` of service `{}` does not exist yet: the project expects you to create it, and `docker compose` refuses to start until you do",
                                    service.name.value
                                ),
                            );
                            // One finding for one line, also when an anchor
                            // or `extends` gives it to several services.
                            if !self
                                .diagnostics
                                .iter()
                                .any(|o| o.code == "S010" && o.span == f.path.span)
                            {
                                self.diagnostics.push(d.help(how));
                            }
                            continue;
                        }
                        Diagnostic::error(
                            "S010",
                            f.path.span,
                            format!(
                                "env file `{rel}` of service `{}` {problem}; `docker compose` refuses to start",
                                service.name.value
                            ),
                        )
                    };
                    self.diagnostics.push(d.help(help));
                }
            }
        }
    }

    /// Adds a `.env`-style file to the environment (values already set win).
    fn add_env_file(
        &mut self,
        env: &mut Env,
        path: &Path,
        span: Option<Span>,
        optional: bool,
    ) -> Result<(), FatalError> {
        // A `.env` that is there but is a FIFO or a device is not skipped:
        // reading it fails with a message saying so.
        if optional && !crate::fscache::exists(path) {
            return Ok(());
        }
        // An implicit `.env` outside the root (an include's project
        // directory elsewhere, a symlink) is skipped without a word: the
        // file that named the directory gets the S008.
        if span.is_none() && optional && !self.inside_root(path) {
            self.incomplete = true;
            return Ok(());
        }
        if let Some(span) = span {
            if !self.contained(path, span, "env file") {
                return Ok(());
            }
        }
        let text = match read_text(path, self.limits.max_file_bytes) {
            Ok(t) => t,
            Err(message) => {
                return match span {
                    Some(span) => {
                        self.incomplete = true;
                        let written = self
                            .sources
                            .slice(span)
                            .trim_matches(['"', '\''])
                            .to_string();
                        self.diagnostics.push(Diagnostic::error(
                            "S010",
                            span,
                            format!("env file `{written}` {message}"),
                        ));
                        Ok(())
                    }
                    None => Err(FatalError {
                        path: path.to_path_buf(),
                        message,
                    }),
                }
            }
        };
        let id = self.sources.add(path, text);
        let (entries, errors) = dotenv::parse(&self.sources.get(id).text, env);
        for e in errors {
            let span = Span::new(id, e.range.start, e.range.end);
            self.diagnostics.push(if e.fatal {
                Diagnostic::error("S001", span, format!("invalid env file: {}", e.message))
                    .help("Compose refuses to read this env file")
            } else {
                Diagnostic::warning("S006", span, e.message)
            });
        }
        env.extend_missing(entries.into_iter().map(|e| (e.key, e.value)));
        Ok(())
    }

    /// Resolves `extends` in every service of `doc` (a whole file).
    fn resolve_extends(
        &mut self,
        doc: &mut Value,
        file: &Path,
        dir: &Path,
        env: &Env,
        chain: &mut Vec<(PathBuf, String)>,
    ) {
        let Some(names) = service_names(doc) else {
            return;
        };
        for name in names {
            self.extend_service(doc, &name, file, dir, env, chain);
        }
    }

    /// Resolves `extends` for one service, recursively, in place.
    fn extend_service(
        &mut self,
        doc: &mut Value,
        name: &str,
        file: &Path,
        dir: &Path,
        env: &Env,
        chain: &mut Vec<(PathBuf, String)>,
    ) {
        let Some(service) = service_mut(doc, name) else {
            return;
        };
        let Some(ext_index) = service
            .as_map()
            .and_then(|m| m.entries.iter().position(|(k, _)| k.name == "extends"))
        else {
            return;
        };
        let ValueKind::Map(m) = &mut service.kind else {
            return;
        };
        let (ext_key, ext) = m.entries.remove(ext_index);
        let (base_name, base_file, name_span) = match &ext.kind {
            ValueKind::Scalar(s) => (s.text.to_string(), None, ext.span),
            ValueKind::Map(em) => {
                let Some(svc) = em.get("service") else {
                    // `extends` is taken out of the service here, so the
                    // model never sees it: report the missing key now.
                    self.diagnostics.push(
                        Diagnostic::error(
                            "S005",
                            ext_key.span,
                            "`extends` needs a `service`: Compose v2 refuses the file (\"extends.<service>.service is required\")",
                        )
                        .help("name the service to extend: `service: <name>`"),
                    );
                    return;
                };
                let file = em
                    .get("file")
                    .and_then(|f| f.as_str().map(|s| (s.to_string(), f.span)));
                (svc.as_str().unwrap_or("").to_string(), file, svc.span)
            }
            _ => return,
        };
        let key = (file.to_path_buf(), name.to_string());
        let base_key = (
            base_file
                .as_ref()
                .map(|(rel, _)| absolute(&dir.join(rel)))
                .unwrap_or_else(|| absolute(file)),
            base_name.clone(),
        );
        let in_chain =
            |k: &(PathBuf, String)| chain.iter().any(|(f, n)| absolute(f) == k.0 && *n == k.1);
        if base_key == (absolute(file), name.to_string()) || in_chain(&base_key) {
            let mut cycle: Vec<String> = chain.iter().map(|(_, n)| n.clone()).collect();
            cycle.push(name.to_string());
            cycle.push(base_name.clone());
            self.diagnostics.push(
                Diagnostic::error(
                    "S009",
                    ext_key.span,
                    format!("`extends` cycle: {}", cycle.join(" -> ")),
                )
                .help("Compose refuses circular `extends`; break the cycle"),
            );
            // The service's own keys are all that is known of it now.
            self.incomplete = true;
            return;
        }
        chain.push(key);

        let mut base = match base_file {
            None => {
                // Same file: resolve the base first, then copy it.
                self.extend_service(doc, &base_name, file, dir, env, chain);
                match service_ref(doc, &base_name) {
                    Some(b) => b.clone(),
                    _ => {
                        self.diagnostics
                            .push(unknown_extends(&base_name, name_span, None));
                        self.incomplete = true;
                        chain.pop();
                        return;
                    }
                }
            }
            Some((rel, file_span)) => {
                let path = dir.join(&rel);
                if !self.contained(&path, file_span, "extends file") {
                    chain.pop();
                    return;
                }
                let mut other = match self.read_document(&path, env) {
                    Ok(v) => v,
                    Err(message) => {
                        self.incomplete = true;
                        self.diagnostics.push(Diagnostic::error(
                            "S010",
                            file_span,
                            format!("extends file `{rel}` {message}"),
                        ));
                        chain.pop();
                        return;
                    }
                };
                let other_dir = parent_dir(&path);
                self.extend_service(&mut other, &base_name, &path, &other_dir, env, chain);
                match service_ref(&other, &base_name) {
                    Some(b) => {
                        let mut b = b.clone();
                        rebase_paths(&mut b, &other_dir, dir);
                        b
                    }
                    None => {
                        self.diagnostics
                            .push(unknown_extends(&base_name, name_span, Some(&rel)));
                        self.incomplete = true;
                        chain.pop();
                        return;
                    }
                }
            }
        };
        chain.pop();
        let Some(service) = service_mut(doc, name) else {
            return;
        };
        let over = std::mem::replace(service, base.clone());
        merge_services(&mut base, over);
        *service = base;
    }

    /// Copies the resources of every `include`d project into `doc`.
    fn resolve_includes(&mut self, doc: &mut Value, project_dir: &Path, env: &Env) {
        let Some(map) = doc.as_map() else { return };
        let Some(include) = map.get("include").cloned() else {
            return;
        };
        let Some(items) = include.as_seq() else {
            return; // type error reported by the model
        };
        for item in items {
            let (paths, item_dir, env_files) = match &item.kind {
                ValueKind::Scalar(s) => (vec![(s.text.to_string(), item.span)], None, Vec::new()),
                ValueKind::Map(m) => {
                    let paths = string_or_list(m.get("path"));
                    let dir = m
                        .get("project_directory")
                        .and_then(|d| d.as_str().map(|s| (s.to_string(), d.span)));
                    let env_files = string_or_list(m.get("env_file"));
                    (paths, dir, env_files)
                }
                _ => continue,
            };
            let Some((first_rel, _)) = paths.first() else {
                continue;
            };
            if is_remote(first_rel) {
                self.incomplete = true;
                self.diagnostics.push(Diagnostic::info(
                    "S008",
                    item.span,
                    format!("remote include `{first_rel}` is not fetched; compose-lint reads only local files"),
                ));
                continue;
            }
            let first_path = project_dir.join(first_rel);
            let sub_dir = match &item_dir {
                Some((d, _)) => project_dir.join(d),
                None => parent_dir(&first_path),
            };
            // The included project's own environment: its .env (or the
            // listed env files), overridden by the including project's.
            let mut sub_env = env.clone();
            if env_files.is_empty() {
                let _ = self.add_env_file(&mut sub_env, &sub_dir.join(".env"), None, true);
            } else {
                for (f, span) in &env_files {
                    let _ =
                        self.add_env_file(&mut sub_env, &project_dir.join(f), Some(*span), false);
                }
            }
            let mut sub_doc: Option<Value> = None;
            for (rel, span) in &paths {
                let path = project_dir.join(rel);
                if !self.contained(&path, *span, "included file") {
                    continue;
                }
                let abs = absolute(&path);
                if self.include_stack.iter().any(|p| absolute(p) == abs) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "S009",
                            *span,
                            format!("`include` cycle: `{rel}` is already being included"),
                        )
                        .help("Compose refuses circular includes; remove one of them"),
                    );
                    continue;
                }
                let mut value = match self.read_document(&path, &sub_env) {
                    Ok(v) => v,
                    Err(message) => {
                        self.incomplete = true;
                        self.diagnostics.push(Diagnostic::error(
                            "S010",
                            *span,
                            format!("included file `{rel}` {message}"),
                        ));
                        continue;
                    }
                };
                self.resolve_extends(
                    &mut value,
                    &path,
                    &parent_dir(&path),
                    &sub_env,
                    &mut Vec::new(),
                );
                self.include_stack.push(path.clone());
                self.resolve_includes(&mut value, &sub_dir, &sub_env);
                self.include_stack.pop();
                rebase_document(&mut value, &sub_dir, project_dir);
                match &mut sub_doc {
                    None => sub_doc = Some(value),
                    Some(d) => merge_documents(d, value),
                }
            }
            if let Some(sub) = sub_doc {
                copy_resources(doc, sub);
            }
        }
    }
}

/// The top-level `name:` when written as a literal.
fn declared_name(tree: &Tree) -> Option<String> {
    let entry = tree.get(tree.root?, "name")?;
    let name = &tree.as_scalar(entry.value)?.value;
    (!name.contains('$') && !name.is_empty()).then(|| name.to_string())
}

/// The project name Compose derives from a directory: its base name,
/// lower-cased, keeping only `a-z`, `0-9`, `-` and `_`.
fn dir_project_name(dir: &Path) -> String {
    let abs = absolute(dir);
    let name = abs.file_name().unwrap_or_default();
    let kept = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
    // An ASCII name is lowercased byte by byte (others as Unicode says:
    // `K`, the Kelvin sign, becomes `k`).
    if name.is_ascii() {
        let bytes = name.as_encoded_bytes();
        return bytes
            .iter()
            .map(|b| char::from(b.to_ascii_lowercase()))
            .filter(|c| kept(*c))
            .collect();
    }
    name.to_string_lossy()
        .to_lowercase()
        .chars()
        .filter(|c| kept(*c))
        .collect()
}

/// A string or a list of strings (other items are the model's to report),
/// each with its span.
fn string_or_list(v: Option<&Value>) -> Vec<(String, Span)> {
    let Some(v) = v else { return Vec::new() };
    match &v.kind {
        ValueKind::Scalar(s) => vec![(s.text.to_string(), v.span)],
        ValueKind::Seq(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(|s| (s.to_string(), i.span)))
            .collect(),
        _ => Vec::new(),
    }
}

fn is_remote(p: &str) -> bool {
    p.starts_with("git@") || p.contains("://") || p.starts_with("oci:")
}

/// `file` is the file as the document names it, or `None` for the same file.
fn unknown_extends(base: &str, span: Span, file: Option<&str>) -> Diagnostic {
    let where_ = match file {
        Some(f) => format!("`{f}`"),
        None => "this file".to_string(),
    };
    Diagnostic::error(
        "S014",
        span,
        format!("`extends` names service `{base}`, which {where_} does not define"),
    )
    .help("Compose refuses to start: fix the service name or add `file:`")
}

/// The services of `doc` that have an `extends` key (the others have
/// nothing to resolve, and looking each up by name would be quadratic).
fn service_names(doc: &Value) -> Option<Vec<String>> {
    Some(
        doc.as_map()?
            .get("services")?
            .as_map()?
            .entries
            .iter()
            .filter(|(_, v)| v.as_map().is_some_and(|m| m.get("extends").is_some()))
            .map(|(k, _)| k.name.to_string())
            .collect(),
    )
}

fn service_ref<'a>(doc: &'a Value, name: &str) -> Option<&'a Value> {
    doc.as_map()?.get("services")?.as_map()?.get(name)
}

fn service_mut<'a>(doc: &'a mut Value, name: &str) -> Option<&'a mut Value> {
    let ValueKind::Map(m) = &mut doc.kind else {
        return None;
    };
    let ValueKind::Map(s) = &mut m.get_mut("services")?.kind else {
        return None;
    };
    s.get_mut(name)
}

/// Copies services, volumes, networks, secrets and configs from an included
/// project. Compose keeps the including file's definition on a name clash.
fn copy_resources(doc: &mut Value, sub: Value) {
    let ValueKind::Map(sub) = sub.kind else {
        return;
    };
    let ValueKind::Map(top) = &mut doc.kind else {
        return;
    };
    for (key, value) in sub.entries {
        if !matches!(
            key.name.as_str(),
            "services" | "volumes" | "networks" | "secrets" | "configs"
        ) {
            continue;
        }
        let ValueKind::Map(items) = value.kind else {
            continue;
        };
        let target = match top.get_mut(&key.name) {
            Some(t) => t,
            None => {
                top.entries.push((
                    Key {
                        name: key.name.clone(),
                        span: key.span,
                    },
                    Value {
                        kind: ValueKind::Map(Map::default()),
                        span: value.span,
                        via: None,
                        tag: None,
                    },
                ));
                &mut top.entries.last_mut().expect("just pushed").1
            }
        };
        if let ValueKind::Map(t) = &mut target.kind {
            for (k, v) in items.entries {
                if t.get(&k.name).is_none() {
                    t.entries.push((k, v));
                }
            }
        }
    }
}

/// Rewrites the relative paths of every service in an included document so
/// that they resolve from the including project's directory.
fn rebase_document(doc: &mut Value, from: &Path, to: &Path) {
    if absolute(from) == absolute(to) {
        return;
    }
    let ValueKind::Map(m) = &mut doc.kind else {
        return;
    };
    let Some(ValueKind::Map(services)) = m.get_mut("services").map(|s| &mut s.kind) else {
        return;
    };
    for (_, svc) in &mut services.entries {
        rebase_paths(svc, from, to);
    }
}

/// Rewrites a service's relative paths (build context, env_file, bind
/// sources) written relative to `from` so they resolve from `to`. Spans are
/// kept: they still point at what the user wrote.
fn rebase_paths(service: &mut Value, from: &Path, to: &Path) {
    if absolute(from) == absolute(to) {
        return;
    }
    let rebase = |p: &str| -> Option<String> {
        if p.is_empty()
            || Path::new(p).is_absolute()
            || p.starts_with('~')
            || is_remote(p)
            || p.contains('$')
        {
            return None;
        }
        let target = absolute(&from.join(p));
        Some(relative_to(&target, &absolute(to)).display().to_string())
    };
    // A path written as a plain string value.
    let rebase_value = |v: &mut Value| {
        if let ValueKind::Scalar(s) = &mut v.kind {
            if let Some(p) = rebase(&s.text) {
                s.text = p.into();
            }
        }
    };
    let ValueKind::Map(m) = &mut service.kind else {
        return;
    };
    for (key, value) in &mut m.entries {
        match key.name.as_str() {
            "build" => match &mut value.kind {
                ValueKind::Map(b) => {
                    if let Some(context) = b.get_mut("context") {
                        rebase_value(context);
                    }
                }
                _ => rebase_value(value),
            },
            "env_file" => match &mut value.kind {
                ValueKind::Seq(items) => {
                    for item in items {
                        match &mut item.kind {
                            ValueKind::Map(e) => {
                                if let Some(path) = e.get_mut("path") {
                                    rebase_value(path);
                                }
                            }
                            _ => rebase_value(item),
                        }
                    }
                }
                _ => rebase_value(value),
            },
            "volumes" => {
                let ValueKind::Seq(items) = &mut value.kind else {
                    continue;
                };
                for item in items {
                    match &mut item.kind {
                        ValueKind::Scalar(s) => {
                            let parts = split_volume_spec(&s.text);
                            if parts.len() >= 2 && parts[0].starts_with('.') {
                                if let Some(p) = rebase(parts[0]) {
                                    let rest = s.text[parts[0].len()..].to_string();
                                    s.text = compact_str::format_compact!("{p}{rest}");
                                }
                            }
                        }
                        ValueKind::Map(e) => {
                            let is_bind = e.get("type").and_then(Value::as_str) == Some("bind");
                            if let (true, Some(source)) = (is_bind, e.get_mut("source")) {
                                rebase_value(source);
                            }
                        }
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
}

/// `target` relative to `base` (both absolute and normalized), with `..`
/// where needed; starts with `./` or `../` so it still reads as a path.
fn relative_to(target: &Path, base: &Path) -> PathBuf {
    let t: Vec<_> = target.components().collect();
    let b: Vec<_> = base.components().collect();
    let common = t.iter().zip(&b).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    if common == b.len() {
        out.push(".");
    }
    for _ in common..b.len() {
        out.push("..");
    }
    for c in &t[common..] {
        out.push(c.as_os_str());
    }
    out
}

/// Files currently named by `COMPOSE_FILE`-style lists are separated by the
/// platform's path separator (or `COMPOSE_PATH_SEPARATOR`).
pub fn split_compose_file_var(value: &str, sep: Option<&str>) -> Vec<PathBuf> {
    let sep = sep.unwrap_or(if cfg!(windows) { ";" } else { ":" });
    value
        .split(sep)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
        .collect()
}

/// The set of paths a loaded project read, for `--statistics` and tests.
pub fn files_read(loaded: &Loaded) -> HashSet<PathBuf> {
    loaded.sources.files().map(|f| f.path.clone()).collect()
}

#[cfg(test)]
mod absolute_tests {
    use super::*;

    /// The byte check agrees with the normalization by components.
    #[test]
    fn normal_absolute_paths_are_taken_as_they_are() {
        let slow = |p: &str| {
            let mut out = PathBuf::new();
            for c in Path::new(p).components() {
                match c {
                    Component::ParentDir => {
                        out.pop();
                    }
                    Component::CurDir => {}
                    other => out.push(other.as_os_str()),
                }
            }
            out
        };
        for p in [
            "/", "/a", "/a/b.yml", "/a/./b", "/a/../b", "/a//b", "/a/b/", "//a", "/..", "/.",
            "/a/.b", "/a/..b/c", "/a/b/.", "/a/b/..",
        ] {
            assert_eq!(absolute(Path::new(p)), slow(p), "{p}");
        }
        assert!(is_normal_absolute(Path::new("/a/.b")));
        assert!(!is_normal_absolute(Path::new("/a/./b")));
        assert!(!is_normal_absolute(Path::new("a/b")));
    }

    /// `absolute` (and its shortcuts for paths normal already, absolute
    /// or relative) is the normalization by components of the path joined
    /// to the current folder, on every path of up to 9 bytes of `/`, `.`
    /// and `a`.
    #[test]
    fn absolute_is_the_normalization_by_components_on_every_short_path() {
        let mut paths: Vec<Vec<u8>> = vec![Vec::new()];
        let mut all = Vec::new();
        for _ in 0..9 {
            let mut next = Vec::new();
            for p in &paths {
                for c in [b'/', b'.', b'a'] {
                    let mut q = p.clone();
                    q.push(c);
                    next.push(q);
                }
            }
            all.extend(next.iter().cloned());
            paths = next;
        }
        let cwd = std::env::current_dir().unwrap();
        for b in &all {
            // The byte check says what splitting at every `/` says.
            let split = b
                .split(|&c| c == b'/')
                .all(|c| !matches!(c, b"" | b"." | b".."));
            assert_eq!(
                normal_components(b),
                split,
                "{:?}",
                String::from_utf8_lossy(b)
            );
            let text = std::str::from_utf8(b).unwrap();
            let p = Path::new(text);
            let mut slow = PathBuf::new();
            for c in cwd.join(p).components() {
                match c {
                    Component::ParentDir => {
                        slow.pop();
                    }
                    Component::CurDir => {}
                    other => slow.push(other.as_os_str()),
                }
            }
            assert_eq!(absolute(p), slow, "{text}");
        }
    }
}

#[cfg(test)]
mod path_order_tests {
    use super::*;

    /// Every pair of these paths is ordered as `Path` orders it, whether
    /// all are plain (bytes compared) or one is not (`Path`s compared).
    #[test]
    fn sort_by_path_is_path_order() {
        let plain = [
            "/r/a-b/x",
            "/r/a/b",
            "/r/a.b",
            "/r/a",
            "/r/a/b/c",
            "/r/.-x",
            "/r/..a",
            "/r/a b/c",
            "/r/\u{e9}/x",
            "/r/a/bcdefghijklmnopq/x",
            "/r/a/bcdefghijklmnop/x",
            "/r/a/bcdefghijklmnop",
            "/q",
            "/",
            "r/a",
            "r-a",
            "r",
        ];
        for extra in [None, Some("/r/a//b/d"), Some("./r"), Some("/r/../a")] {
            let mut v: Vec<PathBuf> = plain.iter().chain(&extra).map(PathBuf::from).collect();
            let mut want = v.clone();
            want.sort();
            sort_by_path(&mut v, PathBuf::as_path);
            assert_eq!(v, want, "with {extra:?}");
        }
        for (a, b) in [
            ("/a/b", "/a-b"),
            ("/a", "/a/b"),
            ("/a/b", "/a/b"),
            ("/", "/a"),
        ] {
            let (a, b) = (Path::new(a), Path::new(b));
            assert!(is_plain(a) && is_plain(b));
            assert_eq!(plain_order(a, b), a.cmp(b), "{a:?} {b:?}");
            assert_eq!(plain_order(b, a), b.cmp(a), "{b:?} {a:?}");
        }
        for not in ["", "./a", "a/./b", "a/../b", "a//b", "a/", "//a", ".", ".."] {
            assert!(!is_plain(Path::new(not)), "{not}");
        }
    }

    /// The project name of a folder is what lowercasing the whole name as
    /// Unicode and keeping `a-z0-9-_` makes of it, ASCII or not.
    #[test]
    fn dir_project_name_is_the_lowercased_kept_characters() {
        let slow = |name: &str| -> String {
            name.to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-' || *c == '_')
                .collect()
        };
        for name in [
            "My-App_1",
            "a.b c",
            "UPPER",
            "\u{c4}pp",
            "Kelvin\u{212a}",
            "\u{130}x",
            "-_09az",
            "~!@",
        ] {
            let dir = Path::new("/w").join(name);
            assert_eq!(dir_project_name(&dir), slow(name), "{name}");
        }
        assert_eq!(dir_project_name(Path::new("/")), "");
    }

    /// `is_under` says what `Path::starts_with` says, for normal absolute
    /// paths (bytes compared) and others (components compared).
    #[test]
    fn is_under_is_starts_with() {
        let paths = [
            "/",
            "/a",
            "/ab",
            "/a/b",
            "/a/bc",
            "/a-b",
            "/a/b/c",
            "/b",
            "a",
            "a/b",
            "/a/",
            "/a//b",
            "/a/./b",
            "/a/../a/b",
            "//a",
            "",
        ];
        for p in paths {
            for b in paths {
                let (p, b) = (Path::new(p), Path::new(b));
                assert_eq!(is_under(p, b), p.starts_with(b), "{p:?} under {b:?}");
            }
        }
    }

    /// Many items (sorted on both cores) come out as a stable sort by
    /// `Path` puts them, equal paths in their first order; plain or not.
    #[test]
    fn sort_by_path_of_many_is_a_stable_path_sort() {
        let parts = ["a", "a-b", "a.b", "b", "\u{e9}", "compose.yaml", ".env"];
        // A fixed pseudo-random sequence (no dependency, same every run).
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = move |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        for odd in [None, Some("/w/a//b"), Some("/w/./a")] {
            let mut v: Vec<(PathBuf, usize)> = (0..6000)
                .map(|i| {
                    let depth = 1 + next(4);
                    let mut p = PathBuf::from("/w");
                    for _ in 0..depth {
                        p.push(parts[next(parts.len())]);
                    }
                    (p, i)
                })
                .collect();
            if let Some(o) = odd {
                v.push((PathBuf::from(o), v.len()));
            }
            let mut want = v.clone();
            want.sort_by(|a, b| a.0.cmp(&b.0));
            let plain = sort_by_path(&mut v, |(p, _)| p.as_path());
            assert_eq!(plain, odd.is_none());
            assert!(v == want, "with {odd:?}");
        }
    }
}

#[cfg(test)]
mod parse_cache_tests {
    use super::*;

    fn kept(cache: &ParseCache, path: &Path) -> Arc<HandedOn> {
        cache.lock().files[path].clone()
    }

    fn services(l: &Loaded) -> Vec<String> {
        let p = l.project.as_ref().unwrap();
        p.services.iter().map(|s| s.name.value.clone()).collect()
    }

    /// A kept tree is taken only for the same text: a file changed on disk
    /// or in the editor is parsed again, and its new tree kept.
    #[test]
    fn the_parse_cache_is_keyed_by_the_text() {
        let tmp = tempfile::tempdir().unwrap();
        let f = absolute(&tmp.path().join("compose.yaml"));
        let base = absolute(&tmp.path().join("base.yaml"));
        std::fs::write(&f, "services:\n  a:\n    image: x\n").unwrap();
        std::fs::write(&base, "services:\n  b:\n    image: y\n").unwrap();
        let cache = ParseCache::default();
        let opts = LoadOptions {
            parses: Some(cache.clone()),
            env: Some(Env::new()),
            ..Default::default()
        };
        let input = |p: &Path| Input {
            path: p.to_path_buf(),
            text: None,
        };
        let l = load(&[input(&f)], &opts).unwrap();
        assert_eq!(services(&l), ["a"]);
        let first = kept(&cache, &f);
        // The same text: the kept tree, not a new parse.
        let l = load(&[input(&f)], &opts).unwrap();
        assert_eq!(services(&l), ["a"]);
        assert!(Arc::ptr_eq(&first, &kept(&cache, &f)));
        // Changed on disk.
        std::fs::write(&f, "services:\n  c:\n    image: x\n").unwrap();
        let l = load(&[input(&f)], &opts).unwrap();
        assert_eq!(services(&l), ["c"]);
        assert!(!Arc::ptr_eq(&first, &kept(&cache, &f)));
        // Changed in the editor.
        let edited = LoadOptions {
            texts: vec![(f.clone(), "services:\n  d:\n    image: x\n".into())],
            ..opts.clone()
        };
        let l = load(&[input(&f)], &edited).unwrap();
        assert_eq!(services(&l), ["d"]);
        // Kept under one file id, taken under another: the spans follow.
        let l = load(&[input(&base), input(&f)], &edited).unwrap();
        assert_eq!(services(&l), ["b", "d"]);
        let id = l.sources.find(&f).unwrap();
        assert_ne!(id, FileId(0));
        assert!(l.trees.iter().any(|t| t.file == id));
        let d = &l.project.as_ref().unwrap().services[1];
        assert_eq!(d.name.span.file, id);
        assert_eq!(cache.paths(), [base, f]);
    }
}

#[cfg(test)]
mod read_tests {
    use super::*;

    /// A text decodes to the same string whether or not it came with a
    /// UTF-8 BOM, and the string of UTF-8 text is the buffer it was read
    /// into; bad UTF-8 is reported at its offset after the BOM, with the
    /// text made readable.
    #[test]
    fn decode_keeps_the_buffer_and_strips_the_bom() {
        let text = "services:\n  a: {image: \"é\"}\n".as_bytes().to_vec();
        let plain = decode(text.clone()).unwrap();
        assert_eq!(plain.as_bytes(), &text[..]);
        let at = text.as_ptr();
        let decoded = decode(text).unwrap();
        assert_eq!(decoded.as_ptr(), at, "the read buffer, not a copy");
        let with_bom = [&[0xEF, 0xBB, 0xBF][..], plain.as_bytes()].concat();
        assert_eq!(decode(with_bom).unwrap(), plain);
        assert_eq!(decode(vec![0xEF, 0xBB, 0xBF]).unwrap(), "");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain(plain.encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(utf16).unwrap(), plain);
        for bom in [&[][..], &[0xEF, 0xBB, 0xBF][..]] {
            let bad = [bom, b"a: b\n", &[0xFF], b"c"].concat();
            match decode(bad) {
                Err(Undecodable::Utf8 { lossy, offset }) => {
                    assert_eq!(offset, 5);
                    assert_eq!(lossy, "a: b\n\u{FFFD}c");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    /// `read_bytes` as it was before reads were cached and sized: the
    /// metadata asked, then the file read to its end, at most one byte
    /// over the limit.
    fn read_bytes_as_before(path: &Path, max_bytes: u64) -> Result<Vec<u8>, String> {
        use std::io::Read;
        let meta = std::fs::metadata(path).map_err(|e| io_message(&e))?;
        if meta.is_dir() {
            return Err("is a directory, not a Compose file".into());
        }
        if !meta.is_file() {
            return Err(
                "is not a regular file (a FIFO, socket or device); refusing to read it".into(),
            );
        }
        if meta.len() > max_bytes {
            return Err(format!(
                "is {} bytes, more than the limit of {} bytes (raise it with --max-file-size)",
                meta.len(),
                max_bytes
            ));
        }
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|f| f.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes))
            .map_err(|e| io_message(&e))?;
        if bytes.len() as u64 > max_bytes {
            return Err(format!(
                "is more than the limit of {max_bytes} bytes (raise it with --max-file-size)"
            ));
        }
        Ok(bytes)
    }

    /// Files of every size around the read buffer's and the kept files'
    /// thresholds, under limits just below, at and above their sizes, read
    /// outside a run and within one (first from disk, then kept), give
    /// what the plain read gives; so do folders, missing paths and a file
    /// whose size the file system gives as 0.
    #[test]
    fn read_bytes_reads_what_the_plain_read_reads() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        let shared = crate::fscache::SHARED_BYTES as u64;
        let mut paths = Vec::new();
        for len in [
            0,
            1,
            31,
            32,
            33,
            100,
            8191,
            8192,
            8193,
            shared - 1,
            shared,
            shared + 1,
            200_000,
        ] {
            let p = t.join(format!("f{len}"));
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
            std::fs::write(&p, bytes).unwrap();
            // Also spelled from the current folder: one file, read once.
            let depth = std::env::current_dir().unwrap().components().count() - 1;
            let up: PathBuf = std::iter::repeat_n("..", depth).collect();
            paths.push((p.clone(), len));
            paths.push((
                Path::new(".").join(up.join(p.strip_prefix("/").unwrap())),
                len,
            ));
        }
        std::fs::create_dir(t.join("folder")).unwrap();
        paths.push((t.join("folder"), 0));
        paths.push((t.join("missing"), 0));
        paths.push((PathBuf::from("/proc/self/cmdline"), 0));
        let check = |p: &Path, len: u64| {
            for max in [len.saturating_sub(1), len, len + 1, u64::MAX] {
                let (ours, theirs) = (read_bytes(p, max), read_bytes_as_before(p, max));
                // The lengths first: a failure does not print the bytes.
                let size =
                    |r: &Result<Vec<u8>, String>| r.as_ref().map(Vec::len).map_err(String::clone);
                assert_eq!(size(&ours), size(&theirs), "{p:?} under {max}");
                assert!(ours == theirs, "{p:?} under {max}");
            }
        };
        for (p, len) in &paths {
            check(p, *len);
        }
        crate::fscache::scope(|| {
            for _ in 0..2 {
                for (p, len) in &paths {
                    check(p, *len);
                }
            }
        });
    }
}
