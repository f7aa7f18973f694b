//! X102: the command the container starts does not exist in the image, so
//! it exits with 127 at once. Only with image facts that say so.

use crate::diagnostic::{Diagnostic, Severity};
use crate::exitcode::see;
use crate::image::facts::Evidence;
use crate::image::script;
use crate::image::{PathFact, ServiceImage};
use crate::model::{Command, Service};
use crate::rules::process::{argv, bind_source, command_is_executed, image_starts, mounted_over};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "X102",
    name: "command-not-found",
    group: Group::Process,
    default_severity: Severity::Error,
    levels: &[Severity::Error, Severity::Warning],
    levels_why: "error when the program is certainly missing; warning when a PATH lookup passes over the file the build put there (no execute bit) and another PATH directory is not fully known.",
    fix: FixAvailability::None,
    summary: "The entrypoint or command names a program the image does not have (exit 127).",
    exit_codes: &[127],
    page: page!("X102-command-not-found.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let Some(si) = cx.image(s).filter(|i| i.is_known()) else {
            continue;
        };
        // The image's own ENTRYPOINT/CMD, when Compose sets neither.
        for st in image_starts(s, Some(si)) {
            let prog = &st.argv[0];
            let Some(f) = finding(cx, s, si, prog, st.shell_form) else {
                continue;
            };
            let (why, evidence, outcome, fix) = (f.why, f.evidence, f.outcome, f.help);
            let mut d = Diagnostic::new(
                META.code,
                f.severity,
                st.span,
                format!(
                    "the image's {} starts `{prog}`, which {why}: {outcome}",
                    st.instruction,
                ),
            )
            .note(st.origin())
            .note(format!("image facts: {evidence}"));
            if st.shell_form {
                d = d.note(format!(
                    "the shell form of {} runs `/bin/sh -c \"...\"`",
                    st.instruction
                ));
            }
            out.push(d.help(fix));
        }
        // The program that is executed: the service's entrypoint, else its
        // command when nothing stands in front of it (no entrypoint, an
        // init, or a wrapper that execs its arguments).
        let (key, cmd): (&str, &Command) = if let Some(e) = argv(&s.entrypoint) {
            ("entrypoint", e)
        } else if s.entrypoint.is_some() {
            continue;
        } else if let Some(c) = argv(&s.command)
            .filter(|c| command_is_executed(Some(si)) || wrapper_execs_command(si, &c.argv))
        {
            ("command", c)
        } else {
            continue;
        };
        let prog = &cmd.argv[0];
        let Some(f) = finding(cx, s, si, prog, false) else {
            continue;
        };
        let mut d = Diagnostic::new(
            META.code,
            f.severity,
            cmd.span,
            format!("`{key}` starts `{prog}`, which {}: {}", f.why, f.outcome),
        )
        .note(format!("image facts: {}", f.evidence));
        if key == "command" {
            if let Some(f) = si.image.execs_args.as_ref().filter(|f| f.value) {
                d = d.note(format!(
                    "the image's entrypoint ends in `exec \"$@\"`, so the command is the program: {}",
                    f.evidence.render()
                ));
            } else if let Some(f) = si.image.execs_commands.as_ref().filter(|f| f.value) {
                d = d.note(format!(
                    "the image's entrypoint ends in `exec \"$@\"` and puts its own program in front only of an option, so this command is the program: {}",
                    f.evidence.render()
                ));
            }
        }
        out.push(d.help(f.help));
    }
}

/// Why the program cannot start, the evidence, the outcome and the fix.
struct Finding {
    severity: Severity,
    why: String,
    evidence: String,
    outcome: String,
    help: String,
}

fn finding(
    cx: &Context,
    s: &Service,
    si: &ServiceImage,
    prog: &str,
    shell_form: bool,
) -> Option<Finding> {
    if let Some(m) = missing(s, si, prog) {
        let (outcome, fix) = if m.skipped {
            let outcome = if m.certain {
                format!(
                    "the start fails with `executable file not found in $PATH` and the container exits with 127 at once (see {})",
                    see(127)
                )
            } else {
                format!(
                    "unless another PATH directory has an executable `{prog}`, the start fails with `executable file not found in $PATH` and the container exits with 127 (see {})",
                    see(127)
                )
            };
            (outcome, "make the file executable: `COPY --chmod=755 ...` or `RUN chmod +x <path>` in the Dockerfile, or commit the mode in the build context (`chmod +x`, `git update-index --chmod=+x`)".to_string())
        } else {
            (exits_127(), help(prog, shell_form))
        };
        return Some(Finding {
            severity: if m.certain {
                Severity::Error
            } else {
                Severity::Warning
            },
            why: m.why,
            evidence: m.evidence,
            outcome,
            help: fix,
        });
    }
    let (why, evidence) = interpreter_missing(cx, s, si, prog)?;
    Some(Finding {
        severity: Severity::Error,
        help: interpreter_help(&why),
        outcome: exits_after_start(prog),
        why,
        evidence,
    })
}

/// What [`missing`] found.
struct Missing {
    why: String,
    evidence: String,
    /// The start certainly fails (error); otherwise only if the PATH
    /// directories that are not fully known lack the program too (warning).
    certain: bool,
    /// A PATH lookup passed over a file without the execute bit.
    skipped: bool,
}

impl Missing {
    fn certain(why: String, evidence: String) -> Missing {
        Missing {
            why,
            evidence,
            certain: true,
            skipped: false,
        }
    }
}

/// The image's entrypoint is a wrapper script, copied from the build
/// context, that execs any command whose first word is not an option
/// (`script::execs_non_options`): `command: /bin/bash -c ...` is exec'd
/// as given, and fails as the program would.
fn wrapper_execs_command(si: &ServiceImage, argv: &[String]) -> bool {
    if argv.first().is_none_or(|w| w.starts_with('-')) {
        return false;
    }
    if !si.image.execs_commands.as_ref().is_some_and(|f| f.value) {
        return false;
    }
    let Some(crate::image::ImageCommand::Exec(ep)) =
        si.image.entrypoint.as_ref().and_then(|f| f.value.as_ref())
    else {
        return false;
    };
    let [script] = ep.as_slice() else {
        return false;
    };
    if !script.starts_with('/') {
        return false;
    }
    let Some(host) = si.image.context_file(script) else {
        return false;
    };
    crate::load::project::read_text(&host, 1024 * 1024)
        .is_ok_and(|text| script::execs_non_options(&text))
}

fn interpreter_help(why: &str) -> String {
    if why.contains("CRLF") {
        "save the script with LF line ends (`dos2unix`; `*.sh text eol=lf` in .gitattributes keeps a Windows checkout from converting it)".to_string()
    } else {
        "change the `#!` line to an interpreter the image has (`#!/bin/sh`), or install it in the image".to_string()
    }
}

/// The runtime cannot find the program: the start fails, 127.
fn exits_127() -> String {
    format!("the container exits with 127 at once (see {})", see(127))
}

/// The runtime finds the script, starts the container, and only then the
/// kernel cannot find its interpreter: the container stops at once with
/// `exec <script>: no such file or directory`, and runc's status (1 with
/// runc 1.1+, proven on the engine in tests/premise/image_start.rs), not
/// Docker's 127.
fn exits_after_start(prog: &str) -> String {
    format!(
        "the container stops at once with `exec {prog}: no such file or directory` (exit 1 with current runc; a restart policy loops on it)"
    )
}

fn help(prog: &str, shell_form: bool) -> String {
    if shell_form {
        "use the exec form (`CMD [\"/app/server\"]`), which needs no shell, or base the image on one that has `/bin/sh`".to_string()
    } else if prog.contains('/') && !prog.starts_with('/') {
        "a relative path is taken from the working directory in the container, not from the project: copy the file into the image (or bind-mount it) and name it by its absolute path".to_string()
    } else if prog.ends_with("bash") {
        "use `/bin/sh` (and POSIX shell syntax), or install bash in the image".to_string()
    } else {
        format!("use a program the image has, or install `{prog}` in the image")
    }
}

/// A script copied from the build context whose `#!` line names an
/// interpreter the image lacks (or ends in `\r`: the file has CRLF line
/// ends): the kernel reports ENOENT for the script itself.
fn interpreter_missing(
    cx: &Context,
    s: &Service,
    si: &ServiceImage,
    prog: &str,
) -> Option<(String, String)> {
    let path = if prog.starts_with('/') {
        prog.to_string()
    } else if prog.contains('/') {
        let wd = s
            .working_dir
            .as_ref()
            .map(|w| w.value.clone())
            .or_else(|| si.workdir().map(|w| w.value.clone()))?;
        crate::image::facts::join(&wd, prog)
    } else {
        return None;
    };
    // The script's text: the host file of a bind mount from the project,
    // else the file the build copied from its context.
    let (host, from) = if let Some((src, rest)) = bind_source(s, &path) {
        if src.starts_with('~') || src.contains('$') {
            return None;
        }
        let mut h = cx.project_dir.join(src);
        if !rest.is_empty() {
            h.push(rest);
        }
        if !crate::image::contained(&h, cx.project_dir) {
            return None;
        }
        (h, "bind-mounted from the project")
    } else if mounted_over(s, &path) {
        return None;
    } else {
        (
            si.image.context_file(&path)?,
            "copied from the build context",
        )
    };
    let text = crate::load::project::read_text(&host, 1024 * 1024).ok()?;
    let (interp, _) = script::shebang(&text)?;
    if let Some(bare) = interp.strip_suffix('\r') {
        return Some((
            format!("is a script saved with Windows (CRLF) line ends: its `#!` line names `{bare}\\r`, which no image has"),
            format!("{path} is {from}, and its first line ends in \\r"),
        ));
    }
    if !interp.starts_with('/') || mounted_over(s, &interp) {
        return None;
    }
    let ev = absent(si, &interp)?;
    Some((
        format!("is a script whose `#!` line names `{interp}`, which the image does not have"),
        format!("{path} is {from}; {ev}"),
    ))
}

/// Why `prog` is certainly missing, and the evidence; `None` when it may exist.
fn missing(s: &Service, si: &ServiceImage, prog: &str) -> Option<Missing> {
    if prog.starts_with('/') {
        if mounted_over(s, prog) {
            return None;
        }
        return absent(si, prog)
            .map(|ev| Missing::certain("does not exist in the image".to_string(), ev));
    }
    if prog.is_empty() {
        return None;
    }
    if prog.contains('/') {
        // A relative path (`./run.sh`) is taken from the working directory:
        // the service's `working_dir`, else the image's WORKDIR.
        let (wd, from) = match &s.working_dir {
            Some(w) => (w.value.clone(), "`working_dir`"),
            None => (si.workdir()?.value.clone(), "the image's working directory"),
        };
        if !wd.starts_with('/') {
            return None;
        }
        let path = crate::image::facts::join(&wd, prog);
        if mounted_over(s, &path) {
            return None;
        }
        return absent(si, &path).map(|ev| {
            Missing::certain(
                format!("does not exist in the image ({path}, from {from} {wd})"),
                ev,
            )
        });
    }
    // A relative name is looked up on the container's PATH: the service's
    // `environment`, else the image's.
    let path = match s.environment.get("PATH") {
        Some(kv) => kv.value.as_ref()?.value.clone(),
        None => si.image.env("PATH")?.value.clone(),
    };
    let dirs: Vec<&str> = path.split(':').collect();
    if dirs.iter().any(|d| !d.starts_with('/')) {
        return None;
    }
    // The evidence of the first directory that lacks the program (only
    // its evidence is said: the others' is not written out).
    let mut first = None;
    // A regular file without any execute bit: the lookup passes over it
    // (Go's exec.LookPath, which runc uses, takes only executable files).
    let mut skipped: Option<(String, u32, String)> = None;
    let mut unknown = false;
    for d in &dirs {
        let d = d.trim_end_matches('/');
        let mut p = String::with_capacity(d.len() + 1 + prog.len());
        p.push_str(d);
        p.push('/');
        p.push_str(prog);
        if mounted_over(s, &p) {
            return None;
        }
        if let Some(absence) = absence(si, &p) {
            if first.is_none() {
                first = Some(absence.render(&p));
            }
            continue;
        }
        match not_executable(si, &p) {
            Some((mode, ev)) => {
                skipped.get_or_insert((p, mode, ev));
            }
            // A known executable of that name: the lookup finds it.
            None if si.has_binary(&p) == Some(true) && !maybe_not_executable(si, &p) => {
                return None;
            }
            None => unknown = true,
        }
    }
    // With a PATH directory not fully known, another executable of that
    // name could be there and run instead. Only a script of the build
    // context, named as one (`docker-entrypoint.sh`), is taken as the
    // program meant: no system program is named so.
    if unknown {
        if let Some((p, _, _)) = &skipped {
            let script_name = [".sh", ".bash", ".py", ".rb", ".pl", ".js"]
                .iter()
                .any(|x| prog.ends_with(x));
            if !script_name || si.image.context_file(p).is_none() {
                return None;
            }
        }
    }
    match skipped {
        None if unknown => None,
        None => Some(Missing::certain(
            format!("is in none of the PATH directories ({path})"),
            first?,
        )),
        Some((p, mode, ev)) => {
            let why = format!(
                "is looked up on the PATH ({path}), and {p} has no execute bit (mode {mode:04o}), so the lookup passes over it"
            );
            let ev = match first {
                Some(f) if !unknown => format!("{ev}; {f}"),
                _ => ev,
            };
            Some(Missing {
                why,
                evidence: ev,
                certain: !unknown,
                skipped: true,
            })
        }
    }
}

/// The path exists, but its mode is not known or has no execute bit.
fn maybe_not_executable(si: &ServiceImage, path: &str) -> bool {
    match si.path(path) {
        PathFact::Exists(info) => info.mode.is_none_or(|m| m & 0o111 == 0),
        _ => false,
    }
}

/// A regular file whose mode is known and has no execute bit, and the
/// evidence.
fn not_executable(si: &ServiceImage, path: &str) -> Option<(u32, String)> {
    let PathFact::Exists(info) = si.path(path) else {
        return None;
    };
    let mode = info.mode?;
    if info.kind != Some(crate::image::PathKind::File) || mode & 0o111 != 0 {
        return None;
    }
    Some((
        mode & 0o7777,
        format!(
            "{} has mode {:04o}, {}",
            info.path,
            mode & 0o7777,
            info.evidence.render()
        ),
    ))
}

/// The evidence that `path` is absent from the image.
fn absent(si: &ServiceImage, path: &str) -> Option<String> {
    absence(si, path).map(|a| a.render(path))
}

/// Why a path is known to be absent from the image: written out only when
/// it is said (a PATH lookup asks about many directories, and says one).
enum Absence<'a> {
    /// The image's list of absent programs names it.
    Listed(&'a Evidence),
    /// The image's file system lacks it.
    NotThere(Evidence),
}

impl Absence<'_> {
    fn render(&self, path: &str) -> String {
        let evidence = match self {
            Absence::Listed(e) => e.render(),
            Absence::NotThere(e) => e.render(),
        };
        format!("{path} is absent, {evidence}")
    }
}

/// Whether `path` is absent from the image, and why (see [`absent`]).
fn absence<'a>(si: &'a ServiceImage, path: &str) -> Option<Absence<'a>> {
    if si.has_binary(path) != Some(false) {
        return None;
    }
    if let Some(f) = si.image.absent_binaries.iter().find(|b| b.value == path) {
        return Some(Absence::Listed(&f.evidence));
    }
    match si.path(path) {
        PathFact::Absent { evidence } => Some(Absence::NotThere(evidence)),
        _ => None,
    }
}
