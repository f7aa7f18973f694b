//! The generator of built-in facts files: `rules/images/<repo>.toml` from
//! recorded sources (`rules/images/sources/`: the upstream build
//! directories, each with its repository, commit and tags in
//! `MANIFEST.tsv`), evaluated by the same Dockerfile reader that reads the
//! users' Dockerfiles, on top of the base layouts.
//!
//! Run it with `UPDATE_FACTS=1 cargo test --test image_facts_generated`;
//! without the variable, that test regenerates every file and fails when a
//! committed file differs.
//!
//! One recipe per repository (`rules/images/sources/<repo>.recipe.toml`)
//! names its MANIFEST image, and adds the facts a Dockerfile does not show
//! (read from the entrypoint script, cited in `curated_source`), and the
//! hand-written variants of older tags that the sources do not cover.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;

use super::builtin::{parse_file, Catalog, Lookup};
use super::dockerfile::{self, BuildOptions};
use super::facts::{Content, Evidence, Filesystem, Image, ImageCommand, PathKind};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    pub repository: String,
    #[serde(default)]
    pub aliases: Vec<String>,
    /// What the image is (`database`, `cache`, `broker`, `web`, `tool`),
    /// for every tag: the security rules read it (C111).
    #[serde(default)]
    pub kind: Option<String>,
    /// The image's name in MANIFEST.tsv.
    pub manifest: String,
    /// Facts read from the entrypoint (TOML lines added to every variant
    /// whose Dockerfile sets the entrypoint named in `when_entrypoint`, or
    /// to all when it is empty).
    #[serde(default)]
    pub curated: Vec<Curated>,
    /// A file (in the sources directory) of hand-written variants appended
    /// after the generated ones: older tags the sources do not cover.
    #[serde(default)]
    pub legacy: Option<String>,
    /// Root file system tarballs that are a base layout (`ADD <archive> /`
    /// on `FROM scratch`), each with where that pairing was read.
    #[serde(default)]
    pub rootfs: Vec<RootFs>,
    /// Build arguments the upstream build passes (`--build-arg NAME=...`)
    /// whose values are not recorded: what they set is unknown rather than
    /// the Dockerfile's default or empty.
    #[serde(default)]
    pub build_args: Vec<String>,
    /// The stage upstream builds (`docker build --target`), when it is not
    /// the last one.
    #[serde(default)]
    pub target: Option<String>,
    /// A build argument the release build sets to the version the image is
    /// tagged with (`docker build -t repo:${V} --build-arg version=${V}`):
    /// each row's value is the leading version of its first tag.
    #[serde(default)]
    pub tag_version_arg: Option<String>,
    /// For a build history (`.md`) recorded from an image built FROM this
    /// one (Red Hat publishes no Dockerfile for UBI; docker-library/repo-info
    /// records the histories of official images built on it): this image's
    /// own instructions end at the first line starting with this text; the
    /// lines after it are the derived image's and are not read.
    #[serde(default)]
    pub history_until: Option<String>,
    /// Directories of the recorded build directory that hold only part of
    /// upstream's (the scripts the build runs): what a `COPY` of them makes
    /// is not known to be complete.
    #[serde(default)]
    pub partial_context: Vec<String>,
}

/// The leading version of a tag (`4.6.0` of `4.6.0-alpine`), if it has one.
fn tag_version(tag: &str) -> Option<&str> {
    let end = tag
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(tag.len());
    let v = tag[..end].trim_end_matches('.');
    (v.contains('.') && v.split('.').all(|p| !p.is_empty())).then_some(v)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RootFs {
    /// Glob over the archive's file name (`alpine-minirootfs-*.tar.gz`).
    pub archive: String,
    /// The base layout (`rules/images/base/<layout>.txt`) it unpacks to.
    pub layout: String,
    /// Where the archive is shown to be that distribution's root (a URL).
    pub source: String,
    /// Only rows with a tag one of these globs matches; none: every row.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// The Dockerfile an OCI image config (`image-config.json`, as
/// debuerreotype publishes Debian's) amounts to: `FROM scratch`, the root
/// tarball, then the config's settings.
fn config_dockerfile(json: &str, rootfs: &str) -> Result<String, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let c = v.get("config").cloned().unwrap_or_default();
    let mut out = format!("FROM scratch\nADD {rootfs} /\n");
    for e in c
        .get("Env")
        .and_then(|e| e.as_array())
        .into_iter()
        .flatten()
    {
        let Some((k, val)) = e.as_str().and_then(|e| e.split_once('=')) else {
            return Err(format!("config Env entry {e}"));
        };
        let _ = writeln!(out, "ENV {k}={}", serde_json::Value::String(val.into()));
    }
    if let Some(u) = c
        .get("User")
        .and_then(|u| u.as_str())
        .filter(|u| !u.is_empty())
    {
        let _ = writeln!(out, "USER {u}");
    }
    if let Some(w) = c
        .get("WorkingDir")
        .and_then(|w| w.as_str())
        .filter(|w| !w.is_empty())
    {
        let _ = writeln!(out, "WORKDIR {w}");
    }
    for (key, kw) in [("Entrypoint", "ENTRYPOINT"), ("Cmd", "CMD")] {
        // An empty list is the scratch default (none), as a config says it.
        if let Some(a) = c
            .get(key)
            .filter(|a| a.as_array().is_some_and(|l| !l.is_empty()))
        {
            let _ = writeln!(out, "{kw} {a}");
        }
    }
    Ok(out)
}

/// The image config that bitnami/minideb's `import` script loads its root
/// tarball with (`CONF_TEMPLATE='...'`, placeholders in strings only): the
/// image has no Dockerfile, `buildone` runs `mkimage` then `import`.
fn import_script_config(script: &str) -> Result<&str, String> {
    script
        .lines()
        .find_map(|l| l.strip_prefix("CONF_TEMPLATE='")?.strip_suffix('\''))
        .ok_or_else(|| "no CONF_TEMPLATE='...' line".to_string())
}

/// The Dockerfile a docker-library/repo-info page (`repos/<image>/remote/<tag>.md`)
/// shows for an image built outside GitHub (Ubuntu's, from Launchpad): the
/// build history of its first platform, as `FROM scratch` and the recorded
/// instructions, with `ADD file:<digest> in /` (or `COPY dir:<digest> in /`)
/// read as the root tarball. With `until`, the history is a derived image's
/// and only the lines up to the first one starting with `until` are read.
/// `root_known` says whether the root tarball is a base layout: when it is
/// not, the whole file system is unknown after it, and the history's later
/// copies of unnamed files (`ADD file:<digest> in /etc/x`) change nothing
/// known, so they are left out; on a known root they are an error.
fn history_dockerfile(
    md: &str,
    rootfs: &str,
    until: Option<&str>,
    root_known: bool,
) -> Result<String, String> {
    let block = md
        .split("```dockerfile\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .filter(|b| !b.trim().is_empty())
        .ok_or("no build history (```dockerfile block)")?;
    let mut out = String::from("FROM scratch\n");
    let mut root = false;
    let mut ended = until.is_none();
    for line in block.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let copy = line.starts_with("ADD ") || line.starts_with("COPY ");
        let unnamed = ["file:", "dir:", "multi:"].iter().any(|k| {
            line.split_whitespace()
                .nth(1)
                .is_some_and(|w| w.starts_with(k))
        });
        if copy && unnamed && line.ends_with(" in /") && !root {
            let _ = writeln!(out, "ADD {rootfs} /");
            root = true;
        } else if copy && unnamed && root && !root_known {
            // Under a root whose content is not known: nothing to change.
        } else if copy {
            return Err(format!("a copy the history does not name: {line}"));
        } else {
            let _ = writeln!(out, "{line}");
        }
        if until.is_some_and(|u| line.starts_with(u)) {
            ended = true;
            break;
        }
    }
    if !ended {
        return Err(format!(
            "the history has no line starting with `{}`",
            until.unwrap_or_default()
        ));
    }
    Ok(out)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Curated {
    /// Only variants with a tag that one of these globs matches (the first
    /// matching entry applies); none: every variant.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Where these facts were read (an https URL with a commit).
    pub source: String,
    /// TOML `key = value` lines (variant fields).
    pub facts: String,
}

/// One MANIFEST row.
#[derive(Clone, Debug)]
pub struct Row {
    pub image: String,
    pub tags: Vec<String>,
    pub repo: String,
    pub commit: String,
    /// The MANIFEST's remark on the commit ("library names ..."), if any.
    pub remark: Option<String>,
    pub directory: String,
    pub dockerfile: String,
    pub local_path: String,
}

pub fn read_manifest(text: &str) -> Vec<Row> {
    let mut out = Vec::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 8 {
            continue;
        }
        let (commit, remark) = match f[4].split_once(' ') {
            Some((c, r)) => (
                c.to_string(),
                Some(r.trim_matches(['(', ')']).trim().to_string()),
            ),
            None => (f[4].to_string(), None),
        };
        out.push(Row {
            image: f[0].to_string(),
            tags: f[1].split(',').map(|t| t.trim().to_string()).collect(),
            repo: f[3].to_string(),
            commit,
            remark,
            directory: f[5].to_string(),
            dockerfile: f[6].to_string(),
            local_path: f[7].to_string(),
        });
    }
    out
}

/// Tag patterns for a row: its tags, plus `?`/`??` for the last version
/// component of a full version, so that `18.5` finds the `18.6` facts.
fn patterns(tags: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: String| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for t in tags {
        push(t.clone());
    }
    for t in tags {
        // The leading version: digits and dots.
        let end = t
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(t.len());
        let (ver, rest) = t.split_at(end);
        let parts: Vec<&str> = ver.split('.').collect();
        if parts.len() >= 3 && parts.iter().all(|p| !p.is_empty()) {
            let head = parts[..parts.len() - 1].join(".");
            push(format!("{head}.?{rest}"));
            push(format!("{head}.??{rest}"));
        }
    }
    out
}

fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(v: &[String]) -> String {
    format!(
        "[{}]",
        v.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
    )
}

/// The generated file of one repository, or an error naming what failed.
pub fn generate_one(
    sources: &Path,
    recipe: &Recipe,
    rows: &[Row],
    catalog: &Catalog,
) -> Result<String, String> {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# GENERATED by src/image/generate.rs from rules/images/sources/ (recipe: {}.recipe.toml).\n# Do not edit: change the recipe or the sources, then `UPDATE_FACTS=1 cargo test --test image_facts_generated`.",
        file_stem(&recipe.repository)
    );
    let _ = writeln!(out, "repository = {}", q(&recipe.repository));
    if !recipe.aliases.is_empty() {
        let _ = writeln!(out, "aliases = {}", list(&recipe.aliases));
    }
    if let Some(k) = &recipe.kind {
        let _ = writeln!(out, "kind = {}", q(k));
    }
    let mut mine: Vec<&Row> = rows.iter().filter(|r| r.image == recipe.manifest).collect();
    // Rows built FROM this same repository come last (in their order), so
    // that the rows they name are made first.
    let own_repo = super::reference::Reference::parse(&recipe.repository).map(|r| r.repository());
    let from_own = |row: &Row| -> bool {
        let Ok(text) = std::fs::read_to_string(sources.join(&row.local_path).join(&row.dockerfile))
        else {
            return false;
        };
        dockerfile::parse(&text).instructions.iter().any(|i| {
            i.keyword == "FROM"
                && i.args
                    .split_whitespace()
                    .find(|w| !w.starts_with("--"))
                    .and_then(super::reference::Reference::parse)
                    .map(|r| r.repository())
                    == own_repo
        })
    };
    mine.sort_by_key(|r| from_own(r));
    if mine.is_empty() {
        return Err(format!(
            "{}: no MANIFEST rows for `{}`",
            recipe.repository, recipe.manifest
        ));
    }
    // Rows with the same output become one variant.
    let mut variants: Vec<(Vec<String>, String)> = Vec::new();
    let mut skipped: Vec<String> = Vec::new();
    // Images of this recipe made so far (a variant built FROM another one).
    let mut made: Vec<(Vec<String>, Image)> = Vec::new();
    let own = super::reference::Reference::parse(&recipe.repository).map(|r| r.repository());
    for row in mine {
        if row.dockerfile.contains("windows") || row.local_path.contains("windows") {
            continue;
        }
        let dir = sources.join(&row.local_path);
        let df_path = dir.join(&row.dockerfile);
        let Ok(text) = std::fs::read_to_string(&df_path) else {
            return Err(format!("{}: cannot read", df_path.display()));
        };
        let rootfs: Vec<(String, String)> = recipe
            .rootfs
            .iter()
            .filter(|r| {
                r.tags.is_empty()
                    || r.tags.iter().any(|g| {
                        row.tags
                            .iter()
                            .any(|t| super::reference::tag_glob_matches(g, t))
                    })
            })
            .map(|r| (r.archive.clone(), r.layout.clone()))
            .collect();
        // An OCI image config instead of a Dockerfile: its root tarball is
        // the one `rootfs` names (a literal name).
        let text = if row.dockerfile.ends_with(".json")
            || row.dockerfile.ends_with(".md")
            || row.dockerfile == "import"
        {
            // A build history may start from a root tarball that is no base
            // layout (UBI's): its name then matches no `rootfs`, and what it
            // unpacks is unknown.
            let archive = match rootfs.first() {
                Some((a, _)) => a.clone(),
                None if row.dockerfile.ends_with(".md") => "rootfs.tar".to_string(),
                None => {
                    return Err(format!(
                        "{}: an image config needs a rootfs",
                        df_path.display()
                    ))
                }
            };
            if row.dockerfile.ends_with(".md") {
                history_dockerfile(
                    &text,
                    &archive,
                    recipe.history_until.as_deref(),
                    !rootfs.is_empty(),
                )
            } else if row.dockerfile == "import" {
                import_script_config(&text).and_then(|c| config_dockerfile(c, &archive))
            } else {
                config_dockerfile(&text, &archive)
            }
            .map_err(|e| format!("{}: {e}", df_path.display()))?
        } else {
            text
        };
        let df = dockerfile::parse(&text);
        let url = format!(
            "https://github.com/{}/blob/{}/{}{}",
            row.repo,
            row.commit,
            if row.directory == "." {
                String::new()
            } else {
                format!("{}/", row.directory)
            },
            row.dockerfile
        );
        let opts = BuildOptions {
            label: url.clone(),
            args: {
                let mut args: Vec<(String, Option<String>)> = recipe
                    .build_args
                    .iter()
                    .map(|a| (a.clone(), None))
                    .collect();
                if let Some(name) = &recipe.tag_version_arg {
                    let v = row
                        .tags
                        .first()
                        .and_then(|t| tag_version(t))
                        .ok_or_else(|| {
                            format!(
                                "{}: `tag_version_arg` needs a first tag with a version",
                                df_path.display()
                            )
                        })?;
                    args.push((name.clone(), Some(v.to_string())));
                }
                args
            },
            target: recipe.target.clone(),
            context: Some(dir.clone()),
            // Upstream builds from a git checkout, and so does CI here.
            git_modes: true,
            rootfs,
            partial_context: recipe.partial_context.clone(),
        };
        // Facts of a generated image come from this run, never from the
        // embedded (possibly older) file.
        let base = |name: &str| {
            if let Some(r) = super::reference::Reference::parse(name) {
                if Some(r.repository()) == own {
                    let tag = r.effective_tag().unwrap_or("latest").to_string();
                    return own_base(&made, &tag);
                }
            }
            match catalog.lookup(name) {
                Lookup::Found(img) => Some((*img).clone()),
                Lookup::NoVariant { .. } => None,
                Lookup::NotFound => match super::builtin::builtin().lookup(name) {
                    Lookup::Found(img) => Some((*img).clone()),
                    _ => None,
                },
            }
        };
        let img = dockerfile::evaluate(&df, &opts, &base)?;
        made.push((row.tags.clone(), img.clone()));
        let body = match variant_body(&img, &url, row, recipe, &df) {
            Ok(b) => b,
            // Not every row can be generated (a base image without facts):
            // say so in the file; older hand-written facts may cover it.
            Err(e) => {
                skipped.push(format!("# not generated: {}: {e}", row.tags.join(", ")));
                continue;
            }
        };
        match variants.iter_mut().find(|(_, b)| *b == body) {
            Some((tags, _)) => tags.extend(row.tags.iter().cloned()),
            None => variants.push((row.tags.clone(), body)),
        }
    }
    for s in &skipped {
        let _ = writeln!(out, "{s}");
    }
    for (tags, body) in &variants {
        let _ = write!(
            out,
            "\n[[variant]]\ntags = {}\n{body}",
            list(&patterns(tags))
        );
    }
    if let Some(file) = &recipe.legacy {
        let legacy = std::fs::read_to_string(sources.join(file))
            .map_err(|e| format!("{}: {e}", sources.join(file).display()))?;
        let _ = write!(
            out,
            "\n# Older tags: hand-written facts, kept from before the generator, for the tags the recorded sources do not cover (older releases, other variants); each cites the file it was read from.\n{}",
            legacy.trim_start()
        );
        if !out.ends_with('\n') {
            out.push('\n');
        }
    }
    // The result must parse (a file without variants says why none was made).
    parse_file(
        &format!("rules/images/{}.toml", file_stem(&recipe.repository)),
        &out,
    )
    .map_err(|e| format!("{e}\n{}", skipped.join("\n")))?;
    Ok(out)
}

/// The image of this recipe that a `FROM <repo>:<tag>` names: the row
/// listing the tag, else one whose patterns match it, else (the recorded
/// copy may lag the tags by a release) one with the same variant suffix,
/// preferring the same `major.minor`.
fn own_base(made: &[(Vec<String>, Image)], tag: &str) -> Option<Image> {
    if let Some((_, img)) = made.iter().find(|(tags, _)| tags.iter().any(|t| t == tag)) {
        return Some(img.clone());
    }
    if let Some((_, img)) = made.iter().find(|(tags, _)| {
        patterns(tags)
            .iter()
            .any(|p| super::reference::tag_glob_matches(p, tag))
    }) {
        return Some(img.clone());
    }
    let split = |t: &str| -> (String, String) {
        let end = t
            .find(|c: char| !c.is_ascii_digit() && c != '.')
            .unwrap_or(t.len());
        (t[..end].to_string(), t[end..].to_string())
    };
    let (ver, suffix) = split(tag);
    if ver.is_empty() {
        return None;
    }
    let minor: String = ver.split('.').take(2).collect::<Vec<_>>().join(".");
    let same_suffix = |tags: &Vec<String>, want_minor: bool| {
        tags.iter().any(|t| {
            let (v, s) = split(t);
            !v.is_empty() && s == suffix && (!want_minor || v.starts_with(&minor))
        })
    };
    made.iter()
        .find(|(tags, _)| same_suffix(tags, true))
        .or_else(|| made.iter().find(|(tags, _)| same_suffix(tags, false)))
        .map(|(_, img)| img.clone())
}

pub fn file_stem(repository: &str) -> String {
    repository.replace('/', "__")
}

/// The layout an image starts from: the one its entries cite.
fn layout_of(img: &Image) -> Option<String> {
    img.fs.entries.values().find_map(|e| match &e.evidence {
        Evidence::Builtin { file, .. } => file
            .strip_prefix("rules/images/base/")
            .and_then(|f| f.strip_suffix(".txt"))
            .map(str::to_string),
        _ => None,
    })
}

fn variant_body(
    img: &Image,
    url: &str,
    row: &Row,
    recipe: &Recipe,
    df: &dockerfile::Dockerfile,
) -> Result<String, String> {
    let mut b = String::new();
    let _ = writeln!(b, "source = {}", q(url));
    // Which layout the evaluation started from: the facts of the last FROM.
    let layout = layout_of(img);
    let history = row.dockerfile.ends_with(".md");
    let mut note = if row.dockerfile.ends_with(".json") {
        format!("generated from the image config at {url}, on the root tarball's base layout")
    } else if history && layout.is_none() {
        format!("generated from the published image's build history at {url}; the root it copies is not recorded and has no base layout here: every path is unknown, not absent")
    } else if history {
        format!("generated from the published image's build history at {url}, on the root tarball's base layout")
    } else if row.dockerfile == "import" {
        format!("generated from the image config (CONF_TEMPLATE) of the import script at {url}, on the root tarball's base layout")
    } else {
        format!(
            "generated from the Dockerfile (and the files it copies) at {}",
            url
        )
    };
    if let Some(r) = &row.remark {
        let _ = write!(note, "; {r}: the published tags may be a few weeks newer");
    }
    // A base without a layout (amazonlinux, ubi, an older hand-written
    // variant): say that only what the build shows is known.
    if layout.is_none() {
        let from = df
            .instructions
            .iter()
            .rev()
            .find(|i| i.keyword == "FROM")
            .and_then(|i| i.args.split_whitespace().find(|w| !w.starts_with("--")))
            .unwrap_or("?");
        if from != "scratch" {
            let _ = write!(
                note,
                "; the base ({from}) has no base layout here: a path this build does not make is unknown, not absent"
            );
        }
    }
    let _ = writeln!(b, "note = {}", q(&note));
    if let Some(l) = &layout {
        let _ = writeln!(b, "layout = {}", q(l));
    }
    if img.users_complete.is_some() {
        let _ = writeln!(b, "users_complete = true");
    } else if let Some(f) = &img.users_known_from {
        let _ = writeln!(b, "users_known_from = {}", f.value);
    }
    // The user: always with uid and gid.
    let user = img
        .user
        .as_ref()
        .ok_or_else(|| format!("{url}: USER is not known"))?;
    let spec = if user.value.is_empty() {
        "root".to_string()
    } else {
        user.value.clone()
    };
    let ru = img
        .resolve_user(&spec)
        .map_err(|e| format!("{url}: USER {spec}: {e}"))?;
    let gid = ru
        .gid
        .ok_or_else(|| format!("{url}: USER {spec}: the gid is not known"))?;
    let _ = writeln!(b, "user = {}\nuid = {}\ngid = {gid}", q(&spec), ru.uid);
    if let Some(w) = &img.workdir {
        let _ = writeln!(b, "workdir = {}", q(&w.value));
    }
    // Whether there is an entrypoint must be known (a base without facts,
    // such as amazonlinux or ubi, leaves it unknown): such a row is not
    // generated, and the file says so.
    if img.entrypoint.is_none() {
        return Err(format!(
            "{url}: ENTRYPOINT is not known (the base image has no facts)"
        ));
    }
    for (name, c) in [("entrypoint", &img.entrypoint), ("cmd", &img.cmd)] {
        match c.as_ref().map(|f| &f.value) {
            Some(None) => {
                let _ = writeln!(b, "{name} = []");
            }
            Some(Some(ImageCommand::Exec(v))) => {
                let _ = writeln!(b, "{name} = {}", list(v));
            }
            Some(Some(ImageCommand::Shell(s))) => {
                let _ = writeln!(b, "{name}_shell = {}", q(s));
            }
            None => {}
        }
    }
    // Whether the entrypoint wrapper execs its arguments, read from the
    // script's text in the recorded build context (see image::script).
    // Without an entrypoint nothing wraps the command, which the reader
    // knows from `entrypoint = []`.
    let has_entrypoint = img.entrypoint.as_ref().is_some_and(|f| f.value.is_some());
    if let Some(e) = img.execs_args.as_ref().filter(|_| has_entrypoint) {
        let _ = writeln!(b, "execs_args = {}", e.value);
    }
    if let Some(e) = img
        .execs_commands
        .as_ref()
        .filter(|e| has_entrypoint && e.value)
    {
        let _ = writeln!(b, "execs_commands = {}", e.value);
    }
    if let Some(s) = &img.stop_signal {
        let _ = writeln!(b, "stop_signal = {}", q(&s.value));
    }
    if !img.volumes.is_empty() {
        let v: Vec<String> = img.volumes.iter().map(|f| f.value.clone()).collect();
        let _ = writeln!(b, "volumes = {}", list(&v));
    }
    if let Some(h) = &img.healthcheck {
        let _ = writeln!(b, "healthcheck = {}", h.value);
    }
    if !img.env.is_empty() {
        let env: BTreeMap<&str, &str> = img
            .env
            .iter()
            .map(|(k, v)| (k.as_str(), v.value.as_str()))
            .collect();
        let items: Vec<String> = env
            .iter()
            .map(|(k, v)| format!("{} = {}", q(k), q(v)))
            .collect();
        let _ = writeln!(b, "env = {{ {} }}", items.join(", "));
    }
    let absent: Vec<String> = ["/bin/bash", "/bin/sh", "/usr/bin/bash"]
        .iter()
        .filter(|p| img.fs.query(p).is_absent())
        .map(|p| p.to_string())
        .collect();
    if !absent.is_empty() {
        let _ = writeln!(b, "absent_binaries = {}", list(&absent));
    }
    if !img.fs.unknown.is_empty() {
        let u: Vec<String> = img.fs.unknown.keys().cloned().collect();
        let _ = writeln!(b, "unknown = {}", list(&u));
    }
    let applies = |c: &&Curated| {
        c.tags.is_empty()
            || c.tags.iter().any(|t| {
                row.tags
                    .iter()
                    .any(|tag| super::reference::tag_glob_matches(t, tag))
            })
    };
    if let Some(c) = recipe.curated.iter().find(applies) {
        let _ = writeln!(b, "# from {}", c.source);
        let mut facts = c.facts.trim().to_string();
        for (k, v) in &img.env {
            facts = facts.replace(&format!("${{{k}}}"), &v.value);
        }
        if facts.contains("${") {
            return Err(format!(
                "{url}: curated facts name a variable the image does not set"
            ));
        }
        b.push_str(&facts);
        b.push('\n');
    }
    // Users the layout does not have.
    let base_users: Vec<String> = layout
        .as_deref()
        .and_then(super::layout::get)
        .map(|l| l.users.iter().map(|u| u.name.clone()).collect())
        .unwrap_or_else(|| vec!["root".to_string()]);
    for u in &img.users {
        if base_users.contains(&u.name) || u.evidence_is_layout() {
            continue;
        }
        let _ = write!(b, "\n[[variant.users]]\nname = {}\n", q(&u.name));
        if let Some(uid) = u.uid {
            let _ = writeln!(b, "uid = {uid}");
        }
        if let Some(gid) = u.gid {
            let _ = writeln!(b, "gid = {gid}");
        }
        if let Some(h) = &u.home {
            let _ = writeln!(b, "home = {}", q(h));
        }
    }
    // Paths that differ from the layout.
    // As the facts file will be read: the layout, then the unknown areas.
    let mut base_fs = layout
        .as_deref()
        .and_then(super::layout::get)
        .map(|l| l.fs.clone())
        .unwrap_or_default();
    let ev = Evidence::Compose {
        setting: String::new(),
        span: crate::source::Span::default(),
    };
    for u in img.fs.unknown.keys() {
        base_fs.forget_under(u, false, &ev);
    }
    b.push_str(&paths_diff(&base_fs, &img.fs));
    Ok(b)
}

impl super::facts::UserEntry {
    fn evidence_is_layout(&self) -> bool {
        matches!(&self.evidence, Evidence::Builtin { file, .. } if file.starts_with("rules/images/base/"))
    }
}

fn same(a: &super::facts::Entry, b: &super::facts::Entry) -> bool {
    a.kind == b.kind
        && a.uid == b.uid
        && a.gid == b.gid
        && a.mode == b.mode
        && a.link == b.link
        && a.children_complete == b.children_complete
}

fn paths_diff(base: &Filesystem, fs: &Filesystem) -> String {
    let mut b = String::new();
    for (path, e) in &fs.entries {
        if base.entries.get(path).is_some_and(|o| same(o, e)) {
            // Same entry; but a listing that lost children must be said.
            let lost = e.children_complete && children(base, path) != children(fs, path);
            if !lost {
                continue;
            }
        }
        let kind = match e.kind {
            Some(PathKind::Dir) => "dir",
            Some(PathKind::File) => "file",
            Some(PathKind::Symlink) => "symlink",
            // Paths of unknown kind are kept only by their parent's listing.
            _ => continue,
        };
        let _ = write!(
            b,
            "\n[[variant.paths]]\npath = {}\nkind = \"{kind}\"\n",
            q(path)
        );
        if let (Some(u), Some(g)) = (e.uid, e.gid) {
            let _ = writeln!(b, "owner = \"{u}:{g}\"");
        }
        if let Some(m) = e.mode {
            let _ = writeln!(b, "mode = \"{m:04o}\"");
        }
        if let Some(c) = e.content {
            if c != Content::Entries || e.children_complete {
                let _ = writeln!(b, "content = \"{}\"", c.as_str());
            }
        }
        if e.children_complete {
            let _ = writeln!(b, "children = {}", list(&children(fs, path)));
        }
        if let Some(l) = &e.link {
            let _ = writeln!(b, "target = {}", q(l));
        }
    }
    b
}

fn children(fs: &Filesystem, dir: &str) -> Vec<String> {
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    fs.entries
        .keys()
        .filter_map(|k| k.strip_prefix(prefix.as_str()))
        .filter(|rest| !rest.is_empty() && !rest.contains('/'))
        .map(str::to_string)
        .collect()
}

/// Every recipe in `sources`, generated in order (a recipe whose image
/// another one builds on comes first: `FROM` finds the files made before).
pub fn generate_all(sources: &Path) -> Result<Vec<(String, String)>, String> {
    let manifest = std::fs::read_to_string(sources.join("MANIFEST.tsv"))
        .map_err(|e| format!("{}: {e}", sources.join("MANIFEST.tsv").display()))?;
    let rows = read_manifest(&manifest);
    let mut names: Vec<_> = std::fs::read_dir(sources)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".recipe.toml"))
        .collect();
    names.sort();
    let mut recipes = Vec::new();
    for p in names {
        let text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
        let r: Recipe = toml::from_str(&text).map_err(|e| format!("{}: {e}", p.display()))?;
        recipes.push(r);
    }
    // A recipe whose Dockerfiles start FROM another recipe's image comes after it.
    let repo_of = |name: &str| super::reference::Reference::parse(name).map(|r| r.repository());
    let deps: Vec<Vec<usize>> = recipes
        .iter()
        .map(|r| {
            let mut d = Vec::new();
            for row in rows.iter().filter(|row| row.image == r.manifest) {
                let path = sources.join(&row.local_path).join(&row.dockerfile);
                let Ok(text) = std::fs::read_to_string(&path) else {
                    continue;
                };
                let df = dockerfile::parse(&text);
                // The defaults of the ARGs before the first FROM, which a
                // FROM may name (`quay.io/prometheus/busybox-${OS}-${ARCH}`).
                let globals: Vec<(String, String)> = df
                    .instructions
                    .iter()
                    .take_while(|i| i.keyword != "FROM")
                    .filter(|i| i.keyword == "ARG")
                    .filter_map(|i| {
                        let (k, v) = i.args.trim().split_once('=')?;
                        Some((k.to_string(), v.trim_matches('"').to_string()))
                    })
                    .collect();
                for i in df.instructions.iter().filter(|i| i.keyword == "FROM") {
                    let Some(name) = i.args.split_whitespace().find(|w| !w.starts_with("--"))
                    else {
                        continue;
                    };
                    let mut name = name.to_string();
                    for (k, v) in &globals {
                        name = name
                            .replace(&format!("${{{k}}}"), v)
                            .replace(&format!("${k}"), v);
                    }
                    let Some(repo) = repo_of(&name) else { continue };
                    for (j, o) in recipes.iter().enumerate() {
                        // By its name or an alias (`redhat/ubi9-minimal`).
                        let names = std::iter::once(&o.repository).chain(&o.aliases);
                        if o.repository != r.repository
                            && names.map(|n| repo_of(n)).any(|n| n == Some(repo.clone()))
                            && !d.contains(&j)
                        {
                            d.push(j);
                        }
                    }
                }
            }
            d
        })
        .collect();
    let mut order: Vec<usize> = Vec::new();
    while order.len() < recipes.len() {
        let before = order.len();
        for (i, d) in deps.iter().enumerate() {
            if !order.contains(&i) && d.iter().all(|x| order.contains(x)) {
                order.push(i);
            }
        }
        if order.len() == before {
            return Err("recipes depend on each other in a cycle".into());
        }
    }
    let mut catalog = Catalog::default();
    let mut out = Vec::new();
    for r in order.iter().map(|&i| &recipes[i]) {
        let text = generate_one(sources, r, &rows, &catalog)?;
        let name = format!("{}.toml", file_stem(&r.repository));
        catalog
            .files
            .push(parse_file(&format!("rules/images/{name}"), &text)?);
        out.push((name, text));
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{history_dockerfile, tag_version};

    #[test]
    fn tag_version_is_the_leading_dotted_version() {
        assert_eq!(tag_version("4.6.0-alpine"), Some("4.6.0"));
        assert_eq!(tag_version("4.4.0"), Some("4.4.0"));
        assert_eq!(tag_version("3.9"), Some("3.9"));
        assert_eq!(tag_version("latest"), None);
        assert_eq!(tag_version("7"), None);
        assert_eq!(tag_version("5.*"), None);
    }

    const HISTORY: &str = "## `x:1`\n\n```dockerfile\n# Mon\nLABEL a=b\nENV container oci\nCOPY dir:0123 in /      \nCOPY file:4567 in /etc/yum.repos.d/.      \nCMD [\"/bin/bash\"]\nLABEL \"architecture\"=\"x86_64\"\nUSER app\nENTRYPOINT [\"/e\"]\n```\n";

    /// A derived image's history is read up to the base's last line; on a
    /// root whose content is not known, the base's other copies are left
    /// out; on a known root they are refused.
    #[test]
    fn a_history_is_read_up_to_the_base_and_its_unnamed_copies() {
        let df = history_dockerfile(
            HISTORY,
            "rootfs.tar",
            Some("LABEL \"architecture\"="),
            false,
        )
        .unwrap();
        assert_eq!(
            df,
            "FROM scratch\nLABEL a=b\nENV container oci\nADD rootfs.tar /\nCMD [\"/bin/bash\"]\nLABEL \"architecture\"=\"x86_64\"\n"
        );
        // Without the cut, the derived image's lines are read too.
        let all = history_dockerfile(HISTORY, "rootfs.tar", None, false).unwrap();
        assert!(all.ends_with("USER app\nENTRYPOINT [\"/e\"]\n"));
        // A cut that is not there, and copies on a known root, are errors.
        assert!(history_dockerfile(HISTORY, "r.tar", Some("LABEL nope"), false).is_err());
        assert!(history_dockerfile(HISTORY, "r.tar", None, true).is_err());
    }
}
