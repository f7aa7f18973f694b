//! Small helpers shared by the security rules.

use crate::image::reference::Reference;
use crate::model::Service;
use crate::rules::Context;
use crate::source::Span;

/// The repository of the service's image (`docker.io/library/postgres`).
pub fn repository(s: &Service) -> Option<String> {
    s.image
        .as_ref()
        .and_then(|i| Reference::parse(&i.value))
        .map(|r| r.repository())
}

/// The repository without the Docker Hub prefixes, for messages.
pub fn short_repository(repo: &str) -> &str {
    repo.trim_start_matches("docker.io/")
        .trim_start_matches("library/")
}

/// Is the service's image one of `repos` (canonical repository names)?
pub fn image_is(s: &Service, repos: &[&str]) -> Option<String> {
    repository(s).filter(|r| repos.contains(&r.as_str()))
}

/// The text at `span` as written in the file (before interpolation).
pub fn raw<'a>(cx: &'a Context, span: Span) -> &'a str {
    cx.sources.slice(span)
}

/// Was the value written with `$` (interpolated, or an escaped `$$`)? Such
/// a value is not in the file, or not only there: rules about literal
/// values stay quiet.
pub fn is_interpolated(cx: &Context, span: Span) -> bool {
    raw(cx, span).contains('$')
}

/// Does the service have this capability in `cap_add` (`ALL` counts)?
pub fn adds_cap(s: &Service, cap: &str) -> bool {
    s.cap_add.iter().any(|c| {
        let c = normalize_cap(&c.value);
        c == cap || c == "ALL"
    })
}

/// `cap_sys_admin` -> `SYS_ADMIN`.
pub fn normalize_cap(c: &str) -> String {
    let up = c.trim().to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

pub fn is_privileged(s: &Service) -> bool {
    s.privileged.as_ref().is_some_and(|p| p.value)
}

/// One `security_opt` entry split into its key and value: `seccomp:unconfined`,
/// `seccomp=unconfined` and `no-new-privileges` (value `true`).
pub fn security_opt(opt: &str) -> (String, String) {
    let opt = opt.trim();
    let at = opt.find([':', '=']);
    match at {
        Some(i) => (
            opt[..i].trim().to_ascii_lowercase(),
            opt[i + 1..].trim().to_string(),
        ),
        None => (opt.to_ascii_lowercase(), "true".to_string()),
    }
}
