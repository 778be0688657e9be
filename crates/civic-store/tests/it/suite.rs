use std::time::Duration;

use civic_core::{DecisionStatus, Email, KeyId, Principal, Reason, ReviewAction, Role};
use civic_ledger::{Frontier, leaf_hash, tree_hash, tree_hash_indexes, verify_inclusion};
use civic_store::{
    Append, Appended, ExportCursor, ExportFilter, QueueCursor, QueueFilter, StoreError,
    WriterConfig,
};
use futures_util::TryStreamExt as _;
use serde_json::json;

use crate::support::{self, TestDb, new_decision, open};

/// Defines each test once and runs it against every backend.
macro_rules! backend_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = crate::support::sqlite() {
                        super::$name(db).await;
                    }
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    if let Some(db) = crate::support::postgres().await {
                        super::$name(db).await;
                    }
                }
            )*
        }
    };
}

backend_tests!(
    decisions_read_back_exactly_as_hashed,
    reviews_move_status_and_refuse_a_second_review,
    reviewing_an_unknown_decision_is_not_found,
    decisions_with_and_without_confidence_interleave,
    concurrent_appends_never_fork_or_reorder_the_tree,
    one_refused_request_never_fails_the_others_in_its_batch,
    two_writers_on_one_database_stay_consistent,
    checkpoints_are_signed_every_n_entries_and_on_demand,
    api_keys_authenticate_until_revoked,
    raw_input_is_kept_only_with_retention_and_purged,
    models_are_versioned_with_one_active_version,
    users_sign_in_by_email_and_sessions_end_and_expire,
    a_session_keeps_a_draft_until_it_is_taken,
    the_queue_holds_exactly_the_decisions_waiting_for_review,
    queue_pages_follow_keyset_order_under_every_filter,
    the_queue_summary_and_todays_activity_count_what_happened,
    quality_samples_are_queued_recorded_in_the_ledger_and_counted,
    dismissed_safeguarding_flags_are_counted_per_model_version,
    the_writers_counters_match_a_recount_from_the_rows,
    exports_page_through_every_record_in_time_order_with_filters,
    ledger_pages_stream_every_entry_in_order_with_its_decision,
);

fn decision_of(a: Appended) -> civic_core::Decision {
    match a {
        Appended::Decision(d) => d,
        _ => panic!("expected a decision"),
    }
}

async fn decisions_read_back_exactly_as_hashed(db: TestDb) {
    // With a retention period the record keeps the explanation and the
    // reference, so it reads back exactly as it was made.
    let (store, writer, _) = open(&db, support::retained()).await;
    let made = decision_of(
        writer
            .append(Append::decision(new_decision(
                7,
                DecisionStatus::NeedsReview,
            )))
            .await
            .expect("append"),
    );
    let read = store.decision(made.id).await.expect("read back");
    assert_eq!(read, made);
    let entry = store.ledger_entry(made.ledger_index).await.expect("entry");
    assert_eq!(entry.entry, read.ledger_event().to_bytes());
    assert_eq!(entry.leaf_hash, leaf_hash(&entry.entry).0.to_vec());
    assert_eq!(entry.kind, "decision");
}

async fn reviews_move_status_and_refuse_a_second_review(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let d = decision_of(
        writer
            .append(Append::decision(new_decision(
                1,
                DecisionStatus::NeedsReview,
            )))
            .await
            .expect("append"),
    );
    let reviewer = Principal::from(KeyId::new());
    let action = ReviewAction::Override {
        output: json!({"team": "housing"}),
        reason: Reason::parse("mentions damp in a council flat").expect("reason"),
    };
    let Appended::Review(review) = writer
        .append(Append::Review {
            decision_id: d.id,
            action: action.clone(),
            reviewer: reviewer.clone(),
        })
        .await
        .expect("review")
    else {
        panic!("expected a review");
    };
    assert_eq!(review.ledger_index, d.ledger_index + 1);
    assert_eq!(
        store.decision(d.id).await.expect("read").status,
        DecisionStatus::Reviewed
    );
    assert_eq!(
        store.reviews(d.id).await.expect("reviews"),
        vec![review.clone()]
    );
    let entry = store
        .ledger_entry(review.ledger_index)
        .await
        .expect("entry");
    assert_eq!(entry.entry, review.ledger_event().to_bytes());

    let again = writer
        .append(Append::Review {
            decision_id: d.id,
            action: ReviewAction::Accept,
            reviewer,
        })
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    // The refused review left no trace in the ledger.
    assert_eq!(store.ledger_size().await.expect("size"), 2);
}

async fn reviewing_an_unknown_decision_is_not_found(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let res = writer
        .append(Append::Review {
            decision_id: civic_core::DecisionId::new(),
            action: ReviewAction::Accept,
            reviewer: Principal::from(KeyId::new()),
        })
        .await;
    assert!(matches!(res, Err(StoreError::NotFound { .. })), "{res:?}");
    assert_eq!(store.ledger_size().await.expect("size"), 0);
}

/// A decision without a confidence (as a redaction's) must not break the
/// decisions with one that follow on the same connections: `scripts/soak`
/// found PostgreSQL refusing them with "incorrect binary data format in bind
/// parameter 10" after a NULL float had been bound to the cached statement.
async fn decisions_with_and_without_confidence_interleave(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let mut made = Vec::new();
    for n in 0..24 {
        let mut new = new_decision(n, DecisionStatus::Auto);
        if n % 2 == 0 {
            new.confidence = None;
        }
        let d = decision_of(
            writer
                .append(Append::decision(new.clone()))
                .await
                .unwrap_or_else(|e| {
                    panic!(
                        "decision {n} (confidence {:?}) refused: {e}",
                        new.confidence
                    )
                }),
        );
        made.push((d.id, new.confidence));
    }
    for (id, confidence) in made {
        assert_eq!(
            store.decision(id).await.expect("read back").confidence,
            confidence
        );
    }
}

/// Recomputes the tree from the stored entries and checks it against the
/// stored hashes and the latest checkpoint.
async fn assert_tree_consistent(
    store: &civic_store::Store,
    signer: &civic_ledger::LogSigner,
    expected: u64,
) {
    let entries: Vec<_> = store.ledger_entries().try_collect().await.expect("entries");
    assert_eq!(entries.len() as u64, expected);
    let mut frontier = Frontier::new();
    for (i, e) in entries.iter().enumerate() {
        assert_eq!(e.index, i as u64, "indexes are contiguous");
        frontier.append(leaf_hash(&e.entry));
    }
    let hashes = store
        .read_hashes(&tree_hash_indexes(expected))
        .await
        .expect("hashes");
    assert_eq!(tree_hash(expected, &hashes).expect("root"), frontier.root());
    let cp = store
        .latest_checkpoint()
        .await
        .expect("cp")
        .expect("a checkpoint");
    let verified = signer.verifier().verify(&cp.note).expect("signature");
    assert_eq!(verified.size, cp.size);
    assert_eq!(verified.root, cp.root);
}

/// PostgreSQL refuses a NUL character in text (the API refuses one at the
/// edge, so this comes only from a caller of the library); it used to fail
/// every request of the group-commit batch it landed in.
async fn one_refused_request_never_fails_the_others_in_its_batch(db: TestDb) {
    // References are stored only under a retention period.
    let config = WriterConfig {
        input_retention: Some(Duration::from_secs(3600)),
        ..WriterConfig::default()
    };
    let (store, writer, signer) = open(&db, config).await;
    let postgres = store.backend() == civic_store::Backend::Postgres;
    let mut tasks = Vec::new();
    for i in 0..24u64 {
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            let mut new = new_decision(i, DecisionStatus::Auto);
            if i == 7 {
                new.reference = Some("a\u{0}b".into());
            }
            (i, writer.append(Append::decision(new)).await)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (i, outcome) = t.await.expect("task");
        match outcome {
            Ok(_) => ok += 1,
            Err(e) => assert!(postgres && i == 7, "request {i} failed: {e}"),
        }
    }
    let expected = if postgres { 23 } else { 24 };
    assert_eq!(ok, expected);
    writer.checkpoint_now().await.expect("checkpoint");
    assert_tree_consistent(&store, &signer, expected).await;
}

async fn concurrent_appends_never_fork_or_reorder_the_tree(db: TestDb) {
    let (store, writer, signer) = open(&db, WriterConfig::default()).await;
    let mut tasks = Vec::new();
    for t in 0..16u64 {
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            let mut got = Vec::new();
            for i in 0..25u64 {
                let a = writer
                    .append(Append::decision(new_decision(
                        t * 100 + i,
                        DecisionStatus::Auto,
                    )))
                    .await
                    .expect("append");
                got.push(a.ledger_index().expect("an entry"));
            }
            got
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    all.sort_unstable();
    assert_eq!(all, (0..400).collect::<Vec<u64>>());
    writer.checkpoint_now().await.expect("checkpoint");
    assert_tree_consistent(&store, &signer, 400).await;
}

async fn two_writers_on_one_database_stay_consistent(db: TestDb) {
    // Two independent stores and writer tasks stand for two `civic serve`
    // processes sharing one database.
    let (store_a, writer_a, signer) = open(&db, WriterConfig::default()).await;
    let store_b = civic_store::Store::connect(&db.url)
        .await
        .expect("second connect");
    let (writer_b, _task) =
        civic_store::LedgerWriter::spawn(store_b, signer.clone(), WriterConfig::default());
    let mut tasks = Vec::new();
    for t in 0..8u64 {
        let writer = if t % 2 == 0 {
            writer_a.clone()
        } else {
            writer_b.clone()
        };
        tasks.push(tokio::spawn(async move {
            for i in 0..20u64 {
                writer
                    .append(Append::decision(new_decision(
                        t * 100 + i,
                        DecisionStatus::Auto,
                    )))
                    .await
                    .expect("append");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    writer_a.checkpoint_now().await.expect("checkpoint");
    assert_tree_consistent(&store_a, &signer, 160).await;
}

async fn checkpoints_are_signed_every_n_entries_and_on_demand(db: TestDb) {
    let config = WriterConfig {
        checkpoint_every: 10,
        checkpoint_interval: Duration::from_secs(3600),
        ..WriterConfig::default()
    };
    let (store, writer, signer) = open(&db, config).await;
    assert_eq!(writer.checkpoint_now().await.expect("empty"), None);
    for i in 0..25 {
        writer
            .append(Append::decision(new_decision(i, DecisionStatus::Auto)))
            .await
            .expect("append");
    }
    let sizes: Vec<u64> = store
        .checkpoints()
        .await
        .expect("cps")
        .iter()
        .map(|c| c.size)
        .collect();
    assert_eq!(sizes, vec![10, 20]);
    let cp = writer.checkpoint_now().await.expect("now").expect("some");
    assert_eq!(cp.size, 25);
    // An inclusion proof for entry 13 against the signed root.
    let entry = store.ledger_entry(13).await.expect("entry");
    let idx = civic_ledger::inclusion_proof_indexes(13, 25).expect("indexes");
    let proof =
        civic_ledger::inclusion_proof(13, 25, &store.read_hashes(&idx).await.expect("hashes"))
            .expect("proof");
    let checkpoint = signer.verifier().verify(&cp.note).expect("verify");
    verify_inclusion(&leaf_hash(&entry.entry), 13, 25, &proof, &checkpoint.root).expect("included");
}

async fn api_keys_authenticate_until_revoked(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let made = writer
        .create_key("case-system", Role::Caseworker, support::operator())
        .await
        .expect("create");
    let found = store
        .authenticate(&made.token)
        .await
        .expect("auth")
        .expect("valid token");
    assert_eq!(found, made.key);
    assert_eq!(store.authenticate("civic_wrong").await.expect("auth"), None);
    assert_eq!(store.authenticate("").await.expect("auth"), None);
    assert_eq!(
        store.list_keys().await.expect("list"),
        vec![made.key.clone()]
    );
    let revoked = writer
        .revoke_key(made.key.id, support::operator())
        .await
        .expect("revoke");
    assert!(revoked.revoked_at.is_some());
    assert_eq!(store.authenticate(&made.token).await.expect("auth"), None);
    assert!(matches!(
        writer.revoke_key(made.key.id, support::operator()).await,
        Err(StoreError::Conflict(_))
    ));
    assert!(matches!(
        writer.revoke_key(KeyId::new(), support::operator()).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn raw_input_is_kept_only_with_retention_and_purged(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let d = decision_of(
        writer
            .append(Append::decision(new_decision(1, DecisionStatus::Auto)))
            .await
            .expect("append"),
    );
    assert_eq!(
        store.decision_input(d.id).await.expect("input"),
        None,
        "no retention, no input"
    );

    let retained = WriterConfig {
        input_retention: Some(Duration::from_millis(1)),
        ..WriterConfig::default()
    };
    let store2 = civic_store::Store::connect(&db.url).await.expect("connect");
    let (writer2, _t) = civic_store::LedgerWriter::spawn(store2, support::signer(), retained);
    let d2 = decision_of(
        writer2
            .append(Append::decision(new_decision(2, DecisionStatus::Auto)))
            .await
            .expect("append"),
    );
    assert_eq!(
        store.decision_input(d2.id).await.expect("input"),
        Some(json!({"text": "message 2"}))
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        writer
            .purge_expired_inputs(civic_core::now_millis(), support::operator())
            .await
            .expect("purge"),
        1
    );
    assert_eq!(store.decision_input(d2.id).await.expect("input"), None);
}

async fn models_are_versioned_with_one_active_version(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let new = |bytes: &[u8]| civic_store::NewModel {
        name: "council-triage".into(),
        service: civic_core::Service::parse("triage").expect("service"),
        training_data_sha256: "ab".repeat(32),
        metrics: json!({"macro_f1": 0.95}),
        model: bytes.to_vec(),
        created_by: "test".into(),
    };
    let v1 = writer
        .register_model(new(b"one"), support::operator())
        .await
        .expect("v1");
    let v2 = writer
        .register_model(new(b"two"), support::operator())
        .await
        .expect("v2");
    assert_eq!((v1.version, v2.version), (1, 2));
    assert!(v2.active);
    let (active, bytes) = store
        .model_bytes("council-triage", None)
        .await
        .expect("active");
    assert_eq!((active.version, bytes.as_slice()), (2, b"two".as_slice()));
    writer
        .activate_model("council-triage", 1, support::operator())
        .await
        .expect("activate");
    let (active, bytes) = store
        .model_bytes("council-triage", None)
        .await
        .expect("active");
    assert_eq!((active.version, bytes.as_slice()), (1, b"one".as_slice()));
    let listed = store.list_models().await.expect("list");
    assert_eq!(listed.iter().filter(|m| m.active).count(), 1);
    assert_eq!(listed[1].metrics, json!({"macro_f1": 0.95}));
    assert!(matches!(
        writer
            .activate_model("council-triage", 9, support::operator())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert!(matches!(
        store.model_bytes("nothing", None).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn users_sign_in_by_email_and_sessions_end_and_expire(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let email = Email::parse("Case.Worker@example.gov.uk").expect("email");
    let user = writer
        .create_user(
            &email,
            Role::Reviewer,
            "$argon2id$hash-one",
            support::operator(),
        )
        .await
        .expect("create");
    let again = writer
        .create_user(&email, Role::Admin, "$argon2id$x", support::operator())
        .await;
    assert!(matches!(again, Err(StoreError::Conflict(_))), "{again:?}");
    let (found, hash) = store
        .user_credentials(&email)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(
        (found.clone(), hash.as_str()),
        (user.clone(), "$argon2id$hash-one")
    );

    let in_an_hour = civic_core::now_millis() + Duration::from_secs(3600);
    let live = store
        .create_session(user.id, in_an_hour)
        .await
        .expect("session");
    let session = store
        .session(&live.token)
        .await
        .expect("read")
        .expect("live");
    assert_eq!(session.user, user);
    assert_eq!(session.csrf_token, live.csrf_token);
    assert!(
        store
            .session("civic_not-a-session")
            .await
            .expect("read")
            .is_none()
    );

    let expired = store
        .create_session(user.id, civic_core::now_millis() - Duration::from_secs(1))
        .await
        .expect("session");
    assert!(store.session(&expired.token).await.expect("read").is_none());
    assert_eq!(store.purge_expired_sessions().await.expect("purge"), 1);

    store.end_session(&live.token).await.expect("sign out");
    assert!(store.session(&live.token).await.expect("read").is_none());

    // A new password ends every session of the user.
    let other = store
        .create_session(user.id, in_an_hour)
        .await
        .expect("session");
    writer
        .set_password(&email, "$argon2id$hash-two", support::operator())
        .await
        .expect("reset");
    assert!(store.session(&other.token).await.expect("read").is_none());
    let (_, hash) = store
        .user_credentials(&email)
        .await
        .expect("read")
        .expect("exists");
    assert_eq!(hash, "$argon2id$hash-two");
    let missing = Email::parse("nobody@example.gov.uk").expect("email");
    assert!(matches!(
        writer
            .set_password(&missing, "h", support::operator())
            .await,
        Err(StoreError::NotFound { .. })
    ));
    assert_eq!(store.list_users().await.expect("list"), vec![user]);
}

async fn a_session_keeps_a_draft_until_it_is_taken(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let email = Email::parse("r@example.gov.uk").expect("email");
    let user = writer
        .create_user(&email, Role::Reviewer, "h", support::operator())
        .await
        .expect("user");
    let s = store
        .create_session(user.id, civic_core::now_millis() + Duration::from_secs(60))
        .await
        .expect("session");
    assert_eq!(
        store.take_session_draft(&s.token).await.expect("take"),
        None
    );
    store
        .set_session_draft(&s.token, r#"{"reason":"wrong team"}"#)
        .await
        .expect("keep");
    assert_eq!(
        store
            .take_session_draft(&s.token)
            .await
            .expect("take")
            .as_deref(),
        Some(r#"{"reason":"wrong team"}"#)
    );
    assert_eq!(
        store.take_session_draft(&s.token).await.expect("take"),
        None
    );
}

fn urgent_decision(n: u64, team: &str, urgent: bool) -> civic_core::NewDecision {
    let mut d = new_decision(n, DecisionStatus::NeedsReview);
    d.output = json!({ "team": team, "urgent": urgent, "n": n });
    d.queue = civic_core::QueueFacts {
        team: Some(team.into()),
        urgent,
    };
    d
}

async fn dismissed_safeguarding_flags_are_counted_per_model_version(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let mut flagged = Vec::new();
    for n in 1..=3 {
        flagged.push(
            writer
                .record_decision(urgent_decision(n, "housing", true))
                .await
                .expect("record"),
        );
    }
    let calm = writer
        .record_decision(urgent_decision(4, "housing", false))
        .await
        .expect("record");
    let reviews = [
        (
            flagged[0].id,
            civic_store::NOT_A_SAFEGUARDING_CONCERN,
            json!({"team": "waste"}),
        ),
        (
            flagged[1].id,
            "Wrong team",
            json!({"team": "waste", "urgent": false}),
        ),
        (flagged[2].id, "Wrong team", json!({"team": "waste"})),
        (
            calm.id,
            civic_store::NOT_A_SAFEGUARDING_CONCERN,
            json!({"team": "waste"}),
        ),
    ];
    for (id, reason, output) in reviews {
        let action = ReviewAction::Override {
            output,
            reason: Reason::parse(reason).expect("reason"),
        };
        writer
            .record_review(id, action, Principal::from(KeyId::new()))
            .await
            .expect("review");
    }
    let counts = store.safeguarding_dismissals().await.expect("counts");
    assert_eq!(counts.len(), 1, "{counts:?}");
    assert_eq!((counts[0].reviewed, counts[0].dismissed), (3, 2));
}

async fn the_queue_holds_exactly_the_decisions_waiting_for_review(db: TestDb) {
    let (store, writer, _) = open(&db, support::retained()).await;
    let waiting = writer
        .record_decision(urgent_decision(1, "housing", true))
        .await
        .expect("record");
    writer
        .record_decision(new_decision(2, DecisionStatus::Auto))
        .await
        .expect("record");
    let mut other = new_decision(3, DecisionStatus::NeedsReview);
    other.service = civic_core::Service::parse("risk").expect("service");
    other.output = json!({ "score": 0.93 });
    other.queue = civic_core::QueueFacts::default();
    let risk = writer.record_decision(other).await.expect("record");

    let page = store
        .queue_page(&QueueFilter::default(), None, 10)
        .await
        .expect("page");
    let ids: Vec<_> = page.items.iter().map(|i| i.decision.id).collect();
    assert_eq!(ids, vec![waiting.id, risk.id]);
    assert_eq!(page.items[0].team.as_deref(), Some("housing"));
    assert!(page.items[0].urgent);
    assert_eq!(
        (page.items[1].team.as_deref(), page.items[1].urgent),
        (None, false)
    );
    assert_eq!(page.items[0].decision, waiting);

    let email = Email::parse("r@example.gov.uk").expect("email");
    let user = writer
        .create_user(&email, Role::Reviewer, "h", support::operator())
        .await
        .expect("user");
    store
        .assign(waiting.id, Some(user.id))
        .await
        .expect("assign");
    let mine = QueueFilter {
        assigned_to: Some(user.id),
        ..QueueFilter::default()
    };
    let page = store.queue_page(&mine, None, 10).await.expect("page");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].assigned_to, Some(user.id));

    writer
        .record_review(waiting.id, ReviewAction::Accept, user.id.as_principal())
        .await
        .expect("review");
    assert!(store.queue_item(waiting.id).await.expect("read").is_none());
    assert!(store.queue_item(risk.id).await.expect("read").is_some());
    assert!(matches!(
        store.assign(waiting.id, Some(user.id)).await,
        Err(StoreError::NotFound { .. })
    ));
}

async fn queue_pages_follow_keyset_order_under_every_filter(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let appends = (0..23)
        .map(|n| {
            let team = if n % 3 == 0 { "waste" } else { "housing" };
            Append::decision(urgent_decision(n, team, n % 2 == 0))
        })
        .collect::<Vec<_>>();
    let mut all = Vec::new();
    for a in appends {
        all.push(decision_of(writer.append(a).await.expect("append")));
    }
    for (filter, want) in [
        (QueueFilter::default(), 23),
        (
            QueueFilter {
                team: Some("waste".into()),
                ..QueueFilter::default()
            },
            8,
        ),
        (
            QueueFilter {
                urgent: Some(true),
                service: Some("triage".into()),
                ..QueueFilter::default()
            },
            12,
        ),
        (
            QueueFilter {
                waiting_since_before: Some(all[0].created_at),
                ..QueueFilter::default()
            },
            0,
        ),
    ] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store.queue_page(&filter, after, 5).await.expect("page");
            assert!(page.items.len() <= 5);
            seen.extend(
                page.items
                    .iter()
                    .map(|i| (!i.urgent, i.decision.created_at, i.decision.id)),
            );
            match page.next {
                Some(next) => {
                    let parsed: QueueCursor = next.to_string().parse().expect("cursor");
                    after = Some(parsed);
                }
                None => break,
            }
        }
        assert_eq!(seen.len(), want, "{filter:?}");
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        // Urgent items first (`!urgent` is false for them), then oldest first.
        assert_eq!(seen, sorted, "pages in order without repeats: {filter:?}");
    }
}

async fn the_queue_summary_and_todays_activity_count_what_happened(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let start = civic_core::now_millis() - Duration::from_secs(1);
    let mut waiting = Vec::new();
    for (n, team) in [(1, "waste"), (2, "waste"), (3, "housing")] {
        waiting.push(
            writer
                .record_decision(urgent_decision(n, team, false))
                .await
                .expect("record"),
        );
    }
    writer
        .record_decision(new_decision(4, DecisionStatus::Auto))
        .await
        .expect("record");
    writer
        .record_review(
            waiting[2].id,
            ReviewAction::Override {
                output: json!({ "team": "waste" }),
                reason: Reason::parse("about bins").expect("reason"),
            },
            Principal::from(KeyId::new()),
        )
        .await
        .expect("override");

    let now = civic_core::now_millis() + Duration::from_secs(1);
    let summary = store.queue_summary(now).await.expect("summary");
    assert_eq!(summary.total, 2);
    assert_eq!(summary.past_target, 2);
    assert_eq!(summary.oldest, Some(waiting[0].created_at));
    assert_eq!(summary.by_service.len(), 1);
    assert_eq!(summary.by_service[0].name.as_deref(), Some("triage"));
    assert_eq!(summary.by_team[0].name.as_deref(), Some("waste"));
    assert_eq!(summary.by_team[0].count, 2);
    let none_late = store.queue_summary(start).await.expect("summary");
    assert_eq!(none_late.past_target, 0);

    let activity = store
        .activity_since_day(civic_store::utc_day(start))
        .await
        .expect("activity");
    assert_eq!(
        (activity.decisions, activity.reviews, activity.overrides),
        (4, 1, 1)
    );
}

async fn quality_samples_are_queued_recorded_in_the_ledger_and_counted(db: TestDb) {
    let rate = civic_core::SampleRate::new(0.5).expect("rate");
    let config = WriterConfig {
        quality_sample_rate: rate,
        ..support::retained()
    };
    let (store, writer, _) = open(&db, config).await;
    let mut sampled = Vec::new();
    for n in 0..40 {
        let d = writer
            .record_decision(new_decision(n, DecisionStatus::Auto))
            .await
            .expect("record");
        // The writer's choice is the documented function of the id.
        assert_eq!(d.quality_sample, rate.selects(d.id), "decision {n}");
        let entry = store.ledger_entry(d.ledger_index).await.expect("entry");
        let text = String::from_utf8(entry.entry).expect("utf8");
        assert_eq!(text.contains("\"quality_sample\":true"), d.quality_sample);
        assert_eq!(store.decision(d.id).await.expect("read back"), d);
        if d.quality_sample {
            assert_eq!(d.status, DecisionStatus::NeedsReview);
            assert_eq!(d.initial_status, DecisionStatus::NeedsReview);
            assert!(store.queue_item(d.id).await.expect("read").is_some());
            sampled.push(d);
        } else {
            assert_eq!(d.status, DecisionStatus::Auto);
            assert!(store.queue_item(d.id).await.expect("read").is_none());
        }
    }
    // Decisions already waiting for review are never samples.
    let waiting = writer
        .record_decision(new_decision(99, DecisionStatus::NeedsReview))
        .await
        .expect("record");
    assert!(!waiting.quality_sample);
    assert!(sampled.len() >= 2, "40 ids at 50% gave {}", sampled.len());

    let reviewer = Principal::from(KeyId::new());
    writer
        .record_review(sampled[0].id, ReviewAction::Accept, reviewer.clone())
        .await
        .expect("accept");
    writer
        .record_review(
            sampled[1].id,
            ReviewAction::Override {
                output: json!({ "team": "housing" }),
                reason: Reason::parse("wrong team").expect("reason"),
            },
            reviewer,
        )
        .await
        .expect("override");
    let outcomes = store.quality_samples_by_model().await.expect("outcomes");
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].model.name, "council-triage");
    assert_eq!(
        (
            outcomes[0].sampled,
            outcomes[0].reviewed,
            outcomes[0].overridden
        ),
        (sampled.len() as u64, 2, 1)
    );
}

/// Everything the counters answer, in one comparable value.
async fn counted(
    store: &civic_store::Store,
) -> (
    civic_store::QueueSummary,
    civic_store::Activity,
    Vec<civic_store::SampleOutcomes>,
) {
    let now = civic_core::now_millis();
    (
        store.queue_summary(now).await.expect("summary"),
        store
            .activity_since_day(civic_store::utc_day(now) - 1)
            .await
            .expect("activity"),
        store.quality_samples_by_model().await.expect("quality"),
    )
}

/// The writer keeps the counters in step with the rows; migration 0005
/// builds them from the rows. After a mix of decisions and reviews the two
/// must agree: the test drops the counters, lets the migration rebuild them
/// by counting, and compares.
async fn the_writers_counters_match_a_recount_from_the_rows(db: TestDb) {
    let config = WriterConfig {
        quality_sample_rate: civic_core::SampleRate::new(0.3).expect("rate"),
        ..WriterConfig::default()
    };
    let (store, writer, _) = open(&db, config).await;
    let mut waiting = Vec::new();
    let mut sampled = Vec::new();
    for n in 0..60u64 {
        let mut d = match n % 4 {
            0 => urgent_decision(n, "housing", n % 8 == 0),
            1 => urgent_decision(n, "waste", false),
            2 => new_decision(n, DecisionStatus::Auto),
            _ => {
                let mut d = new_decision(n, DecisionStatus::NeedsReview);
                d.service = civic_core::Service::parse("risk").expect("service");
                d.output = json!({ "score": 0.9 });
                d.queue = civic_core::QueueFacts::default();
                d
            }
        };
        if n % 5 == 0 {
            d.model.version = "2".into();
        }
        let made = writer.record_decision(d).await.expect("record");
        if made.quality_sample {
            sampled.push(made.id);
        }
        if made.status == DecisionStatus::NeedsReview {
            waiting.push(made.id);
        }
    }
    // Sampling follows the random ids: make sure at least one sample waits
    // (each automatic decision is sampled with probability 0.3).
    let mut recorded = 60;
    while !waiting.iter().any(|id| sampled.contains(id)) {
        assert!(recorded < 1000, "no quality sample in {recorded} decisions");
        let made = writer
            .record_decision(new_decision(recorded, DecisionStatus::Auto))
            .await
            .expect("record");
        recorded += 1;
        if made.quality_sample {
            sampled.push(made.id);
            waiting.push(made.id);
        }
    }
    let reviewer = Principal::from(KeyId::new());
    for (k, id) in waiting.iter().enumerate().filter(|(k, _)| k % 3 != 2) {
        let action = if k % 2 == 0 {
            ReviewAction::Accept
        } else {
            ReviewAction::Override {
                output: json!({ "team": "parking" }),
                reason: Reason::parse("wrong team").expect("reason"),
            }
        };
        writer
            .record_review(*id, action, reviewer.clone())
            .await
            .expect("review");
    }
    let kept = counted(&store).await;
    let (summary, activity, quality) = &kept;
    assert_eq!(
        summary.total,
        waiting.iter().skip(2).step_by(3).count() as u64
    );
    assert_eq!(
        summary.by_service.iter().map(|c| c.count).sum::<u64>(),
        summary.total
    );
    assert!(
        summary.by_team.iter().any(|c| c.name.is_none()),
        "the risk decisions suggest no team"
    );
    assert_eq!(activity.decisions, recorded);
    assert!(activity.overrides > 0 && activity.reviews > activity.overrides);
    assert!(quality.iter().map(|q| q.sampled).sum::<u64>() > 0);

    sqlx::any::install_default_drivers();
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&db.url)
        .await
        .expect("connect");
    for sql in [
        "DROP TABLE queue_counts",
        "DROP TABLE daily_activity",
        "DROP TABLE quality_counts",
        "DELETE FROM _sqlx_migrations WHERE version = 5",
    ] {
        sqlx::Executor::execute(&mut conn, sql)
            .await
            .expect("drop the counters");
    }
    drop(conn);
    let recounted = civic_store::Store::connect(&db.url)
        .await
        .expect("reopen, rebuilding the counters");
    assert_eq!(counted(&recounted).await, kept);
}

async fn exports_page_through_every_record_in_time_order_with_filters(db: TestDb) {
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let appends = (0..7)
        .map(|n| {
            let mut d = new_decision(n, DecisionStatus::NeedsReview);
            if n % 3 == 0 {
                d.service = civic_core::Service::parse("risk").expect("service");
            }
            Append::decision(d)
        })
        .collect::<Vec<_>>();
    let mut made = Vec::new();
    for a in appends {
        made.push(decision_of(writer.append(a).await.expect("append")));
    }
    for d in &made[..3] {
        writer
            .record_review(d.id, ReviewAction::Accept, Principal::from(KeyId::new()))
            .await
            .expect("review");
    }
    let mut want: Vec<_> = made.iter().map(|d| (d.created_at, d.id)).collect();
    want.sort();

    // Pages of two, each starting after the last: every decision once, in order.
    let mut got = Vec::new();
    let mut after: Option<ExportCursor> = None;
    loop {
        let page = store
            .decisions_for_export(&ExportFilter::default(), after.as_ref(), 2)
            .await
            .expect("page");
        assert!(page.items.len() <= 2);
        got.extend(page.items.iter().map(|d| (d.created_at, d.id)));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(got, want);

    let risk = ExportFilter {
        service: Some(civic_core::Service::parse("risk").expect("service")),
        ..ExportFilter::default()
    };
    let page = store
        .decisions_for_export(&risk, None, 100)
        .await
        .expect("page");
    assert_eq!(page.items.len(), 3);
    assert!(page.items.iter().all(|d| d.service.as_str() == "risk"));
    let reviews = store
        .reviews_for_export(&risk, None, 100)
        .await
        .expect("page");
    assert_eq!(
        reviews.items.len(),
        1,
        "only decision 0 of those reviewed is risk"
    );
    assert_eq!(reviews.items[0].review.decision_id, made[0].id);
    assert_eq!(reviews.items[0].model.name, "council-triage");

    let later = ExportFilter {
        from: Some(civic_core::now_millis() + Duration::from_secs(3600)),
        ..ExportFilter::default()
    };
    let page = store
        .decisions_for_export(&later, None, 100)
        .await
        .expect("page");
    assert!(page.items.is_empty() && page.next.is_none());
    let all = store
        .reviews_for_export(&ExportFilter::default(), None, 100)
        .await
        .expect("page");
    assert_eq!(all.items.len(), 3);
}

async fn ledger_pages_stream_every_entry_in_order_with_its_decision(db: TestDb) {
    // Enough entries for several pages and a partial last one, so that on
    // SQLite every reader serves pages and the stream must put them back in
    // order.
    let (store, writer, _) = open(&db, WriterConfig::default()).await;
    let total = civic_store::LEDGER_PAGE * 4 + 17;
    let clients = 64;
    let mut tasks = Vec::new();
    for t in 0..clients {
        let writer = writer.clone();
        tasks.push(tokio::spawn(async move {
            let mut n = t;
            while n < total {
                writer
                    .append(Append::decision(new_decision(n, DecisionStatus::Auto)))
                    .await
                    .expect("append");
                n += clients;
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let pages: Vec<Vec<_>> = store
        .ledger_pages(|row| {
            let matches = row
                .decision
                .map(|d| d.matches_entry(row.entry))
                .transpose()?;
            Ok((row.to_owned_parts()?, matches))
        })
        .try_collect()
        .await
        .expect("pages");
    assert_eq!(pages.len() as u64, total.div_ceil(civic_store::LEDGER_PAGE));
    let mut next = 0;
    for ((entry, decision), matches) in pages.into_iter().flatten() {
        assert_eq!(matches, Some(true), "the stored decision is its entry's");
        assert_eq!(entry.index, next, "entries come in index order");
        assert_eq!(entry.leaf_hash, leaf_hash(&entry.entry).0.to_vec());
        let decision = decision.expect("each entry here records a decision");
        assert_eq!(decision.ledger_index, entry.index);
        assert_eq!(decision.ledger_event().to_bytes(), entry.entry);
        next += 1;
    }
    assert_eq!(next, total);
}
