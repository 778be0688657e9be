use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

pub const CIVIC: &str = env!("CARGO_BIN_EXE_civic");

/// `civic ARGS…` with a data directory and optional database URL.
pub fn civic(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> Output {
    let mut cmd = Command::new(CIVIC);
    cmd.arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("CIVIC_DATABASE_URL")
        // Tests that count automatic decisions must not see any sampled.
        .env("CIVIC_QUALITY_SAMPLE_RATE", "0");
    if let Some(url) = database_url {
        cmd.env("CIVIC_DATABASE_URL", url);
    }
    cmd.output().expect("run civic")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs `civic init` and returns the admin token it printed.
pub fn init(data_dir: &Path, database_url: Option<&str>) -> String {
    let out = civic(data_dir, database_url, &["init"]);
    assert!(
        out.status.success(),
        "init failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    text.lines()
        .map(str::trim)
        .find(|l| l.starts_with("civic_"))
        .expect("init prints the admin token")
        .to_owned()
}

/// A `civic serve` process on a free port.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
        Self::start_with(data_dir, database_url, &[]).0
    }

    /// Starts `civic serve EXTRA…`; also returns what it printed before listening.
    pub fn start_with(
        data_dir: &Path,
        database_url: Option<&str>,
        extra: &[&str],
    ) -> (Server, String) {
        let mut cmd = Command::new(CIVIC);
        cmd.arg("--data-dir")
            .arg(data_dir)
            .args(["serve", "--bind", "127.0.0.1:0"])
            .args(extra)
            .env_remove("CIVIC_DATABASE_URL")
            .env("CIVIC_CHECKPOINT_INTERVAL_SECS", "1")
            .env("CIVIC_QUALITY_SAMPLE_RATE", "0")
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        if let Some(url) = database_url {
            cmd.env("CIVIC_DATABASE_URL", url);
        }
        let mut child = cmd.spawn().expect("spawn civic serve");
        let out = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(out).lines();
        let mut before = String::new();
        let base = loop {
            let line = lines
                .next()
                .expect("server exited before listening")
                .expect("read");
            if let Some(rest) = line.strip_prefix("Civic is listening on ") {
                break rest.split_whitespace().next().expect("address").to_owned();
            }
            before.push_str(&line);
            before.push('\n');
        };
        // Keep draining stdout so the child never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        (Server { child, base }, before)
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub fn kill(mut self) {
        // SIGKILL: no chance to flush or clean up.
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }

    pub fn stop(mut self) {
        #[cfg(unix)]
        {
            let _ = Command::new("kill")
                .arg("-TERM")
                .arg(self.child.id().to_string())
                .status();
        }
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn decision_body(n: usize) -> Value {
    json!({
        "service": "triage",
        "model": {"name": "council-triage", "version": "1"},
        "input": {"text": format!("my bin was not collected ({n})")},
        "output": {"team": "waste"},
        "explanation": {"for": [["bin", 1.5]]},
        "confidence": 0.875,
        "needs_review": n.is_multiple_of(3),
    })
}

/// Records a decision; returns its id.
pub async fn record(
    client: &reqwest::Client,
    server_base: &str,
    token: &str,
    n: usize,
) -> Result<String, String> {
    let res = client
        .post(format!("{server_base}/api/v1/decisions"))
        .bearer_auth(token)
        .json(&decision_body(n))
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if res.status() != 201 {
        return Err(format!("status {}", res.status()));
    }
    let v: Value = res.json().await.map_err(|e| e.to_string())?;
    v["id"]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| "no id".to_owned())
}

pub fn sqlite_url(dir: &Path) -> String {
    format!("sqlite://{}", dir.join("civic.db").display())
}

/// A fresh PostgreSQL database URL, or `None` with a message.
pub async fn fresh_postgres() -> Option<String> {
    let Ok(base) = std::env::var("CIVIC_TEST_DATABASE_URL") else {
        eprintln!("skipping PostgreSQL test: CIVIC_TEST_DATABASE_URL is not set");
        return None;
    };
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect");
    let name = format!("civic_e2e_{}", uuid::Uuid::now_v7().simple());
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create database");
    let (prefix, _) = base.rsplit_once('/').expect("database name in URL");
    Some(format!("{prefix}/{name}"))
}

/// Copies the files of directory `from` into `to` (created if need be).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("dir");
    for entry in std::fs::read_dir(from).expect("read dir") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy");
    }
}

pub fn tempdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join("data");
    (dir, path)
}
