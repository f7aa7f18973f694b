//! `compose-lint lsp`: a language server over standard input and output.
//!
//! Diagnostics come from the same engine and the same project inference as
//! the command line (`discover::jobs_for_file`: an overlay is linted on top
//! of its base, a base with its `.override`), with the text of every open
//! document in place of the file on disk (`LoadOptions::texts`), so unsaved
//! edits of an overlay or a base count. The configuration file is looked up
//! for each lint, so a change to it applies at once; a change the editor
//! reports (`workspace/didChangeWatchedFiles`) re-lints every open document.
//!
//! An edit re-lints the document and the open documents whose last lint
//! read it (an overlay of an edited base), not every open document.
//!
//! A lint after an edit does only the work the edit calls for ([`Session`]):
//! the files whose text did not change are not parsed again, nor is the
//! configuration, and the edited text is parsed once (discovery reads it
//! from memory, not from disk). What is kept is keyed by the text it was
//! made from, read again for every lint, so nothing goes stale when a file
//! changes on disk or in the editor; the file system's other answers are
//! kept for the length of one lint only (`fscache::scope`).
//!
//! Linting runs on a worker thread, debounced: the main loop only records
//! text and answers requests, so a large file never blocks the editor.
//! Code actions offer the fixes (safe ones first and preferred) and a
//! `disable-next-line` comment; hover shows the rule page on a finding, the
//! image facts on an `image:` line, and, on a value that an overlay, a base
//! or an `extends` source also sets, which file's value is in effect
//! ([`provenance`]).

mod provenance;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use lsp_server::{Connection, Message, Notification, Request, Response};
use lsp_types as lt;

use crate::config::Config;
use crate::diagnostic::{Applicability, Diagnostic, Severity};
use crate::discover;
use crate::image::{self, ImageOptions};
use crate::lint::{self, Selection};
use crate::load::project::{self, LoadOptions};
use crate::rules;
use crate::source::{FileId, SourceFile, SourceMap};

/// How long edits must pause before a re-lint.
const DEBOUNCE: Duration = Duration::from_millis(150);

struct Doc {
    path: PathBuf,
    text: String,
}

/// The last lint of one document.
struct Linted {
    sources: SourceMap,
    diagnostics: Vec<Diagnostic>,
}

#[derive(Default)]
struct State {
    docs: HashMap<String, Doc>,
    results: HashMap<String, Linted>,
    /// The Compose files (absolute) each document's last lint read, itself
    /// among them; none when it failed.
    reads: HashMap<String, HashSet<PathBuf>>,
    session: Session,
}

/// What the server keeps from one lint to the next, each piece keyed by
/// the text it was made from.
#[doc(hidden)]
#[derive(Clone, Default)]
pub struct Session {
    /// The YAML trees of the Compose files read so far.
    parses: project::ParseCache,
    /// The last configuration file read.
    config: Arc<Mutex<Option<ConfigRead>>>,
}

/// A configuration file's path, its text and what it says.
type ConfigRead = (PathBuf, String, Arc<Config>);

impl Session {
    /// The configuration that applies to `path`: the nearest config file
    /// (read again every time, parsed again only when its text changed),
    /// else the defaults.
    fn config(&self, path: &Path) -> Arc<Config> {
        let Some(file) = Config::discover(path) else {
            return Arc::default();
        };
        let Ok(text) = project::read_text(&file, 1024 * 1024) else {
            return Arc::default();
        };
        let mut kept = self.config.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((p, t, c)) = kept.as_ref() {
            if *p == file && *t == text {
                return c.clone();
            }
        }
        let cfg = Arc::new(Config::from_text(&text, &file).unwrap_or_default());
        *kept = Some((file, text, cfg.clone()));
        cfg
    }

    /// What the server does for one document after an edit (the lint of
    /// its project with `text` in place of the file, converted to LSP
    /// diagnostics): the number of diagnostics it would publish. For
    /// `cargo bench` (issue 20's editor case) and `examples/relint.rs`; the
    /// server itself adds the debounce before it.
    pub fn relint(&self, path: &Path, text: String) -> usize {
        lint_doc(self, path, vec![(path.to_path_buf(), text)])
            .1
            .len()
    }
}

type Shared = Arc<Mutex<State>>;

enum Work {
    Lint(String),
    /// The document's text changed: it and the open documents whose last
    /// lint read it.
    Changed(String),
    LintAll,
}

pub fn run() -> ExitCode {
    let (connection, io_threads) = Connection::stdio();
    let caps = lt::ServerCapabilities {
        text_document_sync: Some(lt::TextDocumentSyncCapability::Options(
            lt::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lt::TextDocumentSyncKind::FULL),
                save: Some(lt::TextDocumentSyncSaveOptions::Supported(true)),
                ..Default::default()
            },
        )),
        hover_provider: Some(lt::HoverProviderCapability::Simple(true)),
        code_action_provider: Some(lt::CodeActionProviderCapability::Simple(true)),
        ..Default::default()
    };
    let caps = serde_json::to_value(caps).expect("capabilities");
    if let Err(e) = connection.initialize(caps) {
        eprintln!("compose-lint lsp: {e}");
        return ExitCode::from(2);
    }
    let state: Shared = Arc::default();
    let (tx, rx) = crossbeam_channel::unbounded::<Work>();
    let worker = {
        let state = state.clone();
        let out = connection.sender.clone();
        std::thread::spawn(move || worker(rx, state, out))
    };
    let result = main_loop(&connection, &state, &tx);
    drop(tx);
    let _ = worker.join();
    drop(connection);
    let _ = io_threads.join();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("compose-lint lsp: {e}");
            ExitCode::from(2)
        }
    }
}

fn main_loop(conn: &Connection, state: &Shared, tx: &Sender<Work>) -> Result<(), String> {
    for msg in &conn.receiver {
        match msg {
            Message::Request(req) => {
                if conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                    return Ok(());
                }
                let resp = request(state, req);
                conn.sender
                    .send(Message::Response(resp))
                    .map_err(|e| e.to_string())?;
            }
            Message::Notification(n) => notification(state, tx, n),
            Message::Response(_) => {}
        }
    }
    Ok(())
}

fn notification(state: &Shared, tx: &Sender<Work>, n: Notification) {
    use lt::notification::Notification as _;
    match n.method.as_str() {
        lt::notification::DidOpenTextDocument::METHOD => {
            if let Ok(p) = serde_json::from_value::<lt::DidOpenTextDocumentParams>(n.params) {
                let uri = p.text_document.uri.as_str().to_string();
                if let Some(path) = uri_to_path(&uri) {
                    lock(state).docs.insert(
                        uri.clone(),
                        Doc {
                            path,
                            text: p.text_document.text,
                        },
                    );
                    let _ = tx.send(Work::Lint(uri));
                }
            }
        }
        lt::notification::DidChangeTextDocument::METHOD => {
            if let Ok(p) = serde_json::from_value::<lt::DidChangeTextDocumentParams>(n.params) {
                let uri = p.text_document.uri.as_str().to_string();
                if let Some(change) = p.content_changes.into_iter().last() {
                    if let Some(doc) = lock(state).docs.get_mut(&uri) {
                        doc.text = change.text;
                    }
                }
                // The other open files that read this one, too.
                let _ = tx.send(Work::Changed(uri));
            }
        }
        lt::notification::DidSaveTextDocument::METHOD => {
            if let Ok(p) = serde_json::from_value::<lt::DidSaveTextDocumentParams>(n.params) {
                let _ = tx.send(Work::Lint(p.text_document.uri.as_str().to_string()));
            }
        }
        lt::notification::DidCloseTextDocument::METHOD => {
            if let Ok(p) = serde_json::from_value::<lt::DidCloseTextDocumentParams>(n.params) {
                let uri = p.text_document.uri.as_str().to_string();
                let mut s = lock(state);
                s.docs.remove(&uri);
                s.results.remove(&uri);
                s.reads.remove(&uri);
            }
        }
        // compose-lint.toml (or any file the project reads) changed.
        lt::notification::DidChangeWatchedFiles::METHOD => {
            let _ = tx.send(Work::LintAll);
        }
        _ => {}
    }
}

fn lock(state: &Shared) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Lints what was asked for once edits pause, and publishes.
fn worker(rx: Receiver<Work>, state: Shared, out: Sender<Message>) {
    while let Ok(first) = rx.recv() {
        let mut all = false;
        let mut uris: Vec<String> = Vec::new();
        let mut changed: Vec<String> = Vec::new();
        let mut take = |w: Work| match w {
            Work::Lint(u) => {
                if !uris.contains(&u) {
                    uris.push(u)
                }
            }
            Work::Changed(u) => {
                if !changed.contains(&u) {
                    changed.push(u)
                }
            }
            Work::LintAll => all = true,
        };
        take(first);
        loop {
            match rx.recv_timeout(DEBOUNCE) {
                Ok(w) => take(w),
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        if all {
            uris = lock(&state).docs.keys().cloned().collect();
            uris.sort();
        } else if !changed.is_empty() {
            let s = lock(&state);
            let paths: Vec<PathBuf> = changed
                .iter()
                .filter_map(|u| s.docs.get(u))
                .map(|d| project::absolute(&d.path))
                .collect();
            let mut readers: Vec<String> = s
                .docs
                .keys()
                .filter(|u| {
                    changed.contains(u)
                        || s.reads
                            .get(*u)
                            .is_none_or(|r| paths.iter().any(|p| r.contains(p)))
                })
                .cloned()
                .collect();
            readers.sort();
            for u in readers {
                if !uris.contains(&u) {
                    uris.push(u);
                }
            }
        }
        let session = lock(&state).session.clone();
        for uri in uris {
            let Some((path, texts)) = ({
                let s = lock(&state);
                s.docs.get(&uri).map(|d| {
                    (
                        d.path.clone(),
                        s.docs
                            .values()
                            .map(|o| (o.path.clone(), o.text.clone()))
                            .collect::<Vec<_>>(),
                    )
                })
            }) else {
                continue;
            };
            session.parses.take_reads();
            let (linted, diags) = lint_doc(&session, &path, texts);
            let reads = session.parses.take_reads();
            let params = lt::PublishDiagnosticsParams {
                uri: parse_uri(&uri),
                diagnostics: diags,
                version: None,
            };
            {
                let mut s = lock(&state);
                match linted {
                    Some(l) => {
                        s.results.insert(uri.clone(), l);
                        s.reads.insert(uri.clone(), reads);
                    }
                    None => {
                        s.reads.remove(&uri);
                    }
                }
            }
            let n = Notification::new(
                <lt::notification::PublishDiagnostics as lt::notification::Notification>::METHOD
                    .to_string(),
                params,
            );
            if out.send(Message::Notification(n)).is_err() {
                return;
            }
        }
    }
}

/// Lints the project `path` belongs to, with the open documents' text: one
/// run, during which the file system is taken to hold still
/// (`fscache::scope`).
fn lint_doc(
    session: &Session,
    path: &Path,
    texts: Vec<(PathBuf, String)>,
) -> (Option<Linted>, Vec<lt::Diagnostic>) {
    crate::fscache::scope(|| lint_doc_now(session, path, texts))
}

fn lint_doc_now(
    session: &Session,
    path: &Path,
    texts: Vec<(PathBuf, String)>,
) -> (Option<Linted>, Vec<lt::Diagnostic>) {
    let opts = LoadOptions {
        texts,
        parses: Some(session.parses.clone()),
        ..Default::default()
    };
    let job = discover::jobs_for_open_file(path, &opts);
    let cfg = session.config(path);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lint::lint_job_with_images(
            &job,
            &opts,
            &cfg,
            &Selection::default(),
            &ImageOptions::default(),
        )
    }));
    let res = match result {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => {
            let d = lt::Diagnostic {
                range: lt::Range::default(),
                severity: Some(lt::DiagnosticSeverity::ERROR),
                source: Some("compose-lint".into()),
                message: e.to_string(),
                ..Default::default()
            };
            return (None, vec![d]);
        }
        Err(_) => return (None, Vec::new()),
    };
    let abs = project::absolute(path);
    let diags = res
        .diagnostics
        .iter()
        .filter(|d| project::absolute(&res.sources.get(d.span.file).path) == abs)
        .map(|d| to_lsp(&res.sources, d))
        .collect();
    (
        Some(Linted {
            sources: res.sources,
            diagnostics: res.diagnostics,
        }),
        diags,
    )
}

fn to_lsp(sources: &SourceMap, d: &Diagnostic) -> lt::Diagnostic {
    let src = sources.get(d.span.file);
    let mut message = d.message.clone();
    if let Some(h) = &d.help {
        message.push_str("\nhelp: ");
        message.push_str(h);
    }
    let name = rules::find(d.code).map(|r| r.meta.name).unwrap_or("");
    lt::Diagnostic {
        range: range(src, d.span.start as usize, d.span.end as usize),
        severity: Some(match d.severity {
            Severity::Error => lt::DiagnosticSeverity::ERROR,
            Severity::Warning => lt::DiagnosticSeverity::WARNING,
            Severity::Info => lt::DiagnosticSeverity::INFORMATION,
        }),
        code: Some(lt::NumberOrString::String(d.code.to_string())),
        code_description: (!name.is_empty()).then(|| lt::CodeDescription {
            href: parse_uri(&crate::report::rule_url(d.code, name)),
        }),
        source: Some("compose-lint".into()),
        message,
        ..Default::default()
    }
}

fn request(state: &Shared, req: Request) -> Response {
    use lt::request::Request as _;
    match req.method.as_str() {
        lt::request::CodeActionRequest::METHOD => {
            match serde_json::from_value::<lt::CodeActionParams>(req.params) {
                Ok(p) => Response::new_ok(req.id, code_actions(state, &p)),
                Err(e) => Response::new_err(req.id, -32602, e.to_string()),
            }
        }
        lt::request::HoverRequest::METHOD => {
            match serde_json::from_value::<lt::HoverParams>(req.params) {
                Ok(p) => Response::new_ok(req.id, hover(state, &p)),
                Err(e) => Response::new_err(req.id, -32602, e.to_string()),
            }
        }
        _ => Response::new_err(req.id, -32601, format!("{} is not supported", req.method)),
    }
}

/// The findings of `uri`'s last lint in its own file.
fn own<'a>(s: &'a State, uri: &str) -> Option<(&'a Linted, FileId, PathBuf)> {
    let doc = s.docs.get(uri)?;
    let linted = s.results.get(uri)?;
    let abs = project::absolute(&doc.path);
    let file = linted
        .sources
        .files()
        .find(|f| project::absolute(&f.path) == abs)?
        .id;
    Some((linted, file, doc.path.clone()))
}

// `lsp_types::WorkspaceEdit::changes` is a map keyed by `Uri`.
#[allow(clippy::mutable_key_type)]
fn code_actions(state: &Shared, p: &lt::CodeActionParams) -> Vec<lt::CodeActionOrCommand> {
    let s = lock(state);
    let uri = p.text_document.uri.as_str();
    let Some((linted, file, _)) = own(&s, uri) else {
        return Vec::new();
    };
    let own_src = linted.sources.get(file);
    let mut fixes = Vec::new();
    let mut suppress = Vec::new();
    for d in linted.diagnostics.iter().filter(|d| d.span.file == file) {
        let r = range(own_src, d.span.start as usize, d.span.end as usize);
        if r.end.line < p.range.start.line || r.start.line > p.range.end.line {
            continue;
        }
        let lsp_diag = to_lsp(&linted.sources, d);
        let mut ordered: Vec<_> = d.fixes.iter().collect();
        ordered.sort_by_key(|f| match f.applicability {
            Applicability::Safe => 0,
            Applicability::Unsafe => 1,
            Applicability::DisplayOnly => 2,
        });
        for f in ordered {
            if f.applicability == Applicability::DisplayOnly {
                continue;
            }
            let mut changes: HashMap<lt::Uri, Vec<lt::TextEdit>> = HashMap::new();
            for e in &f.edits {
                let src = linted.sources.get(e.span.file);
                let target = path_to_uri(&project::absolute(&src.path));
                changes.entry(target).or_default().push(lt::TextEdit {
                    range: range(src, e.span.start as usize, e.span.end as usize),
                    new_text: e.replacement.clone(),
                });
            }
            let safe = f.applicability == Applicability::Safe;
            fixes.push((
                !safe,
                lt::CodeAction {
                    title: if safe {
                        format!("{}: {}", d.code, f.title)
                    } else {
                        format!("{}: {} (unsafe)", d.code, f.title)
                    },
                    kind: Some(lt::CodeActionKind::QUICKFIX),
                    diagnostics: Some(vec![lsp_diag.clone()]),
                    edit: Some(lt::WorkspaceEdit {
                        changes: Some(changes),
                        ..Default::default()
                    }),
                    is_preferred: Some(safe),
                    ..Default::default()
                },
            ));
        }
        // "Disable for this line": a comment on the line above, indented
        // as the line is.
        let line = r.start.line;
        let line_text = &own_src.text[own_src.line_range(line as usize + 1)];
        let indent: String = line_text.chars().take_while(|c| *c == ' ').collect();
        let mut changes = HashMap::new();
        changes.insert(
            p.text_document.uri.clone(),
            vec![lt::TextEdit {
                range: lt::Range {
                    start: lt::Position { line, character: 0 },
                    end: lt::Position { line, character: 0 },
                },
                new_text: format!("{indent}# compose-lint: disable-next-line {}\n", d.code),
            }],
        );
        suppress.push(lt::CodeAction {
            title: format!("Disable {} for this line", d.code),
            kind: Some(lt::CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![lsp_diag]),
            edit: Some(lt::WorkspaceEdit {
                changes: Some(changes),
                ..Default::default()
            }),
            ..Default::default()
        });
    }
    fixes.sort_by_key(|(unsafe_, _)| *unsafe_);
    fixes
        .into_iter()
        .map(|(_, a)| a)
        .chain(suppress)
        .map(lt::CodeActionOrCommand::CodeAction)
        .collect()
}

fn hover(state: &Shared, p: &lt::HoverParams) -> Option<lt::Hover> {
    let uri = p.text_document_position_params.text_document.uri.as_str();
    let pos = p.text_document_position_params.position;
    let (text, path, texts, session) = {
        let s = lock(state);
        let doc = s.docs.get(uri)?;
        let texts: Vec<(PathBuf, String)> = s
            .docs
            .values()
            .map(|d| (d.path.clone(), d.text.clone()))
            .collect();
        let text = doc.text.clone();
        let path = doc.path.clone();
        // A finding here: its rule page.
        if let Some((linted, file, _)) = own(&s, uri) {
            let ftext = &linted.sources.get(file).text;
            let at = offset(ftext, pos);
            let mut parts = Vec::new();
            for d in linted.diagnostics.iter().filter(|d| {
                d.span.file == file && d.span.start as usize <= at && at <= d.span.end as usize
            }) {
                let page = rules::find(d.code).map(|r| r.meta.page).unwrap_or("");
                parts.push(format!("**{}**: {}\n\n---\n\n{}", d.code, d.message, page));
            }
            if !parts.is_empty() {
                return Some(markdown(parts.join("\n\n---\n\n")));
            }
        }
        (text, path, texts, s.session.clone())
    };
    crate::fscache::scope(|| hover_value(&session, &text, &path, texts, pos))
}

/// Hover on what is not a finding: which file's value is in effect, and
/// an image's facts.
fn hover_value(
    session: &Session,
    text: &str,
    path: &Path,
    texts: Vec<(PathBuf, String)>,
    pos: lt::Position,
) -> Option<lt::Hover> {
    let at = offset(text, pos);
    let opts = LoadOptions {
        texts,
        parses: Some(session.parses.clone()),
        ..Default::default()
    };
    let mut job = discover::jobs_for_open_file(path, &opts);
    // A base and its `.override` sibling may each be linted alone, but
    // `docker compose` loads them together: which value is in effect
    // depends on both.
    if job.inputs.len() == 1 {
        if let Some(p) = path.parent().and_then(discover::default_project) {
            let abs = project::absolute(path);
            if p.inputs.len() == 2 && p.inputs.iter().any(|i| project::absolute(&i.path) == abs) {
                job = p;
            }
        }
    }
    let loaded = project::load(&job.inputs, &opts).ok()?;
    let abs = project::absolute(path);
    let file = loaded
        .sources
        .files()
        .find(|f| project::absolute(&f.path) == abs)?
        .id;
    let mut parts = Vec::new();
    // A value that another file (an overlay, a base, an `extends` source)
    // also sets: which one is in effect.
    if let Some(p) = provenance::hover(&loaded, file, at) {
        parts.push(p);
    }
    // An `image:` key or value: the facts of the image in effect (an
    // overlay may set another one).
    let tree = loaded.trees.iter().find(|t| t.file == file);
    let path_here = tree.and_then(|t| provenance::path_at(t, at));
    if let (Some(project), Some([services, name, image])) =
        (loaded.project.as_ref(), path_here.as_deref())
    {
        if services == "services" && image == "image" {
            if let Some(service) = project.services.iter().find(|s| s.name.value == *name) {
                let (facts, _) =
                    image::resolve(project, &loaded.project_dir, None, &ImageOptions::default());
                if let Some(si) = facts.get(&service.name.value) {
                    let listing = image::listing::to_text(si, service);
                    parts.push(format!("**image facts**\n\n```text\n{listing}```"));
                }
            }
        }
    }
    (!parts.is_empty()).then(|| markdown(parts.join("\n\n---\n\n")))
}

fn markdown(value: String) -> lt::Hover {
    lt::Hover {
        contents: lt::HoverContents::Markup(lt::MarkupContent {
            kind: lt::MarkupKind::Markdown,
            value,
        }),
        range: None,
    }
}

/// A byte range as an LSP range (UTF-16 columns), by the file's line index.
fn range(src: &SourceFile, start: usize, end: usize) -> lt::Range {
    let at = |offset: usize| {
        let (line, character) = src.utf16_position(offset);
        lt::Position { line, character }
    };
    lt::Range {
        start: at(start),
        end: at(end),
    }
}

/// An LSP position as a byte offset into `text`.
fn offset(text: &str, pos: lt::Position) -> usize {
    let mut at = 0;
    for _ in 0..pos.line {
        match text[at..].find('\n') {
            Some(i) => at += i + 1,
            None => return text.len(),
        }
    }
    let mut units = 0;
    for (i, c) in text[at..].char_indices() {
        if units >= pos.character as usize || c == '\n' {
            return at + i;
        }
        units += c.len_utf16();
    }
    text.len()
}

fn parse_uri(s: &str) -> lt::Uri {
    s.parse()
        .unwrap_or_else(|_| "file:///".parse().expect("uri"))
}

/// `file:///a%20b/c.yml` as `/a b/c.yml`.
fn uri_to_path(uri: &str) -> Option<PathBuf> {
    let rest = uri.strip_prefix("file://")?;
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).ok().map(PathBuf::from)
}

fn path_to_uri(path: &Path) -> lt::Uri {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        if b.is_ascii_alphanumeric() || b"/-_.~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    parse_uri(&s)
}
