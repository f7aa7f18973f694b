//! C113 (opt-in): no `security_opt: [no-new-privileges:true]`. Without it a
//! process can gain privileges through a setuid binary (`su`, `sudo`,
//! `passwd`) or file capabilities inside the image.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::security::util::{is_privileged, security_opt};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C113",
    name: "no-new-privileges",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "(strict) `security_opt: [no-new-privileges:true]` is not set: setuid binaries can raise a process's privileges.",
    exit_codes: &[],
    page: page!("C113-no-new-privileges.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        if is_privileged(s) {
            continue; // C103 says more
        }
        let set = s.security_opt.iter().any(|o| {
            let (k, v) = security_opt(&o.value);
            k == "no-new-privileges" && !v.eq_ignore_ascii_case("false")
        });
        if set {
            continue;
        }
        let drops = cx
            .image(s)
            .and_then(|i| i.image.starts_as_root_and_drops.as_ref())
            .filter(|f| f.value);
        let mut d = Diagnostic::warning(
            META.code,
            s.name.span,
            format!(
                "service `{}` does not set `no-new-privileges`: a process that gets code execution as a normal user can become root through a setuid binary in the image",
                s.name.value
            ),
        )
        .help("add `security_opt: [\"no-new-privileges:true\"]`; it breaks only programs that rely on setuid binaries (`sudo`, `su`) to change user")
        .note("CIS Docker Benchmark 5.25: restrict the container from acquiring additional privileges");
        if let Some(f) = drops {
            d = d.note(format!(
                "the image starts as root and steps down itself (gosu/su-exec, which need no setuid bit), so the option does not get in its way: {}",
                f.evidence.render()
            ));
        }
        out.push(d);
    }
}
