//! Variable interpolation in Compose files, as `docker compose` does it.
//!
//! Compose (compose-go's `template` package) replaces `$VAR`, `${VAR}` and the
//! shell-like `${VAR:-default}` family in every YAML value before anything else
//! reads it. A linter has to see the same values Compose will see, and has to
//! explain the three ways this goes wrong: an unset variable silently becoming
//! `""`, a `${VAR:?msg}` that stops Compose, and malformed templates that
//! Compose rejects as "invalid interpolation format".
//!
//! The scanner mirrors compose-go's regular expression rather than a shell:
//!
//! - `$$` is a literal `$`; `$` followed by anything other than `$`, `{` or a
//!   name start (`[A-Za-z_]`) is kept as a literal `$` with no complaint.
//! - `${NAME}` must close right after the name; `${NAME<op>arg}` with `<op>` one
//!   of `:-` `-` `:?` `?` `:+` `+`. The argument ends at the `}` that balances
//!   the opening `{` (counting every `{` and `}`), and can never cross a line
//!   break; an argument is interpolated again, so expressions nest.
//! - Compose expands an argument before it decides whether to use it, so a
//!   `${B:?msg}` inside an unused default still fails. An unset variable inside
//!   an unused branch is not reported: Compose's warning there is noise.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::Arc;

use crate::fasthash::Map;

/// How much longer than its input `interpolate` lets a result grow: a few
/// references to a large variable must not exhaust memory, while a long
/// literal scalar is never cut.
pub const MAX_RESULT_LEN: usize = 1 << 20;

/// Deepest nesting of `${A:-${B:-...}}` expanded; deeper is reported, not followed.
pub const MAX_DEPTH: usize = 64;

/// The variables interpolation resolves against: a shared base (in a
/// batch run, the process environment, read once) and what this load set
/// on top of it (`COMPOSE_PROJECT_NAME`, the `.env` file), which wins.
/// Every load of a batch run starts from the process environment and sets
/// a variable or two: copying the whole environment for that (and freeing
/// the copy) was a twentieth of a run over many small projects.
#[derive(Clone, Debug, Default)]
pub struct Env {
    /// Shared by every load of a run; never changed once made.
    base: Arc<Map<String, String>>,
    /// Set on top of `base` (shared until changed).
    added: Arc<Map<String, String>>,
}

impl Env {
    pub fn new() -> Env {
        Env::default()
    }

    /// The process environment. Variables whose name or value is not UTF-8
    /// are skipped: Compose could not match them against a YAML file either.
    pub fn from_process() -> Env {
        let read = || {
            let vars = std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect();
            Env {
                base: Arc::new(vars),
                added: Arc::default(),
            }
        };
        // A batch run reads the environment once (it does not change).
        static ONCE: std::sync::OnceLock<Env> = std::sync::OnceLock::new();
        if crate::fscache::enabled() {
            ONCE.get_or_init(read).clone()
        } else {
            read()
        }
    }

    /// Sets `k`, over any value it had.
    pub fn insert(&mut self, k: impl Into<String>, v: impl Into<String>) {
        Arc::make_mut(&mut self.added).insert(k.into(), v.into());
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.added
            .get(k)
            .or_else(|| self.base.get(k))
            .map(String::as_str)
    }

    /// The names that are set.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.iter().map(|(k, _)| k)
    }

    /// Adds entries that are not already set (process env wins over .env).
    pub fn extend_missing(&mut self, other: impl IntoIterator<Item = (String, String)>) {
        for (k, v) in other {
            if self.get(&k).is_none() {
                Arc::make_mut(&mut self.added).insert(k, v);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.added.len() + self.base_only().count()
    }

    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.base.is_empty()
    }

    /// Every variable set, each once, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.added
            .iter()
            .chain(self.base_only())
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The variables of `base` that `added` does not set again.
    fn base_only(&self) -> impl Iterator<Item = (&String, &String)> {
        self.base
            .iter()
            .filter(|(k, _)| !self.added.contains_key(*k))
    }
}

/// Two environments are equal when they set the same variables to the
/// same values, however each was built.
impl PartialEq for Env {
    fn eq(&self, other: &Env) -> bool {
        if Arc::ptr_eq(&self.base, &other.base) && Arc::ptr_eq(&self.added, &other.added) {
            return true;
        }
        self.len() == other.len() && self.iter().all(|(k, v)| other.get(k) == Some(v))
    }
}

impl Eq for Env {}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Env {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Env {
        let mut env = Env::new();
        for (k, v) in iter {
            env.insert(k, v);
        }
        env
    }
}

/// Something interpolation found wrong, at a byte range of the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// `${VAR}` / `$VAR` with VAR unset and no default: Compose substitutes "" and warns.
    Undefined { name: String, range: Range<usize> },
    /// `${VAR:?msg}` / `${VAR?msg}` failing: Compose refuses to run; carries the user's message.
    Required {
        name: String,
        message: String,
        range: Range<usize>,
    },
    /// Malformed template such as `${` unclosed or `${}` or an invalid name; Compose errors "invalid interpolation format".
    Syntax {
        message: String,
        range: Range<usize>,
    },
    /// The result exceeded the size budget (hostile input); value truncated.
    TooLarge { range: Range<usize> },
}

impl Problem {
    pub fn range(&self) -> &Range<usize> {
        match self {
            Problem::Undefined { range, .. }
            | Problem::Required { range, .. }
            | Problem::Syntax { range, .. }
            | Problem::TooLarge { range } => range,
        }
    }

    /// Whether Compose refuses to load the file because of it.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Problem::Required { .. } | Problem::Syntax { .. })
    }

    /// The problem in the words Compose would use.
    pub fn message(&self) -> String {
        match self {
            Problem::Undefined { name, .. } => {
                format!("the \"{name}\" variable is not set; Compose substitutes an empty string")
            }
            Problem::Required { name, message, .. } if message.is_empty() => {
                format!("required variable {name} is missing a value")
            }
            Problem::Required { name, message, .. } => {
                format!("required variable {name} is missing a value: {message}")
            }
            Problem::Syntax { message, .. } => format!("invalid interpolation format: {message}"),
            Problem::TooLarge { .. } => format!(
                "variables make this value more than {MAX_RESULT_LEN} bytes longer; expansion stopped"
            ),
        }
    }

    fn shift(&mut self, by: usize) {
        let r = match self {
            Problem::Undefined { range, .. }
            | Problem::Required { range, .. }
            | Problem::Syntax { range, .. }
            | Problem::TooLarge { range } => range,
        };
        *r = r.start + by..r.end + by;
    }
}

/// The interpolated value and everything wrong on the way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interpolated<'a> {
    pub value: Cow<'a, str>,
    pub problems: Vec<Problem>,
}

/// Interpolates `input` against `env` the way Compose does.
///
/// Never fails: problems are collected (all of them, where Compose stops at
/// the first fatal one) and the value is Compose's value with failed
/// expressions left empty.
pub fn interpolate<'a>(input: &'a str, env: &Env) -> Interpolated<'a> {
    if !input.contains('$') {
        return Interpolated {
            value: Cow::Borrowed(input),
            problems: Vec::new(),
        };
    }
    let limit = input.len().saturating_add(MAX_RESULT_LEN);
    let (value, problems) = expand(input, &|k| env.get(k), limit);
    Interpolated {
        value: Cow::Owned(value),
        problems,
    }
}

/// The engine behind [`interpolate`], with a caller-chosen lookup and size
/// limit (`.env` files look up earlier keys too and share one budget).
pub(crate) fn expand<'e>(
    input: &str,
    lookup: &dyn Fn(&str) -> Option<&'e str>,
    limit: usize,
) -> (String, Vec<Problem>) {
    let mut ex = Expander {
        lookup,
        limit,
        problems: Vec::new(),
        stopped: false,
    };
    let mut out = String::with_capacity(input.len().min(limit));
    ex.run(input, 0, 0, Some(&mut out));
    (out, ex.problems)
}

struct Expander<'l, 'e> {
    lookup: &'l dyn Fn(&str) -> Option<&'e str>,
    limit: usize,
    problems: Vec<Problem>,
    /// Set once the budget is spent: nothing more is expanded or reported.
    stopped: bool,
}

/// What follows the name in `${NAME<op>arg}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// `:-` / `-`
    Default,
    /// `:?` / `?`
    Required,
    /// `:+` / `+`
    Replace,
}

/// Where the current line ends and its last `}`: the regex compose-go uses
/// lets an argument run to the last `}` of its line, no further.
struct LineCache {
    end: usize,
    last_brace: Option<usize>,
}

fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

impl Expander<'_, '_> {
    /// Appends `text` to `out` unless that would pass the limit. `out` is
    /// `None` in a branch whose value Compose computes and then throws away.
    fn emit(&mut self, out: &mut Option<&mut String>, text: &str, range: Range<usize>) {
        let Some(out) = out else { return };
        if self.stopped {
            return;
        }
        if out.len() + text.len() > self.limit {
            self.problems.push(Problem::TooLarge { range });
            self.stopped = true;
            return;
        }
        out.push_str(text);
    }

    /// Interpolates `s`, which sits at byte `base` of the original input.
    fn run(&mut self, s: &str, base: usize, depth: usize, mut out: Option<&mut String>) {
        let bytes = s.as_bytes();
        let mut literal_start = 0;
        let mut i = 0;
        let mut line: Option<LineCache> = None;
        while !self.stopped {
            let Some(off) = s[i..].find('$') else { break };
            let d = i + off;
            let end = match bytes.get(d + 1) {
                Some(b'$') => {
                    self.emit(&mut out, &s[literal_start..d + 1], base..base + d + 2);
                    literal_start = d + 2;
                    d + 2
                }
                Some(&b) if is_name_start(b) => {
                    let mut j = d + 2;
                    while j < bytes.len() && is_name_char(bytes[j]) {
                        j += 1;
                    }
                    self.emit(
                        &mut out,
                        &s[literal_start..d],
                        base + literal_start..base + d,
                    );
                    self.variable(&s[d + 1..j], base + d..base + j, &mut out);
                    literal_start = j;
                    j
                }
                Some(b'{') => {
                    self.emit(
                        &mut out,
                        &s[literal_start..d],
                        base + literal_start..base + d,
                    );
                    let end = self.braced(s, d, base, depth, &mut line, &mut out);
                    literal_start = end;
                    end
                }
                // Not an expression: the `$` stays, as part of the literal run.
                _ => d + 1,
            };
            i = end;
        }
        if literal_start < s.len() {
            self.emit(
                &mut out,
                &s[literal_start..],
                base + literal_start..base + s.len(),
            );
        }
    }

    /// A plain `$NAME` or `${NAME}`.
    fn variable(&mut self, name: &str, range: Range<usize>, out: &mut Option<&mut String>) {
        match (self.lookup)(name) {
            Some(value) => self.emit(out, value, range),
            None => {
                if out.is_some() && !self.stopped {
                    self.problems.push(Problem::Undefined {
                        name: name.to_string(),
                        range,
                    });
                }
            }
        }
    }

    fn syntax(&mut self, message: impl Into<String>, range: Range<usize>) {
        if !self.stopped {
            self.problems.push(Problem::Syntax {
                message: message.into(),
                range,
            });
        }
    }

    /// A `${...}` starting at `s[d]`; returns the index just past it.
    fn braced(
        &mut self,
        s: &str,
        d: usize,
        base: usize,
        depth: usize,
        line: &mut Option<LineCache>,
        out: &mut Option<&mut String>,
    ) -> usize {
        let bytes = s.as_bytes();
        if line.as_ref().is_none_or(|c| d >= c.end) {
            let end = s[d..].find('\n').map_or(s.len(), |n| d + n);
            let last_brace = s[d..end].rfind('}').map(|n| d + n);
            *line = Some(LineCache { end, last_brace });
        }
        let (line_end, last_brace) = line
            .as_ref()
            .map_or((s.len(), None), |c| (c.end, c.last_brace));
        // Where a malformed expression is taken to end: its first `}` on the
        // line, or the line's end. Scanning resumes there.
        let bad_end = |from: usize| {
            s[from..line_end]
                .find('}')
                .map_or(line_end, |n| from + n + 1)
        };

        let name_start = d + 2;
        let mut j = name_start;
        if j < bytes.len() && is_name_start(bytes[j]) {
            j += 1;
            while j < bytes.len() && is_name_char(bytes[j]) {
                j += 1;
            }
        }
        if j == name_start {
            let end = bad_end(name_start);
            let message = match bytes.get(name_start) {
                Some(b'}') => "`${}` names no variable".to_string(),
                _ if end == line_end && !s[d..end].contains('}') => {
                    "`${` is never closed on this line".to_string()
                }
                _ => format!(
                    "`{}` is not a variable name; names match [A-Za-z_][A-Za-z0-9_]*",
                    &s[name_start..end.saturating_sub(1).max(name_start)]
                ),
            };
            self.syntax(message, base + d..base + end);
            return end;
        }
        let name = &s[name_start..j];

        if bytes.get(j) == Some(&b'}') {
            self.variable(name, base + d..base + j + 1, out);
            return j + 1;
        }

        let colon = bytes.get(j) == Some(&b':');
        let op_at = j + usize::from(colon);
        let op = match bytes.get(op_at) {
            Some(b'-') => Op::Default,
            Some(b'?') => Op::Required,
            Some(b'+') => Op::Replace,
            _ => {
                let end = bad_end(j);
                let message = if end == line_end && !s[d..end].contains('}') {
                    "`${` is never closed on this line".to_string()
                } else {
                    format!(
                        "unexpected `{}` after `${{{name}`; only `}}`, `:-`, `-`, `:?`, `?`, `:+` or `+` may follow a name",
                        s[j..].chars().next().unwrap_or(' ')
                    )
                };
                self.syntax(message, base + d..base + end);
                return end;
            }
        };
        let arg_start = op_at + 1;

        // compose-go's regex takes the argument up to the last `}` of the
        // line, then cuts it at the `}` balancing the opening `{` if there is
        // one.
        let Some(last) = last_brace.filter(|&l| l >= arg_start) else {
            self.syntax(
                format!("`${{{name}` is never closed on this line"),
                base + d..base + line_end,
            );
            return line_end;
        };
        let mut open = 0usize;
        let mut close = last;
        for (k, &b) in bytes[d + 1..=last].iter().enumerate() {
            match b {
                b'{' => open += 1,
                b'}' => {
                    open -= 1;
                    if open == 0 {
                        close = d + 1 + k;
                        break;
                    }
                }
                _ => {}
            }
        }
        let range = base + d..base + close + 1;
        if depth + 1 >= MAX_DEPTH {
            self.syntax(
                format!("expressions nested more than {MAX_DEPTH} deep"),
                range,
            );
            return close + 1;
        }
        let arg = &s[arg_start..close];
        let arg_base = base + arg_start;
        let value = (self.lookup)(name);
        let set = match value {
            Some(v) => !(colon && v.is_empty()),
            None => false,
        };
        match op {
            Op::Default => {
                if set {
                    self.run(arg, arg_base, depth + 1, None);
                    self.emit(out, value.unwrap_or(""), range);
                } else {
                    self.run(arg, arg_base, depth + 1, out.as_deref_mut());
                }
            }
            Op::Replace => {
                if set {
                    self.run(arg, arg_base, depth + 1, out.as_deref_mut());
                } else {
                    self.run(arg, arg_base, depth + 1, None);
                    self.emit(out, value.unwrap_or(""), range);
                }
            }
            Op::Required => {
                if set {
                    self.run(arg, arg_base, depth + 1, None);
                    self.emit(out, value.unwrap_or(""), range);
                } else {
                    let mut message = String::new();
                    self.run(arg, arg_base, depth + 1, Some(&mut message));
                    if !self.stopped {
                        self.problems.push(Problem::Required {
                            name: name.to_string(),
                            message,
                            range,
                        });
                    }
                }
            }
        }
        close + 1
    }
}

/// Moves every range in `problems` by `by` bytes, for callers that
/// interpolate a slice of a larger text.
pub fn shift_problems(problems: &mut [Problem], by: usize) {
    for p in problems {
        p.shift(by);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// compose-go's test fixture: FOO set, BAR set but empty, anything else unset.
    fn env() -> Env {
        Env::from_iter([("FOO", "first"), ("BAR", ""), ("URL", "a.example")])
    }

    fn value(input: &str) -> String {
        let r = interpolate(input, &env());
        assert!(
            r.problems.iter().all(|p| !p.is_fatal()),
            "{input}: {:?}",
            r.problems
        );
        r.value.into_owned()
    }

    /// Every problem as (kind, name or message, the input text its range covers).
    fn problems(input: &str) -> Vec<(&'static str, String, String)> {
        interpolate(input, &env())
            .problems
            .into_iter()
            .map(|p| {
                let text = input[p.range().clone()].to_string();
                match p {
                    Problem::Undefined { name, .. } => ("undefined", name, text),
                    Problem::Required { name, message, .. } => {
                        ("required", format!("{name}: {message}"), text)
                    }
                    Problem::Syntax { .. } => ("syntax", String::new(), text),
                    Problem::TooLarge { .. } => ("too-large", String::new(), text),
                }
            })
            .collect()
    }

    #[test]
    fn spec_forms_with_set_empty_and_unset_variables() {
        // (template, value) for FOO=first, BAR="", UNSET unset.
        let cases = [
            ("$FOO", "first"),
            ("${FOO}", "first"),
            ("${BAR}", ""),
            ("${FOO:-d}", "first"),
            ("${BAR:-d}", "d"),
            ("${UNSET:-d}", "d"),
            ("${FOO-d}", "first"),
            ("${BAR-d}", ""),
            ("${UNSET-d}", "d"),
            ("${FOO:?e}", "first"),
            ("${FOO?e}", "first"),
            ("${BAR?e}", ""),
            ("${FOO:+r}", "r"),
            ("${BAR:+r}", ""),
            ("${UNSET:+r}", ""),
            ("${FOO+r}", "r"),
            ("${BAR+r}", "r"),
            ("${UNSET+r}", ""),
            ("${UNSET:-}", ""),
            ("${UNSET-}", ""),
        ];
        for (input, want) in cases {
            assert_eq!(value(input), want, "{input}");
            assert_eq!(problems(input), vec![], "{input}");
        }
    }

    #[test]
    fn spec_nested_forms() {
        assert_eq!(value("${UNSET:-${FOO}}"), "first");
        assert_eq!(value("${FOO?$UNSET}"), "first");
        assert_eq!(value("${UNSET:-${UNSET2:-default}}"), "default");
        assert_eq!(value("${UNSET:-${BAR:-${FOO}}}"), "first");
        assert_eq!(value("ok ${UNSET-${FOO} ${FOO}}"), "ok first first");
        assert_eq!(value("ok ${BAR+$FOO ${FOO:+second}}"), "ok first second");
        assert_eq!(value("+ok ${UNSET:-${BAR-defaultValue}}"), "+ok ");
    }

    #[test]
    fn text_around_and_between_expressions() {
        assert_eq!(value("This $FOO var"), "This first var");
        assert_eq!(value("$FOO-bar"), "first-bar");
        assert_eq!(value("${FOO:-x}-${FOO}"), "first-first");
        assert_eq!(value("${UNSET:-x}}"), "x}");
        assert_eq!(value("a${FOO}b${URL}c"), "afirstba.examplec");
        assert_eq!(value("${BAR:-/non:-alphanumeric}"), "/non:-alphanumeric");
        assert_eq!(value(":?ok ${BAR-defaultValue}"), ":?ok ");
        // The first operator after the name decides.
        assert_eq!(value("${UNSET-myerror?msg}"), "myerror?msg");
        assert_eq!(
            problems("${UNSET?bar-baz}"),
            vec![(
                "required",
                "UNSET: bar-baz".into(),
                "${UNSET?bar-baz}".into()
            )]
        );
    }

    #[test]
    fn dollar_dollar_is_a_literal_dollar() {
        assert_eq!(value("$$"), "$");
        assert_eq!(value("$${foo}"), "${foo}");
        assert_eq!(value("$$FOO"), "$FOO");
        assert_eq!(value("$$$FOO"), "$first");
        assert_eq!(value("${UNSET:-$$x}"), "$x");
    }

    #[test]
    fn dollar_not_starting_an_expression_is_kept() {
        for input in [
            "a $ string",
            "^REGEX$",
            "$}",
            "$",
            "$1",
            "$-x",
            "cost: 5$",
            "$é",
        ] {
            assert_eq!(value(input), input);
            assert_eq!(problems(input), vec![], "{input}");
        }
    }

    #[test]
    fn names_are_ascii_and_case_sensitive() {
        assert_eq!(value("$foo"), "");
        assert_eq!(
            problems("x $foo"),
            vec![("undefined", "foo".into(), "$foo".into())]
        );
        assert_eq!(value("$FOO1"), "");
        assert_eq!(value("$FOOé"), "firsté");
        assert_eq!(value("$_"), "");
    }

    #[test]
    fn undefined_variables_have_exact_ranges() {
        assert_eq!(
            problems("This ${missing} var $ALSO_MISSING."),
            vec![
                ("undefined", "missing".into(), "${missing}".into()),
                ("undefined", "ALSO_MISSING".into(), "$ALSO_MISSING".into()),
            ]
        );
        assert_eq!(value("This ${missing} var"), "This  var");
    }

    #[test]
    fn undefined_in_an_unused_branch_is_not_reported() {
        assert_eq!(problems("${FOO:-$NOPE}"), vec![]);
        assert_eq!(problems("${FOO-${NOPE}}"), vec![]);
        assert_eq!(problems("${UNSET+$NOPE}"), vec![]);
        assert_eq!(problems("${FOO:?$NOPE}"), vec![]);
        // ...but it is when the branch is used; the range is the inner one.
        assert_eq!(
            problems("${UNSET:-${NOPE}}"),
            vec![("undefined", "NOPE".into(), "${NOPE}".into())]
        );
        assert_eq!(
            problems("${FOO:+x$NOPE}"),
            vec![("undefined", "NOPE".into(), "$NOPE".into())]
        );
    }

    #[test]
    fn required_variables_carry_the_interpolated_message() {
        let cases = [
            (
                "not ok ${UNSET:?Mandatory Variable Unset}",
                "UNSET: Mandatory Variable Unset",
            ),
            (
                "not ok ${BAR:?Mandatory Variable Empty}",
                "BAR: Mandatory Variable Empty",
            ),
            ("not ok ${UNSET:?}", "UNSET: "),
            ("not ok ${UNSET?}", "UNSET: "),
            ("not ok ${UNSET?Mandatory ${FOO}}", "UNSET: Mandatory first"),
        ];
        for (input, want) in cases {
            let got = problems(input);
            assert_eq!(got.len(), 1, "{input}: {got:?}");
            assert_eq!(got[0].0, "required");
            assert_eq!(got[0].1, want);
            assert_eq!(got[0].2, &input[7..]);
        }
        let p = &interpolate("${UNSET:?}", &env()).problems[0];
        assert_eq!(p.message(), "required variable UNSET is missing a value");
        assert!(p.is_fatal());
    }

    #[test]
    fn a_required_check_in_an_unused_default_still_fails_as_in_compose() {
        // compose-go expands the default before looking at FOO.
        assert_eq!(
            problems("${FOO:-${NOPE:?needed}}"),
            vec![("required", "NOPE: needed".into(), "${NOPE:?needed}".into())]
        );
    }

    #[test]
    fn syntax_errors_have_ranges() {
        let cases = [
            ("${", "${"),
            ("${}", "${}"),
            ("${ }", "${ }"),
            ("${ foo}", "${ foo}"),
            ("${foo }", "${foo }"),
            ("${foo!}", "${foo!}"),
            ("${FOO/a/b}", "${FOO/a/b}"),
            ("${FOO:}", "${FOO:}"),
            ("${1}", "${1}"),
            ("x ${FOO", "${FOO"),
            ("x ${FOO:-abc", "${FOO:-abc"),
            ("${FOO:-a\n}", "${FOO:-a"),
            // compose-go reads the default as `${FOO`, which is the error.
            ("${UNSET:-${FOO}", "${FOO"),
        ];
        for (input, want) in cases {
            let got = problems(input);
            assert_eq!(got.len(), 1, "{input:?}: {got:?}");
            assert_eq!((got[0].0, got[0].2.as_str()), ("syntax", want), "{input:?}");
        }
        // Scanning resumes after the bad expression.
        assert_eq!(
            problems("${!} $NOPE"),
            vec![
                ("syntax", String::new(), "${!}".into()),
                ("undefined", "NOPE".into(), "$NOPE".into())
            ]
        );
    }

    #[test]
    fn argument_ends_at_the_balancing_brace() {
        assert_eq!(value(r#"${UNSET:-{"a":1}}"#), r#"{"a":1}"#);
        assert_eq!(value("${UNSET:-{x} y}"), "{x} y");
        // No balancing brace: the argument runs to the line's last `}`.
        assert_eq!(value("${UNSET:-{x}"), "{x");
    }

    #[test]
    fn ranges_are_byte_ranges_around_unicode() {
        let input = "héllo ${NÖPE} wörld ${MISSING} ✓ ${é";
        let r = interpolate(input, &env());
        let texts: Vec<&str> = r
            .problems
            .iter()
            .map(|p| &input[p.range().clone()])
            .collect();
        assert_eq!(texts, ["${NÖPE}", "${MISSING}", "${é"]);
        assert_eq!(
            problems("ünïcode ${UNSET:-ä${X}ö}"),
            vec![("undefined", "X".into(), "${X}".into())]
        );
        assert_eq!(value("ü${UNSET:-ä${FOO}ö}ü"), "üäfirstöü");
    }

    #[test]
    fn input_without_dollar_is_borrowed() {
        let input = "nginx:1.25";
        assert!(matches!(interpolate(input, &env()).value, Cow::Borrowed(_)));
        assert!(matches!(interpolate("$$", &env()).value, Cow::Owned(_)));
    }

    #[test]
    fn expansion_past_the_budget_stops() {
        let mut env = env();
        env.insert("BIG", "x".repeat(100_000));
        let input = "$BIG ".repeat(12);
        let r = interpolate(&input, &env);
        assert!(r.value.len() <= MAX_RESULT_LEN + input.len());
        assert_eq!(r.problems.len(), 1);
        assert!(matches!(r.problems[0], Problem::TooLarge { .. }));
        assert_eq!(&input[r.problems[0].range().clone()], "$BIG");
    }

    #[test]
    fn long_literal_input_is_not_too_large() {
        let input = format!("{}$FOO", "a".repeat(MAX_RESULT_LEN + 10));
        let r = interpolate(&input, &env());
        assert_eq!(r.problems, vec![]);
        assert_eq!(r.value.len(), MAX_RESULT_LEN + 15);
    }

    #[test]
    fn deep_nesting_is_bounded() {
        let n = 10_000;
        let input = format!("{}x{}", "${UNSET:-".repeat(n), "}".repeat(n));
        let r = interpolate(&input, &env());
        assert_eq!(r.problems.len(), 1);
        assert!(matches!(r.problems[0], Problem::Syntax { .. }));
        // Unclosed: one problem, linear time.
        let input = "${UNSET:-".repeat(200_000);
        let r = interpolate(&input, &env());
        assert_eq!(r.problems.len(), 1);
    }

    #[test]
    fn many_expressions_on_one_line_are_linear() {
        let input = "${UNSET:-x}".repeat(100_000);
        let started = std::time::Instant::now();
        let r = interpolate(&input, &env());
        assert_eq!(r.value.len(), 100_000);
        assert!(started.elapsed().as_secs() < 5);
        let input = "${ ".repeat(100_000);
        assert_eq!(interpolate(&input, &env()).problems.len(), 1);
        let input = "${!}".repeat(100_000);
        assert_eq!(interpolate(&input, &env()).problems.len(), 100_000);
    }

    #[test]
    fn env_process_wins_over_dotenv() {
        let mut env = Env::new();
        env.insert("A", "process");
        env.extend_missing([
            ("A".to_string(), "dotenv".to_string()),
            ("B".into(), "dotenv".into()),
        ]);
        assert_eq!(env.get("A"), Some("process"));
        assert_eq!(env.get("B"), Some("dotenv"));
        assert_eq!(env.len(), 2);
    }

    /// A variable set on top of a shared base hides the base's value; the
    /// base is not changed (another load shares it); a variable is listed
    /// and counted once; equality is by what is set.
    #[test]
    fn env_on_a_shared_base_is_one_map() {
        let base = Env {
            base: Arc::new(
                [("A", "1"), ("B", "2")]
                    .map(|(k, v)| (k.into(), v.into()))
                    .into_iter()
                    .collect(),
            ),
            added: Arc::default(),
        };
        let mut env = base.clone();
        env.insert("A", "set");
        env.extend_missing([("B".into(), "dotenv".into()), ("C".into(), "dotenv".into())]);
        assert_eq!(env.get("A"), Some("set"));
        assert_eq!(env.get("B"), Some("2"));
        assert_eq!(env.get("C"), Some("dotenv"));
        assert_eq!(base.get("A"), Some("1"));
        assert_eq!(base.get("C"), None);
        assert_eq!(env.len(), 3);
        let mut names: Vec<&str> = env.names().collect();
        names.sort_unstable();
        assert_eq!(names, ["A", "B", "C"]);
        let flat: Env = [("C", "dotenv"), ("B", "2"), ("A", "set")]
            .into_iter()
            .collect();
        assert_eq!(env, flat);
        assert_ne!(env, base);
        let mut other = flat.clone();
        other.insert("B", "3");
        assert_ne!(env, other);
    }

    mod generated {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn never_panics_and_ranges_slice_the_input(
                input in r#"([${}:?+\-$ A-Z_a0é\n"]|FOO|BAR|UNSET){0,40}"#
            ) {
                let r = interpolate(&input, &env());
                for p in &r.problems {
                    prop_assert!(input.get(p.range().clone()).is_some(), "{:?}", p);
                }
                if !input.contains('$') {
                    prop_assert_eq!(r.value.as_ref(), input.as_str());
                }
            }
        }
    }
}
