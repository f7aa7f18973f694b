//! Image archives: a `docker save` tarball (`manifest.json`, config JSON,
//! layer tars) or an OCI image layout (`index.json`, `blobs/`), plain or
//! gzip-compressed. The config gives USER, WORKDIR, ENTRYPOINT, ...; the
//! layers, applied in order with their whiteouts, give the whole file
//! system, so absence is certain.
//!
//! The archive is read in one pass, as a stream: file contents are not
//! kept, except the small JSON documents and `/etc/passwd`/`/etc/group`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::facts::{
    normalize, Confidence, Content, Entry, Evidence, Fact, Filesystem, GroupEntry, Image,
    ImageCommand, PathKind, UserEntry,
};
use super::reference::Reference;

/// Largest JSON document kept (configs, manifests).
const MAX_JSON: u64 = 16 * 1024 * 1024;
/// Largest `/etc/passwd` or `/etc/group` read.
const MAX_PASSWD: u64 = 1024 * 1024;
/// Most entries over all layers.
const MAX_ENTRIES: usize = 5_000_000;

/// One image found in an archive.
#[derive(Clone, Debug)]
pub struct ArchiveImage {
    pub path: PathBuf,
    /// The names it was saved under.
    pub tags: Vec<Reference>,
    /// The config digest (the image ID).
    pub digest: String,
    pub image: Image,
}

impl ArchiveImage {
    pub fn matches(&self, r: &Reference) -> bool {
        self.tags.iter().any(|t| t.same_image(r))
    }
}

/// Where an archive came from, for evidence.
#[derive(Clone, Debug)]
pub enum Origin {
    File(PathBuf),
    /// The engine, with the image ID it gave.
    Engine(String),
}

/// Reads every image in an archive file.
pub fn read_file(path: &Path) -> Result<Vec<ArchiveImage>, String> {
    let f = std::fs::File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    read_stream(f, &Origin::File(path.to_path_buf()))
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// One entry of a layer, as the layer states it.
#[derive(Debug)]
enum Op {
    /// `.wh.<name>`: the named path is deleted from lower layers.
    Whiteout(String),
    /// `.wh..wh..opq`: the directory's lower contents are hidden.
    Opaque(String),
    Add(String, Entry),
}

#[derive(Debug, Default)]
pub(crate) struct Layer {
    ops: Vec<Op>,
    passwd: Option<Vec<u8>>,
    group: Option<Vec<u8>>,
}

/// Reads an archive from a stream, in one pass.
pub fn read_stream(reader: impl Read, origin: &Origin) -> Result<Vec<ArchiveImage>, String> {
    let mut buf = BufReader::with_capacity(64 * 1024, reader);
    let gz = buf
        .fill_buf()
        .map_err(|e| e.to_string())?
        .starts_with(&[0x1f, 0x8b]);
    let inner: Box<dyn Read> = if gz {
        Box::new(flate2::read::GzDecoder::new(buf))
    } else {
        Box::new(buf)
    };
    let mut outer = tar::Archive::new(inner);
    let mut jsons: HashMap<String, Vec<u8>> = HashMap::new();
    let mut layers: HashMap<String, Layer> = HashMap::new();
    let mut links: HashMap<String, String> = HashMap::new();
    let mut total = 0usize;
    for entry in outer.entries().map_err(|e| e.to_string())? {
        let mut entry = entry.map_err(|e| format!("not a tar archive: {e}"))?;
        let name = entry
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .trim_start_matches("./")
            .to_string();
        let ty = entry.header().entry_type();
        if ty.is_symlink() || ty.is_hard_link() {
            if let Ok(Some(t)) = entry.link_name() {
                let t = t.to_string_lossy().to_string();
                let target = if ty.is_symlink() {
                    let dir = name.rsplit_once('/').map_or("", |(d, _)| d);
                    normalize(&format!("/{dir}/{t}"))
                        .trim_start_matches('/')
                        .to_string()
                } else {
                    t.trim_start_matches("./").to_string()
                };
                links.insert(name, target);
            }
            continue;
        }
        if !ty.is_file() {
            continue;
        }
        let size = entry.size();
        let mut r = BufReader::with_capacity(64 * 1024, &mut entry);
        let head = r.fill_buf().map_err(|e| e.to_string())?.to_vec();
        let is_json = head.first() == Some(&b'{') || name.ends_with(".json");
        if is_json {
            if size <= MAX_JSON {
                let mut v = Vec::with_capacity(size as usize);
                r.read_to_end(&mut v).map_err(|e| e.to_string())?;
                jsons.insert(name, v);
            }
            continue;
        }
        let layer_gz = head.starts_with(&[0x1f, 0x8b]);
        let layer_zstd = head.starts_with(&ZSTD_MAGIC);
        let looks_tar = head.len() > 262 && &head[257..262] == b"ustar";
        if !(layer_gz || layer_zstd || looks_tar || name.ends_with("layer.tar")) {
            continue;
        }
        let layer =
            read_layer(decompressed(r)?, &mut total).map_err(|e| format!("layer {name}: {e}"))?;
        layers.insert(name, layer);
    }

    let ev_for = |digest: &str| match origin {
        Origin::File(p) => Evidence::Archive {
            path: p.clone(),
            digest: digest.to_string(),
        },
        Origin::Engine(id) => Evidence::Engine {
            image_id: if id.is_empty() {
                digest.to_string()
            } else {
                id.clone()
            },
        },
    };
    let path = match origin {
        Origin::File(p) => p.clone(),
        Origin::Engine(_) => PathBuf::from("<engine>"),
    };
    let resolve = |n: &str| -> String {
        let mut n = n.trim_start_matches("./").to_string();
        for _ in 0..8 {
            match links.get(&n) {
                Some(t) => n = t.clone(),
                None => break,
            }
        }
        n
    };

    let mut out = Vec::new();
    for m in manifests(&jsons)? {
        let config_name = resolve(&m.config);
        let config = jsons
            .get(&config_name)
            .ok_or_else(|| format!("config {} is missing", m.config))?;
        let digest = digest_of(&config_name);
        let ev = ev_for(&digest);
        let mut ordered = Vec::new();
        for l in &m.layers {
            let n = resolve(l);
            ordered.push(
                layers
                    .get(&n)
                    .ok_or_else(|| format!("layer {l} is missing or unreadable"))?,
            );
        }
        let mut image = image_from_config(config, &ev)?;
        apply_layers(&mut image, &ordered, &ev);
        out.push(ArchiveImage {
            path: path.clone(),
            tags: m.tags.iter().filter_map(|t| Reference::parse(t)).collect(),
            digest,
            image,
        });
    }
    if out.is_empty() {
        return Err("no image in the archive (no manifest.json or index.json)".into());
    }
    Ok(out)
}

const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// A layer stream, decompressed as its first bytes say: gzip, zstd or a
/// plain tar.
pub(crate) fn decompressed<'a>(mut r: impl BufRead + 'a) -> Result<Box<dyn Read + 'a>, String> {
    let head = r.fill_buf().map_err(|e| e.to_string())?;
    if head.starts_with(&[0x1f, 0x8b]) {
        Ok(Box::new(flate2::read::GzDecoder::new(r)))
    } else if head.starts_with(&ZSTD_MAGIC) {
        let d = ruzstd::decoding::StreamingDecoder::new(r).map_err(|e| format!("zstd: {e}"))?;
        Ok(Box::new(d))
    } else {
        Ok(Box::new(r))
    }
}

/// Reads one layer's tar stream: headers and whiteouts, and the text of
/// `/etc/passwd` and `/etc/group`; no other content is kept.
pub(crate) fn read_layer(r: impl Read, total: &mut usize) -> Result<Layer, String> {
    let mut ar = tar::Archive::new(r);
    let mut layer = Layer::default();
    for e in ar.entries().map_err(|e| e.to_string())? {
        let mut e = e.map_err(|e| e.to_string())?;
        let raw = e
            .path()
            .map_err(|e| e.to_string())?
            .to_string_lossy()
            .to_string();
        let path = normalize(&raw);
        *total += 1;
        if *total > MAX_ENTRIES {
            return Err(format!("more than {MAX_ENTRIES} entries"));
        }
        let (dir, base) = match path.rsplit_once('/') {
            Some(("", b)) => ("/".to_string(), b.to_string()),
            Some((d, b)) => (d.to_string(), b.to_string()),
            None => ("/".to_string(), path.clone()),
        };
        if base == ".wh..wh..opq" {
            layer.ops.push(Op::Opaque(dir));
            continue;
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            layer
                .ops
                .push(Op::Whiteout(super::facts::join(&dir, hidden)));
            continue;
        }
        let h = e.header();
        let ty = h.entry_type();
        let kind = if ty.is_dir() {
            PathKind::Dir
        } else if ty.is_symlink() {
            PathKind::Symlink
        } else if ty.is_file() || ty.is_hard_link() {
            PathKind::File
        } else {
            PathKind::Other
        };
        let ev_placeholder = Evidence::Engine {
            image_id: String::new(),
        };
        let mut entry = Entry::new(Some(kind), ev_placeholder);
        entry.uid = h.uid().ok().and_then(|u| u32::try_from(u).ok());
        entry.gid = h.gid().ok().and_then(|g| u32::try_from(g).ok());
        entry.mode = h.mode().ok().map(|m| m & 0o7777);
        if kind == PathKind::Symlink {
            entry.link = e
                .link_name()
                .ok()
                .flatten()
                .map(|l| l.to_string_lossy().to_string());
        }
        if kind == PathKind::File && (path == "/etc/passwd" || path == "/etc/group") {
            let mut v = Vec::new();
            (&mut e)
                .take(MAX_PASSWD)
                .read_to_end(&mut v)
                .map_err(|e| e.to_string())?;
            if path == "/etc/passwd" {
                layer.passwd = Some(v);
            } else {
                layer.group = Some(v);
            }
        }
        layer.ops.push(Op::Add(path, entry));
    }
    Ok(layer)
}

/// A manifest: config and layers by archive path, and the image's names.
struct Manifest {
    config: String,
    layers: Vec<String>,
    tags: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifest {
    config: String,
    #[serde(default)]
    repo_tags: Option<Vec<String>>,
    layers: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct OciIndex {
    #[serde(default)]
    manifests: Vec<OciDescriptor>,
    #[serde(default)]
    config: Option<OciDescriptor>,
    #[serde(default)]
    layers: Vec<OciDescriptor>,
    #[serde(default)]
    media_type: Option<String>,
}

#[derive(Deserialize, Clone)]
#[serde(rename_all = "camelCase")]
struct OciDescriptor {
    #[serde(default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    annotations: HashMap<String, String>,
    #[serde(default)]
    platform: Option<serde_json::Value>,
}

fn blob(digest: &str) -> String {
    format!("blobs/{}", digest.replacen(':', "/", 1))
}

fn manifests(jsons: &HashMap<String, Vec<u8>>) -> Result<Vec<Manifest>, String> {
    if let Some(m) = jsons.get("manifest.json") {
        let list: Vec<DockerManifest> =
            serde_json::from_slice(m).map_err(|e| format!("manifest.json: {e}"))?;
        return Ok(list
            .into_iter()
            .map(|d| Manifest {
                config: d.config,
                layers: d.layers,
                tags: d.repo_tags.unwrap_or_default(),
            })
            .collect());
    }
    let Some(index) = jsons.get("index.json") else {
        return Ok(Vec::new());
    };
    let index: OciIndex = serde_json::from_slice(index).map_err(|e| format!("index.json: {e}"))?;
    let mut out = Vec::new();
    for d in &index.manifests {
        let mut tags = Vec::new();
        if let Some(n) = d.annotations.get("io.containerd.image.name") {
            tags.push(n.clone());
        } else if let Some(n) = d.annotations.get("org.opencontainers.image.ref.name") {
            // A full reference, or only a tag (then there is no repository).
            if n.contains('/') || n.contains(':') {
                tags.push(n.clone());
            }
        }
        if let Some(m) = oci_manifest(jsons, d, 0)? {
            out.push(Manifest {
                config: m.0,
                layers: m.1,
                tags,
            });
        }
    }
    Ok(out)
}

/// Follows an OCI descriptor (through nested indexes, picking linux/amd64
/// or the first) to (config, layers).
fn oci_manifest(
    jsons: &HashMap<String, Vec<u8>>,
    d: &OciDescriptor,
    depth: usize,
) -> Result<Option<(String, Vec<String>)>, String> {
    if depth > 4 {
        return Ok(None);
    }
    let Some(bytes) = jsons.get(&blob(&d.digest)) else {
        return Ok(None);
    };
    let m: OciIndex = serde_json::from_slice(bytes).map_err(|e| format!("{}: {e}", d.digest))?;
    let is_index = m
        .media_type
        .as_deref()
        .or(d.media_type.as_deref())
        .is_some_and(|t| t.contains("index") || t.contains("manifest.list"))
        || (!m.manifests.is_empty() && m.config.is_none());
    if is_index {
        let pick = m
            .manifests
            .iter()
            .find(|c| {
                c.platform.as_ref().is_some_and(|p| {
                    p.get("os").and_then(|v| v.as_str()) == Some("linux")
                        && p.get("architecture").and_then(|v| v.as_str()) == Some("amd64")
                })
            })
            .or_else(|| {
                m.manifests
                    .iter()
                    .find(|c| jsons.contains_key(&blob(&c.digest)))
            });
        return match pick {
            Some(c) => oci_manifest(jsons, c, depth + 1),
            None => Ok(None),
        };
    }
    let Some(config) = m.config else {
        return Ok(None);
    };
    Ok(Some((
        blob(&config.digest),
        m.layers.iter().map(|l| blob(&l.digest)).collect(),
    )))
}

/// `blobs/sha256/<hex>` or `<hex>.json` -> `sha256:<hex>`.
fn digest_of(config_name: &str) -> String {
    if let Some(rest) = config_name.strip_prefix("blobs/") {
        return rest.replacen('/', ":", 1);
    }
    let base = config_name.rsplit('/').next().unwrap_or(config_name);
    format!("sha256:{}", base.trim_end_matches(".json"))
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct ContainerConfig {
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    working_dir: Option<String>,
    #[serde(default)]
    entrypoint: Option<Vec<String>>,
    #[serde(default)]
    cmd: Option<Vec<String>>,
    #[serde(default)]
    env: Option<Vec<String>>,
    #[serde(default)]
    volumes: Option<HashMap<String, serde_json::Value>>,
    #[serde(default)]
    stop_signal: Option<String>,
    #[serde(default)]
    healthcheck: Option<HealthConfig>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "PascalCase")]
struct HealthConfig {
    #[serde(default)]
    test: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct ImageConfig {
    #[serde(default)]
    config: Option<ContainerConfig>,
}

/// An image config's `config` section (also what `docker image inspect`
/// calls `Config`).
pub(crate) fn image_from_config(bytes: &[u8], ev: &Evidence) -> Result<Image, String> {
    let c: ImageConfig = serde_json::from_slice(bytes).map_err(|e| format!("image config: {e}"))?;
    Ok(image_from_container_config(
        c.config.unwrap_or_default(),
        ev,
    ))
}

fn image_from_container_config(c: ContainerConfig, ev: &Evidence) -> Image {
    let f = |v| Fact::new(v, ev.clone());
    let mut img = Image::scratch(ev.clone());
    img.user = Some(f(c.user.unwrap_or_default()));
    let wd = c.working_dir.unwrap_or_default();
    img.workdir = Some(f(if wd.is_empty() { "/".into() } else { wd }));
    img.entrypoint = Some(Fact::new(c.entrypoint.map(exec_or_shell), ev.clone()));
    img.cmd = Some(Fact::new(c.cmd.map(exec_or_shell), ev.clone()));
    for kv in c.env.unwrap_or_default() {
        let (k, v) = kv.split_once('=').unwrap_or((kv.as_str(), ""));
        img.env.push((k.to_string(), f(v.to_string())));
    }
    let mut vols: Vec<String> = c.volumes.unwrap_or_default().into_keys().collect();
    vols.sort();
    img.volumes = vols.into_iter().map(|v| f(normalize(&v))).collect();
    img.stop_signal = Some(f(c
        .stop_signal
        .filter(|s| !s.is_empty())
        .unwrap_or("SIGTERM".into())));
    let hc = c
        .healthcheck
        .and_then(|h| h.test)
        .is_some_and(|t| !t.is_empty() && t[0] != "NONE");
    img.healthcheck = Some(Fact::new(hc, ev.clone()));
    img.confidence = Confidence::Certain;
    img
}

/// A config stores the shell form as `["/bin/sh", "-c", "..."]`.
fn exec_or_shell(argv: Vec<String>) -> ImageCommand {
    if argv.len() == 3 && argv[0] == "/bin/sh" && argv[1] == "-c" {
        ImageCommand::Shell(argv[2].clone())
    } else {
        ImageCommand::Exec(argv)
    }
}

fn apply_layers(image: &mut Image, layers: &[&Layer], ev: &Evidence) {
    let evs = vec![ev.clone(); layers.len()];
    apply_layers_each(image, layers, ev, &evs);
}

/// Applies the layers in order; `layer_evs[i]` is the evidence of what
/// layer `i` adds, `ev` that of the image as a whole.
pub(crate) fn apply_layers_each(
    image: &mut Image,
    layers: &[&Layer],
    ev: &Evidence,
    layer_evs: &[Evidence],
) {
    let mut fs = Filesystem::empty_complete(ev.clone());
    let mut passwd: Option<&[u8]> = None;
    let mut group: Option<&[u8]> = None;
    let implied = |_: &str| {
        let mut e = Entry::new(Some(PathKind::Dir), ev.clone());
        e.uid = Some(0);
        e.gid = Some(0);
        e.mode = Some(0o755);
        e
    };
    for (layer, lev) in layers.iter().zip(layer_evs) {
        // Whiteouts hide lower layers only, so they go first.
        for op in &layer.ops {
            match op {
                Op::Whiteout(p) => {
                    fs.remove_tree(p);
                    if p == "/etc/passwd" || p == "/etc" {
                        passwd = None;
                    }
                    if p == "/etc/group" || p == "/etc" {
                        group = None;
                    }
                }
                Op::Opaque(d) => {
                    let keep = fs.entries.get(d).cloned();
                    fs.remove_tree(d);
                    if let Some(k) = keep {
                        fs.entries.insert(d.clone(), k);
                    }
                    if d == "/etc" {
                        passwd = None;
                        group = None;
                    }
                }
                Op::Add(..) => {}
            }
        }
        for op in &layer.ops {
            if let Op::Add(p, e) = op {
                let mut e = e.clone();
                e.evidence = lev.clone();
                if e.kind != Some(PathKind::Dir) {
                    fs.remove_tree(p);
                }
                if p == "/" {
                    e.children_complete = true;
                }
                fs.insert(p, e, &implied);
            }
        }
        if layer.passwd.is_some() {
            passwd = layer.passwd.as_deref();
        }
        if layer.group.is_some() {
            group = layer.group.as_deref();
        }
    }
    // Directory contents: the whole tree is known.
    let dirs: Vec<String> = fs
        .entries
        .iter()
        .filter(|(_, e)| e.kind == Some(PathKind::Dir))
        .map(|(k, _)| k.clone())
        .collect();
    let mut has_children: std::collections::HashSet<String> = Default::default();
    for k in fs.entries.keys() {
        if k != "/" {
            let parent = match k.rfind('/') {
                Some(0) => "/".to_string(),
                Some(i) => k[..i].to_string(),
                None => continue,
            };
            has_children.insert(parent);
        }
    }
    for d in dirs {
        if let Some(e) = fs.entries.get_mut(&d) {
            e.children_complete = true;
            e.content = Some(if has_children.contains(&d) {
                Content::Entries
            } else {
                Content::Empty
            });
        }
    }
    image.fs = fs;
    image.users.clear();
    image.groups.clear();
    if let Some(p) = passwd {
        for line in String::from_utf8_lossy(p).lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 7 && !line.starts_with('#') {
                image.users.push(UserEntry {
                    name: f[0].to_string(),
                    uid: f[2].parse().ok(),
                    gid: f[3].parse().ok(),
                    home: Some(f[5].to_string()),
                    evidence: ev.clone(),
                });
            }
        }
    }
    if let Some(g) = group {
        for line in String::from_utf8_lossy(g).lines() {
            let f: Vec<&str> = line.split(':').collect();
            if f.len() >= 3 && !line.starts_with('#') {
                image.groups.push(GroupEntry {
                    name: f[0].to_string(),
                    gid: f[2].parse().ok(),
                    evidence: ev.clone(),
                });
            }
        }
    }
    image.users_complete = Some(ev.clone());
    image.origin = Some(ev.clone());
}
