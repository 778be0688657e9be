use civic_app::{App, Config, InitOutcome, Overrides};
use civic_core::Role;
use civic_server::AppState;
use serde_json::{Value, json};

/// A running server with a token for every role.
pub struct TestServer {
    pub base: String,
    pub app: App,
    pub client: reqwest::Client,
    pub tokens: std::collections::HashMap<Role, String>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tune: impl FnOnce(&mut Overrides)) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let mut overrides = Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..Overrides::default()
        };
        tune(&mut overrides);
        let config = Config::load(overrides).expect("config");
        let InitOutcome::Created { admin_token, .. } =
            civic_app::init(&config).await.expect("init")
        else {
            panic!("fresh directory");
        };
        let app = App::open(config).await.expect("open");
        let mut tokens = std::collections::HashMap::new();
        tokens.insert(Role::Admin, admin_token);
        for role in [Role::Caseworker, Role::Reviewer, Role::Auditor] {
            let made = app
                .create_key(&format!("test-{role}"), role)
                .await
                .expect("key");
            tokens.insert(role, made.token);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState { app: app.clone() };
        tokio::spawn(civic_server::serve(listener, state, std::future::pending()));
        TestServer {
            base,
            app,
            client: reqwest::Client::new(),
            tokens,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub fn token(&self, role: Role) -> &str {
        &self.tokens[&role]
    }

    /// Records a decision through the API as a caseworker; returns its JSON.
    pub async fn record(&self, needs_review: bool) -> Value {
        let res = self
            .client
            .post(self.url("/decisions"))
            .bearer_auth(self.token(Role::Caseworker))
            .json(&json!({
                "service": "eligibility",
                "model": {"name": "fsm-rules", "version": "2"},
                "input": {"household": 4, "income": 12000},
                "output": {"eligible": true},
                "explanation": {"rule": "income below threshold"},
                "confidence": 0.9,
                "needs_review": needs_review,
                "reference": "case-1"
            }))
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 201, "{:?}", res.text().await);
        res.json().await.expect("json")
    }
}

/// `rows` synthetic claims as JSON objects, every column included.
pub fn claim_maps(rows: usize, seed: u64) -> Vec<serde_json::Map<String, Value>> {
    let table = civic_risk::demo::synthetic_claims(rows, seed);
    table
        .rows()
        .iter()
        .map(|r| {
            table
                .columns()
                .iter()
                .cloned()
                .zip(r.cells.iter().cloned())
                .collect()
        })
        .collect()
}

/// New synthetic claims as a case system sends them: no outcome, no id.
pub fn new_claims(rows: usize, seed: u64) -> Vec<serde_json::Map<String, Value>> {
    let mut claims = claim_maps(rows, seed);
    for c in &mut claims {
        c.remove("error_found");
        c.remove("claim_id");
    }
    claims
}

/// Writes `rows` synthetic claims as JSON Lines.
pub fn write_claims(path: &std::path::Path, rows: usize, seed: u64) {
    let lines: Vec<String> = claim_maps(rows, seed)
        .into_iter()
        .map(|m| Value::Object(m).to_string())
        .collect();
    std::fs::write(path, lines.join("\n")).expect("write claims");
}

impl TestServer {
    /// A decision as an auditor reads it.
    pub async fn decision(&self, id: &str) -> Value {
        self.client
            .get(self.url(&format!("/decisions/{id}")))
            .bearer_auth(self.token(Role::Auditor))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    /// Trains and activates the risk model `claims-risk` on 1,500 synthetic
    /// claims; the directory holds the training file.
    pub async fn with_risk_model(&self) -> tempfile::TempDir {
        use civic_risk::demo::{CLAIM_ID, CLAIM_LABEL, CLAIM_PROTECTED};
        let dir = tempfile::tempdir().expect("dir");
        let data = dir.path().join("claims.jsonl");
        write_claims(&data, 1_500, 11);
        let trained = self
            .app
            .train_risk(
                civic_app::risk::TrainRequest {
                    data,
                    label_column: CLAIM_LABEL.into(),
                    protected_columns: CLAIM_PROTECTED.iter().map(|c| c.to_string()).collect(),
                    exclude_columns: vec![CLAIM_ID.into()],
                    name: "claims-risk".into(),
                    threshold: civic_risk::ThresholdPolicy::FlagRate(0.1),
                    holdout: 0.2,
                    seed: 1,
                },
                "test",
                std::sync::Arc::new(|_| {}),
            )
            .await
            .expect("train risk");
        assert!(trained.version.active);
        dir
    }
}
