use std::path::Path;

use sqlx::Connection as _;

use crate::support::{Server, civic, copy_dir, init, record, sqlite_url, stdout, tempdir};

/// A data directory with 12 decisions and one review, server stopped.
async fn populated() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    populated_on(None, 12).await
}

/// `count` decisions (every third waiting for review) and an accept of the
/// first, on SQLite or the PostgreSQL database at `url`; server stopped.
async fn populated_on(
    url: Option<&str>,
    count: usize,
) -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let (tmp, dir) = tempdir();
    let token = init(&dir, url);
    let server = Server::start(&dir, url);
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for n in 0..count {
        ids.push(
            record(&client, &server.base, &token, n)
                .await
                .expect("record"),
        );
    }
    let res = client
        .post(server.url(&format!("/decisions/{}/review", ids[0])))
        .bearer_auth(&token)
        .json(&serde_json::json!({"action": "accept"}))
        .send()
        .await
        .expect("review");
    assert_eq!(res.status(), 201);
    server.stop();
    (tmp, dir, ids)
}

async fn tamper(dir: &Path, sql: &str) {
    let mut conn = sqlx::SqliteConnection::connect(&sqlite_url(dir))
        .await
        .expect("open db");
    let done = sqlx::Executor::execute(&mut conn, sql)
        .await
        .expect("tamper");
    assert!(done.rows_affected() > 0, "{sql} changed nothing");
    conn.close().await.expect("close");
}

/// A decision id no decision was given.
const EXTRA_ID: &str = "01900000-0000-7000-8000-000000000001";

fn verify(dir: &Path) -> (bool, String) {
    let out = civic(dir, None, &["audit", "verify"]);
    (out.status.success(), stdout(&out))
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_passes_on_an_untouched_ledger_and_names_each_kind_of_tampering() {
    let (tmp, dir, ids) = populated().await;
    let (ok, text) = verify(&dir);
    assert!(ok, "{text}");
    assert!(
        text.contains("14 entries (12 decisions, 1 reviews, 1 governance events)"),
        "{text}"
    );
    assert!(
        !text.contains("not signed yet"),
        "a stopped server signs its last entries: {text}"
    );

    let cases: Vec<(String, String)> = vec![
        (
            format!("UPDATE decisions SET output = '{{\"team\":\"parking\"}}' WHERE id = '{}'", ids[5]),
            format!("entry 6: the decision record {} differs", ids[5]),
        ),
        (
            "UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), 'waste', 'wasto') AS BLOB) WHERE idx = 8"
                .into(),
            "entry 8 was altered".into(),
        ),
        (
            // A decision waiting for review also has a queue row to remove.
            format!("DELETE FROM review_queue WHERE decision_id = '{0}'; DELETE FROM decisions WHERE id = '{0}'", ids[9]),
            format!("entry 10: the decision record {} is missing", ids[9]),
        ),
        ("DELETE FROM ledger_entries WHERE idx = 5".into(), "entry 5 is missing".into()),
        (
            // Swap two entries wholesale (bytes and leaf hashes): a reordering.
            "UPDATE ledger_entries SET idx = -1 WHERE idx = 3; UPDATE ledger_entries SET idx = 3 WHERE idx = 4; \
             UPDATE ledger_entries SET idx = 4 WHERE idx = -1"
                .into(),
            "entry 3: the decision record".into(),
        ),
        ("DELETE FROM ledger_entries WHERE idx = 13".into(), "entry 13".into()),
        // Entry 0 is the settings the server started with (a governance
        // event): altering or deleting its row is named like any record's.
        (
            "UPDATE governance_events SET details = replace(details, '\"changed\":[', '\"changed\":[\"x\",')".into(),
            "entry 0: the governance (settings_changed) record".into(),
        ),
        (
            "UPDATE governance_events SET actor = 'operator:someone-else'".into(),
            "entry 0: the governance (settings_changed) record".into(),
        ),
        (
            "DELETE FROM governance_events".into(),
            "entry 0: the governance (settings_changed) record".into(),
        ),
        ("UPDATE ledger_hashes SET hash = zeroblob(32) WHERE id = 5".into(), "stored hash 5".into()),
        (
            // A decision record beside every matched one, claiming an entry
            // past the end: only the search over all decisions finds it.
            format!(
                "CREATE TEMP TABLE extra AS SELECT * FROM decisions WHERE id = '{}'; \
                 UPDATE extra SET id = '{EXTRA_ID}', ledger_index = 999; \
                 INSERT INTO decisions SELECT * FROM extra",
                ids[6]
            ),
            format!("record {EXTRA_ID} claims ledger entry 999"),
        ),
        // The review state must agree with the review events in the ledger.
        (
            format!("UPDATE decisions SET status = 'reviewed' WHERE id = '{}'", ids[3]),
            format!("decision {}: it is marked reviewed, but the ledger holds no review of it", ids[3]),
        ),
        (
            format!("UPDATE decisions SET status = 'needs_review' WHERE id = '{}'", ids[0]),
            format!("decision {}: the ledger holds a review of it, but it is not marked reviewed", ids[0]),
        ),
        (
            format!("UPDATE decisions SET status = 'needs_review' WHERE id = '{}'", ids[1]),
            format!("decision {}: its status was changed without a review", ids[1]),
        ),
        (
            format!("DELETE FROM review_queue WHERE decision_id = '{}'", ids[6]),
            format!("decision {}: it is waiting for review, but it is not in the review queue", ids[6]),
        ),
        (
            format!(
                "INSERT INTO review_queue (decision_id, service, team, urgent, created_at) \
                 VALUES ('{}', 'eligibility', NULL, 0, 0)",
                ids[1]
            ),
            format!("decision {}: it is in the review queue, but it is not waiting for review", ids[1]),
        ),
        (
            format!("DELETE FROM review_events WHERE decision_id = '{}'", ids[0]),
            "entry 13: the review record".into(),
        ),
    ];
    // Stored JSON written differently (here with spaces) but equal to what
    // was recorded is not an alteration.
    let respaced = tmp.path().join("respaced");
    copy_dir(&dir, &respaced);
    tamper(
        &respaced,
        &format!(
            "UPDATE decisions SET output = replace(output, ':', ' : '), \
             explanation = ' ' || explanation WHERE id = '{}'",
            ids[3]
        ),
    )
    .await;
    let (ok, text) = verify(&respaced);
    assert!(ok, "{text}");

    for (i, (sql, expected)) in cases.iter().enumerate() {
        let copy = tmp.path().join(format!("case{i}"));
        copy_dir(&dir, &copy);
        tamper(&copy, sql).await;
        let (ok, text) = verify(&copy);
        assert!(!ok, "verify should fail after: {sql}\n{text}");
        assert!(
            text.contains(expected),
            "after {sql}\nexpected {expected:?} in:\n{text}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_proof_bundle_checks_offline_and_fails_when_altered_or_signed_by_another_key() {
    let (tmp, dir, ids) = populated().await;
    let bundle = tmp.path().join("proof.json");
    let out = civic(
        &dir,
        None,
        &[
            "audit",
            "proof",
            &ids[4],
            "--output",
            bundle.to_str().expect("path"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let public = dir.join("ledger.pub");
    let nowhere = tmp.path().join("no-data-dir");
    let check = |file: &Path, key: &Path| {
        civic(
            &nowhere,
            None,
            &[
                "audit",
                "check-proof",
                file.to_str().expect("p"),
                "--public-key",
                key.to_str().expect("p"),
            ],
        )
    };
    let ok = check(&bundle, &public);
    assert!(ok.status.success(), "{}", stdout(&ok));
    assert!(
        stdout(&ok).contains("entry 5 is included"),
        "{}",
        stdout(&ok)
    );
    assert!(
        !nowhere.exists(),
        "checking a proof needs no data directory or database"
    );

    // Altered entry.
    let text = std::fs::read_to_string(&bundle).expect("read");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("json");
    v["index"] = serde_json::json!(6);
    let altered = tmp.path().join("altered.json");
    std::fs::write(&altered, v.to_string()).expect("write");
    let bad = check(&altered, &public);
    assert_eq!(bad.status.code(), Some(1));
    assert!(stdout(&bad).contains("FAILED"));

    // Another instance's key.
    let (_tmp2, other) = tempdir();
    init(&other, None);
    let wrong = check(&bundle, &other.join("ledger.pub"));
    assert_eq!(wrong.status.code(), Some(1));
    assert!(
        stdout(&wrong).contains("different key"),
        "{}",
        stdout(&wrong)
    );

    // Not a bundle at all.
    let junk = tmp.path().join("junk.json");
    std::fs::write(&junk, "{").expect("write");
    let out = check(&junk, &public);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.json"));

    // Witnesses: this ledger has none, so a proof that must carry a
    // witness's cosignature fails; one that need carry none passes.
    let made = civic(
        &nowhere,
        None,
        &[
            "witness",
            "init",
            "--name",
            "witness.test/w1",
            "--key-file",
            tmp.path().join("w.key").to_str().expect("p"),
        ],
    );
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let witness_pub = stdout(&made)
        .split_whitespace()
        .find(|w| w.starts_with("witness.test/w1+"))
        .expect("the witness's public key is printed")
        .to_owned();
    let witness_file = tmp.path().join("w.pub");
    std::fs::write(&witness_file, &witness_pub).expect("write");
    let with_witnesses = |required: &str, key: &Path| {
        civic(
            &nowhere,
            None,
            &[
                "audit",
                "check-proof",
                bundle.to_str().expect("p"),
                "--public-key",
                public.to_str().expect("p"),
                "--witness-key",
                key.to_str().expect("p"),
                "--require-witnesses",
                required,
            ],
        )
    };
    let unwitnessed = with_witnesses("1", &witness_file);
    assert_eq!(
        unwitnessed.status.code(),
        Some(1),
        "{}",
        stdout(&unwitnessed)
    );
    assert!(
        stdout(&unwitnessed).contains("FAILED"),
        "{}",
        stdout(&unwitnessed)
    );
    let none_needed = with_witnesses("0", &witness_file);
    assert!(none_needed.status.success(), "{}", stdout(&none_needed));
    let not_a_key = with_witnesses("1", &junk);
    assert!(!not_a_key.status.success());
    assert!(
        String::from_utf8_lossy(&not_a_key.stderr).contains("not a witness public key"),
        "{}",
        String::from_utf8_lossy(&not_a_key.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn review_state_that_disagrees_with_the_ledger_is_named_on_postgres_too() {
    let Some(url) = crate::support::fresh_postgres().await else {
        return;
    };
    let (_tmp, dir, ids) = populated_on(Some(&url), 4).await;
    let ok = civic(&dir, Some(&url), &["audit", "verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));

    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    // Each case is undone before the next: (tamper, undo, expected).
    let cases = [
        (
            format!(
                "UPDATE decisions SET status = 'needs_review' WHERE id = '{}'",
                ids[0]
            ),
            format!(
                "UPDATE decisions SET status = 'reviewed' WHERE id = '{}'",
                ids[0]
            ),
            format!(
                "decision {}: the ledger holds a review of it, but it is not marked reviewed",
                ids[0]
            ),
        ),
        (
            format!(
                "UPDATE decisions SET status = 'reviewed' WHERE id = '{}'",
                ids[3]
            ),
            format!(
                "UPDATE decisions SET status = 'needs_review' WHERE id = '{}'",
                ids[3]
            ),
            format!(
                "decision {}: it is marked reviewed, but the ledger holds no review of it",
                ids[3]
            ),
        ),
    ];
    for (tamper, undo, expected) in &cases {
        sqlx::Executor::execute(&mut conn, tamper.as_str())
            .await
            .expect("tamper");
        let out = civic(&dir, Some(&url), &["audit", "verify"]);
        let text = stdout(&out);
        assert!(!out.status.success(), "after {tamper}: {text}");
        assert!(text.contains(expected.as_str()), "after {tamper}: {text}");
        sqlx::Executor::execute(&mut conn, undo.as_str())
            .await
            .expect("undo");
    }
    let ok = civic(&dir, Some(&url), &["audit", "verify"]);
    assert!(ok.status.success(), "{}", stdout(&ok));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_checkpoint_is_proven_extended_offline_and_by_verify_since() {
    let (tmp, dir) = tempdir();
    let token = init(&dir, None);
    let server = Server::start(&dir, None);
    let client = reqwest::Client::new();
    for n in 0..13 {
        record(&client, &server.base, &token, n)
            .await
            .expect("record");
    }
    server.stop();
    let saved = tmp.path().join("saved.checkpoint");
    let out = civic(
        &dir,
        None,
        &[
            "audit",
            "checkpoint",
            "--export",
            saved.to_str().expect("utf-8"),
        ],
    );
    assert!(out.status.success(), "{}", stdout(&out));
    // The ledger grows after the auditor saved the checkpoint.
    let server = Server::start(&dir, None);
    for n in 20..23 {
        record(&client, &server.base, &token, n)
            .await
            .expect("record");
    }
    server.stop();

    let out = civic(
        &dir,
        None,
        &["audit", "verify", "--since", saved.to_str().expect("utf-8")],
    );
    let text = stdout(&out);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("It extends the saved checkpoint of 14 entries"),
        "{text}"
    );

    let bundle = tmp.path().join("consistency.json");
    let out = civic(
        &dir,
        None,
        &[
            "audit",
            "consistency",
            saved.to_str().expect("utf-8"),
            "--output",
            bundle.to_str().expect("utf-8"),
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let key = dir.join("ledger.pub");
    let check = |file: &Path| {
        civic(
            &dir,
            None,
            &[
                "audit",
                "check-consistency",
                file.to_str().expect("utf-8"),
                "--public-key",
                key.to_str().expect("utf-8"),
            ],
        )
    };
    let ok = check(&bundle);
    let text = stdout(&ok);
    assert!(ok.status.success(), "{text}");
    assert!(
        text.contains("of 17 entries") && text.contains("checkpoint of 14 entries"),
        "{text}"
    );

    // An altered proof hash fails.
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&bundle).expect("read")).expect("json");
    json["proof"][0] = serde_json::json!("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
    let altered = tmp.path().join("altered.json");
    std::fs::write(&altered, json.to_string()).expect("write");
    let bad = check(&altered);
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    assert!(stdout(&bad).contains("FAILED"));
}
