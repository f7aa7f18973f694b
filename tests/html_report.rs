//! `--format html`: the page for the seed has its M101 finding with the
//! fix and the image facts per service, loads nothing from the network,
//! and a Compose file full of markup (`<script>`, `"><img onerror=...>`,
//! in keys, values, service names and the directory name) adds no element
//! and no attribute to it.
//!
//! The page is checked as written and, when Debian's `chromium` is
//! installed, as the browser parsed it (`--dump-dom`), and Chromium takes a
//! screenshot of it. Without Chromium that part skips with one line.

use std::path::{Path, PathBuf};
use std::process::Command as Std;

use assert_cmd::Command;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bin(dir: &Path) -> Command {
    let mut cmd = Command::cargo_bin("compose-lint").unwrap();
    cmd.current_dir(dir)
        .env_remove("COMPOSE_FILE")
        .env_remove("COMPOSE_PATH_SEPARATOR")
        .env_remove("COMPOSE_PROJECT_NAME")
        .env_remove("COMPOSE_LINT_TEST_PANIC")
        .env_remove("NO_COLOR");
    cmd
}

/// Runs compose-lint with `--format html` on `target` (from `dir`) and
/// returns the page it wrote with `--output`, after checking exit 1.
fn html(dir: &Path, target: &str, out: &Path) -> String {
    let o = bin(dir)
        .args(["--format", "html", "--output"])
        .arg(out)
        .arg(target)
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        o.stdout.is_empty(),
        "--output leaves stdout empty: {}",
        String::from_utf8_lossy(&o.stdout)
    );
    std::fs::read_to_string(out).unwrap()
}

/// The elements compose-lint writes, and those Chromium adds when it
/// parses them (`tbody`). Anything else is injected markup.
const ELEMENTS: &[&str] = &[
    "html", "head", "meta", "title", "style", "body", "header", "footer", "h1", "h2", "h3", "h4",
    "p", "section", "article", "div", "table", "tbody", "tr", "th", "td", "a", "code", "span",
    "pre", "ul", "li", "b", "br",
];
const ATTRIBUTES: &[&str] = &[
    "lang",
    "charset",
    "http-equiv",
    "content",
    "name",
    "class",
    "id",
    "href",
];

/// Every start tag in a serialized page: (element, attribute names). Text
/// and attribute values never hold a raw `<` in compose-lint's output nor
/// in Chromium's serialization of text, so each `<name` is an element.
fn tags(page: &str) -> Vec<(String, Vec<String>)> {
    let b = page.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    // The style element's content is CSS, not markup: skip it.
    while i < b.len() {
        if b[i] != b'<' || i + 1 >= b.len() || !b[i + 1].is_ascii_alphabetic() {
            i += 1;
            continue;
        }
        i += 1;
        let start = i;
        while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'-') {
            i += 1;
        }
        let name = page[start..i].to_ascii_lowercase();
        let mut attrs = Vec::new();
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            if i >= b.len() || b[i] == b'>' || b[i] == b'/' {
                break;
            }
            let a = i;
            while i < b.len() && !b" =>/".contains(&b[i]) && !b[i].is_ascii_whitespace() {
                i += 1;
            }
            attrs.push(page[a..i].to_ascii_lowercase());
            if i < b.len() && b[i] == b'=' {
                i += 1;
                if i < b.len() && (b[i] == b'"' || b[i] == b'\'') {
                    let q = b[i];
                    i += 1;
                    while i < b.len() && b[i] != q {
                        i += 1;
                    }
                    i += 1;
                } else {
                    while i < b.len() && !b[i].is_ascii_whitespace() && b[i] != b'>' {
                        i += 1;
                    }
                }
            }
        }
        if name == "style" {
            i = page[i..].find("</style>").map_or(b.len(), |j| i + j);
        }
        out.push((name, attrs));
    }
    out
}

/// No element or attribute but ours, nothing that loads or runs anything.
fn check_markup(what: &str, page: &str) {
    let tags = tags(page);
    assert!(tags.len() > 20, "{what}: too few elements: {tags:?}");
    for (name, attrs) in &tags {
        assert!(
            ELEMENTS.contains(&name.as_str()),
            "{what}: element <{name}> in the page"
        );
        for a in attrs {
            assert!(
                ATTRIBUTES.contains(&a.as_str()),
                "{what}: attribute {a} on <{name}>"
            );
        }
    }
    // Links only inside the page.
    for href in page.split("href=\"").skip(1) {
        assert!(href.starts_with('#'), "{what}: link {href:.40}");
    }
    for banned in ["url(", "@import", "javascript:"] {
        assert!(!page.contains(banned), "{what}: {banned} in the page");
    }
}

/// Debian's chromium (or `$CHROMIUM`), when there is one.
fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        })
}

/// Headless Chromium with its own profile; `args` after the common ones.
fn run_chromium(chromium: &Path, profile: &Path, args: &[String]) -> std::process::Output {
    let out = Std::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The page as Chromium parsed it, and a screenshot of it (checked to be a
/// PNG of some size). None (with one line) when there is no Chromium.
fn render(page: &Path, shot: &Path) -> Option<String> {
    let Some(chromium) = chromium() else {
        println!("skipped: the Chromium rendering of the HTML report (no `chromium` on PATH; apt-get install chromium)");
        return None;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", page.display());
    let dom = run_chromium(
        &chromium,
        profile.path(),
        &["--dump-dom".to_string(), url.clone()],
    );
    let dom = String::from_utf8(dom.stdout).expect("UTF-8 DOM");
    run_chromium(
        &chromium,
        profile.path(),
        &[
            format!("--screenshot={}", shot.display()),
            "--window-size=1200,1600".to_string(),
            url,
        ],
    );
    let png = std::fs::read(shot).expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    assert!(
        png.len() > 20_000,
        "a blank screenshot? {} bytes",
        png.len()
    );
    Some(dom)
}

#[test]
fn seed_report_shows_m101_its_fix_and_the_image_facts() {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("seed.html");
    let text = html(
        &manifest(),
        "fixtures/seed/failing/docker-compose.yml",
        &page,
    );
    check_markup("written", &text);
    assert!(text.starts_with("<!DOCTYPE html>"));
    assert!(text.contains("default-src 'none'"), "the page has a CSP");
    for expect in [
        // The summary by severity and by rule.
        "<tr><td><span class=\"sev sev-error\">error</span></td><td class=\"n\">5</td></tr>",
        "<code>M101</code></a></td><td>new-volume-missing-path</td>",
        // The finding, its frame, its evidence and its fix.
        "service `mq_nsrv` mounts the new volume `mq_nsrv` at /home/rocketmq/logs",
        "12 │       - mq_nsrv:/home/rocketmq/logs",
        "image facts: built-in facts rules/images/apacherocketmq__rocketmq.toml",
        "mount `mq_nsrv` at /home/rocketmq (warning:",
        "<span class=\"add\"> 12 +       - mq_nsrv:/home/rocketmq</span>",
        // The image facts per service.
        "service <code>mq_broker_m</code>",
        "<p>image <code>apacherocketmq/rocketmq:4.3.1</code></p>",
    ] {
        assert!(text.contains(expect), "missing {expect:?} in\n{text}");
    }

    let Some(dom) = render(&page, &dir.path().join("seed.png")) else {
        return;
    };
    check_markup("chromium", &dom);
    for expect in [
        "<title>compose-lint report</title>",
        "new-volume-missing-path",
        "mount `mq_nsrv` at /home/rocketmq (warning:",
        "12 +       - mq_nsrv:/home/rocketmq</span>",
        "/home/rocketmq/logs is not in the image",
        "Image facts by service",
    ] {
        assert!(
            dom.contains(expect),
            "chromium: missing {expect:?} in\n{dom}"
        );
    }
}

/// Markup in every place a linted file reaches the page. A service named
/// like a tag mounts a volume where the seed's image has no directory, so
/// M101 (and its image facts, under that service's name) fire too.
const HOSTILE: &str = r#"services:
  "<script>alert(1)</script>":
    image: apacherocketmq/rocketmq:4.3.1
    volumes:
      - "evil:/home/rocketmq/<b>x</b>"
    depends_on:
      - "\"><img src=x onerror=alert(2)>"
    "<img src=x onerror=alert(3)>": 1
  "'><svg onload=alert(4)>":
    image: "<iframe src=//evil>"
volumes:
  evil:
"#;

#[test]
fn markup_in_linted_files_stays_text() {
    let dir = tempfile::tempdir().unwrap();
    let sub = "<b onmouseover=alert(5)>d";
    std::fs::create_dir(dir.path().join(sub)).unwrap();
    std::fs::write(dir.path().join(sub).join("compose.yaml"), HOSTILE).unwrap();
    let page = dir.path().join("hostile.html");
    let text = html(dir.path(), sub, &page);
    check_markup("written", &text);
    for expect in [
        // S102 quotes the dependency; S003 the key; M101 the service; the
        // path shows the directory; each as text.
        "&quot;&gt;&lt;img src=x onerror=alert(2)&gt;",
        "&lt;img src=x onerror=alert(3)&gt;",
        "service <code>&lt;script&gt;alert(1)&lt;/script&gt;</code>",
        "&lt;b onmouseover=alert(5)&gt;d/compose.yaml",
    ] {
        assert!(text.contains(expect), "missing {expect:?} in\n{text}");
    }
    for code in ["S102", "S003", "M101"] {
        assert!(text.contains(&format!("<code>{code}</code>")), "{code}");
    }

    let Some(dom) = render(&page, &dir.path().join("hostile.png")) else {
        return;
    };
    check_markup("chromium", &dom);
    assert!(
        dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "the service name is text in the DOM:\n{dom}"
    );
    assert!(dom.contains("onerror=alert(2)&gt;"), "{dom}");
}
