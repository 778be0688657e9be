//! Personal data and the append-only ledger: nothing derived from an input's
//! text, or typed by a person, enters a ledger entry; the record keeps it
//! only as long as retention allows, or until an administrator redacts it.

use civic_core::{
    DecisionStatus, Digest, KeyId, NewDecision, Principal, Reason, ReviewAction, from_unix_millis,
    now_millis, unix_millis,
};
use civic_store::{Append, Appended, Store, StoreError, WriterConfig};
use futures_util::TryStreamExt as _;
use serde_json::{Value, json};
use sqlx::Connection as _;

use crate::support::{self, TestDb, database_text, new_decision, open, retained};

backend_tests!(
    the_ledger_holds_no_text_and_retention_and_redaction_leave_none_in_the_database,
    without_retention_the_record_never_holds_the_explanation_or_reference,
    a_kept_explanation_that_was_altered_no_longer_matches_its_entry,
    a_reason_is_redacted_once_and_only_from_an_override,
);

/// A made-up name that appears nowhere else.
const NAME: &str = "Zebedee Quillfeather-Okonkwo";

/// Every form of the name a leak could take: as typed, as a lowercase
/// explanation term, and hex-encoded (PostgreSQL prints byte columns so).
fn forms_of_the_name() -> Vec<String> {
    let words = ["Zebedee", "zebedee", "Quillfeather", "quillfeather"];
    words
        .iter()
        .map(|w| (*w).to_owned())
        .chain(words.iter().map(hex::encode))
        .collect()
}

fn assert_no_name(text: &str, what: &str) {
    for form in forms_of_the_name() {
        assert!(!text.contains(&form), "{what} holds {form:?}");
    }
}

fn explanation() -> Value {
    json!({"for": [["zebedee", 1.5], ["quillfeather-okonkwo", 1.25]], "against": []})
}

fn personal_decision() -> NewDecision {
    let input = json!({ "text": format!("Complaint from {NAME}, NHS 401 023 2110") });
    NewDecision {
        input_digest: Digest::of_json(&input),
        input: Some(input),
        output: json!({"team": "waste", "urgent": false}),
        explanation: explanation(),
        reference: Some(format!("{NAME} case 7")),
        ..new_decision(7, DecisionStatus::NeedsReview)
    }
}

/// The ledger's tables as text: every entry's bytes and every checkpoint's
/// note (stored hashes are hashes of these).
async fn ledger_text(store: &Store) -> String {
    let entries: Vec<_> = store.ledger_entries().try_collect().await.expect("entries");
    let mut text: String = entries
        .iter()
        .map(|e| String::from_utf8_lossy(&e.entry).into_owned())
        .collect();
    for cp in store.checkpoints().await.expect("checkpoints") {
        text.push_str(&cp.note);
    }
    text
}

/// Whether every decision stored matches its entry, as verification checks.
async fn every_decision_matches(store: &Store) -> bool {
    let pages: Vec<Vec<Option<bool>>> = store
        .ledger_pages(|row| row.decision.map(|d| d.matches_entry(row.entry)).transpose())
        .try_collect()
        .await
        .expect("pages");
    pages.into_iter().flatten().flatten().all(|m| m)
}

async fn the_ledger_holds_no_text_and_retention_and_redaction_leave_none_in_the_database(
    db: TestDb,
) {
    let (store, writer, _) = open(&db, retained()).await;
    let made = writer
        .record_decision(personal_decision())
        .await
        .expect("record");
    let review = writer
        .record_review(
            made.id,
            ReviewAction::Override {
                output: json!({"team": "housing"}),
                reason: Reason::parse(&format!("{NAME} rang back about damp")).expect("reason"),
            },
            Principal::from(KeyId::new()),
        )
        .await
        .expect("review");
    writer.checkpoint_now().await.expect("checkpoint");
    assert_no_name(&ledger_text(&store).await, "the ledger");

    // While retention lasts, the record keeps what the entry only digests.
    let kept = store.decision(made.id).await.expect("read");
    assert_eq!(kept.explanation, explanation());
    assert_eq!(
        kept.reference.as_deref(),
        Some("Zebedee Quillfeather-Okonkwo case 7")
    );
    assert_eq!(kept.explanation_removed_at, None);
    assert!(every_decision_matches(&store).await);

    assert!(
        database_text(&db).await.contains("Zebedee"),
        "the search sees the name while the record keeps it"
    );

    // Retention lapses: input, explanation and reference go; the entry
    // still rebuilds from the stored digests.
    let later = from_unix_millis(unix_millis(now_millis()) + 2 * 3_600_000).expect("in range");
    assert_eq!(
        writer
            .purge_expired_inputs(later, support::operator())
            .await
            .expect("purge"),
        1
    );
    let purged = store.decision(made.id).await.expect("read");
    assert_eq!(purged.explanation, Value::Null);
    assert_eq!(purged.reference, None);
    assert_eq!(purged.explanation_removed_at, Some(later));
    assert_eq!(store.decision_input(made.id).await.expect("input"), None);
    assert!(every_decision_matches(&store).await);
    assert_eq!(
        purged.ledger_event().to_bytes(),
        store
            .ledger_entry(made.ledger_index)
            .await
            .expect("entry")
            .entry
    );

    // A reviewer's reason is kept until an administrator redacts it; the
    // redaction is an entry of its own.
    let redaction = writer
        .redact_reason(
            review.id,
            Principal::from(KeyId::new()),
            Reason::parse("erasure request ER-12").expect("why"),
        )
        .await
        .expect("redact");
    let entry = store
        .ledger_entry(redaction.ledger_index)
        .await
        .expect("entry");
    assert_eq!(entry.kind, "reason_redaction");
    assert_eq!(entry.entry, redaction.ledger_event().to_bytes());
    let stored: Vec<_> = store
        .redactions_in_ledger_order()
        .try_collect()
        .await
        .expect("redactions");
    assert_eq!(stored, vec![redaction]);
    let reviews = store.reviews(made.id).await.expect("reviews");
    assert!(reviews[0].reason_redacted_at.is_some());
    assert_eq!(reviews[0].reason(), None);
    assert_eq!(
        reviews[0].ledger_event().to_bytes(),
        store
            .ledger_entry(review.ledger_index)
            .await
            .expect("entry")
            .entry,
        "the review still rebuilds its entry from the reason's digest"
    );

    writer.checkpoint_now().await.expect("checkpoint");
    assert_no_name(&ledger_text(&store).await, "the ledger");
    assert_no_name(&database_text(&db).await, "the database");
}

async fn without_retention_the_record_never_holds_the_explanation_or_reference(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let made = writer
        .record_decision(personal_decision())
        .await
        .expect("record");
    // The answer carries the explanation; the record does not.
    assert_eq!(made.explanation, explanation());
    let stored = store.decision(made.id).await.expect("read");
    assert_eq!(stored.explanation, Value::Null);
    assert_eq!(stored.reference, None);
    assert_eq!(stored.explanation_removed_at, Some(made.created_at));
    assert_eq!(stored.explanation_sha256, made.explanation_sha256);
    assert!(every_decision_matches(&store).await);
    writer.checkpoint_now().await.expect("checkpoint");
    assert_no_name(&database_text(&db).await, "the database");
}

async fn a_kept_explanation_that_was_altered_no_longer_matches_its_entry(db: TestDb) {
    let (store, writer, _) = open(&db, retained()).await;
    let made = writer
        .record_decision(personal_decision())
        .await
        .expect("record");
    assert!(every_decision_matches(&store).await);
    for sql in [
        "UPDATE decisions SET explanation = '{\"against\":[],\"for\":[]}'",
        "UPDATE decisions SET explanation = $1, reference = 'case 8'",
    ] {
        let mut conn = sqlx::AnyConnection::connect(&db.url)
            .await
            .expect("connect");
        sqlx::query(sql)
            .bind(made.explanation.to_string())
            .execute(&mut conn)
            .await
            .expect("alter");
        assert!(!every_decision_matches(&store).await, "{sql}");
    }
}

async fn a_reason_is_redacted_once_and_only_from_an_override(db: TestDb) {
    let (_store, writer, _) = open(&db, retained()).await;
    let why = || Reason::parse("erasure request ER-13").expect("why");
    let mut reviews = Vec::new();
    for action in [
        ReviewAction::Accept,
        ReviewAction::Override {
            output: json!({"team": "housing"}),
            reason: Reason::parse("wrong team").expect("reason"),
        },
    ] {
        let d = writer
            .record_decision(personal_decision())
            .await
            .expect("record");
        let Appended::Review(r) = writer
            .append(Append::Review {
                decision_id: d.id,
                action,
                reviewer: Principal::from(KeyId::new()),
            })
            .await
            .expect("review")
        else {
            panic!("expected a review");
        };
        reviews.push(r);
    }
    let accept = writer
        .redact_reason(reviews[0].id, Principal::from(KeyId::new()), why())
        .await;
    assert!(matches!(accept, Err(StoreError::Conflict(_))), "{accept:?}");
    writer
        .redact_reason(reviews[1].id, Principal::from(KeyId::new()), why())
        .await
        .expect("redact");
    let again = writer
        .redact_reason(reviews[1].id, Principal::from(KeyId::new()), why())
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let unknown = writer
        .redact_reason(
            civic_core::ReviewEventId::new(),
            Principal::from(KeyId::new()),
            why(),
        )
        .await;
    assert!(
        matches!(unknown, Err(StoreError::NotFound { .. })),
        "{unknown:?}"
    );
}
