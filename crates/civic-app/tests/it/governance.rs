//! Governance events: each change of who may act or of what decides appends
//! its entry in the same transaction as the change, naming who made it; a
//! refused change appends nothing; and verify names a governance record
//! that was altered or deleted, by its entry and kind.

use std::path::Path;
use std::sync::Arc;

use civic_app::audit::Inconsistency;
use civic_app::governance::{GovernanceChange, GovernanceFilter, GovernanceKind};
use civic_app::triage::TrainRequest;
use civic_app::{App, AppError, Overrides};
use civic_core::{Email, GovernanceEvent, Principal, Role, now_millis};
use serde_json::json;
use sqlx::Connection as _;

/// An instance that keeps inputs for a day, so that a purge has something
/// to remove.
async fn instance(dir: &Path) -> App {
    let config = || {
        civic_app::Config::load(Overrides {
            data_dir: Some(dir.to_owned()),
            quality_sample_rate: Some(0.0),
            input_retention_days: Some(1),
            ..Overrides::default()
        })
        .expect("config")
    };
    civic_app::init(&config()).await.expect("init");
    App::open(config()).await.expect("open")
}

fn operator(name: &str) -> Principal {
    Principal::Operator(name.parse().expect("operator name"))
}

async fn train(app: &App, dir: &Path, by: &Principal) -> i64 {
    let data = dir.join("contacts.jsonl");
    let lines: Vec<String> = civic_triage::demo::generate(3, 300)
        .into_iter()
        .map(|m| json!({"text": m.text, "team": m.label}).to_string())
        .collect();
    std::fs::write(&data, lines.join("\n")).expect("write");
    let request = TrainRequest {
        data,
        text_column: "text".into(),
        label_column: "team".into(),
        urgent_column: None,
        name: "council-triage".into(),
        holdout: 0.2,
        seed: 1,
        strict: true,
        include_overrides: false,
    };
    app.train_triage(request, by, Arc::new(|_| {}))
        .await
        .expect("train")
        .version
        .version
}

/// The newest governance event, which must be of `kind`, by `by`, and at
/// the end of the ledger.
async fn last_event(app: &App, kind: GovernanceKind, by: &Principal) -> GovernanceEvent {
    let found = app
        .governance_events(&GovernanceFilter::default(), 1)
        .await
        .expect("list");
    let event = found.into_iter().next().expect("an event");
    assert_eq!(event.change.kind(), kind, "{event:?}");
    assert_eq!(&event.by, by);
    assert_eq!(
        event.ledger_index + 1,
        app.ledger_size().await.expect("size"),
        "the event is the last entry"
    );
    event
}

/// The ledger entry's bytes at `index`, as text.
async fn entry_text(app: &App, index: u64) -> String {
    let bundle = app.proof_for_index(index).await.expect("proof");
    String::from_utf8(bundle.entry).expect("utf-8")
}

#[tokio::test(flavor = "multi_thread")]
async fn each_change_appends_its_entry_naming_who_and_a_refused_change_appends_nothing() {
    let dir = tempfile::tempdir().expect("dir");
    let app = instance(dir.path()).await;
    let admin = operator("jo.admin");
    let size = || async { app.ledger_size().await.expect("size") };

    // Settings: recorded the first time, with every name; not again while
    // they are the same.
    let first = app
        .record_settings(admin.clone())
        .await
        .expect("record")
        .expect("recorded the first time");
    match &first.change {
        GovernanceChange::SettingsChanged { changed, settings } => {
            assert!(
                changed.contains(&"quality_sample_rate".to_owned()),
                "{changed:?}"
            );
            assert_eq!(settings["input_retention_days"], json!(1));
        }
        other => panic!("{other:?}"),
    }
    let before = size().await;
    assert!(
        app.record_settings(admin.clone())
            .await
            .expect("record")
            .is_none()
    );
    assert_eq!(size().await, before, "the same settings append nothing");

    // A key: its id and role, never its name (which may name a person).
    let made = app
        .create_key("Jo Bloggs laptop", Role::Reviewer, admin.clone())
        .await
        .expect("key");
    let event = last_event(&app, GovernanceKind::KeyCreated, &admin).await;
    assert_eq!(
        event.change,
        GovernanceChange::KeyCreated {
            key_id: made.key.id,
            role: Role::Reviewer
        }
    );
    let text = entry_text(&app, event.ledger_index).await;
    assert!(
        !text.contains("Bloggs") && !text.contains(&made.token),
        "{text}"
    );
    app.revoke_key(made.key.id, admin.clone())
        .await
        .expect("revoke");
    last_event(&app, GovernanceKind::KeyRevoked, &admin).await;
    let before = size().await;
    assert!(matches!(
        app.revoke_key(made.key.id, admin.clone()).await,
        Err(AppError::Store(civic_store::StoreError::Conflict(_)))
    ));
    assert_eq!(size().await, before, "a refused revocation appends nothing");

    // A user: their id and role, never their address or password.
    let email = Email::parse("jo.reviewer@example.gov.uk").expect("email");
    let added = app
        .add_user(&email, Role::Reviewer, None, admin.clone())
        .await
        .expect("user");
    let event = last_event(&app, GovernanceKind::UserCreated, &admin).await;
    let text = entry_text(&app, event.ledger_index).await;
    assert!(text.contains(&added.user.id.to_string()), "{text}");
    assert!(
        !text.contains("jo.reviewer") && !text.contains("example.gov.uk"),
        "{text}"
    );
    let before = size().await;
    assert!(
        app.add_user(&email, Role::Admin, None, admin.clone())
            .await
            .is_err()
    );
    assert_eq!(size().await, before, "a refused user appends nothing");
    let reset = app
        .reset_password(&email, None, admin.clone())
        .await
        .expect("reset");
    let event = last_event(&app, GovernanceKind::PasswordReset, &admin).await;
    let text = entry_text(&app, event.ledger_index).await;
    let password = reset.generated.expect("a generated password");
    assert!(
        !text.contains(&password) && !text.contains("argon2"),
        "{text}"
    );
    let before = size().await;
    let nobody = Email::parse("nobody@example.gov.uk").expect("email");
    assert!(matches!(
        app.reset_password(&nobody, None, admin.clone()).await,
        Err(AppError::Store(civic_store::StoreError::NotFound { .. }))
    ));
    assert_eq!(size().await, before);

    // Model versions: registered (each replacing the active one), then a
    // version made active again.
    let trainer = operator("sam.trainer");
    let v1 = train(&app, dir.path(), &trainer).await;
    let event = last_event(&app, GovernanceKind::ModelRegistered, &trainer).await;
    match &event.change {
        GovernanceChange::ModelRegistered {
            model,
            replaced_version,
            metrics_sha256,
            ..
        } => {
            assert_eq!((model.version.as_str(), replaced_version), ("1", &None));
            let listed = app.list_models().await.expect("models");
            assert_eq!(
                *metrics_sha256,
                civic_core::Digest::of_json(&listed[0].metrics),
                "the digest of the stored report"
            );
        }
        other => panic!("{other:?}"),
    }
    let v2 = train(&app, dir.path(), &trainer).await;
    let event = last_event(&app, GovernanceKind::ModelRegistered, &trainer).await;
    assert!(matches!(
        &event.change,
        GovernanceChange::ModelRegistered { replaced_version: Some(v), .. } if *v == v1.to_string()
    ));
    app.activate_model("council-triage", v1, admin.clone())
        .await
        .expect("activate");
    let event = last_event(&app, GovernanceKind::ModelActivated, &admin).await;
    assert!(matches!(
        &event.change,
        GovernanceChange::ModelActivated { model, replaced_version: Some(r) }
            if model.version == v1.to_string() && *r == v2.to_string()
    ));
    let before = size().await;
    app.activate_model("council-triage", v1, admin.clone())
        .await
        .expect("the active version again");
    assert!(matches!(
        app.activate_model("council-triage", 99, admin.clone())
            .await,
        Err(AppError::Store(civic_store::StoreError::NotFound { .. }))
    ));
    assert_eq!(size().await, before, "no change, no entry");

    // A purge: recorded with how many and up to when, only when something
    // lapsed.
    let before = size().await;
    assert_eq!(
        app.purge_inputs_lapsed_by(now_millis())
            .await
            .expect("purge"),
        0
    );
    assert_eq!(size().await, before, "nothing purged, nothing recorded");
    app.record_decision(crate::support::decision(json!({"text": "hello"}), true))
        .await
        .expect("decision");
    let later = now_millis() + std::time::Duration::from_secs(2 * 86_400);
    assert_eq!(app.purge_inputs_lapsed_by(later).await.expect("purge"), 1);
    let event = last_event(
        &app,
        GovernanceKind::InputsPurged,
        &Principal::housekeeping(),
    )
    .await;
    assert_eq!(
        event.change,
        GovernanceChange::InputsPurged {
            count: 1,
            up_to: later
        }
    );

    // The listing filters by kind and by who, newest first, in pages.
    let by_trainer = app
        .governance_events(
            &GovernanceFilter {
                by: Some(trainer.clone()),
                ..GovernanceFilter::default()
            },
            10,
        )
        .await
        .expect("list");
    assert_eq!(by_trainer.len(), 2);
    assert!(by_trainer[0].ledger_index > by_trainer[1].ledger_index);
    let older = app
        .governance_events(
            &GovernanceFilter {
                kind: Some(GovernanceKind::ModelRegistered),
                before_index: Some(by_trainer[0].ledger_index),
                ..GovernanceFilter::default()
            },
            10,
        )
        .await
        .expect("list");
    assert_eq!(older, by_trainer[1..]);
    assert!(
        app.governance_events(&GovernanceFilter::default(), 0)
            .await
            .is_err()
    );

    let report = app
        .verify_ledger(&|_| {})
        .await
        .expect("read")
        .expect("consistent");
    assert_eq!(report.governance, 9, "{report:?}");
    app.shutdown().await.expect("shutdown");
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_names_each_kind_of_governance_record_altered_and_one_deleted() {
    let dir = tempfile::tempdir().expect("dir");
    let app = instance(dir.path()).await;
    let admin = operator("jo.admin");
    app.record_settings(admin.clone()).await.expect("settings");
    let key = app
        .create_key("system", Role::Caseworker, admin.clone())
        .await
        .expect("key");
    app.revoke_key(key.key.id, admin.clone())
        .await
        .expect("revoke");
    let email = Email::parse("r@example.gov.uk").expect("email");
    app.add_user(&email, Role::Reviewer, None, admin.clone())
        .await
        .expect("user");
    app.reset_password(&email, None, admin.clone())
        .await
        .expect("reset");
    let v1 = train(&app, dir.path(), &admin).await;
    train(&app, dir.path(), &admin).await;
    app.activate_model("council-triage", v1, admin.clone())
        .await
        .expect("activate");
    app.record_decision(crate::support::decision(json!({"text": "hi"}), true))
        .await
        .expect("decision");
    let later = now_millis() + std::time::Duration::from_secs(2 * 86_400);
    app.purge_inputs_lapsed_by(later).await.expect("purge");
    app.shutdown().await.expect("shutdown");

    let url = format!("sqlite://{}", dir.path().join("civic.db").display());
    let mut db = sqlx::SqliteConnection::connect(&url).await.expect("db");
    let rows: Vec<(String, String, String, i64)> = sqlx::query_as(
        "SELECT id, event, details, ledger_index FROM governance_events ORDER BY ledger_index",
    )
    .fetch_all(&mut db)
    .await
    .expect("rows");
    let kinds: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    for kind in GovernanceKind::ALL {
        assert!(kinds.contains(&kind.as_str()), "{kind} in {kinds:?}");
    }
    let verify = || async {
        let app = App::open(
            civic_app::Config::load(Overrides {
                data_dir: Some(dir.path().to_owned()),
                quality_sample_rate: Some(0.0),
                input_retention_days: Some(1),
                ..Overrides::default()
            })
            .expect("config"),
        )
        .await
        .expect("open");
        let outcome = app.verify_ledger(&|_| {}).await.expect("read");
        app.shutdown().await.expect("shutdown");
        outcome
    };
    assert!(verify().await.is_ok());

    // Each row altered in turn, in a field of its own kind, then put back.
    for (id, event, details, index) in &rows {
        let altered = match event.as_str() {
            // A number, a role or a version changed; an id swapped.
            "inputs_purged" => details.replace("\"count\":1", "\"count\":2"),
            "key_created" | "user_created" => details.replace("\"role\":\"", "\"role\":\"x"),
            "model_registered" | "model_activated" => {
                details.replace("\"version\":\"", "\"version\":\"9")
            }
            "settings_changed" => details.replace("\"changed\":[", "\"changed\":[\"x\","),
            // key_revoked and password_reset hold one id (a UUID v7):
            // point it at another.
            _ => details.replacen("-7", "-6", 1),
        };
        assert_ne!(&altered, details, "{event}");
        sqlx::query("UPDATE governance_events SET details = $1 WHERE id = $2")
            .bind(&altered)
            .bind(id)
            .execute(&mut db)
            .await
            .expect("alter");
        let outcome = verify().await;
        assert_eq!(
            outcome,
            Err(Inconsistency::RecordAltered {
                index: *index as u64,
                kind: format!("governance ({event})"),
                id: id.clone(),
            }),
            "after altering {event}: {altered}"
        );
        sqlx::query("UPDATE governance_events SET details = $1 WHERE id = $2")
            .bind(details)
            .bind(id)
            .execute(&mut db)
            .await
            .expect("restore");
    }

    // Who made a change is part of it.
    let (id, event, _, index) = &rows[1];
    sqlx::query("UPDATE governance_events SET actor = 'operator:someone-else' WHERE id = $1")
        .bind(id)
        .execute(&mut db)
        .await
        .expect("alter");
    assert_eq!(
        verify().await,
        Err(Inconsistency::RecordAltered {
            index: *index as u64,
            kind: format!("governance ({event})"),
            id: id.clone(),
        })
    );
    sqlx::query("UPDATE governance_events SET actor = 'operator:jo.admin' WHERE id = $1")
        .bind(id)
        .execute(&mut db)
        .await
        .expect("restore");
    assert!(verify().await.is_ok());

    // A deleted row leaves its entry without a record.
    let (id, event, _, index) = &rows[2];
    sqlx::query("DELETE FROM governance_events WHERE id = $1")
        .bind(id)
        .execute(&mut db)
        .await
        .expect("delete");
    assert_eq!(
        verify().await,
        Err(Inconsistency::RecordMissing {
            index: *index as u64,
            kind: format!("governance ({event})"),
            id: id.clone(),
        })
    );
    db.close().await.expect("close");
}
