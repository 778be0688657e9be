//! `civic bench api`: how fast the write endpoints answer when many clients
//! call them at once.
//!
//! A scratch demo instance (its trained triage model, its API keys) is served
//! by the real server (`civic_server::serve`) on a local port; `clients`
//! concurrent tasks then POST to one endpoint as fast as each gets its answer,
//! for a fixed time, and every answer must be a success. Each time runs from
//! sending the request to having the whole body. The clients run in this
//! process, beside the server, so they take some of its CPU: the figures are
//! what a caller on the same machine would see, not the server alone.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use civic_app::{App, Config};
use civic_core::Role;
use serde_json::{Value, json};

use crate::bench::{LocalServer, bench_config, cpu_seconds, peak_memory, scratch_dir};

/// Messages sent to the triage endpoint in turn: ordinary council contacts and
/// one safeguarding concern, so that both paths of the service are timed.
const MESSAGES: [&str; 6] = [
    "The bins on our road have not been collected for two weeks and the smell is bad.",
    "There is a large pothole outside number 12 that has damaged two cars this month.",
    "Can I pay my council tax in ten instalments instead of twelve this year?",
    "Someone has dumped a sofa and bags of rubbish in the alley behind the shops.",
    "My neighbour plays loud music every night until three in the morning.",
    "I am scared of my partner, he hits me and I need somewhere safe to stay.",
];

/// One endpoint under load: its name, path and the body of request `n`.
struct Endpoint {
    name: &'static str,
    path: &'static str,
    body: fn(u64) -> Value,
}

fn triage_body(n: u64) -> Value {
    json!({ "text": MESSAGES[(n % MESSAGES.len() as u64) as usize],
            "reference": format!("bench-{n}") })
}

fn decision_body(n: u64) -> Value {
    json!({ "service": "eligibility", "model": { "name": "fsm-rules", "version": "2" },
            "input": { "household": n % 7 + 1 }, "output": { "eligible": n.is_multiple_of(3) },
            "explanation": { "rule": "income below threshold" }, "confidence": 0.9,
            "needs_review": n.is_multiple_of(10), "reference": format!("case-{n}") })
}

const ENDPOINTS: [Endpoint; 2] = [
    Endpoint {
        name: "POST /api/v1/triage",
        path: "/api/v1/triage",
        body: triage_body,
    },
    Endpoint {
        name: "POST /api/v1/decisions",
        path: "/api/v1/decisions",
        body: decision_body,
    },
];

/// Untimed seconds of load before each endpoint's timed run.
const WARM_UP: Duration = Duration::from_secs(2);

pub async fn run(
    base: Config,
    clients: usize,
    seconds: u64,
    keep: bool,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(clients > 0, "--clients must be at least 1");
    anyhow::ensure!(seconds > 0, "--seconds must be at least 1");
    let data_dir = scratch_dir();
    let config = bench_config(base, &data_dir);
    civic_app::init(&config).await?;
    let app = App::open(config).await?;
    println!("setting up a demo instance (trains the demo models)...");
    let demo = app.seed_demo().await?;
    let token = demo
        .keys
        .iter()
        .find(|(role, _)| *role == Role::Caseworker)
        .map(|(_, token)| token.clone())
        .context("the demo made no caseworker key")?;
    println!(
        "backend: {:?}; {clients} clients, {seconds} s per endpoint",
        app.backend()
    );

    let server = LocalServer::start(&app).await?;
    let base_url = server.url.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let auth = format!("Bearer {token}");

    println!(
        "{:<26} {:>9} {:>10} {:>9} {:>9} {:>9} {:>11}",
        "endpoint", "requests", "per s", "p50 ms", "p99 ms", "max ms", "CPU ms/req"
    );
    for endpoint in &ENDPOINTS {
        let url = format!("{base_url}{}", endpoint.path);
        load(&client, &url, &auth, endpoint, clients, WARM_UP).await?;
        let cpu_before = cpu_seconds();
        let started = Instant::now();
        let mut times = load(
            &client,
            &url,
            &auth,
            endpoint,
            clients,
            Duration::from_secs(seconds),
        )
        .await?;
        let wall = started.elapsed();
        let cpu = cpu_before
            .zip(cpu_seconds())
            .map_or("unknown".to_owned(), |(before, after)| {
                format!("{:.3}", (after - before) * 1e3 / times.len() as f64)
            });
        times.sort_unstable();
        let at = |q: f64| ms(times[((times.len() as f64 * q) as usize).min(times.len() - 1)]);
        println!(
            "{:<26} {:>9} {:>10.0} {:>9.2} {:>9.2} {:>9.2} {cpu:>11}",
            endpoint.name,
            times.len(),
            times.len() as f64 / wall.as_secs_f64(),
            at(0.5),
            at(0.99),
            ms(times[times.len() - 1]),
        );
    }
    if let Some(kib) = peak_memory() {
        println!(
            "peak resident memory of the process (server and clients): {:.1} MiB",
            kib as f64 / 1024.0
        );
    }
    server.stop().await?;
    app.shutdown().await?;
    if keep {
        println!("scratch data directory kept: {}", data_dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `clients` tasks posting to `url` until `duration` has passed; returns
/// the time of every request. Any answer but a success stops the bench.
async fn load(
    client: &reqwest::Client,
    url: &str,
    auth: &str,
    endpoint: &Endpoint,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Vec<Duration>> {
    let until = Instant::now() + duration;
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(clients);
    for _ in 0..clients {
        let (client, url, auth, next) = (
            client.clone(),
            url.to_owned(),
            auth.to_owned(),
            next.clone(),
        );
        let body = endpoint.body;
        tasks.push(tokio::spawn(async move {
            let mut times = Vec::new();
            while Instant::now() < until {
                let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let started = Instant::now();
                let res = client
                    .post(&url)
                    .header(reqwest::header::AUTHORIZATION, &auth)
                    .json(&body(n))
                    .send()
                    .await?;
                let status = res.status();
                let answer = res.bytes().await?;
                times.push(started.elapsed());
                anyhow::ensure!(
                    status.is_success(),
                    "POST {url} answered {status}: {}",
                    String::from_utf8_lossy(&answer[..answer.len().min(300)])
                );
            }
            anyhow::Ok(times)
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.context("client task")??);
    }
    anyhow::ensure!(!all.is_empty(), "no request finished in {duration:?}");
    Ok(all)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}
