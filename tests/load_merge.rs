//! `-f base -f override` merging through the whole loader, one test per
//! example of the Compose Specification's 13-merge.md, plus the list/map
//! forms Compose merges by name. Assertions are on the lowered model, and
//! on where a merged value's span points.

mod load_support;
use load_support::*;

fn merged(base: &str, over: &str) -> (Proj, compose_lint::load::project::Loaded) {
    let p = Proj::new(&[("compose.yaml", base), ("override.yaml", over)]);
    let l = p.load(&["compose.yaml", "override.yaml"]);
    (p, l)
}

#[test]
fn mapping_adds_missing_and_overrides_conflicting_keys() {
    let (_p, l) = merged(
        "services:\n  foo:\n    image: one\n    user: root\n",
        "services:\n  foo:\n    user: app\n    working_dir: /srv\n",
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "foo");
    assert_eq!(s.image.as_ref().unwrap().value, "one");
    assert_eq!(file_of(&l, s.image.as_ref().unwrap().span), "compose.yaml");
    let user = s.user.as_ref().unwrap();
    assert_eq!(user.value, "app");
    assert_eq!(file_of(&l, user.span), "override.yaml");
    assert_eq!(at(&l, user.span), "app");
    let wd = s.working_dir.as_ref().unwrap();
    assert_eq!((wd.value.as_str(), at(&l, wd.span)), ("/srv", "/srv"));
    assert_eq!(file_of(&l, wd.span), "override.yaml");
}

#[test]
fn sequence_appends() {
    let (_p, l) = merged(
        "services:\n  foo:\n    image: x\n    dns:\n      - 1.1.1.1\n",
        "services:\n  foo:\n    dns:\n      - 8.8.8.8\n",
    );
    assert_no_diagnostics(&l);
    let dns: Vec<_> = service(&l, "foo")
        .dns
        .iter()
        .map(|d| (d.value.clone(), file_of(&l, d.span)))
        .collect();
    assert_eq!(
        dns,
        [
            ("1.1.1.1".to_string(), "compose.yaml".to_string()),
            ("8.8.8.8".to_string(), "override.yaml".to_string())
        ]
    );
}

#[test]
fn command_entrypoint_and_healthcheck_test_are_replaced() {
    let (_p, l) = merged(
        r#"services:
  foo:
    image: x
    command: ["echo", "foo"]
    entrypoint: ["/a", "b"]
    healthcheck:
      test: ["CMD", "curl", "-f", "http://a"]
      interval: 10s
"#,
        r#"services:
  foo:
    command: ["echo", "bar"]
    entrypoint: /bin/sh -c
    healthcheck:
      test: ["CMD", "true"]
"#,
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "foo");
    assert_eq!(argv(&s.command).unwrap(), ["echo", "bar"]);
    assert_eq!(
        file_of(&l, s.command.as_ref().unwrap().span),
        "override.yaml"
    );
    assert_eq!(argv(&s.entrypoint).unwrap(), ["/bin/sh", "-c"]);
    let hc = s.healthcheck.as_ref().unwrap();
    let test = hc.test.as_ref().unwrap();
    assert_eq!(
        test.value,
        compose_lint::model::HealthTest::Cmd(vec!["true".into()])
    );
    assert_eq!(file_of(&l, test.span), "override.yaml");
    // The rest of the healthcheck mapping still merges.
    assert!(hc.interval.is_some());
}

#[test]
fn volumes_are_unique_by_target() {
    let (_p, l) = merged(
        "services:\n  foo:\n    image: x\n    volumes:\n      - foo:/work\n      - ./a:/a\n",
        "services:\n  foo:\n    volumes:\n      - bar:/work\n      - type: bind\n        source: ./b\n        target: /a\n      - /c:/c\n",
    );
    let s = service(&l, "foo");
    assert_eq!(
        mounts_of(s),
        ["volume:bar:/work", "bind:./b:/a", "bind:/c:/c"],
        "{}",
        render(&l)
    );
    // The replaced entry is the override's, in the base's position.
    assert_eq!(file_of(&l, s.volumes[0].span), "override.yaml");
    assert_eq!(at(&l, s.volumes[0].span), "bar:/work");
}

#[test]
fn secrets_and_configs_are_unique_by_target() {
    let (_p, l) = merged(
        r#"services:
  foo:
    image: x
    secrets:
      - source: s1
        target: /run/secrets/token
      - s2
    configs:
      - c1
secrets:
  s1: {file: ./s1}
  s2: {file: ./s2}
  s3: {file: ./s3}
configs:
  c1: {file: ./c1}
  c2: {file: ./c2}
"#,
        r#"services:
  foo:
    secrets:
      - source: s3
        target: /run/secrets/token
    configs:
      - source: c2
        target: c1
"#,
    );
    let s = service(&l, "foo");
    let secrets: Vec<_> = s.secrets.iter().map(|r| r.source.value.clone()).collect();
    assert_eq!(secrets, ["s3", "s2"], "{}", render(&l));
    let configs: Vec<_> = s.configs.iter().map(|r| r.source.value.clone()).collect();
    assert_eq!(configs, ["c2"], "{}", render(&l));
}

#[test]
fn ports_are_unique_by_ip_target_published_protocol() {
    let (_p, l) = merged(
        "services:\n  foo:\n    image: x\n    ports:\n      - \"8080:80\"\n      - \"53:53/udp\"\n",
        "services:\n  foo:\n    ports:\n      - \"8080:80\"\n      - \"53:53/tcp\"\n      - \"127.0.0.1:8080:80\"\n",
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "foo");
    assert_eq!(
        ports_of(s),
        [
            "8080->80/tcp",
            "53->53/udp",
            "53->53/tcp",
            "127.0.0.1/8080->80/tcp"
        ]
    );
    assert_eq!(file_of(&l, s.ports[0].span), "override.yaml");
}

#[test]
fn ports_short_and_long_syntax_share_a_key() {
    // `8080:80` and {target: 80, published: 8080} are the same port.
    let (_p, l) = merged(
        "services:\n  foo:\n    image: x\n    ports:\n      - \"8080:80\"\n",
        "services:\n  foo:\n    ports:\n      - target: 80\n        published: \"8080\"\n        protocol: tcp\n",
    );
    let s = service(&l, "foo");
    assert_eq!(ports_of(s), ["8080->80/tcp"], "{}", render(&l));
    assert_eq!(file_of(&l, s.ports[0].span), "override.yaml");
}

#[test]
fn reset_removes_ports_and_an_environment_entry() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: myapp\n    ports:\n      - \"8080:80\"\n    environment:\n      FOO: BAR\n      KEEP: yes\n",
        "services:\n  app:\n    image: myapp\n    ports: !reset []\n    environment:\n      FOO: !reset null\n",
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "app");
    assert!(s.ports.is_empty(), "{:?}", ports_of(s));
    assert_eq!(env_of(s), ["KEEP=yes"]);
}

#[test]
fn reset_in_list_form_environment_removes_the_entry() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: myapp\n    environment:\n      - FOO=BAR\n      - KEEP=1\n",
        "services:\n  app:\n    environment:\n      FOO: !reset null\n",
    );
    assert_no_diagnostics(&l);
    assert_eq!(env_of(service(&l, "app")), ["KEEP=1"]);
}

#[test]
fn reset_of_a_whole_service_key() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: myapp\n    user: root\n    healthcheck:\n      test: [\"CMD\", \"true\"]\n",
        "services:\n  app:\n    user: !reset null\n    healthcheck: !reset {}\n",
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "app");
    assert!(s.user.is_none());
    assert!(s.healthcheck.is_none());
}

#[test]
fn override_replaces_without_merging() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: myapp\n    ports:\n      - \"8080:80\"\n",
        "services:\n  app:\n    ports: !override\n      - \"8443:443\"\n",
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "app");
    assert_eq!(ports_of(s), ["8443->443/tcp"]);
    assert_eq!(file_of(&l, s.ports[0].span), "override.yaml");
    // Without !override both would be kept.
    let (_p, l) = merged(
        "services:\n  app:\n    image: myapp\n    ports:\n      - \"8080:80\"\n",
        "services:\n  app:\n    ports:\n      - \"8443:443\"\n",
    );
    assert_eq!(
        ports_of(service(&l, "app")),
        ["8080->80/tcp", "8443->443/tcp"]
    );
}

#[test]
fn override_on_a_mapping_drops_the_base_keys() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: myapp\n    environment:\n      A: 1\n      B: 2\n",
        "services:\n  app:\n    environment: !override\n      C: 3\n",
    );
    assert_no_diagnostics(&l);
    assert_eq!(env_of(service(&l, "app")), ["C=3"]);
}

#[test]
fn environment_list_and_map_merge_by_name() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: x\n    environment:\n      - A=1\n      - B=2\n      - C\n",
        "services:\n  app:\n    environment:\n      B: two\n      D: 4\n",
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "app");
    assert_eq!(env_of(s), ["A=1", "B=two", "C", "D=4"]);
    let b = s.environment.get("B").unwrap();
    assert_eq!(file_of(&l, b.value.as_ref().unwrap().span), "override.yaml");
    assert_eq!(at(&l, b.value.as_ref().unwrap().span), "two");
    let a = s.environment.get("A").unwrap();
    assert_eq!(file_of(&l, a.key.span), "compose.yaml");
    assert_eq!(at(&l, a.key.span), "A");
    assert_eq!(at(&l, a.value.as_ref().unwrap().span), "1");

    let (_p, l) = merged(
        "services:\n  app:\n    image: x\n    environment:\n      A: 1\n      B: 2\n",
        "services:\n  app:\n    environment:\n      - B=two\n      - E=5\n",
    );
    assert_no_diagnostics(&l);
    let s = service(&l, "app");
    assert_eq!(env_of(s), ["A=1", "B=two", "E=5"]);
    let b = s.environment.get("B").unwrap();
    assert_eq!(file_of(&l, b.span), "override.yaml");
    assert_eq!(at(&l, b.value.as_ref().unwrap().span), "two");
}

#[test]
fn environment_same_form_merges_by_name() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: x\n    environment:\n      - A=1\n      - B=2\n",
        "services:\n  app:\n    environment:\n      - B=3\n      - C=4\n",
    );
    assert_no_diagnostics(&l);
    assert_eq!(env_of(service(&l, "app")), ["A=1", "B=3", "C=4"]);
}

#[test]
fn labels_merge_by_name_in_mixed_forms() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: x\n    labels:\n      - a=1\n",
        "services:\n  app:\n    labels:\n      a: \"2\"\n      b: \"3\"\n",
    );
    assert_no_diagnostics(&l);
    let labels: Vec<_> = service(&l, "app")
        .labels
        .iter()
        .map(|e| format!("{}={}", e.key.value, e.value.as_ref().unwrap().value))
        .collect();
    assert_eq!(labels, ["a=2", "b=3"]);
}

#[test]
fn depends_on_list_and_map_merge_by_name() {
    let (_p, l) = merged(
        "services:\n  app:\n    image: x\n    depends_on:\n      - db\n      - cache\n  db:\n    image: x\n  cache:\n    image: x\n  q:\n    image: x\n",
        "services:\n  app:\n    depends_on:\n      db:\n        condition: service_healthy\n      q:\n        condition: service_started\n",
    );
    assert_no_diagnostics(&l);
    let deps: Vec<_> = service(&l, "app")
        .depends_on
        .iter()
        .map(|d| format!("{}:{}", d.service.value, d.condition()))
        .collect();
    assert_eq!(
        deps,
        [
            "db:service_healthy",
            "cache:service_started",
            "q:service_started"
        ]
    );
}

#[test]
fn build_string_merges_with_a_build_map() {
    let (_p, l) = merged(
        "services:\n  app:\n    build: ./dir\n",
        "services:\n  app:\n    build:\n      dockerfile: Dockerfile.dev\n      args:\n        A: 1\n",
    );
    assert_no_diagnostics(&l);
    let b = service(&l, "app").build.as_ref().unwrap();
    assert_eq!(b.context.as_ref().unwrap().value, "./dir");
    assert_eq!(at(&l, b.context.as_ref().unwrap().span), "./dir");
    assert_eq!(b.dockerfile.as_ref().unwrap().value, "Dockerfile.dev");
    assert_eq!(b.args.entries.len(), 1);

    // And the other way round: the string replaces only the context.
    let (_p, l) = merged(
        "services:\n  app:\n    build:\n      context: ./a\n      dockerfile: D\n",
        "services:\n  app:\n    build: ./b\n",
    );
    assert_no_diagnostics(&l);
    let b = service(&l, "app").build.as_ref().unwrap();
    let ctx = b.context.as_ref().unwrap();
    assert_eq!(
        (ctx.value.as_str(), file_of(&l, ctx.span)),
        ("./b", "override.yaml".into())
    );
    assert_eq!(b.dockerfile.as_ref().unwrap().value, "D");
}

#[test]
fn top_level_resources_merge() {
    let (_p, l) = merged(
        "services:\n  a:\n    image: x\nvolumes:\n  data:\n    driver: local\nnetworks:\n  front: {}\n",
        "volumes:\n  data:\n    driver: other\n  logs: {}\nnetworks:\n  back: {}\n",
    );
    assert_no_diagnostics(&l);
    let p = project(&l);
    let v = p.volume("data").unwrap();
    assert_eq!(v.driver.as_ref().unwrap().value, "other");
    assert!(p.volume("logs").is_some());
    assert_eq!(p.networks.len(), 2);
}

#[test]
fn a_service_only_in_the_override_is_added() {
    let (_p, l) = merged(
        "services:\n  a:\n    image: x\n",
        "services:\n  b:\n    image: y\n",
    );
    assert_no_diagnostics(&l);
    let b = service(&l, "b");
    assert_eq!(file_of(&l, b.name.span), "override.yaml");
}

#[test]
fn three_files_merge_in_order() {
    let p = Proj::new(&[
        (
            "a.yaml",
            "services:\n  s:\n    image: one\n    dns: [1.1.1.1]\n",
        ),
        ("b.yaml", "services:\n  s:\n    image: two\n"),
        ("c.yaml", "services:\n  s:\n    dns: [9.9.9.9]\n"),
    ]);
    let l = p.load(&["a.yaml", "b.yaml", "c.yaml"]);
    assert_no_diagnostics(&l);
    let s = service(&l, "s");
    assert_eq!(s.image.as_ref().unwrap().value, "two");
    assert_eq!(file_of(&l, s.image.as_ref().unwrap().span), "b.yaml");
    assert_eq!(s.dns.len(), 2);
}

#[test]
fn diagnostics_after_merge_point_into_the_override_file() {
    // A wrong type set by the override is reported in the override.
    let (_p, l) = merged(
        "services:\n  app:\n    image: x\n    privileged: false\n",
        "services:\n  app:\n    privileged: [yes]\n",
    );
    let d = only(&l, "S004");
    assert_eq!(file_of(&l, d.span), "override.yaml");
    assert_eq!(at(&l, d.span), "[yes]");
}

/// A document keeps of a tag only what merging reads (`!reset`,
/// `!override`): any other tag, on a sequence, a mapping or a scalar of
/// either file, merges exactly as no tag does.
#[test]
fn other_tags_merge_as_no_tag() {
    let with = |tag: &str| {
        let (_p, l) = merged(
            &format!("services:\n  foo:\n    image: {tag} x\n    dns: {tag} [1.1.1.1]\n    labels: {tag} {{a: b}}\n"),
            &format!("services:\n  foo:\n    image: {tag} y\n    dns: {tag} [8.8.8.8]\n    labels: {tag} {{c: d}}\n"),
        );
        let s = service(&l, "foo");
        (
            s.image.as_ref().map(|i| i.value.clone()),
            s.dns.iter().map(|d| d.value.clone()).collect::<Vec<_>>(),
            s.labels
                .iter()
                .map(|e| e.key.value.clone())
                .collect::<Vec<_>>(),
        )
    };
    let untagged = with("");
    assert_eq!(untagged.1, ["1.1.1.1", "8.8.8.8"]);
    for tag in ["!custom", "!!str", "!merge"] {
        assert_eq!(with(tag), untagged, "{tag}");
    }
    // And the two that matter do change it.
    assert_ne!(with("!override"), untagged);
    assert_ne!(with("!reset").1, untagged.1);
}
