//! S106: `network_mode` and `networks` together.

use crate::diagnostic::{Diagnostic, Severity};
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "S106",
    name: "network-mode-with-networks",
    group: Group::Structure,
    default_severity: Severity::Error,
    levels: &[Severity::Error],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "A service sets both `network_mode` and `networks`.",
    exit_codes: &[],
    page: page!("S106-network-mode-with-networks.md"),
};

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let (Some(mode), Some(key)) = (&s.network_mode, s.keys.get("networks")) else {
            continue;
        };
        // Compose checks `network_mode != "" && len(networks) > 0`: an empty
        // `networks: []` or a mode that interpolates to nothing is accepted.
        if mode.value.is_empty() || s.networks.is_empty() {
            continue;
        }
        out.push(
            Diagnostic::error(
                META.code,
                key,
                format!(
                    "service `{}` sets both `network_mode: {}` and `networks`; `docker compose` refuses the project because they are mutually exclusive",
                    s.name.value, mode.value
                ),
            )
            .label(mode.span, "network_mode set here")
            .help("keep `network_mode` (the container joins that namespace) or `networks` (it joins these networks), not both"),
        );
    }
}
