//! The audit pages over HTTP: roles, CSRF on "verify now", a decision's
//! entries with its inclusion proof, CSV exports, and quality samples from
//! the queue to the override rate per model version.

use civic_core::{DecisionId, Reason, ReviewAction, Role, SampleRate};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Browser, TestServer, eligibility, hidden, user, waiting};

/// A browser signed in with a new user of `role`.
async fn signed_in(s: &TestServer, role: Role) -> Browser {
    let (email, _) = user(s, role).await;
    let mut b = Browser::new(s);
    b.sign_in(&email).await;
    b
}

/// Parses a CSV export into its rows (the header first).
fn rows(csv_text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(csv_text.as_bytes())
        .records()
        .map(|r| r.expect("valid csv").iter().map(str::to_owned).collect())
        .collect()
}

/// Records a decision that would be applied automatically; returns its JSON.
async fn automatic(s: &TestServer, version: &str) -> Value {
    let mut body = eligibility();
    body["needs_review"] = json!(false);
    body["model"]["version"] = json!(version);
    let res = s
        .client
        .post(s.url("/decisions"))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&body)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201);
    res.json().await.expect("json")
}

#[tokio::test]
async fn only_auditors_and_admins_reach_the_audit_pages() {
    let s = TestServer::start().await;
    let id = waiting(&s, eligibility()).await;
    let paths = [
        "/audit".to_owned(),
        format!("/audit/decisions/{id}"),
        format!("/audit/decisions/{id}/proof.json"),
        "/audit/export/decisions.csv".to_owned(),
        "/audit/export/reviews.csv".to_owned(),
        format!("/audit/lookup?id={id}"),
    ];
    for role in [Role::Caseworker, Role::Reviewer] {
        let mut b = signed_in(&s, role).await;
        for path in &paths {
            let (status, page, _) = b.get(path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(page.contains("You cannot see this page"), "{page}");
            assert!(page.contains("admin, auditor"), "{page}");
        }
        let (_, overview, _) = b.get("/").await;
        assert!(
            !overview.contains("href=\"/audit\""),
            "no audit link for {role}"
        );
    }
    for role in [Role::Auditor, Role::Admin] {
        let mut b = signed_in(&s, role).await;
        let (status, page, _) = b.get("/audit").await;
        assert_eq!(status, StatusCode::OK, "{role}: {page}");
        assert!(page.contains("href=\"/audit\""), "nav link for {role}");
        assert_eq!(page.matches("<h1").count(), 1);
        // The latest checkpoint covers every entry: the decision recorded
        // and the governance entries of the keys and users set up.
        s.app.checkpoint_now().await.expect("checkpoint");
        let size = s.app.ledger_size().await.expect("size");
        let (_, page, _) = b.get("/audit").await;
        assert!(
            page.contains(&format!("id=\"checkpoint-size\">{size}<")),
            "{page}"
        );
        assert!(
            page.contains("civic.local/ledger"),
            "the note's origin line"
        );
    }
    // Signed out: to the sign-in page, coming back afterwards.
    let mut b = Browser::new(&s);
    let (status, _, headers) = b.get("/audit/export/decisions.csv").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(
        headers["location"]
            .to_str()
            .expect("ascii")
            .starts_with("/sign-in")
    );
}

#[tokio::test]
async fn verify_now_needs_the_csrf_token_and_reports_a_consistent_ledger() {
    let s = TestServer::start().await;
    for _ in 0..5 {
        waiting(&s, eligibility()).await;
    }
    let mut b = signed_in(&s, Role::Auditor).await;
    let (_, page, _) = b.get("/audit").await;
    assert!(page.contains("Not checked"), "{page}");

    for form in [vec![], vec![("csrf", "forged")]] {
        let (status, page, _) = b.post("/audit/verify", &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("could not be accepted"));
    }
    let (_, page, _) = b.get("/audit").await;
    assert!(
        page.contains("Not checked"),
        "a refused form starts nothing"
    );

    let csrf = hidden(&page, "csrf");
    let (status, _, headers) = b.post("/audit/verify", &[("csrf", csrf.as_str())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/audit#verify");
    // The job runs in the background; wait for it to say how it ended.
    let mut page = String::new();
    for _ in 0..600 {
        page = b.get("/audit").await.1;
        if !page.contains(">Running<") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(page.contains(">Consistent<"), "{page}");
    assert!(
        // The three keys and the auditor's user set up for the test are
        // governance events.
        page.contains("All 9 entries (5 decisions, 0 reviews, 4 governance events)"),
        "{page}"
    );
}

#[tokio::test]
async fn a_decision_shows_its_ledger_entries_and_a_valid_inclusion_proof() {
    let s = TestServer::start().await;
    let first = waiting(&s, eligibility()).await;
    let id = waiting(&s, eligibility()).await;
    let reviewer = s
        .app
        .create_key("r", Role::Reviewer, civic_core::Principal::demo())
        .await
        .expect("key");
    s.app
        .review(
            id,
            ReviewAction::Override {
                output: json!({"eligible": false}),
                reason: Reason::parse("income was <b>misread</b>").expect("reason"),
            },
            reviewer.key.id.into(),
        )
        .await
        .expect("review");
    let mut b = signed_in(&s, Role::Auditor).await;

    // The lookup form: a bad id is an error on the audit page, a good one a redirect.
    for bad in ["", "not-an-id"] {
        let (status, page, _) = b.get(&format!("/audit/lookup?id={bad}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert!(page.contains("govuk-error-summary") && page.contains("href=\"#id\""));
        assert!(page.contains("<title>Error: Audit"));
    }
    let (status, _, headers) = b.get(&format!("/audit/lookup?id={id}")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers["location"],
        format!("/audit/decisions/{id}").as_str()
    );

    let (status, page, _) = b.get(&format!("/audit/decisions/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    // The decision is entry 1 and its override entry 2.
    assert!(page.contains("<td class=\"govuk-table__cell govuk-table__cell--numeric\">1</td>"));
    assert!(page.contains("<td class=\"govuk-table__cell govuk-table__cell--numeric\">2</td>"));
    assert!(
        page.contains("override") && page.contains("income was &#60;b&#62;misread"),
        "{page}"
    );
    assert!(!page.contains("<b>misread"), "escaped");
    assert!(page.contains(">Valid<"), "{page}");
    assert!(
        page.contains("id=\"proof-path\""),
        "two leaves or more: a path"
    );

    let (status, bundle, headers) = b.get(&format!("/audit/decisions/{id}/proof.json")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        headers["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment")
    );
    let bundle = civic_app::ledger::ProofBundle::from_json(&bundle).expect("bundle");
    let key = s.app.verifier().verifier_key().to_owned();
    let proved = civic_app::audit::check_proof(&bundle, Some(&key)).expect("valid proof");
    let decision = s.app.decision(id).await.expect("decision");
    assert_eq!(proved.index, decision.ledger_index);
    assert_eq!(proved.entry, decision.ledger_event().to_bytes());

    let unknown = DecisionId::new();
    let (status, _, _) = b.get(&format!("/audit/decisions/{unknown}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = b.get(&format!("/audit/decisions/{first}x")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn exports_hold_every_record_as_safe_csv_without_raw_input() {
    let s = TestServer::start_with(|o| o.input_retention_days = Some(1)).await;
    let mut body = eligibility();
    body["reference"] = json!("=HYPERLINK(\"http://evil.example\",\"x\")");
    body["input"] = json!({"note": "private-input-marker"});
    let formula = waiting(&s, body).await;
    // More decisions than one page of the store, recorded together so the
    // writer batches them.
    let many = futures_util::future::join_all((0..1_050).map(|n| {
        let app = s.app.clone();
        async move {
            let d = civic_core::NewDecision {
                service: civic_core::Service::parse(if n % 2 == 0 { "triage" } else { "risk" })
                    .expect("service"),
                model: civic_core::ModelRef {
                    name: "m".into(),
                    version: "1".into(),
                },
                input_digest: civic_core::Digest::of(b"x"),
                input: None,
                output: json!({"n": n}),
                explanation: json!({}),
                confidence: Some(0.5),
                status: civic_core::DecisionStatus::Auto,
                queue: civic_core::QueueFacts::default(),
                requested_by: civic_core::KeyId::new().into(),
                reference: Some(format!("case,\"{n}\"\nline")),
            };
            app.record_decision(d).await.expect("record")
        }
    }))
    .await;
    let reviewer = s
        .app
        .create_key("r", Role::Reviewer, civic_core::Principal::demo())
        .await
        .expect("key");
    s.app
        .review(
            formula,
            ReviewAction::Override {
                output: json!({"eligible": false}),
                reason: Reason::parse("@SUM(A1) +1").expect("reason"),
            },
            reviewer.key.id.into(),
        )
        .await
        .expect("review");

    let mut b = signed_in(&s, Role::Auditor).await;
    let (status, text, headers) = b.get("/audit/export/decisions.csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(headers["content-type"], "text/csv; charset=utf-8");
    assert!(!text.contains("private-input-marker"), "no raw input");
    let table = rows(&text);
    assert_eq!(table[0][0], "id");
    assert_eq!(table.len(), 1 + 1 + many.len(), "header and every decision");
    let reference = table[0]
        .iter()
        .position(|h| h == "reference")
        .expect("column");
    assert_eq!(table[1][0], formula.to_string(), "oldest first");
    assert_eq!(
        table[1][reference],
        "'=HYPERLINK(\"http://evil.example\",\"x\")"
    );
    assert!(table[2][reference].starts_with("case,\"") && table[2][reference].ends_with("\nline"));
    let mut ids: Vec<&str> = table[1..].iter().map(|r| r[0].as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 1 + many.len(), "each decision once");

    let (_, text, _) = b.get("/audit/export/decisions.csv?service=risk").await;
    let table = rows(&text);
    let service = table[0]
        .iter()
        .position(|h| h == "service")
        .expect("column");
    assert_eq!(table.len(), 1 + many.len() / 2);
    assert!(table[1..].iter().all(|r| r[service] == "risk"));
    let (_, text, _) = b.get("/audit/export/decisions.csv?from=2999-01-01").await;
    assert_eq!(rows(&text).len(), 1, "only the header");

    let (status, text, _) = b.get("/audit/export/reviews.csv").await;
    assert_eq!(status, StatusCode::OK);
    let table = rows(&text);
    assert_eq!(table.len(), 2);
    let reason = table[0].iter().position(|h| h == "reason").expect("column");
    let action = table[0].iter().position(|h| h == "action").expect("column");
    assert_eq!(table[1][reason], "'@SUM(A1) +1");
    assert_eq!(table[1][action], "override");
    assert_eq!(table[1][2], formula.to_string());

    // A bad filter is shown on the audit page, with what was typed.
    let (status, page, _) = b
        .get("/audit/export/reviews.csv?from=%3Cscript%3E&service=No%20Such")
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("href=\"#from\"") && page.contains("href=\"#service\""));
    assert!(
        page.contains(
            "id=\"from\" name=\"from\" type=\"text\" maxlength=\"100\" value=\"&#60;script&#62;\""
        ),
        "{page}"
    );
}

#[tokio::test]
async fn quality_samples_are_queued_tagged_and_counted_per_model_version() {
    let s = TestServer::start_with(|o| o.quality_sample_rate = Some(0.5)).await;
    let rate = SampleRate::new(0.5).expect("rate");
    let mut sampled = Vec::new();
    for n in 0..30 {
        let d = automatic(&s, if n % 2 == 0 { "2" } else { "3" }).await;
        let id: DecisionId = d["id"].as_str().expect("id").parse().expect("uuid");
        // Deterministic: the documented function of the id decides.
        assert_eq!(d["quality_sample"], json!(rate.selects(id)), "{d}");
        let want = if rate.selects(id) {
            "needs_review"
        } else {
            "auto"
        };
        assert_eq!(d["status"], want);
        if rate.selects(id) {
            sampled.push((
                id,
                d["model"]["version"].as_str().expect("version").to_owned(),
            ));
        }
    }
    let v2 = sampled
        .iter()
        .find(|(_, v)| v == "2")
        .expect("a version 2 sample")
        .0;

    let mut reviewer = signed_in(&s, Role::Reviewer).await;
    let (_, queue, _) = reviewer.get("/queue").await;
    assert_eq!(
        queue.matches(">Quality check<").count(),
        sampled.len(),
        "{queue}"
    );
    let (status, page, _) = reviewer.get(&format!("/review/{v2}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("id=\"quality-check\""), "{page}");
    let csrf = hidden(&page, "csrf");
    let (status, _, _) = reviewer
        .post(
            &format!("/review/{v2}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("output", "{\"eligible\": false}"),
                ("reason", "Other"),
                ("details", "the household had changed"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let mut auditor = signed_in(&s, Role::Auditor).await;
    let (_, page, _) = auditor.get("/audit").await;
    let n2 = sampled.iter().filter(|(_, v)| v == "2").count();
    let row = format!(
        "fsm-rules version 2</th><td class=\"govuk-table__cell govuk-table__cell--numeric\">{n2}</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">1</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">1</td><td class=\"govuk-table__cell govuk-table__cell--numeric\">100.0%</td>"
    );
    assert!(page.contains(&row), "{page}");
    if sampled.iter().any(|(_, v)| v == "3") {
        assert!(page.contains("fsm-rules version 3") && page.contains("none reviewed yet"));
    }
    let (_, overview, _) = auditor.get("/").await;
    assert!(overview.contains(&row), "the overview shows the same table");

    // The ledger says why it was queued.
    let (_, page, _) = auditor.get(&format!("/audit/decisions/{v2}")).await;
    assert!(page.contains("id=\"quality-note\""));
    assert!(page.contains("&#34;quality_sample&#34;:true"), "{page}");
}

#[tokio::test]
async fn governance_events_are_listed_with_filters_to_auditors_and_admins() {
    let s = TestServer::start().await;
    // An admin creates and revokes a key through the API.
    let admin = s.token(Role::Admin).to_owned();
    let res = s
        .client
        .post(s.url("/keys"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Jo Bloggs laptop", "role": "reviewer"}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 201);
    let made: Value = res.json().await.expect("json");
    let key_id = made["key"]["id"].as_str().expect("id").to_owned();
    let res = s
        .client
        .post(s.url(&format!("/keys/{key_id}/revoke")))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);

    let get = |query: String, role: Role| {
        let (client, url, token) = (
            s.client.clone(),
            s.url(&format!("/audit/events{query}")),
            s.token(role).to_owned(),
        );
        async move {
            let res = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("send");
            (res.status(), res.json::<Value>().await.expect("json"))
        }
    };
    let (status, all) = get(String::new(), Role::Auditor).await;
    assert_eq!(status, 200, "{all}");
    let events = all["events"].as_array().expect("events");
    // Newest first: the revocation, the creation, then the test's own keys.
    assert_eq!(events[0]["event"], "key_revoked");
    assert_eq!(events[0]["key_id"], key_id.as_str());
    assert_eq!(events[1]["event"], "key_created");
    assert_eq!(events[1]["role"], "reviewer");
    assert!(events[1].get("user_id").is_none(), "{}", events[1]);
    let admin_key = events[0]["by"].as_str().expect("by").to_owned();
    assert!(admin_key.starts_with("key:"), "{admin_key}");
    assert!(
        !all.to_string().contains("laptop"),
        "a key's name is not in its event: {all}"
    );

    // Filters: by kind, by who, by time, in pages.
    let (_, revoked) = get("?kind=key_revoked".into(), Role::Admin).await;
    assert_eq!(revoked["events"].as_array().expect("events").len(), 1);
    let (_, by_admin) = get(format!("?by={admin_key}"), Role::Auditor).await;
    assert_eq!(by_admin["events"].as_array().expect("events").len(), 2);
    let (_, page) = get("?limit=1".into(), Role::Auditor).await;
    let next = page["next_before"].as_u64().expect("a next page");
    let (_, older) = get(format!("?limit=1&before={next}"), Role::Auditor).await;
    assert_eq!(older["events"][0]["event"], "key_created");
    let (_, future) = get("?from=2999-01-01T00:00:00Z".into(), Role::Auditor).await;
    assert_eq!(future["events"], json!([]));
    for bad in [
        "?kind=everything",
        "?by=someone",
        "?from=yesterday",
        "?limit=0",
        "?colour=red",
    ] {
        let (status, err) = get(bad.into(), Role::Auditor).await;
        assert_eq!(status, 400, "{bad}: {err}");
    }
    for role in [Role::Caseworker, Role::Reviewer] {
        let (status, _) = get(String::new(), role).await;
        assert_eq!(status, 403, "{role}");
    }

    // The page lists them and refuses an unknown kind without echoing it.
    let mut b = signed_in(&s, Role::Auditor).await;
    let (status, page, _) = b.get("/audit/events").await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("API key revoked"), "{page}");
    assert!(page.contains(&key_id), "{page}");
    let (status, page, _) = b.get("/audit/events?kind=user_created").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("User added") && !page.contains(&key_id),
        "{page}"
    );
    let (status, page, _) = b.get("/audit/events?kind=%3Cb%3E").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("Choose a kind of event from the list"),
        "{page}"
    );
    assert!(!page.contains("<b>"), "{page}");
}
