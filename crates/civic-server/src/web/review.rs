//! One decision waiting for review: the input (to reviewers, when it is
//! retained), the suggestion, its confidence and explanation, and the form
//! to accept or override it with a reason. Both go to the ledger as review
//! events through `App::review`.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use civic_core::{
    Decision, DecisionId, DecisionStatus, ErrorKind, QueueFacts, Reason, ReviewAction, TeamName,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::AppState;
use crate::auth::Reviewers;
use crate::web::error::PageError;
use crate::web::explain::{self, TriageView};
use crate::web::pages::{Choice, Chrome, FieldError, choices, error_for, form_title, render_form};
use crate::web::session::{FormFields, SignedIn, WebForm};

/// The longest free-text part of a reason, leaving room for the choice.
const MAX_DETAILS: usize = 1800;

/// The review form's fields; also what is kept if the session expired.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
pub struct ReviewFields {
    #[serde(default, skip_serializing)]
    csrf: String,
    /// `accept`, `override` or `refer`.
    #[serde(default)]
    outcome: String,
    /// The safeguarding team it was referred to, when referring.
    #[serde(default)]
    referred_to: String,
    /// The right team, when overriding a suggestion that names one.
    #[serde(default)]
    team: String,
    /// The corrected output as JSON, for services without a team.
    #[serde(default)]
    output: String,
    /// The chosen reason.
    #[serde(default)]
    reason: String,
    /// The reviewer's own words.
    #[serde(default)]
    details: String,
}

impl FormFields for ReviewFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }

    fn draft(&self) -> Option<Value> {
        serde_json::to_value(self).ok()
    }
}

#[derive(Template)]
#[template(path = "review.html")]
struct ReviewTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    restored: bool,
    id: String,
    reference: String,
    service: String,
    model: String,
    created_at: String,
    status_waiting: bool,
    quality_sample: bool,
    urgent: bool,
    confidence: String,
    input_note: String,
    triage: Option<TriageView>,
    input_json: String,
    output_json: String,
    explanation_json: String,
    /// Set once the explanation was removed under the retention policy.
    explanation_note: Option<String>,
    form: ReviewForm,
}

/// The accept-or-override form as a page shows it (`review_form.html`):
/// the review page and the triage page's result share it.
#[derive(Debug)]
pub struct ReviewForm {
    /// Where it is posted.
    pub action_url: String,
    /// Whether the suggestion names a team (a team is chosen, not JSON typed).
    pub has_team: bool,
    /// The suggested team, if any.
    pub suggested_team: String,
    pub(crate) accept_checked: bool,
    pub(crate) override_checked: bool,
    pub(crate) refer_checked: bool,
    /// The safeguarding teams a routed message may be referred to (empty for
    /// other services).
    pub(crate) referral_teams: Vec<Choice>,
    pub(crate) teams: Vec<Choice>,
    pub(crate) reasons: Vec<Choice>,
    pub(crate) output_value: String,
    pub(crate) details: String,
    pub(crate) outcome_error: Option<String>,
    pub(crate) team_error: Option<String>,
    pub(crate) referred_to_error: Option<String>,
    pub(crate) output_error: Option<String>,
    pub(crate) reason_error: Option<String>,
    pub(crate) details_error: Option<String>,
}

impl ReviewForm {
    /// The form for `decision` posted to `action_url`, filled with `fields`
    /// and showing `errors` beside their fields.
    pub fn new(
        action_url: String,
        decision: &Decision,
        fields: &ReviewFields,
        errors: &[FieldError],
        reasons: &[String],
        referral_teams: Vec<String>,
    ) -> Self {
        let suggested_team = QueueFacts::stated_in(&decision.output)
            .team
            .unwrap_or_default();
        ReviewForm {
            action_url,
            has_team: !suggested_team.is_empty(),
            suggested_team,
            accept_checked: fields.outcome == "accept",
            override_checked: fields.outcome == "override",
            refer_checked: fields.outcome == "refer",
            referral_teams: if decision.service.as_str() == civic_app::triage::SERVICE {
                options(referral_teams, &fields.referred_to)
            } else {
                Vec::new()
            },
            teams: options(team_choices(&decision.output), &fields.team),
            reasons: options(reasons.to_vec(), &fields.reason),
            output_value: fields.output.clone(),
            details: fields.details.clone(),
            outcome_error: error_for(errors, "outcome").map(str::to_owned),
            team_error: error_for(errors, "team").map(str::to_owned),
            referred_to_error: error_for(errors, "referred_to").map(str::to_owned),
            output_error: error_for(errors, "output").map(str::to_owned),
            reason_error: error_for(errors, "reason").map(str::to_owned),
            details_error: error_for(errors, "details").map(str::to_owned),
        }
    }
}

fn options(values: Vec<String>, current: &str) -> Vec<Choice> {
    choices(current, values.into_iter().map(|v| (v.clone(), v)))
}

/// The teams a triage suggestion could be changed to: its alternatives.
fn team_choices(output: &Value) -> Vec<String> {
    output
        .get("alternatives")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|a| a.get("label").and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn page(
    state: &AppState,
    user: &SignedIn<Reviewers>,
    decision: Decision,
    fields: ReviewFields,
    errors: Vec<FieldError>,
    restored: bool,
) -> Result<Response, PageError> {
    // Reviewers may see the input; it exists only while retention keeps it.
    let input = state.app.decision_input(decision.id).await?;
    let text = input
        .as_ref()
        .and_then(|i| i.get("text"))
        .and_then(Value::as_str);
    let input_note = match (&input, text) {
        (None, _) => "The message is not kept (no retention period is configured, or it has lapsed); the ledger holds only its digest.".to_owned(),
        (Some(_), None) => "The input is kept but is not text.".to_owned(),
        _ => String::new(),
    };
    let t = ReviewTemplate {
        chrome: Chrome::new(
            state,
            Some(&user.session),
            &form_title("Review a decision", &errors),
            "/queue",
        ),
        restored,
        id: decision.id.to_string(),
        reference: decision.reference.clone().unwrap_or_default(),
        service: decision.service.to_string(),
        model: format!("{} version {}", decision.model.name, decision.model.version),
        created_at: civic_core::rfc3339(decision.created_at),
        status_waiting: decision.status == DecisionStatus::NeedsReview,
        quality_sample: decision.quality_sample,
        urgent: QueueFacts::stated_in(&decision.output).urgent,
        confidence: decision
            .confidence
            .map(|c| format!("{:.0}%", c * 100.0))
            .unwrap_or_else(|| "not given".into()),
        input_note,
        triage: explain::triage_view(&decision.output, &decision.explanation, text)
            .map(|v| v.with_procedure(state.app.config().safeguarding.procedure_url.as_deref())),
        input_json: input
            .as_ref()
            .map(explain::readable_json)
            .unwrap_or_default(),
        output_json: explain::readable_json(&decision.output),
        explanation_json: explain::readable_json(&decision.explanation),
        explanation_note: explain::removal_note(&decision),
        form: ReviewForm::new(
            format!("/review/{}", decision.id),
            &decision,
            &fields,
            &errors,
            &state.app.config().web.override_reasons,
            state.app.config().safeguarding.referral_teams(),
        ),
        errors,
    };
    render_form(&t, &t.errors)
}

/// A decision id from a path; anything else is not found.
pub fn parse_id(id: &str) -> Result<DecisionId, PageError> {
    id.parse().map_err(|_| PageError::NotFound)
}

/// `GET /review/{id}`.
pub async fn show(
    State(state): State<AppState>,
    Path(id): Path<String>,
    user: SignedIn<Reviewers>,
) -> Result<Response, PageError> {
    let decision = state.app.decision(parse_id(&id)?).await?;
    // A form kept when the session expired is put back once, for this decision.
    let draft = match state.app.take_session_draft(&user.token).await? {
        Some(d) => serde_json::from_str::<KeptDraft>(&d).ok(),
        None => None,
    };
    let (fields, restored) = match draft {
        Some(k) if k.path == format!("/review/{}", decision.id) => (k.fields, true),
        _ => (ReviewFields::default(), false),
    };
    page(&state, &user, decision, fields, Vec::new(), restored).await
}

/// A kept review form and the page it was posted to (see `WebForm`).
#[derive(Debug, Deserialize)]
struct KeptDraft {
    path: String,
    fields: ReviewFields,
}

/// Checks the form and builds the review action, or says what to fix.
pub fn action(
    f: &ReviewFields,
    decision: &Decision,
    reasons: &[String],
) -> Result<ReviewAction, Vec<FieldError>> {
    let mut errors = Vec::new();
    match f.outcome.as_str() {
        "accept" => return Ok(ReviewAction::Accept),
        "refer" => {
            return match TeamName::parse(&f.referred_to) {
                Ok(team) => Ok(ReviewAction::Refer { team }),
                Err(_) => Err(vec![FieldError::new(
                    "referred_to",
                    "Select the safeguarding team you referred it to",
                )]),
            };
        }
        "override" => {}
        _ => {
            errors.push(FieldError::new(
                "outcome",
                "Select whether you accept the suggestion, override it or refer it",
            ));
            return Err(errors);
        }
    }
    let suggested = QueueFacts::stated_in(&decision.output).team;
    let output = match suggested.as_deref() {
        Some(s) => {
            let team = f.team.trim();
            if team.is_empty() {
                errors.push(FieldError::new("team", "Select the team it should go to"));
            } else if team == s {
                errors.push(FieldError::new(
                    "team",
                    "Select a team different from the suggestion, or accept the suggestion",
                ));
            } else if !team_choices(&decision.output).iter().any(|t| t == team) {
                errors.push(FieldError::new("team", "Select a team from the list"));
            }
            serde_json::json!({ "team": team })
        }
        None => match serde_json::from_str::<Value>(&f.output) {
            Ok(v) if v.is_object() => v,
            _ => {
                errors.push(FieldError::new(
                    "output",
                    "Enter the corrected output as a JSON object, like {\"flag\": false}",
                ));
                Value::Null
            }
        },
    };
    if !reasons.iter().any(|r| r == &f.reason) {
        errors.push(FieldError::new(
            "reason",
            "Select why you are overriding the suggestion",
        ));
    }
    let details = f.details.trim();
    if f.reason == "Other" && details.is_empty() {
        errors.push(FieldError::new(
            "details",
            "Say why the suggestion was wrong",
        ));
    }
    if details.chars().count() > MAX_DETAILS {
        errors.push(FieldError::new(
            "details",
            format!("Explain in {MAX_DETAILS} characters or fewer"),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let text = if details.is_empty() {
        f.reason.clone()
    } else {
        format!("{}: {details}", f.reason)
    };
    let reason = Reason::parse(&text).map_err(|e| vec![FieldError::new("details", e.message)])?;
    Ok(ReviewAction::Override { output, reason })
}

/// [`action`], then, for an override, the app's rules, which the API's
/// overrides pass too: the form's errors, or the action to record.
pub async fn checked_action(
    state: &AppState,
    f: &ReviewFields,
    decision: &Decision,
    reasons: &[String],
) -> Result<Result<ReviewAction, Vec<FieldError>>, PageError> {
    let (output, reason) = match action(f, decision, reasons) {
        Ok(ReviewAction::Override { output, reason }) => (output, reason),
        Ok(ReviewAction::Refer { team }) => {
            return match state.app.check_referral(team.as_str()) {
                Ok(a) => Ok(Ok(a)),
                Err(civic_app::AppError::Unprocessable { message, .. }) => {
                    Ok(Err(vec![FieldError::new(
                        "referred_to",
                        capitalise(&message),
                    )]))
                }
                Err(e) => Err(e.into()),
            };
        }
        other => return Ok(other),
    };
    let correction = civic_app::overrides::Correction {
        output,
        reason: reason.as_str().to_owned(),
        details: String::new(),
    };
    match state.app.check_override(decision, correction).await {
        Ok(a) => Ok(Ok(a)),
        Err(civic_app::AppError::Unprocessable { field, message }) => {
            let field = match field {
                "output" if QueueFacts::stated_in(&decision.output).team.is_some() => "team",
                other => other,
            };
            Ok(Err(vec![FieldError::new(field, capitalise(&message))]))
        }
        Err(e) => Err(e.into()),
    }
}

/// A message from the app as a sentence on a page.
fn capitalise(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `POST /review/{id}`.
pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm<Reviewers, ReviewFields>,
) -> Result<Response, PageError> {
    let decision = state.app.decision(parse_id(&id)?).await?;
    let reasons = state.app.config().web.override_reasons.clone();
    let action = match checked_action(&state, &form.fields, &decision, &reasons).await? {
        Ok(a) => a,
        Err(errors) => {
            return page(&state, &form.user, decision, form.fields, errors, false).await;
        }
    };
    let reviewer = form.user.session.user.id.as_principal();
    match state.app.review(decision.id, action, reviewer).await {
        Ok(event) => {
            tracing::info!(user = %form.user.session.user.id, decision = %decision.id, action = event.action.name(), "reviewed");
            Ok(Redirect::to(&format!("/queue?reviewed={}", decision.id)).into_response())
        }
        Err(e) if e.kind() == ErrorKind::Conflict => {
            let errors = vec![FieldError::new(
                "outcome",
                "Someone has already reviewed this decision; nothing more was recorded",
            )];
            page(&state, &form.user, decision, form.fields, errors, false).await
        }
        Err(e) => Err(e.into()),
    }
}
