//! Lowering tests: YAML text (read by the test-only helper in
//! `tests/common`) -> `model::lower` -> model and diagnostics.

mod common;

use common::{at, lower_yaml};
use compose_lint::diagnostic::Diagnostic;
use compose_lint::model::*;

fn codes(d: &[Diagnostic]) -> Vec<&'static str> {
    d.iter().map(|d| d.code).collect()
}

fn no_errors(src: &str) -> Project {
    let (p, d) = lower_yaml(src);
    assert!(d.is_empty(), "unexpected diagnostics: {d:#?}");
    p
}

const ROCKETMQ: &str = r#"version: '2'
services:
  namesrv:
    image: apacherocketmq/rocketmq:4.3.1
    container_name: rmqnamesrv
    ports:
      - 9876:9876
    volumes:
      - ./data/namesrv/logs:/home/rocketmq/logs
    command: sh mqnamesrv
  broker-master:
    image: apacherocketmq/rocketmq:4.3.1
    container_name: rmqbroker-master
    links:
      - namesrv
    ports:
      - 10909:10909
      - "10911:10911"
    environment:
      - NAMESRV_ADDR=namesrv:9876
      - JAVA_OPT_EXT=-server -Xms256m -Xmx256m -Xmn256m
    volumes:
      - broker_m_logs:/home/rocketmq/log
      - ./broker_m.conf:/opt/rocketmq-4.3.1/conf/broker.conf
    command: sh mqbroker -c /opt/rocketmq-4.3.1/conf/broker.conf
  broker-slave:
    image: apacherocketmq/rocketmq:4.3.1
    links:
      - namesrv
      - broker-master:master
    environment:
      JAVA_OPT_EXT: "-server -Xms256m -Xmx256m -Xmn256m"
    volumes:
      - broker_s_logs:/home/rocketmq/log
    command: sh mqbroker -c /opt/rocketmq-4.3.1/conf/broker.conf
volumes:
  broker_m_logs:
  broker_s_logs:
"#;

/// A compact, span-free rendering of the parts of a project rules read.
fn summarize(p: &Project) -> String {
    use std::fmt::Write;
    let mut o = String::new();
    writeln!(o, "version: {:?}", p.version.as_ref().map(|v| &v.value)).unwrap();
    for s in &p.services {
        writeln!(o, "service {}", s.name.value).unwrap();
        if let Some(i) = &s.image {
            writeln!(o, "  image: {}", i.value).unwrap();
        }
        if let Some(c) = &s.command {
            writeln!(
                o,
                "  command: shell={} argv={:?}",
                c.is_shell_form(),
                c.argv
            )
            .unwrap();
        }
        for e in s.environment.iter() {
            writeln!(
                o,
                "  env {} = {:?}",
                e.key.value,
                e.value.as_ref().map(|v| &v.value)
            )
            .unwrap();
        }
        for port in &s.ports {
            writeln!(
                o,
                "  port ip={:?} published={:?} target={} proto={} short={}",
                port.host_ip.as_ref().map(|h| &h.value),
                port.published.as_ref().map(|p| p.value.to_string()),
                port.target.value,
                port.protocol(),
                port.short_syntax
            )
            .unwrap();
        }
        for m in &s.volumes {
            writeln!(
                o,
                "  mount {} {:?} -> {} ro={} creates_host_path={}",
                m.kind.value.as_str(),
                m.source.as_ref().map(|s| &s.value),
                m.target.value,
                m.is_read_only(),
                m.creates_host_path()
            )
            .unwrap();
        }
        for l in &s.links {
            writeln!(o, "  link {}", l.value).unwrap();
        }
    }
    for v in &p.volumes {
        writeln!(o, "volume {}", v.name.value).unwrap();
    }
    o
}

#[test]
fn rocketmq_snapshot() {
    let p = no_errors(ROCKETMQ);
    insta::assert_snapshot!(summarize(&p));
}

#[test]
fn rocketmq_spans() {
    let p = no_errors(ROCKETMQ);
    let b = p.service("broker-master").unwrap();
    assert_eq!(at(ROCKETMQ, b.name.span), "broker-master");
    assert_eq!(at(ROCKETMQ, b.keys.get("links").unwrap()), "links");
    let env = b.environment.get("JAVA_OPT_EXT").unwrap();
    assert_eq!(at(ROCKETMQ, env.key.span), "JAVA_OPT_EXT");
    assert_eq!(
        at(ROCKETMQ, env.value.as_ref().unwrap().span),
        "-server -Xms256m -Xmx256m -Xmn256m"
    );
    let conf = &b.volumes[1];
    assert_eq!(
        at(ROCKETMQ, conf.source.as_ref().unwrap().span),
        "./broker_m.conf"
    );
    assert_eq!(
        at(ROCKETMQ, conf.target.span),
        "/opt/rocketmq-4.3.1/conf/broker.conf"
    );
    // Quoted short syntax: sub-spans skip the quotes.
    assert_eq!(
        at(ROCKETMQ, b.ports[1].published.as_ref().unwrap().span),
        "10911"
    );
    assert_eq!(at(ROCKETMQ, b.ports[1].span), "\"10911:10911\"");
    assert_eq!(p.version.as_ref().unwrap().value, "2");
    assert_eq!(at(ROCKETMQ, p.version.as_ref().unwrap().span), "'2'");
}

#[test]
fn unknown_key_with_suggestion_at_key_span() {
    let src = "services:\n  web:\n    image: nginx\n    enviroment:\n      A: b\n";
    let (p, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S003"]);
    assert_eq!(at(src, d[0].span), "enviroment");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `environment`?"));
    assert!(d[0].message.contains("service `web`"), "{}", d[0].message);
    assert_eq!(
        p.service("web").unwrap().image.as_ref().unwrap().value,
        "nginx"
    );

    let src = "services:\n  web:\n    image: nginx\n    frobnicate: 1\n";
    let (_, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S003"]);
    assert_eq!(d[0].help, None);

    let src = "servcies:\n  web:\n    image: nginx\n";
    let (_, d) = lower_yaml(src);
    assert_eq!(at(src, d[0].span), "servcies");
    assert_eq!(d[0].help.as_deref(), Some("did you mean `services`?"));
}

#[test]
fn wrong_types_at_value_span() {
    let src = "services:\n  web:\n    ports:\n      a: b\n    image: [x]\n    privileged: maybe\n";
    let (_, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S004", "S004", "S005"]);
    assert_eq!(d[0].message, "`ports` must be a sequence, found a mapping");
    assert_eq!(at(src, d[0].span), "a: b");
    assert_eq!(at(src, d[1].span), "[x]");
    assert_eq!(at(src, d[2].span), "maybe");
}

#[test]
fn top_level_must_be_a_mapping() {
    let (_, d) = lower_yaml("- a\n- b\n");
    assert_eq!(codes(&d), ["S004"]);
    let (p, d) = lower_yaml("");
    assert!(d.is_empty());
    assert!(p.services.is_empty());
}

#[test]
fn all_problems_reported_and_rest_still_lowers() {
    let src = r#"services:
  web:
    image: nginx:1.25
    ports:
      - "80:80:80:80"
      - "8080:80"
    volumes:
      - "/foo:/foo:ro:foo"
      - ./html:/usr/share/nginx/html:ro
    mem_limit: 12zb
    stop_grace_period: 10
    healthcheck:
      test: ["curl", "-f", "http://localhost"]
      interval: 30s
    restart: unless-stopped
    comand: x
  db:
    image: postgres
    deploy:
      replicas: three
"#;
    let (p, d) = lower_yaml(src);
    assert_eq!(
        codes(&d),
        ["S005", "S005", "S005", "S005", "S005", "S003", "S005"],
        "{d:#?}"
    );
    assert!(
        d[0].message.starts_with("invalid port `80:80:80:80`"),
        "{}",
        d[0].message
    );
    assert_eq!(at(src, d[0].span), "\"80:80:80:80\"");
    assert!(d[1].message.contains("too many colons"));
    assert_eq!(at(src, d[2].span), "12zb");
    assert_eq!(at(src, d[3].span), "10");
    assert_eq!(at(src, d[4].span), "\"curl\"");
    assert_eq!(d[5].help.as_deref(), Some("did you mean `command`?"));
    assert_eq!(at(src, d[6].span), "three");
    let web = p.service("web").unwrap();
    assert_eq!(web.ports.len(), 1);
    assert_eq!(web.volumes.len(), 1);
    assert!(web.volumes[0].is_read_only());
    assert!(web.mem_limit.is_none());
    assert_eq!(web.restart.as_ref().unwrap().value, "unless-stopped");
    let hc = web.healthcheck.as_ref().unwrap();
    assert!(hc.test.is_none());
    assert_eq!(hc.interval.as_ref().unwrap().value.nanos, 30_000_000_000);
    assert_eq!(
        p.service("db").unwrap().image.as_ref().unwrap().value,
        "postgres"
    );
}

#[test]
fn extension_keys_are_kept() {
    let src = r#"x-common:
  a: 1
services:
  web:
    image: nginx
    x-svc: 1
    build:
      context: .
      x-b: 1
    deploy:
      x-d: 1
      resources:
        limits:
          x-l: 1
    logging:
      driver: json-file
      x-log: 1
    healthcheck:
      x-h: 1
    ports:
      - target: 80
        x-p: 1
    volumes:
      - type: bind
        source: .
        target: /app
        x-v: 1
        bind:
          x-bb: 1
volumes:
  data:
    x-vol: 1
networks:
  front:
    x-net: 1
secrets:
  s:
    file: ./s
    x-s: 1
"#;
    let p = no_errors(src);
    assert_eq!(p.extensions.len(), 1);
    assert_eq!(p.extensions[0].0.name, "x-common");
    let web = p.service("web").unwrap();
    assert_eq!(web.extensions[0].0.name, "x-svc");
    assert_eq!(web.build.as_ref().unwrap().extensions.len(), 1);
    assert_eq!(web.deploy.as_ref().unwrap().extensions.len(), 1);
    assert_eq!(web.logging.as_ref().unwrap().extensions.len(), 1);
    assert_eq!(web.ports[0].extensions.len(), 1);
    assert_eq!(web.volumes[0].extensions.len(), 1);
    assert_eq!(p.volume("data").unwrap().extensions.len(), 1);
    assert_eq!(p.network("front").unwrap().extensions.len(), 1);

    // Where the schema allows no extensions, x- keys are unknown.
    let (_, d) = lower_yaml("services:\n  w:\n    extends:\n      service: a\n      x-e: 1\n");
    assert_eq!(codes(&d), ["S003"]);
}

#[test]
fn legacy_version_2_file() {
    let src = r#"version: "2.4"
services:
  app:
    build:
      context: ./app
      dockerfile: Dockerfile.dev
      args:
        - VERSION=1.0
    links:
      - db:database
    volumes_from:
      - data:ro
      - container:other
    mem_limit: 512m
    memswap_limit: 1g
    cpu_shares: 512
    cpuset: "0,1"
    external_links:
      - redis_1
  db:
    image: mysql:5.7
    mem_reservation: 1.5g
    shm_size: 64M
"#;
    let p = no_errors(src);
    let app = p.service("app").unwrap();
    let b = app.build.as_ref().unwrap();
    assert_eq!(b.dockerfile.as_ref().unwrap().value, "Dockerfile.dev");
    assert_eq!(
        b.args.get("VERSION").unwrap().value.as_ref().unwrap().value,
        "1.0"
    );
    assert_eq!(app.links[0].value, "db:database");
    assert_eq!(app.volumes_from.len(), 2);
    assert_eq!(
        app.mem_limit.as_ref().unwrap().value.bytes,
        512 * 1024 * 1024
    );
    assert_eq!(app.mem_limit.as_ref().unwrap().value.raw, "512m");
    assert_eq!(app.memswap_limit.as_ref().unwrap().value.bytes, 1 << 30);
    assert_eq!(app.cpu_shares.as_ref().unwrap().value, 512);
    assert_eq!(app.cpuset.as_ref().unwrap().value, "0,1");
    let db = p.service("db").unwrap();
    assert_eq!(db.mem_reservation.as_ref().unwrap().value.bytes, 3 << 29);
    assert_eq!(db.shm_size.as_ref().unwrap().value.bytes, 64 << 20);
}

#[test]
fn version_3_8_file() {
    let src = r#"version: "3.8"
services:
  api:
    image: example/api
    deploy:
      mode: replicated
      replicas: 3
      endpoint_mode: vip
      labels:
        com.example: "1"
      resources:
        limits:
          cpus: '0.50'
          memory: 50M
          pids: 100
        reservations:
          cpus: '0.25'
          memory: 20M
          devices:
            - capabilities: [gpu]
              driver: nvidia
              count: 1
      restart_policy:
        condition: on-failure
        delay: 5s
        max_attempts: 3
        window: 120s
      update_config:
        parallelism: 2
        delay: 10s
        order: stop-first
      rollback_config:
        parallelism: 1
        max_failure_ratio: 0.1
      placement:
        constraints:
          - node.role == manager
        preferences:
          - spread: node.labels.zone
        max_replicas_per_node: 1
    configs:
      - my_config
      - source: my_other_config
        target: /redis_config
        uid: "103"
        gid: "103"
        mode: 0440
    secrets:
      - db_password
    stop_grace_period: 1m30s
configs:
  my_config:
    file: ./my_config.txt
  my_other_config:
    external: true
secrets:
  db_password:
    file: ./db_password.txt
"#;
    let p = no_errors(src);
    let api = p.service("api").unwrap();
    let d = api.deploy.as_ref().unwrap();
    assert_eq!(d.replicas.as_ref().unwrap().value, 3);
    let res = d.resources.as_ref().unwrap();
    let lim = res.limits.as_ref().unwrap();
    assert_eq!(lim.cpus.as_ref().unwrap().value, 0.5);
    assert_eq!(lim.memory.as_ref().unwrap().value.bytes, 50 << 20);
    assert_eq!(lim.pids.as_ref().unwrap().value, 100);
    let dev = &res.reservations.as_ref().unwrap().devices[0];
    assert_eq!(dev.capabilities[0].value, "gpu");
    assert_eq!(dev.count.as_ref().unwrap().value, "1");
    let rp = d.restart_policy.as_ref().unwrap();
    assert_eq!(rp.delay.as_ref().unwrap().value.nanos, 5_000_000_000);
    assert_eq!(
        d.placement.as_ref().unwrap().preferences[0].value,
        "node.labels.zone"
    );
    assert_eq!(
        d.rollback_config
            .as_ref()
            .unwrap()
            .max_failure_ratio
            .as_ref()
            .unwrap()
            .value,
        0.1
    );
    assert!(api.configs[0].short_syntax);
    let c = &api.configs[1];
    assert_eq!(c.target.as_ref().unwrap().value, "/redis_config");
    assert_eq!(
        units::parse_file_mode(&c.mode.as_ref().unwrap().value),
        Some(0o440)
    );
    assert_eq!(
        api.stop_grace_period.as_ref().unwrap().value.nanos,
        90_000_000_000
    );
    assert!(
        p.config("my_other_config")
            .unwrap()
            .external
            .as_ref()
            .unwrap()
            .external
            .value
    );
    assert_eq!(
        p.secret("db_password")
            .unwrap()
            .file
            .as_ref()
            .unwrap()
            .value,
        "./db_password.txt"
    );
}

#[test]
fn ports_every_form() {
    let src = r#"services:
  web:
    image: x
    ports:
      - 80
      - "3000-3005"
      - "8080:80"
      - "127.0.0.1:8081:81"
      - "127.0.0.1::82"
      - "9090-9091:8080-8081"
      - "[::1]:6001:6001"
      - "::1:6000:6000"
      - "6060:6060/udp"
      - target: 443
        published: "8443"
        host_ip: 127.0.0.1
        protocol: tcp
        app_protocol: https
        mode: host
        name: web-secured
      - target: 90
        published: 8000-9000
"#;
    let p = no_errors(src);
    let ports = &p.service("web").unwrap().ports;
    assert_eq!(ports.len(), 11);
    assert_eq!(ports[0].target.value, PortRange::single(80));
    assert!(ports[0].published.is_none());
    assert_eq!(
        ports[1].target.value,
        PortRange {
            start: 3000,
            end: 3005
        }
    );
    assert_eq!(
        at(src, ports[3].host_ip.as_ref().unwrap().span),
        "127.0.0.1"
    );
    assert_eq!(at(src, ports[3].published.as_ref().unwrap().span), "8081");
    assert_eq!(at(src, ports[3].target.span), "81");
    assert!(ports[4].published.is_none());
    assert_eq!(ports[5].published.as_ref().unwrap().value.len(), 2);
    assert_eq!(ports[6].host_ip.as_ref().unwrap().value, "::1");
    assert_eq!(at(src, ports[6].host_ip.as_ref().unwrap().span), "::1");
    assert_eq!(ports[7].host_ip.as_ref().unwrap().value, "::1");
    assert_eq!(ports[8].protocol(), "udp");
    assert_eq!(at(src, ports[8].protocol.as_ref().unwrap().span), "udp");
    let long = &ports[9];
    assert!(!long.short_syntax);
    assert_eq!(
        long.published.as_ref().unwrap().value,
        PortRange::single(8443)
    );
    assert_eq!(long.mode.as_ref().unwrap().value, "host");
    assert_eq!(long.name.as_ref().unwrap().value, "web-secured");
    assert_eq!(long.app_protocol.as_ref().unwrap().value, "https");
    assert_eq!(
        ports[10].published.as_ref().unwrap().value,
        PortRange {
            start: 8000,
            end: 9000
        }
    );

    // Unresolved interpolation pieces are skipped without an S005.
    let (p, d) = lower_yaml("services:\n  w:\n    ports:\n      - \"${HOST_PORT}:80\"\n      - target: 80\n        published: ${P}\n");
    // The long entry keeps its target; only the bad `published` is dropped.
    let ports = &p.service("w").unwrap().ports;
    assert_eq!(ports.len(), 1);
    assert!(ports[0].published.is_none());
    assert_eq!(
        codes(&d),
        ["S005"],
        "long syntax still checks published: {d:#?}"
    );

    let (_, d) = lower_yaml("services:\n  w:\n    ports:\n      - published: 80\n");
    assert_eq!(codes(&d), ["S005"]);
    assert!(d[0].message.contains("target"));
}

#[test]
fn volumes_every_form() {
    let src = r#"services:
  web:
    image: x
    volumes:
      - /data
      - data:/var/lib/data
      - ./src:/app:ro,z
      - ~/cfg:/cfg
      - C:\data:/data2
      - C:/data:/data3
      - cache:/cache:nocopy
      - type: bind
        source: /host
        target: /container
        read_only: true
        bind:
          create_host_path: false
          propagation: rshared
          selinux: Z
      - type: bind
        source: ./x
        target: /x
      - type: volume
        source: db
        target: /db
        volume:
          nocopy: true
          subpath: sub
      - type: tmpfs
        target: /tmp
        tmpfs:
          size: 64m
          mode: 1777
      - type: image
        source: alpine
        target: /img
        image:
          subpath: /etc
      - type: npipe
        source: \\.\pipe\docker_engine
        target: \\.\pipe\docker_engine
volumes:
  data:
  cache:
  db:
"#;
    let p = no_errors(src);
    let v = &p.service("web").unwrap().volumes;
    assert_eq!(v.len(), 13);
    assert_eq!(
        (v[0].kind.value, v[0].source.is_none()),
        (MountKind::Volume, true)
    );
    assert_eq!(v[1].kind.value, MountKind::Volume);
    assert_eq!(at(src, v[1].source.as_ref().unwrap().span), "data");
    assert_eq!(v[2].kind.value, MountKind::Bind);
    assert!(v[2].is_read_only());
    assert_eq!(at(src, v[2].read_only.as_ref().unwrap().span), "ro,z");
    assert_eq!(
        v[2].bind.as_ref().unwrap().selinux.as_ref().unwrap().value,
        "z"
    );
    assert!(v[2].creates_host_path());
    assert_eq!(v[3].kind.value, MountKind::Bind);
    assert_eq!(v[3].source.as_ref().unwrap().value, "~/cfg");
    assert_eq!(v[4].kind.value, MountKind::Bind);
    assert_eq!(v[4].source.as_ref().unwrap().value, "C:\\data");
    assert_eq!(v[5].source.as_ref().unwrap().value, "C:/data");
    assert!(v[6].volume.as_ref().unwrap().nocopy.as_ref().unwrap().value);
    let long = &v[7];
    assert!(!long.short_syntax && long.is_read_only() && !long.creates_host_path());
    assert_eq!(at(src, long.kind.span), "bind");
    assert_eq!(
        long.bind
            .as_ref()
            .unwrap()
            .propagation
            .as_ref()
            .unwrap()
            .value,
        "rshared"
    );
    assert!(
        v[8].creates_host_path(),
        "long syntax defaults create_host_path to true"
    );
    assert_eq!(
        v[9].volume
            .as_ref()
            .unwrap()
            .subpath
            .as_ref()
            .unwrap()
            .value,
        "sub"
    );
    assert_eq!(
        v[10]
            .tmpfs
            .as_ref()
            .unwrap()
            .size
            .as_ref()
            .unwrap()
            .value
            .bytes,
        64 << 20
    );
    assert_eq!(
        v[11]
            .image
            .as_ref()
            .unwrap()
            .subpath
            .as_ref()
            .unwrap()
            .value,
        "/etc"
    );
    assert_eq!(v[12].kind.value, MountKind::Npipe);

    let (_, d) = lower_yaml("services:\n  w:\n    volumes:\n      - type: blind\n        target: /x\n      - source: a\n        target: /y\n      - type: bind\n        source: a\n");
    assert_eq!(codes(&d), ["S005", "S005", "S005"], "{d:#?}");
    assert!(d[0].message.contains("invalid mount type `blind`"));
}

#[test]
fn environment_labels_and_env_file() {
    let src = r#"services:
  web:
    image: x
    environment:
      - A=1
      - B=
      - C
      - D=x=y
    labels:
      com.example.a: "1"
      com.example.b:
    env_file:
      - .env
      - path: ./override.env
        required: false
        format: raw
  api:
    image: x
    environment:
      DEBUG: "true"
      EMPTY: ""
      FROM_SHELL:
      PORT: 8080
    env_file: common.env
"#;
    let p = no_errors(src);
    let web = p.service("web").unwrap();
    let env = &web.environment;
    assert!(env.list_form);
    assert_eq!(env.get("A").unwrap().value.as_ref().unwrap().value, "1");
    assert_eq!(env.get("B").unwrap().value.as_ref().unwrap().value, "");
    assert!(env.get("C").unwrap().value.is_none());
    assert_eq!(env.get("D").unwrap().value.as_ref().unwrap().value, "x=y");
    assert_eq!(at(src, env.get("D").unwrap().key.span), "D");
    assert_eq!(
        at(src, env.get("D").unwrap().value.as_ref().unwrap().span),
        "x=y"
    );
    assert!(web.labels.get("com.example.b").unwrap().value.is_none());
    assert!(web.env_file[0].short_syntax && web.env_file[0].is_required());
    assert!(!web.env_file[1].is_required());
    assert_eq!(web.env_file[1].format.as_ref().unwrap().value, "raw");
    let api = p.service("api").unwrap();
    assert!(!api.environment.list_form);
    assert!(api.environment.get("FROM_SHELL").unwrap().value.is_none());
    assert_eq!(
        api.environment
            .get("PORT")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value,
        "8080"
    );
    assert_eq!(api.env_file[0].path.value, "common.env");
}

#[test]
fn command_forms() {
    let src = r#"services:
  a:
    image: x
    command: sh -c 'echo "hi"'
    entrypoint: ["/bin/sh", "-c"]
  b:
    image: x
    command: echo a && echo b
  c:
    image: x
    command: []
    entrypoint: ""
  d:
    image: x
    command: echo 'oops
"#;
    let (p, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S005"]);
    assert_eq!(at(src, d[0].span), "echo 'oops");
    let a = p.service("a").unwrap();
    let cmd = a.command.as_ref().unwrap();
    assert!(matches!(&cmd.form, CommandForm::Shell(s) if s == "sh -c 'echo \"hi\"'"));
    assert_eq!(cmd.argv, ["sh", "-c", "echo \"hi\""]);
    let ep = a.entrypoint.as_ref().unwrap();
    assert!(matches!(&ep.form, CommandForm::Exec(v) if v.len() == 2));
    assert_eq!(
        at(
            src,
            match &ep.form {
                CommandForm::Exec(v) => v[1].span,
                _ => unreachable!(),
            }
        ),
        "\"-c\""
    );
    let b = p.service("b").unwrap().command.as_ref().unwrap();
    assert_eq!(b.argv, ["echo", "a"]);
    assert_eq!(b.truncated_at, Some(7));
    let c = p.service("c").unwrap();
    assert!(c.command.as_ref().unwrap().argv.is_empty());
    assert!(c.entrypoint.as_ref().unwrap().is_shell_form());
}

#[test]
fn healthcheck_forms() {
    let src = r#"services:
  a:
    image: x
    healthcheck:
      test: curl -f http://localhost || exit 1
      interval: 1m30s
      timeout: 10s
      retries: 3
      start_period: 40s
      start_interval: 5s
  b:
    image: x
    healthcheck:
      test: ["CMD", "curl", "-f", "http://localhost"]
  c:
    image: x
    healthcheck:
      test: ["CMD-SHELL", "pg_isready"]
  d:
    image: x
    healthcheck:
      test: ["NONE"]
  e:
    image: x
    healthcheck:
      disable: true
  f:
    image: x
    healthcheck:
      interval: soon
"#;
    let (p, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S005"]);
    assert_eq!(at(src, d[0].span), "soon");
    let a = p.service("a").unwrap().healthcheck.as_ref().unwrap();
    assert!(a.test_string_form);
    assert_eq!(
        a.test.as_ref().unwrap().value,
        HealthTest::CmdShell("curl -f http://localhost || exit 1".into())
    );
    assert_eq!(a.interval.as_ref().unwrap().value.raw, "1m30s");
    assert_eq!(a.retries.as_ref().unwrap().value, 3);
    assert_eq!(
        a.start_interval.as_ref().unwrap().value.nanos,
        5_000_000_000
    );
    let b = p.service("b").unwrap().healthcheck.as_ref().unwrap();
    assert_eq!(
        b.test.as_ref().unwrap().value,
        HealthTest::Cmd(vec!["curl".into(), "-f".into(), "http://localhost".into()])
    );
    let c = p.service("c").unwrap().healthcheck.as_ref().unwrap();
    assert_eq!(
        c.test.as_ref().unwrap().value,
        HealthTest::CmdShell("pg_isready".into())
    );
    assert!(p
        .service("d")
        .unwrap()
        .healthcheck
        .as_ref()
        .unwrap()
        .is_disabled());
    assert!(p
        .service("e")
        .unwrap()
        .healthcheck
        .as_ref()
        .unwrap()
        .is_disabled());
}

#[test]
fn depends_on_networks_and_refs() {
    let src = r#"services:
  web:
    image: x
    depends_on:
      db:
        condition: service_healthy
        restart: true
      cache:
        condition: service_started
        required: false
    networks:
      front:
        aliases: [www]
        ipv4_address: 172.16.238.10
        priority: 1000
      back:
    extra_hosts:
      - "somehost=162.242.195.82"
      - "myhostv6:::1"
    ulimits:
      nproc: 65535
      nofile:
        soft: 20000
        hard: 40000
    devices:
      - "/dev/ttyUSB0:/dev/ttyUSB0:rwm"
      - source: /dev/sda
        target: /dev/xvda
    extends:
      file: common.yml
      service: base
    logging:
      driver: json-file
      options:
        max-size: 10m
  worker:
    image: x
    depends_on: [web]
    networks: [back]
    extra_hosts:
      otherhost: 50.31.209.229
    extends: web
  bad:
    image: x
    depends_on:
      db:
        condition: service_ready
      other:
        restart: true
"#;
    let (p, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S005", "S005"], "{d:#?}");
    assert_eq!(at(src, d[0].span), "service_ready");
    assert_eq!(at(src, d[1].span), "other");
    let web = p.service("web").unwrap();
    assert_eq!(web.depends_on[0].condition(), "service_healthy");
    assert!(web.depends_on[0].restart.as_ref().unwrap().value);
    assert!(!web.depends_on[1].required.as_ref().unwrap().value);
    assert_eq!(web.networks[0].aliases[0].value, "www");
    assert_eq!(web.networks[0].priority.as_ref().unwrap().value, 1000);
    assert_eq!(web.networks[1].name.value, "back");
    assert_eq!(web.extra_hosts[1].host.value, "myhostv6");
    assert_eq!(web.extra_hosts[1].ips[0].value, "::1");
    assert_eq!(web.ulimits[0].soft.as_ref().unwrap().value, 65535);
    assert!(web.ulimits[0].single);
    assert_eq!(web.ulimits[1].hard.as_ref().unwrap().value, 40000);
    assert_eq!(web.devices[0].permissions.as_ref().unwrap().value, "rwm");
    assert_eq!(web.devices[1].target.as_ref().unwrap().value, "/dev/xvda");
    assert_eq!(
        web.extends.as_ref().unwrap().file.as_ref().unwrap().value,
        "common.yml"
    );
    assert_eq!(
        web.logging
            .as_ref()
            .unwrap()
            .options
            .get("max-size")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value,
        "10m"
    );
    let worker = p.service("worker").unwrap();
    assert!(worker.depends_on[0].short_syntax);
    assert_eq!(worker.depends_on[0].condition(), "service_started");
    assert!(worker.networks[0].short_syntax);
    assert_eq!(worker.extra_hosts[0].ips[0].value, "50.31.209.229");
    assert!(worker.extends.as_ref().unwrap().short_syntax);
}

#[test]
fn top_level_sections() {
    let src = r#"name: myapp
include:
  - ../commons/compose.yaml
  - path:
      - a.yaml
      - b.yaml
    project_directory: ..
    env_file: ../another/.env
services:
  web:
    image: x
volumes:
  data:
    driver: local
    driver_opts:
      type: nfs
      o: addr=10.40.0.199,nolock,soft,rw
    labels:
      - com.example=1
  legacy:
    external:
      name: actual-name
  named:
    name: my-app-data
    external: true
networks:
  front:
    driver: bridge
    internal: true
    enable_ipv6: true
    ipam:
      driver: default
      config:
        - subnet: 172.28.0.0/16
          gateway: 172.28.0.1
  outside:
    external: true
configs:
  http:
    content: |-
secrets:
  token:
    environment: TOKEN
models:
  llm:
    model: ai/smollm2
"#;
    let (p, d) = lower_yaml(src);
    assert!(d.is_empty(), "{d:#?}");
    assert_eq!(p.name.as_ref().unwrap().value, "myapp");
    assert!(p.include[0].short_syntax);
    assert_eq!(p.include[1].path.len(), 2);
    assert_eq!(p.include[1].env_file[0].value, "../another/.env");
    let data = p.volume("data").unwrap();
    assert_eq!(
        data.driver_opts
            .get("o")
            .unwrap()
            .value
            .as_ref()
            .unwrap()
            .value,
        "addr=10.40.0.199,nolock,soft,rw"
    );
    assert!(data.labels.list_form);
    let legacy = p.volume("legacy").unwrap().external.as_ref().unwrap();
    assert!(legacy.external.value);
    assert_eq!(legacy.legacy_name.as_ref().unwrap().value, "actual-name");
    assert_eq!(
        p.volume("named")
            .unwrap()
            .custom_name
            .as_ref()
            .unwrap()
            .value,
        "my-app-data"
    );
    let front = p.network("front").unwrap();
    assert!(front.internal.as_ref().unwrap().value);
    assert_eq!(
        front.ipam.as_ref().unwrap().config[0]
            .subnet
            .as_ref()
            .unwrap()
            .value,
        "172.28.0.0/16"
    );
    assert_eq!(
        p.secret("token")
            .unwrap()
            .environment
            .as_ref()
            .unwrap()
            .value,
        "TOKEN"
    );
    assert_eq!(p.models[0].model.as_ref().unwrap().value, "ai/smollm2");

    let (_, d) = lower_yaml("volumes:\n  data:\n    driver: local\n    drivers_opts: {}\nsecrets:\n  s:\n    file: ./s.txt\n    content: x\n");
    assert_eq!(codes(&d), ["S003", "S003"]);
    assert_eq!(d[0].help.as_deref(), Some("did you mean `driver_opts`?"));
}

#[test]
fn lenient_scalars() {
    let src = r#"services:
  web:
    image: x
    privileged: "yes"
    read_only: "false"
    init: true
    tty: on
    cpus: "1.5"
    cpu_shares: "512"
    scale: 2
    mem_limit: 1073741824
    pids_limit: -1
"#;
    let p = no_errors(src);
    let w = p.service("web").unwrap();
    assert!(w.privileged.as_ref().unwrap().value);
    assert!(!w.read_only.as_ref().unwrap().value);
    assert!(w.tty.as_ref().unwrap().value);
    assert_eq!(w.cpus.as_ref().unwrap().value, 1.5);
    assert_eq!(w.cpu_shares.as_ref().unwrap().value, 512);
    assert_eq!(w.mem_limit.as_ref().unwrap().value.bytes, 1 << 30);
    assert_eq!(w.pids_limit.as_ref().unwrap().value, -1);
}

#[test]
fn every_known_service_key_is_accepted() {
    for key in SERVICE_KEYS {
        let src = format!("services:\n  s:\n    {key}:\n");
        let (p, d) = lower_yaml(&src);
        // `volume_driver` is known (legacy format 2) but rejected by Compose
        // v2; `pre_start` arrives after v2.40.3, the reference.
        let expected_s003 = usize::from(*key == "volume_driver" || *key == "pre_start");
        assert_eq!(
            d.iter().filter(|d| d.code == "S003").count(),
            expected_s003,
            "{key}: {d:#?}"
        );
        assert!(p.service("s").unwrap().keys.contains(key));
    }
}

#[test]
fn volume_driver_is_rejected_at_its_key() {
    let src = "version: \"2\"\nservices:\n  app:\n    image: x\n    volume_driver: local\n";
    let (p, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S003"]);
    assert_eq!(&src[d[0].span.range()], "volume_driver");
    assert_eq!(
        p.service("app")
            .unwrap()
            .volume_driver
            .as_ref()
            .unwrap()
            .value,
        "local"
    );
}

#[test]
fn invalid_names() {
    let src = "services:\n  \"my service\":\n    image: x\n";
    let (p, d) = lower_yaml(src);
    assert_eq!(codes(&d), ["S005"]);
    assert_eq!(at(src, d[0].span), "\"my service\"");
    assert_eq!(p.services.len(), 1);
}

/// An unknown key under `deploy.resources.limits` or `reservations` names
/// the section it is in (the name is made only when it is reported).
#[test]
fn unknown_resource_keys_name_their_section() {
    let (_, d) = lower_yaml(
        "services:\n  a:\n    image: x\n    deploy:\n      resources:\n        limits: {cpus: '1', gpu: 1}\n        reservations: {memory: 1g, disk: 1}\n",
    );
    let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "unknown key `gpu` in `limits`",
            "unknown key `disk` in `reservations`"
        ]
    );
}

/// A service key left empty is null, and the message quotes what Compose
/// v2 (2.40.3) prints for each: "services.a.environment must be a mapping",
/// "services.a.ports must be a array" (its words).
#[test]
fn empty_service_keys_quote_compose_v2() {
    for (key, words) in [
        ("environment", "environment must be a mapping"),
        ("labels", "labels must be a mapping"),
        ("ports", "ports must be a array"),
        ("volumes", "volumes must be a array"),
    ] {
        let src = format!("services:\n  a:\n    image: busybox\n    {key}:\n");
        let (_, d) = lower_yaml(&src);
        assert_eq!(codes(&d), ["S004"], "{key}");
        assert_eq!(
            d[0].message,
            format!("`{key}` is empty (null): Compose v2 refuses the file (\"{words}\")")
        );
    }
}
