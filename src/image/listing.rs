//! `compose-lint images`: each service's image facts with their evidence,
//! as text or JSON. The paths shown are the ones rules ask about: mount
//! targets (and, for a target not in the image, its nearest existing
//! ancestor), the working directory and the user's home.

use serde_json::{json, Value};

use super::facts::{Evidence, Fact, ImageCommand, PathFact};
use super::ServiceImage;
use crate::model::Service;
use crate::report::sanitize;

impl Evidence {
    pub fn to_json(&self) -> Value {
        let mut v = match self {
            Evidence::Dockerfile {
                path,
                line,
                instruction,
            } => {
                json!({"kind": "dockerfile", "path": path, "line": line, "instruction": instruction})
            }
            Evidence::Builtin {
                file,
                repository,
                tag_pattern,
                source_url,
            } => {
                json!({"kind": "builtin", "file": &**file, "repository": &**repository, "tag_pattern": &**tag_pattern, "source": &**source_url})
            }
            Evidence::Archive { path, digest } => {
                json!({"kind": "archive", "path": path.display().to_string(), "digest": digest})
            }
            Evidence::Engine { image_id } => json!({"kind": "engine", "image_id": image_id}),
            Evidence::Compose { setting, .. } => json!({"kind": "compose", "setting": setting}),
            Evidence::Registry(r) => {
                json!({"kind": "registry", "registry": r.registry, "repository": r.repository, "digest": r.digest, "layer": r.layer})
            }
        };
        v["text"] = Value::String(self.render());
        v
    }
}

/// The paths worth showing for a service, in order, without duplicates.
pub fn interesting_paths(si: &ServiceImage, service: &Service) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: String| {
        if !out.contains(&p) {
            out.push(p);
        }
    };
    for m in &service.volumes {
        let t = super::facts::normalize(&m.target.value);
        if si.path(&t).exists().is_none() {
            // The nearest ancestor that exists: what a mount there would copy.
            let mut cur = t.as_str();
            while let Some(i) = cur.rfind('/') {
                cur = if i == 0 { "/" } else { &cur[..i] };
                if cur == "/" {
                    break;
                }
                if si.path(cur).exists().is_some() {
                    push(cur.to_string());
                    break;
                }
            }
        }
        push(t);
    }
    if let Some(w) = &si.image.workdir {
        push(w.value.clone());
    }
    if let Some(home) = si
        .user
        .as_ref()
        .and_then(|u| u.value.name.as_deref())
        .and_then(|n| si.image.user_named(n))
        .and_then(|u| u.home.clone())
    {
        push(home);
    }
    out
}

fn fact_json<T: serde::Serialize>(f: &Option<Fact<T>>) -> Value {
    match f {
        None => Value::Null,
        Some(f) => json!({"value": f.value, "evidence": f.evidence.to_json()}),
    }
}

fn list_json(v: &[Fact<String>]) -> Value {
    Value::Array(
        v.iter()
            .map(|f| json!({"value": f.value, "evidence": f.evidence.to_json()}))
            .collect(),
    )
}

fn command_json(c: &Option<Fact<Option<ImageCommand>>>) -> Value {
    match c {
        None => Value::Null,
        Some(f) => {
            let (form, value) = match &f.value {
                None => ("none", Value::Null),
                Some(ImageCommand::Exec(v)) => ("exec", json!(v)),
                Some(ImageCommand::Shell(s)) => ("shell", json!(s)),
            };
            json!({"form": form, "value": value, "evidence": f.evidence.to_json()})
        }
    }
}

fn path_json(path: &str, f: &PathFact) -> Value {
    match f {
        PathFact::Exists(i) => json!({
            "path": path,
            "state": "exists",
            "kind": i.kind.map(|k| k.as_str()),
            "owner": i.owner(),
            "mode": i.mode.map(|m| format!("{m:04o}")),
            "content": i.content.map(|c| c.as_str()),
            "evidence": i.evidence.to_json(),
        }),
        PathFact::Absent { evidence } => {
            json!({"path": path, "state": "absent", "evidence": evidence.to_json()})
        }
        PathFact::Unknown { reason } => json!({"path": path, "state": "unknown", "reason": reason}),
    }
}

pub fn to_json(si: &ServiceImage, service: &Service) -> Value {
    let img = &si.image;
    let user = match &si.user {
        Some(u) => json!({
            "name": u.value.name,
            "uid": u.value.uid,
            "gid": u.value.gid,
            "evidence": u.evidence.to_json(),
        }),
        None => Value::Null,
    };
    let paths: Vec<Value> = interesting_paths(si, service)
        .iter()
        .map(|p| path_json(p, &si.path(p)))
        .collect();
    json!({
        "service": si.service,
        "image": si.reference,
        "known": si.is_known(),
        "unknown_reason": si.unknown_reason,
        "confidence": si.confidence().as_str(),
        "source": img.origin.as_ref().map(|e| e.to_json()),
        "user": user,
        "user_unknown": si.user_unknown,
        "workdir": fact_json(&img.workdir),
        "entrypoint": command_json(&img.entrypoint),
        "cmd": command_json(&img.cmd),
        "env": img.env.iter().map(|(k, f)| json!({"name": k, "value": f.value, "evidence": f.evidence.to_json()})).collect::<Vec<_>>(),
        "volumes": list_json(&img.volumes),
        "stop_signal": fact_json(&img.stop_signal),
        "healthcheck": fact_json(&img.healthcheck),
        "binaries": list_json(&img.binaries),
        "absent_binaries": list_json(&img.absent_binaries),
        "starts_as_root_and_drops": fact_json(&img.starts_as_root_and_drops),
        "chowns_on_start": list_json(&img.chowns_on_start),
        "init": fact_json(&img.init),
        "execs_args": fact_json(&img.execs_args),
        "data_dir_env": fact_json(&img.data_dir_env),
        "min_memory": fact_json(&img.min_memory),
        "shutdown_seconds": fact_json(&img.shutdown_seconds),
        "paths": paths,
        "notes": img.notes,
    })
}

/// The text listing of one service.
/// `yes` or `no`, for a fact that is a flag.
fn yes_no(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

pub fn to_text(si: &ServiceImage, service: &Service) -> String {
    let img = &si.image;
    let mut out = String::new();
    let mut line = |s: String| {
        out.push_str(&sanitize::text(&s));
        out.push('\n');
    };
    line(format!(
        "service {}: {}",
        si.service,
        si.reference.as_deref().unwrap_or("(built)")
    ));
    if let Some(why) = &si.unknown_reason {
        line(format!("  unknown: {why}"));
        return out;
    }
    let origin = img.origin.clone();
    if let Some(o) = &origin {
        line(format!(
            "  facts from: {} [{}] (the evidence of every fact below unless marked)",
            o.render(),
            si.confidence().as_str()
        ));
    }
    // Evidence after a fact, unless it is the origin above.
    let from = |e: &Evidence| -> String {
        if Some(e) == origin.as_ref() {
            String::new()
        } else {
            format!("  <- {}", e.render())
        }
    };
    match &si.user {
        Some(u) => line(format!("  user: {}{}", u.value.render(), from(&u.evidence))),
        None => line(format!(
            "  user: unknown ({})",
            si.user_unknown.as_deref().unwrap_or("not known")
        )),
    }
    let mut fact = |name: &str, f: Option<(String, &Evidence)>| {
        if let Some((v, e)) = f {
            line(format!("  {name}: {v}{}", from(e)));
        }
    };
    fact(
        "working directory",
        img.workdir.as_ref().map(|f| (f.value.clone(), &f.evidence)),
    );
    for (name, c) in [("entrypoint", &img.entrypoint), ("command", &img.cmd)] {
        fact(
            name,
            c.as_ref().map(|f| {
                let v = match &f.value {
                    None => "none".to_string(),
                    Some(ImageCommand::Exec(_)) => {
                        format!("{} (exec form)", f.value.as_ref().expect("some").render())
                    }
                    Some(ImageCommand::Shell(s)) => format!("{s} (shell form)"),
                };
                (v, &f.evidence)
            }),
        );
    }
    fact(
        "stop signal",
        img.stop_signal
            .as_ref()
            .map(|f| (f.value.clone(), &f.evidence)),
    );
    fact(
        "health check",
        img.healthcheck.as_ref().map(|f| {
            (
                if f.value { "defined" } else { "none" }.to_string(),
                &f.evidence,
            )
        }),
    );
    fact(
        "starts as root and drops privileges",
        img.starts_as_root_and_drops
            .as_ref()
            .map(|f| (yes_no(f.value), &f.evidence)),
    );
    fact(
        "init",
        img.init.as_ref().map(|f| (f.value.clone(), &f.evidence)),
    );
    fact(
        "passes its arguments on with exec",
        img.execs_args
            .as_ref()
            .map(|f| (yes_no(f.value), &f.evidence)),
    );
    fact(
        "data directory variable",
        img.data_dir_env
            .as_ref()
            .map(|f| (f.value.clone(), &f.evidence)),
    );
    fact(
        "minimum memory",
        img.min_memory
            .as_ref()
            .map(|f| (format!("{} bytes", f.value), &f.evidence)),
    );
    fact(
        "time to shut down",
        img.shutdown_seconds
            .as_ref()
            .map(|f| (format!("{} seconds", f.value), &f.evidence)),
    );
    for v in &img.volumes {
        fact("volume", Some((v.value.clone(), &v.evidence)));
    }
    for b in &img.binaries {
        fact("program", Some((b.value.clone(), &b.evidence)));
    }
    for b in &img.absent_binaries {
        fact("missing program", Some((b.value.clone(), &b.evidence)));
    }
    for c in &img.chowns_on_start {
        fact(
            "changes owner on start",
            Some((c.value.clone(), &c.evidence)),
        );
    }
    let paths = interesting_paths(si, service);
    if !paths.is_empty() {
        line("  paths:".into());
    }
    for p in paths {
        match si.path(&p) {
            PathFact::Exists(i) => {
                let mut parts = vec!["present".to_string()];
                if let Some(k) = i.kind {
                    parts.push(k.as_str().into());
                }
                parts.push(format!(
                    "owner {}",
                    i.owner().unwrap_or_else(|| "unknown".into())
                ));
                if let Some(m) = i.mode {
                    parts.push(format!("mode {m:04o}"));
                }
                if let Some(c) = i.content {
                    parts.push(c.as_str().into());
                }
                line(format!(
                    "    {p}: {}{}",
                    parts.join(", "),
                    from(&i.evidence)
                ));
            }
            PathFact::Absent { evidence } => line(format!("    {p}: absent{}", from(&evidence))),
            PathFact::Unknown { reason } => line(format!("    {p}: unknown ({reason})")),
        }
    }
    for n in &img.notes {
        line(format!("  note: {n}"));
    }
    out
}
