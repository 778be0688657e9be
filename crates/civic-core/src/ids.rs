//! Identifiers. All are UUID v7, so they sort by creation time.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ParseError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $field:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A new, time-ordered identifier.
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            /// The underlying UUID.
            pub fn as_uuid(&self) -> Uuid {
                self.0
            }

            /// Wraps a UUID read back from storage.
            pub fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = ParseError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s.trim()).map(Self).map_err(|_| {
                    ParseError::new(
                        $field,
                        format!("{s:?} is not a UUID (expected e.g. 0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b)"),
                    )
                })
            }
        }
    };
}

uuid_id!(
    /// Identifies one AI output (a decision record).
    DecisionId,
    "decision id"
);
uuid_id!(
    /// Identifies one human review event (accept or override).
    ReviewEventId,
    "review event id"
);
uuid_id!(
    /// Identifies the redaction of a review's stored reason.
    RedactionId,
    "redaction id"
);
uuid_id!(
    /// Identifies one governance event: a change of who may act or of what
    /// decides (see `GovernanceChange`).
    GovernanceEventId,
    "governance event id"
);

uuid_id!(
    /// Identifies an API key (never the secret token itself).
    KeyId,
    "key id"
);
uuid_id!(
    /// Identifies a person who signs in to the web interface.
    UserId,
    "user id"
);

impl UserId {
    /// The principal recorded as "who asked" or "who reviewed" for this
    /// user's actions.
    pub fn as_principal(self) -> crate::Principal {
        crate::Principal::User(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings() {
        let id = DecisionId::new();
        let parsed: DecisionId = id.to_string().parse().expect("parses");
        assert_eq!(id, parsed);
    }

    #[test]
    fn malformed_id_names_the_field() {
        let err = "not-a-uuid".parse::<DecisionId>().unwrap_err();
        assert_eq!(err.field, "decision id");
        assert!(err.message.contains("not-a-uuid"));
    }

    #[test]
    fn ids_sort_by_creation() {
        let a = DecisionId::new();
        let b = DecisionId::new();
        assert!(a < b);
    }
}
