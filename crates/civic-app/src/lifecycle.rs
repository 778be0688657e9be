//! A running instance's upkeep: whether its database answers, and the
//! hourly removal of what retention no longer allows to be kept. (Opening
//! is [`App::open`]; stopping, with its final checkpoint, [`App::shutdown`].)

use std::time::Duration;

pub use civic_store::Backend;

use crate::{App, AppError};

/// How often [`App::run_housekeeping`] removes lapsed inputs and sessions.
pub const HOUSEKEEPING_EVERY: Duration = Duration::from_secs(3600);

/// What one round of housekeeping removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purged {
    /// Decisions whose raw input, explanation or reference was removed
    /// because its retention period had lapsed.
    pub inputs: u64,
    /// Expired web sessions removed.
    pub sessions: u64,
    /// Upload directories a stopped process left under the data directory
    /// (see [`STALE_UPLOAD`](crate::redact::files::STALE_UPLOAD)).
    pub uploads: u64,
    /// Redaction drafts not used for their lifetime, or left half-written
    /// by a stopped process (see [`crate::redact::drafts`]).
    pub drafts: u64,
}

impl App {
    /// Which database engine this instance uses.
    pub fn backend(&self) -> Backend {
        self.store().backend()
    }

    /// Whether the database answers (for the health check).
    pub async fn database_ok(&self) -> bool {
        self.store().ping().await.is_ok()
    }

    /// One round of housekeeping: removes the raw inputs, explanations and
    /// references of decisions past their retention, then expired web
    /// sessions, then upload directories a stopped process left behind,
    /// then redaction drafts past their lifetime. A
    /// failure is logged (it is tried again next round) and counts as
    /// nothing removed.
    pub async fn purge_lapsed(&self) -> Purged {
        let inputs = match self.purge_inputs_lapsed_by(civic_core::now_millis()).await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "could not purge expired inputs");
                0
            }
        };
        if inputs > 0 {
            tracing::info!(
                count = inputs,
                "purged the inputs, explanations and references of decisions past their retention"
            );
        }
        let sessions = match self.store().purge_expired_sessions().await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "could not remove expired sessions");
                0
            }
        };
        if sessions > 0 {
            tracing::info!(count = sessions, "removed expired web sessions");
        }
        let data_dir = self.config().data_dir.clone();
        let uploads = tokio::task::spawn_blocking(move || {
            crate::redact::files::remove_stale_uploads(
                &data_dir,
                crate::redact::files::STALE_UPLOAD,
            )
        })
        .await
        .unwrap_or(0);
        if uploads > 0 {
            tracing::info!(
                count = uploads,
                "removed upload directories left by a stopped process"
            );
        }
        let drafts = self.remove_expired_drafts().await;
        if drafts > 0 {
            tracing::info!(count = drafts, "removed expired redaction drafts");
        }
        Purged {
            inputs,
            sessions,
            uploads,
            drafts,
        }
    }

    /// Purges the raw inputs, explanations and references of decisions
    /// whose retention had lapsed by `up_to`, and records the purge (how
    /// many decisions, up to when) in the ledger as done by the
    /// housekeeping (`operator:housekeeping`) when it purged something;
    /// returns how many decisions lost something. [`App::purge_lapsed`]
    /// runs it with the time now; a one-off catch-up or a test may give
    /// another.
    pub async fn purge_inputs_lapsed_by(
        &self,
        up_to: civic_core::Timestamp,
    ) -> Result<u64, AppError> {
        Ok(self
            .writer()
            .purge_expired_inputs(up_to, civic_core::Principal::housekeeping())
            .await?)
    }

    /// Runs [`App::purge_lapsed`] every [`HOUSEKEEPING_EVERY`] (the first
    /// round at once, so a server sweeps what lapsed while it was stopped) until the returned future is dropped or its task
    /// aborted; a server spawns it beside its listener.
    pub async fn run_housekeeping(self) {
        let mut tick = tokio::time::interval(HOUSEKEEPING_EVERY);
        loop {
            tick.tick().await;
            self.purge_lapsed().await;
        }
    }
}
