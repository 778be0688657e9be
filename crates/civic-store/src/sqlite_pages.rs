//! Streaming the ledger out of SQLite for `civic audit verify`.
//!
//! Aggregating a page of entries as JSON in SQLite (as PostgreSQL still does)
//! escapes, concatenates, copies and re-parses every byte, on the single
//! worker thread of one connection: at a million entries that was most of
//! verify's time. Here a few readers each open their own native connection
//! (WAL lets readers run beside the writer and beside each other, and each
//! connection's SQLite work runs on its own thread), fetch plain rows of a
//! page, and hand each row, borrowed, to the caller's `read` off the async
//! runtime (so nothing is copied out of a row that `read` does not keep).
//! Reader `k` of `n` reads pages `k`, `k + n`, `k + 2n`…, and the
//! stream takes pages from the readers in turn, so they come out in index
//! order while the next ones are being read; each reader runs at most
//! [`PAGES_AHEAD`] pages ahead, which bounds memory.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures_util::stream::{BoxStream, StreamExt as _};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions as _, Connection as _, Row as _};
use tokio::sync::mpsc;

use crate::audit::{LEDGER_PAGE, LedgerRow, MaybeDecision};
use crate::{StoreError, from_sql_index, to_sql_index};

/// Pages each reader may hold, read but not yet taken.
const PAGES_AHEAD: usize = 2;

/// The most readers used; more would only contend for the same disk and
/// cores.
const MAX_READERS: usize = 4;

/// The text and integer columns of a page row, in the order [`joined_row`]
/// reads them from the packed value (see [`page_sql`]).
const PACKED_COLUMNS: [&str; 20] = [
    "e.kind",
    "e.record_id",
    "d.id",
    "d.service",
    "d.model_name",
    "d.model_version",
    "d.input_sha256",
    "d.output",
    "d.explanation",
    "d.status",
    "d.initial_status",
    "d.requested_by",
    "d.reference",
    "CAST(d.created_at AS INTEGER)",
    "CAST(d.ledger_index AS INTEGER)",
    "CAST(d.quality_sample AS INTEGER)",
    "CAST(d.entry_version AS INTEGER)",
    "d.explanation_sha256",
    "d.reference_sha256",
    "CAST(d.explanation_removed_at AS INTEGER)",
];

/// Every entry from `from` to `to` (exclusive) with the decision recorded at
/// its position; the column order is the one [`joined_row`] reads.
///
/// sqlx copies every column of every row into its own allocations (several
/// per value), which at a million rows of twenty columns was most of
/// verify's CPU time. So the [`PACKED_COLUMNS`] are packed by SQLite into one
/// text value, each as its length in bytes, `:` and its text (or `-:` for
/// NULL), which SQLite's `concat` builds in one buffer; the entry's bytes and
/// leaf hash stay blobs, and the confidence a REAL (its text form would not
/// round-trip).
fn page_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| {
        let packed: Vec<String> = PACKED_COLUMNS
            .iter()
            .map(|c| {
                format!("coalesce(octet_length(CAST({c} AS TEXT)), '-'), ':', CAST({c} AS TEXT)")
            })
            .collect();
        format!(
            "SELECT e.idx, e.entry, e.leaf_hash, d.confidence, concat({}) \
             FROM ledger_entries e LEFT JOIN decisions d ON d.ledger_index = e.idx \
             WHERE e.idx >= ?1 AND e.idx < ?2 ORDER BY e.idx",
            packed.join(", ")
        )
    })
}

type PageResult<T> = Result<Vec<T>, StoreError>;

/// The pages of entries `0..end` of the SQLite database in `file`, in index
/// order, each row passed through `read`. Must be called within a Tokio
/// runtime (the readers are tasks).
pub(crate) fn pages<T, F>(
    file: PathBuf,
    end: u64,
    read: Arc<F>,
) -> BoxStream<'static, PageResult<T>>
where
    T: Send + 'static,
    F: Fn(LedgerRow<'_>) -> Result<T, StoreError> + Send + Sync + 'static,
{
    let page_count = end.div_ceil(LEDGER_PAGE);
    let readers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(2, MAX_READERS)
        .min(usize::try_from(page_count).unwrap_or(usize::MAX))
        .max(1);
    let receivers: Vec<mpsc::Receiver<PageResult<T>>> = (0..readers)
        .map(|k| {
            let (tx, rx) = mpsc::channel(PAGES_AHEAD);
            tokio::spawn(read_pages(
                file.clone(),
                k as u64,
                readers as u64,
                page_count,
                read.clone(),
                tx,
            ));
            rx
        })
        .collect();
    futures_util::stream::unfold((0u64, receivers), move |(page, mut receivers)| async move {
        if page >= page_count {
            return None;
        }
        let slot = (page % receivers.len() as u64) as usize;
        // A reader stops after sending an error, and the stream's consumer
        // stops at the first error, so a closed channel here is a reader
        // that died without saying why.
        let item = receivers[slot].recv().await.unwrap_or_else(|| {
            Err(StoreError::Unavailable(format!(
                "the ledger reader for page {page} stopped"
            )))
        });
        Some((item, (page + 1, receivers)))
    })
    .boxed()
}

/// Reads pages `first`, `first + step`… below `page_count` and sends them,
/// until the receiver goes away or a read fails (the error is sent).
async fn read_pages<T, F>(
    file: PathBuf,
    first: u64,
    step: u64,
    page_count: u64,
    read: Arc<F>,
    tx: mpsc::Sender<PageResult<T>>,
) where
    T: Send + 'static,
    F: Fn(LedgerRow<'_>) -> Result<T, StoreError> + Send + Sync + 'static,
{
    let mut conn = match open(file).await {
        Ok(conn) => conn,
        Err(e) => {
            let _ = tx.send(Err(e)).await;
            return;
        }
    };
    let mut page = first;
    while page < page_count {
        let from = page * LEDGER_PAGE;
        let result = read_page(&mut conn, from, from + LEDGER_PAGE, read.clone()).await;
        let failed = result.is_err();
        if tx.send(result).await.is_err() || failed {
            break;
        }
        page += step;
    }
    let _ = conn.close().await;
}

async fn open(file: PathBuf) -> Result<SqliteConnection, StoreError> {
    // Not opened read-only: a read-only connection cannot recover a WAL file
    // left by a crash. As the pool's connections do, it waits for a writer's
    // lock rather than fail. A whole page of rows fits in the channel from
    // the connection's thread, so that thread never waits for this task (and
    // is not woken again for every few rows).
    Ok(SqliteConnectOptions::new()
        .filename(file)
        .busy_timeout(Duration::from_secs(5))
        .row_buffer_size(LEDGER_PAGE as usize)
        .log_statements(tracing::log::LevelFilter::Trace)
        .connect()
        .await?)
}

async fn read_page<T, F>(
    conn: &mut SqliteConnection,
    from: u64,
    to: u64,
    read: Arc<F>,
) -> PageResult<T>
where
    T: Send + 'static,
    F: Fn(LedgerRow<'_>) -> Result<T, StoreError> + Send + Sync + 'static,
{
    let rows = sqlx::query(page_sql())
        .bind(to_sql_index(from))
        .bind(to_sql_index(to))
        .fetch_all(&mut *conn)
        .await?;
    // Reading a thousand rows (and whatever `read` does with them) is CPU
    // work of a few milliseconds: keep it off the async runtime.
    tokio::task::spawn_blocking(move || rows.iter().map(|row| read(joined_row(row)?)).collect())
        .await
        .map_err(|e| StoreError::Unavailable(format!("ledger page reader: {e}")))?
}

/// One row of [`page_sql`], borrowed. Values are decoded without sqlx's type
/// check, because SQLite does not enforce column types: an entry's bytes may
/// be stored as text, and a confidence as an integer; SQLite converts them.
fn joined_row(row: &SqliteRow) -> Result<LedgerRow<'_>, StoreError> {
    let idx: i64 = row.try_get_unchecked(0)?;
    let packed: &str = row.try_get_unchecked(4)?;
    let mut fields = Packed { rest: packed, idx };
    let mut required = || {
        fields
            .text()?
            .ok_or_else(|| StoreError::Corrupt(format!("ledger entry {idx}: a column is missing")))
    };
    let kind = required()?;
    let record_id = required()?;
    let decision = MaybeDecision {
        id: fields.text()?,
        service: fields.text()?,
        model_name: fields.text()?,
        model_version: fields.text()?,
        input_sha256: fields.text()?,
        output: fields.text()?,
        explanation: fields.text()?,
        confidence: row.try_get_unchecked(3)?,
        status: fields.text()?,
        initial_status: fields.text()?,
        requested_by: fields.text()?,
        reference: fields.text()?,
        created_at: fields.integer()?,
        ledger_index: fields.integer()?,
        quality_sample: fields.integer()?,
        entry_version: fields.integer()?,
        explanation_sha256: fields.text()?,
        reference_sha256: fields.text()?,
        explanation_removed_at: fields.integer()?,
    };
    if !fields.rest.is_empty() {
        return Err(fields.malformed());
    }
    Ok(LedgerRow {
        index: from_sql_index(idx)?,
        kind,
        record_id,
        entry: row.try_get_unchecked(1)?,
        leaf_hash: row.try_get_unchecked(2)?,
        decision: decision.into_stored()?,
    })
}

/// The packed columns of a [`page_sql`] row, read in order.
struct Packed<'a> {
    rest: &'a str,
    /// The entry's index, for errors.
    idx: i64,
}

impl<'a> Packed<'a> {
    /// The next value: `-:` for NULL, or its length in bytes, `:` and its text.
    fn text(&mut self) -> Result<Option<&'a str>, StoreError> {
        if let Some(rest) = self.rest.strip_prefix("-:") {
            self.rest = rest;
            return Ok(None);
        }
        let (len, rest) = self.rest.split_once(':').ok_or_else(|| self.malformed())?;
        let len: usize = len.parse().map_err(|_| self.malformed())?;
        let (Some(value), Some(rest)) = (rest.get(..len), rest.get(len..)) else {
            return Err(self.malformed());
        };
        self.rest = rest;
        Ok(Some(value))
    }

    /// The next value, an integer.
    fn integer(&mut self) -> Result<Option<i64>, StoreError> {
        self.text()?
            .map(|t| t.parse().map_err(|_| self.malformed()))
            .transpose()
    }

    fn malformed(&self) -> StoreError {
        StoreError::Corrupt(format!("ledger entry {}: malformed row", self.idx))
    }
}
