//! Linting one job: load the project, run the rules, then apply the
//! configuration (selection, severities, per-file and per-service ignores)
//! and inline suppressions.

use std::borrow::Cow;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::config::{selector_matches, Config};
use crate::diagnostic::{Diagnostic, Severity};
use crate::discover::Job;
use crate::fasthash::Map;
use crate::image::{self, ImageOptions};
use crate::load::project::{self, FatalError, LoadOptions};
use crate::model::Service;
use crate::report::FileNote;
use crate::rules::{self, Context, Rule};
use crate::source::{SourceMap, Span};

/// What the command line says about rule selection; it overrides the config.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
}

pub struct JobResult {
    pub sources: SourceMap,
    pub diagnostics: Vec<Diagnostic>,
    pub notes: Vec<FileNote>,
    pub files_checked: usize,
}

pub fn lint_job(
    job: &Job,
    load_opts: &LoadOptions,
    config: &Config,
    selection: &Selection,
) -> Result<JobResult, FatalError> {
    lint_job_with_images(job, load_opts, config, selection, &ImageOptions::default())
}

/// [`lint_job`] with image facts from archives, the engine or extra facts
/// directories as well as the built-in ones.
pub fn lint_job_with_images(
    job: &Job,
    load_opts: &LoadOptions,
    config: &Config,
    selection: &Selection,
    images: &ImageOptions,
) -> Result<JobResult, FatalError> {
    // Test-only: lets the CLI tests prove that a panic in one job is
    // contained (see `cli::check`). Not compiled into release builds.
    #[cfg(debug_assertions)]
    if let Some(needle) = std::env::var_os("COMPOSE_LINT_TEST_PANIC") {
        if job.inputs.iter().any(|i| i.path.ends_with(&needle)) {
            panic!("COMPOSE_LINT_TEST_PANIC: {}", job.inputs[0].path.display());
        }
    }
    // P103 is the one rule that reads the YAML trees' nodes (suppressions
    // read their comments): it runs while loading, and the loader frees the
    // nodes before it lowers the model (decision 0031). Its findings take
    // its place among the rules' below.
    let p103 = rules::find("P103").expect("P103 is registered");
    let p103_on = is_enabled(p103, config, selection);
    let mut from_nodes = Vec::new();
    let loaded = if p103_on {
        let mut read = |trees: &[crate::yaml::Tree], sources: &SourceMap| {
            rules::portability::yaml11_ambiguous_scalar::check_trees(
                trees,
                sources,
                &mut from_nodes,
            )
        };
        project::load_reading_nodes(&job.inputs, load_opts, &mut read)?
    } else {
        project::load_without_nodes(&job.inputs, load_opts)?
    };
    let mut notes = Vec::new();
    let mut overlay = false;
    if let Some(project) = &loaded.project {
        if job.maybe_overlay
            && project
                .services
                .iter()
                .any(|s| s.image.is_none() && s.build.is_none() && s.provider.is_none())
        {
            overlay = true;
            notes.push(FileNote {
                path: job.inputs[0].path.clone(),
                message: "linted as an overlay: some services have neither `image` nor `build`, so this file is meant to be layered on a base file with `-f`".into(),
            });
        }
    }
    if !job.overlay_of.is_empty() {
        let bases: Vec<String> = job
            .overlay_of
            .iter()
            .map(|b| b.display().to_string())
            .collect();
        let why = if job.why.is_empty() {
            String::new()
        } else {
            format!(" (base: {})", job.why)
        };
        for f in job.report_only.iter().flatten() {
            notes.push(FileNote {
                path: f.clone(),
                message: format!(
                    "linted as an overlay of {}, as `docker compose -f {}` would load it{why}",
                    bases.join(" and "),
                    job.inputs
                        .iter()
                        .map(|i| i.path.display().to_string())
                        .collect::<Vec<_>>()
                        .join(" -f "),
                ),
            });
        }
    }

    let enabled = |rule: &Rule| is_enabled(rule, config, selection);
    let mut diagnostics = loaded.diagnostics;
    // After a syntax error the model holds only part of the file; rules on
    // it would report what is merely cut off.
    let broken = diagnostics
        .iter()
        .any(|d| d.code == "S001" && d.severity == Severity::Error);
    if let (Some(project), false) = (&loaded.project, broken) {
        let facts = image::LazyFacts::new(
            project,
            &loaded.project_dir,
            load_opts.root.as_deref(),
            images,
        );
        // Resolving reports S008 itself (a Dockerfile outside the root):
        // when that check is on, the facts are resolved whatever the rules.
        if rules::find("S008").is_none_or(&enabled) {
            facts.get();
        }
        let cx = Context {
            project,
            sources: &loaded.sources,
            trees: &loaded.trees,
            project_dir: &loaded.project_dir,
            incomplete: loaded.incomplete,
            overlay,
            images: &facts,
            config,
            roots: &loaded.roots,
            engine_here: images.engine_here,
        };
        let start = diagnostics.len();
        // P103 ran while loading (above).
        diagnostics.extend(rules::run_having(&cx, &enabled, "P103", from_nodes));
        // Exit codes (issue 6): an error that predicts an exit code, on a
        // service that restarts, means a restart loop; say so.
        note_restart_loops(project, &mut diagnostics[start..]);
        // What resolving reported comes before the rules' findings.
        diagnostics.splice(start..start, facts.into_diagnostics());
    }
    // An invalid value that only an unset variable made invalid.
    let texts: Vec<&str> = loaded.sources.files().map(|f| &*f.text).collect();
    crate::load::envhints::cascades(&mut diagnostics, &loaded.project_dir, &texts);

    // Selection and severity apply to loader checks as well.
    diagnostics.retain_mut(|d| {
        let Some(rule) = rules::find(d.code) else {
            return true;
        };
        if !enabled(rule) {
            return false;
        }
        match config.severity(d.code, d.severity) {
            Some(s) => {
                if config.rules.contains_key(d.code) {
                    d.severity = s;
                }
                true
            }
            None => false,
        }
    });

    if let Some(only) = &job.report_only {
        let only: Vec<PathBuf> = only.iter().map(|p| project::absolute(p)).collect();
        diagnostics
            .retain(|d| only.contains(&project::absolute(&loaded.sources.get(d.span.file).path)));
    }

    // Per-file ignores.
    if !config.per_file_ignores.is_empty() {
        diagnostics.retain(|d| {
            let path = &loaded.sources.get(d.span.file).path;
            let ignored = config.file_ignores(path);
            !ignored.iter().any(|sel| matches_code(sel, d.code))
        });
    }
    // Per-service ignores: a diagnostic belongs to the service whose
    // definition contains it.
    if !config.per_service_ignores.is_empty() {
        if let Some(project) = &loaded.project {
            let services = ServicesByPlace::new(&project.services);
            diagnostics.retain(|d| {
                let Some(svc) = services.holding(d.span) else {
                    return true;
                };
                let Some(sels) = config.per_service_ignores.get(svc.name.value.as_str()) else {
                    return true;
                };
                !sels.iter().any(|sel| matches_code(sel, d.code))
            });
        }
    }

    // Suppression comments apply to the files whose findings are reported.
    let trees: Vec<_> = match &job.report_only {
        Some(only) => {
            let only: Vec<PathBuf> = only.iter().map(|p| project::absolute(p)).collect();
            loaded
                .trees
                .into_iter()
                .filter(|t| only.contains(&project::absolute(&loaded.sources.get(t.file).path)))
                .collect()
        }
        None => loaded.trees,
    };
    let s015 = rules::find("S015").expect("S015 is registered");
    // A code compose-lint does not know may fire (it is a typo S015 should
    // point at); a known rule may fire only when it is enabled.
    let may_fire = |code: &str| rules::find(code).is_none_or(enabled);
    crate::suppress::apply(&mut diagnostics, &trees, &loaded.sources, &may_fire);
    if !enabled(s015) {
        diagnostics.retain(|d| d.code != "S015");
    }

    let files_checked = match &job.report_only {
        Some(only) => only.len(),
        None => loaded.roots.len(),
    };
    // A large project's trees and model are left for the exit to release.
    if crate::fscache::leave_to_exit(loaded.sources.files().map(|f| f.text.len()).sum()) {
        std::mem::forget(trees);
        std::mem::forget(loaded.project);
    }
    Ok(JobResult {
        sources: loaded.sources,
        diagnostics,
        notes,
        files_checked,
    })
}

/// Adds a note to every error-level finding of a rule that predicts exit
/// codes, when its service restarts on exit (`restart: always`,
/// `unless-stopped`, `on-failure[:n]`, or `deploy.restart_policy` with a
/// condition other than `none`): the container will restart in a loop.
fn note_restart_loops(project: &crate::model::Project, diags: &mut [Diagnostic]) {
    let services = ServicesByPlace::new(&project.services);
    for d in diags.iter_mut().filter(|d| d.severity == Severity::Error) {
        let Some(rule) = rules::find(d.code) else {
            continue;
        };
        if rule.meta.exit_codes.is_empty() {
            continue;
        }
        let Some(svc) = services.holding(d.span) else {
            continue;
        };
        let policy = match (
            &svc.restart,
            svc.deploy.as_ref().and_then(|x| x.restart_policy.as_ref()),
        ) {
            (Some(r), _)
                if r.value == "always"
                    || r.value == "unless-stopped"
                    || r.value.starts_with("on-failure") =>
            {
                format!("restart: {}", r.value)
            }
            (_, Some(p)) if p.condition.as_ref().is_none_or(|c| c.value != "none") => format!(
                "deploy.restart_policy (condition: {})",
                p.condition.as_ref().map_or("any", |c| c.value.as_str())
            ),
            _ => continue,
        };
        let codes: Vec<String> = rule.meta.exit_codes.iter().map(|c| c.to_string()).collect();
        d.notes.push(format!(
            "with `{policy}`, Docker starts the container again each time it exits ({}), so service `{}` will restart in a loop (`docker compose ps` shows `Restarting`)",
            codes.join(", "),
            svc.name.value
        ));
    }
}

/// A project's services by where they are written, to find the service
/// whose definition holds a finding without reading every service for
/// every finding: a large file has thousands of each.
struct ServicesByPlace<'p> {
    services: &'p [Service],
    /// Indices into `services`, by file, then start.
    order: Vec<u32>,
    /// For each place in `order`: the furthest end among it and the
    /// services before it in the same file. No service before a place
    /// whose reach ends before a finding can hold that finding.
    reach: Vec<u32>,
}

impl<'p> ServicesByPlace<'p> {
    fn new(services: &'p [Service]) -> Self {
        let place = |i: u32| {
            let s = &services[i as usize].span;
            (s.file.0, s.start)
        };
        let mut order: Vec<u32> = (0..services.len() as u32).collect();
        order.sort_by_key(|&i| place(i));
        let mut reach: Vec<u32> = Vec::with_capacity(order.len());
        for (k, &i) in order.iter().enumerate() {
            let span = services[i as usize].span;
            let before = match k.checked_sub(1) {
                Some(p) if services[order[p] as usize].span.file == span.file => reach[p],
                _ => 0,
            };
            reach.push(span.end.max(before));
        }
        ServicesByPlace {
            services,
            order,
            reach,
        }
    }

    /// The first service, in the project's order, whose definition holds
    /// `span` (as a scan of every service would find it: a service written
    /// as an alias has the anchor's text, which another service may hold).
    fn holding(&self, span: Span) -> Option<&'p Service> {
        let begun = self.order.partition_point(|&i| {
            let s = &self.services[i as usize].span;
            (s.file.0, s.start) <= (span.file.0, span.start)
        });
        let mut first: Option<u32> = None;
        for k in (0..begun).rev() {
            let i = self.order[k];
            let s = &self.services[i as usize].span;
            if s.file != span.file || self.reach[k] < span.end {
                break;
            }
            if span.end <= s.end && first.is_none_or(|f| i < f) {
                first = Some(i);
            }
        }
        first.map(|i| &self.services[i as usize])
    }
}

fn matches_code(sel: &str, code: &str) -> bool {
    let name = rules::find(code).map(|r| r.meta.name).unwrap_or("");
    selector_matches(sel, code, name)
}

/// Is a rule on, given the command line (which wins) and the config?
pub fn is_enabled(rule: &Rule, config: &Config, selection: &Selection) -> bool {
    let meta = &rule.meta;
    let select = selection.select.as_ref().or(config.select.as_ref());
    // An opt-in rule runs under the strict profile, or when a selector
    // names it (code or name); a prefix such as `C`, or `ALL`, does not.
    let in_profile = rule.profile <= config.profile.unwrap_or_default();
    let picks = |s: &String| {
        selector_matches(s, meta.code, meta.name)
            && (in_profile || crate::config::selector_names(s, meta.code, meta.name))
    };
    let selected = match select {
        Some(sels) => sels.iter().any(picks),
        None => in_profile,
    } || config.extend_select.iter().any(picks);
    let ignored = selection
        .ignore
        .iter()
        .chain(&config.ignore)
        .any(|s| selector_matches(s, meta.code, meta.name));
    selected && !ignored && config.severity(meta.code, meta.default_severity).is_some()
}

/// Drops a finding that another job already reported: the same file, span,
/// code and message. A file that a project `include`s (or `extends`) and
/// that the folder walk also finds on its own is linted in both jobs, and
/// its own findings would otherwise be printed twice (once as
/// `./db/compose.yaml`, once as `db/compose.yaml`). The copy whose path
/// has no `.` component is kept.
pub fn dedup(diags: &mut Vec<Diagnostic>, sources: &SourceMap) {
    let files = clean_files(sources);
    dedup_in(diags, &files);
}

/// [`sort`], then [`dedup`]: what dedup knows of each file is worked out
/// on one core while the findings are sorted on the other.
pub fn sort_and_dedup(diags: &mut Vec<Diagnostic>, sources: &SourceMap) {
    let (_, files) = rayon::join(|| sort(diags, sources), || clean_files(sources));
    dedup_in(diags, &files);
}

/// Each file's clean path (without `.` components), as the number of the
/// first file with it, and whether the file's own path had a `.`.
fn clean_files(sources: &SourceMap) -> Vec<(usize, bool)> {
    use std::path::Component;
    // Each file's path without `.` components, and whether it had any,
    // worked out once per file rather than for every finding.
    // The clean path is kept as the number of the first file with it, so
    // that each finding hashes a number, not a path.
    // Clean paths are keyed by their bytes: a plain path's as they are,
    // any other's as its components make them, so that equal bytes are
    // equal paths.
    // A plain path's bytes are borrowed, not copied.
    let mut first_with: Map<Cow<OsStr>, usize> =
        crate::fasthash::map_with_capacity(sources.files().size_hint().0);
    sources
        .files()
        .enumerate()
        .map(|(i, f)| {
            if project::is_plain(&f.path) {
                let clean = Cow::Borrowed(f.path.as_os_str());
                return (*first_with.entry(clean).or_insert(i), false);
            }
            let dotted = f.path.components().any(|c| matches!(c, Component::CurDir));
            let clean: PathBuf = f
                .path
                .components()
                .filter(|c| !matches!(c, Component::CurDir))
                .collect();
            (
                *first_with
                    .entry(Cow::Owned(clean.into_os_string()))
                    .or_insert(i),
                dotted,
            )
        })
        .collect()
}

/// [`dedup`] with each file's clean path worked out (see [`clean_files`]).
fn dedup_in(diags: &mut Vec<Diagnostic>, files: &[(usize, bool)]) {
    let file = |d: &Diagnostic| &files[d.span.file.0 as usize];
    let mut order: Vec<usize> = (0..diags.len()).collect();
    order.sort_by_key(|&i| file(&diags[i]).1);
    let mut keep = vec![false; diags.len()];
    {
        let mut seen = crate::fasthash::set_with_capacity(diags.len());
        for i in order {
            let d = &diags[i];
            keep[i] = seen.insert((
                file(d).0,
                d.span.start,
                d.span.end,
                d.code,
                d.message.as_str(),
            ));
        }
    }
    let mut k = keep.into_iter();
    diags.retain(|_| k.next().unwrap_or(true));
}

/// Sorts diagnostics by file, position, code and message, for stable
/// output (findings equal in all four keep their order).
///
/// The findings are sorted as small keys (a file's rank, the position, the
/// finding's index), on both cores when there are many, and then moved
/// into place once each: moving the findings themselves (a couple of
/// hundred bytes each) at every step of the sort was most of it.
pub fn sort(diags: &mut [Diagnostic], sources: &SourceMap) {
    let rank = file_ranks(sources);
    let mut keys: Vec<(u32, u32, u32)> = diags
        .iter()
        .enumerate()
        .map(|(i, d)| (rank[d.span.file.0 as usize], d.span.start, i as u32))
        .collect();
    let order = |a: &(u32, u32, u32), b: &(u32, u32, u32)| {
        a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then_with(|| {
            let (x, y) = (&diags[a.2 as usize], &diags[b.2 as usize]);
            x.code.cmp(y.code).then_with(|| x.message.cmp(&y.message))
        })
    };
    // Stable: equal findings stay in index order.
    project::sort_stable_by(&mut keys, order);
    permute(diags, keys.iter().map(|k| k.2 as usize));
}

/// Each file's place in the order of the paths (`Path`'s own order), the
/// same for every file of one path: comparing two paths component by
/// component for every pair of findings was most of the sort.
fn file_ranks(sources: &SourceMap) -> Vec<u32> {
    let mut by_path: Vec<(&Path, usize)> = sources
        .files()
        .enumerate()
        .map(|(i, f)| (f.path.as_path(), i))
        .collect();
    let plain = project::sort_by_path(&mut by_path, |(p, _)| p);
    // Plain paths are the same path when their bytes are (much cheaper
    // than comparing components).
    let same = |a: &Path, b: &Path| match plain {
        true => a.as_os_str() == b.as_os_str(),
        false => a == b,
    };
    let mut rank = vec![0u32; by_path.len()];
    for (n, (p, w)) in by_path.iter().enumerate() {
        rank[*w] = match n {
            0 => 0,
            _ if same(by_path[n - 1].0, p) => rank[by_path[n - 1].1],
            _ => n as u32,
        };
    }
    rank
}

/// Reorders `items` so that the item at `order[i]` comes `i`th, moving
/// each item once (`order` is a permutation of the indices).
fn permute<T>(items: &mut [T], order: impl Iterator<Item = usize>) {
    let order: Vec<usize> = order.collect();
    debug_assert_eq!(order.len(), items.len());
    let mut placed = vec![false; items.len()];
    for start in 0..items.len() {
        // Each cycle of the permutation is followed once, by swaps.
        let mut here = start;
        while !placed[here] {
            placed[here] = true;
            let from = order[here];
            if from == start {
                break;
            }
            items.swap(here, from);
            here = from;
        }
    }
}

/// Lints one file's text in isolation, with an empty environment and the
/// default configuration. `path` only names the file (and its directory,
/// against which relative references resolve). Used by the rule pages'
/// example tests and by embedders.
pub fn lint_text(path: &str, text: &str) -> Result<JobResult, FatalError> {
    let path = PathBuf::from(path);
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let job = Job {
        inputs: vec![project::Input {
            path,
            text: Some(text.to_string()),
        }],
        ..Default::default()
    };
    let opts = LoadOptions {
        root: Some(dir.clone()),
        project_dir: Some(dir),
        env: Some(crate::load::interpolate::Env::new()),
        ..Default::default()
    };
    lint_job(&job, &opts, &Config::default(), &Selection::default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Span;

    fn sources() -> SourceMap {
        let mut s = SourceMap::new();
        s.add("b.yml", "x: 1\ny: 2\n"); // 0
        s.add("./a.yml", "x: 1\ny: 2\n"); // 1
        s.add("a.yml", "x: 1\ny: 2\n"); // 2
        s.add("a.yml", "x: 1\ny: 2\n"); // 3: the same file again
        s
    }

    fn at(file: u32, start: usize, code: &'static str) -> Diagnostic {
        Diagnostic::warning(code, Span::new(FileId(file), start, start + 1), "m")
    }

    use crate::source::FileId;

    /// Findings sort by path (the same path under two ids counts as one
    /// file), then position, then code.
    #[test]
    fn sort_by_path_then_position() {
        let s = sources();
        let mut d = vec![
            at(0, 0, "X1"),
            at(2, 5, "X1"),
            at(1, 3, "X2"),
            at(3, 4, "X1"),
            at(1, 3, "X1"),
            at(2, 0, "X1"),
        ];
        sort(&mut d, &s);
        let got: Vec<(u32, usize, &str)> = d
            .iter()
            .map(|d| (d.span.file.0, d.span.start as usize, d.code))
            .collect();
        // `./a.yml` is another path than `a.yml` (its `.` is a component,
        // and sorts first); ids 2 and 3 are one path, by position.
        assert_eq!(
            got,
            vec![
                (1, 3, "X1"),
                (1, 3, "X2"),
                (2, 0, "X1"),
                (3, 4, "X1"),
                (2, 5, "X1"),
                (0, 0, "X1")
            ]
        );
    }

    /// Many findings (sorted on both cores, moved into place by cycles)
    /// come out as a plain stable sort by path, position, code and message
    /// puts them.
    #[test]
    fn sort_of_many_is_the_stable_sort_by_path() {
        let plain = ["b.yml", "a.yml", "a/b.yml", "a-b.yml", "a.yml", "/x/a.yml"];
        let dotted = [
            "b.yml",
            "a.yml",
            "a/b.yml",
            "./a-b.yml",
            "a.yml",
            "a//b.yml",
        ];
        for paths in [plain, dotted] {
            sort_of_many_in(&paths);
        }
    }

    fn sort_of_many_in(paths: &[&str]) {
        let mut s = SourceMap::new();
        for p in paths {
            s.add(*p, "x: 1\n");
        }
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move |n: u64| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed % n
        };
        let codes = ["X1", "X2", "S001"];
        let mut d: Vec<Diagnostic> = (0..6000)
            .map(|i| {
                let mut d = at(next(6) as u32, next(40) as usize, codes[next(3) as usize]);
                d.message = format!("m{}", next(3));
                d.notes.push(i.to_string());
                d
            })
            .collect();
        let mut want = d.clone();
        let path = |d: &Diagnostic| s.get(d.span.file).path.clone();
        want.sort_by(|a, b| {
            path(a)
                .cmp(&path(b))
                .then(a.span.start.cmp(&b.span.start))
                .then(a.code.cmp(b.code))
                .then(a.message.cmp(&b.message))
        });
        sort(&mut d, &s);
        let id = |v: &[Diagnostic]| v.iter().map(|d| d.notes[0].clone()).collect::<Vec<_>>();
        assert_eq!(id(&d), id(&want));
    }

    /// P103, run while loading before the nodes are freed, finds what it
    /// finds on a load that keeps them, in the same order; the nodes are
    /// gone afterwards.
    #[test]
    fn p103_while_loading_is_p103_on_the_kept_nodes() {
        let texts = [
            "services:\n  web:\n    image: nginx\n    environment:\n      DEBUG: yes\n      MODE: 0755\n      LIST: [on, off, 1_000, 0x1F]\n    labels:\n      - a=b\n      - no\n",
            "x-base: &base\n  environment:\n    A: y\n    B: NO\nservices:\n  a:\n    <<: *base\n    image: busybox\n    command: [\"sh\", on]\n  b:\n    <<: *base\n    image: busybox\n",
            "services:\n  web:\n    image: nginx\n",
        ];
        let mut found = 0;
        for text in texts {
            let via_lint = lint_text("/p/compose.yaml", text).expect("lints");
            let got: Vec<_> = via_lint
                .diagnostics
                .iter()
                .filter(|d| d.code == "P103")
                .map(|d| (d.span, d.message.clone()))
                .collect();
            let inputs = [project::Input {
                path: PathBuf::from("/p/compose.yaml"),
                text: Some(text.to_string()),
            }];
            let opts = LoadOptions {
                root: Some(PathBuf::from("/p")),
                project_dir: Some(PathBuf::from("/p")),
                env: Some(crate::load::interpolate::Env::new()),
                ..Default::default()
            };
            let kept = project::load(&inputs, &opts).expect("loads");
            assert!(kept.trees.iter().all(|t| !t.nodes.is_empty()));
            let mut expected = Vec::new();
            rules::portability::yaml11_ambiguous_scalar::check_trees(
                &kept.trees,
                &kept.sources,
                &mut expected,
            );
            let expected: Vec<_> = expected
                .iter()
                .map(|d| (d.span, d.message.clone()))
                .collect();
            assert_eq!(got, expected, "{text}");
            found += got.len();
            let mut seen = 0;
            let freed = project::load_reading_nodes(&inputs, &opts, &mut |trees, _| {
                seen = trees.iter().map(|t| t.nodes.len()).sum();
            })
            .expect("loads");
            assert!(
                seen > 0 && freed.trees.iter().all(|t| t.nodes.is_empty()),
                "{text}"
            );
        }
        assert!(found >= 8, "{found}");
    }

    /// Sorting and dropping repeats together (the files' clean paths
    /// worked out beside the sort) keeps what sorting, then dropping,
    /// keeps.
    #[test]
    fn sort_and_dedup_is_sort_then_dedup() {
        let s = sources();
        let d = vec![
            at(1, 3, "X1"),
            at(2, 3, "X1"),
            at(0, 0, "X1"),
            at(3, 3, "X1"),
            at(2, 4, "X2"),
            at(1, 4, "X2"),
            at(0, 0, "X1"),
        ];
        let (mut one, mut two) = (d.clone(), d);
        sort_and_dedup(&mut one, &s);
        sort(&mut two, &s);
        dedup(&mut two, &s);
        let got = |v: &[Diagnostic]| -> Vec<(u32, u32, &str)> {
            v.iter()
                .map(|d| (d.span.file.0, d.span.start, d.code))
                .collect()
        };
        assert_eq!(got(&one), got(&two));
        assert_eq!(one.len(), 3);
    }

    /// A finding reported through `./a.yml` and `a.yml` is kept once, as
    /// the undotted one.
    #[test]
    fn dedup_across_dotted_paths() {
        let s = sources();
        let mut d = vec![
            at(1, 3, "X1"),
            at(2, 3, "X1"),
            at(2, 4, "X1"),
            at(0, 3, "X1"),
        ];
        dedup(&mut d, &s);
        let got: Vec<(u32, usize)> = d
            .iter()
            .map(|d| (d.span.file.0, d.span.start as usize))
            .collect();
        assert_eq!(got, vec![(2, 3), (2, 4), (0, 3)]);
    }

    /// The service holding a span, found through the index, is the one a
    /// scan of every service in order finds: services in several files,
    /// side by side, equal (an alias written as a service) and nested.
    mod services_by_place {
        use super::*;
        use proptest::prelude::*;

        fn scan(services: &[Service], span: Span) -> Option<usize> {
            services.iter().position(|s| {
                s.span.file == span.file && s.span.start <= span.start && span.end <= s.span.end
            })
        }

        fn service(file: u32, start: u32, len: u32) -> Service {
            Service {
                span: Span {
                    file: FileId(file),
                    start,
                    end: start + len,
                },
                ..Default::default()
            }
        }

        #[test]
        fn side_by_side_equal_and_nested() {
            let services = vec![
                service(0, 10, 20), // a: 10..30
                service(0, 40, 20), // b: 40..60
                service(0, 45, 5),  // c: inside b (an alias of b's labels)
                service(0, 10, 20), // d: a's span again (`d: *a`)
                service(1, 10, 20), // e: another file
            ];
            let index = ServicesByPlace::new(&services);
            let at = |file, start, end| {
                let found = index.holding(Span {
                    file: FileId(file),
                    start,
                    end,
                });
                found.map(|s| services.iter().position(|t| std::ptr::eq(s, t)).unwrap())
            };
            assert_eq!(at(0, 12, 14), Some(0)); // a before d
            assert_eq!(at(0, 46, 48), Some(1)); // b before c
            assert_eq!(at(0, 35, 36), None); // between a and b
            assert_eq!(at(0, 25, 45), None); // across a and b
            assert_eq!(at(1, 12, 14), Some(4));
            assert_eq!(at(2, 12, 14), None);
            assert_eq!(at(0, 10, 30), Some(0)); // a's whole span
            assert_eq!(at(0, 60, 60), Some(1)); // b's very end
        }

        proptest! {
            #[test]
            fn as_a_scan_finds(
                spans in prop::collection::vec((0u32..3, 0u32..80, 0u32..40), 0..24),
                queries in prop::collection::vec((0u32..3, 0u32..120, 0u32..20), 1..24),
            ) {
                let services: Vec<Service> =
                    spans.iter().map(|&(f, s, l)| service(f, s, l)).collect();
                let index = ServicesByPlace::new(&services);
                for (f, start, len) in queries {
                    let span = Span { file: FileId(f), start, end: start + len };
                    let got = index
                        .holding(span)
                        .map(|s| services.iter().position(|t| std::ptr::eq(s, t)).unwrap());
                    prop_assert_eq!(got, scan(&services, span), "{:?}", span);
                }
            }
        }
    }
}
