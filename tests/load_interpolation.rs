//! Interpolation through the whole loader (12-interpolation.md): spans of
//! unset and required variables in every scalar style, where the
//! environment comes from, and what is (not) reported on top.

mod load_support;
use compose_lint::diagnostic::Severity;
use load_support::*;

fn one(text: &str) -> (Proj, compose_lint::load::project::Loaded) {
    let p = Proj::new(&[("compose.yaml", text)]);
    let l = p.load(&["compose.yaml"]);
    (p, l)
}

#[test]
fn unset_variable_is_s006_at_the_expression_in_every_style() {
    let (_p, l) = one(
        "services:\n  a:\n    image: x:${PLAIN}\n    user: '${SINGLE}'\n    working_dir: \"/srv/${DOUBLE}/x\"\n    hostname: $BARE\n",
    );
    let mut found: Vec<_> = with_code(&l, "S006")
        .iter()
        .map(|d| {
            assert_eq!(d.severity, Severity::Warning);
            at(&l, d.span).to_string()
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        ["$BARE", "${DOUBLE}", "${PLAIN}", "${SINGLE}"],
        "{}",
        render(&l)
    );
    assert_eq!(codes(&l), ["S006"; 4]);
    assert_eq!(service(&l, "a").image.as_ref().unwrap().value, "x:");
}

#[test]
fn span_survives_escapes_before_the_expression_in_double_quotes() {
    // The decoded text differs from the raw text, so the offset must be
    // found in the raw text.
    let (_p, l) = one("services:\n  a:\n    image: x\n    working_dir: \"\\t/a/${NOPE}\"\n");
    assert_eq!(at(&l, only(&l, "S006").span), "${NOPE}");
}

#[test]
fn span_in_a_block_scalar() {
    let (_p, l) =
        one("services:\n  a:\n    image: x\n    command: |\n      echo one\n      echo ${NOPE}\n");
    assert_eq!(at(&l, only(&l, "S006").span), "${NOPE}");
}

#[test]
fn span_in_a_multi_line_plain_scalar() {
    let (_p, l) = one("services:\n  a:\n    image: x\n    command: echo one\n      two ${NOPE}\n");
    assert_eq!(at(&l, only(&l, "S006").span), "${NOPE}");
}

#[test]
fn the_same_expression_twice_gets_two_spans() {
    let (_p, l) = one("services:\n  a:\n    image: x\n    command: \"\\t${NOPE} ${NOPE}\"\n");
    // One S006 per variable: the first use, the second as a label.
    let d = only(&l, "S006");
    assert!(d.message.ends_with("(2 uses)"), "{}", d.message);
    let mut spans: Vec<_> = std::iter::once(d.span)
        .chain(d.labels.iter().map(|l| l.span))
        .collect();
    spans.sort();
    assert_eq!(spans.len(), 2, "{}", render(&l));
    assert_ne!(spans[0], spans[1], "each occurrence points at itself");
    for s in spans {
        assert_eq!(at(&l, s), "${NOPE}");
    }
}

#[test]
fn required_variable_is_s007_warning_with_the_message() {
    let (_p, l) = one("services:\n  a:\n    image: \"x:${TAG:?set TAG to the release}\"\n");
    let d = only(&l, "S007");
    // The author asks the user to set it: a setup step (decision 0012).
    assert_eq!(d.severity, Severity::Warning);
    assert!(
        d.message.contains("set TAG to the release"),
        "{}",
        d.message
    );
    assert_eq!(at(&l, d.span), "${TAG:?set TAG to the release}");
    assert_eq!(codes(&l), ["S007"]);
}

#[test]
fn required_variable_set_but_empty() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: \"x:${TAG:?m}\"\n    user: \"${U?m}\"\n",
    )]);
    let l = p.load_env(&["compose.yaml"], &[("TAG", ""), ("U", "")]);
    // `:?` fails on empty, `?` only on unset.
    assert_eq!(at(&l, only(&l, "S007").span), "${TAG:?m}");
}

#[test]
fn double_dollar_is_a_literal_dollar() {
    let (_p, l) = one("services:\n  a:\n    image: x\n    command: \"echo $$HOME $${X}\"\n");
    assert_no_diagnostics(&l);
    assert_eq!(
        argv(&service(&l, "a").command).unwrap(),
        ["echo", "$HOME", "${X}"]
    );
}

#[test]
fn defaults_apply() {
    let p = Proj::new(&[("compose.yaml", "services:\n  a:\n    image: \"x:${TAG:-latest}\"\n    user: \"${U-dflt}\"\n    hostname: \"${H:-${I:-nested}}\"\n")]);
    let l = p.load_env(&["compose.yaml"], &[("U", "")]);
    assert_no_diagnostics(&l);
    let a = service(&l, "a");
    assert_eq!(a.image.as_ref().unwrap().value, "x:latest");
    assert_eq!(a.user.as_ref().unwrap().value, "");
    assert_eq!(a.hostname.as_ref().unwrap().value, "nested");
}

#[test]
fn process_env_wins_over_dot_env() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "services:\n  a:\n    image: \"x:${TAG}\"\n    user: \"${U}\"\n",
        ),
        (".env", "TAG=dotenv\nU=dotenv-user\n"),
    ]);
    let l = p.load_env(&["compose.yaml"], &[("TAG", "process")]);
    assert_no_diagnostics(&l);
    let a = service(&l, "a");
    assert_eq!(a.image.as_ref().unwrap().value, "x:process");
    assert_eq!(a.user.as_ref().unwrap().value, "dotenv-user");
}

#[test]
fn env_file_option_replaces_dot_env() {
    let p = Proj::new(&[
        (
            "compose.yaml",
            "services:\n  a:\n    image: \"x:${TAG}\"\n    user: \"${U:-none}\"\n",
        ),
        (".env", "TAG=dotenv\nU=dotenv-user\n"),
        ("custom.env", "TAG=custom\n"),
    ]);
    let mut o = opts(p.path(), &[]);
    o.env_files = vec![p.path().join("custom.env")];
    let l = p.load_opts(&["compose.yaml"], o);
    assert_no_diagnostics(&l);
    let a = service(&l, "a");
    assert_eq!(a.image.as_ref().unwrap().value, "x:custom");
    assert_eq!(a.user.as_ref().unwrap().value, "none", ".env is not read");
}

#[test]
fn project_dir_dot_env_is_used_not_the_cwd() {
    let p = Proj::new(&[
        (
            "app/compose.yaml",
            "services:\n  a:\n    image: \"x:${TAG}\"\n",
        ),
        ("app/.env", "TAG=app\n"),
        (".env", "TAG=root\n"),
    ]);
    let l = p.load(&["app/compose.yaml"]);
    assert_eq!(service(&l, "a").image.as_ref().unwrap().value, "x:app");
}

#[test]
fn compose_project_name_from_name_or_directory() {
    let p = Proj::new(&[(
        "My_Proj.1/compose.yaml",
        "services:\n  a:\n    image: x\n    container_name: \"${COMPOSE_PROJECT_NAME}-a\"\n",
    )]);
    let l = p.load(&["My_Proj.1/compose.yaml"]);
    assert_no_diagnostics(&l);
    assert_eq!(
        service(&l, "a").container_name.as_ref().unwrap().value,
        "my_proj1-a"
    );

    let p = Proj::new(&[(
        "dir/compose.yaml",
        "name: declared\nservices:\n  a:\n    image: x\n    container_name: \"${COMPOSE_PROJECT_NAME}-a\"\n",
    )]);
    let l = p.load(&["dir/compose.yaml"]);
    assert_eq!(
        service(&l, "a").container_name.as_ref().unwrap().value,
        "declared-a"
    );
    // The environment wins over `name:`.
    let l = p.load_env(&["dir/compose.yaml"], &[("COMPOSE_PROJECT_NAME", "env")]);
    assert_eq!(
        service(&l, "a").container_name.as_ref().unwrap().value,
        "env-a"
    );
}

#[test]
fn compose_project_name_from_dot_env() {
    let p = Proj::new(&[
        ("dir/compose.yaml", "name: declared\nservices:\n  a:\n    image: x\n    container_name: \"${COMPOSE_PROJECT_NAME}-a\"\n"),
        ("dir/.env", "COMPOSE_PROJECT_NAME=dotenv\n"),
    ]);
    let l = p.load(&["dir/compose.yaml"]);
    assert_eq!(
        service(&l, "a").container_name.as_ref().unwrap().value,
        "dotenv-a"
    );
}

#[test]
fn extension_fields_report_required_but_not_unset() {
    let (_p, l) = one(
        "x-base: &base\n  image: \"x:${NOT_REPORTED}\"\n  user: \"${REQ:?needed}\"\nservices:\n  a:\n    image: y\n",
    );
    let d = only(&l, "S007");
    assert_eq!(at(&l, d.span), "${REQ:?needed}");
    assert_eq!(codes(&l), ["S007"], "{}", render(&l));
}

#[test]
fn extension_template_used_through_an_alias_is_reported_at_the_use() {
    // The `x-` template is not reported, but its use in a service is.
    let (_p, l) = one("x-img: &img \"x:${NOPE}\"\nservices:\n  a:\n    image: *img\n");
    let d = only(&l, "S006");
    assert_eq!(at(&l, d.span), "${NOPE}");
}

#[test]
fn extension_fields_inside_services_are_reported() {
    let (_p, l) = one("services:\n  a:\n    image: y\n    x-note: \"${NOPE}\"\n");
    assert_eq!(at(&l, only(&l, "S006").span), "${NOPE}");
}

/// Compose v2 substitutes an empty string and then judges the result:
/// `:80` is a valid port (no host port) and v2.40.3 lets the volume `:`
/// pass, but an empty boolean, size or number is refused, so those stay
/// errors, each with a note pointing at the unset variable (issue 13).
#[test]
fn a_value_built_from_an_unset_variable_is_judged_as_compose_v2_does() {
    let (_p, l) = one(
        "services:\n  a:\n    image: x\n    ports:\n      - \"${PORT}:80\"\n    privileged: \"${PRIV}\"\n    mem_limit: \"${MEM}\"\n    cpus: \"${CPUS}\"\n    volumes:\n      - \"${SRC}:${DST}\"\n",
    );
    let mut got = codes(&l);
    got.sort();
    assert_eq!(
        got,
        [["S005"; 3].as_slice(), &["S006"; 6]].concat(),
        "{}",
        render(&l)
    );
    for d in l.diagnostics.iter().filter(|d| d.code == "S005") {
        assert!(
            d.notes
                .iter()
                .any(|n| n.contains("variable that is not set")),
            "{d:?}"
        );
    }
}

#[test]
fn keys_are_not_interpolated() {
    let (_p, l) = one("services:\n  a:\n    image: x\n    labels:\n      \"$KEY\": bar\n");
    assert_no_diagnostics(&l);
    assert_eq!(service(&l, "a").labels.entries[0].key.value, "$KEY");
}

#[test]
fn invalid_syntax_is_s013() {
    let (_p, l) = one("services:\n  a:\n    image: \"x:${TAG\"\n");
    let d = only(&l, "S013");
    assert!(at(&l, d.span).starts_with("${TAG"), "{:?}", at(&l, d.span));
}

#[test]
fn interpolated_values_are_converted_to_the_schema_type() {
    let p = Proj::new(&[(
        "compose.yaml",
        "services:\n  a:\n    image: x\n    privileged: ${PRIV}\n    ports:\n      - \"${P}:80\"\n",
    )]);
    let l = p.load_env(&["compose.yaml"], &[("PRIV", "true"), ("P", "8080")]);
    assert_no_diagnostics(&l);
    let a = service(&l, "a");
    assert!(a.privileged.as_ref().unwrap().value);
    assert_eq!(ports_of(a), ["8080->80/tcp"]);
}
