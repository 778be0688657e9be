//! The people who sign in to the web interface: their e-mail address (the
//! name they sign in with) and the rules a new password must meet.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// A user's e-mail address, trimmed and lowercased so that one person has
/// one account however they type it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// The longest address accepted (RFC 5321's path limit).
    pub const MAX_LEN: usize = 254;

    /// Parses an address: one `@` with something either side, no spaces.
    ///
    /// ```
    /// let e = civic_core::Email::parse(" Case.Worker@Example.gov.uk ").unwrap();
    /// assert_eq!(e.as_str(), "case.worker@example.gov.uk");
    /// assert!(civic_core::Email::parse("not an address").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let t = s.trim().to_lowercase();
        let valid = t.len() <= Self::MAX_LEN
            && !t.chars().any(|c| c.is_whitespace() || c.is_control())
            && matches!(t.split_once('@'), Some((local, domain))
                if !local.is_empty() && !domain.is_empty() && !domain.contains('@'));
        if valid {
            Ok(Self(t))
        } else {
            Err(ParseError::new(
                "email",
                "enter an email address in the correct format, like name@example.gov.uk",
            ))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Email {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Email::parse(&s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password that meets the rules: 12 to 128 characters (NCSC advice
/// favours length over composition rules). Its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// The shortest password accepted, in characters.
    pub const MIN_CHARS: usize = 12;
    /// The longest, so that hashing stays cheap to bound.
    pub const MAX_CHARS: usize = 128;

    /// Checks a new password against the rules.
    pub fn parse(s: &str) -> Result<Self, ParseError> {
        let n = s.chars().count();
        if !(Self::MIN_CHARS..=Self::MAX_CHARS).contains(&n) {
            return Err(ParseError::new(
                "password",
                format!(
                    "a password must be {} to {} characters long",
                    Self::MIN_CHARS,
                    Self::MAX_CHARS
                ),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The secret, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_malformed_ones_name_the_field() {
        assert_eq!(Email::parse("A@B.uk").map(|e| e.0), Ok("a@b.uk".to_owned()));
        for bad in ["", "a", "@b", "a@", "a b@c", "a@b@c"] {
            let err = Email::parse(bad).unwrap_err();
            assert_eq!(err.field, "email", "{bad:?}");
        }
    }

    #[test]
    fn passwords_need_twelve_characters_and_never_print() {
        assert!(Password::parse("short").is_err());
        let p = Password::parse("correct horse battery").expect("long enough");
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert!(Password::parse(&"x".repeat(129)).is_err());
    }
}
