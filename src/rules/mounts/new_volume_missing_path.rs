//! M101: a new named volume mounted at a path the image does not have, for
//! a non-root user. Docker creates the volume root-owned (0755) and copies
//! nothing into it, so the process cannot write there: the seed's exit 253.

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::image::facts::normalize;
use crate::image::{Evidence, PathFact, PathInfo, RuntimeUser, ServiceImage};
use crate::model::{Mount, Service};
use crate::rules::mounts::{
    can_write, chown_spec, chowned_on_start, entry_lines, exact_target, listed_children, mode_str,
    mounts_of, nearest_existing_ancestor, non_root_user, program_files_under, volume_origin,
    VolumeOrigin,
};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M101",
    name: "new-volume-missing-path",
    group: Group::Mounts,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::Sometimes,
    summary: "A new named volume at a path the image lacks: Docker creates it root-owned and a non-root process cannot write there.",
    exit_codes: &[253, 1],
    page: page!("M101-new-volume-missing-path.md"),
};

/// Directories too broad to become one volume.
const SYSTEM_DIRS: &[&str] = &[
    "/",
    "/bin",
    "/boot",
    "/dev",
    "/etc",
    "/home",
    "/lib",
    "/lib64",
    "/media",
    "/mnt",
    "/opt",
    "/proc",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/sys",
    "/tmp",
    "/usr",
    "/usr/local",
    "/var",
    "/var/lib",
    "/var/log",
    "/var/tmp",
];

struct Hit<'a> {
    mount: &'a Mount,
    target: String,
    absent: Evidence,
}

/// Where one volume could go instead: an existing directory the user owns.
struct Root {
    info: PathInfo,
    /// The owner is not in the facts; it is the user's home directory.
    home_guess: bool,
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(img) = cx.image(s) else { continue };
        if !img.is_known() {
            continue;
        }
        let Some(user) = non_root_user(s, img) else {
            continue;
        };
        let hits = hits(cx, s, img);
        if hits.is_empty() {
            continue;
        }
        let targets: Vec<&str> = dedup(hits.iter().map(|h| h.target.as_str()));
        let rebuild = rebuild_help(cx, s, img, user, &targets);
        for h in &hits {
            out.push(diagnostic(cx, s, img, user, h, &hits, &rebuild));
        }
    }
}

fn dedup<'a>(it: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut v: Vec<&str> = Vec::new();
    for x in it {
        if !v.contains(&x) {
            v.push(x);
        }
    }
    v
}

fn hits<'a>(cx: &Context, s: &'a Service, img: &ServiceImage) -> Vec<Hit<'a>> {
    let p = cx.project;
    let mut out = Vec::new();
    for m in &s.volumes {
        let Some(VolumeOrigin::CopyUp(def)) = volume_origin(p, m) else {
            continue;
        };
        if m.is_read_only() || !m.target.value.starts_with('/') {
            continue;
        }
        let target = normalize(&m.target.value);
        let PathFact::Absent { evidence } = img.path(&target) else {
            continue;
        };
        if chowned_on_start(s, img, &target) {
            continue;
        }
        // A volume also mounted elsewhere may be populated from there first.
        let elsewhere = mounts_of(p, &def.name.value).into_iter().any(|(s2, m2)| {
            if std::ptr::eq(m2, m) {
                return false;
            }
            let Some(i2) = cx.image(s2) else { return true };
            !i2.path(&m2.target.value).is_absent()
        });
        if elsewhere {
            continue;
        }
        out.push(Hit {
            mount: m,
            target,
            absent: evidence,
        });
    }
    out
}

fn root_for(img: &ServiceImage, user: &RuntimeUser, s: &Service, target: &str) -> Option<Root> {
    let info = nearest_existing_ancestor(img, target)?;
    if SYSTEM_DIRS.contains(&info.path.as_str()) || info.mode.is_some_and(|m| m & 0o1000 != 0) {
        return None;
    }
    let owned = info.uid == Some(user.uid) && info.mode.is_none_or(|m| m & 0o200 != 0);
    if owned || can_write(&info, user, s) == Some(true) {
        return Some(Root {
            info,
            home_guess: false,
        });
    }
    let home = user
        .name
        .as_deref()
        .and_then(|n| img.image.user_named(n))
        .and_then(|u| u.home.clone());
    if info.uid.is_none() && home.as_deref() == Some(info.path.as_str()) {
        return Some(Root {
            info,
            home_guess: true,
        });
    }
    None
}

fn who(user: &RuntimeUser) -> String {
    user.render()
}

fn diagnostic(
    cx: &Context,
    s: &Service,
    img: &ServiceImage,
    user: &RuntimeUser,
    h: &Hit,
    all: &[Hit],
    rebuild: &str,
) -> Diagnostic {
    let svc = &s.name.value;
    let vol = h.mount.source.as_ref().map_or("", |x| x.value.as_str());
    let mut d = Diagnostic::error(
        META.code,
        h.mount.target.span,
        format!(
            "service `{svc}` mounts the new volume `{vol}` at {}, which the image does not have: Docker creates the volume owned by root (0755) and copies nothing into it, so {} cannot write there",
            h.target,
            who(user)
        ),
    );
    if let Some(via) = h.mount.target.via {
        d = d.label(via, "used through this alias");
    }
    if let Some(uf) = &img.user {
        d = d.note(format!(
            "image facts: {}: the process runs as {}",
            uf.evidence.render(),
            who(user)
        ));
    }
    let mut missing = format!(
        "image facts: {}: {} is not in the image",
        h.absent.render(),
        h.target
    );
    if let Some(anc) = nearest_existing_ancestor(img, &h.target) {
        if let Some(kids) = listed_children(img, &anc.path) {
            if kids.is_empty() {
                missing.push_str(&format!("; {} is empty", anc.path));
            } else {
                missing.push_str(&format!("; {} holds only {}", anc.path, kids.join(", ")));
            }
        }
    }
    d = d.note(missing);
    d = d.note("Docker copies an image directory's content, owner and mode into a new volume only when the directory exists in the image; otherwise the volume keeps the local driver's root:root 0755 (moby daemon/create_unix.go populateVolume, volume/local Create)");

    let root = root_for(img, user, s, &h.target);
    let mut help = Vec::new();
    if let Some(r) = &root {
        let group: Vec<&Hit> = all
            .iter()
            .filter(|o| {
                root_for(img, user, s, &o.target).is_some_and(|x| x.info.path == r.info.path)
            })
            .collect();
        let owner = match (&r.info.owner(), r.home_guess) {
            (Some(o), _) => format!("belongs to {o}"),
            (None, _) => format!(
                "is the home directory of {}",
                user.name.as_deref().unwrap_or("the user")
            ),
        };
        let mode = r
            .info
            .mode
            .map(|m| format!(", mode {}", mode_str(m)))
            .unwrap_or_default();
        let mut text = format!(
            "mount the volume at {} instead: it exists in the image and {owner}{mode}, so a new volume there copies that owner",
            r.info.path
        );
        if group.len() > 1 {
            let names: Vec<String> = group
                .iter()
                .map(|g| {
                    format!(
                        "{} ({})",
                        g.target,
                        g.mount.source.as_ref().map_or("", |x| x.value.as_str())
                    )
                })
                .collect();
            text.push_str(&format!(
                "; this one volume replaces the {} volumes at {}",
                group.len(),
                names.join(", ")
            ));
        }
        let programs = program_files_under(img, &r.info.path);
        if programs.is_empty() {
            help.push(text);
        } else {
            // Prefer the rebuild: the root mount would freeze the program.
            help.push(rebuild.trim_start_matches("or ").to_string());
            help.push(format!(
                "or {text}, accepting that the program files are frozen in the volume"
            ));
        }
        if !programs.is_empty() {
            d = d.note(format!(
                "warning: {} holds program files of the image ({}): a volume there freezes them at its first copy, and later image versions will not replace them (the upgraded program is hidden, e.g. exit 127); prefer rebuilding the image",
                r.info.path,
                programs.join(", ")
            ));
        }
        if r.home_guess {
            d = d.note(format!(
                "the facts do not give the owner of {}; it is the home directory of {}, which is normally theirs",
                r.info.path,
                user.name.as_deref().unwrap_or("the user")
            ));
        }
        if let Some(fix) = root_fix(cx, s, &r.info.path, &group) {
            d = d.fix(fix);
        }
    } else if let Some(anc) = nearest_existing_ancestor(img, &h.target) {
        let why = match (anc.owner(), anc.mode) {
            (Some(o), Some(m)) => format!("belongs to {o}, mode {}", mode_str(m)),
            (Some(o), None) => format!("belongs to {o}"),
            _ => "has no known owner".to_string(),
        };
        help.push(format!(
            "the nearest existing directory, {}, {why}: it is not a place for one volume",
            anc.path
        ));
    }
    if help.is_empty() {
        help.push(rebuild.trim_start_matches("or ").to_string());
    } else if help.len() < 2 {
        help.push(rebuild.to_string());
    }
    d = d.help(help.join("; "));
    if let Some(env) = &img.image.data_dir_env {
        let cur = img.image.env(&env.value).map(|f| f.value.clone());
        d = d.note(format!(
            "the image reads its data directory from `{}`{} ({}): point it at a directory {} can write, or mount the volume there",
            env.value,
            cur.map(|c| format!(" (default {c})")).unwrap_or_default(),
            env.evidence.render(),
            who(user)
        ));
    }
    d = d.note("either fix relies on Docker's copy into the volume, which happens only while the volume is empty; a volume that already holds data keeps its owner");
    d
}

/// The exact edit for the root mount: the first entry's target becomes the
/// root, the other entries of the group are deleted with their lines, and
/// so are the top-level definitions of the volumes no service mounts any
/// more (as the seed's working file has them). The title carries the
/// warning the page gives: the volume keeps its first copy of the image's
/// files under the root.
fn root_fix(cx: &Context, s: &Service, root: &str, group: &[&Hit]) -> Option<Fix> {
    // A mount already at the root: the volumes below it are mounted inside
    // it, and the mount points Docker creates there are still root's.
    if s.volumes.iter().any(|m| normalize(&m.target.value) == root) {
        return None;
    }
    let first = group.first()?;
    let mut edits = vec![Edit {
        span: exact_target(cx, first.mount)?,
        replacement: root.to_string(),
    }];
    let first_vol = first.mount.source.as_ref().map_or("", |x| x.value.as_str());
    let mut dropped: Vec<&str> = Vec::new();
    for h in &group[1..] {
        if h.mount.target.via.is_some() {
            return None;
        }
        edits.push(Edit {
            span: entry_lines(cx, h.mount.span)?,
            replacement: String::new(),
        });
        let name = h.mount.source.as_ref().map_or("", |x| x.value.as_str());
        if name != first_vol && !dropped.contains(&name) {
            dropped.push(name);
        }
    }
    let mut removed = Vec::new();
    for name in &dropped {
        let gone = group.iter().skip(1).map(|h| h.mount).collect::<Vec<_>>();
        let still_used = mounts_of(cx.project, name)
            .into_iter()
            .any(|(_, m)| !gone.iter().any(|g| std::ptr::eq(*g, m)));
        if still_used {
            continue;
        }
        let Some(def) = cx.project.volume(name) else {
            continue;
        };
        // Left in place when it cannot be removed as whole lines (flow
        // style); the edit check then refuses the fix for the unused volume.
        if let Some(span) = definition_lines(cx, def) {
            edits.push(Edit {
                span,
                replacement: String::new(),
            });
            removed.push(*name);
        }
    }
    let mut title = format!("mount `{first_vol}` at {root}");
    if group.len() > 1 {
        title.push_str(&format!(
            " and remove the {} other volume line(s) it replaces",
            group.len() - 1
        ));
    }
    if !removed.is_empty() {
        let names: Vec<String> = removed.iter().map(|n| format!("`{n}`")).collect();
        title.push_str(&format!(
            ", and the definition of {}, no longer used",
            names.join(", ")
        ));
    }
    title.push_str(&format!(
        " (warning: the volume keeps its first copy of the image's files under {root}; a newer image's files there stay hidden behind it)"
    ));
    Some(Fix {
        title,
        edits,
        applicability: Applicability::Unsafe,
    })
}

/// The whole lines of a top-level volume definition written in block
/// style: from its key's line to the end of its value's last line, when
/// nothing but the definition (and a trailing comment) is on them.
fn definition_lines(cx: &Context, def: &crate::model::VolumeDef) -> Option<crate::source::Span> {
    let key = def.name.span;
    if def.span.file != key.file {
        return None;
    }
    let file = cx.sources.get(key.file);
    let text = &*file.text;
    let line = file.line_col(key.start as usize).line;
    let start = file.line_range(line).start;
    if !text[start..key.start as usize].chars().all(|c| c == ' ') {
        return None;
    }
    let end = (def.span.end as usize).max(key.end as usize);
    let last = file.line_range(file.line_col(end).line);
    let after = text.get(end..last.end)?.trim();
    if !(after.is_empty() || after.starts_with('#') || after == ":" || after == ": {}") {
        return None;
    }
    let stop = text[last.end..]
        .find('\n')
        .map_or(text.len(), |i| last.end + i + 1);
    Some(crate::source::Span::new(key.file, start, stop))
}

/// The rebuild fix, as text: the Dockerfile lines that create the
/// directories owned by the user, in the service's own Dockerfile when it
/// has `build:`, else in a new one `FROM` the image.
fn rebuild_help(
    cx: &Context,
    s: &Service,
    img: &ServiceImage,
    user: &RuntimeUser,
    targets: &[&str],
) -> String {
    let list = targets.join(" ");
    let owner = chown_spec(user);
    let image_user = img
        .image
        .user
        .as_ref()
        .map(|u| u.value.clone())
        .filter(|u| !u.is_empty() && u != "root" && u != "0" && !u.starts_with("0:"));
    let shell = img.has_binary("/bin/sh") != Some(false);
    // Without a shell in the image, `RUN` cannot run: an empty directory
    // from a helper stage, copied with `--chown` (which applies to the
    // destination directory COPY creates).
    let mut pre = Vec::new();
    let mut lines = Vec::new();
    if shell {
        if image_user.is_some() {
            lines.push("USER root".to_string());
        }
        lines.push(format!("RUN mkdir -p {list} && chown {owner} {list}"));
        if let Some(u) = &image_user {
            lines.push(format!("USER {u}"));
        }
    } else {
        pre.push("FROM busybox:1.36 AS empty-dir".to_string());
        pre.push("RUN mkdir /empty".to_string());
        for t in targets {
            lines.push(format!("COPY --from=empty-dir --chown={owner} /empty {t}"));
        }
    }
    let block = |ls: &[String]| {
        ls.iter()
            .map(|l| format!("`{l}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let why = format!(
        "or rebuild the image so that {} exist{} and belong{} to {owner}",
        list,
        if targets.len() == 1 { "s" } else { "" },
        if targets.len() == 1 { "s" } else { "" },
    );
    let _ = cx;
    let before = if pre.is_empty() {
        String::new()
    } else {
        format!(
            " add before the first FROM the lines {} (the image has no shell), and",
            block(&pre)
        )
    };
    if let Some(b) = &s.build {
        if b.dockerfile_inline.is_some() {
            return format!(
                "{why}: in the service's `dockerfile_inline`,{before} add at the end the lines {}",
                block(&lines)
            );
        }
        let context = b.context.as_ref().map_or(".", |c| c.value.as_str());
        let name = b
            .dockerfile
            .as_ref()
            .map_or("Dockerfile", |d| d.value.as_str());
        let label = if context == "." {
            name.to_string()
        } else {
            format!("{}/{name}", context.trim_end_matches('/'))
        };
        if let Some(Evidence::Dockerfile {
            path,
            line,
            instruction,
        }) = img.image.user.as_ref().map(|u| &u.evidence)
        {
            return format!(
                "{why}: in {path},{before} add after line {line} (`{instruction}`) the lines {}",
                block(&lines)
            );
        }
        return format!(
            "{why}: in {label},{before} add at the end of the stage it builds the lines {}",
            block(&lines)
        );
    }
    let Some(reference) = &img.reference else {
        return format!(
            "{why}: add to the image's Dockerfile the lines {}",
            block(&lines)
        );
    };
    let mut df = pre;
    df.push(format!("FROM {reference}"));
    df.extend(lines);
    format!(
        "{why}: write a Dockerfile with the lines {}, and in service `{}`, replace `image: {reference}` with `build: <the directory of that Dockerfile>` (keeping `image: {reference}` as well would tag your build with the upstream name)",
        block(&df),
        s.name.value
    )
}
