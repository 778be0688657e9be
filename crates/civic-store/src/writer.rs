//! The single ledger writer.
//!
//! Every decision, review event, redaction of a reason and governance change
//! reaches the database through one task per process. It takes whatever requests are waiting (up to `max_batch`), writes
//! them, their ledger entries and the tree's new stored hashes in one
//! transaction, commits (one fsync for the whole batch: group commit) and only
//! then acknowledges each request. On PostgreSQL the transaction first takes an
//! advisory lock and re-reads the tree size, so that writers in several
//! processes take turns and the tree never forks.

use std::time::{Duration, Instant};

use civic_core::{
    Decision, DecisionId, DecisionStatus, EntryVersion, GovernanceEvent, GovernanceEventId,
    NewDecision, Principal, QueueFacts, Reason, ReasonRedaction, RedactionId, ReviewAction,
    ReviewEvent, ReviewEventId, SampleRate, now_millis, text_digest, unix_millis,
};
use civic_ledger::{Frontier, Hash, LogSigner, leaf_hash, stored_hash_index};
use sqlx::{AnyConnection, Executor as _, Row as _};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::audit::StoredCheckpoint;
use crate::counters::{CounterDeltas, Dequeued};
use crate::governance::{self, GovernanceAction, Governed};
use crate::{Backend, Store, StoreError, from_sql_index, to_sql_index};

/// An arbitrary constant naming Civic's ledger lock among PostgreSQL advisory locks.
const LEDGER_LOCK_ID: i64 = 0x00C1_71C1_ED6A;

/// How the writer batches and when it signs checkpoints.
#[derive(Debug, Clone)]
pub struct WriterConfig {
    /// Sign a checkpoint at least every this many entries.
    pub checkpoint_every: u64,
    /// …and at least this often while there are unsigned entries.
    pub checkpoint_interval: Duration,
    /// The most requests written in one transaction.
    pub max_batch: usize,
    /// How long raw inputs are kept, and with them the explanations and
    /// references of decisions; `None` keeps none of them.
    pub input_retention: Option<Duration>,
    /// The share of would-be automatic decisions queued for review as
    /// quality samples. Applied here, where each decision gets its id, so
    /// that every service and every caller is sampled alike.
    pub quality_sample_rate: SampleRate,
    /// The checkpoints this signer has signed, kept outside the database.
    /// With it, the writer refuses to sign (and stops writing) when the
    /// tree in the database does not extend the last one it recorded.
    pub history: Option<std::sync::Arc<dyn SignedHistory>>,
}

/// The signed checkpoints a writer keeps outside the database (civic-app
/// keeps them in a file), so that rewriting the database cannot make the
/// signer vouch for a different history.
pub trait SignedHistory: Send + Sync + std::fmt::Debug {
    /// The size and root of the last checkpoint recorded, if any.
    fn last(&self) -> Result<Option<(u64, Hash)>, String>;
    /// Records a checkpoint just signed and committed.
    fn record(&self, checkpoint: &StoredCheckpoint) -> Result<(), String>;
}

impl Default for WriterConfig {
    fn default() -> Self {
        Self {
            checkpoint_every: 1000,
            checkpoint_interval: Duration::from_secs(10),
            max_batch: 1024,
            input_retention: None,
            quality_sample_rate: SampleRate::NONE,
            history: None,
        }
    }
}

/// Something to append to the ledger.
#[derive(Debug, Clone)]
pub enum Append {
    /// A new AI output (boxed: it is far larger than the other kinds, which
    /// share the writer's channel).
    Decision(Box<NewDecision>),
    /// A person's review of a decision.
    Review {
        /// The decision reviewed.
        decision_id: DecisionId,
        /// Accept or override.
        action: ReviewAction,
        /// Who.
        reviewer: Principal,
    },
    /// A change of who may act or of what decides, made in the same
    /// transaction as its governance entry.
    Governance {
        /// The change (boxed: a model version carries its bytes).
        action: Box<GovernanceAction>,
        /// Who makes it.
        by: Principal,
    },
    /// The removal of an override's stored reason (an erasure request).
    RedactReason {
        /// The review whose reason is removed.
        review_id: ReviewEventId,
        /// Who removes it.
        redacted_by: Principal,
        /// Why.
        why: Reason,
    },
}

impl Append {
    /// A new AI output to append.
    pub fn decision(new: NewDecision) -> Self {
        Append::Decision(Box::new(new))
    }
}

/// What an append became once durable.
#[derive(Debug)]
pub enum Appended {
    /// The stored decision.
    Decision(Decision),
    /// The stored review event.
    Review(ReviewEvent),
    /// The stored redaction of a reason.
    ReasonRedaction(ReasonRedaction),
    /// A governance change made and recorded.
    Governance(Box<Governed>),
    /// A governance action that found nothing to change: nothing was
    /// written and no entry appended.
    Unchanged,
}

impl Appended {
    /// The ledger index of the entry, if one was appended.
    pub fn ledger_index(&self) -> Option<u64> {
        match self {
            Appended::Decision(d) => Some(d.ledger_index),
            Appended::Review(r) => Some(r.ledger_index),
            Appended::ReasonRedaction(r) => Some(r.ledger_index),
            Appended::Governance(g) => Some(g.event.ledger_index),
            Appended::Unchanged => None,
        }
    }
}

enum Command {
    Append(Box<Append>, oneshot::Sender<Result<Appended, StoreError>>),
    Checkpoint(oneshot::Sender<Result<Option<StoredCheckpoint>, StoreError>>),
}

/// A handle to the ledger writer task. Cheap to clone; the task stops when
/// every handle is dropped.
#[derive(Debug, Clone)]
pub struct LedgerWriter {
    tx: mpsc::Sender<Command>,
}

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Command::Append(..) => "Append",
            Command::Checkpoint(_) => "Checkpoint",
        })
    }
}

impl LedgerWriter {
    /// Starts the writer task for `store`, signing checkpoints with `signer`.
    pub fn spawn(
        store: Store,
        signer: LogSigner,
        config: WriterConfig,
    ) -> (LedgerWriter, JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(config.max_batch.max(1) * 4);
        let task = WriterTask {
            store,
            signer,
            config,
            frontier: None,
            last_checkpoint_size: None,
            last_checkpoint_at: Instant::now(),
            forked: None,
        };
        let handle = tokio::spawn(task.run(rx));
        (LedgerWriter { tx }, handle)
    }

    /// Appends one record; returns once it is durable.
    pub async fn append(&self, append: Append) -> Result<Appended, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Append(Box::new(append), reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::WriterStopped)?
    }

    /// Records a decision; returns it, with its ledger index, once durable.
    ///
    /// The answer is the decision as made, with its explanation and
    /// reference, for the caller to use; without a retention period the
    /// stored record keeps neither (see `WriterConfig::input_retention`).
    pub async fn record_decision(&self, new: NewDecision) -> Result<Decision, StoreError> {
        match self.append(Append::decision(new)).await? {
            Appended::Decision(d) => Ok(d),
            _ => Err(StoreError::Corrupt(
                "the writer answered a decision with another record".into(),
            )),
        }
    }

    /// Records a review of a decision; returns it once durable.
    pub async fn record_review(
        &self,
        decision_id: DecisionId,
        action: ReviewAction,
        reviewer: Principal,
    ) -> Result<ReviewEvent, StoreError> {
        match self
            .append(Append::Review {
                decision_id,
                action,
                reviewer,
            })
            .await?
        {
            Appended::Review(r) => Ok(r),
            _ => Err(StoreError::Corrupt(
                "the writer answered a review with another record".into(),
            )),
        }
    }

    /// Removes an override's stored reason, recording who did it, when and
    /// why as a ledger entry of its own; returns it once durable.
    pub async fn redact_reason(
        &self,
        review_id: ReviewEventId,
        redacted_by: Principal,
        why: Reason,
    ) -> Result<ReasonRedaction, StoreError> {
        match self
            .append(Append::RedactReason {
                review_id,
                redacted_by,
                why,
            })
            .await?
        {
            Appended::ReasonRedaction(r) => Ok(r),
            _ => Err(StoreError::Corrupt(
                "the writer answered a redaction with another record".into(),
            )),
        }
    }

    /// Signs a checkpoint covering every entry so far, if the latest does not
    /// already; returns the latest checkpoint (`None` for an empty ledger).
    pub async fn checkpoint_now(&self) -> Result<Option<StoredCheckpoint>, StoreError> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Command::Checkpoint(reply))
            .await
            .map_err(|_| StoreError::WriterStopped)?;
        rx.await.map_err(|_| StoreError::WriterStopped)?
    }
}

struct WriterTask {
    store: Store,
    signer: LogSigner,
    config: WriterConfig,
    /// The tree as this process last wrote it; `None` forces a reload.
    frontier: Option<Frontier>,
    last_checkpoint_size: Option<u64>,
    last_checkpoint_at: Instant,
    /// Set, for good, when the tree in the database was found not to extend
    /// the last checkpoint in `config.history`: why.
    forked: Option<String>,
}

/// A row value for a multi-row insert.
enum Param {
    Text(String),
    OptText(Option<String>),
    Int(i64),
    OptInt(Option<i64>),
    OptFloat(Option<f64>),
    Bytes(Vec<u8>),
}

/// The outcome of one batch for one request.
type Outcome = Result<Appended, StoreError>;

impl WriterTask {
    async fn run(mut self, mut rx: mpsc::Receiver<Command>) {
        let tick = (self.config.checkpoint_interval / 2)
            .clamp(Duration::from_millis(50), Duration::from_secs(1));
        let mut ticker = tokio::time::interval(tick);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                cmd = rx.recv() => {
                    let Some(first) = cmd else { break };
                    let mut batch = vec![first];
                    while batch.len() < self.config.max_batch {
                        match rx.try_recv() {
                            Ok(cmd) => batch.push(cmd),
                            Err(_) => break,
                        }
                    }
                    self.process(batch).await;
                }
                _ = ticker.tick() => {
                    if self.forked.is_none()
                        && self.checkpoint_due_by_time()
                        && let Err(e) = self.write(&[], true).await
                    {
                        tracing::warn!(error = %e, "timed checkpoint failed");
                    }
                }
            }
        }
        tracing::debug!("ledger writer stopped");
    }

    fn checkpoint_due_by_time(&self) -> bool {
        match (&self.frontier, self.last_checkpoint_size) {
            (Some(f), Some(signed)) => {
                f.size() > signed
                    && self.last_checkpoint_at.elapsed() >= self.config.checkpoint_interval
            }
            _ => false,
        }
    }

    async fn process(&mut self, batch: Vec<Command>) {
        let mut appends = Vec::new();
        let mut append_replies = Vec::new();
        let mut checkpoint_replies = Vec::new();
        for cmd in batch {
            match cmd {
                Command::Append(a, reply) => {
                    appends.push(*a);
                    append_replies.push(reply);
                }
                Command::Checkpoint(reply) => checkpoint_replies.push(reply),
            }
        }
        let force = !checkpoint_replies.is_empty();
        if let Some(why) = &self.forked {
            for reply in append_replies {
                let _ = reply.send(Err(StoreError::Forked(why.clone())));
            }
            for reply in checkpoint_replies {
                let _ = reply.send(Err(StoreError::Forked(why.clone())));
            }
            return;
        }
        // Kept to retry one by one if the batch fails: one request the
        // database refuses must not fail everyone else's. The batch is
        // written from a borrow, so keeping it costs no copy of its bodies.
        let retry = appends.len() > 1;
        match self.write(&appends, force).await {
            Ok((outcomes, checkpoint)) => {
                for (reply, outcome) in append_replies.into_iter().zip(outcomes) {
                    let _ = reply.send(outcome);
                }
                for reply in checkpoint_replies {
                    let _ = reply.send(Ok(checkpoint.clone()));
                }
            }
            Err(e) if retry && !matches!(e, StoreError::Forked(_)) => {
                tracing::warn!(error = %e, code = e.code(), count = append_replies.len(), "ledger batch failed; writing its requests one by one");
                for (append, reply) in appends.iter().zip(append_replies) {
                    let outcome = match self.write(std::slice::from_ref(append), false).await {
                        Ok((mut outcomes, _)) => outcomes
                            .pop()
                            .unwrap_or(Err(StoreError::Corrupt("no outcome for a write".into()))),
                        Err(e) => {
                            tracing::error!(error = %e, code = e.code(), "ledger write failed; nothing was written for it");
                            Err(e)
                        }
                    };
                    let _ = reply.send(outcome);
                }
                if !checkpoint_replies.is_empty() {
                    let signed = self.write(&[], true).await;
                    for reply in checkpoint_replies {
                        let _ = reply.send(match &signed {
                            Ok((_, cp)) => Ok(cp.clone()),
                            Err(e) => Err(clone_error(e)),
                        });
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, code = e.code(), "ledger batch failed; nothing was written");
                for reply in append_replies {
                    let _ = reply.send(Err(clone_error(&e)));
                }
                for reply in checkpoint_replies {
                    let _ = reply.send(Err(clone_error(&e)));
                }
            }
        }
    }

    /// Writes one batch in one transaction. On error nothing is written and
    /// the in-memory tree is dropped, to be reloaded from the database.
    async fn write(
        &mut self,
        appends: &[Append],
        force_checkpoint: bool,
    ) -> Result<(Vec<Outcome>, Option<StoredCheckpoint>), StoreError> {
        let mut conn = self.store.pool().acquire().await?;
        let begin = match self.store.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        };
        conn.execute(begin).await?;
        let result = self.write_in_tx(&mut conn, appends, force_checkpoint).await;
        let result = match result {
            Ok((outcomes, checkpoint, signed)) => match conn.execute("COMMIT").await {
                Ok(_) => {
                    // Only once it is durable in the database: a checkpoint
                    // recorded outside it for a batch that then rolled back
                    // would make the next, honest tree look like a fork.
                    if signed
                        && let (Some(history), Some(cp)) = (&self.config.history, &checkpoint)
                        && let Err(e) = history.record(cp)
                    {
                        tracing::error!(error = %e, size = cp.size, "could not record the signed checkpoint outside the database");
                    }
                    Ok((outcomes, checkpoint))
                }
                Err(e) => Err(e.into()),
            },
            Err(e) => Err(e),
        };
        if let Err(StoreError::Forked(why)) = &result {
            tracing::error!(
                alert = true,
                reason = %why,
                "LEDGER FORK: the database no longer extends the last signed checkpoint; \
                 signing and writing are stopped"
            );
            self.forked = Some(why.clone());
        }
        if result.is_err() {
            self.frontier = None;
            self.last_checkpoint_size = None;
            if conn.execute("ROLLBACK").await.is_err() {
                // A connection in an unknown transaction state must not go back to the pool.
                let _ = conn.detach();
            }
        }
        result
    }

    async fn write_in_tx(
        &mut self,
        conn: &mut AnyConnection,
        appends: &[Append],
        force_checkpoint: bool,
    ) -> Result<(Vec<Outcome>, Option<StoredCheckpoint>, bool), StoreError> {
        if self.store.backend() == Backend::Postgres {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(LEDGER_LOCK_ID)
                .execute(&mut *conn)
                .await?;
        }
        let size_row = sqlx::query("SELECT COALESCE(MAX(idx) + 1, 0) AS size FROM ledger_entries")
            .fetch_one(&mut *conn)
            .await?;
        let size = from_sql_index(size_row.try_get("size")?)?;
        let mut frontier = match self.frontier.take() {
            Some(f) if f.size() == size => f,
            _ => {
                // Loaded from the database (at start, after a failed batch,
                // or after another process appended): check that what is
                // there extends what this signer last vouched for before
                // building on it.
                let f = load_frontier(conn, self.store.backend(), size).await?;
                self.check_extends_history(conn, size, f.root()).await?;
                f
            }
        };
        let cp_row = sqlx::query("SELECT COALESCE(MAX(tree_size), 0) AS size FROM checkpoints")
            .fetch_one(&mut *conn)
            .await?;
        let mut last_checkpoint = from_sql_index(cp_row.try_get("size")?)?;
        if self.last_checkpoint_size != Some(last_checkpoint) {
            self.last_checkpoint_at = Instant::now();
        }

        let now = now_millis();
        let expires_at = self.config.input_retention.map(|d| {
            unix_millis(now).saturating_add(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        });
        let mut outcomes = Vec::with_capacity(appends.len());
        let mut decision_rows = Vec::new();
        let mut review_rows = Vec::new();
        let mut redaction_rows = Vec::new();
        let mut governance_rows = Vec::new();
        let mut queue_rows = Vec::new();
        let mut entry_rows = Vec::new();
        let mut hash_rows = Vec::new();
        let mut counters = CounterDeltas::default();
        for append in appends {
            let (appended, event, record_row) = match append {
                Append::Decision(new) => {
                    let decision = decision_from(
                        (**new).clone(),
                        now,
                        frontier.size(),
                        self.config.quality_sample_rate,
                    );
                    let row = decision_row(&decision, new, now, expires_at);
                    if decision.status == DecisionStatus::NeedsReview {
                        let QueueFacts { team, urgent } = new.queue.clone();
                        counters.decision(&decision, Some(team.as_deref()));
                        queue_rows.push(queue_row(&decision, team, urgent));
                    } else {
                        counters.decision(&decision, None);
                    }
                    let event = decision.ledger_event();
                    (Appended::Decision(decision), event, row)
                }
                Append::Review {
                    decision_id,
                    action,
                    reviewer,
                } => {
                    let (decision_id, action, reviewer) =
                        (*decision_id, action.clone(), reviewer.clone());
                    let was = match mark_reviewed(conn, decision_id).await? {
                        Ok(was) => was,
                        Err(e) => {
                            outcomes.push(Err(e));
                            continue;
                        }
                    };
                    counters.review(&was, &action, now);
                    let reason_sha256 = match &action {
                        ReviewAction::Override { reason, .. } => Some(text_digest(reason.as_str())),
                        ReviewAction::Accept | ReviewAction::Refer { .. } => None,
                    };
                    let review = ReviewEvent {
                        id: ReviewEventId::new(),
                        decision_id,
                        action,
                        reviewer,
                        created_at: now,
                        ledger_index: frontier.size(),
                        entry_version: EntryVersion::CURRENT,
                        reason_sha256,
                        reason_redacted_at: None,
                    };
                    let row = review_row(&review);
                    let event = review.ledger_event();
                    (Appended::Review(review), event, row)
                }
                Append::RedactReason {
                    review_id,
                    redacted_by,
                    why,
                } => {
                    let (review_id, redacted_by, why) =
                        (*review_id, redacted_by.clone(), why.clone());
                    let decision_id = match remove_reason(conn, review_id, now).await? {
                        Ok(decision_id) => decision_id,
                        Err(e) => {
                            outcomes.push(Err(e));
                            continue;
                        }
                    };
                    let redaction = ReasonRedaction {
                        id: RedactionId::new(),
                        review_id,
                        decision_id,
                        redacted_by,
                        why,
                        created_at: now,
                        ledger_index: frontier.size(),
                    };
                    let row = redaction_row(&redaction);
                    let event = redaction.ledger_event();
                    (Appended::ReasonRedaction(redaction), event, row)
                }
                Append::Governance { action, by } => {
                    let (change, outcome) = match governance::apply(conn, action, now).await? {
                        Ok(Some(applied)) => applied,
                        Ok(None) => {
                            outcomes.push(Ok(Appended::Unchanged));
                            continue;
                        }
                        Err(e) => {
                            outcomes.push(Err(e));
                            continue;
                        }
                    };
                    let event = GovernanceEvent {
                        id: GovernanceEventId::new(),
                        by: by.clone(),
                        change,
                        created_at: now,
                        ledger_index: frontier.size(),
                    };
                    let (id, kind, actor, details, created_at, index) =
                        governance::row_values(&event);
                    let row = vec![
                        Param::Text(id),
                        Param::Text(kind),
                        Param::Text(actor),
                        Param::Text(details),
                        Param::Int(created_at),
                        Param::Int(index),
                    ];
                    let entry = event.ledger_event();
                    (
                        Appended::Governance(Box::new(Governed { event, outcome })),
                        entry,
                        row,
                    )
                }
            };
            let index = frontier.size();
            let bytes = event.to_bytes();
            let leaf = leaf_hash(&bytes);
            let first_stored = stored_hash_index(0, index);
            for (k, h) in frontier.append(leaf).into_iter().enumerate() {
                hash_rows.push(vec![
                    Param::Int(to_sql_index(first_stored + k as u64)),
                    Param::Bytes(h.0.to_vec()),
                ]);
            }
            entry_rows.push(vec![
                Param::Int(to_sql_index(index)),
                Param::Text(event.kind().to_owned()),
                Param::Text(event.record_id()),
                Param::Bytes(bytes),
                Param::Bytes(leaf.0.to_vec()),
                Param::Int(unix_millis(now)),
            ]);
            match &appended {
                Appended::Decision(_) => decision_rows.push(record_row),
                Appended::Review(_) => review_rows.push(record_row),
                Appended::ReasonRedaction(_) => redaction_rows.push(record_row),
                Appended::Governance(_) => governance_rows.push(record_row),
                Appended::Unchanged => {}
            }
            outcomes.push(Ok(appended));
        }

        let backend = self.store.backend();
        insert_rows(
            conn,
            backend,
            "decisions (id, service, model_name, model_version, input_sha256, input, input_expires_at, output, \
             explanation, confidence, status, initial_status, requested_by, reference, created_at, ledger_index, \
             quality_sample, entry_version, explanation_sha256, reference_sha256, text_expires_at, \
             explanation_removed_at)",
            decision_rows,
        )
        .await?;
        insert_rows(
            conn,
            backend,
            "review_queue (decision_id, service, team, urgent, created_at)",
            queue_rows,
        )
        .await?;
        insert_rows(
            conn,
            backend,
            "review_events (id, decision_id, action, output, reason, reviewer, created_at, ledger_index, \
             entry_version, reason_sha256)",
            review_rows,
        )
        .await?;
        insert_rows(
            conn,
            backend,
            "reason_redactions (id, review_id, decision_id, redacted_by, why, created_at, ledger_index)",
            redaction_rows,
        )
        .await?;
        insert_rows(conn, backend, governance::INSERT_COLUMNS, governance_rows).await?;
        insert_rows(
            conn,
            backend,
            "ledger_entries (idx, kind, record_id, entry, leaf_hash, created_at)",
            entry_rows,
        )
        .await?;
        insert_rows(conn, backend, "ledger_hashes (id, hash)", hash_rows).await?;
        counters.apply(conn).await?;

        let size = frontier.size();
        let due = size > last_checkpoint
            && (force_checkpoint
                || size - last_checkpoint >= self.config.checkpoint_every
                || self.last_checkpoint_at.elapsed() >= self.config.checkpoint_interval);
        let checkpoint = if due {
            let root = frontier.root();
            self.check_extends_history(conn, size, root).await?;
            let note = self.signer.sign(size, root);
            sqlx::query(
                "INSERT INTO checkpoints (tree_size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (tree_size) DO NOTHING",
            )
            .bind(to_sql_index(size))
            .bind(root.0.to_vec())
            .bind(note.clone())
            .bind(unix_millis(now))
            .execute(&mut *conn)
            .await?;
            last_checkpoint = size;
            self.last_checkpoint_at = Instant::now();
            Some(StoredCheckpoint {
                size,
                root,
                note,
                created_at: now,
            })
        } else if force_checkpoint && size > 0 {
            crate::audit::latest_checkpoint_on(conn).await?
        } else {
            None
        };
        self.frontier = Some(frontier);
        self.last_checkpoint_size = Some(last_checkpoint);
        Ok((outcomes, checkpoint, due))
    }

    /// Checks that the tree of `size` entries with `root`, as the database
    /// holds it now, extends the last checkpoint in the signer's history
    /// (an RFC 9162 consistency proof built from the stored hashes);
    /// [`StoreError::Forked`] says how it does not.
    async fn check_extends_history(
        &self,
        conn: &mut AnyConnection,
        size: u64,
        root: Hash,
    ) -> Result<(), StoreError> {
        let Some(history) = &self.config.history else {
            return Ok(());
        };
        let last = history
            .last()
            .map_err(|e| StoreError::Unavailable(format!("the checkpoint history: {e}")))?;
        let Some((signed_size, signed_root)) = last else {
            return Ok(());
        };
        if signed_size > size {
            return Err(StoreError::Forked(format!(
                "it signed {signed_size} entries and the database now holds {size}"
            )));
        }
        if signed_size == 0 {
            return Ok(());
        }
        let indexes = civic_ledger::consistency_proof_indexes(signed_size, size)?;
        let hashes = crate::audit::read_hashes_on(conn, self.store.backend(), &indexes).await?;
        let proof = civic_ledger::consistency_proof(signed_size, size, &hashes)?;
        civic_ledger::verify_consistency(signed_size, size, &proof, &signed_root, &root).map_err(
            |_| {
                StoreError::Forked(format!(
                    "the first {signed_size} entries in the database are not the ones it signed"
                ))
            },
        )
    }
}

/// `Ok(Ok(was))` when the decision was waiting and is now reviewed, with
/// what the counters need to know of it; `Ok(Err)` for a request-level
/// failure that must not fail the rest of the batch.
async fn mark_reviewed(
    conn: &mut AnyConnection,
    decision_id: DecisionId,
) -> Result<Result<Dequeued, StoreError>, StoreError> {
    let done = sqlx::query(
        "UPDATE decisions SET status = 'reviewed' WHERE id = $1 AND status <> 'reviewed' \
         RETURNING model_name, model_version, quality_sample",
    )
    .bind(decision_id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = done {
        let queue =
            sqlx::query("DELETE FROM review_queue WHERE decision_id = $1 RETURNING service, team")
                .bind(decision_id.to_string())
                .fetch_optional(&mut *conn)
                .await?
                .map(|q| Ok::<_, StoreError>((q.try_get("service")?, q.try_get("team")?)))
                .transpose()?;
        let quality_sample: i64 = row.try_get("quality_sample")?;
        return Ok(Ok(Dequeued {
            model: civic_core::ModelRef {
                name: row.try_get("model_name")?,
                version: row.try_get("model_version")?,
            },
            quality_sample: quality_sample != 0,
            queue,
        }));
    }
    let exists = sqlx::query("SELECT 1 FROM decisions WHERE id = $1")
        .bind(decision_id.to_string())
        .fetch_optional(&mut *conn)
        .await?
        .is_some();
    Ok(Err(if exists {
        StoreError::Conflict(format!("decision {decision_id} has already been reviewed"))
    } else {
        StoreError::NotFound {
            what: "decision",
            id: decision_id.to_string(),
        }
    }))
}

/// Removes the stored reason of override `review_id` for its redaction:
/// `Ok(Ok(decision_id))` when it was removed; `Ok(Err)` for a request-level
/// failure (no such review, not an override, already redacted, or a
/// version-1 review, whose entry holds the reason itself).
async fn remove_reason(
    conn: &mut AnyConnection,
    review_id: ReviewEventId,
    now: civic_core::Timestamp,
) -> Result<Result<DecisionId, StoreError>, StoreError> {
    let row = sqlx::query(
        "SELECT decision_id, action, entry_version, reason_redacted_at FROM review_events WHERE id = $1",
    )
    .bind(review_id.to_string())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Err(StoreError::NotFound {
            what: "review",
            id: review_id.to_string(),
        }));
    };
    let action: String = row.try_get("action")?;
    let version: i64 = row.try_get("entry_version")?;
    let redacted: Option<i64> = row.try_get("reason_redacted_at")?;
    let refusal = if action != "override" {
        Some(format!(
            "it is {} without a reason",
            if action == "refer" {
                "a referral"
            } else {
                "an accept"
            }
        ))
    } else if redacted.is_some() {
        Some("its reason has already been redacted".to_owned())
    } else if version < 2 {
        Some(
            "it was recorded before ledger entry version 2, so the ledger entry itself holds the \
             reason and removing it from the record would only make verification fail"
                .to_owned(),
        )
    } else {
        None
    };
    if let Some(why) = refusal {
        return Ok(Err(StoreError::Conflict(format!(
            "review {review_id} cannot be redacted: {why}"
        ))));
    }
    sqlx::query("UPDATE review_events SET reason = NULL, reason_redacted_at = $1 WHERE id = $2")
        .bind(unix_millis(now))
        .bind(review_id.to_string())
        .execute(&mut *conn)
        .await?;
    let decision_id: String = row.try_get("decision_id")?;
    Ok(Ok(decision_id.parse().map_err(|e| {
        StoreError::Corrupt(format!("decision id of review {review_id}: {e}"))
    })?))
}

/// The decision as recorded: a would-be automatic one that `rate` selects
/// becomes a quality sample waiting for review.
fn decision_from(
    new: NewDecision,
    now: civic_core::Timestamp,
    index: u64,
    rate: SampleRate,
) -> Decision {
    let id = DecisionId::new();
    let quality_sample = new.status == DecisionStatus::Auto && rate.selects(id);
    let status = if quality_sample {
        DecisionStatus::NeedsReview
    } else {
        new.status
    };
    let (explanation_sha256, reference_sha256) =
        Decision::digests_of(&new.explanation, new.reference.as_deref());
    Decision {
        entry_version: EntryVersion::CURRENT,
        explanation_sha256: Some(explanation_sha256),
        reference_sha256,
        explanation_removed_at: None,
        id,
        service: new.service,
        model: new.model,
        input_digest: new.input_digest,
        output: new.output,
        explanation: new.explanation,
        confidence: new.confidence,
        status,
        initial_status: status,
        requested_by: new.requested_by,
        reference: new.reference,
        created_at: now,
        ledger_index: index,
        quality_sample,
    }
}

/// The decision's row. Without a retention period, neither the input nor
/// the explanation and reference are stored (the caller has them in the
/// answer; the entry holds their digests), and the row says the
/// explanation was removed when it was made.
fn decision_row(
    d: &Decision,
    new: &NewDecision,
    now: civic_core::Timestamp,
    expires_at: Option<i64>,
) -> Vec<Param> {
    let input = match (&new.input, expires_at) {
        (Some(input), Some(_)) => Some(input.to_string()),
        _ => None,
    };
    let input_expires_at = input.as_ref().and(expires_at);
    let (explanation, reference, removed_at) = match expires_at {
        Some(_) => (d.explanation.to_string(), d.reference.clone(), None),
        None => ("null".to_owned(), None, Some(unix_millis(now))),
    };
    vec![
        Param::Text(d.id.to_string()),
        Param::Text(d.service.as_str().to_owned()),
        Param::Text(d.model.name.clone()),
        Param::Text(d.model.version.clone()),
        Param::Text(d.input_digest.to_hex()),
        Param::OptText(input),
        Param::OptInt(input_expires_at),
        Param::Text(d.output.to_string()),
        Param::Text(explanation),
        Param::OptFloat(d.confidence),
        Param::Text(d.status.as_str().to_owned()),
        Param::Text(d.initial_status.as_str().to_owned()),
        Param::Text(d.requested_by.to_string()),
        Param::OptText(reference),
        Param::Int(unix_millis(d.created_at)),
        Param::Int(to_sql_index(d.ledger_index)),
        Param::Int(i64::from(d.quality_sample)),
        Param::Int(i64::from(d.entry_version.number())),
        Param::OptText(d.explanation_sha256.map(|h| h.to_hex())),
        Param::OptText(d.reference_sha256.map(|h| h.to_hex())),
        Param::OptInt(expires_at),
        Param::OptInt(removed_at),
    ]
}

fn queue_row(d: &Decision, team: Option<String>, urgent: bool) -> Vec<Param> {
    vec![
        Param::Text(d.id.to_string()),
        Param::Text(d.service.as_str().to_owned()),
        Param::OptText(team),
        Param::Int(i64::from(urgent)),
        Param::Int(unix_millis(d.created_at)),
    ]
}

fn review_row(r: &ReviewEvent) -> Vec<Param> {
    let (output, reason) = match &r.action {
        ReviewAction::Accept => (None, None),
        ReviewAction::Override { output, reason } => {
            (Some(output.to_string()), Some(reason.as_str().to_owned()))
        }
        // The team is kept in the output column, as `{"referred_to": TEAM}`.
        ReviewAction::Refer { team } => (
            Some(serde_json::json!({ "referred_to": team.as_str() }).to_string()),
            None,
        ),
    };
    vec![
        Param::Text(r.id.to_string()),
        Param::Text(r.decision_id.to_string()),
        Param::Text(r.action.name().to_owned()),
        Param::OptText(output),
        Param::OptText(reason),
        Param::Text(r.reviewer.to_string()),
        Param::Int(unix_millis(r.created_at)),
        Param::Int(to_sql_index(r.ledger_index)),
        Param::Int(i64::from(r.entry_version.number())),
        Param::OptText(r.reason_sha256.map(|h| h.to_hex())),
    ]
}

fn redaction_row(r: &ReasonRedaction) -> Vec<Param> {
    vec![
        Param::Text(r.id.to_string()),
        Param::Text(r.review_id.to_string()),
        Param::Text(r.decision_id.to_string()),
        Param::Text(r.redacted_by.to_string()),
        Param::Text(r.why.as_str().to_owned()),
        Param::Int(unix_millis(r.created_at)),
        Param::Int(to_sql_index(r.ledger_index)),
    ]
}

/// Inserts `rows` into `table_and_columns` with as few statements as
/// reasonable. Chunks have fixed sizes so that prepared statements are reused.
async fn insert_rows(
    conn: &mut AnyConnection,
    backend: Backend,
    table_and_columns: &str,
    rows: Vec<Vec<Param>>,
) -> Result<(), StoreError> {
    const CHUNKS: [usize; 5] = [256, 64, 16, 4, 1];
    let mut rows = rows.into_iter().peekable();
    let mut remaining = rows.len();
    while remaining > 0 {
        let chunk = CHUNKS.into_iter().find(|&c| c <= remaining).unwrap_or(1);
        let batch: Vec<Vec<Param>> = rows.by_ref().take(chunk).collect();
        remaining -= batch.len();
        let mut sql = format!("INSERT INTO {table_and_columns} VALUES ");
        let mut n = 0;
        for (i, row) in batch.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push('(');
            for (j, param) in row.iter().enumerate() {
                if j > 0 {
                    sql.push(',');
                }
                // sqlx 0.8's `Any` driver binds a NULL `f64` as a PostgreSQL
                // `float4`; the statement is then cached with that type and
                // the next non-NULL `f64` sent to it fails ("incorrect
                // binary data format in bind parameter"). A NULL float is
                // written as a literal instead, so each NULL pattern is its
                // own statement.
                if matches!(param, Param::OptFloat(None)) {
                    sql.push_str("NULL");
                } else {
                    n += 1;
                    backend.push_placeholder(&mut sql, n);
                }
            }
            sql.push(')');
        }
        let mut query = sqlx::query(&sql);
        for param in batch.into_iter().flatten() {
            query = match param {
                Param::Text(v) => query.bind(v),
                Param::OptText(v) => query.bind(v),
                Param::Int(v) => query.bind(v),
                Param::OptInt(v) => query.bind(v),
                Param::OptFloat(None) => query,
                Param::OptFloat(v) => query.bind(v),
                Param::Bytes(v) => query.bind(v),
            };
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

async fn load_frontier(
    conn: &mut AnyConnection,
    backend: Backend,
    size: u64,
) -> Result<Frontier, StoreError> {
    let indexes = Frontier::required_indexes(size);
    let hashes = crate::audit::read_hashes_on(conn, backend, &indexes).await?;
    Ok(Frontier::from_hashes(size, &hashes)?)
}

/// Errors cross the channel to many waiters; this keeps the code and message.
fn clone_error(e: &StoreError) -> StoreError {
    match e {
        StoreError::Unavailable(m) => StoreError::Unavailable(m.clone()),
        StoreError::WriterStopped => StoreError::WriterStopped,
        StoreError::Forked(m) => StoreError::Forked(m.clone()),
        StoreError::Conflict(m) => StoreError::Conflict(m.clone()),
        StoreError::NotFound { what, id } => StoreError::NotFound {
            what,
            id: id.clone(),
        },
        other => StoreError::Corrupt(other.to_string()),
    }
}
