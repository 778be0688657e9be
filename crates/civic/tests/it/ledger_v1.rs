//! A ledger written before entry version 2 (`tests/data/ledger-v1`, see its
//! README): the current binary migrates it, verifies its version-1 entries
//! exactly as before, appends version-2 entries after them, and refuses to
//! redact a reason that a version-1 entry holds itself.

use std::path::Path;

use serde_json::{Value, json};
use sqlx::Connection as _;

use crate::support::{Server, civic, copy_dir, decision_body, sqlite_url, stdout, tempdir};

/// The fixture's admin token (a test key of the fixture only).
const TOKEN: &str = "civic_vuDqeblcSJxlj4JWF90JVPQ8cvhEaENegBpZ4bv-4XY";

/// The fixture's override, whose version-1 entry holds its reason.
const V1_OVERRIDE: &str = "01a24329-a050-7276-8d22-07eb9b18eba8";

/// The fixture's first decision.
const V1_DECISION: &str = "01a24329-9449-719b-acd5-d831e987525a";

fn fixture() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/ledger-v1"))
}

fn verify(dir: &Path) -> (bool, String) {
    let out = civic(dir, None, &["audit", "verify"]);
    (out.status.success(), stdout(&out))
}

async fn entry_text(dir: &Path, index: i64) -> String {
    let mut conn = sqlx::SqliteConnection::connect(&sqlite_url(dir))
        .await
        .expect("open");
    let (entry,): (Vec<u8>,) = sqlx::query_as("SELECT entry FROM ledger_entries WHERE idx = $1")
        .bind(index)
        .fetch_one(&mut conn)
        .await
        .expect("entry");
    conn.close().await.expect("close");
    String::from_utf8(entry).expect("utf8")
}

async fn set_reason(dir: &Path, review: &str, reason: &str) {
    let mut conn = sqlx::SqliteConnection::connect(&sqlite_url(dir))
        .await
        .expect("open");
    sqlx::query("UPDATE review_events SET reason = $1 WHERE id = $2")
        .bind(reason)
        .bind(review)
        .execute(&mut conn)
        .await
        .expect("update");
    conn.close().await.expect("close");
}

async fn post(client: &reqwest::Client, url: String, body: Value) -> Value {
    let res = client
        .post(url)
        .bearer_auth(TOKEN)
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_version_1_ledger_still_verifies_and_grows_in_version_2() {
    let (_tmp, dir) = tempdir();
    copy_dir(fixture(), &dir);
    let (ok, text) = verify(&dir);
    assert!(ok, "{text}");
    assert!(
        text.contains("5 entries (3 decisions, 2 reviews)"),
        "{text}"
    );
    let old = entry_text(&dir, 0).await;
    assert!(
        old.contains("\"explanation\":{") && !old.contains("\"v\":"),
        "{old}"
    );

    let server = Server::start(&dir, None);
    let client = reqwest::Client::new();
    let made = post(&client, server.url("/decisions"), decision_body(1)).await;
    let id = made["id"].as_str().expect("id");
    let review = post(
        &client,
        server.url(&format!("/decisions/{id}/review")),
        json!({"action": "override", "output": {"team": "housing"}, "reason": "Other: Wilhelmina rang"}),
    )
    .await;
    server.stop();
    // Entry 5 is the settings the server started with (a governance event).
    for index in [5, 6, 7] {
        let new = entry_text(&dir, index).await;
        assert!(new.ends_with(",\"v\":2}"), "{new}");
        assert!(
            !new.contains("Wilhelmina") && !new.contains("\"explanation\""),
            "{new}"
        );
    }
    let (ok, text) = verify(&dir);
    assert!(ok, "{text}");
    assert!(
        text.contains("8 entries (4 decisions, 3 reviews, 1 governance events)"),
        "{text}"
    );

    // A version-2 entry holds the reason's digest: a kept reason that was
    // altered no longer matches it.
    let v2_review = review["id"].as_str().expect("id");
    set_reason(&dir, v2_review, "Someone else rang").await;
    let (ok, text) = verify(&dir);
    assert!(!ok);
    assert!(
        text.contains(&format!("entry 7: the review record {v2_review} differs")),
        "{text}"
    );
    set_reason(&dir, v2_review, "Wilhelmina rang").await;

    // The ledger holds a version-1 reason itself: removing it from the
    // record would only make verification fail, so it is refused.
    let why = ["--why", "erasure request ER-2"];
    let out = civic(
        &dir,
        None,
        &[&["review", "redact-reason", V1_OVERRIDE][..], &why].concat(),
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("before ledger entry version 2"), "{err}");
    let out = civic(
        &dir,
        None,
        &[&["review", "redact-reason", v2_review][..], &why].concat(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (ok, text) = verify(&dir);
    assert!(ok, "{text}");
    assert!(
        text.contains(
            "9 entries (4 decisions, 3 reviews, 1 reason redactions, 1 governance events)"
        ),
        "{text}"
    );

    // Altering a version-1 record is still found.
    let mut conn = sqlx::SqliteConnection::connect(&sqlite_url(&dir))
        .await
        .expect("open");
    sqlx::query("UPDATE decisions SET explanation = '{}' WHERE id = $1")
        .bind(V1_DECISION)
        .execute(&mut conn)
        .await
        .expect("tamper");
    conn.close().await.expect("close");
    let (ok, text) = verify(&dir);
    assert!(!ok);
    assert!(
        text.contains(&format!(
            "entry 0: the decision record {V1_DECISION} differs"
        )),
        "{text}"
    );
}
