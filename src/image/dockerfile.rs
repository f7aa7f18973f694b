//! A Dockerfile reader: it parses the instructions and works out, without
//! running anything, what the built image holds. Only shapes it fully
//! understands change the facts; any other `RUN` lowers the confidence and
//! makes absence uncertain from then on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::facts::{
    join, normalize, Confidence, Content, Entry, Evidence, Fact, GroupEntry, Image, ImageCommand,
    PathFact, PathKind, UserEntry,
};
use super::runeffects;

/// The PATH of a container whose image sets none (moby's default).
/// The first id that is not a system account's: Debian Policy 9.2.2 gives
/// dynamically allocated system accounts 100-999, shadow's login.defs has
/// SYS_UID_MAX/SYS_GID_MAX 999 and UID_MIN 1000 (decision 0020).
pub const SYSTEM_ID_LIMIT: u32 = 1000;

const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// One instruction, with continuation lines joined.
#[derive(Clone, Debug, PartialEq)]
pub struct Instruction {
    /// 1-based line of the keyword.
    pub line: usize,
    /// Upper case.
    pub keyword: String,
    /// Everything after the keyword, continuations joined, comments inside
    /// the continuation dropped.
    pub args: String,
    pub heredocs: Vec<Heredoc>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Heredoc {
    pub name: String,
    pub body: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Dockerfile {
    /// The escape character (`\` or, by the parser directive, `` ` ``).
    pub escape: char,
    pub instructions: Vec<Instruction>,
}

impl Instruction {
    fn text(&self) -> String {
        format!("{} {}", self.keyword, self.args).trim().to_string()
    }
}

/// Parses a Dockerfile into instructions. Never fails: lines it cannot
/// make sense of become instructions with an unknown keyword.
pub fn parse(text: &str) -> Dockerfile {
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    let mut escape = '\\';
    let mut i = 0;
    // Parser directives: only at the very top, before anything else.
    while i < lines.len() {
        let l = lines[i].trim();
        let Some(rest) = l.strip_prefix('#') else {
            break;
        };
        let Some((k, v)) = rest.split_once('=') else {
            break;
        };
        let key = k.trim().to_ascii_lowercase();
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
            break;
        }
        if key == "escape" {
            match v.trim() {
                "`" => escape = '`',
                "\\" => escape = '\\',
                _ => {}
            }
        }
        i += 1;
    }

    let mut instructions = Vec::new();
    while i < lines.len() {
        let first = lines[i];
        let t = first.trim_start();
        if t.is_empty() || t.starts_with('#') {
            i += 1;
            continue;
        }
        let start = i;
        let mut buf = String::new();
        let mut cur = first;
        loop {
            let trimmed = cur.trim_end();
            if let Some(body) = trimmed.strip_suffix(escape) {
                buf.push_str(body);
                i += 1;
                // Comment and empty lines inside a continuation are dropped.
                while i < lines.len() {
                    let n = lines[i].trim_start();
                    if n.starts_with('#') || n.is_empty() {
                        i += 1;
                    } else {
                        break;
                    }
                }
                if i >= lines.len() {
                    break;
                }
                cur = lines[i];
            } else {
                buf.push_str(cur);
                i += 1;
                break;
            }
        }
        let buf = buf.trim();
        let (kw, args) = match buf.find(char::is_whitespace) {
            Some(p) => (&buf[..p], buf[p..].trim_start()),
            None => (buf, ""),
        };
        let keyword = kw.to_ascii_uppercase();
        let mut heredocs = Vec::new();
        if matches!(keyword.as_str(), "RUN" | "COPY" | "ADD") {
            for (name, strip_tabs) in heredoc_markers(args) {
                let mut body = String::new();
                while i < lines.len() {
                    let l = lines[i];
                    i += 1;
                    let cmp = if strip_tabs {
                        l.trim_start_matches('\t')
                    } else {
                        l
                    };
                    if cmp == name {
                        break;
                    }
                    body.push_str(cmp);
                    body.push('\n');
                }
                heredocs.push(Heredoc { name, body });
            }
        }
        instructions.push(Instruction {
            line: start + 1,
            keyword,
            args: args.to_string(),
            heredocs,
        });
    }
    Dockerfile {
        escape,
        instructions,
    }
}

/// `<<EOF`, `<<-EOF`, `<<"EOF"`, `<<'EOF'`: (name, strip leading tabs).
fn heredoc_markers(args: &str) -> Vec<(String, bool)> {
    let b = args.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i + 2 < b.len() + 1 {
        if b.get(i) == Some(&b'<') && b.get(i + 1) == Some(&b'<') {
            let mut j = i + 2;
            let strip = b.get(j) == Some(&b'-');
            if strip {
                j += 1;
            }
            let quote = match b.get(j) {
                Some(q @ (b'"' | b'\'')) => {
                    j += 1;
                    Some(*q)
                }
                _ => None,
            };
            let s = j;
            if b.get(j)
                .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
            {
                while b
                    .get(j)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                {
                    j += 1;
                }
                let name = &args[s..j];
                let closed = match quote {
                    Some(q) => b.get(j) == Some(&q),
                    None => true,
                };
                if closed {
                    out.push((name.to_string(), strip));
                    i = j;
                    continue;
                }
            }
        }
        i += 1;
    }
    out
}

/// A variable's value during the build.
#[derive(Clone, Debug, PartialEq)]
pub enum Var {
    Set(String),
    /// Certainly unset (expands to nothing).
    Unset,
    /// May be set by something not known (the base image's config).
    Unknown,
}

/// Splits `s` into words as the Dockerfile shell lexer does (quotes,
/// escapes) and expands `$VAR`, `${VAR}`, `${VAR:-x}`, `${VAR:+x}`,
/// `${VAR-x}`, `${VAR+x}`. `None` when a value is not known or the syntax
/// is not supported.
pub fn words(s: &str, escape: char, lookup: &dyn Fn(&str) -> Var) -> Option<Vec<String>> {
    let chars: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            if in_word {
                out.push(std::mem::take(&mut cur));
                in_word = false;
            }
            i += 1;
            continue;
        }
        in_word = true;
        if c == '\'' {
            i += 1;
            while i < chars.len() && chars[i] != '\'' {
                cur.push(chars[i]);
                i += 1;
            }
            if i >= chars.len() {
                return None;
            }
            i += 1;
        } else if c == '"' {
            i += 1;
            loop {
                let c = *chars.get(i)?;
                if c == '"' {
                    i += 1;
                    break;
                }
                if c == escape {
                    let n = *chars.get(i + 1)?;
                    if n == '"' || n == '$' || n == escape {
                        cur.push(n);
                    } else {
                        cur.push(c);
                        cur.push(n);
                    }
                    i += 2;
                } else if c == '$' {
                    i = expand_at(&chars, i, escape, lookup, &mut cur)?;
                } else {
                    cur.push(c);
                    i += 1;
                }
            }
        } else if c == escape {
            if let Some(n) = chars.get(i + 1) {
                cur.push(*n);
            }
            i += 2;
        } else if c == '$' {
            i = expand_at(&chars, i, escape, lookup, &mut cur)?;
        } else {
            cur.push(c);
            i += 1;
        }
    }
    if in_word {
        out.push(cur);
    }
    Some(out)
}

/// Expands the `$...` at `chars[i]` into `out`; returns the index after it.
fn expand_at(
    chars: &[char],
    i: usize,
    escape: char,
    lookup: &dyn Fn(&str) -> Var,
    out: &mut String,
) -> Option<usize> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '_';
    match chars.get(i + 1) {
        Some('{') => {
            // Find the matching brace.
            let mut depth = 0;
            let mut j = i + 1;
            loop {
                match chars.get(j)? {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            let inner: String = chars[i + 2..j].iter().collect();
            let name_end = inner.find(|c: char| !is_name(c)).unwrap_or(inner.len());
            let name = &inner[..name_end];
            if name.is_empty() {
                return None;
            }
            let rest = &inner[name_end..];
            let value = lookup(name);
            let word = |w: &str| -> Option<String> {
                let ws = words(w, escape, lookup)?;
                Some(ws.join(" "))
            };
            let expanded = match rest {
                "" => match value {
                    Var::Set(v) => v,
                    Var::Unset => String::new(),
                    Var::Unknown => return None,
                },
                _ if rest.starts_with(":-") => match value {
                    Var::Set(v) if !v.is_empty() => v,
                    Var::Set(_) | Var::Unset => word(&rest[2..])?,
                    Var::Unknown => return None,
                },
                _ if rest.starts_with(":+") => match value {
                    Var::Set(v) if !v.is_empty() => word(&rest[2..])?,
                    Var::Set(_) | Var::Unset => String::new(),
                    Var::Unknown => return None,
                },
                _ if rest.starts_with('-') => match value {
                    Var::Set(v) => v,
                    Var::Unset => word(&rest[1..])?,
                    Var::Unknown => return None,
                },
                _ if rest.starts_with('+') => match value {
                    Var::Set(_) => word(&rest[1..])?,
                    Var::Unset => String::new(),
                    Var::Unknown => return None,
                },
                _ => return None,
            };
            out.push_str(&expanded);
            Some(j + 1)
        }
        Some(c) if c.is_ascii_alphabetic() || *c == '_' => {
            let mut j = i + 1;
            while chars.get(j).is_some_and(|c| is_name(*c)) {
                j += 1;
            }
            let name: String = chars[i + 1..j].iter().collect();
            match lookup(&name) {
                Var::Set(v) => out.push_str(&v),
                Var::Unset => {}
                Var::Unknown => return None,
            }
            Some(j)
        }
        _ => {
            out.push('$');
            Some(i + 1)
        }
    }
}

/// The file names `ADD` unpacks.
const ARCHIVES: [&str; 7] = [
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz", ".txz", ".tbz2",
];

/// What the build is given besides the Dockerfile.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct BuildOptions {
    /// The Dockerfile as shown in evidence (`app/Dockerfile`, `dockerfile_inline`).
    pub label: String,
    /// `build.args`; `None` value: taken from the environment at build time.
    pub args: Vec<(String, Option<String>)>,
    /// `build.target`.
    pub target: Option<String>,
    /// The build context, when it is local and inside the project root:
    /// used to tell whether a `COPY` source is a file or a directory.
    pub context: Option<PathBuf>,
    /// Take the context's modes as a git checkout makes them (0755 with
    /// the exec bit, else 0644; directories 0755), whatever the disk says:
    /// for sources recorded from git (the generated built-in facts).
    pub git_modes: bool,
    /// Root file system archives whose contents are a known base layout:
    /// `(archive name glob, layout name)`. `ADD <archive> /` of a matching
    /// name makes the image that layout (`FROM scratch` plus a distribution's
    /// root tarball, as the alpine and busybox images are built); for the
    /// generated facts, each pairing cited in its recipe.
    pub rootfs: Vec<(String, String)>,
    /// Directories of the context recorded in part (the generated facts'
    /// sources: the scripts the build runs, not every file upstream has):
    /// what they hold is copied, but a directory they make is not known
    /// to hold only that.
    pub partial_context: Vec<String>,
}

/// The predefined platform ARGs: set by the builder, value not known here.
const PLATFORM_ARGS: &[&str] = &[
    "TARGETPLATFORM",
    "TARGETOS",
    "TARGETARCH",
    "TARGETVARIANT",
    "BUILDPLATFORM",
    "BUILDOS",
    "BUILDARCH",
    "BUILDVARIANT",
];

struct Stage {
    name: Option<String>,
    from_index: usize,
    end: usize,
}

/// Works out the image a Dockerfile builds. `base` gives the facts known
/// for an image named in `FROM` (built-in facts), if any.
pub fn evaluate(
    df: &Dockerfile,
    opts: &BuildOptions,
    base: &dyn Fn(&str) -> Option<Image>,
) -> Result<Image, String> {
    let ins = &df.instructions;
    // Global ARGs, before the first FROM.
    let mut global: HashMap<String, Var> = HashMap::new();
    let build_arg = |name: &str| -> Option<Var> {
        opts.args
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| match v {
                Some(v) => Var::Set(v.clone()),
                None => Var::Unknown,
            })
    };
    let mut stages: Vec<Stage> = Vec::new();
    for (idx, i) in ins.iter().enumerate() {
        match i.keyword.as_str() {
            "ARG" if stages.is_empty() => {
                for (name, default) in parse_arg(&i.args, df.escape, &|n| {
                    global.get(n).cloned().unwrap_or(Var::Unset)
                }) {
                    let v = build_arg(&name).unwrap_or(match default {
                        Some(Some(d)) => Var::Set(d),
                        Some(None) => Var::Unknown,
                        None => Var::Unset,
                    });
                    global.insert(name, v);
                }
            }
            "FROM" => {
                if let Some(last) = stages.last_mut() {
                    last.end = idx;
                }
                let name = {
                    let ws: Vec<&str> = i.args.split_whitespace().collect();
                    match ws.len() {
                        n if n >= 3 && ws[n - 2].eq_ignore_ascii_case("as") => {
                            Some(ws[n - 1].to_ascii_lowercase())
                        }
                        _ => None,
                    }
                };
                stages.push(Stage {
                    name,
                    from_index: idx,
                    end: ins.len(),
                });
            }
            _ => {}
        }
    }
    if stages.is_empty() {
        return Err(format!("{}: no FROM instruction", opts.label));
    }
    let target = match &opts.target {
        None => stages.len() - 1,
        Some(t) => stages
            .iter()
            .position(|s| s.name.as_deref() == Some(t.to_ascii_lowercase().as_str()))
            .ok_or_else(|| format!("{}: no build stage named `{t}`", opts.label))?,
    };

    let mut done: Vec<(Option<String>, Image, bool)> = Vec::new();
    // Each stage's name and Alpine release branch (image::packages).
    let mut branches: Vec<(Option<String>, Option<String>)> = Vec::new();
    for stage in &stages[..=target] {
        let from = &ins[stage.from_index];
        let ev = evidence(opts, from);
        let global_lookup = |n: &str| -> Var {
            if let Some(v) = global.get(n) {
                return v.clone();
            }
            if PLATFORM_ARGS.contains(&n) {
                return Var::Unknown;
            }
            Var::Unset
        };
        let ws = words(&from.args, df.escape, &global_lookup);
        let image_name = ws.as_ref().and_then(|ws| {
            ws.iter()
                .find(|w| !w.starts_with("--"))
                .map(|w| w.to_string())
        });
        // The Alpine branch: from `alpine:<release>`, or the stage it names.
        let alpine_branch = image_name.as_deref().and_then(|n| {
            let lower = n.to_ascii_lowercase();
            match branches
                .iter()
                .rev()
                .find(|(name, _)| name.as_deref() == Some(lower.as_str()))
            {
                Some((_, b)) => b.clone(),
                None => super::packages::alpine_branch(n),
            }
        });
        branches.push((stage.name.clone(), alpine_branch.clone()));
        let (mut img, env_complete) = match image_name {
            None => {
                let mut img = Image::unknown();
                img.notes.push(format!(
                    "{}:{} the base image name depends on a value that is not known",
                    opts.label, from.line
                ));
                (img, false)
            }
            Some(n) if n.eq_ignore_ascii_case("scratch") => (Image::scratch(ev.clone()), true),
            Some(n) => {
                let lower = n.to_ascii_lowercase();
                if let Some((_, img, complete)) = done
                    .iter()
                    .rev()
                    .find(|(name, _, _)| name.as_deref() == Some(lower.as_str()))
                {
                    (img.clone(), *complete)
                } else if let Some(img) = base(&n) {
                    (img, false)
                } else {
                    let mut img = Image::unknown();
                    img.notes.push(format!(
                        "{}:{} base image `{n}` has no known facts",
                        opts.label, from.line
                    ));
                    (img, false)
                }
            }
        };
        // An Alpine or BusyBox root: its `adduser` is busybox's.
        let busybox_userland = alpine_branch.is_some()
            || img.users.iter().any(|u| {
                matches!(&u.evidence, Evidence::Builtin { file, .. }
                    if &**file == "rules/images/base/alpine.txt" || &**file == "rules/images/base/busybox.txt")
            });
        let mut st = StageState {
            img: std::mem::replace(&mut img, Image::unknown()),
            args: HashMap::new(),
            env_complete,
            escape: df.escape,
            opts,
            global: &global,
            context_files: Vec::new(),
            alpine_branch,
            busybox_userland,
        };
        if st.img.confidence == Confidence::Unknown {
            st.img.confidence = Confidence::Partial;
        }
        st.img.origin = Some(ev);
        for i in &ins[stage.from_index + 1..stage.end] {
            st.apply(i, &build_arg, &done);
        }
        done.push((stage.name.clone(), st.img, st.env_complete));
    }
    Ok(done.pop().expect("target stage").1)
}

fn evidence(opts: &BuildOptions, i: &Instruction) -> Evidence {
    let text = i.text();
    let first_line = text.lines().next().unwrap_or("").to_string();
    Evidence::Dockerfile {
        path: opts.label.clone(),
        line: i.line,
        instruction: first_line,
    }
}

/// `ARG A=1 B` -> [("A", Some(Some("1"))), ("B", None)]; a default that
/// cannot be expanded is `Some(None)`.
fn parse_arg(
    args: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Var,
) -> Vec<(String, Option<Option<String>>)> {
    let mut out = Vec::new();
    for raw in args.split_whitespace() {
        match raw.split_once('=') {
            Some((k, v)) => {
                let val = words(v, escape, lookup).map(|w| w.join(" "));
                out.push((k.to_string(), Some(val)));
            }
            None => out.push((raw.to_string(), None)),
        }
    }
    out
}

struct StageState<'a> {
    img: Image,
    /// Declared ARGs in this stage.
    args: HashMap<String, Var>,
    /// The config's ENV is completely known (scratch lineage).
    env_complete: bool,
    escape: char,
    opts: &'a BuildOptions,
    global: &'a HashMap<String, Var>,
    /// What the build copied in from its context: (image path, context path).
    context_files: Vec<(String, PathBuf)>,
    /// The Alpine release branch of the base (`FROM alpine:3.16`), for
    /// package installs whose closure is recorded (image::packages).
    alpine_branch: Option<String>,
    /// The base is an Alpine or BusyBox root (its users come from that
    /// layout, or it is `alpine:<release>`): `adduser` is busybox's even
    /// when given only long options.
    busybox_userland: bool,
}

/// Owner of new files: (uid, gid), either may be unknown.
type Owner = (Option<u32>, Option<u32>);

impl StageState<'_> {
    fn lookup(&self, name: &str) -> Var {
        if let Some(f) = self.img.env(name) {
            return Var::Set(f.value.clone());
        }
        if let Some(v) = self.args.get(name) {
            return v.clone();
        }
        if self.env_complete {
            Var::Unset
        } else {
            Var::Unknown
        }
    }

    fn words(&self, s: &str) -> Option<Vec<String>> {
        words(s, self.escape, &|n| self.lookup(n))
    }

    fn not_understood(&mut self, i: &Instruction, why: &str) {
        let note = format!("{}:{} {why}", self.opts.label, i.line);
        self.img.lower_confidence(note);
        self.img.fs.forget_absence();
        self.img.users_complete = None;
        self.img.users_known_from = None;
        // It may also have changed the mode of a file copied from the context
        // (`find . -exec chmod +x`).
        for p in self.img.context_files.keys() {
            if let Some(e) = self.img.fs.entries.get_mut(p) {
                e.mode = None;
            }
        }
        self.forget_context_files(i, false);
        // A step not understood may install what the base lacked (`apk add bash`).
        self.img.absent_binaries.clear();
    }

    /// Whether a simple condition command of a `RUN` succeeds, when what it
    /// reads is known here (decision 0024): `grep [-i] [-q] [-s] [-F]
    /// WORD FILE` on a file whose text the base layout records (true when
    /// the text holds the word; false when the file is known absent), and
    /// `[ -e|-f|-d PATH ]`, `[ [-n|-z] STRING ]` (also as `test`).
    /// Anything else: `None`.
    fn condition(&self, words: &[runeffects::Word]) -> Option<bool> {
        if !words.iter().all(|w| w.known || w.nonempty) {
            return None;
        }
        fn text(w: &runeffects::Word) -> Option<&str> {
            w.known.then_some(w.text.as_str())
        }
        let prog = text(&words[0])?;
        let args = &words[1..];
        let wd = self.workdir();
        match prog {
            "grep" => {
                let mut fold = false;
                let mut operands = Vec::new();
                for a in args {
                    let a = text(a)?;
                    match a.strip_prefix('-') {
                        Some(flags) if !flags.is_empty() && operands.is_empty() => {
                            for c in flags.chars() {
                                match c {
                                    'i' => fold = true,
                                    'q' | 's' | 'F' => {}
                                    _ => return None,
                                }
                            }
                        }
                        _ => operands.push(a),
                    }
                }
                let [pattern, file] = operands[..] else {
                    return None;
                };
                // A word without regular-expression syntax matches itself.
                if pattern.is_empty()
                    || !pattern
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '_' || c == '-')
                {
                    return None;
                }
                let path = join(&wd, file);
                match self.img.fs.query(&path) {
                    PathFact::Absent { .. } => Some(false),
                    PathFact::Exists(info) => {
                        let known = self.img.fs.contains(&info.path)?;
                        let found = if fold {
                            known.to_lowercase().contains(&pattern.to_lowercase())
                        } else {
                            known.contains(pattern)
                        };
                        // Only part of the text is known: a word not in it
                        // may be in the rest.
                        found.then_some(true)
                    }
                    PathFact::Unknown { .. } => None,
                }
            }
            "[" | "test" => {
                let args = if prog == "[" {
                    let (last, rest) = args.split_last()?;
                    (text(last)? == "]").then_some(rest)?
                } else {
                    args
                };
                let (negate, args) = match args.split_first() {
                    Some((first, rest)) if text(first) == Some("!") && !rest.is_empty() => {
                        (true, rest)
                    }
                    _ => (false, args),
                };
                let v = match args {
                    [s] => s.nonempty || s.known && !s.text.is_empty(),
                    [op, s] if text(op) == Some("-n") => s.nonempty,
                    [op, s] if text(op) == Some("-z") => !s.nonempty,
                    [op, p] if matches!(text(op), Some("-e" | "-f" | "-d")) => {
                        match self.img.fs.query(&join(&wd, text(p)?)) {
                            PathFact::Absent { .. } => false,
                            PathFact::Exists(info) => match text(op) {
                                Some("-e") => true,
                                Some("-f") => info.kind? == PathKind::File,
                                _ => info.kind? == PathKind::Dir,
                            },
                            PathFact::Unknown { .. } => return None,
                        }
                    }
                    _ => return None,
                };
                Some(v != negate)
            }
            _ => None,
        }
    }

    /// The output of `$(getent group G)` (one non-empty word) and of
    /// `$(getent group G | cut -d: -f1)` (the group's name) for a group
    /// listed here: its entry is not changed by the package installs that
    /// may add others.
    fn substitution(&self, inner: &str) -> Option<runeffects::Output> {
        let cmds = runeffects::commands(inner, self.escape, &|n| self.lookup(n));
        let argv = |c: &runeffects::Command| -> Option<Vec<String>> {
            c.words
                .iter()
                .map(|w| w.known.then(|| w.text.clone()))
                .collect()
        };
        let first = argv(cmds.first()?)?;
        let ["getent", "group", g] = first.iter().map(String::as_str).collect::<Vec<_>>()[..]
        else {
            return None;
        };
        let matching: Vec<&super::facts::GroupEntry> = match g.parse::<u32>() {
            Ok(gid) => self
                .img
                .groups
                .iter()
                .filter(|e| e.gid == Some(gid))
                .collect(),
            Err(_) => self.img.groups.iter().filter(|e| e.name == g).collect(),
        };
        let [group] = matching[..] else {
            return None;
        };
        match &cmds[1..] {
            [] => Some(runeffects::Output::NonEmptyWord),
            [cut] => {
                let a = argv(cut)?;
                let a: Vec<&str> = a.iter().map(String::as_str).collect();
                matches!(
                    a[..],
                    ["cut", "-d:", "-f1"]
                        | ["cut", "-d", ":", "-f", "1"]
                        | ["cut", "-d:", "-f", "1"]
                        | ["cut", "-d", ":", "-f1"]
                        | ["cut", "-f1", "-d:"]
                )
                .then(|| runeffects::Output::Text(group.name.clone()))
            }
            _ => None,
        }
    }

    /// The user `RUN` runs as.
    fn run_owner(&self) -> Owner {
        match &self.img.user {
            None => (None, None),
            Some(u) => match self.img.resolve_user(&u.value) {
                Ok(ru) => (Some(ru.uid), ru.gid),
                Err(_) => (None, None),
            },
        }
    }

    /// The home of the user `RUN` runs as, when known.
    fn run_home(&self) -> Option<String> {
        let u = self.img.user.as_ref()?;
        let name = u.value.split(':').next().unwrap_or("");
        if name.is_empty() || name == "root" || name == "0" {
            return Some("/root".into());
        }
        match name.parse::<u32>() {
            Ok(uid) => self.img.user_by_uid(uid)?.home.clone(),
            Err(_) => self.img.user_named(name)?.home.clone(),
        }
    }

    fn workdir(&self) -> String {
        self.img
            .workdir
            .as_ref()
            .map_or("/".to_string(), |w| w.value.clone())
    }

    fn apply(
        &mut self,
        i: &Instruction,
        build_arg: &dyn Fn(&str) -> Option<Var>,
        done: &[(Option<String>, Image, bool)],
    ) {
        let ev = evidence(self.opts, i);
        match i.keyword.as_str() {
            "ARG" => {
                let escape = self.escape;
                let parsed = parse_arg(&i.args, escape, &|n| self.lookup(n));
                for (name, default) in parsed {
                    let v = build_arg(&name).unwrap_or_else(|| match default {
                        Some(Some(d)) => Var::Set(d),
                        Some(None) => Var::Unknown,
                        None => match self.global.get(&name) {
                            Some(g) => g.clone(),
                            None if PLATFORM_ARGS.contains(&name.as_str()) => Var::Unknown,
                            None => Var::Unset,
                        },
                    });
                    self.args.insert(name, v);
                }
            }
            "ENV" => self.env(i, ev),
            "USER" => match self.words(&i.args) {
                Some(ws) if ws.len() == 1 => self.img.user = Some(Fact::new(ws[0].clone(), ev)),
                _ => {
                    self.img.user = None;
                    self.img
                        .lower_confidence(format!("{}:{} USER not known", self.opts.label, i.line));
                }
            },
            "WORKDIR" => match self.words(&i.args) {
                Some(ws) if ws.len() == 1 => {
                    let path = join(&self.workdir(), &ws[0]);
                    let owner = match self.run_owner() {
                        (Some(0), _) => (Some(0), Some(0)),
                        // BuildKit creates it as USER, the classic builder as root.
                        _ => (None, None),
                    };
                    self.mkdirs(&path, owner, Some(0o755), &ev);
                    self.img.workdir = Some(Fact::new(path, ev));
                }
                _ => {
                    self.img.workdir = None;
                    self.not_understood(i, "WORKDIR not known");
                }
            },
            "VOLUME" => {
                let list = json_array(&i.args).or_else(|| self.words(&i.args));
                match list {
                    Some(vs) => {
                        for v in vs {
                            let p = normalize(&v);
                            self.img.volumes.retain(|f| f.value != p);
                            self.img.volumes.push(Fact::new(p, ev.clone()));
                        }
                    }
                    None => self.img.lower_confidence(format!(
                        "{}:{} VOLUME not known",
                        self.opts.label, i.line
                    )),
                }
            }
            "ENTRYPOINT" => {
                let c = command(&i.args);
                self.img.execs_args = self.execs_args(&c, &ev);
                self.img.entrypoint = Some(Fact::new(Some(c), ev.clone()));
                // Setting ENTRYPOINT clears a CMD inherited from the base.
                self.img.cmd = Some(Fact::new(None, ev));
            }
            "CMD" => self.img.cmd = Some(Fact::new(Some(command(&i.args)), ev)),
            "STOPSIGNAL" => match self.words(&i.args) {
                Some(ws) if ws.len() == 1 => {
                    self.img.stop_signal = Some(Fact::new(ws[0].clone(), ev))
                }
                _ => self.img.stop_signal = None,
            },
            "HEALTHCHECK" => {
                let rest: Vec<&str> = i
                    .args
                    .split_whitespace()
                    .skip_while(|w| w.starts_with("--"))
                    .collect();
                let on = !rest.first().is_some_and(|w| w.eq_ignore_ascii_case("NONE"));
                self.img.healthcheck = Some(Fact::new(on, ev));
            }
            "RUN" => self.run(i, ev),
            "COPY" | "ADD" => self.copy(i, ev, done),
            "SHELL" | "EXPOSE" | "LABEL" | "MAINTAINER" | "ONBUILD" => {}
            other => {
                let other = other.to_string();
                self.img.lower_confidence(format!(
                    "{}:{} unknown instruction {other}",
                    self.opts.label, i.line
                ));
            }
        }
    }

    fn env(&mut self, i: &Instruction, ev: Evidence) {
        let Some(ws) = self.words(&i.args) else {
            // `ENV A=1 B=$UNKNOWN`: each assignment on its own (all of them
            // see the values from before the instruction, as Docker does).
            let pieces = raw_words(&i.args, self.escape);
            let one_by_one = pieces.len() > 1
                && pieces.iter().all(|p| {
                    p.split_once('=').is_some_and(|(k, _)| {
                        !k.is_empty() && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                });
            let values: Vec<(String, Option<String>)> = pieces
                .iter()
                .map(|raw| {
                    let name = raw.split('=').next().unwrap_or(raw).to_string();
                    let v = match self.words(raw).filter(|_| one_by_one).as_deref() {
                        Some([w]) if w.starts_with(&format!("{name}=")) => {
                            Some(w[name.len() + 1..].to_string())
                        }
                        _ => None,
                    };
                    (name, v)
                })
                .collect();
            for (name, v) in values {
                match v {
                    Some(v) => self.img.set_env(&name, Fact::new(v, ev.clone())),
                    None => self.img.env.retain(|(k, _)| *k != name),
                }
            }
            self.env_complete = false;
            self.img.lower_confidence(format!(
                "{}:{} ENV value not known",
                self.opts.label, i.line
            ));
            return;
        };
        if ws.first().is_some_and(|w| w.contains('=')) {
            for w in ws {
                if let Some((k, v)) = w.split_once('=') {
                    self.img.set_env(k, Fact::new(v.to_string(), ev.clone()));
                }
            }
        } else if let Some((k, rest)) = ws.split_first() {
            // Legacy `ENV KEY value with spaces`.
            self.img.set_env(k, Fact::new(rest.join(" "), ev));
        }
    }

    /// Creates `path` and its missing parents (like `mkdir -p`). Parents
    /// whose existence was unknown now exist with an unknown owner.
    fn mkdirs(&mut self, path: &str, owner: Owner, mode: Option<u32>, ev: &Evidence) {
        let path = normalize(path);
        let mut prefix = String::new();
        for c in path.split('/').filter(|c| !c.is_empty()) {
            prefix.push('/');
            prefix.push_str(c);
            match self.img.fs.query(&prefix) {
                PathFact::Exists(_) => {}
                PathFact::Absent { .. } => {
                    let mut e = Entry::new(Some(PathKind::Dir), ev.clone());
                    e.uid = owner.0;
                    e.gid = owner.1;
                    e.mode = mode;
                    e.content = Some(Content::Empty);
                    e.children_complete = true;
                    self.img.fs.insert(&prefix, e, &|_| unreachable_parent(ev));
                }
                PathFact::Unknown { .. } => {
                    let e = Entry::new(Some(PathKind::Dir), ev.clone());
                    self.img.fs.insert(&prefix, e, &|_| unreachable_parent(ev));
                }
            }
        }
    }

    /// A `RUN` may rewrite or chmod a file copied from the context that it
    /// names, or any it reaches by pattern (`dos2unix`, `sed -i`, `find`,
    /// `chmod -R`): what the context holds is then no longer what the
    /// image holds, so those files are forgotten.
    fn forget_context_files(&mut self, i: &Instruction, understood: bool) {
        let text = i.args.as_str();
        let rewrites = [
            "dos2unix", "sed ", "find ", "perl ", "tr ", "mv ", "cp ", "curl", "wget", "git ",
            "rsync", "tee ", ">",
        ]
        .iter()
        .any(|w| text.contains(w));
        let chmod = text.contains("chmod") || text.contains("install ");
        let fs = &self.img.fs;
        self.img.context_files.retain(|path, host| {
            if rewrites {
                return false;
            }
            // A directory's files have no entries of their own: a `chmod`
            // (`-R`, by glob) may change their modes unseen.
            if chmod && host.is_dir() {
                return false;
            }
            // A single file named by a step that is understood and does not
            // rewrite it (`chmod +x /entrypoint.sh`) keeps its text; its
            // mode is in its entry, which that step updates.
            let base = path.rsplit('/').next().unwrap_or(path);
            let named = (!base.is_empty() && text.contains(base)) || text.contains(path.as_str());
            !named || (understood && fs.get(path).is_some())
        });
    }

    fn run(&mut self, i: &Instruction, ev: Evidence) {
        // Drop `--mount=...`, `--network=...`, `--security=...` flags.
        let mut script = i.args.trim_start();
        while script.starts_with("--") {
            script = match script.find(char::is_whitespace) {
                Some(p) => script[p..].trim_start(),
                None => "",
            };
        }
        let wd = self.workdir();
        let commands: Vec<runeffects::Command> = if let Some(argv) = json_array(script) {
            vec![runeffects::Command {
                words: argv
                    .into_iter()
                    .map(|text| runeffects::Word {
                        nonempty: !text.is_empty(),
                        text,
                        known: true,
                        sure: true,
                    })
                    .collect(),
                redirects: Vec::new(),
                appends: Vec::new(),
                certain: true,
                cwd: None,
                cd_unknown: false,
            }]
        } else if script.starts_with('[') {
            return self.not_understood(i, "RUN of a shape compose-lint does not read");
        } else if !i.heredocs.is_empty() {
            if !script.starts_with("<<") {
                // `RUN python3 <<EOF`: a program reads the heredoc.
                let first = script.split_whitespace().next().unwrap_or("");
                if !matches!(first, "cat" | "tee" | "sh" | "bash") {
                    return self.not_understood(i, "RUN with a heredoc is not read");
                }
            }
            let mut out = Vec::new();
            let body_is_script = script.starts_with("<<")
                || matches!(script.split_whitespace().next(), Some("sh" | "bash"));
            out.extend(runeffects::commands(script, self.escape, &|n| {
                self.lookup(n)
            }));
            if body_is_script {
                for h in &i.heredocs {
                    out.extend(runeffects::commands(&h.body, '\\', &|n| self.lookup(n)));
                }
            }
            out
        } else {
            let test = |w: &[runeffects::Word]| self.condition(w);
            let subst = |inner: &str| self.substitution(inner);
            let oracle = runeffects::Oracle {
                test: &test,
                subst: &subst,
            };
            runeffects::commands_with(script, self.escape, &|n| self.lookup(n), &oracle)
        };
        let mut areas: Vec<String> = Vec::new();
        for c in commands {
            let cwd = if c.cd_unknown {
                None
            } else {
                Some(match &c.cwd {
                    None => wd.clone(),
                    Some(d) => join(&wd, d.trim_start_matches("./")),
                })
            };
            // `echo 'app:x:1000:0::/app:/sbin/nologin' >> /etc/passwd`.
            if c.certain && c.cwd.is_none() && !c.cd_unknown && self.append_account(&c, &ev) {
                continue;
            }
            // Only `rm` is applied after a `cd` (for now): what it removes
            // must not stay listed (`cd / && rm -r /usr/src/ruby`).
            let is_rm = c.words.first().is_some_and(|w| w.text == "rm");
            if c.certain
                && (c.cwd.is_none() || is_rm)
                && !c.cd_unknown
                && c.redirects.is_empty()
                && c.words.iter().all(|w| w.known)
            {
                let argv: Vec<String> = c.words.iter().map(|w| w.text.clone()).collect();
                // After a `cd`, it runs in that directory.
                let saved = self.img.workdir.clone();
                if let (Some(_), Some(d)) = (&c.cwd, &cwd) {
                    self.img.workdir = Some(Fact::new(d.clone(), ev.clone()));
                }
                let done = self.run_one(&argv, &ev);
                self.img.workdir = saved;
                if done {
                    continue;
                }
            }
            let contexts = self.context_files.clone();
            let read_script = move |p: &str| read_copied(&contexts, p);
            let lookup = |n: &str| self.lookup(n);
            let home = self.run_home();
            let Some(w) = runeffects::writes(
                &c,
                cwd.as_deref(),
                home.as_deref(),
                &read_script,
                self.escape,
                &lookup,
                0,
            ) else {
                let what = c.words.first().map(|w| w.text.clone()).unwrap_or_default();
                self.not_understood(
                    i,
                    &format!(
                        "RUN `{what}` is not understood and what it writes cannot be bounded; absence is no longer known anywhere"
                    ),
                );
                // What it wrote is now unknown, but the commands after it
                // are still read (`find / -exec rm {} + && useradd app`),
                // unless it may change the shell that runs them: code read
                // into it (`.`, `eval`), `exec`, or a command not known.
                let first = c.words.first();
                let prog = first.map(|w| w.text.rsplit('/').next().unwrap_or(&w.text));
                if !first.is_some_and(|w| w.known)
                    || matches!(prog, Some("." | "source" | "eval" | "exec"))
                {
                    return;
                }
                continue;
            };
            // `apk add` of packages whose closure is recorded writes only
            // the directories the record names.
            let known_argv = c
                .words
                .iter()
                .all(|w| w.known)
                .then(|| c.words.iter().map(|w| w.text.clone()).collect::<Vec<_>>());
            let recorded = self.alpine_branch.as_deref().and_then(|branch| {
                let argv = known_argv.as_ref()?;
                let names = super::packages::apk_add_names(argv)?;
                let (writes, used) = super::packages::apk_add(branch, &names)?;
                let ev = Evidence::Builtin {
                    file: super::packages::file().into(),
                    repository: "alpine".into(),
                    tag_pattern: format!(
                        "{}:{} `apk add {}` on alpine {branch}: the recorded closure writes only {}",
                        self.opts.label,
                        i.line,
                        names.join(" "),
                        writes.join(", ")
                    )
                    .into(),
                    source_url: used[0].sources[0].as_str().into(),
                };
                Some((writes, Some(ev)))
            });
            // `apk update` fetches the repository indexes and installs nothing.
            let recorded = recorded.or_else(|| {
                let argv = known_argv.as_ref()?;
                super::packages::is_apk_update(argv).then(|| {
                    let writes = super::packages::APK_UPDATE_WRITES
                        .iter()
                        .map(|p| p.to_string())
                        .collect::<Vec<_>>();
                    // What was absent stays so on its own evidence.
                    (writes, None)
                })
            });
            let mut w = w;
            if let Some((writes, rec_ev)) = &recorded {
                w.paths = writes.iter().map(|p| (p.clone(), false)).collect();
                // What the base is known to lack outside those directories
                // stays absent, now also by the record.
                for b in self.img.absent_binaries.iter_mut() {
                    let under = writes
                        .iter()
                        .any(|p| b.value == *p || b.value.starts_with(&format!("{p}/")));
                    if let (false, Some(ev)) = (under, rec_ev) {
                        b.evidence = ev.clone();
                    }
                }
            }
            if w.users {
                self.img.users_complete = None;
                self.img.users_known_from = None;
            } else if w.system_users {
                // Packages add system accounts only (ids below 1000;
                // decision 0020): what was known at and above stays so.
                if self.img.users_complete.is_some() && self.img.users_known_from.is_none() {
                    self.img.users_known_from = Some(Fact::new(SYSTEM_ID_LIMIT, ev.clone()));
                }
                self.img.users_complete = None;
            }
            for dir in w.installs {
                self.img.installs.push(Fact::new(dir, ev.clone()));
            }
            for (p, owners) in &w.modes_under {
                self.img.fs.forget_modes_under(p, *owners);
                if !areas.contains(p) {
                    areas.push(p.clone());
                }
            }
            // A distribution's package install replaces no file another
            // package owns: the text the base layout records for its
            // release files (/etc/issue) stays (decision 0024).
            let kept: Vec<(String, String)> = if w.distro_packages && !w.users {
                self.img
                    .fs
                    .entries
                    .iter()
                    .filter_map(|(k, e)| Some((k.clone(), e.contains.clone()?)))
                    .collect()
            } else {
                Vec::new()
            };
            for (p, names_it) in w.paths {
                self.img.fs.forget_under(&p, names_it, &ev);
                let under = |b: &str| b == p || b.starts_with(&format!("{p}/")) || p == "/";
                self.img.absent_binaries.retain(|b| !under(&b.value));
                if !areas.contains(&p) {
                    areas.push(p);
                }
            }
            for (k, text) in kept {
                if let Some(e) = self.img.fs.entries.get_mut(&k) {
                    e.contains = Some(text);
                }
            }
        }
        if !areas.is_empty() {
            areas.sort();
            let shown: Vec<&str> = areas.iter().take(6).map(String::as_str).collect();
            let more = if areas.len() > 6 {
                format!(" and {} more", areas.len() - 6)
            } else {
                String::new()
            };
            self.img.lower_confidence(format!(
                "{}:{} RUN is not read exactly; what it may have written is unknown: {}{more}",
                self.opts.label,
                i.line,
                shown.join(", ")
            ));
        }
        self.forget_context_files(i, true);
    }

    /// Applies one simple command; false when it is not understood.
    fn run_one(&mut self, argv: &[String], ev: &Evidence) -> bool {
        let Some((cmd, args)) = argv.split_first() else {
            return true;
        };
        let cmd = cmd.rsplit('/').next().unwrap_or(cmd);
        let wd = self.workdir();
        match cmd {
            "true" | ":" | "set" | "echo" | "exit" if !args.iter().any(|a| a == "1") => true,
            "mkdir" => {
                let mut parents = false;
                let mut mode = Some(0o755);
                let mut paths = Vec::new();
                let mut it = args.iter();
                while let Some(a) = it.next() {
                    match a.as_str() {
                        "-p" | "--parents" => parents = true,
                        "-m" | "--mode" => mode = it.next().and_then(|m| parse_mode(m)),
                        "-v" | "--verbose" => {}
                        f if f.starts_with("--mode=") => mode = parse_mode(&f[7..]),
                        f if f.starts_with('-') => {
                            if f[1..].chars().all(|c| c == 'p' || c == 'v') {
                                parents = true;
                            } else {
                                return false;
                            }
                        }
                        p => paths.push(join(&wd, p)),
                    }
                }
                let owner = self.run_owner();
                for p in paths {
                    if has_glob(&p) {
                        return false;
                    }
                    self.mkdirs(&p, owner, mode, ev);
                    if !parents {
                        // Without -p, mkdir fails unless it creates the
                        // directory: it is new, empty and fully known.
                        if let Some(e) = self.img.fs.entries.get_mut(&p) {
                            e.uid = owner.0;
                            e.gid = owner.1;
                            e.mode = mode;
                            e.content = Some(Content::Empty);
                            e.children_complete = true;
                        }
                    }
                }
                true
            }
            "chown" => {
                let (recursive, rest) =
                    permuted_flags(args, &["-R", "--recursive"], &["-h", "-v", "-f"]);
                let Some(rest) = rest else { return false };
                let Some((spec, paths)) = rest.split_first() else {
                    return false;
                };
                let owner = self.owner_of(spec);
                // `chown USER path` leaves each file's group as it was.
                let keeps_group = !spec.contains(':') && !spec.contains('.');
                for p in paths {
                    let p = join(&wd, p);
                    if has_glob(&p) {
                        return false;
                    }
                    self.touch_existing(&p, ev);
                    let targets: Vec<String> = if recursive {
                        self.subtree(&p)
                    } else {
                        vec![p.clone()]
                    };
                    for t in targets {
                        if let Some(e) = self.img.fs.entries.get_mut(&t) {
                            e.uid = owner.0;
                            if !keeps_group {
                                e.gid = owner.1;
                            }
                            e.evidence = ev.clone();
                        }
                    }
                }
                true
            }
            "chmod" => {
                let (recursive, rest) = permuted_flags(args, &["-R", "--recursive"], &["-v", "-f"]);
                let Some(rest) = rest else { return false };
                let Some((spec, paths)) = rest.split_first() else {
                    return false;
                };
                let mode = parse_mode(spec);
                for p in paths {
                    let p = join(&wd, p);
                    if has_glob(&p) {
                        return false;
                    }
                    self.touch_existing(&p, ev);
                    let targets = if recursive {
                        self.subtree(&p)
                    } else {
                        vec![p.clone()]
                    };
                    for t in targets {
                        if let Some(e) = self.img.fs.entries.get_mut(&t) {
                            // Directories keep their mode under a numeric chmod -R too.
                            e.mode = mode;
                            e.evidence = ev.clone();
                        }
                    }
                }
                true
            }
            "ln" => {
                let (_, rest) = flags(
                    args,
                    &["-s", "-sf", "-fs", "-snf", "-sfn"],
                    &["-f", "-n", "-v"],
                );
                let Some(rest) = rest else { return false };
                if !args.iter().any(|a| a.starts_with('-') && a.contains('s')) || rest.len() != 2 {
                    return false;
                }
                let link = join(&wd, &rest[1]);
                if let Some(PathKind::Dir) = self.img.fs.query(&link).exists().and_then(|i| i.kind)
                {
                    return false;
                }
                let mut e = Entry::new(Some(PathKind::Symlink), ev.clone());
                e.link = Some(rest[0].clone());
                let owner = self.run_owner();
                e.uid = owner.0;
                e.gid = owner.1;
                self.img.fs.remove_tree(&link);
                self.img
                    .fs
                    .insert(&link, e, &|_| Entry::new(Some(PathKind::Dir), ev.clone()));
                true
            }
            "rm" => {
                let (_, rest) = flags(args, &[], &["-r", "-f", "-rf", "-fr", "-R", "-Rf", "-v"]);
                let Some(rest) = rest else { return false };
                for p in rest {
                    let p = join(&wd, p);
                    match p.find(['*', '?', '[']) {
                        Some(g) => {
                            // Whatever matched is gone; the directory's
                            // listing is no longer known.
                            let dir = match p[..g].rfind('/') {
                                Some(0) => "/".to_string(),
                                Some(s) => p[..s].to_string(),
                                None => return false,
                            };
                            let below: Vec<String> = self
                                .subtree(&dir)
                                .into_iter()
                                .filter(|k| *k != dir)
                                .collect();
                            for k in below {
                                self.img.fs.entries.remove(&k);
                            }
                            if let Some(e) = self.img.fs.entries.get_mut(&dir) {
                                e.content = None;
                            }
                        }
                        None => {
                            self.img.fs.remove_tree(&p);
                            if let Some(pe) = self.img.fs.entries.get_mut(parent(&p)) {
                                pe.content = None;
                            }
                        }
                    }
                }
                true
            }
            "touch" => {
                let owner = self.run_owner();
                for a in args {
                    if a.starts_with('-') {
                        return false;
                    }
                    let p = join(&wd, a);
                    if has_glob(&p) {
                        return false;
                    }
                    match self.img.fs.query(&p) {
                        PathFact::Exists(_) => {}
                        fact => {
                            let mut e = Entry::new(Some(PathKind::File), ev.clone());
                            if fact.is_absent() {
                                e.uid = owner.0;
                                e.gid = owner.1;
                                e.mode = Some(0o644);
                            }
                            self.img
                                .fs
                                .insert(&p, e, &|_| Entry::new(Some(PathKind::Dir), ev.clone()));
                        }
                    }
                }
                true
            }
            "install" => self.install_dirs(args, ev),
            "groupadd" | "addgroup" | "useradd" | "adduser" => {
                let ok = if matches!(cmd, "groupadd" | "addgroup") {
                    self.groupadd(cmd, args, ev)
                } else {
                    self.useradd(cmd, args, ev)
                };
                // The user database files are rewritten (and backed up as
                // `passwd-`...), with modes the tools decide.
                if ok {
                    for f in ["passwd", "group", "shadow", "gshadow"] {
                        for name in [format!("/etc/{f}"), format!("/etc/{f}-")] {
                            if self.img.fs.get(&name).is_some() {
                                if let Some(e) = self.img.fs.entries.get_mut(&name) {
                                    e.uid = None;
                                    e.gid = None;
                                    e.mode = None;
                                    e.evidence = ev.clone();
                                }
                            } else if self.img.fs.query(&name).is_absent() {
                                self.img.fs.forget_under(&name, true, ev);
                            }
                        }
                    }
                }
                ok
            }
            _ => false,
        }
    }

    /// `echo '<entry>' >> /etc/passwd` (or `/etc/group`): one account line
    /// appended, read as the entry it is (`name:x:uid:gid:gecos:home:shell`,
    /// `name:x:gid:members`). Not read (false: the write then makes the
    /// accounts unknown) when the line is not such an entry, when `echo`
    /// may rewrite it (an option, a backslash), or when a known entry
    /// already has its name (or, for a user, its uid): the first entry wins
    /// (moby/sys user.GetExecUser). An entry the base holds but the facts do
    /// not know could still come first; that is accepted (decision 0021).
    fn append_account(&mut self, c: &runeffects::Command, ev: &Evidence) -> bool {
        let ([target], [true]) = (c.redirects.as_slice(), c.appends.as_slice()) else {
            return false;
        };
        let [prog, line] = c.words.as_slice() else {
            return false;
        };
        if !(target.known && prog.known && line.known && prog.text == "echo")
            || line.text.starts_with('-')
            || line.text.contains('\\')
            || self.img.fs.query(&target.text).is_absent()
        {
            return false;
        }
        let f: Vec<&str> = line.text.split(':').collect();
        let name_ok = |n: &str| !n.is_empty() && !n.contains(char::is_whitespace);
        match (target.text.as_str(), f.as_slice()) {
            ("/etc/passwd", [name, _, uid, gid, _, home, _]) if name_ok(name) => {
                let (Ok(uid), Ok(gid)) = (uid.parse::<u32>(), gid.parse::<u32>()) else {
                    return false;
                };
                let taken = self
                    .img
                    .users
                    .iter()
                    .any(|u| u.name == *name || u.uid == Some(uid) || u.uid.is_none());
                if taken {
                    return false;
                }
                self.img.users.push(UserEntry {
                    name: name.to_string(),
                    uid: Some(uid),
                    gid: Some(gid),
                    home: Some(home.to_string()).filter(|h| !h.is_empty()),
                    evidence: ev.clone(),
                });
            }
            ("/etc/group", [name, _, gid, _]) if name_ok(name) => {
                let Ok(gid) = gid.parse::<u32>() else {
                    return false;
                };
                // Groups are looked up by name (a numeric group is its gid):
                // another group with the same gid does not hide this one.
                let taken = self.img.groups.iter().any(|g| g.name == *name);
                if taken {
                    return false;
                }
                self.img.groups.push(GroupEntry {
                    name: name.to_string(),
                    gid: Some(gid),
                    evidence: ev.clone(),
                });
            }
            _ => return false,
        }
        true
    }

    /// The uid `useradd`, Debian's `adduser` and busybox's `adduser` give a
    /// regular account without `-u`: shadow takes the highest used uid in
    /// UID_MIN..UID_MAX (1000..60000) plus one, the others the first free one
    /// from 1000; both are `1000 + n` when the n uids used there are exactly
    /// 1000..1000+n. Only when every entry at and above 1000 is known.
    fn next_regular_uid(&self) -> Option<u32> {
        const UID_MAX: u32 = 60000;
        let known = self.img.users_complete.is_some()
            || self
                .img
                .users_known_from
                .as_ref()
                .is_some_and(|f| f.value <= SYSTEM_ID_LIMIT);
        if !known {
            return None;
        }
        let mut used = Vec::new();
        for u in &self.img.users {
            match u.uid {
                None => return None,
                Some(x) if (SYSTEM_ID_LIMIT..=UID_MAX).contains(&x) => used.push(x),
                Some(_) => {}
            }
        }
        used.sort_unstable();
        used.dedup();
        let contiguous = used
            .iter()
            .zip(SYSTEM_ID_LIMIT..)
            .all(|(&x, want)| x == want);
        contiguous.then(|| SYSTEM_ID_LIMIT + used.len() as u32)
    }

    /// `install -d [-o OWNER] [-g GROUP] [-m MODE] DIR...`: like `mkdir -p`,
    /// then the owner and mode on each DIR. Other `install` forms are not
    /// read here.
    fn install_dirs(&mut self, args: &[String], ev: &Evidence) -> bool {
        let (mut dirs, mut owner, mut group, mut mode) = (false, None, None, Some(0o755));
        let mut paths = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (a.as_str(), None),
            };
            let mut value = || inline.clone().or_else(|| it.next().cloned());
            match flag {
                "-d" | "--directory" => dirs = true,
                "-v" | "--verbose" => {}
                "-o" | "--owner" => owner = value(),
                "-g" | "--group" => group = value(),
                "-m" | "--mode" => match value().and_then(|m| parse_mode(&m)) {
                    Some(m) => mode = Some(m),
                    None => return false,
                },
                f if f.starts_with('-') => return false,
                p => paths.push(join(&self.workdir(), p)),
            }
        }
        if !dirs || paths.is_empty() {
            return false;
        }
        let spec = match (&owner, &group) {
            (Some(o), Some(g)) => format!("{o}:{g}"),
            (Some(o), None) => o.clone(),
            (None, Some(g)) => format!(":{g}"),
            (None, None) => "root".into(),
        };
        let (uid, gid) = self.owner_of(&spec);
        let uid = if owner.is_none() { Some(0) } else { uid };
        // Without -g, the group is the builder's (root).
        let gid = if group.is_none() { Some(0) } else { gid };
        for p in paths {
            if has_glob(&p) {
                return false;
            }
            self.mkdirs(&p, (Some(0), Some(0)), Some(0o755), ev);
            if let Some(e) = self.img.fs.entries.get_mut(&p) {
                e.uid = uid;
                e.gid = gid;
                e.mode = mode;
                e.evidence = ev.clone();
            }
        }
        true
    }

    /// Known entries at or under `p`.
    fn subtree(&self, p: &str) -> Vec<String> {
        let prefix = if p == "/" {
            "/".to_string()
        } else {
            format!("{p}/")
        };
        self.img
            .fs
            .entries
            .keys()
            .filter(|k| *k == p || k.starts_with(&prefix))
            .cloned()
            .collect()
    }

    /// Contents not read were copied into `dir`: listings below it are no
    /// longer complete, and what the base lacked there may exist now. (The
    /// accounts are kept, as for the recorded builds whose unread `COPY
    /// prebuildfs /` adds none; an archive unpacked into `/` forgets them.)
    fn forget_absent_below(&mut self, dir: &str) {
        self.img.fs.contents_landed_in(dir);
        let under = |b: &str| dir == "/" || b == dir || b.starts_with(&format!("{dir}/"));
        self.img.absent_binaries.retain(|b| !under(&b.value));
    }

    /// A command succeeded on `p`, so it exists; record it if unknown.
    fn touch_existing(&mut self, p: &str, ev: &Evidence) {
        if self.img.fs.get(p).is_none() {
            self.img.fs.insert(p, Entry::new(None, ev.clone()), &|_| {
                Entry::new(Some(PathKind::Dir), ev.clone())
            });
        }
    }

    /// `user[:group]`, `uid:gid`, `user:` (login group), `:group`.
    fn owner_of(&self, spec: &str) -> Owner {
        let (u, g) = match spec.split_once(':').or_else(|| spec.split_once('.')) {
            Some((u, g)) => (u, Some(g)),
            None => (spec, None),
        };
        let user = if u.is_empty() {
            None
        } else if let Ok(n) = u.parse::<u32>() {
            Some((Some(n), self.img.user_by_uid(n).and_then(|e| e.gid)))
        } else {
            Some(match self.img.user_named(u) {
                Some(e) => (e.uid, e.gid),
                None if u == "root" => (Some(0), Some(0)),
                None => (None, None),
            })
        };
        let gid = match g {
            None => None,
            Some("") => user.and_then(|u| u.1),
            Some(g) => match g.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => match self.img.group_named(g) {
                    Some(ge) => ge.gid,
                    None if g == "root" => Some(0),
                    None => None,
                },
            },
        };
        match (user, g) {
            // chown user: keeps the group unless `user:`.
            (Some((uid, _)), None) => (uid, None),
            (Some((uid, _)), Some(_)) => (uid, gid),
            (None, _) => (None, gid),
        }
    }

    fn groupadd(&mut self, cmd: &str, args: &[String], ev: &Evidence) -> bool {
        let mut gid = None;
        let mut names = Vec::new();
        let mut it = args.iter();
        while let Some(a) = it.next() {
            match a.as_str() {
                "-g" | "--gid" => gid = it.next().and_then(|g| g.parse::<u32>().ok()),
                f if f.starts_with("--gid=") => gid = f[6..].parse().ok(),
                "-r" | "--system" | "-S" | "-f" | "--force" | "-o" | "--non-unique" => {}
                f if f.starts_with('-') => return false,
                n => names.push(n.to_string()),
            }
        }
        match names.as_slice() {
            [name] => {
                self.img.groups.push(GroupEntry {
                    name: name.clone(),
                    gid,
                    evidence: ev.clone(),
                });
                true
            }
            // `addgroup USER GROUP`: adds a user to a group.
            [_, _] if cmd == "addgroup" => true,
            _ => false,
        }
    }

    fn useradd(&mut self, cmd: &str, args: &[String], ev: &Evidence) -> bool {
        // Debian's adduser takes only long options; busybox's takes short
        // ones and, with FEATURE_ADDUSER_LONG_OPTIONS (Alpine), their long
        // names too (loginutils/adduser.c, adduser_longopts). `-D`, `-S`,
        // `-H`, `-G` and `-h DIR` are busybox's: Debian's adduser reads
        // them as ambiguous abbreviations or `--help` and adds no user.
        let busybox_short = |a: &String| matches!(a.as_str(), "-D" | "-S" | "-H" | "-G" | "-h");
        let debian_adduser = cmd == "adduser"
            && !self.busybox_userland
            && args.iter().any(|a| a.starts_with("--"))
            && !args.iter().any(busybox_short);
        let busybox = cmd == "adduser" && !debian_adduser;
        let mut uid = None;
        let mut group: Option<String> = None;
        let mut home: Option<String> = None;
        let mut create_home = if busybox || debian_adduser {
            Some(true)
        } else {
            None
        };
        let mut system = false;
        let mut names = Vec::new();
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_str();
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
                _ => (a, None),
            };
            // busybox's long options are names of its short ones.
            let flag = match (busybox, flag) {
                (true, "--home") => "-h",
                (true, "--gecos") => "-g",
                (true, "--shell") => "-s",
                (true, "--ingroup") => "-G",
                (true, "--disabled-password" | "--empty-password") => "-D",
                (true, "--system") => "-S",
                (true, "--no-create-home") => "-H",
                (true, "--uid") => "-u",
                _ => flag,
            };
            let takes_value = |f: &str| -> bool {
                if busybox {
                    matches!(f, "-h" | "-g" | "-s" | "-G" | "-u" | "-k")
                } else {
                    matches!(
                        f,
                        "-u" | "--uid"
                            | "-g"
                            | "--gid"
                            | "-G"
                            | "--groups"
                            | "-d"
                            | "--home-dir"
                            | "--home"
                            | "-s"
                            | "--shell"
                            | "-c"
                            | "--comment"
                            | "--gecos"
                            | "-e"
                            | "-f"
                            | "-k"
                            | "-K"
                            | "-p"
                            | "-b"
                            | "--ingroup"
                            | "--firstuid"
                            | "--lastuid"
                    )
                }
            };
            if flag.starts_with('-') {
                let value = if takes_value(flag) {
                    match inline {
                        Some(v) => Some(v),
                        None => {
                            i += 1;
                            match args.get(i) {
                                Some(v) => Some(v.clone()),
                                None => return false,
                            }
                        }
                    }
                } else {
                    None
                };
                match (flag, busybox) {
                    ("-u" | "--uid", _) => uid = value.and_then(|v| v.parse::<u32>().ok()),
                    ("-g" | "--gid" | "--ingroup", false) | ("-G", true) => group = value,
                    ("-d" | "--home-dir" | "--home", false) | ("-h", true) => home = value,
                    ("-m" | "--create-home", false) => create_home = Some(true),
                    ("-M" | "--no-create-home", _) | ("-H", true) => create_home = Some(false),
                    ("-r" | "--system", false) | ("-S", true) => system = true,
                    _ if value.is_some() => {}
                    (
                        "-N"
                        | "-U"
                        | "-o"
                        | "-l"
                        | "--no-user-group"
                        | "--user-group"
                        | "--disabled-password"
                        | "--disabled-login"
                        | "--group"
                        | "-D"
                        | "--quiet"
                        | "-q"
                        | "--no-log-init",
                        _,
                    ) => {}
                    (f, false)
                        if f.len() > 2
                            && !f.starts_with("--")
                            && f[1..].chars().all(|c| "rmMNUol".contains(c)) =>
                    {
                        for c in f[1..].chars() {
                            match c {
                                'm' => create_home = Some(true),
                                'M' => create_home = Some(false),
                                'r' => system = true,
                                _ => {}
                            }
                        }
                    }
                    _ => return false,
                }
            } else {
                names.push(a.to_string());
            }
            i += 1;
        }
        let name = match names.as_slice() {
            [n] => n.clone(),
            // busybox `adduser USER GROUP` adds to a group; debian `adduser user group` too.
            [_, _] if cmd == "adduser" => return true,
            _ => return false,
        };
        if debian_adduser && system && home.is_none() {
            create_home = Some(false);
        }
        // busybox `adduser -S` without -G puts the user in `nogroup`
        // (loginutils/adduser.c: `usegroup = "nogroup"`), not a new group.
        if busybox && system && group.is_none() {
            group = Some("nogroup".to_string());
        }
        let gid = match &group {
            Some(g) => match g.parse::<u32>() {
                Ok(n) => Some(n),
                Err(_) => self.img.group_named(g).and_then(|ge| ge.gid),
            },
            // busybox `adduser` without -G makes a group of the user's name
            // with gid = uid (loginutils/adduser.c, passwd_study: "new gid =
            // uid"; with -u N it fails rather than pick another).
            None if busybox => uid,
            None => None,
        };
        // Without -u a regular account takes the first free uid from UID_MIN
        // 1000 (decision 0020); its group's gid is left unknown, as groups
        // without a user are not all recorded.
        // busybox without -G also skips a uid whose gid a group holds
        // (loginutils/adduser.c, passwd_study).
        let picked = uid.is_none() && !system;
        let uid = match uid {
            None if !system => self.next_regular_uid().filter(|n| {
                !(busybox && group.is_none())
                    || self
                        .img
                        .groups
                        .iter()
                        .all(|g| g.gid.is_some_and(|x| x != *n))
            }),
            given => given,
        };
        // ...and its new group takes the uid it picked ("new gid = uid"):
        // the uid was chosen only where that gid is free, so the gid is as
        // well known as the uid (decision 0023). shadow's and Debian's tools
        // take the uid's value for the group only "if possible", which a
        // group the facts do not list may prevent: left unknown.
        let gid = match gid {
            None if picked && busybox && group.is_none() => uid,
            g => g,
        };
        let home_path = home.clone().unwrap_or_else(|| format!("/home/{name}"));
        self.img.users.push(UserEntry {
            name: name.clone(),
            uid,
            gid,
            home: Some(home_path.clone()),
            evidence: ev.clone(),
        });
        if group.is_none() {
            self.img.groups.push(GroupEntry {
                name,
                gid: if busybox { gid } else { None },
                evidence: ev.clone(),
            });
        }
        match create_home {
            Some(true) => {
                let before = self.img.fs.query(&home_path);
                if !matches!(before, PathFact::Exists(_)) {
                    let parent_dir = parent(&home_path).to_string();
                    self.mkdirs(&parent_dir, (Some(0), Some(0)), Some(0o755), ev);
                    let mut e = Entry::new(Some(PathKind::Dir), ev.clone());
                    e.uid = uid;
                    e.gid = gid;
                    // The mode comes from login.defs (HOME_MODE/UMASK), which varies.
                    e.content = Some(Content::Dotfiles);
                    // The home gets /etc/skel's content, owned by the user.
                    let skel: Vec<(String, Entry)> = match self.img.fs.get("/etc/skel") {
                        Some(s) if s.children_complete => self
                            .subtree("/etc/skel")
                            .into_iter()
                            .filter(|k| k != "/etc/skel")
                            .filter_map(|k| self.img.fs.get(&k).map(|e| (k.clone(), e.clone())))
                            .collect(),
                        _ => Vec::new(),
                    };
                    if self
                        .img
                        .fs
                        .get("/etc/skel")
                        .is_some_and(|s| s.children_complete)
                    {
                        e.children_complete = true;
                        if skel.is_empty() {
                            e.content = Some(Content::Empty);
                        }
                    }
                    self.img.fs.remove_tree(&home_path);
                    self.img.fs.insert(&home_path, e, &|_| {
                        Entry::new(Some(PathKind::Dir), ev.clone())
                    });
                    for (k, mut se) in skel {
                        let p = format!("{home_path}{}", &k["/etc/skel".len()..]);
                        se.uid = uid;
                        se.gid = gid;
                        se.evidence = ev.clone();
                        self.img
                            .fs
                            .insert(&p, se, &|_| Entry::new(Some(PathKind::Dir), ev.clone()));
                    }
                }
            }
            // useradd without -m or -M: CREATE_HOME in login.defs decides.
            None if !system => {
                if let PathFact::Absent { .. } = self.img.fs.query(&home_path) {
                    self.img.fs.forget_under(&home_path, true, ev);
                    self.img.lower_confidence(format!(
                        "{}: whether useradd creates {home_path} depends on the base's login.defs",
                        render_line(ev)
                    ));
                }
            }
            _ => {}
        }
        let _ = system;
        true
    }

    fn copy(&mut self, i: &Instruction, ev: Evidence, done: &[(Option<String>, Image, bool)]) {
        let is_add = i.keyword == "ADD";
        let mut rest = i.args.trim_start();
        let mut chown = None;
        let mut chmod = None;
        let mut from = None;
        while rest.starts_with("--") {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            let flag = &rest[..end];
            match flag.split_once('=') {
                Some(("--chown", v)) => chown = self.words(v).map(|w| w.join("")),
                Some(("--chmod", v)) => chmod = Some(parse_mode(v)),
                Some(("--from", v)) => from = Some(v.to_ascii_lowercase()),
                _ => {}
            }
            rest = rest[end..].trim_start();
        }
        let list = match json_array(rest) {
            Some(l) => Some(l),
            None => self.words(rest),
        };
        let Some(list) = list else {
            return self.not_understood(i, "COPY/ADD paths not known");
        };
        if list.len() < 2 {
            return self.not_understood(i, "COPY/ADD without a destination");
        }
        let (dest_raw, sources) = list.split_last().expect("two or more");
        let dest = join(&self.workdir(), dest_raw);
        if is_add && dest == "/" && sources.len() == 1 && from.is_none() {
            let name = sources[0].rsplit('/').next().unwrap_or(&sources[0]);
            let layout = self
                .opts
                .rootfs
                .iter()
                .find(|(glob, _)| super::reference::tag_glob_matches(glob, name))
                .and_then(|(_, l)| super::layout::get(l));
            if let Some(l) = layout {
                return self.rootfs(&l, &ev);
            }
        }
        let owner: Owner = match &chown {
            None => (Some(0), Some(0)),
            Some(spec) => {
                let o = self.owner_of(spec);
                // A name-only --chown takes the user's primary group.
                if !spec.contains(':') {
                    let u = spec.as_str();
                    let gid = if let Ok(n) = u.parse::<u32>() {
                        self.img.user_by_uid(n).and_then(|e| e.gid).or(Some(n))
                    } else {
                        self.img.user_named(u).and_then(|e| e.gid)
                    };
                    (o.0, gid)
                } else {
                    o
                }
            }
        };
        // Into a directory: a trailing slash, several sources, or a
        // destination that is already a directory.
        let into_dir = dest_raw.ends_with('/')
            || sources.len() > 1
            || self.img.fs.query(&dest).exists().and_then(|i| i.kind) == Some(PathKind::Dir);
        let from_stage = from.as_ref().and_then(|f| {
            done.iter()
                .rev()
                .find(|(n, _, _)| n.as_deref() == Some(f.as_str()))
                .map(|(_, img, _)| img)
        });
        // Make the destination directory's parents.
        for src in sources {
            let heredoc = src
                .strip_prefix("<<")
                .map(|s| s.trim_start_matches('-').trim_matches(['"', '\'']));
            let kind = if heredoc.is_some() {
                Some(PathKind::File)
            } else if has_glob(src) || src.contains("://") || src.starts_with("git@") {
                if src.contains("://") || src.starts_with("git@") {
                    if src.ends_with(".git") || src.starts_with("git@") {
                        Some(PathKind::Dir)
                    } else {
                        Some(PathKind::File)
                    }
                } else {
                    None
                }
            } else if let Some(img) = from_stage {
                img.fs
                    .query(&join("/", src))
                    .exists()
                    .and_then(|info| info.kind)
            } else if from.is_some() {
                None
            } else {
                self.context_kind(src)
            };
            // `ADD <archive>` whose source is not in the context (a build
            // context recorded without its tarballs): it unpacks what is not
            // known, so everything under the destination is unknown.
            if is_add
                && kind.is_none()
                && from.is_none()
                && heredoc.is_none()
                && !src.contains("://")
                && !has_glob(src)
                && ARCHIVES.iter().any(|x| src.ends_with(x))
            {
                // The destination takes the owner and mode of the archive's
                // `./` entry, when it has one (moby's archive.Unpack applies
                // each directory entry's header, existing or not): not known.
                self.mkdirs(&dest, owner, Some(0o755), &ev);
                self.img.fs.forget_under(&dest, true, &ev);
                let under =
                    |b: &str| dest == "/" || b == dest || b.starts_with(&format!("{dest}/"));
                self.img.absent_binaries.retain(|b| !under(&b.value));
                if dest == "/" || dest == "/etc" {
                    self.img.users_complete = None;
                    self.img.users_known_from = None;
                }
                continue;
            }
            let archive = is_add
                && kind == Some(PathKind::File)
                && heredoc.is_none()
                && !src.contains("://")
                && ARCHIVES.iter().any(|x| src.ends_with(x));
            let target_dir_kind = into_dir || kind == Some(PathKind::Dir) || archive;
            let target = if into_dir && kind == Some(PathKind::File) && !archive {
                let base = heredoc
                    .unwrap_or_else(|| src.trim_end_matches('/').rsplit('/').next().unwrap_or(src));
                if has_glob(base) || base.is_empty() {
                    None
                } else {
                    Some(join(&dest, base))
                }
            } else if target_dir_kind {
                None
            } else {
                Some(dest.clone())
            };
            // The destination directory (new ones get the --chown owner).
            let dir = if target_dir_kind || into_dir {
                dest.clone()
            } else {
                parent(&dest).to_string()
            };
            let existed = matches!(self.img.fs.query(&dir), PathFact::Exists(_));
            self.mkdirs(&dir, owner, Some(0o755), &ev);
            // A directory's or an archive's contents, or sources of unknown
            // kind, land in the destination without being listed.
            let contents_unknown = kind != Some(PathKind::File) || archive;
            // What a directory from the local context holds is read from it.
            let from_context = from.is_none()
                && heredoc.is_none()
                && !src.contains("://")
                && !src.starts_with("git@")
                && !has_glob(src);
            if from_context {
                if let Some(p) = self
                    .opts
                    .context
                    .as_ref()
                    .and_then(|c| contained_join(c, src))
                {
                    let image_path = match &target {
                        Some(t) => t.clone(),
                        None => dest.clone(),
                    };
                    self.context_files.push((image_path, p));
                }
            }
            let listed = if from_context && kind == Some(PathKind::Dir) {
                self.opts
                    .context
                    .as_ref()
                    .and_then(|c| super::context::list(c, src, 20_000))
            } else {
                None
            };
            let contents_unknown = contents_unknown && listed.is_none();
            let partial = from_context && {
                let s = normalize(src);
                let s = s.trim_matches('/');
                self.opts.partial_context.iter().any(|p| {
                    let p = normalize(p);
                    let p = p.trim_matches('/');
                    s.is_empty()
                        || s == "."
                        || p.is_empty()
                        || s == p
                        || s.starts_with(&format!("{p}/"))
                        || p.starts_with(&format!("{s}/"))
                })
            };
            if let Some(entries) = &listed {
                for l in entries {
                    let p = join(&dest, &l.rel);
                    let before = self.img.fs.query(&p);
                    let mut e = Entry::new(Some(l.kind), ev.clone());
                    e.uid = owner.0;
                    e.gid = owner.1;
                    e.mode = match (chmod, l.kind) {
                        (_, PathKind::Symlink) => Some(0o777),
                        (Some(m), _) => m,
                        (None, PathKind::Dir) if self.opts.git_modes => Some(0o755),
                        (None, _) => Some(git_mode(l.mode, self.opts.git_modes)),
                    };
                    e.link = l.link.clone();
                    if l.kind == PathKind::Dir {
                        match before {
                            // Merged into an existing directory: what it held stays.
                            PathFact::Exists(_) => {
                                if let Some(old) = self.img.fs.entries.get(&p) {
                                    e.children_complete = old.children_complete;
                                    e.content = old.content;
                                }
                            }
                            _ => e.children_complete = true,
                        }
                        if e.children_complete
                            && !entries.iter().any(|o| parent(&join(&dest, &o.rel)) == p)
                            && e.content.is_none()
                        {
                            e.content = Some(Content::Empty);
                        }
                    } else {
                        self.img.fs.remove_tree(&p);
                    }
                    self.img
                        .fs
                        .insert(&p, e, &|_| Entry::new(Some(PathKind::Dir), ev.clone()));
                }
                if let Some(e) = self.img.fs.entries.get_mut(&dest) {
                    if !entries.is_empty() {
                        e.content = match e.content {
                            Some(Content::Empty) | None => Some(Content::Entries),
                            other => other,
                        };
                    }
                }
                if partial {
                    // Recorded in part: upstream's directories may hold more.
                    let dirs = entries
                        .iter()
                        .filter(|l| l.kind == PathKind::Dir)
                        .map(|l| join(&dest, &l.rel))
                        .chain(std::iter::once(dest.clone()));
                    for d in dirs {
                        if let Some(e) = self.img.fs.entries.get_mut(&d) {
                            e.listing_unknown();
                        }
                    }
                }
            }
            if let Some(e) = self.img.fs.entries.get_mut(&dir) {
                if target_dir_kind && !into_dir && existed {
                    // The source directory's metadata may be applied to it.
                    e.uid = None;
                    e.gid = None;
                    e.mode = None;
                }
                if (target_dir_kind || into_dir) && contents_unknown {
                    e.content = None;
                    e.children_complete = false;
                    e.evidence = ev.clone();
                }
            }
            if (target_dir_kind || into_dir) && contents_unknown {
                self.forget_absent_below(&dir);
            }
            if kind == Some(PathKind::Dir) && !archive && chmod.is_none() {
                // A directory's contents land in the destination.
                self.note_context_file(&dest, kind, heredoc.is_none() && from.is_none(), src);
            }
            if let Some(t) = target {
                let mut e = Entry::new(kind, ev.clone());
                e.uid = owner.0;
                e.gid = owner.1;
                e.mode = match chmod {
                    Some(m) => m,
                    None if heredoc.is_some() => Some(0o644),
                    None => self.context_mode(src),
                };
                if kind == Some(PathKind::Dir) {
                    e.content = None;
                }
                self.img.fs.remove_tree(&t);
                self.img
                    .fs
                    .insert(&t, e, &|_| Entry::new(Some(PathKind::Dir), ev.clone()));
                self.note_context_file(&t, kind, heredoc.is_none() && from.is_none(), src);
            } else if kind.is_none() && !into_dir {
                // Unknown whether the source is a file or directory.
                self.forget_absent_below(&dest);
                self.touch_existing(&dest, &ev);
                if let Some(e) = self.img.fs.entries.get_mut(&dest) {
                    e.kind = None;
                    e.uid = owner.0;
                    e.gid = owner.1;
                    e.content = None;
                    e.children_complete = false;
                }
            }
        }
    }

    /// Remembers which host file a single-file `COPY` from the local build
    /// context put at `target`, so that its text can be read (an entrypoint
    /// script); any other copy to `target` forgets it.
    /// `ADD <root tarball> /` of a known layout: the file system, users
    /// and groups become the layout's (cited as its file).
    fn rootfs(&mut self, l: &super::layout::Layout, ev: &Evidence) {
        let lev = Evidence::Builtin {
            file: format!("rules/images/base/{}.txt", l.name).into(),
            repository: "".into(),
            tag_pattern: "".into(),
            source_url: l.source.as_str().into(),
        };
        self.img.fs = super::layout::filesystem_with(l, &lev);
        self.img.users = l
            .users
            .iter()
            .map(|u| super::facts::UserEntry {
                evidence: lev.clone(),
                ..u.clone()
            })
            .collect();
        self.img.groups = l
            .groups
            .iter()
            .map(|g| super::facts::GroupEntry {
                evidence: lev.clone(),
                ..g.clone()
            })
            .collect();
        self.img.users_complete = l.users_complete.then(|| ev.clone());
        self.img.users_known_from = l
            .users_known_from
            .filter(|_| !l.users_complete)
            .map(|from| Fact::new(from, ev.clone()));
    }

    fn note_context_file(&mut self, target: &str, kind: Option<PathKind>, local: bool, src: &str) {
        let t = normalize(target);
        let prefix = format!("{}/", t.trim_end_matches('/'));
        self.img
            .context_files
            .retain(|k, _| *k != t && !k.starts_with(&prefix));
        if !local || src.contains("://") {
            return;
        }
        let Some(ctx) = self.opts.context.as_ref() else {
            return;
        };
        let Some(host) = contained_join(ctx, src) else {
            return;
        };
        match kind {
            Some(PathKind::File) => {}
            // A directory's files are read only without a .dockerignore,
            // which could leave some of them out of the image.
            Some(PathKind::Dir) if !ctx.join(".dockerignore").exists() => {}
            _ => return,
        }
        self.img.context_files.insert(t, host);
    }

    /// Whether an ENTRYPOINT execs its arguments: an init (tini,
    /// dumb-init), or a script from the build context that ends in
    /// `exec "$@"`. `None` when that is not known.
    fn execs_args(&mut self, c: &ImageCommand, ev: &Evidence) -> Option<Fact<bool>> {
        self.img.execs_commands = None;
        let ImageCommand::Exec(v) = c else {
            // `/bin/sh -c "<string>"` drops the CMD.
            self.img.init = None;
            return Some(Fact::new(false, ev.clone()));
        };
        let Some(first) = v.first() else {
            self.img.init = None;
            return Some(Fact::new(false, ev.clone()));
        };
        let base = first.rsplit('/').next().unwrap_or(first);
        if matches!(base, "tini" | "tini-static" | "dumb-init" | "docker-init") {
            self.img.init = Some(Fact::new(base.to_string(), ev.clone()));
            return None;
        }
        self.img.init = None;
        // A bare name is looked up on PATH, as the runtime does.
        let host = if first.contains('/') {
            self.img.context_file(&join(&self.workdir(), first))?
        } else {
            let path = self
                .img
                .env("PATH")
                .map_or(DEFAULT_PATH.to_string(), |p| p.value.clone());
            path.split(':')
                .filter(|d| d.starts_with('/'))
                .find_map(|d| self.img.context_file(&join(d, first)))?
        };
        let text = crate::load::project::read_text(&host, 1024 * 1024).ok()?;
        self.img.execs_commands = (v.len() == 1 && super::script::execs_commands(&text))
            .then(|| Fact::new(true, ev.clone()));
        Some(Fact::new(
            v.len() == 1 && super::script::execs_args(&text),
            ev.clone(),
        ))
    }

    /// The kind of a `COPY` source in the local build context.
    fn context_kind(&self, src: &str) -> Option<PathKind> {
        let ctx = self.opts.context.as_ref()?;
        let p = contained_join(ctx, src)?;
        let meta = std::fs::symlink_metadata(&p).ok()?;
        Some(if meta.is_dir() {
            PathKind::Dir
        } else if meta.file_type().is_symlink() {
            // COPY follows the symlink's target: not read, to stay in the context.
            return None;
        } else {
            PathKind::File
        })
    }

    fn context_mode(&self, src: &str) -> Option<u32> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let ctx = self.opts.context.as_ref()?;
            let p = contained_join(ctx, src)?;
            let meta = std::fs::symlink_metadata(&p).ok()?;
            if meta.is_file() {
                let mode = meta.permissions().mode() & 0o7777;
                return Some(git_mode(mode, self.opts.git_modes));
            }
        }
        let _ = src;
        None
    }
}

/// A file's mode as a git checkout with umask 022 gives it, when asked.
pub fn git_mode(mode: u32, git: bool) -> u32 {
    match git {
        false => mode,
        true if mode & 0o111 != 0 => 0o755,
        true => 0o644,
    }
}

/// `ctx/src`, only when it stays inside `ctx` lexically.
fn contained_join(ctx: &Path, src: &str) -> Option<PathBuf> {
    let rel = normalize(src);
    let rel = rel.trim_start_matches('/');
    if src.split('/').any(|c| c == "..") {
        return None;
    }
    Some(ctx.join(rel))
}

/// `s` cut at blanks outside quotes (the words before expansion).
fn raw_words(s: &str, escape: char) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q => {
                quote = None;
                cur.push(c);
            }
            None if c == '"' || c == '\'' => {
                quote = Some(c);
                cur.push(c);
            }
            _ if c == escape && quote != Some('\'') => {
                cur.push(c);
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
            }
            None if c.is_whitespace() => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            _ => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The text of a file the build copied in from its context, by its path
/// in the image (at most 256 KiB).
fn read_copied(copies: &[(String, PathBuf)], path: &str) -> Option<String> {
    let (dest, src) = copies
        .iter()
        .rev()
        .find(|(d, _)| d == path || path.starts_with(&format!("{}/", d.trim_end_matches('/'))))?;
    let rest = path[dest.len()..].trim_start_matches('/');
    if rest.split('/').any(|c| c == "..") {
        return None;
    }
    let file = if rest.is_empty() {
        src.clone()
    } else {
        src.join(rest)
    };
    let meta = std::fs::metadata(&file).ok()?;
    if !meta.is_file() || meta.len() > 256 * 1024 {
        return None;
    }
    std::fs::read_to_string(&file).ok()
}

fn unreachable_parent(ev: &Evidence) -> Entry {
    Entry::new(Some(PathKind::Dir), ev.clone())
}

fn render_line(ev: &Evidence) -> String {
    match ev {
        Evidence::Dockerfile { path, line, .. } => format!("{path}:{line}"),
        other => other.render(),
    }
}

fn parent(p: &str) -> &str {
    match p.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &p[..i],
    }
}

fn has_glob(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

fn parse_mode(s: &str) -> Option<u32> {
    if !s.is_empty() && s.chars().all(|c| c.is_digit(8)) {
        u32::from_str_radix(s, 8).ok()
    } else {
        None
    }
}

/// Separates known flags; `(saw any of set_flags, the rest)`. `None` when an
/// unknown flag appears.
fn flags<'a>(args: &'a [String], set: &[&str], ignore: &[&str]) -> (bool, Option<&'a [String]>) {
    let mut saw = false;
    let mut i = 0;
    while i < args.len() && args[i].starts_with('-') && args[i].len() > 1 {
        let a = args[i].as_str();
        if set.contains(&a) {
            saw = true;
        } else if !ignore.contains(&a) {
            return (saw, None);
        }
        i += 1;
    }
    (saw, Some(&args[i..]))
}

/// Like `flags`, for the tools that take options after their operands too
/// (`chown appuser:appuser -R /usr/logs`, in apache/kafka's Dockerfile):
/// GNU coreutils permute their arguments, and a `set -e` build that
/// succeeds with such a line shows busybox took it as an option as well.
/// Options end at `--`.
fn permuted_flags(args: &[String], set: &[&str], ignore: &[&str]) -> (bool, Option<Vec<String>>) {
    let mut saw = false;
    let mut rest = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--" {
            rest.extend(it.cloned());
            break;
        }
        if a.starts_with('-') && a.len() > 1 {
            if set.contains(&a.as_str()) {
                saw = true;
            } else if !ignore.contains(&a.as_str()) {
                return (saw, None);
            }
        } else {
            rest.push(a.clone());
        }
    }
    (saw, Some(rest))
}

/// A JSON array of strings (exec form).
fn json_array(s: &str) -> Option<Vec<String>> {
    let t = s.trim();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

fn command(args: &str) -> ImageCommand {
    match json_array(args) {
        Some(v) => ImageCommand::Exec(v),
        None => ImageCommand::Shell(args.trim().to_string()),
    }
}
