//! Base layouts: the root file systems images start from
//! (`rules/images/base/<name>.txt`, format in `rules/images/base/README.md`),
//! read from real roots (Debian's and Ubuntu's packages through debootstrap,
//! Alpine's baselayout package, BusyBox's build). A directory marked
//! complete lists every entry, so whatever else is asked about there is
//! absent.

use std::sync::{Arc, OnceLock};

use crate::fasthash::Map;

use super::facts::{
    dir_prefix, Content, Entry, Evidence, Filesystem, GroupEntry, PathKind, UserEntry,
};

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

static PARSED: OnceLock<Map<String, OnceLock<Option<Arc<Layout>>>>> = OnceLock::new();

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
    // The listed paths in file order.
    // Sized at once: an entry is large, and growing the list copies it.
    let lines = text.bytes().filter(|&b| b == b'\n').count() + 1;
    let mut listed: Vec<(String, Entry)> = Vec::with_capacity(lines);
    // One line's fields (one vector for all the lines).
    let mut f: Vec<&str> = Vec::new();
    let mut users = Vec::new();
    let mut groups = Vec::new();
    let mut users_complete = false;
    let mut users_known_from = None;
    for (n, line) in text.lines().enumerate() {
        let err = |what: &str| format!("rules/images/base/{name}.txt:{}: {what}", n + 1);
        if let Some(s) = line.strip_prefix("# source: ") {
            source = s.trim().to_string();
            continue;
        }
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        f.clear();
        split_fields(line, &mut f);
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
                // The path as last listed (few lines say `contains`).
                let e = listed
                    .iter_mut()
                    .rev()
                    .find(|(p, _)| p == f[1])
                    .map(|(_, e)| e)
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
                let path = super::facts::normalize(path);
                listed.push((path, e));
            }
            _ => return Err(err("unknown line")),
        }
    }
    let fs = filesystem_of(listed, &ev);
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

/// `line.split(' ')` into `fields`, by bytes: a layout's lines are short,
/// and a search per space costs more than reading them.
fn split_fields<'a>(line: &'a str, fields: &mut Vec<&'a str>) {
    let mut start = 0;
    for (i, b) in line.bytes().enumerate() {
        if b == b' ' {
            // A space is ASCII: both ends are char boundaries.
            fields.push(&line[start..i]);
            start = i + 1;
        }
    }
    fields.push(&line[start..]);
}

/// The file system of the entries a layout lists (normalized paths, in
/// file order): a path listed twice is what it was listed as last, every
/// parent not listed is a directory with evidence `ev`, and a complete
/// directory holds entries or is empty. What inserting them one by one
/// gives (`Filesystem::insert`), built at once from the sorted list.
fn filesystem_of(mut listed: Vec<(String, Entry)>, ev: &Evidence) -> Filesystem {
    // Stable: of one path's entries, the last listed comes last.
    listed.sort_by(|a, b| a.0.cmp(&b.0));
    let mut sorted: Vec<(String, Entry)> = Vec::with_capacity(listed.len());
    for item in listed {
        match sorted.last_mut() {
            Some(last) if last.0 == item.0 => *last = item,
            _ => sorted.push(item),
        }
    }
    let has = |sorted: &[(String, Entry)], p: &str| {
        sorted.binary_search_by(|(k, _)| k.as_str().cmp(p)).is_ok()
    };
    let mut implied: Vec<String> = Vec::new();
    for (path, _) in &sorted {
        let mut cur = super::facts::parent_of(path);
        while let Some(p) = cur {
            if has(&sorted, p) || implied.iter().any(|i| i == p) {
                break;
            }
            implied.push(p.to_string());
            cur = super::facts::parent_of(p);
        }
    }
    if !implied.is_empty() {
        sorted.extend(
            implied
                .into_iter()
                .map(|p| (p, Entry::new(Some(PathKind::Dir), ev.clone()))),
        );
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
    }
    // A complete directory with no entries is empty. Its children sort
    // together from `dir/` on (`/a-b` sorts between `/a` and `/a/x`).
    for i in 0..sorted.len() {
        if !sorted[i].1.children_complete {
            continue;
        }
        let dir = &sorted[i].0;
        let prefix = dir_prefix(dir);
        let from = sorted.partition_point(|(k, _)| k.as_str() < prefix.as_str());
        let has_child = sorted
            .get(from)
            .is_some_and(|(k, _)| k.starts_with(&prefix));
        sorted[i].1.content = Some(if has_child {
            Content::Entries
        } else {
            Content::Empty
        });
    }
    Filesystem {
        entries: sorted.into_iter().collect(),
        ..Filesystem::default()
    }
}

/// The layout's file system with every entry's evidence set to `ev`.
pub fn filesystem_with(layout: &Layout, ev: &Evidence) -> Filesystem {
    // Cloned, then re-cited: the map's clone copies its nodes as they are,
    // which costs less than rebuilding it from the entries (measured).
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

    /// [`filesystem_of`] inserting the entries one by one, in file order,
    /// then marking complete directories: the obvious way.
    fn filesystem_by_insert(listed: &[(String, Entry)], ev: &Evidence) -> Filesystem {
        let implied = |_: &str| Entry::new(Some(PathKind::Dir), ev.clone());
        let mut fs = Filesystem::default();
        for (path, e) in listed {
            fs.insert(path, e.clone(), &implied);
        }
        let dirs: Vec<String> = fs
            .entries
            .iter()
            .filter(|(_, e)| e.children_complete)
            .map(|(k, _)| k.clone())
            .collect();
        for d in dirs {
            let prefix = dir_prefix(&d);
            let has_child = fs
                .entries
                .range(prefix.clone()..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(&prefix));
            fs.entries.get_mut(&d).unwrap().content = Some(if has_child {
                Content::Entries
            } else {
                Content::Empty
            });
        }
        fs
    }

    fn same_fs(a: &Filesystem, b: &Filesystem) -> bool {
        format!("{:?}", a.entries) == format!("{:?}", b.entries)
            && a.absent.is_empty()
            && b.absent.is_empty()
            && a.complete.is_none()
            && b.complete.is_none()
            && a.unknown.is_empty()
            && b.unknown.is_empty()
    }

    /// The layout's file system built at once is the one inserting its
    /// entries one by one builds: for every embedded layout, and for lists
    /// out of order, with a path listed twice, with parents not listed,
    /// with `/a-b` sorting between `/a` and `/a/x`, and with empty
    /// complete directories.
    #[test]
    fn filesystem_of_is_inserting_one_by_one() {
        let ev = Evidence::Builtin {
            file: "rules/images/base/test.txt".into(),
            repository: "test".into(),
            tag_pattern: "base layout".into(),
            source_url: "".into(),
        };
        let entry = |kind: PathKind, complete: bool, mode: u32| {
            let mut e = Entry::new(Some(kind), ev.clone());
            e.children_complete = complete;
            e.mode = Some(mode);
            e
        };
        let mut cases: Vec<Vec<(String, Entry)>> = Vec::new();
        for (name, text) in embedded() {
            let mut listed = Vec::new();
            for line in text.lines() {
                let f: Vec<&str> = line.split(' ').collect();
                if let ["D" | "d" | "f" | "l" | "o" | "?", _, _, path, ..] = f[..] {
                    let kind = if f[0] == "f" {
                        PathKind::File
                    } else {
                        PathKind::Dir
                    };
                    listed.push((path.to_string(), entry(kind, f[0] == "D", 0o755)));
                }
            }
            assert!(listed.len() > 5, "{name}");
            let mut reversed = listed.clone();
            reversed.reverse();
            cases.push(listed);
            cases.push(reversed);
        }
        let d = |p: &str, complete: bool, mode: u32| {
            (p.to_string(), entry(PathKind::Dir, complete, mode))
        };
        let f = |p: &str| (p.to_string(), entry(PathKind::File, false, 0o644));
        cases.push(vec![
            d("/", true, 0o755),
            d("/a", true, 0o700),
            f("/a-b"),
            d("/a/x", true, 0o755),
            d("/e", true, 0o755),
            f("/deep/er/file"),
            d("/a", true, 0o711),
            d("/deep", false, 0o750),
        ]);
        cases.push(vec![f("/only/a/file"), d("/only", true, 0o755)]);
        cases.push(vec![d("/", true, 0o755)]);
        cases.push(vec![]);
        for listed in cases {
            let fast = filesystem_of(listed.clone(), &ev);
            let slow = filesystem_by_insert(&listed, &ev);
            assert!(
                same_fs(&fast, &slow),
                "{:?}\n{:?}",
                fast.entries.keys(),
                slow.entries.keys()
            );
        }
    }

    /// Every embedded layout's file system as an image cites it: the
    /// layout's, with every entry's evidence replaced.
    #[test]
    fn filesystem_with_is_the_layout_recited() {
        let ev = Evidence::Builtin {
            file: "rules/images/base/x.txt".into(),
            repository: "docker.io/library/x".into(),
            tag_pattern: "1.*".into(),
            source_url: "https://example.com".into(),
        };
        for (name, _) in embedded() {
            let l = get(name).expect("parses");
            let mut expected = l.fs.clone();
            for e in expected.entries.values_mut() {
                e.evidence = ev.clone();
            }
            let got = filesystem_with(&l, &ev);
            assert_eq!(format!("{got:?}"), format!("{expected:?}"), "{name}");
        }
    }

    /// Fields split by bytes are `split(' ')`'s, on every line of every
    /// embedded layout and on empty fields, ends and non-ASCII text.
    #[test]
    fn fields_are_split_as_by_spaces() {
        let odd = [
            "",
            " ",
            "  a",
            "a  b ",
            "é b",
            "d 0755 0:0 /x é/y",
            "a\tb c",
        ];
        for line in embedded().iter().flat_map(|(_, t)| t.lines()).chain(odd) {
            let mut f = Vec::new();
            split_fields(line, &mut f);
            assert_eq!(f, line.split(' ').collect::<Vec<_>>(), "{line:?}");
        }
    }

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
