//! `POST /api/v1/risk/score`: score one claim for fraud-and-error review.
//!
//! Training stays on the command line (`civic risk train`): it reads a file
//! of tens of thousands of rows and runs for seconds to minutes, which is a
//! job for an administrator at a terminal, not for a request body.

use axum::Json;
use axum::extract::State;
use civic_risk::{Contribution, UnseenCategory};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Caller, CaseworkerAndAbove};
use crate::error::ApiError;
use crate::json::ApiJson;

/// A record to score.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskScoreRequest {
    /// The risk model; its active version is used.
    pub model: String,
    /// The claim: column name → value, with every feature the model was trained on
    /// (null for a missing value). Protected and excluded columns may be sent; they are
    /// never used to score.
    #[schema(value_type = Object)]
    pub record: Map<String, Value>,
    /// The caller's own reference, e.g. a claim number (at most 200 characters).
    pub reference: Option<String>,
}

/// The score, recorded in the ledger as a decision; a flagged claim waits
/// for a person's review.
#[derive(Debug, Serialize, ToSchema)]
pub struct RiskScoreResponse {
    /// The decision's id (for review and proofs).
    pub decision_id: String,
    /// Calibrated probability that a review finds an error.
    pub risk_score: f64,
    /// Whether the score reaches the threshold: the claim goes to a person.
    pub flagged: bool,
    /// The model's flag threshold.
    pub threshold: f64,
    /// The calibrated log-odds of an average training row, where contributions start.
    pub base_log_odds: f64,
    /// Every feature's contribution in log-odds, largest first:
    /// `base_log_odds + Σ contribution = logit(risk_score)`.
    pub contributions: Vec<Contribution>,
    /// Whether a person must review the claim (the same as `flagged`).
    pub needs_review: bool,
    /// Categorical values never seen in training, scored as missing.
    pub unseen_categories: Vec<UnseenCategory>,
    /// The model name and version used.
    pub model: civic_core::ModelRef,
}

/// Scores a record with a risk model and records the score in the ledger
/// (the record's digest, not the record, unless input retention is configured).
#[utoipa::path(post, path = "/api/v1/risk/score", tag = "risk", request_body = RiskScoreRequest,
    responses((status = 200, body = RiskScoreResponse),
              (status = 400, description = "not a risk model, or a bad reference", body = crate::error::ErrorBody),
              (status = 404, description = "no such model", body = crate::error::ErrorBody),
              (status = 413, body = crate::error::ErrorBody),
              (status = 422, description = "unknown or missing columns, or a value of the wrong type (named)", body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn score(
    State(state): State<AppState>,
    caller: Caller<CaseworkerAndAbove>,
    ApiJson(body): ApiJson<RiskScoreRequest>,
) -> Result<Json<RiskScoreResponse>, ApiError> {
    let scored = state
        .app
        .score_risk(&body.model, body.record, body.reference, caller.principal())
        .await?;
    let decision = scored.decision;
    Ok(Json(RiskScoreResponse {
        decision_id: decision.id.to_string(),
        risk_score: scored.score.risk_score,
        flagged: scored.score.flagged,
        threshold: scored.threshold,
        base_log_odds: scored.score.base_log_odds,
        contributions: scored.score.contributions,
        needs_review: decision.status == civic_core::DecisionStatus::NeedsReview,
        unseen_categories: scored.score.unseen_categories,
        model: decision.model.clone(),
    }))
}
