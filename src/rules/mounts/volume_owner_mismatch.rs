//! M102: a new named volume over an image directory that the effective
//! user cannot write. Docker's copy-up gives the volume that directory's
//! owner and mode, so the volume is just as unwritable.

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::facts::normalize;
use crate::image::{PathFact, PathKind};
use crate::rules::mounts::{
    can_write, chown_spec, chowned_on_start, mode_str, mounts_of, non_root_user, volume_origin,
    VolumeOrigin,
};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M102",
    name: "volume-owner-mismatch",
    group: Group::Mounts,
    default_severity: Severity::Error,
    levels: &[Severity::Error, Severity::Warning],
    levels_why: "error when the image facts give the directory's owner and mode and the user cannot write there; warning when the mode is not known.",
    fix: FixAvailability::None,
    summary: "A new named volume copies the owner of an image directory that the service's user cannot write.",
    exit_codes: &[1],
    page: page!("M102-volume-owner-mismatch.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let p = cx.project;
    for s in &p.services {
        let Some(img) = cx.image(s) else { continue };
        if !img.is_known() {
            continue;
        }
        let Some(user) = non_root_user(s, img) else {
            continue;
        };
        for m in &s.volumes {
            let Some(VolumeOrigin::CopyUp(def)) = volume_origin(p, m) else {
                continue;
            };
            if m.is_read_only() || !m.target.value.starts_with('/') {
                continue;
            }
            let target = normalize(&m.target.value);
            let PathFact::Exists(info) = img.path(&target) else {
                continue;
            };
            // Docker copies only directories (populateVolume).
            if info.kind != Some(PathKind::Dir) || chowned_on_start(s, img, &target) {
                continue;
            }
            let Some(owner_uid) = info.uid else { continue };
            if owner_uid == user.uid {
                continue;
            }
            // The same volume mounted by another service may be filled
            // from another image first.
            if mounts_of(p, &def.name.value).into_iter().any(|(s2, m2)| {
                let same = normalize(&m2.target.value) == target
                    && cx.image(s2).and_then(|i| i.reference.as_ref()) == img.reference.as_ref();
                !std::ptr::eq(m2, m) && !same
            }) {
                continue;
            }
            let severity = match can_write(&info, user, s) {
                Some(true) => continue,
                Some(false) => Severity::Error,
                None if info.mode.is_none() => Severity::Warning,
                None => continue,
            };
            let owner = info.owner().unwrap_or_default();
            let svc = &s.name.value;
            let vol = &def.name.value;
            let how = match info.mode {
                Some(m) => format!("{owner}, mode {}", mode_str(m)),
                None => owner.clone(),
            };
            let msg = if severity == Severity::Error {
                format!(
                    "service `{svc}` runs as {} but the new volume `{vol}` at {target} gets the image directory's owner {how}: the process cannot write there",
                    user.render()
                )
            } else {
                format!(
                    "service `{svc}` runs as {} but the new volume `{vol}` at {target} gets the image directory's owner {owner}: the process cannot write there unless the directory is writable by others, which the facts do not say",
                    user.render()
                )
            };
            let mut d = Diagnostic::new(META.code, severity, m.target.span, msg);
            if let Some(via) = m.target.via {
                d = d.label(via, "used through this alias");
            }
            if let Some(uf) = &img.user {
                d = d.note(format!(
                    "image facts: {}: the process runs as {}",
                    uf.evidence.render(),
                    user.render()
                ));
            }
            d = d.note(format!(
                "image facts: {}: {target} belongs to {how}",
                info.evidence.render()
            ));
            d = d.note("Docker copies the image directory's content, owner and mode into a new volume (moby populateVolume, continuity copyFileInfo on the volume root)");
            let image_user = img
                .image
                .user
                .as_ref()
                .map(|u| u.value.clone())
                .filter(|u| !u.is_empty());
            let mut help = Vec::new();
            if s.user.is_some() {
                match &image_user {
                    Some(u) => help.push(format!(
                        "run the service as the image's own user (remove `user:`, so it runs as `{u}`, which the image prepared {target} for)"
                    )),
                    None => help.push("remove `user:` if the image's own start-up prepares the directory".to_string()),
                }
            }
            help.push(format!(
                "or make the directory the user's in a derived image: `USER root`, `RUN chown {} {target}`, then `USER` back",
                chown_spec(user)
            ));
            help.push(format!(
                "or, for a volume that already exists, change its owner once: `docker run --rm -v {vol}:/v busybox chown {} /v` (with the project's volume name)",
                chown_spec(user)
            ));
            d = d.help(help.join("; "));
            out.push(d);
        }
    }
}
