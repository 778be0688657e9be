//! `POST /api/v1/triage`: route a citizen's message to a team.

use axum::Json;
use axum::extract::State;
use civic_triage::{Alternative, Explanation, SafeguardingMatch};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, CaseworkerAndAbove};
use crate::error::ApiError;
use crate::json::ApiJson;

/// A message to route.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TriageRequest {
    /// The message (e-mail, web form or letter text).
    pub text: String,
    /// The caller's own reference, e.g. a case number (at most 200 characters).
    pub reference: Option<String>,
    /// The model to use [default: council-triage]; its active version is used.
    pub model: Option<String>,
}

/// The routing suggestion, recorded in the ledger as a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct TriageResponse {
    /// The decision's id (for review and proofs).
    pub decision_id: String,
    /// The suggested team.
    pub team: String,
    /// Calibrated probability of the suggested team.
    pub confidence: f64,
    /// The top three teams with their probabilities, the suggestion first.
    pub alternatives: Vec<Alternative>,
    /// Whether the safeguarding detector raised an alert (always sent for
    /// human review, whatever the routing model says).
    pub urgent: bool,
    /// The safeguarding categories found, each with its level (`alert` or
    /// `watch`), score, rule ids and suggested safeguarding team.
    pub safeguarding: civic_app::safeguarding::SafeguardingOutput,
    /// Safeguarding phrases found (the words that triggered the detector),
    /// including negated and quoted ones (flagged).
    pub safeguarding_matches: Vec<SafeguardingMatch>,
    /// The words that drove the decision: exact contributions to the team's score.
    pub explanation: Explanation,
    /// Whether a person must confirm the routing.
    pub needs_review: bool,
    /// The model name and version used.
    pub model: civic_core::ModelRef,
}

/// Routes a message; the suggestion is recorded in the ledger (the text's
/// digest, not the text, unless input retention is configured).
#[utoipa::path(post, path = "/api/v1/triage", tag = "triage", request_body = TriageRequest,
    responses((status = 200, body = TriageResponse), (status = 404, description = "no such model", body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn route(
    State(state): State<AppState>,
    caller: Caller<CaseworkerAndAbove>,
    ApiJson(body): ApiJson<TriageRequest>,
) -> Result<Json<TriageResponse>, ApiError> {
    let model = body
        .model
        .as_deref()
        .unwrap_or(civic_app::triage::DEFAULT_MODEL);
    let civic_app::triage::Triaged {
        decision,
        prediction,
        safeguarding,
    } = state
        .app
        .triage(model, &body.text, body.reference, caller.principal())
        .await?;
    Ok(Json(TriageResponse {
        decision_id: decision.id.to_string(),
        team: prediction.label,
        confidence: prediction.confidence,
        alternatives: prediction.alternatives,
        urgent: prediction.urgent,
        safeguarding,
        safeguarding_matches: prediction.safeguarding_matches,
        explanation: prediction.explanation,
        needs_review: prediction.needs_review,
        model: decision.model.clone(),
    }))
}
