//! M105: a bind-mounted host directory that the service's non-root user
//! cannot write. A bind mount keeps the host's owner and mode; nothing is
//! copied or changed.

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::facts::normalize;
use crate::image::PathFact;
use crate::model::MountKind;
use crate::rules::mounts::{
    chown_spec, chowned_on_start, mode_str, non_root_user, project_bind_source, read_only_use,
    BindSource,
};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M105",
    name: "bind-source-owner",
    group: Group::Mounts,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "warning for a directory of this checkout (or, with `--engine` on a local engine, of this host) that the service's user cannot write; info for an absolute host path that cannot be checked here.",
    fix: FixAvailability::None,
    summary: "A writable bind-mounted directory that the service's non-root user cannot write on this host.",
    exit_codes: &[],
    page: page!("M105-bind-source-owner.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(img) = cx.image(s).filter(|i| i.is_known()) else {
            continue;
        };
        let Some(user) = non_root_user(s, img) else {
            continue;
        };
        for m in &s.volumes {
            if m.kind.value != MountKind::Bind || m.is_read_only() {
                continue;
            }
            let target = normalize(&m.target.value);
            if chowned_on_start(s, img, &target) {
                continue;
            }
            // Read-only use (a configuration directory, a config file): no
            // "cannot write" claim.
            if read_only_use(m, &target).is_some() {
                continue;
            }
            let Some(src) = &m.source else { continue };
            let owner = chown_spec(user);
            // Only where the image shows the service writes: a directory the
            // image gives to the user, a declared VOLUME, or its data
            // directory. Configuration directories are only read.
            let writes_here = match img.path(&target) {
                PathFact::Exists(i) => {
                    i.uid == Some(user.uid) && i.kind == Some(crate::image::PathKind::Dir)
                }
                _ => false,
            } || img
                .image
                .volumes
                .iter()
                .any(|v| normalize(&v.value) == target)
                || img
                    .image
                    .data_dir_env
                    .as_ref()
                    .and_then(|e| img.image.env(&e.value))
                    .is_some_and(|v| normalize(&v.value) == target);
            if !writes_here {
                continue;
            }
            if let Some(BindSource {
                written,
                path,
                on_host,
            }) = project_bind_source(cx, m)
            {
                let Some((uid, gid, mode)) = dir_owner(&path) else {
                    continue;
                };
                if uid == user.uid {
                    continue;
                }
                let writable = mode & 0o002 != 0
                    || (mode & 0o020 != 0
                        && (user.gid.is_none_or(|g| g == gid) || !s.group_add.is_empty()));
                if writable {
                    continue;
                }
                out.push(
                    Diagnostic::warning(
                        META.code,
                        src.span,
                        format!(
                            "bind source `{written}` of service `{}` belongs to {uid}:{gid} (mode {}) on this host, and the service runs as {}, so it cannot write there",
                            s.name.value,
                            mode_str(mode),
                            user.render()
                        ),
                    )
                    .help(format!(
                        "give the directory to the service's user: `sudo chown -R {owner} {written}` (or mount it `:ro` if the service only reads it)"
                    ))
                    .note(if on_host {
                        "a bind mount keeps the host's owner and mode; this is the owner on this machine, which runs the Docker engine (`--engine`; the daemon's name is this host's)"
                    } else {
                        "a bind mount keeps the host's owner and mode; this is the owner in this checkout, which may differ on the host that runs the project"
                    }),
                );
            } else if src.value.starts_with('/') && !src.value.contains('$') {
                // Outside the project: not checked; when the image prepared
                // that directory for the user, say what the host needs.
                let PathFact::Exists(info) = img.path(&target) else {
                    continue;
                };
                if info.uid != Some(user.uid) || info.kind != Some(crate::image::PathKind::Dir) {
                    continue;
                }
                out.push(
                    Diagnostic::info(
                        META.code,
                        src.span,
                        format!(
                            "service `{}` runs as {} and writes to {target}, which the image gives to {}; the bind mount replaces it with the host's `{}` and that directory's owner",
                            s.name.value,
                            user.render(),
                            info.owner().unwrap_or_default(),
                            src.value
                        ),
                    )
                    .help(format!(
                        "on the host, make it the user's: `sudo mkdir -p {0} && sudo chown {owner} {0}`",
                        src.value
                    ))
                    .note(format!(
                        "image facts: {}: {target} belongs to {}",
                        info.evidence.render(),
                        info.owner().unwrap_or_default()
                    )),
                );
            }
        }
    }
}

/// Owner, group and mode of an existing directory (symlinks followed).
#[cfg(unix)]
fn dir_owner(path: &std::path::Path) -> Option<(u32, u32, u32)> {
    use std::os::unix::fs::MetadataExt;
    let md = std::fs::metadata(path).ok()?;
    md.is_dir().then(|| (md.uid(), md.gid(), md.mode()))
}

#[cfg(not(unix))]
fn dir_owner(_: &std::path::Path) -> Option<(u32, u32, u32)> {
    None
}
