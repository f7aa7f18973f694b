//! Image references: `[registry/][namespace/]repo[:tag][@digest]`, with
//! Docker Hub's defaults (`postgres` == `docker.io/library/postgres`).

/// A parsed image reference.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// `docker.io`, `ghcr.io`, `localhost:5000`.
    pub registry: String,
    /// The path below the registry: `library/postgres`, `prom/prometheus`.
    pub path: String,
    pub tag: Option<String>,
    /// `sha256:...`
    pub digest: Option<String>,
}

impl Reference {
    /// Parses a reference as written in `image:`; `None` when it is not one
    /// (empty, upper case in the path, an unresolved variable). Checks come
    /// before copies: a service's image is parsed by several rules.
    pub fn parse(s: &str) -> Option<Reference> {
        let s = s.trim();
        if s.is_empty() || s.contains(char::is_whitespace) || s.contains('$') {
            return None;
        }
        let (rest, digest) = match s.split_once('@') {
            Some((r, d)) => (r, Some(d)),
            None => (s, None),
        };
        // A tag is after the last ':' that follows the last '/'.
        let slash = rest.rfind('/').map_or(0, |i| i + 1);
        let (name, tag) = match rest[slash..].rfind(':') {
            Some(i) => (&rest[..slash + i], Some(&rest[slash + i + 1..])),
            None => (rest, None),
        };
        if name.is_empty() || tag == Some("") {
            return None;
        }
        let (registry, path) = match name.split_once('/') {
            Some((first, more))
                if first.contains('.') || first.contains(':') || first == "localhost" =>
            {
                (first, more)
            }
            _ => ("docker.io", name),
        };
        let registry = match registry {
            "index.docker.io" | "registry-1.docker.io" | "registry.hub.docker.com" => "docker.io",
            _ => registry,
        };
        // Docker Hub's official images live under `library/`.
        let library = registry == "docker.io" && !path.contains('/');
        if (path.is_empty() && !library) || !path.bytes().all(path_byte) {
            return None;
        }
        let mut full = String::with_capacity(path.len() + if library { 8 } else { 0 });
        if library {
            full.push_str("library/");
        }
        full.push_str(path);
        Some(Reference {
            registry: registry.to_string(),
            path: full,
            tag: tag.map(str::to_string),
            digest: digest.map(str::to_string),
        })
    }

    /// `docker.io/library/postgres`: the repository without tag or digest.
    pub fn repository(&self) -> String {
        let mut r = String::with_capacity(self.registry.len() + 1 + self.path.len());
        r.push_str(&self.registry);
        r.push('/');
        r.push_str(&self.path);
        r
    }

    /// The tag that applies: the one written, or `latest` when there is
    /// neither a tag nor a digest. `None` for a digest-only reference.
    pub fn effective_tag(&self) -> Option<&str> {
        match (&self.tag, &self.digest) {
            (Some(t), _) => Some(t),
            (None, None) => Some("latest"),
            (None, Some(_)) => None,
        }
    }

    /// Do two references name the same repository and tag? A missing tag
    /// is `latest`; digests must agree when both have one.
    pub fn same_image(&self, other: &Reference) -> bool {
        if self.repository() != other.repository() {
            return false;
        }
        if let (Some(a), Some(b)) = (&self.digest, &other.digest) {
            return a == b;
        }
        self.effective_tag() == other.effective_tag()
    }
}

/// May a repository path hold this byte (lower-case letters, digits, `._-/`)?
fn path_byte(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-' | b'/')
}

/// Canonical repository name of a repository written without tag.
pub fn canonical_repository(s: &str) -> Option<String> {
    Reference::parse(s).map(|r| r.repository())
}

/// Matches `tag` against a glob where `*` is any run of characters and `?`
/// one character.
pub fn tag_glob_matches(pattern: &str, tag: &str) -> bool {
    // Tags and patterns are ASCII: their bytes are their characters, and
    // a lookup tries many patterns, so nothing is allocated for them.
    if pattern.is_ascii() && tag.is_ascii() {
        glob(pattern.as_bytes(), tag.as_bytes(), b'*', b'?')
    } else {
        let p: Vec<char> = pattern.chars().collect();
        let t: Vec<char> = tag.chars().collect();
        glob(&p, &t, '*', '?')
    }
}

/// [`tag_glob_matches`] over characters of any kind: `star` is any run of
/// them and `one` any one.
fn glob<T: Copy + PartialEq>(p: &[T], t: &[T], star_char: T, one: T) -> bool {
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == one || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == star_char {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == star_char {
        pi += 1;
    }
    pi == p.len()
}

/// Is `pattern` a valid tag pattern (tag characters plus `*` and `?`, at
/// most 128 characters, not starting with `.` or `-`)?
pub fn valid_tag_pattern(pattern: &str) -> bool {
    !pattern.is_empty()
        && pattern.len() <= 128
        && !pattern.starts_with(['.', '-'])
        && pattern
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.-*?".contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The byte matcher used for ASCII says what the character matcher
    /// says, on every pattern and tag of up to 4 characters from a small
    /// alphabet with both wildcards.
    #[test]
    fn byte_glob_is_the_char_glob() {
        let alphabet = ['a', 'b', '.', '*', '?'];
        let mut words = vec![String::new()];
        for len in 1..=4 {
            let mut next = Vec::new();
            for w in words.iter().filter(|w| w.len() == len - 1) {
                for c in alphabet {
                    next.push(format!("{w}{c}"));
                }
            }
            words.extend(next);
        }
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        let mut matches = 0;
        for p in &words {
            for t in words.iter().filter(|t| !t.contains(['*', '?'])) {
                let by_bytes = glob(p.as_bytes(), t.as_bytes(), b'*', b'?');
                assert_eq!(by_bytes, glob(&chars(p), &chars(t), '*', '?'), "{p} {t}");
                assert_eq!(by_bytes, tag_glob_matches(p, t), "{p} {t}");
                matches += usize::from(by_bytes);
            }
        }
        assert!(matches > 1000, "{matches}");
        assert!(tag_glob_matches("16*", "16.2-bookworm"));
        assert!(tag_glob_matches("é*", "éa") && !tag_glob_matches("é?", "é"));
    }

    #[test]
    fn references() {
        let cases: &[(&str, &str, Option<&str>, Option<&str>)] = &[
            ("postgres", "docker.io/library/postgres", None, None),
            (
                "postgres:16",
                "docker.io/library/postgres",
                Some("16"),
                None,
            ),
            (
                "docker.io/library/postgres:16",
                "docker.io/library/postgres",
                Some("16"),
                None,
            ),
            (
                "index.docker.io/library/postgres",
                "docker.io/library/postgres",
                None,
                None,
            ),
            (
                "apacherocketmq/rocketmq:4.3.1",
                "docker.io/apacherocketmq/rocketmq",
                Some("4.3.1"),
                None,
            ),
            (
                "localhost:5000/app:1",
                "localhost:5000/app",
                Some("1"),
                None,
            ),
            (
                "ghcr.io/org/team/app@sha256:abc",
                "ghcr.io/org/team/app",
                None,
                Some("sha256:abc"),
            ),
            (
                "redis:7@sha256:abc",
                "docker.io/library/redis",
                Some("7"),
                Some("sha256:abc"),
            ),
            (
                "docker.elastic.co/elasticsearch/elasticsearch:8.1.0",
                "docker.elastic.co/elasticsearch/elasticsearch",
                Some("8.1.0"),
                None,
            ),
        ];
        for (s, repo, tag, digest) in cases {
            let r = Reference::parse(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!(r.repository(), *repo, "{s}");
            assert_eq!(r.tag.as_deref(), *tag, "{s}");
            assert_eq!(r.digest.as_deref(), *digest, "{s}");
        }
        for bad in ["", "Postgres", "a b", "${IMAGE}", "x:", ":tag"] {
            assert_eq!(Reference::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            Reference::parse("x@sha256:a").unwrap().effective_tag(),
            None
        );
        assert_eq!(
            Reference::parse("x").unwrap().effective_tag(),
            Some("latest")
        );
        let a = Reference::parse("postgres").unwrap();
        assert!(a.same_image(&Reference::parse("docker.io/library/postgres:latest").unwrap()));
        assert!(!a.same_image(&Reference::parse("postgres:16").unwrap()));
    }

    #[test]
    fn globs() {
        for (p, t, want) in [
            ("4.3.*", "4.3.1", true),
            ("4.3.*", "4.3.", true),
            ("4.3.*", "4.4.0", false),
            ("4.?", "4.3", true),
            ("4.?", "4.13", false),
            ("*-alpine", "16.2-alpine", true),
            ("*", "anything", true),
            ("latest", "latest", true),
            ("1.*.x", "1.2.3.x", true),
            ("1.*.x", "1.2.3.y", false),
        ] {
            assert_eq!(tag_glob_matches(p, t), want, "{p} ~ {t}");
        }
        assert!(valid_tag_pattern("4.3.*"));
        assert!(!valid_tag_pattern("4.3/*"));
        assert!(!valid_tag_pattern(""));
    }
}
