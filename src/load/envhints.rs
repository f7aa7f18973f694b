//! What a project says about the env files and variables it expects the
//! user to provide: example env files (`.env.example`, `env.sample`,
//! `example.env`, `.env.dist`, `.env.template`...), `.gitignore` entries,
//! and comments in the Compose file. A missing `.env` that the project
//! tells the user to create is a step of the setup, not a mistake; a
//! variable an example documents is one the user is told to set. See
//! docs/decisions/0012-env-hints-and-levels.md.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

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
    let mut found: Vec<String> = std::fs::read_dir(dir)
        .ok()?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|c| is_example_of(c, name))
        .collect();
    found.sort();
    found.into_iter().next()
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
    let ignored = path
        .parent()
        .and_then(|d| std::fs::read_to_string(d.join(".gitignore")).ok())
        .is_some_and(|g| {
            g.lines().map(str::trim).any(|l| {
                let l = l.trim_start_matches('/');
                l == name || (l.starts_with('*') && name.ends_with(&l[1..]) && l.len() > 1)
            })
        });
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
    let Ok(rd) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in rd.flatten() {
        let Ok(name) = e.file_name().into_string() else {
            continue;
        };
        if !e.file_type().is_ok_and(|t| t.is_file()) || !is_example_of(&name, ".env") {
            continue;
        }
        let Ok(text) = crate::load::project::read_text(&e.path(), 1024 * 1024) else {
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

/// S006 once per variable (the first use reported, every other use a
/// label), and the levels of S006 and S007: documented variables are info,
/// a required variable that looks like a typo of one that is set is an
/// error.
pub fn regroup(diags: &mut Vec<Diagnostic>, documented: &HashSet<String>, env: &Env) {
    let mut first: BTreeMap<String, usize> = BTreeMap::new();
    let mut keep = Vec::with_capacity(diags.len());
    for d in diags.drain(..) {
        let is_use = (d.code == "S006" && d.message.starts_with("variable `"))
            || (d.code == "S007" && d.message.starts_with("required variable `"));
        let Some(name) = variable(&d).filter(|_| is_use) else {
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
    fn comments_that_tell_the_user() {
        let p = Path::new("/nonexistent-dir-for-test/.env");
        assert!(told_to_create(
            p,
            "x:\n  # Set secret keys in the .env file\n"
        ));
        assert!(told_to_create(p, "# cp .env.example .env\n"));
        // Naming the file without telling the user to do anything.
        assert!(!told_to_create(
            p,
            "#   ../.env -> .env (in project root)\n"
        ));
        assert!(!told_to_create(p, "services: {}\n"));
    }

    #[test]
    fn typos() {
        assert!(near("DB_PASWORD", "DB_PASSWORD"));
        assert!(near("db_password", "DB_PASSWORD"));
        assert!(!near("TZ", "T"));
        assert!(!near("ROUTER", "ROUTES_X"));
    }
}
