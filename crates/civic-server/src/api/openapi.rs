//! The OpenAPI 3 document, generated from the handlers' annotations.

use axum::Json;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{audit, decisions, health, keys, redact, risk, triage};

/// Civic's API description.
#[derive(OpenApi)]
#[openapi(
    info(title = "Civic API", description = "Accountable AI services for public bodies. Every AI output and \
        every human review is recorded in a tamper-evident ledger."),
    paths(
        health::health,
        decisions::get, decisions::record, decisions::review, decisions::redact_reason,
        triage::route,
        redact::redact, redact::preview,
        risk::score,
        audit::checkpoint, audit::checkpoints, audit::events, audit::proof,
        keys::list, keys::create, keys::revoke,
    ),
    components(schemas(crate::error::ErrorBody, crate::error::ErrorDetail)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness"),
        (name = "decisions", description = "AI decision records and human reviews"),
        (name = "triage", description = "Routing citizen contacts to the right team"),
        (name = "redact", description = "Finding and removing personal data from text and documents"),
        (name = "risk", description = "Flagging claims for human review, with every score explained"),
        (name = "audit", description = "The tamper-evident ledger, and the governance events in it"),
        (name = "keys", description = "API keys (admins)"),
    )
)]
#[derive(Debug)]
pub struct ApiDoc;

#[derive(Debug)]
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("civic_…")
                    .build(),
            ),
        );
    }
}

/// `GET /api/v1/openapi.json`: no authentication.
pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
