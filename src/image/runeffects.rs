//! What a `RUN` that is not read exactly may have changed.
//!
//! A shell script is cut into simple commands (through `&&`, `||`, `;`,
//! pipes, control flow, subshells and command substitutions). Each command
//! either is applied exactly by the Dockerfile reader (it is unconditional
//! and of a shape it reads: `mkdir`, `chown`, `useradd`...), or is mapped to
//! the areas it may write: the paths it names (after ARG/ENV substitution),
//! and the directories its package manager or build tool writes (apt: `/usr`,
//! `/etc`, `/var`...; npm: the working directory's `node_modules`...). Only
//! those areas become unknown; the rest of the image stays known. A command
//! whose writes cannot be bounded (a script that cannot be read, `eval`, a
//! path built from a value that is not known) makes the whole image unknown.

use super::dockerfile::Var;

/// One simple command of a script.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    pub words: Vec<Word>,
    /// Files written by redirections (`> file`, `>> file`).
    pub redirects: Vec<Word>,
    /// For each of `redirects`, whether it appends (`>>`) rather than
    /// replaces the file.
    pub appends: Vec<bool>,
    /// Runs unconditionally and in order (not inside `if`/loops/`case`, not
    /// after `||`, not in a pipeline or substitution).
    pub certain: bool,
    /// The directory the command runs in when a `cd` before it changed it
    /// (`None`: the working directory, or unknown when `cd_unknown`).
    pub cwd: Option<String>,
    pub cd_unknown: bool,
}

/// A word after expansion. `known` is false when part of it comes from a
/// value that is not known; `text` then holds the part before it.
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub text: String,
    pub known: bool,
    /// Known not to be empty (and to be one word), even when not known: a
    /// known part, or a substitution whose output is known to be a
    /// non-empty word.
    pub nonempty: bool,
    /// No part of it comes from an assignment that may not have run (in a
    /// branch, a loop, a `case`): only such words decide a condition.
    pub sure: bool,
}

impl Word {
    fn known(&self) -> Option<&str> {
        self.known.then_some(self.text.as_str())
    }
}

/// What the image says about the parts of a script that depend on it.
pub struct Oracle<'a> {
    /// The exit status of a simple condition command (`grep -q alpine
    /// /etc/issue`, `[ -f /x ]`) when what it reads is known: true when it
    /// succeeds. `None`: not known.
    pub test: &'a dyn Fn(&[Word]) -> Option<bool>,
    /// The output of a command substitution (its text inside `$(...)`),
    /// when what it reads is known.
    pub subst: &'a dyn Fn(&str) -> Option<Output>,
}

/// The output of a command substitution.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Exactly this text (trailing newlines removed).
    Text(String),
    /// One non-empty word whose text is not known.
    NonEmptyWord,
}

const NO_ORACLE: Oracle<'static> = Oracle {
    test: &|_| None,
    subst: &|_| None,
};

/// Cuts `script` into simple commands. Never fails: what cannot be read
/// becomes words that are not known.
pub fn commands(script: &str, escape: char, lookup: &dyn Fn(&str) -> Var) -> Vec<Command> {
    commands_with(script, escape, lookup, &NO_ORACLE)
}

/// `commands`, where an `if`/`elif` condition the oracle knows the result of
/// takes only its branch: the commands of a branch known not to run are
/// left out, those of a branch known to run are as certain as the `if`
/// itself (decision 0024). Any other condition keeps every branch
/// uncertain.
pub fn commands_with(
    script: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Var,
    oracle: &Oracle,
) -> Vec<Command> {
    let mut lx = Lexer {
        chars: script.chars().collect(),
        i: 0,
        escape,
        lookup,
        oracle,
        ifs: Vec::new(),
        nonempty_sub: false,
        unsure: std::collections::HashSet::new(),
        word_unsure: false,
        out: Vec::new(),
        last_sub_mktemp: false,
        functions: Vec::new(),
        locals: std::collections::HashMap::new(),
        appends: Vec::new(),
    };
    lx.script(true, None);
    lx.out
}

struct Lexer<'a> {
    chars: Vec<char>,
    i: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Var,
    oracle: &'a Oracle<'a>,
    /// The `if`s being read, innermost last.
    ifs: Vec<IfFrame>,
    /// The word being read so far is one substitution whose output is a
    /// non-empty word.
    nonempty_sub: bool,
    /// Variables last assigned where the assignment may not have run.
    unsure: std::collections::HashSet<String>,
    /// The word being read expanded one of `unsure`.
    word_unsure: bool,
    out: Vec<Command>,
    /// Functions the script defines.
    functions: Vec<String>,
    /// The last command substitution was `$(mktemp ...)`: its value is under /tmp.
    last_sub_mktemp: bool,
    /// Variables the script sets: (value or its known beginning, fully known).
    locals: std::collections::HashMap<String, (String, bool)>,
    /// Whether each redirection of the command being read appends.
    appends: Vec<bool>,
}

/// One `if ... fi` being read.
struct IfFrame {
    /// The nesting depth of its branches.
    depth: usize,
    branch: Branch,
    /// The value of the condition being read (`None`: not known).
    cond: Option<bool>,
    /// The separator after the last condition command read (`None`: none yet).
    cond_sep: Option<Sep>,
    /// Something in the condition was not a simple command at this depth.
    cond_unread: bool,
    /// An earlier condition is known true: no later branch runs.
    taken: bool,
    /// An earlier condition is not known.
    unknown: bool,
    /// The `if` itself runs for certain (where it stands in the script).
    certain_at: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Branch {
    /// Reading a condition.
    Cond,
    /// The branch runs.
    Run,
    /// The branch does not run.
    Skip,
    /// Whether the branch runs is not known.
    Maybe,
}

impl IfFrame {
    /// The branch after `then` (`cond`) or `else` (`None`).
    fn enter(&mut self, then: bool) {
        let v = if !then {
            Some(false)
        } else if self.cond_unread {
            None
        } else {
            self.cond
        };
        self.branch = if self.taken {
            Branch::Skip
        } else if !then {
            if self.unknown {
                Branch::Maybe
            } else {
                Branch::Run
            }
        } else {
            match v {
                Some(true) if self.unknown => Branch::Maybe,
                Some(true) => Branch::Run,
                Some(false) => Branch::Skip,
                None => Branch::Maybe,
            }
        };
        if then {
            match v {
                Some(true) => self.taken = true,
                None => self.unknown = true,
                Some(false) => {}
            }
        }
    }

    /// Adds one condition command's value.
    fn add(&mut self, v: Option<bool>, sep: Sep) {
        self.cond = match self.cond_sep.take() {
            None | Some(Sep::Seq) => v,
            Some(Sep::And) => match (self.cond, v) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), v) => v,
                _ => None,
            },
            Some(Sep::Or) => match (self.cond, v) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), v) => v,
                _ => None,
            },
            Some(_) => None,
        };
        if !matches!(sep, Sep::And | Sep::Or | Sep::Seq) {
            self.cond_unread = true;
        }
        self.cond_sep = Some(sep);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Sep {
    And,
    Or,
    Seq,
    Pipe,
    Background,
    Open,
    Close,
    End,
}

impl Lexer<'_> {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    /// The depth at which commands run for certain: inside `if`s whose
    /// branches are all known to run, none otherwise.
    fn run_depth(&self) -> usize {
        if self.ifs.iter().all(|f| f.branch == Branch::Run) {
            self.ifs.len()
        } else {
            usize::MAX
        }
    }

    fn skipping(&self) -> bool {
        self.ifs.iter().any(|f| f.branch == Branch::Skip)
    }

    /// Reads commands until the end or an unmatched `)` (when `nested`).
    fn script(&mut self, top: bool, close: Option<char>) {
        let mut depth = 0usize; // if/for/while/case/{/(
        let mut in_case = 0usize;
        let mut certain_next = top;
        let mut cwd: Option<String> = None;
        let mut cd_unknown = false;
        loop {
            self.appends.clear();
            let out_start = self.out.len();
            let (mut words, redirects, sep) = self.command(close);
            // A redirection read inside a substitution is not this command's.
            let mut appends = std::mem::take(&mut self.appends);
            appends.resize(redirects.len(), false);
            // Control words at the start of a command.
            let mut conditional = false;
            let mut negate = false;
            while let Some(w) = words.first() {
                match w.text.as_str() {
                    "if" | "while" | "until" | "for" | "case" | "select" if w.known => {
                        depth += 1;
                        if w.text == "if" {
                            self.ifs.push(IfFrame {
                                depth,
                                branch: Branch::Cond,
                                cond: None,
                                cond_sep: None,
                                cond_unread: false,
                                taken: false,
                                unknown: false,
                                certain_at: certain_next && depth - 1 == self.run_depth(),
                            });
                        }
                        if w.text == "case" {
                            in_case += 1;
                        }
                        if matches!(w.text.as_str(), "for" | "case" | "select") {
                            // `for V in ITEMS`: V is not known, but a
                            // relative path when every item is one.
                            if w.text != "case" && words.len() > 2 && words[2].text == "in" {
                                if let Some(v) =
                                    words[1].known().filter(|v| is_assignment(&format!("{v}=")))
                                {
                                    let rel = relative_items(&words[3..]);
                                    self.locals.insert(
                                        v.to_string(),
                                        (if rel { "./".into() } else { String::new() }, false),
                                    );
                                }
                            }
                            words.clear();
                        } else {
                            words.remove(0);
                        }
                        conditional = true;
                    }
                    "then" | "else" | "elif" | "do" | "!" | "{" if w.known => {
                        if w.text == "{" {
                            depth += 1;
                        }
                        if w.text == "!" {
                            negate = !negate;
                        }
                        let mut runs = false;
                        if let Some(f) = self.ifs.last_mut().filter(|f| f.depth == depth) {
                            match w.text.as_str() {
                                "then" | "else" => {
                                    f.enter(w.text == "then");
                                    runs = f.branch == Branch::Run;
                                    // The condition's own `||` or pipes
                                    // do not make the branch uncertain.
                                    if runs {
                                        certain_next = f.certain_at;
                                    }
                                }
                                "elif" => {
                                    f.branch = Branch::Cond;
                                    f.cond = None;
                                    f.cond_sep = None;
                                    f.cond_unread = false;
                                }
                                _ => {}
                            }
                        }
                        words.remove(0);
                        conditional |= !runs;
                    }
                    "fi" | "done" | "esac" | "}" if w.known => {
                        if w.text == "fi" && self.ifs.last().is_some_and(|f| f.depth == depth) {
                            self.ifs.pop();
                        }
                        if w.text == "esac" {
                            in_case = in_case.saturating_sub(1);
                        }
                        depth = depth.saturating_sub(1);
                        words.remove(0);
                    }
                    _ => break,
                }
            }
            // A command of an `if` condition: its value, when known.
            if let Some(f) = self.ifs.last_mut().filter(|f| f.branch == Branch::Cond) {
                if f.depth != depth || (words.is_empty() && sep == Sep::Open) {
                    f.cond_unread = true;
                } else if !words.is_empty() {
                    let v = if words.iter().all(|w| w.sure) {
                        (self.oracle.test)(&words).map(|v| v != negate)
                    } else {
                        None
                    };
                    f.add(v, sep);
                }
            }
            // A branch known not to run: its commands (and those of its
            // substitutions) are left out; only its nesting is followed.
            let skipping = self.skipping();
            if skipping {
                self.out.truncate(out_start);
                words.clear();
            }
            // `NAME=value`, `export NAME=value`: later words see the value.
            {
                let mut ws: &[Word] = &words;
                if ws.first().is_some_and(|w| {
                    w.known
                        && matches!(w.text.as_str(), "export" | "local" | "declare" | "readonly")
                }) {
                    ws = &ws[1..];
                }
                let only_assignments = !ws.is_empty() && ws.iter().all(|w| is_assignment(&w.text));
                let sure_here = certain_next && depth == self.run_depth() && !conditional;
                if only_assignments || (ws.len() < words.len() && !ws.is_empty()) {
                    for w in ws {
                        if let Some((name, value)) = w.text.split_once('=') {
                            if is_assignment(&w.text) {
                                if sure_here && w.sure {
                                    self.unsure.remove(name);
                                } else {
                                    self.unsure.insert(name.to_string());
                                }
                                self.locals
                                    .insert(name.to_string(), (value.to_string(), w.known));
                            }
                        }
                    }
                }
            }
            // `name() { ...; }` defines a function: its body is read as
            // commands (uncertain); a call to it runs nothing else.
            if sep == Sep::Open && words.len() == 1 && words[0].known && self.peek(0) == Some(')') {
                self.functions.push(words[0].text.clone());
                self.i += 1;
                words.clear();
            }
            if words
                .first()
                .is_some_and(|w| w.known && self.functions.contains(&w.text))
            {
                words.clear();
            }
            // `pattern)` inside `case`.
            let is_pattern = in_case > 0 && sep == Sep::Close;
            if !words.is_empty() && !is_pattern {
                let certain = top && certain_next && depth == self.run_depth() && !conditional;
                // `cd DIR` changes where later relative paths point.
                if words[0].known() == Some("cd") {
                    match words.get(1).and_then(|w| w.known()) {
                        Some(d) if !cd_unknown => {
                            // A relative directory stays relative to the
                            // working directory (`./src`), which the caller
                            // resolves; `cd ..` above it is not followed.
                            let next = match &cwd {
                                _ if d.starts_with('/') => Some(super::facts::normalize(d)),
                                Some(c) if !c.starts_with("./") => Some(super::facts::join(c, d)),
                                Some(c) => relative_cd(&c[2..], d),
                                None => relative_cd("", d),
                            };
                            match next {
                                Some(n) => cwd = Some(n),
                                None => cd_unknown = true,
                            }
                        }
                        // `cd "$tmp"` with tmp under /tmp: somewhere below it.
                        Some(_) | None => match words.get(1) {
                            Some(w) if !cd_unknown && !w.known && w.text.starts_with('/') => {
                                cwd = literal_dir(&w.text, None);
                            }
                            _ => cd_unknown = true,
                        },
                    }
                }
                self.out.push(Command {
                    words,
                    redirects,
                    appends,
                    certain,
                    cwd: cwd.clone(),
                    cd_unknown,
                });
            } else if !redirects.is_empty() && !skipping {
                self.out.push(Command {
                    words: Vec::new(),
                    redirects,
                    appends,
                    certain: false,
                    cwd: cwd.clone(),
                    cd_unknown,
                });
            }
            certain_next = match sep {
                Sep::And | Sep::Seq => certain_next || depth == self.run_depth(),
                Sep::Or | Sep::Pipe | Sep::Background => false,
                Sep::Open => {
                    depth += 1;
                    false
                }
                Sep::Close => {
                    if close == Some(')') && !is_pattern && in_case == 0 {
                        return;
                    }
                    if !is_pattern {
                        depth = depth.saturating_sub(1);
                    }
                    false
                }
                Sep::End => return,
            };
            if matches!(sep, Sep::Pipe) {
                // The command before the pipe ran uncertain too.
                if let Some(last) = self.out.last_mut() {
                    last.certain = false;
                }
            }
        }
    }

    /// One simple command: its words, redirection targets, and what ended it.
    fn command(&mut self, close: Option<char>) -> (Vec<Word>, Vec<Word>, Sep) {
        let mut words = Vec::new();
        let mut redirects = Vec::new();
        loop {
            // Skip blanks (not newlines).
            while let Some(c) = self.peek(0) {
                if c == ' ' || c == '\t' || c == '\r' {
                    self.i += 1;
                } else if c == self.escape && self.peek(1) == Some('\n') {
                    self.i += 2;
                } else {
                    break;
                }
            }
            let Some(c) = self.peek(0) else {
                return (words, redirects, Sep::End);
            };
            match c {
                '\n' | ';' => {
                    self.i += 1;
                    if self.peek(0) == Some(';') {
                        self.i += 1;
                    }
                    return (words, redirects, Sep::Seq);
                }
                '#' if words.is_empty() || self.chars[self.i - 1].is_whitespace() => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.i += 1;
                    }
                }
                '&' if self.peek(1) == Some('&') => {
                    self.i += 2;
                    return (words, redirects, Sep::And);
                }
                '|' if self.peek(1) == Some('|') => {
                    self.i += 2;
                    return (words, redirects, Sep::Or);
                }
                '|' => {
                    self.i += 1;
                    return (words, redirects, Sep::Pipe);
                }
                '&' if self.peek(1) == Some('>') => {
                    self.i += 2;
                    if self.peek(0) == Some('>') {
                        self.i += 1;
                    }
                    if let Some(w) = self.word() {
                        redirects.push(w);
                        self.appends.push(false);
                    }
                }
                '&' => {
                    self.i += 1;
                    return (words, redirects, Sep::Background);
                }
                // `NAME=( a b c )`: a bash array assignment (its value is not
                // known), unless its items run commands.
                '(' if self.i > 0
                    && self.chars[self.i - 1] == '='
                    && words.last().is_some_and(|w: &Word| is_assignment(&w.text)) =>
                {
                    let mut j = self.i + 1;
                    let mut quote: Option<char> = None;
                    while let Some(&c) = self.chars.get(j) {
                        match quote {
                            Some(q) if c == q => quote = None,
                            Some(_) => {}
                            None if c == '\'' || c == '"' => quote = Some(c),
                            None if c == ')' => break,
                            None => {}
                        }
                        j += 1;
                    }
                    let body: String = self.chars[self.i..j.min(self.chars.len())].iter().collect();
                    if j >= self.chars.len() || body.contains("$(") || body.contains('`') {
                        self.i += 1;
                        return (words, redirects, Sep::Open);
                    }
                    self.i = j + 1;
                    // Items that all begin with a known relative name
                    // (`"redis-${V}"`): the value is a relative path.
                    let items: Vec<Word> = commands(&body[1..], self.escape, self.lookup)
                        .into_iter()
                        .flat_map(|c| c.words)
                        .collect();
                    if let Some(w) = words.last_mut() {
                        w.known = false;
                        if relative_items(&items) {
                            w.text.push_str("./");
                        }
                    }
                }
                '(' => {
                    self.i += 1;
                    return (words, redirects, Sep::Open);
                }
                ')' => {
                    self.i += 1;
                    let _ = close;
                    return (words, redirects, Sep::Close);
                }
                '>' | '<' => {
                    let out = c == '>';
                    let append = out && self.peek(1) == Some('>');
                    self.i += 1;
                    while matches!(self.peek(0), Some('>' | '|')) {
                        self.i += 1;
                    }
                    if self.peek(0) == Some('&') {
                        // `>&2`, `<&0`: a descriptor.
                        self.i += 1;
                        while self.peek(0).is_some_and(|c| c.is_ascii_digit() || c == '-') {
                            self.i += 1;
                        }
                        continue;
                    }
                    if self.peek(0) == Some('<') {
                        // here-string / here-doc marker: skip the word.
                        self.i += 1;
                    }
                    while matches!(self.peek(0), Some(' ' | '\t')) {
                        self.i += 1;
                    }
                    if let Some(w) = self.word() {
                        if out {
                            redirects.push(w);
                            self.appends.push(append);
                        }
                    }
                }
                d if d.is_ascii_digit()
                    && matches!(self.peek(1), Some('>' | '<'))
                    && (words.is_empty() || self.chars[self.i - 1].is_whitespace()) =>
                {
                    self.i += 1;
                }
                _ => {
                    if let Some(w) = self.word() {
                        words.push(w);
                    }
                }
            }
        }
    }

    /// One word, expanded.
    fn word(&mut self) -> Option<Word> {
        let mut text = String::new();
        let mut known = true;
        let start = self.i;
        self.nonempty_sub = false;
        self.word_unsure = false;
        let push = |text: &mut String, known: bool, c: char| {
            if known {
                text.push(c);
            }
        };
        while let Some(c) = self.peek(0) {
            match c {
                ' ' | '\t' | '\n' | '\r' | ';' | '&' | '|' | '<' | '>' | '(' | ')' => break,
                '\'' => {
                    self.i += 1;
                    while let Some(c) = self.peek(0) {
                        self.i += 1;
                        if c == '\'' {
                            break;
                        }
                        push(&mut text, known, c);
                    }
                }
                '"' => {
                    self.i += 1;
                    while let Some(c) = self.peek(0) {
                        if c == '"' {
                            self.i += 1;
                            break;
                        }
                        if c == self.escape {
                            if let Some(n) = self.peek(1) {
                                if matches!(n, '"' | '$' | '`') || n == self.escape {
                                    push(&mut text, known, n);
                                } else if n != '\n' {
                                    push(&mut text, known, c);
                                    push(&mut text, known, n);
                                }
                            }
                            self.i += 2;
                        } else if c == '$' || c == '`' {
                            if !self.dollar(&mut text, &mut known) {
                                push(&mut text, known, '$');
                                self.i += 1;
                            }
                        } else {
                            push(&mut text, known, c);
                            self.i += 1;
                        }
                    }
                }
                '$' | '`' => {
                    if !self.dollar(&mut text, &mut known) {
                        push(&mut text, known, '$');
                        self.i += 1;
                    }
                }
                c if c == self.escape => {
                    if let Some(n) = self.peek(1) {
                        if n != '\n' {
                            push(&mut text, known, n);
                        }
                    }
                    self.i += 2;
                }
                _ => {
                    push(&mut text, known, c);
                    self.i += 1;
                }
            }
        }
        let nonempty = if known {
            !text.is_empty()
        } else {
            self.nonempty_sub
        };
        (self.i > start).then_some(Word {
            text,
            known,
            nonempty,
            sure: !self.word_unsure,
        })
    }

    /// Expands the `$`/backtick at the cursor; false when it is a plain `$`.
    fn dollar(&mut self, text: &mut String, known: &mut bool) -> bool {
        let c = self.peek(0);
        // Another part after a substitution of a non-empty word: what the
        // whole is, is not known.
        self.nonempty_sub = false;
        let first = *known && text.is_empty();
        // Applies a substitution's output, if known; true when `text` then
        // stays known.
        let apply =
            |lx: &mut Lexer, out: Option<Output>, text: &mut String, known: &mut bool| match out {
                Some(Output::Text(t)) => {
                    if *known {
                        text.push_str(&t);
                    }
                }
                Some(Output::NonEmptyWord) => {
                    lx.nonempty_sub = first;
                    *known = false;
                }
                None => *known = false,
            };
        let sub_end = |open: char, close: char, lx: &mut Lexer| -> Option<Output> {
            // A command substitution: its commands run (uncertain); its value is not known.
            let mut depth = 1;
            let start = lx.i;
            let mut quote: Option<char> = None;
            while let Some(c) = lx.peek(0) {
                match quote {
                    Some(q) if c == q => quote = None,
                    Some(_) => {}
                    None if c == '\'' || (c == '"' && open != '`') => quote = Some(c),
                    None if c == open && open != close => depth += 1,
                    None if c == close => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    None => {}
                }
                lx.i += 1;
            }
            let inner: String = lx.chars[start..lx.i].iter().collect();
            lx.i += 1;
            lx.last_sub_mktemp = inner.trim_start().starts_with("mktemp");
            let mut sub = commands(&inner, lx.escape, lx.lookup);
            for s in &mut sub {
                s.certain = false;
            }
            lx.out.extend(sub);
            (lx.oracle.subst)(&inner)
        };
        if c == Some('`') {
            self.i += 1;
            let out = sub_end('`', '`', self);
            apply(self, out, text, known);
            return true;
        }
        match self.peek(1) {
            Some('(') => {
                if self.peek(2) == Some('(') {
                    // Arithmetic.
                    self.i += 3;
                    let mut depth = 2;
                    while let Some(c) = self.peek(0) {
                        self.i += 1;
                        if c == '(' {
                            depth += 1;
                        } else if c == ')' {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                    }
                } else {
                    self.i += 2;
                    let out = sub_end('(', ')', self);
                    if self.last_sub_mktemp && *known {
                        text.push_str("/tmp/");
                    } else if out.is_some() {
                        apply(self, out, text, known);
                        return true;
                    }
                }
                *known = false;
                true
            }
            Some('{') => {
                let start = self.i;
                let mut depth = 0;
                while let Some(c) = self.peek(0) {
                    self.i += 1;
                    if c == '{' {
                        depth += 1;
                    } else if c == '}' {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                }
                let chunk: String = self.chars[start..self.i].iter().collect();
                let plain: String = chunk
                    .trim_start_matches("${")
                    .trim_end_matches('}')
                    .to_string();
                // `${ARRAY[@]}`: the array's value as a whole.
                let plain = plain
                    .strip_suffix("[@]")
                    .or_else(|| plain.strip_suffix("[*]"))
                    .filter(|n| self.locals.contains_key(*n))
                    .map_or(plain.clone(), str::to_string);
                if self.unsure.contains(&plain) {
                    self.word_unsure = true;
                }
                if let Some((v, k)) = self.locals.get(&plain).cloned() {
                    if *known {
                        text.push_str(&v);
                    }
                    *known &= k;
                    return true;
                }
                if self.unsure.iter().any(|u| chunk.contains(u.as_str())) {
                    self.word_unsure = true;
                }
                let locals = &self.locals;
                let lookup = |n: &str| match locals.get(n) {
                    Some((v, true)) => Var::Set(v.clone()),
                    Some((_, false)) => Var::Unknown,
                    None => (self.lookup)(n),
                };
                match super::dockerfile::words(&chunk, self.escape, &lookup) {
                    Some(ws) if *known => text.push_str(&ws.join(" ")),
                    _ => *known = false,
                }
                true
            }
            Some(n) if n.is_ascii_alphabetic() || n == '_' => {
                let start = self.i + 1;
                let mut j = start;
                while self
                    .chars
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
                {
                    j += 1;
                }
                let name: String = self.chars[start..j].iter().collect();
                self.i = j;
                if self.unsure.contains(&name) {
                    self.word_unsure = true;
                }
                if let Some((v, k)) = self.locals.get(&name).cloned() {
                    if *known {
                        text.push_str(&v);
                    }
                    *known &= k;
                    return true;
                }
                match (self.lookup)(&name) {
                    Var::Set(v) if *known => text.push_str(&v),
                    Var::Unset => {}
                    _ => *known = false,
                }
                true
            }
            Some(n) if n.is_ascii_digit() || "@*#?$!-".contains(n) => {
                self.i += 2;
                *known = false;
                true
            }
            _ => false,
        }
    }
}

/// The areas one command may write.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Writes {
    /// Paths it names: (path, whether what exists there may change owner or mode).
    pub paths: Vec<(String, bool)>,
    /// The `node_modules` directories it fills (npm/yarn/pnpm install).
    pub installs: Vec<String>,
    /// Whether it may add or change users and groups.
    pub users: bool,
    /// Whether it may add system users and groups only (ids below 1000):
    /// a package manager's maintainer scripts (decision 0020).
    pub system_users: bool,
    /// The command installs a distribution's own packages (from its
    /// repositories, not a package file): it replaces no file another
    /// installed package owns (decision 0024).
    pub distro_packages: bool,
    /// Directories below which the mode (and, when true, the owner) of
    /// anything may change, nothing else: `find / -perm /6000 -exec chmod
    /// a-s {} \;`.
    pub modes_under: Vec<(String, bool)>,
}

/// The files that hold the accounts: a write into one changes them.
pub const ACCOUNT_FILES: &[&str] = &["/etc/passwd", "/etc/group", "/etc/shadow", "/etc/gshadow"];

/// Where a package manager writes (and its maintainer scripts: users,
/// their homes under `/var/lib`, `/var/www`, `/run`...). Policy keeps
/// packages out of `/home`, `/srv`, `/mnt`, `/media` and non-standard
/// top-level directories.
pub const SYSTEM_AREAS: &[&str] = &[
    "/usr", "/etc", "/var", "/opt", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/run",
    "/tmp", "/root",
];

/// Commands that write nothing (or only into what they are given with `>`).
const READ_ONLY: &[&str] = &[
    "set",
    "export",
    "unset",
    "echo",
    "printf",
    "true",
    "false",
    "test",
    "[",
    "[[",
    "grep",
    "egrep",
    "fgrep",
    "cat",
    "ls",
    "id",
    "whoami",
    "sleep",
    "which",
    "command",
    "hash",
    "type",
    ":",
    "exit",
    "return",
    "cut",
    "tr",
    "head",
    "tail",
    "wc",
    "sort",
    "uniq",
    "awk",
    "gawk",
    "mawk",
    "jq",
    "sha1sum",
    "sha256sum",
    "sha512sum",
    "md5sum",
    "basename",
    "dirname",
    "readlink",
    "realpath",
    "getent",
    "stat",
    "file",
    "ldd",
    "uname",
    "nproc",
    "date",
    "seq",
    "printenv",
    "pwd",
    "read",
    "shift",
    "local",
    "declare",
    "dpkg-architecture",
    "dpkg-query",
    "apt-cache",
    "ulimit",
    "umask",
    "wait",
    "xargs",
    "tee",
    "cd",
    "gpgconf",
    "sync",
    "diff",
    "cmp",
    "less",
    "more",
    "column",
    "expr",
    "let",
    "trap",
    "nice",
    "time",
    "ps",
    "df",
    "du",
    "free",
    "tput",
    "env",
    "sh",
    "bash",
    "dash",
    "ash",
    "zsh",
    "locale",
    "getconf",
    "id",
    "groups",
    "arch",
    "dpkg-deb",
    "openssl",
    "ssh-keygen",
    "nslookup",
    "ping",
    "tty",
];

/// Commands that write only the paths they are given.
const NAMED_WRITERS: &[&str] = &[
    "cp", "mv", "install", "ln", "rm", "rmdir", "mkdir", "chown", "chmod", "chgrp", "touch",
    "truncate", "patch", "sed", "perl", "dd", "mkfifo", "mknod", "unlink", "setfacl", "setcap",
    "strip", "rsync",
];

/// `HOME`-relative and other areas of build tools.
fn tool_areas(prog: &str, args: &[&str]) -> Option<(Vec<&'static str>, Cwd)> {
    let sub = args.iter().find(|a| !a.starts_with('-')).copied();
    Some(match prog {
        "apt-get"
        | "apt"
        | "aptitude"
        | "dpkg"
        | "dpkg-reconfigure"
        | "dpkg-divert"
        | "apt-mark"
        | "apt-key"
        | "debconf-set-selections"
        | "apk"
        | "yum"
        | "dnf"
        | "microdnf"
        | "rpm"
        | "zypper"
        | "pacman"
        | "tdnf"
        | "install_packages"
        | "update-alternatives"
        | "update-ca-certificates"
        | "ldconfig"
        | "locale-gen"
        | "localedef"
        | "a2enmod"
        | "a2dismod"
        | "a2enconf"
        | "a2disconf"
        | "a2ensite"
        | "a2dissite"
        | "update-rc.d"
        | "systemctl"
        | "c_rehash"
        | "fc-cache"
        | "gpg"
        | "gpg2"
        | "dirmngr"
        | "mktemp"
        | "curl"
        | "wget"
        | "git"
        | "tar"
        | "unzip"
        | "gunzip"
        | "gzip"
        | "xz"
        | "bzip2"
        | "zstd"
        | "7z"
        | "savedAptMark"
        | "find"
        | "docker-php-ext-install"
        | "docker-php-ext-configure"
        | "docker-php-ext-enable"
        | "docker-php-source"
        | "pecl"
        | "pear"
        | "gosu"
        | "su-exec"
        | "setpriv"
        | "tini"
        | "dpkgArch" => {
            let has = |f: &[&str]| {
                args.iter()
                    .any(|a| f.iter().any(|x| a == x || a.starts_with(&format!("{x}="))))
            };
            let short = |c: char| {
                args.iter()
                    .any(|a| a.starts_with('-') && !a.starts_with("--") && a.contains(c))
            };
            let cwd = match prog {
                // curl writes to stdout unless told to keep the remote name.
                "curl" if !has(&["--remote-name", "--remote-name-all"]) && !short('O') => Cwd::None,
                "wget"
                    if has(&["--output-document", "--directory-prefix"])
                        || short('O')
                        || short('P') =>
                {
                    Cwd::None
                }
                "tar"
                    if has(&["--directory"])
                        || args.contains(&"-C")
                        || short('c')
                        || short('t') =>
                {
                    Cwd::None
                }
                "unzip" if args.contains(&"-d") => Cwd::None,
                "curl" | "wget" | "git" | "tar" | "unzip" | "gunzip" | "gzip" | "xz" | "bzip2"
                | "zstd" | "7z" => Cwd::Whole,
                _ => Cwd::None,
            };
            (SYSTEM_AREAS.to_vec(), cwd)
        }
        "npm" | "yarn" | "pnpm" | "npx" | "corepack" | "bun" => {
            let deps_only = matches!(
                sub,
                None | Some("install" | "i" | "ci" | "add" | "prune" | "dedupe" | "rebuild")
            ) && !args.iter().any(|a| *a == "-g" || *a == "--global");
            (
                vec!["/usr/local", "/root", "/tmp", "/home", "/opt/yarn"],
                if deps_only {
                    Cwd::NodeModules
                } else {
                    Cwd::Whole
                },
            )
        }
        "pip" | "pip3" | "pipenv" | "poetry" | "uv" | "easy_install" | "conda" | "mamba"
        | "micromamba" => (
            vec!["/usr/local", "/usr/lib", "/opt", "/root", "/tmp", "/home"],
            Cwd::Whole,
        ),
        "go" | "cargo" | "rustup" | "mvn" | "mvnw" | "gradle" | "gradlew" | "make" | "cmake"
        | "ninja" | "meson" | "configure" | "composer" | "bundle" | "bundler" | "gem"
        | "dotnet" | "ant" | "sbt" | "mix" | "rebar3" | "lein" | "jlink" | "javac" | "gcc"
        | "cc" | "g++" | "clang" | "rustc" | "autoreconf" | "autoconf" | "automake" | "libtool"
        | "stack" | "cabal" => (
            vec![
                "/usr/local",
                "/usr/lib",
                "/usr/share",
                "/go",
                "/opt",
                "/root",
                "/tmp",
                "/home",
                "/var/lib/gems",
            ],
            Cwd::Whole,
        ),
        _ => return None,
    })
}

/// Whether a `wget`/`curl` writes what it fetches to standard output
/// only: wget's `-O -` (`-qO-`, `--output-document=-`); curl without an
/// option that names an output file or keeps state (`-o`, `-O`, `-c`,
/// `-D`, `--output`...), when every option is a short one of a shape read
/// here or a URL.
fn to_stdout(prog: &str, args: &[&str]) -> bool {
    if prog == "wget" {
        let mut dash_o = false;
        for (i, a) in args.iter().enumerate() {
            if *a == "--output-document=-" || *a == "-O-" {
                dash_o = true;
            } else if let Some(f) = a.strip_prefix('-').filter(|f| !f.starts_with('-')) {
                // `-qO-`, `-qO -`: O last, its value `-`.
                match f.find('O') {
                    Some(p) if f[..p].chars().all(|c| c == 'q') => {
                        let v = &f[p + 1..];
                        if v == "-" || (v.is_empty() && args.get(i + 1) == Some(&"-")) {
                            dash_o = true;
                        } else {
                            return false;
                        }
                    }
                    Some(_) => return false,
                    None if f.chars().all(|c| c == 'q') => {}
                    None => return false,
                }
            } else if a.starts_with("--") {
                return false;
            }
        }
        return dash_o;
    }
    args.iter().all(|a| match a.strip_prefix('-') {
        Some(f) if !f.starts_with('-') && !f.is_empty() => {
            f.chars().all(|c| matches!(c, 'f' | 's' | 'S' | 'L' | 'k'))
        }
        Some("-fail" | "-silent" | "-show-error" | "-location") => true,
        Some(_) => false,
        None => true,
    })
}

/// The directory and the members of `tar x ... -C DIR MEMBER...`, when the
/// arguments are all of a shape read here: the first bundled (`zxf -`) or
/// dashed (`-xzf`) flags, `-C`/`--directory`, `-f`/`--file`, and relative
/// member names without globs.
fn tar_members<'a>(args: &[&'a str]) -> Option<(&'a str, Vec<&'a str>)> {
    let mut dir = None;
    let mut members = Vec::new();
    let mut extract = false;
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        let bundled = i == 0 && !a.starts_with('-');
        if let Some(flags) = a
            .strip_prefix('-')
            .filter(|f| !f.starts_with('-'))
            .or(bundled.then_some(a))
        {
            for c in flags.chars() {
                match c {
                    'x' => extract = true,
                    'z' | 'j' | 'J' | 'v' | 'o' | 'p' => {}
                    'f' => i += 1,
                    'C' if flags.ends_with('C') => {
                        i += 1;
                        dir = Some(*args.get(i)?);
                    }
                    _ => return None,
                }
            }
        } else if let Some(d) = a.strip_prefix("--directory=") {
            dir = Some(d);
        } else if a == "--directory" {
            i += 1;
            dir = Some(*args.get(i)?);
        } else if a.starts_with("--file=") || a == "--no-same-owner" {
        } else if a.starts_with('-') {
            return None;
        } else {
            if a.starts_with('/') || a.contains(['*', '?', '[']) || a.split('/').any(|p| p == "..")
            {
                return None;
            }
            members.push(a);
        }
        i += 1;
    }
    (extract && !members.is_empty()).then_some((dir?, members))
}

#[derive(Clone, Copy, PartialEq)]
enum Cwd {
    None,
    NodeModules,
    Whole,
}

/// What `cmd` may write, given the directory it runs in (`None`: not
/// known) and a way to read a script the build copied in (image path ->
/// text). `None` when its writes cannot be bounded.
pub fn writes(
    cmd: &Command,
    cwd: Option<&str>,
    home: Option<&str>,
    read_script: &dyn Fn(&str) -> Option<String>,
    escape: char,
    lookup: &dyn Fn(&str) -> Var,
    depth: usize,
) -> Option<Writes> {
    writes_in(cmd, cwd, home, read_script, escape, lookup, depth, None)
}

/// `writes`, inside a build-context script that sources a library the
/// reader cannot read (`areas`: what such a script may touch, see
/// `library_areas`).
#[allow(clippy::too_many_arguments)]
fn writes_in(
    cmd: &Command,
    cwd: Option<&str>,
    home: Option<&str>,
    read_script: &dyn Fn(&str) -> Option<String>,
    escape: char,
    lookup: &dyn Fn(&str) -> Var,
    depth: usize,
    areas: Option<&[String]>,
) -> Option<Writes> {
    let mut w = Writes::default();
    let resolve = |p: &str| -> Option<String> {
        if p.starts_with('/') {
            Some(super::facts::normalize(p))
        } else {
            cwd.map(|c| super::facts::join(c, p))
        }
    };
    for r in &cmd.redirects {
        match r.known() {
            Some(p) if p.starts_with("/dev/") || p.starts_with("/proc/") => {}
            Some(p) => {
                let p = resolve(p)?;
                // Writing the account files changes the accounts.
                if ACCOUNT_FILES.contains(&p.as_str()) {
                    w.users = true;
                }
                w.paths.push((p, true));
            }
            None => {
                let d = literal_dir(&r.text, cwd)?;
                if d == "/" || d == "/etc" {
                    w.users = true;
                }
                w.paths.push((d, true));
            }
        }
    }
    // Skip assignments and wrappers.
    let mut words: &[Word] = &cmd.words;
    loop {
        let Some(first) = words.first() else {
            return Some(w);
        };
        // `NAME=value` with a value not known is still an assignment.
        if is_assignment(&first.text) {
            words = &words[1..];
            continue;
        }
        let Some(t) = first.known() else {
            // The program's name is not known.
            return None;
        };
        let name = t.rsplit('/').next().unwrap_or(t);
        if t.contains('=') && !t.starts_with('=') && !t.contains('/') {
            words = &words[1..];
        } else if matches!(
            name,
            "sudo" | "exec" | "nohup" | "time" | "command" | "builtin" | "nice" | "stdbuf"
        ) && words.len() > 1
        {
            words = &words[1..];
            while words.first().is_some_and(|w| w.text.starts_with('-')) {
                words = &words[1..];
            }
        } else if name == "env" && words.len() > 1 {
            words = &words[1..];
            while words
                .first()
                .is_some_and(|w| w.text.starts_with('-') || w.text.contains('='))
            {
                words = &words[1..];
            }
        } else if matches!(name, "gosu" | "su-exec") && words.len() > 2 {
            words = &words[2..];
        } else if name == "xargs" && words.len() > 1 {
            words = &words[1..];
            while words.first().is_some_and(|w| w.text.starts_with('-')) {
                words = &words[1..];
            }
            // The arguments come from the input: a writer of named paths
            // cannot be bounded then.
            let prog = words.first()?.known()?;
            let prog = prog.rsplit('/').next().unwrap_or(prog);
            if NAMED_WRITERS.contains(&prog) {
                return None;
            }
        } else {
            break;
        }
    }
    let prog_word = words[0].known()?;
    let prog = prog_word.rsplit('/').next().unwrap_or(prog_word);
    let args: Vec<&Word> = words[1..].iter().collect();
    let texts: Vec<&str> = args.iter().map(|a| a.text.as_str()).collect();

    // Named paths in arguments: absolute words, `--opt=/path`, relative
    // words of writers.
    let named = |w: &mut Writes, relative_too: bool| -> Option<()> {
        for a in &args {
            let t = a.text.as_str();
            let cand = if let Some((_, v)) = t.split_once('=').filter(|(k, _)| k.starts_with('-')) {
                v
            } else if t.starts_with('-') {
                // `-o/path`, `-C/path`: a short option glued to its value.
                match t.get(2..) {
                    Some(v) if v.starts_with('/') && t.len() > 2 && !t.starts_with("--") => v,
                    _ => continue,
                }
            } else {
                t
            };
            let absolute = cand.starts_with('/');
            if !absolute && !relative_too {
                continue;
            }
            if !a.known {
                w.paths.push((literal_dir(cand, cwd)?, true));
            } else if !cand.is_empty() && !cand.contains("://") {
                if cand.starts_with("/dev/") || cand == "/dev/null" || cand.starts_with("/proc/") {
                    continue;
                }
                if let Some(p) = resolve(&strip_glob(cand)) {
                    w.paths.push((p, true));
                } else {
                    return None;
                }
            }
        }
        Some(())
    };

    // Version and help checks run nothing else.
    if !args.is_empty()
        && texts
            .iter()
            .all(|a| matches!(*a, "--version" | "-v" | "-V" | "version" | "--help" | "-h"))
    {
        return Some(w);
    }
    let pip_module = matches!(prog, "python" | "python3") && texts.starts_with(&["-m", "pip"]);
    // `perl -pi -e SCRIPT FILE` edits the files it names, like `sed -i`
    // (below).
    let perl_in_place = prog == "perl"
        && texts
            .first()
            .is_some_and(|a| a.starts_with("-pi") || *a == "-i");
    // A script file the build copied in, read with the areas of the
    // libraries it sources but that are not recorded.
    let file_writes = |path: &str, code: &str, w: Writes| {
        let lib = library_areas(path, code, read_script, lookup);
        let areas = lib.as_deref().or(areas);
        script_writes(
            code,
            cwd,
            home,
            read_script,
            escape,
            lookup,
            depth,
            w,
            areas,
        )
    };
    match prog {
        "sh" | "bash" | "dash" | "ash" | "zsh" if !texts.is_empty() => {
            if let Some(i) = texts.iter().position(|a| {
                *a == "-c" || a.ends_with('c') && a.starts_with('-') && !a.starts_with("--")
            }) {
                let code = args.get(i + 1)?.known()?;
                return script_writes(
                    code,
                    cwd,
                    home,
                    read_script,
                    escape,
                    lookup,
                    depth,
                    w,
                    areas,
                );
            }
            let file = args.iter().find(|a| !a.text.starts_with('-'))?;
            let path = resolve(file.known()?)?;
            let code = read_script(&path)?;
            return file_writes(&path, &code, w);
        }
        "eval" | "source" | "." | "python" | "python3" | "node" | "ruby" | "perl" | "php"
        | "java" | "lua" | "Rscript"
            if !pip_module && !perl_in_place =>
        {
            // Runs code that is not read: unless it is a shell script the
            // build copied in, its writes are not bounded.
            if matches!(prog, "source" | ".") {
                let path = resolve(args.first()?.known()?)?;
                let code = read_script(&path)?;
                return file_writes(&path, &code, w);
            }
            return None;
        }
        "python" | "python3" => {
            // python -m pip ...
            let (areas, _) = tool_areas("pip", &[])?;
            w.paths.extend(areas.iter().map(|a| (a.to_string(), false)));
            named(&mut w, false)?;
            if let Some(c) = cwd {
                w.paths.push((c.to_string(), false));
            }
            return Some(w);
        }
        _ => {}
    }
    // `find` with an action runs it on whatever it finds below its starting
    // points (`find / -name x -exec chmod +x {} \;`): the owners and modes of
    // everything below them may change, which a named path does not express.
    let all_known = args.iter().all(|a| a.known);
    if let Some(under) = find_modes_only(prog, &texts, &resolve).filter(|_| all_known) {
        w.modes_under = under;
        return Some(w);
    }
    if prog == "find"
        && texts.iter().any(|a| {
            matches!(
                *a,
                "-exec"
                    | "-execdir"
                    | "-ok"
                    | "-okdir"
                    | "-delete"
                    | "-fprint"
                    | "-fprint0"
                    | "-fprintf"
                    | "-fls"
            )
        })
    {
        return None;
    }
    if matches!(
        prog,
        "useradd"
            | "adduser"
            | "groupadd"
            | "addgroup"
            | "usermod"
            | "userdel"
            | "groupmod"
            | "chpasswd"
            | "passwd"
            | "deluser"
            | "delgroup"
    ) {
        w.users = true;
        w.paths.push(("/etc".into(), false));
        w.paths.push(("/home".into(), false));
        named(&mut w, false)?;
        return Some(w);
    }
    if prog == "sed"
        && !texts.iter().any(|a| {
            a.starts_with("-i")
                || a.starts_with("--in-place")
                || (a.starts_with('-') && !a.starts_with("--") && a.contains('i'))
        })
    {
        return Some(w);
    }
    if READ_ONLY.contains(&prog) {
        return Some(w);
    }
    if NAMED_WRITERS.contains(&prog) {
        // Only what is written counts: the destination of a copy, not the
        // owner given to chown or the script given to sed.
        let takes_value: &[&str] = match prog {
            "install" => &[
                "-o", "--owner", "-g", "--group", "-m", "--mode", "-t", "-S", "--suffix",
            ],
            "cp" | "mv" | "ln" => &["-t", "-S", "--suffix"],
            "chown" | "chmod" | "chgrp" => &["--reference"],
            "truncate" => &["-s", "--size", "-r"],
            "sed" => &["-e", "-f", "--expression", "--file"],
            "perl" => &["-e", "-E"],
            "mkdir" => &["-m", "--mode"],
            _ => &[],
        };
        let mut operands: Vec<usize> = Vec::new();
        let mut skip = false;
        for (i, a) in args.iter().enumerate() {
            if skip {
                skip = false;
                continue;
            }
            if a.text == "-" || !a.text.starts_with('-') {
                operands.push(i);
            } else if takes_value.contains(&a.text.as_str()) {
                skip = true;
            }
        }
        let keep: Vec<usize> = match prog {
            "cp" | "ln" | "rsync" if !texts.contains(&"-t") => {
                operands.last().copied().into_iter().collect()
            }
            "install" if !texts.iter().any(|a| *a == "-d" || *a == "--directory") => {
                operands.last().copied().into_iter().collect()
            }
            "chown" | "chmod" | "chgrp" | "setfacl" | "setcap" | "truncate" => {
                operands.iter().skip(1).copied().collect()
            }
            // The script is the first operand unless an option gave it.
            "sed" | "perl" => {
                let script_given = texts.iter().any(|a| {
                    matches!(*a, "-e" | "-f" | "-E" | "--expression" | "--file")
                        || a.starts_with("--expression=")
                        || a.starts_with("--file=")
                });
                let skip = usize::from(!script_given);
                operands.iter().skip(skip).copied().collect()
            }
            "dd" => {
                for a in &args {
                    if let Some(of) = a.text.strip_prefix("of=") {
                        if a.known {
                            w.paths.push((resolve(of)?, true));
                        } else {
                            w.paths.push((literal_dir(of, cwd)?, true));
                        }
                    }
                }
                return Some(w);
            }
            _ => (0..args.len()).collect(),
        };
        // `-t DIR`, `-C DIR` and `--target-directory=DIR` name the destination.
        let kept: Vec<Word> = keep.iter().map(|&i| args[i].clone()).collect();
        let mut only = Command {
            words: std::iter::once(words[0].clone()).chain(kept).collect(),
            redirects: Vec::new(),
            appends: Vec::new(),
            certain: false,
            cwd: None,
            cd_unknown: false,
        };
        if let Some(t) = texts.iter().position(|a| *a == "-t") {
            if let Some(d) = args.get(t + 1) {
                only.words.push((*d).clone());
            }
        }
        let sub_args: Vec<&Word> = only.words[1..].iter().collect();
        for a in sub_args {
            let t = a.text.as_str();
            let cand = t
                .split_once('=')
                .filter(|(k, _)| k.starts_with('-'))
                .map_or(t, |(_, v)| v);
            if cand.starts_with('-') {
                continue;
            }
            if !a.known {
                w.paths.push((literal_dir(cand, cwd)?, true));
            } else if cand.starts_with("/dev/") || cand.starts_with("/proc/") {
            } else {
                w.paths.push((resolve(&strip_glob(cand))?, true));
            }
        }
        return Some(w);
    }
    // `tar x -C DIR MEMBER...`: only the members named are extracted,
    // each at DIR/MEMBER (and below, for a directory).
    if prog == "tar" && args.iter().all(|a| a.known) {
        if let Some((dir, members)) = tar_members(&texts) {
            let dir = resolve(dir)?;
            for m in members {
                w.paths.push((super::facts::join(&dir, m), true));
            }
            return Some(w);
        }
    }
    // A download to standard output (`wget -qO- URL`, `curl -fsSL URL`)
    // writes no file but wget's HSTS cache in the home.
    if matches!(prog, "wget" | "curl") && to_stdout(prog, &texts) {
        if prog == "wget" {
            w.paths.push((home.unwrap_or("/root").to_string(), false));
        }
        return Some(w);
    }
    if let Some((areas, cwd_kind)) = tool_areas(prog, &texts) {
        if matches!(
            prog,
            "apt-get"
                | "apt"
                | "aptitude"
                | "dpkg"
                | "apk"
                | "yum"
                | "dnf"
                | "microdnf"
                | "rpm"
                | "zypper"
                | "pacman"
                | "tdnf"
                | "install_packages"
        ) {
            // The distribution's packages create system accounts only (ids
            // below 1000, decision 0020). A package given as a file or a URL
            // (`dpkg -i kong.deb`, `apt-get install ./x.deb`, `rpm -i URL`)
            // is not held to that policy: Kong's postinstall makes a regular
            // account. Any word with a slash or a package suffix (an option's
            // value too) counts, which only forgets more.
            let from_file = (prog == "dpkg"
                && texts
                    .iter()
                    .any(|t| matches!(*t, "-i" | "--install" | "--unpack")))
                || texts.iter().any(|t| {
                    !t.starts_with('-')
                        && (t.contains('/')
                            || [".deb", ".rpm", ".apk"].iter().any(|x| t.ends_with(x)))
                });
            if from_file {
                w.users = true;
            } else {
                w.system_users = true;
                w.distro_packages = true;
            }
        }
        for a in areas {
            // `/home` stands for the home of the user the build runs as.
            match (a, home) {
                ("/home", Some(h)) => w.paths.push((h.to_string(), false)),
                _ => w.paths.push((a.to_string(), false)),
            }
        }
        named(&mut w, false)?;
        match cwd_kind {
            Cwd::None => {}
            Cwd::NodeModules => {
                let c = cwd?;
                w.installs.push(super::facts::join(c, "node_modules"));
                for f in [
                    "node_modules",
                    "package-lock.json",
                    "yarn.lock",
                    "pnpm-lock.yaml",
                    ".yarn",
                    ".pnp.cjs",
                    ".npmrc",
                ] {
                    w.paths.push((super::facts::join(c, f), false));
                }
            }
            Cwd::Whole => {
                // `make -C DIR`, `git -C DIR`: the tool works there.
                let dir_flag = texts
                    .iter()
                    .position(|a| *a == "-C" || *a == "--directory")
                    .and_then(|i| args.get(i + 1));
                let dir = match dir_flag {
                    Some(d) if d.known => resolve(&d.text)?,
                    Some(d) => literal_dir(&d.text, cwd)?,
                    None => cwd?.to_string(),
                };
                // A build tool at `/` builds nothing there (installers write
                // the system areas above); an unpacker at `/` may. A
                // download (`curl -O`, `wget URL`) makes one regular file
                // named after the URL: no directory a mount could go in.
                let unpacker = matches!(
                    prog,
                    "git" | "tar" | "unzip" | "gunzip" | "gzip" | "xz" | "bzip2" | "zstd" | "7z"
                );
                if dir != "/" || unpacker {
                    w.paths.push((dir, false));
                }
            }
        }
        return Some(w);
    }
    // A program given by path (`./install.sh`, `/opt/x/setup`): read it
    // when the build copied it in; otherwise its writes are not bounded.
    if prog_word.contains('/') || prog.ends_with(".sh") {
        let path = resolve(prog_word)?;
        let code = read_script(&path)?;
        if code.starts_with("#!") && !code.lines().next().is_some_and(|l| l.contains("sh")) {
            return None;
        }
        return file_writes(&path, &code, w);
    }
    // Another installed program (`a2enmod`, `docker-php-ext-install`,
    // `gosu nobody true`): it may write where programs install and its
    // working directory, plus what it names.
    w.paths
        .extend(SYSTEM_AREAS.iter().map(|a| (a.to_string(), false)));
    named(&mut w, false)?;
    // Its working directory too, unless that is `/` (installed programs do
    // not drop files at the top level).
    match cwd? {
        "/" => {}
        c => w.paths.push((c.to_string(), false)),
    }
    Some(w)
}

#[allow(clippy::too_many_arguments)]
fn script_writes(
    code: &str,
    cwd: Option<&str>,
    home: Option<&str>,
    read_script: &dyn Fn(&str) -> Option<String>,
    escape: char,
    lookup: &dyn Fn(&str) -> Var,
    depth: usize,
    mut w: Writes,
    areas: Option<&[String]>,
) -> Option<Writes> {
    if depth > 4 {
        return None;
    }
    // Variables set inside the script are not followed: not known.
    let inner_lookup = |n: &str| match lookup(n) {
        Var::Set(v) => Var::Set(v),
        _ => Var::Unknown,
    };
    for c in commands(code, '\\', &inner_lookup) {
        let cwd = if c.cd_unknown {
            None
        } else {
            match &c.cwd {
                None => cwd.map(str::to_string),
                Some(d) => cwd.map(|base| super::facts::join(base, d.trim_start_matches("./"))),
            }
        };
        let sub = writes_in(
            &c,
            cwd.as_deref(),
            home,
            read_script,
            escape,
            lookup,
            depth + 1,
            areas,
        );
        let sub = match (sub, areas) {
            (Some(sub), _) => sub,
            // In a script that sources a library the reader cannot read, a
            // command that cannot be bounded (a call of the library's
            // functions, a path from its variables) may touch what the
            // scripts name, the system areas, and system accounts only.
            (None, Some(areas)) => {
                let mut sub = Writes {
                    system_users: true,
                    ..Writes::default()
                };
                sub.paths.extend(areas.iter().map(|a| (a.clone(), true)));
                sub.paths
                    .extend(SYSTEM_AREAS.iter().map(|a| (a.to_string(), false)));
                match cwd.as_deref() {
                    Some("/") => {}
                    Some(c) => sub.paths.push((c.to_string(), false)),
                    None => return None,
                }
                sub
            }
            (None, None) => return None,
        };
        w.users |= sub.users;
        w.system_users |= sub.system_users;
        w.modes_under.extend(sub.modes_under);
        w.paths.extend(sub.paths);
    }
    Some(w)
}

/// What a build-context script may touch when it sources a library the
/// reader cannot read (bitnami's `postunpack.sh` loads
/// `/opt/bitnami/scripts/libfs.sh` from the image and calls
/// `ensure_dir_exists "$dir"`): the directories of the scripts, every
/// absolute path written in the script and in the files it sources that
/// can be read (`/bitnami`, `BITNAMI_ROOT_DIR="/opt/bitnami"`,
/// `${X:-/bitnami/redis}`), and the absolute values of the build's
/// variables they use. `None` when every library it sources (through the
/// files it sources) can be read, or it sources none: it is then read as
/// any script.
fn library_areas(
    path: &str,
    code: &str,
    read_script: &dyn Fn(&str) -> Option<String>,
    lookup: &dyn Fn(&str) -> Var,
) -> Option<Vec<String>> {
    let unknown = |_: &str| Var::Unknown;
    let mut texts: Vec<(String, String)> = vec![(path.to_string(), code.to_string())];
    let mut unread = false;
    let mut i = 0;
    while i < texts.len() && texts.len() < 64 {
        let mut found = Vec::new();
        for c in commands(&texts[i].1, '\\', &unknown) {
            let words: Vec<Option<&str>> = c.words.iter().map(|w| w.known()).collect();
            if let [Some("." | "source"), Some(lib), ..] = words.as_slice() {
                if !lib.starts_with('/') {
                    continue;
                }
                let lib = super::facts::normalize(lib);
                if texts.iter().any(|(p, _)| *p == lib) || found.iter().any(|(p, _)| *p == lib) {
                    continue;
                }
                match read_script(&lib) {
                    Some(t) => found.push((lib, t)),
                    None => {
                        unread = true;
                        found.push((lib, String::new()));
                    }
                }
            }
        }
        texts.extend(found);
        i += 1;
    }
    if !unread {
        return None;
    }
    let mut areas: Vec<String> = Vec::new();
    let mut assigned: Vec<String> = Vec::new();
    let mut used: Vec<String> = Vec::new();
    let add = |p: String, areas: &mut Vec<String>| {
        let p = super::facts::normalize(&p);
        if !p.starts_with("/dev/") && !p.starts_with("/proc/") && !areas.contains(&p) {
            areas.push(p);
        }
    };
    for (p, text) in &texts {
        let dir = match p.rfind('/') {
            Some(0) | None => "/",
            Some(j) => &p[..j],
        };
        add(dir.to_string(), &mut areas);
        let chars: Vec<char> = text.chars().collect();
        for (k, &c) in chars.iter().enumerate() {
            let prev = if k == 0 { ' ' } else { chars[k - 1] };
            if c == '/' && (prev.is_whitespace() || "\"'=(-<>".contains(prev)) {
                let tok: String = chars[k..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || "_-./+@%".contains(**c))
                    .collect();
                if !tok.starts_with("//") {
                    add(tok, &mut areas);
                }
            }
            if c == '$' {
                let rest = &chars[k + 1..];
                let rest = rest.strip_prefix(&['{']).unwrap_or(rest);
                let name: String = rest
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect();
                if name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
                    used.push(name);
                }
            }
            if c == '=' {
                let name: String = chars[..k]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                if !name.is_empty() {
                    assigned.push(name);
                }
            }
        }
    }
    // The build's values of the variables the scripts use and do not set.
    for n in used {
        if assigned.contains(&n) {
            continue;
        }
        if let Var::Set(v) = lookup(&n) {
            if v.starts_with('/') && !v.contains(':') {
                add(v, &mut areas);
            }
        }
    }
    Some(areas)
}

/// `find START... [tests] -exec chmod|chown|chgrp ... {} \;` (or `+`):
/// only modes and owners below the starting points change. `None` for any
/// other action (`-delete`, `-exec rm`, a shell), a start point not known,
/// or an option that writes a file (`-fprint`).
fn find_modes_only(
    prog: &str,
    rest: &[&str],
    resolve: &dyn Fn(&str) -> Option<String>,
) -> Option<Vec<(String, bool)>> {
    if prog != "find" {
        return None;
    }
    let starts: Vec<&str> = rest
        .iter()
        .take_while(|a| !a.starts_with('-') && !matches!(**a, "(" | "!" | "\\("))
        .copied()
        .collect();
    let mut owners = false;
    let mut execs = 0;
    let mut k = starts.len();
    while k < rest.len() {
        let a = rest[k];
        if matches!(a, "-exec" | "-execdir") {
            let p = rest.get(k + 1)?;
            let p = p.rsplit('/').next().unwrap_or(p);
            match p {
                "chmod" => {}
                "chown" | "chgrp" => owners = true,
                _ => return None,
            }
            execs += 1;
            // Up to the `;` or `+` that ends it.
            k += 2;
            while k < rest.len() && !matches!(rest[k], ";" | "\\;" | "+") {
                k += 1;
            }
        } else if a.starts_with("-ok")
            || a.starts_with("-fprint")
            || matches!(a, "-delete" | "-fls")
        {
            return None;
        }
        k += 1;
    }
    if execs == 0 {
        return None;
    }
    let mut out = Vec::new();
    for s in if starts.is_empty() { vec!["."] } else { starts } {
        out.push((resolve(s)?, owners));
    }
    Some(out)
}

/// Every word begins with a known name that is not absolute (`redis-7.4`,
/// `"wait-for-port-${ARCH}"`): each value is a relative path.
fn relative_items(items: &[Word]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|w| !w.text.is_empty() && !w.text.starts_with(['/', '~', '-']))
}

fn is_assignment(t: &str) -> bool {
    match t.split_once('=') {
        Some((name, _)) => {
            !name.is_empty()
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !name.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

/// For a path whose value is only partly known (`/usr/local/$x`): the
/// directory of its known absolute beginning. `None` when even that is not
/// known (a path that starts with a value not known).
/// `cd rel` from `base`, both relative to the working directory: `./src`,
/// or `./` for the working directory itself; `None` when it climbs above.
fn relative_cd(base: &str, rel: &str) -> Option<String> {
    let mut parts: Vec<&str> = base
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    for p in rel.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(format!("./{}", parts.join("/")))
}

fn literal_dir(text: &str, cwd: Option<&str>) -> Option<String> {
    if text.starts_with('/') {
        let dir = match text.rfind('/') {
            Some(0) | None => "/".to_string(),
            Some(i) => text[..i].to_string(),
        };
        // `/usr/local/` + unknown -> `/usr/local`; `/opt/ap` + unknown -> `/opt`.
        Some(super::facts::normalize(&dir))
    } else if text.is_empty() {
        None
    } else {
        // A relative path with a value not known: anywhere under cwd.
        cwd.map(str::to_string)
    }
}

fn strip_glob(p: &str) -> String {
    match p.find(['*', '?', '[']) {
        Some(i) => match p[..i].rfind('/') {
            Some(0) => "/".to_string(),
            Some(j) => p[..j].to_string(),
            None => ".".to_string(),
        },
        None => p.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(n: &str) -> Var {
        match n {
            "HOME_DIR" => Var::Set("/srv/app".into()),
            "UNSET" => Var::Unset,
            _ => Var::Unknown,
        }
    }

    fn cmds(s: &str) -> Vec<(String, bool)> {
        commands(s, '\\', &lookup)
            .into_iter()
            .map(|c| {
                (
                    c.words
                        .iter()
                        .map(|w| {
                            if w.known {
                                w.text.clone()
                            } else {
                                format!("{}?", w.text)
                            }
                        })
                        .collect::<Vec<_>>()
                        .join(" "),
                    c.certain,
                )
            })
            .collect()
    }

    #[test]
    fn lexing() {
        assert_eq!(
            cmds("set -eux; apt-get update && mkdir -p $HOME_DIR/x || true"),
            vec![
                ("set -eux".into(), true),
                ("apt-get update".into(), true),
                ("mkdir -p /srv/app/x".into(), true),
                ("true".into(), false),
            ]
        );
        let c = cmds("if [ -f /a ]; then rm -rf /b; fi; x=\"$(dpkg --print-architecture | awk '{print $1}')\"; echo $x");
        assert!(c.contains(&("[ -f /a ]".into(), false)), "{c:?}");
        assert!(c.contains(&("rm -rf /b".into(), false)), "{c:?}");
        assert!(
            c.contains(&("dpkg --print-architecture".into(), false)),
            "{c:?}"
        );
        assert!(c.contains(&("x=?".into(), true)), "{c:?}");
        let c = cmds("case \"$a\" in amd64) b=1 ;; *) exit 1 ;; esac; touch /ok");
        assert!(c.contains(&("touch /ok".into(), true)), "{c:?}");
        assert!(!c.iter().any(|(w, _)| w == "amd64"), "{c:?}");
        // A loop variable over relative items is a relative path.
        let c = cmds("for f in a b; do cp $f /opt/; done");
        assert_eq!(c, vec![("cp ./? /opt/".into(), false)]);
        let c = cmds("for f in /a b; do cp $f /opt/; done");
        assert_eq!(c, vec![("cp ? /opt/".into(), false)]);
        // A bash array is an assignment, not a command; its items here are
        // relative names, and so is a loop over it.
        let c = cmds("C=( \"redis-${V}\" \"wait-${V}\" ) ; for x in \"${C[@]}\"; do rm -f \"$x\".tar.gz; done");
        assert_eq!(
            c,
            vec![("C=./?".into(), true), ("rm -f ./?".into(), false)],
            "{c:?}"
        );
        let c = cmds("C=( /opt/x \"$V\" ) ; for x in \"${C[@]}\"; do rm -f \"$x\"; done");
        assert_eq!(c[1], ("rm -f ?".into(), false), "{c:?}");
    }

    /// bitnami's `postunpack.sh`: it sources libraries from the image that
    /// are not recorded and calls their functions with paths from its
    /// environment file. Its writes are bounded by what the scripts name;
    /// it may add system accounts only.
    #[test]
    fn scripts_with_unread_libraries_touch_what_they_name() {
        let env = "export ROOT_DIR=\"/opt/bitnami\"\nexport BASE_DIR=\"${ROOT_DIR}/redis\"\nexport VOLUME_DIR=\"${VOLUME_DIR:-/bitnami/redis}\"\n";
        let script = "#!/bin/bash\n. /opt/bitnami/scripts/env.sh\n. /opt/bitnami/scripts/libfs.sh\nfor d in \"$BASE_DIR\" \"$VOLUME_DIR\"; do\n  ensure_dir_exists \"$d\"\ndone\nchmod -R g+rwX /bitnami \"$BASE_DIR\"\n";
        let read = |p: &str| match p {
            "/opt/bitnami/scripts/app/postunpack.sh" => Some(script.to_string()),
            "/opt/bitnami/scripts/env.sh" => Some(env.to_string()),
            _ => None,
        };
        let run = |s: &str| {
            let c = commands(s, '\\', &lookup);
            writes(&c[0], Some("/"), None, &read, '\\', &lookup, 0)
        };
        let w = run("/opt/bitnami/scripts/app/postunpack.sh").expect("bounded");
        assert!(w.system_users && !w.users);
        let paths: Vec<&str> = w.paths.iter().map(|(p, _)| p.as_str()).collect();
        for p in [
            "/bitnami",
            "/bitnami/redis",
            "/opt/bitnami",
            "/opt/bitnami/scripts/app",
        ] {
            assert!(paths.contains(&p), "{p}: {paths:?}");
        }
        assert!(
            !paths
                .iter()
                .any(|p| *p == "/" || p.starts_with("/home") || p.starts_with("/srv")),
            "{paths:?}"
        );
        // Without the unread library the same script is read as any other:
        // the loop over values it cannot know is not bounded.
        let read2 = |p: &str| match p {
            "/x.sh" => Some("#!/bin/sh\nfor d in \"$A\"; do mkdir \"$d\"; done\n".to_string()),
            _ => None,
        };
        let c = commands("/x.sh", '\\', &lookup);
        assert!(writes(&c[0], Some("/"), None, &read2, '\\', &lookup, 0).is_none());
        // A script whose only library is unread, and that runs code it
        // cannot name, still touches only what it names.
        let read3 = |p: &str| match p {
            "/s/x.sh" => Some("#!/bin/sh\n. /s/lib.sh\nrun_it \"$X\"\n".to_string()),
            _ => None,
        };
        let c = commands("/s/x.sh", '\\', &lookup);
        let w = writes(&c[0], Some("/"), None, &read3, '\\', &lookup, 0).unwrap();
        let paths: Vec<&str> = w.paths.iter().map(|(p, _)| p.as_str()).collect();
        assert!(
            paths.contains(&"/s") && paths.contains(&"/usr"),
            "{paths:?}"
        );
    }

    /// `find START -exec chmod|chown|chgrp ... {} \;` changes modes and
    /// owners below START only; any other action is not bounded.
    #[test]
    fn find_that_only_changes_modes() {
        let one = |s: &str| {
            let c = commands(s, '\\', &lookup);
            writes(&c[0], Some("/"), None, &|_| None, '\\', &lookup, 0)
        };
        let w = one("find / -perm /6000 -type f -exec chmod a-s {} \\;").unwrap();
        assert_eq!(w.modes_under, vec![("/".to_string(), false)]);
        assert!(w.paths.is_empty() && !w.users && !w.system_users);
        let w = one("find /opt/x \\! -user a -exec chown -f a:a '{}' +").unwrap();
        assert_eq!(w.modes_under, vec![("/opt/x".to_string(), true)]);
        assert!(one("find / -name x -exec rm {} \\;").is_none());
        assert!(one("find / -name x -delete").is_none());
        assert!(one("find / -exec chmod +x {} \\; -fprint /tmp/l").is_none());
        assert!(one("find $D -exec chmod +x {} \\;").is_none());
    }

    fn areas(s: &str) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for c in commands(s, '\\', &lookup) {
            let w = writes(
                &c,
                Some("/app"),
                Some("/root"),
                &|p| {
                    (p == "/app/setup.sh")
                        .then(|| "mkdir -p /data/x\nchown 1 /data/x\n".to_string())
                },
                '\\',
                &lookup,
                0,
            )?;
            out.extend(w.paths.into_iter().map(|(p, _)| p));
        }
        out.sort();
        out.dedup();
        Some(out)
    }

    #[test]
    fn bounded_writes() {
        assert_eq!(
            areas("npm ci")
                .unwrap()
                .iter()
                .filter(|p| p.starts_with("/app"))
                .count(),
            7
        );
        assert!(areas("npm ci")
            .unwrap()
            .contains(&"/app/node_modules".to_string()));
        assert!(!areas("npm ci").unwrap().contains(&"/app".to_string()));
        assert!(areas("npm run build")
            .unwrap()
            .contains(&"/app".to_string()));
        let a = areas("apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*")
            .unwrap();
        assert!(a.contains(&"/usr".to_string()) && !a.iter().any(|p| p == "/home" || p == "/data"));
        assert_eq!(areas("./setup.sh").unwrap(), vec!["/data/x".to_string()]);
        assert_eq!(areas("sh setup.sh").unwrap(), vec!["/data/x".to_string()]);
        assert_eq!(
            areas("cp -r $UNKNOWN/x /opt/app/").unwrap(),
            vec!["/opt/app".to_string()]
        );
        assert_eq!(
            areas("echo hi > /etc/motd").unwrap(),
            vec!["/etc/motd".to_string()]
        );
        assert_eq!(
            areas("grep x /etc/passwd > /dev/null").unwrap(),
            Vec::<String>::new()
        );
        // A sed or perl script given by an option is not a path; the files
        // after it are (mariadb's Dockerfile).
        assert_eq!(
            areas("sed -i -e '/includedir/ {N;s/a/b/}' /etc/mysql/mariadb.cnf").unwrap(),
            vec!["/etc/mysql/mariadb.cnf".to_string()]
        );
        assert_eq!(
            areas("sed -i 's/a/b/' /etc/x.conf").unwrap(),
            vec!["/etc/x.conf".to_string()]
        );
        assert_eq!(
            areas("perl -pi -e 's/a/b/' /etc/x.conf").unwrap(),
            vec!["/etc/x.conf".to_string()]
        );
        // Not bounded.
        assert!(areas("./other.sh").is_none());
        // `cd ..` back out of a relative directory: httpd's
        // `cd src; ...; cd ..; rm -r src man manual` in its WORKDIR.
        let c = commands("cd src; make; cd ..; rm -r src man", '\\', &lookup);
        assert_eq!(c[1].cwd.as_deref(), Some("./src"));
        assert_eq!(c[3].cwd.as_deref(), Some("./"));
        let c = commands("cd ..; rm x", '\\', &lookup);
        assert!(c[1].cd_unknown);
        assert!(areas("python3 build.py").is_none());
        assert!(areas("cp -r x $UNKNOWN").is_none());
        assert!(areas("eval \"$X\"").is_none());
        assert!(areas("find . | xargs rm").is_none());
    }

    /// `yes` succeeds, `no` fails, anything else is not known.
    fn decided(s: &str) -> Vec<(String, bool)> {
        let test = |w: &[Word]| match w[0].text.as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        };
        let subst = |_: &str| None;
        let oracle = Oracle {
            test: &test,
            subst: &subst,
        };
        commands_with(s, '\\', &lookup, &oracle)
            .into_iter()
            .map(|c| {
                let t: Vec<&str> = c.words.iter().map(|w| w.text.as_str()).collect();
                (t.join(" "), c.certain)
            })
            .collect()
    }

    #[test]
    fn known_conditions_take_only_their_branch() {
        let run = |s: &str| -> Vec<(String, bool)> {
            decided(s)
                .into_iter()
                .filter(|(t, _)| !matches!(t.as_str(), "yes" | "no" | "maybe"))
                .collect()
        };
        let c = |t: &str, certain: bool| (t.to_string(), certain);
        // A true condition: its branch is certain, the others are gone.
        assert_eq!(
            run("if yes; then mkdir /a; elif maybe; then mkdir /b; else mkdir /c; fi && mkdir /d"),
            vec![c("mkdir /a", true), c("mkdir /d", true)]
        );
        // False, then unknown: the elif branch and the else are uncertain.
        assert_eq!(
            run("if no; then mkdir /a; elif maybe; then mkdir /b; else mkdir /c; fi"),
            vec![c("mkdir /b", false), c("mkdir /c", false)]
        );
        // All false: else runs.
        assert_eq!(
            run("if no; then mkdir /a; elif ! yes; then mkdir /b; else mkdir /c; fi"),
            vec![c("mkdir /c", true)]
        );
        // `&&`/`||` short-circuit; an unknown part leaves it unknown.
        assert_eq!(run("if maybe && no; then mkdir /a; fi"), vec![]);
        assert_eq!(
            run("if maybe || yes; then mkdir /a; fi"),
            vec![c("mkdir /a", true)]
        );
        assert_eq!(
            run("if yes && maybe; then mkdir /a; fi"),
            vec![c("mkdir /a", false)]
        );
        // Nested: an inner known branch inside an unknown one stays uncertain.
        assert_eq!(
            run("if maybe; then if yes; then mkdir /a; fi; fi"),
            vec![c("mkdir /a", false)]
        );
        // After `||`, even a true branch is not certain.
        assert_eq!(
            run("true || if yes; then mkdir /a; fi"),
            vec![c("true", true), c("mkdir /a", false)]
        );
        // Without an oracle nothing is decided (today's behaviour).
        assert_eq!(
            cmds("if yes; then mkdir /a; else mkdir /b; fi"),
            vec![
                ("yes".to_string(), false),
                ("mkdir /a".to_string(), false),
                ("mkdir /b".to_string(), false)
            ]
        );
    }

    #[test]
    fn values_set_where_they_may_not_run_decide_nothing() {
        let test =
            |w: &[Word]| (w[0].text == "[").then(|| w[1].text == "-n" && !w[2].text.is_empty());
        let subst = |_: &str| None;
        let oracle = Oracle {
            test: &test,
            subst: &subst,
        };
        let certain_mkdirs = |s: &str| -> Vec<String> {
            commands_with(s, '\\', &lookup, &oracle)
                .into_iter()
                .filter(|c| c.certain && c.words[0].text == "mkdir")
                .map(|c| c.words[1].text.clone())
                .collect()
        };
        assert_eq!(
            certain_mkdirs("X=1; if [ -n \"$X\" ]; then mkdir /a; fi"),
            vec!["/a"]
        );
        assert!(
            certain_mkdirs("case $A in x) X=1;; esac; if [ -n \"$X\" ]; then mkdir /a; fi")
                .is_empty()
        );
        assert!(
            certain_mkdirs("for i in a; do X=1; done; if [ -n \"${X}\" ]; then mkdir /a; fi")
                .is_empty()
        );
    }

    #[test]
    fn tar_members_and_downloads_to_stdout() {
        assert_eq!(
            tar_members(&["zxf", "-", "-C", "/", "usr/lib/a.so", "usr/lib/b.so"]),
            Some(("/", vec!["usr/lib/a.so", "usr/lib/b.so"]))
        );
        assert_eq!(
            tar_members(&["-xzf", "x.tgz", "-C", "/usr/local/bin", "./influx"]).map(|m| m.1),
            Some(vec!["./influx"])
        );
        // No member (all of it), no -C, a glob, an option not read: not read.
        assert_eq!(tar_members(&["-xzf", "x.tgz", "-C", "/opt"]), None);
        assert_eq!(tar_members(&["-xzf", "x.tgz", "a"]), None);
        assert_eq!(tar_members(&["-xzf", "x.tgz", "-C", "/", "usr/*"]), None);
        assert_eq!(
            tar_members(&["-xzf", "x.tgz", "--strip-components=1", "-C", "/", "a"]),
            None
        );
        assert!(to_stdout("wget", &["-qO-", "https://x"]));
        assert!(to_stdout("wget", &["-q", "-O", "-", "https://x"]));
        assert!(!to_stdout("wget", &["-q", "https://x"]));
        assert!(!to_stdout("wget", &["-O", "/x", "https://x"]));
        assert!(to_stdout("curl", &["-fsSL", "https://x"]));
        assert!(!to_stdout("curl", &["-fsSLO", "https://x"]));
        assert!(!to_stdout("curl", &["-o", "/x", "https://x"]));
    }
}
