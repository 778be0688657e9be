//! Who acted: the one answer to "who asked?", "who reviewed?" and "who
//! registered this model?" in records and ledger entries.
//!
//! A principal is written as text with its kind first, so the ledger says
//! plainly who acted: `key:<uuid>` (a program with an API key),
//! `user:<uuid>` (a person signed in to the web interface) or
//! `operator:<name>` (someone running `civic` on the server: `--operator
//! NAME`, or the operating-system user). Records written before principals
//! were typed hold a bare UUID (an API key's or a user's; the nil UUID was the
//! command line); they are read back as [`Principal::Unqualified`] and written
//! out unchanged, so old ledger entries still verify.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use uuid::Uuid;

use crate::{KeyId, ParseError, UserId};

/// Who acted. See the module documentation for the text form.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Principal {
    /// A program calling the API with a key.
    ApiKey(KeyId),
    /// A person signed in to the web interface.
    User(UserId),
    /// Someone running the command line on the server.
    Operator(OperatorName),
    /// Recorded before principals were typed: the UUID of an API key or of
    /// a user (the nil UUID stood for the command line).
    Unqualified(Uuid),
}

impl Principal {
    /// The demonstration set-up (`civic serve --demo`), which trains the
    /// demo models and routes the demo messages' keys.
    pub fn demo() -> Self {
        Principal::Operator(OperatorName("demo".to_owned()))
    }

    /// A server's hourly housekeeping, which purges what the configured
    /// retention no longer allows to be kept (`operator:housekeeping`).
    pub fn housekeeping() -> Self {
        Principal::Operator(OperatorName("housekeeping".to_owned()))
    }

    /// Whether `self` and `other` are the same actor. An unqualified record
    /// is the same actor as the key or user with its UUID, so a person
    /// still counts as "the one who asked" for decisions recorded before
    /// principals were typed.
    pub fn same_actor(&self, other: &Principal) -> bool {
        match (self.uuid(), other.uuid()) {
            (Some(a), Some(b))
                if matches!(self, Principal::Unqualified(_))
                    || matches!(other, Principal::Unqualified(_)) =>
            {
                a == b
            }
            _ => self == other,
        }
    }

    /// The kind as a word: `key`, `user`, `operator`, or `unqualified`.
    pub fn kind(&self) -> &'static str {
        match self {
            Principal::ApiKey(_) => "key",
            Principal::User(_) => "user",
            Principal::Operator(_) => "operator",
            Principal::Unqualified(_) => "unqualified",
        }
    }

    fn uuid(&self) -> Option<Uuid> {
        match self {
            Principal::ApiKey(k) => Some(k.as_uuid()),
            Principal::User(u) => Some(u.as_uuid()),
            Principal::Unqualified(u) => Some(*u),
            Principal::Operator(_) => None,
        }
    }
}

impl From<KeyId> for Principal {
    fn from(id: KeyId) -> Self {
        Principal::ApiKey(id)
    }
}

impl From<UserId> for Principal {
    fn from(id: UserId) -> Self {
        Principal::User(id)
    }
}

impl fmt::Display for Principal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Principal::ApiKey(id) => write!(f, "key:{id}"),
            Principal::User(id) => write!(f, "user:{id}"),
            Principal::Operator(name) => write!(f, "operator:{name}"),
            Principal::Unqualified(id) => id.hyphenated().fmt(f),
        }
    }
}

impl FromStr for Principal {
    type Err = ParseError;

    /// Reads the exact text [`Display`](fmt::Display) writes. A bare UUID is
    /// accepted only in its hyphenated lower-case form, so that writing it
    /// back gives the same bytes (ledger entries are rebuilt from it).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let uuid = |text: &str| {
            Uuid::parse_str(text)
                .ok()
                .filter(|u| u.hyphenated().to_string() == text)
                .ok_or_else(|| {
                    ParseError::new(
                        "principal",
                        format!("{text:?} is not a lower-case hyphenated UUID"),
                    )
                })
        };
        match s.split_once(':') {
            Some(("key", id)) => Ok(Principal::ApiKey(KeyId::from_uuid(uuid(id)?))),
            Some(("user", id)) => Ok(Principal::User(UserId::from_uuid(uuid(id)?))),
            Some(("operator", name)) => Ok(Principal::Operator(name.parse()?)),
            Some((kind, _)) => Err(ParseError::new(
                "principal",
                format!("unknown kind {kind:?} (expected key, user or operator)"),
            )),
            None => Ok(Principal::Unqualified(uuid(s)?)),
        }
    }
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Principal {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// The name of someone running `civic` on the server: 1 to 64 characters
/// of ASCII letters, digits, `.`, `_`, `-` and `@` (an account name or an
/// e-mail address), so it can be written in a ledger entry and a log line
/// without escaping.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OperatorName(String);

impl OperatorName {
    /// The longest name accepted.
    pub const MAX_LEN: usize = 64;

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for OperatorName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for OperatorName {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(ParseError::new(
                "operator",
                format!(
                    "an operator name has 1 to {} characters (got {})",
                    Self::MAX_LEN,
                    s.chars().count()
                ),
            ));
        }
        if let Some(bad) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@')))
        {
            return Err(ParseError::new(
                "operator",
                format!(
                    "{bad:?} is not allowed in an operator name \
                     (use ASCII letters, digits, '.', '_', '-' and '@')"
                ),
            ));
        }
        Ok(Self(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_round_trips_through_its_text() {
        let key = KeyId::new();
        let user = UserId::new();
        let cases = [
            Principal::ApiKey(key),
            Principal::User(user),
            Principal::Operator("j.smith@council.example".parse().expect("valid")),
            Principal::Unqualified(Uuid::nil()),
            Principal::Unqualified(key.as_uuid()),
        ];
        for p in cases {
            let text = p.to_string();
            assert_eq!(text.parse::<Principal>().expect("parses"), p, "{text}");
            let json = serde_json::to_string(&p).expect("serialises");
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<Principal>(&json).expect("reads"), p);
        }
        assert_eq!(Principal::ApiKey(key).to_string(), format!("key:{key}"));
        assert_eq!(Principal::User(user).to_string(), format!("user:{user}"));
    }

    #[test]
    fn a_record_written_before_principals_reads_back_to_the_same_text() {
        let legacy = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let p: Principal = legacy.parse().expect("parses");
        assert_eq!(p.kind(), "unqualified");
        assert_eq!(p.to_string(), legacy);
        // Forms that would not write back byte for byte are refused.
        assert!(
            "0193A1B2-C3D4-7E5F-8A9B-0C1D2E3F4A5B"
                .parse::<Principal>()
                .is_err()
        );
        assert!(
            "0193a1b2c3d47e5f8a9b0c1d2e3f4a5b"
                .parse::<Principal>()
                .is_err()
        );
        assert!(
            " user:0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"
                .parse::<Principal>()
                .is_err()
        );
    }

    #[test]
    fn unqualified_records_are_the_same_actor_as_their_key_or_user() {
        let user = UserId::new();
        let legacy = Principal::Unqualified(user.as_uuid());
        assert!(legacy.same_actor(&Principal::User(user)));
        assert!(Principal::User(user).same_actor(&legacy));
        assert!(!Principal::User(user).same_actor(&Principal::User(UserId::new())));
        // A key and a user are never the same actor once both are typed.
        let as_key = Principal::ApiKey(KeyId::from_uuid(user.as_uuid()));
        assert!(!as_key.same_actor(&Principal::User(user)));
        let op: Principal = "operator:admin".parse().expect("valid");
        assert!(op.same_actor(&"operator:admin".parse().expect("valid")));
        assert!(!op.same_actor(&legacy));
    }

    #[test]
    fn bad_text_is_refused_with_the_reason() {
        let err = "robot:1".parse::<Principal>().unwrap_err();
        assert!(err.message.contains("unknown kind \"robot\""), "{err}");
        let err = "operator:".parse::<Principal>().unwrap_err();
        assert!(err.message.contains("1 to 64"), "{err}");
        let err = "operator:jo smith".parse::<Principal>().unwrap_err();
        assert!(err.message.contains("' '"), "{err}");
        let long = format!("operator:{}", "a".repeat(65));
        assert!(long.parse::<Principal>().is_err());
        assert!("key:not-a-uuid".parse::<Principal>().is_err());
    }
}
