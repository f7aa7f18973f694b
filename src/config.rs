//! `compose-lint.toml` / `.compose-lint.toml`: which rules run, at which
//! severity, and where they are ignored.
//!
//! ```toml
//! select = ["S", "M101"]          # codes or prefixes; default: all
//! ignore = ["P001"]
//! profile = "strict"              # default | strict (adds the opt-in hardening rules)
//! extend-select = ["C117"]        # run these opt-in rules too
//! require-digest = false          # C112: every image needs a digest
//! pull = false                    # read image facts from registries (--pull)
//! fail-on = "warning"             # error | warning | info | never
//! format = "human"
//!
//! [rules.M101]
//! severity = "warning"
//!
//! [per-file-ignores]
//! "legacy/**/*.yml" = ["P001"]
//!
//! [per-service-ignores]
//! old-db = ["M101"]
//! ```
//!
//! An unknown key is an error with its location: a typo in a config file
//! must not silently turn a check off.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::diagnostic::Severity;

pub const FILE_NAMES: [&str; 2] = ["compose-lint.toml", ".compose-lint.toml"];

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    #[serde(default)]
    pub select: Option<Vec<String>>,
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Rules to run on top of the profile (or `select`): the way to turn on
    /// one opt-in rule without the whole `strict` profile.
    #[serde(default)]
    pub extend_select: Vec<String>,
    /// `default` or `strict` (the opt-in hardening rules as well).
    #[serde(default)]
    pub profile: Option<Profile>,
    /// C112: report every image reference without a `@sha256:` digest,
    /// not only `:latest` and untagged ones.
    #[serde(default)]
    pub require_digest: bool,
    /// Read image facts from registries, as `--pull` does.
    #[serde(default)]
    pub pull: bool,
    #[serde(default)]
    pub fail_on: Option<FailOn>,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub rules: BTreeMap<String, RuleConfig>,
    #[serde(default)]
    pub per_file_ignores: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub per_service_ignores: BTreeMap<String, Vec<String>>,
    /// `[bases]`: a glob of overlay files (relative to the config's folder)
    /// -> the base files to lint them on, in `-f` order, instead of the
    /// inferred ones (decision 0011).
    #[serde(default)]
    pub bases: BTreeMap<String, Vec<String>>,
    /// The directory the config file is in (per-file globs are relative to it).
    #[serde(skip)]
    pub dir: PathBuf,
    #[serde(skip)]
    pub path: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    pub severity: Option<SeverityOrOff>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SeverityOrOff {
    Error,
    Warning,
    Info,
    Off,
}

/// Which rules run when nothing is selected explicitly.
#[derive(
    Debug, Default, Deserialize, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// The rules whose findings are problems on (almost) every file.
    #[default]
    Default,
    /// `default` plus the opt-in hardening rules (C113-C120), which ask
    /// for settings a working file may well leave out.
    Strict,
}

impl Profile {
    pub fn as_str(self) -> &'static str {
        match self {
            Profile::Default => "default",
            Profile::Strict => "strict",
        }
    }
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

impl FailOn {
    /// Does a diagnostic of this severity fail the run?
    pub fn fails(self, s: Severity) -> bool {
        match self {
            FailOn::Error => s >= Severity::Error,
            FailOn::Warning => s >= Severity::Warning,
            FailOn::Info => true,
            FailOn::Never => false,
        }
    }
}

/// A config file that cannot be used (exit status 2).
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path.display(), self.message)
    }
}

impl Config {
    /// [`Config::load`], each file read once while the file-system cache
    /// is on (a batch run, where many files share one config).
    pub fn load_once(path: &Path) -> Result<Config, String> {
        use crate::fscache::{memo, Memo};
        static T: Memo<std::ffi::OsString, Result<Config, String>> = std::sync::OnceLock::new();
        memo(&T, path.as_os_str(), |p| {
            Config::load(Path::new(p)).map_err(|e| e.to_string())
        })
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.to_path_buf(),
            message,
        };
        // Through the loader's reader: a config that is a FIFO or a device
        // (a symlink to /dev/zero) is refused, not read forever.
        let text = crate::load::project::read_text(path, 1024 * 1024).map_err(err)?;
        Config::from_text(&text, path)
    }

    /// Parses a config file's text; `path` names it in errors and is the
    /// directory per-file-ignores globs are relative to. Split from
    /// [`Config::load`] so that the reader can be fuzzed without a file.
    pub fn from_text(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let err = |message: String| ConfigError {
            path: path.to_path_buf(),
            message,
        };
        let mut cfg: Config = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start].matches('\n').count() + 1;
                    let col = s.start - text[..s.start].rfind('\n').map_or(0, |i| i + 1) + 1;
                    format!("{line}:{col}: ")
                })
                .unwrap_or_default();
            err(format!("{at}{}", e.message()))
        })?;
        for code in cfg
            .select
            .iter()
            .flatten()
            .chain(&cfg.ignore)
            .chain(&cfg.extend_select)
            .chain(cfg.rules.keys())
            .chain(cfg.per_file_ignores.values().flatten())
            .chain(cfg.per_service_ignores.values().flatten())
        {
            if !is_known_selector(code) {
                return Err(err(format!(
                    "unknown rule code or prefix `{code}` (see `compose-lint rules`)"
                )));
            }
        }
        for glob in cfg.per_file_ignores.keys() {
            globset::Glob::new(glob).map_err(|e| err(format!("invalid glob `{glob}`: {e}")))?;
        }
        cfg.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        cfg.path = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// The nearest config file at or above `start` (a file or a directory).
    pub fn discover(start: &Path) -> Option<PathBuf> {
        let abs = crate::load::project::absolute(start);
        let dir = if crate::fscache::is_dir(&abs) {
            Some(abs.as_path())
        } else {
            abs.parent()
        };
        crate::fscache::nearest_file(dir?, &FILE_NAMES)
    }

    /// The severity a rule runs at, or `None` when it is turned off.
    pub fn severity(&self, code: &str, default: Severity) -> Option<Severity> {
        match self.rules.get(code).and_then(|r| r.severity) {
            Some(SeverityOrOff::Off) => None,
            Some(SeverityOrOff::Error) => Some(Severity::Error),
            Some(SeverityOrOff::Warning) => Some(Severity::Warning),
            Some(SeverityOrOff::Info) => Some(Severity::Info),
            None => Some(default),
        }
    }

    /// The bases `[bases]` names for `file` (empty: infer them).
    pub fn bases_for(&self, file: &Path) -> Vec<PathBuf> {
        let abs = crate::load::project::absolute(file);
        let base = crate::load::project::absolute(&self.dir);
        let rel = abs.strip_prefix(&base).unwrap_or(&abs);
        for (glob, bases) in &self.bases {
            let Ok(g) = globset::GlobBuilder::new(glob)
                .literal_separator(true)
                .build()
            else {
                continue;
            };
            if g.compile_matcher().is_match(rel) {
                return bases.iter().map(|b| self.dir.join(b)).collect();
            }
        }
        Vec::new()
    }

    /// Codes ignored for `file` by `per-file-ignores`.
    pub fn file_ignores(&self, file: &Path) -> Vec<String> {
        let abs = crate::load::project::absolute(file);
        let base = crate::load::project::absolute(&self.dir);
        let rel = abs.strip_prefix(&base).unwrap_or(&abs);
        let mut out = Vec::new();
        for (glob, codes) in &self.per_file_ignores {
            let Ok(g) = globset::GlobBuilder::new(glob)
                .literal_separator(false)
                .build()
            else {
                continue;
            };
            let m = g.compile_matcher();
            if m.is_match(rel) || m.is_match(file) {
                out.extend(codes.iter().cloned());
            }
        }
        out
    }
}

/// Does `sel` match `code`? A selector is a code (`M101`), a prefix (`M`,
/// `M1`), a rule name (`duplicate-key`) or `ALL`.
pub fn selector_matches(sel: &str, code: &str, name: &str) -> bool {
    sel.eq_ignore_ascii_case("ALL")
        || sel == name
        || code
            .to_ascii_uppercase()
            .starts_with(&sel.to_ascii_uppercase())
}

/// Does `sel` name this rule itself (its code or its name), not a prefix
/// of its code or `ALL`? Opt-in rules are turned on only so (or by the
/// `strict` profile): `select = ["ALL"]` keeps meaning every rule of the
/// profile, as before the profiles existed.
pub fn selector_names(sel: &str, code: &str, name: &str) -> bool {
    sel == name || sel.eq_ignore_ascii_case(code)
}

/// Does `sel` name at least one rule (as a code, prefix, name or `ALL`)?
pub fn is_known_selector(sel: &str) -> bool {
    crate::rules::REGISTRY
        .iter()
        .any(|r| selector_matches(sel, r.meta.code, r.meta.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("compose-lint.toml");
        std::fs::write(&p, text).unwrap();
        Config::load(&p)
    }

    #[test]
    fn unknown_key_has_location() {
        let e = load_str("select = [\"S\"]\nfail_on = \"error\"\n").unwrap_err();
        assert!(e.message.starts_with("2:1: "), "{}", e.message);
        assert!(e.message.contains("fail_on"), "{}", e.message);
    }

    #[test]
    fn unknown_code_is_an_error() {
        let e = load_str("ignore = [\"Z999\"]\n").unwrap_err();
        assert!(e.message.contains("Z999"));
    }

    #[test]
    fn severity_override_and_off() {
        let c = load_str("[rules.S006]\nseverity = \"error\"\n[rules.S002]\nseverity = \"off\"\n")
            .unwrap();
        assert_eq!(c.severity("S006", Severity::Warning), Some(Severity::Error));
        assert_eq!(c.severity("S002", Severity::Error), None);
        assert_eq!(c.severity("S003", Severity::Error), Some(Severity::Error));
    }

    #[test]
    fn profile_and_extend_select() {
        let c =
            load_str("profile = \"strict\"\nextend-select = [\"C117\"]\nrequire-digest = true\n")
                .unwrap();
        assert_eq!(c.profile, Some(Profile::Strict));
        assert_eq!(c.extend_select, vec!["C117".to_string()]);
        assert!(c.require_digest);
        let e = load_str("profile = \"paranoid\"\n").unwrap_err();
        assert!(e.message.contains("paranoid"), "{}", e.message);
        let e = load_str("extend-select = [\"Z9\"]\n").unwrap_err();
        assert!(e.message.contains("Z9"), "{}", e.message);
    }

    #[test]
    fn selectors() {
        assert!(selector_matches("S", "S002", "duplicate-key"));
        assert!(selector_matches("s00", "S002", "duplicate-key"));
        assert!(selector_matches("duplicate-key", "S002", "duplicate-key"));
        assert!(!selector_matches("M", "S002", "duplicate-key"));
    }
}
