//! Reading the ledger back: checkpoints, stored hashes and ordered streams of
//! entries and records for `civic audit verify`.

use std::sync::Arc;

use civic_core::{
    Decision, DecisionEntryText, DecisionStatus, Digest, EntryTexts, EntryVersion, Json,
    ReasonRedaction, ReviewEvent, Timestamp, from_unix_millis, rfc3339, text_digest,
};
use civic_ledger::Hash;
use futures_util::stream::{BoxStream, StreamExt as _, TryStreamExt as _};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::decisions::{DecisionColumns, ExactFloat, REVIEW_COLUMNS, row_to_review};
use crate::{Backend, Store, StoreError, from_sql_index, to_sql_index};

/// A signed checkpoint as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredCheckpoint {
    /// The tree size it commits to.
    pub size: u64,
    /// The root hash at that size.
    pub root: Hash,
    /// The signed note text (C2SP tlog-checkpoint in a signed note).
    pub note: String,
    /// When it was signed.
    pub created_at: Timestamp,
}

/// One ledger entry as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EntryRow {
    /// Its index in the log.
    pub index: u64,
    /// `decision` or `review`.
    pub kind: String,
    /// The id of the record it is.
    pub record_id: String,
    /// The canonical JSON bytes that were hashed.
    pub entry: Vec<u8>,
    /// The leaf hash stored when it was appended.
    pub leaf_hash: Vec<u8>,
}

fn hash_from(bytes: Vec<u8>, what: &str) -> Result<Hash, StoreError> {
    let arr: [u8; 32] = bytes
        .try_into()
        .map_err(|_| StoreError::Corrupt(format!("{what} is not 32 bytes")))?;
    Ok(Hash(arr))
}

fn row_to_checkpoint(row: &AnyRow) -> Result<StoredCheckpoint, StoreError> {
    let created_at: i64 = row.try_get("created_at")?;
    Ok(StoredCheckpoint {
        size: from_sql_index(row.try_get("tree_size")?)?,
        root: hash_from(row.try_get("root_hash")?, "checkpoint root")?,
        note: row.try_get("note")?,
        created_at: from_unix_millis(created_at)
            .ok_or_else(|| StoreError::Corrupt("checkpoint time".into()))?,
    })
}

fn row_to_entry(row: &AnyRow) -> Result<EntryRow, StoreError> {
    Ok(EntryRow {
        index: from_sql_index(row.try_get("idx")?)?,
        kind: row.try_get("kind")?,
        record_id: row.try_get("record_id")?,
        entry: row.try_get("entry")?,
        leaf_hash: row.try_get("leaf_hash")?,
    })
}

/// Entries per page when streaming the ledger.
pub const LEDGER_PAGE: u64 = 1000;

/// One ledger entry and the decision recorded at its position, borrowed from
/// the page being read (see [`Store::ledger_pages`]): nothing is copied out of
/// the row unless the caller does.
#[derive(Debug, Clone, Copy)]
pub struct LedgerRow<'a> {
    /// Its index in the log.
    pub index: u64,
    /// `decision` or `review`.
    pub kind: &'a str,
    /// The id of the record it is.
    pub record_id: &'a str,
    /// The canonical JSON bytes that were hashed.
    pub entry: &'a [u8],
    /// The leaf hash stored when it was appended.
    pub leaf_hash: &'a [u8],
    /// The decision whose `ledger_index` is this entry's, if any.
    pub decision: Option<StoredDecision<'a>>,
}

impl LedgerRow<'_> {
    /// The entry and its decision, owned and parsed.
    pub fn to_owned_parts(&self) -> Result<(EntryRow, Option<Decision>), StoreError> {
        let entry = EntryRow {
            index: self.index,
            kind: self.kind.to_owned(),
            record_id: self.record_id.to_owned(),
            entry: self.entry.to_vec(),
            leaf_hash: self.leaf_hash.to_vec(),
        };
        Ok((entry, self.decision.map(|d| d.to_decision()).transpose()?))
    }
}

/// A decision's columns as stored, borrowed from a page being read.
#[derive(Debug, Clone, Copy)]
pub struct StoredDecision<'a> {
    id: &'a str,
    service: &'a str,
    model_name: &'a str,
    model_version: &'a str,
    input_sha256: &'a str,
    output: &'a str,
    explanation: &'a str,
    confidence: Option<f64>,
    status: &'a str,
    initial_status: &'a str,
    requested_by: &'a str,
    reference: Option<&'a str>,
    created_at: i64,
    ledger_index: i64,
    quality_sample: i64,
    entry_version: i64,
    explanation_sha256: Option<&'a str>,
    reference_sha256: Option<&'a str>,
    explanation_removed_at: Option<i64>,
}

impl StoredDecision<'_> {
    /// The decision id, as stored.
    pub fn id(&self) -> &str {
        self.id
    }

    /// Whether this decision, parsed, is the one `entry` records: the answer
    /// of `self.to_decision()?.ledger_event().to_bytes() == entry`, and the
    /// same errors for a column that does not parse.
    ///
    /// The columns are written as they are stored (output and explanation
    /// are stored as canonical JSON, so they are spliced in as text) and
    /// compared with the entry without building a [`Decision`]; only when
    /// that differs, or a column the entry does not hold is malformed, is the
    /// decision parsed and its entry rebuilt, so a decision stored in a
    /// non-canonical but equal form still matches, and a corrupt column is
    /// still reported as one.
    ///
    /// For a version-2 entry, which holds digests, the explanation and
    /// reference still in the record must also hash to the stored digests
    /// ([`Decision::retained_texts_match`]), so that altering them is found
    /// while they are kept; what retention removed is not compared.
    pub fn matches_entry(&self, entry: &[u8]) -> Result<bool, StoreError> {
        if self.status.parse::<DecisionStatus>().is_ok()
            && self.ledger_index >= 0
            && let Some(created_at) = from_unix_millis(self.created_at)
            && let Some(version) = EntryVersion::from_number(self.entry_version)
        {
            let texts = match version {
                EntryVersion::V1 => EntryTexts::V1 {
                    explanation: Json::Canonical(self.explanation),
                    reference: self.reference,
                },
                EntryVersion::V2 => EntryTexts::V2 {
                    explanation_sha256: self.explanation_sha256,
                    reference_sha256: self.reference_sha256,
                },
            };
            let text = DecisionEntryText {
                id: self.id,
                service: self.service,
                model_name: self.model_name,
                model_version: self.model_version,
                input_sha256: self.input_sha256,
                output: Json::Canonical(self.output),
                texts,
                confidence: self.confidence,
                status: self.initial_status,
                requested_by: self.requested_by,
                created_at: &rfc3339(created_at),
                quality_sample: self.quality_sample != 0,
            };
            if text.is_entry(entry) && self.retained_text_hashes_match(version) {
                return Ok(true);
            }
        }
        let decision = self.to_decision()?;
        Ok(decision.ledger_event().to_bytes() == entry && decision.retained_texts_match())
    }

    /// Whether the kept explanation and reference text hash to the stored
    /// digests as they are (canonical text, as the writer stores it); `false`
    /// sends the caller to the parsed comparison, which decides.
    fn retained_text_hashes_match(&self, version: EntryVersion) -> bool {
        if version == EntryVersion::V1 {
            return true;
        }
        let hex = |d: Digest| d.to_hex();
        let explanation_ok = self.explanation_removed_at.is_some()
            || self.explanation_sha256
                == Some(hex(Digest::of(self.explanation.as_bytes())).as_str());
        let reference_ok = match self.reference {
            Some(r) => self.reference_sha256 == Some(hex(text_digest(r)).as_str()),
            None => self.explanation_removed_at.is_some() || self.reference_sha256.is_none(),
        };
        explanation_ok && reference_ok
    }

    /// The decision, parsed.
    pub fn to_decision(&self) -> Result<Decision, StoreError> {
        DecisionColumns {
            id: self.id.to_owned(),
            service: self.service.to_owned(),
            model_name: self.model_name.to_owned(),
            model_version: self.model_version.to_owned(),
            input_sha256: self.input_sha256.to_owned(),
            output: self.output.to_owned(),
            explanation: self.explanation.to_owned(),
            confidence: self.confidence,
            status: self.status.to_owned(),
            initial_status: self.initial_status.to_owned(),
            requested_by: self.requested_by.to_owned(),
            reference: self.reference.map(str::to_owned),
            created_at: self.created_at,
            ledger_index: self.ledger_index,
            quality_sample: self.quality_sample,
            entry_version: self.entry_version,
            explanation_sha256: self.explanation_sha256.map(str::to_owned),
            reference_sha256: self.reference_sha256.map(str::to_owned),
            explanation_removed_at: self.explanation_removed_at,
        }
        .into_decision()
    }
}

/// One entry and the decision columns at its position, as an aggregated page
/// lists them (a JSON array, in this order).
#[derive(Debug, serde::Deserialize)]
struct PageRow(
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<ExactFloat>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
);

impl PageRow {
    /// The row, borrowed; `leaf_hash` is its stored leaf hash, decoded.
    fn view<'a>(&'a self, leaf_hash: &'a [u8]) -> Result<LedgerRow<'a>, StoreError> {
        let PageRow(
            idx,
            kind,
            record_id,
            entry,
            _,
            id,
            service,
            model_name,
            model_version,
            input_sha256,
            output,
            explanation,
            confidence,
            status,
            initial_status,
            requested_by,
            reference,
            created_at,
            ledger_index,
            quality_sample,
            entry_version,
            explanation_sha256,
            reference_sha256,
            explanation_removed_at,
        ) = self;
        let decision = MaybeDecision {
            id: id.as_deref(),
            service: service.as_deref(),
            model_name: model_name.as_deref(),
            model_version: model_version.as_deref(),
            input_sha256: input_sha256.as_deref(),
            output: output.as_deref(),
            explanation: explanation.as_deref(),
            confidence: confidence.as_ref().map(ExactFloat::to_f64).transpose()?,
            status: status.as_deref(),
            initial_status: initial_status.as_deref(),
            requested_by: requested_by.as_deref(),
            reference: reference.as_deref(),
            created_at: *created_at,
            ledger_index: *ledger_index,
            quality_sample: *quality_sample,
            entry_version: *entry_version,
            explanation_sha256: explanation_sha256.as_deref(),
            reference_sha256: reference_sha256.as_deref(),
            explanation_removed_at: *explanation_removed_at,
        };
        Ok(LedgerRow {
            index: from_sql_index(*idx)?,
            kind,
            record_id,
            entry: entry.as_bytes(),
            leaf_hash,
            decision: decision.into_stored()?,
        })
    }
}

/// The decision columns of a page row, joined on the entry's index: all
/// absent where no decision is recorded at that position.
#[derive(Debug)]
pub(crate) struct MaybeDecision<'a> {
    pub(crate) id: Option<&'a str>,
    pub(crate) service: Option<&'a str>,
    pub(crate) model_name: Option<&'a str>,
    pub(crate) model_version: Option<&'a str>,
    pub(crate) input_sha256: Option<&'a str>,
    pub(crate) output: Option<&'a str>,
    pub(crate) explanation: Option<&'a str>,
    pub(crate) confidence: Option<f64>,
    pub(crate) status: Option<&'a str>,
    pub(crate) initial_status: Option<&'a str>,
    pub(crate) requested_by: Option<&'a str>,
    pub(crate) reference: Option<&'a str>,
    pub(crate) created_at: Option<i64>,
    pub(crate) ledger_index: Option<i64>,
    pub(crate) quality_sample: Option<i64>,
    pub(crate) entry_version: Option<i64>,
    pub(crate) explanation_sha256: Option<&'a str>,
    pub(crate) reference_sha256: Option<&'a str>,
    pub(crate) explanation_removed_at: Option<i64>,
}

impl<'a> MaybeDecision<'a> {
    /// The decision, if one was joined; a decision with a required column
    /// missing is corrupt.
    pub(crate) fn into_stored(self) -> Result<Option<StoredDecision<'a>>, StoreError> {
        let Some(id) = self.id else {
            return Ok(None);
        };
        let missing = |what: &str| StoreError::Corrupt(format!("decision {id}: {what} is missing"));
        Ok(Some(StoredDecision {
            id,
            service: self.service.ok_or_else(|| missing("service"))?,
            model_name: self.model_name.ok_or_else(|| missing("model_name"))?,
            model_version: self.model_version.ok_or_else(|| missing("model_version"))?,
            input_sha256: self.input_sha256.ok_or_else(|| missing("input_sha256"))?,
            output: self.output.ok_or_else(|| missing("output"))?,
            explanation: self.explanation.ok_or_else(|| missing("explanation"))?,
            confidence: self.confidence,
            status: self.status.ok_or_else(|| missing("status"))?,
            initial_status: self
                .initial_status
                .ok_or_else(|| missing("initial_status"))?,
            requested_by: self.requested_by.ok_or_else(|| missing("requested_by"))?,
            reference: self.reference,
            created_at: self.created_at.ok_or_else(|| missing("created_at"))?,
            ledger_index: self.ledger_index.ok_or_else(|| missing("ledger_index"))?,
            quality_sample: self
                .quality_sample
                .ok_or_else(|| missing("quality_sample"))?,
            entry_version: self.entry_version.ok_or_else(|| missing("entry_version"))?,
            explanation_sha256: self.explanation_sha256,
            reference_sha256: self.reference_sha256,
            explanation_removed_at: self.explanation_removed_at,
        }))
    }
}

const CHECKPOINT_COLUMNS: &str = "tree_size, root_hash, note, created_at";

pub(crate) async fn latest_checkpoint_on(
    conn: &mut AnyConnection,
) -> Result<Option<StoredCheckpoint>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size DESC LIMIT 1"
    ))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(row_to_checkpoint).transpose()
}

/// Reads stored hashes by index, returning them in the order asked for.
pub(crate) async fn read_hashes_on(
    conn: &mut AnyConnection,
    backend: Backend,
    indexes: &[u64],
) -> Result<Vec<Hash>, StoreError> {
    let mut out = Vec::with_capacity(indexes.len());
    // Bounded IN lists keep within every backend's parameter limit.
    for chunk in indexes.chunks(500) {
        let mut sql = String::from("SELECT id, hash FROM ledger_hashes WHERE id IN (");
        for n in 1..=chunk.len() {
            if n > 1 {
                sql.push(',');
            }
            backend.push_placeholder(&mut sql, n);
        }
        sql.push(')');
        let mut query = sqlx::query(&sql);
        for &i in chunk {
            query = query.bind(to_sql_index(i));
        }
        let rows = query.fetch_all(&mut *conn).await?;
        let mut found = std::collections::HashMap::with_capacity(rows.len());
        for row in rows {
            let id = from_sql_index(row.try_get("id")?)?;
            found.insert(id, hash_from(row.try_get("hash")?, "stored hash")?);
        }
        for i in chunk {
            out.push(*found.get(i).ok_or_else(|| {
                StoreError::Corrupt(format!("stored hash {i} is missing from the ledger"))
            })?);
        }
    }
    Ok(out)
}

impl Store {
    /// The most recent signed checkpoint, if any.
    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        latest_checkpoint_on(&mut conn).await
    }

    /// Every signed checkpoint, smallest tree first.
    pub async fn checkpoints(&self) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM checkpoints ORDER BY tree_size"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_checkpoint).collect()
    }

    /// Up to `limit` signed checkpoints covering more than `after` entries,
    /// smallest first: a page of the published list.
    pub async fn checkpoints_after(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<StoredCheckpoint>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {CHECKPOINT_COLUMNS} FROM checkpoints WHERE tree_size > $1 \
             ORDER BY tree_size LIMIT {limit}"
        ))
        .bind(to_sql_index(after))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_checkpoint).collect()
    }

    /// Stored hashes by index, in the order asked for.
    pub async fn read_hashes(&self, indexes: &[u64]) -> Result<Vec<Hash>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        read_hashes_on(&mut conn, self.backend(), indexes).await
    }

    /// The number of entries in the ledger.
    pub async fn ledger_size(&self) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT COALESCE(MAX(idx) + 1, 0) AS size FROM ledger_entries")
            .fetch_one(self.pool())
            .await?;
        from_sql_index(row.try_get("size")?)
    }

    /// One ledger entry.
    pub async fn ledger_entry(&self, index: u64) -> Result<EntryRow, StoreError> {
        let row = sqlx::query(
            "SELECT idx, kind, record_id, entry, leaf_hash FROM ledger_entries WHERE idx = $1",
        )
        .bind(to_sql_index(index))
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "ledger entry",
            id: index.to_string(),
        })?;
        row_to_entry(&row)
    }

    /// Every ledger entry in index order, streamed.
    pub fn ledger_entries(&self) -> BoxStream<'_, Result<EntryRow, StoreError>> {
        sqlx::query(
            "SELECT idx, kind, record_id, entry, leaf_hash FROM ledger_entries ORDER BY idx",
        )
        .fetch(self.pool())
        .map(|r| {
            r.map_err(StoreError::from)
                .and_then(|row| row_to_entry(&row))
        })
        .boxed()
    }

    /// The stored hashes with indexes `from..from + count`, read as one
    /// aggregated row (so that verifying millions of them costs few round
    /// trips). Fewer than `count` come back at the end of the table; a gap in
    /// the indexes is reported as corrupt data naming the range.
    pub async fn stored_hash_range(&self, from: u64, count: u64) -> Result<Vec<Hash>, StoreError> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT group_concat(hex(hash), '' ORDER BY id) AS hashes, COUNT(*) AS n, MAX(id) AS hi \
                 FROM ledger_hashes WHERE id >= $1 AND id < $2"
            }
            Backend::Postgres => {
                "SELECT encode(string_agg(hash, ''::bytea ORDER BY id), 'hex') AS hashes, COUNT(*) AS n, \
                 MAX(id) AS hi FROM ledger_hashes WHERE id >= $1 AND id < $2"
            }
        };
        let row = sqlx::query(sql)
            .bind(to_sql_index(from))
            .bind(to_sql_index(from.saturating_add(count)))
            .fetch_one(self.pool())
            .await?;
        let n = from_sql_index(row.try_get("n")?)?;
        if n == 0 {
            return Ok(Vec::new());
        }
        let hi = from_sql_index(row.try_get::<Option<i64>, _>("hi")?.unwrap_or(-1))?;
        if hi != from + n - 1 {
            return Err(StoreError::Corrupt(format!(
                "stored hashes between {from} and {hi} are missing"
            )));
        }
        let text: String = row
            .try_get::<Option<String>, _>("hashes")?
            .unwrap_or_default();
        let bytes = hex::decode(&text)
            .map_err(|_| StoreError::Corrupt("stored hashes are not hex".into()))?;
        if bytes.len() as u64 != n * 32 {
            return Err(StoreError::Corrupt(format!(
                "a stored hash between {from} and {hi} is not 32 bytes"
            )));
        }
        Ok(bytes
            .chunks_exact(32)
            .map(|c| {
                let mut h = [0u8; 32];
                h.copy_from_slice(c);
                Hash(h)
            })
            .collect())
    }

    /// Every ledger entry in index order, each with the decision recorded at
    /// its position (if any), streamed in pages of up to [`LEDGER_PAGE`]
    /// entries, the next pages read while the caller uses the current one.
    /// Each row is passed, borrowed, to `read` on the thread that parsed its
    /// page (off the async runtime, several pages at once), and a page is
    /// what `read` made of its rows, in order: so CPU work per entry (hashing,
    /// comparing) runs in parallel and nothing is copied out of the rows that
    /// `read` does not keep. The first error `read` returns ends the stream.
    /// A page holds the entries present in its range of indexes: a deleted
    /// entry is simply absent, and a page may be empty.
    ///
    /// On SQLite, pages are read by several readers with their own
    /// connections, as plain rows (see `sqlite_pages`); on PostgreSQL, each page is one
    /// aggregated row, so that streaming millions of entries is not dominated
    /// by per-row overhead.
    pub fn ledger_pages<T, F>(&self, read: F) -> BoxStream<'_, Result<Vec<T>, StoreError>>
    where
        T: Send + 'static,
        F: Fn(LedgerRow<'_>) -> Result<T, StoreError> + Send + Sync + 'static,
    {
        let read = Arc::new(read);
        match &self.sqlite_file {
            Some(file) => {
                let file = file.clone();
                // The end is the highest index present, so that a run of deleted
                // entries (an empty page) does not end the stream early.
                futures_util::stream::once(self.ledger_size())
                    .map_ok(move |end| crate::sqlite_pages::pages(file.clone(), end, read.clone()))
                    .try_flatten()
                    .boxed()
            }
            None => self.aggregated_ledger_pages(read),
        }
    }

    /// [`Store::ledger_pages`] as aggregated rows, one query per page.
    fn aggregated_ledger_pages<T, F>(
        &self,
        read: Arc<F>,
    ) -> BoxStream<'_, Result<Vec<T>, StoreError>>
    where
        T: Send + 'static,
        F: Fn(LedgerRow<'_>) -> Result<T, StoreError> + Send + Sync + 'static,
    {
        // The end is the highest index present, so that a run of deleted
        // entries (an empty page) does not end the stream early.
        type Pending<T> = tokio::task::JoinHandle<Result<Vec<T>, StoreError>>;
        let store = self.clone();
        futures_util::stream::try_unfold(
            (0u64, None::<u64>, None::<Pending<T>>),
            move |(from, end, pending)| {
                let store = store.clone();
                let read = read.clone();
                async move {
                    let end = match end {
                        Some(e) => e,
                        None => store.ledger_size().await?,
                    };
                    if from >= end {
                        return Ok::<_, StoreError>(None);
                    }
                    let page = match pending {
                        Some(handle) => handle.await.map_err(|e| {
                            StoreError::Unavailable(format!("ledger read task: {e}"))
                        })??,
                        None => store.ledger_page(from, LEDGER_PAGE, read.clone()).await?,
                    };
                    let next = from + LEDGER_PAGE;
                    let prefetch = (next < end).then(|| {
                        let store = store.clone();
                        tokio::spawn(
                            async move { store.ledger_page(next, LEDGER_PAGE, read).await },
                        )
                    });
                    Ok(Some((page, (next, Some(end), prefetch))))
                }
            },
        )
        .boxed()
    }

    /// The entries with indexes `from..from + count` and their decisions,
    /// each passed to `read`.
    async fn ledger_page<T, F>(
        &self,
        from: u64,
        count: u64,
        read: Arc<F>,
    ) -> Result<Vec<T>, StoreError>
    where
        T: Send + 'static,
        F: Fn(LedgerRow<'_>) -> Result<T, StoreError> + Send + Sync + 'static,
    {
        // PostgreSQL only: SQLite reads plain rows instead (`sqlite_pages`).
        let sql = "SELECT (json_agg(json_build_array(e.idx, e.kind, e.record_id, convert_from(e.entry, 'UTF8'), \
             encode(e.leaf_hash, 'hex'), d.id, d.service, d.model_name, d.model_version, d.input_sha256, \
             d.output, d.explanation, d.confidence, d.status, d.initial_status, d.requested_by, d.reference, \
             d.created_at, d.ledger_index, d.quality_sample, d.entry_version, d.explanation_sha256, \
             d.reference_sha256, d.explanation_removed_at) ORDER BY e.idx))::text AS page \
             FROM ledger_entries e LEFT JOIN decisions d ON d.ledger_index = e.idx \
             WHERE e.idx >= $1 AND e.idx < $2";
        let row = sqlx::query(sql)
            .bind(to_sql_index(from))
            .bind(to_sql_index(from.saturating_add(count)))
            .fetch_one(self.pool())
            .await?;
        let Some(text) = row.try_get::<Option<String>, _>("page")? else {
            return Ok(Vec::new());
        };
        // Parsing a page is CPU work of a few milliseconds: keep it off the
        // async runtime.
        tokio::task::spawn_blocking(move || {
            let rows: Vec<PageRow> = serde_json::from_str(&text)
                .map_err(|e| StoreError::Corrupt(format!("ledger page from {from}: {e}")))?;
            rows.iter()
                .map(|row| {
                    let leaf_hash = hex::decode(&row.4).map_err(|_| {
                        StoreError::Corrupt(format!("leaf hash of entry {}", row.0))
                    })?;
                    read(row.view(&leaf_hash)?)
                })
                .collect()
        })
        .await
        .map_err(|e| StoreError::Unavailable(format!("ledger page parser: {e}")))?
    }

    /// The number of decision records.
    pub async fn count_decision_records(&self) -> Result<u64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM decisions")
            .fetch_one(self.pool())
            .await?;
        from_sql_index(row.try_get("n")?)
    }

    /// The first decision whose claimed ledger position holds no decision
    /// entry, as `(ledger_index, id)`.
    pub async fn first_decision_without_entry(&self) -> Result<Option<(u64, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT d.ledger_index AS idx, d.id AS id FROM decisions d \
             LEFT JOIN ledger_entries e ON e.idx = d.ledger_index \
             WHERE e.idx IS NULL OR e.kind <> 'decision' ORDER BY d.ledger_index LIMIT 1",
        )
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok((from_sql_index(r.try_get("idx")?)?, r.try_get("id")?)))
            .transpose()
    }

    /// The first decision whose review state disagrees with the review
    /// events the ledger holds, as `(decision id, what is wrong)`: marked
    /// reviewed with no review, reviewed but not marked so, a status
    /// changed without a review, waiting but not in the review queue, or a
    /// queue row for a decision that is not waiting. The review events
    /// themselves are checked against their entries by verification, so
    /// they are the truth the status and the queue are held to.
    pub async fn first_state_mismatch(&self) -> Result<Option<(String, &'static str)>, StoreError> {
        const CHECKS: [(&str, &str); 5] = [
            (
                "SELECT d.id AS id FROM decisions d WHERE d.status = 'reviewed' \
                 AND NOT EXISTS (SELECT 1 FROM review_events r WHERE r.decision_id = d.id) LIMIT 1",
                "it is marked reviewed, but the ledger holds no review of it",
            ),
            (
                "SELECT r.decision_id AS id FROM review_events r JOIN decisions d ON d.id = r.decision_id \
                 WHERE d.status <> 'reviewed' LIMIT 1",
                "the ledger holds a review of it, but it is not marked reviewed",
            ),
            (
                "SELECT d.id AS id FROM decisions d WHERE d.status <> 'reviewed' \
                 AND d.status <> d.initial_status LIMIT 1",
                "its status was changed without a review",
            ),
            (
                "SELECT d.id AS id FROM decisions d WHERE d.status = 'needs_review' \
                 AND NOT EXISTS (SELECT 1 FROM review_queue q WHERE q.decision_id = d.id) LIMIT 1",
                "it is waiting for review, but it is not in the review queue",
            ),
            (
                "SELECT q.decision_id AS id FROM review_queue q LEFT JOIN decisions d ON d.id = q.decision_id \
                 WHERE d.id IS NULL OR d.status <> 'needs_review' LIMIT 1",
                "it is in the review queue, but it is not waiting for review",
            ),
        ];
        for (sql, what) in CHECKS {
            if let Some(row) = sqlx::query(sql).fetch_optional(self.pool()).await? {
                return Ok(Some((row.try_get("id")?, what)));
            }
        }
        Ok(None)
    }

    /// Every redaction of a reason in ledger order, streamed.
    pub fn redactions_in_ledger_order(&self) -> BoxStream<'_, Result<ReasonRedaction, StoreError>> {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                "SELECT {} FROM reason_redactions ORDER BY ledger_index",
                crate::decisions::REDACTION_COLUMNS
            )
        });
        sqlx::query(sql)
            .fetch(self.pool())
            .map(|r| {
                r.map_err(StoreError::from)
                    .and_then(|row| crate::decisions::row_to_redaction(&row))
            })
            .boxed()
    }

    /// Every review event in ledger order, streamed.
    pub fn reviews_in_ledger_order(&self) -> BoxStream<'_, Result<ReviewEvent, StoreError>> {
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!("SELECT {REVIEW_COLUMNS} FROM review_events ORDER BY ledger_index")
        });
        sqlx::query(sql)
            .fetch(self.pool())
            .map(|r| {
                r.map_err(StoreError::from)
                    .and_then(|row| row_to_review(&row))
            })
            .boxed()
    }
}
