//! `compose-lint lsp` (issue 17): the protocol over stdio (initialize,
//! didOpen, publishDiagnostics, didChange, codeAction, hover, shutdown), the
//! unsaved text of an open base used for its overlay, and a real client:
//! Neovim's built-in LSP client, headless, driven by
//! tests/lsp/print_diagnostics.lua (skipped when `nvim` is absent).
//!
//! The timeouts below only stop a hung server from hanging the test suite.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::Duration;

use serde_json::{json, Value};

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const HANG: Duration = Duration::from_secs(60);

struct Server {
    child: Child,
    stdin: ChildStdin,
    rx: Receiver<Value>,
    next_id: i64,
}

impl Server {
    fn start() -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_compose-lint"))
            .arg("lsp")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            loop {
                let mut len = 0usize;
                loop {
                    let mut line = String::new();
                    if r.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some(v) = line.strip_prefix("Content-Length: ") {
                        len = v.parse().unwrap();
                    }
                }
                let mut body = vec![0; len];
                if r.read_exact(&mut body).is_err() {
                    return;
                }
                if tx.send(serde_json::from_slice(&body).unwrap()).is_err() {
                    return;
                }
            }
        });
        let mut s = Server {
            child,
            stdin,
            rx,
            next_id: 1,
        };
        let init = s.request(
            "initialize",
            json!({"processId": null, "rootUri": null, "capabilities": {}}),
        );
        assert!(
            init["result"]["capabilities"]["hoverProvider"] == json!(true),
            "{init}"
        );
        s.notify("initialized", json!({}));
        s
    }

    fn send(&mut self, v: Value) {
        let body = v.to_string();
        write!(self.stdin, "Content-Length: {}\r\n\r\n{body}", body.len()).unwrap();
        self.stdin.flush().unwrap();
    }

    fn notify(&mut self, method: &str, params: Value) {
        self.send(json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.recv();
            if m["id"] == json!(id) {
                return m;
            }
        }
    }

    fn recv(&mut self) -> Value {
        match self.rx.recv_timeout(HANG) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("no message from the server"),
            Err(RecvTimeoutError::Disconnected) => panic!("the server closed its output"),
        }
    }

    /// The next diagnostics published for `uri`.
    fn diagnostics(&mut self, uri: &str) -> Vec<Value> {
        loop {
            let m = self.recv();
            if m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri {
                return m["params"]["diagnostics"].as_array().unwrap().clone();
            }
        }
    }

    /// The documents diagnostics are published for, in order, until
    /// `uri`'s have been published `times` times.
    fn published_until(&mut self, uri: &str, times: usize) -> Vec<String> {
        let mut out = Vec::new();
        let mut seen = 0;
        while seen < times {
            let m = self.recv();
            if m["method"] == "textDocument/publishDiagnostics" {
                let u = m["params"]["uri"].as_str().unwrap().to_string();
                seen += usize::from(u == uri);
                out.push(u);
            }
        }
        out
    }

    fn shutdown(mut self) {
        let r = self.request("shutdown", Value::Null);
        assert!(r.get("error").is_none(), "{r}");
        self.notify("exit", Value::Null);
        let status = self.child.wait().unwrap();
        assert!(status.success(), "{status}");
    }
}

fn uri(p: &Path) -> String {
    format!("file://{}", p.display())
}

fn codes(diags: &[Value]) -> Vec<String> {
    let mut c: Vec<String> = diags
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

const SEED: &str = "fixtures/seed/failing/docker-compose.yml";

/// What the kernel says of a process's huge pages: the `THP_enabled` line
/// of `/proc/PID/status` (Linux 5.0 and later), `None` without it.
#[cfg(target_os = "linux")]
fn thp_enabled(pid: u32) -> Option<String> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("THP_enabled:"))
        .map(|v| v.trim().to_string())
}

/// The binary turns transparent huge pages off for itself before `main`
/// (src/main.rs, decision 0033): each huge page it touched is 2 MB the
/// kernel clears, which made a first run on a virtual machine several
/// times slower. The language server waits for its client, so its status
/// can be read while it runs; its answer to `initialize` shows that
/// `main` has run.
#[cfg(target_os = "linux")]
#[test]
fn the_linter_runs_without_transparent_huge_pages() {
    if thp_enabled(std::process::id()).is_none() {
        eprintln!("skipped: this kernel's /proc/PID/status has no THP_enabled line");
        return;
    }
    let s = Server::start();
    let thp = thp_enabled(s.child.id());
    s.shutdown();
    assert_eq!(
        thp.as_deref(),
        Some("0"),
        "THP_enabled of the running linter"
    );
}

#[test]
fn protocol_over_stdio() {
    let path = manifest().join(SEED);
    let text = std::fs::read_to_string(&path).unwrap();
    let u = uri(&path);
    let mut s = Server::start();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": text}}),
    );
    let diags = s.diagnostics(&u);
    assert_eq!(diags.len(), 16, "{diags:#?}");
    let p101 = diags.iter().find(|d| d["code"] == "P101").unwrap();
    assert_eq!(p101["range"]["start"], json!({"line": 3, "character": 0}));
    assert_eq!(p101["severity"], 3);
    let m101 = diags.iter().find(|d| d["code"] == "M101").unwrap();
    assert_eq!(m101["severity"], 1);
    assert_eq!(
        m101["codeDescription"]["href"],
        "https://github.com/compose-lint/compose-lint/blob/main/rules/M101-new-volume-missing-path.md"
    );

    // Code actions on line 4: the safe fix first and preferred, then the
    // suppression comment.
    let actions = s.request(
        "textDocument/codeAction",
        json!({
            "textDocument": {"uri": u},
            "range": {"start": {"line": 3, "character": 0}, "end": {"line": 3, "character": 0}},
            "context": {"diagnostics": []}
        }),
    );
    let actions = actions["result"].as_array().unwrap().clone();
    assert_eq!(
        actions[0]["title"], "P101: remove the `version` line",
        "{actions:#?}"
    );
    assert_eq!(actions[0]["isPreferred"], true);
    let edits = &actions[0]["edit"]["changes"][&u];
    assert_eq!(edits[0]["newText"], "");
    assert_eq!(edits[0]["range"]["start"]["line"], 3);
    let disable = actions
        .iter()
        .find(|a| a["title"] == "Disable P101 for this line")
        .unwrap();
    assert_eq!(
        disable["edit"]["changes"][&u][0]["newText"],
        "# compose-lint: disable-next-line P101\n"
    );

    // Hover on the M101 finding: the rule page.
    let start = &m101["range"]["start"];
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": start}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("# M101 new-volume-missing-path"), "{value}");

    // Hover on an `image:` line: the image facts.
    let image_line = text
        .lines()
        .position(|l| l.trim_start().starts_with("image: apacherocketmq"))
        .unwrap();
    let hover = s.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": u}, "position": {"line": image_line, "character": 6}}),
    );
    let value = hover["result"]["contents"]["value"].as_str().unwrap();
    assert!(value.contains("image facts"), "{value}");
    assert!(value.contains("user: rocketmq (3000:3000)"), "{value}");

    // An unsaved edit: the `version` line is gone, and so is P101.
    let edited = text.replacen("version: '2'\n", "", 1);
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let diags = s.diagnostics(&u);
    assert_eq!(diags.len(), 15, "{diags:#?}");
    assert!(!codes(&diags).contains(&"P101".to_string()));
    // The positions follow the edited text, not the file on disk.
    let m101 = diags.iter().find(|d| d["code"] == "M101").unwrap();
    assert_eq!(m101["range"]["start"]["line"], 10);
    s.shutdown();
}

/// An overlay is linted on top of its base, with the base's unsaved text.
#[test]
fn overlay_uses_the_open_base_text() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("compose.yaml");
    let over = tmp.path().join("compose.override.yaml");
    std::fs::write(&base, "services:\n  web:\n    image: nginx:1.27\n").unwrap();
    let over_text = "services:\n  web:\n    links:\n      - db\n";
    std::fs::write(&over, over_text).unwrap();
    let mut s = Server::start();
    let (ub, uo) = (uri(&base), uri(&over));
    // On disk `db` does not exist; in the base's unsaved text it does.
    let base_text = "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:17\n";
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": ub, "languageId": "yaml", "version": 1, "text": base_text}}),
    );
    let _ = s.diagnostics(&ub);
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uo, "languageId": "yaml", "version": 1, "text": over_text}}),
    );
    let with_db = codes(&s.diagnostics(&uo));
    let tmp2 = tempfile::tempdir().unwrap();
    let base2 = tmp2.path().join("compose.yaml");
    let over2 = tmp2.path().join("compose.override.yaml");
    std::fs::write(&base2, "services:\n  web:\n    image: nginx:1.27\n").unwrap();
    std::fs::write(&over2, over_text).unwrap();
    let uo2 = uri(&over2);
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uo2, "languageId": "yaml", "version": 1, "text": over_text}}),
    );
    let without_db = codes(&s.diagnostics(&uo2));
    // The link to a missing service is reported only when the base on
    // disk is used.
    assert_ne!(with_db, without_db, "{with_db:?} / {without_db:?}");
    assert!(
        without_db.len() > with_db.len(),
        "{with_db:?} / {without_db:?}"
    );
    s.shutdown();
}

/// Discovery reads the open document's unsaved text, not the file on
/// disk: a `depends_on` just typed makes the file an overlay of the base
/// that defines the service (issue 20: discovery used to re-read the disk).
#[test]
fn discovery_reads_the_unsaved_text() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("compose.yaml");
    let dev = tmp.path().join("compose.dev.yaml");
    std::fs::write(
        &base,
        "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:17\n",
    )
    .unwrap();
    let saved = "services:\n  tool:\n    image: busybox:1.36\n";
    std::fs::write(&dev, saved).unwrap();
    let u = uri(&dev);
    let mut s = Server::start();
    s.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": saved}}),
    );
    assert_eq!(codes(&s.diagnostics(&u)), Vec::<String>::new());
    // Unsaved: `tool` now depends on `db`, which only the base defines.
    let edited = format!("{saved}    depends_on:\n      - db\n");
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": u, "version": 2}, "contentChanges": [{"text": edited}]}),
    );
    let diags = s.diagnostics(&u);
    assert_eq!(codes(&diags), Vec::<String>::new(), "{diags:#?}");
    s.shutdown();
}

/// What the server keeps between lints (parsed files, the configuration)
/// is made again when the file it came from changes: on disk (reported or
/// not) or in the editor.
#[test]
fn a_change_on_disk_or_in_the_editor_reaches_the_next_lint() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("compose.yaml");
    let dev = tmp.path().join("compose.dev.yaml");
    let with_db = "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:17\n";
    let without_db = "services:\n  web:\n    image: nginx:1.27\n";
    std::fs::write(&base, with_db).unwrap();
    let dev_text =
        "version: '3'\nservices:\n  tool:\n    image: busybox:1.36\n    depends_on:\n      - db\n";
    std::fs::write(&dev, dev_text).unwrap();
    let (ub, ud) = (uri(&base), uri(&dev));
    let mut s = Server::start();
    let open = |s: &mut Server, u: &str, text: &str| {
        s.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": text}}),
        );
    };
    // `didChange` with the same text: a re-lint, as after a keystroke.
    let relint = |s: &mut Server| -> Vec<String> {
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": ud, "version": 2}, "contentChanges": [{"text": dev_text}]}),
        );
        codes(&s.diagnostics(&ud))
    };
    open(&mut s, &ud, dev_text);
    assert_eq!(codes(&s.diagnostics(&ud)), ["P101"]);
    // The base loses `db` on disk; no notification says so.
    std::fs::write(&base, without_db).unwrap();
    assert_eq!(relint(&mut s), ["P101", "S102"]);
    std::fs::write(&base, with_db).unwrap();
    assert_eq!(relint(&mut s), ["P101"]);
    // The configuration turns P101 off, then on again.
    let config = tmp.path().join("compose-lint.toml");
    std::fs::write(&config, "[rules.P101]\nseverity = \"off\"\n").unwrap();
    assert_eq!(relint(&mut s), Vec::<String>::new());
    std::fs::write(&config, "[rules.P101]\nseverity = \"info\"\n").unwrap();
    assert_eq!(relint(&mut s), ["P101"]);
    // The base, open in the editor, loses `db` without being saved.
    open(&mut s, &ub, with_db);
    let _ = s.diagnostics(&ub);
    s.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": ub, "version": 2}, "contentChanges": [{"text": without_db}]}),
    );
    assert_eq!(codes(&s.diagnostics(&ud)), ["P101", "S102"]);
    s.shutdown();
}

/// An edit re-lints the document and the open documents whose last lint
/// read it (an overlay of an edited base), not every open document.
#[test]
fn an_edit_relints_the_documents_that_read_it() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(tmp.path().join("a")).unwrap();
    std::fs::create_dir_all(tmp.path().join("b")).unwrap();
    let base = tmp.path().join("a/compose.yaml");
    let dev = tmp.path().join("a/compose.dev.yaml");
    let other = tmp.path().join("b/compose.yaml");
    let base_text = "services:\n  web:\n    image: nginx:1.27\n  db:\n    image: postgres:17\n";
    let dev_text = "services:\n  tool:\n    image: busybox:1.36\n    depends_on:\n      - db\n";
    let other_text = "services:\n  cache:\n    image: redis:7\n";
    let mut s = Server::start();
    for (p, t) in [(&base, base_text), (&dev, dev_text), (&other, other_text)] {
        std::fs::write(p, t).unwrap();
        let u = uri(p);
        s.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": t}}),
        );
        let _ = s.diagnostics(&u);
    }
    let change = |s: &mut Server, p: &Path, text: &str, version: i64| {
        s.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri(p), "version": version}, "contentChanges": [{"text": text}]}),
        );
    };
    // The unrelated file: only itself, twice (the second edit comes after
    // the first one's lints are published).
    let uo = uri(&other);
    change(&mut s, &other, other_text, 2);
    let mut published = s.published_until(&uo, 1);
    change(&mut s, &other, other_text, 3);
    published.extend(s.published_until(&uo, 1));
    assert_eq!(published, [uo.clone(), uo.clone()]);
    // The base: itself and its overlay, which now lacks `db`.
    let (ub, ud) = (uri(&base), uri(&dev));
    change(
        &mut s,
        &base,
        "services:\n  web:\n    image: nginx:1.27\n",
        2,
    );
    let mut published = s.published_until(&ub, 1);
    change(&mut s, &other, other_text, 4);
    published.extend(s.published_until(&uo, 1));
    published.sort();
    assert_eq!(published, [ud, ub, uo]);
    s.shutdown();
}

/// Hover on a value that another file also sets: which one is in effect.
#[test]
fn hover_shows_which_file_sets_a_merged_value() {
    let tmp = tempfile::tempdir().unwrap();
    let base = tmp.path().join("compose.yaml");
    let over = tmp.path().join("compose.override.yaml");
    let common = tmp.path().join("common.yaml");
    std::fs::write(
        &common,
        "services:\n  shared:\n    image: busybox:1.36\n    restart: always\n",
    )
    .unwrap();
    let base_text = "services:\n  web:\n    image: nginx:1.25\n    ports:\n      - \"8080:80\"\n  worker:\n    extends:\n      file: common.yaml\n      service: shared\n    restart: \"no\"\n";
    std::fs::write(&base, base_text).unwrap();
    let over_text = "services:\n  web:\n    image: nginx:1.27\n    ports:\n      - \"8443:443\"\n";
    std::fs::write(&over, over_text).unwrap();
    let (ub, uo) = (uri(&base), uri(&over));
    let mut s = Server::start();
    for (u, t) in [(&ub, base_text), (&uo, over_text)] {
        s.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": u, "languageId": "yaml", "version": 1, "text": t}}),
        );
        let _ = s.diagnostics(u);
    }
    let hover = |s: &mut Server, u: &str, line: u32, character: u32| -> String {
        let h = s.request(
            "textDocument/hover",
            json!({"textDocument": {"uri": u}, "position": {"line": line, "character": character}}),
        );
        h["result"]["contents"]["value"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };
    // The base's image: overridden by the overlay.
    let v = hover(&mut s, &ub, 2, 12);
    assert!(
        v.contains(
            "**`services.web.image`** in effect: `nginx:1.27`, set at `compose.override.yaml:3`"
        ),
        "{v}"
    );
    assert!(
        v.contains("- overridden: `nginx:1.25` at `compose.yaml:3`"),
        "{v}"
    );
    // The image facts still follow on an `image:` line.
    assert!(v.contains("image facts"), "{v}");
    // Lists are merged, from both files.
    let v = hover(&mut s, &uo, 3, 5);
    assert!(
        v.contains("**`services.web.ports`** is merged from 2 files")
            && v.contains("`compose.yaml:5`")
            && v.contains("`compose.override.yaml:5`"),
        "{v}"
    );
    // `extends`: the service's own value wins over its source's.
    let v = hover(&mut s, &ub, 9, 14);
    assert!(
        v.contains("in effect: `no`, set at `compose.yaml:10`")
            && v.contains("- overridden: `always` (`extends` source) at `common.yaml:4`"),
        "{v}"
    );
    // A value no other file sets has no such hover.
    let v = hover(&mut s, &ub, 6, 6);
    assert!(
        !v.contains("in effect") && !v.contains("merged from"),
        "{v}"
    );
    s.shutdown();
}

/// Neovim 0.7's built-in client receives the diagnostics.
#[test]
fn neovim_client() {
    if Command::new("nvim").arg("--version").output().is_err() {
        eprintln!("skipped: nvim is not installed (apt-get install neovim)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("diagnostics.txt");
    let status = Command::new("nvim")
        .args(["--headless", "--clean", "-c"])
        .arg(format!(
            "luafile {}",
            manifest().join("tests/lsp/print_diagnostics.lua").display()
        ))
        .env("CL_BIN", env!("CARGO_BIN_EXE_compose-lint"))
        .env("CL_FILE", manifest().join(SEED))
        .env("CL_OUT", &out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "{status}");
    let got = std::fs::read_to_string(&out).unwrap();
    let lines: Vec<&str> = got.lines().collect();
    assert_eq!(lines.len(), 16, "{got}");
    assert!(lines.contains(&"4:1 P101"), "{got}");
    assert!(lines.contains(&"12:17 M101"), "{got}");
}
