//! The JSON API under `/api/v1`, one module per resource.

pub mod audit;
pub mod decisions;
pub mod health;
pub mod keys;
pub mod openapi;
pub mod redact;
pub mod risk;
pub mod triage;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::AppState;

/// Every API route. Each handler declares its roles through its `Caller` type.
///
/// The record endpoints take JSON bodies of at most `json_body_limit`
/// bytes; the redaction endpoints (a text of up to 1,000,000 characters, or
/// a document upload) take up to `body_limit`, the layer around the router.
pub fn routes(json_body_limit: usize) -> Router<AppState> {
    let records = Router::new()
        .route("/decisions", post(decisions::record))
        .route("/decisions/{id}/review", post(decisions::review))
        .route(
            "/reviews/{id}/redact-reason",
            post(decisions::redact_reason),
        )
        .route("/triage", post(triage::route))
        .route("/risk/score", post(risk::score))
        .route("/keys", get(keys::list).post(keys::create))
        .route("/keys/{id}/revoke", post(keys::revoke))
        .layer(DefaultBodyLimit::max(json_body_limit));
    Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::document))
        .route("/decisions/{id}", get(decisions::get))
        .route("/audit/checkpoint", get(audit::checkpoint))
        .route("/audit/checkpoints", get(audit::checkpoints))
        .route("/audit/events", get(audit::events))
        .route("/audit/proof/{id}", get(audit::proof))
        .route("/redact", post(redact::redact))
        .route("/redact/preview", post(redact::preview))
        .merge(records)
}
