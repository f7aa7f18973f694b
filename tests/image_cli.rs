//! `compose-lint images` on the seed: the RocketMQ user, the home that
//! exists and the store directory that does not, from the facts file.

use assert_cmd::Command;

fn images(extra: &[&str]) -> String {
    let out = Command::cargo_bin("compose-lint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("COMPOSE_FILE")
        .arg("images")
        .args(extra)
        .arg("fixtures/seed/failing/docker-compose.yml")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn seed_text() {
    let text = images(&[]);
    assert!(text.contains("service mq_broker_m: apacherocketmq/rocketmq:4.3.1"));
    assert!(text.contains("  user: rocketmq (3000:3000)\n"), "{text}");
    assert!(
        text.contains("    /home/rocketmq: present, dir, owner 3000:3000, mode 0700, dotfiles\n")
    );
    assert!(text.contains("    /home/rocketmq/store: absent\n"));
    assert!(text.contains(
        "facts from: built-in facts rules/images/apacherocketmq__rocketmq.toml (4.3.1), from https://"
    ));
    // Words, not field names (issue 17).
    assert!(
        text.contains("  starts as root and drops privileges: no\n"),
        "{text}"
    );
    assert!(
        text.contains("  working directory: /opt/rocketmq-4.3.1/bin\n"),
        "{text}"
    );
    assert!(!text.contains("starts_as_root"), "{text}");
    insta::assert_snapshot!(text);
}

#[test]
fn seed_json() {
    let v: serde_json::Value = serde_json::from_str(&images(&["--format", "json"])).unwrap();
    let services = v[0]["services"].as_array().unwrap();
    let broker = services
        .iter()
        .find(|s| s["service"] == "mq_broker_m")
        .unwrap();
    assert_eq!(broker["user"]["name"], "rocketmq");
    assert_eq!(broker["user"]["uid"], 3000);
    assert_eq!(broker["user"]["gid"], 3000);
    assert_eq!(broker["user"]["evidence"]["kind"], "builtin");
    let path = |p: &str| {
        broker["paths"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["path"] == p)
            .unwrap()
            .clone()
    };
    assert_eq!(path("/home/rocketmq")["state"], "exists");
    assert_eq!(path("/home/rocketmq")["owner"], "3000:3000");
    assert_eq!(path("/home/rocketmq/store")["state"], "absent");
    assert_eq!(
        path("/home/rocketmq/store")["evidence"]["file"],
        "rules/images/apacherocketmq__rocketmq.toml"
    );
}

#[test]
fn bad_archive_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("x.tar");
    std::fs::write(&p, b"nope").unwrap();
    Command::cargo_bin("compose-lint")
        .unwrap()
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["images", "--image-archive"])
        .arg(&p)
        .arg("fixtures/seed/failing/docker-compose.yml")
        .assert()
        .code(2);
}
