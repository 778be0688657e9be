use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::support::{Server, civic, fresh_postgres, init, record, stdout, tempdir};

/// Clients append as fast as they can to the given servers until stopped;
/// returns the ids of every append acknowledged with 201.
async fn hammer(
    bases: Vec<String>,
    token: String,
    clients: usize,
    run_for: Duration,
    kill: impl FnOnce(),
) -> Vec<String> {
    let acked = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let base = bases[c % bases.len()].clone();
        let (token, acked, stop) = (token.clone(), acked.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::new();
            let mut n = c * 1_000_000;
            // Bounded: at most 5,000 requests per client, and stops when told.
            for _ in 0..5_000 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                n += 1;
                match record(&client, &base, &token, n).await {
                    Ok(id) => acked.lock().expect("lock").push(id),
                    Err(_) if stop.load(Ordering::Relaxed) => break,
                    Err(_) => {}
                }
            }
        }));
    }
    tokio::time::sleep(run_for).await;
    kill();
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("client task");
    }
    acked.lock().expect("lock").clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_acknowledged_append_survives_sigkill_and_the_ledger_verifies() {
    let (_tmp, dir) = tempdir();
    let token = init(&dir, None);
    let server = Server::start(&dir, None);
    let base = server.base.clone();
    let acked = hammer(
        vec![base],
        token.clone(),
        16,
        Duration::from_millis(1500),
        move || server.kill(),
    )
    .await;
    assert!(
        acked.len() > 50,
        "the clients made progress before the kill ({} acked)",
        acked.len()
    );

    let server = Server::start(&dir, None);
    let client = reqwest::Client::new();
    for id in &acked {
        let res = client
            .get(server.url(&format!("/decisions/{id}")))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get");
        assert_eq!(res.status(), 200, "acknowledged decision {id} was lost");
    }
    server.stop();
    let out = civic(&dir, None, &["audit", "verify"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_servers_on_one_postgres_database_keep_one_consistent_ledger() {
    let Some(url) = fresh_postgres().await else {
        return;
    };
    let (_tmp, dir) = tempdir();
    let token = init(&dir, Some(&url));
    let a = Server::start(&dir, Some(&url));
    let b = Server::start(&dir, Some(&url));
    let bases = vec![a.base.clone(), b.base.clone()];
    let acked = hammer(bases, token, 12, Duration::from_millis(2000), || {}).await;
    a.stop();
    b.stop();
    assert!(acked.len() > 50, "{} acked", acked.len());
    let out = civic(&dir, Some(&url), &["audit", "verify"]);
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        // The first server to start recorded the settings (one governance
        // entry); the second found them recorded already.
        text.contains(&format!("OK: {} entries", acked.len() + 1)),
        "{text}"
    );
}
