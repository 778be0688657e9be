//! The one error type of the crate.

/// Everything that can go wrong in this crate. Each variant has a stable
/// [`code`](RedactError::code) and a message that says what to do.
#[derive(Debug, thiserror::Error)]
pub enum RedactError {
    #[error(
        "unknown label {0:?}: use one of PERSON, EMAIL, PHONE, ADDRESS, POSTCODE, DATE_OF_BIRTH, NINO, NHS_NUMBER, CARD_NUMBER, SORT_CODE, ACCOUNT_NUMBER, IBAN, PASSPORT, DRIVING_LICENCE, VEHICLE_REG, IP_ADDRESS, URL, ORGANISATION"
    )]
    UnknownLabel(String),
    #[error("unknown operator {0:?}: use one of label, mask, remove, pseudonym, hash")]
    UnknownOperator(String),
    #[error("the hash operator needs a secret key of at least 16 bytes")]
    WeakHashKey,
    #[error("unknown csv column policy {0:?}: use redact, drop or keep")]
    UnknownColumnPolicy(String),
    #[error("the csv policy file is not valid: {0}")]
    CsvPolicy(String),
    #[error("the csv input could not be read: {0}")]
    Csv(String),
    #[error("the e-mail could not be parsed as an RFC 5322 message")]
    Email,
    #[error("the docx file is not a valid Word document: {0}")]
    Docx(String),
    #[error("the input could not be read: {0}")]
    Io(String),
    #[error("the input is too large: {0}")]
    TooLarge(String),
    #[error("the file is not valid UTF-8 text (first bad byte at {offset})")]
    InvalidUtf8 { offset: usize },
    /// A file of a type Civic does not redact, or whose extension says one
    /// type and its content another; the message says which, and what to do.
    #[error("{0}")]
    FileType(String),
}

impl RedactError {
    /// A stable, machine-readable code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            RedactError::UnknownLabel(_) => "redact.unknown_label",
            RedactError::UnknownOperator(_) => "redact.unknown_operator",
            RedactError::WeakHashKey => "redact.weak_hash_key",
            RedactError::UnknownColumnPolicy(_) => "redact.unknown_column_policy",
            RedactError::CsvPolicy(_) => "redact.csv_policy_invalid",
            RedactError::Csv(_) => "redact.csv_invalid",
            RedactError::Email => "redact.email_invalid",
            RedactError::Docx(_) => "redact.docx_invalid",
            RedactError::Io(_) => "redact.io",
            RedactError::TooLarge(_) => "redact.too_large",
            RedactError::InvalidUtf8 { .. } => "redact.invalid_utf8",
            RedactError::FileType(_) => "redact.unsupported_file_type",
        }
    }
}
