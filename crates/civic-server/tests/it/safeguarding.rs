//! Issue 13: every message of the report reaches a person, urgent, with the
//! right safeguarding category, whatever the routing model says; harmless uses
//! of the same words do not; the person's words never reach the output.

use civic_core::Role;
use serde_json::{Value, json};

use crate::support::{Browser, TestServer, user};

async fn triage(s: &TestServer, text: &str) -> Value {
    let res = s
        .client
        .post(s.url("/triage"))
        .bearer_auth(s.token(Role::Caseworker))
        .json(&json!({ "text": text }))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200);
    res.json().await.expect("json")
}

async fn decision(s: &TestServer, body: &Value) -> Value {
    s.decision(body["decision_id"].as_str().expect("id")).await
}

fn categories(body: &Value, level: &str) -> Vec<String> {
    body["safeguarding"]["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .filter(|c| c["level"] == level)
        .filter_map(|c| c["category"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn the_issue_messages_are_urgent_and_in_review_with_the_right_category() {
    let s = TestServer::start().await;
    let _dir = s.with_triage_model().await;
    // (message, the category it must be flagged with)
    let cases = [
        (
            "My neighbour is threatening to hurt himself",
            "self_harm_suicide",
        ),
        (
            "A child is left alone in the flat next door every night",
            "child_at_risk",
        ),
        (
            "My partner hits me and I need somewhere safe to stay",
            "domestic_abuse",
        ),
        (
            "I am scared my dad is hitting my little brother",
            "child_at_risk",
        ),
        (
            "My mum has dementia and is being neglected",
            "adult_at_risk",
        ),
        (
            "There is a pothole outside 14 Mill Lane that has been there for months. Someone will be killed.",
            "threat_violence",
        ),
    ];
    for (text, category) in cases {
        let body = triage(&s, text).await;
        assert_eq!(body["urgent"], true, "{text}: {body}");
        assert_eq!(body["needs_review"], true, "{text}");
        let found = categories(&body, "alert");
        assert!(found.iter().any(|c| c == category), "{text}: {found:?}");
        // The routing suggestion is still given beside the safeguarding finding.
        assert!(!body["team"].as_str().expect("team").is_empty());
        let first = &body["safeguarding"]["categories"][0];
        assert!(!first["suggested_team"].as_str().expect("team").is_empty());
        let d = decision(&s, &body).await;
        assert_eq!(d["status"], "needs_review", "{text}");
        assert_eq!(d["output"]["urgent"], true);
        assert_eq!(d["output"]["review_reasons"][0], "safeguarding");
    }
    // The mum with dementia is an adult, not a child.
    let body = triage(&s, "My mum has dementia and is being neglected").await;
    assert!(!categories(&body, "alert").contains(&"child_at_risk".to_owned()));
}

#[tokio::test(flavor = "multi_thread")]
async fn harmless_words_do_not_alert_and_a_negated_concern_still_gets_a_look() {
    let s = TestServer::start().await;
    let _dir = s.with_triage_model().await;
    for text in [
        "Please send someone to kill the weeds on the verge outside number 4",
        "This pothole on Mill Lane will kill someone's tyres",
        "My phone died while I was paying for parking",
    ] {
        let body = triage(&s, text).await;
        assert_eq!(body["urgent"], false, "{text}: {body}");
    }
    let body = triage(&s, "No one is hurting me, I just need to move house").await;
    assert_eq!(body["urgent"], false, "{body}");
    assert_eq!(body["needs_review"], true, "{body}");
    let d = decision(&s, &body).await;
    assert_eq!(d["status"], "needs_review");
    assert_eq!(d["output"]["review_reasons"][0], "safeguarding_watch");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_matched_words_are_in_the_explanation_never_in_the_output() {
    // The explanation is kept only under a retention period.
    let s = TestServer::start_with(|o| o.input_retention_days = Some(1)).await;
    let _dir = s.with_triage_model().await;
    let body = triage(&s, "My partner hits me and I need somewhere safe to stay").await;
    let words = body["safeguarding_matches"][0]["text"]
        .as_str()
        .expect("match");
    let d = decision(&s, &body).await;
    let output = d["output"].to_string();
    assert!(!output.contains(words), "{output}");
    assert!(!output.contains("\"start\""), "{output}");
    assert!(output.contains("domestic-abuse-words"), "{output}");
    let evidence = d["explanation"]["safeguarding"]["matches"].to_string();
    assert!(evidence.contains(words), "{evidence}");
}

#[tokio::test(flavor = "multi_thread")]
async fn dismissing_a_safeguarding_flag_needs_a_reason_and_is_counted_on_the_models_page() {
    let s = TestServer::start().await;
    let _dir = s.with_triage_model().await;
    let body = triage(&s, "My partner hits me and I need somewhere safe to stay").await;
    let id = body["decision_id"].as_str().expect("id");
    let review = |payload: Value| {
        s.client
            .post(s.url(&format!("/decisions/{id}/review")))
            .bearer_auth(s.token(Role::Reviewer))
            .json(&payload)
            .send()
    };
    let no_reason =
        review(json!({"action": "override", "output": {"team": body["team"], "urgent": false}}))
            .await
            .expect("send");
    assert!(no_reason.status().is_client_error());
    let dismissed = review(
        json!({"action": "override", "output": {"team": body["team"], "urgent": false},
        "reason": "Not a safeguarding concern"}),
    )
    .await
    .expect("send");
    assert_eq!(dismissed.status(), 201);

    let (email, _) = user(&s, Role::Auditor).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let (status, page, _) = b.get("/models").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("id=\"safeguarding-dismissals\""), "{page}");
    assert!(
        page.contains("100.0"),
        "one reviewed, one dismissed: {page}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_reviewer_records_on_the_review_page_that_a_concern_was_referred_to_a_team() {
    let s = TestServer::start().await;
    let _dir = s.with_triage_model().await;
    let body = triage(
        &s,
        "A child is left alone in the flat next door every night",
    )
    .await;
    let id = body["decision_id"].as_str().expect("id");
    let (email, _) = user(&s, Role::Reviewer).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let csrf = b.csrf().await;
    let (status, page, _) = b.get(&format!("/review/{id}")).await;
    assert_eq!(status, 200);
    let team = s.app.config().safeguarding.referral_teams()[2].clone();
    assert!(page.contains("value=\"refer\""), "{page}");
    assert!(
        page.contains(&format!("<option value=\"{}\"", askama_escape(&team))),
        "{page}"
    );

    // Referring without a team is an error that links to the team list.
    let (status, page, _) = b
        .post(
            &format!("/review/{id}"),
            &[("csrf", csrf.as_str()), ("outcome", "refer")],
        )
        .await;
    assert_eq!(status, 400);
    assert!(page.contains("href=\"#referred_to\""), "{page}");
    // A team that is not a safeguarding team is refused too.
    let (status, _, _) = b
        .post(
            &format!("/review/{id}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "refer"),
                ("referred_to", "Parking"),
            ],
        )
        .await;
    assert_eq!(status, 400);
    let (status, _, _) = b
        .post(
            &format!("/review/{id}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "refer"),
                ("referred_to", team.as_str()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, reviews) = s
        .app
        .decision_with_reviews(id.parse().expect("id"))
        .await
        .expect("read");
    match &reviews[0].action {
        civic_core::ReviewAction::Refer { team: t } => assert_eq!(t.as_str(), team),
        other => panic!("not a referral: {other:?}"),
    }
}

/// `text` as the page writes it (askama's HTML escaping of the characters a
/// team name may hold).
fn askama_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}
