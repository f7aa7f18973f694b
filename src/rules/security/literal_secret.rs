//! C110: a secret written into the Compose file, in `environment` or in
//! `build.args`.
//!
//! Judged by the variable's name (`*PASSWORD*`, `*TOKEN*`, `*SECRET*`,
//! `*_KEY`, ...) with a value that is not a placeholder, a switch or a
//! path, and by the value itself wherever it is: a known token prefix
//! (`ghp_`, `glpat-`, `AKIA`, `sk_live_`, a private key), or a URL with a
//! password. A value written with `$` is interpolated, not in the file, and
//! never reported; nor is a `*_FILE` variable, which holds a path.
//!
//! No automatic fix: replacing the value with `${NAME}` is only half of
//! it (the value must move to an untracked `.env` or a secret file), and
//! an edit that leaves the variable unset breaks the service.

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{KeyValue, KvList};
use crate::rules::security::util::is_interpolated;
use crate::rules::{page, Context, FixAvailability, Group, RuleMeta};

pub const META: RuleMeta = RuleMeta {
    code: "C110",
    name: "literal-secret",
    group: Group::Security,
    default_severity: Severity::Warning,
    levels: &[Severity::Warning],
    levels_why: "",
    fix: FixAvailability::None,
    summary: "A password, token or key written literally in `environment` or `build.args`.",
    exit_codes: &[],
    page: page!("C110-literal-secret.md"),
};

/// Words in a variable name that mark its value as a secret.
const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "PASSPHRASE",
];

/// A last word that makes the variable about a secret, not the secret
/// itself (`PASSWORD_FILE`, `TOKEN_TTL`, `SECRET_KEY_PATH`, `DB_USER`).
const META_WORDS: &[&str] = &[
    "FILE",
    "PATH",
    "DIR",
    "LENGTH",
    "LEN",
    "EXPIRY",
    "EXPIRE",
    "EXPIRES",
    "EXPIRATION",
    "TTL",
    "TIMEOUT",
    "LIFETIME",
    "SECONDS",
    "MINUTES",
    "HOURS",
    "DAYS",
    "AGE",
    "HOST",
    "PORT",
    "USER",
    "USERNAME",
    "NAME",
    "TYPE",
    "ALGORITHM",
    "ALG",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "REQUIRED",
    "HEADER",
    "ID",
    "METHOD",
    "POLICY",
    "MODE",
    "PROVIDER",
    "LOCATION",
    "ENDPOINT",
    "ISSUER",
    "AUDIENCE",
    "FORMAT",
    "SIZE",
    "COUNT",
    "RESET",
    "ROUNDS",
    "COST",
    "MIN",
    "MAX",
    "STRENGTH",
    "PROMPT",
    "CHANGE",
    "FIELD",
    "PARAM",
    "URL",
    "URI",
    "ENV",
    "VAR",
    "COMMAND",
    "CMD",
    "HINT",
    "AUTH",
    "LOGIN",
    "STORE",
    "BACKEND",
    "SALT_ROUNDS",
    "ITERATIONS",
    "KEY_ID",
    "PUBLIC",
    "VERSION",
    "RETRIES",
    "INTERVAL",
    "REFRESH",
    "LIMIT",
    "PREFIX",
    "SUFFIX",
    "CHARS",
];

/// Does the name say the value is a secret?
pub fn secret_name(name: &str) -> bool {
    // Words compared regardless of case, without copying the name: every
    // variable of every service is judged.
    let words = name
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty());
    let (mut before_last, mut last, mut secret) = (None, None, false);
    for w in words {
        secret = secret || is_one_of(w, SECRET_WORDS);
        before_last = last;
        last = Some(w);
    }
    let Some(last) = last else {
        return false;
    };
    // `*_KEY` (`API_KEY`, `SECRET_KEY`, `AWS_SECRET_ACCESS_KEY`), not `PUBLIC_KEY`.
    let key = last.eq_ignore_ascii_case("KEY")
        && before_last.is_some_and(|w| !w.eq_ignore_ascii_case("PUBLIC"));
    // A last word such as `_FILE` or `_TTL` says it is not the secret
    // itself (looked for last: most names are not secret at all).
    (key || secret) && !is_one_of(last, META_WORDS)
}

/// Is `word` one of `words` (upper case), regardless of case?
fn is_one_of(word: &str, words: &[&str]) -> bool {
    words.iter().any(|w| word.eq_ignore_ascii_case(w))
}

/// A value that is not a secret even under a secret name: a switch, a
/// number, a path, a placeholder.
fn not_a_secret_value(v: &str) -> bool {
    let t = v.trim();
    let low = t.to_ascii_lowercase();
    t.is_empty()
        || matches!(
            low.as_str(),
            "true"
                | "false"
                | "yes"
                | "no"
                | "on"
                | "off"
                | "none"
                | "null"
                | "nil"
                | "0"
                | "1"
                | "required"
                | "optional"
                | "disabled"
                | "enabled"
                | "random"
                | "empty"
        )
        || (t.len() < 8 && t.chars().all(|c| c.is_ascii_digit()))
        || t.starts_with('/')
        || t.starts_with("./")
        || t.starts_with("file:")
        || t.starts_with("../")
        || t.starts_with("~/")
        || looks_like_file_name(t)
        || (t.starts_with('<') && t.ends_with('>'))
        || t.chars().all(|c| c == '*' || c == 'x' || c == 'X')
}

/// `certs/es-key.pem`, `server.key`: a file holding the secret, not the
/// secret.
fn looks_like_file_name(t: &str) -> bool {
    const EXT: &[&str] = &[
        ".pem",
        ".key",
        ".crt",
        ".cer",
        ".der",
        ".p12",
        ".pfx",
        ".jks",
        ".keystore",
        ".json",
        ".txt",
        ".asc",
        ".gpg",
        ".pub",
    ];
    !t.contains(char::is_whitespace)
        && !t.contains("://")
        && EXT.iter().any(|e| t.to_ascii_lowercase().ends_with(e))
}

/// Shannon entropy of the value, in bits per character.
pub fn entropy(v: &str) -> f64 {
    let mut counts = std::collections::HashMap::new();
    for c in v.chars() {
        *counts.entry(c).or_insert(0usize) += 1;
    }
    let n = v.chars().count() as f64;
    counts
        .values()
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum()
}

/// Token formats known by their prefix: the prefix, the least length of
/// the rest (letters, digits, `_` and `-` only), and what the token is. No
/// prefix starts another, so the order does not matter.
const PREFIXED: &[(&str, usize, &str)] = &[
    ("ghp_", 30, "a GitHub token"),
    ("gho_", 30, "a GitHub token"),
    ("ghu_", 30, "a GitHub token"),
    ("ghs_", 30, "a GitHub token"),
    ("ghr_", 30, "a GitHub token"),
    ("github_pat_", 40, "a GitHub token"),
    ("glpat-", 20, "a GitLab personal access token"),
    ("xoxb-", 20, "a Slack token"),
    ("xoxp-", 20, "a Slack token"),
    ("xoxa-", 20, "a Slack token"),
    ("xoxr-", 20, "a Slack token"),
    ("xoxs-", 20, "a Slack token"),
    ("sk_live_", 20, "a Stripe live secret key"),
    ("rk_live_", 20, "a Stripe live secret key"),
    ("sk-", 40, "an OpenAI-style API key"),
    ("AIza", 35, "a Google API key"),
    ("SG.", 60, "a SendGrid API key"),
    ("npm_", 36, "an npm access token"),
];

/// The bytes a token of [`known_token`] other than a PEM key can start
/// with: the prefixes' first bytes, and `A` of an AWS access key id. Most
/// values start with none of them and are ruled out at once.
const TOKEN_STARTS: [bool; 256] = {
    let mut t = [false; 256];
    t[b'A' as usize] = true;
    let mut i = 0;
    while i < PREFIXED.len() {
        t[PREFIXED[i].0.as_bytes()[0] as usize] = true;
        i += 1;
    }
    t
};

/// A token format that is a credential wherever it appears.
pub fn known_token(v: &str) -> Option<&'static str> {
    static PEM: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(b"-----BEGIN"));
    let t = v.trim();
    if PEM.find(t.as_bytes()).is_some() && t.contains("PRIVATE KEY") {
        return Some("a PEM private key");
    }
    if !t
        .as_bytes()
        .first()
        .is_some_and(|&b| TOKEN_STARTS[b as usize])
    {
        return None;
    }
    let token_rest = |r: &str| {
        r.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    };
    let first = t.as_bytes()[0];
    if let Some(&(_, _, kind)) = PREFIXED.iter().find(|(prefix, min, _)| {
        // The first byte rules most prefixes out without comparing them.
        prefix.as_bytes()[0] == first
            && t.strip_prefix(prefix)
                .is_some_and(|r| r.len() >= *min && token_rest(r))
    }) {
        return Some(kind);
    }
    let aws = t.len() == 20
        && (t.starts_with("AKIA") || t.starts_with("ASIA"))
        && t[4..]
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    aws.then_some("an AWS access key id")
}

/// `scheme://user:password@host` with a literal password.
fn url_password(v: &str) -> bool {
    if !v.contains(':') {
        return false;
    }
    let Some((_, rest)) = v.split_once("://") else {
        return false;
    };
    let auth = rest.split(['/', '?', '#']).next().unwrap_or("");
    let Some((cred, _)) = auth.rsplit_once('@') else {
        return false;
    };
    cred.split_once(':').is_some_and(|(_, p)| !p.is_empty())
}

/// Why a `KEY=value` entry holds a secret, or `None`.
fn judge(key: &str, value: &str) -> Option<String> {
    let key_end = key.len().saturating_sub(5);
    if key.as_bytes()[key_end..].eq_ignore_ascii_case(b"_FILE") {
        return None;
    }
    if let Some(kind) = known_token(value) {
        return Some(format!("the value is {kind}"));
    }
    if url_password(value) {
        return Some("the value is a URL with a password in it".into());
    }
    if secret_name(key) && !not_a_secret_value(value) {
        let e = entropy(value.trim());
        return Some(if value.trim().len() >= 16 && e >= 3.5 {
            format!("the name says it is a secret and the value looks random ({e:.1} bits per character)")
        } else {
            "the name says it is a secret".into()
        });
    }
    None
}

fn entries(list: &KvList) -> impl Iterator<Item = (&KeyValue, &str)> {
    list.iter()
        .filter_map(|e| e.value.as_ref().map(|v| (e, v.value.as_str())))
}

pub fn check(cx: &Context, out: &mut Vec<Diagnostic>) {
    for s in &cx.project.services {
        let name = &s.name.value;
        let build_args = s.build.as_ref().map(|b| &b.args);
        let lists = [(&s.environment, false)]
            .into_iter()
            .chain(build_args.map(|a| (a, true)));
        for (list, is_arg) in lists {
            for (e, value) in entries(list) {
                let v = e.value.as_ref().expect("entries have values");
                // The entry's text holds the value's when the one span
                // lies within the other: one search then answers both.
                let within = v.span.file == e.span.file
                    && e.span.start <= v.span.start
                    && v.span.end <= e.span.end;
                if (!within && is_interpolated(cx, v.span)) || is_interpolated(cx, e.span) {
                    continue;
                }
                let key = &e.key.value;
                let Some(why) = judge(key, value) else {
                    continue;
                };
                let (place, help) = if is_arg {
                    (
                        "build argument",
                        "pass it as a build secret instead (`build: secrets: [name]` and `RUN --mount=type=secret,id=name`): build arguments stay readable in the image's history (`docker history`)".to_string(),
                    )
                } else {
                    (
                        "environment variable",
                        format!("read it from the environment (`${{{key}}}` with the value in an untracked `.env`), or use a Compose secret (`secrets:`, mounted at /run/secrets/<name>; many images read `{key}_FILE`)"),
                    )
                };
                let d = Diagnostic::warning(
                    META.code,
                    v.span,
                    format!(
                        "service `{name}` has a literal secret in {place} `{key}` ({why}): it is readable by everyone who can read this file or its repository, and by `docker inspect`"
                    ),
                )
                .help(help)
                .note("OWASP Docker Top 10 D06: protect secrets; CIS Docker Benchmark 4.10: do not store secrets in Dockerfiles or images");
                out.push(d);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "POSTGRES_PASSWORD",
            "DB_PASS",
            "API_KEY",
            "SECRET_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "GITHUB_TOKEN",
            "jwt_secret",
            "SECRET_KEY_BASE",
            // Words compare regardless of case; other characters split them.
            "api_Key",
            "db.pAsS",
            "ÄPASSWORD",
        ] {
            assert!(secret_name(n), "{n}");
        }
        for n in [
            "POSTGRES_PASSWORD_FILE",
            "TOKEN_TTL",
            "PUBLIC_KEY",
            "DB_USER",
            "PASSWORD_MIN_LENGTH",
            "KEYCLOAK_URL",
            "MONKEY",
            "COMPASS",
            "public_key",
            "key",
            "Token_Ttl",
            "",
        ] {
            assert!(!secret_name(n), "{n}");
        }
    }

    /// Every prefixed format is found, past the first-byte shortcut, at
    /// its least length and not below it, with or without blanks around it.
    #[test]
    fn every_prefixed_token_is_found() {
        for &(prefix, min, kind) in PREFIXED {
            let token = format!("{prefix}{}", "a1_-".repeat(min).split_at(min).0);
            assert_eq!(known_token(&token), Some(kind), "{token}");
            assert_eq!(known_token(&format!(" {token}\n")), Some(kind), "{token}");
            assert_eq!(known_token(&token[..token.len() - 1]), None, "{token}");
            assert_eq!(known_token(&format!("{token} x")), None, "{token}");
        }
        assert_eq!(
            known_token("AKIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(
            known_token("ASIAIOSFODNN7EXAMPLE"),
            Some("an AWS access key id")
        );
        assert_eq!(known_token("AKIAIOSFODNN7EXAMPL"), None);
        assert_eq!(known_token("AKIAIOSFODNN7eXAMPLE"), None);
        let pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----";
        assert_eq!(known_token(pem), Some("a PEM private key"));
        assert_eq!(known_token(&format!("x{pem}")), Some("a PEM private key"));
        assert_eq!(known_token("-----BEGIN CERTIFICATE-----"), None);
    }

    /// Values written with `$` (inline, through an alias to an anchored
    /// `$$`, or in a `KEY=value` item) are left alone; literal ones are
    /// reported.
    #[test]
    fn interpolated_values_are_left_alone_wherever_they_are_written() {
        let c110 = |text: &str| {
            crate::lint::lint_text("/p/compose.yaml", text)
                .expect("lints")
                .diagnostics
                .iter()
                .filter(|d| d.code == "C110")
                .count()
        };
        let doc = |value: &str| {
            format!("x-pw: &pw \"$$literal-1\"\nservices:\n  db:\n    image: postgres\n    environment:\n      DB_PASSWORD: {value}\n")
        };
        assert_eq!(c110(&doc("*pw")), 0);
        assert_eq!(c110(&doc("\"$$literal-1\"")), 0);
        assert_eq!(c110(&doc("\"literal-1\"")), 1);
        assert_eq!(c110("services:\n  db:\n    image: postgres\n    environment:\n      - DB_PASSWORD=$$x-1\n      - API_TOKEN=literal-1\n"), 1);
    }

    #[test]
    fn values() {
        assert!(known_token("ghp_0123456789abcdefghijABCDEFGHIJklmnop").is_some());
        assert!(known_token("AKIAIOSFODNN7EXAMPLE").is_some());
        assert!(known_token("glpat-xxxxxxxxxxxxxxxxxxxx").is_some());
        assert!(known_token("hello").is_none());
        assert!(url_password("postgres://app:s3cret@db:5432/app"));
        assert!(!url_password("postgres://app@db:5432/app"));
        assert!(!url_password("http://db:5432/app"));
        assert!(judge("MYSQL_ALLOW_EMPTY_PASSWORD", "yes").is_none());
        assert!(judge("POSTGRES_PASSWORD_FILE", "/run/secrets/pg").is_none());
        assert!(judge("postgres_password_file", "example").is_none());
        assert!(judge("PASS", "example").is_some());
        assert!(judge("POSTGRES_PASSWORD", "example").is_some());
        assert!(judge("xpack.security.http.ssl.key", "certs/elasticsearch-key.pem").is_none());
        assert!(judge("HOME", "ghp_0123456789abcdefghijABCDEFGHIJklmnop").is_some());
        assert!(entropy("aaaa") < 0.1);
        assert!(entropy("k3J9x!Qz0Lm2Vb7R") > 3.5);
    }
}
