//! C112: an image reference that cannot be reproduced: `:latest` or no tag
//! (info). With `require-digest = true` in the config, every reference
//! without a `@sha256:` digest (warning).
//!
//! No fix: which tag to pin is the author's choice, and a guessed tag may
//! not exist.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::is_interpolated;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C112",
    name: "unpinned-image",
    group: Group::Security,
    default_severity: Severity::Info,
    levels: &[Severity::Info, Severity::Warning],
    levels_why: "warning with `require-digest = true`.",
    fix: FixAvailability::None,
    summary: "An image reference with `:latest` or no tag (or, with `require-digest`, no digest) pulls different code over time.",
    exit_codes: &[],
    page: page!("C112-unpinned-image.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(image) = &s.image else {
            continue;
        };
        // With `build:`, `image:` names the image built here.
        if s.build.is_some() || is_interpolated(cx, image.span) {
            continue;
        }
        let Some(r) = cx.reference(s) else {
            continue;
        };
        if r.digest.is_some() {
            continue;
        }
        let name = &s.name.value;
        let unpinned = match r.tag.as_deref() {
            None => Some("has no tag, so it means `:latest`"),
            Some("latest") => Some("uses `:latest`"),
            _ => None,
        };
        let d = match unpinned {
            Some(why) => Diagnostic::new(
                META.code,
                if cx.config.require_digest { Severity::Warning } else { Severity::Info },
                image.span,
                format!("service `{name}`'s image `{}` {why}: each pull may bring a different version, so the same file deploys different code over time, and a compromised or broken release arrives unnoticed", image.value),
            )
            .help("pin a version tag you have tested (`name:1.27`), or a digest (`name:1.27@sha256:...`) so that the exact image is used"),
            None if cx.config.require_digest => Diagnostic::warning(
                META.code,
                image.span,
                format!("service `{name}`'s image `{}` has no digest: a tag can be moved to another image (`require-digest` is set)", image.value),
            )
            .help("add the digest of the image you tested: `docker buildx imagetools inspect <image>` prints it; write `name:tag@sha256:...`"),
            None => continue,
        };
        out.push(d.note("OWASP Docker Top 10 D02 (patch management) and D08 (image integrity and origin); CIS Docker Benchmark 4.2 (trusted base images) and 5.27"));
    }
}
