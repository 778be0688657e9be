//! The housekeeping a running instance does (the server spawns
//! `App::run_housekeeping`): what retention no longer allows to be kept
//! leaves the database, and nothing else does.

use std::time::Duration;

use civic_app::App;
use civic_app::lifecycle::Purged;
use civic_core::{Email, Role};
use serde_json::json;

use crate::support;

/// An instance whose inputs and sessions last `lifetime`.
async fn open(dir: &std::path::Path, lifetime: Duration) -> App {
    let mut config = support::config(dir);
    // Shorter than any setting allows, so that the test need not wait a day.
    config.input_retention = Some(lifetime);
    config.web.session_ttl = lifetime;
    civic_app::init(&config).await.expect("init");
    App::open(config).await.expect("open")
}

/// Adds a caseworker and signs them in; returns the session's secret.
async fn sign_in(app: &App) -> String {
    let email = Email::parse("clerk@example.gov.uk").expect("email");
    let made = app
        .add_user(
            &email,
            Role::Caseworker,
            None,
            civic_core::Principal::demo(),
        )
        .await
        .expect("user");
    let password = made.generated.expect("a generated password");
    app.sign_in(email.as_str(), &password, None)
        .await
        .expect("sign in")
        .token
}

#[tokio::test]
async fn housekeeping_removes_lapsed_inputs_and_expired_sessions_only() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), Duration::from_millis(1)).await;
    sign_in(&app).await;
    let lapsed = app
        .record_decision(support::decision(json!({ "household": 1 }), true))
        .await
        .expect("record");
    tokio::time::sleep(Duration::from_millis(20)).await;

    let purged = app.purge_lapsed().await;
    assert_eq!(
        purged,
        Purged {
            inputs: 1,
            sessions: 1,
            uploads: 0,
            drafts: 0
        }
    );
    assert_eq!(app.decision_input(lapsed.id).await.expect("read"), None);
    // The decision itself and its ledger entry stay; the ledger holds the
    // user added, the decision and the purge (a governance event each).
    assert_eq!(
        app.decision(lapsed.id).await.expect("decision").id,
        lapsed.id
    );
    assert_eq!(app.ledger_size().await.expect("size"), 3);
    // A second round finds nothing left to remove.
    assert_eq!(
        app.purge_lapsed().await,
        Purged {
            inputs: 0,
            sessions: 0,
            uploads: 0,
            drafts: 0
        }
    );
    app.shutdown().await.expect("shutdown");
}

#[tokio::test]
async fn housekeeping_keeps_inputs_and_sessions_still_within_their_time() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), Duration::from_secs(3600)).await;
    let session = sign_in(&app).await;
    let input = json!({ "household": 2 });
    let kept = app
        .record_decision(support::decision(input.clone(), true))
        .await
        .expect("record");

    assert_eq!(
        app.purge_lapsed().await,
        Purged {
            inputs: 0,
            sessions: 0,
            uploads: 0,
            drafts: 0
        }
    );
    assert_eq!(
        app.decision_input(kept.id).await.expect("read"),
        Some(input)
    );
    assert!(app.session(&session).await.expect("read").is_some());
    app.shutdown().await.expect("shutdown");
}

/// An upload's directory left by a process that stopped mid-request (it
/// holds an uploaded document) is removed once it is an hour old; a fresh
/// one, perhaps a request in progress, and other files stay.
#[tokio::test]
async fn housekeeping_removes_upload_directories_a_stopped_process_left() {
    let dir = tempfile::tempdir().expect("dir");
    let app = open(dir.path(), Duration::from_secs(3600)).await;
    let data_dir = app.config().data_dir.clone();
    let (old, fresh) = (data_dir.join(".upload-old"), data_dir.join(".upload-new"));
    for d in [&old, &fresh] {
        std::fs::create_dir_all(d.join("input")).expect("dir");
        std::fs::write(d.join("input/letter.txt"), "Dear Mrs Okafor").expect("write");
    }
    let two_hours_ago = std::time::SystemTime::now() - Duration::from_secs(7200);
    std::fs::File::open(&old)
        .and_then(|f| f.set_modified(two_hours_ago))
        .expect("age the directory");

    let purged = app.purge_lapsed().await;
    assert_eq!(purged.uploads, 1, "{purged:?}");
    assert!(!old.exists(), "the stale upload is gone");
    assert!(fresh.join("input/letter.txt").exists(), "a fresh one stays");
    assert!(data_dir.join("civic.db").exists());
    app.shutdown().await.expect("shutdown");
}
