use std::path::Path;

use sqlx::Connection as _;

use crate::support::{Server, civic, copy_dir, init, record, sqlite_url, stdout, tempdir};

/// A data directory with 12 decisions and one review, server stopped.
async fn populated() -> (tempfile::TempDir, std::path::PathBuf, Vec<String>) {
    let (tmp, dir) = tempdir();
    let token = init(&dir, None);
    let server = Server::start(&dir, None);
    let client = reqwest::Client::new();
    let mut ids = Vec::new();
    for n in 0..12 {
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
        text.contains("13 entries (12 decisions, 1 reviews)"),
        "{text}"
    );
    assert!(
        !text.contains("not signed yet"),
        "a stopped server signs its last entries: {text}"
    );

    let cases: Vec<(String, String)> = vec![
        (
            format!("UPDATE decisions SET output = '{{\"team\":\"parking\"}}' WHERE id = '{}'", ids[5]),
            format!("entry 5: the decision record {} differs", ids[5]),
        ),
        (
            "UPDATE ledger_entries SET entry = CAST(replace(CAST(entry AS TEXT), 'waste', 'wasto') AS BLOB) WHERE idx = 7"
                .into(),
            "entry 7 was altered".into(),
        ),
        (
            // A decision waiting for review also has a queue row to remove.
            format!("DELETE FROM review_queue WHERE decision_id = '{0}'; DELETE FROM decisions WHERE id = '{0}'", ids[9]),
            format!("entry 9: the decision record {} is missing", ids[9]),
        ),
        ("DELETE FROM ledger_entries WHERE idx = 4".into(), "entry 4 is missing".into()),
        (
            // Swap two entries wholesale (bytes and leaf hashes): a reordering.
            "UPDATE ledger_entries SET idx = -1 WHERE idx = 2; UPDATE ledger_entries SET idx = 2 WHERE idx = 3; \
             UPDATE ledger_entries SET idx = 3 WHERE idx = -1"
                .into(),
            "entry 2: the decision record".into(),
        ),
        ("DELETE FROM ledger_entries WHERE idx = 12".into(), "entry 12".into()),
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
        stdout(&ok).contains("entry 4 is included"),
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
    v["index"] = serde_json::json!(5);
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
}
