//! The rules every override must pass, whoever sends it (the web form, the
//! API, the command line): one place, so that what the web refuses the API
//! refuses too. Overrides become training data (`--include-overrides`), so
//! a team the model does not know, typed once through the API, would
//! otherwise become a new team.
//!
//! An override is refused when:
//! - its reason is not one of the configured reasons (`override_reasons`),
//!   or is "Other" without details;
//! - its output is not a JSON object, or is the suggestion itself;
//! - for triage, its team is not a team the model version that made the
//!   suggestion knows (when Civic holds that model: a triage decision
//!   another system recorded is checked for shape only), or it carries
//!   fields other than `team` and `urgent`, or it changes nothing.
//!
//! The reason is kept as `REASON` or `REASON: DETAILS`.

use civic_core::{Decision, QueueFacts, Reason, ReviewAction};
use serde_json::Value;

use crate::{App, AppError};

/// A correction as a person gives it, before it is checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The corrected output.
    pub output: Value,
    /// One of the configured reasons, or `REASON: DETAILS`.
    pub reason: String,
    /// More about why (needed for "Other").
    pub details: String,
}

/// The reason that needs details.
const OTHER: &str = "Other";

impl App {
    /// Checks `correction` against `decision` and the configured reasons and
    /// turns it into the override to record; the error names the field
    /// (`reason`, `details` or `output`) and says what would be accepted.
    pub async fn check_override(
        &self,
        decision: &Decision,
        correction: Correction,
    ) -> Result<ReviewAction, AppError> {
        let reason = self.check_reason(&correction.reason, &correction.details)?;
        let Value::Object(fields) = &correction.output else {
            return Err(invalid(
                "output",
                "the corrected output must be a JSON object, like {\"team\": \"parking\"}",
            ));
        };
        if correction.output == decision.output {
            return Err(invalid(
                "output",
                "the corrected output is the suggestion itself: accept it instead",
            ));
        }
        if decision.service.as_str() == crate::triage::SERVICE {
            self.check_triage_correction(decision, fields).await?;
        }
        Ok(ReviewAction::Override {
            output: correction.output,
            reason,
        })
    }

    fn check_reason(&self, reason: &str, details: &str) -> Result<Reason, AppError> {
        let allowed = &self.config().web.override_reasons;
        let (chosen, mut details) = (reason.trim(), details.trim().to_owned());
        // `REASON: DETAILS` in one field, as reasons are stored.
        let chosen = match allowed.iter().find(|r| r.as_str() == chosen) {
            Some(r) => r.clone(),
            None => match chosen.split_once(':') {
                Some((head, rest)) if allowed.iter().any(|r| r == head.trim()) => {
                    if details.is_empty() {
                        details = rest.trim().to_owned();
                    }
                    head.trim().to_owned()
                }
                _ => {
                    return Err(invalid(
                        "reason",
                        format!(
                            "{chosen:?} is not one of the override reasons: {}; add details after \
                             a colon or in `details`",
                            allowed.join(", ")
                        ),
                    ));
                }
            },
        };
        if chosen == OTHER && details.is_empty() {
            return Err(invalid("details", "say why the suggestion was wrong"));
        }
        let text = if details.is_empty() {
            chosen
        } else {
            format!("{chosen}: {details}")
        };
        Reason::parse(&text).map_err(|e| invalid("details", e.message))
    }

    async fn check_triage_correction(
        &self,
        decision: &Decision,
        fields: &serde_json::Map<String, Value>,
    ) -> Result<(), AppError> {
        if let Some(extra) = fields
            .keys()
            .find(|k| !matches!(k.as_str(), "team" | "urgent"))
        {
            return Err(invalid(
                "output",
                format!("a routing correction has `team` and, optionally, `urgent`; not {extra:?}"),
            ));
        }
        if fields.get("urgent").is_some_and(|u| !u.is_boolean()) {
            return Err(invalid("output", "`urgent` must be true or false"));
        }
        let Some(team) = fields.get("team") else {
            return Ok(());
        };
        let Some(team) = team.as_str().map(str::trim) else {
            return Err(invalid("output", "`team` must be the name of a team"));
        };
        let suggested = QueueFacts::stated_in(&decision.output);
        let same_urgency = fields
            .get("urgent")
            .and_then(Value::as_bool)
            .is_none_or(|u| u == suggested.urgent);
        if suggested.team.as_deref() == Some(team) && same_urgency {
            return Err(invalid(
                "output",
                "the corrected team is the suggested one: choose another team, or accept the suggestion",
            ));
        }
        // A triage decision recorded by another system (through the
        // decisions API) names a model Civic does not hold: its teams are
        // unknown here, so only the shape is checked.
        let Ok(version) = decision.model.version.parse::<i64>() else {
            return Ok(());
        };
        let loaded = match self.triage_model(&decision.model.name, Some(version)).await {
            Ok(l) => l,
            Err(e) if e.kind() == civic_core::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(e),
        };
        let labels = loaded.model.labels();
        if !labels.iter().any(|l| l == team) {
            return Err(invalid(
                "output",
                format!(
                    "{team:?} is not a team that {} version {} knows: choose one of {}",
                    decision.model.name,
                    decision.model.version,
                    labels.join(", ")
                ),
            ));
        }
        Ok(())
    }
}

/// Well-formed but not acceptable: 422, naming the field.
fn invalid(field: &'static str, message: impl Into<String>) -> AppError {
    AppError::Unprocessable {
        field,
        message: message.into(),
    }
}
