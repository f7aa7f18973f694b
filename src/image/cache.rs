//! The facts cache: image facts read from a registry (`--pull`), the local
//! engine or an archive, stored by digest so that the next run does not
//! read the image again.
//!
//! Where: `$COMPOSE_LINT_CACHE`, else `$XDG_CACHE_HOME/compose-lint`, else
//! `~/.cache/compose-lint`. Two kinds of files:
//! - `facts/<algo>-<hex>.bin`: one image's facts in a compact binary format
//!   (paths front-coded, numbers as varints, evidence as indexes into a
//!   small table), so that an image with 100,000 paths loads in a few
//!   milliseconds;
//! - `refs/<hash>`: a reference (`repo:tag` and platform) resolved to a
//!   digest, with the time of the resolution; a tag's resolution is trusted
//!   for a time to live (`COMPOSE_LINT_TAG_TTL` seconds, default 3600),
//!   a digest's for ever. `--offline` trusts any age.
//!
//! Every write goes to a temporary file that is renamed into place, so a
//! reader never sees half a file. A file that does not decode is a miss.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::facts::{
    Confidence, Content, Entry, Evidence, Fact, Filesystem, GroupEntry, Image, ImageCommand,
    PathKind, RegistrySource, UserEntry,
};

const MAGIC: &[u8; 8] = b"CLFACTS\x01";
/// A facts file larger than this is not read.
const MAX_FILE: u64 = 1 << 30;

/// The cache directory, or `None` when there is no home to put it in.
pub fn dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("COMPOSE_LINT_CACHE").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d));
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Some(PathBuf::from(d).join("compose-lint"));
    }
    std::env::var_os("HOME")
        .filter(|d| !d.is_empty())
        .map(|h| PathBuf::from(h).join(".cache").join("compose-lint"))
}

/// The time to live of a tag's resolution.
pub fn tag_ttl() -> Duration {
    let secs = std::env::var("COMPOSE_LINT_TAG_TTL")
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .unwrap_or(3600);
    Duration::from_secs(secs)
}

fn safe_digest(digest: &str) -> Option<String> {
    let (algo, hex) = digest.split_once(':')?;
    let ok = |s: &str, f: fn(char) -> bool| !s.is_empty() && s.len() <= 128 && s.chars().all(f);
    (ok(algo, |c| c.is_ascii_alphanumeric()) && ok(hex, |c| c.is_ascii_hexdigit()))
        .then(|| format!("{algo}-{hex}"))
}

/// The file that holds the facts of `digest`.
pub fn facts_path(digest: &str) -> Option<PathBuf> {
    Some(
        dir()?
            .join("facts")
            .join(format!("{}.bin", safe_digest(digest)?)),
    )
}

/// The facts of the image with this digest, if cached and readable.
pub fn load(digest: &str) -> Option<Image> {
    let path = facts_path(digest)?;
    let meta = std::fs::metadata(&path).ok()?;
    if meta.len() > MAX_FILE {
        return None;
    }
    let bytes = std::fs::read(&path).ok()?;
    decode(&bytes)
}

/// Stores the facts of the image with this digest. Best effort: a cache
/// that cannot be written only makes the next run slower.
pub fn store(digest: &str, image: &Image) {
    let (Some(path), Some(bytes)) = (facts_path(digest), encode(image)) else {
        return;
    };
    let _ = write_atomically(&path, &bytes);
}

/// A resolution of `key` (reference and platform) to a digest, if one is
/// cached and younger than `max_age` (`None`: any age).
pub fn resolved(key: &str, max_age: Option<Duration>) -> Option<String> {
    let text = std::fs::read_to_string(ref_path(key)?).ok()?;
    let mut lines = text.lines();
    let when: u64 = lines.next()?.parse().ok()?;
    let digest = lines.next()?.to_string();
    if lines.next()? != key || safe_digest(&digest).is_none() {
        return None;
    }
    if let Some(max) = max_age {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).ok()?.as_secs();
        if now.saturating_sub(when) >= max.as_secs() {
            return None;
        }
    }
    Some(digest)
}

/// Records that `key` resolved to `digest` now.
pub fn record(key: &str, digest: &str) {
    let Some(path) = ref_path(key) else { return };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let _ = write_atomically(&path, format!("{now}\n{digest}\n{key}\n").as_bytes());
}

fn ref_path(key: &str) -> Option<PathBuf> {
    let h = Sha256::digest(key.as_bytes());
    let hex: String = h.iter().map(|b| format!("{b:02x}")).collect();
    Some(dir()?.join("refs").join(&hex[..32]))
}

fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let parent = path.parent().expect("cache paths have a parent");
    std::fs::create_dir_all(parent)?;
    let tmp = parent.join(format!(
        ".tmp-{}-{}",
        std::process::id(),
        path.file_name().map_or("x".into(), |n| n.to_string_lossy())
    ));
    let mut f = std::fs::File::create(&tmp)?;
    f.write_all(bytes)?;
    drop(f);
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

// ---- encoding -------------------------------------------------------------

struct Enc {
    out: Vec<u8>,
}

impl Enc {
    fn u(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.out.push(b);
                return;
            }
            self.out.push(b | 0x80);
        }
    }
    fn s(&mut self, s: &str) {
        self.u(s.len() as u64);
        self.out.extend_from_slice(s.as_bytes());
    }
    fn opt_s(&mut self, s: Option<&str>) {
        match s {
            None => self.u(0),
            Some(s) => {
                self.u(1);
                self.s(s);
            }
        }
    }
    fn opt_u(&mut self, v: Option<u32>) {
        match v {
            None => self.u(0),
            Some(v) => self.u(u64::from(v) + 1),
        }
    }
    fn cmd(&mut self, c: &Option<ImageCommand>) {
        match c {
            None => self.u(0),
            Some(ImageCommand::Exec(v)) => {
                self.u(1);
                self.u(v.len() as u64);
                for a in v {
                    self.s(a);
                }
            }
            Some(ImageCommand::Shell(s)) => {
                self.u(2);
                self.s(s);
            }
        }
    }
}

/// The evidence kinds a cached image may hold.
fn encode_evidence(e: &mut Enc, ev: &Evidence) -> Option<()> {
    match ev {
        Evidence::Registry(r) => {
            e.u(0);
            e.s(&r.registry);
            e.s(&r.repository);
            e.s(&r.digest);
            e.opt_s(r.layer.as_deref());
        }
        Evidence::Archive { path, digest } => {
            e.u(1);
            e.s(path.to_str()?);
            e.s(digest);
        }
        Evidence::Engine { image_id } => {
            e.u(2);
            e.s(image_id);
        }
        _ => return None,
    }
    Some(())
}

fn kind_code(k: Option<PathKind>) -> u64 {
    match k {
        None => 0,
        Some(PathKind::Dir) => 1,
        Some(PathKind::File) => 2,
        Some(PathKind::Symlink) => 3,
        Some(PathKind::Other) => 4,
    }
}

fn content_code(c: Option<Content>) -> u64 {
    match c {
        None => 0,
        Some(Content::Empty) => 1,
        Some(Content::Dotfiles) => 2,
        Some(Content::Data) => 3,
        Some(Content::Program) => 4,
        Some(Content::Entries) => 5,
    }
}

/// Only what an image read whole (registry, engine, archive) holds is
/// stored; an image with anything else is not cached (`None`).
pub fn encode(img: &Image) -> Option<Vec<u8>> {
    let origin = img.origin.as_ref()?;
    let plain = img.kind.is_none()
        && img.binaries.is_empty()
        && img.absent_binaries.is_empty()
        && img.starts_as_root_and_drops.is_none()
        && img.chowns_on_start.is_empty()
        && img.writes.is_none()
        && img.init.is_none()
        && img.execs_args.is_none()
        && img.context_files.is_empty()
        && img.data_dir_env.is_none()
        && img.min_memory.is_none()
        && img.shutdown_seconds.is_none()
        && img.fs.absent.is_empty()
        && img.fs.unknown.is_empty()
        && img.fs.complete.as_ref() == Some(origin)
        && img.users_complete.as_ref() == Some(origin)
        && img.confidence == Confidence::Certain
        && img.notes.is_empty();
    // Every config fact carries the origin's evidence.
    let same = |f: Option<&Evidence>| f.is_none_or(|e| e == origin);
    let config_ok = same(img.user.as_ref().map(|f| &f.evidence))
        && same(img.workdir.as_ref().map(|f| &f.evidence))
        && same(img.entrypoint.as_ref().map(|f| &f.evidence))
        && same(img.cmd.as_ref().map(|f| &f.evidence))
        && same(img.stop_signal.as_ref().map(|f| &f.evidence))
        && same(img.healthcheck.as_ref().map(|f| &f.evidence))
        && img.env.iter().all(|(_, f)| f.evidence == *origin)
        && img.volumes.iter().all(|f| f.evidence == *origin)
        && img.users.iter().all(|u| u.evidence == *origin)
        && img.groups.iter().all(|g| g.evidence == *origin);
    if !plain || !config_ok {
        return None;
    }
    let mut evs: Vec<&Evidence> = vec![origin];
    for e in img.fs.entries.values() {
        if !evs.iter().any(|x| **x == e.evidence) {
            evs.push(&e.evidence);
        }
    }
    let mut e = Enc {
        out: Vec::with_capacity(64 + img.fs.entries.len() * 24),
    };
    e.out.extend_from_slice(MAGIC);
    e.u(evs.len() as u64);
    for ev in &evs {
        encode_evidence(&mut e, ev)?;
    }
    let opt_str =
        |e: &mut Enc, f: &Option<Fact<String>>| e.opt_s(f.as_ref().map(|f| f.value.as_str()));
    opt_str(&mut e, &img.user);
    opt_str(&mut e, &img.workdir);
    for c in [&img.entrypoint, &img.cmd] {
        match c {
            None => e.u(0),
            Some(f) => {
                e.u(1);
                e.cmd(&f.value);
            }
        }
    }
    e.u(img.env.len() as u64);
    for (k, v) in &img.env {
        e.s(k);
        e.s(&v.value);
    }
    e.u(img.volumes.len() as u64);
    for v in &img.volumes {
        e.s(&v.value);
    }
    opt_str(&mut e, &img.stop_signal);
    e.u(match &img.healthcheck {
        None => 0,
        Some(f) => 1 + u64::from(f.value),
    });
    e.u(img.users.len() as u64);
    for u in &img.users {
        e.s(&u.name);
        e.opt_u(u.uid);
        e.opt_u(u.gid);
        e.opt_s(u.home.as_deref());
    }
    e.u(img.groups.len() as u64);
    for g in &img.groups {
        e.s(&g.name);
        e.opt_u(g.gid);
    }
    e.u(img.fs.entries.len() as u64);
    let mut prev: &str = "";
    for (path, en) in &img.fs.entries {
        let shared = prev
            .bytes()
            .zip(path.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        // Whole characters only.
        let shared = (0..=shared)
            .rev()
            .find(|&i| path.is_char_boundary(i))
            .unwrap_or(0);
        e.u(shared as u64);
        e.s(&path[shared..]);
        prev = path;
        let flags = kind_code(en.kind)
            | content_code(en.content) << 3
            | u64::from(en.uid.is_some()) << 6
            | u64::from(en.gid.is_some()) << 7
            | u64::from(en.mode.is_some()) << 8
            | u64::from(en.link.is_some()) << 9
            | u64::from(en.children_complete) << 10;
        e.u(flags);
        if let Some(v) = en.uid {
            e.u(v.into());
        }
        if let Some(v) = en.gid {
            e.u(v.into());
        }
        if let Some(v) = en.mode {
            e.u(v.into());
        }
        if let Some(l) = &en.link {
            e.s(l);
        }
        let idx = evs.iter().position(|x| **x == en.evidence).expect("listed");
        e.u(idx as u64);
    }
    Some(e.out)
}

// ---- decoding -------------------------------------------------------------

struct Dec<'a> {
    b: &'a [u8],
}

impl<'a> Dec<'a> {
    fn u(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let (&byte, rest) = self.b.split_first()?;
            self.b = rest;
            v |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }
    fn index(&mut self) -> Option<usize> {
        usize::try_from(self.u()?).ok()
    }
    fn u32(&mut self) -> Option<u32> {
        u32::try_from(self.u()?).ok()
    }
    fn len(&mut self) -> Option<usize> {
        let n = usize::try_from(self.u()?).ok()?;
        // A count can never exceed the bytes left: a corrupt file must not
        // make a huge allocation.
        (n <= self.b.len()).then_some(n)
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = self.len()?;
        let (s, rest) = self.b.split_at(n);
        self.b = rest;
        std::str::from_utf8(s).ok()
    }
    fn s(&mut self) -> Option<String> {
        self.str().map(str::to_string)
    }
    fn opt_s(&mut self) -> Option<Option<String>> {
        match self.u()? {
            0 => Some(None),
            1 => Some(Some(self.s()?)),
            _ => None,
        }
    }
    fn opt_u(&mut self) -> Option<Option<u32>> {
        match self.u()? {
            0 => Some(None),
            v => Some(Some(u32::try_from(v - 1).ok()?)),
        }
    }
    fn cmd(&mut self) -> Option<Option<ImageCommand>> {
        Some(match self.u()? {
            0 => None,
            1 => {
                let n = self.len()?;
                let mut v = Vec::with_capacity(n);
                for _ in 0..n {
                    v.push(self.s()?);
                }
                Some(ImageCommand::Exec(v))
            }
            2 => Some(ImageCommand::Shell(self.s()?)),
            _ => return None,
        })
    }
    fn evidence(&mut self) -> Option<Evidence> {
        Some(match self.u()? {
            0 => Evidence::Registry(Arc::new(RegistrySource {
                registry: self.s()?,
                repository: self.s()?,
                digest: self.s()?,
                layer: self.opt_s()?,
            })),
            1 => Evidence::Archive {
                path: PathBuf::from(self.s()?),
                digest: self.s()?,
            },
            2 => Evidence::Engine {
                image_id: self.s()?,
            },
            _ => return None,
        })
    }
}

fn kind_of(code: u64) -> Option<Option<PathKind>> {
    Some(match code {
        0 => None,
        1 => Some(PathKind::Dir),
        2 => Some(PathKind::File),
        3 => Some(PathKind::Symlink),
        4 => Some(PathKind::Other),
        _ => return None,
    })
}

fn content_of(code: u64) -> Option<Option<Content>> {
    Some(match code {
        0 => None,
        1 => Some(Content::Empty),
        2 => Some(Content::Dotfiles),
        3 => Some(Content::Data),
        4 => Some(Content::Program),
        5 => Some(Content::Entries),
        _ => return None,
    })
}

/// Decodes a facts file; `None` when it is not one (or is damaged).
pub fn decode(bytes: &[u8]) -> Option<Image> {
    let rest = bytes.strip_prefix(MAGIC.as_slice())?;
    let mut d = Dec { b: rest };
    let n = d.len()?;
    let mut evs = Vec::with_capacity(n);
    for _ in 0..n {
        evs.push(d.evidence()?);
    }
    let origin = evs.first()?.clone();
    let f = |v| Fact::new(v, origin.clone());
    let mut img = Image::scratch(origin.clone());
    img.user = d.opt_s()?.map(f);
    img.workdir = d.opt_s()?.map(f);
    img.entrypoint = match d.u()? {
        0 => None,
        _ => Some(Fact::new(d.cmd()?, origin.clone())),
    };
    img.cmd = match d.u()? {
        0 => None,
        _ => Some(Fact::new(d.cmd()?, origin.clone())),
    };
    let n = d.len()?;
    img.env = Vec::with_capacity(n);
    for _ in 0..n {
        img.env.push((d.s()?, f(d.s()?)));
    }
    let n = d.len()?;
    img.volumes = (0..n).map(|_| d.s().map(f)).collect::<Option<_>>()?;
    img.stop_signal = d.opt_s()?.map(f);
    img.healthcheck = match d.u()? {
        0 => None,
        v => Some(Fact::new(v == 2, origin.clone())),
    };
    let n = d.len()?;
    img.users = Vec::with_capacity(n);
    for _ in 0..n {
        img.users.push(UserEntry {
            name: d.s()?,
            uid: d.opt_u()?,
            gid: d.opt_u()?,
            home: d.opt_s()?,
            evidence: origin.clone(),
        });
    }
    let n = d.len()?;
    img.groups = Vec::with_capacity(n);
    for _ in 0..n {
        img.groups.push(GroupEntry {
            name: d.s()?,
            gid: d.opt_u()?,
            evidence: origin.clone(),
        });
    }
    let n = d.len()?;
    let mut entries: Vec<(String, Entry)> = Vec::with_capacity(n);
    let mut prev = String::new();
    for _ in 0..n {
        let shared = d.index()?;
        let suffix = d.str()?;
        if shared > prev.len() || !prev.is_char_boundary(shared) {
            return None;
        }
        let mut path = String::with_capacity(shared + suffix.len());
        path.push_str(&prev[..shared]);
        path.push_str(suffix);
        let flags = d.u()?;
        let mut en = Entry::new(kind_of(flags & 7)?, origin.clone());
        en.content = content_of((flags >> 3) & 7)?;
        if flags & (1 << 6) != 0 {
            en.uid = Some(d.u32()?);
        }
        if flags & (1 << 7) != 0 {
            en.gid = Some(d.u32()?);
        }
        if flags & (1 << 8) != 0 {
            en.mode = Some(d.u32()?);
        }
        if flags & (1 << 9) != 0 {
            en.link = Some(d.s()?);
        }
        en.children_complete = flags & (1 << 10) != 0;
        en.evidence = evs.get(d.index()?)?.clone();
        // Sorted and unique, as the map stored them.
        if path <= prev && !entries.is_empty() {
            return None;
        }
        prev.clone_from(&path);
        entries.push((path, en));
    }
    if !d.b.is_empty() {
        return None;
    }
    img.fs = Filesystem {
        entries: entries.into_iter().collect::<BTreeMap<_, _>>(),
        complete: Some(origin.clone()),
        ..Default::default()
    };
    img.users_complete = Some(origin.clone());
    img.origin = Some(origin);
    img.confidence = Confidence::Certain;
    Some(img)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(layer: Option<&str>) -> Evidence {
        Evidence::Registry(Arc::new(RegistrySource {
            registry: "127.0.0.1:5000".into(),
            repository: "acme/app".into(),
            digest: "sha256:abcd".into(),
            layer: layer.map(str::to_string),
        }))
    }

    fn sample() -> Image {
        let origin = ev(None);
        let mut img = Image::scratch(origin.clone());
        img.user = Some(Fact::new("3000".into(), origin.clone()));
        img.entrypoint = Some(Fact::new(
            Some(ImageCommand::Exec(vec!["/run.sh".into(), "é".into()])),
            origin.clone(),
        ));
        img.cmd = Some(Fact::new(
            Some(ImageCommand::Shell("exec app".into())),
            origin.clone(),
        ));
        img.env
            .push(("PATH".into(), Fact::new("/bin".into(), origin.clone())));
        img.volumes.push(Fact::new("/data".into(), origin.clone()));
        img.healthcheck = Some(Fact::new(true, origin.clone()));
        img.users.push(UserEntry {
            name: "app".into(),
            uid: Some(3000),
            gid: None,
            home: Some("/home/app".into()),
            evidence: origin.clone(),
        });
        img.groups.push(GroupEntry {
            name: "app".into(),
            gid: Some(3000),
            evidence: origin.clone(),
        });
        let l = ev(Some("sha256:1111"));
        for (p, k) in [
            ("/home", PathKind::Dir),
            ("/home/app", PathKind::Dir),
            ("/home/appé", PathKind::File),
            ("/home/apq", PathKind::Symlink),
        ] {
            let mut e = Entry::new(Some(k), l.clone());
            e.uid = Some(3000);
            e.mode = Some(0o4755);
            e.content = (k == PathKind::Dir).then_some(Content::Entries);
            e.link = (k == PathKind::Symlink).then(|| "app".to_string());
            e.children_complete = k == PathKind::Dir;
            img.fs.entries.insert(p.into(), e);
        }
        img
    }

    #[test]
    fn round_trip_is_exact() {
        let img = sample();
        let bytes = encode(&img).expect("encodable");
        assert_eq!(decode(&bytes), Some(img));
    }

    #[test]
    fn damaged_files_are_misses() {
        let bytes = encode(&sample()).unwrap();
        for cut in [0, 8, 20, bytes.len() / 2, bytes.len() - 1] {
            assert_eq!(decode(&bytes[..cut]), None, "cut at {cut}");
        }
        let mut extra = bytes.clone();
        extra.push(0);
        assert_eq!(decode(&extra), None);
    }

    /// A one-off measurement (docs/decisions/0013): the warm load of an
    /// image with 100,000 paths. `cargo test --release --lib
    /// image::cache -- --ignored --nocapture`; prints, asserts no time.
    #[test]
    #[ignore]
    fn measure_warm_load_of_100k_paths() {
        let mut img = sample();
        let l = ev(Some("sha256:2222"));
        for i in 0..100_000 {
            let mut e = Entry::new(Some(PathKind::File), l.clone());
            e.uid = Some(0);
            e.gid = Some(0);
            e.mode = Some(0o644);
            img.fs.entries.insert(
                format!("/usr/share/pkg{}/dir{}/file-{i}.txt", i % 97, i % 1013),
                e,
            );
        }
        let bytes = encode(&img).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.bin");
        std::fs::write(&path, &bytes).unwrap();
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let t = std::time::Instant::now();
            let b = std::fs::read(&path).unwrap();
            let back = decode(&b).unwrap();
            best = best.min(t.elapsed());
            assert_eq!(back.fs.entries.len(), img.fs.entries.len());
        }
        println!(
            "100,000 paths: {} bytes on disk, warm load (read + decode) best of 5: {:?}",
            bytes.len(),
            best
        );
    }

    #[test]
    fn images_with_other_facts_are_not_cached() {
        let mut img = sample();
        img.lower_confidence("a RUN was not understood");
        assert!(encode(&img).is_none());
    }
}
