use civic_core::{DecisionStatus, Digest, KeyId, ModelRef, NewDecision, Principal, Service};
use civic_ledger::LogSigner;
use civic_store::{LedgerWriter, Store, WriterConfig};
use serde_json::json;

/// A database for one test; dropping it removes a SQLite directory.
pub struct TestDb {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

pub fn sqlite() -> Option<TestDb> {
    let dir = tempfile::tempdir().expect("temp dir");
    let url = format!("sqlite://{}", dir.path().join("civic.db").display());
    Some(TestDb {
        url,
        _dir: Some(dir),
    })
}

/// A fresh PostgreSQL database, or `None` (with a visible message) when
/// `CIVIC_TEST_DATABASE_URL` is not set.
pub async fn postgres() -> Option<TestDb> {
    let Ok(base) = std::env::var("CIVIC_TEST_DATABASE_URL") else {
        eprintln!("skipping PostgreSQL test: CIVIC_TEST_DATABASE_URL is not set");
        return None;
    };
    use sqlx::Connection as _;
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to CIVIC_TEST_DATABASE_URL");
    let name = format!("civic_t_{}", uuid::Uuid::now_v7().simple());
    sqlx::Executor::execute(&mut admin, format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("create test database");
    let (prefix, _) = base.rsplit_once('/').expect("URL with a database name");
    Some(TestDb {
        url: format!("{prefix}/{name}"),
        _dir: None,
    })
}

pub fn signer() -> LogSigner {
    LogSigner::generate("civic.test/ledger", &mut rand::rngs::OsRng).expect("signer")
}

pub async fn open(db: &TestDb, config: WriterConfig) -> (Store, LedgerWriter, LogSigner) {
    let store = Store::connect(&db.url).await.expect("connect");
    let signer = signer();
    let (writer, _task) = LedgerWriter::spawn(store.clone(), signer.clone(), config);
    (store, writer, signer)
}

/// A writer configuration with a retention period, so that records keep
/// their explanations and references (and read back as they were made).
pub fn retained() -> WriterConfig {
    WriterConfig {
        input_retention: Some(std::time::Duration::from_secs(3600)),
        ..WriterConfig::default()
    }
}

pub fn new_decision(n: u64, status: DecisionStatus) -> NewDecision {
    let input = json!({ "text": format!("message {n}") });
    NewDecision {
        service: Service::parse("triage").expect("service"),
        model: ModelRef {
            name: "council-triage".into(),
            version: "1".into(),
        },
        input_digest: Digest::of_json(&input),
        input: Some(input),
        output: json!({ "team": "waste", "n": n }),
        explanation: json!({ "for": [["bin", 1.25]], "against": [] }),
        confidence: Some(0.1 * (n % 10) as f64 + 0.05),
        status,
        queue: civic_core::QueueFacts {
            team: Some("waste".into()),
            urgent: false,
        },
        requested_by: Principal::from(KeyId::new()),
        reference: Some(format!("case-{n}")),
    }
}

/// Everything the database holds, as text to search for personal data. On
/// SQLite, the file's bytes after the WAL is checkpointed into it and it is
/// vacuumed, so that nothing deleted lingers in a free page or in the WAL; on
/// PostgreSQL, every row of every table cast to text (byte columns come out
/// as hex, so search for the hex form too).
pub async fn database_text(db: &TestDb) -> String {
    use sqlx::Connection as _;
    if let Some(path) = db.url.strip_prefix("sqlite://") {
        let mut conn = sqlx::SqliteConnection::connect(&db.url)
            .await
            .expect("open the SQLite file");
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
        let mut bytes = std::fs::read(path).expect("read the database file");
        if let Ok(wal) = std::fs::read(format!("{path}-wal")) {
            bytes.extend(wal);
        }
        return String::from_utf8_lossy(&bytes).into_owned();
    }
    let mut conn = sqlx::PgConnection::connect(&db.url).await.expect("connect");
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut conn)
    .await
    .expect("list tables");
    let mut text = String::new();
    for (table,) in tables {
        let (rows,): (Option<String>,) = sqlx::query_as(&format!(
            "SELECT string_agg(t::text, E'\\n') FROM \"{table}\" t"
        ))
        .fetch_one(&mut conn)
        .await
        .expect("dump a table");
        text.push_str(&rows.unwrap_or_default());
        text.push('\n');
    }
    text
}

/// Who the store tests' governance changes are recorded as made by.
pub fn operator() -> Principal {
    Principal::Operator("store-test".parse().expect("an operator name"))
}
