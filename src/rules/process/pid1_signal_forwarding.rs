//! X101: the service's `command` or `entrypoint` makes a shell PID 1, and
//! the shell does not pass `docker stop`'s SIGTERM on to the program it
//! runs, so the container is SIGKILLed after the grace period (137).

use crate::diagnostic::{Applicability, Diagnostic, Edit, Fix, Severity};
use crate::exitcode::see;
use crate::image::script;
use crate::model::{Command, Service};
use crate::rules::process::{argv, basename, bind_source, image_starts, is_shell, ImageStart};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "X101",
    name: "pid1-signal-forwarding",
    group: Group::Process,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::Sometimes,
    summary: "A shell is PID 1 and does not forward SIGTERM: `docker stop` ends in SIGKILL (137).",
    exit_codes: &[137],
    page: page!("X101-pid1-signal-forwarding.md"),
};

/// What the shell at PID 1 is asked to do.
enum ShellJob {
    /// `sh script args`: the shell reads a script and stays PID 1.
    Script(String),
    /// `sh -c '...'` whose last command is not exec'd: the text.
    CString(String),
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if s.init.as_ref().is_some_and(|i| i.value) {
            continue;
        }
        image_start(cx, s, out);
        // The effective argv: a service entrypoint replaces the image's
        // (and drops the image's CMD); otherwise the command runs through
        // the image's entrypoint, which is an init (tini, dumb-init) or an
        // exec-ing wrapper that hands PID 1 on to the command.
        let (argv, key, cmd): (Vec<String>, &str, &Command) = if let Some(e) = argv(&s.entrypoint) {
            let mut v = e.argv.clone();
            if let Some(c) = argv(&s.command) {
                v.extend(c.argv.iter().cloned());
            }
            (v, "entrypoint", e)
        } else if s.entrypoint.is_some() {
            continue;
        } else if let Some(c) = argv(&s.command) {
            let si = cx.image(s);
            if si.is_some_and(|si| si.image.init.is_some()) {
                continue;
            }
            (c.argv.clone(), "command", c)
        } else {
            continue;
        };
        if !is_shell(&argv[0]) {
            continue;
        }
        let Some(job) = shell_job(&argv[1..]) else {
            continue;
        };
        let shell = basename(&argv[0]);
        let (what, why) = match &job {
            ShellJob::Script(script) => {
                if script_execs(cx, s, script) {
                    continue;
                }
                (
                    format!("runs the script `{script}`"),
                    "a shell running a script stays PID 1 and starts each command as its child".to_string(),
                )
            }
            ShellJob::CString(text) => (
                format!("runs `-c {}`", short(text)),
                "the last command of the `-c` string is a pipeline or a subshell, so no shell can replace itself with it".to_string(),
            ),
        };
        let mut d = Diagnostic::warning(
            META.code,
            cmd.span,
            format!(
                "`{key}` makes `{shell}` PID 1, and it {what} without `exec`: PID 1 gets no default signal handling, so `docker stop`'s SIGTERM is ignored and the container is SIGKILLed after the grace period (exit 137; see {})",
                see(137)
            ),
        )
        .note(format!("{why}; the program never sees SIGTERM and cannot shut down cleanly"));
        if cmd.is_shell_form() {
            d = d.note(format!("Compose does not run a shell for a string `{key}`: it splits it into words, so the first word is PID 1"));
        }
        d = match &job {
            ShellJob::CString(_) => d.help(
                "start the long-running program with `exec` (`sh -c '...; exec program args'`), or use the exec form pointing at the real binary, or set `init: true`",
            ),
            ShellJob::Script(_) => d.help(
                "make the script start the program with `exec`, or run the real binary in the exec form (`command: [\"java\", ...]`), or set `init: true` (the init forwards SIGTERM to the shell; the script must still pass it on)",
            ),
        };
        if let Some(fix) = init_fix(cx, s, key) {
            d = d.fix(fix);
        }
        out.push(d);
    }
}

/// The image's own ENTRYPOINT/CMD, when Compose sets neither: a shell
/// PID 1 (`CMD ["sh", "-c", "a | b"]`, `CMD ["sh", "/start.sh"]`), or a
/// script from the build context whose shell stays PID 1
/// (`ENTRYPOINT ["/start.sh"]` without `exec`).
fn image_start(cx: &Context, s: &Service, out: &mut Vec<Diagnostic>) {
    if s.command.is_some() || s.entrypoint.is_some() {
        return;
    }
    let si = cx.image(s);
    if si.is_some_and(|si| si.image.init.is_some()) {
        return;
    }
    // PID 1 is the last program exec'd: the CMD through an exec'ing wrapper.
    let Some(st) = image_starts(s, si).pop() else {
        return;
    };
    let Some(si) = si else { return };
    let script_text = |p: &str| -> Option<String> {
        let path = crate::image::facts::join(si.workdir().map_or("/", |w| w.value.as_str()), p);
        let host = si.image.context_file(&path)?;
        crate::load::project::read_text(&host, 1024 * 1024).ok()
    };
    let (shell, job) = if is_shell(&st.argv[0]) {
        let Some(job) = shell_job(&st.argv[1..]) else {
            return;
        };
        if let ShellJob::Script(p) = &job {
            // Only a script whose text is known to keep the shell PID 1.
            if !script_text(p).is_some_and(|t| script::keeps_pid1(&t)) {
                return;
            }
        }
        (basename(&st.argv[0]).to_string(), job)
    } else if st.argv[0].contains('/') {
        let Some(text) = script_text(&st.argv[0]) else {
            return;
        };
        if !script::keeps_pid1(&text) {
            return;
        }
        let shell = script::shebang_shell(&text).unwrap_or_else(|| "sh".into());
        (shell, ShellJob::Script(st.argv[0].clone()))
    } else {
        return;
    };
    out.push(image_diagnostic(&st, &shell, &job));
}

fn image_diagnostic(st: &ImageStart, shell: &str, job: &ShellJob) -> Diagnostic {
    let what = match job {
        ShellJob::Script(p) => format!("runs the script `{p}`"),
        ShellJob::CString(t) => format!("runs `-c {}`", short(t)),
    };
    Diagnostic::warning(
        META.code,
        st.span,
        format!(
            "the image's {} makes `{shell}` PID 1, and it {what} without `exec`: PID 1 gets no default signal handling, so `docker stop`'s SIGTERM is ignored and the container is SIGKILLed after the grace period (exit 137; see {})",
            st.instruction,
            see(137)
        ),
    )
    .note(st.origin())
    .note("a shell that stays PID 1 starts each command as its child; the program never sees SIGTERM and cannot shut down cleanly")
    .help(match job {
        ShellJob::Script(_) => "start the long-running program with `exec` in the script, or set `init: true` on the service (the init forwards SIGTERM to the shell; the script must still pass it on)",
        ShellJob::CString(_) => "start the long-running program with `exec` (`sh -c '...; exec program args'`), use the exec form pointing at the real binary, or set `init: true`",
    })
}

/// The shell's job from its arguments, or `None` when it is not one this
/// rule judges (interactive, stdin, a single simple command, `exec`, `trap`).
fn shell_job(args: &[String]) -> Option<ShellJob> {
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            i += 1;
            break;
        }
        if a.starts_with('-') || a.starts_with('+') {
            // `-c`, and combined flags such as `-ec`, `-xc`.
            if a.starts_with('-') && !a.starts_with("--") && a[1..].contains('c') {
                let text = args.get(i + 1)?;
                return c_string_job(text);
            }
            // Options with an argument.
            if a == "-o"
                || a == "+o"
                || a == "-O"
                || a == "+O"
                || a == "--rcfile"
                || a == "--init-file"
            {
                i += 1;
            }
            i += 1;
            continue;
        }
        break;
    }
    args.get(i).map(|s| ShellJob::Script(s.clone()))
}

/// Commands that finish at once: a `-c` string ending in one is a one-shot job.
const SHORT_LIVED: [&str; 11] = [
    "exit",
    "echo",
    "printf",
    "true",
    "false",
    "/bin/false",
    "/bin/true",
    ":",
    "export",
    "env",
    "ls",
];

/// Judges a `-c` string. Bash, BusyBox ash and dash since 0.5.11 replace
/// themselves with a last command that is not a pipeline or a subshell, so
/// it becomes PID 1 itself; that case stays silent.
/// Otherwise the last command must start with `exec`. A string that sets
/// a `trap` handles signals itself and is left alone.
fn c_string_job(text: &str) -> Option<ShellJob> {
    let t = text.trim();
    if t.is_empty() || t.contains("trap ") {
        return None;
    }
    let parts = split_commands(t)?;
    let last = parts.last()?.trim();
    if last.starts_with("exec ") || last == "exec" {
        return None;
    }
    // A string that ends by itself at once (`...; exit 1`, `... && echo
    // done`) holds PID 1 only for a moment; one whose end is a compound
    // command (`fi`, `done`) is not judged.
    let first = last.split_whitespace().next().unwrap_or("");
    if SHORT_LIVED.contains(&first) || ["fi", "done", "esac", "}", ")"].contains(&first) {
        return None;
    }
    // The last command is exec'd by BusyBox ash and dash since 0.5.11 even
    // at the end of a list (`a && b`, `a; b`) and even with a redirection
    // (proven on the engine: tests/premise/exits.rs), and by bash when it
    // is alone. Only a pipeline or a subshell as the last command keeps
    // every shell as PID 1, so only that is reported.
    if !has_unquoted(last, &['|']) && !last.starts_with('(') {
        return None;
    }
    Some(ShellJob::CString(t.to_string()))
}

/// The commands of a list, split at unquoted `;`, `&&`, `||`, `&` and
/// newlines. `None` for an unterminated quote.
pub(crate) fn split_commands(t: &str) -> Option<Vec<String>> {
    let mut parts = vec![String::new()];
    let mut chars = t.chars().peekable();
    let (mut sq, mut dq) = (false, false);
    while let Some(c) = chars.next() {
        match c {
            '\\' if !sq => {
                parts.last_mut()?.push(c);
                if let Some(n) = chars.next() {
                    parts.last_mut()?.push(n);
                }
                continue;
            }
            '\'' if !dq => sq = !sq,
            '"' if !sq => dq = !dq,
            // `2>&1`, `&>file`: redirections, not separators.
            '&' if !sq
                && !dq
                && (parts
                    .last()
                    .is_some_and(|p| p.ends_with('>') || p.ends_with('<'))
                    || chars.peek() == Some(&'>')) => {}
            ';' | '\n' | '&' if !sq && !dq => {
                if c == '&' && chars.peek() == Some(&'&') {
                    chars.next();
                }
                parts.push(String::new());
                continue;
            }
            '|' if !sq && !dq && chars.peek() == Some(&'|') => {
                chars.next();
                parts.push(String::new());
                continue;
            }
            _ => {}
        }
        parts.last_mut()?.push(c);
    }
    if sq || dq {
        return None;
    }
    parts.retain(|p| !p.trim().is_empty());
    Some(parts)
}

pub(crate) fn has_unquoted(t: &str, set: &[char]) -> bool {
    let (mut sq, mut dq, mut esc) = (false, false, false);
    for c in t.chars() {
        if esc {
            esc = false;
            continue;
        }
        match c {
            '\\' if !sq => esc = true,
            '\'' if !dq => sq = !sq,
            '"' if !sq => dq = !dq,
            c if !sq && !dq && set.contains(&c) => return true,
            _ => {}
        }
    }
    false
}

/// A script bind-mounted from the project, or copied into the image from
/// the service's build context, whose last command is `exec`.
fn script_execs(cx: &Context, s: &Service, script: &str) -> bool {
    let path = if script.starts_with('/') {
        script.to_string()
    } else {
        let wd = s.working_dir.as_ref().map(|w| w.value.clone()).or_else(|| {
            cx.image(s)
                .and_then(|i| i.workdir())
                .map(|w| w.value.clone())
        });
        match wd {
            Some(wd) => crate::image::facts::join(&wd, script),
            None => return false,
        }
    };
    let host = match bind_source(s, &path) {
        Some((src, _)) if src.starts_with('~') => return false,
        Some((src, rest)) => {
            let mut host = cx.project_dir.join(src);
            if !rest.is_empty() {
                host.push(rest);
            }
            host
        }
        None => match copied_from_context(cx, s, &path) {
            Some(host) => host,
            None => return false,
        },
    };
    if !crate::image::contained(&host, cx.project_dir) {
        return false;
    }
    let Ok(text) = std::fs::read_to_string(&host) else {
        return false;
    };
    text_execs(&text)
}

/// The file of the service's local build context that its Dockerfile
/// copies to `path` in the image (`COPY run.sh /app/` or `COPY run.sh
/// /app/run.sh`, or a directory copied over `path`'s parent), if any.
/// Only plain `COPY`/`ADD` from the context are followed: no `--from`, no
/// wildcards, no variables.
fn copied_from_context(cx: &Context, s: &Service, path: &str) -> Option<std::path::PathBuf> {
    let (ctx, text) = crate::rules::service_dockerfile(cx, s)?;
    let df = crate::image::dockerfile::parse(&text);
    let mut workdir = "/".to_string();
    let mut found = None;
    for i in &df.instructions {
        match i.keyword.as_str() {
            "FROM" => workdir = "/".to_string(),
            "WORKDIR" => workdir = crate::image::facts::join(&workdir, i.args.trim()),
            "COPY" | "ADD" => {
                let words: Vec<&str> = i.args.split_whitespace().collect();
                if words.iter().any(|w| w.starts_with("--from")) {
                    continue;
                }
                let list: Vec<&str> = words.into_iter().filter(|w| !w.starts_with("--")).collect();
                let Some((dest, sources)) = list.split_last() else {
                    continue;
                };
                if sources.is_empty() || list.iter().any(|w| w.contains(['*', '?', '$', '[', '"']))
                {
                    continue;
                }
                let into = crate::image::facts::join(&workdir, dest);
                for src in sources {
                    let local = ctx.join(src);
                    let name = src.trim_end_matches('/').rsplit('/').next().unwrap_or(src);
                    let host = if local.is_dir() {
                        // The directory's contents land in `into`.
                        path.strip_prefix(&format!("{}/", into.trim_end_matches('/')))
                            .map(|rest| local.join(rest))
                    } else if dest.ends_with('/') || sources.len() > 1 {
                        (crate::image::facts::join(&into, name) == path).then(|| local.clone())
                    } else {
                        (into == path).then(|| local.clone())
                    };
                    // A later copy to the same path wins.
                    if let Some(h) = host.filter(|h| h.is_file()) {
                        found = Some(h);
                    }
                }
            }
            _ => {}
        }
    }
    found
}

/// The script's last command is `exec`, or it traps signals itself.
fn text_execs(text: &str) -> bool {
    let last = text
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty() && !l.starts_with('#'));
    last.is_some_and(|l| l.starts_with("exec ") || l.contains("trap "))
        || text.lines().any(|l| l.trim_start().starts_with("trap "))
}

fn short(t: &str) -> String {
    let flat: String = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 60 {
        format!("'{}…'", flat.chars().take(60).collect::<String>())
    } else {
        format!("'{flat}'")
    }
}

/// Inserts `init: true` above the `command`/`entrypoint` key, at its
/// indentation. Unsafe: it changes PID 1 (Docker's init forwards signals
/// to its child, which is the shell; a script must still pass them on).
pub(crate) fn init_fix(cx: &Context, s: &Service, key: &str) -> Option<Fix> {
    if s.init.is_some() || s.keys.contains("init") {
        return None;
    }
    let k: Span = s.keys.get(key)?;
    let file = cx.sources.get(k.file);
    let line = file.line_col(k.start as usize).line;
    let range = file.line_range(line);
    let prefix = &file.text[range.start..k.start as usize];
    if !prefix.chars().all(|c| c == ' ') {
        return None;
    }
    Some(Fix {
        title: "add `init: true`".into(),
        edits: vec![Edit {
            span: Span::new(k.file, range.start, range.start),
            replacement: format!("{prefix}init: true\n"),
        }],
        applicability: Applicability::Unsafe,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(args: &[&str]) -> Option<String> {
        let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        shell_job(&v).map(|j| match j {
            ShellJob::Script(s) => format!("script {s}"),
            ShellJob::CString(s) => format!("c {s}"),
        })
    }

    #[test]
    fn shell_jobs() {
        assert_eq!(
            job(&["mqbroker", "-c", "x"]).as_deref(),
            Some("script mqbroker")
        );
        assert_eq!(job(&["-e", "run.sh"]).as_deref(), Some("script run.sh"));
        assert_eq!(job(&["-c", "java -jar app.jar"]), None);
        assert_eq!(job(&["-c", "exec java -jar app.jar"]), None);
        assert_eq!(job(&["-ec", "cd /app && exec ./server"]), None);
        assert_eq!(job(&["-c", "cd /app && ./server"]), None);
        assert_eq!(
            job(&["-c", "cd /app && ./server | tee log"]).as_deref(),
            Some("c cd /app && ./server | tee log")
        );
        // BusyBox ash and dash exec a redirected last command too.
        assert_eq!(job(&["-c", "./server > /log"]), None);
        assert_eq!(job(&["-c", "(./server)"]).as_deref(), Some("c (./server)"));
        assert_eq!(
            job(&["-c", "trap 'kill $p' TERM; ./server & p=$!; wait"]),
            None
        );
        assert_eq!(job(&["-c", "echo 'a; b'"]), None);
        assert_eq!(job(&["-c", "ping -c 2 localhost && exit 1"]), None);
        assert_eq!(job(&["-c", "export | grep ZZ"]), None);
        assert_eq!(job(&["-c", "echo test; sleep infinity"]), None);
        assert_eq!(job(&["-c", "cd /app && ./server > log 2>&1"]), None);
        assert_eq!(job(&[]), None);
        assert_eq!(job(&["-i"]), None);
    }
}
