//! Container exit codes, decoded offline for `compose-lint explain <CODE>`.
//!
//! Every status from 0 to 255 has a reading: its meaning, the likely causes
//! in a Compose setup, how to confirm them, and which compose-lint rules
//! predict it. The rules come from the registry (`RuleMeta.exit_codes`),
//! so a new rule that declares an exit code is listed without touching
//! this file.

use serde_json::json;

use crate::rules::{self, RuleMeta};

/// Linux signal numbers 1 to 31 (x86, ARM and most architectures; MIPS,
/// SPARC and Alpha number some differently) and their names.
pub const SIGNALS: [(u8, &str, &str); 31] = [
    (1, "SIGHUP", "hangup: the controlling terminal closed, or a request to reload the configuration"),
    (2, "SIGINT", "interrupt: Ctrl+C in the foreground"),
    (3, "SIGQUIT", "quit (Ctrl+\\); the JVM prints a thread dump on it instead of exiting"),
    (4, "SIGILL", "illegal instruction: a binary built for another CPU or CPU feature set"),
    (5, "SIGTRAP", "trace or breakpoint trap"),
    (6, "SIGABRT", "abort(): a failed assertion or a runtime that gave up (glibc double free, a JVM fatal error)"),
    (7, "SIGBUS", "bus error: a bad memory access, e.g. to a memory-mapped file that shrank, or /dev/shm full"),
    (8, "SIGFPE", "arithmetic error, such as an integer division by zero"),
    (9, "SIGKILL", "kill: cannot be caught or ignored (`docker kill`, the kernel OOM killer, the end of the stop grace period)"),
    (10, "SIGUSR1", "user-defined signal 1"),
    (11, "SIGSEGV", "segmentation fault: an invalid memory reference"),
    (12, "SIGUSR2", "user-defined signal 2"),
    (13, "SIGPIPE", "write to a pipe or socket with no reader"),
    (14, "SIGALRM", "timer alarm"),
    (15, "SIGTERM", "termination request: what `docker stop` sends by default"),
    (16, "SIGSTKFLT", "coprocessor stack fault (unused)"),
    (17, "SIGCHLD", "a child process stopped or exited (ignored by default)"),
    (18, "SIGCONT", "continue a stopped process"),
    (19, "SIGSTOP", "stop: cannot be caught or ignored"),
    (20, "SIGTSTP", "terminal stop (Ctrl+Z)"),
    (21, "SIGTTIN", "background read from the terminal"),
    (22, "SIGTTOU", "background write to the terminal"),
    (23, "SIGURG", "urgent data on a socket (the Go runtime uses it to preempt goroutines)"),
    (24, "SIGXCPU", "CPU time limit (ulimit -t) exceeded"),
    (25, "SIGXFSZ", "file size limit (ulimit -f) exceeded"),
    (26, "SIGVTALRM", "virtual timer alarm"),
    (27, "SIGPROF", "profiling timer alarm"),
    (28, "SIGWINCH", "terminal window size changed (Apache httpd uses it for a graceful stop)"),
    (29, "SIGIO", "I/O possible (also SIGPOLL)"),
    (30, "SIGPWR", "power failure"),
    (31, "SIGSYS", "bad system call: often a syscall blocked by the seccomp profile"),
];

/// Other names of the same signals.
const ALIASES: [(&str, u8); 3] = [("SIGIOT", 6), ("SIGPOLL", 29), ("SIGCLD", 17)];

/// What `explain <CODE>` says about one exit status.
#[derive(Clone, Debug)]
pub struct ExitInfo {
    pub code: u8,
    /// One line.
    pub title: String,
    /// The signal, for 129–159 (128 + n).
    pub signal: Option<(u8, &'static str)>,
    pub meaning: Vec<String>,
    /// Likely causes in a Compose setup.
    pub causes: Vec<String>,
    /// Commands that confirm or rule out the causes.
    pub confirm: Vec<String>,
    /// compose-lint rules that predict this status (from the registry).
    pub rules: Vec<RuleMeta>,
}

/// A signal number by name: `SIGTERM`, `TERM`, `sigterm`, `SIGIOT`.
pub fn signal_by_name(name: &str) -> Option<u8> {
    let upper = name.trim().to_ascii_uppercase();
    let full = if upper.starts_with("SIG") {
        upper
    } else {
        format!("SIG{upper}")
    };
    SIGNALS
        .iter()
        .find(|(_, n, _)| *n == full)
        .map(|(num, _, _)| *num)
        .or_else(|| ALIASES.iter().find(|(n, _)| *n == full).map(|(_, v)| *v))
}

/// The name of signal `n` (1–31).
pub fn signal_name(n: u8) -> Option<&'static str> {
    SIGNALS.iter().find(|(num, _, _)| *num == n).map(|s| s.1)
}

/// What `explain` was asked about, when it is an exit status or a signal.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Query {
    /// An exit status 0–255.
    Code(u8),
    /// A signal (1–31); its exit status is 128 + n.
    Signal(u8),
}

impl Query {
    pub fn code(self) -> u8 {
        match self {
            Query::Code(c) => c,
            Query::Signal(n) => 128 + n,
        }
    }
}

/// Parses `143`, `SIGTERM`, `TERM`, `sigkill`. `None`: neither.
pub fn parse_query(what: &str) -> Option<Query> {
    let t = what.trim();
    if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<u8>().ok().map(Query::Code);
    }
    signal_by_name(t).map(Query::Signal)
}

/// Rules whose `exit_codes` contain `code`, in registry order.
pub fn rules_predicting(code: u8) -> Vec<RuleMeta> {
    rules::REGISTRY
        .iter()
        .filter(|r| r.meta.exit_codes.contains(&code))
        .map(|r| r.meta)
        .collect()
}

const INSPECT: &str = "docker inspect --format '{{.State.ExitCode}} {{.State.OOMKilled}} {{.State.Error}}' <container>";
const LOGS: &str = "docker compose logs --tail 100 <service>";
const DMESG: &str = "dmesg -T | grep -i -E 'killed process|out of memory'";
const PS: &str = "docker compose ps -a   (the STATUS column shows `Exited (<code>)` and restarts)";

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

/// The reading of exit status `code`.
pub fn info(code: u8) -> ExitInfo {
    let mut i = ExitInfo {
        code,
        title: String::new(),
        signal: None,
        meaning: Vec::new(),
        causes: Vec::new(),
        confirm: s(&[INSPECT, LOGS]),
        rules: rules_predicting(code),
    };
    match code {
        0 => {
            i.title = "success".into();
            i.meaning = s(&["The main process exited normally."]);
            i.causes = s(&[
                "A one-off job finished (a migration, an init container); expected.",
                "A server that should keep running daemonized itself (`nginx` without `daemon off;`, `service x start`, a script that starts a program in the background and returns): PID 1 exited, so the container stopped.",
                "The command was a shell with nothing left to do, e.g. the image's default `bash` with no TTY (`stdin_open`/`tty` not set).",
            ]);
        }
        1 => {
            i.title = "general error".into();
            i.meaning = s(&[
                "The program reported a failure. Most runtimes use 1 for any fatal error: an uncaught exception (Java `main`, Node.js, a Python traceback), a configuration error, a failed connection at start.",
                "The JVM exits with 1 when it cannot start: invalid options, or `Error: Could not create the Java Virtual Machine` (for example an -Xmx the machine cannot reserve).",
            ]);
            i.causes = s(&[
                "Missing or wrong configuration: an unset environment variable, a bind-mounted config file that is missing or empty (Compose created a directory in its place).",
                "A dependency that is not ready yet (`depends_on` without `condition: service_healthy`).",
                "No permission to write a data or log directory (many programs exit with 1 rather than 126).",
            ]);
        }
        2 => {
            i.title = "misuse / usage error".into();
            i.meaning = s(&[
                "By convention a command-line usage error: an unknown option or a missing argument (bash builtins, most CLIs). Shells also use 2 for a syntax error in a script.",
            ]);
            i.causes = s(&[
                "A `command:` whose arguments the program does not accept, e.g. arguments meant for the image's entrypoint given to a different one.",
                "A `command:` string that Compose split differently than a shell would (Compose does not run a shell: `&&`, `|`, `>` and `$VAR` are passed as literal words).",
            ]);
        }
        3 => {
            i.title = "application-defined (JVM: ExitOnOutOfMemoryError)".into();
            i.meaning = s(&[
                "Application-defined. The JVM exits with 3 after `Terminating due to java.lang.OutOfMemoryError` when -XX:+ExitOnOutOfMemoryError is set: the Java heap (not the container) ran out.",
            ]);
            i.causes = s(&["A Java heap (-Xmx) too small for the load."]);
        }
        125 => {
            i.title = "the docker command itself failed".into();
            i.meaning = s(&[
                "`docker run` returns 125 when Docker could not create or start the container; the program never ran. It is the status of the docker client, not of a process in the container.",
            ]);
            i.causes = s(&[
                "An invalid option or value (a bad memory size, an unknown network, a port already allocated, an unknown runtime).",
                "The daemon could not create the container: an image that cannot be pulled, a name already in use (`container_name`), a device that does not exist.",
            ]);
            i.confirm = s(&[
                "The error text printed by `docker compose up` / `docker run` itself",
                "docker compose config   (validates the file)",
            ]);
        }
        126 => {
            i.title = "command found but not executable".into();
            i.meaning = s(&[
                "The command exists but cannot be executed: no execute permission, a directory, or a script whose interpreter cannot be run. Shells return 126 for this; Docker too.",
                "Docker (moby `setExitCodeFromError`) sets 126 when the runtime fails to start the process with EACCES (`permission denied`) or EISDIR (`is a directory`).",
            ]);
            i.causes = s(&[
                "A script bind-mounted from the project as the entrypoint or command, without the exec bit on the host (`chmod +x` on the host; a git checkout on Windows or a zip loses it).",
                "The bind-mount source of the script is missing, so Docker created a directory there and the command now names a directory.",
                "A volume mounted `noexec`, or a file owned by another user with mode 0700/0600 and a non-root `user:`.",
            ]);
            i.confirm
                .push("ls -l <host path of the script>   (needs an x bit; must be a file)".into());
        }
        127 => {
            i.title = "command not found".into();
            i.meaning = s(&[
                "The command does not exist in the container (or is not on its PATH). Shells return 127 for this; Docker sets it when the runtime reports `executable file not found in $PATH` or `no such file or directory`.",
                "Docker also uses 127 for ENOTDIR at start, with the text \"Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type\": a bind mount of a file onto a directory or the reverse.",
                "A script whose shebang names an interpreter that is missing (`#!/bin/bash` on Alpine) fails the same way: `no such file or directory` for a file that exists.",
            ]);
            i.causes = s(&[
                "`/bin/bash` (or another tool) on an image that does not have it: Alpine, distroless, scratch, many slim images.",
                "A typo in `command`/`entrypoint`, or a relative command that is not on the image's PATH.",
                "A named volume mounted over the program's directory hides the new version after an image upgrade.",
                "A script with Windows line endings: the shebang names `/bin/sh\\r`, which does not exist.",
            ]);
        }
        128 => {
            i.title = "exit(128)".into();
            i.meaning = s(&[
                "An ordinary exit status the program chose: exit(128). It is not 128 + a signal (there is no signal 0).",
            ]);
            i.causes = s(&["The program's own reason; its logs say which."]);
        }
        130 => {
            i.title = "SIGINT (Ctrl+C)".into();
            i.causes = s(&[
                "The container ran in the foreground (`docker compose up` without -d, `docker run -it`) and was stopped with Ctrl+C.",
                "The image's STOPSIGNAL or the service's `stop_signal` is SIGINT (postgres uses it for a fast shutdown) and the process exited by the signal's default action.",
            ]);
        }
        137 => {
            i.title = "SIGKILL: OOM-killed, or killed after the stop grace period".into();
            i.causes = s(&[
                "OOMKilled: the container's memory limit (`mem_limit`, `deploy.resources.limits.memory`) was reached and the kernel killed the process. `docker inspect` shows OOMKilled true. A JVM whose -Xmx is not well below the limit is the classic case.",
                "`docker stop` (or `docker compose down`/`restart`) sent the stop signal, the process did not exit within the grace period (`stop_grace_period`, 10s by default), and Docker sent SIGKILL. Typical when PID 1 is a shell that does not forward SIGTERM to the real program.",
                "`docker kill`, or a process outside the container sent kill -9.",
            ]);
            i.confirm.push(DMESG.into());
            i.confirm.push("docker events --filter container=<container> --since 1h   (shows `kill` with signal=15, then signal=9, for a stop that timed out)".into());
        }
        139 => {
            i.title = "SIGSEGV: segmentation fault".into();
            i.causes = s(&[
                "A bug in native code: the program, a native library, or a library/ABI mismatch between the build and the base image (musl vs glibc binaries, a binary copied from another distribution).",
                "A stack overflow in native code, or running under an emulator for another architecture (`platform:` on a different CPU).",
            ]);
            i.confirm.push(DMESG.into());
        }
        143 => {
            i.title = "SIGTERM: the usual result of `docker stop`".into();
            i.causes = s(&[
                "`docker stop`, `docker compose down`/`stop`/`restart`, or an orchestrator stopping the container: the process ended by the default action of SIGTERM. Normal.",
                "Often seen with `init: true` (tini reports 128 + the signal its child died of).",
            ]);
            i.confirm
                .push("docker events --filter container=<container> --since 1h".into());
        }
        253 => {
            i.title = "exit(-3)".into();
            i.meaning = s(&[
                "An ordinary exit status: the program called exit(-3) (or exit(253)); 253 is -3 modulo 256. It is not a signal (that would be 128 + 125, and Linux has no signal 125).",
            ]);
            i.causes = s(&[
                "RocketMQ (the seed of this project) exits with 253 when the broker cannot create or write its store or log directories: a named volume mounted at a directory that does not exist in the image is created owned by root, and the broker runs as an unprivileged user.",
                "Look up what the program means by -3 in its own documentation or source.",
            ]);
            i.confirm.push(
                "docker compose run --rm --entrypoint sh <service> -c 'id; ls -ld <mounted dirs>'"
                    .into(),
            );
        }
        255 => {
            i.title = "exit(-1), or a status out of range".into();
            i.meaning = s(&[
                "The program called exit(-1) (255 is -1 modulo 256), or an exit status out of range was reduced modulo 256. Many programs use -1 as their generic failure; SSH reports 255 for a connection error.",
            ]);
            i.causes = s(&["A generic fatal error of the program; read its logs."]);
        }
        _ => {}
    }
    if (129..=159).contains(&code) {
        let n = code - 128;
        let (_, name, what) = SIGNALS[(n - 1) as usize];
        i.signal = Some((n, name));
        if i.title.is_empty() {
            i.title = format!("{name}: {what}");
        }
        i.meaning.insert(
            0,
            format!(
                "128 + {n}: the process was killed by signal {n}, {name} ({what}). Docker reports 128 + n for a main process ended by signal n; a shell reports the same for a child."
            ),
        );
        if i.causes.is_empty() {
            i.causes = s(&[
                "A signal sent by `docker kill --signal`, by another process in the container, or raised by the program itself.",
            ]);
        }
        if n == 2 || n == 9 || n == 15 {
            i.confirm.push(PS.into());
        }
    } else if (160..=192).contains(&code) {
        let n = code - 128;
        i.title = if n >= 34 {
            format!("real-time signal {n} (SIGRTMIN+{})", n - 34)
        } else {
            format!("signal {n} (reserved by glibc for threads)")
        };
        i.meaning = s(&[&format!(
            "128 + {n}: killed by signal {n}, a real-time signal. Rare; programs use these among themselves. It may also be an ordinary exit({code})."
        )]);
        i.causes =
            s(&["A program-specific signal, or an ordinary exit status chosen by the program."]);
    } else if i.title.is_empty() {
        let (title, meaning) = match code {
            4..=63 => (
                "application-defined exit status".to_string(),
                format!("An exit status the program chose: exit({code}). Its meaning is the program's own; read its documentation."),
            ),
            64..=78 => (
                format!("application-defined (sysexits.h: {})", sysexit(code)),
                format!("exit({code}); programs that follow BSD sysexits.h use it for {}.", sysexit(code)),
            ),
            79..=124 => (
                "application-defined exit status".to_string(),
                format!("An exit status the program chose: exit({code})."),
            ),
            _ => (
                format!("exit(-{})", 256 - code as u16),
                format!(
                    "An ordinary exit status above any signal number: exit({code}), or exit(-{}) (negative values are taken modulo 256).",
                    256 - code as u16
                ),
            ),
        };
        i.title = title;
        i.meaning = vec![meaning];
        i.causes = s(&["The program's own reason; its logs say which."]);
    }
    i
}

fn sysexit(code: u8) -> &'static str {
    match code {
        64 => "EX_USAGE, a command-line usage error",
        65 => "EX_DATAERR, bad input data",
        66 => "EX_NOINPUT, an input file missing or unreadable",
        67 => "EX_NOUSER, an unknown user",
        68 => "EX_NOHOST, an unknown host",
        69 => "EX_UNAVAILABLE, a service unavailable",
        70 => "EX_SOFTWARE, an internal software error",
        71 => "EX_OSERR, an operating system error (e.g. cannot fork)",
        72 => "EX_OSFILE, a critical OS file missing",
        73 => "EX_CANTCREAT, an output file that cannot be created",
        74 => "EX_IOERR, an I/O error",
        75 => "EX_TEMPFAIL, a temporary failure; retry",
        76 => "EX_PROTOCOL, a remote protocol error",
        77 => "EX_NOPERM, permission denied",
        _ => "EX_CONFIG, a configuration error",
    }
}

/// The text of `explain <CODE>`.
pub fn render_text(i: &ExitInfo) -> String {
    let mut out = format!("Exit code {}: {}\n", i.code, i.title);
    if let Some((n, name)) = i.signal {
        out.push_str(&format!("Signal: {name} ({n}); {} = 128 + {n}\n", i.code));
    }
    out.push('\n');
    for m in &i.meaning {
        out.push_str(m);
        out.push('\n');
    }
    section(
        &mut out,
        "Likely causes in a Compose setup",
        &i.causes,
        "- ",
    );
    section(&mut out, "How to confirm", &i.confirm, "  $ ");
    out.push_str("\ncompose-lint rules that predict it\n");
    if i.rules.is_empty() {
        out.push_str("  (none)\n");
    } else {
        for r in &i.rules {
            out.push_str(&format!("  {} {:<28} {}\n", r.code, r.name, r.summary));
        }
        out.push_str("  (`compose-lint explain <rule>` prints a rule's page)\n");
    }
    out
}

fn section(out: &mut String, title: &str, items: &[String], bullet: &str) {
    if items.is_empty() {
        return;
    }
    out.push_str(&format!("\n{title}\n"));
    for it in items {
        out.push_str(bullet);
        out.push_str(it);
        out.push('\n');
    }
}

/// The JSON of `explain <CODE> --format json`.
pub fn to_json(i: &ExitInfo) -> serde_json::Value {
    json!({
        "code": i.code,
        "title": i.title,
        "signal": i.signal.map(|(n, name)| json!({"number": n, "name": name})),
        "meaning": i.meaning,
        "causes": i.causes,
        "confirm": i.confirm,
        "rules": i.rules.iter().map(|r| json!({
            "code": r.code,
            "name": r.name,
            "severity": r.default_severity.as_str(),
            "summary": r.summary,
        })).collect::<Vec<_>>(),
    })
}

/// The reminder rules put in their messages: "see `compose-lint explain 137`".
pub fn see(code: u8) -> String {
    format!("`compose-lint explain {code}`")
}
