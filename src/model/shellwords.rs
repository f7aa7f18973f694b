//! Splits a string `command`/`entrypoint` into argv the way compose-go does
//! (mattn/go-shellwords with variable and backtick expansion off).
//!
//! Two behaviours surprise users and matter to rules: an unquoted `;`, `&`,
//! `|`, `<` or `>` ends parsing and the rest of the line is silently dropped
//! (`sh -c echo a && b` runs `sh -c echo a`), and no shell is involved, so
//! `$VAR` stays literal.

/// The argv and, when parsing stopped early at a shell operator, the byte
/// offset of that operator (or of the digits before a `2>` redirect).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShellSplit {
    pub args: Vec<String>,
    pub stopped_at: Option<usize>,
}

/// Splits `line` into words: whitespace separates, `'...'` is literal,
/// `"..."` groups, `\` escapes (`\t` and `\n` become tab and newline outside
/// single quotes).
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    split_command_detailed(line).map(|s| s.args)
}

pub fn split_command_detailed(line: &str) -> Result<ShellSplit, String> {
    #[derive(PartialEq)]
    enum Got {
        No,
        Single,
        Quoted,
    }
    let invalid = || format!("invalid command line string `{line}`");
    let mut args = Vec::new();
    let mut buf = String::new();
    let (mut escaped, mut dq, mut sq, mut bq, mut dollar) = (false, false, false, false, false);
    let mut got = Got::No;
    let mut stopped_at = None;
    let mut buf_start = 0usize;

    for (i, r) in line.char_indices() {
        if escaped {
            escaped = false;
            if bq || dollar {
                buf.push('\\');
                buf.push(r);
                got = Got::Single;
                continue;
            }
            buf.push(match r {
                't' => '\t',
                'n' => '\n',
                c => c,
            });
            got = Got::Single;
            continue;
        }
        if r == '\\' {
            if sq {
                buf.push(r);
            } else {
                if got == Got::No && buf.is_empty() {
                    buf_start = i;
                }
                escaped = true;
            }
            continue;
        }
        if matches!(r, ' ' | '\t' | '\r' | '\n') {
            if sq || dq || bq || dollar {
                buf.push(r);
            } else if got != Got::No {
                args.push(std::mem::take(&mut buf));
                got = Got::No;
            }
            continue;
        }
        if got == Got::No && buf.is_empty() {
            buf_start = i;
        }
        match r {
            '`' if !sq && !dq && !dollar => bq = !bq,
            ')' if !sq && !dq && !bq => {
                if !dollar {
                    return Err(invalid());
                }
                buf.push(r);
                dollar = false;
                got = Got::Single;
                continue;
            }
            '(' if !sq && !dq && !bq => {
                if !dollar && buf.ends_with('$') {
                    dollar = true;
                    buf.push('(');
                    continue;
                }
                return Err(invalid());
            }
            '"' if !sq && !dollar && !bq => {
                if dq {
                    got = Got::Quoted;
                }
                dq = !dq;
                continue;
            }
            '\'' if !dq && !dollar && !bq => {
                if sq {
                    got = Got::Quoted;
                }
                sq = !sq;
                continue;
            }
            ';' | '&' | '|' | '<' | '>' if !(sq || dq || bq || dollar) => {
                let mut at = i;
                if r == '>' && !buf.is_empty() && buf.bytes().all(|b| b.is_ascii_digit()) {
                    got = Got::No;
                    at = buf_start;
                }
                stopped_at = Some(at);
                break;
            }
            _ => {}
        }
        got = Got::Single;
        buf.push(r);
    }
    if got != Got::No {
        args.push(buf);
    }
    if escaped || sq || dq || bq || dollar {
        return Err(invalid());
    }
    Ok(ShellSplit { args, stopped_at })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let ok: &[(&str, &[&str])] = &[
            ("", &[]),
            ("   ", &[]),
            ("ls", &["ls"]),
            (
                "sh mqbroker -c /opt/conf",
                &["sh", "mqbroker", "-c", "/opt/conf"],
            ),
            ("  a   b  ", &["a", "b"]),
            ("a\tb\nc", &["a", "b", "c"]),
            (r#"echo "hello world""#, &["echo", "hello world"]),
            ("echo 'hello world'", &["echo", "hello world"]),
            (
                r#"sh -c 'echo "hi $$HOME"'"#,
                &["sh", "-c", r#"echo "hi $$HOME""#],
            ),
            (r#"a"b"c"#, &["abc"]),
            (r#"echo """#, &["echo", ""]),
            ("echo ''", &["echo", ""]),
            (r"a\ b", &["a b"]),
            (r#"a\"b"#, &[r#"a"b"#]),
            (r"'a\b'", &[r"a\b"]),
            (r#""a\"b""#, &[r#"a"b"#]),
            (r"a\tb", &["a\tb"]),
            (r"a\nb", &["a\nb"]),
            (r"a\\b", &[r"a\b"]),
            ("echo $HOME", &["echo", "$HOME"]),
            ("echo ${HOME}", &["echo", "${HOME}"]),
            ("echo $(date)", &["echo", "$(date)"]),
            ("echo `date +%s`", &["echo", "`date +%s`"]),
            (
                "bundle exec thin -p 3000",
                &["bundle", "exec", "thin", "-p", "3000"],
            ),
            (
                "java -Dx=1 -jar app.jar",
                &["java", "-Dx=1", "-jar", "app.jar"],
            ),
            ("echo 'a;b'", &["echo", "a;b"]),
            (r#"echo "a && b""#, &["echo", "a && b"]),
        ];
        for (line, want) in ok {
            let got = split_command(line).unwrap_or_else(|e| panic!("{line}: {e}"));
            assert_eq!(got, *want, "{line}");
        }
    }

    #[test]
    fn stops_at_shell_operators() {
        let cases: &[(&str, &[&str], usize)] = &[
            ("echo a && echo b", &["echo", "a"], 7),
            ("echo a; echo b", &["echo", "a"], 6),
            ("cat x | grep y", &["cat", "x"], 6),
            ("run > out.log", &["run"], 4),
            ("run 2>&1", &["run"], 4),
            ("run <in", &["run"], 4),
            ("a&b", &["a"], 1),
        ];
        for (line, want, at) in cases {
            let got = split_command_detailed(line).unwrap();
            assert_eq!(got.args, *want, "{line}");
            assert_eq!(got.stopped_at, Some(*at), "{line}");
        }
        assert_eq!(split_command_detailed("a b").unwrap().stopped_at, None);
    }

    #[test]
    fn errors() {
        for line in [
            "echo 'unterminated",
            "echo \"open",
            "trailing\\",
            "echo (x)",
            "echo )",
            "echo $(date",
            "echo `date",
        ] {
            assert!(split_command(line).is_err(), "{line} should fail");
        }
    }
}
