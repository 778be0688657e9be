use civic_core::ErrorKind;

/// Everything that can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL is not one Civic understands.
    #[error(
        "the database URL {url} is not supported; use sqlite://PATH or postgres://USER@HOST/DB"
    )]
    BadUrl {
        /// The URL with any password removed.
        url: String,
    },
    /// The database could not be reached or failed; nothing was written.
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    /// Applying migrations failed.
    #[error("could not bring the database schema up to date: {0}")]
    Migration(String),
    /// No record with that id.
    #[error("no {what} with id {id}")]
    NotFound {
        /// What was looked for (`decision`, `key`…).
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The request conflicts with what is stored.
    #[error("{0}")]
    Conflict(String),
    /// Stored data could not be read back as the domain type it should be.
    #[error("stored data is not valid: {0}")]
    Corrupt(String),
    /// A ledger computation failed.
    #[error("ledger: {0}")]
    Ledger(#[from] civic_ledger::LedgerError),
    /// The ledger writer has stopped (the server is shutting down).
    #[error("the ledger writer has stopped; try again shortly")]
    WriterStopped,
    /// The ledger in the database does not extend the last checkpoint this
    /// signer recorded outside it: history was rewritten or removed. The
    /// writer signs nothing and refuses every write until an operator has
    /// investigated and restarted it.
    #[error(
        "the ledger's history no longer extends the last checkpoint this server signed ({0}); \
         nothing more is written or signed: run `civic audit verify` and investigate before restarting"
    )]
    Forked(String),
}

impl StoreError {
    /// A stable, machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::BadUrl { .. } => "bad_database_url",
            StoreError::Unavailable(_) => "database_unavailable",
            StoreError::Migration(_) => "migration_failed",
            StoreError::NotFound { .. } => "not_found",
            StoreError::Conflict(_) => "conflict",
            StoreError::Corrupt(_) => "corrupt_data",
            StoreError::Ledger(_) => "ledger_error",
            StoreError::WriterStopped => "writer_stopped",
            StoreError::Forked(_) => "ledger_forked",
        }
    }

    /// The transport-neutral kind.
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::BadUrl { .. } => ErrorKind::InvalidInput,
            StoreError::Unavailable(_) | StoreError::WriterStopped | StoreError::Forked(_) => {
                ErrorKind::Unavailable
            }
            StoreError::NotFound { .. } => ErrorKind::NotFound,
            StoreError::Conflict(_) => ErrorKind::Conflict,
            StoreError::Migration(_) | StoreError::Corrupt(_) | StoreError::Ledger(_) => {
                ErrorKind::Internal
            }
        }
    }

    pub(crate) fn from_connect(e: sqlx::Error) -> Self {
        StoreError::Unavailable(e.to_string())
    }
}

impl From<sqlx::Error> for StoreError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::ColumnDecode { .. }
            | sqlx::Error::Decode(_)
            | sqlx::Error::ColumnNotFound(_) => StoreError::Corrupt(e.to_string()),
            other => StoreError::Unavailable(other.to_string()),
        }
    }
}
