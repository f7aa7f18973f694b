//! Containment: a path named in a document (`env_file`, `extends.file`,
//! `include`, an include's `env_file` or `project_directory`) is only read
//! when it stays inside the root, however it is spelled. Every file outside
//! the root holds something that would be reported if it were read, and the
//! tests also check the set of files read.

mod load_support;
use compose_lint::load::project::{files_read, Loaded};
use load_support::*;

/// `<tmp>/proj` is the root; `<tmp>/outside` holds files that must never
/// be read. Each outside file would produce a diagnostic if read.
fn setup(compose: &str) -> Proj {
    let p = Proj::new(&[
        ("proj/compose.yaml", compose),
        (
            "outside/base.yaml",
            "services:\n  base:\n    image: \"x:${LEAK_EXTENDS}\"\n",
        ),
        (
            "outside/compose.yaml",
            "services:\n  leaked:\n    image: \"x:${LEAK_INCLUDE}\"\n",
        ),
        ("outside/.env", "this is not an env file\n"),
        ("outside/bad.env", "this is not an env file\n"),
        ("outside/deep/placeholder", ""),
    ]);
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(p.path().join("outside"), p.path().join("proj/link")).unwrap();
        std::os::unix::fs::symlink(
            p.path().join("outside/deep"),
            p.path().join("proj/deeplink"),
        )
        .unwrap();
    }
    p
}

fn load_proj(p: &Proj) -> Loaded {
    p.load_opts(&["proj/compose.yaml"], opts(p.path().join("proj"), &[]))
}

fn assert_nothing_outside_read(p: &Proj, l: &Loaded) {
    let outside = p.path().join("outside");
    for f in files_read(l) {
        let real = std::fs::canonicalize(&f).unwrap_or(f.clone());
        assert!(!real.starts_with(&outside), "read {}", f.display());
    }
    for d in &l.diagnostics {
        assert!(
            !d.message.contains("LEAK") && d.code != "S001",
            "{}",
            render(l)
        );
    }
}

/// Exactly one S008, at `expected`; nothing outside read.
fn assert_refused(p: &Proj, l: &Loaded, expected: &str) {
    let d = only(l, "S008");
    assert_eq!(at(l, d.span), expected);
    assert!(l.incomplete);
    assert_nothing_outside_read(p, l);
}

#[test]
fn extends_file_outside_via_dotdot() {
    let p = setup(
        "services:\n  a:\n    extends:\n      file: ../outside/base.yaml\n      service: base\n",
    );
    let l = load_proj(&p);
    assert_refused(&p, &l, "../outside/base.yaml");
    assert_eq!(codes(&l), ["S008"], "{}", render(&l));
}

#[test]
fn include_outside_via_dotdot() {
    let p = setup("include:\n  - ../outside/compose.yaml\nservices:\n  a:\n    image: x\n");
    let l = load_proj(&p);
    assert_refused(&p, &l, "../outside/compose.yaml");
    assert_eq!(codes(&l), ["S008"], "{}", render(&l));
    assert!(project(&l).service("leaked").is_none());
}

#[test]
fn include_project_directory_outside_does_not_read_its_dot_env() {
    let p = setup(
        "include:\n  - path: inc.yaml\n    project_directory: ../outside\nservices:\n  a:\n    image: x\n",
    );
    p.write("proj/inc.yaml", "services:\n  b:\n    image: y\n");
    let l = load_proj(&p);
    assert_nothing_outside_read(&p, &l);
}

#[test]
fn include_env_file_outside() {
    let p = setup(
        "include:\n  - path: inc.yaml\n    env_file: ../outside/bad.env\nservices:\n  a:\n    image: x\n",
    );
    p.write("proj/inc.yaml", "services:\n  b:\n    image: y\n");
    let l = load_proj(&p);
    assert_refused(&p, &l, "../outside/bad.env");
}

#[test]
fn service_env_file_outside() {
    let p = setup("services:\n  a:\n    image: x\n    env_file: ../outside/bad.env\n");
    let l = load_proj(&p);
    assert_refused(&p, &l, "../outside/bad.env");
}

#[test]
fn absolute_path_outside() {
    let p = setup("");
    let abs = p.path().join("outside/base.yaml");
    p.write(
        "proj/compose.yaml",
        &format!(
            "services:\n  a:\n    extends:\n      file: {}\n      service: base\n",
            abs.display()
        ),
    );
    let l = load_proj(&p);
    assert_refused(&p, &l, &abs.display().to_string());
}

#[cfg(unix)]
#[test]
fn symlink_inside_the_project_pointing_outside() {
    let p =
        setup("services:\n  a:\n    extends:\n      file: link/base.yaml\n      service: base\n");
    let l = load_proj(&p);
    assert_refused(&p, &l, "link/base.yaml");

    let p = setup("include:\n  - link/compose.yaml\n");
    let l = load_proj(&p);
    assert_refused(&p, &l, "link/compose.yaml");

    let p = setup("services:\n  a:\n    image: x\n    env_file: link/bad.env\n");
    let l = load_proj(&p);
    assert_refused(&p, &l, "link/bad.env");
}

#[cfg(unix)]
#[test]
fn dotdot_after_a_symlink_is_resolved_physically() {
    // `deeplink/..` is `outside`, not `proj`: a lexical clean-up of the
    // path would wrongly see `proj/base.yaml`.
    let p = setup(
        "services:\n  a:\n    extends:\n      file: deeplink/../base.yaml\n      service: base\n",
    );
    let l = load_proj(&p);
    assert_refused(&p, &l, "deeplink/../base.yaml");

    let p = setup("include:\n  - deeplink/../compose.yaml\n");
    let l = load_proj(&p);
    assert_refused(&p, &l, "deeplink/../compose.yaml");
}

#[cfg(unix)]
#[test]
fn symlinked_dot_env_pointing_outside_is_not_read() {
    let p = setup("services:\n  a:\n    image: x\n");
    std::os::unix::fs::symlink(p.path().join("outside/bad.env"), p.path().join("proj/.env"))
        .unwrap();
    let l = load_proj(&p);
    assert_nothing_outside_read(&p, &l);
}

#[test]
fn paths_inside_the_root_are_read() {
    let p = setup(
        "services:\n  a:\n    extends:\n      file: ./sub/../sub/base.yaml\n      service: base\n",
    );
    p.write(
        "proj/sub/base.yaml",
        "services:\n  base:\n    image: inside\n",
    );
    let l = load_proj(&p);
    assert_no_diagnostics(&l);
    assert_eq!(service(&l, "a").image.as_ref().unwrap().value, "inside");
}

#[test]
fn service_env_file_missing_is_s010_unless_optional() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    env_file:\n      - ./missing.env\n      - path: ./optional.env\n        required: false\n",
    )]);
    let l = p.load(&["compose.yaml"]);
    let d = only(&l, "S010");
    assert_eq!(at(&l, d.span), "./missing.env");
    assert_eq!(codes(&l), ["S010"]);

    p.write("missing.env", "A=1\n");
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
}

#[test]
fn service_env_file_in_an_included_file_is_checked_from_its_directory() {
    let p = Proj::new(&[
        ("compose.yaml", "include:\n  - sub/compose.yaml\n"),
        (
            "sub/compose.yaml",
            "services:\n  a:\n    image: x\n    env_file: ./a.env\n",
        ),
        ("sub/a.env", "A=1\n"),
    ]);
    let l = p.load(&["compose.yaml"]);
    assert_no_diagnostics(&l);
}
