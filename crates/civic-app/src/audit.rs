//! The audit use cases: verify the whole ledger, and produce or check an
//! inclusion proof for one decision.
//!
//! Verification streams every entry once, in order, together with the decision
//! and review records and the tree's stored hashes (four ordered streams merged
//! by index), so memory stays flat however long the log is.

use std::fmt;
use std::path::Path;

use civic_core::{DecisionId, ReasonRedaction, ReviewEvent};
use civic_ledger::{
    Frontier, Hash, LogVerifier, ProofBundle, VerifiedProof, inclusion_proof,
    inclusion_proof_indexes, leaf_hash, stored_hash_index,
};
use civic_store::{EntryRow, LedgerRow, StoreError, StoredGovernanceEvent};
use futures_util::stream::{BoxStream, StreamExt as _};

use crate::{App, AppError};

/// A checkpoint kept outside the database, to verify the ledger against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedCheckpoint {
    /// Its tree size.
    pub size: u64,
    /// Its root hash.
    pub root: civic_ledger::Hash,
    /// Where it was kept (a file name), for messages.
    pub source: String,
}

impl App {
    /// Reads checkpoints an auditor saved: a file holding one signed note
    /// (as `civic audit checkpoint` prints it), or a checkpoint log (JSON
    /// Lines, as the server keeps). Each must be signed by this ledger's
    /// key.
    pub fn read_saved_checkpoints(&self, path: &Path) -> Result<Vec<SavedCheckpoint>, AppError> {
        let source = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| AppError::Io {
            path: path.to_owned(),
            message: format!("could not read the saved checkpoint: {e}"),
        })?;
        let invalid = |message: String| AppError::Invalid {
            field: "since",
            message: format!("{source}: {message}"),
        };
        if text.trim_start().starts_with('{') {
            let log =
                crate::checkpoint_log::CheckpointLog::new(path.to_owned(), self.verifier().clone());
            let found = log.read()?;
            if found.is_empty() {
                return Err(invalid(
                    "it holds no checkpoint signed by this ledger's key".into(),
                ));
            }
            return Ok(found
                .into_iter()
                .map(|(_, cp)| SavedCheckpoint {
                    size: cp.size,
                    root: cp.root,
                    source: source.clone(),
                })
                .collect());
        }
        let cp = self
            .verifier()
            .verify(&text)
            .map_err(|e| invalid(format!("not a checkpoint signed by this ledger's key: {e}")))?;
        Ok(vec![SavedCheckpoint {
            size: cp.size,
            root: cp.root,
            source,
        }])
    }
}

/// What a successful verification covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries checked.
    pub entries: u64,
    /// Decision records checked against their entries.
    pub decisions: u64,
    /// Review events checked against their entries.
    pub reviews: u64,
    /// Redactions of reasons checked against their entries.
    pub redactions: u64,
    /// Governance events checked against their entries.
    pub governance: u64,
    /// Signed checkpoints checked.
    pub checkpoints: u64,
    /// The size of the latest signed checkpoint (0 if none).
    pub signed_size: u64,
}

impl VerifyReport {
    /// Entries after the latest checkpoint: checked against the stored hashes
    /// but not yet covered by a signature.
    pub fn unsigned_tail(&self) -> u64 {
        self.entries.saturating_sub(self.signed_size)
    }

    /// The records checked, in words: `12 decisions, 1 reviews`, with
    /// `, 1 reason redactions` and `, 3 governance events` when there are
    /// any.
    pub fn records(&self) -> String {
        let mut text = format!("{} decisions, {} reviews", self.decisions, self.reviews);
        if self.redactions > 0 {
            text.push_str(&format!(", {} reason redactions", self.redactions));
        }
        if self.governance > 0 {
            text.push_str(&format!(", {} governance events", self.governance));
        }
        text
    }
}

/// The first inconsistency found, naming the entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inconsistency {
    /// A checkpoint's signature does not verify.
    BadCheckpointSignature {
        /// The checkpoint's tree size.
        size: u64,
        /// Why.
        reason: String,
    },
    /// An index has no entry: it was deleted.
    EntryMissing {
        /// The missing index.
        index: u64,
    },
    /// An entry's bytes no longer hash to the leaf hash recorded when it was appended.
    EntryAltered {
        /// The entry.
        index: u64,
    },
    /// The record an entry stands for is gone.
    RecordMissing {
        /// The entry.
        index: u64,
        /// `decision` or `review`.
        kind: String,
        /// The record's id.
        id: String,
    },
    /// The record at an entry's position differs from what was hashed: it was
    /// altered, or records were reordered.
    RecordAltered {
        /// The entry.
        index: u64,
        /// `decision` or `review`.
        kind: String,
        /// The record's id.
        id: String,
    },
    /// A record claims a ledger position that has no matching entry.
    RecordWithoutEntry {
        /// The record's claimed position.
        index: u64,
        /// The record's id.
        id: String,
    },
    /// A stored hash used for inclusion proofs differs from the recomputed one.
    StoredHashAltered {
        /// The stored-hash index.
        stored_index: u64,
        /// The last entry it covers.
        index: u64,
    },
    /// The tree recomputed from the entries does not match a signed checkpoint.
    RootMismatch {
        /// The checkpoint's tree size.
        size: u64,
        /// The first entry after the previous matching checkpoint.
        from_index: u64,
    },
    /// The tree differs from a checkpoint kept outside the database (the
    /// checkpoint log, or one an auditor saved): history was rewritten.
    SavedCheckpointMismatch {
        /// The checkpoint's tree size.
        size: u64,
        /// Where it was kept.
        source: String,
    },
    /// A checkpoint kept outside the database covers more entries than the
    /// ledger has: entries were removed.
    SavedCheckpointBeyond {
        /// The checkpoint's tree size.
        size: u64,
        /// The entries present.
        entries: u64,
        /// Where it was kept.
        source: String,
    },
    /// A decision's review state (its status, its place in the review
    /// queue) disagrees with the review events in the ledger.
    StateMismatch {
        /// The decision.
        id: String,
        /// What disagrees.
        what: String,
    },
    /// A checkpoint in the checkpoint log is not in the database: it was
    /// deleted (the tree may still match it).
    CheckpointMissing {
        /// The checkpoint's tree size.
        size: u64,
        /// The log file.
        source: String,
    },
    /// A signed checkpoint covers more entries than the ledger has: entries
    /// were removed from the end.
    Truncated {
        /// The checkpoint's tree size.
        signed_size: u64,
        /// The entries present.
        entries: u64,
    },
}

impl fmt::Display for Inconsistency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Inconsistency::BadCheckpointSignature { size, reason } => {
                write!(
                    f,
                    "the checkpoint for tree size {size} is not validly signed: {reason}"
                )
            }
            Inconsistency::EntryMissing { index } => write!(f, "entry {index} is missing"),
            Inconsistency::EntryAltered { index } => {
                write!(
                    f,
                    "entry {index} was altered: its bytes no longer match the hash recorded when it was appended"
                )
            }
            Inconsistency::RecordMissing { index, kind, id } => {
                write!(f, "entry {index}: the {kind} record {id} is missing")
            }
            Inconsistency::RecordAltered { index, kind, id } => write!(
                f,
                "entry {index}: the {kind} record {id} differs from what was recorded in the ledger (altered or reordered)"
            ),
            Inconsistency::RecordWithoutEntry { index, id } => {
                write!(
                    f,
                    "record {id} claims ledger entry {index}, which does not hold it"
                )
            }
            Inconsistency::StoredHashAltered {
                stored_index,
                index,
            } => write!(
                f,
                "stored hash {stored_index} (used for proofs, covering entries up to {index}) was altered"
            ),
            Inconsistency::RootMismatch { size, from_index } => write!(
                f,
                "the first {size} entries do not match the signed checkpoint for that size; \
                 an entry from {from_index} onwards was altered, removed or reordered"
            ),
            Inconsistency::SavedCheckpointMismatch { size, source } => write!(
                f,
                "the first {size} entries do not match the checkpoint for that size kept in {source}: \
                 the ledger's history was rewritten"
            ),
            Inconsistency::SavedCheckpointBeyond {
                size,
                entries,
                source,
            } => write!(
                f,
                "{source} holds a checkpoint of {size} entries but the ledger has only {entries}: \
                 entries were removed"
            ),
            Inconsistency::StateMismatch { id, what } => {
                write!(f, "decision {id}: {what}")
            }
            Inconsistency::CheckpointMissing { size, source } => write!(
                f,
                "the checkpoint for tree size {size} recorded in {source} is missing from the database"
            ),
            Inconsistency::Truncated {
                signed_size,
                entries,
            } => write!(
                f,
                "a checkpoint signed {signed_size} entries but only {entries} remain: entry {entries} is missing"
            ),
        }
    }
}

/// One decision as an auditor sees it (see [`App::decision_audit`]).
#[derive(Debug, Clone)]
pub struct DecisionAudit {
    /// The decision record.
    pub decision: civic_core::Decision,
    /// Its review events, in ledger order.
    pub reviews: Vec<ReviewEvent>,
    /// The ledger entries of the decision, then of each review, then of
    /// each redaction of a review's reason.
    pub entries: Vec<EntryRow>,
    /// The decision entry's inclusion proof, as `civic audit proof` writes it.
    pub bundle: ProofBundle,
    /// What the proof proves, or why it does not verify.
    pub proof: Result<VerifiedProof, String>,
}

/// The outcome of a verification that could run to the end.
pub type VerifyOutcome = Result<VerifyReport, Inconsistency>;

/// A one-item look-ahead over a stream of records ordered by ledger index.
struct Ordered<'a, T> {
    stream: BoxStream<'a, Result<T, StoreError>>,
    next: Option<T>,
}

impl<'a, T> Ordered<'a, T> {
    async fn new(mut stream: BoxStream<'a, Result<T, StoreError>>) -> Result<Self, AppError> {
        let next = stream.next().await.transpose()?;
        Ok(Self { stream, next })
    }

    async fn advance(&mut self) -> Result<Option<T>, AppError> {
        let next = self.stream.next().await.transpose()?;
        Ok(std::mem::replace(&mut self.next, next))
    }
}

impl App {
    /// Recomputes the whole Merkle tree from the stored entries, checks every
    /// record against its entry, every stored hash, and every signed
    /// checkpoint. `progress` is called with the number of entries done.
    ///
    /// The outer error is a failure to read; the inner one the first
    /// inconsistency found.
    pub async fn verify_ledger(
        &self,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<VerifyOutcome, AppError> {
        self.verify_ledger_since(&[], progress).await
    }

    /// [`App::verify_ledger`], also proving that the ledger extends each of
    /// `saved` (checkpoints an auditor kept, already checked against this
    /// ledger's key) and every checkpoint in the checkpoint log outside the
    /// database, and that none of the log's checkpoints is missing from the
    /// database.
    pub async fn verify_ledger_since(
        &self,
        saved: &[SavedCheckpoint],
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<VerifyOutcome, AppError> {
        let store = self.store();
        let checkpoints = store.checkpoints().await?;
        let log_name = self.checkpoint_log().path().display().to_string();
        let logged: Vec<SavedCheckpoint> = self
            .checkpoint_log()
            .read()?
            .into_iter()
            .map(|(_, cp)| SavedCheckpoint {
                size: cp.size,
                root: cp.root,
                source: log_name.clone(),
            })
            .collect();
        // A logged checkpoint the database lacks is named after the walk,
        // so that a rewrite the walk finds is the one reported.
        let missing = logged
            .iter()
            .find(|l| !checkpoints.iter().any(|c| c.size == l.size))
            .map(|l| l.size);
        let mut outside: Vec<&SavedCheckpoint> =
            saved.iter().chain(&logged).filter(|c| c.size > 0).collect();
        outside.sort_by_key(|c| c.size);
        let mut next_outside = outside.into_iter().peekable();
        for cp in &checkpoints {
            if let Err(bad) = self.check_checkpoint(cp) {
                return Ok(Err(bad));
            }
        }
        // Hashing an entry and comparing its decision with it is independent
        // of every other entry, so it is done as the pages are read (in
        // parallel, off the async runtime: see `Store::ledger_pages`) while
        // this task walks the tree through the pages in order; the first
        // inconsistency is still the one named.
        let mut pages = store.ledger_pages(check_entry);
        let mut hashes = StoredHashes::new(store);
        let mut records = Records {
            reviews: Ordered::new(store.reviews_in_ledger_order()).await?,
            redactions: Ordered::new(store.redactions_in_ledger_order()).await?,
            governance: Ordered::new(store.governance_in_ledger_order()).await?,
        };
        let mut next_checkpoint = checkpoints.iter().peekable();
        let mut frontier = Frontier::new();
        let mut report = VerifyReport {
            entries: 0,
            decisions: 0,
            reviews: 0,
            redactions: 0,
            governance: 0,
            checkpoints: checkpoints.len() as u64,
            signed_size: checkpoints.last().map_or(0, |c| c.size),
        };
        let mut last_good_checkpoint = 0;

        while let Some(checked) = pages.next().await.transpose()? {
            for entry in checked {
                let index = frontier.size();
                if entry.index != index {
                    return Ok(Err(Inconsistency::EntryMissing { index }));
                }
                if !entry.leaf_matches {
                    return Ok(Err(Inconsistency::EntryAltered { index }));
                }
                let leaf = entry.leaf;
                if let Err(bad) = check_record(entry, &mut records, &mut report).await? {
                    return Ok(Err(bad));
                }
                let first_stored = stored_hash_index(0, index);
                for (k, want) in frontier.append(leaf).into_iter().enumerate() {
                    let stored_index = first_stored + k as u64;
                    if hashes.get(stored_index).await? != Some(want) {
                        return Ok(Err(Inconsistency::StoredHashAltered {
                            stored_index,
                            index,
                        }));
                    }
                }
                report.entries += 1;
                if let Some(cp) = next_checkpoint.next_if(|cp| cp.size == frontier.size()) {
                    if frontier.root() != cp.root {
                        return Ok(Err(Inconsistency::RootMismatch {
                            size: cp.size,
                            from_index: last_good_checkpoint,
                        }));
                    }
                    last_good_checkpoint = cp.size;
                }
                while let Some(o) = next_outside.next_if(|o| o.size == frontier.size()) {
                    if frontier.root() != o.root {
                        return Ok(Err(Inconsistency::SavedCheckpointMismatch {
                            size: o.size,
                            source: o.source.clone(),
                        }));
                    }
                }
                if report.entries.is_multiple_of(10_000) {
                    progress(report.entries);
                }
            }
        }
        progress(report.entries);
        if let Some(o) = next_outside.next() {
            return Ok(Err(Inconsistency::SavedCheckpointBeyond {
                size: o.size,
                entries: report.entries,
                source: o.source.clone(),
            }));
        }
        if let Some(size) = missing {
            return Ok(Err(Inconsistency::CheckpointMissing {
                size,
                source: log_name,
            }));
        }
        if let Some(cp) = next_checkpoint.next() {
            return Ok(Err(Inconsistency::Truncated {
                signed_size: cp.size,
                entries: report.entries,
            }));
        }
        // Every decision matched above has its own entry (one row per entry
        // index), so if they are all the decisions there are, none claims a
        // position without one, and the search over every decision is not
        // needed.
        if store.count_decision_records().await? != report.decisions
            && let Some((index, id)) = store.first_decision_without_entry().await?
        {
            return Ok(Err(Inconsistency::RecordWithoutEntry { index, id }));
        }
        if let Some(bad) = records.without_entry_before(None) {
            return Ok(Err(bad));
        }
        if let Some((id, what)) = store.first_state_mismatch().await? {
            return Ok(Err(Inconsistency::StateMismatch {
                id,
                what: what.to_owned(),
            }));
        }
        Ok(Ok(report))
    }

    /// The signed checkpoints covering more than `after` entries, smallest
    /// first, at most `limit` (1 to 1,000): what the ledger publishes, for an
    /// auditor or a witness to keep and check.
    pub async fn checkpoints_after(
        &self,
        after: u64,
        limit: u32,
    ) -> Result<Vec<civic_store::StoredCheckpoint>, AppError> {
        if !(1..=1000).contains(&limit) {
            return Err(AppError::Invalid {
                field: "limit",
                message: format!("{limit} is not from 1 to 1000"),
            });
        }
        Ok(self.store().checkpoints_after(after, limit).await?)
    }

    fn check_checkpoint(&self, cp: &civic_store::StoredCheckpoint) -> Result<(), Inconsistency> {
        match self.verifier().verify(&cp.note) {
            Ok(c) if c.size == cp.size && c.root == cp.root => Ok(()),
            Ok(_) => Err(Inconsistency::BadCheckpointSignature {
                size: cp.size,
                reason: "the signed note does not match the stored size and root".into(),
            }),
            Err(e) => Err(Inconsistency::BadCheckpointSignature {
                size: cp.size,
                reason: e.to_string(),
            }),
        }
    }

    /// Everything an auditor sees of one decision: the record, its review
    /// events, their ledger entries, and the decision entry's inclusion proof
    /// checked here against this instance's own verifier key.
    pub async fn decision_audit(&self, id: DecisionId) -> Result<DecisionAudit, AppError> {
        let (decision, reviews) = self.decision_with_reviews(id).await?;
        let store = self.store();
        let mut entries = vec![store.ledger_entry(decision.ledger_index).await?];
        for r in &reviews {
            entries.push(store.ledger_entry(r.ledger_index).await?);
        }
        for r in store.reason_redactions(id).await? {
            entries.push(store.ledger_entry(r.ledger_index).await?);
        }
        let bundle = self.proof_for_index(decision.ledger_index).await?;
        let proof =
            check_proof(&bundle, Some(self.verifier().verifier_key())).map_err(|e| e.to_string());
        Ok(DecisionAudit {
            decision,
            reviews,
            entries,
            bundle,
            proof,
        })
    }

    /// An inclusion proof bundle for a decision's ledger entry, against a
    /// signed checkpoint that covers it (signing one now if needed).
    pub async fn proof(&self, id: DecisionId) -> Result<ProofBundle, AppError> {
        let decision = self.store().decision(id).await?;
        self.proof_for_index(decision.ledger_index).await
    }

    /// An inclusion proof bundle for the entry at `index`.
    pub async fn proof_for_index(&self, index: u64) -> Result<ProofBundle, AppError> {
        let store = self.store();
        let checkpoint = match self.witnessed_checkpoint_covering(index).await? {
            Some(cp) => cp,
            None => match store.latest_checkpoint().await? {
                Some(cp) if cp.size > index => cp,
                _ => self
                    .writer()
                    .checkpoint_now()
                    .await?
                    .filter(|cp| cp.size > index)
                    .ok_or_else(|| {
                        AppError::Internal(format!("no checkpoint covers entry {index}"))
                    })?,
            },
        };
        let entry = store.ledger_entry(index).await?;
        let hashes = store
            .read_hashes(&inclusion_proof_indexes(index, checkpoint.size)?)
            .await?;
        let path = inclusion_proof(index, checkpoint.size, &hashes)?;
        Ok(ProofBundle::new(
            index,
            entry.entry,
            path,
            self.with_cosignatures(&checkpoint)?,
            self.verifier().verifier_key().to_owned(),
        ))
    }

    /// The largest checkpoint covering entry `index` that a configured
    /// witness cosigned, so that a proof can carry cosignatures (the
    /// latest checkpoint may not have been witnessed yet).
    async fn witnessed_checkpoint_covering(
        &self,
        index: u64,
    ) -> Result<Option<civic_store::StoredCheckpoint>, AppError> {
        let Some((size, root)) = self.witnessing.largest_cosigned_covering(index) else {
            return Ok(None);
        };
        let found = self.store().checkpoints_after(size - 1, 1).await?;
        Ok(found
            .into_iter()
            .next()
            .filter(|cp| cp.size == size && cp.root == root))
    }

    /// The checkpoint's signed note with every valid witness cosignature
    /// of it added.
    pub fn with_cosignatures(
        &self,
        checkpoint: &civic_store::StoredCheckpoint,
    ) -> Result<String, AppError> {
        let mut note = checkpoint.note.clone();
        for recorded in self.cosignatures(checkpoint.size, &checkpoint.root) {
            let cosignature = civic_ledger::Cosignature::from_line(&recorded.cosignature)?;
            note = civic_ledger::add_cosignature(&note, &cosignature)?;
        }
        Ok(note)
    }

    /// A consistency proof from a checkpoint an auditor saved (its signed
    /// note) to the ledger's latest checkpoint (signed now if entries are
    /// unsigned), for `civic audit check-consistency` to check offline.
    ///
    /// # Errors
    ///
    /// [`AppError::Invalid`] (`old`) if the note is not a checkpoint of
    /// this ledger or covers more entries than the ledger has;
    /// [`AppError::Unprocessable`] (`old`) if today's stored hashes do not
    /// extend it (run `civic audit verify --since`).
    pub async fn consistency_bundle(
        &self,
        old_note: &str,
    ) -> Result<civic_ledger::ConsistencyBundle, AppError> {
        let old = self
            .verifier()
            .verify(old_note)
            .map_err(|e| AppError::Invalid {
                field: "old",
                message: format!("not a checkpoint signed by this ledger's key: {e}"),
            })?;
        let latest = self
            .writer()
            .checkpoint_now()
            .await?
            .ok_or_else(|| AppError::Invalid {
                field: "old",
                message: "the ledger is empty".into(),
            })?;
        if old.size > latest.size {
            return Err(AppError::Invalid {
                field: "old",
                message: format!(
                    "it covers {} entries but the ledger's latest checkpoint covers {}",
                    old.size, latest.size
                ),
            });
        }
        let indexes = civic_ledger::consistency_proof_indexes(old.size, latest.size)?;
        let hashes = self.store().read_hashes(&indexes).await?;
        let proof = civic_ledger::consistency_proof(old.size, latest.size, &hashes)?;
        let bundle = civic_ledger::ConsistencyBundle::new(
            old_note.to_owned(),
            latest.note,
            proof,
            self.verifier().verifier_key().to_owned(),
        );
        // Never hand out a bundle that does not check: the history since the
        // saved checkpoint was rewritten.
        bundle
            .verify(self.verifier())
            .map_err(|e| AppError::Unprocessable {
                field: "old",
                message: format!(
                    "the ledger does not extend this checkpoint ({e}); run `civic audit verify --since`"
                ),
            })?;
        Ok(bundle)
    }
}

/// One entry after the part of the check that needs no other entry.
struct EntryCheck {
    index: u64,
    kind: EntryKind,
    record_id: String,
    /// The leaf hash of the entry's bytes as they are now.
    leaf: Hash,
    /// Whether `leaf` is the leaf hash stored when the entry was appended.
    leaf_matches: bool,
    /// Whether a decision is recorded at the entry's position and, if so,
    /// whether its ledger bytes equal the entry's.
    decision: DecisionAtEntry,
}

/// What an entry says it records; a review, redaction or governance entry
/// keeps its bytes, to be compared with those records as they come in
/// ledger order.
enum EntryKind {
    Decision,
    Review {
        entry: Vec<u8>,
    },
    Redaction {
        entry: Vec<u8>,
    },
    /// `name` is `governance (KIND)`, the kind as the entry's `"event"`
    /// names it, so that a message says which change was tampered with.
    Governance {
        entry: Vec<u8>,
        name: String,
    },
    Other(String),
}

impl EntryKind {
    fn name(&self) -> &str {
        match self {
            EntryKind::Decision => "decision",
            EntryKind::Review { .. } => "review",
            EntryKind::Redaction { .. } => "reason_redaction",
            EntryKind::Governance { name, .. } => name,
            EntryKind::Other(kind) => kind,
        }
    }
}

/// `governance (KIND)` for a governance entry's bytes, or `governance` if
/// they do not name a kind.
fn governance_name(entry: &[u8]) -> String {
    let event = serde_json::from_slice::<serde_json::Value>(entry)
        .ok()
        .and_then(|v| v.get("event").and_then(|e| e.as_str()).map(str::to_owned));
    match event {
        Some(kind) => format!("governance ({kind})"),
        None => "governance".to_owned(),
    }
}

/// The records other than decisions, each stream in ledger order.
struct Records<'a> {
    reviews: Ordered<'a, ReviewEvent>,
    redactions: Ordered<'a, ReasonRedaction>,
    governance: Ordered<'a, StoredGovernanceEvent>,
}

impl Records<'_> {
    /// The first review or redaction not yet matched whose position is
    /// below `index` (any, with `None`): no entry holds it.
    fn without_entry_before(&self, index: Option<u64>) -> Option<Inconsistency> {
        let below = |at: u64| index.is_none_or(|i| at < i);
        // Ids are written out only for a record found: this runs per entry.
        let review = (self.reviews.next.as_ref())
            .filter(|r| below(r.ledger_index))
            .map(|r| (r.ledger_index, r.id.to_string()));
        let redaction = (self.redactions.next.as_ref())
            .filter(|r| below(r.ledger_index))
            .map(|r| (r.ledger_index, r.id.to_string()));
        let governance = (self.governance.next.as_ref())
            .filter(|g| below(g.ledger_index))
            .map(|g| (g.ledger_index, g.id.clone()));
        review
            .into_iter()
            .chain(redaction)
            .chain(governance)
            .min_by_key(|(at, _)| *at)
            .map(|(index, id)| Inconsistency::RecordWithoutEntry { index, id })
    }
}

/// The decision record found at an entry's position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DecisionAtEntry {
    None,
    Matches,
    Differs,
}

/// Hashes an entry and compares the decision at its position with it
/// (CPU-bound: the store calls it off the async runtime, on several pages at
/// once).
fn check_entry(row: LedgerRow<'_>) -> Result<EntryCheck, StoreError> {
    let leaf = leaf_hash(row.entry);
    let decision = match row.decision {
        None => DecisionAtEntry::None,
        Some(d) if d.matches_entry(row.entry)? => DecisionAtEntry::Matches,
        Some(_) => DecisionAtEntry::Differs,
    };
    let kind = match row.kind {
        "decision" => EntryKind::Decision,
        "review" => EntryKind::Review {
            entry: row.entry.to_vec(),
        },
        "reason_redaction" => EntryKind::Redaction {
            entry: row.entry.to_vec(),
        },
        "governance" => EntryKind::Governance {
            entry: row.entry.to_vec(),
            name: governance_name(row.entry),
        },
        other => EntryKind::Other(other.to_owned()),
    };
    Ok(EntryCheck {
        index: row.index,
        kind,
        record_id: row.record_id.to_owned(),
        leaf_matches: leaf.0.as_slice() == row.leaf_hash,
        leaf,
        decision,
    })
}

async fn check_record(
    entry: EntryCheck,
    records: &mut Records<'_>,
    report: &mut VerifyReport,
) -> Result<Result<(), Inconsistency>, AppError> {
    let index = entry.index;
    // A review or redaction positioned before this entry has no entry of its own.
    if let Some(bad) = records.without_entry_before(Some(index)) {
        return Ok(Err(bad));
    }
    let missing = || Inconsistency::RecordMissing {
        index,
        kind: entry.kind.name().to_owned(),
        id: entry.record_id.clone(),
    };
    let altered = || Inconsistency::RecordAltered {
        index,
        kind: entry.kind.name().to_owned(),
        id: entry.record_id.clone(),
    };
    match &entry.kind {
        EntryKind::Decision => match entry.decision {
            DecisionAtEntry::None => Ok(Err(missing())),
            DecisionAtEntry::Differs => Ok(Err(altered())),
            DecisionAtEntry::Matches => {
                report.decisions += 1;
                Ok(Ok(()))
            }
        },
        EntryKind::Review { entry: bytes } => {
            if entry.decision != DecisionAtEntry::None {
                return Ok(Err(altered()));
            }
            if records.reviews.next.as_ref().map(|r| r.ledger_index) != Some(index) {
                return Ok(Err(missing()));
            }
            report.reviews += 1;
            match records.reviews.advance().await? {
                // A version-2 entry holds the reason's digest: the reason
                // still in the record must hash to it.
                Some(r) if r.ledger_event().to_bytes() == *bytes && r.retained_reason_matches() => {
                    Ok(Ok(()))
                }
                Some(_) => Ok(Err(altered())),
                None => Ok(Err(missing())),
            }
        }
        EntryKind::Redaction { entry: bytes } => {
            if entry.decision != DecisionAtEntry::None {
                return Ok(Err(altered()));
            }
            if records.redactions.next.as_ref().map(|r| r.ledger_index) != Some(index) {
                return Ok(Err(missing()));
            }
            report.redactions += 1;
            match records.redactions.advance().await? {
                Some(r) if r.ledger_event().to_bytes() == *bytes => Ok(Ok(())),
                Some(_) => Ok(Err(altered())),
                None => Ok(Err(missing())),
            }
        }
        EntryKind::Governance { entry: bytes, .. } => {
            if entry.decision != DecisionAtEntry::None {
                return Ok(Err(altered()));
            }
            if records.governance.next.as_ref().map(|g| g.ledger_index) != Some(index) {
                return Ok(Err(missing()));
            }
            report.governance += 1;
            match records.governance.advance().await? {
                // A row whose columns no longer read as an event (`event`
                // is `None`) was altered as surely as one that reads as
                // another event.
                Some(g)
                    if g.event
                        .as_ref()
                        .is_some_and(|e| e.ledger_event().to_bytes() == *bytes) =>
                {
                    Ok(Ok(()))
                }
                Some(_) => Ok(Err(altered())),
                None => Ok(Err(missing())),
            }
        }
        EntryKind::Other(_) => Ok(Err(altered())),
    }
}

/// A chunk of stored hashes being read in the background.
type PendingChunk = tokio::task::JoinHandle<Result<Vec<Hash>, StoreError>>;

/// Reads the stored hashes in large aggregated chunks, in index order, the
/// next chunk read while the current one is used.
struct StoredHashes<'a> {
    store: &'a civic_store::Store,
    chunk: Vec<Hash>,
    chunk_start: u64,
    /// The chunk that follows the current one, being read.
    next: Option<(u64, PendingChunk)>,
}

impl<'a> StoredHashes<'a> {
    const CHUNK: u64 = 4096;

    fn new(store: &'a civic_store::Store) -> Self {
        Self {
            store,
            chunk: Vec::new(),
            chunk_start: 0,
            next: None,
        }
    }

    /// The stored hash at `index`; indexes must be asked for in increasing order.
    async fn get(&mut self, index: u64) -> Result<Option<Hash>, AppError> {
        if index < self.chunk_start || index >= self.chunk_start + self.chunk.len() as u64 {
            let read = match self.next.take() {
                Some((start, pending)) if start == index => pending
                    .await
                    .map_err(|e| AppError::Internal(format!("stored hash reader: {e}")))?,
                _ => self.store.stored_hash_range(index, Self::CHUNK).await,
            };
            self.chunk_start = index;
            self.chunk = match read {
                Ok(c) => c,
                // A gap or malformed value is an alteration, not a read failure.
                Err(StoreError::Corrupt(_)) => return Ok(None),
                Err(e) => return Err(e.into()),
            };
            let next = index + self.chunk.len() as u64;
            if self.chunk.len() as u64 == Self::CHUNK {
                let store = self.store.clone();
                self.next = Some((
                    next,
                    tokio::spawn(async move { store.stored_hash_range(next, Self::CHUNK).await }),
                ));
            }
        }
        Ok(self.chunk.get((index - self.chunk_start) as usize).copied())
    }
}

/// Checks a proof bundle offline. With `trusted_key` (the ledger's public
/// key text), the bundle's embedded key must match it.
pub fn check_proof(
    bundle: &ProofBundle,
    trusted_key: Option<&str>,
) -> Result<VerifiedProof, AppError> {
    let verifier = bundle_verifier(&bundle.verifier_key, trusted_key)?;
    Ok(bundle.verify(&verifier)?)
}

/// Checks a proof bundle as [`check_proof`] does, and that its checkpoint
/// carries valid cosignatures by at least `required` of the `witnesses`
/// (their public keys, each counted once); returns the proof and the names
/// of the witnesses whose cosignatures are valid.
pub fn check_proof_witnessed(
    bundle: &ProofBundle,
    trusted_key: Option<&str>,
    witnesses: &[civic_ledger::CosignatureVerifier],
    required: usize,
) -> Result<(VerifiedProof, Vec<String>), AppError> {
    if required > witnesses.len() {
        return Err(AppError::Invalid {
            field: "require-witnesses",
            message: format!(
                "{required} cosignatures are required but only {} witness keys were given",
                witnesses.len()
            ),
        });
    }
    let proof = check_proof(bundle, trusted_key)?;
    let mut valid: Vec<String> = Vec::new();
    let mut problems = Vec::new();
    for witness in witnesses {
        if valid.iter().any(|v| v == witness.verifier_key()) {
            continue;
        }
        match witness.verify(&bundle.checkpoint) {
            Ok(_) => valid.push(witness.verifier_key().to_owned()),
            Err(e) => problems.push(e.to_string()),
        }
    }
    if valid.len() < required {
        return Err(AppError::Unprocessable {
            field: "witnesses",
            message: format!(
                "the checkpoint carries valid cosignatures by {} of the witnesses given, but {required} are required ({})",
                valid.len(),
                problems.join("; ")
            ),
        });
    }
    let names = valid
        .iter()
        .map(|key| key.split('+').next().unwrap_or_default().to_owned())
        .collect();
    Ok((proof, names))
}

/// Checks a consistency bundle offline, with the ledger's published key
/// when given (see [`check_proof`]); returns the old and new checkpoints.
pub fn check_consistency(
    bundle: &civic_ledger::ConsistencyBundle,
    trusted_key: Option<&str>,
) -> Result<(civic_ledger::Checkpoint, civic_ledger::Checkpoint), AppError> {
    let verifier = bundle_verifier(&bundle.verifier_key, trusted_key)?;
    Ok(bundle.verify(&verifier)?)
}

/// The trusted key, which must be the one the bundle names; or, without
/// one, the bundle's own (which proves consistency, not who signed).
fn bundle_verifier(embedded: &str, trusted_key: Option<&str>) -> Result<LogVerifier, AppError> {
    match trusted_key {
        Some(key) => {
            let trusted = LogVerifier::from_verifier_key(key.trim())?;
            if trusted.verifier_key() != embedded.trim() {
                return Err(AppError::Invalid {
                    field: "public key",
                    message: "the bundle was signed by a different key from the one given".into(),
                });
            }
            Ok(trusted)
        }
        None => Ok(LogVerifier::from_verifier_key(embedded.trim())?),
    }
}
