//! X106: PID 1 is a program that has no SIGTERM handler (`sleep`, `tail
//! -f`, a shell `while true` loop) and there is no init: the kernel drops
//! the signal, `docker stop` waits the grace period and SIGKILLs (137).

use crate::diagnostic::{Diagnostic, Severity};
use crate::exitcode::{see, signal_by_name};
use crate::rules::process::pid1_signal_forwarding::{has_unquoted, init_fix, split_commands};
use crate::rules::process::{argv, basename, command_runs_as_given, image_starts, is_shell};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "X106",
    name: "pid1-ignores-sigterm",
    group: Group::Process,
    default_severity: Severity::Warning,
    fix: FixAvailability::Sometimes,
    summary: "PID 1 is a program with no SIGTERM handler (`sleep`, `tail -f`, a shell loop) and no init: `docker stop` waits the grace period, then SIGKILL (137).",
    exit_codes: &[137],
    page: page!("X106-pid1-ignores-sigterm.md"),
};

/// What sits at PID 1 doing nothing with SIGTERM.
#[derive(Debug, PartialEq)]
enum Idle {
    /// A program without a handler, as written (`sleep infinity`).
    Program(String),
    /// A shell running a `while true` loop (the loop's first line).
    Loop(String, String),
    /// A shell whose `-c` list ends in such a program: the shell either
    /// execs it (BusyBox ash, dash) or stays PID 1 waiting for it (bash).
    ListEndsIn(String, String),
}

/// Docker's default `stop_grace_period`.
const DEFAULT_GRACE: f64 = 10.0;

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if s.init.as_ref().is_some_and(|i| i.value) {
            continue;
        }
        // SIGKILL as the stop signal, or no grace at all, is X105's.
        if let Some(sig) = &s.stop_signal {
            let v = sig.value.trim();
            if v.parse::<u8>().ok().or_else(|| signal_by_name(v)) == Some(9) {
                continue;
            }
        }
        let grace = s
            .stop_grace_period
            .as_ref()
            .map_or(DEFAULT_GRACE, |g| g.value.as_secs_f64());
        if grace <= 0.0 {
            continue;
        }
        // The argv that ends up at PID 1, where it is set, and the key.
        let (full, span, key, what): (Vec<String>, Span, &str, String) =
            if let Some(e) = argv(&s.entrypoint) {
                let mut v = e.argv.clone();
                if let Some(c) = argv(&s.command) {
                    v.extend(c.argv.iter().cloned());
                }
                (v, e.span, "entrypoint", "`entrypoint`".into())
            } else if s.entrypoint.is_some() {
                continue;
            } else {
                // Only now is the image needed: its init (an entrypoint
                // such as tini), and whether the command is the program.
                let si = cx.image(s);
                if si.is_some_and(|si| si.image.init.is_some()) {
                    continue;
                }
                if let Some(c) = argv(&s.command).filter(|c| command_runs_as_given(si, &c.argv)) {
                    (c.argv.clone(), c.span, "command", "`command`".into())
                } else if let Some(st) = image_starts(s, si).pop() {
                    let what = format!("the image's {}", st.instruction);
                    (st.argv, st.span, st.key, what)
                } else {
                    continue;
                }
            };
        let Some(idle) = pid1(&full, grace, 0) else {
            continue;
        };
        let grace_txt = match &s.stop_grace_period {
            Some(g) => format!("`stop_grace_period: {}`", g.value.raw),
            None => "the grace period (10s by default)".to_string(),
        };
        let (head, why) = match &idle {
            Idle::Program(p) => (
                format!("makes `{p}` PID 1"),
                format!("`{}` installs no SIGTERM handler", first_word(p)),
            ),
            Idle::Loop(shell, first) => (
                format!("makes `{shell}` PID 1, running the loop `{first}`"),
                "a shell running a loop installs no SIGTERM handler".to_string(),
            ),
            Idle::ListEndsIn(shell, p) => (
                format!("makes `{shell}` PID 1, and its `-c` list ends in `{p}`"),
                format!("whether the shell replaces itself with `{}` or stays PID 1 waiting for it, PID 1 installs no SIGTERM handler", first_word(p)),
            ),
        };
        let mut d = Diagnostic::warning(
            META.code,
            span,
            format!(
                "{what} {head}, which ignores `docker stop`'s SIGTERM: every stop, restart and `compose down` waits {grace_txt} and then SIGKILLs it (exit 137; see {})",
                see(137)
            ),
        )
        .note(format!(
            "{why}, and the kernel drops a signal that PID 1 of a container does not handle"
        ))
        .help(match idle {
            Idle::Program(_) | Idle::ListEndsIn(..) => "set `init: true`: Docker's init becomes PID 1 and passes SIGTERM on, and the program, no longer PID 1, ends at once (143); or run a program that handles SIGTERM",
            Idle::Loop(..) => "set `init: true`, or make the shell handle the signal: `trap 'exit 0' TERM` before the loop, and `sleep 1 & wait` inside it",
        });
        if let Some(fix) = init_fix(cx, s, key) {
            d = d.fix(fix);
        }
        out.push(d);
    }
}

fn first_word(s: &str) -> &str {
    s.split_whitespace().next().unwrap_or(s)
}

/// What is PID 1 for `argv` when it ignores SIGTERM; `None` otherwise or
/// when that is not known.
fn pid1(argv: &[String], grace: f64, depth: usize) -> Option<Idle> {
    let (prog, args) = argv.split_first()?;
    if depth > 3 {
        return None;
    }
    let name = basename(prog);
    if name == "exec" {
        return pid1(args, grace, depth + 1);
    }
    if is_shell(prog) {
        let text = c_string(args)?;
        return shell_pid1(name, text, grace, depth);
    }
    match name {
        "sleep" if sleeps_longer_than(args, grace) => Some(Idle::Program(argv.join(" "))),
        "tail" if follows(args) => Some(Idle::Program(argv.join(" "))),
        _ => None,
    }
}

/// The `-c` string of a shell's arguments (`-c`, `-ec`, `-xc`).
fn c_string(args: &[String]) -> Option<&str> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a.starts_with('-') && !a.starts_with("--") && a[1..].contains('c') {
            return it.next().map(String::as_str);
        }
        if !a.starts_with('-') && !a.starts_with('+') {
            return None;
        }
    }
    None
}

/// Loops a shell runs for ever: `while true`, `while :`, `until false`.
const FOREVER: [&str; 7] = [
    "while true",
    "while :",
    "while [ 1 ]",
    "while [ true ]",
    "while [ 1 -eq 1 ]",
    "until false",
    "while sleep",
];

fn shell_pid1(shell: &str, text: &str, grace: f64, depth: usize) -> Option<Idle> {
    if text.contains("trap ") {
        return None;
    }
    let parts = split_commands(text.trim())?;
    let last = parts.last()?.trim();
    // A pipeline or a subshell keeps the shell PID 1 with a child: X101.
    if has_unquoted(last, &['|']) || last.starts_with('(') {
        return None;
    }
    if last == "done" {
        let first = parts.iter().map(|p| p.trim()).find(|p| {
            FOREVER.iter().any(|f| {
                *p == *f || p.starts_with(&format!("{f} ")) || p.starts_with(&format!("{f};"))
            })
        })?;
        return Some(Idle::Loop(shell.to_string(), format!("{first}; …; done")));
    }
    // The shell replaces itself with its last simple command (or keeps it
    // as a child, which ignores SIGTERM the same way behind a PID 1 shell).
    if last.contains(['$', '`', '>', '<', '&', '"', '\'']) {
        return None;
    }
    let words: Vec<String> = last.split_whitespace().map(str::to_string).collect();
    if words.first().is_some_and(|w| is_shell(w)) {
        return None;
    }
    match pid1(&words, grace, depth + 1)? {
        Idle::Program(p) if parts.len() > 1 => Some(Idle::ListEndsIn(shell.to_string(), p)),
        other => Some(other),
    }
}

/// `sleep` arguments (summed, as GNU and BusyBox do) longer than the grace
/// period, or `infinity`.
fn sleeps_longer_than(args: &[String], grace: f64) -> bool {
    let mut total = 0.0;
    for a in args {
        if a == "infinity" || a == "inf" {
            return true;
        }
        let (num, mult) = match a.chars().last() {
            Some('s') => (&a[..a.len() - 1], 1.0),
            Some('m') => (&a[..a.len() - 1], 60.0),
            Some('h') => (&a[..a.len() - 1], 3600.0),
            Some('d') => (&a[..a.len() - 1], 86400.0),
            _ => (a.as_str(), 1.0),
        };
        match num.parse::<f64>() {
            Ok(n) if n.is_finite() && n >= 0.0 => total += n * mult,
            _ => return false,
        }
    }
    total > grace
}

/// `tail -f`, `-F`, `--follow`, `-n0 -f`, `-fn0`.
fn follows(args: &[String]) -> bool {
    args.iter().any(|a| {
        a.starts_with("--follow")
            || (a.starts_with('-')
                && !a.starts_with("--")
                && a[1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphabetic())
                    .any(|c| c == 'f' || c == 'F'))
    })
}

#[cfg(test)]
fn judge(words: &[&str], grace: f64) -> Option<Idle> {
    let v: Vec<String> = words.iter().map(|s| s.to_string()).collect();
    pid1(&v, grace, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs() {
        assert!(judge(&["sleep", "infinity"], 10.0).is_some());
        assert!(judge(&["sleep", "3600"], 10.0).is_some());
        assert!(judge(&["sleep", "1h"], 10.0).is_some());
        assert!(judge(&["sleep", "5"], 10.0).is_none());
        assert!(judge(&["sleep", "30"], 60.0).is_none());
        assert!(judge(&["/bin/sleep", "infinity"], 10.0).is_some());
        assert!(judge(&["tail", "-f", "/dev/null"], 10.0).is_some());
        assert!(judge(&["tail", "-F", "/var/log/x"], 10.0).is_some());
        assert!(judge(&["tail", "-n", "5", "/var/log/x"], 10.0).is_none());
        assert!(judge(&["nginx", "-g", "daemon off;"], 10.0).is_none());
    }

    #[test]
    fn shells() {
        assert!(judge(&["sh", "-c", "echo hi; sleep infinity"], 10.0).is_some());
        assert!(judge(&["sh", "-c", "exec tail -f /dev/null"], 10.0).is_some());
        assert!(judge(&["bash", "-c", "while true; do date; sleep 5; done"], 10.0).is_some());
        assert!(judge(&["sh", "-c", "while :; do sleep 1; done"], 10.0).is_some());
        assert!(judge(
            &[
                "sh",
                "-c",
                "trap 'exit 0' TERM; while true; do sleep 1 & wait; done"
            ],
            10.0
        )
        .is_none());
        // X101's: the shell keeps a pipeline as its child.
        assert!(judge(&["sh", "-c", "sleep 300 | cat"], 10.0).is_none());
        assert!(judge(&["sh", "-c", "for i in 1 2 3; do echo $i; done"], 10.0).is_none());
        assert!(judge(&["sh", "-c", "./server"], 10.0).is_none());
        assert!(judge(&["sh", "/start.sh"], 10.0).is_none());
        assert!(judge(&["sh", "-c", "sleep $DELAY"], 10.0).is_none());
    }
}
