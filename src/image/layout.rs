//! Base layouts: the root file systems images start from
//! (`rules/images/base/<name>.txt`, format in `rules/images/base/README.md`),
//! read from real roots (Debian's and Ubuntu's packages through debootstrap,
//! Alpine's baselayout package, BusyBox's build). A directory marked
//! complete lists every entry, so whatever else is asked about there is
//! absent.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use super::facts::{Content, Entry, Evidence, Filesystem, GroupEntry, PathKind, UserEntry};

/// One parsed layout.
#[derive(Clone, Debug)]
pub struct Layout {
    pub name: String,
    /// The `# source:` line.
    pub source: String,
    pub fs: Filesystem,
    pub users: Vec<UserEntry>,
    pub groups: Vec<GroupEntry>,
    /// `/etc/passwd` is complete.
    pub users_complete: bool,
    /// `/etc/passwd` and `/etc/group` are complete for ids at and above
    /// this (`users known-from 1000`): the entries listed there are all.
    pub users_known_from: Option<u32>,
}

/// The embedded layouts' texts, by name.
pub fn embedded() -> &'static [(&'static str, &'static str)] {
    super::builtin::embedded_layouts()
}

static PARSED: OnceLock<HashMap<String, OnceLock<Option<Arc<Layout>>>>> = OnceLock::new();

/// The embedded layout `name`, parsed on first use.
pub fn get(name: &str) -> Option<Arc<Layout>> {
    let map = PARSED.get_or_init(|| {
        embedded()
            .iter()
            .map(|(n, _)| (n.to_string(), OnceLock::new()))
            .collect()
    });
    map.get(name)?
        .get_or_init(|| {
            let text = embedded().iter().find(|(n, _)| *n == name)?.1;
            parse(name, text).ok().map(Arc::new)
        })
        .clone()
}

/// Parses a layout. Evidence of every entry: the facts file that uses it is
/// not known here, so entries carry `evidence` as given.
pub fn parse(name: &str, text: &str) -> Result<Layout, String> {
    let ev = Evidence::Builtin {
        file: format!("rules/images/base/{name}.txt").into(),
        repository: name.into(),
        tag_pattern: "base layout".into(),
        source_url: "".into(),
    };
    let mut source = String::new();
    let mut fs = Filesystem::default();
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut users_complete = false;
    let mut users_known_from = None;
    let implied = |_: &str| Entry::new(Some(PathKind::Dir), ev.clone());
    for (n, line) in text.lines().enumerate() {
        let err = |what: &str| format!("rules/images/base/{name}.txt:{}: {what}", n + 1);
        if let Some(s) = line.strip_prefix("# source: ") {
            source = s.trim().to_string();
            continue;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let f: Vec<&str> = line.split(' ').collect();
        match f[0] {
            "users" if f.get(1) == Some(&"complete") => users_complete = true,
            "users" if f.len() == 3 && f[1] == "known-from" => {
                users_known_from = Some(f[2].parse().map_err(|_| err("users known-from"))?);
            }
            "user" if f.len() == 5 => {
                users.push(UserEntry {
                    name: f[1].to_string(),
                    uid: Some(f[2].parse().map_err(|_| err("uid"))?),
                    gid: Some(f[3].parse().map_err(|_| err("gid"))?),
                    home: Some(f[4].to_string()),
                    evidence: ev.clone(),
                });
            }
            "group" if f.len() == 3 => groups.push(GroupEntry {
                name: f[1].to_string(),
                gid: Some(f[2].parse().map_err(|_| err("gid"))?),
                evidence: ev.clone(),
            }),
            // `contains PATH TEXT`: the file listed at PATH holds TEXT (the
            // rest of the line) somewhere in it.
            "contains" if f.len() >= 3 => {
                let text = f[2..].join(" ");
                let e = fs
                    .entries
                    .get_mut(f[1])
                    .filter(|e| e.kind == Some(PathKind::File))
                    .ok_or_else(|| err("`contains` names a file not listed before it"))?;
                e.contains = Some(text);
            }
            k @ ("D" | "d" | "f" | "l" | "o" | "?") if f.len() >= 4 => {
                let kind = match k {
                    "D" | "d" => Some(PathKind::Dir),
                    "f" => Some(PathKind::File),
                    "l" => Some(PathKind::Symlink),
                    "o" => Some(PathKind::Other),
                    _ => None,
                };
                let mut e = Entry::new(kind, ev.clone());
                if f[1] != "-" {
                    e.mode = Some(u32::from_str_radix(f[1], 8).map_err(|_| err("mode"))?);
                }
                if f[2] != "-" {
                    let (u, g) = f[2].split_once(':').ok_or_else(|| err("owner"))?;
                    e.uid = Some(u.parse().map_err(|_| err("uid"))?);
                    e.gid = Some(g.parse().map_err(|_| err("gid"))?);
                }
                let path = f[3];
                if !path.starts_with('/') {
                    return Err(err("path not absolute"));
                }
                if k == "l" {
                    e.link = Some(f.get(4).ok_or_else(|| err("symlink target"))?.to_string());
                }
                e.children_complete = k == "D";
                fs.insert(path, e, &implied);
            }
            _ => return Err(err("unknown line")),
        }
    }
    // A complete directory with no entries is empty.
    let dirs: Vec<String> = fs
        .entries
        .iter()
        .filter(|(_, e)| e.children_complete)
        .map(|(k, _)| k.clone())
        .collect();
    for d in dirs {
        let prefix = if d == "/" {
            "/".to_string()
        } else {
            format!("{d}/")
        };
        let has_child = fs
            .entries
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix));
        if let Some(e) = fs.entries.get_mut(&d) {
            e.content = Some(if has_child {
                Content::Entries
            } else {
                Content::Empty
            });
        }
    }
    Ok(Layout {
        name: name.to_string(),
        source,
        fs,
        users,
        groups,
        users_complete,
        users_known_from,
    })
}

/// The layout's file system with every entry's evidence set to `ev`.
pub fn filesystem_with(layout: &Layout, ev: &Evidence) -> Filesystem {
    let mut fs = layout.fs.clone();
    for e in fs.entries.values_mut() {
        e.evidence = ev.clone();
    }
    fs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::image::facts::PathFact;

    #[test]
    fn every_embedded_layout_parses() {
        assert!(!embedded().is_empty());
        for (name, text) in embedded() {
            let l = parse(name, text).unwrap_or_else(|e| panic!("{e}"));
            assert!(!l.source.is_empty(), "{name}: no source line");
            assert!(l.users.iter().any(|u| u.name == "root"), "{name}");
        }
    }

    #[test]
    fn debian_root_proves_absence() {
        let l = get("debian-bookworm").expect("debian-bookworm layout");
        assert!(l.fs.query("/data").is_absent());
        assert!(l.fs.query("/home/app").is_absent());
        assert!(l.fs.query("/var/lib/postgresql").is_absent());
        assert!(
            l.fs.query("/bin/bash").exists().is_some(),
            "via the /bin symlink"
        );
        assert!(l.fs.query("/bin/ash").is_absent());
        let root = l.fs.query("/root");
        let r = root.exists().unwrap();
        assert_eq!((r.mode, r.owner().as_deref()), (Some(0o700), Some("0:0")));
        assert!(matches!(
            l.fs.query("/usr/share/x"),
            PathFact::Unknown { .. }
        ));
        assert!(matches!(
            l.fs.query("/etc/hostname"),
            PathFact::Exists(_) | PathFact::Unknown { .. }
        ));
    }
}
