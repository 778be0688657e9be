use civic_app::{App, Config, InitOutcome, Overrides};
use civic_core::{DecisionId, Email, Role};
use civic_server::AppState;
use reqwest::StatusCode;
use reqwest::redirect::Policy;
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
            // No quality samples unless a test asks: a test that expects a
            // decision to be applied automatically must not see it queued.
            quality_sample_rate: Some(0.0),
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
                .create_key(&format!("test-{role}"), role, civic_core::Principal::demo())
                .await
                .expect("key");
            tokens.insert(role, made.token);
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let state = AppState::new(app.clone());
        tokio::spawn(civic_server::serve(listener, state, std::future::pending()));
        TestServer {
            base,
            app,
            client: reqwest::Client::new(),
            tokens,
            _dir: dir,
        }
    }

    /// The ledger entries that are not governance events: what a refused
    /// request must not add to (setting up keys, users and models appends
    /// governance entries of its own).
    pub async fn record_entries(&self) -> u64 {
        use futures_util::TryStreamExt as _;
        self.store()
            .await
            .ledger_entries()
            .try_fold(0, |n, e| async move {
                Ok(n + u64::from(e.kind != "governance"))
            })
            .await
            .expect("entries")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    /// The database, opened beside the app's own connections, for tests
    /// that look at what was stored (the server reaches it only through
    /// `civic-app`).
    pub async fn store(&self) -> civic_store::Store {
        civic_store::Store::connect(&self.app.config().database_url)
            .await
            .expect("store")
    }

    /// The data directory (the SQLite database is `civic.db` in it).
    pub fn data_dir(&self) -> &std::path::Path {
        self._dir.path()
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
    /// Posts `body` to the review of decision `id` as a reviewer; the
    /// status and the JSON answer.
    pub async fn review(&self, id: &str, body: Value) -> (u16, Value) {
        let res = self
            .client
            .post(self.url(&format!("/decisions/{id}/review")))
            .bearer_auth(self.token(Role::Reviewer))
            .json(&body)
            .send()
            .await
            .expect("send");
        (
            res.status().as_u16(),
            res.json::<Value>().await.expect("json"),
        )
    }

    /// The OpenAPI document the server serves.
    pub async fn openapi(&self) -> Value {
        self.client
            .get(self.url("/openapi.json"))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json")
    }

    /// `GET path` with `role`'s key: the status and the JSON answer.
    pub async fn get_json(&self, path: &str, role: Role) -> (u16, Value) {
        let res = self
            .client
            .get(self.url(path))
            .bearer_auth(self.token(role))
            .send()
            .await
            .expect("send");
        (res.status().as_u16(), res.json().await.expect("json"))
    }

    /// A decision as an auditor reads it.
    pub async fn decision(&self, id: &str) -> Value {
        self.get_json(&format!("/decisions/{id}"), Role::Auditor)
            .await
            .1
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
                &"operator:test"
                    .parse::<civic_core::Principal>()
                    .expect("operator"),
                std::sync::Arc::new(|_| {}),
            )
            .await
            .expect("train risk");
        assert!(trained.version.active);
        dir
    }

    /// Trains and activates the triage model `council-triage` on 600
    /// generated council contacts; the directory holds the training file.
    pub async fn with_triage_model(&self) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("dir");
        let data = dir.path().join("contacts.jsonl");
        let lines: Vec<String> = civic_triage::demo::generate(7, 600)
            .into_iter()
            .map(|m| json!({"text": m.text, "team": m.label, "urgent": m.urgent}).to_string())
            .collect();
        std::fs::write(&data, lines.join("\n")).expect("write");
        let trained = self
            .app
            .train_triage(
                civic_app::triage::TrainRequest {
                    data,
                    text_column: "text".into(),
                    label_column: "team".into(),
                    urgent_column: Some("urgent".into()),
                    name: "council-triage".into(),
                    holdout: 0.2,
                    seed: 1,
                    strict: true,
                    include_overrides: false,
                },
                &"operator:test"
                    .parse::<civic_core::Principal>()
                    .expect("operator"),
                std::sync::Arc::new(|_| {}),
            )
            .await
            .expect("train");
        assert!(trained.version.active);
        dir
    }
}

// The web interface as a browser without JavaScript sees it.

/// A web user's password in tests.
pub const PASSWORD: &str = "a long enough password";

/// A browser without JavaScript: keeps its cookies, follows no redirects.
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
    pub cookies: std::collections::BTreeMap<String, String>,
}

/// The value of the first hidden `name` field in a page.
pub fn hidden(html: &str, name: &str) -> String {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html
        .find(&marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no {name} field"));
    let end = html[start..].find('"').expect("closing quote") + start;
    unescape(&html[start..end])
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&#60;", "<")
        .replace("&gt;", ">")
        .replace("&#62;", ">")
        .replace("&amp;", "&")
        .replace("&#38;", "&")
}

impl Browser {
    pub fn new(server: &TestServer) -> Self {
        Browser {
            base: server.base.clone(),
            client: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .expect("client"),
            cookies: Default::default(),
        }
    }

    pub fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn keep_cookies(&mut self, res: &reqwest::Response) {
        for c in res.headers().get_all("set-cookie") {
            let text = c.to_str().expect("ascii");
            let (pair, _) = text.split_once(';').unwrap_or((text, ""));
            let (k, v) = pair.split_once('=').expect("name=value");
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_owned(), v.to_owned());
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let (status, body, headers) = self.get_bytes(path).await;
        (
            status,
            String::from_utf8(body).expect("utf-8 page"),
            headers,
        )
    }

    /// Like `get`, for a download.
    pub async fn get_bytes(
        &mut self,
        path: &str,
    ) -> (StatusCode, Vec<u8>, reqwest::header::HeaderMap) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("send");
        self.keep_cookies(&res);
        let (status, headers) = (res.status(), res.headers().clone());
        (status, res.bytes().await.expect("body").to_vec(), headers)
    }

    /// Posts a `multipart/form-data` form built by [`multipart`].
    pub async fn post_multipart(
        &mut self,
        path: &str,
        (content_type, body): (String, Vec<u8>),
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", content_type)
            .body(body);
        self.send(request).await
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let request = self.client.post(format!("{}{path}", self.base)).form(form);
        self.send(request).await
    }

    /// Sends `request` with this browser's cookies and keeps the new ones.
    async fn send(
        &mut self,
        request: reqwest::RequestBuilder,
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let res = request
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("send");
        self.keep_cookies(&res);
        let (status, headers) = (res.status(), res.headers().clone());
        (status, res.text().await.expect("body"), headers)
    }

    /// Signs in through the form; returns the response's status, body and headers.
    pub async fn sign_in_with(
        &mut self,
        email: &str,
        password: &str,
        extra: &[(&str, &str)],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let (status, page, _) = self.get("/sign-in").await;
        assert_eq!(status, 200);
        let csrf = hidden(&page, "csrf");
        let mut form = vec![
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ];
        form.extend_from_slice(extra);
        self.post("/sign-in", &form).await
    }

    pub async fn sign_in(&mut self, email: &str) {
        let (status, body, headers) = self.sign_in_with(email, PASSWORD, &[]).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
        assert_eq!(headers["location"], "/");
    }

    /// The CSRF token of the signed-in session, from a page's sign-out form.
    pub async fn csrf(&mut self) -> String {
        let (status, page, _) = self.get("/").await;
        assert_eq!(status, 200, "{page}");
        hidden(&page, "csrf")
    }
}

pub async fn user(s: &TestServer, role: Role) -> (String, civic_app::users::User) {
    let email = format!("{role}@example.gov.uk");
    let made = s
        .app
        .add_user(
            &Email::parse(&email).expect("email"),
            role,
            Some(civic_core::Password::parse(PASSWORD).expect("password")),
            civic_core::Principal::demo(),
        )
        .await
        .expect("user");
    (email, made.user)
}

/// A hand-built `multipart/form-data` body with text `fields` and, when
/// given, one `file` field `(file name, bytes)`; returns the Content-Type
/// and the body.
pub fn multipart(fields: &[(&str, &str)], file: Option<(&str, &[u8])>) -> (String, Vec<u8>) {
    let boundary = "civic-test-boundary-7f3a";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((file_name, bytes)) = file {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// A minimal Word document whose body has one paragraph per item of
/// `paragraphs`, each split into two runs in the middle so that a value can
/// straddle Word's runs as it does in real files.
pub fn docx(paragraphs: &[&str]) -> Vec<u8> {
    use std::io::Write as _;
    let w = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main""#;
    let body: String = paragraphs
        .iter()
        .map(|p| {
            let mid = p.char_indices().nth(p.chars().count() / 2).map_or(0, |(i, _)| i);
            let (a, b) = p.split_at(mid);
            format!(
                r#"<w:p><w:r><w:t xml:space="preserve">{}</w:t></w:r><w:r><w:t xml:space="preserve">{}</w:t></w:r></w:p>"#,
                xml_escape(a),
                xml_escape(b)
            )
        })
        .collect();
    let files = [
        ("[Content_Types].xml", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>"#.to_owned()),
        ("_rels/.rels", r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#.to_owned()),
        ("word/document.xml", format!(r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document {w}><w:body>{body}</w:body></w:document>"#)),
    ];
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, text) in files {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .expect("test fixture");
        zip.write_all(text.as_bytes()).expect("test fixture");
    }
    zip.finish().expect("test fixture").into_inner()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Every part of a Word document with the XML tags taken out, so that a
/// value split across runs reads whole: what must not survive is searched
/// for here.
pub fn docx_text(bytes: &[u8]) -> String {
    use std::io::Read as _;
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
    let mut xml = String::new();
    for i in 0..archive.len() {
        let mut f = archive.by_index(i).expect("zip entry");
        f.read_to_string(&mut xml).expect("utf-8 part");
    }
    let mut text = String::with_capacity(xml.len());
    let mut in_tag = false;
    for c in xml.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}

/// Records a decision waiting for review through the API; returns its id.
pub async fn waiting(s: &TestServer, body: Value) -> DecisionId {
    let res = s
        .client
        .post(s.url("/decisions"))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201);
    let v: Value = res.json().await.expect("json");
    v["id"].as_str().expect("id").parse().expect("uuid")
}

pub fn eligibility() -> Value {
    json!({
        "service": "eligibility",
        "model": {"name": "fsm-rules", "version": "2"},
        "input": {"household": 4},
        "output": {"eligible": true},
        "explanation": {"rule": "income below threshold"},
        "confidence": 0.9,
        "needs_review": true,
        "reference": "case-1"
    })
}
