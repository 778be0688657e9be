//! Verifying the ledger in the background, for the web interface.
//!
//! A full verification reads every entry (about 20 seconds per million), far
//! longer than a page request should take. So a request starts a job and
//! returns; pages then show the job's state. There is at most one job per
//! process: asking again while one runs changes nothing, so a double click
//! or an impatient reload cannot start a second pass over the database.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use civic_core::{Timestamp, UserId, now_millis};

use crate::App;
use crate::audit::VerifyOutcome;

/// Where the latest verification stands.
#[derive(Debug, Clone, PartialEq)]
pub enum VerifyJobState {
    /// None has been started since the server started.
    NotStarted,
    /// One is running.
    Running {
        /// When it started.
        started_at: Timestamp,
        /// Who started it.
        started_by: UserId,
        /// Entries checked so far.
        entries_done: u64,
    },
    /// The latest finished.
    Finished {
        /// When it started.
        started_at: Timestamp,
        /// When it finished.
        finished_at: Timestamp,
        /// Who started it.
        started_by: UserId,
        /// The report or the first inconsistency; `Err` if the ledger could
        /// not be read to the end (the message says why).
        outcome: Result<VerifyOutcome, String>,
    },
}

/// The process's verification job (shared by every clone of an [`App`]).
#[derive(Debug, Default)]
pub(crate) struct VerifyJob {
    state: Mutex<Option<Finished>>,
    running: Mutex<Option<(Timestamp, UserId)>>,
    progress: Arc<AtomicU64>,
}

type Finished = (Timestamp, Timestamp, UserId, Result<VerifyOutcome, String>);

impl App {
    /// Starts verifying the whole ledger in the background, unless a
    /// verification is already running; returns whether this call started one.
    pub fn start_verification(&self, by: UserId) -> bool {
        let job = &self.verify_job;
        {
            let Ok(mut running) = job.running.lock() else {
                return false;
            };
            if running.is_some() {
                return false;
            }
            *running = Some((now_millis(), by));
        }
        job.progress.store(0, Ordering::Relaxed);
        let app = self.clone();
        tokio::spawn(async move {
            let work = {
                let app = app.clone();
                async move {
                    let progress = Arc::clone(&app.verify_job.progress);
                    let report = move |n: u64| progress.store(n, Ordering::Relaxed);
                    app.verify_ledger(&report).await.map_err(|e| e.to_string())
                }
            };
            // Awaiting the work as its own task means that even a panic in it
            // ends the job with a message, rather than leaving it "running".
            let outcome = match tokio::spawn(work).await {
                Ok(outcome) => outcome,
                Err(e) => Err(format!("the verification stopped unexpectedly: {e}")),
            };
            match &outcome {
                Ok(Ok(r)) => tracing::info!(entries = r.entries, "ledger verified: consistent"),
                Ok(Err(bad)) => {
                    tracing::warn!(inconsistency = %bad, "ledger verified: inconsistent")
                }
                Err(e) => tracing::error!(error = %e, "ledger verification failed"),
            }
            let job = &app.verify_job;
            let started = job.running.lock().ok().and_then(|mut r| r.take());
            if let (Some((started_at, by)), Ok(mut state)) = (started, job.state.lock()) {
                *state = Some((started_at, now_millis(), by, outcome));
            }
        });
        true
    }

    /// Where the latest verification stands.
    pub fn verification_state(&self) -> VerifyJobState {
        let job = &self.verify_job;
        if let Some((started_at, started_by)) = job.running.lock().ok().and_then(|r| *r) {
            return VerifyJobState::Running {
                started_at,
                started_by,
                entries_done: job.progress.load(Ordering::Relaxed),
            };
        }
        match job.state.lock().ok().and_then(|s| s.clone()) {
            Some((started_at, finished_at, started_by, outcome)) => VerifyJobState::Finished {
                started_at,
                finished_at,
                started_by,
                outcome,
            },
            None => VerifyJobState::NotStarted,
        }
    }
}
