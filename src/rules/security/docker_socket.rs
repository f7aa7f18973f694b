//! C101: the Docker API socket mounted into a container.
//!
//! Whoever can talk to the socket can ask the daemon to start a privileged
//! container with the host's `/` mounted: that is root on the host. `:ro`
//! does not help: it stops writes to the socket file, not connections.

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::reference::Reference;
use crate::model::{Mount, MountKind};
use crate::rules::mounts::paths::normalize_abs;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C101",
    name: "docker-socket",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Info],
    levels_why: "info for an image that needs the Docker API by design (Traefik, Portainer, nginx-proxy...); nothing at all on a socket proxy, the remedy the rule recommends.",
    fix: FixAvailability::None,
    summary: "The Docker socket is mounted into a container, which gives it root on the host.",
    exit_codes: &[],
    page: page!("C101-docker-socket.md"),
};

/// Images whose job is to manage or watch containers through the API.
const DOCKER_TOOLS: &[&str] = &[
    "docker.io/library/traefik",
    "docker.io/traefik/traefik",
    "docker.io/portainer/portainer",
    "docker.io/portainer/portainer-ce",
    "docker.io/portainer/portainer-ee",
    "docker.io/portainer/agent",
    "docker.io/containrrr/watchtower",
    "docker.io/nginxproxy/nginx-proxy",
    "docker.io/jwilder/nginx-proxy",
    "docker.io/nginxproxy/docker-gen",
    "docker.io/jwilder/docker-gen",
    "docker.io/nginxproxy/acme-companion",
    "docker.io/jrcs/letsencrypt-nginx-proxy-companion",
    "docker.io/amir20/dozzle",
    "docker.io/gliderlabs/logspout",
    "gcr.io/cadvisor/cadvisor",
    "docker.io/google/cadvisor",
    "docker.io/library/docker",
    "docker.io/gitlab/gitlab-runner",
];

/// What the mount exposes: the socket itself, or a directory holding it.
fn exposes_socket(m: &Mount) -> Option<&'static str> {
    let src = &m.source.as_ref()?.value;
    if m.kind.value == MountKind::Npipe
        || (m.kind.value == MountKind::Bind && src.starts_with(r"\\"))
    {
        return src
            .to_ascii_lowercase()
            .ends_with(r"\pipe\docker_engine")
            .then_some("the Docker engine's named pipe");
    }
    if m.kind.value != MountKind::Bind {
        return None;
    }
    let host = normalize_abs(src)?;
    match host.as_str() {
        "/var/run/docker.sock" | "/run/docker.sock" => Some("the Docker socket"),
        "/var/run" | "/run" => Some("the host's `/run`, which holds the Docker socket"),
        h if h.ends_with("/docker.sock") => Some("a Docker socket"),
        _ => None,
    }
}

/// A socket proxy (tecnativa/docker-socket-proxy, linuxserver/socket-proxy,
/// any image named `*socket-proxy*`): the remedy this rule recommends, so
/// the socket on the proxy itself is not a finding.
fn is_socket_proxy(r: &Reference) -> bool {
    let repo = r.repository();
    let last = repo.rsplit('/').next().unwrap_or(&repo);
    last.contains("socket-proxy") || last.contains("socketproxy") || last == "docker-proxy"
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        // The image is looked at only for a service that mounts a socket.
        let mut sockets = s
            .volumes
            .iter()
            .filter_map(|m| Some((m, exposes_socket(m)?)))
            .peekable();
        if sockets.peek().is_none() {
            continue;
        }
        let reference = cx.reference(s);
        if reference.as_deref().is_some_and(is_socket_proxy) {
            continue;
        }
        let tool = reference
            .map(|r| r.repository())
            .filter(|r| DOCKER_TOOLS.contains(&r.as_str()));
        for (m, what) in sockets {
            let span = m.source.as_ref().map_or(m.span, |s| s.span);
            let name = &s.name.value;
            let d = match &tool {
                Some(repo) => Diagnostic::info(
                    META.code,
                    span,
                    format!(
                        "service `{name}` mounts {what}; `{}` needs the Docker API by design, but anyone who controls this container is root on the host",
                        repo.trim_start_matches("docker.io/").trim_start_matches("library/")
                    ),
                )
                .help("give it only the API calls it needs through a socket proxy (tecnativa/docker-socket-proxy), and keep the container off public networks"),
                None => Diagnostic::warning(
                    META.code,
                    span,
                    format!(
                        "service `{name}` mounts {what}: whoever controls this container can start a privileged container with the host's `/` mounted, i.e. is root on the host"
                    ),
                )
                .help("remove the mount; if the service needs the Docker API, put a socket proxy that allows only those calls (tecnativa/docker-socket-proxy) in between"),
            };
            let d = if m.is_read_only() {
                d.note("`:ro` does not protect the host: it stops writes to the socket file, not API calls through it")
            } else {
                d.note("mounting it read-only (`:ro`) would not help: the API still answers through a read-only socket")
            };
            out.push(d);
        }
    }
}
