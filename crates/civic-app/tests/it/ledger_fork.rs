//! A ledger rewritten in the database is caught by the checkpoints kept
//! outside it: `verify` names the rewrite, and the writer refuses to sign
//! or to write on top of it.
//!
//! The rewrite here is the strongest one: a whole other ledger, valid in
//! itself and signed with the same key (as if the server had been made to
//! sign a forged tree), put in the place of the database. Without the
//! checkpoint log nothing in the database shows it.

use std::path::Path;

use civic_app::App;
use civic_app::audit::Inconsistency;
use civic_core::NewDecision;
use serde_json::json;

use crate::support::{self, config};

fn decision(n: u64) -> NewDecision {
    support::decision(json!({ "household": n }), false)
}

/// Opens the instance at `dir`, records `count` decisions starting at
/// `first`, signs a checkpoint over them and closes it.
async fn record(dir: &Path, first: u64, count: u64) {
    let app = App::open(config(dir)).await.expect("open");
    for n in first..first + count {
        app.record_decision(decision(n)).await.expect("record");
    }
    app.shutdown().await.expect("shutdown");
}

/// Puts a copy of the database at `from` in the place of the one at `to`.
///
/// The copy is made by SQLite (`VACUUM INTO`), so it holds whatever is in
/// the write-ahead log too, whether or not the last connection has folded
/// it in yet; the target's files are removed first, whichever exist.
async fn replace_database(from: &Path, to: &Path) {
    use sqlx::Connection as _;
    let copy = from.join("copy.db");
    let url = format!("sqlite://{}", from.join("civic.db").display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("open the copy's source");
    sqlx::query("VACUUM INTO ?")
        .bind(copy.to_string_lossy().into_owned())
        .execute(&mut conn)
        .await
        .expect("copy");
    conn.close().await.expect("close");
    for name in ["civic.db", "civic.db-wal", "civic.db-shm"] {
        match std::fs::remove_file(to.join(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => panic!("remove {name}: {e}"),
        }
    }
    std::fs::rename(&copy, to.join("civic.db")).expect("move the copy in");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_swapped_for_another_signed_history_is_refused_and_named() {
    let root = tempfile::tempdir().expect("dir");
    let (real, forged) = (root.path().join("real"), root.path().join("forged"));
    civic_app::init(&config(&real)).await.expect("init");
    record(&real, 0, 3).await;
    assert!(
        config(&real).checkpoint_log.exists(),
        "the log is kept beside the data directory"
    );

    // Another history, signed with the same key.
    civic_app::init(&config(&forged)).await.expect("init");
    std::fs::copy(real.join("ledger.key"), forged.join("ledger.key")).expect("key");
    record(&forged, 100, 5).await;
    replace_database(&forged, &real).await;

    let app = App::open(config(&real)).await.expect("open");
    let outcome = app.verify_ledger(&|_| {}).await.expect("verify ran");
    match outcome {
        Err(Inconsistency::SavedCheckpointMismatch { size, source }) => {
            assert_eq!(size, 3);
            assert!(source.ends_with("real.checkpoints.jsonl"), "{source}");
        }
        other => panic!("expected the rewrite to be named, got {other:?}"),
    }
    let refused = app
        .record_decision(decision(7))
        .await
        .expect_err("no write on a fork");
    assert_eq!(refused.code(), "ledger_forked", "{refused}");
    assert!(app.checkpoint_now().await.is_err(), "nothing is signed");
    drop(app);

    // What the database alone shows: nothing. The log is what caught it.
    std::fs::remove_file(config(&real).checkpoint_log).expect("remove log");
    let app = App::open(config(&real)).await.expect("open");
    assert!(app.verify_ledger(&|_| {}).await.expect("ran").is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn removed_entries_and_checkpoints_are_named_and_an_auditors_copy_proves_extension() {
    let root = tempfile::tempdir().expect("dir");
    let (real, empty) = (root.path().join("real"), root.path().join("empty"));
    civic_app::init(&config(&real)).await.expect("init");
    record(&real, 0, 4).await;

    // An auditor saved the checkpoint; the ledger grows; it still extends it.
    let app = App::open(config(&real)).await.expect("open");
    let saved_file = root.path().join("saved.checkpoint");
    let cp = app.checkpoint_now().await.expect("cp").expect("some");
    std::fs::write(&saved_file, &cp.note).expect("save");
    for n in 10..13 {
        app.record_decision(decision(n)).await.expect("record");
    }
    let saved = app.read_saved_checkpoints(&saved_file).expect("read saved");
    assert_eq!(saved[0].size, 4);
    let report = app.verify_ledger_since(&saved, &|_| {}).await.expect("ran");
    assert_eq!(report.map(|r| r.entries), Ok(7));
    app.shutdown().await.expect("shutdown");

    // Everything removed: an empty database with the same key.
    civic_app::init(&config(&empty)).await.expect("init");
    std::fs::copy(real.join("ledger.key"), empty.join("ledger.key")).expect("key");
    replace_database(&empty, &real).await;
    let app = App::open(config(&real)).await.expect("open");
    let outcome = app.verify_ledger_since(&saved, &|_| {}).await.expect("ran");
    assert!(
        matches!(
            outcome,
            Err(Inconsistency::SavedCheckpointBeyond {
                size: 4,
                entries: 0,
                ..
            })
        ),
        "{outcome:?}"
    );
    let refused = app.record_decision(decision(1)).await.expect_err("refused");
    assert_eq!(refused.code(), "ledger_forked");
    // A saved checkpoint from another ledger is refused with its file's name.
    let other = civic_ledger::LogSigner::generate("other.example/ledger", &mut rand::rngs::OsRng)
        .expect("key");
    std::fs::write(&saved_file, other.sign(1, civic_ledger::leaf_hash(b"x"))).expect("write");
    let err = app
        .read_saved_checkpoints(&saved_file)
        .expect_err("foreign");
    assert!(err.to_string().contains("saved.checkpoint"), "{err}");
}
