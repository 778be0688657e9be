//! The triage page: a caseworker pastes a message and sees where the model
//! would route it and why, then confirms or corrects the routing there and
//! then. The message goes through the same use case as `POST /api/v1/triage`
//! (a decision in the ledger, queued when it needs review); the confirmation
//! is a review event through `App::review_as`, with the review page's form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use civic_app::App;
use civic_core::{Decision, DecisionStatus, ErrorKind, Roles};
use serde::Deserialize;
use serde_json::Value;

use crate::AppState;
use crate::auth::CaseworkerAndAbove;
use crate::web::error::PageError;
use crate::web::explain::{self, TriageView};
use crate::web::pages::{Chrome, FieldError, error_for, form_title, render_form};
use crate::web::review::{self, ReviewFields, ReviewForm};
use crate::web::session::{FormFields, SignedIn, WebForm};

/// The triage form's fields.
#[derive(Debug, Default, Deserialize)]
pub struct TriageFields {
    #[serde(default)]
    csrf: String,
    /// The message.
    #[serde(default)]
    text: String,
    /// The caller's own reference, e.g. a case number.
    #[serde(default)]
    reference: String,
}

impl FormFields for TriageFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

#[derive(Template)]
#[template(path = "triage.html")]
struct TriageFormTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    text: String,
    reference: String,
    text_error: Option<String>,
    reference_error: Option<String>,
    max_chars: String,
}

fn form_page(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    fields: &TriageFields,
    errors: Vec<FieldError>,
) -> Result<Response, PageError> {
    let t = TriageFormTemplate {
        chrome: Chrome::new(
            state,
            Some(&user.session),
            &form_title("Route a message", &errors),
            "/triage",
        ),
        text: fields.text.clone(),
        reference: fields.reference.clone(),
        text_error: error_for(&errors, "text").map(str::to_owned),
        reference_error: error_for(&errors, "reference").map(str::to_owned),
        max_chars: thousands(civic_app::triage::MAX_TEXT_CHARS),
        errors,
    };
    render_form(&t, &t.errors)
}

/// `1234567` as `1,234,567`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `GET /triage`.
pub async fn show_form(
    State(state): State<AppState>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    form_page(&state, &user, &TriageFields::default(), Vec::new())
}

/// What is wrong with the form, in the GOV.UK way (what to do, not what
/// the code found); the use case checks the same limits again.
fn check(fields: &TriageFields) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let chars = fields.text.chars().count();
    if fields.text.trim().is_empty() {
        errors.push(FieldError::new("text", "Enter the message to route"));
    } else if chars > civic_app::triage::MAX_TEXT_CHARS {
        errors.push(FieldError::new(
            "text",
            format!(
                "The message must be {} characters or fewer (it has {})",
                thousands(civic_app::triage::MAX_TEXT_CHARS),
                thousands(chars)
            ),
        ));
    }
    if fields.reference.trim().chars().count() > civic_app::MAX_REFERENCE_CHARS {
        errors.push(FieldError::new(
            "reference",
            format!(
                "The reference must be {} characters or fewer",
                civic_app::MAX_REFERENCE_CHARS
            ),
        ));
    }
    errors
}

/// `POST /triage`: routes the message and shows the result at once (with
/// the message marked, even when it is not retained).
pub async fn submit(
    State(state): State<AppState>,
    form: WebForm<CaseworkerAndAbove, TriageFields>,
) -> Result<Response, PageError> {
    let errors = check(&form.fields);
    if !errors.is_empty() {
        return form_page(&state, &form.user, &form.fields, errors);
    }
    let reference = Some(form.fields.reference.trim().to_owned()).filter(|r| !r.is_empty());
    let requester = form.user.session.user.id.as_principal();
    let routed = state
        .app
        .triage(
            civic_app::triage::DEFAULT_MODEL,
            &form.fields.text,
            reference,
            requester,
        )
        .await;
    let decision = match routed {
        Ok(triaged) => triaged.decision,
        Err(e) => {
            let message = match e.kind() {
                ErrorKind::NotFound => {
                    "There is no triage model to route with yet. Ask an administrator to train one"
                        .to_owned()
                }
                ErrorKind::InvalidInput | ErrorKind::Unprocessable | ErrorKind::TooLarge => {
                    format!("The message could not be routed: {e}")
                }
                _ => return Err(e.into()),
            };
            return form_page(
                &state,
                &form.user,
                &form.fields,
                vec![FieldError::new("text", message)],
            );
        }
    };
    tracing::info!(user = %form.user.session.user.id, decision = %decision.id, "routed a message from the web");
    let page = ResultPage {
        decision,
        text: Some(form.fields.text),
        review: ReviewFields::default(),
        errors: Vec::new(),
        recorded: false,
    };
    page.render(&state, &form.user).await
}

/// A decision this person may see here: their own, or any if they review.
async fn own_decision(
    state: &AppState,
    user: &SignedIn<CaseworkerAndAbove>,
    id: &str,
) -> Result<Decision, PageError> {
    let decision = state.app.decision(review::parse_id(id)?).await?;
    if decision.service.as_str() != civic_app::triage::SERVICE {
        return Err(PageError::NotFound);
    }
    let person = user.session.user.id.as_principal();
    if !App::may_review(&decision, &person, user.session.user.role) {
        tracing::info!(user = %user.session.user.id, decision = %decision.id, "triage result refused: not theirs");
        return Err(PageError::NotYours);
    }
    Ok(decision)
}

/// `?recorded=1` after a confirmation.
#[derive(Debug, Default, Deserialize)]
pub struct ResultQuery {
    #[serde(default)]
    recorded: String,
}

/// `GET /triage/{id}`: a routed message's result, to the person who asked
/// for it (or a reviewer). The message is shown while it is retained.
pub async fn show_result(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<ResultQuery>,
    user: SignedIn<CaseworkerAndAbove>,
) -> Result<Response, PageError> {
    let decision = own_decision(&state, &user, &id).await?;
    ResultPage {
        decision,
        text: None,
        review: ReviewFields::default(),
        errors: Vec::new(),
        recorded: q.recorded == "1",
    }
    .render(&state, &user)
    .await
}

/// `POST /triage/{id}`: the person who asked confirms or corrects the
/// routing; recorded in the ledger as a review event.
pub async fn review(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm<CaseworkerAndAbove, ReviewFields>,
) -> Result<Response, PageError> {
    let decision = own_decision(&state, &form.user, &id).await?;
    let reasons = state.app.config().web.override_reasons.clone();
    let action = match review::checked_action(&state, &form.fields, &decision, &reasons).await? {
        Ok(a) => a,
        Err(errors) => {
            return ResultPage {
                decision,
                text: None,
                review: form.fields,
                errors,
                recorded: false,
            }
            .render(&state, &form.user)
            .await;
        }
    };
    let user = &form.user.session.user;
    match state
        .app
        .review_as(decision.id, action, user.id.as_principal(), user.role)
        .await
    {
        Ok(event) => {
            tracing::info!(user = %user.id, decision = %decision.id, action = event.action.name(), "routing confirmed from the triage page");
            Ok(Redirect::to(&format!("/triage/{}?recorded=1", decision.id)).into_response())
        }
        Err(e) if e.kind() == ErrorKind::Conflict => {
            ResultPage {
                decision,
                text: None,
                review: form.fields,
                errors: vec![FieldError::new(
                    "outcome",
                    "Someone has already reviewed this decision; nothing more was recorded",
                )],
                recorded: false,
            }
            .render(&state, &form.user)
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "triage_result.html")]
struct ResultTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    id: String,
    reference: String,
    team: String,
    urgent: bool,
    confidence: String,
    status: &'static str,
    queued: bool,
    reviewed: bool,
    recorded: bool,
    recorded_text: String,
    can_open_queue: bool,
    model: String,
    input_note: String,
    triage: Option<TriageView>,
    explanation_note: Option<String>,
    review_reasons: Vec<String>,
    form: ReviewForm,
}

/// Everything the result page shows.
struct ResultPage {
    decision: Decision,
    /// The message, when the caller still has it (just submitted).
    text: Option<String>,
    review: ReviewFields,
    errors: Vec<FieldError>,
    recorded: bool,
}

impl ResultPage {
    async fn render(
        self,
        state: &AppState,
        user: &SignedIn<CaseworkerAndAbove>,
    ) -> Result<Response, PageError> {
        let d = &self.decision;
        let text = match self.text {
            Some(t) => Some(t),
            None => state
                .app
                .decision_input(d.id)
                .await?
                .and_then(|i| i.get("text").and_then(Value::as_str).map(str::to_owned)),
        };
        let (_, reviews) = state.app.decision_with_reviews(d.id).await?;
        let recorded_text = match reviews.last().map(|r| &r.action) {
            Some(civic_core::ReviewAction::Accept) => "You accepted the suggested routing.".into(),
            Some(civic_core::ReviewAction::Refer { team }) => {
                format!("You recorded that it was referred to {team}.")
            }
            Some(civic_core::ReviewAction::Override { output, .. }) => format!(
                "You changed the routing to {}. Reason: {}",
                civic_core::QueueFacts::stated_in(output)
                    .team
                    .as_deref()
                    .unwrap_or("(no team)"),
                reviews
                    .last()
                    .and_then(|r| r.reason())
                    .unwrap_or("(redacted)")
            ),
            None => String::new(),
        };
        let form = ReviewForm::new(
            format!("/triage/{}", d.id),
            d,
            &self.review,
            &self.errors,
            &state.app.config().web.override_reasons,
            state.app.config().safeguarding.referral_teams(),
        );
        let t = ResultTemplate {
            chrome: Chrome::new(
                state,
                Some(&user.session),
                &form_title("Suggested routing", &self.errors),
                "/triage",
            ),
            id: d.id.to_string(),
            reference: d.reference.clone().unwrap_or_default(),
            team: form.suggested_team.clone(),
            urgent: civic_core::QueueFacts::stated_in(&d.output).urgent,
            confidence: d
                .confidence
                .map(|c| format!("{:.0}%", c * 100.0))
                .unwrap_or_else(|| "not given".into()),
            status: match d.status {
                DecisionStatus::Auto => "Routed without review",
                DecisionStatus::NeedsReview => "Waiting for a person to confirm",
                DecisionStatus::Reviewed => "Confirmed or corrected by a person",
            },
            queued: d.status == DecisionStatus::NeedsReview,
            reviewed: d.status == DecisionStatus::Reviewed,
            recorded: self.recorded && !reviews.is_empty(),
            recorded_text,
            can_open_queue: Roles::REVIEWERS.allows(user.session.user.role),
            model: format!("{} version {}", d.model.name, d.model.version),
            input_note: "The message is not kept (no retention period is configured, or it has lapsed); the ledger holds only its digest.".into(),
            triage: explain::triage_view(&d.output, &d.explanation, text.as_deref()).map(|v| {
                v.with_procedure(state.app.config().safeguarding.procedure_url.as_deref())
            }),
            explanation_note: explain::removal_note(d),
            review_reasons: d
                .output
                .get("review_reasons")
                .and_then(Value::as_array)
                .map(|l| l.iter().filter_map(Value::as_str).map(review_reason).collect())
                .unwrap_or_default(),
            form,
            errors: self.errors,
        };
        render_form(&t, &t.errors)
    }
}

/// Why a routing needs a person, in words.
fn review_reason(code: &str) -> String {
    match code {
        "urgent" => "A safeguarding phrase matched: a person must look at it.".into(),
        "safeguarding" => {
            "Safeguarding concern: urgent, a person must look at it whatever the routing.".into()
        }
        "safeguarding_watch" => {
            "Possible safeguarding concern: a person must look before it is routed.".into()
        }
        "low_confidence" => "The model is not confident enough to route it alone.".into(),
        "no_text" => "The message had no words to classify.".into(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_numbers_are_grouped_in_threes() {
        for (n, want) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (100_000, "100,000"),
        ] {
            assert_eq!(thousands(n), want);
        }
    }

    #[test]
    fn empty_long_and_over_long_reference_are_explained() {
        let f = |text: &str, reference: &str| TriageFields {
            csrf: String::new(),
            text: text.into(),
            reference: reference.into(),
        };
        assert_eq!(check(&f("  ", ""))[0].message, "Enter the message to route");
        let long = "a".repeat(civic_app::triage::MAX_TEXT_CHARS + 1);
        assert!(
            check(&f(&long, ""))[0]
                .message
                .contains("100,000 characters or fewer")
        );
        let errors = check(&f("pothole", &"r".repeat(201)));
        assert_eq!(errors[0].field, "reference");
        assert!(check(&f("pothole", "case-1")).is_empty());
    }
}
