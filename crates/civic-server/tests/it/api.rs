use civic_core::Role;
use serde_json::{Value, json};

use crate::support::TestServer;

#[tokio::test]
async fn health_needs_no_key_and_reports_the_database() {
    let s = TestServer::start().await;
    let res = s.client.get(s.url("/health")).send().await.expect("send");
    assert_eq!(res.status(), 200);
    assert!(
        res.headers().contains_key("x-request-id"),
        "every response carries a request id"
    );
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn a_decision_is_recorded_read_back_and_reviewed_once() {
    let s = TestServer::start().await;
    // Setting up the test's keys appended their governance entries.
    let start = s.app.ledger_size().await.expect("size");
    let d = s.record(true).await;
    assert_eq!(d["status"], "needs_review");
    assert_eq!(d["ledger_index"], start);
    let id = d["id"].as_str().expect("id");
    // The raw input is not stored (no retention configured) but its digest is.
    assert_eq!(d["input_sha256"].as_str().expect("digest").len(), 64);

    let review = s
        .client
        .post(s.url(&format!("/decisions/{id}/review")))
        .bearer_auth(s.token(Role::Reviewer))
        .json(&json!({"action": "override", "output": {"eligible": false}, "reason": "Other", "details": "income was misread"}))
        .send()
        .await
        .expect("send");
    assert_eq!(review.status(), 201);
    let again = s
        .client
        .post(s.url(&format!("/decisions/{id}/review")))
        .bearer_auth(s.token(Role::Reviewer))
        .json(&json!({"action": "accept"}))
        .send()
        .await
        .expect("send");
    assert_eq!(again.status(), 409);

    let read: Value = s
        .client
        .get(s.url(&format!("/decisions/{id}")))
        .bearer_auth(s.token(Role::Auditor))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(read["status"], "reviewed");
    assert_eq!(read["reviews"][0]["action"], "override");
    assert_eq!(read["reviews"][0]["reason"], "Other: income was misread");
    assert_eq!(read["reviews"][0]["ledger_index"], start + 1);
}

#[tokio::test]
async fn an_override_without_a_reason_is_refused_and_nothing_is_written() {
    let s = TestServer::start().await;
    let d = s.record(true).await;
    let id = d["id"].as_str().expect("id");
    for body in [
        json!({"action": "override", "output": {"eligible": false}}),
        json!({"action": "override", "output": {"eligible": false}, "reason": "   "}),
        json!({"action": "override", "reason": "no output"}),
        json!({"action": "maybe"}),
    ] {
        let res = s
            .client
            .post(s.url(&format!("/decisions/{id}/review")))
            .bearer_auth(s.token(Role::Reviewer))
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(res.status(), 422, "{body}");
        let err: Value = res.json().await.expect("json");
        assert_eq!(err["error"]["code"], "invalid_input", "{err}");
    }
    assert_eq!(s.record_entries().await, 1);
}

#[tokio::test]
async fn malformed_json_is_a_400_naming_the_position() {
    let s = TestServer::start().await;
    let res = s
        .client
        .post(s.url("/decisions"))
        .bearer_auth(s.token(Role::Caseworker))
        .header("content-type", "application/json")
        .body("{\"service\": \"x\",\n  \"model\": }")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["error"]["code"], "malformed_json");
    let message = err["error"]["message"].as_str().expect("message");
    assert!(message.contains("line 2"), "{message}");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_404_and_400() {
    let s = TestServer::start().await;
    let unknown = civic_core::DecisionId::new();
    let res = s
        .client
        .get(s.url(&format!("/decisions/{unknown}")))
        .bearer_auth(s.token(Role::Caseworker))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 404);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["error"]["code"], "not_found");
    let res = s
        .client
        .get(s.url("/decisions/not-an-id"))
        .bearer_auth(s.token(Role::Caseworker))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    let res = s.client.get(s.url("/nowhere")).send().await.expect("send");
    assert_eq!(res.status(), 404);
}

/// Posts a decision whose input is `input`, expecting 413 with nothing
/// written; the error's message.
async fn decision_too_large(s: &TestServer, input: &str) -> String {
    let res = s
        .client
        .post(s.url("/decisions"))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&json!({"service": "x", "model": {"name": "m", "version": "1"}, "input": input, "output": {}}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 413);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["error"]["code"], "body_too_large");
    assert_eq!(s.record_entries().await, 0);
    err["error"]["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

#[tokio::test]
async fn bodies_over_the_limit_are_413() {
    let s = TestServer::start_with(|o| o.body_limit = Some(4096)).await;
    decision_too_large(&s, &"x".repeat(10_000)).await;
}

#[tokio::test]
async fn record_bodies_have_a_smaller_limit_than_texts_to_redact() {
    let s = TestServer::start().await;
    assert_eq!(s.app.config().json_body_limit, 2 << 20);
    // 2.55 MB but 850,000 characters: over the records' limit, within
    // the redaction's (body_limit, and 1,000,000 characters).
    let text = "€".repeat(850_000);
    let message = decision_too_large(&s, &text).await;
    assert!(message.contains("json_body_limit"), "{message}");
    let res = s
        .client
        .post(s.url("/redact/preview"))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&json!({"text": text}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_database_that_is_gone_gives_503_and_writes_nothing() {
    let s = TestServer::start().await;
    let token = s.token(Role::Caseworker).to_owned();
    s.app.shutdown().await.expect("shut down");
    let res = s
        .client
        .post(s.url("/decisions"))
        .bearer_auth(&token)
        .json(&json!({"service": "x", "model": {"name": "m", "version": "1"}, "input": {}, "output": {}}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 503);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["error"]["code"], "database_unavailable");
    let health = s.client.get(s.url("/health")).send().await.expect("send");
    assert_eq!(health.status(), 503);
}

#[tokio::test]
async fn proofs_from_the_api_verify_offline() {
    let s = TestServer::start().await;
    let start = s.app.ledger_size().await.expect("size");
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.push(s.record(false).await["id"].as_str().expect("id").to_owned());
    }
    let checkpoint: Value = s
        .client
        .get(s.url("/audit/checkpoint"))
        .bearer_auth(s.token(Role::Auditor))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(checkpoint["tree_size"], start + 5);
    let bundle: Value = s
        .client
        .get(s.url(&format!("/audit/proof/{}", ids[3])))
        .bearer_auth(s.token(Role::Auditor))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let bundle = civic_app::ledger::ProofBundle::from_json(&bundle.to_string()).expect("bundle");
    let proof = civic_app::audit::check_proof(
        &bundle,
        Some(checkpoint["verifier_key"].as_str().expect("key")),
    )
    .expect("verifies");
    assert_eq!(proof.index, start + 3);
    assert!(String::from_utf8_lossy(&proof.entry).contains(&ids[3]));
}

#[tokio::test]
async fn the_openapi_document_lists_every_route() {
    let s = TestServer::start().await;
    let doc = s.openapi().await;
    assert!(doc["openapi"].as_str().expect("version").starts_with("3."));
    let paths = doc["paths"].as_object().expect("paths");
    for p in crate::roles::ENDPOINTS.iter().map(|e| e.path_template) {
        assert!(
            paths.contains_key(p),
            "{p} missing from the OpenAPI document"
        );
    }
}

/// Every `$ref` of `value` (at `at`), and every schema that says only
/// "an object" (no properties, no map values, no reference).
fn schema_gaps(value: &Value, at: &str, refs: &mut Vec<String>, bare: &mut Vec<String>) {
    match value {
        Value::Object(o) => {
            if let Some(r) = o.get("$ref").and_then(Value::as_str) {
                refs.push(r.to_owned());
            }
            let is_object = o.get("type").is_some_and(|t| {
                t == "object"
                    || t.as_array()
                        .is_some_and(|a| a.iter().any(|x| x == "object"))
            });
            if is_object && !o.contains_key("properties") && !o.contains_key("additionalProperties")
            {
                bare.push(at.to_owned());
            }
            for (k, v) in o {
                schema_gaps(v, &format!("{at}/{k}"), refs, bare);
            }
        }
        Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                schema_gaps(v, &format!("{at}/{i}"), refs, bare);
            }
        }
        _ => {}
    }
}

#[tokio::test]
async fn every_schema_is_described_except_other_systems_free_form_json() {
    let s = TestServer::start().await;
    let doc = s.openapi().await;
    let (mut refs, mut bare) = (Vec::new(), Vec::new());
    schema_gaps(&doc, "", &mut refs, &mut bare);
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    for r in &refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .expect("a schema reference");
        assert!(schemas.contains_key(name), "{r} is not in the document");
    }
    // What another system records (a decision's input, output and
    // explanation, an override's output), a claim record (its columns are
    // the model's), and an error's details: JSON of the caller's own shape.
    let free_form = [
        "/components/schemas/DecisionView/properties/explanation",
        "/components/schemas/DecisionView/properties/output",
        "/components/schemas/ErrorDetail/properties/details",
        "/components/schemas/RecordRequest/properties/explanation",
        "/components/schemas/RecordRequest/properties/input",
        "/components/schemas/RecordRequest/properties/output",
        "/components/schemas/ReviewRequest/properties/output",
        "/components/schemas/ReviewView/properties/output",
        "/components/schemas/RiskScoreRequest/properties/record",
    ];
    bare.sort();
    assert_eq!(bare, free_form, "schemas that say only \"an object\"");
    // The proof bundle's schema is written beside the handler (the server
    // does not depend on the ledger crate): it must name the real fields.
    let recorded = s.record(false).await;
    let id = recorded["id"].as_str().expect("id");
    let (status, proof) = s
        .get_json(&format!("/audit/proof/{id}"), Role::Auditor)
        .await;
    assert_eq!(status, 200, "{proof}");
    let mut given: Vec<&String> = proof.as_object().expect("a bundle").keys().collect();
    let mut described: Vec<&String> = schemas["ProofBundleLayout"]["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    given.sort();
    described.sort();
    assert_eq!(given, described);
}

#[tokio::test]
async fn signed_checkpoints_are_listed_in_pages_each_verifiable() {
    let s = TestServer::start().await;
    let auditor = s.token(Role::Auditor).to_owned();
    let start = s.app.ledger_size().await.expect("size");
    for _ in 0..3 {
        s.record(false).await;
        s.app.checkpoint_now().await.expect("checkpoint");
    }
    let get = |query: &'static str| {
        let (client, url, token) = (
            s.client.clone(),
            s.url(&format!("/audit/checkpoints{query}")),
            auditor.clone(),
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
    let (status, all) = get("").await;
    assert_eq!(status, 200, "{all}");
    let sizes: Vec<u64> = all["checkpoints"]
        .as_array()
        .expect("list")
        .iter()
        .map(|c| c["tree_size"].as_u64().expect("size"))
        .collect();
    assert_eq!(sizes, [start + 1, start + 2, start + 3]);
    assert_eq!(all["next_after"], Value::Null);
    for c in all["checkpoints"].as_array().expect("list") {
        let verified = s.app.verifier().verify(c["note"].as_str().expect("note"));
        assert_eq!(verified.map(|v| v.size).ok(), c["tree_size"].as_u64());
    }
    // The three keys set up for the test (caseworker, reviewer, auditor)
    // are the first entries.
    assert_eq!(start, 3);
    let (_, page) = get("?after=4&limit=1").await;
    assert_eq!(page["checkpoints"][0]["tree_size"], 5);
    assert_eq!(page["next_after"], 5);
    let (status, err) = get("?limit=0").await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "invalid_input");
    let (status, err) = get("?colour=red").await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "invalid_query");
}

#[tokio::test]
async fn a_referral_names_a_safeguarding_team_or_is_refused_naming_the_field() {
    let s = TestServer::start().await;
    let d = s.record(true).await;
    let id = d["id"].as_str().expect("id");
    let review = |body: Value| s.review(id, body);
    for body in [
        json!({"action": "refer"}),
        json!({"action": "refer", "team": "Parking services"}),
        json!({"action": "refer", "team": "a\u{0}b"}),
    ] {
        let (status, err) = review(body.clone()).await;
        assert_eq!(status, 422, "{body}: {err}");
        // The rule names the field; a NUL is refused earlier, at the JSON edge,
        // which names where it is.
        let details = &err["error"]["details"];
        assert!(
            details["field"] == "team" || details["pointer"] == "/team",
            "{err}"
        );
    }
    let team = s.app.config().safeguarding.referral_teams()[0].clone();
    let (status, made) = review(json!({"action": "refer", "team": team})).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["action"], "refer");
    assert_eq!(made["output"]["referred_to"], team.as_str());
    assert!(made.get("reason").is_none_or(Value::is_null), "{made}");
    // Settled once, like any review.
    let (status, _) = review(json!({"action": "accept"})).await;
    assert_eq!(status, 409);
}
