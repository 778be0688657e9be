//! Personal data and the append-only ledger, service by service: a made-up
//! name sent to each service is nowhere in the ledger (entries, stored
//! hashes, checkpoints) or in a proof bundle, and once retention has run
//! (and a reviewer's reason has been redacted) nowhere in the database.

use civic_core::{Role, from_unix_millis, now_millis, unix_millis};
use serde_json::{Value, json};
use sqlx::Connection as _;

use crate::support::{Browser, TestServer, new_claims, user};

/// A made-up name that appears nowhere else.
const NAME: &str = "Zebedee Quillfeather-Okonkwo";

/// Every form of the name a leak could take: as typed, as a lowercase
/// explanation term, JSON-escaped or not.
const FORMS: [&str; 4] = ["Zebedee", "zebedee", "Quillfeather", "quillfeather"];

fn assert_no_name(text: &str, what: &str) {
    for form in FORMS {
        assert!(!text.contains(form), "{what} holds {form:?}");
    }
}

/// A server keeping inputs (and so explanations and references) for a day.
async fn retaining() -> TestServer {
    TestServer::start_with(|o| o.input_retention_days = Some(1)).await
}

async fn post(s: &TestServer, role: Role, path: &str, body: Value) -> (u16, Value) {
    let res = s
        .client
        .post(s.url(path))
        .bearer_auth(s.token(role))
        .json(&body)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    (status, res.json().await.expect("json"))
}

/// The ledger's tables as text: entries, stored hashes (hex) and checkpoints.
async fn ledger_text(s: &TestServer) -> String {
    use futures_util::TryStreamExt as _;
    let store = s.store().await;
    let entries: Vec<_> = store.ledger_entries().try_collect().await.expect("entries");
    let mut text = String::new();
    for e in &entries {
        text.push_str(&String::from_utf8_lossy(&e.entry));
        text.push_str(&hex_of(&e.leaf_hash));
    }
    let size = store.ledger_size().await.expect("size");
    let hashes = store
        .stored_hash_range(0, size * 2 + 64)
        .await
        .expect("hashes");
    for h in hashes {
        text.push_str(&hex_of(&h.0));
    }
    for cp in store.checkpoints().await.expect("checkpoints") {
        text.push_str(&cp.note);
    }
    text
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SQLite file's bytes after its WAL is checkpointed and it is
/// vacuumed, so that nothing deleted lingers in a free page or the WAL.
async fn database_file_text(s: &TestServer) -> String {
    let path = s.data_dir().join("civic.db");
    let mut conn = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .expect("open the database file");
    sqlx::Executor::execute(&mut conn, "PRAGMA wal_checkpoint(TRUNCATE)")
        .await
        .expect("checkpoint");
    sqlx::Executor::execute(&mut conn, "VACUUM")
        .await
        .expect("vacuum");
    // VACUUM in WAL mode writes the rebuilt pages to the WAL: only a
    // checkpoint that completes puts them in the file, over the old ones.
    let (busy, _, _): (i64, i64, i64) = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
        .fetch_one(&mut conn)
        .await
        .expect("checkpoint");
    assert_eq!(busy, 0, "the checkpoint after VACUUM completed");
    conn.close().await.expect("close");
    let mut bytes = std::fs::read(&path).expect("read");
    if let Ok(wal) = std::fs::read(s.data_dir().join("civic.db-wal")) {
        bytes.extend(wal);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The checks every service's test ends with, for the decisions `ids`:
/// the ledger and each decision's proof bundle hold no name; the record
/// does while retention lasts; after the purge neither the record nor any
/// other part of the database does, and the ledger still verifies.
async fn assert_kept_only_while_retained(s: &TestServer, ids: &[String]) {
    s.app.checkpoint_now().await.expect("checkpoint");
    assert_no_name(&ledger_text(s).await, "the ledger");
    for id in ids {
        let res = s
            .client
            .get(s.url(&format!("/audit/proof/{id}")))
            .bearer_auth(s.token(Role::Auditor))
            .send()
            .await
            .expect("proof");
        assert_eq!(res.status(), 200);
        assert_no_name(&res.text().await.expect("text"), "a proof bundle");
    }

    // The search below can see the name: the record keeps it while
    // retention lasts.
    assert!(database_file_text(s).await.contains("Zebedee"));

    let later = from_unix_millis(unix_millis(now_millis()) + 2 * 86_400_000).expect("in range");
    let purged = s.app.purge_inputs_lapsed_by(later).await.expect("purge");
    assert_eq!(purged, ids.len() as u64);
    for id in ids {
        let d = s.decision(id).await;
        assert_eq!(d["explanation"], Value::Null, "{d}");
        assert_eq!(d["reference"], Value::Null, "{d}");
        assert!(d["explanation_removed_at"].is_string(), "{d}");
    }
    let report = s
        .app
        .verify_ledger(&|_| {})
        .await
        .expect("read")
        .expect("the ledger verifies after the purge");
    assert_eq!(report.decisions, ids.len() as u64);
    assert_no_name(&database_file_text(s).await, "the database");
}

#[tokio::test(flavor = "multi_thread")]
async fn triage_keeps_no_name_in_the_ledger_and_none_after_retention() {
    let s = retaining().await;
    let _model = s.with_triage_model().await;
    let text = format!(
        "Complaint from {NAME}, NHS 401 023 2110. We will be homeless tonight and the bin was not collected"
    );
    let (status, body) = post(
        &s,
        Role::Caseworker,
        "/triage",
        json!({"text": text, "reference": NAME}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["decision_id"].as_str().expect("id").to_owned();
    let kept = s.decision(&id).await;
    // The output names the safeguarding rule that matched, not the words;
    // the words and their offsets are in the explanation.
    let matched = &kept["output"]["safeguarding"]["categories"][0];
    assert!(matched["rule_ids"][0].is_string(), "{kept}");
    assert!(
        matched.get("text").is_none() && matched.get("start").is_none(),
        "{kept}"
    );
    assert!(
        kept["explanation"]["safeguarding"]["matches"][0]["text"].is_string(),
        "{kept}"
    );
    assert_eq!(kept["reference"], NAME);

    // The review page shows the explanation while it is kept, and says
    // when it was removed afterwards.
    let (email, _) = user(&s, Role::Reviewer).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let (_, page, _) = b.get(&format!("/review/{id}")).await;
    assert!(!page.contains("explanation-removed"), "{page}");

    assert_kept_only_while_retained(&s, std::slice::from_ref(&id)).await;
    let (status, page, _) = b.get(&format!("/review/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"explanation-removed\""), "{page}");
    assert!(page.contains("under the retention policy"), "{page}");
    assert_no_name(&page, "the review page after retention");
}

#[tokio::test(flavor = "multi_thread")]
async fn risk_keeps_no_name_in_the_ledger_and_none_after_retention() {
    let s = retaining().await;
    let _model = s.with_risk_model().await;
    let mut record = new_claims(1, 5).remove(0);
    // A name typed into a category column is a value never seen in training.
    record.insert("region".into(), json!(NAME));
    let (status, body) = post(
        &s,
        Role::Caseworker,
        "/risk/score",
        json!({"model": "claims-risk", "record": record, "reference": NAME}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["decision_id"].as_str().expect("id").to_owned();
    let kept = s.decision(&id).await;
    assert_eq!(
        kept["output"]["unseen_categories"],
        json!(["region"]),
        "{kept}"
    );
    assert_eq!(kept["explanation"]["unseen_categories"][0]["value"], NAME);
    assert_kept_only_while_retained(&s, &[id]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn redaction_keeps_no_name_in_the_ledger_and_none_after_retention() {
    let s = retaining().await;
    let text = format!("Dear {NAME}, your NHS number 943 476 5919 is on file.");
    let (status, body) = post(
        &s,
        Role::Caseworker,
        "/redact",
        json!({"text": text, "options": {"operator": "pseudonym"}, "reference": NAME}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["decision_id"].as_str().expect("id").to_owned();
    assert_kept_only_while_retained(&s, &[id]).await;
}

/// Records, through the API, a decision made elsewhere whose input,
/// explanation and reference hold the name; returns the answer.
async fn record_with_name(s: &TestServer) -> Value {
    let (status, body) = post(
        s,
        Role::Caseworker,
        "/decisions",
        json!({
            "service": "eligibility",
            "model": {"name": "fsm-rules", "version": "2"},
            "input": {"applicant": NAME, "income": 12000},
            "output": {"eligible": true},
            "explanation": {"rule": "income below threshold", "applicant": NAME},
            "needs_review": true,
            "reference": NAME,
        }),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn a_recorded_decision_keeps_no_name_in_the_ledger_and_none_after_retention() {
    let s = retaining().await;
    let body = record_with_name(&s).await;
    // The caller's copy has what it sent; the API says nothing was removed.
    assert_eq!(body["explanation"]["applicant"], NAME);
    assert!(body.get("explanation_removed_at").is_none(), "{body}");
    let id = body["id"].as_str().expect("id").to_owned();
    assert_kept_only_while_retained(&s, &[id]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewers_reason_is_a_digest_in_the_ledger_and_an_admin_can_redact_it() {
    let s = retaining().await;
    let recorded = record_with_name(&s).await;
    let id = recorded["id"].as_str().expect("id").to_owned();
    let (status, review) = post(
        &s,
        Role::Reviewer,
        &format!("/decisions/{id}/review"),
        json!({"action": "override", "output": {"eligible": false},
               "reason": format!("Other: {NAME} phoned, income has changed")}),
    )
    .await;
    assert_eq!(status, 201, "{review}");
    let review_id = review["id"].as_str().expect("id").to_owned();
    assert_eq!(
        s.decision(&id).await["reviews"][0]["reason"],
        format!("Other: {NAME} phoned, income has changed")
    );
    s.app.checkpoint_now().await.expect("checkpoint");
    assert_no_name(&ledger_text(&s).await, "the ledger");

    // Only an administrator may redact it, and must say why.
    let path = format!("/reviews/{review_id}/redact-reason");
    for role in [Role::Caseworker, Role::Reviewer, Role::Auditor] {
        let (status, _) = post(&s, role, &path, json!({"why": "erasure request ER-1"})).await;
        assert_eq!(status, 403, "{role}");
    }
    let (status, _) = post(&s, Role::Admin, &path, json!({"why": "  "})).await;
    assert_eq!(status, 400);
    let (status, redaction) = post(
        &s,
        Role::Admin,
        &path,
        json!({"why": "erasure request ER-1"}),
    )
    .await;
    assert_eq!(status, 201, "{redaction}");
    let (status, again) = post(
        &s,
        Role::Admin,
        &path,
        json!({"why": "erasure request ER-1"}),
    )
    .await;
    assert_eq!(status, 409, "{again}");

    let read = s.decision(&id).await;
    assert_eq!(read["reviews"][0]["reason"], Value::Null, "{read}");
    assert!(
        read["reviews"][0]["reason_redacted_at"].is_string(),
        "{read}"
    );
    let entry = s
        .store()
        .await
        .ledger_entry(redaction["ledger_index"].as_u64().expect("index"))
        .await
        .expect("entry");
    assert_eq!(entry.kind, "reason_redaction");
    let audit = s
        .app
        .decision_audit(id.parse().expect("id"))
        .await
        .expect("audit");
    let kinds: Vec<&str> = audit.entries.iter().map(|e| e.kind.as_str()).collect();
    assert_eq!(kinds, ["decision", "review", "reason_redaction"]);
    let report = s
        .app
        .verify_ledger(&|_| {})
        .await
        .expect("read")
        .expect("the ledger verifies after the redaction");
    assert_eq!((report.reviews, report.redactions), (1, 1));
    assert_kept_only_while_retained(&s, &[id]).await;
}
