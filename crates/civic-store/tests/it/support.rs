use civic_core::{DecisionStatus, Digest, KeyId, ModelRef, NewDecision, Service};
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
        requested_by: KeyId::new(),
        reference: Some(format!("case-{n}")),
    }
}
