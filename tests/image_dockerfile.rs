//! The Dockerfile reader: instruction shapes, substitution, multi-stage,
//! targets, layering on built-in facts, and what it refuses to guess.

use compose_lint::image::builtin::{Catalog, Lookup};
use compose_lint::image::dockerfile::{self, words, BuildOptions, Var};
use compose_lint::image::{Confidence, Content, Evidence, Image, ImageCommand, PathFact, PathKind};

fn catalog() -> &'static Catalog {
    compose_lint::image::builtin::builtin()
}

fn build_with(text: &str, opts: BuildOptions) -> Image {
    let cat = catalog();
    let base = |n: &str| match cat.lookup(n) {
        Lookup::Found(i) => Some(std::sync::Arc::unwrap_or_clone(i)),
        _ => None,
    };
    let df = dockerfile::parse(text);
    dockerfile::evaluate(&df, &opts, &base).expect("evaluates")
}

fn build(text: &str) -> Image {
    build_with(
        text,
        BuildOptions {
            label: "Dockerfile".into(),
            ..Default::default()
        },
    )
}

fn owner(img: &Image, p: &str) -> Option<String> {
    img.fs.query(p).exists().and_then(|i| i.owner())
}

fn user(img: &Image) -> String {
    let u = img.user.as_ref().expect("user known");
    img.resolve_user(&u.value)
        .map(|r| r.render())
        .unwrap_or_else(|e| e)
}

#[test]
fn parse_lines_continuations_comments_directives_heredocs() {
    let df = dockerfile::parse(
        "# syntax=docker/dockerfile:1\n# escape=`\n\nFROM scratch\n# a comment\nRUN echo a `\n  # inside\n  b\nCOPY <<EOF /x\nhello\nEOF\nUSER 1:2\n",
    );
    assert_eq!(df.escape, '`');
    let kws: Vec<(usize, &str)> = df
        .instructions
        .iter()
        .map(|i| (i.line, i.keyword.as_str()))
        .collect();
    assert_eq!(
        kws,
        vec![(4, "FROM"), (6, "RUN"), (9, "COPY"), (12, "USER")]
    );
    assert_eq!(df.instructions[1].args, "echo a   b");
    assert_eq!(df.instructions[2].heredocs[0].body, "hello\n");

    let df = dockerfile::parse("FROM scratch\nRUN <<-EOT bash\n\tmkdir /x\n\tEOT\nUSER a\r\n");
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(df.instructions[2].line, 5);
    assert_eq!(df.instructions[2].args, "a");
}

#[test]
fn word_splitting_and_substitution() {
    let lookup = |n: &str| match n {
        "A" => Var::Set("x y".into()),
        "E" => Var::Set(String::new()),
        "U" => Var::Unknown,
        _ => Var::Unset,
    };
    let cases: &[(&str, Option<&[&str]>)] = &[
        ("$A", Some(&["x y"])),
        ("${A}/b", Some(&["x y/b"])),
        ("${N:-dflt}", Some(&["dflt"])),
        ("${E:-dflt}", Some(&["dflt"])),
        ("${E-dflt}", Some(&[""])),
        ("${A:+set}", Some(&["set"])),
        ("${N:+set}", Some(&[""])),
        ("'$A' \"$A\"", Some(&["$A", "x y"])),
        ("a\\ b c", Some(&["a b", "c"])),
        ("$N", Some(&[""])),
        ("$U", None),
        ("${U:-x}", None),
        ("${A%%x}", None),
        ("'open", None),
        ("cost $5", Some(&["cost", "$5"])),
    ];
    for (input, want) in cases {
        let got = words(input, '\\', &lookup);
        let want = want.map(|w| w.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        assert_eq!(got, want, "{input}");
    }
}

#[test]
fn scratch_copy_chown_user_workdir() {
    let img = build(
        "FROM scratch\nCOPY --chown=3000:3000 home /home/app\nCOPY busybox /bin/busybox\nUSER 3000\nWORKDIR /home/app\nENTRYPOINT [\"/bin/busybox\"]\nCMD sleep 1\nSTOPSIGNAL SIGINT\nVOLUME /data\nHEALTHCHECK NONE\n",
    );
    assert_eq!(img.confidence, Confidence::Certain);
    assert_eq!(owner(&img, "/home/app").as_deref(), Some("3000:3000"));
    // Created parents get the --chown owner; COPY without it is root's.
    assert_eq!(owner(&img, "/home").as_deref(), Some("3000:3000"));
    assert_eq!(owner(&img, "/bin/busybox").as_deref(), Some("0:0"));
    // FROM scratch: the whole file system is known.
    // What a copied directory holds is not read, so a child is unknown.
    assert!(matches!(
        img.fs.query("/home/app/store"),
        PathFact::Unknown { .. }
    ));
    assert!(img.fs.query("/etc/passwd").is_absent());
    assert_eq!(user(&img), "3000:0");
    assert_eq!(img.workdir.as_ref().unwrap().value, "/home/app");
    assert_eq!(
        img.entrypoint.as_ref().unwrap().value,
        Some(ImageCommand::Exec(vec!["/bin/busybox".into()]))
    );
    assert_eq!(
        img.cmd.as_ref().unwrap().value,
        Some(ImageCommand::Shell("sleep 1".into()))
    );
    assert_eq!(img.stop_signal.as_ref().unwrap().value, "SIGINT");
    assert_eq!(img.volumes[0].value, "/data");
    assert!(!img.healthcheck.as_ref().unwrap().value);
    match &img.user.as_ref().unwrap().evidence {
        Evidence::Dockerfile { line, .. } => assert_eq!(*line, 4),
        e => panic!("{e:?}"),
    }
    assert_eq!(
        img.user.as_ref().unwrap().evidence.render(),
        "Dockerfile:4 USER 3000"
    );
}

#[test]
fn run_shapes_that_are_understood() {
    let img = build(
        "FROM scratch\nRUN groupadd -g 3000 app && useradd -u 3000 -g 3000 -m -s /bin/sh app; mkdir -p /data/a /data/b && chown -R app:app /data && chmod 0750 /data/a\nRUN mkdir /srv && ln -s /data /link && touch /srv/f && rm -rf /data/b\n",
    );
    assert_eq!(img.confidence, Confidence::Certain, "{:?}", img.notes);
    assert_eq!(img.resolve_user("app").unwrap().render(), "app (3000:3000)");
    let home = img.fs.query("/home/app");
    let info = home.exists().expect("useradd -m creates the home");
    assert_eq!(info.owner().as_deref(), Some("3000:3000"));
    assert_eq!(owner(&img, "/data/a").as_deref(), Some("3000:3000"));
    assert_eq!(img.fs.query("/data/a").exists().unwrap().mode, Some(0o750));
    assert!(img.fs.query("/data/b").is_absent());
    assert_eq!(owner(&img, "/srv").as_deref(), Some("0:0"));
    assert_eq!(
        img.fs.query("/link/a").exists().map(|i| i.path.clone()),
        Some("/data/a".to_string())
    );
    assert_eq!(
        img.fs.query("/srv/f").exists().and_then(|i| i.kind),
        Some(PathKind::File)
    );

    // mkdir as a non-root USER: owned by that user.
    let img = build(
        "FROM scratch\nRUN adduser -D -u 1000 -h /home/me me\nUSER me\nRUN mkdir -p /home/me/x\n",
    );
    // busybox adduser without -G: a group of the user's name, gid = uid.
    assert_eq!(owner(&img, "/home/me").as_deref(), Some("1000:1000"));
    // What /etc/skel put in the home is not known, so whether x was new
    // (and so owned by the RUN user) is not either.
    assert!(img.fs.query("/home/me/x").exists().is_some());
    assert_eq!(owner(&img, "/home/me/x"), None);
    let img = build("FROM scratch\nUSER 1000:1000\nRUN mkdir -p /srv/x\n");
    assert_eq!(owner(&img, "/srv/x").as_deref(), Some("1000:1000"));

    // groupadd makes a group, not a user with a home.
    let img = build("FROM scratch\nRUN groupadd -g 1500 grp\n");
    assert!(img.user_named("grp").is_none());
    assert_eq!(img.group_named("grp").and_then(|g| g.gid), Some(1500));
    assert!(img.fs.query("/home/grp").is_absent());

    // Debian's adduser, and a system user without a home.
    let img = build("FROM scratch\nRUN addgroup --system --gid 101 svc && adduser --system --uid 101 --ingroup svc --no-create-home svc\n");
    assert_eq!(img.resolve_user("svc").unwrap().render(), "svc (101:101)");
    assert!(img.fs.query("/home/svc").is_absent());

    // busybox adduser with one of its long options (apache/kafka's
    // docker/jvm/Dockerfile): still busybox's, not Debian's.
    let img =
        build("FROM scratch\nRUN adduser -h /home/appuser -D --shell /bin/bash -u 1000 appuser\n");
    assert_eq!(
        img.resolve_user("appuser").unwrap().render(),
        "appuser (1000:1000)"
    );
    assert_eq!(owner(&img, "/home/appuser").as_deref(), Some("1000:1000"));
    let img = build("FROM scratch\nRUN adduser --home /srv/app -D --uid=1001 app\n");
    assert_eq!(img.resolve_user("app").unwrap().render(), "app (1001:1001)");
    assert_eq!(owner(&img, "/srv/app").as_deref(), Some("1001:1001"));
    // Without -u busybox picks the first free uid from 1000 (decision 0020),
    // and its new group takes that uid as gid (decision 0023).
    let img = build("FROM scratch\nRUN adduser -h /home/appuser -D --shell /bin/bash appuser\n");
    assert_eq!(
        img.user_named("appuser")
            .and_then(|u| u.home.clone())
            .as_deref(),
        Some("/home/appuser")
    );
    assert_eq!(
        img.resolve_user("appuser").map(|r| r.render()),
        Ok("appuser (1000:1000)".to_string())
    );
    assert_eq!(img.group_named("appuser").and_then(|g| g.gid), Some(1000));
    assert_eq!(owner(&img, "/home/appuser").as_deref(), Some("1000:1000"));
    // On an Alpine base, adduser is busybox's even with long options only.
    let img =
        build("FROM alpine:3.20\nRUN adduser --disabled-password --home /srv/app --uid 1001 app\n");
    assert_eq!(img.resolve_user("app").unwrap().render(), "app (1001:1001)");
    assert_eq!(owner(&img, "/srv/app").as_deref(), Some("1001:1001"));
    // busybox -S without -G: the user joins `nogroup` (65533 in Alpine's
    // group file, which the layout records), and still gets a home.
    let img = build("FROM alpine:3.20\nRUN adduser -S -u 100 svc\n");
    assert_eq!(img.resolve_user("svc").unwrap().gid, Some(65533));
    assert!(img.group_named("svc").is_none());
    assert!(img.fs.query("/home/svc").exists().is_some());
}

#[test]
fn other_run_shapes_lower_confidence_without_guessing() {
    // (RUN, whether its writes can be bounded). A bounded RUN makes unknown
    // only what it may have written (here /x); an unbounded one everything.
    for (run, bounded) in [
        ("RUN mkdir /x | tee", true),
        ("RUN echo hi > /x", true),
        ("RUN if true; then mkdir /x; fi", true),
        ("RUN chown -R app /x/*", true),
        ("RUN cp -r $UNKNOWN/conf /x/", true),
        ("RUN $(echo mkdir) /x", false),
        ("RUN ./install.sh", false),
        ("RUN python3 setup.py /x", false),
        ("RUN cp -r conf $UNKNOWN", false),
    ] {
        let img = build(&format!("FROM scratch\n{run}\n"));
        assert_eq!(img.confidence, Confidence::Partial, "{run}");
        assert!(!img.notes.is_empty(), "{run}");
        assert!(
            matches!(img.fs.query("/x/y"), PathFact::Unknown { .. }),
            "{run}: {:?}",
            img.fs.query("/x/y")
        );
        assert_eq!(img.fs.query("/elsewhere").is_absent(), bounded, "{run}");
    }
    // Package managers write the system directories, not new top-level ones
    // or homes; npm ci writes node_modules in the working directory.
    let img = build(
        "FROM scratch\nRUN mkdir -p /home/app /data && apt-get update && apt-get install -y curl\n",
    );
    assert!(matches!(
        img.fs.query("/usr/bin/curl"),
        PathFact::Unknown { .. }
    ));
    assert!(matches!(
        img.fs.query("/var/lib/x"),
        PathFact::Unknown { .. }
    ));
    assert!(img.fs.query("/home/app/logs").is_absent());
    assert!(img.fs.query("/data/db").is_absent());
    assert!(img.fs.query("/srv").is_absent());
    assert!(img.users_complete.is_none(), "maintainer scripts add users");
    let img = build("FROM scratch\nWORKDIR /app\nRUN npm ci\n");
    assert!(matches!(
        img.fs.query("/app/node_modules/x"),
        PathFact::Unknown { .. }
    ));
    assert!(img.fs.query("/app/data").is_absent());
    let img = build("FROM scratch\nWORKDIR /app\nRUN npm run build\n");
    assert!(matches!(
        img.fs.query("/app/data"),
        PathFact::Unknown { .. }
    ));
    // A heredoc of simple commands is read exactly.
    let img = build("FROM scratch\nRUN <<EOF\nmkdir /x\nEOF\n");
    assert!(img.fs.query("/x/y").is_absent());
    assert_eq!(
        img.fs.query("/x").exists().and_then(|i| i.content),
        Some(Content::Empty)
    );
    // A script the build copied in is read: only what it names is unknown.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("setup.sh"),
        "#!/bin/sh\nset -e\nmkdir -p /data/db\nchown 999 /data/db\n",
    )
    .unwrap();
    let img = build_with(
        "FROM scratch\nCOPY setup.sh /setup.sh\nRUN /setup.sh\n",
        BuildOptions {
            label: "Dockerfile".into(),
            context: Some(dir.path().to_path_buf()),
            ..Default::default()
        },
    );
    assert!(matches!(
        img.fs.query("/data/db/x"),
        PathFact::Unknown { .. }
    ));
    assert!(img.fs.query("/srv").is_absent());
}

#[test]
fn args_env_and_build_args() {
    let text = "ARG BASE=scratch\nARG VER=1\nFROM ${BASE}\nARG VER\nARG HOME_DIR=/home/app\nENV DATA=${HOME_DIR}/data APP_USER=4000\nRUN mkdir -p $DATA\nUSER ${APP_USER}\nWORKDIR /opt/v${VER}\n";
    let img = build(text);
    assert!(img.fs.query("/home/app/data").exists().is_some());
    assert_eq!(img.user.as_ref().unwrap().value, "4000");
    assert_eq!(img.workdir.as_ref().unwrap().value, "/opt/v1");
    assert_eq!(img.env("DATA").unwrap().value, "/home/app/data");

    let img = build_with(
        text,
        BuildOptions {
            label: "Dockerfile".into(),
            args: vec![
                ("VER".into(), Some("2".into())),
                ("HOME_DIR".into(), Some("/srv".into())),
            ],
            ..Default::default()
        },
    );
    assert_eq!(img.workdir.as_ref().unwrap().value, "/opt/v2");
    assert!(img.fs.query("/srv/data").exists().is_some());
    assert!(img.fs.query("/home/app").is_absent());

    // A build arg taken from the environment is not known.
    let img = build_with(
        "FROM scratch\nARG U\nUSER $U\n",
        BuildOptions {
            label: "Dockerfile".into(),
            args: vec![("U".into(), None)],
            ..Default::default()
        },
    );
    assert!(img.user.is_none());
}

#[test]
fn multi_stage_and_target() {
    let text = "FROM scratch AS base\nUSER 1000\nRUN mkdir /b\n\nFROM base AS dev\nUSER 2000\n\nFROM scratch AS prod\nCOPY --from=base /b /b\nUSER 3000\n";
    let img = build(text);
    assert_eq!(img.user.as_ref().unwrap().value, "3000");
    assert!(img.fs.query("/b").exists().is_some());
    let dev = build_with(
        text,
        BuildOptions {
            label: "Dockerfile".into(),
            target: Some("dev".into()),
            ..Default::default()
        },
    );
    assert_eq!(dev.user.as_ref().unwrap().value, "2000");
    // `dev` starts from `base`: its directory, owned by the RUN user.
    assert_eq!(owner(&dev, "/b").as_deref(), Some("1000:0"));

    let df = dockerfile::parse(text);
    let err = dockerfile::evaluate(
        &df,
        &BuildOptions {
            label: "Dockerfile".into(),
            target: Some("nope".into()),
            ..Default::default()
        },
        &|_| None,
    )
    .unwrap_err();
    assert!(err.contains("no build stage named `nope`"), "{err}");
}

#[test]
fn layering_on_builtin_facts() {
    let img = build("FROM apacherocketmq/rocketmq:4.3.1\nUSER root\nRUN mkdir -p /home/rocketmq/store && chown rocketmq:rocketmq /home/rocketmq/store\nUSER rocketmq\n");
    // The user comes from the built-in facts, the directory from the Dockerfile.
    assert_eq!(user(&img), "rocketmq (3000:3000)");
    let store = img.fs.query("/home/rocketmq/store");
    let info = store.exists().expect("created");
    assert_eq!(info.owner().as_deref(), Some("3000:?"));
    assert!(matches!(
        info.evidence,
        Evidence::Dockerfile { line: 3, .. }
    ));
    // Other facts keep their built-in evidence.
    let home = img.fs.query("/home/rocketmq");
    assert!(matches!(
        home.exists().unwrap().evidence,
        Evidence::Builtin { .. }
    ));
    assert!(img.fs.query("/home/rocketmq/logs").is_absent());

    // An image without facts: the Dockerfile's own facts only.
    let img = build("FROM registry.example.com/no-facts:1\nUSER 1000\n");
    assert_eq!(img.user.as_ref().unwrap().value, "1000");
    assert!(matches!(img.fs.query("/etc"), PathFact::Unknown { .. }));
    assert!(img.notes.iter().any(|n| n.contains("no known facts")));
    // `chown user` on an unknown base: the uid is not known.
    let img = build("FROM registry.example.com/no-facts:1\nRUN mkdir -p /d && chown app /d\n");
    assert_eq!(owner(&img, "/d"), None);
}

#[test]
fn copy_shapes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("conf")).unwrap();
    std::fs::write(dir.path().join("conf/a.conf"), "x").unwrap();
    std::fs::write(dir.path().join("run.sh"), "x").unwrap();
    let img = build_with(
        "FROM scratch\nWORKDIR /app\nCOPY conf ./conf/\nCOPY run.sh .\nCOPY --chown=10:20 --chmod=0600 run.sh /secret\nCOPY run.sh conf/a.conf /multi/\nADD https://example.com/x.tgz /dl/\n",
        BuildOptions {
            label: "Dockerfile".into(),
            context: Some(dir.path().to_path_buf()),
            ..Default::default()
        },
    );
    assert_eq!(
        img.fs.query("/app/conf").exists().and_then(|i| i.kind),
        Some(PathKind::Dir)
    );
    assert_eq!(
        img.fs.query("/app/run.sh").exists().and_then(|i| i.kind),
        Some(PathKind::File)
    );
    let secret = img.fs.query("/secret");
    let s = secret.exists().unwrap();
    assert_eq!((s.owner().as_deref(), s.mode), (Some("10:20"), Some(0o600)));
    assert!(img.fs.query("/multi/run.sh").exists().is_some());
    assert!(img.fs.query("/multi/a.conf").exists().is_some());
    assert!(img.fs.query("/dl/x.tgz").exists().is_some());
    // A directory from the local context is listed: what it does not
    // hold is absent, and its files keep their modes.
    assert!(img.fs.query("/app/conf/other").is_absent());
    assert!(img.fs.query("/app/conf/a.conf").exists().is_some());
    // A remote file is not unpacked: the new directory holds just it.
    assert!(img.fs.query("/dl/other").is_absent());
}

/// `chown USER path` changes the owner and leaves the group as it was.
#[test]
fn chown_user_only_keeps_the_group() {
    let img = build(
        "FROM scratch\nRUN mkdir -p /data && chown 1000:2000 /data && chown 3000 /data && mkdir /x && chown -R 5:6 /x && chown -R 7 /x\n",
    );
    assert_eq!(owner(&img, "/data").as_deref(), Some("3000:2000"));
    assert_eq!(owner(&img, "/x").as_deref(), Some("7:6"));
    // Options after the operands are options (GNU coreutils permute them;
    // apache/kafka's `chown appuser:appuser -R /usr/logs ...` builds under
    // `set -e` on busybox): `-R` is no path, and it recurses.
    let img = build(
        "FROM scratch\nRUN mkdir -p /logs/a /conf/b && chown 1000:1000 -R /logs && chmod 0700 -R /conf\n",
    );
    assert_eq!(owner(&img, "/logs/a").as_deref(), Some("1000:1000"));
    assert_eq!(img.fs.get("/conf/b").and_then(|e| e.mode), Some(0o700));
    assert!(img.fs.get("/-R").is_none());
}

/// `ADD <archive> /` whose archive is not in the build context (a recorded
/// build directory without its tarballs, as quay.io/prometheus/busybox's
/// `ADD rootfs.tar.xz /`): what it unpacks is unknown, so nothing under the
/// destination is absent any more; the users the base had are kept.
#[test]
fn add_of_an_archive_missing_from_the_context_makes_the_destination_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || BuildOptions {
        label: "Dockerfile".into(),
        context: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let before = build_with("FROM busybox:latest\n", opts());
    assert!(before.fs.query("/bin/bash").is_absent());
    assert!(before.fs.query("/home/x").is_absent());
    let img = build_with(
        "FROM busybox:latest\nADD rootfs.tar.xz /\nUSER nobody\n",
        opts(),
    );
    for p in ["/bin/bash", "/home/x", "/etc/ssl/certs/ca-certificates.crt"] {
        assert!(
            matches!(img.fs.query(p), PathFact::Unknown { .. }),
            "{p}: {:?}",
            img.fs.query(p)
        );
    }
    assert!(img.users_complete.is_none());
    assert_eq!(user(&img), "nobody (65534:65534)");
    // Into another directory: only that directory's contents are unknown.
    let img = build_with("FROM busybox:latest\nADD data.tar.gz /srv/\n", opts());
    assert!(matches!(img.fs.query("/srv/x"), PathFact::Unknown { .. }));
    assert!(img.fs.query("/home/x").is_absent());
}

/// A `COPY` whose source is not in the recorded context (a build output
/// such as `dist/portainer`) may be a directory: below its destination no
/// listing stays complete and nothing the base lacked stays absent, neither
/// by a listing nor by a facts file's `absent_binaries`.
#[test]
fn copy_of_contents_not_read_forgets_what_was_absent_below() {
    let dir = tempfile::tempdir().unwrap();
    let opts = || BuildOptions {
        label: "Dockerfile".into(),
        context: Some(dir.path().to_path_buf()),
        ..Default::default()
    };
    let img = build_with("FROM busybox:latest\nCOPY dist/app /\n", opts());
    for p in ["/bin/bash", "/home/x", "/etc/x"] {
        assert!(
            matches!(img.fs.query(p), PathFact::Unknown { .. }),
            "{p}: {:?}",
            img.fs.query(p)
        );
    }
    let img = build_with("FROM busybox:latest\nCOPY dist/app /srv/\n", opts());
    assert!(matches!(img.fs.query("/srv/x"), PathFact::Unknown { .. }));
    assert!(img.fs.query("/home/x").is_absent());
    // A facts file's absent_binaries (prom/prometheus 2.x: no bash).
    let before = build_with("FROM prom/prometheus:v2.0.0\n", opts());
    assert!(before.fs.query("/bin/bash").is_absent());
    assert!(before
        .absent_binaries
        .iter()
        .any(|b| b.value == "/bin/bash"));
    let img = build_with(
        "FROM prom/prometheus:v2.0.0\nCOPY dist/portainer /\n",
        opts(),
    );
    assert!(!img.fs.query("/bin/bash").is_absent());
    assert!(img.absent_binaries.is_empty());
}

/// Decision 0020: a package manager's RUN adds system accounts only (ids
/// below 1000), so the entries at and above 1000 stay as they were.
#[test]
fn package_installs_add_system_accounts_only() {
    let resolve = |img: &Image, spec: &str| {
        img.resolve_user(spec)
            .map(|r| r.render())
            .unwrap_or_else(|e| e)
    };
    for install in [
        "apt-get update && apt-get install -y --no-install-recommends curl",
        "install_packages curl",
        "sh -c 'apt-get install -y curl'",
    ] {
        let img = build(&format!("FROM debian:bookworm\nRUN {install}\nUSER 1001\n"));
        assert!(
            img.users_complete.is_none(),
            "{install}: system users may be added"
        );
        assert_eq!(
            img.users_known_from.as_ref().map(|f| f.value),
            Some(1000),
            "{install}"
        );
        // The runtime starts a uid that /etc/passwd lacks with gid 0.
        assert_eq!(user(&img), "1001:0", "{install}");
        // Below 1000 a package may have added that uid, or any name.
        assert_eq!(resolve(&img, "999"), "999:?", "{install}");
        assert!(resolve(&img, "postgres").contains("not known"), "{install}");
        // The base's own users stay known.
        assert_eq!(resolve(&img, "nobody"), "nobody (65534:65534)");
    }
    // A second install keeps it; a user created at 1001 before stays known.
    let img = build(
        "FROM debian:bookworm\nRUN groupadd -g 1001 app && useradd -u 1001 -g app app\nRUN apt-get install -y curl\nRUN apt-get install -y git\nUSER app\n",
    );
    assert_eq!(user(&img), "app (1001:1001)");
    assert_eq!(resolve(&img, "1001"), "app (1001:1001)");
    // A useradd without -u takes 1000 (the first free uid), not 1001.
    let img =
        build("FROM debian:bookworm\nRUN apt-get install -y curl\nRUN useradd app\nUSER 1001\n");
    assert_eq!(user(&img), "1001:0");
    assert_eq!(resolve(&img, "1000"), "app (1000:?)");
    // One whose uid is not known may hold 1001.
    let img = build(
        "FROM debian:bookworm\nRUN apt-get install -y curl\nRUN useradd -u 1005 a && useradd app\nUSER 1001\n",
    );
    assert_eq!(user(&img), "1001:?");
    // A user tool in a RUN not read exactly may change any account.
    let img = build(
        "FROM debian:bookworm\nRUN apt-get install -y curl && usermod -u 1001 nobody\nUSER 1001\n",
    );
    assert!(img.users_known_from.is_none());
    assert_eq!(user(&img), "1001:?");
    // A package installed from a file or a URL is not the distribution's:
    // its scripts may make a regular account (Kong's postinstall runs
    // `useradd` without `-r`), so nothing about the accounts stays known.
    for install in [
        "dpkg -i /tmp/kong.deb",
        "apt-get install -y ./kong.deb",
        "apt-get install -y /tmp/kong.deb",
        "apk add --allow-untrusted kong.apk",
        "yum install -y https://example.com/kong.rpm",
    ] {
        let img = build(&format!("FROM debian:bookworm\nRUN {install}\nUSER 1001\n"));
        assert!(img.users_known_from.is_none(), "{install}");
        assert_eq!(user(&img), "1001:?", "{install}");
    }
    // Without a known /etc/passwd to start from nothing becomes known.
    let img = build("FROM scratch\nADD rootfs.tar /\nRUN apt-get install -y curl\nUSER 1001\n");
    assert!(img.users_known_from.is_none());
    assert_eq!(user(&img), "1001:?");
}

/// bitnami/minideb (generated from its import script on the minideb-bookworm
/// layout): Debian's users, `install_packages` read as apt, so the bitnami
/// shape `RUN install_packages ...` then `USER 1001` runs as 1001:0.
#[test]
fn minideb_base_and_the_bitnami_user() {
    let img = build("FROM bitnami/minideb:bookworm\n");
    assert!(img.users_complete.is_some());
    assert_eq!(user(&img), "root (0:0)");
    assert_eq!(
        img.resolve_user("nobody").map(|r| r.render()),
        Ok("nobody (65534:65534)".to_string())
    );
    assert!(matches!(
        img.fs.query("/usr/sbin/install_packages"),
        PathFact::Exists(_)
    ));
    // What mkimage empties is known empty; what it does not list is unknown.
    assert!(img.fs.query("/usr/share/man/man1").is_absent());
    assert!(matches!(
        img.fs.query("/usr/bin/perl"),
        PathFact::Unknown { .. }
    ));
    let img = build(
        "FROM docker.io/bitnami/minideb:bookworm\nRUN install_packages ca-certificates curl\nUSER 1001\n",
    );
    assert_eq!(user(&img), "1001:0");
    assert!(matches!(
        img.fs.query("/usr/share/man/man1"),
        PathFact::Unknown { .. }
    ));
}

/// The bitnami application shape (issue 14): an array of components
/// unpacked in a loop, `find / -exec chmod a-s`, then a `rootfs/` script
/// that sources libraries the build context does not hold. The user stays
/// 1001:0, the script touches what it names, a partly recorded `rootfs/`
/// is not taken as complete, and an ENV with one unknown value keeps the
/// others.
#[test]
fn bitnami_application_shape() {
    let dir = tempfile::tempdir().unwrap();
    let scripts = dir.path().join("rootfs/opt/bitnami/scripts");
    std::fs::create_dir_all(scripts.join("app")).unwrap();
    std::fs::create_dir_all(dir.path().join("rootfs/srv/app")).unwrap();
    std::fs::write(dir.path().join("rootfs/srv/app/README"), "x\n").unwrap();
    std::fs::write(
        scripts.join("app-env.sh"),
        "export BITNAMI_ROOT_DIR=\"/opt/bitnami\"\nexport APP_BASE_DIR=\"${BITNAMI_ROOT_DIR}/app\"\nexport APP_VOLUME_DIR=\"/bitnami/app\"\n",
    )
    .unwrap();
    std::fs::write(
        scripts.join("app/postunpack.sh"),
        "#!/bin/bash\n. /opt/bitnami/scripts/app-env.sh\n. /opt/bitnami/scripts/libfs.sh\nfor dir in \"$APP_BASE_DIR\" \"$APP_VOLUME_DIR\"; do\n    ensure_dir_exists \"$dir\"\ndone\nchmod -R g+rwX /bitnami \"$APP_BASE_DIR\"\n",
    )
    .unwrap();
    let df = "FROM bitnami/minideb:bookworm\nARG TARGETARCH\nENV HOME=\"/\" OS_ARCH=\"${TARGETARCH:-amd64}\" OS_NAME=\"linux\"\nSHELL [\"/bin/bash\", \"-o\", \"errexit\", \"-c\"]\nRUN install_packages ca-certificates curl\nRUN mkdir -p /tmp/bitnami/pkg/cache/ ; cd /tmp/bitnami/pkg/cache/ ; \\\n    COMPONENTS=( \\\n      \"app-1.0.0-linux-${OS_ARCH}-debian-12\" \\\n    ) ; \\\n    for COMPONENT in \"${COMPONENTS[@]}\"; do \\\n      curl -SsLf \"https://example.com/${COMPONENT}.tar.gz\" -O ; \\\n      tar -zxf \"${COMPONENT}.tar.gz\" -C /opt/bitnami --strip-components=2 --no-same-owner ; \\\n      rm -rf \"${COMPONENT}\".tar.gz ; \\\n    done\nRUN find / -perm /6000 -type f -exec chmod a-s {} \\; || true\nCOPY rootfs /\nRUN /opt/bitnami/scripts/app/postunpack.sh\nUSER 1001\n";
    let opts = |partial: bool| BuildOptions {
        label: "Dockerfile".into(),
        context: Some(dir.path().to_path_buf()),
        git_modes: true,
        partial_context: if partial {
            vec!["rootfs".into()]
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    let img = build_with(df, opts(true));
    assert_eq!(user(&img), "1001:0", "{:?}", img.notes);
    assert_eq!(img.users_known_from.as_ref().map(|f| f.value), Some(1000));
    // ENV: HOME and OS_NAME are known, OS_ARCH is not.
    let env = |k: &str| {
        img.env
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.value.clone())
    };
    assert_eq!(env("HOME").as_deref(), Some("/"));
    assert_eq!(env("OS_NAME").as_deref(), Some("linux"));
    assert_eq!(env("OS_ARCH"), None);
    // What the script names is unknown; what it does not name stays known.
    for p in ["/bitnami/app/x", "/opt/bitnami/app/x"] {
        assert!(matches!(img.fs.query(p), PathFact::Unknown { .. }), "{p}");
    }
    assert!(img.fs.query("/mnt/x").is_absent());
    assert!(img.fs.query("/home/x").is_absent());
    // rootfs/ is recorded in part: its directories may hold more.
    assert!(matches!(
        img.fs.query("/srv/app/LICENSE"),
        PathFact::Unknown { .. }
    ));
    assert!(matches!(
        img.fs.query("/srv/app/README"),
        PathFact::Exists(_)
    ));
    // Taken as complete, the copied directory lists only what it holds.
    let img = build_with(df, opts(false));
    assert!(img.fs.query("/srv/app/LICENSE").is_absent());
    // A loop over values the reader cannot know, in a script without
    // unread libraries, is still not bounded.
    std::fs::write(
        scripts.join("app/postunpack.sh"),
        "#!/bin/bash\nfor dir in \"$X\"; do\n    mkdir -p \"$dir\"\ndone\n",
    )
    .unwrap();
    let img = build_with(df, opts(true));
    assert_eq!(user(&img), "1001:?");
}

/// Decision 0020: `useradd`/`adduser` without `-u` take the first free uid
/// from 1000 when every entry at and above 1000 is known; the new group's
/// gid stays unknown, except busybox's without `-G`, whose group takes the
/// uid it picked (decision 0023).
#[test]
fn regular_accounts_take_the_first_free_uid_from_1000() {
    for (df, want) in [
        (
            "FROM debian:bookworm\nRUN useradd -m app\nUSER app\n",
            "app (1000:?)",
        ),
        (
            "FROM debian:bookworm\nRUN apt-get install -y curl && useradd app\nUSER app\n",
            "app (1000:?)",
        ),
        (
            "FROM debian:bookworm\nRUN adduser --disabled-password --gecos '' app\nUSER app\n",
            "app (1000:?)",
        ),
        (
            "FROM scratch\nRUN adduser -D app\nUSER app\n",
            "app (1000:1000)",
        ),
        // Alpine's passwd and group are known from 1000 (nobody 65534,
        // nogroup 65533): busybox takes 1000, and gid 1000 for the group it
        // makes; packages add system accounts only.
        (
            "FROM alpine:3.20\nRUN adduser -D app\nUSER app\n",
            "app (1000:1000)",
        ),
        // apache/kafka's docker/jvm/Dockerfile.
        (
            "FROM eclipse-temurin:21-jre-alpine\nRUN apk add --no-cache bash && adduser -h /home/appuser -D --shell /bin/bash appuser\nUSER appuser\n",
            "appuser (1000:1000)",
        ),
        // With -G the user joins that group; busybox makes none.
        (
            "FROM alpine:3.20\nRUN addgroup -g 1500 grp && adduser -D -G grp app\nUSER app\n",
            "app (1000:1500)",
        ),
        // The uid busybox picks is known only after its first pick: a second
        // user takes 1001, and its group 1001.
        (
            "FROM alpine:3.20\nRUN adduser -D a && adduser -D b\nUSER b\n",
            "b (1001:1001)",
        ),
        // ubuntu:noble has `ubuntu` at 1000.
        (
            "FROM ubuntu:noble\nRUN useradd app\nUSER app\n",
            "app (1001:?)",
        ),
        (
            "FROM debian:bookworm\nRUN useradd -u 1000 a && useradd b\nUSER b\n",
            "b (1001:?)",
        ),
        // A gap: shadow takes the highest + 1, adduser the first free.
        (
            "FROM debian:bookworm\nRUN useradd -u 1005 a && useradd b\nUSER b\n",
            "the uid of user `b` is not known",
        ),
        // A system account takes a system uid.
        (
            "FROM debian:bookworm\nRUN useradd -r svc\nUSER svc\n",
            "the uid of user `svc` is not known",
        ),
        // busybox skips a uid whose gid a group holds.
        (
            "FROM scratch\nRUN addgroup -g 1000 g && adduser -D app\nUSER app\n",
            "the uid of user `app` is not known",
        ),
        // Not known above 1000: a RUN not understood.
        (
            "FROM debian:bookworm\nRUN ./setup.sh\nRUN useradd app\nUSER app\n",
            "the uid of user `app` is not known",
        ),
    ] {
        assert_eq!(user(&build(df)), want, "{df}");
    }
}

#[test]
fn commands_after_an_unbounded_one_in_the_same_run_are_still_read() {
    // `find / -exec rm` writes what cannot be bounded; the `useradd` after it
    // in the same RUN still runs and is read.
    let img = build(
        "FROM debian:bookworm\nRUN find / -name x -exec rm {} + && useradd -u 5050 pgadmin && mkdir -p /var/lib/pgadmin && chown pgadmin /var/lib/pgadmin\nUSER pgadmin\n",
    );
    assert!(user(&img).starts_with("pgadmin (5050:"), "{}", user(&img));
    let o = owner(&img, "/var/lib/pgadmin").unwrap_or_default();
    assert!(o.starts_with("5050:"), "{o}");
    // What the unbounded command may have written stays unknown: absence
    // is no longer known anywhere, and other accounts are not complete.
    assert!(!img.fs.query("/opt/nothing-here").is_absent());
    assert!(img.users_complete.is_none());
    // An `rm` after a `cd` is applied: what it removed is no longer listed.
    let img = build(
        "FROM debian:bookworm\nRUN mkdir -p /usr/src/ruby && find / -name x -exec rm {} + && cd / && rm -r /usr/src/ruby\n",
    );
    assert!(img.fs.query("/usr/src/ruby").exists().is_none());
    // A command that may change the shell running the rest (`.`, `eval`)
    // still ends the reading of its RUN.
    for cmd in ["eval \"$X\"", ". /unread.sh"] {
        let img = build(&format!(
            "FROM debian:bookworm\nRUN {cmd} && useradd -u 5050 pgadmin\nUSER pgadmin\n"
        ));
        assert!(
            !user(&img).starts_with("pgadmin (5050:"),
            "{cmd}: {}",
            user(&img)
        );
    }
}

/// Decision 0021: `echo '<entry>' >> /etc/passwd` appends an account the
/// reader knows (keycloak's image adds its user so); any other write into
/// the account files makes the accounts unknown, as a user tool does.
#[test]
fn account_lines_appended_with_echo_are_read() {
    let resolve = |img: &Image, spec: &str| {
        img.resolve_user(spec)
            .map(|r| r.render())
            .unwrap_or_else(|e| e)
    };
    let img = build(
        "FROM debian:bookworm\nRUN echo \"keycloak:x:0:root\" >> /etc/group && \\\n    echo \"keycloak:x:1000:0:keycloak user:/opt/keycloak:/sbin/nologin\" >> /etc/passwd\nUSER 1000\n",
    );
    assert_eq!(user(&img), "keycloak (1000:0)");
    let u = img.user_named("keycloak").expect("the appended entry");
    assert_eq!(u.home.as_deref(), Some("/opt/keycloak"));
    assert!(img
        .group_named("keycloak")
        .is_some_and(|g| g.gid == Some(0)));
    // The rest of the list is as known as before: a name no entry has.
    assert!(img.users_complete.is_some());
    assert!(resolve(&img, "nosuch").contains("does not exist"));
    // On a base whose accounts are not known, the entry is still read.
    let img = build(
        "FROM registry.access.redhat.com/ubi8-minimal\nRUN echo 'app:x:1000:0::/app:/sbin/nologin' >> /etc/passwd\nUSER 1000\n",
    );
    assert_eq!(user(&img), "app (1000:0)");
    // Not read: a name or uid a known entry already has (the first entry
    // in the file wins), `>` (the file is replaced), echo options, a line
    // that is no entry, printf. Each makes the accounts unknown.
    for run in [
        "echo 'nobody:x:1000:0::/app:/bin/sh' >> /etc/passwd",
        "echo 'app:x:0:0::/app:/bin/sh' >> /etc/passwd",
        "echo 'app:x:1000:0::/app:/bin/sh' > /etc/passwd",
        "echo -e 'app:x:1000:0::/app:/bin/sh' >> /etc/passwd",
        "echo 'app:x:1000' >> /etc/passwd",
        "printf 'app:x:1000:0::/app:/bin/sh\\n' >> /etc/passwd",
        "cat /tmp/users >> /etc/passwd",
    ] {
        let img = build(&format!("FROM debian:bookworm\nRUN {run}\n"));
        assert!(img.users_complete.is_none(), "{run}");
        assert!(img.users_known_from.is_none(), "{run}");
        assert!(img.user_named("app").is_none(), "{run}");
    }
    // A group line is read the same way; a write into another account
    // file is not read.
    let img = build("FROM debian:bookworm\nRUN echo 'app:x:1000:' >> /etc/group\n");
    assert!(img.group_named("app").is_some_and(|g| g.gid == Some(1000)));
    assert!(img.users_complete.is_some());
    let img = build("FROM debian:bookworm\nRUN echo 'app:!:19000::::::' >> /etc/shadow\n");
    assert!(img.users_complete.is_none());
}

/// Decision 0024: an `if` whose condition reads what the base records
/// (`grep -q alpine /etc/issue` on the alpine layout) takes only its branch.
#[test]
fn conditions_on_the_base_take_only_their_branch() {
    let df = "FROM alpine:3.20\n\
        RUN if grep -i -q alpine /etc/issue; then \\\n\
          adduser -S -u 472 -G root grafana; \\\n\
        elif grep -i -q ubuntu /etc/issue; then \\\n\
          adduser --system --uid 473 --ingroup root grafana; \\\n\
        else \\\n\
          echo 'ERROR: Unsupported base image' && /bin/false; \\\n\
        fi\n\
        USER 472\n";
    let img = build(df);
    assert_eq!(
        user(&img),
        "grafana (472:0)",
        "the alpine branch ran, and only it"
    );
    assert!(
        img.fs.query("/home/grafana").exists().is_some(),
        "busybox adduser made the home"
    );
    // The first condition is false on alpine only if the text is known
    // not to hold the word: it is not (only part of it is known), so
    // `else` after an unknown condition stays uncertain.
    let img = build(
        "FROM alpine:3.20\nRUN if grep -q ubuntu /etc/issue; then adduser -S -u 1 a; else adduser -S -u 472 -G root grafana; fi\nUSER 472\n",
    );
    assert!(img.user_named("grafana").is_none(), "not known to have run");
    // A file known absent: grep fails, `else` runs.
    let img = build(
        "FROM alpine:3.20\nRUN if grep -q x /nonexistent; then adduser -S -u 1 a; else adduser -S -u 472 -G root grafana; fi\n",
    );
    assert_eq!(
        img.user_named("grafana").and_then(|u| u.uid),
        Some(472),
        "the file is absent: the else branch ran"
    );
    assert!(img.user_named("a").is_none());
    // `[ -d ]` on a known directory; `!` negates.
    let img = build(
        "FROM alpine:3.20\nRUN if ! [ -d /etc ]; then adduser -S -u 1 a; else adduser -S -u 472 -G root grafana; fi\n",
    );
    assert_eq!(img.user_named("grafana").and_then(|u| u.uid), Some(472));
    // What a step may have written is not read: after an unknown write to
    // /etc, the condition is not known and neither branch is certain.
    let img = build(
        "FROM alpine:3.20\nRUN some-tool --write /etc/issue\nRUN if grep -q Alpine /etc/issue; then adduser -S -u 472 -G root grafana; fi\n",
    );
    assert!(img.user_named("grafana").is_none());
    let img = build(
        "FROM alpine:3.20\nRUN echo hi > /etc/issue\nRUN if grep -q Alpine /etc/issue; then adduser -S -u 472 -G root grafana; fi\n",
    );
    assert!(
        img.user_named("grafana").is_none(),
        "/etc/issue was rewritten"
    );
    // A package install from the distribution replaces no file another
    // package owns: the release text stays.
    let img = build(
        "FROM alpine:3.20\nRUN apk add --no-cache ca-certificates bash curl tzdata\nRUN if grep -q Alpine /etc/issue; then adduser -S -u 472 -G root grafana; fi\n",
    );
    assert_eq!(img.user_named("grafana").and_then(|u| u.uid), Some(472));
}

/// `$(getent group 0 | cut -d: -f1)` is the name of a listed group, and
/// `[ ! $(getent group 0) ]` is false: the shapes of grafana's Dockerfile.
#[test]
fn getent_of_a_listed_group_is_known() {
    let img = build(
        "FROM alpine:3.20\nARG GF_GID=0\n\
         RUN if [ ! $(getent group \"$GF_GID\") ]; then addgroup -S -g $GF_GID grafana; fi && \\\n\
           GF_GID_NAME=$(getent group $GF_GID | cut -d':' -f1) && \\\n\
           adduser -S -u 472 -G \"$GF_GID_NAME\" grafana && \\\n\
           mkdir -p /var/lib/grafana && chown -R \"grafana:$GF_GID_NAME\" /var/lib/grafana\n\
         USER 472\n",
    );
    assert_eq!(user(&img), "grafana (472:0)");
    assert_eq!(owner(&img, "/var/lib/grafana").as_deref(), Some("472:0"));
    assert!(img.group_named("grafana").is_none(), "addgroup did not run");
    // A group not listed: its name is not known, nor is the owner.
    let img = build(
        "FROM alpine:3.20\nRUN N=$(getent group 4242 | cut -d: -f1) && mkdir -p /d && chown \"1:$N\" /d\n",
    );
    assert_eq!(owner(&img, "/d"), None);
}
