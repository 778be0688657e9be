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
use axum::routing::{get, post};

use crate::AppState;

/// Every API route. Each handler declares its roles through its `Caller` type.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/health", get(health::health))
        .route("/openapi.json", get(openapi::document))
        .route("/decisions", post(decisions::record))
        .route("/decisions/{id}", get(decisions::get))
        .route("/decisions/{id}/review", post(decisions::review))
        .route(
            "/reviews/{id}/redact-reason",
            post(decisions::redact_reason),
        )
        .route("/audit/checkpoint", get(audit::checkpoint))
        .route("/audit/checkpoints", get(audit::checkpoints))
        .route("/audit/proof/{id}", get(audit::proof))
        .route("/triage", post(triage::route))
        .route("/redact", post(redact::redact))
        .route("/redact/preview", post(redact::preview))
        .route("/risk/score", post(risk::score))
        .route("/keys", get(keys::list).post(keys::create))
        .route("/keys/{id}/revoke", post(keys::revoke))
}
