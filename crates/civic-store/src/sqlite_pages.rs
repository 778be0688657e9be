//! Streaming the ledger out of SQLite for `civic audit verify`.
//!
//! Aggregating a page of entries as JSON in SQLite (as PostgreSQL still does)
//! escapes, concatenates, copies and re-parses every byte, on the single
//! worker thread of one connection: at a million entries that was most of
//! verify's time. Here a few readers each open their own native connection
//! (WAL lets readers run beside the writer and beside each other, and each
//! connection's SQLite work runs on its own thread), fetch plain rows of a
//! page, and parse them into entries and decisions off the async runtime. Reader `k` of `n` reads pages `k`, `k + n`, `k + 2n`…, and the
//! stream takes pages from the readers in turn, so they come out in index
//! order while the next ones are being read; each reader runs at most
//! [`PAGES_AHEAD`] pages ahead, which bounds memory.

use std::path::PathBuf;
use std::time::Duration;

use futures_util::stream::{BoxStream, StreamExt as _};
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection, SqliteRow};
use sqlx::{ConnectOptions as _, Connection as _, Row as _};
use tokio::sync::mpsc;

use crate::audit::{LEDGER_PAGE, LedgerPage, MaybeDecision};
use crate::decisions::ExactFloat;
use crate::{EntryRow, StoreError, from_sql_index, to_sql_index};

/// Pages each reader may hold, read but not yet taken.
const PAGES_AHEAD: usize = 2;

/// The most readers used; more would only contend for the same disk and
/// cores.
const MAX_READERS: usize = 4;

/// Every entry from `from` to `to` (exclusive) with the decision recorded at
/// its position; the column order is the one [`joined_row`] reads.
const PAGE_SQL: &str = "SELECT e.idx, e.kind, e.record_id, e.entry, e.leaf_hash, \
     d.id, d.service, d.model_name, d.model_version, d.input_sha256, d.output, d.explanation, \
     d.confidence, d.status, d.initial_status, d.requested_by, d.reference, d.created_at, \
     d.ledger_index, d.quality_sample \
     FROM ledger_entries e LEFT JOIN decisions d ON d.ledger_index = e.idx \
     WHERE e.idx >= ?1 AND e.idx < ?2 ORDER BY e.idx";

type PageResult = Result<LedgerPage, StoreError>;

/// The pages of entries `0..end` of the SQLite database in `file`, in index
/// order. Must be called within a Tokio runtime (the readers are tasks).
pub(crate) fn pages(file: PathBuf, end: u64) -> BoxStream<'static, PageResult> {
    let page_count = end.div_ceil(LEDGER_PAGE);
    let readers = std::thread::available_parallelism()
        .map_or(2, usize::from)
        .clamp(2, MAX_READERS)
        .min(usize::try_from(page_count).unwrap_or(usize::MAX))
        .max(1);
    let receivers: Vec<mpsc::Receiver<PageResult>> = (0..readers)
        .map(|k| {
            let (tx, rx) = mpsc::channel(PAGES_AHEAD);
            tokio::spawn(read_pages(
                file.clone(),
                k as u64,
                readers as u64,
                page_count,
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
async fn read_pages(
    file: PathBuf,
    first: u64,
    step: u64,
    page_count: u64,
    tx: mpsc::Sender<PageResult>,
) {
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
        let result = read_page(&mut conn, from, from + LEDGER_PAGE).await;
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
    // lock rather than fail.
    Ok(SqliteConnectOptions::new()
        .filename(file)
        .busy_timeout(Duration::from_secs(5))
        .log_statements(tracing::log::LevelFilter::Trace)
        .connect()
        .await?)
}

async fn read_page(conn: &mut SqliteConnection, from: u64, to: u64) -> PageResult {
    let rows = sqlx::query(PAGE_SQL)
        .bind(to_sql_index(from))
        .bind(to_sql_index(to))
        .fetch_all(&mut *conn)
        .await?;
    // Parsing a thousand decisions is CPU work of a few milliseconds: keep
    // it off the async runtime.
    tokio::task::spawn_blocking(move || {
        rows.iter()
            .map(|row| {
                let (entry, decision) = joined_row(row)?;
                Ok((entry, decision.into_decision()?))
            })
            .collect()
    })
    .await
    .map_err(|e| StoreError::Unavailable(format!("ledger page parser: {e}")))?
}

/// One row of [`PAGE_SQL`]. Values are decoded without sqlx's type check,
/// because SQLite does not enforce column types: an entry's bytes may be
/// stored as text, and a confidence as an integer; SQLite converts them.
fn joined_row(row: &SqliteRow) -> Result<(EntryRow, MaybeDecision), StoreError> {
    let idx: i64 = row.try_get_unchecked(0)?;
    let required = |i: usize| -> Result<String, StoreError> {
        row.try_get_unchecked::<Option<String>, _>(i)?
            .ok_or_else(|| {
                StoreError::Corrupt(format!("ledger entry {idx}: column {i} is missing"))
            })
    };
    let entry = EntryRow {
        index: from_sql_index(idx)?,
        kind: required(1)?,
        record_id: required(2)?,
        entry: row.try_get_unchecked(3)?,
        leaf_hash: row.try_get_unchecked(4)?,
    };
    let decision = MaybeDecision {
        id: row.try_get_unchecked(5)?,
        service: row.try_get_unchecked(6)?,
        model_name: row.try_get_unchecked(7)?,
        model_version: row.try_get_unchecked(8)?,
        input_sha256: row.try_get_unchecked(9)?,
        output: row.try_get_unchecked(10)?,
        explanation: row.try_get_unchecked(11)?,
        confidence: row
            .try_get_unchecked::<Option<f64>, _>(12)?
            .map(ExactFloat::Number),
        status: row.try_get_unchecked(13)?,
        initial_status: row.try_get_unchecked(14)?,
        requested_by: row.try_get_unchecked(15)?,
        reference: row.try_get_unchecked(16)?,
        created_at: row.try_get_unchecked(17)?,
        ledger_index: row.try_get_unchecked(18)?,
        quality_sample: row.try_get_unchecked(19)?,
    };
    Ok((entry, decision))
}
