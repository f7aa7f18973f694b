//! M1xx: mounts and volumes — what a mount does to the image's files, to
//! ownership, and to the host.
//!
//! The rules here follow ../shared/notes/docker-mount-semantics.md: a new
//! named volume on the local driver takes the owner and mode of the image
//! directory it is mounted over (copy-up), or stays root:root 0755 when the
//! image has no such directory; a missing bind source is created by the
//! daemon as a root-owned directory. Helpers shared by the rules live here.

pub mod anonymous_volume_stale;
pub mod bind_hides_image_content;
pub mod bind_source_owner;
pub mod host_specific_file;
pub mod image_content;
pub mod missing_bind_source;
pub mod mount_over_system_path;
pub mod new_volume_missing_path;
pub mod no_copy_up;
pub mod paths;
pub mod shared_data_volume;
pub mod volume_owner_mismatch;

use std::path::{Component, Path, PathBuf};

use crate::image::{Content, PathFact, PathInfo, RuntimeUser, ServiceImage};
use crate::model::{Mount, MountKind, Project, Service, VolumeDef};
use crate::rules::Context;
use crate::source::Span;

/// How a named volume gets its root directory's owner.
pub(crate) enum VolumeOrigin<'a> {
    /// A local volume that Compose creates: Docker copies the image
    /// directory's content, owner and mode into it on first use, or leaves
    /// it root:root 0755 when the image has nothing there.
    CopyUp(&'a VolumeDef),
    /// Ownership does not come from the image; the reason, for messages.
    NoCopyUp(&'a VolumeDef, String),
}

/// The named volume a mount uses and where its ownership comes from.
/// `None` for binds, anonymous volumes, tmpfs, and names with no definition
/// (S101 reports those).
pub(crate) fn volume_origin<'a>(p: &'a Project, m: &Mount) -> Option<VolumeOrigin<'a>> {
    if m.kind.value != MountKind::Volume {
        return None;
    }
    let src = m.source.as_ref()?;
    if src.value.is_empty() || src.value.contains('$') {
        return None;
    }
    let def = p.volume(&src.value)?;
    let opts = m.volume.as_ref();
    if opts
        .and_then(|o| o.nocopy.as_ref())
        .is_some_and(|n| n.value)
    {
        return Some(VolumeOrigin::NoCopyUp(
            def,
            "`nocopy` turns off Docker's copy of the image directory into the volume".into(),
        ));
    }
    if let Some(sp) = opts.and_then(|o| o.subpath.as_ref()) {
        return Some(VolumeOrigin::NoCopyUp(
            def,
            format!(
                "`subpath: {}` mounts a directory inside the volume, which must already exist; its owner is whoever created it",
                sp.value
            ),
        ));
    }
    if def.external.as_ref().is_some_and(|e| e.external.value) {
        return Some(VolumeOrigin::NoCopyUp(
            def,
            "the volume is `external`: Docker copies the image directory's owner into it only if it is still empty when first mounted; a volume used before keeps the owner it has".into(),
        ));
    }
    if let Some(d) = &def.driver {
        if d.value != "local" {
            return Some(VolumeOrigin::NoCopyUp(
                def,
                format!(
                    "the volume driver `{}` decides who owns the volume's root (a network share keeps the server's owner, and root squashing can stop Docker's copy from changing it)",
                    d.value
                ),
            ));
        }
    }
    if !def.driver_opts.is_empty() {
        return Some(VolumeOrigin::NoCopyUp(
            def,
            "`driver_opts` mount a device or share as the volume: when the image has nothing at the target, its root keeps the owner it has there".into(),
        ));
    }
    Some(VolumeOrigin::CopyUp(def))
}

/// The effective user when it is known and not root, with the reason the
/// rule may rely on it: an image whose entrypoint starts as root and fixes
/// ownership before dropping privileges is excluded (unless the service's
/// own `user:` bypasses that entrypoint path).
pub(crate) fn non_root_user<'a>(s: &Service, img: &'a ServiceImage) -> Option<&'a RuntimeUser> {
    let u = img.runtime_user()?;
    if u.is_root() {
        return None;
    }
    if s.user.is_none()
        && img
            .image
            .starts_as_root_and_drops
            .as_ref()
            .is_some_and(|f| f.value)
    {
        return None;
    }
    Some(u)
}

/// Does the image's entrypoint chown `target` (or a directory above it)
/// on start? Only possible when it starts as root, i.e. without `user:`.
pub(crate) fn chowned_on_start(s: &Service, img: &ServiceImage, target: &str) -> bool {
    s.user.is_none()
        && img
            .image
            .chowns_on_start
            .iter()
            .any(|c| is_within(target, &c.value))
}

/// `path` equals `dir` or lies below it (both normalized absolute paths).
pub(crate) fn is_within(path: &str, dir: &str) -> bool {
    let path = crate::image::facts::normalize(path);
    let dir = crate::image::facts::normalize(dir);
    path == dir || dir == "/" || path.starts_with(&format!("{dir}/"))
}

/// Can `user` write into the directory `info`? `None` when the facts do
/// not say (owner or mode unknown, or a group bit that depends on
/// supplementary groups).
pub(crate) fn can_write(info: &PathInfo, user: &RuntimeUser, s: &Service) -> Option<bool> {
    if user.is_root() {
        return Some(true);
    }
    let uid = info.uid?;
    let mode = info.mode?;
    if uid == user.uid {
        return Some(mode & 0o200 != 0);
    }
    if mode & 0o002 != 0 {
        return Some(true);
    }
    if mode & 0o020 == 0 {
        return Some(false);
    }
    match (info.gid, user.gid) {
        (Some(g), Some(ug)) if g == ug => Some(true),
        (Some(g), _) if s.group_add.iter().any(|a| a.value == g.to_string()) => Some(true),
        // Other supplementary groups (from the image's /etc/group) are not known.
        _ => None,
    }
}

/// `uid:gid` for `chown`, or `uid` alone when the group is not known.
pub(crate) fn chown_spec(u: &RuntimeUser) -> String {
    match u.gid {
        Some(g) => format!("{}:{g}", u.uid),
        None => u.uid.to_string(),
    }
}

/// Octal mode as `ls` people read it: `0755`.
pub(crate) fn mode_str(m: u32) -> String {
    format!("{:04o}", m & 0o7777)
}

/// The parent of a normalized absolute path (`None` for `/`).
pub(crate) fn parent(path: &str) -> Option<String> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/".into()),
        Some(i) => Some(path[..i].to_string()),
        None => None,
    }
}

/// The nearest ancestor of `path` that exists in the image, if the facts
/// reach it.
pub(crate) fn nearest_existing_ancestor(img: &ServiceImage, path: &str) -> Option<PathInfo> {
    let mut cur = parent(&crate::image::facts::normalize(path));
    while let Some(p) = cur {
        match img.path(&p) {
            PathFact::Exists(i) => return Some(i),
            PathFact::Absent { .. } => cur = parent(&p),
            PathFact::Unknown { .. } => return None,
        }
    }
    None
}

/// The names of the known entries directly inside `dir`, when the facts
/// list the directory completely.
pub(crate) fn listed_children(img: &ServiceImage, dir: &str) -> Option<Vec<String>> {
    let fs = &img.image.fs;
    let e = fs.get(dir)?;
    if !e.children_complete || fs.unknown_area(dir).is_some() {
        return None;
    }
    let prefix = if dir == "/" {
        "/".to_string()
    } else {
        format!("{dir}/")
    };
    Some(
        fs.entries
            .keys()
            .filter_map(|k| k.strip_prefix(prefix.as_str()))
            .filter(|rest| !rest.is_empty() && !rest.contains('/'))
            .map(str::to_string)
            .collect(),
    )
}

/// Program files at or below `dir`, per the facts (`content = "program"`).
pub(crate) fn program_files_under(img: &ServiceImage, dir: &str) -> Vec<String> {
    img.image
        .fs
        .entries
        .iter()
        .filter(|(k, e)| is_within(k, dir) && e.content == Some(Content::Program))
        .map(|(k, _)| k.clone())
        .collect()
}

/// The span of the whole line(s) holding a block-sequence entry, from the
/// start of its line through its line break, when nothing else shares
/// those lines (a comment after it is deleted with it). `None` for flow
/// sequences, entries reached through an alias, and anything unusual.
pub(crate) fn entry_lines(cx: &Context, entry: Span) -> Option<Span> {
    let file = cx.sources.get(entry.file);
    let text = &*file.text;
    let first = file.line_col(entry.start as usize).line;
    let range = file.line_range(first);
    let before = &text[range.start..entry.start as usize];
    let rest = before.trim_start();
    let dash = rest.strip_prefix('-')?;
    if !dash.chars().all(|c| c == ' ' || c == '\t') || dash.is_empty() {
        return None;
    }
    let last = file.line_col(entry.end as usize).line;
    let lr = file.line_range(last);
    if (entry.end as usize) < lr.start {
        return None;
    }
    let after = text.get(entry.end as usize..lr.end)?.trim();
    if !(after.is_empty() || after.starts_with('#')) {
        return None;
    }
    let end = text[lr.end..]
        .find('\n')
        .map_or(text.len(), |i| lr.end + i + 1);
    Some(Span::new(entry.file, range.start, end))
}

/// The span of a mount's target when it holds exactly the target text, so
/// that it can be replaced.
pub(crate) fn exact_target(cx: &Context, m: &Mount) -> Option<Span> {
    (m.target.via.is_none() && cx.sources.slice(m.target.span) == m.target.value)
        .then_some(m.target.span)
}

/// A bind source that can be checked on this machine, from
/// [`project_bind_source`].
pub(crate) struct BindSource {
    /// As written in the file.
    pub written: String,
    /// Where it is on this machine.
    pub path: PathBuf,
    /// An absolute path outside the project, checked because the engine
    /// runs here (`--engine`); otherwise a path inside the project.
    pub on_host: bool,
}

/// A bind source that names a path on this machine:
/// - a relative source resolved against the project directory, when it
///   stays inside it and is written in a file of that directory (sources in
///   `extends`/`include` files elsewhere resolve against their own file);
/// - `${PWD}/x` or `$PWD/x`, which is inside the project wherever the
///   engine runs (Compose is run from the project directory);
/// - with the engine on this machine ([`Context::engine_here`]), an
///   absolute source, which the daemon reads from this host.
pub(crate) fn project_bind_source(cx: &Context, m: &Mount) -> Option<BindSource> {
    if m.kind.value != MountKind::Bind {
        return None;
    }
    let src = m.source.as_ref()?;
    let written_in = &cx.sources.get(src.span.file).path;
    let dir = written_in.parent().unwrap_or(Path::new(""));
    let abs = |p: &Path| crate::load::project::absolute(p);
    // Asked only of the sources that need it; the cheap answers first (a
    // file loaded with `-f`, the same bytes) before normalizing both paths.
    let in_project_dir = || {
        cx.roots.contains(&src.span.file)
            || dir.as_os_str() == cx.project_dir.as_os_str()
            || abs(dir) == abs(cx.project_dir)
    };
    if let Some(rest) = pwd_relative(cx, src) {
        if !in_project_dir() {
            return None;
        }
        return relative_in_project(cx, &rest).map(|path| BindSource {
            written: cx
                .sources
                .slice(src.span)
                .trim_matches(['"', '\''])
                .split(':')
                .next()
                .unwrap_or_default()
                .to_string(),
            path,
            on_host: false,
        });
    }
    let s = src.value.as_str();
    if s.contains('$') {
        return None;
    }
    if s.starts_with('/') {
        return cx.engine_here.then(|| BindSource {
            written: s.to_string(),
            path: PathBuf::from(s),
            on_host: true,
        });
    }
    if !(s == "." || s.starts_with("./") || s.starts_with("../")) || !in_project_dir() {
        return None;
    }
    relative_in_project(cx, s).map(|path| BindSource {
        written: s.to_string(),
        path,
        on_host: false,
    })
}

/// The part after `${PWD}/` (or `$PWD/`) when the source is written that
/// way in its own file (not merged in from another value).
fn pwd_relative(cx: &Context, src: &crate::source::Spanned<String>) -> Option<String> {
    if src.via.is_some() {
        return None;
    }
    let raw = cx.sources.slice(src.span).trim_matches(['"', '\'']);
    let rest = raw
        .strip_prefix("${PWD}")
        .or_else(|| raw.strip_prefix("$PWD"))?;
    if rest.is_empty() {
        return Some(".".into());
    }
    let rest = rest.strip_prefix('/')?;
    // Only the `.../path` part of a short-syntax `src:target` value.
    let rest = rest.split(':').next().unwrap_or(rest);
    (!rest.contains('$')).then(|| format!("./{rest}"))
}

/// `s` (`.`, `./x`, `../x`) resolved against the project directory, when
/// it stays inside it.
fn relative_in_project(cx: &Context, s: &str) -> Option<PathBuf> {
    let mut rel = PathBuf::new();
    for c in Path::new(s).components() {
        match c {
            Component::CurDir => {}
            Component::Normal(n) => rel.push(n),
            Component::ParentDir => {
                if !rel.pop() {
                    return None;
                }
            }
            _ => return None,
        }
    }
    let path = cx.project_dir.join(&rel);
    crate::image::contained(&path, cx.project_dir).then_some(path)
}

/// Every mount of the named volume `name` in the project, with its service.
pub(crate) fn mounts_of<'a>(p: &'a Project, name: &str) -> Vec<(&'a Service, &'a Mount)> {
    p.services
        .iter()
        .flat_map(|s| s.volumes.iter().map(move |m| (s, m)))
        .filter(|(_, m)| {
            m.kind.value == MountKind::Volume
                && m.source.as_ref().is_some_and(|src| src.value == name)
        })
        .collect()
}

/// Container directories that programs read their configuration from and
/// do not write: Grafana provisioning, web server and proxy configuration,
/// database init scripts.
const CONFIG_DIRS: &[&str] = &[
    "/etc/grafana/provisioning",
    "/etc/nginx",
    "/etc/apache2",
    "/usr/local/apache2/conf",
    "/etc/caddy",
    "/etc/traefik",
    "/etc/prometheus",
    "/etc/alertmanager",
    "/etc/loki",
    "/etc/promtail",
    "/etc/otelcol",
    "/etc/otelcol-contrib",
    "/etc/haproxy",
    "/usr/local/etc/haproxy",
    "/etc/mysql/conf.d",
    "/etc/mysql/mysql.conf.d",
    "/etc/postgresql",
    "/etc/redis",
    "/usr/local/etc/redis",
    "/usr/share/nginx/html",
    "/usr/local/apache2/htdocs",
    "/docker-entrypoint-initdb.d",
    "/docker-entrypoint.d",
];

/// Why the service only reads at `target` through mount `m`, when it is
/// known to: a read-only mount (`:ro`, `read_only: true`), a known
/// configuration directory, or a configuration file's name. `None` means
/// the service may write there.
pub(crate) fn read_only_use(m: &Mount, target: &str) -> Option<String> {
    if m.is_read_only() {
        return Some("the mount is read-only".into());
    }
    let t = target.trim_end_matches('/');
    if let Some(dir) = CONFIG_DIRS.iter().find(|d| {
        t.strip_prefix(**d)
            .is_some_and(|r| r.is_empty() || r.starts_with('/'))
    }) {
        return Some(format!(
            "`{dir}` is a directory the program only reads (configuration or content)"
        ));
    }
    let name = t.rsplit('/').next().unwrap_or(t);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    if matches!(
        ext.as_deref(),
        Some("conf" | "cnf" | "cfg" | "ini" | "toml" | "yml" | "yaml" | "json" | "d")
    ) {
        return Some(format!(
            "`{name}` is configuration, which the program reads"
        ));
    }
    None
}
