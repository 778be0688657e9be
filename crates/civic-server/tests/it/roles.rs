//! Every role against every endpoint: missing or wrong key → 401, wrong role
//! → 403, allowed role → anything but 401/403.

use civic_core::Role;
use reqwest::Method;
use serde_json::json;

use crate::support::TestServer;

pub struct Endpoint {
    pub method: Method,
    pub path_template: &'static str,
    pub allowed: &'static [Role],
}

const ALL: &[Role] = &[Role::Caseworker, Role::Reviewer, Role::Admin, Role::Auditor];
const SUBMIT: &[Role] = &[Role::Caseworker, Role::Reviewer, Role::Admin];

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        method: Method::GET,
        path_template: "/api/v1/health",
        allowed: ALL,
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/decisions",
        allowed: SUBMIT,
    },
    Endpoint {
        method: Method::GET,
        path_template: "/api/v1/decisions/{id}",
        allowed: ALL,
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/decisions/{id}/review",
        allowed: &[Role::Reviewer, Role::Admin],
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/reviews/{id}/redact-reason",
        allowed: &[Role::Admin],
    },
    Endpoint {
        method: Method::GET,
        path_template: "/api/v1/audit/checkpoint",
        allowed: ALL,
    },
    Endpoint {
        method: Method::GET,
        path_template: "/api/v1/audit/checkpoints",
        allowed: ALL,
    },
    Endpoint {
        method: Method::GET,
        path_template: "/api/v1/audit/events",
        allowed: &[Role::Admin, Role::Auditor],
    },
    Endpoint {
        method: Method::GET,
        path_template: "/api/v1/audit/proof/{id}",
        allowed: &[Role::Admin, Role::Auditor],
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/triage",
        allowed: SUBMIT,
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/redact",
        allowed: SUBMIT,
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/redact/preview",
        allowed: SUBMIT,
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/risk/score",
        allowed: SUBMIT,
    },
    Endpoint {
        method: Method::GET,
        path_template: "/api/v1/keys",
        allowed: &[Role::Admin],
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/keys",
        allowed: &[Role::Admin],
    },
    Endpoint {
        method: Method::POST,
        path_template: "/api/v1/keys/{id}/revoke",
        allowed: &[Role::Admin],
    },
];

fn needs_auth(e: &Endpoint) -> bool {
    e.path_template != "/api/v1/health"
}

#[tokio::test]
async fn every_role_against_every_endpoint() {
    let s = TestServer::start().await;
    let _risk = s.with_risk_model().await;
    let _triage = s.with_triage_model().await;
    let claim = crate::support::new_claims(1, 5).remove(0);
    for e in ENDPOINTS {
        for role in Role::ALL {
            // A fresh decision (and a fresh key to revoke) for each call, so
            // that one call's effect does not change the next one's answer.
            let decision = s.record(true).await;
            let spare = s
                .app
                .create_key("spare", Role::Caseworker, civic_core::Principal::demo())
                .await
                .expect("key");
            let spare_id = spare.key.id.to_string();
            let decision_id = decision["id"].as_str().expect("id");
            let id = if e.path_template.contains("keys") {
                spare_id
            } else if e.path_template.contains("/reviews/") {
                // An override of the fresh decision, whose reason may be redacted.
                let action = civic_core::ReviewAction::Override {
                    output: json!({"eligible": false}),
                    reason: civic_core::Reason::parse("wrong rule").expect("reason"),
                };
                let reviewer = civic_core::KeyId::new();
                let review = s
                    .app
                    .review(decision_id.parse().expect("id"), action, reviewer.into())
                    .await
                    .expect("review");
                review.id.to_string()
            } else {
                decision_id.to_owned()
            };
            let path = e.path_template.replace("{id}", &id).replace("/api/v1", "");
            let body = match path.as_str() {
                "/decisions" => {
                    json!({"service": "x", "model": {"name": "m", "version": "1"}, "input": {}, "output": {}})
                }
                "/keys" => json!({"name": "n", "role": "auditor"}),
                "/triage" => json!({"text": "my bin was not collected"}),
                "/redact" | "/redact/preview" => {
                    json!({"text": "Call Mr John Smith on 020 7946 0000"})
                }
                "/risk/score" => json!({"model": "claims-risk", "record": claim}),
                p if p.ends_with("/review") => json!({"action": "accept"}),
                p if p.ends_with("/redact-reason") => json!({"why": "erasure request"}),
                _ => json!({}),
            };
            let send = |token: Option<&str>| {
                let mut req = s.client.request(e.method.clone(), s.url(&path));
                if e.method == Method::POST {
                    req = req.json(&body);
                }
                if let Some(t) = token {
                    req = req.bearer_auth(t);
                }
                req.send()
            };
            let status = send(Some(s.token(role)))
                .await
                .expect("send")
                .status()
                .as_u16();
            if e.allowed.contains(&role) {
                assert!(
                    status < 400,
                    "{} {} as {role}: got {status}",
                    e.method,
                    e.path_template
                );
            } else {
                assert_eq!(status, 403, "{} {} as {role}", e.method, e.path_template);
            }
            if needs_auth(e) {
                assert_eq!(
                    send(None).await.expect("send").status(),
                    401,
                    "{} {} without a key",
                    e.method,
                    e.path_template
                );
                assert_eq!(
                    send(Some("civic_not-a-real-token"))
                        .await
                        .expect("send")
                        .status(),
                    401,
                    "{} {} with a wrong key",
                    e.method,
                    e.path_template
                );
            }
        }
    }
}

#[tokio::test]
async fn a_revoked_key_is_401_at_once() {
    let s = TestServer::start().await;
    let made = s
        .app
        .create_key("temp", Role::Auditor, civic_core::Principal::demo())
        .await
        .expect("key");
    let get = || {
        s.client
            .get(s.url("/audit/checkpoint"))
            .bearer_auth(&made.token)
            .send()
    };
    assert_ne!(get().await.expect("send").status(), 401);
    s.app
        .revoke_key(made.key.id, civic_core::Principal::demo())
        .await
        .expect("revoke");
    assert_eq!(get().await.expect("send").status(), 401);
}

/// Every operation the OpenAPI document describes is in [`ENDPOINTS`], and
/// every entry there is documented: a new endpoint cannot be added without
/// saying which roles may call it, and so without being tried as each role.
#[tokio::test]
async fn every_documented_endpoint_is_in_the_role_matrix_and_no_other() {
    let s = TestServer::start().await;
    let doc = s.openapi().await;
    let mut documented = Vec::new();
    for (path, operations) in doc["paths"].as_object().expect("paths") {
        for method in operations.as_object().expect("operations").keys() {
            documented.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    documented.sort();
    let mut matrix: Vec<String> = ENDPOINTS
        .iter()
        .map(|e| format!("{} {}", e.method, e.path_template))
        .collect();
    matrix.sort();
    assert_eq!(
        documented, matrix,
        "the OpenAPI document and the role matrix (ENDPOINTS) must list the same operations"
    );
}
