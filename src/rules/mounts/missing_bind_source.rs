//! M104: a relative bind source that does not exist in the project (or,
//! with the engine on this machine, an absolute one that does not exist
//! here). The daemon creates it as an empty root-owned directory (short
//! syntax, and long syntax unless `bind.create_host_path: false`).

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::facts::normalize;
use crate::image::{PathFact, PathKind};
use crate::rules::mounts::{
    chown_spec, chowned_on_start, non_root_user, project_bind_source, read_only_use, BindSource,
};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M104",
    name: "missing-bind-source",
    group: Group::Mounts,
    default_severity: Severity::Error,
    levels: &[Severity::Error, Severity::Info],
    levels_why: "error when a missing file becomes a directory, or when a non-root user must write into the root-owned directory Docker creates; info when the service only reads there (`:ro`, a configuration directory: no \"cannot write\" claim) or when its user is root or not known.",
    fix: FixAvailability::None,
    summary: "A relative bind source that does not exist: Docker creates an empty root-owned directory there.",
    exit_codes: &[127, 253],
    page: page!("M104-missing-bind-source.md"),
};

/// Extensions that name files, not directories.
const FILE_EXTENSIONS: &[&str] = &[
    "conf",
    "cnf",
    "cfg",
    "ini",
    "toml",
    "yml",
    "yaml",
    "json",
    "xml",
    "properties",
    "env",
    "sh",
    "bash",
    "py",
    "js",
    "mjs",
    "cjs",
    "ts",
    "php",
    "rb",
    "pl",
    "lua",
    "sql",
    "txt",
    "md",
    "html",
    "htm",
    "css",
    "pem",
    "crt",
    "cert",
    "key",
    "p12",
    "pfx",
    "jks",
    "htpasswd",
    "log",
    "db",
    "sqlite",
    "sqlite3",
    "lock",
    "pid",
    "sock",
    "jar",
    "war",
    "zip",
    "gz",
    "tgz",
    "tar",
    "acl",
    "rules",
    "vcl",
    "tpl",
    "template",
    "j2",
    "service",
    "list",
    "csv",
    "jsonc",
    "hcl",
    "tf",
    "caddyfile",
    "pub",
    "asc",
    "gpg",
    "exs",
    "ex",
    "cjson",
];

fn looks_like_file(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    let Some((stem, ext)) = name.rsplit_once('.') else {
        return false;
    };
    !stem.is_empty() && FILE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str())
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        for m in &s.volumes {
            let Some(BindSource {
                written,
                path,
                on_host,
            }) = project_bind_source(cx, m)
            else {
                continue;
            };
            if !m.creates_host_path() || crate::fscache::lexists(&path) {
                continue;
            }
            let src_span = m.source.as_ref().map_or(m.span, |x| x.span);
            let img = cx.image(s).filter(|i| i.is_known());
            let target = normalize(&m.target.value);
            let image_target = img.map(|i| i.path(&target));
            let target_is_file = matches!(&image_target, Some(PathFact::Exists(i)) if i.kind == Some(PathKind::File));
            let target_is_dir =
                matches!(&image_target, Some(PathFact::Exists(i)) if i.kind == Some(PathKind::Dir));
            let file_like = !target_is_dir
                && (target_is_file || looks_like_file(&written) || looks_like_file(&target));
            let svc = &s.name.value;
            let mut d;
            if file_like {
                let what = if target_is_file {
                    format!(
                        "the image has a file at {target}, so the container fails to start: \"not a directory\" (\"Are you trying to mount a directory onto a file (or vice-versa)?\")"
                    )
                } else {
                    format!(
                        "the container either fails to start (\"not a directory\", when the image has a file at {target}) or finds an empty directory where it expects a file"
                    )
                };
                d = Diagnostic::error(
                    META.code,
                    src_span,
                    format!(
                        "bind source `{written}` of service `{svc}` does not exist: Docker creates a directory with that name, and {what}"
                    ),
                )
                .help(format!(
                    "create the file before `docker compose up` (`touch {written}`, or commit it), or write the mount in long syntax with `bind: {{create_host_path: false}}` so that a missing file fails fast instead of becoming a directory"
                ));
                if let Some(PathFact::Exists(i)) = &image_target {
                    d = d.note(format!(
                        "image facts: {}: {target} is a file",
                        i.evidence.render()
                    ));
                }
            } else {
                let numeric = numeric_user(s);
                let user = img.and_then(|i| non_root_user(s, i)).or(numeric.as_ref());
                let chowned = img.is_some_and(|i| chowned_on_start(s, i, &target));
                let reads = read_only_use(m, &target);
                match user.filter(|_| !chowned && reads.is_none()) {
                    Some(u) => {
                        d = Diagnostic::error(
                            META.code,
                            src_span,
                            format!(
                                "bind source `{written}` of service `{svc}` does not exist: Docker creates it as an empty directory owned by root (0755), and the service runs as {}, so it cannot write there",
                                u.render()
                            ),
                        )
                        .help(format!(
                            "create it with the service's owner before `docker compose up`: `mkdir -p {written} && sudo chown {} {written}`; or write the mount in long syntax with `bind: {{create_host_path: false}}` so that a missing directory fails fast",
                            chown_spec(u)
                        ));
                        if let Some(uf) = img.and_then(|i| i.user.as_ref()) {
                            d = d.note(format!(
                                "image facts: {}: the process runs as {}",
                                uf.evidence.render(),
                                u.render()
                            ));
                        }
                    }
                    None => {
                        let known_root = img
                            .and_then(|i| i.runtime_user())
                            .is_some_and(|u| u.is_root())
                            || chowned;
                        // An unknown user is usually root: the corpus shows
                        // these binds on images whose user is not known and
                        // none that fails, so this stays a note.
                        let severity = Severity::Info;
                        d = Diagnostic::new(
                            META.code,
                            severity,
                            src_span,
                            format!(
                                "bind source `{written}` of service `{svc}` does not exist: Docker creates it as an empty directory owned by root (0755){}",
                                match (&reads, known_root) {
                                    (Some(why), _) => format!(
                                        "; the service only reads there ({why}), so it finds an empty directory where it expects its files"
                                    ),
                                    (None, true) => {
                                        ", which the service (root at start) can use".to_string()
                                    }
                                    (None, false) => {
                                        "; if the service runs as a non-root user, it cannot write there"
                                            .to_string()
                                    }
                                }
                            ),
                        )
                        .help(format!(
                            "create it before `docker compose up` (`mkdir -p {written}`, owned by the user the service runs as), or write the mount in long syntax with `bind: {{create_host_path: false}}` so that a missing directory fails fast"
                        ));
                    }
                }
            }
            d = d.note(if on_host {
                format!(
                    "looked for {} on this machine, which runs the Docker engine (`--engine`; the daemon's name is this host's)",
                    path.display()
                )
            } else {
                format!(
                    "looked for {} (relative to the project directory)",
                    path.strip_prefix(cx.project_dir).unwrap_or(&path).display()
                )
            });
            d = d.note("the daemon creates a missing bind source as a root-owned 0755 directory (moby MountPoint.Setup, \"defaults to assuming the host-path was intended to be a directory\")");
            out.push(d);
        }
    }
}

/// A numeric `user: uid[:gid]` other than 0, known without image facts.
fn numeric_user(s: &crate::model::Service) -> Option<crate::image::RuntimeUser> {
    let u = s.user.as_ref()?;
    let (uid, gid) = match u.value.split_once(':') {
        Some((a, b)) => (a.parse::<u32>().ok()?, b.parse::<u32>().ok()),
        None => (u.value.parse::<u32>().ok()?, None),
    };
    (uid != 0).then_some(crate::image::RuntimeUser {
        name: None,
        uid,
        gid,
    })
}
