//! S107: a service with neither `image` nor `build`.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "S107",
    name: "missing-image-or-build",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error, Severity::Warning, Severity::Info],
    levels_why: "error by default; when the `image` is empty only because a required variable (`${IMAGE:?}`) is unset, the level of that S007, or warning when an env file beside the Compose file shows the project prepares the environment.",
    fix: FixAvailability::None,
    summary: "A service has neither `image` nor `build`.",
    exit_codes: &[],
    page: page!("S107-missing-image-or-build.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    // An overlay gets its images from the base it is layered on; an
    // incomplete project may get them from a file that was not read.
    if cx.overlay || cx.incomplete {
        return;
    }
    for s in &cx.project.services {
        // A `provider` service (a model runner, a cloud resource) is run by
        // a plugin and needs no image either.
        if s.build.is_some() || s.provider.is_some() || s.extends.is_some() {
            continue;
        }
        // An empty `image` (most often a variable that is not set) is no
        // image to Compose v2.
        if let Some(image) = &s.image {
            if image.value.trim().is_empty() {
                out.push(
                    Diagnostic::error(
                        META.code,
                        image.span,
                        format!(
                            "`image` of service `{}` is empty and it has no `build`; `docker compose` refuses the project (\"has neither an image nor a build context specified\")",
                            s.name.value
                        ),
                    )
                    .help("name the image; if it comes from a variable, set the variable or give it a default: `${VAR:-name:tag}`"),
                );
            }
            continue;
        }
        out.push(
            Diagnostic::error(
                META.code,
                s.name.span,
                format!(
                    "service `{}` has neither `image` nor `build`; `docker compose` refuses the project (\"has neither an image nor a build context specified\")",
                    s.name.value
                ),
            )
            .help("add `image: <name>:<tag>` or `build: <dir>`; if this file is meant to be layered on another with `-f`, name it like `docker-compose.<env>.yml` next to its base"),
        );
    }
}
