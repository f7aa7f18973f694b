//! M110: an anonymous volume over a directory the image fills.
//!
//! Docker copies the image's content into a new volume once, when the
//! volume is created (`populateVolume` at container create). `docker
//! compose up` carries a service's anonymous volumes over to the
//! recreated container (unless `--renew-anon-volumes`), so after a rebuild
//! the volume still holds the content of the old image.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::MountKind;
use crate::rules::mounts::image_content::populated;
use crate::rules::mounts::paths::target_abs;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M110",
    name: "anonymous-volume-stale",
    group: Group::Mounts,
    default_severity: Severity::Info,
    levels: &[Severity::Info],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "An anonymous volume over a directory the image fills keeps the old content after a rebuild.",
    exit_codes: &[],
    page: page!("M110-anonymous-volume-stale.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(img) = cx.image(s) else { continue };
        for m in &s.volumes {
            if m.kind.value != MountKind::Volume || m.source.is_some() {
                continue;
            }
            if m.volume
                .as_ref()
                .and_then(|v| v.nocopy.as_ref())
                .is_some_and(|n| n.value)
            {
                continue; // nothing is copied, so nothing goes stale
            }
            let Some(target) = target_abs(m) else {
                continue;
            };
            let Some(p) = populated(img, &target) else {
                continue;
            };
            out.push(
                Diagnostic::info(
                    META.code,
                    m.target.span,
                    format!(
                        "service `{}` has an anonymous volume at `{target}` over {}: Docker copies them into the volume only when it is created, and `docker compose up` reuses the volume, so after a rebuild it still holds the old ones",
                        s.name.value, p.what
                    ),
                )
                .note(format!("image facts: {} at {}", p.evidence.render(), p.info.path))
                .help(
                    "after a rebuild run `docker compose up --renew-anon-volumes` (`-V`), or drop the volume if the container does not need its own copy",
                ),
            );
        }
    }
}
