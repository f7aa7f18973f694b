//! C103: `privileged: true`.
//!
//! A privileged container has every capability, every host device, no
//! seccomp or AppArmor profile and a writable `/sys`: a process that takes
//! it over can mount the host's disk and is root on the host. Images that
//! cannot work otherwise (Docker-in-Docker) get an info.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::{repository, short_repository};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C103",
    name: "privileged",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "info for an image that needs privileges by design.",
    fix: FixAvailability::None,
    summary: "`privileged: true` gives the container every capability and device: whoever controls it is root on the host.",
    exit_codes: &[],
    page: page!("C103-privileged.md"),
};

/// Images that need `privileged` by design: Docker-in-Docker runs its own
/// daemon, cadvisor reads every container's cgroups and devices.
fn needs_privileged(repo: &str, tag: Option<&str>) -> bool {
    match repo {
        "docker.io/library/docker" => tag.is_some_and(|t| t.contains("dind")),
        "gcr.io/cadvisor/cadvisor" | "docker.io/google/cadvisor" => true,
        _ => false,
    }
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(p) = s.privileged.as_ref().filter(|p| p.value) else {
            continue;
        };
        let name = &s.name.value;
        let tag = s
            .image
            .as_ref()
            .and_then(|i| crate::image::reference::Reference::parse(&i.value))
            .and_then(|r| r.tag);
        let by_design = repository(s).filter(|r| needs_privileged(r, tag.as_deref()));
        let d = match by_design {
            Some(repo) => Diagnostic::info(
                META.code,
                p.span,
                format!(
                    "service `{name}` runs privileged; `{}` needs it by design, but whoever controls this container is root on the host",
                    short_repository(&repo)
                ),
            )
            .help("keep this service off public networks and give it no secrets it does not need"),
            None => Diagnostic::warning(
                META.code,
                p.span,
                format!(
                    "service `{name}` runs privileged: it has every capability and every host device, without seccomp or AppArmor, so whoever takes over the container can mount the host's disk and is root on the host"
                ),
            )
            .help("remove `privileged: true` and grant only what the service needs: one capability in `cap_add`, one device in `devices`"),
        };
        out.push(d.note("CIS Docker Benchmark 5.4: do not use privileged containers"));
    }
}
