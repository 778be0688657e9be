//! Every role against every web route, the way `roles.rs` holds the API:
//! the matrix below is checked against the routes `src/web/mod.rs` declares,
//! so a page added without a row here (and so without its roles being tried)
//! fails the build. A signed-in person whose role may not use a route gets
//! 403; one whose role may gets anything but 403; nobody signed in is sent
//! to the sign-in page.

use std::collections::BTreeSet;

use civic_core::Role;
use reqwest::StatusCode;

use crate::support::{Browser, TestServer, multipart, user};

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Access {
    /// Anyone, signed in or not.
    Public,
    /// Signed-in people with one of these roles.
    Roles(&'static [Role]),
}

const ALL: &[Role] = &[Role::Caseworker, Role::Reviewer, Role::Admin, Role::Auditor];
const SUBMIT: &[Role] = &[Role::Caseworker, Role::Reviewer, Role::Admin];
const REVIEWERS: &[Role] = &[Role::Reviewer, Role::Admin];
const OVERSIGHT: &[Role] = &[Role::Reviewer, Role::Admin, Role::Auditor];
const AUDIT: &[Role] = &[Role::Admin, Role::Auditor];
const ADMINS: &[Role] = &[Role::Admin];

/// (method, path as declared, who may use it).
const PAGES: &[(&str, &str, Access)] = &[
    ("GET", "/", Access::Roles(ALL)),
    ("GET", "/sign-in", Access::Public),
    ("POST", "/sign-in", Access::Public),
    ("POST", "/sign-out", Access::Roles(ALL)),
    ("GET", "/queue", Access::Roles(REVIEWERS)),
    ("POST", "/queue/{id}/assign", Access::Roles(REVIEWERS)),
    ("GET", "/review/{id}", Access::Roles(REVIEWERS)),
    ("POST", "/review/{id}", Access::Roles(REVIEWERS)),
    ("GET", "/models", Access::Roles(OVERSIGHT)),
    ("GET", "/models/{name}", Access::Roles(OVERSIGHT)),
    ("POST", "/models/{name}/activate", Access::Roles(ADMINS)),
    ("GET", "/triage", Access::Roles(SUBMIT)),
    ("POST", "/triage", Access::Roles(SUBMIT)),
    ("GET", "/triage/{id}", Access::Roles(SUBMIT)),
    ("POST", "/triage/{id}", Access::Roles(SUBMIT)),
    ("GET", "/redact", Access::Roles(SUBMIT)),
    ("POST", "/redact", Access::Roles(SUBMIT)),
    ("GET", "/redact/{id}", Access::Roles(SUBMIT)),
    ("POST", "/redact/{id}", Access::Roles(SUBMIT)),
    ("POST", "/redact/{id}/discard", Access::Roles(SUBMIT)),
    ("GET", "/redact/{id}/done", Access::Roles(SUBMIT)),
    ("GET", "/redact/{id}/file", Access::Roles(SUBMIT)),
    ("GET", "/redact/{id}/log", Access::Roles(SUBMIT)),
    ("GET", "/audit", Access::Roles(AUDIT)),
    ("POST", "/audit/verify", Access::Roles(AUDIT)),
    ("GET", "/audit/lookup", Access::Roles(AUDIT)),
    ("GET", "/audit/events", Access::Roles(AUDIT)),
    ("GET", "/audit/decisions/{id}", Access::Roles(AUDIT)),
    (
        "GET",
        "/audit/decisions/{id}/proof.json",
        Access::Roles(AUDIT),
    ),
    ("GET", "/audit/export/decisions.csv", Access::Roles(AUDIT)),
    ("GET", "/audit/export/reviews.csv", Access::Roles(AUDIT)),
    ("GET", "/assets/{name}", Access::Public),
];

/// The routes `src/web/mod.rs` declares, as (method, path): each
/// `.route("PATH", get(..).post(..))`, however it is wrapped over lines.
fn declared_routes() -> BTreeSet<(String, String)> {
    let source = include_str!("../../src/web/mod.rs");
    let mut found = BTreeSet::new();
    for call in source.split(".route(").skip(1) {
        // The call's arguments: up to the parenthesis that closes it.
        let mut depth = 1;
        let end = call
            .char_indices()
            .find(|&(_, c)| {
                match c {
                    '(' => depth += 1,
                    ')' => depth -= 1,
                    _ => {}
                }
                depth == 0
            })
            .map(|(i, _)| i)
            .expect("a closed .route( call");
        let args = &call[..end];
        let path = args
            .split('"')
            .nth(1)
            .expect("the route's path is a string literal");
        let handlers = &args[args.find(',').expect("a handler")..];
        for (method, marker) in [("GET", "get("), ("POST", "post(")] {
            // `get(` or `.get(`, not the end of another word.
            let mut rest = handlers;
            while let Some(i) = rest.find(marker) {
                let before = rest[..i].chars().next_back();
                if before.is_none_or(|c| !c.is_alphanumeric() && c != '_') {
                    found.insert((method.to_owned(), path.to_owned()));
                    break;
                }
                rest = &rest[i + marker.len()..];
            }
        }
    }
    found
}

#[test]
fn every_web_route_is_in_the_role_matrix_and_no_other() {
    let declared = declared_routes();
    assert!(declared.len() >= 25, "the parser found {declared:?}");
    let matrix: BTreeSet<(String, String)> = PAGES
        .iter()
        .map(|(m, p, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = declared.difference(&matrix).collect();
    let stale: Vec<_> = matrix.difference(&declared).collect();
    assert!(
        missing.is_empty(),
        "web routes with no row in PAGES (add one, with who may use it): {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "rows in PAGES for routes that are gone: {stale:?}"
    );
}

/// The path with its parameters filled in: ids that exist nowhere (a
/// route's role check comes before any look-up).
fn concrete(path: &str) -> String {
    path.replace("{id}", "01930000-0000-7000-8000-000000000000")
        .replace("{name}", "no-such-model")
}

#[tokio::test(flavor = "multi_thread")]
async fn every_role_against_every_web_route() {
    let s = TestServer::start().await;
    let mut anonymous = Browser::new(&s);
    for (method, path, access) in PAGES {
        if *access == Access::Public || *method != "GET" {
            continue;
        }
        let (status, _, headers) = anonymous.get(&concrete(path)).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "anonymous {method} {path}");
        assert!(
            headers["location"]
                .to_str()
                .expect("ascii")
                .starts_with("/sign-in"),
            "anonymous {method} {path}"
        );
    }
    for role in [Role::Caseworker, Role::Reviewer, Role::Auditor, Role::Admin] {
        let (email, _) = user(&s, role).await;
        let mut b = Browser::new(&s);
        b.sign_in(&email).await;
        let csrf = b.csrf().await;
        // Signing out last: it ends the session the others use.
        let rows = PAGES
            .iter()
            .filter(|(_, p, _)| *p != "/sign-out")
            .chain(PAGES.iter().filter(|(_, p, _)| *p == "/sign-out"));
        for (method, path, access) in rows {
            let Access::Roles(allowed) = access else {
                continue;
            };
            let url = concrete(path);
            let status = match *method {
                "GET" => b.get(&url).await.0,
                _ if *path == "/redact" => {
                    let form = multipart(&[("csrf", &csrf), ("operator", "label")], None);
                    b.post_multipart(&url, form).await.0
                }
                _ => b.post(&url, &[("csrf", csrf.as_str())]).await.0,
            };
            if allowed.contains(&role) {
                assert_ne!(status, StatusCode::FORBIDDEN, "{role} may {method} {path}");
                assert_ne!(status, StatusCode::UNAUTHORIZED, "{role} {method} {path}");
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{role} may not {method} {path}"
                );
            }
        }
    }
}
