//! Facts read from the text of a script that an image starts (an
//! entrypoint wrapper copied from the build context): whether it hands its
//! arguments on with `exec "$@"`, which interpreter its `#!` line names, and
//! whether the shell running it stays PID 1.

/// The interpreter of a `#!` line: (program, first argument). `#!/usr/bin/env
/// bash` gives `("/usr/bin/env", Some("bash"))`. The program keeps a
/// trailing `\r` (a file saved with CRLF line ends), which no file name has.
pub fn shebang(text: &str) -> Option<(String, Option<String>)> {
    let first = text.split('\n').next()?;
    let rest = first.strip_prefix("#!")?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let mut words = rest.splitn(2, [' ', '\t']);
    let prog = words.next().filter(|p| !p.is_empty())?.to_string();
    let arg = words
        .next()
        .map(|a| a.trim_matches([' ', '\t']).to_string())
        .filter(|a| !a.is_empty());
    Some((prog, arg))
}

/// The shell a `#!` line runs (`sh`, `bash`, ...), through `env` too.
pub fn shebang_shell(text: &str) -> Option<String> {
    let (prog, arg) = shebang(text)?;
    let base = prog.rsplit('/').next().unwrap_or(&prog);
    let name = if base == "env" {
        arg?.split_whitespace().next()?.to_string()
    } else {
        base.to_string()
    };
    ["sh", "bash", "ash", "dash", "zsh", "ksh", "mksh"]
        .contains(&name.as_str())
        .then_some(name)
}

/// The script's commands, one per line, without comments and blank lines
/// (continuation lines joined).
fn lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cont = false;
    for l in text.lines() {
        let t = l.trim().trim_end_matches('\r').trim();
        if cont {
            if let Some(last) = out.last_mut() {
                last.push(' ');
                last.push_str(t.trim_end_matches('\\'));
            }
            cont = t.ends_with('\\');
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        cont = t.ends_with('\\');
        out.push(t.trim_end_matches('\\').to_string());
    }
    out
}

/// `exec "$@"` (and its spellings `exec $@`, `exec "${@}"`).
fn is_exec_args(line: &str) -> bool {
    let l = line.split(" #").next().unwrap_or(line);
    let l = l.trim().trim_end_matches(';').trim();
    matches!(
        l,
        "exec \"$@\"" | "exec $@" | "exec \"${@}\"" | "exec ${@}" | "exec -- \"$@\""
    )
}

/// The script ends by exec'ing its arguments: its last command is
/// `exec "$@"`. Wrappers that exec "$@" only on some branch (or through
/// another program such as gosu) are not counted.
///
/// A script that rewrites its arguments first (`set -- registry serve "$@"`
/// for a `*.yml` argument, `shift`) does not count: what it execs is then
/// not the command it was given.
pub fn execs_args(text: &str) -> bool {
    let lines = lines(text);
    let rewrites = lines.iter().any(|l| {
        let code = l.split(" #").next().unwrap_or(l);
        code.contains("set --")
            || code
                .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')'))
                .any(|w| w == "shift")
    });
    shebang_shell(text).is_some() && !rewrites && lines.last().is_some_and(|l| is_exec_args(l))
}

/// The official images' wrapper: it ends in `exec "$@"`, and its only
/// rewrite puts the image's program in front of the arguments when the
/// first one is an option or not a command (`if [ "${1#-}" != "$1" ] || [
/// -z "$(command -v "$1")" ]; then set -- node "$@"; fi`). A command whose
/// first word is a program of the image is then exec'd as given.
pub fn execs_commands(text: &str) -> bool {
    let lines = lines(text);
    if shebang_shell(text).is_none() || !lines.last().is_some_and(|l| is_exec_args(l)) {
        return false;
    }
    let mut condition: Option<&str> = None;
    for l in &lines {
        let code = l.split(" #").next().unwrap_or(l).trim();
        if code.starts_with("if ") || code.starts_with("elif ") {
            condition = Some(code);
        } else if code == "fi" || code == "else" {
            condition = None;
        }
        let words: Vec<&str> = code
            .split(|c: char| c.is_whitespace() || matches!(c, ';' | '&' | '|' | ')'))
            .collect();
        if words.contains(&"shift") {
            return false;
        }
        if let Some(at) = code.find("set --") {
            // `set -- prog "$@"`: a prepend, nothing else.
            let tail = &code[at + 6..];
            let rest: Vec<&str> = tail[..tail.find(';').unwrap_or(tail.len())]
                .split_whitespace()
                .collect();
            let prepend = matches!(rest.as_slice(), [p, "\"$@\""] if !p.contains('$'));
            // …and only when the first argument is an option or no command.
            let guarded = (code.starts_with("if ") || condition.is_some())
                && condition.or(Some(code)).is_some_and(|c| {
                    (c.contains("${1#-}") || c.contains("${1:0:1}") || c.contains("command -v"))
                        && !c.contains("${1%")
                });
            if !prepend || !guarded {
                return false;
            }
        }
    }
    true
}

/// An [`execs_commands`] wrapper whose prepend is guarded only by "the
/// first argument is an option" (`${1#-}`, `${1:0:1}`), not by a
/// `command -v` look-up: any command whose first word is not an option is
/// exec'd as given, whether the image has that program or not (docker's
/// own `docker-entrypoint.sh`).
pub fn execs_non_options(text: &str) -> bool {
    execs_commands(text)
        && !lines(text).iter().any(|l| {
            let code = l.split(" #").next().unwrap_or(l);
            code.contains("command -v") || code.contains("which ") || code.contains("type ")
        })
}

/// A line that replaces the shell with a program (`exec prog ...`), as
/// opposed to `exec` with only redirections (`exec >log 2>&1`).
fn execs_a_program(line: &str) -> bool {
    let Some(rest) = line.strip_prefix("exec ") else {
        return line.contains("&& exec ")
            || line.contains("; exec ")
            || line.contains("then exec ");
    };
    let first = rest.split_whitespace().next().unwrap_or("");
    !first.is_empty()
        && !first.starts_with('>')
        && !first.starts_with('<')
        && !first.starts_with(|c: char| c.is_ascii_digit())
}

/// The shell running this script stays PID 1 for as long as it runs: a
/// shell `#!` line, no `exec` of a program anywhere, no `trap`, and a last
/// command that is not one that ends at once.
pub fn keeps_pid1(text: &str) -> bool {
    if shebang_shell(text).is_none() {
        return false;
    }
    let ls = lines(text);
    if ls.iter().any(|l| execs_a_program(l) || l.contains("trap ")) {
        return false;
    }
    let Some(last) = ls.last() else {
        return false;
    };
    let first = last.split_whitespace().next().unwrap_or("");
    !matches!(
        first,
        "exit" | "echo" | "printf" | "true" | "false" | ":" | "return"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrapper_that_prepends_only_for_options_execs_any_other_command() {
        let docker = "#!/bin/sh\nset -e\nif [ \"${1#-}\" != \"$1\" ]; then\n\tset -- dockerd \"$@\"\nfi\nexec \"$@\"\n";
        assert!(execs_non_options(docker));
        let node = "#!/bin/sh\nset -e\nif [ \"${1#-}\" != \"${1}\" ] || [ -z \"$(command -v \"${1}\")\" ]; then\n  set -- node \"$@\"\nfi\nexec \"$@\"\n";
        assert!(execs_commands(node));
        assert!(!execs_non_options(node));
        assert!(!execs_non_options("#!/bin/sh\nexec gosu app \"$@\"\n"));
    }

    #[test]
    fn wrappers_that_exec_commands() {
        // node's shape: prepend only for an option or a non-command.
        let node = "#!/bin/sh\nset -e\nif [ \"${1#-}\" != \"${1}\" ] || [ -z \"$(command -v \"${1}\")\" ]; then\n  set -- node \"$@\"\nfi\nexec \"$@\"\n";
        assert!(execs_commands(node));
        assert!(!execs_args(node));
        // redis's: one line.
        assert!(execs_commands(
            "#!/bin/sh\nif [ \"${1#-}\" != \"$1\" ]; then set -- redis-server \"$@\"; fi\nexec \"$@\"\n"
        ));
        // An unconditional prepend, an `else` branch, a rewrite on another
        // test, `shift`, or no `exec "$@"` at the end: not this shape.
        assert!(!execs_commands(
            "#!/bin/sh\nset -- node \"$@\"\nexec \"$@\"\n"
        ));
        assert!(!execs_commands(
            "#!/bin/sh\nif [ \"${1#-}\" != \"$1\" ]; then\nset -- a \"$@\"\nelse\nset -- b \"$@\"\nfi\nexec \"$@\"\n"
        ));
        assert!(!execs_commands(
            "#!/bin/sh\nif [ \"$1\" = 'serve' ]; then\nset -- app \"$@\"\nfi\nexec \"$@\"\n"
        ));
        assert!(!execs_commands("#!/bin/sh\nshift\nexec \"$@\"\n"));
        assert!(!execs_commands(
            "#!/bin/sh\nif [ \"${1#-}\" != \"$1\" ]; then set -- x \"$@\"; fi\nexec gosu app \"$@\"\n"
        ));
    }

    #[test]
    fn shebangs() {
        assert_eq!(shebang("#!/bin/sh\necho"), Some(("/bin/sh".into(), None)));
        assert_eq!(
            shebang("#!/usr/bin/env bash\n"),
            Some(("/usr/bin/env".into(), Some("bash".into())))
        );
        assert_eq!(
            shebang("#!/bin/bash\r\necho"),
            Some(("/bin/bash\r".into(), None))
        );
        assert_eq!(shebang("echo hi"), None);
        assert_eq!(
            shebang_shell("#!/usr/bin/env bash\n").as_deref(),
            Some("bash")
        );
        assert_eq!(shebang_shell("#!/usr/bin/python3\n"), None);
    }

    #[test]
    fn wrappers() {
        assert!(execs_args(
            "#!/bin/sh\nset -e\nchown app /data\nexec \"$@\"\n"
        ));
        assert!(execs_args(
            "#!/bin/bash\nif [ x ]; then\n  echo\nfi\n\nexec \"$@\" # run\n"
        ));
        assert!(!execs_args("#!/bin/sh\nexec \"$@\"\necho after\n"));
        assert!(!execs_args("#!/bin/sh\nexec gosu app \"$@\"\n"));
        assert!(!execs_args("exec \"$@\"\n"));
        // The registry image's wrapper: a `*.yml` argument becomes
        // `registry serve <file>`.
        assert!(!execs_args(
            "#!/bin/sh\nset -e\ncase \"$1\" in\n    *.yaml|*.yml) set -- registry serve \"$@\" ;;\nesac\n\nexec \"$@\"\n"
        ));
        assert!(!execs_args(
            "#!/bin/sh\nif [ \"$1\" = run ]; then shift; fi\nexec \"$@\"\n"
        ));
    }

    #[test]
    fn pid1() {
        assert!(keeps_pid1("#!/bin/sh\ncd /app\njava -jar app.jar\n"));
        assert!(!keeps_pid1("#!/bin/sh\ncd /app\nexec java -jar app.jar\n"));
        assert!(!keeps_pid1(
            "#!/bin/sh\nif [ -n \"$X\" ]; then\n  exec a\nelse\n  exec b\nfi\n"
        ));
        assert!(!keeps_pid1(
            "#!/bin/sh\ntrap 'exit 0' TERM\nsleep 1000 & wait\n"
        ));
        assert!(!keeps_pid1("#!/bin/sh\nmigrate\necho done\n"));
        assert!(!keeps_pid1("#!/usr/bin/python3\nimport os\n"));
        assert!(keeps_pid1("#!/bin/sh\nexec >/log 2>&1\nserver\n"));
    }
}
