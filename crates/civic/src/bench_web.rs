//! `civic bench web`: how long the server takes to answer each page, on an
//! instance holding a large queue and a long ledger.
//!
//! The server is the real one (`civic_server::serve` on a local port) and the
//! requests are real HTTP, signed in with a session cookie as a browser is;
//! each time is from sending the request to having the whole body, so it
//! includes the local round trip as well as the render.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use civic_app::load::Commit;
use civic_app::queue::{QueueCount, QueueCursor, QueueFilter, QueueSummary};
use civic_app::{App, Config};
use civic_core::{Email, Role, now_millis};

use crate::bench::{LocalServer, append_all, bench_config, cpu_seconds, scratch_dir};

/// Untimed requests per page first, so that every page is timed warm.
const WARM_UP: usize = 5;

/// How deep into the queue the "deep page" starts, as a share of its items.
const DEEP_SHARE: f64 = 0.9;

/// What the pages are built from: ids and cursors found in the seeded data.
struct Fixture {
    /// A service with queued items.
    service: String,
    /// A team with queued items.
    team: String,
    /// The cursor that starts the queue page [`DEEP_SHARE`] of the way in.
    deep: QueueCursor,
    /// How many items come before the deep page.
    deep_offset: u64,
    /// A queued decision on the deep page, to open for review.
    item: String,
}

/// The pages timed, by name and path. To time a new page, add a line here
/// (the admin who signs in may open every page).
fn pages(f: &Fixture) -> Vec<(String, String)> {
    vec![
        ("overview".into(), "/".into()),
        ("queue, first page".into(), "/queue".into()),
        (
            format!("queue, page after {} items (keyset cursor)", f.deep_offset),
            format!("/queue?after={}", f.deep),
        ),
        (
            format!("queue filtered by service {}", f.service),
            format!("/queue?service={}", f.service),
        ),
        (
            format!("queue filtered by team {}", f.team),
            format!("/queue?team={}", f.team),
        ),
        ("review item".into(), format!("/review/{}", f.item)),
        ("triage form".into(), "/triage".into()),
        ("redaction upload form".into(), "/redact".into()),
        ("models".into(), "/models".into()),
        ("audit".into(), "/audit".into()),
        (
            "audit of one decision (entries, inclusion proof)".into(),
            format!("/audit/decisions/{}", f.item),
        ),
    ]
}

pub async fn run(
    base: Config,
    entries: u64,
    clients: usize,
    requests: usize,
    reuse: Option<PathBuf>,
    keep: bool,
) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(requests > 0, "--requests must be at least 1");
    let (data_dir, seeded) = match reuse {
        Some(dir) => (dir, false),
        None => (scratch_dir(), true),
    };
    let config = bench_config(base, &data_dir);
    civic_app::init(&config).await?;
    let app = App::open(config).await?;
    if seeded {
        let t = append_all(&app.decision_appender(Commit::Grouped)?, entries, clients).await?;
        println!(
            "seeded {entries} decisions in {:.1} s ({clients} clients)",
            t.as_secs_f64()
        );
    }
    app.checkpoint_now().await?;
    let summary = app.queue_summary(now_millis()).await?;
    println!(
        "backend: {:?}; {} ledger entries, {} items waiting for review",
        app.backend(),
        app.ledger_size().await?,
        summary.total
    );
    let fixture = fixture(&app, &summary).await?;

    // An admin may open every page. A fresh address each run, so that a
    // reused directory needs no clean-up.
    let email = Email::parse(&format!("bench-{}@example.gov.uk", std::process::id()))?;
    // Recorded in the ledger as the benchmark's own doing.
    let bench = civic_core::Principal::Operator("bench".parse()?);
    let made = app.add_user(&email, Role::Admin, None, bench).await?;
    let password = made
        .generated
        .context("a generated password for the bench user")?;
    let session = app.sign_in(email.as_str(), &password, None).await?;
    let cookie = format!(
        "{}={}",
        civic_server::web::session::SESSION_COOKIE,
        session.token
    );

    let server = LocalServer::start(&app).await?;
    let base_url = server.url.clone();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;

    // On a shared machine wall-clock times mostly measure the wait for a
    // core; the process's CPU time per request (server and client together,
    // as both run in this process) does not.
    println!(
        "{:<55} {:>10} {:>10} {:>10} {:>11} {:>9}",
        "page", "median ms", "p99 ms", "max ms", "CPU ms/req", "KiB"
    );
    for (name, path) in pages(&fixture) {
        let url = format!("{base_url}{path}");
        let mut times = Vec::with_capacity(requests);
        let mut size = 0;
        let mut cpu_before = None;
        for i in 0..WARM_UP + requests {
            if i == WARM_UP {
                cpu_before = cpu_seconds();
            }
            let started = Instant::now();
            let res = client
                .get(&url)
                .header(reqwest::header::COOKIE, &cookie)
                .send()
                .await?;
            let status = res.status();
            let body = res.bytes().await?;
            let took = started.elapsed();
            anyhow::ensure!(
                status == reqwest::StatusCode::OK,
                "GET {path} answered {status}"
            );
            size = body.len();
            if i >= WARM_UP {
                times.push(took);
            }
        }
        let cpu = cpu_before
            .zip(cpu_seconds())
            .map_or("unknown".to_owned(), |(before, after)| {
                format!("{:.2}", (after - before) * 1e3 / requests as f64)
            });
        times.sort_unstable();
        println!(
            "{name:<55} {:>10.2} {:>10.2} {:>10.2} {cpu:>11} {:>9.1}",
            ms(times[times.len() / 2]),
            ms(times[(times.len() * 99 / 100).min(times.len() - 1)]),
            ms(times[times.len() - 1]),
            size as f64 / 1024.0
        );
    }
    server.stop().await?;
    if !seeded {
        println!("data directory reused: {}", data_dir.display());
    } else if keep {
        println!("scratch data directory kept: {}", data_dir.display());
    } else {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    Ok(ExitCode::SUCCESS)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Finds the service, team, deep cursor and item the pages need.
async fn fixture(app: &App, summary: &QueueSummary) -> anyhow::Result<Fixture> {
    let busiest = |counts: &[QueueCount]| {
        counts
            .iter()
            .find_map(|c| c.name.clone())
            .context("the queue is empty: seed more entries")
    };
    let service = busiest(&summary.by_service)?;
    let team = busiest(&summary.by_team)?;
    // Walk the queue by its own keyset pages to the deep cursor, as a
    // reviewer paging through would arrive at it.
    let target = (summary.total as f64 * DEEP_SHARE) as u64;
    let step = u32::try_from(target.clamp(1, 1000)).unwrap_or(1000);
    let all = QueueFilter::default();
    let mut offset = 0u64;
    let mut after = None;
    while offset + u64::from(step) <= target {
        let page = app.queue_page(&all, after, step).await?;
        match page.next {
            Some(next) => {
                after = Some(next);
                offset += u64::from(step);
            }
            None => break,
        }
    }
    let deep = after.context("the queue is too short for a deep page: seed more entries")?;
    let page = app.queue_page(&all, Some(deep), 1).await?;
    let item = page
        .items
        .first()
        .context("no item after the deep cursor")?
        .decision
        .id
        .to_string();
    Ok(Fixture {
        service,
        team,
        deep,
        deep_offset: offset,
        item,
    })
}
