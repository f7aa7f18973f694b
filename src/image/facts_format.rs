//! The facts file format (`rules/images/*.toml`, described in
//! `rules/images/README.md`) as serde types, and the resolution of a
//! variant's `extends`. Shared with `build.rs`, which parses the embedded
//! files once at build time: this module uses nothing but `serde` and std.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileToml {
    pub(crate) repository: String,
    /// What the image is, for rules about exposure: see `builtin::KINDS`.
    pub(crate) kind: Option<String>,
    #[serde(default)]
    pub(crate) aliases: Vec<String>,
    #[serde(default)]
    pub(crate) variant: Vec<VariantToml>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct VariantToml {
    #[serde(default)]
    pub(crate) tags: Vec<String>,
    pub(crate) source: Option<String>,
    pub(crate) note: Option<String>,
    pub(crate) extends: Option<String>,
    pub(crate) user: Option<String>,
    pub(crate) uid: Option<u32>,
    pub(crate) gid: Option<u32>,
    pub(crate) workdir: Option<String>,
    pub(crate) entrypoint: Option<Vec<String>>,
    pub(crate) entrypoint_shell: Option<String>,
    pub(crate) cmd: Option<Vec<String>>,
    pub(crate) cmd_shell: Option<String>,
    pub(crate) stop_signal: Option<String>,
    pub(crate) volumes: Option<Vec<String>>,
    pub(crate) healthcheck: Option<bool>,
    pub(crate) env: Option<BTreeMap<String, String>>,
    pub(crate) shells: Option<Vec<String>>,
    pub(crate) binaries: Option<Vec<String>>,
    pub(crate) absent_binaries: Option<Vec<String>>,
    pub(crate) starts_as_root_and_drops: Option<bool>,
    pub(crate) chowns_on_start: Option<Vec<String>>,
    /// Every path the program writes at run time outside the image's
    /// VOLUMEs (`[]`: none). Absent: not known.
    pub(crate) writes: Option<Vec<String>>,
    pub(crate) init: Option<String>,
    pub(crate) execs_args: Option<bool>,
    pub(crate) execs_commands: Option<bool>,
    pub(crate) data_dir_env: Option<String>,
    pub(crate) min_memory: Option<String>,
    pub(crate) shutdown_seconds: Option<u64>,
    pub(crate) users: Option<Vec<UserToml>>,
    pub(crate) paths: Option<Vec<PathToml>>,
    /// The base layout (`rules/images/base/<name>.txt`) the image starts from.
    pub(crate) layout: Option<String>,
    /// Whether `/etc/passwd` is fully known (the layout's users plus `users`).
    pub(crate) users_complete: Option<bool>,
    /// Every `/etc/passwd` and `/etc/group` entry with an id at or above
    /// this is known (the layout's users plus `users`); below it, not.
    pub(crate) users_known_from: Option<u32>,
    /// Areas that later build steps may have written: unknown, whatever
    /// the layout says.
    pub(crate) unknown: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserToml {
    pub(crate) name: String,
    pub(crate) uid: Option<u32>,
    pub(crate) gid: Option<u32>,
    pub(crate) home: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PathToml {
    pub(crate) path: String,
    pub(crate) kind: String,
    pub(crate) owner: Option<String>,
    pub(crate) mode: Option<String>,
    pub(crate) content: Option<String>,
    pub(crate) children: Option<Vec<String>>,
    pub(crate) target: Option<String>,
}

pub(crate) fn resolve_extends(
    all: &[VariantToml],
    i: usize,
    depth: usize,
) -> Result<VariantToml, String> {
    let v = &all[i];
    let Some(ext) = &v.extends else {
        return Ok(v.clone());
    };
    if depth > all.len() {
        return Err(format!("variant {} extends in a cycle", i + 1));
    }
    let j = all
        .iter()
        .position(|o| o.tags.contains(ext))
        .ok_or_else(|| format!("extends `{ext}` matches no variant"))?;
    let base = resolve_extends(all, j, depth + 1)?;
    Ok(overlay(base, v.clone()))
}

/// `over`'s facts on top of `base`'s. Lists of users and paths merge by
/// name/path; every other set field replaces.
fn overlay(base: VariantToml, over: VariantToml) -> VariantToml {
    macro_rules! pick {
        ($($f:ident),*) => { VariantToml { $($f: over.$f.or(base.$f),)* ..Default::default() } };
    }
    let mut users = base.users.clone().unwrap_or_default();
    for u in over.users.clone().unwrap_or_default() {
        users.retain(|b| b.name != u.name);
        users.push(u);
    }
    let mut paths = base.paths.clone().unwrap_or_default();
    for p in over.paths.clone().unwrap_or_default() {
        paths.retain(|b| b.path != p.path);
        paths.push(p);
    }
    let (over_ep, over_ep_shell) = (over.entrypoint.is_some(), over.entrypoint_shell.is_some());
    let (over_cmd, over_cmd_shell) = (over.cmd.is_some(), over.cmd_shell.is_some());
    let tags = over.tags.clone();
    let mut v = pick!(
        source,
        note,
        user,
        uid,
        gid,
        workdir,
        entrypoint,
        entrypoint_shell,
        cmd,
        cmd_shell,
        stop_signal,
        volumes,
        healthcheck,
        env,
        shells,
        binaries,
        absent_binaries,
        starts_as_root_and_drops,
        chowns_on_start,
        writes,
        init,
        execs_args,
        execs_commands,
        data_dir_env,
        min_memory,
        shutdown_seconds,
        layout,
        users_complete,
        users_known_from,
        unknown
    );
    // An exec-form override clears the inherited shell form and vice versa.
    if over_ep {
        v.entrypoint_shell = None;
    } else if over_ep_shell {
        v.entrypoint = None;
    }
    if over_cmd {
        v.cmd_shell = None;
    } else if over_cmd_shell {
        v.cmd = None;
    }
    v.tags = tags;
    v.extends = None;
    v.users = (!users.is_empty()).then_some(users);
    v.paths = (!paths.is_empty()).then_some(paths);
    v
}
