use civic_core::Role;
use serde_json::{Value, json};

use crate::support::{TestServer, new_claims};

async fn score(s: &TestServer, body: Value) -> reqwest::Response {
    s.client
        .post(s.url("/risk/score"))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&body)
        .send()
        .await
        .expect("send")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flagged_claim_is_explained_and_waits_for_review_and_others_do_not() {
    // Retained, so that the record keeps the explanation to compare.
    let s = TestServer::start_with(|o| o.input_retention_days = Some(1)).await;
    let _dir = s.with_risk_model().await;
    let mut seen = [false, false];
    for record in new_claims(200, 99) {
        let res = score(
            &s,
            json!({"model": "claims-risk", "record": record, "reference": "claim-7"}),
        )
        .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        let flagged = body["flagged"].as_bool().expect("flagged");
        assert_eq!(body["needs_review"], flagged);
        let risk = body["risk_score"].as_f64().expect("score");
        let threshold = body["threshold"].as_f64().expect("threshold");
        assert_eq!(flagged, risk >= threshold);
        // The contributions add up to the score's log-odds and never name a protected column.
        let contributions = body["contributions"].as_array().expect("contributions");
        let sum: f64 = contributions
            .iter()
            .map(|c| c["contribution"].as_f64().expect("number"))
            .sum();
        let logit = (risk / (1.0 - risk)).ln();
        let base = body["base_log_odds"].as_f64().expect("base");
        assert!(
            (base + sum - logit).abs() < 1e-6,
            "{base} + {sum} vs {logit}"
        );
        for c in contributions {
            let feature = c["feature"].as_str().expect("feature");
            assert!(!["age_band", "sex", "disability", "ethnicity"].contains(&feature));
        }
        if seen[usize::from(flagged)] {
            continue;
        }
        seen[usize::from(flagged)] = true;
        let id = body["decision_id"].as_str().expect("id");
        let decision = s.decision(id).await;
        assert_eq!(decision["service"], "risk");
        assert_eq!(decision["model"]["name"], "claims-risk");
        assert_eq!(decision["reference"], "claim-7");
        assert_eq!(
            decision["status"],
            if flagged { "needs_review" } else { "auto" }
        );
        assert_eq!(decision["output"]["flagged"], flagged);
        assert_eq!(
            decision["explanation"]["contributions"],
            body["contributions"]
        );
        if seen == [true, true] {
            break;
        }
    }
    assert_eq!(seen, [true, true], "expected flagged and unflagged claims");
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_records_are_refused_naming_the_problem_and_write_nothing() {
    let s = TestServer::start().await;
    let _dir = s.with_risk_model().await;
    let good = new_claims(1, 99).remove(0);
    let message = |v: &Value| v["error"]["message"].as_str().expect("message").to_owned();

    let unknown_model = score(&s, json!({"model": "no-such-model", "record": good})).await;
    assert_eq!(unknown_model.status(), 404);

    // Each case: a change to a good record, the error code, and the name it must give.
    let cases: [(&str, Option<Value>, &str); 3] = [
        ("claim_amount", None, "risk.missing_columns"),
        ("shoe_size", Some(json!(9)), "risk.unknown_columns"),
        (
            "household_size",
            Some(json!("several")),
            "risk.not_a_number",
        ),
    ];
    for (field, value, code) in cases {
        let mut record = good.clone();
        match value {
            Some(v) => record.insert(field.into(), v),
            None => record.remove(field),
        };
        let res = score(&s, json!({"model": "claims-risk", "record": record})).await;
        assert_eq!(res.status(), 422, "{field}");
        let body: Value = res.json().await.expect("json");
        assert_eq!(body["error"]["code"], code);
        assert!(message(&body).contains(field), "{body}");
    }

    let empty = score(&s, json!({"model": "claims-risk", "record": {}})).await;
    assert_eq!(empty.status(), 422);

    assert_eq!(s.record_entries().await, 0);

    // A category never seen in training is scored as missing and reported.
    let mut unseen = good.clone();
    unseen.insert("channel".into(), json!("carrier pigeon"));
    let res = score(&s, json!({"model": "claims-risk", "record": unseen})).await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.expect("json");
    assert_eq!(
        body["unseen_categories"],
        json!([{"column": "channel", "value": "carrier pigeon"}])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_describes_risk_scoring() {
    let s = TestServer::start().await;
    let doc = s.openapi().await;
    let op = &doc["paths"]["/api/v1/risk/score"]["post"];
    assert_eq!(op["tags"], json!(["risk"]));
    for status in ["200", "404", "422"] {
        assert!(op["responses"][status].is_object(), "{status}");
    }
    assert!(doc["components"]["schemas"]["RiskScoreRequest"].is_object());
}
