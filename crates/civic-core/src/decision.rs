//! Decision records and review events.
//!
//! A [`Decision`] is one AI output, whatever the service. A [`ReviewEvent`] is
//! one human action on a decision. Both are appended to the ledger as a
//! [`LedgerEvent`] (see [`crate::entry`]); the ledger holds a digest of the
//! input, never the input, and since entry version 2 nothing derived from the
//! input's text or typed by a person either: the explanation, the caller's
//! reference and a reviewer's reason are kept in their records, under the
//! retention policy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::entry::{EntryVersion, LedgerEvent, text_digest};
use crate::{DecisionId, Digest, ParseError, Principal, RedactionId, ReviewEventId, Timestamp};
/// The AI service that produced a decision (`triage`, `redaction`, `risk`…).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Service(String);

impl Service {
    /// Parses a service name: 1–32 characters of `a-z`, `0-9`, `_`, `-`, starting with a letter.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(s.to_owned()))
        } else {
            Err(ParseError::new(
                "service",
                format!(
                    "{s:?} is not a service name (lowercase letters, digits, '_' or '-', at most 32)"
                ),
            ))
        }
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Service {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Service::parse(&s)
    }
}

impl From<Service> for String {
    fn from(s: Service) -> String {
        s.0
    }
}

impl fmt::Display for Service {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The model (name and version) that produced a decision.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelRef {
    /// The model's name, e.g. `council-triage`.
    pub name: String,
    /// The model's version, e.g. `3` or `2026-11-24T08:30:00Z`.
    pub version: String,
}

/// Where a decision stands with respect to human review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionStatus {
    /// Confident and not sensitive: applied without review (may be sampled for quality).
    Auto,
    /// Waiting for a person to accept or override it.
    NeedsReview,
    /// A person has accepted or overridden it.
    Reviewed,
}

impl DecisionStatus {
    /// The status as stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionStatus::Auto => "auto",
            DecisionStatus::NeedsReview => "needs_review",
            DecisionStatus::Reviewed => "reviewed",
        }
    }
}

impl FromStr for DecisionStatus {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "needs_review" => Ok(Self::NeedsReview),
            "reviewed" => Ok(Self::Reviewed),
            _ => Err(ParseError::new(
                "status",
                format!("{s:?} is not a status; use auto, needs_review or reviewed"),
            )),
        }
    }
}

/// A new AI output, before it is stored and given its place in the ledger.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDecision {
    /// The service that produced it.
    pub service: Service,
    /// The model that produced it.
    pub model: ModelRef,
    /// SHA-256 of the canonical input.
    pub input_digest: Digest,
    /// The raw input, kept only when a retention period is configured.
    pub input: Option<Value>,
    /// The output (service-specific JSON).
    pub output: Value,
    /// The explanation (service-specific JSON), faithful to the model.
    pub explanation: Value,
    /// Calibrated confidence in `[0, 1]`, where the service has one.
    pub confidence: Option<f64>,
    /// `Auto` or `NeedsReview`.
    pub status: DecisionStatus,
    /// What the review queue shows of it if it waits for a person.
    pub queue: QueueFacts,
    /// Who asked.
    pub requested_by: Principal,
    /// An optional caller-supplied reference (e.g. a case number).
    pub reference: Option<String>,
}

/// What the review queue shows of a decision that waits for a person: the
/// team it suggests, if any, and whether it is urgent (urgent items are read
/// first). The use case that makes the decision gives them; nothing parses
/// them back out of the output.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueFacts {
    /// The team suggested (triage), or `None` for a service without teams.
    pub team: Option<String>,
    /// Whether a person must look first (a safeguarding alert).
    pub urgent: bool,
}

impl QueueFacts {
    /// The facts a routing output states, by the convention every routing
    /// service's output follows (Civic's triage and other systems' through
    /// the decisions API, and a routing correction): `team` (a string) and
    /// `urgent` (`true`). Anything else in those fields counts as no team and
    /// not urgent. This is the one place an output is read for them: for
    /// a decision Civic makes, the use case gives them explicitly instead.
    pub fn stated_in(output: &Value) -> Self {
        QueueFacts {
            team: output
                .get("team")
                .and_then(Value::as_str)
                .map(str::to_owned),
            urgent: output.get("urgent").and_then(Value::as_bool) == Some(true),
        }
    }
}

/// A stored decision record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// The decision's id (UUID v7).
    pub id: DecisionId,
    /// The service that produced it.
    pub service: Service,
    /// The model that produced it.
    pub model: ModelRef,
    /// SHA-256 of the canonical input.
    pub input_digest: Digest,
    /// The output.
    pub output: Value,
    /// The explanation.
    pub explanation: Value,
    /// Calibrated confidence, where the service has one.
    pub confidence: Option<f64>,
    /// The status now (a review moves it to `Reviewed`).
    pub status: DecisionStatus,
    /// The status it was created with (as recorded in the ledger).
    pub initial_status: DecisionStatus,
    /// Who asked.
    pub requested_by: Principal,
    /// The caller's reference, if any.
    pub reference: Option<String>,
    /// When it was made.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    /// Its position in the ledger.
    pub ledger_index: u64,
    /// Whether it would have been applied automatically but was sent for
    /// review as a quality sample (see [`crate::SampleRate`]).
    #[serde(default)]
    pub quality_sample: bool,
    /// The layout of its ledger entry.
    #[serde(default)]
    pub entry_version: EntryVersion,
    /// SHA-256 of the explanation's canonical JSON: what a version-2 entry
    /// holds instead of the explanation (`None` for version 1).
    #[serde(default)]
    pub explanation_sha256: Option<Digest>,
    /// SHA-256 of the reference ([`text_digest`]): what a version-2 entry
    /// holds instead of the reference (`None` without one, or for version 1).
    #[serde(default)]
    pub reference_sha256: Option<Digest>,
    /// When the explanation and the reference were removed under the
    /// retention policy; `explanation` is then `null` and `reference` `None`.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub explanation_removed_at: Option<Timestamp>,
}

impl Decision {
    /// The digests a version-2 entry holds for an explanation and a
    /// reference: `(explanation_sha256, reference_sha256)`.
    pub fn digests_of(explanation: &Value, reference: Option<&str>) -> (Digest, Option<Digest>) {
        (Digest::of_json(explanation), reference.map(text_digest))
    }

    /// Whether the explanation and reference still held in the record are
    /// the ones the version-2 entry's digests commit to (a version-1 entry
    /// holds them itself, so [`Decision::ledger_event`] already compares
    /// them). What the retention policy removed is not compared.
    pub fn retained_texts_match(&self) -> bool {
        if self.entry_version == EntryVersion::V1 {
            return true;
        }
        let explanation_ok = self.explanation_removed_at.is_some()
            || self.explanation_sha256 == Some(Digest::of_json(&self.explanation));
        let reference_ok = match &self.reference {
            Some(r) => self.reference_sha256 == Some(text_digest(r)),
            None => self.explanation_removed_at.is_some() || self.reference_sha256.is_none(),
        };
        explanation_ok && reference_ok
    }

    /// The event appended to the ledger for this decision.
    pub fn ledger_event(&self) -> LedgerEvent {
        LedgerEvent::Decision {
            version: self.entry_version,
            explanation_sha256: self.explanation_sha256,
            reference_sha256: self.reference_sha256,
            id: self.id,
            service: self.service.clone(),
            model: self.model.clone(),
            input_digest: self.input_digest,
            output: self.output.clone(),
            explanation: self.explanation.clone(),
            confidence: self.confidence,
            status: self.initial_status,
            requested_by: self.requested_by.clone(),
            reference: self.reference.clone(),
            created_at: self.created_at,
            quality_sample: self.quality_sample,
        }
    }
}

/// Why a reviewer overrode a suggestion: never empty, at most 2,000 characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Reason(String);

impl Reason {
    /// The longest reason accepted, in characters.
    pub const MAX_CHARS: usize = 2000;

    /// Parses a reason, trimming surrounding white space.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim();
        if t.is_empty() {
            return Err(ParseError::new(
                "reason",
                "an override needs a reason; say why the suggestion was wrong",
            ));
        }
        if t.chars().count() > Self::MAX_CHARS {
            return Err(ParseError::new(
                "reason",
                format!("a reason may be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(t.to_owned()))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// What a stored review holds in place of a reason an administrator
    /// redacted (see [`ReviewEvent::reason_redacted_at`]).
    pub fn redacted() -> Self {
        Self("[reason redacted]".to_owned())
    }
}

impl TryFrom<String> for Reason {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Reason::parse(&s)
    }
}

impl From<Reason> for String {
    fn from(r: Reason) -> String {
        r.0
    }
}

/// What a reviewer did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReviewAction {
    /// The suggestion stands.
    Accept,
    /// The suggestion is replaced by `output`, for `reason`.
    Override {
        /// The corrected output.
        output: Value,
        /// Why.
        reason: Reason,
    },
    /// The message was referred to `team`, a safeguarding team (a typed
    /// outcome for a safeguarding concern: the routing suggestion is not
    /// corrected, and the referral is not training data).
    Refer {
        /// The team it was referred to, as configured (no personal data).
        team: TeamName,
    },
}

impl ReviewAction {
    /// `accept`, `override` or `refer`.
    pub fn name(&self) -> &'static str {
        match self {
            ReviewAction::Accept => "accept",
            ReviewAction::Override { .. } => "override",
            ReviewAction::Refer { .. } => "refer",
        }
    }
}

/// The name of a team a message is referred to: 1 to 100 characters, no
/// control characters, trimmed. Team names come from configuration, never from
/// a person's message, so a referral entry holds no personal data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct TeamName(String);

impl TeamName {
    /// The longest team name, in characters.
    pub const MAX_CHARS: usize = crate::MAX_NAME_CHARS;

    /// Checks and trims `text`.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        crate::check_name(text)
            .map(|t| Self(t.to_owned()))
            .map_err(|problem| ParseError::new("team", problem.describe()))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for TeamName {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, ParseError> {
        Self::parse(&s)
    }
}

impl From<TeamName> for String {
    fn from(t: TeamName) -> String {
        t.0
    }
}

impl std::fmt::Display for TeamName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A stored human review of a decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewEvent {
    /// The event's id.
    pub id: ReviewEventId,
    /// The decision reviewed.
    pub decision_id: DecisionId,
    /// What the reviewer did.
    #[serde(flatten)]
    pub action: ReviewAction,
    /// Who reviewed it.
    pub reviewer: Principal,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    /// Its position in the ledger.
    pub ledger_index: u64,
    /// The layout of its ledger entry.
    #[serde(default)]
    pub entry_version: EntryVersion,
    /// SHA-256 of an override's reason ([`text_digest`]): what a version-2
    /// entry holds instead of the reason.
    #[serde(default)]
    pub reason_sha256: Option<Digest>,
    /// When an administrator redacted the stored reason (see
    /// [`ReasonRedaction`]); the action's reason is then [`Reason::redacted`].
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub reason_redacted_at: Option<Timestamp>,
}

impl ReviewEvent {
    /// The event appended to the ledger for this review.
    pub fn ledger_event(&self) -> LedgerEvent {
        LedgerEvent::Review {
            version: self.entry_version,
            id: self.id,
            decision_id: self.decision_id,
            action: self.action.clone(),
            reason_sha256: self.reason_sha256,
            reviewer: self.reviewer.clone(),
            created_at: self.created_at,
        }
    }

    /// Whether a reason still held in the record is the one the version-2
    /// entry's digest commits to (always true for version 1, whose entry
    /// holds the reason itself, and once the reason has been redacted).
    pub fn retained_reason_matches(&self) -> bool {
        match (&self.action, self.entry_version) {
            (ReviewAction::Override { reason, .. }, EntryVersion::V2)
                if self.reason_redacted_at.is_none() =>
            {
                self.reason_sha256 == Some(text_digest(reason.as_str()))
            }
            _ => true,
        }
    }

    /// The override's reason as the reviewer wrote it: `None` for an
    /// accept, or once the reason has been redacted.
    pub fn reason(&self) -> Option<&str> {
        match &self.action {
            ReviewAction::Override { reason, .. } if self.reason_redacted_at.is_none() => {
                Some(reason.as_str())
            }
            _ => None,
        }
    }
}

/// The redaction of a review's stored reason: who removed it, when and why.
/// It is a ledger event of its own ([`LedgerEvent::ReasonRedacted`]), which
/// holds the digest of `why`, never the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReasonRedaction {
    /// The redaction's id.
    pub id: RedactionId,
    /// The review whose reason was removed.
    pub review_id: ReviewEventId,
    /// The decision that review is of.
    pub decision_id: DecisionId,
    /// Who removed it.
    pub redacted_by: Principal,
    /// Why (an erasure request's reference, say), kept in the record.
    pub why: Reason,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: Timestamp,
    /// Its position in the ledger.
    pub ledger_index: u64,
}

impl ReasonRedaction {
    /// The event appended to the ledger for this redaction.
    pub fn ledger_event(&self) -> LedgerEvent {
        LedgerEvent::ReasonRedacted {
            id: self.id,
            review_id: self.review_id,
            decision_id: self.decision_id,
            redacted_by: self.redacted_by.clone(),
            why_sha256: text_digest(self.why.as_str()),
            created_at: self.created_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queue_facts_are_read_from_a_routing_output_and_anything_else_is_none() {
        let facts = |v: Value| QueueFacts::stated_in(&v);
        assert_eq!(
            facts(serde_json::json!({"team": "roads", "urgent": true, "other": 1})),
            QueueFacts {
                team: Some("roads".into()),
                urgent: true
            }
        );
        assert_eq!(
            facts(serde_json::json!({"team": 7, "urgent": "yes"})),
            QueueFacts::default()
        );
        assert_eq!(facts(serde_json::json!([1, 2])), QueueFacts::default());
    }

    #[test]
    fn reasons_are_trimmed_and_never_empty() {
        assert_eq!(
            Reason::parse("  wrong team ").map(|r| r.0),
            Ok("wrong team".to_owned())
        );
        assert!(Reason::parse("   ").is_err());
        assert!(Reason::parse(&"x".repeat(2001)).is_err());
    }

    #[test]
    fn service_names_are_restricted() {
        assert!(Service::parse("triage").is_ok());
        for bad in ["", "Triage", "1x", "a b", &"a".repeat(33)] {
            assert!(Service::parse(bad).is_err(), "{bad:?} should be rejected");
        }
    }

    #[test]
    fn review_actions_parse_from_api_json() {
        let a: ReviewAction = serde_json::from_str(r#"{"action":"accept"}"#).expect("accept");
        assert_eq!(a, ReviewAction::Accept);
        let o: ReviewAction =
            serde_json::from_str(r#"{"action":"override","output":{"team":"x"},"reason":"r"}"#)
                .expect("override");
        assert_eq!(o.name(), "override");
        let r: ReviewAction =
            serde_json::from_str(r#"{"action":"refer","team":" Adult social care "}"#)
                .expect("refer");
        assert_eq!(
            r,
            ReviewAction::Refer {
                team: TeamName::parse("Adult social care").expect("valid")
            }
        );
        for bad in [
            r#"{"action":"refer","team":""}"#,
            r#"{"action":"refer"}"#,
            r#"{"action":"refer","team":"a\u0007b"}"#,
        ] {
            assert!(serde_json::from_str::<ReviewAction>(bad).is_err(), "{bad}");
        }
        assert!(
            serde_json::from_str::<ReviewAction>(
                r#"{"action":"override","output":{},"reason":" "}"#
            )
            .is_err()
        );
    }
}
