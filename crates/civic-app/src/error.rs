use std::path::PathBuf;

use civic_core::ErrorKind;

/// Everything a use case can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A setting is invalid.
    #[error("setting {setting}: {message}")]
    Config {
        /// The setting's name, as in `civic.toml`.
        setting: &'static str,
        /// What is wrong and what would be right.
        message: String,
    },
    /// The configuration file could not be parsed.
    #[error("{}: {message}", path.display())]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// The parser's message (line and column included).
        message: String,
    },
    /// A file could not be read or written.
    #[error("{}: {message}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What happened.
        message: String,
    },
    /// The data directory has not been set up.
    #[error("{} has no ledger key; run `civic init` first (or start `civic serve`, which does it)", path.display())]
    NotInitialised {
        /// The missing key file.
        path: PathBuf,
    },
    /// An argument is invalid.
    #[error("invalid {field}: {message}")]
    Invalid {
        /// The argument or field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The input is well-formed but cannot be processed (e.g. empty text).
    #[error("{field}: {message}")]
    Unprocessable {
        /// The field.
        field: &'static str,
        /// What is wrong.
        message: String,
    },
    /// An input is larger than the configured limit.
    #[error("{field} is too long: {message}")]
    TooLarge {
        /// The field.
        field: &'static str,
        /// The limit and the size.
        message: String,
    },
    /// A data file could not be read.
    #[error(transparent)]
    Dataset(#[from] civic_dataset::Error),
    /// Training or loading a triage model failed.
    #[error(transparent)]
    Triage(#[from] civic_triage::TriageError),
    /// Training, loading or scoring with a risk model failed.
    #[error(transparent)]
    Risk(#[from] civic_risk::RiskError),
    /// A risk data file's rows are unusable (the error names line and column).
    #[error("{}: {error}", path.display())]
    RiskData {
        /// The file.
        path: PathBuf,
        /// What is wrong with it (shown in the message, so not a `source`).
        error: civic_risk::RiskError,
    },
    /// The store failed.
    #[error(transparent)]
    Store(#[from] civic_store::StoreError),
    /// A ledger computation or signature failed.
    #[error(transparent)]
    Ledger(#[from] civic_ledger::LedgerError),
    /// A file or text could not be redacted (a type Civic does not handle
    /// or a mislabelled one, corrupt DOCX, unparseable e-mail, malformed
    /// CSV, an invalid option…).
    #[error("{file}: {source}")]
    Redact {
        /// The file's name, or `text` for text sent directly.
        file: String,
        /// What went wrong.
        source: civic_redact::RedactError,
    },
    /// Signing in failed (the message does not say which part was wrong).
    #[error("{0}")]
    Unauthenticated(String),
    /// Too many failed sign-ins: nothing is checked until the wait is over.
    #[error("too many failed sign-ins; try again in {} seconds", retry_after.as_secs().max(1))]
    Throttled {
        /// How long until another attempt is checked.
        retry_after: std::time::Duration,
    },
    /// The person is signed in but may not do this to this record.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing of that kind with that id is the caller's (it never
    /// existed, has expired, or is someone else's: the message does not say
    /// which).
    #[error("no such {what}")]
    NotFound {
        /// What was looked for (`draft`…).
        what: &'static str,
    },
    /// The caller's share of a bounded resource is used up (e.g. their
    /// redaction drafts); the message says what to finish or discard.
    #[error("{0}")]
    QuotaExceeded(String),
    /// A bug.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<civic_core::ParseError> for AppError {
    fn from(e: civic_core::ParseError) -> Self {
        AppError::Invalid {
            field: e.field,
            message: e.message,
        }
    }
}

impl AppError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Config { .. } | AppError::ConfigFile { .. } => "invalid_config",
            AppError::Io { .. } => "io_error",
            AppError::NotInitialised { .. } => "not_initialised",
            AppError::Invalid { .. } | AppError::Unprocessable { .. } => "invalid_input",
            AppError::TooLarge { .. } => "too_large",
            AppError::Dataset(e) => e.code(),
            AppError::Triage(e) => e.code(),
            AppError::Risk(e) | AppError::RiskData { error: e, .. } => e.code(),
            AppError::Store(e) => e.code(),
            AppError::Ledger(e) => e.code(),
            AppError::Redact { source, .. } => source.code(),
            AppError::Unauthenticated(_) => "unauthenticated",
            AppError::Throttled { .. } => "too_many_attempts",
            AppError::Forbidden(_) => "forbidden",
            AppError::NotFound { .. } => "not_found",
            AppError::QuotaExceeded(_) => "quota_exceeded",
            AppError::Internal(_) => "internal",
        }
    }

    /// The transport-neutral kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AppError::Invalid { .. } | AppError::Dataset(_) | AppError::Triage(_) => {
                ErrorKind::InvalidInput
            }
            AppError::Unprocessable { .. } => ErrorKind::Unprocessable,
            AppError::Redact { source, .. } => match source {
                civic_redact::RedactError::Io(_) => ErrorKind::Internal,
                civic_redact::RedactError::TooLarge(_) => ErrorKind::TooLarge,
                civic_redact::RedactError::Docx(_)
                | civic_redact::RedactError::Email
                | civic_redact::RedactError::Csv(_)
                | civic_redact::RedactError::InvalidUtf8 { .. }
                | civic_redact::RedactError::FileType(_) => ErrorKind::Unprocessable,
                _ => ErrorKind::InvalidInput,
            },
            AppError::Risk(e) | AppError::RiskData { error: e, .. } => risk_kind(e),
            AppError::TooLarge { .. } => ErrorKind::TooLarge,
            AppError::Store(e) => e.kind(),
            AppError::Ledger(_) => ErrorKind::InvalidInput,
            AppError::Unauthenticated(_) => ErrorKind::Unauthenticated,
            AppError::Throttled { .. } => ErrorKind::TooManyRequests,
            AppError::Forbidden(_) => ErrorKind::Forbidden,
            AppError::NotFound { .. } => ErrorKind::NotFound,
            AppError::QuotaExceeded(_) => ErrorKind::Conflict,
            _ => ErrorKind::Internal,
        }
    }
}

/// Scoring data the model cannot use (wrong columns, wrong types, nothing to
/// score) is well-formed but unprocessable; a broken saved model or booster
/// is ours; everything else is a bad request.
fn risk_kind(e: &civic_risk::RiskError) -> ErrorKind {
    use civic_risk::RiskError as R;
    match e {
        R::UnknownColumns { .. }
        | R::MissingColumns { .. }
        | R::NotANumber { .. }
        | R::NotABoolean { .. }
        | R::EmptyTable => ErrorKind::Unprocessable,
        R::InvalidModel { .. } | R::Training { .. } => ErrorKind::Internal,
        _ => ErrorKind::InvalidInput,
    }
}
