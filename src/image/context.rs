//! The local build context as `COPY`/`ADD` see it: what a directory holds
//! (names, kinds, modes), with `.dockerignore` applied as BuildKit does.

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};

use super::facts::PathKind;

/// The rules of a context's `.dockerignore` (last matching rule wins; a
/// path is left out when it, or a directory above it, is left out).
#[derive(Debug, Default)]
pub struct Ignore {
    rules: Vec<(GlobMatcher, bool)>,
}

impl Ignore {
    /// Reads `ctx/.dockerignore`. `None` when a rule cannot be read (the
    /// listing is then not known).
    pub fn load(ctx: &Path) -> Option<Ignore> {
        let text = match std::fs::read_to_string(ctx.join(".dockerignore")) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Some(Ignore::default()),
            Err(_) => return None,
        };
        Ignore::parse(&text)
    }

    pub fn parse(text: &str) -> Option<Ignore> {
        let mut rules = Vec::new();
        for line in text.lines() {
            let l = line.trim();
            if l.is_empty() || l.starts_with('#') {
                continue;
            }
            let (negate, pat) = match l.strip_prefix('!') {
                Some(p) => (true, p.trim()),
                None => (false, l),
            };
            let clean = super::facts::normalize(pat);
            let clean = clean.trim_start_matches('/');
            if clean.is_empty() {
                continue;
            }
            let g = GlobBuilder::new(clean)
                .literal_separator(true)
                .backslash_escape(true)
                .build()
                .ok()?;
            rules.push((g.compile_matcher(), negate));
        }
        Some(Ignore { rules })
    }

    /// Whether `rel` (relative to the context, `/`-separated) is left out.
    pub fn ignored(&self, rel: &str) -> bool {
        if self.rules.is_empty() {
            return false;
        }
        let mut out = false;
        for (g, negate) in &self.rules {
            // The path itself or one of its parent directories.
            let mut hit = g.is_match(rel);
            if !hit {
                let mut cur = rel;
                while let Some(i) = cur.rfind('/') {
                    cur = &cur[..i];
                    if g.is_match(cur) {
                        hit = true;
                        break;
                    }
                }
            }
            if hit {
                out = !negate;
            }
        }
        out
    }
}

/// One entry below a copied directory.
#[derive(Clone, Debug, PartialEq)]
pub struct Listed {
    /// Relative to the copied directory.
    pub rel: String,
    pub kind: PathKind,
    pub mode: u32,
    pub link: Option<String>,
}

/// Everything below `ctx/rel_dir` that a `COPY` copies, in path order, or
/// `None` when it cannot be listed (unreadable, more than `limit` entries,
/// a `.dockerignore` not read).
pub fn list(ctx: &Path, rel_dir: &str, limit: usize) -> Option<Vec<Listed>> {
    let ignore = Ignore::load(ctx)?;
    let base_rel = super::facts::normalize(rel_dir);
    let base_rel = base_rel.trim_start_matches('/').to_string();
    let root: PathBuf = if base_rel.is_empty() {
        ctx.to_path_buf()
    } else {
        ctx.join(&base_rel)
    };
    let mut out = Vec::new();
    let mut stack = vec![(root, String::new())];
    while let Some((dir, rel)) = stack.pop() {
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        names.sort();
        for n in names {
            let name = n.to_str()?.to_string();
            let child_rel = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            let ctx_rel = if base_rel.is_empty() {
                child_rel.clone()
            } else {
                format!("{base_rel}/{child_rel}")
            };
            if ignore.ignored(&ctx_rel) {
                continue;
            }
            let p = dir.join(&name);
            let meta = std::fs::symlink_metadata(&p).ok()?;
            let ft = meta.file_type();
            let (kind, link) = if ft.is_symlink() {
                (
                    PathKind::Symlink,
                    Some(std::fs::read_link(&p).ok()?.to_str()?.to_string()),
                )
            } else if ft.is_dir() {
                (PathKind::Dir, None)
            } else if ft.is_file() {
                (PathKind::File, None)
            } else {
                (PathKind::Other, None)
            };
            out.push(Listed {
                rel: child_rel.clone(),
                kind,
                mode: mode_of(&meta),
                link,
            });
            if out.len() > limit {
                return None;
            }
            if kind == PathKind::Dir {
                stack.push((p, child_rel));
            }
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    Some(out)
}

#[cfg(unix)]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    meta.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn mode_of(meta: &std::fs::Metadata) -> u32 {
    if meta.is_dir() {
        0o755
    } else {
        0o644
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dockerignore_rules() {
        let ig = Ignore::parse("# c\nnode_modules\n*.log\n!keep.log\n/build/**\n.git\n").unwrap();
        assert!(ig.ignored("node_modules"));
        assert!(ig.ignored("node_modules/x/y.js"));
        assert!(ig.ignored("a.log"));
        assert!(!ig.ignored("keep.log"));
        assert!(!ig.ignored("sub/a.log"), "`*` does not cross `/`");
        assert!(ig.ignored("build/x"));
        assert!(ig.ignored(".git/HEAD"));
        assert!(!ig.ignored("src/main.rs"));
        let ig = Ignore::parse("**/*.tmp\n").unwrap();
        assert!(ig.ignored("a/b/c.tmp"));
        assert!(ig.ignored("c.tmp"));
    }

    #[test]
    fn listing_honours_dockerignore() {
        let d = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(d.path().join("src/sub")).unwrap();
        std::fs::create_dir_all(d.path().join("node_modules/m")).unwrap();
        std::fs::write(d.path().join("src/sub/a.txt"), "a").unwrap();
        std::fs::write(d.path().join("run.sh"), "#!/bin/sh\n").unwrap();
        std::fs::write(d.path().join(".dockerignore"), "node_modules\n").unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                d.path().join("run.sh"),
                std::fs::Permissions::from_mode(0o755),
            )
            .unwrap();
        }
        let l = list(d.path(), ".", 100).unwrap();
        let names: Vec<&str> = l.iter().map(|e| e.rel.as_str()).collect();
        assert_eq!(
            names,
            vec![".dockerignore", "run.sh", "src", "src/sub", "src/sub/a.txt"]
        );
        #[cfg(unix)]
        assert_eq!(l[1].mode, 0o755);
        let l = list(d.path(), "src", 100).unwrap();
        assert_eq!(l[0].rel, "sub");
        assert!(list(d.path(), ".", 2).is_none());
    }
}
