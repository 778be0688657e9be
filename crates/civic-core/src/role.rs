//! Roles and the sets of roles an action allows.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// What a user or API key is allowed to do.
///
/// Roles are not a strict ladder: an `auditor` reads the ledger and the
/// decisions but cannot submit work or review it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Frontline staff: submit work to the AI services.
    Caseworker,
    /// Caseworkers who may also accept or override AI suggestions.
    Reviewer,
    /// Manages keys, users and models; may do everything a reviewer does.
    Admin,
    /// Information governance and audit: reads decisions and the ledger.
    Auditor,
}

impl Role {
    /// Every role, in a stable order.
    pub const ALL: [Role; 4] = [Role::Caseworker, Role::Reviewer, Role::Admin, Role::Auditor];

    /// The role's name as used on the command line and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                ParseError::new(
                    "role",
                    format!("{s:?} is not a role; use one of caseworker, reviewer, admin, auditor"),
                )
            })
    }
}

/// The set of roles an action allows. Every endpoint declares one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Roles(&'static [Role]);

impl Roles {
    /// Submitting work to an AI service.
    pub const CASEWORKER_AND_ABOVE: Roles = Roles(&[Role::Caseworker, Role::Reviewer, Role::Admin]);
    /// Accepting or overriding an AI suggestion.
    pub const REVIEWERS: Roles = Roles(&[Role::Reviewer, Role::Admin]);
    /// Managing keys, users and models.
    pub const ADMINS: Roles = Roles(&[Role::Admin]);
    /// Reading decisions, the ledger and its proofs.
    pub const READERS: Roles =
        Roles(&[Role::Caseworker, Role::Reviewer, Role::Admin, Role::Auditor]);
    /// Auditing: the ledger and proofs.
    pub const AUDIT: Roles = Roles(&[Role::Admin, Role::Auditor]);
    /// Overseeing the AI: the models, their versions and their measures
    /// (quality, calibration, fairness). Caseworkers use the suggestions
    /// but do not judge the models, so they are not among these.
    pub const OVERSIGHT: Roles = Roles(&[Role::Reviewer, Role::Admin, Role::Auditor]);

    /// Whether `role` may perform the action.
    pub fn allows(self, role: Role) -> bool {
        self.0.contains(&role)
    }

    /// The roles, for documentation and error messages.
    pub fn as_slice(self) -> &'static [Role] {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_case_insensitively_and_reject_unknown_names() {
        assert_eq!("Admin".parse::<Role>(), Ok(Role::Admin));
        let err = "root".parse::<Role>().unwrap_err();
        assert!(err.message.contains("caseworker, reviewer, admin, auditor"));
    }

    #[test]
    fn auditors_read_but_do_not_review_or_submit() {
        assert!(Roles::READERS.allows(Role::Auditor));
        assert!(Roles::AUDIT.allows(Role::Auditor));
        assert!(!Roles::REVIEWERS.allows(Role::Auditor));
        assert!(!Roles::CASEWORKER_AND_ABOVE.allows(Role::Auditor));
        assert!(!Roles::AUDIT.allows(Role::Caseworker));
        assert!(Roles::OVERSIGHT.allows(Role::Auditor));
        assert!(!Roles::OVERSIGHT.allows(Role::Caseworker));
    }
}
