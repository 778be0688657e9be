//! `civic bench`: end-to-end performance figures on a scratch instance.
//! Every figure printed here is measured in this run; docs/benchmarks.md
//! records them with the command that produced them.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use civic_app::load::{Commit, DecisionAppender};
use civic_app::{App, Config};
use civic_core::{DecisionStatus, Digest, KeyId, ModelRef, NewDecision, Principal, Service};
use serde_json::json;

use crate::cli::BenchCommand;

/// The process's peak resident memory in KiB (Linux), if known.
pub fn peak_memory() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The CPU time (user + system) this process has used so far, in seconds (Linux).
pub fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the
    // 12th and 13th of those, in clock ticks (100 per second on Linux).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}

/// The real server on a free local port, serving `app`, until stopped.
pub struct LocalServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl LocalServer {
    /// Binds a free port on the loopback address and starts serving.
    pub async fn start(app: &App) -> anyhow::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(civic_server::serve(
            listener,
            civic_server::AppState::new(app.clone()),
            async move {
                let _ = stopped.await;
            },
        ));
        Ok(Self { url, stop, task })
    }

    /// Stops serving and waits for the server to finish.
    pub async fn stop(self) -> anyhow::Result<()> {
        let _ = self.stop.send(());
        self.task.await.context("server task")??;
        Ok(())
    }
}

/// The teams the sample decisions are routed to, ten decisions to a team in
/// turn, so that the queued ones (one in ten) are spread over every team and
/// a queue filtered by team holds a share of the items rather than all.
const TEAMS: [&str; 4] = ["waste_and_recycling", "highways", "housing", "council_tax"];

/// A decision of realistic size (about 600 bytes of canonical JSON); one in
/// ten waits for review.
fn sample(n: u64, requested_by: Principal) -> NewDecision {
    let input = json!({ "text": format!("Message {n}: the bins on our street have not been collected for two weeks.") });
    NewDecision {
        service: Service::parse("triage").unwrap_or_else(|_| unreachable!("valid literal")),
        model: ModelRef {
            name: "council-triage".into(),
            version: "1".into(),
        },
        input_digest: Digest::of_json(&input),
        input: None,
        output: json!({ "team": TEAMS[(n / 10 % TEAMS.len() as u64) as usize], "urgent": false,
                        "alternatives": [["fly_tipping", 0.04], ["highways", 0.01]] }),
        explanation: json!({ "for": [["bins", 1.92], ["collected", 1.41], ["street", 0.33]],
                             "against": [["pothole", -0.52]] }),
        confidence: Some(0.93),
        status: if n.is_multiple_of(10) {
            DecisionStatus::NeedsReview
        } else {
            DecisionStatus::Auto
        },
        queue: civic_core::QueueFacts {
            team: Some(TEAMS[(n / 10 % TEAMS.len() as u64) as usize].to_owned()),
            urgent: false,
        },
        requested_by,
        reference: Some(format!("case-{n}")),
    }
}

/// Appends `count` decisions from `clients` concurrent tasks; returns the elapsed time.
pub async fn append_all(
    appender: &DecisionAppender,
    count: u64,
    clients: usize,
) -> anyhow::Result<Duration> {
    let key = Principal::ApiKey(KeyId::new());
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (appender, next, key) = (appender.clone(), next.clone(), key.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if n >= count {
                    return Ok::<(), civic_app::AppError>(());
                }
                appender.append(sample(n, key.clone())).await?;
            }
        }));
    }
    for t in tasks {
        t.await.context("append task")??;
    }
    Ok(started.elapsed())
}

pub async fn run(base: Config, cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Ledger {
            entries,
            clients,
            baseline_entries,
            keep,
        } => ledger(base, entries, clients, baseline_entries, keep).await,
        BenchCommand::Web {
            entries,
            clients,
            requests,
            reuse,
            keep,
        } => crate::bench_web::run(base, entries, clients, requests, reuse, keep).await,
        BenchCommand::Api {
            clients,
            seconds,
            keep,
        } => crate::bench_api::run(base, clients, seconds, keep).await,
    }
}

/// A configuration for a bench instance in `data_dir`: SQLite in that
/// directory unless `base` names a PostgreSQL database.
pub fn bench_config(base: Config, data_dir: &std::path::Path) -> Config {
    let postgres = base.database_url.starts_with("postgres");
    Config {
        data_dir: data_dir.to_owned(),
        database_url: if postgres {
            base.database_url.clone()
        } else {
            format!("sqlite://{}", data_dir.join("civic.db").display())
        },
        ledger_key_file: data_dir.join("ledger.key"),
        checkpoint_log: data_dir.join("checkpoints.jsonl"),
        ..base
    }
}

/// A fresh scratch data directory's path, for this process.
pub fn scratch_dir() -> std::path::PathBuf {
    let scratch = std::env::temp_dir().join(format!("civic-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    scratch
}

async fn ledger(
    base: Config,
    entries: u64,
    clients: usize,
    baseline_entries: u64,
    keep: bool,
) -> anyhow::Result<ExitCode> {
    let scratch = scratch_dir();
    let postgres = base.database_url.starts_with("postgres");
    let config = bench_config(base, &scratch);
    civic_app::init(&config).await?;
    let app = App::open(config.clone()).await?;
    let backend = format!("{:?}", app.backend());
    println!(
        "backend: {backend}; {clients} concurrent clients; durable commits (SQLite WAL synchronous=FULL / PostgreSQL synchronous_commit=on)"
    );

    // Baseline: one transaction (one fsync) per append.
    let unbatched = app.decision_appender(Commit::EachAlone)?;
    let t = append_all(&unbatched, baseline_entries, clients).await?;
    println!(
        "appends, one transaction each (baseline): {baseline_entries} in {:.2} s = {:.0} events/s",
        t.as_secs_f64(),
        baseline_entries as f64 / t.as_secs_f64()
    );
    drop(unbatched);

    let t = append_all(&app.decision_appender(Commit::Grouped)?, entries, clients).await?;
    println!(
        "appends, group commit:                    {entries} in {:.2} s = {:.0} events/s",
        t.as_secs_f64(),
        entries as f64 / t.as_secs_f64()
    );
    app.checkpoint_now().await?;
    let size = app.ledger_size().await?;

    // Inclusion proofs at the full size, read from the database.
    let samples = 2000u64;
    let mut times = Vec::with_capacity(samples as usize);
    for i in 0..samples {
        let index = (i.wrapping_mul(2_654_435_761)) % size;
        let started = Instant::now();
        let bundle = app.proof_for_index(index).await?;
        times.push(started.elapsed());
        if i == 0 {
            civic_app::audit::check_proof(&bundle, Some(app.verifier().verifier_key()))?;
        }
    }
    times.sort_unstable();
    println!(
        "inclusion proof bundle at {size} entries (store reads + proof): median {:.3} ms, p99 {:.3} ms",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[times.len() * 99 / 100].as_secs_f64() * 1e3
    );
    drop(app);

    // `civic audit verify` in its own process, so its peak memory is its own.
    let mut cmd = std::process::Command::new(std::env::current_exe()?);
    cmd.arg("--data-dir")
        .arg(&scratch)
        .args(["audit", "verify", "--stats"]);
    if postgres {
        cmd.env("CIVIC_DATABASE_URL", &config.database_url);
    } else {
        cmd.env_remove("CIVIC_DATABASE_URL");
    }
    let started = Instant::now();
    let out = cmd.output().context("running civic audit verify")?;
    let wall = started.elapsed();
    let text = String::from_utf8_lossy(&out.stdout);
    println!(
        "civic audit verify over {size} entries: {:.2} s wall (process start included)",
        wall.as_secs_f64()
    );
    for line in text.lines() {
        println!("  {line}");
    }
    if keep {
        println!("scratch data directory kept: {}", scratch.display());
    } else {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    Ok(if out.status.success() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
