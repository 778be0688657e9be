//! Ledger load for measurement (`civic bench`): decisions appended as fast
//! as the callers send them, either through this instance's writer (group
//! commit, as the server writes) or through a second writer that commits
//! each append in a transaction of its own (the baseline a bench compares
//! group commit with).

use civic_core::NewDecision;
use civic_store::{LedgerWriter, WriterConfig};

use crate::{App, AppError};

/// How a [`DecisionAppender`]'s appends are committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Commit {
    /// Through this instance's writer: concurrent appends share one
    /// transaction (one fsync), as they do in the server.
    Grouped,
    /// Through a writer of its own that writes one append per transaction.
    EachAlone,
}

/// Appends decisions to the ledger; clone it to append from several tasks.
#[derive(Debug, Clone)]
pub struct DecisionAppender {
    writer: LedgerWriter,
}

impl App {
    /// An appender of decisions, committing as `commit` says. For
    /// [`Commit::EachAlone`] a second writer is started with this
    /// instance's signing key; it stops when its last clone is dropped.
    pub fn decision_appender(&self, commit: Commit) -> Result<DecisionAppender, AppError> {
        let writer = match commit {
            Commit::Grouped => self.writer().clone(),
            Commit::EachAlone => {
                let signer = crate::setup::load_signer(self.config())?;
                let config = WriterConfig {
                    max_batch: 1,
                    ..WriterConfig::default()
                };
                LedgerWriter::spawn(self.store().clone(), signer, config).0
            }
        };
        Ok(DecisionAppender { writer })
    }
}

impl DecisionAppender {
    /// Records one decision and its ledger entry.
    pub async fn append(&self, new: NewDecision) -> Result<(), AppError> {
        self.writer.record_decision(new).await?;
        Ok(())
    }
}
