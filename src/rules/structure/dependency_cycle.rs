//! S103: `depends_on` forms a cycle, so no service can start first.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "S103",
    name: "dependency-cycle",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "`depends_on` (or `links`) forms a cycle.",
    exit_codes: &[],
    page: page!("S103-dependency-cycle.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    let p = cx.project;
    // The first service of each name, as a scan in source order finds it.
    let mut by_name: HashMap<&str, usize> = HashMap::with_capacity(p.services.len());
    for (i, s) in p.services.iter().enumerate() {
        by_name.entry(s.name.value.as_str()).or_insert(i);
    }
    let index = |name: &str| by_name.get(name).copied();
    // `links` are dependencies too (Compose v2 starts a linked service
    // first), so a link can close a cycle, and a service can link itself.
    let edges: Vec<Vec<(usize, Span, bool)>> = p
        .services
        .iter()
        .map(|s| {
            let deps = s
                .depends_on
                .iter()
                .filter_map(|d| index(&d.service.value).map(|t| (t, d.service.span, false)));
            let links = s
                .links
                .iter()
                .filter_map(|l| index(link_target(&l.value)).map(|t| (t, l.span, true)));
            deps.chain(links).collect()
        })
        .collect();
    // Iterative DFS with colours; each cycle is reported once, at the
    // dependency entry that closes it.
    let n = p.services.len();
    let mut colour = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    for start in 0..n {
        if colour[start] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(start, 0)];
        colour[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next < edges[node].len() {
                let (to, span, link) = edges[node][*next];
                *next += 1;
                match colour[to] {
                    0 => {
                        colour[to] = 1;
                        stack.push((to, 0));
                    }
                    1 => {
                        let from = stack.iter().position(|&(s, _)| s == to).unwrap_or(0);
                        let mut names: Vec<&str> = stack[from..]
                            .iter()
                            .map(|&(s, _)| p.services[s].name.value.as_str())
                            .collect();
                        names.push(&p.services[to].name.value);
                        let via_links = link
                            || stack[from..]
                                .windows(2)
                                .any(|w| edges[w[0].0].iter().any(|&(t, _, l)| t == w[1].0 && l));
                        let what = if via_links {
                            "dependency cycle (`links` count as dependencies)"
                        } else {
                            "`depends_on` cycle"
                        };
                        let mut d = Diagnostic::error(
                            META.code,
                            span,
                            format!(
                                "{what}: {}; `docker compose` refuses to start the project",
                                names.join(" -> ")
                            ),
                        )
                        .help("remove one of these dependencies; if two services need each other, let them retry the connection instead");
                        for &(s, _) in &stack[from..] {
                            if s != node {
                                d = d.label(p.services[s].name.span, "part of the cycle");
                            }
                        }
                        out.push(d);
                    }
                    _ => {}
                }
            } else {
                colour[node] = 2;
                stack.pop();
            }
        }
    }
}

/// The service a `links` entry names: `db` or `db:alias`.
pub fn link_target(link: &str) -> &str {
    link.split_once(':').map_or(link, |(s, _)| s)
}
