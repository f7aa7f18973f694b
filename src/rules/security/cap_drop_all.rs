//! C114 (opt-in): no `cap_drop: [ALL]`. Docker grants 14 capabilities by
//! default (`CHOWN`, `DAC_OVERRIDE`, `SETUID`, `NET_RAW`, ...); most
//! services need none of them. With the image facts, the help names the
//! ones an image that steps down from root needs back.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::{is_privileged, normalize_cap};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C114",
    name: "cap-drop-all",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "(strict) `cap_drop: [ALL]` is not set: the container keeps Docker's default capabilities, such as `NET_RAW` and `DAC_OVERRIDE`.",
    exit_codes: &[],
    page: page!("C114-cap-drop-all.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if is_privileged(s) || s.cap_drop.iter().any(|c| normalize_cap(&c.value) == "ALL") {
            continue;
        }
        let img = cx.image(s);
        let drops = img
            .and_then(|i| i.image.starts_as_root_and_drops.as_ref())
            .filter(|f| f.value);
        let chowns = img.is_some_and(|i| !i.image.chowns_on_start.is_empty());
        let help = match drops {
            Some(_) => {
                let mut back = vec!["SETUID", "SETGID"];
                if chowns {
                    back.insert(0, "CHOWN");
                    back.push("DAC_OVERRIDE");
                    back.push("FOWNER");
                }
                format!(
                    "add `cap_drop: [ALL]` and give back what this image's start needs: `cap_add: [{}]` (it starts as root and steps down to its own user)",
                    back.join(", ")
                )
            }
            None => "add `cap_drop: [ALL]`, then `cap_add` only what the program needs (`NET_BIND_SERVICE` to listen below port 1024 as non-root)".to_string(),
        };
        let mut d = Diagnostic::warning(
            META.code,
            s.name.span,
            format!(
                "service `{}` keeps Docker's default capabilities: a compromised process can forge packets on the network (`NET_RAW`), and as root read and change any file in the container regardless of its owner (`DAC_OVERRIDE`, `CHOWN`)",
                s.name.value
            ),
        )
        .help(help)
        .note("CIS Docker Benchmark 5.3: restrict Linux kernel capabilities within containers");
        if let Some(f) = drops {
            d = d.note(format!("image facts: {}", f.evidence.render()));
        }
        out.push(d);
    }
}
