//! Civic's storage: decision records, review events, API keys and the ledger,
//! in SQLite (the embedded default) or PostgreSQL.
//!
//! One set of SQL serves both backends through sqlx's runtime-generic `Any`
//! driver; the few dialect differences (pragmas, locking, placeholders of
//! statements built at run time) are confined to
//! [`Backend`]. Each backend has its own migrations under `migrations/`, with
//! the same tables and columns.
//!
//! Invariants this crate keeps:
//! - every decision, review event and governance event (a change of who may
//!   act or of what decides: keys, users, model versions, purges, settings)
//!   is written, with the change it records, in the same transaction as
//!   its ledger entry and the tree's new stored hashes, by one writer at a
//!   time ([`LedgerWriter`]): a single task per process, and on PostgreSQL a
//!   transaction-scoped advisory lock so that several processes sharing one
//!   database never fork or reorder the tree;
//! - an append is acknowledged only after its transaction has committed
//!   (SQLite: WAL with `synchronous = FULL`; PostgreSQL: `synchronous_commit`
//!   as configured, `on` by default);
//! - the ledger holds digests and outputs, never raw input; raw input is kept
//!   only with an expiry and purged when it lapses;
//! - API key and session secrets are never stored, only their SHA-256;
//!   passwords never reach this crate, only their argon2id hashes;
//! - a decision is in `review_queue` exactly while its status is
//!   `needs_review`: the writer changes both in one transaction;
//! - a quality sample is chosen by the writer from the decision's id and the
//!   configured rate, and is recorded as such in the decision's ledger entry.

mod audit;
mod counters;
mod decisions;
mod error;
mod export;
mod governance;
mod keys;
mod models;
mod quality;
mod queue;
mod sqlite_pages;
mod users;
mod writer;

use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, ConnectOptions, Executor};

pub use audit::{EntryRow, LEDGER_PAGE, LedgerRow, StoredCheckpoint, StoredDecision};
pub use counters::utc_day;
pub use decisions::Correction;
pub use error::StoreError;
pub use export::{ExportCursor, ExportFilter, ExportPage, ReviewRecord};
pub use governance::{
    GovernanceAction, GovernanceFilter, GovernanceOutcome, Governed, StoredGovernanceEvent,
};
pub use keys::{ApiKey, NewApiKey};
pub use models::{ModelVersion, NewModel};
pub use quality::{NOT_A_SAFEGUARDING_CONCERN, SafeguardingDismissals, SampleOutcomes};
pub use queue::{
    Activity, QueueCount, QueueCursor, QueueFilter, QueueItem, QueuePage, QueueSummary,
};
pub use users::{NewSession, Session, User};
pub use writer::{Append, Appended, LedgerWriter, SignedHistory, WriterConfig};

/// Which database engine a [`Store`] talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file (the default).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Backend {
    /// The backend a database URL names, if any.
    pub fn from_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }
}

impl Backend {
    /// Appends the placeholder for the `n`th (1-based) bound parameter of a
    /// statement to `sql`, when statements are built at run time.
    ///
    /// PostgreSQL needs numbered `$n`. SQLite takes them too, but sqlx then
    /// looks each number up by name, which SQLite does with a linear scan:
    /// quadratic in the number of parameters, and the largest single cost of
    /// a multi-row insert of a thousand rows. Anonymous `?` parameters bind in
    /// order without the lookup.
    pub(crate) fn push_placeholder(self, sql: &mut String, n: usize) {
        match self {
            Backend::Sqlite => sql.push('?'),
            Backend::Postgres => {
                sql.push('$');
                sql.push_str(&n.to_string());
            }
        }
    }
}

/// A handle to the database. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The database file, on SQLite: `civic audit verify` opens its own
    /// read-only connections to it (see `sqlite_pages`).
    sqlite_file: Option<std::path::PathBuf>,
}

/// Removes any password from a database URL so that it can be logged.
///
/// ```
/// assert_eq!(
///     civic_store::redact_url("postgres://civic:s3cret@db:5432/civic"),
///     "postgres://civic:***@db:5432/civic"
/// );
/// ```
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    match (authority.rfind('@'), authority.find(':')) {
        (Some(at), Some(colon)) if colon < at => format!(
            "{}://{}:***{}",
            &url[..scheme_end],
            &authority[..colon],
            &rest[at..]
        ),
        _ => url.to_owned(),
    }
}

impl Store {
    /// Connects to `url` (`sqlite://path` or `postgres://…`), creating a
    /// SQLite file if needed, and applies any pending migrations.
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url).ok_or_else(|| StoreError::BadUrl {
            url: redact_url(url),
        })?;
        let url = match backend {
            // `mode=rwc` creates the file on first use.
            Backend::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_owned(),
        };
        let sqlite_file = match backend {
            Backend::Sqlite => Some(
                sqlx::sqlite::SqliteConnectOptions::from_str(&url)
                    .map_err(|e| StoreError::BadUrl {
                        url: format!("{}: {e}", redact_url(&url)),
                    })?
                    .get_filename()
                    .to_owned(),
            ),
            Backend::Postgres => None,
        };
        let options = AnyConnectOptions::from_str(&url)
            .map_err(|e| StoreError::BadUrl {
                url: format!("{}: {e}", redact_url(&url)),
            })?
            .log_statements(tracing::log::LevelFilter::Trace)
            .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_secs(2));
        let pool_options = AnyPoolOptions::new()
            .acquire_timeout(Duration::from_secs(5))
            .max_connections(match backend {
                Backend::Sqlite => 8,
                Backend::Postgres => 16,
            });
        let pool_options = match backend {
            Backend::Sqlite => pool_options.after_connect(|conn, _meta| {
                Box::pin(async move {
                    // WAL lets readers run beside the writer; FULL makes every
                    // commit durable before it is acknowledged; the busy
                    // timeout makes a second process wait rather than fail.
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => pool_options,
        };
        let pool = pool_options
            .connect_with(options)
            .await
            .map_err(StoreError::from_connect)?;
        let store = Store {
            pool,
            backend,
            sqlite_file,
        };
        store.migrate().await?;
        Ok(store)
    }

    async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        };
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Checks that the database answers (for the health endpoint).
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Closes every connection; later calls fail.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }
}

/// Converts a stored `u64` index to the `i64` SQL uses.
pub(crate) fn to_sql_index(i: u64) -> i64 {
    i64::try_from(i).unwrap_or(i64::MAX)
}

/// Converts an `i64` read from SQL to a `u64` index.
pub(crate) fn from_sql_index(i: i64) -> Result<u64, StoreError> {
    u64::try_from(i).map_err(|_| StoreError::Corrupt(format!("negative index {i} in the database")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_passwords_and_keep_the_rest() {
        for (url, want) in [
            ("postgres://u:p@h/db", "postgres://u:***@h/db"),
            ("postgres://u@h/db", "postgres://u@h/db"),
            ("postgres://h:5432/db", "postgres://h:5432/db"),
            (
                "sqlite://./civic-data/civic.db",
                "sqlite://./civic-data/civic.db",
            ),
            (
                "postgres://u:p%40x@h:1/db?sslmode=require",
                "postgres://u:***@h:1/db?sslmode=require",
            ),
        ] {
            assert_eq!(redact_url(url), want, "{url}");
        }
    }

    #[test]
    fn backends_are_recognised_by_scheme() {
        assert_eq!(Backend::from_url("sqlite://x.db"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgresql://h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }
}
