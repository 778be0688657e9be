//! The web interface: server-rendered pages following the GOV.UK Design
//! System, for caseworkers, reviewers, admins and auditors.
//!
//! Pages authenticate with a session cookie ([`session`]), declare their
//! roles by type as the API does, read every form through
//! [`session::WebForm`] (which checks the CSRF token), and delegate to
//! `civic-app`. Templates (askama, escaped by default) are in `templates/`;
//! the compiled GOV.UK Frontend assets are embedded ([`assets`]). Errors
//! become pages in one place ([`error`]).

pub mod assets;
pub mod audit;
pub mod audit_events;
pub mod error;
pub mod explain;
pub mod models;
pub mod overview;
pub mod pages;
pub mod queue;
pub mod redact;
pub mod review;
pub mod session;
pub mod sign_in;
pub mod triage;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

/// Every page route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(overview::overview))
        .route(
            "/sign-in",
            get(sign_in::sign_in_form).post(sign_in::sign_in),
        )
        .route("/sign-out", post(sign_in::sign_out))
        .route("/queue", get(queue::queue))
        .route("/queue/{id}/assign", post(queue::assign))
        .route("/review/{id}", get(review::show).post(review::submit))
        .route("/models", get(models::list))
        .route("/models/{name}", get(models::show))
        .route("/models/{name}/activate", post(models::activate))
        .route("/triage", get(triage::show_form).post(triage::submit))
        .route(
            "/triage/{id}",
            get(triage::show_result).post(triage::review),
        )
        .route("/redact", get(redact::upload_form).post(redact::upload))
        .route("/redact/{id}", get(redact::show).post(redact::submit))
        .route("/redact/{id}/discard", post(redact::discard))
        .route("/redact/{id}/done", get(redact::done))
        .route("/redact/{id}/file", get(redact::download_file))
        .route("/redact/{id}/log", get(redact::download_log))
        .route("/audit", get(audit::show))
        .route("/audit/verify", post(audit::verify))
        .route("/audit/lookup", get(audit::lookup))
        .route("/audit/events", get(audit_events::show))
        .route("/audit/decisions/{id}", get(audit::decision))
        .route("/audit/decisions/{id}/proof.json", get(audit::proof))
        .route("/audit/export/decisions.csv", get(audit::export_decisions))
        .route("/audit/export/reviews.csv", get(audit::export_reviews))
        .route("/assets/{name}", get(assets::serve))
}
