//! The web interface over HTTP: signing in, CSRF, roles, escaping, reviews
//! reaching the ledger, and a review kept across an expired session.

use civic_core::{ReviewAction, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Browser, PASSWORD, TestServer, eligibility, hidden, user, waiting};

#[tokio::test]
async fn signing_in_opens_the_pages_and_signing_out_ends_the_session() {
    // Retained, so that the queue shows the caller's reference.
    let s = TestServer::start_with(|o| o.input_retention_days = Some(1)).await;
    let (email, _) = user(&s, Role::Reviewer).await;
    waiting(&s, eligibility()).await;
    let mut b = Browser::new(&s);

    let (status, _, headers) = b.get("/queue").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/sign-in?return_to=/queue");

    let (status, page, _) = b.sign_in_with(&email, "not the password", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(page.contains("govuk-error-summary") && page.contains("There is a problem"));
    assert!(page.contains("<title>Error: Sign in"));

    let (status, _, headers) = b
        .sign_in_with(&email, PASSWORD, &[("return_to", "/queue")])
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/queue");
    let cookie = headers
        .get_all("set-cookie")
        .iter()
        .map(|c| c.to_str().expect("ascii").to_owned())
        .find(|c| c.starts_with("civic_session="))
        .expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP without a proxy: {cookie}"
    );

    let (status, page, _) = b.get("/queue").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("case-1") && page.contains("eligibility"),
        "{page}"
    );
    let (status, page, _) = b.get("/").await;
    assert_eq!(status, 200);
    assert!(page.contains("id=\"waiting-total\">1<"), "{page}");
    assert!(page.contains(&s.app.config().organisation));
    assert!(!page.contains("GOV.UK"), "no GOV.UK branding");

    let csrf = b.csrf().await;
    let (status, _, _) = b.post("/sign-out", &[("csrf", csrf.as_str())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _, _) = b.get("/").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed out");
}

#[tokio::test]
async fn secure_cookies_follow_the_proxy_and_the_setting() {
    let s = TestServer::start().await;
    let (email, _) = user(&s, Role::Reviewer).await;
    let mut b = Browser::new(&s);
    let (_, page, _) = b.get("/sign-in").await;
    let csrf = hidden(&page, "csrf");
    let res = b
        .client
        .post(format!("{}/sign-in", s.base))
        .header("cookie", b.cookie_header())
        .header("x-forwarded-proto", "https")
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookies: Vec<_> = res.headers().get_all("set-cookie").iter().collect();
    assert!(
        cookies
            .iter()
            .all(|c| c.to_str().expect("ascii").ends_with("; Secure"))
    );
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_get_a_403_page_and_change_nothing() {
    let s = TestServer::start().await;
    let (email, _) = user(&s, Role::Reviewer).await;
    let id = waiting(&s, eligibility()).await;
    let mut b = Browser::new(&s);

    // The sign-in form has its own token.
    let (status, page, _) = b
        .post(
            "/sign-in",
            &[
                ("csrf", "forged"),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("Your form could not be accepted"), "{page}");

    b.sign_in(&email).await;
    for csrf in [None, Some("forged")] {
        let mut form = vec![("outcome", "accept")];
        if let Some(c) = csrf {
            form.push(("csrf", c));
        }
        let (status, page, _) = b.post(&format!("/review/{id}"), &form).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(page.contains("govuk-heading-l") && page.contains("could not be accepted"));
    }
    let (status, _, _) = b
        .post(&format!("/queue/{id}/assign"), &[("csrf", "x")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (d, reviews) = s.app.decision_with_reviews(id).await.expect("decision");
    assert_eq!(d.status, civic_core::DecisionStatus::NeedsReview);
    assert!(reviews.is_empty());
}

#[tokio::test]
async fn a_role_without_access_gets_a_403_page_not_a_crash() {
    let s = TestServer::start().await;
    let id = waiting(&s, eligibility()).await;
    for role in [Role::Caseworker, Role::Auditor] {
        let (email, _) = user(&s, role).await;
        let mut b = Browser::new(&s);
        b.sign_in(&email).await;
        for path in ["/queue".to_owned(), format!("/review/{id}")] {
            let (status, page, _) = b.get(&path).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role} {path}");
            assert!(page.contains("You cannot see this page"), "{page}");
            assert!(page.contains("reviewer, admin"));
        }
        // Every role sees the overview.
        let (status, _, _) = b.get("/").await;
        assert_eq!(status, 200);
    }
}

#[tokio::test]
async fn an_unknown_address_is_a_page_for_people_and_json_for_programs() {
    let s = TestServer::start().await;
    let mut b = Browser::new(&s);
    let (status, page, headers) = b.get("/no-such-page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(
        headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/html"),
        "{headers:?}"
    );
    assert!(page.contains("<html lang=\"en\""), "{page}");
    assert!(page.contains("<title>Page not found"), "{page}");
    let res = s
        .client
        .get(format!("{}/api/v1/no-such-thing", s.base))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 404);
    let err: Value = res.json().await.expect("json");
    assert_eq!(err["error"]["code"], "not_found");
}

#[tokio::test]
async fn accepting_and_overriding_reach_the_ledger_as_review_events() {
    let s = TestServer::start().await;
    let (email, reviewer) = user(&s, Role::Reviewer).await;
    let first = waiting(&s, eligibility()).await;
    let second = waiting(&s, eligibility()).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let csrf = b.csrf().await;

    let (status, _, _) = b
        .post(
            &format!("/queue/{first}/assign"),
            &[("csrf", csrf.as_str()), ("return_to", "/queue")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, page, _) = b.get("/queue?assigned=mine").await;
    assert!(page.contains(&first.to_string()) && !page.contains(&second.to_string()));

    let (status, page, _) = b.get(&format!("/review/{first}")).await;
    assert_eq!(status, 200);
    // Without a retention period the explanation is not kept either: the
    // page says so.
    assert!(
        page.contains("id=\"explanation-removed\"") && page.contains("under the retention policy"),
        "explanation removed: {page}"
    );
    assert!(!page.contains("income below threshold"), "{page}");
    assert!(
        !page.contains("id=\"input-json\""),
        "input is not kept without retention"
    );
    let (status, _, headers) = b
        .post(
            &format!("/review/{first}"),
            &[("csrf", csrf.as_str()), ("outcome", "accept")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(
        headers["location"],
        format!("/queue?reviewed={first}").as_str()
    );

    // An override needs a reason from the list.
    let (status, page, _) = b
        .post(
            &format!("/review/{second}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("output", "{\"eligible\": false}"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        page.contains("govuk-error-summary") && page.contains("href=\"#reason\""),
        "{page}"
    );
    let (status, _, _) = b
        .post(
            &format!("/review/{second}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("output", "{\"eligible\": false}"),
                ("reason", "Other"),
                ("details", "income has risen since"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    let (_, accepted) = s.app.decision_with_reviews(first).await.expect("read");
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].action, ReviewAction::Accept);
    assert_eq!(accepted[0].reviewer, reviewer.id.as_principal());
    let (_, overridden) = s.app.decision_with_reviews(second).await.expect("read");
    match &overridden[0].action {
        ReviewAction::Override { output, reason } => {
            assert_eq!(output, &json!({"eligible": false}));
            assert_eq!(reason.as_str(), "Other: income has risen since");
        }
        other => panic!("expected an override, got {other:?}"),
    }
    for r in [&accepted[0], &overridden[0]] {
        let entry = s
            .store()
            .await
            .ledger_entry(r.ledger_index)
            .await
            .expect("entry");
        assert_eq!(entry.kind, "review");
        assert_eq!(entry.entry, r.ledger_event().to_bytes());
    }
    let (_, page, _) = b.get("/").await;
    assert!(page.contains("50% (1 of 2 reviews)"), "{page}");
}

#[tokio::test]
async fn script_in_every_field_comes_back_escaped() {
    let s = TestServer::start_with(|o| o.input_retention_days = Some(1)).await;
    let (email, _) = user(&s, Role::Reviewer).await;
    let evil = "<script>alert(1)</script>";
    let triage_shaped = waiting(
        &s,
        json!({
            "service": "triage",
            "model": {"name": evil, "version": evil},
            "input": {"text": format!("my bin {evil}")},
            "output": {"team": evil, "urgent": true, "alternatives": [{"label": evil, "probability": 0.5}],
                        "safeguarding_matches": []},
            "explanation": {"for": [{"term": "script", "contribution": 1.0}],
                            "against": [{"term": evil, "contribution": -1.0}]},
            "confidence": 0.4,
            "needs_review": true,
            "reference": evil
        }),
    )
    .await;
    let mut other = eligibility();
    other["input"] = json!({ "note": evil });
    other["output"] = json!({ "flag": evil });
    other["explanation"] = json!({ "why": evil });
    other["reference"] = json!(evil);
    let generic = waiting(&s, other).await;

    let mut b = Browser::new(&s);
    let (_, page, _) = b
        .sign_in_with(evil, evil, &[("return_to", evil), ("draft", evil)])
        .await;
    assert!(!page.contains(evil), "sign-in page");
    b.sign_in(&email).await;
    let csrf = b.csrf().await;
    let mut pages = vec![
        b.get("/queue").await.1,
        b.get(&format!("/queue?team={}", evil)).await.1,
        b.get(&format!("/review/{triage_shaped}")).await.1,
        b.get(&format!("/review/{generic}")).await.1,
        b.get("/").await.1,
    ];
    let (status, page, _) = b
        .post(
            &format!("/review/{generic}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("output", evil),
                ("reason", evil),
                ("details", evil),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    pages.push(page);
    for (i, page) in pages.iter().enumerate() {
        assert!(!page.contains(evil), "page {i} holds raw script: {page}");
    }
    // askama writes numeric character references.
    let escaped = "&#60;script&#62;alert(1)&#60;/script&#62;";
    assert!(pages[2].contains(escaped), "{}", pages[2]);
    assert!(
        pages[2].contains("civic-term--for"),
        "the message is marked"
    );
    assert!(
        pages[3].contains("id=\"input-json\""),
        "generic input shown"
    );
    assert!(pages[3].contains("&#60;script&#62;"), "and escaped");
}

#[tokio::test]
async fn a_review_typed_into_an_expired_session_is_put_back_after_signing_in() {
    let s = TestServer::start().await;
    let (email, _) = user(&s, Role::Reviewer).await;
    let id = waiting(&s, eligibility()).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;
    let csrf = b.csrf().await;
    // The session ends (expiry and a server-side end look the same).
    let token = b.cookies["civic_session"].clone();
    s.app.sign_out(&token).await.expect("end session");

    let (status, page, _) = b
        .post(
            &format!("/review/{id}"),
            &[
                ("csrf", csrf.as_str()),
                ("outcome", "override"),
                ("output", "{\"eligible\": false}"),
                ("reason", "Other"),
                ("details", "the reason I typed with care"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(page.contains("your review was not recorded"), "{page}");
    let draft = hidden(&page, "draft");
    let return_to = hidden(&page, "return_to");
    assert_eq!(return_to, format!("/review/{id}"));
    let (_, reviews) = s.app.decision_with_reviews(id).await.expect("read");
    assert!(reviews.is_empty(), "nothing recorded without a session");

    let (status, _, headers) = b
        .sign_in_with(
            &email,
            PASSWORD,
            &[("return_to", return_to.as_str()), ("draft", draft.as_str())],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], return_to.as_str());
    let (_, page, _) = b.get(&return_to).await;
    assert!(page.contains("has been put back"), "{page}");
    assert!(page.contains("the reason I typed with care"));
    assert!(page.contains("<option value=\"Other\" selected>"));
    // Put back once only.
    let (_, page, _) = b.get(&return_to).await;
    assert!(!page.contains("has been put back"));
}

#[tokio::test]
async fn assets_are_served_with_a_content_hash_and_a_long_cache_life() {
    let s = TestServer::start().await;
    let mut b = Browser::new(&s);
    let (_, page, _) = b.get("/sign-in").await;
    let start = page.find("/assets/civic-").expect("stylesheet link");
    let end = page[start..].find('"').expect("quote") + start;
    let (status, css, headers) = b.get(&page[start..end]).await;
    assert_eq!(status, 200);
    assert!(css.contains(".govuk-button"));
    assert_eq!(
        headers["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert!(
        headers["content-type"]
            .to_str()
            .expect("ascii")
            .starts_with("text/css")
    );
    let (status, _, _) = b.get("/assets/civic-000000000000.css").await;
    assert_eq!(status, 404);
}
