//! The `compose-lint` command line.
//!
//! Exit status: 0 when nothing reached `--fail-on`, 1 when something did,
//! 2 when the input could not be used at all (a missing path, a bad flag, an
//! unreadable file, an invalid config) or compose-lint itself failed.

use std::ffi::OsString;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use crate::config::{Config, FailOn};
use std::sync::{Arc, Mutex, OnceLock};

use crate::diagnostic::Diagnostic;
use crate::discover::{self, Job};
use crate::exitcode;
use crate::fasthash::Map;
use crate::fix;
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
    /// Run the language server over standard input and output (for editors).
    Lsp,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum OutputStyle {
    Full,
    Concise,
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
    /// How the human format looks: `full` (code frames, help, fixes) or
    /// `concise` (one line per finding).
    #[arg(long, value_enum, default_value_t = OutputStyle::Full)]
    output_format: OutputStyle,
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
    /// Lint each file as an overlay of this base file (repeatable; in
    /// order, as with `docker compose -f BASE -f FILE`), instead of
    /// inferring its base.
    #[arg(long, value_name = "FILE")]
    base: Vec<PathBuf>,
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
    /// Read image facts from the image's registry, through the facts cache
    /// (the only flag that uses the network; also `pull = true` in the config).
    #[arg(long)]
    pull: bool,
    /// Read image facts from the facts cache only, as `--pull` left it: no network.
    #[arg(long)]
    offline: bool,
    /// Extra image facts files in the rules/images format, consulted before the built-in ones.
    #[arg(long, value_name = "DIR")]
    image_facts: Vec<PathBuf>,
    /// Apply the safe fixes to the files (atomically), then report what is
    /// left. With `-`, the fixed text goes to standard output and the report
    /// to standard error.
    #[arg(long)]
    fix: bool,
    /// With `--fix` or `--diff`, apply the unsafe fixes as well (they change
    /// behaviour: read each one).
    #[arg(long)]
    unsafe_fixes: bool,
    /// Print the fixes as a unified diff and write nothing; exit 1 when
    /// there is something to fix.
    #[arg(long)]
    diff: bool,
}

/// The image sources the command line names; archives and facts
/// directories are read here, once, so that a broken one is exit 2.
fn image_options(args: &CheckArgs) -> Result<ImageOptions, ExitCode> {
    let mut opts = ImageOptions {
        engine: args.engine,
        engine_here: args.engine && image::engine::runs_here(),
        pull: args.pull || args.offline,
        offline: args.offline,
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
        Some(Command::Lsp) => crate::lsp::run(),
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
                "{:<6} {:<28} {:<12} {:<8} {:<22} {:<9} {:<8} {}\n",
                "CODE", "NAME", "GROUP", "DEFAULT", "LEVELS", "FIX", "PROFILE", "SUMMARY"
            ));
            for r in rules::sorted() {
                let m = &r.meta;
                out.push_str(&format!(
                    "{:<6} {:<28} {:<12} {:<8} {:<22} {:<9} {:<8} {}\n",
                    m.code,
                    m.name,
                    m.group.name(),
                    m.default_severity.as_str(),
                    levels(m),
                    fix(m.fix),
                    r.profile.as_str(),
                    m.summary
                ));
                if !m.levels_why.is_empty() {
                    out.push_str(&format!("{:<48} levels: {}\n", "", m.levels_why));
                }
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
                        "levels": r.meta.levels.iter().map(|l| l.as_str()).collect::<Vec<_>>(),
                        "levels_why": r.meta.levels_why,
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

/// A rule page: on a terminal, laid out for it and shown through the pager
/// (`$PAGER`, else `less -R`); piped, the Markdown as it is.
fn page_or_print(page: &str) -> ExitCode {
    if !std::io::stdout().is_terminal() {
        return print_or_fail(page);
    }
    let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut text = report::markdown::render_terminal(page, terminal_width(true).max(40), color);
    text.push('\n');
    let pager = std::env::var("PAGER")
        .ok()
        .filter(|p| !p.trim().is_empty())
        .unwrap_or_else(|| "less -R".to_string());
    let mut words = pager.split_whitespace();
    let Some(program) = words.next() else {
        return print_or_fail(&text);
    };
    let child = std::process::Command::new(program)
        .args(words)
        .stdin(std::process::Stdio::piped())
        .spawn();
    match child {
        Ok(mut child) => {
            if let Some(mut stdin) = child.stdin.take() {
                // The reader may quit before reading it all.
                let _ = stdin.write_all(text.as_bytes());
            }
            let _ = child.wait();
            ExitCode::SUCCESS
        }
        Err(_) => print_or_fail(&text),
    }
}

/// The levels a rule can report at, default first: `error,warning`.
fn levels(m: &rules::RuleMeta) -> String {
    m.levels
        .iter()
        .map(|l| l.as_str())
        .collect::<Vec<_>>()
        .join(",")
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
            ListFormat::Text => page_or_print(rule.meta.page),
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

/// A job's lint: its result and fixes, its fatal error, or the panic
/// caught while linting it.
type Linted = std::thread::Result<Result<(lint::JobResult, Option<JobFixes>), project::FatalError>>;

/// What a job linted while planning gave: its config, and its lint when
/// the config could be read.
type Early = (Result<Config, String>, Option<Linted>);

fn check(args: CheckArgs) -> ExitCode {
    // A batch run: the file system is taken to hold still while it runs.
    crate::fscache::enable();
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
    let load_opts = load_options(&args);
    let selection = Selection {
        select: args.select.clone(),
        ignore: args.ignore.clone(),
    };
    let fix_opts = (args.fix || args.diff).then_some(fix::Options {
        unsafe_fixes: args.unsafe_fixes,
    });

    // Each job's config: the explicit one, else the nearest to its first
    // file (each file read once for the run). A broken one is exit 2,
    // reported for the first job that finds it.
    let config_of = |job: &Job| -> Result<Config, String> {
        let mut cfg = match &explicit_config {
            Some(c) => c.clone(),
            None => match Config::discover(&job.inputs[0].path) {
                None => Config::default(),
                Some(p) => Config::load_once(&p)?,
            },
        };
        if args.profile.is_some() {
            cfg.profile = args.profile;
        }
        Ok(cfg)
    };
    // `[bases]` in a job's config names its bases (`--base` wins).
    let cwd: OnceLock<PathBuf> = OnceLock::new();
    let with_bases = |job: Job, cfg: &Config| -> Job {
        if !args.base.is_empty() || cfg.bases.is_empty() {
            return job;
        }
        let file = match (&job.report_only, job.inputs.as_slice()) {
            (Some(only), _) if only.len() == 1 => only[0].clone(),
            (None, [one]) if one.text.is_none() => one.path.clone(),
            _ => return job,
        };
        let cwd = cwd.get_or_init(|| std::env::current_dir().unwrap_or_default());
        let bases: Vec<PathBuf> = cfg
            .bases_for(&file)
            .into_iter()
            .map(|b| b.strip_prefix(cwd).map(Path::to_path_buf).unwrap_or(b))
            .collect();
        if bases.is_empty() {
            return job;
        }
        discover::Repository::new(Path::new(".")).job_for(&file, &bases)
    };
    let lint_one = |job: &Job, cfg: &Config, image_opts: &ImageOptions| -> Linted {
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let res = lint::lint_job_with_images(job, &load_opts, cfg, &selection, image_opts)?;
            let Some(opts) = fix_opts else {
                return Ok::<_, project::FatalError>((res, None));
            };
            let relint = |texts: &[(PathBuf, String)]| {
                let mut lo = load_opts.clone();
                lo.texts = texts.to_vec();
                lint::lint_job_with_images(job, &lo, cfg, &selection, image_opts)
                    .map_err(|e| e.to_string())
            };
            let out = fix::run(res, opts, &relint);
            let fixed = JobFixes {
                changes: out.changes,
                applied: out.applied,
                refused: out.refused,
            };
            Ok((out.result, Some(fixed)))
        }))
    };

    // With nothing that may fail or reach out before the lint (image
    // archives and facts folders are read, `--pull`, `--offline` and
    // `--engine` ask registries or the engine), a named file is linted as
    // soon as its job is planned, while other files are still read and
    // planned: the cores do not wait for the slowest repository at each
    // step. What the lint then reads of the first config (`pull`) is taken
    // to be off; a config that turns it on has every job linted again.
    let early_ok = args.image_archive.is_empty()
        && args.image_facts.is_empty()
        && !args.pull
        && !args.offline
        && !args.engine;
    // With none of those flags, the images are the built-in facts alone:
    // what `image_options` gives, without asking anything.
    let plain_images = ImageOptions::default();
    let early = |job: Job| -> (Job, Early) {
        match config_of(&job) {
            Ok(cfg) => {
                let job = with_bases(job, &cfg);
                let linted = lint_one(&job, &cfg, &plain_images);
                (job, (Ok(cfg), Some(linted)))
            }
            Err(e) => (job, (Err(e), None)),
        }
    };
    let sink: Option<&(dyn Fn(Job) -> (Job, Early) + Sync)> =
        if early_ok { Some(&early) } else { None };
    let (jobs, early_done) = match plan(&args, sink) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let mut image_opts = match image_options(&args) {
        Ok(o) => o,
        Err(code) => return code,
    };

    // Every job's config, in order: those linted early have theirs; the
    // others' are found on both cores when there are many.
    let (early_configs, mut linted): (Vec<_>, Vec<Option<Linted>>) = early_done
        .into_iter()
        .map(|e| match e {
            Some((cfg, linted)) => (Some(cfg), linted),
            None => (None, None),
        })
        .unzip();
    let config_at = |(i, cfg): (usize, Option<Result<Config, String>>)| {
        cfg.unwrap_or_else(|| config_of(&jobs[i]))
    };
    let found: Vec<Result<Config, String>> = if jobs.len() > 1 {
        early_configs
            .into_par_iter()
            .enumerate()
            .map(config_at)
            .collect()
    } else {
        early_configs
            .into_iter()
            .enumerate()
            .map(config_at)
            .collect()
    };
    let mut configs: Vec<Config> = Vec::with_capacity(jobs.len());
    for cfg in found {
        match cfg {
            Ok(cfg) => configs.push(cfg),
            Err(e) => return fail(e),
        }
    }
    // A job linted early has its `[bases]` applied already (and a lint:
    // its config was read); the others get theirs now.
    let mut jobs = jobs;
    for (job, (cfg, linted)) in jobs.iter_mut().zip(configs.iter().zip(&linted)) {
        if linted.is_none() {
            *job = with_bases(std::mem::take(job), cfg);
        }
    }
    let first_config = configs.first().cloned().unwrap_or_default();
    image_opts.pull |= first_config.pull;
    if image_opts.pull && !args.pull {
        // Linted early without pulling: the first config asks to pull.
        linted.iter_mut().for_each(|l| *l = None);
    }
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

    // One job runs on this thread: starting the thread pool would cost
    // more than linting a small file.
    let rest: Vec<usize> = (0..jobs.len()).filter(|&i| linted[i].is_none()).collect();
    let lint_at = |&i: &usize| (i, lint_one(&jobs[i], &configs[i], &image_opts));
    let late: Vec<(usize, Linted)> = if rest.len() <= 1 {
        rest.iter().map(lint_at).collect()
    } else {
        rest.par_iter().map(lint_at).collect()
    };
    for (i, l) in late {
        linted[i] = Some(l);
    }
    let results = jobs
        .iter()
        .zip(linted)
        .map(|(job, l)| (job, l.expect("every job was linted")));

    let mut sources = SourceMap::new();
    let mut diagnostics: Vec<Diagnostic> = Vec::new();
    let mut notes: Vec<FileNote> = Vec::new();
    let mut files_checked = 0;
    let mut hard_failure = false;
    let mut fixes = FixTotals::default();
    for (job, r) in results {
        match r {
            Ok(Ok((res, fixed))) => {
                if let Some(f) = fixed {
                    fixes.add(job, f);
                }
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
    lint::sort_and_dedup(&mut diagnostics, &sources);

    if args.diff {
        return print_diff(&fixes, hard_failure, args.quiet);
    }
    // Written before the report, which is of the fixed files.
    let mut stdin_text = None;
    if args.fix {
        match write_fixes(&fixes, args.quiet) {
            Ok(t) => stdin_text = t,
            Err(()) => hard_failure = true,
        }
        // Standard input comes back on standard output, fixed or not.
        if stdin_text.is_none() {
            stdin_text = jobs
                .iter()
                .flat_map(|j| &j.inputs)
                .find_map(|i| i.text.as_deref())
                .map(with_stdin_bom);
        }
    }

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
    let human = HumanOptions {
        color,
        quiet: args.quiet,
        statistics: args.statistics,
        concise: args.output_format == OutputStyle::Concise,
        width: terminal_width(args.output.is_none()),
    };
    // A report file is written whole or not at all, and the report that
    // goes beside fixed standard input waits for it; otherwise the report
    // streams to standard output (megabytes of findings need not be held).
    let buffered = args.output.is_some() || stdin_text.is_some();
    let written = if buffered {
        let mut buf = Vec::with_capacity(report::size_hint(format, &report));
        if let Err(e) = report::render(format, &report, &human, &mut buf) {
            return fail(e);
        }
        match &args.output {
            Some(path) => write_atomically(path, &buf),
            // The fixed text of standard input is standard output; the
            // report goes beside it, to standard error.
            None => {
                let mut out = std::io::stdout().lock();
                let text = stdin_text.as_deref().unwrap_or_default();
                let _ = out.write_all(text.as_bytes()).and_then(|_| out.flush());
                let mut err = std::io::stderr().lock();
                err.write_all(&buf).and_then(|_| err.flush())
            }
        }
    } else {
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock());
        match report::render(format, &report, &human, &mut out).and_then(|_| out.flush()) {
            Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
            other => other,
        }
    };
    if let Err(e) = written {
        return fail(e);
    }
    if let (Some(text), Some(_)) = (&stdin_text, &args.output) {
        print_or_fail(text);
    }

    let code = if hard_failure {
        ExitCode::from(2)
    } else if diagnostics.iter().any(|d| fail_on.fails(d.severity)) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    // Thousands of findings and large files are left for the exit to release.
    if crate::fscache::leave_to_exit(sources.files().map(|f| f.text.len()).sum()) {
        std::mem::forget(diagnostics);
        std::mem::forget(sources);
    }
    code
}

/// The columns to wrap to: `COLUMNS`, else the terminal's width when
/// writing to one, else 0 (the human format's default, 100).
fn terminal_width(to_stdout: bool) -> usize {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return n;
    }
    if to_stdout && std::io::stdout().is_terminal() {
        if let Some((terminal_size::Width(w), _)) = terminal_size::terminal_size() {
            return w as usize;
        }
    }
    0
}

/// What `--fix` or `--diff` did to one job's files.
struct JobFixes {
    changes: Vec<fix::Change>,
    applied: Vec<fix::FixNote>,
    refused: Vec<fix::FixNote>,
}

/// The fixes of every job. A file that two jobs both change (an `extends`
/// source shared by two projects) keeps the first job's text; the second
/// job's fixes there are refused, and a second run applies them.
#[derive(Default)]
struct FixTotals {
    /// By absolute path: the change, and whether it is standard input.
    changes: Vec<(PathBuf, fix::Change, bool)>,
    applied: Vec<fix::FixNote>,
    refused: Vec<fix::FixNote>,
}

impl FixTotals {
    fn add(&mut self, job: &Job, f: JobFixes) {
        let stdin: Vec<PathBuf> = job
            .inputs
            .iter()
            .filter(|i| i.text.is_some())
            .map(|i| project::absolute(&i.path))
            .collect();
        let mut clashed = false;
        for c in f.changes {
            let abs = project::absolute(&c.path);
            match self.changes.iter().find(|(p, _, _)| *p == abs) {
                Some((_, prev, _)) if prev.after == c.after => {}
                Some(_) => clashed = true,
                None => {
                    let is_stdin = stdin.contains(&abs);
                    self.changes.push((abs, c, is_stdin));
                }
            }
        }
        if clashed {
            self.refused.extend(f.applied.into_iter().map(|n| {
                fix::FixNote {
                    reason: Some(
                        "another project fixes the same file differently; run compose-lint again"
                            .into(),
                    ),
                    ..n
                }
            }));
        } else {
            self.applied.extend(f.applied);
        }
        // Two findings through one anchor are refused at the same place,
        // for the same reason: said once.
        for r in f.refused {
            if !self.refused.contains(&r) {
                self.refused.push(r);
            }
        }
    }

    /// `Fixed 3 findings in 2 files.` (or `Would fix`), then one line per
    /// fix that was refused, with the reason, on standard error.
    fn tell(&self, would: bool, quiet: bool) {
        let mut err = std::io::stderr().lock();
        if !quiet || !self.refused.is_empty() {
            for r in &self.refused {
                let _ = writeln!(
                    err,
                    "compose-lint: not fixed: {}:{}: {} {}: {}",
                    report::sanitize::path(&r.path),
                    r.line,
                    r.code,
                    report::sanitize::text(&r.title),
                    report::sanitize::text(r.reason.as_deref().unwrap_or(""))
                );
            }
        }
        if quiet {
            return;
        }
        // An unsafe fix changes behaviour: each is named, with its warning.
        for a in &self.applied {
            if a.applicability == crate::diagnostic::Applicability::Unsafe {
                let _ = writeln!(
                    err,
                    "compose-lint: {} (unsafe): {}:{}: {} {}",
                    if would { "would apply" } else { "applied" },
                    report::sanitize::path(&a.path),
                    a.line,
                    a.code,
                    report::sanitize::text(&a.title)
                );
            }
        }
        let n = self.applied.len();
        let files = self.changes.len();
        if n == 0 {
            return;
        }
        let verb = if would { "Would fix" } else { "Fixed" };
        let _ = writeln!(
            err,
            "{verb} {n} finding{} in {files} file{}.",
            if n == 1 { "" } else { "s" },
            if files == 1 { "" } else { "s" }
        );
    }
}

/// `--diff`: the diff of every file a fix changes on standard output.
/// Exit 1 when there is one (as `ruff check --diff`), 2 after a failure.
fn print_diff(fixes: &FixTotals, hard_failure: bool, quiet: bool) -> ExitCode {
    let mut text: String = fixes
        .changes
        .iter()
        .map(|(_, c, _)| fix::diff::unified(c))
        .collect();
    // On a terminal, escape sequences and invisible characters from the
    // file are shown, not obeyed; piped, the diff stays exact for `git
    // apply`. (Each line starts with ` `, `+`, `-` or `@`, so no line can
    // start a CI workflow command.)
    if std::io::stdout().is_terminal() {
        text = text
            .split_inclusive('\n')
            .map(|l| {
                let body = l.trim_end_matches(['\n', '\r']);
                format!("{}{}", report::sanitize::text(body), &l[body.len()..])
            })
            .collect();
    }
    let code = print_or_fail(&text);
    fixes.tell(true, quiet);
    if hard_failure {
        ExitCode::from(2)
    } else if code != ExitCode::SUCCESS {
        code
    } else if fixes.changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `--fix`: writes each changed file, atomically, unless it changed on
/// disk since it was read. Returns the fixed text of standard input, if it
/// was fixed; `Err` after a file could not be written (already reported).
fn write_fixes(fixes: &FixTotals, quiet: bool) -> Result<Option<String>, ()> {
    let mut stdin = None;
    let mut failed = false;
    for (_, c, is_stdin) in &fixes.changes {
        if *is_stdin {
            stdin = Some(with_stdin_bom(&c.after));
            continue;
        }
        if let Err(e) = write_fixed(c) {
            eprintln!(
                "compose-lint: error: {}: not fixed: {}",
                report::sanitize::path(&c.path),
                report::sanitize::text(&e)
            );
            failed = true;
        }
    }
    fixes.tell(false, quiet);
    if failed {
        Err(())
    } else {
        Ok(stdin)
    }
}

/// Writes one fixed file in place of the original: the same encoding
/// prefix (a UTF-8 BOM is kept), the same permissions, through a symbolic
/// link to its target, by rename so that no reader sees half a file.
fn write_fixed(c: &fix::Change) -> Result<(), String> {
    let path = std::fs::canonicalize(&c.path).map_err(|e| io_text(&e))?;
    let bytes = std::fs::read(&path).map_err(|e| io_text(&e))?;
    let bom: &[u8] = match bytes.as_slice() {
        [0xEF, 0xBB, 0xBF, ..] => &[0xEF, 0xBB, 0xBF],
        [0xFF, 0xFE, ..] | [0xFE, 0xFF, ..] => {
            return Err("the file is UTF-16; compose-lint writes fixes only to UTF-8 files".into())
        }
        _ => &[],
    };
    if std::str::from_utf8(&bytes[bom.len()..]).ok() != Some(c.before.as_str()) {
        return Err("the file changed while compose-lint was fixing it; run it again".into());
    }
    let mut data = bom.to_vec();
    data.extend_from_slice(c.after.as_bytes());
    let perms = std::fs::metadata(&path)
        .map_err(|e| io_text(&e))?
        .permissions();
    write_atomically_with(&path, &data, Some(perms)).map_err(|e| io_text(&e))
}

/// `compose-lint images`: each service's image facts and their evidence.
fn images(args: CheckArgs) -> ExitCode {
    let json = match args.format {
        None | Some(Format::Human) => false,
        Some(Format::Json) => true,
        Some(_) => return fail("`images` prints --format human or json"),
    };
    if args.fix || args.diff || args.unsafe_fixes {
        return fail(
            "`images` changes no file; --fix, --unsafe-fixes and --diff belong to `check`",
        );
    }
    let jobs = match plan::<()>(&args, None) {
        Ok((j, _)) => j,
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
/// The folder of a named file and the repository it falls back to outside
/// a git work tree: the folder the user works in when the file is under it
/// (`compose-lint ci/config/compose.yaml` from the project root, as `docker
/// compose -f` is run there); a file outside it keeps its own folder.
fn file_repository(p: &Path) -> (PathBuf, PathBuf) {
    let dir = match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // What `project::absolute(".")` is: the current folder is absolute and
    // normal already.
    let cwd = crate::fscache::current_dir();
    let fallback = if project::is_under(&project::absolute(&dir), &cwd) {
        cwd
    } else {
        dir.clone()
    };
    (dir, fallback)
}

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
        texts: Vec::new(),
        parses: None,
    }
}

/// Writes to a temporary file beside `path`, then renames it into place, so
/// that a reader never sees half a report.
fn write_atomically(path: &Path, data: &[u8]) -> std::io::Result<()> {
    write_atomically_with(path, data, None)
}

/// [`write_atomically`], giving the new file `perms` (a fixed Compose file
/// keeps the original's mode).
fn write_atomically_with(
    path: &Path,
    data: &[u8],
    perms: Option<std::fs::Permissions>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let (tmp_path, mut file) = tempfile_in(&dir)?;
    // Whatever fails (a full disk, a rename onto a directory), the
    // temporary file does not stay behind.
    let result = file
        .write_all(data)
        .and_then(|_| match perms {
            Some(p) => file.set_permissions(p),
            None => Ok(()),
        })
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
/// With `early`, each file named is handed to it as soon as its job is
/// planned, and what it gives back (its job, perhaps changed, and `T`) is
/// kept in that job's place; the other jobs are `None` there.
fn plan<T: Send>(
    args: &CheckArgs,
    early: Option<&(dyn Fn(Job) -> (Job, T) + Sync)>,
) -> Result<(Vec<Job>, Vec<Option<T>>), ExitCode> {
    if !args.files.is_empty() {
        let mut inputs = Vec::new();
        for f in &args.files {
            inputs.push(input_for(f, args)?);
        }
        if !args.paths.is_empty() {
            return Err(fail("give files either with -f or as arguments, not both"));
        }
        let job = Job {
            inputs,
            ..Default::default()
        };
        return Ok((vec![job], vec![None]));
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
                let job = Job {
                    inputs,
                    ..Default::default()
                };
                return Ok((vec![job], vec![None]));
            }
        }
        return match discover::default_project(Path::new(".")) {
            Some(job) => Ok((vec![job], vec![None])),
            None => Err(fail(format!(
                "no Compose file found in the current directory (looked for {})",
                discover::DEFAULT_NAMES.join(", ")
            ))),
        };
    }
    let mut jobs = Vec::new();
    // Overlays find their bases in their repository: `--root`, else the
    // git work tree, else the folder linted (a file: the current folder
    // when the file is under it, else the file's folder).
    let mut repos: Vec<discover::Repository> = Vec::new();
    // Each repository's index by root, and each (folder, fallback) asked
    // about so far: many files share a folder.
    // Keyed by the paths' bytes (another spelling of a folder is only
    // asked about again).
    let mut by_root: Map<OsString, usize> = Map::default();
    let mut asked: Map<(OsString, OsString), usize> = Map::default();
    let mut repo_for =
        |repos: &mut Vec<discover::Repository>, p: &Path, fallback: &Path| -> usize {
            let key = (p.as_os_str().to_owned(), fallback.as_os_str().to_owned());
            if let Some(i) = asked.get(&key) {
                return *i;
            }
            let root = match &args.root {
                Some(r) => project::absolute(r),
                None => discover::repository_root(p, fallback),
            };
            let i = *by_root
                .entry(project::absolute(&root).into_os_string())
                .or_insert_with_key(|root| {
                    repos.push(discover::Repository::new(Path::new(root)));
                    repos.len() - 1
                });
            asked.insert(key, i);
            i
        };
    // Each named path's metadata, asked of the file system once, on both
    // cores when there are many (a path walk each, before anything else
    // can start).
    if args.base.is_empty() && args.paths.len() > 1 {
        args.paths.par_iter().for_each(|p| {
            if p.as_os_str() != "-" {
                let _ = crate::fscache::metadata(p);
            }
        });
    }
    // The files named, by repository, with their places in `jobs`: planned
    // once every path is checked.
    let mut named: Vec<Vec<(usize, PathBuf)>> = Vec::new();
    for p in &args.paths {
        if p.as_os_str() == "-" {
            let input = input_for(p, args)?;
            jobs.push(Job {
                inputs: vec![input],
                maybe_overlay: true,
                ..Default::default()
            });
            continue;
        }
        let meta = crate::fscache::metadata(p)
            .map_err(|e| fail(format!("{}: {}", p.display(), io_text(&e))))?;
        if meta.is_dir() {
            // An explicit directory without a single Compose file is most
            // likely a wrong path; passing it silently would hide that.
            let i = repo_for(&mut repos, p, p);
            let found = discover::walk_in(p, &mut repos[i], &args.base);
            if found.is_empty() {
                return Err(fail(format!(
                    "no Compose file found under {} (looked for compose*.y(a)ml and docker-compose*.y(a)ml)",
                    p.display()
                )));
            }
            jobs.extend(found);
        } else {
            let (dir, fallback) = file_repository(p);
            let i = repo_for(&mut repos, &dir, &fallback);
            named.resize(repos.len(), Vec::new());
            named[i].push((jobs.len(), p.clone()));
            jobs.push(Job::default());
        }
    }
    let done = plan_named(&mut repos, &named, &args.base, &mut jobs, early);
    // What the repositories learned (every file's names) is freed beside
    // the lint rather than before it starts.
    rayon::spawn(move || drop(repos));
    Ok((jobs, done))
}

/// The jobs of the files named on the command line: `named[i]` are the
/// files of `repos[i]`, each with its place in `jobs`. Each repository
/// first reads what its files define (on both cores), then plans them in
/// order; the repositories go side by side (a file's job depends only on
/// its repository and the file system). With `early`, each job is handed
/// to it as soon as it is planned, to run on a free core while planning
/// goes on; what it gives is returned in the job's place.
fn plan_named<T: Send>(
    repos: &mut [discover::Repository],
    named: &[Vec<(usize, PathBuf)>],
    bases: &[PathBuf],
    jobs: &mut [Job],
    early: Option<&(dyn Fn(Job) -> (Job, T) + Sync)>,
) -> Vec<Option<T>> {
    let slots: Vec<Slot<T>> = jobs.iter().map(|_| Mutex::new(None)).collect();
    let pairs = repos.iter_mut().zip(named).filter(|(_, f)| !f.is_empty());
    // One file is planned (and linted) on this thread: starting the thread
    // pool would cost more.
    if named.iter().map(Vec::len).sum::<usize>() > 1 {
        let slots = &slots;
        // The repositories with the most files are spawned last: the
        // spawning core takes its newest task first, so the longest
        // planning starts at once while the other core steals the rest.
        let mut pairs: Vec<_> = pairs.collect();
        pairs.sort_by_key(|(_, files)| files.len());
        rayon::scope(|s| {
            for (repo, files) in pairs {
                s.spawn(move |s| plan_repo(Some(s), repo, files, bases, slots, early));
            }
        });
    } else {
        for (repo, files) in pairs {
            plan_repo(None, repo, files, bases, &slots, early);
        }
    }
    let mut done: Vec<Option<T>> = Vec::with_capacity(jobs.len());
    for (job, slot) in jobs.iter_mut().zip(slots) {
        match slot.into_inner().unwrap_or_else(|e| e.into_inner()) {
            Some((planned, t)) => {
                *job = planned;
                done.push(t);
            }
            None => done.push(None),
        }
    }
    done
}

/// A job's place in [`plan_named`]: written once, by whichever core
/// planned (or linted) it.
type Slot<T> = Mutex<Option<(Job, Option<T>)>>;

/// Plans the files of one repository in order (see [`plan_named`]); with
/// a scope, each job goes to `early` on a free core.
fn plan_repo<'s, T: Send>(
    scope: Option<&rayon::Scope<'s>>,
    repo: &mut discover::Repository,
    files: &'s [(usize, PathBuf)],
    bases: &[PathBuf],
    slots: &'s [Slot<T>],
    early: Option<&'s (dyn Fn(Job) -> (Job, T) + Sync)>,
) {
    if bases.is_empty() {
        repo.learn_files(files.iter().map(|(_, p)| p.as_path()));
    }
    let put = move |slot: usize, job: Job| {
        let done = match early {
            Some(f) => {
                let (job, t) = f(job);
                (job, Some(t))
            }
            None => (job, None),
        };
        *slots[slot].lock().unwrap_or_else(|e| e.into_inner()) = Some(done);
    };
    for (slot, p) in files {
        let job = repo.job_for(p, bases);
        match scope {
            Some(s) if early.is_some() => s.spawn(move |_| put(*slot, job)),
            _ => put(*slot, job),
        }
    }
}

/// Whether standard input began with a UTF-8 BOM: `--fix -` writes the
/// fixed text with it, as it writes a file.
static STDIN_BOM: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// `text` with the BOM standard input had, if it had one.
fn with_stdin_bom(text: &str) -> String {
    if STDIN_BOM.load(std::sync::atomic::Ordering::Relaxed) {
        format!("\u{FEFF}{text}")
    } else {
        text.to_string()
    }
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
        STDIN_BOM.store(
            bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
            std::sync::atomic::Ordering::Relaxed,
        );
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
