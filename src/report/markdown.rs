//! Markdown (the rule pages) for a terminal: `compose-lint explain` on a
//! TTY. Headings in bold, code blocks indented and never wrapped, prose and
//! list items wrapped to the width with a hanging indent, inline code and
//! `**bold**` styled when colour is on. Piped, `explain` prints the page as
//! it is, so this covers the Markdown the pages use, not all of CommonMark.

use super::human::wrap;

/// `md` laid out for a terminal `width` columns wide.
pub fn render_terminal(md: &str, width: usize, color: bool) -> String {
    let width = width.max(40);
    let mut out = String::new();
    let mut para: Vec<String> = Vec::new();
    // (marker, text) of the list item being gathered.
    let mut item: Option<(String, String)> = None;
    let mut in_code = false;
    let style = Style(color);

    let flush = |out: &mut String, para: &mut Vec<String>, item: &mut Option<(String, String)>| {
        if !para.is_empty() {
            let text = para.join(" ");
            for l in wrap(&text, width) {
                out.push_str(&style.inline(&l));
                out.push('\n');
            }
            out.push('\n');
            para.clear();
        }
        if let Some((marker, text)) = item.take() {
            let hang = marker.chars().count() + 1;
            for (i, l) in wrap(&text, width - hang).iter().enumerate() {
                if i == 0 {
                    out.push_str(&format!("{marker} {}\n", style.inline(l)));
                } else {
                    out.push_str(&format!("{:hang$}{}\n", "", style.inline(l)));
                }
            }
        }
    };

    for raw in md.lines() {
        let line = raw.trim_end();
        if in_code {
            if line.trim_start().starts_with("```") {
                in_code = false;
                out.push('\n');
            } else {
                out.push_str(&format!("    {}\n", style.code(line)));
            }
            continue;
        }
        let t = line.trim_start();
        if t.starts_with("```") {
            flush(&mut out, &mut para, &mut item);
            if out.ends_with("\n\n") || out.is_empty() {
            } else {
                out.push('\n');
            }
            in_code = true;
            continue;
        }
        if t.is_empty() {
            flush(&mut out, &mut para, &mut item);
            if !out.is_empty() && !out.ends_with("\n\n") {
                out.push('\n');
            }
            continue;
        }
        if let Some(h) = heading(t) {
            flush(&mut out, &mut para, &mut item);
            let (level, text) = h;
            let text = if level == 1 {
                style.bold(&format!(
                    "{text}\n{}",
                    "═".repeat(text.chars().count().min(width))
                ))
            } else {
                style.bold(&format!(
                    "{text}\n{}",
                    "─".repeat(text.chars().count().min(width))
                ))
            };
            out.push_str(&text);
            out.push_str("\n\n");
            continue;
        }
        if t.starts_with('|') {
            // Tables are drawn as written.
            flush(&mut out, &mut para, &mut item);
            out.push_str(line);
            out.push('\n');
            continue;
        }
        if let Some(rest) = t
            .strip_prefix("> ")
            .or(if t == ">" { Some("") } else { None })
        {
            flush(&mut out, &mut para, &mut item);
            for l in wrap(rest, width - 2) {
                out.push_str(&format!("│ {}\n", style.inline(&l)));
            }
            continue;
        }
        if let Some((marker, rest)) = list_marker(t) {
            flush(&mut out, &mut para, &mut item);
            let indent = line.len() - t.len();
            let marker = format!(
                "{:indent$}{}",
                "",
                if marker == "-" || marker == "*" {
                    "•"
                } else {
                    marker
                }
            );
            item = Some((marker, rest.to_string()));
            continue;
        }
        match &mut item {
            // A continuation line of the item.
            Some((_, text)) if line.starts_with(' ') => {
                text.push(' ');
                text.push_str(t);
            }
            _ => {
                if item.is_some() {
                    flush(&mut out, &mut para, &mut item);
                }
                para.push(t.to_string());
            }
        }
    }
    flush(&mut out, &mut para, &mut item);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn heading(t: &str) -> Option<(usize, &str)> {
    let level = t.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    t[level..]
        .strip_prefix(' ')
        .map(|rest| (level, rest.trim()))
}

fn list_marker(t: &str) -> Option<(&str, &str)> {
    for m in ["- ", "* "] {
        if let Some(rest) = t.strip_prefix(m) {
            return Some((&t[..1], rest));
        }
    }
    let digits = t.chars().take_while(|c| c.is_ascii_digit()).count();
    if digits > 0 && t[digits..].starts_with(". ") {
        return Some((&t[..digits + 1], &t[digits + 2..]));
    }
    None
}

#[derive(Clone, Copy)]
struct Style(bool);

impl Style {
    fn bold(self, s: &str) -> String {
        if self.0 {
            s.lines()
                .map(|l| format!("\x1b[1m{l}\x1b[0m"))
                .collect::<Vec<_>>()
                .join("\n")
        } else {
            s.to_string()
        }
    }
    fn code(self, s: &str) -> String {
        if self.0 {
            format!("\x1b[36m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    /// Inline code and `**bold**` styled; without colour, as written.
    fn inline(self, s: &str) -> String {
        if !self.0 {
            return s.to_string();
        }
        let mut out = String::new();
        let mut code = false;
        let mut bold = false;
        let mut chars = s.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '`' => {
                    code = !code;
                    out.push_str(if code { "\x1b[36m" } else { "\x1b[0m" });
                }
                '*' if !code && chars.peek() == Some(&'*') => {
                    chars.next();
                    bold = !bold;
                    out.push_str(if bold { "\x1b[1m" } else { "\x1b[0m" });
                }
                c => out.push(c),
            }
        }
        if code || bold {
            out.push_str("\x1b[0m");
        }
        out
    }
}
