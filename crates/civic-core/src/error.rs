//! Transport-neutral error classification.
//!
//! Library crates define their own `thiserror` enums; each variant maps to an
//! [`ErrorKind`] and a stable machine-readable code. The server turns the kind
//! into an HTTP status in exactly one place.

/// What sort of failure an error is, independent of the transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller sent something malformed or semantically invalid.
    InvalidInput,
    /// The input was well-formed but cannot be processed (e.g. empty text).
    Unprocessable,
    /// The thing asked for does not exist.
    NotFound,
    /// The request conflicts with the current state (e.g. already reviewed).
    Conflict,
    /// No credentials, or credentials that are not valid.
    Unauthenticated,
    /// Valid credentials without the role the action needs.
    Forbidden,
    /// The request body or an input was larger than the configured limit.
    TooLarge,
    /// Too many attempts (e.g. failed sign-ins); try again after a wait.
    TooManyRequests,
    /// A dependency (usually the database) is unavailable; try again later.
    Unavailable,
    /// A bug or an unexpected state; details are logged, not returned.
    Internal,
}

/// An input that could not be parsed into a domain type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid {field}: {message}")]
pub struct ParseError {
    /// The field or argument that was wrong, in the caller's words.
    pub field: &'static str,
    /// What was wrong and, where possible, what would be right.
    pub message: String,
}

impl ParseError {
    /// A parse error for `field` with an explanatory message.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
