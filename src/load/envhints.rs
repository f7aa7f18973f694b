//! What a project says about the env files and variables it expects the
//! user to provide: example env files (`.env.example`, `env.sample`,
//! `example.env`, `.env.dist`, `.env.template`...), `.gitignore` entries,
//! and comments in the Compose file. A missing `.env` that the project
//! tells the user to create is a step of the setup, not a mistake; a
//! variable an example documents is one the user is told to set. See
//! docs/decisions/0012-env-hints-and-levels.md.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use crate::diagnostic::{Diagnostic, Severity};
use crate::load::interpolate::Env;

/// Words that mark a file as the example of another.
const MARKERS: &[&str] = &[
    "example", "examples", "sample", "dist", "template", "tmpl", "tpl", "orig",
];

/// A file name without its leading dot, split on `.`, `-` and `_`.
fn words(name: &str) -> Vec<String> {
    name.trim_start_matches('.')
        .split(['.', '-', '_'])
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

/// Is `candidate` an example of `name` (`.env.example` of `.env`,
/// `example.env` of `.env`, `app.env.sample` of `app.env`)?
pub fn is_example_of(candidate: &str, name: &str) -> bool {
    if candidate == name {
        return false;
    }
    let c = words(candidate);
    if !c.iter().any(|w| MARKERS.contains(&w.as_str())) {
        return false;
    }
    let rest: Vec<&String> = c
        .iter()
        .filter(|w| !MARKERS.contains(&w.as_str()))
        .collect();
    let n = words(name);
    !n.is_empty() && rest.len() == n.len() && rest.iter().zip(&n).all(|(a, b)| *a == b)
}

/// The example file beside the missing env file `path`, by name.
pub fn example_for(path: &Path) -> Option<String> {
    let dir = path.parent()?;
    let name = path.file_name()?.to_str()?;
    let n = words(name);
    if n.is_empty() {
        return None;
    }
    // The same as `is_example_of` on every file of the folder, which is
    // read once per run: a folder of many Compose files names many
    // missing env files.
    marked_files(dir)
        .iter()
        .filter(|(c, rest)| c != name && *rest == n)
        .map(|(c, _)| c)
        .min()
        .cloned()
}

/// File names with a marker word, each with its other words.
type Marked = Arc<Vec<(String, Vec<String>)>>;

/// The files of `dir` whose names hold a marker word, each with its other
/// words (cached per folder in a batch run).
fn marked_files(dir: &Path) -> Marked {
    static T: crate::fscache::Memo<PathBuf, Marked> = OnceLock::new();
    crate::fscache::memo(&T, &dir.to_path_buf(), |d| {
        let mut out = Vec::new();
        for c in crate::fscache::files_in(d).iter() {
            let w = words(c);
            if w.iter().any(|w| MARKERS.contains(&w.as_str())) {
                let rest = w
                    .into_iter()
                    .filter(|w| !MARKERS.contains(&w.as_str()))
                    .collect();
                out.push((c.clone(), rest));
            }
        }
        Arc::new(out)
    })
}

/// Verbs of a comment that tells the user to provide a file.
const TELLS: &[&str] = &[
    "create",
    "copy",
    "cp",
    "set",
    "fill",
    "edit",
    "rename",
    "add",
    "put",
    "provide",
    "generate",
    "write",
    "define",
    "configure",
];

/// Does the project tell the user to create the env file `name` (which
/// does not exist): a `.gitignore` beside it that ignores it, or a comment
/// in the Compose file that names it?
pub fn told_to_create(path: &Path, compose_text: &str) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    // `.env` itself is the local-settings file by convention: Compose reads
    // it for interpolation, and projects keep it out of version control
    // (each user writes their own).
    if name == ".env" {
        return true;
    }
    // A `.gitignore` beside it, or in a folder above it up to the
    // repository's root, that ignores the name (a pattern without a slash
    // applies at every depth below its folder).
    let ignores = |g: &str, beside: bool| {
        g.lines().map(str::trim).any(|l| {
            let anchored = l.starts_with('/') || l.trim_end_matches('/').contains('/');
            let l = l.trim_start_matches('/');
            (beside || !anchored)
                && (l == name || (l.starts_with('*') && name.ends_with(&l[1..]) && l.len() > 1))
        })
    };
    let mut ignored = false;
    let mut dir = path.parent();
    let mut beside = true;
    for _ in 0..8 {
        let Some(d) = dir else { break };
        // Once per run: the env files of a folder ask about the same
        // `.gitignore` files.
        let gitignore = crate::load::project::read_to_string(&d.join(".gitignore"));
        if gitignore.is_some_and(|g| ignores(&g, beside)) {
            ignored = true;
            break;
        }
        if crate::fscache::exists(&d.join(".git")) {
            break;
        }
        beside = false;
        dir = d.parent();
    }
    // A comment that names the file and tells the user to do something
    // with it (`# Set secret keys in the .env file`, `# cp .env.example .env`).
    ignored
        || compose_text.lines().any(|l| {
            l.split_once('#').is_some_and(|(_, c)| {
                let words: Vec<String> = c
                    .split(|ch: char| ch.is_whitespace() || ch == '`' || ch == '\'' || ch == '"')
                    .map(|w| w.trim_end_matches(['.', ',', ':', ';', ')']).to_string())
                    .collect();
                words.iter().any(|w| w == name)
                    && words
                        .iter()
                        .any(|w| TELLS.contains(&w.to_ascii_lowercase().as_str()))
            })
        })
}

/// The variables that example env files of the project directory name
/// (`KEY=`, also commented out: `# KEY=`).
pub fn documented_vars(dir: &Path) -> HashSet<String> {
    let mut out = HashSet::new();
    for name in crate::fscache::files_in(dir).iter() {
        if !is_example_of(name, ".env") {
            continue;
        }
        let Ok(text) = crate::load::project::read_text(&dir.join(name), 1024 * 1024) else {
            continue;
        };
        for line in text.lines() {
            let l = line.trim().trim_start_matches('#').trim();
            let l = l.strip_prefix("export ").unwrap_or(l);
            let Some((k, _)) = l.split_once('=') else {
                continue;
            };
            let k = k.trim();
            if !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
            {
                out.insert(k.to_string());
            }
        }
    }
    out
}

/// The variable a S006/S007 message is about: the first `` `NAME` ``.
fn variable(d: &Diagnostic) -> Option<String> {
    let rest = d.message.split_once('`')?.1;
    Some(rest.split_once('`')?.0.to_string())
}

/// Edit distance of at most one (or the same letters in another case).
fn near(a: &str, b: &str) -> bool {
    if a == b {
        return false;
    }
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a.len().min(b.len()) < 4 || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let (mut i, mut j, mut edits) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            i += 1;
            j += 1;
            continue;
        }
        edits += 1;
        if edits > 1 {
            return false;
        }
        match a.len().cmp(&b.len()) {
            std::cmp::Ordering::Less => j += 1,
            std::cmp::Ordering::Greater => i += 1,
            std::cmp::Ordering::Equal => {
                i += 1;
                j += 1;
            }
        }
    }
    edits + (a.len() - i) + (b.len() - j) <= 1
}

/// Whether `d` reports a use of an unset variable (S006) or of an unset
/// required one (S007), the findings [`regroup`] merges per variable and
/// looks up in the documented variables.
pub fn is_variable_use(d: &Diagnostic) -> bool {
    (d.code == "S006" && d.message.starts_with("variable `"))
        || (d.code == "S007" && d.message.starts_with("required variable `"))
}

/// S006 once per variable (the first use reported, every other use a
/// label), and the levels of S006 and S007: documented variables are info,
/// a required variable that looks like a typo of one that is set is an
/// error.
pub fn regroup(diags: &mut Vec<Diagnostic>, documented: &HashSet<String>, env: &Env) {
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    let mut keep = Vec::with_capacity(diags.len());
    for d in diags.drain(..) {
        let Some(name) = variable(&d).filter(|_| is_variable_use(&d)) else {
            keep.push(d);
            continue;
        };
        let key = format!("{}:{name}", d.code);
        if let Some(&i) = first.get(&key) {
            let prev: &mut Diagnostic = &mut keep[i];
            if prev.span != d.span && !prev.labels.iter().any(|l| l.span == d.span) {
                prev.labels.push(crate::diagnostic::Label {
                    span: d.span,
                    message: format!("`{name}` is used here too"),
                });
            }
            continue;
        }
        first.insert(key, keep.len());
        let mut d = d;
        if documented.contains(&name) {
            d.severity = Severity::Info;
            d = d.note(format!(
                "the project's example env file documents `{name}`: set it in `.env` as the example shows"
            ));
        } else if d.code == "S007" {
            if let Some(set) = env.names().filter(|n| near(&name, n)).min() {
                d.severity = Severity::Error;
                d = d.note(format!("`{set}` is set: `{name}` looks like a typo of it"));
            }
        }
        keep.push(d);
    }
    for d in &mut keep {
        if matches!(d.code, "S006" | "S007") && !d.labels.is_empty() {
            let n = d.labels.len() + 1;
            d.message.push_str(&format!(" ({n} uses)"));
        }
    }
    *diags = keep;
}

/// Variables that env files beside the Compose file set, other than `.env`
/// (which Compose reads anyway) and the examples: `defaults.env`, `ci.env`.
/// Projects pass them with `--env-file` from their scripts. Name -> file.
pub fn supplied_vars(dir: &Path, compose_texts: &[&str]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (name, vars) in env_files_beside(dir).iter() {
        // A file the Compose files name (`env_file: app.env`) feeds the
        // containers, not `${VAR}` in the file: expecting it to is a
        // mistake S006 must keep reporting.
        let named = compose_texts.iter().any(|t| {
            // Most names appear nowhere in the text: one search says so.
            t.contains(name.as_str())
                && t.lines().any(|l| {
                    l.split('#')
                        .next()
                        .is_some_and(|code| code.contains(name.as_str()))
                })
        });
        if named {
            continue;
        }
        for k in vars {
            out.entry(k.clone()).or_insert_with(|| name.clone());
        }
    }
    out
}

/// Env files by name, each with the variables it sets.
type EnvFiles = Arc<Vec<(String, Vec<String>)>>;

/// The env files of `dir` that [`supplied_vars`] reads (not `.env`, not
/// an example), by name, each with the variables it sets in its order;
/// read once per folder in a batch run (a folder of many Compose files
/// asks for each of them).
fn env_files_beside(dir: &Path) -> EnvFiles {
    static T: crate::fscache::Memo<PathBuf, EnvFiles> = OnceLock::new();
    crate::fscache::memo(&T, &dir.to_path_buf(), |dir| {
        let files = crate::fscache::files_in(dir);
        let mut names: Vec<&String> = files
            .iter()
            .filter(|n| n.ends_with(".env") && *n != ".env" && !is_example_of(n, ".env"))
            .collect();
        names.sort();
        let mut out = Vec::new();
        for name in names {
            let Ok(text) = crate::load::project::read_text(&dir.join(name), 1024 * 1024) else {
                continue;
            };
            let mut vars = Vec::new();
            for line in text.lines() {
                let l = line.trim();
                let l = l.strip_prefix("export ").unwrap_or(l);
                if l.starts_with('#') {
                    continue;
                }
                if let Some((k, _)) = l.split_once('=') {
                    let k = k.trim();
                    if !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                        vars.push(k.to_string());
                    }
                }
            }
            out.push((name.clone(), vars));
        }
        Arc::new(out)
    })
}

/// Errors about a value that is invalid only because a variable in it is
/// not set (an empty `image`, `container_name` or volume source): the
/// cause is the variable, reported by S006/S007 at that very spot.
/// - A required variable (`${VAR:?}`, S007): the file asks the user for
///   it, so the consequence takes S007's level.
/// - A variable that an env file beside the Compose file sets
///   (`defaults.env`, passed with `--env-file` by the project's scripts):
///   a warning that says so.
///
/// Otherwise the error stands: nothing supplies the variable, and Compose
/// refuses the file.
pub fn cascades(diags: &mut [Diagnostic], project_dir: &Path, compose_texts: &[&str]) {
    let within = |outer: crate::source::Span, inner: crate::source::Span| {
        outer.file == inner.file && outer.start <= inner.start && inner.end <= outer.end
    };
    // (span of a use, variable, code, severity)
    let mut uses = Vec::new();
    for d in diags.iter() {
        if !matches!(d.code, "S006" | "S007") {
            continue;
        }
        let Some(name) = variable(d) else { continue };
        uses.push((d.span, name.clone(), d.code, d.severity));
        for l in &d.labels {
            uses.push((l.span, name.clone(), d.code, d.severity));
        }
    }
    if uses.is_empty() {
        return;
    }
    let supplied = supplied_vars(project_dir, compose_texts);
    // S006 for a variable such a file sets: info, saying where it comes from.
    for d in diags.iter_mut() {
        if d.code != "S006" || d.severity != Severity::Warning {
            continue;
        }
        if let Some(file) = variable(d).and_then(|n| supplied.get(&n)) {
            d.severity = Severity::Info;
            d.notes.push(format!(
                "{file} beside the Compose file sets it: the project passes it with `docker compose --env-file {file}`"
            ));
        }
    }
    for d in diags.iter_mut() {
        if d.severity != Severity::Error || !matches!(d.code, "S005" | "S107") {
            continue;
        }
        let causes: Vec<&(crate::source::Span, String, &str, Severity)> =
            uses.iter().filter(|u| within(d.span, u.0)).collect();
        if causes.is_empty() {
            continue;
        }
        if let Some(req) = causes.iter().find(|u| u.2 == "S007") {
            d.severity = req.3;
            let note = format!(
                "this follows from the required variable `{}` (S007): set it, and the value is valid",
                req.1
            );
            d.notes.push(note);
            continue;
        }
        let files: Vec<&String> = causes.iter().filter_map(|u| supplied.get(&u.1)).collect();
        // The env file sets other unset variables of the project: the
        // project prepares the environment (a script exports the rest).
        let prepared = uses.iter().find_map(|u| supplied.get(&u.1));
        if files.len() == causes.len() && !files.is_empty() {
            d.severity = Severity::Warning;
            let vars: Vec<String> = causes.iter().map(|u| format!("`{}`", u.1)).collect();
            let note = format!(
                "{} beside the Compose file sets {}: with `docker compose --env-file {}`, as the project's scripts may run it, the value is valid",
                files[0],
                vars.join(", "),
                files[0]
            );
            d.notes.push(note);
        } else if let Some(file) = prepared {
            d.severity = Severity::Warning;
            let vars: Vec<String> = causes.iter().map(|u| format!("`{}`", u.1)).collect();
            d.notes.push(format!(
                "the project prepares this file's environment ({file} beside it sets some of its variables, for `--env-file {file}`); {} must come from there or from the shell that runs `docker compose`, and the value is valid once set",
                vars.join(", ")
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_by_name() {
        for c in [
            ".env.example",
            ".env.sample",
            "env.example",
            "example.env",
            ".env.dist",
            ".env.template",
            ".env-example",
        ] {
            assert!(is_example_of(c, ".env"), "{c}");
        }
        assert!(is_example_of("app.env.sample", "app.env"));
        assert!(!is_example_of(".env", ".env"));
        assert!(!is_example_of("defaults.env", ".env"));
        assert!(!is_example_of(".env.local", ".env"));
        assert!(!is_example_of("app.env.example", ".env"));
    }

    #[test]
    fn the_example_beside_a_missing_env_file() {
        let d = tempfile::tempdir().unwrap();
        for f in [
            ".env.sample",
            ".env.example",
            "app.env.dist",
            "compose.yaml",
        ] {
            std::fs::write(d.path().join(f), "").unwrap();
        }
        std::fs::create_dir(d.path().join("other.env.example")).unwrap();
        let ex = |n: &str| example_for(&d.path().join(n));
        // The first in name order.
        assert_eq!(ex(".env").as_deref(), Some(".env.example"));
        assert_eq!(ex("app.env").as_deref(), Some("app.env.dist"));
        // A folder is not an example file.
        assert_eq!(ex("other.env"), None);
        assert_eq!(ex("db.env"), None);
    }

    #[test]
    fn comments_that_tell_the_user() {
        // `.env` itself is a setup step by convention.
        assert!(told_to_create(
            Path::new("/nonexistent-dir-for-test/.env"),
            "services: {}\n"
        ));
        let p = Path::new("/nonexistent-dir-for-test/app.env");
        assert!(told_to_create(
            p,
            "x:\n  # Set secret keys in the app.env file\n"
        ));
        assert!(told_to_create(p, "# cp app.env.example app.env\n"));
        // Naming the file without telling the user to do anything.
        assert!(!told_to_create(
            p,
            "#   ../app.env -> app.env (in project root)\n"
        ));
        assert!(!told_to_create(p, "services: {}\n"));
    }

    /// The example env files are read only when a finding uses a variable:
    /// a load that reports one (unset, or required and unset) finds it
    /// documented in the project folder's example, or its parent's up to
    /// the root; the same load without the examples finds it undocumented.
    #[test]
    fn documented_variables_are_found_for_every_use() {
        use crate::load::project::{load, Input, LoadOptions};
        let cases = [
            ("image: \"x:${TAG}\"", "S006"),
            ("environment:\n      K: ${KEY:?set it}", "S007"),
        ];
        for (service, code) in cases {
            let tmp = tempfile::tempdir().unwrap();
            let root = tmp.path();
            let dir = root.join("app");
            std::fs::create_dir_all(&dir).unwrap();
            let compose = dir.join("compose.yaml");
            let text = format!("services:\n  a:\n    image: x\n    {service}\n");
            std::fs::write(&compose, text.replace("image: x\n    image", "image")).unwrap();
            let opts = LoadOptions {
                root: Some(root.to_path_buf()),
                ..Default::default()
            };
            let levels = || {
                let input = Input {
                    path: compose.clone(),
                    text: None,
                };
                let loaded = crate::fscache::scope(|| load(&[input], &opts).unwrap());
                loaded
                    .diagnostics
                    .iter()
                    .filter(|d| is_variable_use(d))
                    .map(|d| (d.code, d.severity))
                    .collect::<Vec<_>>()
            };
            assert_eq!(levels().len(), 1, "{code}");
            assert_ne!(levels()[0], (code, Severity::Info), "{code}");
            std::fs::write(dir.join(".env.example"), "TAG=\n").unwrap();
            std::fs::write(root.join("env.sample"), "# KEY=\n").unwrap();
            assert_eq!(levels(), vec![(code, Severity::Info)], "{code}");
        }
    }

    #[test]
    fn typos() {
        assert!(near("DB_PASWORD", "DB_PASSWORD"));
        assert!(near("db_password", "DB_PASSWORD"));
        assert!(!near("TZ", "T"));
        assert!(!near("ROUTER", "ROUTES_X"));
    }
}
