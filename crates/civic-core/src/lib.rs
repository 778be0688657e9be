//! Civic's shared vocabulary.
//!
//! Every other crate speaks in these types: who is asking ([`Role`], [`Principal`]),
//! what the AI suggested ([`Decision`]), what a person did about it
//! ([`ReviewEvent`]), and what goes into the tamper-evident ledger
//! ([`LedgerEvent`], serialised with [`canonical_json`]). It also holds the two sources
//! of randomness every crate shares: [`random_bytes`] for secrets and [`rng::SplitMix64`]
//! for seeded, repeatable draws (training splits, demo data).
//!
//! Invariants this crate keeps:
//! - it does no I/O and knows nothing of HTTP, databases or models (its one
//!   call to the operating system is for random bytes, [`random_bytes`]);
//! - values are parsed at the edge: a [`Reason`] is never empty, a [`Service`]
//!   name is always lowercase ASCII, a [`DecisionId`] is always a UUID v7;
//! - the canonical JSON of a ledger event is stable: the same event always
//!   serialises to the same bytes, whatever crate produced it;
//! - the same seed gives the same draws from [`rng::SplitMix64`] on every platform and
//!   whatever the versions of our dependencies (it uses none).

mod canonical;
mod decision;
mod entry;
mod error;
mod governance;
mod ids;
mod name;
mod principal;
mod random;
pub mod rng;
mod role;
mod sampling;
mod user;

pub use canonical::{CanonicalObject, Digest, canonical_json, canonical_json_string, sha256_hex};
pub use decision::{
    Decision, DecisionStatus, ModelRef, NewDecision, QueueFacts, Reason, ReasonRedaction,
    ReviewAction, ReviewEvent, Service, TeamName,
};
pub use entry::{DecisionEntryText, EntryTexts, EntryVersion, Json, LedgerEvent, text_digest};
pub use error::{ErrorKind, ParseError};
pub use governance::{GovernanceChange, GovernanceEvent, GovernanceKind};
pub use ids::{DecisionId, GovernanceEventId, KeyId, RedactionId, ReviewEventId, UserId};
pub use name::{MAX_NAME_CHARS, NameProblem, check_name};
pub use principal::{OperatorName, Principal};
pub use random::random_bytes;
pub use role::{Role, Roles};
pub use sampling::SampleRate;
pub use user::{Email, Password};

/// A point in time, always UTC, with millisecond precision as stored.
pub type Timestamp = time::OffsetDateTime;

/// The current time truncated to milliseconds, the precision Civic stores.
///
/// Truncating at the source means a value read back from storage equals the
/// value that was written, so canonical ledger entries rebuilt from the
/// database match the ones that were hashed.
pub fn now_millis() -> Timestamp {
    let now = time::OffsetDateTime::now_utc();
    from_unix_millis(unix_millis(now)).unwrap_or(now)
}

/// Milliseconds since the Unix epoch.
pub fn unix_millis(t: Timestamp) -> i64 {
    (t.unix_timestamp_nanos() / 1_000_000) as i64
}

/// The timestamp for a count of milliseconds since the Unix epoch, if in range.
pub fn from_unix_millis(ms: i64) -> Option<Timestamp> {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok()
}

/// Formats a timestamp as RFC 3339 (`2026-11-24T08:27:18.123Z`).
pub fn rfc3339(t: Timestamp) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| unix_millis(t).to_string())
}
