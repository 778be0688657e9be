//! Governance events: every change of who may act (API keys, web users)
//! and of what decides (model versions, the settings that alter decisions,
//! purges of what retention no longer allows), each a ledger entry of its
//! own written in the same transaction as the change.
//!
//! An event holds ids, roles, digests and counts only: never an e-mail
//! address, a password or its hash, or a name a person typed (an API key's
//! name is not in it; a model's name is, as staff choose it like a service
//! name and it is already in every decision's entry).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    Digest, GovernanceEventId, KeyId, LedgerEvent, ModelRef, ParseError, Principal, Role, Service,
    Timestamp, UserId, canonical_json,
};

/// What changed, with the fields its ledger entry holds.
///
/// Serialised (`serde`) with the kind in `"event"` and its fields beside it,
/// which is how the record stores it; the entry is that object with
/// [`GovernanceChange::SettingsChanged`]'s settings replaced by their digest
/// (see [`GovernanceEvent::entry_bytes`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum GovernanceChange {
    /// An API key was created.
    KeyCreated {
        /// The key.
        key_id: KeyId,
        /// What it may do.
        role: Role,
    },
    /// An API key was revoked.
    KeyRevoked {
        /// The key.
        key_id: KeyId,
    },
    /// A web user was added.
    UserCreated {
        /// The user.
        user_id: UserId,
        /// What they may do.
        role: Role,
    },
    /// A web user's password was reset (the fact only: never the password
    /// or its hash).
    PasswordReset {
        /// The user.
        user_id: UserId,
    },
    /// A model version was trained and registered, and made the active
    /// version of its name.
    ModelRegistered {
        /// Its name and version.
        model: ModelRef,
        /// The service it serves.
        service: Service,
        /// SHA-256 (hex) of the training data, as the model records it.
        training_data_sha256: String,
        /// SHA-256 of the canonical JSON of its evaluation report (metrics,
        /// and for risk its fairness report), as stored with the version.
        metrics_sha256: Digest,
        /// The version it replaced as the active one, if any.
        replaced_version: Option<String>,
    },
    /// A registered model version was made the active one.
    ModelActivated {
        /// Its name and version.
        model: ModelRef,
        /// The version it replaced, if any.
        replaced_version: Option<String>,
    },
    /// Raw inputs, explanations and references whose retention had lapsed
    /// were purged (recorded only when something was).
    InputsPurged {
        /// The decisions that lost something.
        count: u64,
        /// Everything that lapsed up to this time was purged.
        #[serde(with = "time_text")]
        up_to: Timestamp,
    },
    /// An instance started with settings that alter decisions different
    /// from the last recorded ones (or recorded none before).
    SettingsChanged {
        /// The settings, by name (kept in the record; the entry holds the
        /// SHA-256 of their canonical JSON, `settings_sha256`).
        settings: Value,
        /// The names of the settings that differ from the last record
        /// (every name, the first time).
        changed: Vec<String>,
    },
}

/// The kinds of governance event, as the `"event"` field names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GovernanceKind {
    /// `key_created`.
    KeyCreated,
    /// `key_revoked`.
    KeyRevoked,
    /// `user_created`.
    UserCreated,
    /// `password_reset`.
    PasswordReset,
    /// `model_registered`.
    ModelRegistered,
    /// `model_activated`.
    ModelActivated,
    /// `inputs_purged`.
    InputsPurged,
    /// `settings_changed`.
    SettingsChanged,
}

impl GovernanceKind {
    /// Every kind, in the order the documentation lists them.
    pub const ALL: [GovernanceKind; 8] = [
        GovernanceKind::KeyCreated,
        GovernanceKind::KeyRevoked,
        GovernanceKind::UserCreated,
        GovernanceKind::PasswordReset,
        GovernanceKind::ModelRegistered,
        GovernanceKind::ModelActivated,
        GovernanceKind::InputsPurged,
        GovernanceKind::SettingsChanged,
    ];

    /// The name in the entry's `"event"` field.
    pub fn as_str(self) -> &'static str {
        match self {
            GovernanceKind::KeyCreated => "key_created",
            GovernanceKind::KeyRevoked => "key_revoked",
            GovernanceKind::UserCreated => "user_created",
            GovernanceKind::PasswordReset => "password_reset",
            GovernanceKind::ModelRegistered => "model_registered",
            GovernanceKind::ModelActivated => "model_activated",
            GovernanceKind::InputsPurged => "inputs_purged",
            GovernanceKind::SettingsChanged => "settings_changed",
        }
    }

    /// The kind named `name`.
    pub fn parse(name: &str) -> Result<Self, ParseError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|k| k.as_str()).collect();
                ParseError::new(
                    "governance event kind",
                    format!("must be one of {}", names.join(", ")),
                )
            })
    }
}

impl std::fmt::Display for GovernanceKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl GovernanceChange {
    /// Its kind.
    pub fn kind(&self) -> GovernanceKind {
        match self {
            GovernanceChange::KeyCreated { .. } => GovernanceKind::KeyCreated,
            GovernanceChange::KeyRevoked { .. } => GovernanceKind::KeyRevoked,
            GovernanceChange::UserCreated { .. } => GovernanceKind::UserCreated,
            GovernanceChange::PasswordReset { .. } => GovernanceKind::PasswordReset,
            GovernanceChange::ModelRegistered { .. } => GovernanceKind::ModelRegistered,
            GovernanceChange::ModelActivated { .. } => GovernanceKind::ModelActivated,
            GovernanceChange::InputsPurged { .. } => GovernanceKind::InputsPurged,
            GovernanceChange::SettingsChanged { .. } => GovernanceKind::SettingsChanged,
        }
    }

    /// The change as its record stores it: its fields without `"event"`,
    /// as canonical JSON text.
    pub fn details(&self) -> String {
        let mut value = self.to_value();
        if let Value::Object(map) = &mut value {
            map.remove("event");
        }
        crate::canonical_json_string(&value)
    }

    /// The change of kind `event` stored as `details` ([`GovernanceChange::details`]);
    /// an unknown kind, a missing or extra field, or a value of the wrong
    /// type is an error.
    pub fn from_details(event: &str, details: &str) -> Result<Self, ParseError> {
        let bad = |e: String| ParseError::new("governance event", e);
        let mut value: Value = serde_json::from_str(details).map_err(|e| bad(e.to_string()))?;
        let Value::Object(map) = &mut value else {
            return Err(bad("its details are not a JSON object".into()));
        };
        if map.contains_key("event") {
            return Err(bad("its details name the event twice".into()));
        }
        map.insert("event".into(), Value::String(event.to_owned()));
        serde_json::from_value(value).map_err(|e| bad(e.to_string()))
    }

    fn to_value(&self) -> Value {
        // Every field is a string, a number, an array of strings or a JSON
        // value: serialising to a `Value` cannot fail.
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

/// A governance event as recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct GovernanceEvent {
    /// Its id.
    pub id: GovernanceEventId,
    /// Who made the change.
    pub by: Principal,
    /// What changed.
    pub change: GovernanceChange,
    /// When (the time of the transaction that made the change).
    pub created_at: Timestamp,
    /// Its position in the ledger.
    pub ledger_index: u64,
}

impl GovernanceEvent {
    /// The event appended to the ledger for it.
    pub fn ledger_event(&self) -> LedgerEvent {
        LedgerEvent::Governance {
            id: self.id,
            by: self.by.clone(),
            change: self.change.clone(),
            created_at: self.created_at,
        }
    }
}

/// The bytes of a governance entry (see [`LedgerEvent::to_bytes`]): the
/// change's fields and `"event"`, with `"by"`, `"created_at"`, `"id"`,
/// `"type": "governance"` and `"v": 2`, as canonical JSON; a
/// `settings_changed` entry holds `settings_sha256` instead of the settings.
pub(crate) fn entry_bytes(
    id: GovernanceEventId,
    by: &Principal,
    change: &GovernanceChange,
    created_at: Timestamp,
) -> Vec<u8> {
    let mut value = change.to_value();
    if let Value::Object(map) = &mut value {
        if let Some(settings) = map.remove("settings") {
            map.insert(
                "settings_sha256".into(),
                Value::String(Digest::of_json(&settings).to_hex()),
            );
        }
        map.insert("by".into(), Value::String(by.to_string()));
        map.insert(
            "created_at".into(),
            Value::String(crate::rfc3339(created_at)),
        );
        map.insert("id".into(), Value::String(id.to_string()));
        map.insert("type".into(), Value::String("governance".into()));
        map.insert("v".into(), Value::from(2u8));
    }
    canonical_json(&value)
}

/// A timestamp as RFC 3339 text ([`crate::rfc3339`]), as entries write times.
mod time_text {
    use serde::{Deserialize as _, Deserializer, Serializer};

    use crate::Timestamp;

    pub(super) fn serialize<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&crate::rfc3339(*t))
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
        let text = String::deserialize(d)?;
        Timestamp::parse(&text, &time::format_description::well_known::Rfc3339)
            .map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn at(ms: i64) -> Timestamp {
        crate::from_unix_millis(ms).expect("in range")
    }

    fn operator(name: &str) -> Principal {
        name.parse::<crate::OperatorName>()
            .map(Principal::Operator)
            .expect("operator name")
    }

    /// Every kind's entry, byte for byte: these bytes are hashed into the
    /// ledger and must never change for a recorded event.
    #[test]
    fn each_kind_of_governance_entry_has_fixed_bytes() {
        let model = ModelRef {
            name: "council-triage".into(),
            version: "3".into(),
        };
        let settings =
            serde_json::json!({"override_reasons": ["Wrong team"], "quality_sample_rate": 0.02});
        let settings_sha256 = Digest::of_json(&settings).to_hex();
        // Every entry starts with who and when, and its id; the kind's fields
        // fall in between in key order.
        let head = r#"{"by":"operator:jo.bloggs","created_at":"2023-11-14T22:13:20.5Z","#;
        let id = r#""id":"00000000-0000-0000-0000-0000000000aa""#;
        let cases: Vec<(GovernanceChange, String)> = vec![
            (
                GovernanceChange::KeyCreated {
                    key_id: KeyId::from_uuid(Uuid::from_u128(1)),
                    role: Role::Reviewer,
                },
                format!(
                    r#"{head}"event":"key_created",{id},"key_id":"00000000-0000-0000-0000-000000000001","role":"reviewer","type":"governance","v":2}}"#
                ),
            ),
            (
                GovernanceChange::KeyRevoked {
                    key_id: KeyId::from_uuid(Uuid::from_u128(1)),
                },
                format!(
                    r#"{head}"event":"key_revoked",{id},"key_id":"00000000-0000-0000-0000-000000000001","type":"governance","v":2}}"#
                ),
            ),
            (
                GovernanceChange::UserCreated {
                    user_id: UserId::from_uuid(Uuid::from_u128(2)),
                    role: Role::Auditor,
                },
                format!(
                    r#"{head}"event":"user_created",{id},"role":"auditor","type":"governance","user_id":"00000000-0000-0000-0000-000000000002","v":2}}"#
                ),
            ),
            (
                GovernanceChange::PasswordReset {
                    user_id: UserId::from_uuid(Uuid::from_u128(2)),
                },
                format!(
                    r#"{head}"event":"password_reset",{id},"type":"governance","user_id":"00000000-0000-0000-0000-000000000002","v":2}}"#
                ),
            ),
            (
                GovernanceChange::ModelRegistered {
                    model: model.clone(),
                    service: Service::parse("triage").expect("service"),
                    training_data_sha256: "ab".repeat(32),
                    metrics_sha256: Digest::of(b"report"),
                    replaced_version: Some("2".into()),
                },
                format!(
                    concat!(
                        r#"{head}"event":"model_registered",{id},"#,
                        r#""metrics_sha256":"845e91831319e89c4d656bdb80c278ac09a7230d61e5dfd2e1b1fbb436ac8917","#,
                        r#""model":{{"name":"council-triage","version":"3"}},"replaced_version":"2","service":"triage","#,
                        r#""training_data_sha256":"{ab}","type":"governance","v":2}}"#
                    ),
                    head = head,
                    id = id,
                    ab = "ab".repeat(32)
                ),
            ),
            (
                GovernanceChange::ModelActivated {
                    model,
                    replaced_version: None,
                },
                format!(
                    r#"{head}"event":"model_activated",{id},"model":{{"name":"council-triage","version":"3"}},"replaced_version":null,"type":"governance","v":2}}"#
                ),
            ),
            (
                GovernanceChange::InputsPurged {
                    count: 12,
                    up_to: at(1_800_000_000_123),
                },
                format!(
                    r#"{{"by":"operator:jo.bloggs","count":12,"created_at":"2023-11-14T22:13:20.5Z","event":"inputs_purged",{id},"type":"governance","up_to":"2027-01-15T08:00:00.123Z","v":2}}"#
                ),
            ),
            (
                GovernanceChange::SettingsChanged {
                    settings,
                    changed: vec!["quality_sample_rate".into()],
                },
                format!(
                    r#"{{"by":"operator:jo.bloggs","changed":["quality_sample_rate"],"created_at":"2023-11-14T22:13:20.5Z","event":"settings_changed",{id},"settings_sha256":"{settings_sha256}","type":"governance","v":2}}"#
                ),
            ),
        ];
        for (change, expected) in cases {
            let event = GovernanceEvent {
                id: GovernanceEventId::from_uuid(Uuid::from_u128(0xaa)),
                by: operator("jo.bloggs"),
                change: change.clone(),
                created_at: at(1_700_000_000_500),
                ledger_index: 7,
            };
            let bytes = event.ledger_event().to_bytes();
            assert_eq!(String::from_utf8_lossy(&bytes), expected);
            // Canonical: parsing and writing again changes nothing.
            let parsed: Value = serde_json::from_slice(&bytes).expect("json");
            assert_eq!(canonical_json(&parsed), bytes);
            // The record's details read back as the same change.
            let back = GovernanceChange::from_details(change.kind().as_str(), &change.details())
                .expect("reads back");
            assert_eq!(back, change);
        }
    }

    #[test]
    fn a_settings_entry_holds_their_digest_not_the_settings() {
        let settings = serde_json::json!({"override_reasons": ["Wrong team", "Other"]});
        let change = GovernanceChange::SettingsChanged {
            settings: settings.clone(),
            changed: vec!["override_reasons".into()],
        };
        let bytes = entry_bytes(GovernanceEventId::new(), &Principal::demo(), &change, at(0));
        let text = String::from_utf8(bytes).expect("utf8");
        assert!(!text.contains("Wrong team"), "{text}");
        assert!(text.contains(&format!(
            r#""settings_sha256":"{}""#,
            Digest::of_json(&settings).to_hex()
        )));
    }

    #[test]
    fn details_with_a_field_added_removed_or_of_another_kind_are_refused() {
        let details = GovernanceChange::KeyRevoked {
            key_id: KeyId::from_uuid(Uuid::from_u128(1)),
        }
        .details();
        assert!(GovernanceChange::from_details("key_revoked", &details).is_ok());
        let extra = details.replace('}', r#","name":"x"}"#);
        for (event, text) in [
            ("key_revoked", extra.as_str()),
            ("key_revoked", "{}"),
            ("key_created", details.as_str()),
            ("no_such_event", details.as_str()),
            ("key_revoked", "[]"),
            ("key_revoked", r#"{"event":"key_revoked"}"#),
        ] {
            assert!(
                GovernanceChange::from_details(event, text).is_err(),
                "{event} {text}"
            );
        }
    }

    #[test]
    fn kinds_parse_from_their_names_only() {
        for kind in GovernanceKind::ALL {
            assert_eq!(GovernanceKind::parse(kind.as_str()), Ok(kind));
        }
        assert!(GovernanceKind::parse("KEY_CREATED").is_err());
        assert!(GovernanceKind::parse("").is_err());
    }
}
