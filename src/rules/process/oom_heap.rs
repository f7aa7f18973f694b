//! X104: memory settings that end in an OOM kill (137) or a JVM with no
//! room for its old generation: a memory limit at or below the Java heap,
//! a limit below the image's documented minimum, a young generation
//! (`-Xmn`) as large as the whole heap.

use crate::diagnostic::{Diagnostic, Severity};
use crate::exitcode::see;
use crate::model::Service;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};
use crate::source::Span;

pub const META: RuleMeta = RuleMeta {
    code: "X104",
    name: "oom-heap",
    group: Group::Process,
    default_severity: Severity::Error,
    levels: &[Severity::Error, Severity::Warning],
    levels_why: "error when the heap (-Xmx) reaches the memory limit (the kernel kills the JVM); warning for a limit under the image's documented minimum or a young generation as large as the heap.",
    fix: FixAvailability::None,
    summary: "A memory limit at or below the JVM heap or the image's minimum, or -Xmn as large as the heap (OOM kill, 137).",
    exit_codes: &[137],
    page: page!("X104-oom-heap.md"),
};

/// Variables whose value the JVM or the usual launch scripts pass to `java`.
/// `JAVA_TOOL_OPTIONS` and `_JAVA_OPTIONS` are read by the JVM itself
/// (`_JAVA_OPTIONS` last, so it wins); the others by the image's scripts.
pub const JVM_VARS: [&str; 7] = [
    "JAVA_OPTS",
    "JAVA_TOOL_OPTIONS",
    "JAVA_OPT_EXT",
    "ES_JAVA_OPTS",
    "_JAVA_OPTIONS",
    "CATALINA_OPTS",
    "JVM_OPTS",
];

/// The heap flags of one variable (the last of each flag wins, as in HotSpot).
#[derive(Debug, Default, PartialEq)]
struct Heap {
    xmx: Option<i64>,
    xms: Option<i64>,
    xmn: Option<i64>,
}

impl Heap {
    /// The largest the heap can get: -Xmx, or -Xms when it is alone
    /// (HotSpot raises the maximum to the initial size).
    fn max(&self) -> Option<i64> {
        match (self.xmx, self.xms) {
            (Some(x), Some(s)) => Some(x.max(s)),
            (x, s) => x.or(s),
        }
    }
}

/// `-Xmx512m` style sizes: bytes, or k/m/g/t (binary units).
fn jvm_size(s: &str) -> Option<i64> {
    let (num, mult) = match s.chars().last()? {
        'k' | 'K' => (&s[..s.len() - 1], 1i64 << 10),
        'm' | 'M' => (&s[..s.len() - 1], 1 << 20),
        'g' | 'G' => (&s[..s.len() - 1], 1 << 30),
        't' | 'T' => (&s[..s.len() - 1], 1 << 40),
        c if c.is_ascii_digit() => (s, 1),
        _ => return None,
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<i64>().ok()?.checked_mul(mult)
}

fn parse_heap(opts: &str) -> Heap {
    let mut h = Heap::default();
    for w in opts.split_whitespace() {
        let w = w.trim_matches(|c| c == '"' || c == '\'');
        if let Some(v) = w.strip_prefix("-Xmx") {
            h.xmx = jvm_size(v).or(h.xmx);
        } else if let Some(v) = w.strip_prefix("-Xms") {
            h.xms = jvm_size(v).or(h.xms);
        } else if let Some(v) = w.strip_prefix("-Xmn") {
            h.xmn = jvm_size(v).or(h.xmn);
        } else if let Some(v) = w.strip_prefix("-XX:MaxHeapSize=") {
            h.xmx = jvm_size(v).or(h.xmx);
        }
    }
    h
}

fn human(bytes: i64) -> String {
    for (unit, size) in [("g", 1i64 << 30), ("m", 1 << 20), ("k", 1 << 10)] {
        if bytes >= size && bytes % size == 0 {
            return format!("{}{unit}", bytes / size);
        }
    }
    if bytes >= 1 << 20 {
        return format!("{:.1}m", bytes as f64 / (1 << 20) as f64);
    }
    format!("{bytes} bytes")
}

/// The memory limit and its span: the smaller of `mem_limit` and
/// `deploy.resources.limits.memory`.
fn limit(s: &Service) -> Option<(i64, Span, &'static str)> {
    let a = s
        .mem_limit
        .as_ref()
        .map(|m| (m.value.bytes, m.span, "mem_limit"));
    let b = s
        .deploy
        .as_ref()
        .and_then(|d| d.resources.as_ref())
        .and_then(|r| r.limits.as_ref())
        .and_then(|l| l.memory.as_ref())
        .map(|m| (m.value.bytes, m.span, "deploy.resources.limits.memory"));
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
    .filter(|l| l.0 > 0)
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let vars: Vec<(&str, Heap, Span)> = JVM_VARS
            .iter()
            .filter_map(|name| {
                let kv = s.environment.get(name)?;
                let v = kv.value.as_ref()?;
                if v.value.contains('$') {
                    return None;
                }
                Some((*name, parse_heap(&v.value), v.span))
            })
            .collect();
        let lim = limit(s);

        // The heap against the limit. When several variables set it, the
        // one that wins depends on the launch script, so the smallest
        // counts, unless `_JAVA_OPTIONS` (which the JVM reads last) sets it.
        if let Some((limit_bytes, limit_span, limit_key)) = lim {
            let with_heap: Vec<&(&str, Heap, Span)> =
                vars.iter().filter(|v| v.1.max().is_some()).collect();
            let winner = with_heap
                .iter()
                .find(|v| v.0 == "_JAVA_OPTIONS")
                .or_else(|| with_heap.iter().min_by_key(|v| v.1.max()));
            if let Some((name, heap, span)) = winner {
                let max = heap.max().unwrap_or(0);
                if max >= limit_bytes {
                    out.push(
                        Diagnostic::error(
                            META.code,
                            *span,
                            format!(
                                "the Java heap in `{name}` ({}) is at least the memory limit `{limit_key}: {}`: the heap alone can fill the limit before the JVM's other memory (metaspace, threads, code cache, direct buffers), so the kernel OOM-kills the container (exit 137, OOMKilled true; see {})",
                                human(max),
                                human(limit_bytes),
                                see(137)
                            ),
                        )
                        .label(limit_span, "the memory limit")
                        .help("keep -Xmx well below the limit (about 75% leaves room for the rest of the JVM), or raise the limit; `-XX:MaxRAMPercentage=75` sizes the heap from the limit instead"),
                    );
                }
            }
            // The image's documented minimum.
            if let Some(min) = cx.image(s).and_then(|i| i.image.min_memory.as_ref()) {
                if limit_bytes < min.value {
                    out.push(
                        Diagnostic::warning(
                            META.code,
                            limit_span,
                            format!(
                                "`{limit_key}: {}` is below the {} this image documents as its minimum: expect the kernel to OOM-kill it (exit 137; see {})",
                                human(limit_bytes),
                                human(min.value),
                                see(137)
                            ),
                        )
                        .note(format!("image facts: {}", min.evidence.render()))
                        .help(format!("raise the limit to at least {}", human(min.value))),
                    );
                }
            }
        }

        // A young generation as large as the heap, in one variable.
        for (name, heap, span) in &vars {
            let (Some(xmn), Some(max)) = (heap.xmn, heap.xmx.or(heap.xms)) else {
                continue;
            };
            if xmn >= max {
                out.push(
                    Diagnostic::warning(
                        META.code,
                        *span,
                        format!(
                            "`{name}` sets the young generation (-Xmn{}) as large as the whole heap ({}): no room is left for the old generation, so objects that survive a collection cannot be promoted; expect back-to-back full GCs and java.lang.OutOfMemoryError under load",
                            human(xmn),
                            human(max)
                        ),
                    )
                    .note("HotSpot does not refuse to start: the Serial and Parallel collectors warn `MaxNewSize (...) is equal to or greater than the entire heap` and shrink the young generation to the heap minus one alignment unit; G1 keeps the fixed young size. This predicts no exit code at start; with -XX:+ExitOnOutOfMemoryError the JVM exits with 3 (see `compose-lint explain 3`)")
                    .help("make -Xmn a fraction of the heap (a third to a half of -Xmx), or drop it and let the collector size the young generation"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_flags() {
        assert_eq!(jvm_size("256m"), Some(256 << 20));
        assert_eq!(jvm_size("1G"), Some(1 << 30));
        assert_eq!(jvm_size("1024"), Some(1024));
        assert_eq!(jvm_size("m"), None);
        assert_eq!(jvm_size("1.5g"), None);
        let h = parse_heap("-server -Xms256m -Xmx256m -Xmn256m");
        assert_eq!(h.xmx, Some(256 << 20));
        assert_eq!(h.xmn, Some(256 << 20));
        let h = parse_heap("-Xmx1g -Xmx512m");
        assert_eq!(h.max(), Some(512 << 20));
        assert_eq!(parse_heap("-Xms2g").max(), Some(2 << 30));
    }
}
