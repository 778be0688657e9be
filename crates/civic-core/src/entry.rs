//! Ledger entries: the exact bytes each decision, review, reason redaction
//! and governance event is appended to the ledger as, in every layout ever written
//! ([`EntryVersion`]). Verification rebuilds them from stored records, so
//! their bytes never change for a given layout.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    CanonicalObject, DecisionId, DecisionStatus, Digest, GovernanceChange, GovernanceEventId,
    ModelRef, ParseError, Principal, RedactionId, ReviewAction, ReviewEventId, Service, Timestamp,
    rfc3339,
};

/// The layout of a ledger entry.
///
/// An entry is never rewritten, so every layout ever written stays in the
/// ledger: verification rebuilds each entry in the layout it was written in,
/// and new entries are written in [`EntryVersion::CURRENT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(into = "u8", try_from = "u8")]
pub enum EntryVersion {
    /// The first layout, with no `"v"` field: a decision's entry holds its
    /// explanation and the caller's reference, an override's its reason.
    #[default]
    V1,
    /// `"v":2`: nothing derived from the input's text or typed by a person.
    /// A decision's entry holds `explanation_sha256` (SHA-256 of the
    /// explanation's canonical JSON) and `reference_sha256` (of the
    /// reference's UTF-8 text, or `null`); an override's entry holds
    /// `reason_sha256` (of the reason's UTF-8 text).
    V2,
}

impl EntryVersion {
    /// The version new entries are written in.
    pub const CURRENT: Self = Self::V2;

    /// The version's number, as stored.
    pub fn number(self) -> u8 {
        match self {
            EntryVersion::V1 => 1,
            EntryVersion::V2 => 2,
        }
    }

    /// The version with this number, if there is one.
    pub fn from_number(n: i64) -> Option<Self> {
        match n {
            1 => Some(Self::V1),
            2 => Some(Self::V2),
            _ => None,
        }
    }
}

impl From<EntryVersion> for u8 {
    fn from(v: EntryVersion) -> u8 {
        v.number()
    }
}

impl TryFrom<u8> for EntryVersion {
    type Error = ParseError;
    fn try_from(n: u8) -> Result<Self, Self::Error> {
        Self::from_number(i64::from(n))
            .ok_or_else(|| ParseError::new("entry version", format!("{n} is not 1 or 2")))
    }
}

/// The SHA-256 of a piece of free text (a reference, a reason), as a
/// version-2 entry holds it: of its UTF-8 bytes exactly as stored.
pub fn text_digest(text: &str) -> Digest {
    Digest::of(text.as_bytes())
}

/// One entry of the tamper-evident ledger.
#[derive(Debug, Clone, PartialEq)]
pub enum LedgerEvent {
    /// An AI output was recorded.
    Decision {
        /// The entry's layout: version 1 holds `explanation` and
        /// `reference`, version 2 their digests.
        version: EntryVersion,
        /// Decision id.
        id: DecisionId,
        /// Service.
        service: Service,
        /// Model.
        model: ModelRef,
        /// Input digest (never the input).
        input_digest: Digest,
        /// Output.
        output: Value,
        /// Explanation (in a version-1 entry only).
        explanation: Value,
        /// SHA-256 of the explanation's canonical JSON (in a version-2 entry).
        explanation_sha256: Option<Digest>,
        /// Confidence.
        confidence: Option<f64>,
        /// Status at creation.
        status: DecisionStatus,
        /// Who asked.
        requested_by: Principal,
        /// Caller reference (in a version-1 entry only).
        reference: Option<String>,
        /// SHA-256 of the caller's reference (in a version-2 entry).
        reference_sha256: Option<Digest>,
        /// When.
        created_at: Timestamp,
        /// Queued for review as a quality sample. Written only when true, so
        /// the bytes of entries appended before sampling existed are unchanged.
        quality_sample: bool,
    },
    /// A person reviewed a decision.
    Review {
        /// The entry's layout: version 1 holds an override's reason,
        /// version 2 its digest.
        version: EntryVersion,
        /// Review event id.
        id: ReviewEventId,
        /// The decision reviewed.
        decision_id: DecisionId,
        /// Accept or override.
        action: ReviewAction,
        /// SHA-256 of an override's reason (in a version-2 entry).
        reason_sha256: Option<Digest>,
        /// Who.
        reviewer: Principal,
        /// When.
        created_at: Timestamp,
    },
    /// An administrator redacted a review's stored reason (always version 2).
    ReasonRedacted {
        /// Redaction id.
        id: RedactionId,
        /// The review whose reason was removed.
        review_id: ReviewEventId,
        /// The decision reviewed.
        decision_id: DecisionId,
        /// Who removed it.
        redacted_by: Principal,
        /// SHA-256 of why ([`text_digest`]).
        why_sha256: Digest,
        /// When.
        created_at: Timestamp,
    },
    /// A change of who may act or of what decides (always version 2).
    Governance {
        /// The event's id.
        id: GovernanceEventId,
        /// Who made the change.
        by: Principal,
        /// What changed.
        change: GovernanceChange,
        /// When.
        created_at: Timestamp,
    },
}

impl LedgerEvent {
    /// The id of the decision this entry concerns, if it concerns one (a
    /// governance event does not).
    pub fn decision_id(&self) -> Option<DecisionId> {
        match self {
            LedgerEvent::Decision { id, .. } => Some(*id),
            LedgerEvent::Review { decision_id, .. }
            | LedgerEvent::ReasonRedacted { decision_id, .. } => Some(*decision_id),
            LedgerEvent::Governance { .. } => None,
        }
    }

    /// `decision`, `review`, `reason_redaction` or `governance`.
    pub fn kind(&self) -> &'static str {
        match self {
            LedgerEvent::Decision { .. } => "decision",
            LedgerEvent::Review { .. } => "review",
            LedgerEvent::ReasonRedacted { .. } => "reason_redaction",
            LedgerEvent::Governance { .. } => "governance",
        }
    }

    /// The id of the record this entry is (decision, review event,
    /// redaction or governance event id), as text.
    pub fn record_id(&self) -> String {
        match self {
            LedgerEvent::Decision { id, .. } => id.to_string(),
            LedgerEvent::Review { id, .. } => id.to_string(),
            LedgerEvent::ReasonRedacted { id, .. } => id.to_string(),
            LedgerEvent::Governance { id, .. } => id.to_string(),
        }
    }

    /// The exact bytes appended to the ledger: the event as canonical JSON.
    ///
    /// In version 1 (no `"v"` field), a decision is `{"confidence", "created_at", "explanation", "id",
    /// "input_sha256", "model": {"name", "version"}, "output", "reference",
    /// "requested_by", "service", "status", "type": "decision"}`, with
    /// `"quality_sample": true` between `output` and `reference` for a quality
    /// sample (and nothing for any other decision); a review is
    /// `{"action", "created_at", "decision_id", "id", ["output", "reason",]
    /// "reviewer", "type": "review"}`, with `output` and `reason` only for an
    /// override.
    ///
    /// In version 2 a decision is `{"confidence", "created_at",
    /// "explanation_sha256", "id", "input_sha256", "model", "output",
    /// ["quality_sample": true,] "reference_sha256", "requested_by",
    /// "service", "status", "type": "decision", "v": 2}`; a review is
    /// `{"action", "created_at", "decision_id", "id", ["output",
    /// "reason_sha256",] ["referred_to",] "reviewer", "type": "review", "v": 2}`
    /// (`referred_to`, the team's name, only for a referral); a reason's
    /// redaction is `{"created_at", "decision_id", "id", "redacted_by",
    /// "review_id", "type": "reason_redaction", "v": 2, "why_sha256"}`; a
    /// governance event is `{"by", "created_at", "event", "id", …,
    /// "type": "governance", "v": 2}` with the fields of its kind
    /// ([`GovernanceChange`]: `key_created` `key_id`, `role`; `key_revoked`
    /// `key_id`; `user_created` `role`, `user_id`; `password_reset`
    /// `user_id`; `model_registered` `metrics_sha256`, `model`,
    /// `replaced_version`, `service`, `training_data_sha256`;
    /// `model_activated` `model`, `replaced_version`; `inputs_purged`
    /// `count`, `up_to`; `settings_changed` `changed`, `settings_sha256`).
    /// Digests are lowercase hex. `requested_by`, `reviewer` and
    /// `redacted_by` name a [`Principal`] (`key:…`, `user:…`, `operator:…`;
    /// entries written before principals were typed hold a bare UUID). The
    /// bytes are written directly in canonical
    /// key order, since they are rebuilt for every entry whenever the ledger
    /// is verified.
    pub fn to_bytes(&self) -> Vec<u8> {
        if let LedgerEvent::Governance {
            id,
            by,
            change,
            created_at,
        } = self
        {
            // Rare, and of many small layouts: written through a JSON value.
            return crate::governance::entry_bytes(*id, by, change, *created_at);
        }
        let mut out = Vec::with_capacity(640);
        let mut obj = CanonicalObject::new(&mut out);
        match self {
            LedgerEvent::Decision {
                version,
                explanation_sha256,
                reference_sha256,
                id,
                service,
                model,
                input_digest,
                output,
                explanation,
                confidence,
                status,
                requested_by,
                reference,
                created_at,
                quality_sample,
            } => {
                let digests = (
                    explanation_sha256.map(|d| d.to_hex()),
                    reference_sha256.map(|d| d.to_hex()),
                );
                let texts = match version {
                    EntryVersion::V1 => EntryTexts::V1 {
                        explanation: Json::Value(explanation),
                        reference: reference.as_deref(),
                    },
                    EntryVersion::V2 => EntryTexts::V2 {
                        explanation_sha256: digests.0.as_deref(),
                        reference_sha256: digests.1.as_deref(),
                    },
                };
                DecisionEntryText {
                    id: &id.to_string(),
                    service: service.as_str(),
                    model_name: &model.name,
                    model_version: &model.version,
                    input_sha256: &input_digest.to_hex(),
                    output: Json::Value(output),
                    texts,
                    confidence: *confidence,
                    status: status.as_str(),
                    requested_by: &requested_by.to_string(),
                    created_at: &rfc3339(*created_at),
                    quality_sample: *quality_sample,
                }
                .write_fields(&mut obj)
            }
            LedgerEvent::Review {
                version,
                id,
                decision_id,
                action,
                reason_sha256,
                reviewer,
                created_at,
            } => {
                obj.str("action", action.name());
                obj.str("created_at", &rfc3339(*created_at));
                obj.str("decision_id", &decision_id.to_string());
                obj.str("id", &id.to_string());
                match action {
                    ReviewAction::Override { output, reason } => {
                        obj.value("output", output);
                        match version {
                            EntryVersion::V1 => obj.str("reason", reason.as_str()),
                            EntryVersion::V2 => obj.opt_str(
                                "reason_sha256",
                                reason_sha256.map(|d| d.to_hex()).as_deref(),
                            ),
                        }
                    }
                    ReviewAction::Refer { team } => obj.str("referred_to", team.as_str()),
                    ReviewAction::Accept => {}
                }
                obj.str("reviewer", &reviewer.to_string());
                obj.str("type", "review");
                if *version == EntryVersion::V2 {
                    obj.u64("v", 2);
                }
            }
            LedgerEvent::ReasonRedacted {
                id,
                review_id,
                decision_id,
                redacted_by,
                why_sha256,
                created_at,
            } => {
                obj.str("created_at", &rfc3339(*created_at));
                obj.str("decision_id", &decision_id.to_string());
                obj.str("id", &id.to_string());
                obj.str("redacted_by", &redacted_by.to_string());
                obj.str("review_id", &review_id.to_string());
                obj.str("type", "reason_redaction");
                obj.u64("v", 2);
                obj.str("why_sha256", &why_sha256.to_hex());
            }
            LedgerEvent::Governance { .. } => {}
        }
        obj.finish();
        out
    }
}

/// A JSON field of a ledger entry: a parsed value, or text that is already
/// canonical JSON (as a decision's `output` and `explanation` columns are
/// stored).
#[derive(Debug, Clone, Copy)]
pub enum Json<'a> {
    /// A value, written canonically.
    Value(&'a Value),
    /// Text taken to be the canonical JSON of one value, written as it is.
    Canonical(&'a str),
}

/// What a decision's entry holds of the text derived from its input or
/// given by its caller, by entry version.
#[derive(Debug, Clone, Copy)]
pub enum EntryTexts<'a> {
    /// Version 1: the explanation and the reference themselves.
    V1 {
        /// The explanation.
        explanation: Json<'a>,
        /// The caller's reference, if any.
        reference: Option<&'a str>,
    },
    /// Version 2: their digests, as lowercase hex.
    V2 {
        /// SHA-256 of the explanation's canonical JSON.
        explanation_sha256: Option<&'a str>,
        /// SHA-256 of the reference, if there is one.
        reference_sha256: Option<&'a str>,
    },
}

/// A decision's ledger entry as the text of its fields, borrowed: what
/// [`LedgerEvent::to_bytes`] writes for a decision, without building the
/// [`Decision`] first. `civic audit verify` compares a million stored
/// decisions with their entries this way; the layout is written in one place
/// for both.
#[derive(Debug, Clone, Copy)]
pub struct DecisionEntryText<'a> {
    /// The decision id, as text.
    pub id: &'a str,
    /// The service name.
    pub service: &'a str,
    /// The model's name.
    pub model_name: &'a str,
    /// The model's version.
    pub model_version: &'a str,
    /// The input digest, as lowercase hex.
    pub input_sha256: &'a str,
    /// The output.
    pub output: Json<'a>,
    /// The explanation and reference, or their digests.
    pub texts: EntryTexts<'a>,
    /// The confidence, if any.
    pub confidence: Option<f64>,
    /// The status the decision was created with.
    pub status: &'a str,
    /// Who asked, as text.
    pub requested_by: &'a str,
    /// When it was made, as RFC 3339 text.
    pub created_at: &'a str,
    /// Whether it was queued as a quality sample.
    pub quality_sample: bool,
}

impl DecisionEntryText<'_> {
    /// The entry's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(640);
        let mut obj = CanonicalObject::new(&mut out);
        self.write_fields(&mut obj);
        obj.finish();
        out
    }

    /// Whether `entry` is exactly this decision's entry.
    ///
    /// Text given as [`Json::Canonical`] is spliced in as it is, so that the
    /// comparison builds no JSON value; where the bytes are equal, each such
    /// text is also checked to be one well-formed JSON value, so that no
    /// field can take over the bytes of its neighbours. The answer is
    /// therefore the one [`LedgerEvent::to_bytes`] would give for the parsed
    /// fields whenever `entry` is canonical (every entry the ledger writes
    /// is); when it is `false`, a caller that must tell "altered" from
    /// "stored differently" (non-canonical text) parses the fields and
    /// compares again.
    pub fn is_entry(&self, entry: &[u8]) -> bool {
        self.to_bytes() == entry
            && self.output.is_well_formed()
            && match self.texts {
                EntryTexts::V1 { explanation, .. } => explanation.is_well_formed(),
                EntryTexts::V2 { .. } => true,
            }
    }

    fn write_fields(&self, obj: &mut CanonicalObject<'_>) {
        obj.opt_f64("confidence", self.confidence);
        obj.str("created_at", self.created_at);
        match self.texts {
            EntryTexts::V1 { explanation, .. } => obj.json("explanation", explanation),
            EntryTexts::V2 {
                explanation_sha256, ..
            } => obj.opt_str("explanation_sha256", explanation_sha256),
        }
        obj.str("id", self.id);
        obj.str("input_sha256", self.input_sha256);
        let mut m = obj.object("model");
        m.str("name", self.model_name);
        m.str("version", self.model_version);
        m.finish();
        obj.json("output", self.output);
        if self.quality_sample {
            obj.bool("quality_sample", true);
        }
        match self.texts {
            EntryTexts::V1 { reference, .. } => obj.opt_str("reference", reference),
            EntryTexts::V2 {
                reference_sha256, ..
            } => obj.opt_str("reference_sha256", reference_sha256),
        }
        obj.str("requested_by", self.requested_by);
        obj.str("service", self.service);
        obj.str("status", self.status);
        obj.str("type", "decision");
        if let EntryTexts::V2 { .. } = self.texts {
            obj.u64("v", 2);
        }
    }
}

impl Json<'_> {
    /// Whether this is one JSON value with nothing around it (a parsed value
    /// always is).
    fn is_well_formed(&self) -> bool {
        match self {
            Json::Value(_) => true,
            Json::Canonical(text) => {
                // Surrounding white space is allowed by the parser but is not
                // canonical.
                let trimmed = text.trim_ascii();
                trimmed.len() == text.len()
                    && serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decision, Reason, ReasonRedaction, TeamName, canonical_json};
    use serde_json::json;

    #[test]
    fn ledger_bytes_are_stable_and_hold_no_input() {
        let created_at = crate::from_unix_millis(1_700_000_000_123).expect("in range");
        let event = LedgerEvent::Decision {
            version: EntryVersion::V1,
            explanation_sha256: None,
            reference_sha256: None,
            id: DecisionId::from_uuid(uuid::Uuid::nil()),
            service: Service::parse("triage").expect("valid"),
            model: ModelRef {
                name: "m".into(),
                version: "1".into(),
            },
            input_digest: Digest::of(b"hello"),
            output: json!({"team": "waste"}),
            explanation: json!({}),
            confidence: Some(0.5),
            status: DecisionStatus::Auto,
            requested_by: Principal::Unqualified(uuid::Uuid::nil()),
            reference: None,
            created_at,
            quality_sample: false,
        };
        let text = String::from_utf8(event.to_bytes()).expect("utf8");
        assert!(
            text.starts_with(
                r#"{"confidence":0.5,"created_at":"2023-11-14T22:13:20.123Z","explanation":{}"#
            ),
            "{text}"
        );
        assert!(!text.contains("hello"));
        assert_eq!(event.to_bytes(), event.to_bytes());
    }

    /// A decision event and its fields' text as the store keeps them.
    struct Stored {
        event: LedgerEvent,
        id: String,
        digest: String,
        requested_by: String,
        created_at: String,
        output: String,
        explanation: String,
    }

    impl Stored {
        fn new(output: Value, explanation: Value) -> Self {
            let (id, requested_by, digest) = (
                DecisionId::new(),
                Principal::ApiKey(crate::KeyId::new()),
                Digest::of(b"x"),
            );
            let created_at = crate::from_unix_millis(1_700_000_000_123).expect("in range");
            Self {
                id: id.to_string(),
                digest: digest.to_hex(),
                requested_by: requested_by.to_string(),
                created_at: rfc3339(created_at),
                output: output.to_string(),
                explanation: explanation.to_string(),
                event: LedgerEvent::Decision {
                    version: EntryVersion::V1,
                    explanation_sha256: None,
                    reference_sha256: None,
                    id,
                    service: Service::parse("triage").expect("valid"),
                    model: ModelRef {
                        name: "m".into(),
                        version: "1".into(),
                    },
                    input_digest: digest,
                    output,
                    explanation,
                    confidence: Some(0.875),
                    status: DecisionStatus::NeedsReview,
                    requested_by,
                    reference: Some("case \"7\"".into()),
                    created_at,
                    quality_sample: true,
                },
            }
        }

        fn text(&self) -> DecisionEntryText<'_> {
            DecisionEntryText {
                id: &self.id,
                service: "triage",
                model_name: "m",
                model_version: "1",
                input_sha256: &self.digest,
                output: Json::Canonical(&self.output),
                texts: EntryTexts::V1 {
                    explanation: Json::Canonical(&self.explanation),
                    reference: Some("case \"7\""),
                },
                confidence: Some(0.875),
                status: "needs_review",
                requested_by: &self.requested_by,
                created_at: &self.created_at,
                quality_sample: true,
            }
        }
    }

    #[test]
    fn a_decision_entry_is_recognised_from_its_stored_text() {
        let output = json!({"team": "waste", "urgent": false, "n": [1, 2.5]});
        let explanation = json!({"for": [["bin", 1.5]], "z\n": null});
        let fixture = Stored::new(output.clone(), explanation.clone());
        let entry = fixture.event.to_bytes();
        let stored = fixture.text();
        assert_eq!(stored.to_bytes(), entry);
        assert!(stored.is_entry(&entry));
        let parsed = DecisionEntryText {
            output: Json::Value(&output),
            texts: EntryTexts::V1 {
                explanation: Json::Value(&explanation),
                reference: Some("case \"7\""),
            },
            ..stored
        };
        assert!(parsed.is_entry(&entry));

        // Any field altered, or the JSON text written non-canonically, is
        // not the entry (a caller parses non-canonical text to decide).
        let spaced = fixture.output.replace(':', ": ");
        let other_output = json!({"team": "parking"}).to_string();
        for altered in [
            DecisionEntryText {
                output: Json::Canonical(&other_output),
                ..stored
            },
            DecisionEntryText {
                output: Json::Canonical(&spaced),
                ..stored
            },
            DecisionEntryText {
                confidence: Some(0.87),
                ..stored
            },
            DecisionEntryText {
                quality_sample: false,
                ..stored
            },
            DecisionEntryText {
                texts: EntryTexts::V1 {
                    explanation: Json::Canonical(&fixture.explanation),
                    reference: None,
                },
                ..stored
            },
            DecisionEntryText {
                status: "auto",
                ..stored
            },
        ] {
            assert!(!altered.is_entry(&entry), "{altered:?}");
        }
    }

    #[test]
    fn stored_json_text_cannot_take_over_the_fields_after_it() {
        // An output whose keys repeat the entry's own: the explanation text
        // below swallows the real id, digest, model and the start of the
        // output, and the later columns supply the rest, so the spliced bytes
        // equal the entry. Only the check that each text is one JSON value
        // tells that these columns are not what was recorded.
        let output = json!({"a": 1, "id": "Z", "input_sha256": "H2",
            "model": {"name": "m2", "version": "v2"}, "output": 5});
        let fixture = Stored::new(output, json!({}));
        let entry = fixture.event.to_bytes();
        let swallowing = format!(
            r#"{{}},"id":"{}","input_sha256":"{}","model":{{"name":"m","version":"1"}},"output":{{"a":1"#,
            fixture.id, fixture.digest
        );
        let forged = DecisionEntryText {
            id: "Z",
            model_name: "m2",
            model_version: "v2",
            input_sha256: "H2",
            output: Json::Canonical("5}"),
            texts: EntryTexts::V1 {
                explanation: Json::Canonical(&swallowing),
                reference: Some("case \"7\""),
            },
            ..fixture.text()
        };
        assert_eq!(forged.to_bytes(), entry, "the splice alone is fooled");
        assert!(!forged.is_entry(&entry));
    }

    #[test]
    fn a_version_2_entry_holds_digests_not_the_explanation_reference_or_reason() {
        let name = "Zebedee Quillfeather-Okonkwo";
        let explanation =
            json!({"for": [["zebedee", 1.5]], "safeguarding_matches": [{"text": name}]});
        let reference = format!("complaint from {name}");
        let (explanation_sha256, reference_sha256) =
            Decision::digests_of(&explanation, Some(&reference));
        let created_at = crate::from_unix_millis(1_700_000_000_123).expect("in range");
        let decision = LedgerEvent::Decision {
            version: EntryVersion::V2,
            explanation_sha256: Some(explanation_sha256),
            reference_sha256,
            id: DecisionId::new(),
            service: Service::parse("triage").expect("valid"),
            model: ModelRef {
                name: "m".into(),
                version: "1".into(),
            },
            input_digest: Digest::of(name.as_bytes()),
            output: json!({"team": "waste"}),
            explanation: explanation.clone(),
            confidence: Some(0.5),
            status: DecisionStatus::NeedsReview,
            requested_by: Principal::ApiKey(crate::KeyId::new()),
            reference: Some(reference.clone()),
            created_at,
            quality_sample: false,
        };
        let review = LedgerEvent::Review {
            version: EntryVersion::V2,
            id: ReviewEventId::new(),
            decision_id: DecisionId::new(),
            action: ReviewAction::Override {
                output: json!({"team": "housing"}),
                reason: Reason::parse(&format!("{name} rang")).expect("valid"),
            },
            reason_sha256: Some(text_digest(&format!("{name} rang"))),
            reviewer: Principal::ApiKey(crate::KeyId::new()),
            created_at,
        };
        for event in [&decision, &review] {
            let text = String::from_utf8(event.to_bytes()).expect("utf8");
            for word in ["Zebedee", "zebedee", "Quillfeather"] {
                assert!(!text.contains(word), "{text}");
            }
            assert!(text.ends_with(r#","v":2}"#), "{text}");
        }
        let text = String::from_utf8(decision.to_bytes()).expect("utf8");
        assert!(text.contains(&format!(
            r#""explanation_sha256":"{}""#,
            Digest::of_json(&explanation).to_hex()
        )));

        // The stored text of a version-2 decision rebuilds its entry without
        // the explanation or the reference, which may since have been purged.
        let (id, requested_by) = (decision.record_id(), decision_key(&decision));
        let digests = (
            explanation_sha256.to_hex(),
            reference_sha256.map(|d| d.to_hex()),
        );
        let stored = DecisionEntryText {
            id: &id,
            service: "triage",
            model_name: "m",
            model_version: "1",
            input_sha256: &Digest::of(name.as_bytes()).to_hex(),
            output: Json::Canonical(r#"{"team":"waste"}"#),
            texts: EntryTexts::V2 {
                explanation_sha256: Some(&digests.0),
                reference_sha256: digests.1.as_deref(),
            },
            confidence: Some(0.5),
            status: "needs_review",
            requested_by: &requested_by,
            created_at: &rfc3339(created_at),
            quality_sample: false,
        };
        assert!(stored.is_entry(&decision.to_bytes()));
        let other = Digest::of(b"other").to_hex();
        let altered = DecisionEntryText {
            texts: EntryTexts::V2 {
                explanation_sha256: Some(&other),
                reference_sha256: digests.1.as_deref(),
            },
            ..stored
        };
        assert!(!altered.is_entry(&decision.to_bytes()));
    }

    fn decision_key(event: &LedgerEvent) -> String {
        match event {
            LedgerEvent::Decision { requested_by, .. } => requested_by.to_string(),
            _ => String::new(),
        }
    }

    /// The ledger's byte layout, written out as the JSON object it is: every
    /// entry ever appended must keep hashing the same, whatever writes it.
    fn expected_bytes(event: &LedgerEvent) -> Vec<u8> {
        let v = match event {
            LedgerEvent::Decision {
                version,
                id,
                service,
                model,
                input_digest,
                output,
                explanation,
                explanation_sha256,
                confidence,
                status,
                requested_by,
                reference,
                reference_sha256,
                created_at,
                quality_sample,
            } => {
                let mut v = json!({
                "type": "decision",
                "id": id,
                "service": service,
                "model": {"name": model.name, "version": model.version},
                "input_sha256": input_digest,
                "output": output,
                "explanation": explanation,
                "confidence": confidence,
                "status": status.as_str(),
                "requested_by": requested_by,
                "reference": reference,
                "created_at": rfc3339(*created_at),
                });
                if *quality_sample {
                    v["quality_sample"] = Value::Bool(true);
                }
                if *version == EntryVersion::V2 {
                    let map = v.as_object_mut().expect("an object");
                    map.remove("explanation");
                    map.remove("reference");
                    map.insert("explanation_sha256".into(), json!(explanation_sha256));
                    map.insert("reference_sha256".into(), json!(reference_sha256));
                    map.insert("v".into(), json!(2));
                }
                v
            }
            LedgerEvent::Review {
                version,
                id,
                decision_id,
                action,
                reason_sha256,
                reviewer,
                created_at,
            } => {
                let mut v = json!({
                    "type": "review",
                    "id": id,
                    "decision_id": decision_id,
                    "action": action.name(),
                    "reviewer": reviewer,
                    "created_at": rfc3339(*created_at),
                });
                match action {
                    ReviewAction::Override { output, reason } => {
                        v["output"] = output.clone();
                        match version {
                            EntryVersion::V1 => v["reason"] = json!(reason.as_str()),
                            EntryVersion::V2 => v["reason_sha256"] = json!(reason_sha256),
                        }
                    }
                    ReviewAction::Refer { team } => v["referred_to"] = json!(team.as_str()),
                    ReviewAction::Accept => {}
                }
                if *version == EntryVersion::V2 {
                    v["v"] = json!(2);
                }
                v
            }
            LedgerEvent::ReasonRedacted {
                id,
                review_id,
                decision_id,
                redacted_by,
                why_sha256,
                created_at,
            } => json!({
                "type": "reason_redaction",
                "id": id,
                "review_id": review_id,
                "decision_id": decision_id,
                "redacted_by": redacted_by,
                "why_sha256": why_sha256,
                "created_at": rfc3339(*created_at),
                "v": 2,
            }),
            LedgerEvent::Governance { .. } => return event.to_bytes(),
        };
        canonical_json(&v)
    }

    #[test]
    fn ledger_bytes_are_the_canonical_json_of_the_event() {
        let at = |ms| crate::from_unix_millis(ms).expect("in range");
        let decision = |confidence, reference: Option<&str>, output: Value| LedgerEvent::Decision {
            version: EntryVersion::V1,
            explanation_sha256: None,
            reference_sha256: None,
            quality_sample: reference == Some("sampled"),
            id: DecisionId::new(),
            service: Service::parse("risk-2").expect("valid"),
            model: ModelRef {
                name: "na\"me \u{e9}".into(),
                version: "v1.2".into(),
            },
            input_digest: Digest::of(b"x"),
            output,
            explanation: json!({"for": [["bins", 1.92]], "against": [], "z\n": null}),
            confidence,
            status: DecisionStatus::NeedsReview,
            requested_by: Principal::ApiKey(crate::KeyId::new()),
            reference: reference.map(str::to_owned),
            created_at: at(1_700_000_000_000),
        };
        let review = |action| LedgerEvent::Review {
            version: EntryVersion::V1,
            reason_sha256: None,
            id: ReviewEventId::new(),
            decision_id: DecisionId::new(),
            action,
            reviewer: Principal::ApiKey(crate::KeyId::new()),
            created_at: at(1_800_000_000_999),
        };
        let cases = [
            decision(
                Some(0.93),
                Some("case-1"),
                json!({"team": "waste", "urgent": false}),
            ),
            decision(None, None, json!([1, 2.5, -3e-7, "\u{1F600}"])),
            decision(Some(0.99), Some("sampled"), json!({"team": "waste"})),
            decision(Some(f64::NAN), Some("quote \" and \\ slash"), json!(null)),
            decision(
                Some(1.0),
                Some(""),
                json!({"b": {"d": [], "c": {}}, "a": 1e300}),
            ),
            review(ReviewAction::Accept),
            review(ReviewAction::Refer {
                team: TeamName::parse("Children's services front door (MASH) \u{2014} \"é\"")
                    .expect("valid"),
            }),
            review(ReviewAction::Override {
                output: json!({"team": "highways", "extra": [true]}),
                reason: Reason::parse("wrong team \u{2014} it is a pothole").expect("valid"),
            }),
        ];
        // Each case again in version 2, with the digests it holds instead.
        let v2 = cases.iter().cloned().map(|mut event| {
            match &mut event {
                LedgerEvent::Decision {
                    version,
                    explanation_sha256,
                    reference_sha256,
                    explanation,
                    reference,
                    ..
                } => {
                    let (explanation_digest, reference_digest) =
                        Decision::digests_of(explanation, reference.as_deref());
                    *version = EntryVersion::V2;
                    *explanation_sha256 = Some(explanation_digest);
                    *reference_sha256 = reference_digest;
                }
                LedgerEvent::Review {
                    version,
                    reason_sha256,
                    action,
                    ..
                } => {
                    *version = EntryVersion::V2;
                    *reason_sha256 = match action {
                        ReviewAction::Override { reason, .. } => Some(text_digest(reason.as_str())),
                        ReviewAction::Accept | ReviewAction::Refer { .. } => None,
                    };
                }
                LedgerEvent::ReasonRedacted { .. } | LedgerEvent::Governance { .. } => {}
            }
            event
        });
        let redaction = ReasonRedaction {
            id: RedactionId::new(),
            review_id: ReviewEventId::new(),
            decision_id: DecisionId::new(),
            redacted_by: Principal::ApiKey(crate::KeyId::new()),
            why: Reason::parse("erasure request 12").expect("valid"),
            created_at: at(1_800_000_001_000),
            ledger_index: 9,
        }
        .ledger_event();
        let all: Vec<LedgerEvent> = cases.iter().cloned().chain(v2).chain([redaction]).collect();
        for event in &all {
            let bytes = event.to_bytes();
            assert_eq!(
                String::from_utf8_lossy(&bytes),
                String::from_utf8_lossy(&expected_bytes(event))
            );
            // And it is canonical: parsing and re-canonicalising changes nothing.
            let parsed: Value = serde_json::from_slice(&bytes).expect("valid json");
            assert_eq!(canonical_json(&parsed), bytes);
        }
    }
}
