//! C120 (opt-in): the process runs as root. Only when the image facts say
//! so and nothing overrides it; silent for images that start as root and
//! step down to their own user (gosu, su-exec, setpriv).

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::is_privileged;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C120",
    name: "runs-as-root",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "(strict) By the image facts the process runs as root, and nothing changes that.",
    exit_codes: &[],
    page: page!("C120-runs-as-root.md"),
};

/// Programs an entrypoint uses to step down from root.
const STEP_DOWN: &[&str] = &[
    "gosu",
    "su-exec",
    "setpriv",
    "s6-setuidgid",
    "chpst",
    "runuser",
    "su",
];

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if is_privileged(s) {
            continue; // C103 says more
        }
        let Some(img) = cx.image(s) else {
            continue;
        };
        let Some(user) = &img.user else {
            continue;
        };
        if !user.value.is_root() {
            continue;
        }
        // The facts must say that the start does not step down: unknown
        // (a Dockerfile-built image, whose entrypoint script may use gosu)
        // is silence, and so is an entrypoint set after the fact was known.
        let Some(drops) = &img.image.starts_as_root_and_drops else {
            continue;
        };
        if drops.value {
            continue;
        }
        if img
            .image
            .entrypoint
            .as_ref()
            .is_some_and(|e| e.evidence != drops.evidence)
        {
            continue;
        }
        // The service's own entrypoint replaces the image's: its script may
        // step down, so only a direct program is judged.
        if s.entrypoint.as_ref().is_some_and(|e| {
            e.argv
                .first()
                .is_some_and(|a| a.ends_with(".sh") || a.starts_with("./"))
        }) {
            continue;
        }
        // The service's own entrypoint or command steps down.
        let steps_down = s
            .entrypoint
            .iter()
            .chain(s.command.iter())
            .flat_map(|c| c.argv.iter())
            .flat_map(|a| a.split_whitespace())
            .any(|w| STEP_DOWN.contains(&w.rsplit('/').next().unwrap_or(w)));
        if steps_down {
            continue;
        }
        let (span, why) = match &s.user {
            Some(u) => (u.span, format!("`user: {}` is root", u.value)),
            None => (
                s.name.span,
                "its image sets no non-root USER and its entrypoint does not step down".to_string(),
            ),
        };
        let users: Vec<String> = img
            .image
            .users
            .iter()
            .filter(|u| {
                u.uid.is_some_and(|id| id >= 1000) || u.name == "nobody" || u.name == "node"
            })
            .map(|u| format!("`{}`", u.name))
            .take(3)
            .collect();
        let help = if users.is_empty() {
            "set `user: \"1000:1000\"` (any unprivileged uid), after making sure the paths it writes are writable by that uid".to_string()
        } else {
            format!(
                "set `user:` to an unprivileged user the image has ({}), after making sure the paths it writes are writable by it",
                users.join(", ")
            )
        };
        out.push(
            Diagnostic::warning(
                META.code,
                span,
                format!(
                    "service `{}` runs as root ({why}): a flaw in the program gives the attacker root in the container, where every file is writable and a kernel or runtime bug is a step from the host",
                    s.name.value
                ),
            )
            .help(help)
            .note(format!("image facts: {}", user.evidence.render()))
            .note("CIS Docker Benchmark 4.1: create a user for the container; OWASP Docker Top 10 D01 (secure user mapping)"),
        );
    }
}
