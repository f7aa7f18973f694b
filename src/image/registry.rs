//! Image facts from a registry (`--pull`, or `pull = true` in the config):
//! the OCI Distribution API v2, read-only.
//!
//! For a reference, the manifest is fetched (an index or manifest list is
//! narrowed to the service's `platform:`, else the host's), then the image
//! config, then each layer, streamed through the archive reader: tar
//! headers and whiteouts are kept, the content is hashed (every blob is
//! checked against its digest) and dropped, except `/etc/passwd` and
//! `/etc/group`. Nothing is written to disk but the facts, into the facts
//! cache ([`super::cache`]).
//!
//! Authentication is the docker CLI's: the credentials of
//! [`super::credentials`], offered on a `401` as the challenge asks
//! (bearer token from the realm, or basic). Every request is bounded: the
//! connection and each read by `COMPOSE_LINT_REGISTRY_TIMEOUT` seconds
//! (default 30), documents by size, redirects by number. `HTTPS_PROXY`
//! (and `NO_PROXY`) apply. Loopback registries are spoken to over plain
//! HTTP, as the docker engine does; `COMPOSE_LINT_INSECURE_REGISTRIES`
//! (comma-separated `host:port`) adds others.
//!
//! Any failure is one line, the service's facts are then unknown with
//! that reason, and the run goes on.

use std::io::{BufReader, Read};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::archive::{self, Layer};
use super::cache;
use super::credentials::{self, Credentials};
use super::facts::{Evidence, Image, RegistrySource};
use super::reference::Reference;

/// Largest manifest or config read.
const MAX_DOCUMENT: u64 = 8 * 1024 * 1024;
/// Largest (compressed) layer read.
const MAX_LAYER: u64 = 16 * 1024 * 1024 * 1024;
/// Redirects followed per request (blob stores redirect once).
const MAX_REDIRECTS: u32 = 5;
/// Most layers in one image.
const MAX_LAYERS: usize = 512;

const ACCEPT_MANIFEST: &str = "application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json, \
application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json";

/// How long to wait for a connection or a read.
pub fn timeout() -> Duration {
    let secs = std::env::var("COMPOSE_LINT_REGISTRY_TIMEOUT")
        .ok()
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|s| *s > 0.0 && *s < 86_400.0)
        .unwrap_or(30.0);
    Duration::from_secs_f64(secs)
}

/// `os/arch[/variant]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub arch: String,
    pub variant: Option<String>,
}

impl Platform {
    /// The service's `platform:`, else the host's (Linux on this CPU).
    pub fn for_service(platform: Option<&str>) -> Result<Platform, String> {
        match platform {
            Some(p) => Platform::parse(p).ok_or_else(|| format!("`platform: {p}` is not os/arch")),
            None => Ok(Platform::host()),
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        let mut it = s.trim().split('/');
        let os = it.next().filter(|s| !s.is_empty())?.to_ascii_lowercase();
        let arch = it.next().filter(|s| !s.is_empty())?.to_ascii_lowercase();
        let variant = it.next().map(str::to_ascii_lowercase);
        if it.next().is_some() {
            return None;
        }
        let (arch, variant) = normalize_arch(&arch, variant);
        Some(Platform { os, arch, variant })
    }

    pub fn host() -> Platform {
        let arch = match std::env::consts::ARCH {
            "x86_64" => "amd64",
            "aarch64" => "arm64",
            "x86" => "386",
            "arm" => "arm",
            "powerpc64" => "ppc64le",
            "s390x" => "s390x",
            "riscv64" => "riscv64",
            other => other,
        };
        let (arch, variant) = normalize_arch(arch, None);
        Platform {
            os: "linux".into(),
            arch,
            variant,
        }
    }

    fn render(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}/{}/{v}", self.os, self.arch),
            None => format!("{}/{}", self.os, self.arch),
        }
    }
}

/// As containerd normalizes: `x86_64` is `amd64`, `aarch64` is `arm64`
/// (whose variant `v8` is the default).
fn normalize_arch(arch: &str, variant: Option<String>) -> (String, Option<String>) {
    match arch {
        "x86_64" | "x86-64" | "amd64" => ("amd64".into(), variant),
        "aarch64" | "arm64" => (
            "arm64".into(),
            variant.filter(|v| v != "v8" && !v.is_empty()),
        ),
        other => (other.into(), variant),
    }
}

/// The facts of `reference` for `platform` (the service's `platform:`):
/// from the cache when it holds them (for a tag, a resolution younger
/// than the time to live), else from the registry. With `offline`, only
/// the cache is read.
pub fn image(reference: &str, platform: Option<&str>, offline: bool) -> Result<Image, String> {
    let r = Reference::parse(reference)
        .filter(|_| !reference.starts_with('-'))
        .ok_or_else(|| format!("`{reference}` is not an image reference"))?;
    // What goes into a URL: a tag as the distribution spec defines it, a
    // digest as `algorithm:hex`.
    let tag_ok = |t: &str| {
        t.len() <= 128
            && t.chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c))
    };
    let digest_ok = |d: &str| {
        d.split_once(':').is_some_and(|(a, h)| {
            !a.is_empty()
                && a.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+._-".contains(c))
                && !h.is_empty()
                && h.chars().all(|c| c.is_ascii_hexdigit())
        })
    };
    if !r.tag.as_deref().is_none_or(tag_ok) || !r.digest.as_deref().is_none_or(digest_ok) {
        return Err(format!(
            "`{reference}` has a tag or digest a registry does not accept"
        ));
    }
    let plat = Platform::for_service(platform)?;
    let key = ref_key(&r, &plat);
    let max_age = if offline || r.digest.is_some() {
        None
    } else {
        Some(cache::tag_ttl())
    };
    if let Some(d) = cache::resolved(&key, max_age) {
        if let Some(img) = cache::load(&d) {
            return Ok(img);
        }
    }
    if offline {
        return Err(format!(
            "`{reference}` ({}) is not in the facts cache, and --offline reads nothing else",
            plat.render()
        ));
    }
    let mut s = Session::new(&r)?;
    let (digest, img) = s.fetch(&r, &plat)?;
    cache::store(&digest, &img);
    cache::record(&key, &digest);
    Ok(img)
}

fn ref_key(r: &Reference, p: &Platform) -> String {
    let what = match (&r.digest, r.effective_tag()) {
        (Some(d), _) => format!("@{d}"),
        (None, Some(t)) => format!(":{t}"),
        (None, None) => ":latest".into(),
    };
    format!("{}/{}{what} {}", r.registry, r.path, p.render())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256(bytes: &[u8]) -> String {
    format!("sha256:{}", hex(&Sha256::digest(bytes)))
}

/// Checks `bytes` against a `sha256:` digest (other algorithms are not
/// checked: the registry chose them).
fn verify(what: &str, digest: &str, bytes: &[u8]) -> Result<(), String> {
    if digest.starts_with("sha256:") && sha256(bytes) != digest {
        return Err(format!(
            "{what} does not match its digest {}",
            short(digest)
        ));
    }
    Ok(())
}

fn short(d: &str) -> String {
    match d.strip_prefix("sha256:") {
        Some(h) if h.len() > 12 => format!("sha256:{}", &h[..12]),
        _ => d.to_string(),
    }
}

fn one_line(s: &str) -> String {
    let flat: Vec<&str> = s.split_whitespace().collect();
    let mut t = flat.join(" ");
    if t.chars().count() > 200 {
        t = t.chars().take(200).collect::<String>() + "…";
    }
    t
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    #[serde(default)]
    media_type: Option<String>,
    #[serde(default)]
    manifests: Vec<Descriptor>,
    #[serde(default)]
    config: Option<Descriptor>,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: Option<String>,
    digest: String,
    #[serde(default)]
    platform: Option<DescPlatform>,
}

#[derive(Deserialize)]
struct DescPlatform {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// One registry and repository: the agent and the authorization won.
struct Session {
    agent: ureq::Agent,
    base: String,
    registry: String,
    repository: String,
    authorization: Option<String>,
    credentials: Option<Option<Credentials>>,
}

impl Session {
    fn new(r: &Reference) -> Result<Session, String> {
        let host = if r.registry == "docker.io" {
            "registry-1.docker.io".to_string()
        } else {
            r.registry.clone()
        };
        let scheme = if insecure(&host) { "http" } else { "https" };
        Ok(Session {
            agent: agent_for(&host, scheme)?,
            base: format!("{scheme}://{host}"),
            registry: r.registry.clone(),
            repository: r.path.clone(),
            authorization: None,
            credentials: None,
        })
    }

    fn credentials(&mut self) -> Result<Option<Credentials>, String> {
        if self.credentials.is_none() {
            let c = credentials::for_registry(&self.registry)
                .map_err(|e| format!("credentials for {}: {e}", self.registry))?;
            self.credentials = Some(c);
        }
        Ok(self.credentials.clone().flatten())
    }

    /// GET `path` below `/v2/<repository>/`, answering one auth challenge.
    fn get(
        &mut self,
        what: &str,
        path: &str,
        accept: Option<&str>,
    ) -> Result<ureq::Response, String> {
        let url = format!("{}/v2/{}/{path}", self.base, self.repository);
        let mut challenged = false;
        loop {
            let mut req = self.agent.get(&url);
            if let Some(a) = accept {
                req = req.set("Accept", a);
            }
            if let Some(a) = &self.authorization {
                req = req.set("Authorization", a);
            }
            match req.call() {
                Ok(resp) => return Ok(resp),
                Err(ureq::Error::Status(401, resp)) if !challenged => {
                    challenged = true;
                    let challenge = resp.header("www-authenticate").unwrap_or("").to_string();
                    self.answer(&challenge)?;
                }
                Err(ureq::Error::Status(code, resp)) => {
                    return Err(self.status_error(what, code, resp));
                }
                Err(ureq::Error::Transport(t)) => {
                    return Err(format!("{}: {what}: {}", self.registry, transport(&t)));
                }
            }
        }
    }

    fn status_error(&mut self, what: &str, code: u16, resp: ureq::Response) -> String {
        let reg = &self.registry;
        match code {
            401 => {
                if self.credentials.clone().flatten().is_some() {
                    format!("{reg} refused the credentials for {what} (401 Unauthorized)")
                } else {
                    format!("{reg} needs credentials for {what} (401 Unauthorized; `docker login {reg}`)")
                }
            }
            403 => format!("{reg} denied access to {what} (403 Forbidden)"),
            404 => format!("{what} is not in {reg} (404 Not Found)"),
            429 => format!("{reg} limits the rate of requests (429 Too Many Requests)"),
            _ => {
                let mut body = String::new();
                let _ = resp.into_reader().take(300).read_to_string(&mut body);
                format!("{reg} answered {code} for {what}: {}", one_line(&body))
            }
        }
    }

    /// Wins an authorization for the challenge of a `401`.
    fn answer(&mut self, challenge: &str) -> Result<(), String> {
        let (scheme, params) = parse_challenge(challenge);
        match scheme.to_ascii_lowercase().as_str() {
            "basic" => {
                let c = self.credentials()?.ok_or_else(|| {
                    format!(
                        "{} needs credentials (401 Unauthorized; `docker login {}`)",
                        self.registry, self.registry
                    )
                })?;
                self.authorization = Some(credentials::basic_header(&c));
                Ok(())
            }
            "bearer" => {
                let realm = params
                    .iter()
                    .find(|(k, _)| k == "realm")
                    .map(|(_, v)| v.clone())
                    .ok_or_else(|| {
                        format!("{}: a bearer challenge without a realm", self.registry)
                    })?;
                if !(realm.starts_with("https://") || realm.starts_with("http://")) {
                    return Err(format!(
                        "{}: token realm `{realm}` is not a URL",
                        self.registry
                    ));
                }
                let mut req = agent_for_url(&realm)?.get(&realm);
                for (k, v) in &params {
                    if k == "service" || k == "scope" {
                        req = req.query(k, v);
                    }
                }
                if !params.iter().any(|(k, _)| k == "scope") {
                    req = req.query("scope", &format!("repository:{}:pull", self.repository));
                }
                if let Some(c) = self.credentials()? {
                    req = req.set("Authorization", &credentials::basic_header(&c));
                }
                let resp = match req.call() {
                    Ok(r) => r,
                    Err(ureq::Error::Status(401 | 403, _)) => {
                        return Err(format!(
                            "{} refused the credentials (token server answered 401)",
                            self.registry
                        ))
                    }
                    Err(ureq::Error::Status(code, _)) => {
                        return Err(format!("{}: token server answered {code}", self.registry))
                    }
                    Err(ureq::Error::Transport(t)) => {
                        return Err(format!(
                            "{}: token server: {}",
                            self.registry,
                            transport(&t)
                        ))
                    }
                };
                let body = read_document(resp, "the token")?;
                let t: TokenAnswer = serde_json::from_slice(&body)
                    .map_err(|e| format!("{}: the token server's answer: {e}", self.registry))?;
                let token = t
                    .token
                    .or(t.access_token)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| format!("{}: the token server gave no token", self.registry))?;
                self.authorization = Some(format!("Bearer {token}"));
                Ok(())
            }
            _ => Err(format!(
                "{} asks for authentication (401) without a scheme compose-lint speaks: `{}`",
                self.registry,
                one_line(challenge)
            )),
        }
    }

    fn evidence(&self, digest: &str, layer: Option<&str>) -> Evidence {
        Evidence::Registry(Arc::new(RegistrySource {
            registry: self.registry.clone(),
            repository: self.repository.clone(),
            digest: digest.to_string(),
            layer: layer.map(str::to_string),
        }))
    }

    /// The manifest digest of the platform's image and its facts.
    fn fetch(&mut self, r: &Reference, plat: &Platform) -> Result<(String, Image), String> {
        let reference = match (&r.digest, r.effective_tag()) {
            (Some(d), _) => d.clone(),
            (None, Some(t)) => t.to_string(),
            (None, None) => "latest".into(),
        };
        let shown =
            format!("{}/{}:{reference}", r.registry, r.path).replace(":sha256:", "@sha256:");
        let (mut digest, mut m) = self.manifest(&shown, &reference)?;
        let mut depth = 0;
        while m.config.is_none() {
            let is_index = m
                .media_type
                .as_deref()
                .is_some_and(|t| t.contains("index") || t.contains("manifest.list"))
                || !m.manifests.is_empty();
            if !is_index {
                return Err(format!(
                    "{shown}: the manifest has no config (schema 1 manifests are not read)"
                ));
            }
            depth += 1;
            if depth > 3 {
                return Err(format!("{shown}: indexes nested too deep"));
            }
            let pick = pick_platform(&m.manifests, plat).ok_or_else(|| {
                let have: Vec<String> = m
                    .manifests
                    .iter()
                    .filter_map(|d| d.platform.as_ref())
                    .map(|p| match &p.variant {
                        Some(v) => format!("{}/{}/{v}", p.os, p.architecture),
                        None => format!("{}/{}", p.os, p.architecture),
                    })
                    .collect();
                format!(
                    "{shown} has no image for {} (it has: {})",
                    plat.render(),
                    if have.is_empty() {
                        "none".into()
                    } else {
                        have.join(", ")
                    }
                )
            })?;
            let d = pick.digest.clone();
            let (d2, m2) = self.manifest(&shown, &d)?;
            digest = d2;
            m = m2;
        }
        // Fresh: the facts may be cached under this digest already.
        if let Some(img) = cache::load(&digest) {
            return Ok((digest, img));
        }
        let config = m.config.as_ref().expect("checked");
        if m.layers.len() > MAX_LAYERS {
            return Err(format!("{shown}: more than {MAX_LAYERS} layers"));
        }
        let resp = self.get(
            "the image config",
            &format!("blobs/{}", config.digest),
            None,
        )?;
        let bytes = read_document(resp, "the image config")?;
        verify("the image config", &config.digest, &bytes)?;
        let ev = self.evidence(&digest, None);
        let mut image =
            archive::image_from_config(&bytes, &ev).map_err(|e| format!("{shown}: {e}"))?;
        let mut layers: Vec<Layer> = Vec::with_capacity(m.layers.len());
        let mut evs = Vec::with_capacity(m.layers.len());
        let mut total = 0usize;
        for l in &m.layers {
            let what = format!("layer {}", short(&l.digest));
            if let Some(t) = &l.media_type {
                if t.contains("foreign") || t.contains("nondistributable") {
                    return Err(format!(
                        "{shown}: {what} is a foreign layer, which a registry does not serve"
                    ));
                }
            }
            let resp = self.get(&what, &format!("blobs/{}", l.digest), None)?;
            let layer = read_layer(resp, &l.digest, &mut total)
                .map_err(|e| format!("{shown}: {what}: {e}"))?;
            layers.push(layer);
            evs.push(self.evidence(&digest, Some(&l.digest)));
        }
        let refs: Vec<&Layer> = layers.iter().collect();
        archive::apply_layers_each(&mut image, &refs, &ev, &evs);
        Ok((digest, image))
    }

    /// A manifest by tag or digest, checked against its digest.
    fn manifest(&mut self, shown: &str, reference: &str) -> Result<(String, Manifest), String> {
        let what = if reference.contains(':') {
            format!("{shown} (manifest {})", short(reference))
        } else {
            format!("`{shown}`")
        };
        let resp = self.get(
            &what,
            &format!("manifests/{reference}"),
            Some(ACCEPT_MANIFEST),
        )?;
        let header = resp.header("docker-content-digest").map(str::to_string);
        let bytes = read_document(resp, "the manifest")?;
        let digest = sha256(&bytes);
        if reference.contains(':') {
            verify("the manifest", reference, &bytes)?;
        } else if let Some(h) = header.filter(|h| h.starts_with("sha256:")) {
            if h != digest {
                return Err(format!(
                    "{shown}: the manifest does not match its digest {}",
                    short(&h)
                ));
            }
        }
        let m: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
            format!(
                "{shown}: the manifest is not JSON: {}",
                one_line(&e.to_string())
            )
        })?;
        let digest = if reference.contains(':') {
            reference.to_string()
        } else {
            digest
        };
        Ok((digest, m))
    }
}

fn pick_platform<'a>(list: &'a [Descriptor], want: &Platform) -> Option<&'a Descriptor> {
    let of = |d: &Descriptor| {
        d.platform.as_ref().map(|p| {
            let (arch, variant) =
                normalize_arch(&p.architecture.to_ascii_lowercase(), p.variant.clone());
            (p.os.to_ascii_lowercase(), arch, variant)
        })
    };
    let exact = list.iter().find(|d| {
        of(d).is_some_and(|(os, arch, variant)| {
            os == want.os && arch == want.arch && variant == want.variant
        })
    });
    exact.or_else(|| {
        list.iter().find(|d| {
            of(d).is_some_and(|(os, arch, _)| {
                os == want.os && arch == want.arch && want.variant.is_none()
            })
        })
    })
}

/// A small document, bounded in size.
fn read_document(resp: ureq::Response, what: &str) -> Result<Vec<u8>, String> {
    let mut v = Vec::new();
    resp.into_reader()
        .take(MAX_DOCUMENT + 1)
        .read_to_end(&mut v)
        .map_err(|e| format!("reading {what}: {}", one_line(&e.to_string())))?;
    if v.len() as u64 > MAX_DOCUMENT {
        return Err(format!("{what} is larger than {MAX_DOCUMENT} bytes"));
    }
    Ok(v)
}

/// Hashes and counts what passes through.
struct Hashing<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        if self.read > MAX_LAYER {
            return Err(std::io::Error::other(format!(
                "larger than {MAX_LAYER} bytes"
            )));
        }
        Ok(n)
    }
}

/// Streams a layer blob through the archive reader and checks its digest.
fn read_layer(resp: ureq::Response, digest: &str, total: &mut usize) -> Result<Layer, String> {
    let mut h = Hashing {
        inner: resp.into_reader(),
        hasher: Sha256::new(),
        read: 0,
    };
    let layer = {
        let buf = BufReader::with_capacity(64 * 1024, &mut h);
        let r = archive::decompressed(buf)?;
        archive::read_layer(r, total)
            .map_err(|e| format!("{} (truncated or not a layer?)", one_line(&e)))?
    };
    // The rest (tar padding, compression trailer) counts for the digest.
    std::io::copy(&mut h, &mut std::io::sink()).map_err(|e| one_line(&e.to_string()))?;
    if digest.starts_with("sha256:") {
        let got = format!("sha256:{}", hex(&h.hasher.finalize()));
        if got != digest {
            return Err(format!(
                "the content does not match its digest ({} bytes read, truncated or corrupted)",
                h.read
            ));
        }
    }
    Ok(layer)
}

/// `Bearer realm="…",service="…"` -> ("Bearer", [(realm, …), …]).
fn parse_challenge(h: &str) -> (String, Vec<(String, String)>) {
    let h = h.trim();
    let (scheme, rest) = h.split_once(' ').unwrap_or((h, ""));
    let mut params = Vec::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let Some((k, after)) = s.split_once('=') else {
            break;
        };
        let k = k.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (v, next) = if let Some(q) = after.strip_prefix('"') {
            match q.find('"') {
                Some(i) => (q[..i].to_string(), &q[i + 1..]),
                None => (q.to_string(), ""),
            }
        } else {
            match after.find(',') {
                Some(i) => (after[..i].trim().to_string(), &after[i..]),
                None => (after.trim().to_string(), ""),
            }
        };
        params.push((k, v));
        s = next.trim_start().trim_start_matches(',').trim_start();
    }
    (scheme.to_string(), params)
}

fn host_of(host_port: &str) -> &str {
    if let Some(rest) = host_port.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    host_port.rsplit_once(':').map_or(host_port, |(h, _)| h)
}

/// Loopback registries (and the ones named in
/// `COMPOSE_LINT_INSECURE_REGISTRIES`) speak plain HTTP.
fn insecure(host_port: &str) -> bool {
    let host = host_of(host_port);
    if host == "localhost" || host == "::1" || host.starts_with("127.") {
        return true;
    }
    std::env::var("COMPOSE_LINT_INSECURE_REGISTRIES")
        .unwrap_or_default()
        .split(',')
        .any(|h| !h.trim().is_empty() && h.trim() == host_port)
}

fn env_any(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
}

/// Is `host` exempt from the proxy by `NO_PROXY`?
fn no_proxy(host: &str) -> bool {
    let Some(list) = env_any(&["NO_PROXY", "no_proxy"]) else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    list.split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .any(|e| {
            let e = e.to_ascii_lowercase();
            let e = host_of(&e).to_string();
            e == "*" || host == e || host.ends_with(&format!(".{}", e.trim_start_matches('.')))
        })
}

fn agent_for_url(url: &str) -> Result<ureq::Agent, String> {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    agent_for(host, scheme)
}

/// An agent with every bound, and the proxy the environment names.
fn agent_for(host_port: &str, scheme: &str) -> Result<ureq::Agent, String> {
    let t = timeout();
    let mut b = ureq::AgentBuilder::new()
        .timeout_connect(t)
        .timeout_read(t)
        .timeout_write(t)
        .redirects(MAX_REDIRECTS)
        .user_agent(concat!("compose-lint/", env!("CARGO_PKG_VERSION")));
    let host = host_of(host_port);
    let proxy = if scheme == "https" {
        env_any(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"])
    } else {
        env_any(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"])
    };
    let loopback = host == "localhost" || host == "::1" || host.starts_with("127.");
    if let Some(p) = proxy.filter(|_| !loopback && !no_proxy(host)) {
        let p = ureq::Proxy::new(&p).map_err(|e| format!("proxy `{p}`: {e}"))?;
        b = b.proxy(p);
    }
    Ok(b.build())
}

/// One line for a transport failure.
fn transport(t: &ureq::Transport) -> String {
    let kind = t.kind();
    let msg = t.message().map(one_line);
    let detail = std::error::Error::source(t).map(|s| one_line(&s.to_string()));
    let mut s = match kind {
        ureq::ErrorKind::Dns => "the host name does not resolve".to_string(),
        ureq::ErrorKind::ConnectionFailed => "could not connect".to_string(),
        ureq::ErrorKind::TooManyRedirects => {
            format!("more than {MAX_REDIRECTS} redirects (a redirect loop?)")
        }
        ureq::ErrorKind::Io => "the connection failed".to_string(),
        ureq::ErrorKind::ProxyConnect | ureq::ErrorKind::ProxyUnauthorized => {
            "the proxy refused".to_string()
        }
        _ => one_line(&kind.to_string()),
    };
    let extra = detail.or(msg);
    if let Some(d) = extra {
        let d = if d.contains("timed out")
            || d.contains("WouldBlock")
            || d.contains("Resource temporarily unavailable")
        {
            format!("no answer within {} s (timed out)", timeout().as_secs_f64())
        } else {
            d
        };
        s.push_str(": ");
        s.push_str(&d);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse() {
        let (s, p) = parse_challenge(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/redis:pull""#,
        );
        assert_eq!(s, "Bearer");
        assert_eq!(
            p[0],
            ("realm".into(), "https://auth.docker.io/token".into())
        );
        assert_eq!(p[1], ("service".into(), "registry.docker.io".into()));
        assert_eq!(p[2].1, "repository:library/redis:pull");
        let (s, p) = parse_challenge(r#"Basic realm="Registry Realm""#);
        assert_eq!(s, "Basic");
        assert_eq!(p, vec![("realm".into(), "Registry Realm".into())]);
    }

    #[test]
    fn platforms_normalize() {
        let p = Platform::parse("linux/aarch64/v8").unwrap();
        assert_eq!((p.arch.as_str(), p.variant), ("arm64", None));
        let p = Platform::parse("linux/arm/v7").unwrap();
        assert_eq!(p.variant.as_deref(), Some("v7"));
        assert!(Platform::parse("linux").is_none());
    }

    #[test]
    fn odd_tags_never_reach_a_url() {
        for r in [
            "127.0.0.1:9/a:x?y",
            "127.0.0.1:9/a@sha256:zz",
            "127.0.0.1:9/a:x#y",
        ] {
            let e = image(r, None, false).unwrap_err();
            assert!(e.contains("does not accept"), "{r}: {e}");
        }
    }

    #[test]
    fn loopback_is_plain_http() {
        assert!(insecure("127.0.0.1:5000"));
        assert!(insecure("localhost:5000"));
        assert!(!insecure("ghcr.io"));
    }
}
