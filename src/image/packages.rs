//! Package installs whose effect is known: `apk add <names>` on an
//! `alpine:<branch>` base, for packages whose dependency closure is
//! recorded in `rules/images/packages/alpine.toml` (with the APKBUILDs it
//! was read from). Such an install writes only the directories the record
//! names; an install of any other package stays unbounded.

use std::sync::OnceLock;

use serde::Deserialize;

const FILE: &str = "rules/images/packages/alpine.toml";
const TEXT: &str = include_str!("../../rules/images/packages/alpine.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PackagesFile {
    package: Vec<Package>,
}

/// One recorded package of one Alpine branch.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    pub branch: String,
    pub name: String,
    /// The package and every package it pulls in.
    pub closure: Vec<String>,
    /// The directories the closure's packages, apk and the triggers write.
    pub writes: Vec<String>,
    /// The APKBUILDs (URL with commit) the closure was read from.
    pub sources: Vec<String>,
}

fn all() -> &'static [Package] {
    static PARSED: OnceLock<Vec<Package>> = OnceLock::new();
    PARSED.get_or_init(|| {
        toml::from_str::<PackagesFile>(TEXT)
            .unwrap_or_else(|e| panic!("{FILE}: {e}"))
            .package
    })
}

/// The file the records come from (for evidence).
pub fn file() -> &'static str {
    FILE
}

/// The Alpine branch (`3.16`) of a base image reference, when it names
/// the official alpine image by a release tag (`alpine:3.16`,
/// `alpine:3.16.2`); `None` for `latest`, `edge` or any other image.
pub fn alpine_branch(reference: &str) -> Option<String> {
    let r = super::reference::Reference::parse(reference)?;
    if r.repository() != "docker.io/library/alpine" || r.digest.is_some() {
        return None;
    }
    let tag = r.tag.as_deref()?;
    let parts: Vec<&str> = tag.split('.').collect();
    let numeric = |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit());
    if !(2..=3).contains(&parts.len()) || !parts.iter().all(numeric) {
        return None;
    }
    Some(format!("{}.{}", parts[0], parts[1]))
}

/// What an `apk add` of `names` on `branch` may write: the union of the
/// records' `writes`, and the records; `None` when a name is not recorded.
pub fn apk_add(branch: &str, names: &[String]) -> Option<(Vec<String>, Vec<&'static Package>)> {
    if names.is_empty() {
        return None;
    }
    let mut writes: Vec<String> = Vec::new();
    let mut used = Vec::new();
    for n in names {
        let p = all().iter().find(|p| p.branch == branch && &p.name == n)?;
        for w in &p.writes {
            if !writes.contains(w) {
                writes.push(w.clone());
            }
        }
        used.push(p);
    }
    writes.sort();
    Some((writes, used))
}

/// The package names of `apk add [options] <names>`, when every word is a
/// plain package name or a known option that changes nothing about what
/// is installed (`--no-cache`, `-U`...). `None` for anything else: another
/// repository (`-X`), a virtual package, a version constraint, a world
/// change (`--upgrade`), a file.
pub fn apk_add_names(argv: &[String]) -> Option<Vec<String>> {
    let (prog, rest) = argv.split_first()?;
    if prog.rsplit('/').next() != Some("apk") {
        return None;
    }
    let mut seen_add = false;
    let mut names = Vec::new();
    for a in rest {
        match a.as_str() {
            "--no-cache" | "-U" | "--update" | "--update-cache" | "-q" | "--quiet" | "-v"
            | "--verbose" | "--no-progress" | "--clean-protected" => {}
            "add" if !seen_add => seen_add = true,
            s if s.starts_with('-') => return None,
            _ if !seen_add => return None,
            s => {
                let plain = s
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.+".contains(c))
                    && s.chars().next().is_some_and(|c| c.is_ascii_alphanumeric());
                if !plain {
                    return None;
                }
                names.push(s.to_string());
            }
        }
    }
    (seen_add && !names.is_empty()).then_some(names)
}

/// `apk update` fetches the indexes of the configured repositories
/// (apk-update(8)); they go to apk's cache and state, nothing is installed.
/// https://github.com/alpinelinux/apk-tools/blob/4856ddff31cf4f8d087ff6065b0b7311683ed883/doc/apk-update.8.scd
pub const APK_UPDATE_WRITES: &[&str] = &["/etc/apk", "/lib/apk", "/var/cache/apk"];

/// `apk update`, with only options that change nothing about what it does.
pub fn is_apk_update(argv: &[String]) -> bool {
    let Some((prog, rest)) = argv.split_first() else {
        return false;
    };
    if prog.rsplit('/').next() != Some("apk") {
        return false;
    }
    let mut update = false;
    for a in rest {
        match a.as_str() {
            "-q" | "--quiet" | "-v" | "--verbose" | "--no-progress" => {}
            "update" if !update => update = true,
            _ => return false,
        }
    }
    update
}

#[cfg(test)]
mod tests {
    use super::*;

    fn argv(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn the_file_parses_and_every_record_cites_an_apkbuild_at_a_commit() {
        assert!(!all().is_empty());
        for p in all() {
            assert!(p.closure.contains(&p.name), "{}", p.name);
            assert!(!p.sources.is_empty(), "{}", p.name);
            for s in &p.sources {
                let commit = s
                    .strip_prefix("https://github.com/alpinelinux/aports/blob/")
                    .and_then(|r| r.split('/').next())
                    .unwrap_or("");
                assert!(
                    commit.len() == 40 && s.ends_with("/APKBUILD"),
                    "{}: {s}",
                    p.name
                );
            }
            // A record that wrote /bin or / could not keep a program absent.
            for w in &p.writes {
                assert!(w != "/" && w != "/bin" && w != "/sbin", "{}: {w}", p.name);
            }
        }
    }

    #[test]
    fn branch_of_the_alpine_reference() {
        assert_eq!(alpine_branch("alpine:3.16").as_deref(), Some("3.16"));
        assert_eq!(
            alpine_branch("docker.io/library/alpine:3.20.3").as_deref(),
            Some("3.20")
        );
        assert_eq!(alpine_branch("alpine"), None);
        assert_eq!(alpine_branch("alpine:latest"), None);
        assert_eq!(alpine_branch("alpine:edge"), None);
        assert_eq!(alpine_branch("python:3.16"), None);
        assert_eq!(alpine_branch("myorg/alpine:3.16"), None);
    }

    #[test]
    fn names_of_plain_apk_add_only() {
        assert_eq!(
            apk_add_names(&argv("apk add --no-cache curl")),
            Some(vec!["curl".to_string()])
        );
        assert_eq!(
            apk_add_names(&argv("apk --no-cache add curl jq")),
            Some(vec!["curl".to_string(), "jq".to_string()])
        );
        for s in [
            "apk add --virtual .deps curl",
            "apk add curl=7.83.1-r4",
            "apk add -X https://example.org/repo curl",
            "apk add --upgrade curl",
            "apk del curl",
            "apk add",
            "apk update",
            "apk add ./local.apk",
        ] {
            assert_eq!(apk_add_names(&argv(s)), None, "{s}");
        }
    }

    #[test]
    fn apk_update_alone() {
        assert!(is_apk_update(&argv("apk update")));
        assert!(is_apk_update(&argv("/sbin/apk -q update")));
        assert!(!is_apk_update(&argv("apk update curl")));
        assert!(!is_apk_update(&argv("apk upgrade")));
        assert!(!is_apk_update(&argv("apk -X https://example.org/r update")));
    }

    #[test]
    fn only_recorded_names_on_their_branch() {
        let names = |s: &str| argv(s);
        let (writes, used) = apk_add("3.16", &names("curl")).expect("recorded");
        assert_eq!(used.len(), 1);
        assert!(!writes.iter().any(|w| w == "/bin"));
        assert!(apk_add("3.16", &names("curl bash")).is_none());
        assert!(apk_add("3.17", &names("curl")).is_none());
        assert!(apk_add("3.20", &names("docker-cli")).is_some());
    }
}
