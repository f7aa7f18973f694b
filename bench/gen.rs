//! Generated benchmark inputs. std only, so that it serves both the
//! `cargo bench` harness (`benches/lint.rs` includes it as a module) and
//! `bench/compare.sh`, which compiles it on its own with `rustc`:
//!
//! ```sh
//! rustc --edition 2021 -O bench/gen.rs -o /tmp/gen
//! /tmp/gen big  /tmp/big/compose.yaml   # (b) one 5 MB file, ~7,000 services
//! /tmp/gen plain /tmp/plain/compose.yaml # 7,000 plain services, no findings
//! /tmp/gen repo /tmp/repo               # (c) 10,000 small projects
//! /tmp/gen small /tmp/small/compose.yaml # one small file (the RocketMQ shape)
//! ```
//!
//! Everything is deterministic (no randomness), so runs compare.

#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::Path;

/// Images the built-in facts know, so that image resolution does real work.
const IMAGES: &[&str] = &[
    "postgres:16",
    "redis:7-alpine",
    "nginx:1.27",
    "mysql:8.0",
    "mongo:7",
    "rabbitmq:3-management",
    "alpine:3.20",
    "busybox:1.36",
    "example.org/team/app:1.2.3",
    "node:20-alpine",
];

/// (b): one Compose file of about `target_bytes` bytes. Every service
/// merges an anchored template with `<<`, and some merge two (`<<: [*a, *b]`).
pub fn big_file(target_bytes: usize) -> String {
    let mut s = String::with_capacity(target_bytes + 4096);
    s.push_str(
        "name: bench-big\n\
         x-common: &common\n  restart: unless-stopped\n  logging:\n    driver: json-file\n    options:\n      max-size: \"10m\"\n      max-file: \"3\"\n  labels:\n    com.example.team: platform\n    com.example.tier: backend\n\
         x-health: &health\n  healthcheck:\n    test: [\"CMD\", \"true\"]\n    interval: 30s\n    timeout: 5s\n    retries: 3\n\
         x-env: &env\n  TZ: UTC\n  LOG_LEVEL: info\n  FEATURE_FLAGS: \"a,b,c\"\n\
         services:\n",
    );
    let mut i = 0usize;
    while s.len() < target_bytes {
        let image = IMAGES[i % IMAGES.len()];
        let _ = write!(
            s,
            "  svc-{i:05}:\n\
             \x20   <<: {merge}\n\
             \x20   image: {image}\n\
             \x20   container_name: bench-svc-{i:05}\n\
             \x20   user: \"1000:1000\"\n\
             \x20   stop_grace_period: 30s\n\
             \x20   labels:\n\
             \x20     com.example.service: svc-{i:05}\n\
             \x20     com.example.owner: team-{team}\n\
             \x20   environment:\n\
             \x20     <<: *env\n\
             \x20     SERVICE_NAME: svc-{i:05}\n\
             \x20     DATABASE_URL: \"postgres://app:secret@db-{db}:5432/app\"\n\
             \x20     PORT: \"{port}\"\n\
             \x20   ports:\n\
             \x20     - \"{hp}:{port}\"\n\
             \x20   volumes:\n\
             \x20     - data-{v}:/var/lib/app/{i}\n\
             \x20     - ./config/svc-{i:05}.conf:/etc/app/app.conf:ro\n\
             \x20   networks: [front, back]\n\
             \x20   depends_on:\n\
             \x20     - svc-{dep:05}\n\
             \x20   command: [\"/usr/local/bin/app\", \"--port\", \"{port}\", \"--name\", \"svc-{i:05}\"]\n\
             \x20   deploy:\n\
             \x20     resources:\n\
             \x20       limits:\n\
             \x20         cpus: \"0.50\"\n\
             \x20         memory: 256M\n",
            merge = if i % 3 == 0 { "[*common, *health]" } else { "*common" },
            db = i % 7,
            team = i % 13,
            port = 8000 + (i % 1000),
            hp = 10000 + i,
            v = i % 50,
            dep = if i == 0 { 0 } else { i - 1 },
        );
        if i == 0 {
            // svc-00000 must not depend on itself.
            let cut = s.rfind("    depends_on:\n").expect("just written");
            let end = s[cut..].find("    command:").expect("just written") + cut;
            s.replace_range(cut..end, "");
        }
        i += 1;
    }
    s.push_str("networks:\n  front: {}\n  back: {}\nvolumes:\n");
    for v in 0..50 {
        let _ = writeln!(s, "  data-{v}: {{}}");
    }
    s
}

/// A file of `n` plain services (7,000 make 2.4 MB) that draws no
/// finding: anchors and `<<` merges, ports, and named volumes each shared by
/// many services. The rules that index services (ports, names, volumes)
/// must stay linear on it.
pub fn plain_file(n: usize) -> String {
    let mut s = String::with_capacity(n * 360 + 4096);
    s.push_str(
        "name: bench-plain\n\
         x-base: &base\n  image: nginx:1.27\n  restart: unless-stopped\n  networks: [edge]\n\
         x-logging: &logging\n  logging:\n    driver: json-file\n    options:\n      max-size: \"10m\"\n\
         services:\n",
    );
    for i in 0..n {
        let _ = write!(
            s,
            "  svc-{i:05}:\n\
             \x20   <<: {merge}\n\
             \x20   hostname: web-{i:05}\n\
             \x20   environment:\n\
             \x20     SITE: site-{i:05}\n\
             \x20     UPSTREAM: http://backend-{b}.internal:8080\n\
             \x20   labels:\n\
             \x20     com.example.site: site-{i:05}\n\
             \x20     com.example.tier: web\n\
             \x20   ports:\n\
             \x20     - \"{hp}:80\"\n\
             \x20   volumes:\n\
             \x20     - shared-{v}:/usr/share/nginx/html:ro\n\
             \x20     - cache-{c}:/var/cache/nginx/site-{i}\n",
            merge = if i % 2 == 0 {
                "[*base, *logging]"
            } else {
                "*base"
            },
            hp = 20000 + i,
            v = i % 20,
            c = i % 100,
            b = i % 64,
        );
    }
    s.push_str("networks:\n  edge: {}\nvolumes:\n");
    for v in 0..20 {
        let _ = writeln!(s, "  shared-{v}: {{}}");
    }
    for c in 0..100 {
        let _ = writeln!(s, "  cache-{c}: {{}}");
    }
    s
}

/// A small project, in one of a few shapes (plain, with an override, with
/// an `.env` and interpolation, with a legacy `version:` and links).
pub fn small_project(i: usize) -> Vec<(&'static str, String)> {
    let image = IMAGES[i % IMAGES.len()];
    let mut files = Vec::new();
    match i % 4 {
        0 => files.push((
            "compose.yaml",
            format!(
                "services:\n  web:\n    image: {image}\n    ports:\n      - \"8080:80\"\n    depends_on: [db]\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: example\n    volumes:\n      - db-data:/var/lib/postgresql/data\nvolumes:\n  db-data: {{}}\n"
            ),
        )),
        1 => {
            files.push((
                "compose.yaml",
                format!(
                    "services:\n  app:\n    image: {image}\n    restart: always\n    environment:\n      - MODE=prod\n"
                ),
            ));
            files.push((
                "compose.override.yaml",
                "services:\n  app:\n    environment:\n      - MODE=dev\n    ports:\n      - 3000:3000\n".to_string(),
            ));
        }
        2 => {
            files.push((
                "docker-compose.yml",
                format!(
                    "services:\n  api:\n    image: ${{REGISTRY:-docker.io}}/library/{image}\n    env_file: .env\n    ports:\n      - \"${{API_PORT}}:8080\"\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n      interval: 10s\n"
                ),
            ));
            files.push((".env", format!("API_PORT={}\nREGISTRY=docker.io\n", 20000 + i % 1000)));
        }
        _ => files.push((
            "docker-compose.yml",
            format!(
                "version: '2'\nservices:\n  namesrv:\n    image: {image}\n    command: sh mqnamesrv\n  broker:\n    image: {image}\n    links:\n      - namesrv\n    volumes:\n      - ./logs:/home/app/logs\n      - store:/home/app/store\n    restart: no\nvolumes:\n  store:\n"
            ),
        )),
    }
    files
}

/// (c): `n` small projects under `dir/pNNNN/svcNN/`.
pub fn write_repo(dir: &Path, n: usize) -> std::io::Result<()> {
    for i in 0..n {
        let d = dir
            .join(format!("p{:04}", i / 100))
            .join(format!("svc{:02}", i % 100));
        std::fs::create_dir_all(&d)?;
        for (name, text) in small_project(i) {
            std::fs::write(d.join(name), text)?;
        }
    }
    Ok(())
}

/// One small file in the RocketMQ shape (the peers' measurement input).
pub fn small_file() -> String {
    "version: '2'\nservices:\n  namesrv:\n    image: apache/rocketmq:4.9.4\n    container_name: rmqnamesrv\n    ports:\n      - 9876:9876\n    volumes:\n      - /etc/timezone:/etc/timezone:ro\n    command: sh mqnamesrv\n  broker:\n    image: apache/rocketmq:4.9.4\n    container_name: rmqbroker\n    links:\n      - namesrv\n    ports:\n      - 10911:10911\n    volumes:\n      - logs:/home/rocketmq/logs\n      - store:/home/rocketmq/store\n    command: sh mqbroker -n namesrv:9876\nvolumes:\n  logs:\n  store:\n".to_string()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: gen big FILE | gen plain FILE | gen repo DIR [N] | gen small FILE";
    let (Some(what), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("{usage}");
        std::process::exit(2);
    };
    let out = Path::new(out);
    let write = |text: String| {
        if let Some(p) = out.parent() {
            std::fs::create_dir_all(p).expect("create directory");
        }
        std::fs::write(out, text).expect("write file");
    };
    match what.as_str() {
        "big" => write(big_file(5_000_000)),
        "plain" => write(plain_file(7_000)),
        "small" => write(small_file()),
        "repo" => {
            let n = args.get(3).and_then(|n| n.parse().ok()).unwrap_or(10_000);
            write_repo(out, n).expect("write repository");
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
}
