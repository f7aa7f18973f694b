//! `include` through the whole loader (14-include.md): both syntaxes, the
//! included project's own `.env` and directory, cycles, missing files,
//! and what is copied into the including project.

mod load_support;
use load_support::*;

#[test]
fn short_syntax_copies_resources() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: web\n    depends_on: [db]\n    volumes: [data:/data]\n",
        ),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: postgres\nvolumes:\n  data: {}\nnetworks:\n  back: {}\nsecrets:\n  s: {file: ./s.txt}\nconfigs:\n  c: {file: ./c.txt}\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let pr = project(&l);
    let db = pr.service("db").unwrap();
    assert_eq!(file_of(&l, db.name.span), "compose.yaml");
    assert_eq!(at(&l, db.name.span), "db");
    assert_eq!(
        l.sources.get(db.name.span.file).path,
        p.path().join("sub/compose.yaml")
    );
    assert!(pr.volume("data").is_some());
    assert!(pr.network("back").is_some());
    assert!(pr.secret("s").is_some());
    assert!(pr.config("c").is_some());
}

#[test]
fn relative_paths_resolve_against_the_included_files_directory() {
    let p = Proj::new(&[
        ("compose.yaml", "include:\n  - sub/compose.yaml\n"),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    build: ./db\n    env_file: ./db.env\n    volumes:\n      - ./init:/docker-entrypoint-initdb.d\n",
        ),
        ("sub/db.env", "A=1\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let db = service(&l, "db");
    assert_eq!(
        db.build.as_ref().unwrap().context.as_ref().unwrap().value,
        "./sub/db"
    );
    assert_eq!(db.env_file[0].path.value, "./sub/db.env");
    assert_eq!(
        mounts_of(db),
        ["bind:./sub/init:/docker-entrypoint-initdb.d"]
    );
    // The span is still what the included file says.
    assert_eq!(at(&l, db.env_file[0].path.span), "./db.env");
}

#[test]
fn long_syntax_with_path_list_merges_the_files() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - path:\n      - sub/compose.yaml\n      - sub/override.yaml\n",
        ),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: postgres\n    user: a\n",
        ),
        ("sub/override.yaml", "services:\n  db:\n    user: b\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let db = service(&l, "db");
    assert_eq!(db.user.as_ref().unwrap().value, "b");
    assert_eq!(file_of(&l, db.user.as_ref().unwrap().span), "override.yaml");
}

#[test]
fn long_syntax_project_directory_is_the_base_for_relative_paths() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - path: sub/compose.yaml\n    project_directory: other\n",
        ),
        ("sub/compose.yaml", "services:\n  db:\n    build: ./db\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    assert_eq!(
        service(&l, "db")
            .build
            .as_ref()
            .unwrap()
            .context
            .as_ref()
            .unwrap()
            .value,
        "./other/db"
    );
}

#[test]
fn included_env_file_defaults_and_the_including_env_overrides() {
    let p = Proj::new(&[
        ("compose.yaml", "include:\n  - sub/compose.yaml\n"),
        ("sub/.env", "TAG=from-sub\nUSER_ID=1000\n"),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: \"postgres:${TAG}\"\n    user: \"${USER_ID}\"\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let db = service(&l, "db");
    assert_eq!(db.image.as_ref().unwrap().value, "postgres:from-sub");
    assert_eq!(db.user.as_ref().unwrap().value, "1000");

    // The including project's .env wins ...
    p.write(".env", "TAG=from-main\n");
    let l = p.load(&["compose.yaml"]);
    let db = service(&l, "db");
    assert_eq!(db.image.as_ref().unwrap().value, "postgres:from-main");
    assert_eq!(db.user.as_ref().unwrap().value, "1000");
    // ... and the process environment wins over both.
    let l = p.load_env(&["compose.yaml"], &[("TAG", "from-process")]);
    let db = service(&l, "db");
    assert_eq!(db.image.as_ref().unwrap().value, "postgres:from-process");
}

#[test]
fn the_included_env_does_not_leak_into_the_including_file() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - sub/compose.yaml\nservices:\n  web:\n    image: \"web:${TAG}\"\n",
        ),
        ("sub/.env", "TAG=from-sub\n"),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: postgres\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(at(&l, only(&l, "S006").span), "${TAG}");
    assert_eq!(service(&l, "web").image.as_ref().unwrap().value, "web:");
}

#[test]
fn long_syntax_env_file_replaces_the_included_dot_env() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - path: sub/compose.yaml\n    env_file:\n      - envs/a.env\n      - envs/b.env\n",
        ),
        ("sub/.env", "TAG=dot-env\nOTHER=x\n"),
        ("envs/a.env", "TAG=a\n"),
        ("envs/b.env", "OTHER=b\n"),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: \"postgres:${TAG}\"\n    user: \"${OTHER}\"\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let db = service(&l, "db");
    assert_eq!(db.image.as_ref().unwrap().value, "postgres:a");
    assert_eq!(db.user.as_ref().unwrap().value, "b");
}

#[test]
fn missing_include_env_file_is_s010() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - path: sub/compose.yaml\n    env_file: nope.env\n",
        ),
        ("sub/compose.yaml", "services:\n  db:\n    image: x\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(at(&l, only(&l, "S010").span), "nope.env");
}

#[test]
fn nested_includes_resolve_from_each_directory() {
    let p = Proj::new(&[
        ("compose.yaml", "include:\n  - a/compose.yaml\n"),
        (
            "a/compose.yaml",
            "include:\n  - b/compose.yaml\nservices:\n  one:\n    image: x\n",
        ),
        ("a/b/compose.yaml", "services:\n  two:\n    build: ./ctx\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    assert!(project(&l).service("one").is_some());
    assert_eq!(
        service(&l, "two")
            .build
            .as_ref()
            .unwrap()
            .context
            .as_ref()
            .unwrap()
            .value,
        "./a/b/ctx"
    );
}

#[test]
fn include_cycle_is_s009() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - a.yaml\nservices:\n  m:\n    image: x\n",
        ),
        (
            "a.yaml",
            "include:\n  - b.yaml\nservices:\n  a:\n    image: x\n",
        ),
        (
            "b.yaml",
            "include:\n  - a.yaml\nservices:\n  b:\n    image: x\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S009");
    assert_eq!(at(&l, d.span), "a.yaml");
    assert_eq!(file_of(&l, d.span), "b.yaml");
    // What could be read is still there.
    for s in ["m", "a", "b"] {
        assert!(project(&l).service(s).is_some(), "{s}");
    }
}

#[test]
fn including_itself_is_s009() {
    let p = Proj::new(&[(
        "compose.yaml",
        "include:\n  - ./compose.yaml\nservices:\n  m:\n    image: x\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(at(&l, only(&l, "S009").span), "./compose.yaml");
}

#[test]
fn missing_include_is_s010() {
    let p = Proj::new(&[(
        "compose.yaml",
        "include:\n  - nope/compose.yaml\nservices:\n  m:\n    image: x\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(at(&l, only(&l, "S010").span), "nope/compose.yaml");
    assert!(l.incomplete);
    // Long form: the span is the path value.
    let p = Proj::new(&[(
        "compose.yaml",
        "include:\n  - path: [nope.yaml]\nservices:\n  m:\n    image: x\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    assert_eq!(at(&l, only(&l, "S010").span), "nope.yaml");
}

#[test]
fn a_name_clash_keeps_the_including_definition() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "include:\n  - sub/compose.yaml\nservices:\n  db:\n    image: mine\nvolumes:\n  data:\n    driver: mine\n",
        ),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: theirs\nvolumes:\n  data:\n    driver: theirs\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    let pr = project(&l);
    assert_eq!(pr.services.len(), 1);
    assert_eq!(service(&l, "db").image.as_ref().unwrap().value, "mine");
    assert_eq!(
        pr.volume("data").unwrap().driver.as_ref().unwrap().value,
        "mine"
    );
}

#[test]
fn included_services_extends_resolve_in_their_file() {
    let p = Proj::new(&[
        ("compose.yaml", "include:\n  - sub/compose.yaml\n"),
        (
            "sub/compose.yaml",
            "services:\n  base:\n    image: x\n    volumes: [./v:/v]\n  db:\n    extends: base\n    user: app\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
    let db = service(&l, "db");
    assert_eq!(db.image.as_ref().unwrap().value, "x");
    assert_eq!(mounts_of(db), ["bind:./sub/v:/v"]);
}

#[test]
fn unset_variable_in_an_included_file_points_into_it() {
    let p = Proj::new(&[
        ("compose.yaml", "include:\n  - sub/compose.yaml\n"),
        (
            "sub/compose.yaml",
            "services:\n  db:\n    image: \"pg:${NOPE}\"\n",
        ),
    ]);
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S006");
    assert_eq!(at(&l, d.span), "${NOPE}");
    assert_eq!(
        l.sources.get(d.span.file).path,
        p.path().join("sub/compose.yaml")
    );
}
