use civic_app::triage::MAX_TEXT_CHARS;
use civic_core::Role;
use serde_json::{Value, json};

use crate::support::TestServer;

/// A server with a triage model trained on 600 generated messages.
async fn with_model() -> (TestServer, tempfile::TempDir) {
    let s = TestServer::start().await;
    let dir = s.with_triage_model().await;
    (s, dir)
}

async fn triage(s: &TestServer, body: Value) -> reqwest::Response {
    s.client
        .post(s.url("/triage"))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&body)
        .send()
        .await
        .expect("send")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_message_is_routed_explained_and_recorded_without_its_text() {
    let (s, _dir) = with_model().await;
    let text =
        "The bins on Elm Road were not collected this week, the recycling box is overflowing";
    let res = triage(&s, json!({"text": text, "reference": "web-42"})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert!(!body["team"].as_str().expect("team").is_empty());
    let confidence = body["confidence"].as_f64().expect("confidence");
    assert!((0.0..=1.0).contains(&confidence));
    assert!(body["alternatives"].as_array().expect("alternatives").len() <= 3);
    assert!(
        !body["explanation"]["for"]
            .as_array()
            .expect("for")
            .is_empty()
    );
    assert_eq!(body["model"]["version"], "1");

    let id = body["decision_id"].as_str().expect("id");
    let decision: Value = s
        .client
        .get(s.url(&format!("/decisions/{id}")))
        .bearer_auth(s.token(Role::Auditor))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    assert_eq!(decision["service"], "triage");
    assert_eq!(decision["output"]["team"], body["team"]);
    // Without a retention period the record keeps neither the reference
    // nor the explanation (the ledger entry holds their digests).
    assert_eq!(decision["reference"], Value::Null);
    assert_eq!(decision["explanation"], Value::Null);
    let status = decision["status"].as_str().expect("status");
    assert_eq!(
        status == "needs_review",
        body["needs_review"].as_bool().expect("bool")
    );
    // The ledger entry holds the digest of the text, never the text.
    let entry = s
        .store()
        .await
        .ledger_entry(decision["ledger_index"].as_u64().expect("index"))
        .await
        .expect("entry");
    let entry = String::from_utf8(entry.entry).expect("utf8");
    assert!(!entry.contains("Elm Road"), "{entry}");
    assert!(entry.contains(decision["input_sha256"].as_str().expect("digest")));
}

#[tokio::test(flavor = "multi_thread")]
async fn safeguarding_forces_review_whatever_the_classifier_says() {
    let (s, _dir) = with_model().await;
    let res = triage(
        &s,
        json!({"text": "I can't go on, I am going to kill myself tonight. Also my bin is broken."}),
    )
    .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["urgent"], true, "{body}");
    assert_eq!(body["needs_review"], true);
    assert!(
        !body["safeguarding_matches"]
            .as_array()
            .expect("matches")
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_triage_requests_are_refused_clearly_and_write_nothing() {
    let (s, _dir) = with_model().await;
    let empty = triage(&s, json!({"text": "   \n "})).await;
    assert_eq!(empty.status(), 422);
    let long = triage(&s, json!({"text": "a".repeat(MAX_TEXT_CHARS + 1)})).await;
    assert_eq!(long.status(), 413);
    let unknown = triage(&s, json!({"text": "pothole", "model": "no-such-model"})).await;
    assert_eq!(unknown.status(), 404);
    let err: Value = unknown.json().await.expect("json");
    assert!(
        err["error"]["message"]
            .as_str()
            .expect("message")
            .contains("no-such-model")
    );
    assert_eq!(s.record_entries().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_api_refuses_the_overrides_the_web_refuses_and_none_reaches_training_data() {
    let (s, _dir) = with_model().await;
    let routed: Value = triage(&s, json!({"text": "The bin was not collected on Monday"}))
        .await
        .json()
        .await
        .expect("json");
    let id = routed["decision_id"].as_str().expect("id");
    let suggested = routed["team"].as_str().expect("team").to_owned();
    let loaded = s
        .app
        .triage_model("council-triage", None)
        .await
        .expect("model");
    let other = loaded
        .model
        .labels()
        .iter()
        .find(|l| **l != suggested)
        .expect("another team")
        .clone();
    let review = |body: Value| s.review(id, body);
    let refused = [
        (
            json!({"team": "parkingg"}),
            "Wrong team",
            "output",
            "not a team",
        ),
        (
            json!({"team": other}),
            "because I said so",
            "reason",
            "not one of the override reasons",
        ),
        (json!({"team": other}), "Other", "details", "say why"),
        (
            json!({"team": suggested}),
            "Wrong team",
            "output",
            "suggested",
        ),
        (
            json!({"team": other, "colour": "red"}),
            "Wrong team",
            "output",
            "colour",
        ),
        (
            json!(["not", "an", "object"]),
            "Wrong team",
            "output",
            "JSON object",
        ),
    ];
    for (output, reason, field, words) in refused {
        let (status, err) =
            review(json!({"action": "override", "output": output, "reason": reason})).await;
        assert_eq!(status, 422, "{output} {reason}: {err}");
        assert_eq!(err["error"]["details"]["field"], field, "{err}");
        let message = err["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{message}");
    }
    let corrections = s
        .store()
        .await
        .override_corrections("triage")
        .await
        .expect("read");
    assert!(corrections.is_empty(), "nothing refused is kept");
    let (status, done) = review(json!({"action": "override", "output": {"team": other},
        "reason": "Wrong team", "details": "the bins team handles this"}))
    .await;
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["reason"], "Wrong team: the bins team handles this");
    let corrections = s
        .store()
        .await
        .override_corrections("triage")
        .await
        .expect("read");
    assert_eq!(corrections.len(), 1);
    assert_eq!(corrections[0].output["team"], other.as_str());
}
