//! Service `volumes` entries: the [`Mount`] model and the short-syntax
//! parser, following compose-go `format.ParseVolume`.
//!
//! Short syntax is `[SOURCE:]TARGET[:OPTIONS]`. A source is a bind mount
//! when it starts with `/`, `.`, `~`, `\\` or a Windows drive (`C:`); any
//! other source is a named volume; no source is an anonymous volume. A
//! single letter followed by `:` is always read as a Windows drive, so
//! `a:/data` is an anonymous volume at `a:/data`, exactly as compose-go does.

use super::units::ByteSize;
use super::{Keys, KvList};
use crate::source::{Span, Spanned};
use crate::value::{Key, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize)]
pub enum MountKind {
    Volume,
    Bind,
    Tmpfs,
    Npipe,
    Cluster,
    Image,
}

impl MountKind {
    pub fn parse(s: &str) -> Option<MountKind> {
        Some(match s {
            "volume" => MountKind::Volume,
            "bind" => MountKind::Bind,
            "tmpfs" => MountKind::Tmpfs,
            "npipe" => MountKind::Npipe,
            "cluster" => MountKind::Cluster,
            "image" => MountKind::Image,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Volume => "volume",
            MountKind::Bind => "bind",
            MountKind::Tmpfs => "tmpfs",
            MountKind::Npipe => "npipe",
            MountKind::Cluster => "cluster",
            MountKind::Image => "image",
        }
    }
}

/// `volume:` options of a long-syntax mount (`nocopy` also from short syntax).
#[derive(Clone, Debug, PartialEq, Default)]
pub struct VolumeOptions {
    pub nocopy: Option<Spanned<bool>>,
    pub subpath: Option<Spanned<String>>,
    pub labels: KvList,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// `bind:` options; short-syntax `z`/`Z` and propagation words land here.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct BindOptions {
    /// As written; see [`Mount::creates_host_path`] for the effective value.
    pub create_host_path: Option<Spanned<bool>>,
    pub propagation: Option<Spanned<String>>,
    pub selinux: Option<Spanned<String>>,
    pub recursive: Option<Spanned<String>>,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct TmpfsOptions {
    pub size: Option<Spanned<ByteSize>>,
    /// As written; read it with [`super::units::parse_file_mode`].
    pub mode: Option<Spanned<String>>,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

#[derive(Clone, Debug, PartialEq, Default)]
pub struct ImageOptions {
    pub subpath: Option<Spanned<String>>,
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

/// One service `volumes` entry in either syntax.
#[derive(Clone, Debug, PartialEq)]
pub struct Mount {
    /// Span: the `type` value (long syntax) or the whole entry (short).
    pub kind: Spanned<MountKind>,
    /// Host path, volume name or image, as written (relative and `~`
    /// paths are not resolved here). `None` for anonymous volumes and tmpfs.
    pub source: Option<Spanned<String>>,
    pub target: Spanned<String>,
    pub read_only: Option<Spanned<bool>>,
    pub consistency: Option<Spanned<String>>,
    pub short_syntax: bool,
    /// The long syntax's option blocks, boxed: rare, and a large file has
    /// thousands of mounts (a mount was 1,040 bytes with them inline).
    pub volume: Option<Box<VolumeOptions>>,
    pub bind: Option<Box<BindOptions>>,
    pub tmpfs: Option<Box<TmpfsOptions>>,
    pub image: Option<Box<ImageOptions>>,
    /// Short syntax: every option written after the second colon, and the
    /// ones Compose silently ignores.
    pub options: Vec<String>,
    pub unknown_options: Vec<String>,
    /// The whole entry.
    pub span: Span,
    /// Long syntax keys.
    pub keys: Keys,
    pub extensions: Vec<(Key, Value)>,
}

impl Mount {
    pub fn is_read_only(&self) -> bool {
        self.read_only.as_ref().is_some_and(|r| r.value)
    }

    /// Whether Compose creates a missing bind source: true unless
    /// `bind.create_host_path: false` is written (compose-go defaults it to
    /// true for both syntaxes).
    pub fn creates_host_path(&self) -> bool {
        self.kind.value == MountKind::Bind
            && self
                .bind
                .as_ref()
                .and_then(|b| b.create_host_path.as_ref())
                .is_none_or(|c| c.value)
    }
}

/// The result of parsing a short-syntax volume string.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MountSpec {
    pub kind: MountKind,
    pub source: Option<String>,
    pub target: String,
    pub read_only: bool,
    pub nocopy: bool,
    pub selinux: Option<String>,
    pub propagation: Option<String>,
    pub consistency: Option<String>,
    pub options: Vec<String>,
    pub unknown_options: Vec<String>,
    /// Byte ranges of source, target and options in the input.
    pub source_at: Option<std::ops::Range<usize>>,
    pub target_at: std::ops::Range<usize>,
    pub options_at: Option<std::ops::Range<usize>>,
}

fn is_windows_drive(buf: &str, c: char) -> bool {
    let mut chars = buf.chars();
    c == ':' && matches!((chars.next(), chars.next()), (Some(l), None) if l.is_alphabetic())
}

/// True for sources Compose treats as host paths.
pub fn is_host_path(source: &str) -> bool {
    if source.is_empty() {
        return false;
    }
    if source.starts_with(['.', '/', '~']) || source.starts_with(r"\\") {
        return true;
    }
    let mut it = source.chars();
    match (it.next(), it.next()) {
        (Some(l), Some(':')) => l.is_alphabetic(),
        _ => false,
    }
}

/// The `:`-separated fields of a short volume spec, as byte ranges: a
/// colon inside `${...}`, or after a Windows drive letter, separates
/// nothing.
fn volume_fields(spec: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = spec.as_bytes();
    let (mut start, mut i, mut depth) = (0, 0, 0usize);
    let mut done = false;
    std::iter::from_fn(move || {
        // Bytes, not chars: the delimiters are ASCII, which no byte of a
        // longer UTF-8 character equals.
        while i < bytes.len() {
            let c = bytes[i];
            i += 1;
            if c == b'$' && bytes.get(i) == Some(&b'{') {
                depth += 1;
            } else if c == b'}' && depth > 0 {
                depth -= 1;
            } else if c == b':' && depth == 0 && !is_windows_drive(&spec[start..i - 1], ':') {
                let field = (start, i - 1);
                start = i;
                return Some(field);
            }
        }
        if done {
            return None;
        }
        done = true;
        Some((start, spec.len()))
    })
}

/// What [`parse_volume_short`] reads as the source of a named-volume
/// mount (kind [`MountKind::Volume`]), without building the rest: `None`
/// when the spec is invalid, has no source, or mounts a host path.
pub fn named_volume_source(spec: &str) -> Option<&str> {
    if spec.len() <= 2 {
        return None;
    }
    let mut source = None;
    let mut count = 0;
    for (a, b) in volume_fields(spec) {
        count += 1;
        if a == b || count > 3 {
            return None;
        }
        if count == 1 {
            source = Some(&spec[a..b]);
        }
    }
    let source = source.filter(|_| count >= 2)?;
    (!is_host_path(source)).then_some(source)
}

/// Parses `[SOURCE:]TARGET[:OPTIONS]`. Options are comma separated: `ro`,
/// `rw`, `nocopy`, `z`, `Z`, propagation modes, and the legacy consistency
/// words `cached`, `delegated`, `consistent`; others are kept in
/// `unknown_options` (Compose ignores them).
pub fn parse_volume_short(spec: &str) -> Result<MountSpec, String> {
    let mut out = MountSpec {
        kind: MountKind::Volume,
        source: None,
        target: String::new(),
        read_only: false,
        nocopy: false,
        selinux: None,
        propagation: None,
        consistency: None,
        options: Vec::new(),
        unknown_options: Vec::new(),
        source_at: None,
        target_at: 0..0,
        options_at: None,
    };
    if spec.is_empty() {
        return Err("empty volume spec".into());
    }
    if spec.len() <= 2 {
        out.target = spec.to_string();
        out.target_at = 0..spec.len();
        return Ok(out);
    }
    let fields: Vec<(usize, usize)> = volume_fields(spec).collect();
    for &(a, b) in &fields {
        if a == b {
            return Err("empty section between colons".into());
        }
    }
    match fields.len() {
        1 => {
            out.target = spec.to_string();
            out.target_at = 0..spec.len();
        }
        2 | 3 => {
            let (sa, sb) = fields[0];
            let (ta, tb) = fields[1];
            out.source = Some(spec[sa..sb].to_string());
            out.source_at = Some(sa..sb);
            out.target = spec[ta..tb].to_string();
            out.target_at = ta..tb;
            if let Some(&(oa, ob)) = fields.get(2) {
                out.options_at = Some(oa..ob);
                for opt in spec[oa..ob].split(',') {
                    out.options.push(opt.to_string());
                    match opt {
                        "ro" => out.read_only = true,
                        "rw" => out.read_only = false,
                        "nocopy" => out.nocopy = true,
                        "z" | "Z" => out.selinux = Some(opt.to_string()),
                        "rprivate" | "private" | "rshared" | "shared" | "rslave" | "slave" => {
                            out.propagation = Some(opt.to_string())
                        }
                        "cached" | "delegated" | "consistent" => {
                            out.consistency = Some(opt.to_string())
                        }
                        _ => out.unknown_options.push(opt.to_string()),
                    }
                }
            }
        }
        _ => return Err("too many colons".into()),
    }
    if out.source.as_deref().is_some_and(is_host_path) {
        out.kind = MountKind::Bind;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use MountKind::*;

    /// (input, kind, source, target, read_only)
    const OK: &[(&str, MountKind, Option<&str>, &str, bool)] = &[
        ("/data", Volume, None, "/data", false),
        ("/path/foo", Volume, None, "/path/foo", false),
        ("C:\\path", Volume, None, "C:\\path", false),
        (".", Volume, None, ".", false),
        ("/a", Volume, None, "/a", false),
        ("data:/data", Volume, Some("data"), "/data", false),
        (
            "broker_m_logs:/home/rocketmq/log",
            Volume,
            Some("broker_m_logs"),
            "/home/rocketmq/log",
            false,
        ),
        (
            "db-data:/var/lib/mysql:ro",
            Volume,
            Some("db-data"),
            "/var/lib/mysql",
            true,
        ),
        (
            "name:/target:nocopy",
            Volume,
            Some("name"),
            "/target",
            false,
        ),
        ("./foo:/target", Bind, Some("./foo"), "/target", false),
        ("../other:/target", Bind, Some("../other"), "/target", false),
        ("~/thing:/target", Bind, Some("~/thing"), "/target", false),
        (
            "/home/user:/target:ro",
            Bind,
            Some("/home/user"),
            "/target",
            true,
        ),
        (
            "/home/user:/target:rw",
            Bind,
            Some("/home/user"),
            "/target",
            false,
        ),
        (
            "./broker_m.conf:/opt/rocketmq-4.3.1/conf/broker.conf",
            Bind,
            Some("./broker_m.conf"),
            "/opt/rocketmq-4.3.1/conf/broker.conf",
            false,
        ),
        (
            "/var/run/docker.sock:/var/run/docker.sock",
            Bind,
            Some("/var/run/docker.sock"),
            "/var/run/docker.sock",
            false,
        ),
        ("C:\\data:/data", Bind, Some("C:\\data"), "/data", false),
        ("C:/data:/data", Bind, Some("C:/data"), "/data", false),
        ("c:\\:d:\\", Bind, Some("c:\\"), "d:\\", false),
        (
            "C:\\source\\foo:D:\\target:ro,rprivate",
            Bind,
            Some("C:\\source\\foo"),
            "D:\\target",
            true,
        ),
        (
            "D:\\path:d:\\target",
            Bind,
            Some("D:\\path"),
            "d:\\target",
            false,
        ),
        ("name:D:", Volume, Some("name"), "D:", false),
        (
            "c:/:d:/forward/slashes",
            Bind,
            Some("c:/"),
            "d:/forward/slashes",
            false,
        ),
        (
            r"\\.\pipe\docker_engine:\\.\pipe\inside",
            Bind,
            Some(r"\\.\pipe\docker_engine"),
            r"\\.\pipe\inside",
            false,
        ),
        (
            "/source:/target:ro,z",
            Bind,
            Some("/source"),
            "/target",
            true,
        ),
        ("/source:/target:Z", Bind, Some("/source"), "/target", false),
        (
            "/source:/target:slave",
            Bind,
            Some("/source"),
            "/target",
            false,
        ),
        ("./src:/app:cached", Bind, Some("./src"), "/app", false),
        ("name:/target:bogus", Volume, Some("name"), "/target", false),
        (
            "${DATA_DIR:-./data}:/data",
            Volume,
            Some("${DATA_DIR:-./data}"),
            "/data",
            false,
        ),
        ("a:/data", Volume, None, "a:/data", false),
    ];

    #[test]
    fn short_syntax_table() {
        for (input, kind, source, target, ro) in OK {
            let m = parse_volume_short(input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(m.kind, *kind, "{input} kind");
            assert_eq!(m.source.as_deref(), *source, "{input} source");
            assert_eq!(m.target, *target, "{input} target");
            assert_eq!(m.read_only, *ro, "{input} ro");
            assert_eq!(&input[m.target_at.clone()], *target, "{input} target_at");
            if let (Some(s), Some(at)) = (source, &m.source_at) {
                assert_eq!(&input[at.clone()], *s, "{input} source_at");
            }
        }
    }

    #[test]
    fn options() {
        let m = parse_volume_short("/source:/target:ro,z,shared").unwrap();
        assert_eq!(m.selinux.as_deref(), Some("z"));
        assert_eq!(m.propagation.as_deref(), Some("shared"));
        assert_eq!(m.options, ["ro", "z", "shared"]);
        assert_eq!(m.options_at, Some(16..27));
        assert!(parse_volume_short("name:/t:nocopy").unwrap().nocopy);
        assert_eq!(
            parse_volume_short("./a:/b:delegated")
                .unwrap()
                .consistency
                .as_deref(),
            Some("delegated")
        );
        assert_eq!(
            parse_volume_short("name:/t:nocopy,subpath=x")
                .unwrap()
                .unknown_options,
            ["subpath=x"]
        );
    }

    #[test]
    fn errors() {
        for (input, msg) in [
            ("", "empty"),
            (":foo", "empty section"),
            ("/foo::ro", "empty section"),
            ("/foo:/foo:ro:foo", "too many colons"),
            ("vol:/a:ro:x", "too many colons"),
            ("/foo:", "empty section"),
        ] {
            let e = parse_volume_short(input).expect_err(input);
            assert!(e.contains(msg), "{input}: {e}");
        }
    }

    /// The source [`named_volume_source`] finds is the one the full parse
    /// gives a named-volume mount, on every spec of up to four characters
    /// over the characters the parse treats specially, and on the
    /// examples above.
    #[test]
    fn named_volume_source_is_what_the_full_parse_reads() {
        let alphabet = ['a', 'C', '/', '\\', ':', '$', '{', '}', '.', '~', ',', 'r'];
        let mut specs: Vec<String> = OK.iter().map(|c| c.0.to_string()).collect();
        let mut layer = vec![String::new()];
        for _ in 0..4 {
            layer = layer
                .iter()
                .flat_map(|s| alphabet.iter().map(move |c| format!("{s}{c}")))
                .collect();
            specs.extend(layer.iter().cloned());
        }
        specs.extend(
            [
                "${A:-x}:/d",
                "vol:/d:ro",
                "c:/x:/d",
                "a:b:c:d",
                "${X}:/d:nocopy",
            ]
            .map(String::from),
        );
        let mut named = 0;
        for spec in &specs {
            let full = parse_volume_short(spec)
                .ok()
                .filter(|m| m.kind == Volume)
                .and_then(|m| m.source);
            assert_eq!(named_volume_source(spec), full.as_deref(), "{spec:?}");
            named += usize::from(full.is_some());
        }
        assert!(named > 1000, "only {named} named volumes");
    }

    #[test]
    fn host_paths() {
        for s in [
            "/x",
            "./x",
            "../x",
            "~/x",
            "~",
            ".",
            "C:\\x",
            "c:/x",
            r"\\server\share",
        ] {
            assert!(is_host_path(s), "{s}");
        }
        for s in ["", "data", "a界", "my_vol", "${X}"] {
            assert!(!is_host_path(s), "{s}");
        }
    }
}
