//! Running one fixture with the installed Compose tool: a copy of the
//! fixture directory (the daemon may create bind sources in it), a project
//! name of its own (`clp-<test>-<pid>`), every wait bounded, and `down -v
//! --remove-orphans` when the guard drops, after which any container,
//! volume or network still labelled with the project is removed as well.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

use super::docker::{first_line, run, try_run, Engine};

const COMMAND_LIMIT: Duration = Duration::from_secs(120);

pub struct Project {
    /// The Compose tool's argv: the engine's (v2 when installed), or
    /// another one given with [`Project::with_compose`].
    compose: Vec<String>,
    pub name: String,
    /// The copy of the fixture; `dir.path()` is the project directory.
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
}

/// A container's state as `docker inspect` reports it.
#[derive(Debug, Clone)]
pub struct State {
    pub status: String,
    pub exit_code: i64,
    pub oom_killed: bool,
    /// The daemon's error when the container could not start.
    pub error: String,
}

impl Project {
    /// Copies `fixture` (a directory with a `docker-compose.yml`) and names
    /// the project after the test.
    pub fn new(
        engine: &'static Engine,
        test: &str,
        fixture: &Path,
        env: &[(&str, &str)],
    ) -> Project {
        let dir = tempfile::Builder::new()
            .prefix("clp-premise-")
            .tempdir()
            .unwrap();
        copy_dir(fixture, dir.path());
        static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let seq = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!(
            "clp-{}-{}-{seq}",
            test.replace('_', "-").to_lowercase(),
            std::process::id()
        );
        Project {
            compose: engine.compose.clone(),
            name,
            dir,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// Runs this project with another Compose tool (v1, to record where it
    /// differs).
    pub fn with_compose(mut self, compose: Vec<String>) -> Project {
        self.compose = compose;
        self
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    fn compose(&self, args: &[&str], limit: Duration) -> Output {
        let (prog, pre) = self.compose.split_first().expect("a compose argv");
        let mut cmd = Command::new(prog);
        cmd.args(pre)
            .arg("-p")
            .arg(&self.name)
            .arg("-f")
            .arg(self.dir.path().join("docker-compose.yml"))
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("COMPOSE_FILE")
            .env_remove("COMPOSE_PROJECT_NAME")
            .env_remove("COMPOSE_PROFILES");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        run(&mut cmd, limit)
    }

    /// `up -d`, never building or pulling. `Err` carries the tool's output
    /// when it failed (a container that could not start).
    pub fn up(&self) -> Result<String, String> {
        let out = self.compose(&["up", "-d", "--no-build", "--no-color"], COMMAND_LIMIT);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    }

    /// `stop` (the service's `stop_grace_period` applies).
    pub fn stop(&self, service: &str) {
        let out = self.compose(&["stop", service], COMMAND_LIMIT);
        assert!(
            out.status.success(),
            "stop {service}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The service's (first) container ID.
    pub fn container(&self, service: &str) -> String {
        let out = run(
            Command::new("docker").args([
                "ps",
                "-a",
                "-q",
                "--no-trunc",
                "--filter",
                &format!("label=com.docker.compose.project={}", self.name),
                "--filter",
                &format!("label=com.docker.compose.service={service}"),
            ]),
            Duration::from_secs(30),
        );
        let id = String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        assert!(
            !id.is_empty(),
            "no container for service {service} in {}",
            self.name
        );
        id
    }

    pub fn state(&self, service: &str) -> State {
        let id = self.container(service);
        let out = run(
            Command::new("docker").args([
                "inspect",
                "--format",
                "{{.State.Status}}\t{{.State.ExitCode}}\t{{.State.OOMKilled}}\t{{.State.Error}}",
                &id,
            ]),
            Duration::from_secs(30),
        );
        let text = String::from_utf8_lossy(&out.stdout)
            .trim_end_matches(['\n', '\r'])
            .to_string();
        let f: Vec<&str> = text.splitn(4, '\t').collect();
        assert!(f.len() == 4, "docker inspect {id}: {text}");
        State {
            status: f[0].to_string(),
            exit_code: f[1].parse().unwrap_or(-1),
            oom_killed: f[2] == "true",
            error: f[3].to_string(),
        }
    }

    /// Waits (at most `limit`) until the service's container has stopped
    /// running; a container that never started is returned as it is.
    pub fn wait_exit(&self, service: &str, limit: Duration) -> State {
        let start = Instant::now();
        loop {
            let s = self.state(service);
            if s.status != "running" && s.status != "restarting" {
                return s;
            }
            assert!(
                start.elapsed() < limit,
                "{service} still running after {limit:?}: {}",
                self.logs(service)
            );
            thread::sleep(Duration::from_millis(200));
        }
    }

    /// Waits (at most `limit`) until the service's container is running.
    pub fn wait_running(&self, service: &str, limit: Duration) {
        let start = Instant::now();
        loop {
            let s = self.state(service);
            if s.status == "running" {
                return;
            }
            assert!(
                start.elapsed() < limit && s.status == "created",
                "{service} not running: {s:?} {}",
                self.logs(service)
            );
            thread::sleep(Duration::from_millis(100));
        }
    }

    /// The container's output, both streams.
    pub fn logs(&self, service: &str) -> String {
        let id = self.container(service);
        let out = run(
            Command::new("docker").args(["logs", &id]),
            Duration::from_secs(30),
        );
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    }

    /// The container's mounts as the engine made them: `type name-or-source
    /// destination`, one per line.
    pub fn mounts(&self, service: &str) -> Vec<String> {
        let id = self.container(service);
        let out = run(
            Command::new("docker").args([
                "inspect",
                "--format",
                "{{range .Mounts}}{{.Type}} {{if .Name}}{{.Name}}{{else}}{{.Source}}{{end}} {{.Destination}}\n{{end}}",
                &id,
            ]),
            Duration::from_secs(30),
        );
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Owner and kind of a path in the project directory, on the host.
    pub fn path_owner_on_host(&self, rel: &str) -> (u32, u32, bool) {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(self.dir.path().join(rel))
            .unwrap_or_else(|e| panic!("{rel} on the host: {e}"));
        (m.uid(), m.gid(), m.is_dir())
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let out = self.compose(
            &["down", "-v", "--remove-orphans", "-t", "1"],
            COMMAND_LIMIT,
        );
        if !out.status.success() {
            eprintln!("note: down {}: {}", self.name, first_line(&out.stderr));
        }
        // Whatever `down` missed: by the project's label.
        let label = format!("label=com.docker.compose.project={}", self.name);
        for (list, rm) in [
            (
                vec!["ps", "-a", "-q", "--filter", &label],
                vec!["rm", "-f", "-v"],
            ),
            (
                vec!["volume", "ls", "-q", "--filter", &label],
                vec!["volume", "rm", "-f"],
            ),
            (
                vec!["network", "ls", "-q", "--filter", &label],
                vec!["network", "rm"],
            ),
        ] {
            let Ok(o) = try_run(Command::new("docker").args(&list), Duration::from_secs(30)) else {
                continue;
            };
            for id in String::from_utf8_lossy(&o.stdout).lines() {
                eprintln!("note: {} left {id} behind; removing it", self.name);
                let _ = try_run(
                    Command::new("docker").args(&rm).arg(id),
                    Duration::from_secs(60),
                );
            }
        }
    }
}

fn copy_dir(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in std::fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())) {
        let e = e.unwrap();
        let dst: PathBuf = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            std::fs::create_dir(&dst).unwrap();
            copy_dir(&e.path(), &dst);
        } else {
            std::fs::copy(e.path(), &dst).unwrap();
            let mode = std::fs::metadata(e.path()).unwrap().permissions().mode();
            std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
}
