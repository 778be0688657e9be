//! Decision records: read one, record one made elsewhere, review one.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use civic_core::{
    Decision, DecisionId, DecisionStatus, Digest, ErrorKind, ModelRef, NewDecision, QueueFacts,
    ReviewAction, ReviewEvent, Service, rfc3339,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Admins, Caller, CaseworkerAndAbove, Readers, Reviewers};
use crate::error::ApiError;
use crate::json::ApiJson;

/// A model's name and version.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct ModelView {
    /// Name, e.g. `council-triage`.
    pub name: String,
    /// Version.
    pub version: String,
}

/// A decision record with its reviews.
#[derive(Debug, Serialize, ToSchema)]
pub struct DecisionView {
    /// UUID v7.
    pub id: String,
    /// The service, e.g. `triage`.
    pub service: String,
    /// The model that produced it.
    pub model: ModelView,
    /// SHA-256 of the canonical input (hex).
    pub input_sha256: String,
    /// The output.
    #[schema(value_type = Object)]
    pub output: Value,
    /// The explanation; `null` once removed under the retention policy
    /// (see `explanation_removed_at`).
    #[schema(value_type = Object)]
    pub explanation: Value,
    /// When the explanation and the reference were removed under the
    /// retention policy (RFC 3339); absent while they are kept. The ledger
    /// entry holds only their SHA-256 digests.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation_removed_at: Option<String>,
    /// Calibrated confidence, if the service has one.
    pub confidence: Option<f64>,
    /// `auto`, `needs_review` or `reviewed`.
    pub status: String,
    /// Who asked: `key:<uuid>` (an API key), `user:<uuid>` (a person signed in to the web
    /// interface) or `operator:<name>` (the command line); a bare UUID for decisions
    /// recorded before principals were typed.
    pub requested_by: String,
    /// The caller's reference.
    pub reference: Option<String>,
    /// RFC 3339.
    pub created_at: String,
    /// Position in the ledger.
    pub ledger_index: u64,
    /// Whether it would have been applied automatically but was queued for
    /// review as a quality sample.
    pub quality_sample: bool,
    /// Review events, oldest first.
    pub reviews: Vec<ReviewView>,
}

/// A review event.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReviewView {
    /// UUID v7.
    pub id: String,
    /// The decision reviewed.
    pub decision_id: String,
    /// `accept`, `override` or `refer`.
    pub action: String,
    /// The corrected output (overrides), or `{"referred_to": TEAM}` (referrals).
    #[schema(value_type = Object)]
    pub output: Option<Value>,
    /// Why (overrides only; absent once redacted).
    pub reason: Option<String>,
    /// When an administrator redacted the reason (RFC 3339), if they did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason_redacted_at: Option<String>,
    /// Who reviewed, written as `requested_by` is.
    pub reviewer: String,
    /// RFC 3339.
    pub created_at: String,
    /// Position in the ledger.
    pub ledger_index: u64,
}

impl From<&ReviewEvent> for ReviewView {
    fn from(r: &ReviewEvent) -> Self {
        let output = match &r.action {
            ReviewAction::Accept => None,
            ReviewAction::Override { output, .. } => Some(output.clone()),
            ReviewAction::Refer { team } => {
                Some(serde_json::json!({ "referred_to": team.as_str() }))
            }
        };
        let reason = r.reason().map(str::to_owned);
        ReviewView {
            id: r.id.to_string(),
            decision_id: r.decision_id.to_string(),
            action: r.action.name().to_owned(),
            output,
            reason,
            reason_redacted_at: r.reason_redacted_at.map(rfc3339),
            reviewer: r.reviewer.to_string(),
            created_at: rfc3339(r.created_at),
            ledger_index: r.ledger_index,
        }
    }
}

impl DecisionView {
    fn new(d: Decision, reviews: &[ReviewEvent]) -> Self {
        DecisionView {
            id: d.id.to_string(),
            service: d.service.to_string(),
            model: ModelView {
                name: d.model.name,
                version: d.model.version,
            },
            input_sha256: d.input_digest.to_hex(),
            output: d.output,
            explanation: d.explanation,
            explanation_removed_at: d.explanation_removed_at.map(rfc3339),
            confidence: d.confidence,
            status: d.status.as_str().to_owned(),
            requested_by: d.requested_by.to_string(),
            reference: d.reference,
            created_at: rfc3339(d.created_at),
            ledger_index: d.ledger_index,
            quality_sample: d.quality_sample,
            reviews: reviews.iter().map(ReviewView::from).collect(),
        }
    }
}

fn parse_id(id: &str) -> Result<DecisionId, ApiError> {
    Ok(id.parse::<DecisionId>()?)
}

/// One decision record and its reviews.
#[utoipa::path(get, path = "/api/v1/decisions/{id}", tag = "decisions",
    params(("id" = String, Path, description = "Decision id (UUID)")),
    responses((status = 200, body = DecisionView), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn get(
    State(state): State<AppState>,
    _caller: Caller<Readers>,
    Path(id): Path<String>,
) -> Result<Json<DecisionView>, ApiError> {
    let (decision, reviews) = state.app.decision_with_reviews(parse_id(&id)?).await?;
    Ok(Json(DecisionView::new(decision, &reviews)))
}

/// A decision made by another system, to be recorded in the ledger.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordRequest {
    /// The service, e.g. `eligibility` (lowercase letters, digits, `_`, `-`).
    pub service: String,
    /// The model that made it.
    pub model: ModelView,
    /// The input; only its SHA-256 is kept, unless input retention is configured.
    #[schema(value_type = Object)]
    pub input: Value,
    /// The output.
    #[schema(value_type = Object)]
    pub output: Value,
    /// The explanation.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub explanation: Value,
    /// Calibrated confidence in [0, 1].
    pub confidence: Option<f64>,
    /// Whether a person must review it.
    #[serde(default)]
    pub needs_review: bool,
    /// The caller's reference, e.g. a case number (at most 200 characters).
    pub reference: Option<String>,
}

fn invalid(field: &'static str, message: &str) -> ApiError {
    ApiError::new(
        ErrorKind::Unprocessable,
        "invalid_input",
        format!("invalid {field}: {message}"),
    )
    .with_details(serde_json::json!({ "field": field }))
}

fn model_name(field: &'static str, s: &str) -> Result<String, ApiError> {
    civic_core::check_name(s)
        .map(str::to_owned)
        .map_err(|problem| invalid(field, &problem.describe()))
}

impl RecordRequest {
    /// The decision to record for `caller`, its fields checked (service,
    /// confidence in [0, 1], reference and model name lengths).
    ///
    /// # Errors
    ///
    /// A 422 [`ApiError`] naming the field at fault.
    pub fn parse(self, caller: civic_core::Principal) -> Result<NewDecision, ApiError> {
        let service = Service::parse(&self.service).map_err(|e| invalid("service", &e.message))?;
        if self.confidence.is_some_and(|c| !(0.0..=1.0).contains(&c)) {
            return Err(invalid("confidence", "must be between 0 and 1"));
        }
        if self
            .reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > civic_app::MAX_REFERENCE_CHARS)
        {
            return Err(invalid(
                "reference",
                &format!(
                    "must be at most {} characters",
                    civic_app::MAX_REFERENCE_CHARS
                ),
            ));
        }
        let queue = QueueFacts::stated_in(&self.output);
        Ok(NewDecision {
            service,
            model: ModelRef {
                name: model_name("model.name", &self.model.name)?,
                version: model_name("model.version", &self.model.version)?,
            },
            input_digest: Digest::of_json(&self.input),
            input: Some(self.input),
            output: self.output,
            explanation: if self.explanation.is_null() {
                serde_json::json!({})
            } else {
                self.explanation
            },
            confidence: self.confidence,
            status: if self.needs_review {
                DecisionStatus::NeedsReview
            } else {
                DecisionStatus::Auto
            },
            queue,
            requested_by: caller,
            reference: self.reference,
        })
    }
}

/// Records a decision made by another system in the ledger.
#[utoipa::path(post, path = "/api/v1/decisions", tag = "decisions", request_body = RecordRequest,
    responses((status = 201, body = DecisionView), (status = 400, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody), (status = 503, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn record(
    State(state): State<AppState>,
    caller: Caller<CaseworkerAndAbove>,
    ApiJson(body): ApiJson<RecordRequest>,
) -> Result<(StatusCode, Json<DecisionView>), ApiError> {
    let new = body.parse(caller.principal())?;
    let decision = state.app.record_decision(new).await?;
    Ok((StatusCode::CREATED, Json(DecisionView::new(decision, &[]))))
}

/// A reviewer's verdict on a decision.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewRequest {
    /// `accept`, `override` or `refer`.
    pub action: String,
    /// The corrected output (required to override).
    #[schema(value_type = Object)]
    pub output: Option<Value>,
    /// Why the suggestion was wrong (required to override): one of the
    /// configured override reasons, or `REASON: DETAILS`.
    pub reason: Option<String>,
    /// More about why (required with the reason "Other").
    pub details: Option<String>,
    /// The safeguarding team the message was referred to (required to
    /// refer): one of the configured safeguarding teams.
    pub team: Option<String>,
}

impl ReviewRequest {
    /// The review, an override checked by the app's rules (the same the web
    /// form's go through).
    async fn parse(self, app: &civic_app::App, id: DecisionId) -> Result<ReviewAction, ApiError> {
        match self.action.as_str() {
            "accept" => Ok(ReviewAction::Accept),
            "override" => {
                let output = self
                    .output
                    .filter(|o| !o.is_null())
                    .ok_or_else(|| invalid("output", "an override needs the corrected output"))?;
                if self.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
                    return Err(invalid(
                        "reason",
                        "an override needs a reason; say why the suggestion was wrong",
                    ));
                }
                let decision = app.decision(id).await?;
                let correction = civic_app::overrides::Correction {
                    output,
                    reason: self.reason.unwrap_or_default(),
                    details: self.details.unwrap_or_default(),
                };
                Ok(app.check_override(&decision, correction).await?)
            }
            "refer" => Ok(app.check_referral(self.team.as_deref().unwrap_or_default())?),
            other => Err(invalid(
                "action",
                &format!("{other:?} is not accept, override or refer"),
            )),
        }
    }
}

/// Accepts or overrides a decision; recorded in the ledger.
#[utoipa::path(post, path = "/api/v1/decisions/{id}/review", tag = "decisions", request_body = ReviewRequest,
    params(("id" = String, Path, description = "Decision id (UUID)")),
    responses((status = 201, body = ReviewView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn review(
    State(state): State<AppState>,
    caller: Caller<Reviewers>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ReviewRequest>,
) -> Result<(StatusCode, Json<ReviewView>), ApiError> {
    let id = parse_id(&id)?;
    let action = body.parse(&state.app, id).await?;
    let event = state.app.review(id, action, caller.principal()).await?;
    Ok((StatusCode::CREATED, Json(ReviewView::from(&event))))
}

/// Why a review's reason is to be redacted.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RedactReasonRequest {
    /// Why, e.g. the erasure request's reference (kept in the record; the
    /// ledger entry holds its SHA-256). Put no personal data here.
    pub why: String,
}

/// A reason's redaction, as recorded.
#[derive(Debug, Serialize, ToSchema)]
pub struct RedactionView {
    /// UUID v7.
    pub id: String,
    /// The review whose reason was removed.
    pub review_id: String,
    /// The decision reviewed.
    pub decision_id: String,
    /// Who redacted it: `key:<uuid>`, `user:<uuid>` or `operator:<name>`.
    pub redacted_by: String,
    /// RFC 3339.
    pub created_at: String,
    /// Position in the ledger.
    pub ledger_index: u64,
}

/// Removes a review's stored reason (an erasure request); admins only. The
/// removal is a ledger entry that records who, when and the digest of why.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/redact-reason", tag = "decisions",
    request_body = RedactReasonRequest,
    params(("id" = String, Path, description = "Review event id (UUID)")),
    responses((status = 201, body = RedactionView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn redact_reason(
    State(state): State<AppState>,
    caller: Caller<Admins>,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RedactReasonRequest>,
) -> Result<(StatusCode, Json<RedactionView>), ApiError> {
    let review_id: civic_core::ReviewEventId = id.parse()?;
    let r = state
        .app
        .redact_reason(review_id, &body.why, caller.principal(), caller.role)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(RedactionView {
            id: r.id.to_string(),
            review_id: r.review_id.to_string(),
            decision_id: r.decision_id.to_string(),
            redacted_by: r.redacted_by.to_string(),
            created_at: rfc3339(r.created_at),
            ledger_index: r.ledger_index,
        }),
    ))
}
