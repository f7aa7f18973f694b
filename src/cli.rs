//! The `compose-lint` command line.
//!
//! Exit status: 0 when nothing reached `--fail-on`, 1 when something did,
//! 2 when the input could not be used at all (a missing path, a bad flag, an
//! unreadable file, an invalid config) or compose-lint itself failed.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::config::{Config, FailOn};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::discover::{self, Job};
use crate::exitcode;
use crate::image::{self, ImageOptions};
use crate::lint::{self, Selection};
use crate::load::project::{self, Input, LoadOptions};
use crate::report::{self, FileNote, Format, HumanOptions, Report};
use crate::rules;
use crate::source::SourceMap;

#[derive(Parser, Debug)]
#[command(
    name = "compose-lint",
    version,
    about = "Lint Docker Compose files for the mistakes that make containers die at runtime",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    check: CheckArgs,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Lint Compose files (the default).
    Check(Box<CheckArgs>),
    /// List every rule: code, name, group, default severity, fix availability.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Print a rule's page (by code or name), or decode a container exit
    /// code (0-255) or a signal name (SIGTERM, TERM, sigkill).
    Explain {
        #[arg(allow_hyphen_values = true)]
        what: String,
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show what is known about each service's image (user, paths,
    /// entrypoint, ...) and where each fact comes from. `--format json` too.
    Images(Box<CheckArgs>),
    /// Print a shell completion script.
    Completions { shell: clap_complete::Shell },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(clap::Args, Debug)]
struct CheckArgs {
    /// Compose files or directories to lint; `-` reads standard input.
    /// Without any, lints the current directory's default project.
    paths: Vec<PathBuf>,
    /// Load these files as one project, merged in order (like `docker compose -f`).
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    files: Vec<PathBuf>,
    /// The file name to report for standard input.
    #[arg(long, value_name = "PATH")]
    stdin_filename: Option<PathBuf>,
    /// Only these rule codes, prefixes or names (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    select: Option<Vec<String>>,
    /// Skip these rule codes, prefixes or names (comma-separated).
    #[arg(long, value_delimiter = ',', value_name = "CODES")]
    ignore: Vec<String>,
    /// Which rules run: `default`, or `strict` to add the opt-in hardening
    /// rules [default: the config's `profile`, else default].
    #[arg(long, value_enum)]
    profile: Option<crate::config::Profile>,
    /// Exit with status 1 when a finding reaches this severity [default: warning].
    #[arg(long, value_enum)]
    fail_on: Option<FailOn>,
    /// Output format [default: human].
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write the report to this file (atomically) instead of standard output.
    #[arg(short = 'o', long, value_name = "FILE")]
    output: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    /// Use this config file instead of searching for compose-lint.toml.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Print only the findings, no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Print a count of findings per rule.
    #[arg(long)]
    statistics: bool,
    /// Environment file(s) for interpolation, instead of the project's `.env`.
    #[arg(long, value_name = "FILE")]
    env_file: Vec<PathBuf>,
    /// Resolve relative paths from this directory (like `docker compose --project-directory`).
    #[arg(long, value_name = "DIR")]
    project_directory: Option<PathBuf>,
    /// Referenced files outside this directory are not read [default: the enclosing git work tree].
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// Largest Compose file read, in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 * 1024 * 1024)]
    max_file_size: u64,
    /// Most services checked in one project; the rest are reported (S011) and skipped.
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    max_services: usize,
    /// Read image facts from this `docker save` or OCI layout archive (repeatable).
    #[arg(long, value_name = "PATH")]
    image_archive: Vec<PathBuf>,
    /// Read images present in the local Docker engine (respects DOCKER_HOST; never pulls).
    #[arg(long)]
    engine: bool,
    /// Extra image facts files in the rules/images format, consulted before the built-in ones.
    #[arg(long, value_name = "DIR")]
    image_facts: Vec<PathBuf>,
}

/// The image sources the command line names; archives and facts
/// directories are read here, once, so that a broken one is exit 2.
fn image_options(args: &CheckArgs) -> Result<ImageOptions, ExitCode> {
    let mut opts = ImageOptions {
        engine: args.engine,
        ..Default::default()
    };
    for p in &args.image_archive {
        let images =
            image::archive::read_file(p).map_err(|e| fail(format!("image archive {e}")))?;
        opts.archives.extend(images.into_iter().map(Arc::new));
    }
    for d in &args.image_facts {
        let cat =
            image::builtin::Catalog::load_dir(d).map_err(|e| fail(format!("image facts {e}")))?;
        opts.catalogs.push(Arc::new(cat));
    }
    Ok(opts)
}

/// Prints a usage-level error and returns exit status 2.
/// The message is sanitized: it may name a file from the linted tree.
fn fail(message: impl std::fmt::Display) -> ExitCode {
    eprintln!(
        "compose-lint: error: {}",
        report::sanitize::text(&message.to_string())
    );
    ExitCode::from(2)
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Check(args)) => check(*args),
        None => check(cli.check),
        Some(Command::Rules { format }) => list_rules(format),
        Some(Command::Explain { what, format }) => explain(&what, format),
        Some(Command::Images(args)) => images(*args),
        Some(Command::Completions { shell }) => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "compose-lint",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
    }
}

fn list_rules(format: ListFormat) -> ExitCode {
    let fix = |f: rules::FixAvailability| match f {
        rules::FixAvailability::None => "no",
        rules::FixAvailability::Sometimes => "sometimes",
        rules::FixAvailability::Always => "yes",
    };
    let mut out = String::new();
    match format {
        ListFormat::Text => {
            out.push_str(&format!(
                "{:<6} {:<28} {:<12} {:<9} {:<9} {:<8} {}\n",
                "CODE", "NAME", "GROUP", "SEVERITY", "FIX", "PROFILE", "SUMMARY"
            ));
            for r in rules::sorted() {
                let m = &r.meta;
                out.push_str(&format!(
                    "{:<6} {:<28} {:<12} {:<9} {:<9} {:<8} {}\n",
                    m.code,
                    m.name,
                    m.group.name(),
                    m.default_severity.as_str(),
                    fix(m.fix),
                    r.profile.as_str(),
                    m.summary
                ));
            }
        }
        ListFormat::Json => {
            let list: Vec<_> = rules::sorted()
                .into_iter()
                .map(|r| {
                    serde_json::json!({
                        "code": r.meta.code,
                        "name": r.meta.name,
                        "group": r.meta.group.name(),
                        "severity": r.meta.default_severity.as_str(),
                        "fix": fix(r.meta.fix),
                        "profile": r.profile.as_str(),
                        "summary": r.meta.summary,
                    })
                })
                .collect();
            out = serde_json::to_string_pretty(&list).expect("json") + "\n";
        }
    }
    print_or_fail(&out)
}

fn print_or_fail(text: &str) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|_| stdout.flush())
    {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// `explain`: a rule's page, or the reading of an exit code or signal.
fn explain(what: &str, format: ListFormat) -> ExitCode {
    if let Some(rule) = rules::find(what) {
        return match format {
            ListFormat::Text => print_or_fail(rule.meta.page),
            ListFormat::Json => {
                let m = &rule.meta;
                let v = serde_json::json!({
                    "code": m.code,
                    "name": m.name,
                    "group": m.group.name(),
                    "severity": m.default_severity.as_str(),
                    "summary": m.summary,
                    "exit_codes": m.exit_codes,
                    "page": m.page,
                });
                print_or_fail(&(serde_json::to_string_pretty(&v).expect("json") + "\n"))
            }
        };
    }
    let Some(query) = exitcode::parse_query(what) else {
        return fail(format!(
            "`{what}` is not a rule code or name, an exit code from 0 to 255, or a signal name; \
             `compose-lint explain` accepts a rule (`X101`, `pid1-signal-forwarding`; `compose-lint rules` lists them), \
             an exit code (`137`), or a signal (`SIGTERM`, `TERM`, `sigkill`)"
        ));
    };
    let info = exitcode::info(query.code());
    match format {
        ListFormat::Text => {
            let mut text = String::new();
            if let exitcode::Query::Signal(n) = query {
                text.push_str(&format!(
                    "{} is signal {n}: a process it kills exits with 128 + {n} = {}.\n\n",
                    exitcode::signal_name(n).unwrap_or("?"),
                    query.code()
                ));
            }
            text.push_str(&exitcode::render_text(&info));
            print_or_fail(&text)
        }
        ListFormat::Json => {
            let mut v = exitcode::to_json(&info);
            if let exitcode::Query::Signal(n) = query {
                v["query"] = serde_json::json!({"signal": exitcode::signal_name(n), "number": n});
            }
            print_or_fail(&(serde_json::to_string_pretty(&v).expect("json") + "\n"))
        }
    }
}

fn check(args: CheckArgs) -> ExitCode {
    // A typo in `--select` or `--ignore` must not silently turn checks off,
    // as an unknown code in the config does not.
    for (flag, sel) in args
        .select
        .iter()
        .flatten()
        .map(|s| ("--select", s))
        .chain(args.ignore.iter().map(|s| ("--ignore", s)))
    {
        if !crate::config::is_known_selector(sel) {
            return fail(format!(
                "{flag}: unknown rule code, prefix or name `{sel}` (see `compose-lint rules`)"
            ));
        }
    }
    // The explicit config, or the one found from the current directory; a
    // job's own files may find a nearer one.
    let explicit_config = match &args.config {
        Some(p) => match Config::load(p) {
            Ok(c) => Some(c),
            Err(e) => return fail(e),
        },
        None => None,
    };
    let jobs = match plan(&args) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let image_opts = match image_options(&args) {
        Ok(o) => o,
        Err(code) => return code,
    };

    let load_opts = load_options(&args);
    let selection = Selection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };

    // Resolve each job's config up front so that a broken one is exit 2.
    let mut configs: Vec<Config> = Vec::with_capacity(jobs.len());
    let mut cache: Vec<(PathBuf, Config)> = Vec::new();
    for job in &jobs {
        let cfg = match &explicit_config {
            Some(c) => c.clone(),
            None => match Config::discover(&job.inputs[0].path) {
                None => Config::default(),
                Some(p) => match cache.iter().find(|(q, _)| *q == p) {
                    Some((_, c)) => c.clone(),
                    None => match Config::load(&p) {
                        Ok(c) => {
                            cache.push((p, c.clone()));
                            c
                        }
                        Err(e) => return fail(e),
                    },
                },
            },
        };
        let mut cfg = cfg;
        if args.profile.is_some() {
            cfg.profile = args.profile;
        }
        configs.push(cfg);
    }
    let first_config = configs.first().cloned().unwrap_or_default();
    let fail_on = args
        .fail_on
        .or(first_config.fail_on)
        .unwrap_or(FailOn::Warning);
    let format = match args.format {
        Some(f) => f,
        None => match first_config.format.as_deref() {
            None => Format::Human,
            Some(name) => match Format::from_str(name, true) {
                Ok(f) => f,
                Err(_) => return fail(format!("config: unknown format `{name}`")),
            },
        },
    };

    let results: Vec<_> = jobs
        .par_iter()
        .zip(configs.par_iter())
        .map(|(job, cfg)| {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                lint::lint_job_with_images(job, &load_opts, cfg, &selection, &image_opts)
            }));
            (job, r)
        })
        .collect();

    let mut sources = SourceMap::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut notes: Vec<FileNote> = Vec::new();
    let mut files_checked = 0;
    let mut hard_failure = false;
    for (job, r) in results {
        match r {
            Ok(Ok(res)) => {
                let offset = sources.append(res.sources);
                for mut d in res.diagnostics {
                    d.shift_files(offset);
                    diagnostics.push(d);
                }
                notes.extend(res.notes);
                files_checked += res.files_checked;
            }
            Ok(Err(fatal)) => {
                eprintln!(
                    "compose-lint: error: {}",
                    report::sanitize::text(&fatal.to_string())
                );
                hard_failure = true;
            }
            Err(_) => {
                eprintln!(
                    "compose-lint: internal error while linting {}; please report this at the project's issue tracker with the file",
                    report::sanitize::path(&job.inputs[0].path)
                );
                hard_failure = true;
            }
        }
    }
    lint::sort(&mut diagnostics, &sources);

    let color = match args.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            args.output.is_none()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    let metas = rules::all_meta();
    let report = Report {
        sources: &sources,
        diagnostics: &diagnostics,
        rules: &metas,
        notes: &notes,
        files_checked,
    };
    if hard_failure && files_checked == 0 {
        // Nothing could be linted; the errors are on stderr already.
        return ExitCode::from(2);
    }
    let mut buf = Vec::new();
    let human = HumanOptions {
        color,
        quiet: args.quiet,
        statistics: args.statistics,
    };
    if let Err(e) = report::render(format, &report, &human, &mut buf) {
        return fail(e);
    }
    let written = match &args.output {
        Some(path) => write_atomically(path, &buf),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&buf).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        }
    };
    if let Err(e) = written {
        return fail(e);
    }

    if hard_failure {
        ExitCode::from(2)
    } else if diagnostics.iter().any(|d| fail_on.fails(d.severity)) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `compose-lint images`: each service's image facts and their evidence.
fn images(args: CheckArgs) -> ExitCode {
    let json = match args.format {
        None | Some(Format::Human) => false,
        Some(Format::Json) => true,
        Some(_) => return fail("`images` prints --format human or json"),
    };
    let jobs = match plan(&args) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let image_opts = match image_options(&args) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let load_opts = load_options(&args);
    let mut text = String::new();
    let mut docs = Vec::new();
    let mut hard_failure = false;
    for job in &jobs {
        let loaded = match project::load(&job.inputs, &load_opts) {
            Ok(l) => l,
            Err(e) => {
                eprintln!(
                    "compose-lint: error: {}",
                    report::sanitize::text(&e.to_string())
                );
                hard_failure = true;
                continue;
            }
        };
        let Some(project) = &loaded.project else {
            continue;
        };
        let (facts, _) = image::resolve(
            project,
            &loaded.project_dir,
            load_opts.root.as_deref(),
            &image_opts,
        );
        let file = report::sanitize::path(&job.inputs[0].path);
        let mut services = Vec::new();
        if !json {
            text.push_str(&format!("{file}\n"));
        }
        for service in &project.services {
            let Some(si) = facts.get(&service.name.value) else {
                continue;
            };
            if json {
                services.push(image::listing::to_json(si, service));
            } else {
                text.push_str(&image::listing::to_text(si, service));
            }
        }
        if json {
            docs.push(serde_json::json!({"file": file, "services": services}));
        }
    }
    if json {
        // Through the safe writer: image facts quote the Compose file and
        // the Dockerfile, so a `##[` or an ESC in them must not reach a log.
        let mut buf = Vec::new();
        if let Err(e) = report::sanitize::write_json(&mut buf, &docs) {
            return fail(e);
        }
        text = String::from_utf8(buf).expect("JSON is UTF-8");
    }
    let code = print_or_fail(&text);
    if hard_failure {
        ExitCode::from(2)
    } else {
        code
    }
}

/// How to load, as `check` and `images` both take it from the flags.
fn load_options(args: &CheckArgs) -> LoadOptions {
    LoadOptions {
        env_files: args.env_file.clone(),
        root: args.root.clone(),
        project_dir: args.project_directory.clone(),
        limits: project::Limits {
            max_file_bytes: args.max_file_size,
            max_services: args.max_services,
            ..Default::default()
        },
        env: None,
    }
}

/// Writes to a temporary file beside `path`, then renames it into place, so
/// that a reader never sees half a report.
fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (tmp_path, mut file) = tempfile_in(&dir)?;
    // Whatever fails (a full disk, a rename onto a directory), the
    // temporary file does not stay behind.
    let result = file
        .write_all(data)
        .and_then(|_| file.sync_all())
        .and_then(|_| {
            drop(file);
            std::fs::rename(&tmp_path, path)
        });
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp_path);
    }
    result
}

fn tempfile_in(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    for i in 0..100u32 {
        let p = dir.join(format!(".compose-lint-{}-{i}.tmp", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
        {
            Ok(f) => return Ok((p, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("could not create a temporary file"))
}

/// Turns the command line into jobs, or an exit status for unusable input.
fn plan(args: &CheckArgs) -> Result<Vec<Job>, ExitCode> {
    if !args.files.is_empty() {
        let mut inputs = Vec::new();
        for f in &args.files {
            inputs.push(input_for(f, args)?);
        }
        if !args.paths.is_empty() {
            return Err(fail("give files either with -f or as arguments, not both"));
        }
        return Ok(vec![Job {
            inputs,
            report_only: None,
            overlay_of: None,
            maybe_overlay: false,
        }]);
    }
    if args.paths.is_empty() {
        if let Ok(list) = std::env::var("COMPOSE_FILE") {
            let sep = std::env::var("COMPOSE_PATH_SEPARATOR").ok();
            let files = project::split_compose_file_var(&list, sep.as_deref());
            if !files.is_empty() {
                let mut inputs = Vec::new();
                for f in &files {
                    inputs.push(input_for(f, args)?);
                }
                return Ok(vec![Job {
                    inputs,
                    report_only: None,
                    overlay_of: None,
                    maybe_overlay: false,
                }]);
            }
        }
        return match discover::default_project(Path::new(".")) {
            Some(job) => Ok(vec![job]),
            None => Err(fail(format!(
                "no Compose file found in the current directory (looked for {})",
                discover::DEFAULT_NAMES.join(", ")
            ))),
        };
    }
    let mut jobs = Vec::new();
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let input = input_for(p, args)?;
            jobs.push(Job {
                inputs: vec![input],
                report_only: None,
                overlay_of: None,
                maybe_overlay: true,
            });
            continue;
        }
        let meta =
            std::fs::metadata(p).map_err(|e| fail(format!("{}: {}", p.display(), io_text(&e))))?;
        if meta.is_dir() {
            // An explicit directory without a single Compose file is most
            // likely a wrong path; passing it silently would hide that.
            let found = discover::walk(p);
            if found.is_empty() {
                return Err(fail(format!(
                    "no Compose file found under {} (looked for compose*.y(a)ml and docker-compose*.y(a)ml)",
                    p.display()
                )));
            }
            jobs.extend(found);
        } else {
            jobs.push(discover::jobs_for_file(p));
        }
    }
    Ok(jobs)
}

fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

fn input_for(p: &Path, args: &CheckArgs) -> Result<Input, ExitCode> {
    if p.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .lock()
            .take(args.max_file_size + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| fail(format!("standard input: {e}")))?;
        if bytes.len() as u64 > args.max_file_size {
            return Err(fail(format!(
                "standard input is more than the limit of {} bytes",
                args.max_file_size
            )));
        }
        let text = project::decode(bytes).map_err(|m| fail(format!("standard input {m}")))?;
        let path = args
            .stdin_filename
            .clone()
            .unwrap_or_else(|| PathBuf::from("<stdin>"));
        return Ok(Input {
            path,
            text: Some(text),
        });
    }
    Ok(Input {
        path: p.to_path_buf(),
        text: None,
    })
}
