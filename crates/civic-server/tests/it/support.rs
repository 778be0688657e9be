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
