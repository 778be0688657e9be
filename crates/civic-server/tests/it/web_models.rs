//! The models pages over HTTP: measures from the stored reports (the
//! fairness table and chart for risk), roles, and activation by admins.

use reqwest::StatusCode;

use crate::support::{Browser, TestServer, user};
use civic_core::Role;

#[tokio::test(flavor = "multi_thread")]
async fn models_show_their_versions_measures_and_fairness() {
    let s = TestServer::start().await;
    let _triage = s.with_triage_model().await;
    let _risk = s.with_risk_model().await;
    let (email, _) = user(&s, Role::Auditor).await;
    let mut b = Browser::new(&s);
    b.sign_in(&email).await;

    let (status, page, _) = b.get("/models").await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("href=\"/models/council-triage\""), "{page}");
    assert!(page.contains("href=\"/models/claims-risk\""), "{page}");
    assert!(page.contains("<caption"), "the table has a caption");

    let (status, page, _) = b.get("/models/council-triage").await;
    assert_eq!(status, 200, "{page}");
    for part in [
        "id=\"active-version\"",
        "id=\"macro-f1\"",
        "id=\"ece\"",
        "id=\"per-team\"",
        "id=\"confusion\"",
        "Calibration: predicted against observed",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    assert!(!page.contains("activate-1"), "auditors cannot activate");

    let (status, page, _) = b.get("/models/claims-risk").await;
    assert_eq!(status, 200, "{page}");
    for part in [
        "id=\"roc-auc\"",
        "id=\"pr-auc\"",
        "id=\"threshold\"",
        "Proxy check",
        "Fairness by protected group",
        "False-positive rate (95% interval)",
        "Four-fifths rule",
        "<svg",
        "<title id=\"title\">Flag rate by group",
    ] {
        assert!(page.contains(part), "{part}: {page}");
    }
    // Four-fifths results are words, not only colours.
    assert!(
        page.contains(">Passes<") || page.contains(">Fails<"),
        "{page}"
    );

    for missing in ["/models/no-such-model", "/models/claims-risk?version=9"] {
        let (status, _, _) = b.get(missing).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{missing}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn only_oversight_roles_see_models_and_only_admins_activate_a_version() {
    let s = TestServer::start().await;
    let _first = s.with_triage_model().await;
    let _second = s.with_triage_model().await;

    let (caseworker, _) = user(&s, Role::Caseworker).await;
    let mut c = Browser::new(&s);
    c.sign_in(&caseworker).await;
    for path in ["/models", "/models/council-triage"] {
        let (status, page, _) = c.get(path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(page.contains("You cannot see this page"), "{page}");
        assert!(page.contains("reviewer, admin, auditor"), "{page}");
    }
    let (_, home, _) = c.get("/").await;
    assert!(
        !home.contains("href=\"/models\""),
        "not in a caseworker's menu"
    );

    let (reviewer, _) = user(&s, Role::Reviewer).await;
    let mut r = Browser::new(&s);
    r.sign_in(&reviewer).await;
    let (status, _, _) = r.get("/models/council-triage").await;
    assert_eq!(status, 200);
    let csrf = r.csrf().await;
    let (status, _, _) = r
        .post(
            "/models/council-triage/activate",
            &[("csrf", csrf.as_str()), ("version", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "reviewers cannot activate");

    let (admin, _) = user(&s, Role::Admin).await;
    let mut a = Browser::new(&s);
    a.sign_in(&admin).await;
    let (_, page, _) = a.get("/models/council-triage").await;
    assert!(page.contains("id=\"activate-1\""), "{page}");
    assert!(!page.contains("id=\"activate-2\""), "version 2 is active");
    let (status, _, _) = a
        .post("/models/council-triage/activate", &[("version", "1")])
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "no CSRF token");
    let csrf = a.csrf().await;
    let (status, _, headers) = a
        .post(
            "/models/council-triage/activate",
            &[("csrf", csrf.as_str()), ("version", "1")],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(headers["location"], "/models/council-triage?activated=1");
    let (_, page, _) = a.get("/models/council-triage?activated=1").await;
    assert!(
        page.contains("Version 1 is now the active version"),
        "{page}"
    );
    let active = s
        .app
        .list_models()
        .await
        .expect("models")
        .into_iter()
        .find(|v| v.active)
        .expect("an active version");
    assert_eq!(active.version, 1);
    let (status, _, _) = a
        .post(
            "/models/council-triage/activate",
            &[("csrf", csrf.as_str()), ("version", "7")],
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
