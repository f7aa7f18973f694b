//! M103: a named volume whose ownership does not come from the image
//! (`nocopy`, `subpath`, `external`, another driver, `driver_opts`), for a
//! non-root user: somebody must make it writable for that user.

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::facts::normalize;
use crate::image::PathFact;
use crate::rules::mounts::{
    chown_spec, chowned_on_start, non_root_user, volume_origin, VolumeOrigin,
};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M103",
    name: "no-copy-up",
    group: Group::Mounts,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "A named volume whose owner does not come from the image (nocopy, subpath, external, another driver), for a non-root user.",
    exit_codes: &[],
    page: page!("M103-no-copy-up.md"),
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
            let Some(VolumeOrigin::NoCopyUp(def, why)) = volume_origin(p, m) else {
                continue;
            };
            if m.is_read_only() || !m.target.value.starts_with('/') {
                continue;
            }
            let target = normalize(&m.target.value);
            if chowned_on_start(s, img, &target) {
                continue;
            }
            let image_side = match img.path(&target) {
                PathFact::Unknown { .. } => continue,
                PathFact::Absent { .. } => "the image has nothing there".to_string(),
                PathFact::Exists(i) => match i.owner() {
                    Some(o) => format!(
                        "the image's {target} belongs to {o}, but that is not what the volume gets"
                    ),
                    None => {
                        format!("the image has {target}, but its owner is not what the volume gets")
                    }
                },
            };
            let owner = chown_spec(user);
            let vol = &def.name.value;
            let mut d = Diagnostic::warning(
                META.code,
                m.target.span,
                format!(
                    "service `{}` runs as {} and mounts volume `{vol}` at {target}, but {why}: the volume must already be writable by {owner}",
                    s.name.value,
                    user.render()
                ),
            )
            .note(image_side);
            if let Some(uf) = &img.user {
                d = d.note(format!(
                    "image facts: {}: the process runs as {}",
                    uf.evidence.render(),
                    user.render()
                ));
            }
            d = d.help(format!(
                "make sure the volume's root belongs to {owner} before the service starts, e.g. `docker run --rm -v <volume>:/v busybox chown {owner} /v`{}",
                if m.volume.as_ref().and_then(|v| v.subpath.as_ref()).is_some() {
                    " (for `subpath`, chown that directory inside the volume)"
                } else {
                    ""
                }
            ));
            out.push(d);
        }
    }
}
