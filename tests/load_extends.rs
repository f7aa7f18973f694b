//! `extends` through the whole loader: same file, other files (with their
//! relative paths rebased), chains, the 05-services.md examples, and the
//! errors Compose stops on (cycles, unknown services, missing files).

mod load_support;
use load_support::*;

#[test]
fn same_file_extends_merges_environment_by_name() {
    // 05-services.md: PORT is overridden, TZ kept.
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  common:\n    image: busybox\n    environment:\n      TZ: utc\n      PORT: 80\n  cli:\n    extends:\n      service: common\n    environment:\n      PORT: 8080\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let cli = service(&l, "cli");
    assert_eq!(cli.image.as_ref().unwrap().value, "busybox");
    let mut env = env_of(cli);
    env.sort();
    assert_eq!(env, ["PORT=8080", "TZ=utc"]);
    assert_eq!(
        at(
            &l,
            cli.environment
                .get("PORT")
                .unwrap()
                .value
                .as_ref()
                .unwrap()
                .span
        ),
        "8080"
    );
    // The base is untouched.
    assert_eq!(env_of(service(&l, "common")), ["TZ=utc", "PORT=80"]);
}

#[test]
fn same_file_extends_with_array_syntax_environment() {
    // "The same output is produced if array syntax is used."
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  common:\n    image: busybox\n    environment:\n      - TZ=utc\n      - PORT=80\n  cli:\n    extends:\n      service: common\n    environment:\n      - PORT=8080\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let mut env = env_of(service(&l, "cli"));
    env.sort();
    assert_eq!(env, ["PORT=8080", "TZ=utc"]);
}

#[test]
fn volumes_are_keyed_by_target() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  common:\n    image: busybox\n    volumes:\n      - common-volume:/var/lib/backup/data:rw\n  cli:\n    extends:\n      service: common\n    volumes:\n      - cli-volume:/var/lib/backup/data:ro\nvolumes:\n  common-volume: {}\n  cli-volume: {}\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    assert_eq!(
        mounts_of(service(&l, "cli")),
        ["volume:cli-volume:/var/lib/backup/data:ro"]
    );
}

#[test]
fn multi_level_chain() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  cli:\n    extends:\n      service: common\n  common:\n    image: busybox\n    extends:\n      service: base\n  base:\n    image: busybox\n    user: root\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let cli = service(&l, "cli");
    assert_eq!(cli.user.as_ref().unwrap().value, "root");
    assert_eq!(cli.image.as_ref().unwrap().value, "busybox");
    assert!(cli.extends.is_none(), "extends is resolved away");
    assert_eq!(service(&l, "common").user.as_ref().unwrap().value, "root");
}

#[test]
fn sequences_append_base_first() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  common:\n    image: busybox\n    security_opt:\n      - label:role:ROLE\n  cli:\n    extends:\n      service: common\n    security_opt:\n      - label:user:USER\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let so: Vec<_> = service(&l, "cli")
        .security_opt
        .iter()
        .map(|s| s.value.clone())
        .collect();
    assert_eq!(so, ["label:role:ROLE", "label:user:USER"]);
}

#[test]
fn extends_from_another_file_rebases_relative_paths() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "services:\n  web:\n    extends:\n      file: common/base.yaml\n      service: webapp\n    ports:\n      - \"8080:80\"\n",
        ),
        (
            "common/base.yaml",
            "services:\n  webapp:\n    build: ./app\n    env_file: ./app.env\n    volumes:\n      - ./data:/data\n      - type: bind\n        source: ./conf\n        target: /conf\n      - named:/named\n",
        ),
        ("common/app.env", "A=1\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let web = service(&l, "web");
    let b = web.build.as_ref().unwrap();
    assert_eq!(b.context.as_ref().unwrap().value, "./common/app");
    // The span still points at what the user wrote, in the other file.
    assert_eq!(at(&l, b.context.as_ref().unwrap().span), "./app");
    assert_eq!(file_of(&l, b.context.as_ref().unwrap().span), "base.yaml");
    assert_eq!(web.env_file[0].path.value, "./common/app.env");
    assert_eq!(
        mounts_of(web),
        [
            "bind:./common/data:/data",
            "bind:./common/conf:/conf",
            "volume:named:/named"
        ]
    );
    assert_eq!(ports_of(web), ["8080->80/tcp"]);
}

#[test]
fn extends_file_in_a_parent_directory_rebases_upward() {
    let p = Proj::new(&[
        (
            "app/compose.yaml",
            "services:\n  web:\n    extends:\n      file: ../shared/base.yaml\n      service: base\n",
        ),
        (
            "shared/base.yaml",
            "services:\n  base:\n    image: x\n    volumes:\n      - ./cfg:/cfg\n",
        ),
    ]);
    let l = p.load(&["app/compose.yaml"]);
    assert_no_diagnostics(&l);
    assert_eq!(mounts_of(service(&l, "web")), ["bind:../shared/cfg:/cfg"]);
}

#[test]
fn chain_across_files_resolves_relative_to_each_file() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "services:\n  web:\n    extends:\n      file: a/one.yaml\n      service: one\n",
        ),
        (
            "a/one.yaml",
            "services:\n  one:\n    extends:\n      file: b/two.yaml\n      service: two\n    user: app\n",
        ),
        (
            "a/b/two.yaml",
            "services:\n  two:\n    image: x\n    build: ./ctx\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let web = service(&l, "web");
    assert_eq!(web.user.as_ref().unwrap().value, "app");
    assert_eq!(
        web.build.as_ref().unwrap().context.as_ref().unwrap().value,
        "./a/b/ctx"
    );
}

#[test]
fn self_cycle_is_s009_at_the_extends_key() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    extends:\n      service: a\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S009");
    assert_eq!(at(&l, d.span), "extends");
    assert_eq!(
        l.sources
            .get(d.span.file)
            .line_col(d.span.start as usize)
            .line,
        4
    );
}

#[test]
fn two_service_cycle_is_s009() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    extends: b\n  b:\n    image: y\n    extends:\n      service: a\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    let found = with_code(&l, "S009");
    assert_eq!(codes(&l), ["S009"], "{}", render(&l));
    for d in found {
        assert_eq!(at(&l, d.span), "extends");
        assert!(
            d.message.contains("a") && d.message.contains("b"),
            "{}",
            d.message
        );
    }
}

#[test]
fn cross_file_cycle_is_s009() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "services:\n  a:\n    extends:\n      file: other.yaml\n      service: b\n",
        ),
        (
            "other.yaml",
            "services:\n  b:\n    extends:\n      file: compose.yaml\n      service: a\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(codes(&l), ["S009"], "{}", render(&l));
    for d in with_code(&l, "S009") {
        assert_eq!(at(&l, d.span), "extends");
    }
}

#[test]
fn unknown_service_is_s014_at_the_name() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    extends:\n      service: nope\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S014");
    assert_eq!(at(&l, d.span), "nope");

    // Short form: `extends: nope`.
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    extends: nope\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(at(&l, only(&l, "S014").span), "nope");
}

#[test]
fn unknown_service_in_another_file_is_s014() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "services:\n  a:\n    extends:\n      file: base.yaml\n      service: nope\n",
        ),
        ("base.yaml", "services:\n  b:\n    image: x\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S014");
    assert_eq!(at(&l, d.span), "nope");
    assert_eq!(file_of(&l, d.span), "compose.yaml");
}

#[test]
fn missing_file_is_s010_at_the_file_value() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    extends:\n      file: missing.yaml\n      service: b\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S010");
    assert_eq!(at(&l, d.span), "missing.yaml");
    assert!(l.incomplete);
}

#[test]
fn extends_in_an_override_file_uses_the_override_files_directory() {
    let p = Proj::new(&[
        ("compose.yaml", "services:\n  a:\n    image: x\n"),
        (
            "ovr/override.yaml",
            "services:\n  a:\n    extends:\n      file: base.yaml\n      service: b\n",
        ),
        ("ovr/base.yaml", "services:\n  b:\n    user: app\n"),
    ]);
    let l = p.load(&["compose.yaml", "ovr/override.yaml"]);
    assert_no_diagnostics(&l);
    assert_eq!(service(&l, "a").user.as_ref().unwrap().value, "app");
}

#[test]
fn the_extending_service_wins_for_scalars_and_command() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  base:\n    image: one\n    command: [a, b]\n  x:\n    extends: base\n    image: two\n    command: [c]\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let x = service(&l, "x");
    assert_eq!(x.image.as_ref().unwrap().value, "two");
    assert_eq!(argv(&x.command).unwrap(), ["c"]);
    assert_eq!(at(&l, x.image.as_ref().unwrap().span), "two");
}

#[test]
fn a_file_extended_twice_is_reported_once() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "services:\n  a:\n    extends:\n      file: base.yaml\n      service: b\n  c:\n    extends:\n      file: base.yaml\n      service: b\n",
        ),
        ("base.yaml", "services:\n  b:\n    image: \"x:${TAG}\"\n    user: a\n    user: b\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(codes(&l), ["S002", "S006"], "{}", render(&l));
    assert_eq!(at(&l, only(&l, "S006").span), "${TAG}");
    assert_eq!(service(&l, "c").image.as_ref().unwrap().value, "x:");
}
