//! M107: a bind mount over a directory the image fills.
//!
//! A bind mount replaces the whole directory: what the image put there is
//! not merged, it is hidden. When the program the container starts lives
//! under that directory, the host's copy is what runs: missing, the start
//! fails with "no such file or directory" (exit 127); present without the
//! exec bit, with "permission denied" (exit 126), as moby's
//! `setExitCodeFromError` maps them.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::image::{Evidence, ImageCommand, PathFact, ServiceImage};
use crate::model::{Mount, MountKind, Service};
use crate::rules::mounts::image_content::{populated, Populated};
use crate::rules::mounts::paths::{is_within, normalize_abs, target_abs};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "M107",
    name: "bind-hides-image-content",
    group: Group::Mounts,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning, Severity::Error, Severity::Info],
    levels_why: "error when the program the container starts is hidden and the host side lacks it or cannot run it (the start fails); warning when other image files are hidden; info when the bind source is the directory the build copied there (only later build steps are hidden).",
    fix: FixAvailability::None,
    summary: "A bind mount over a directory the image fills hides its files, including the program the container starts.",
    exit_codes: &[126, 127],
    page: page!("M107-bind-hides-image-content.md"),
};

const INITS: &[&str] = &["tini", "tini-static", "dumb-init"];
const SHELLS: &[&str] = &["sh", "bash", "ash", "dash"];

/// The program the container starts, and how it is started.
struct Start {
    argv: Vec<String>,
    /// Where the command comes from, for the message.
    from: String,
}

fn exec_argv(c: &ImageCommand) -> Option<Vec<String>> {
    match c {
        ImageCommand::Exec(v) if !v.is_empty() => Some(v.clone()),
        _ => None,
    }
}

/// The argv the container starts with, when it is known: the service's
/// `entrypoint`, else the image's ENTRYPOINT followed by the command.
fn start(s: &Service, img: &ServiceImage) -> Option<Start> {
    if let Some(ep) = &s.entrypoint {
        if ep.argv.is_empty() {
            return None;
        }
        return Some(Start {
            argv: ep.argv.clone(),
            from: "the service's `entrypoint`".into(),
        });
    }
    let ep = img.image.entrypoint.as_ref()?;
    match &ep.value {
        Some(c) => Some(Start {
            argv: exec_argv(c)?,
            from: format!("the image's ENTRYPOINT ({})", ep.evidence.render()),
        }),
        None => {
            if let Some(cmd) = &s.command {
                if cmd.argv.is_empty() {
                    return None;
                }
                return Some(Start {
                    argv: cmd.argv.clone(),
                    from: "the service's `command`".into(),
                });
            }
            let cmd = img.image.cmd.as_ref()?;
            Some(Start {
                argv: exec_argv(cmd.value.as_ref()?)?,
                from: format!("the image's CMD ({})", cmd.evidence.render()),
            })
        }
    }
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// The program that matters: past an init (`tini -- x`), and the script a
/// shell is given (`sh ./run.sh`). The bool is true for a script run by a
/// shell (no exec bit needed).
fn program(argv: &[String]) -> Option<(String, bool)> {
    let mut args = argv;
    if INITS.contains(&base(&args[0])) {
        let rest = &args[1..];
        let i = match rest.iter().position(|a| a == "--") {
            Some(i) => i + 1,
            None => rest.iter().position(|a| !a.starts_with('-'))?,
        };
        args = rest.get(i..)?;
        if args.is_empty() {
            return None;
        }
    }
    if SHELLS.contains(&base(&args[0])) {
        let script = args.get(1)?;
        if script.starts_with('-') {
            return None; // `sh -c ...`: the shell itself runs
        }
        return Some((script.clone(), true));
    }
    Some((args[0].clone(), false))
}

fn workdir(s: &Service, img: &ServiceImage) -> Option<String> {
    match &s.working_dir {
        Some(w) => normalize_abs(&w.value),
        None => img.workdir().and_then(|w| normalize_abs(&w.value)),
    }
}

fn path_var(s: &Service, img: &ServiceImage) -> Option<String> {
    if let Some(kv) = s.environment.get("PATH") {
        return kv.value.as_ref().map(|v| v.value.clone());
    }
    img.image.env("PATH").map(|f| f.value.clone())
}

/// The mount with the deepest target that covers `path`.
fn covering<'a>(s: &'a Service, path: &str) -> Option<&'a Mount> {
    s.volumes
        .iter()
        .filter_map(|m| target_abs(m).map(|t| (m, t)))
        .filter(|(_, t)| is_within(path, t))
        .max_by_key(|(_, t)| t.len())
        .map(|(m, _)| m)
}

/// The host directory of a relative bind source, inside the project.
fn host_dir(cx: &Context, m: &Mount) -> Option<PathBuf> {
    let src = &m.source.as_ref()?.value;
    if m.kind.value != MountKind::Bind || !src.starts_with('.') || src.contains('$') {
        return None;
    }
    Some(lexical(&cx.project_dir.join(src)))
}

fn lexical(p: &Path) -> PathBuf {
    let abs = crate::load::project::absolute(p);
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// The host file behind container path `p` of bind `m` at `target`.
fn host_file(dir: &Path, target: &str, p: &str) -> PathBuf {
    let rel = p[target.len()..].trim_start_matches('/');
    if rel.is_empty() {
        dir.to_path_buf()
    } else {
        dir.join(rel)
    }
}

fn display(source: &str, target: &str, p: &str) -> String {
    let rel = p[target.len()..].trim_start_matches('/');
    format!("{}/{rel}", source.trim_end_matches('/'))
}

enum HostState {
    Missing,
    NotExecutable,
    IsDir,
    Fine,
}

fn host_state(path: &Path, script: bool) -> HostState {
    match std::fs::metadata(path) {
        Err(_) => HostState::Missing,
        Ok(md) if md.is_dir() => HostState::IsDir,
        Ok(md) => {
            if script {
                return HostState::Fine;
            }
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                if md.permissions().mode() & 0o111 == 0 {
                    return HostState::NotExecutable;
                }
            }
            let _ = md;
            HostState::Fine
        }
    }
}

/// The start failure this bind causes, if any.
fn start_failure(
    cx: &Context,
    s: &Service,
    img: &ServiceImage,
    m: &Mount,
    target: &str,
) -> Option<Diagnostic> {
    let st = start(s, img)?;
    let (prog, script) = program(&st.argv)?;
    let dir = host_dir(cx, m)?;
    // The build copied this very host directory to the target: the image's
    // program there came from the bind source, so the bind does not take
    // it away. A file missing here was missing from the build too (or this
    // checkout is partial): not a failure the bind causes. A mode a later
    // build step set (`RUN chmod +x`) is still hidden, and still reported.
    let copied = build_copied_bind_source(cx, s, &dir, target);
    let source = &m.source.as_ref()?.value;
    let covered_by_m = |p: &str| covering(s, p).is_some_and(|c| std::ptr::eq(c, m));
    let (path, hidden_image_copy) = if prog.contains('/') || script {
        let p = normalize_abs(&if prog.starts_with('/') {
            prog.clone()
        } else {
            format!("{}/{prog}", workdir(s, img)?)
        })?;
        (p, None)
    } else {
        // A bare name: the PATH lookup, as the runtime does it.
        let pathv = path_var(s, img)?;
        let mut hidden = None;
        let mut found = false;
        for d in pathv.split(':').filter(|d| d.starts_with('/')) {
            let cand = normalize_abs(&format!("{d}/{prog}"))?;
            if covered_by_m(&cand) {
                let hf = host_file(&dir, target, &cand);
                if matches!(host_state(&hf, false), HostState::Fine) {
                    found = true;
                    break;
                }
                if img.path(&cand).exists().is_some() && hidden.is_none() {
                    hidden = Some(cand);
                }
                continue;
            }
            if covering(s, &cand).is_some() {
                return None; // another mount decides
            }
            match img.path(&cand) {
                PathFact::Exists(_) => {
                    found = true;
                    break;
                }
                PathFact::Absent { .. } => continue,
                PathFact::Unknown { .. } => return None,
            }
        }
        if found {
            return None;
        }
        let h = hidden?;
        (h.clone(), Some(h))
    };
    if !covered_by_m(&path) {
        return None;
    }
    let hf = host_file(&dir, target, &path);
    let shown = display(source, target, &path);
    let dir_missing = !dir.exists();
    let (what, help) = match (host_state(&hf, script), &hidden_image_copy) {
        (HostState::Fine, _) => return None,
        (HostState::Missing, None) if copied => return None,
        (_, Some(h)) => (
            format!(
                "`{prog}` is not found: the image's `{h}` is hidden by this bind mount and no directory on the PATH has it"
            ),
            format!("put an executable `{shown}` in the project, or mount the host directory elsewhere"),
        ),
        (HostState::Missing, None) if script => (
            format!("the shell cannot open `{path}`: `{shown}` does not exist on the host (bash exits 127, dash 2)"),
            format!("add `{shown}`, or mount the host directory elsewhere"),
        ),
        (HostState::Missing, None) => (
            format!(
                "`{shown}` does not exist on the host (exit 127, \"no such file or directory\")"
            ),
            format!("add `{shown}`, or mount the host directory somewhere the image does not use"),
        ),
        (HostState::IsDir, None) => (
            format!("`{path}` is a directory on the host (`{shown}`), not a program (exit 126)"),
            format!("make `{shown}` the program, or mount the host directory elsewhere"),
        ),
        (HostState::NotExecutable, None) => (
            format!(
                "`{shown}` exists on the host but is not executable (exit 126, \"permission denied\")"
            ),
            format!(
                "`chmod +x {shown}` and keep the mode in git (`git update-index --chmod=+x {}`)",
                shown.trim_start_matches("./")
            ),
        ),
    };
    let mut d = Diagnostic::error(
        META.code,
        m.target.span,
        format!(
            "service `{}` starts `{prog}` from `{target}`, which this bind mount replaces with `{source}`: {what}",
            s.name.value
        ),
    )
    .note(format!("the container starts {}", st.from))
    .help(help);
    if dir_missing {
        d = d.note(format!(
            "`{source}` does not exist either: the daemon creates it as an empty root-owned directory"
        ));
    }
    if let PathFact::Exists(info) = img.path(&path) {
        d = d.note(format!("image facts: {}", info.evidence.render()));
    }
    Some(d)
}

/// Does the service's Dockerfile `COPY` (or `ADD`) the bind source's host
/// directory `dir` to `target`? Then what the image holds there came from
/// the bind source itself (`COPY . /app` with `.:/app`), and the host side
/// holds the same program.
fn build_copied_bind_source(cx: &Context, s: &Service, dir: &Path, target: &str) -> bool {
    let Some((context_dir, text)) = crate::rules::service_dockerfile(cx, s) else {
        return false;
    };
    let df = crate::image::dockerfile::parse(&text);
    let target = target.trim_end_matches('/');
    let mut workdir = String::from("/");
    for ins in &df.instructions {
        let kw = ins.keyword.to_ascii_uppercase();
        if kw == "FROM" {
            workdir = "/".into();
        } else if kw == "WORKDIR" {
            workdir = crate::image::facts::join(&workdir, ins.args.trim());
        } else if kw == "COPY" || kw == "ADD" {
            let Some(srcs) = copy_sources(&format!("{kw} {}", ins.args)) else {
                continue;
            };
            let Some(dest) = copy_dest(&ins.args) else {
                continue;
            };
            let dest = if dest.starts_with('/') {
                dest
            } else {
                format!("{}/{dest}", workdir.trim_end_matches('/'))
            };
            let Some(dest) = normalize_abs(&dest) else {
                continue;
            };
            if dest.trim_end_matches('/') != target {
                continue;
            }
            if srcs
                .iter()
                .any(|src| lexical(&context_dir.join(src)) == dir)
            {
                return true;
            }
        }
    }
    false
}

/// The destination of a `COPY`/`ADD` (its last word).
fn copy_dest(args: &str) -> Option<String> {
    let rest = args.trim();
    if rest.starts_with('[') {
        let list: Vec<String> = serde_json::from_str(rest).ok()?;
        return list.last().cloned();
    }
    rest.split_whitespace().last().map(str::to_string)
}

/// The sources of a `COPY`/`ADD` instruction, unless it copies from a stage
/// or an image (`--from`).
fn copy_sources(instruction: &str) -> Option<Vec<String>> {
    let rest = instruction.split_once(char::is_whitespace)?.1.trim_start();
    let mut rest = rest;
    while rest.starts_with("--") {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        if rest[..end].starts_with("--from") {
            return None;
        }
        rest = rest[end..].trim_start();
    }
    let list: Vec<String> = if rest.starts_with('[') {
        serde_json::from_str(rest).ok()?
    } else {
        rest.split_whitespace().map(str::to_string).collect()
    };
    let (_, srcs) = list.split_last()?;
    Some(srcs.to_vec())
}

/// Is the bind source the directory the build copied into the target (the
/// live-reload pattern)?
fn same_as_copied(cx: &Context, s: &Service, m: &Mount, p: &Populated) -> bool {
    let Evidence::Dockerfile { instruction, .. } = &p.evidence else {
        return false;
    };
    let (Some(build), Some(dir)) = (&s.build, host_dir(cx, m)) else {
        return false;
    };
    let context = build.context.as_ref().map_or(".", |c| c.value.as_str());
    if context.contains("://") {
        return false;
    }
    let context_dir = cx.project_dir.join(context);
    let Some(srcs) = copy_sources(instruction) else {
        return false;
    };
    // The bind source is a copied directory itself, or the same
    // subdirectory of one (`COPY . /code` with `./src:/code/src`).
    let target = m.target.value.trim_end_matches('/');
    srcs.iter().any(|src| {
        let copied = lexical(&context_dir.join(src));
        if copied == dir {
            return true;
        }
        match dir.strip_prefix(&copied) {
            Ok(rel) => {
                let rel = rel.to_string_lossy().replace('\\', "/");
                !rel.is_empty() && target.ends_with(&format!("/{rel}"))
            }
            Err(_) => false,
        }
    })
}

/// The dependencies a package manager installed under the target in the
/// build (`RUN npm ci` in `WORKDIR /code`: `/code/node_modules`), when the
/// host directory has a `package.json` that declares dependencies and no
/// `node_modules` beside it: the bind mount leaves the container without
/// them ("Cannot find module", "nodemon: not found").
fn hidden_dependencies(
    cx: &Context,
    s: &crate::model::Service,
    img: &crate::image::ServiceImage,
    m: &Mount,
    target: &str,
    source: &str,
) -> Option<Diagnostic> {
    let host = host_dir(cx, m)?;
    let prefix = format!("{}/", target.trim_end_matches('/'));
    let (dir, ev) = img.image.installs.iter().find_map(|f| {
        let (u, ev) = (&f.value, &f.evidence);
        let rel = u.strip_prefix(&prefix)?;
        let rel = rel.strip_suffix("node_modules")?;
        if !(rel.is_empty() || rel.ends_with('/')) {
            return None;
        }
        let host_rel = host.join(rel);
        let declares = std::fs::read_to_string(host_rel.join("package.json"))
            .ok()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .is_some_and(|v| {
                ["dependencies", "devDependencies"].iter().any(|k| {
                    v.get(k)
                        .and_then(|d| d.as_object())
                        .is_some_and(|d| !d.is_empty())
                })
            });
        (declares && !host_rel.join("node_modules").exists()).then_some((u.as_str(), ev))
    })?;
    Some(
        Diagnostic::warning(
            META.code,
            m.target.span,
            format!(
                "service `{}` bind-mounts `{source}` over `{target}`, hiding `{dir}`, where the build installed the dependencies; the host directory has a `package.json` but no `node_modules`, so the container starts without them (\"Cannot find module\", \"not found\")",
                s.name.value
            ),
        )
        .note(format!("image facts: {} installs into {dir}", ev.render()))
        .help(format!(
            "keep the image's dependencies with an anonymous volume over them (`- {dir}`, listed after the bind mount), or install them on the host too"
        )),
    )
}

/// Is everything the image holds under the directory known, and put there
/// by the very `COPY` (no later build step added to it)? The bind mount
/// then shows the same files.
fn only_copied(img: &crate::image::ServiceImage, p: &Populated) -> bool {
    let fs = &img.image.fs;
    let dir = p.info.path.as_str();
    let prefix = format!("{}/", dir.trim_end_matches('/'));
    fs.entries
        .iter()
        .filter(|(k, _)| k.as_str() == dir || k.starts_with(&prefix))
        .all(|(_, e)| {
            e.evidence == p.evidence
                && (e.kind != Some(crate::image::PathKind::Dir) || e.children_complete)
        })
        && fs.unknown_area(dir).is_none()
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(img) = cx.image(s) else { continue };
        // Without facts, only the service's own `entrypoint` says for sure
        // what starts (an unknown image ENTRYPOINT may wrap `command`).
        let known = img.is_known();
        if !known && s.entrypoint.is_none() {
            continue;
        }
        for m in &s.volumes {
            if m.kind.value != MountKind::Bind {
                continue;
            }
            let Some(target) = target_abs(m) else {
                continue;
            };
            let Some(source) = m.source.as_ref().map(|s| s.value.as_str()) else {
                continue;
            };
            if let Some(d) = start_failure(cx, s, img, m, &target) {
                out.push(d);
                continue;
            }
            if !known {
                continue;
            }
            let Some(p) = populated(img, &target) else {
                continue;
            };
            // A host file over a directory is another failure (not a directory).
            if host_dir(cx, m).is_some_and(|d| d.is_file()) {
                continue;
            }
            if same_as_copied(cx, s, m, &p) {
                let nested = s.volumes.iter().any(|o| {
                    !std::ptr::eq(o, m)
                        && target_abs(o).is_some_and(|t| t != target && is_within(&t, &target))
                });
                if nested || only_copied(img, &p) {
                    continue;
                }
                if let Some(d) = hidden_dependencies(cx, s, img, m, &target, source) {
                    out.push(d);
                    continue;
                }
                out.push(
                    Diagnostic::info(
                        META.code,
                        m.target.span,
                        format!(
                            "service `{}` bind-mounts `{source}` over `{target}`, where the build copied the same directory: whatever later build steps added under `{target}` (installed dependencies, compiled files) is hidden",
                            s.name.value
                        ),
                    )
                    .note(format!("image facts: {}", p.evidence.render()))
                    .help(format!(
                        "if the build installs or compiles into `{target}`, keep that subdirectory with its own volume (`- {target}/node_modules`) or build outside `{target}`"
                    )),
                );
                continue;
            }
            out.push(
                Diagnostic::warning(
                    META.code,
                    m.target.span,
                    format!(
                        "service `{}` bind-mounts `{source}` over `{target}`, hiding {}; the container sees only the host directory",
                        s.name.value, p.what
                    ),
                )
                .note(format!("image facts: {} at {}", p.evidence.render(), p.info.path))
                .help(format!(
                    "bind only the files you mean to replace (`{source}/<file>:{target}/<file>`), or mount the host directory at a path the image does not use"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn program_past_inits_and_shells() {
        assert_eq!(program(&v(&["/app/run"])), Some(("/app/run".into(), false)));
        assert_eq!(
            program(&v(&["/sbin/tini", "--", "/app/run", "x"])),
            Some(("/app/run".into(), false))
        );
        assert_eq!(
            program(&v(&["dumb-init", "/app/run"])),
            Some(("/app/run".into(), false))
        );
        assert_eq!(
            program(&v(&["sh", "./start.sh"])),
            Some(("./start.sh".into(), true))
        );
        assert_eq!(program(&v(&["sh", "-c", "x"])), None);
    }

    #[test]
    fn copy_sources_of_instructions() {
        assert_eq!(copy_sources("COPY . /app"), Some(v(&["."])));
        assert_eq!(
            copy_sources("COPY --chown=node:node src lib /app/"),
            Some(v(&["src", "lib"]))
        );
        assert_eq!(copy_sources(r#"COPY ["a b", "/x"]"#), Some(v(&["a b"])));
        assert_eq!(copy_sources("COPY --from=build /out /app"), None);
    }
}
