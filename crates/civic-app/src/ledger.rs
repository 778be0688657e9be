//! The ledger as the edges see it: its size, its signed checkpoints, and
//! the bundles an auditor is given to check offline.
//!
//! The bundle and checkpoint types are `civic-ledger`'s and `civic-store`'s
//! own, re-exported here so that the server and the CLI need neither crate.
//! Producing and checking bundles are the audit use cases
//! ([`App::proof`], [`crate::audit::check_proof`] and their kin).

pub use civic_ledger::{
    Checkpoint, ConsistencyBundle, CosignatureVerifier, LogVerifier, ProofBundle, VerifiedProof,
};
pub use civic_store::StoredCheckpoint;

use crate::{App, AppError};

impl App {
    /// Signs a checkpoint over the entries appended since the last one, if
    /// any, and returns the latest checkpoint (`None` while the ledger is
    /// empty).
    pub async fn checkpoint_now(&self) -> Result<Option<StoredCheckpoint>, AppError> {
        Ok(self.writer().checkpoint_now().await?)
    }

    /// The most recent signed checkpoint, if any (nothing is signed).
    pub async fn latest_checkpoint(&self) -> Result<Option<StoredCheckpoint>, AppError> {
        Ok(self.store().latest_checkpoint().await?)
    }

    /// The number of entries in the ledger.
    pub async fn ledger_size(&self) -> Result<u64, AppError> {
        Ok(self.store().ledger_size().await?)
    }
}
