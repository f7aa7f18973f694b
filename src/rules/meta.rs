//! What every rule (and every loader check) declares about itself.

use crate::diagnostic::Severity;

/// The groups, by code letter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// S: structure and validity.
    Structure,
    /// M: mounts and volumes.
    Mounts,
    /// X: process, signals and exit codes.
    Process,
    /// N: networking and ports.
    Network,
    /// P: portability and legacy.
    Portability,
    /// C: security.
    Security,
}

impl Group {
    pub fn name(self) -> &'static str {
        match self {
            Group::Structure => "structure",
            Group::Mounts => "mounts",
            Group::Process => "process",
            Group::Network => "network",
            Group::Portability => "portability",
            Group::Security => "security",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FixAvailability {
    None,
    Sometimes,
    Always,
}

#[derive(Clone, Copy, Debug)]
pub struct RuleMeta {
    /// `S002`.
    pub code: &'static str,
    /// `duplicate-key`.
    pub name: &'static str,
    pub group: Group,
    pub default_severity: Severity,
    /// Every level the rule can report at, the default first: a rule that
    /// grades its findings (certain or likely, by design or not) says so
    /// here, and `compose-lint rules` shows it.
    pub levels: &'static [Severity],
    /// Why the level varies (empty when it does not).
    pub levels_why: &'static str,
    pub fix: FixAvailability,
    /// One line: what the rule reports.
    pub summary: &'static str,
    /// Container exit codes this rule predicts (for `explain <CODE>`).
    pub exit_codes: &'static [u8],
    /// The rule's page, `rules/<CODE>-<name>.md`, built into the binary.
    pub page: &'static str,
}
