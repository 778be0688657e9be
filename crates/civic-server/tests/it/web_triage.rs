//! The triage page over HTTP: a caseworker routes a message, sees why, and
//! confirms or corrects the routing into the ledger; nobody else's
//! caseworker can; bad input gets the error summary; output is escaped.

use civic_core::{DecisionId, DecisionStatus, Email, Password, ReviewAction, Role};
use reqwest::StatusCode;
use serde_json::Value;

use crate::support::{Browser, PASSWORD, TestServer, hidden, user};

/// The text of the element with `id`, up to the next tag.
fn text_of(page: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\">");
    let start = page
        .find(&marker)
        .map(|i| i + marker.len())
        .unwrap_or_else(|| panic!("no #{id} in {page}"));
    let end = page[start..].find('<').expect("a tag follows") + start;
    page[start..end].to_owned()
}

/// Routes `text` through the form; returns the result page and the decision id.
async fn route(b: &mut Browser, text: &str, reference: &str) -> (String, DecisionId) {
    let (status, form, _) = b.get("/triage").await;
    assert_eq!(status, 200);
    assert!(form.contains("id=\"triage-form\""), "{form}");
    let csrf = hidden(&form, "csrf");
    let (status, page, _) = b
        .post(
            "/triage",
            &[
                ("csrf", csrf.as_str()),
                ("text", text),
                ("reference", reference),
            ],
        )
        .await;
    assert_eq!(status, 200, "{page}");
    let id = text_of(&page, "decision-id")
        .parse()
        .expect("a decision id");
    (page, id)
}

/// A team among the suggestion's alternatives other than the suggestion.
fn another_team(output: &Value) -> String {
    let suggested = output["team"].as_str().expect("team");
    output["alternatives"]
        .as_array()
        .expect("alternatives")
        .iter()
        .filter_map(|a| a["label"].as_str())
        .find(|l| *l != suggested)
        .expect("another team")
        .to_owned()
}

const MESSAGE: &str =
    "The street light outside number 12 has been flickering for a week and the pavement is cracked";

#[tokio::test(flavor = "multi_thread")]
async fn a_caseworker_routes_a_message_and_corrects_the_routing_into_the_ledger() {
    let s = TestServer::start_with(|o| o.input_retention_days = Some(1)).await;
    let _model = s.with_triage_model().await;
    let (email, caseworker) = user(&s, Role::Caseworker).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let (_, home, _) = b.get("/").await;
    assert!(
        home.contains("href=\"/triage\""),
        "caseworkers have it in the menu"
    );

    let (page, id) = route(&mut b, MESSAGE, "web-7").await;
    let decision = s.app.decision(id).await.expect("recorded");
    assert_eq!(decision.requested_by, caseworker.id.as_principal());
    assert_eq!(decision.reference.as_deref(), Some("web-7"));
    let team = decision.output["team"].as_str().expect("team");
    assert_eq!(text_of(&page, "suggested-team"), team);
    assert!(page.contains("id=\"urgency\""), "{page}");
    assert!(page.contains("id=\"confidence\""), "{page}");
    assert!(
        page.contains("civic-term--for"),
        "the words are marked: {page}"
    );
    assert!(page.contains("Terms for the suggestion"));
    assert!(
        page.contains("id=\"review-form\""),
        "the caseworker decides here"
    );

    // An override needs a reason from the list.
    let csrf = hidden(&page, "csrf");
    let right = another_team(&decision.output);
    let path = format!("/triage/{id}");
    let (status, page, _) = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("team", right.as_str()),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("govuk-error-summary") && page.contains("href=\"#reason\""),
        "{page}"
    );
    assert!(
        page.contains("civic-term--for"),
        "the retained message is still marked"
    );

    let (status, _, headers) = b
        .post(
            &path,
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("team", right.as_str()),
                ("reason", "Wrong team"),
                ("details", "street lighting is highways"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers["location"],
        format!("/triage/{id}?recorded=1").as_str()
    );
    let (status, page, _) = b.get(&format!("/triage/{id}?recorded=1")).await;
    assert_eq!(status, 200);
    assert!(page.contains("recorded in the ledger"), "{page}");
    assert!(
        page.contains(&format!("changed the routing to {right}")),
        "{page}"
    );
    assert!(!page.contains("id=\"review-form\""), "decided once");

    let (decision, reviews) = s.app.decision_with_reviews(id).await.expect("read");
    assert_eq!(decision.status, DecisionStatus::Reviewed);
    assert_eq!(reviews.len(), 1);
    assert_eq!(reviews[0].reviewer, caseworker.id.as_principal());
    match &reviews[0].action {
        ReviewAction::Override { output, reason } => {
            assert_eq!(output["team"], right.as_str());
            assert_eq!(reason.as_str(), "Wrong team: street lighting is highways");
        }
        other => panic!("expected an override, got {other:?}"),
    }
    // Both the suggestion and the correction are in the ledger, with proofs.
    for index in [decision.ledger_index, reviews[0].ledger_index] {
        let entry = s.store().await.ledger_entry(index).await.expect("entry");
        assert!(["decision", "review"].contains(&entry.kind.as_str()));
    }
    let res = s
        .client
        .get(s.url(&format!("/audit/proof/{id}")))
        .bearer_auth(s.token(Role::Auditor))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 200, "{:?}", res.text().await);

    // A second decision on the same routing is refused clearly.
    let (status, page, _) = b
        .post(&path, &[("csrf", csrf.as_str()), ("outcome", "accept")])
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("already reviewed"), "{page}");
}

#[tokio::test(flavor = "multi_thread")]
async fn another_caseworker_cannot_see_or_decide_someone_elses_routing() {
    let s = TestServer::start().await;
    let _model = s.with_triage_model().await;
    let (owner, _) = user(&s, Role::Caseworker).await;
    let other = "second.caseworker@example.gov.uk";
    s.app
        .add_user(
            &Email::parse(other).expect("email"),
            Role::Caseworker,
            Some(Password::parse(PASSWORD).expect("password")),
            civic_core::Principal::demo(),
        )
        .await
        .expect("user");
    let mut b = Browser::new(&s);
    b.sign_in(&owner).await;
    // Safeguarding phrases always send a message for review.
    let (page, id) = route(
        &mut b,
        "We will be homeless tonight and my bin was not collected",
        "",
    )
    .await;
    assert!(page.contains("id=\"queued\""), "{page}");
    assert!(
        !page.contains(&format!("href=\"/review/{id}\"")),
        "a caseworker cannot open the review item"
    );

    let mut intruder = Browser::new(&s);
    intruder.sign_in(other).await;
    let csrf = intruder.csrf().await;
    let (status, page, _) = intruder.get(&format!("/triage/{id}")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("You cannot see this decision"), "{page}");
    let (status, _, _) = intruder
        .post(
            &format!("/triage/{id}"),
            &[("csrf", csrf.as_str()), ("outcome", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, reviews) = s.app.decision_with_reviews(id).await.expect("read");
    assert!(reviews.is_empty(), "nothing recorded");

    // A reviewer may, and is offered the review item.
    let (reviewer, _) = user(&s, Role::Reviewer).await;
    let mut r = Browser::new(&s);
    r.sign_in(&reviewer).await;
    let (status, page, _) = r.get(&format!("/triage/{id}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(&format!("href=\"/review/{id}\"")), "{page}");
    // Neither the message nor the explanation was retained: the page says
    // so instead of showing them.
    assert!(page.contains("The message is not kept"), "{page}");
    assert!(page.contains("id=\"explanation-removed\""), "{page}");

    // Auditors do not route messages.
    let (auditor, _) = user(&s, Role::Auditor).await;
    let mut a = Browser::new(&s);
    a.sign_in(&auditor).await;
    let (status, page, _) = a.get("/triage").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("You cannot see this page"));
}

#[tokio::test(flavor = "multi_thread")]
async fn empty_and_over_long_messages_get_the_error_summary_and_record_nothing() {
    let s = TestServer::start().await;
    let (email, _) = user(&s, Role::Caseworker).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let csrf = b.csrf().await;
    let long = "a".repeat(civic_app::triage::MAX_TEXT_CHARS + 1);
    let long_reference = "r".repeat(civic_app::MAX_REFERENCE_CHARS + 1);
    for (text, reference, field, message) in [
        ("  \n ", "", "text", "Enter the message to route"),
        (long.as_str(), "", "text", "100,000 characters or fewer"),
        (
            "pothole",
            long_reference.as_str(),
            "reference",
            "200 characters or fewer",
        ),
        // No model has been trained on this instance yet.
        ("pothole", "", "text", "There is no triage model"),
    ] {
        let (status, page, _) = b
            .post(
                "/triage",
                &[
                    ("csrf", csrf.as_str()),
                    ("text", text),
                    ("reference", reference),
                ],
            )
            .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{message}");
        assert!(page.contains("govuk-error-summary"), "{page}");
        assert!(page.contains(&format!("href=\"#{field}\"")), "{page}");
        assert!(page.contains(message), "{message}: {page}");
        assert!(page.contains("<title>Error: Route a message"));
    }
    let (status, _, _) = b.post("/triage", &[("text", "pothole")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    assert_eq!(s.record_entries().await, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn script_typed_into_the_triage_forms_comes_back_escaped() {
    let s = TestServer::start_with(|o| o.input_retention_days = Some(1)).await;
    let _model = s.with_triage_model().await;
    let (email, _) = user(&s, Role::Caseworker).await;
    let evil = "<script>alert(1)</script>";
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let (result, id) = route(&mut b, &format!("my bin {evil} was not collected"), evil).await;
    let csrf = hidden(&result, "csrf");
    let (status, with_errors, _) = b
        .post(
            &format!("/triage/{id}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("team", evil),
                ("reason", evil),
                ("details", evil),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (_, shown, _) = b.get(&format!("/triage/{id}")).await;
    let (status, form_errors, _) = b
        .post(
            "/triage",
            &[("csrf", csrf.as_str()), ("text", " "), ("reference", evil)],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    for (i, page) in [&result, &with_errors, &shown, &form_errors]
        .iter()
        .enumerate()
    {
        assert!(!page.contains(evil), "page {i} holds raw script: {page}");
        assert!(
            page.contains("&#60;script&#62;"),
            "page {i} shows it escaped"
        );
    }
}
