//! File-system answers cached per directory for one batch run.
//!
//! Linting many files asks the same questions again for every file: the
//! enclosing git work tree, the nearest config file, the example env files
//! of the project directory and its parents, the canonical form of the
//! root. A batch run of the command line (`compose-lint check`) turns the
//! cache on with [`enable`]: the file system is taken not to change while it
//! runs, and each question is asked of it once per directory. Everything
//! else (the language server, tests, `--fix`'s re-lint) leaves it off and
//! asks the file system every time, so that an edit on disk is seen.
//!
//! The language server makes each lint a run of its own with [`scope`]:
//! while one lint lasts, the file system is taken to hold still as in a
//! batch run; the answers are forgotten when it ends, so the next lint
//! (after an edit, or a change on disk) asks again.

use std::borrow::Borrow;
use std::cell::Cell;
use std::collections::HashSet;
use std::ffi::{OsStr, OsString};
use std::hash::Hash;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use crate::fasthash::Map;

static ENABLED: AtomicBool = AtomicBool::new(false);

/// Turns the cache on for the rest of the process (a batch run).
pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

/// Whether this is a batch run with the cache on.
pub fn enabled() -> bool {
    ENABLED.load(Ordering::Relaxed)
}

/// The scopes started so far (see [`scope`]); 0 is the batch run's.
static SCOPES: AtomicU64 = AtomicU64::new(0);

/// The scopes running now, on any thread: a table keeps the answers of
/// these (and of the batch run) and drops the others'.
static LIVE: Mutex<Vec<u64>> = Mutex::new(Vec::new());

thread_local! {
    /// The scope this thread runs in, 0 when none.
    static SCOPE: Cell<u64> = const { Cell::new(0) };
}

/// Runs `f` as a run of its own on this thread: the cache is on while it
/// runs, and what it learned is not used after it (the next scope starts
/// afresh). The language server lints each document this way: during one
/// lint the file system holds still, between lints it may change. Other
/// threads are not affected: scopes running at once keep their answers
/// apart.
pub fn scope<T>(f: impl FnOnce() -> T) -> T {
    struct Leave {
        outer: u64,
        id: u64,
    }
    impl Drop for Leave {
        fn drop(&mut self) {
            SCOPE.with(|s| s.set(self.outer));
            live().retain(|g| *g != self.id);
        }
    }
    let id = SCOPES.fetch_add(1, Ordering::Relaxed) + 1;
    live().push(id);
    let _leave = Leave {
        outer: SCOPE.with(|s| s.replace(id)),
        id,
    };
    f()
}

fn live() -> MutexGuard<'static, Vec<u64>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// The generation answers are cached under: 0 in a batch run, the scope's
/// id inside [`scope`], `None` when nothing is cached.
fn generation() -> Option<u64> {
    if enabled() {
        return Some(0);
    }
    Some(SCOPE.with(Cell::get)).filter(|s| *s != 0)
}

/// A table of answers (see [`memo`]): the answers of each generation that
/// asked, a batch run's or a running [`scope`]'s.
pub(crate) type Memo<K, V> = OnceLock<Mutex<Vec<(u64, Map<K, V>)>>>;

/// Whether memory of `bytes` of input may be left for the process's exit
/// to release: in a batch run, for large inputs (a megabyte of YAML), whose
/// trees take a tenth of the run to free. Small inputs are freed as usual,
/// so that many files keep the peak memory low.
pub fn leave_to_exit(bytes: usize) -> bool {
    enabled() && bytes >= 1 << 20
}

/// `f(key)`, computed once per key while the cache is on. The lock is not
/// held while `f` runs: two threads may both compute an answer, which is
/// the same answer. A table holds the answers of one generation: another
/// scope's answers are dropped when this one first asks. The key is asked
/// about borrowed (a path's bytes) and copied only to keep a new answer:
/// most questions are asked again.
pub(crate) fn memo<K, Q, V>(table: &'static Memo<K, V>, key: &Q, f: impl FnOnce(&Q) -> V) -> V
where
    K: Eq + Hash + Borrow<Q>,
    Q: Eq + Hash + ToOwned<Owned = K> + ?Sized,
    V: Clone,
{
    let Some(generation) = generation() else {
        return f(key);
    };
    if let Some(v) = answers(table, generation, |m| m.get(key).cloned()) {
        return v;
    }
    let v = f(key);
    answers(table, generation, |m| m.insert(key.to_owned(), v.clone()));
    v
}

/// `f` of the answers of `generation` in `table`, locked. A generation
/// asking first gets an empty map, and the answers of scopes that have
/// ended are dropped then.
fn answers<K, V, R>(
    table: &'static Memo<K, V>,
    generation: u64,
    f: impl FnOnce(&mut Map<K, V>) -> R,
) -> R {
    let mut tables = table
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let i = match tables.iter().position(|(g, _)| *g == generation) {
        Some(i) => i,
        None => {
            if generation != 0 {
                let live = live();
                tables.retain(|(g, _)| *g == 0 || live.contains(g));
            }
            tables.push((generation, Map::default()));
            tables.len() - 1
        }
    };
    f(&mut tables[i].1)
}

/// Contents read already in this run, by path, for the next read of the
/// same file (see [`take_bytes`]): a file is read from disk once per run.
/// Kept for the generation they were read in (see [`memo`]).
static KEPT: Memo<OsString, Vec<u8>> = OnceLock::new();

/// Files smaller than this stay kept for every later read of the run (a
/// base read by each overlay layered on it, a `.env` by each project of
/// its folder); larger ones are kept for one read only, so that their
/// contents are not held twice.
pub const SHARED_BYTES: usize = 64 * 1024;

/// Keeps the contents of `path` for [`take_bytes`] while the cache is on
/// (elsewhere the file may change before it is read again).
pub fn keep_bytes(path: &Path, bytes: Vec<u8>) {
    if let Some(generation) = generation() {
        answers(&KEPT, generation, |m| {
            m.insert(absolute_key(path).into_owned(), bytes)
        });
    }
}

/// The contents [`keep_bytes`] kept for `path` in this run: a copy of a
/// small file's, which stay for later reads; a large file's, once.
pub fn take_bytes(path: &Path) -> Option<Vec<u8>> {
    let generation = generation()?;
    let k = absolute_key(path);
    answers(&KEPT, generation, |kept| {
        let bytes = kept.get(&*k)?;
        if bytes.len() < SHARED_BYTES {
            return Some(bytes.clone());
        }
        kept.remove(&*k)
    })
}

/// The current directory (`/` when it cannot be read), asked once in a
/// batch run: a batch run does not change it.
pub fn current_dir() -> PathBuf {
    static CWD: OnceLock<PathBuf> = OnceLock::new();
    let ask = || std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    if enabled() {
        CWD.get_or_init(ask).clone()
    } else {
        ask()
    }
}

/// The nearest directory at or above `dir` (absolute) that holds a `.git`,
/// cached for every directory on the way.
pub fn git_root(dir: &Path) -> Option<PathBuf> {
    static T: Memo<OsString, Option<PathBuf>> = OnceLock::new();
    memo(&T, key(dir), |d| {
        let d = Path::new(d);
        if d.join(".git").exists() {
            return Some(d.to_path_buf());
        }
        d.parent().and_then(git_root)
    })
}

/// `std::fs::canonicalize`, cached by path (`None` when it fails). An
/// absolute path that ends in a name that is not a symlink is its folder's
/// canonical form and that name: in a batch run the folders above are
/// resolved once for all the projects under them, not again (a `readlink`
/// per component) for each.
pub fn canonicalize(path: &Path) -> Option<PathBuf> {
    static T: Memo<OsString, Option<PathBuf>> = OnceLock::new();
    memo(&T, key(path), |_| {
        // `x/` and `x/.` must be folders: left to the file system.
        let text = path.as_os_str().as_encoded_bytes();
        let plain_end = !(text.ends_with(b"/") || text.ends_with(b"/."));
        let by_folder = match (path.parent(), path.components().next_back()) {
            (Some(parent), Some(Component::Normal(name))) if plain_end && path.is_absolute() => {
                Some((parent, name))
            }
            _ => None,
        };
        match by_folder {
            Some((parent, name)) => {
                let meta = std::fs::symlink_metadata(path).ok()?;
                if meta.file_type().is_symlink() {
                    std::fs::canonicalize(path).ok()
                } else {
                    Some(canonicalize(parent)?.join(name))
                }
            }
            None => std::fs::canonicalize(path).ok(),
        }
    })
}

/// What the run asks of a path's metadata (`std::fs::metadata`, which
/// follows symlinks): whether it is a file or a folder, and its size. A
/// run over 10,000 projects keeps tens of thousands of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Meta {
    file: bool,
    dir: bool,
    len: u64,
}

impl Meta {
    pub fn is_file(&self) -> bool {
        self.file
    }

    pub fn is_dir(&self) -> bool {
        self.dir
    }

    /// The size in bytes.
    pub fn size(&self) -> u64 {
        self.len
    }
}

impl From<std::fs::Metadata> for Meta {
    fn from(m: std::fs::Metadata) -> Meta {
        Meta {
            file: m.is_file(),
            dir: m.is_dir(),
            len: m.len(),
        }
    }
}

/// `std::fs::metadata(path)`, cached by path: whether a path exists, is a
/// file or a folder, and a file's size are one question to the file
/// system, asked once per run whoever asks it (the plan, the config
/// lookup, the read, the env file checks). A relative path is cached as
/// the current directory joined to it (the file the file system resolves
/// it to), so that both spellings of a path share one answer.
pub fn metadata(path: &Path) -> std::io::Result<Meta> {
    if generation().is_none() {
        return std::fs::metadata(path).map(Meta::from);
    }
    let k = absolute_key(path);
    memo(&METADATA, &*k, |k| {
        // A path under a folder that could not be resolved cannot be
        // either, and fails the same way: many bind sources in one missing
        // folder (`./config/a.conf`, `./config/b.conf`) are one question.
        if let Some(e) = Path::new(k).parent().and_then(|p| failed(p.as_os_str())) {
            return Err(e);
        }
        std::fs::metadata(path).map(Meta::from).map_err(Arc::new)
    })
    .map_err(|e| {
        // An `io::Error` is not `Clone`: the same error again, which
        // reads and matches as the first.
        match e.raw_os_error() {
            Some(code) => std::io::Error::from_raw_os_error(code),
            None => std::io::Error::new(e.kind(), e.to_string()),
        }
    })
}

/// The answers of [`metadata`].
static METADATA: Memo<OsString, Result<Meta, Arc<std::io::Error>>> = OnceLock::new();

/// The error [`metadata`] gave for the absolute path `key` in this run,
/// when it gave one: looked up, never asked of the file system.
fn failed(key: &OsStr) -> Option<Arc<std::io::Error>> {
    let generation = generation()?;
    answers(&METADATA, generation, |m| match m.get(key) {
        Some(Err(e)) => Some(e.clone()),
        _ => None,
    })
}

/// `path.exists()`, cached by path (see [`metadata`]).
pub fn exists(path: &Path) -> bool {
    metadata(path).is_ok()
}

/// Whether anything is at `path`, a dangling symlink included
/// (`std::fs::symlink_metadata(path).is_ok()`). What [`metadata`] knows
/// answers first: a path it resolves exists, and one whose folder it
/// could not resolve does not.
pub fn lexists(path: &Path) -> bool {
    if exists(path) {
        return true;
    }
    let folder_failed = path
        .parent()
        .is_some_and(|p| !p.as_os_str().is_empty() && failed(&absolute_key(p)).is_some());
    !folder_failed && std::fs::symlink_metadata(path).is_ok()
}

/// `path.is_dir()`, cached by path (see [`metadata`]).
pub fn is_dir(path: &Path) -> bool {
    metadata(path).is_ok_and(|m| m.is_dir())
}

/// `path.is_file()`, cached by path (see [`metadata`]).
pub fn is_file(path: &Path) -> bool {
    metadata(path).is_ok_and(|m| m.is_file())
}

/// The first of `names` that is a file in `dir`, cached per directory and
/// list of names.
pub fn first_file_in(dir: &Path, names: &'static [&'static str]) -> Option<PathBuf> {
    static T: Memo<(OsString, usize), Option<PathBuf>> = OnceLock::new();
    // The list is a static: its address tells the lists apart.
    let k = (key(dir).to_os_string(), names.as_ptr() as usize);
    memo(&T, &k, |(d, _)| {
        names
            .iter()
            .map(|n| Path::new(d).join(n))
            .find(|p| p.is_file())
    })
}

/// The first of `names` that is a file in `dir` or, failing that, in the
/// nearest directory above it that holds one; cached for every directory
/// on the way, so that sibling projects ask their parents once.
pub fn nearest_file(dir: &Path, names: &'static [&'static str]) -> Option<PathBuf> {
    static T: Memo<(OsString, usize), Option<PathBuf>> = OnceLock::new();
    let k = (key(dir).to_os_string(), names.as_ptr() as usize);
    memo(&T, &k, |_| {
        let here = names.iter().map(|n| dir.join(n)).find(|p| p.is_file());
        here.or_else(|| dir.parent().and_then(|p| nearest_file(p, names)))
    })
}

/// The names of the regular files in `dir` (as its listing types them:
/// a symlink is not one), those that are UTF-8, in the listing's order;
/// empty when it cannot be listed. Cached per directory: the env hints
/// ask it of a project's folder for every Compose file in it.
pub fn files_in(dir: &Path) -> Arc<Vec<String>> {
    static T: Memo<OsString, Arc<Vec<String>>> = OnceLock::new();
    memo(&T, key(dir), |d| {
        let Ok(rd) = std::fs::read_dir(d) else {
            return Arc::default();
        };
        let names = rd
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        Arc::new(names)
    })
}

/// The variables the example env files of `dir` name, cached per directory.
pub fn documented_vars(
    dir: &Path,
    compute: impl FnOnce(&Path) -> HashSet<String>,
) -> Arc<HashSet<String>> {
    static T: Memo<OsString, Arc<HashSet<String>>> = OnceLock::new();
    memo(&T, key(dir), |d| Arc::new(compute(Path::new(d))))
}

/// Whether a YAML file not named like a Compose file has a top-level
/// `services:` key (`compute`), cached per file: every walk of a folder
/// asks it of the same files, and read each of them again.
pub fn has_top_level_services(path: &Path, compute: impl FnOnce(&Path) -> bool) -> bool {
    static T: Memo<OsString, bool> = OnceLock::new();
    memo(&T, key(path), |p| compute(Path::new(p)))
}

/// A path as a table key, as the file system resolves it: a relative
/// path joined to the current directory, without its leading `./` (see
/// [`key`]). The loads name a project's files from its folder, the walk
/// from `.`, the look-ahead by absolute path: one file, one answer.
fn absolute_key(path: &Path) -> std::borrow::Cow<'_, OsStr> {
    if path.is_absolute() {
        return std::borrow::Cow::Borrowed(key(path));
    }
    use std::os::unix::ffi::OsStrExt;
    let mut rel = path.as_os_str().as_bytes();
    while let Some(rest) = rel.strip_prefix(b"./") {
        // `.//x` is `x`: the slashes after the `.` are one separator.
        rel = rest;
        while let Some(rest) = rel.strip_prefix(b"/") {
            rel = rest;
        }
    }
    std::borrow::Cow::Owned(current_dir().join(OsStr::from_bytes(rel)).into_os_string())
}

/// A path as a table key: its text. Hashing a `Path` hashes it component by
/// component, which was a tenth of a run over 10,000 small projects; two
/// spellings of one path (`a//b`, `a/b`) are only asked about twice.
fn key(path: &Path) -> &OsStr {
    path.as_os_str()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kept contents are taken only in the run that kept them: a small
    /// file's as often as asked, a large one's once.
    #[test]
    fn kept_bytes_are_taken_in_their_own_run() {
        let p = Path::new("/nonexistent/kept/compose.yaml");
        let large = vec![b'#'; SHARED_BYTES];
        // No run: nothing is kept.
        keep_bytes(p, b"services: {}".to_vec());
        assert_eq!(scope(|| take_bytes(p)), None);
        scope(|| {
            keep_bytes(p, b"services: {}".to_vec());
            assert_eq!(take_bytes(p).as_deref(), Some(&b"services: {}"[..]));
            assert_eq!(take_bytes(p).as_deref(), Some(&b"services: {}"[..]));
            keep_bytes(p, large.clone());
            assert_eq!(take_bytes(p), Some(large.clone()));
            assert_eq!(take_bytes(p), None, "a large file's taken once");
            keep_bytes(p, b"again".to_vec());
        });
        // Another run does not see what an earlier one kept.
        assert_eq!(scope(|| take_bytes(p)), None);
    }

    #[test]
    fn git_root_is_the_nearest_enclosing_work_tree() {
        let tmp = tempfile::tempdir().unwrap();
        let top = tmp.path().join("repo");
        let deep = top.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        std::fs::create_dir_all(top.join(".git")).unwrap();
        assert_eq!(git_root(&deep), Some(top.clone()));
        // A nested work tree wins over the outer one.
        std::fs::create_dir_all(top.join("a/.git")).unwrap();
        assert_eq!(git_root(&deep), Some(top.join("a")));
    }

    /// A scope answers each question once; the next scope asks again.
    #[test]
    fn a_scope_forgets_its_answers_when_it_ends() {
        let tmp = tempfile::tempdir().unwrap();
        let p = tmp.path().join("made-later");
        scope(|| {
            assert!(!exists(&p));
            std::fs::write(&p, "").unwrap();
            // The file system holds still for the length of one scope.
            assert!(!exists(&p));
        });
        scope(|| assert!(exists(&p)));
        std::fs::remove_file(&p).unwrap();
        // Outside a scope nothing is kept.
        assert!(!exists(&p));
    }

    /// A scope's answers stay while another thread's scope asks its own.
    #[test]
    fn scopes_at_once_keep_their_answers_apart() {
        let tmp = tempfile::tempdir().unwrap();
        let (mine, theirs) = (tmp.path().join("mine"), tmp.path().join("theirs"));
        let turn = std::sync::Barrier::new(2);
        std::thread::scope(|t| {
            t.spawn(|| {
                scope(|| {
                    turn.wait();
                    assert!(!exists(&theirs));
                    turn.wait();
                })
            });
            scope(|| {
                assert!(!exists(&mine));
                turn.wait();
                turn.wait();
                std::fs::write(&mine, "").unwrap();
                assert!(!exists(&mine), "the other scope dropped this one's answers");
            });
        });
    }

    /// What is under a folder that could not be resolved is answered from
    /// the folder's answer, without asking the file system again: within a
    /// run, a file made there afterwards is not seen (as a file made after
    /// it was asked about is not).
    #[test]
    fn a_missing_folders_paths_are_missing_without_asking() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("config");
        let file = dir.join("app.conf");
        scope(|| {
            assert!(!exists(&dir));
            std::fs::create_dir(&dir).unwrap();
            std::fs::write(&file, "").unwrap();
            assert!(!exists(&file));
            assert!(!lexists(&file));
            assert_eq!(
                metadata(&file).unwrap_err().kind(),
                std::io::ErrorKind::NotFound
            );
        });
        scope(|| {
            assert!(exists(&file));
            assert!(lexists(&file));
        });
    }

    #[test]
    fn canonicalize_is_the_file_systems() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        std::fs::create_dir_all(t.join("a/b")).unwrap();
        std::fs::write(t.join("a/b/f"), "").unwrap();
        std::os::unix::fs::symlink(t.join("a/b"), t.join("link")).unwrap();
        std::os::unix::fs::symlink("b/f", t.join("a/rel")).unwrap();
        std::os::unix::fs::symlink(t.join("gone"), t.join("dangling")).unwrap();
        for p in [
            "a",
            "a/b",
            "a/b/f",
            "a/b/f/",
            "a/b/f/.",
            "a/b/",
            "a/./b",
            "a/b/../b/f",
            "link",
            "link/f",
            "link/../a",
            "a/rel",
            "dangling",
            "missing",
            "a/missing/x",
            "a/b/f/x",
        ] {
            let path = t.join(p);
            assert_eq!(
                canonicalize(&path),
                std::fs::canonicalize(&path).ok(),
                "{p}"
            );
        }
        assert_eq!(canonicalize(Path::new("/")), Some(PathBuf::from("/")));
    }

    /// The path `p` (absolute) spelled relative to the current directory,
    /// as it is written (a trailing `/` or `/.` kept).
    fn relative(p: &Path) -> PathBuf {
        let cwd = std::env::current_dir().unwrap();
        let up = "../".repeat(cwd.components().count() - 1);
        PathBuf::from(format!("{up}{}", &p.to_str().unwrap()[1..]))
    }

    /// The cached metadata answers as `std::fs::metadata` does, for every
    /// kind of path and spelling, first asked and asked again; errors
    /// read and match as the file system's.
    #[test]
    fn metadata_is_the_file_systems() {
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        std::fs::create_dir_all(t.join("a/b")).unwrap();
        std::fs::write(t.join("a/f"), "four").unwrap();
        std::fs::write(t.join("a/empty"), "").unwrap();
        std::os::unix::fs::symlink(t.join("a/f"), t.join("a/to-file")).unwrap();
        std::os::unix::fs::symlink(t.join("a/b"), t.join("a/to-dir")).unwrap();
        std::os::unix::fs::symlink(t.join("gone"), t.join("a/dangling")).unwrap();
        let names = [
            "",
            "a",
            "a/",
            "a/.",
            "a/b",
            "a/b/..",
            "a/f",
            "a/f/",
            "a/f/x",
            "a/empty",
            "a/to-file",
            "a/to-dir",
            "a/to-dir/",
            "a/dangling",
            "a/missing",
            "a/missing/x",
            "a/missing/x/y",
            "a/f/x/y",
            "a/dangling/x",
            "a\0nul",
        ];
        let mut paths: Vec<PathBuf> = Vec::new();
        for n in names {
            let rel = relative(&t.join(n));
            paths.push(t.join(n));
            paths.push(Path::new(".").join(&rel));
            paths.push(Path::new(".//./").join(&rel));
            paths.push(rel);
        }
        let same = |p: &Path| {
            let (ours, theirs) = (metadata(p), std::fs::metadata(p));
            match (&ours, &theirs) {
                (Ok(a), Ok(b)) => {
                    assert_eq!(
                        (a.is_file(), a.is_dir(), a.size()),
                        (b.is_file(), b.is_dir(), b.len()),
                        "{p:?}"
                    );
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a.kind(), b.kind(), "{p:?}");
                    assert_eq!(a.to_string(), b.to_string(), "{p:?}");
                    assert_eq!(a.raw_os_error(), b.raw_os_error(), "{p:?}");
                }
                _ => panic!("{p:?}: {ours:?} against {theirs:?}"),
            }
            assert_eq!(exists(p), p.exists(), "{p:?}");
            assert_eq!(is_file(p), p.is_file(), "{p:?}");
            assert_eq!(is_dir(p), p.is_dir(), "{p:?}");
            let lstat = std::fs::symlink_metadata(p).is_ok();
            assert_eq!(lexists(p), lstat, "{p:?}");
        };
        // Outside a run, then within one: asked first and asked again.
        paths.iter().for_each(|p| same(p));
        scope(|| {
            paths.iter().for_each(|p| same(p));
            paths.iter().rev().for_each(|p| same(p));
        });
    }

    /// A folder's regular files are the names its listing types as files.
    #[test]
    fn files_in_is_the_listing() {
        use std::os::unix::ffi::OsStrExt;
        let tmp = tempfile::tempdir().unwrap();
        let t = tmp.path();
        for n in [".env", ".env.example", "app.env", "compose.yaml", "ü.env"] {
            std::fs::write(t.join(n), "").unwrap();
        }
        std::fs::write(t.join(OsStr::from_bytes(b"bad\xff.env")), "").unwrap();
        std::fs::create_dir(t.join("folder.env")).unwrap();
        std::os::unix::fs::symlink(t.join("app.env"), t.join("link.env")).unwrap();
        let mut expected: Vec<String> = std::fs::read_dir(t)
            .unwrap()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().into_string().ok())
            .collect();
        expected.sort();
        assert_eq!(expected.len(), 5);
        for _ in 0..2 {
            let mut got = scope(|| {
                let first = files_in(t);
                assert_eq!(files_in(t), first, "asked again");
                first.to_vec()
            });
            got.sort();
            assert_eq!(got, expected);
        }
        assert!(files_in(&t.join("missing")).is_empty());
    }

    #[test]
    fn first_file_in_takes_the_names_in_order() {
        static NAMES: &[&str] = &["one.toml", "two.toml"];
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(first_file_in(tmp.path(), NAMES), None);
        std::fs::write(tmp.path().join("two.toml"), "").unwrap();
        assert_eq!(
            first_file_in(tmp.path(), NAMES),
            Some(tmp.path().join("two.toml"))
        );
        std::fs::write(tmp.path().join("one.toml"), "").unwrap();
        assert_eq!(
            first_file_in(tmp.path(), NAMES),
            Some(tmp.path().join("one.toml"))
        );
    }
}
