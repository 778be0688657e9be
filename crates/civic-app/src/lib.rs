//! Civic's use cases.
//!
//! This is the one place where a model, the store and the ledger meet: the
//! CLI and the HTTP server both call it and neither repeats it. A use case
//! takes parsed domain values (never raw strings from the edge), does its
//! work, and records any AI output or human action through the single ledger
//! writer so that the record and its ledger entry are written together.

pub mod audit;
pub mod checkpoint_log;
pub mod config;
mod demo;
mod error;
pub mod export;
pub mod governance;
pub mod keys;
pub mod ledger;
pub mod lifecycle;
pub mod load;
mod models;
pub mod overrides;
pub mod queue;
pub mod redact;
pub mod risk;
pub mod safeguarding;
mod setup;
pub mod sign_in_throttle;
pub mod triage;
pub mod users;
mod verify_job;
pub mod witness;
pub mod witnessing;
pub use demo::{DEMO_TRAINING_CLAIMS, DemoOutcome};
pub use models::{Loaded, ModelVersion, SampleOutcomes};

use civic_core::{
    Decision, DecisionId, Principal, Reason, ReasonRedaction, ReviewAction, ReviewEvent,
    ReviewEventId, Role,
};
use civic_ledger::{LogSigner, LogVerifier};
use civic_store::{LedgerWriter, Store, WriterConfig};

pub use config::{Config, LogFormat, Overrides, SecureCookies, WebConfig, WitnessSetting};
pub use error::AppError;
pub use setup::{InitOutcome, init};
pub use verify_job::VerifyJobState;

/// An open Civic instance: configuration, store and ledger writer.
#[derive(Debug, Clone)]
pub struct App {
    config: Config,
    store: Store,
    writer: LedgerWriter,
    verifier: LogVerifier,
    triage_models: std::sync::Arc<models::ModelCache<civic_triage::TriageModel>>,
    /// The safeguarding detector, run on every triaged message; built on
    /// first use, so commands that triage nothing do not train its scorer.
    safeguarding:
        std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<civic_triage::safeguarding::Detector>>>,
    risk_models: std::sync::Arc<models::ModelCache<civic_risk::RiskModel>>,
    verify_job: std::sync::Arc<verify_job::VerifyJob>,
    sign_in_throttle: std::sync::Arc<sign_in_throttle::SignInThrottle>,
    checkpoint_log: std::sync::Arc<checkpoint_log::CheckpointLog>,
    witnessing: std::sync::Arc<witnessing::Witnessing>,
    /// The locks of the redaction drafts on disk (`redact::drafts`).
    drafts: std::sync::Arc<redact::drafts::DraftLocks>,
}

impl App {
    /// Opens the data directory and database (which must have been set up
    /// with [`init`]) and starts the ledger writer.
    pub async fn open(config: Config) -> Result<Self, AppError> {
        let signer = setup::load_signer(&config)?;
        let store = Store::connect(&config.database_url).await?;
        let checkpoint_log = std::sync::Arc::new(checkpoint_log::CheckpointLog::new(
            config.checkpoint_log.clone(),
            signer.verifier(),
        ));
        // A broken file stops the server here, with its name and line,
        // rather than at the first write; the largest checkpoint is kept.
        checkpoint_log.largest()?;
        let witnessing = std::sync::Arc::new(witnessing::Witnessing::open(
            config.cosignature_log(),
            config.witnesses.clone(),
        )?);
        let writer_config = WriterConfig {
            checkpoint_every: config.checkpoint_every,
            checkpoint_interval: config.checkpoint_interval,
            input_retention: config.input_retention,
            quality_sample_rate: config.web.quality_sample_rate,
            history: Some(checkpoint_log.clone()),
            ..WriterConfig::default()
        };
        let verifier = signer.verifier();
        let (writer, _task) = LedgerWriter::spawn(store.clone(), signer, writer_config);
        Ok(App {
            config,
            store,
            writer,
            verifier,
            triage_models: Default::default(),
            safeguarding: Default::default(),
            risk_models: Default::default(),
            verify_job: Default::default(),
            sign_in_throttle: Default::default(),
            checkpoint_log,
            witnessing,
            drafts: Default::default(),
        })
    }

    /// The safeguarding detector, built (its learned scorer trained, about a
    /// second of CPU, once per process) off the async workers on first use.
    pub async fn safeguarding(
        &self,
    ) -> Result<std::sync::Arc<civic_triage::safeguarding::Detector>, AppError> {
        let settings = self.config.safeguarding.clone();
        let detector = self
            .safeguarding
            .get_or_try_init(|| async move {
                tokio::task::spawn_blocking(move || settings.detector())
                    .await
                    .map_err(|e| AppError::Internal(format!("safeguarding task: {e}")))?
            })
            .await?;
        Ok(detector.clone())
    }

    /// Stops this instance cleanly: signs a checkpoint over whatever the
    /// last writes appended (so no entry is left without one), then closes
    /// the pool's database connections. Later calls on this `App` fail.
    pub async fn shutdown(&self) -> Result<(), AppError> {
        let signed = self.writer.checkpoint_now().await;
        self.store.close().await;
        signed?;
        Ok(())
    }

    /// The configuration in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The store. Only use cases in this crate reach it: the server and
    /// the CLI call the use cases.
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// The ledger writer (only use cases in this crate reach it).
    pub(crate) fn writer(&self) -> &LedgerWriter {
        &self.writer
    }

    /// The checkpoints this instance has signed, kept outside the database.
    pub fn checkpoint_log(&self) -> &checkpoint_log::CheckpointLog {
        &self.checkpoint_log
    }

    /// The verifier of this instance's checkpoints.
    pub fn verifier(&self) -> &LogVerifier {
        &self.verifier
    }

    /// A decision record.
    pub async fn decision(&self, id: DecisionId) -> Result<Decision, AppError> {
        Ok(self.store.decision(id).await?)
    }

    /// A decision with its review events.
    pub async fn decision_with_reviews(
        &self,
        id: DecisionId,
    ) -> Result<(Decision, Vec<ReviewEvent>), AppError> {
        let decision = self.store.decision(id).await?;
        let reviews = self.store.reviews(id).await?;
        Ok((decision, reviews))
    }

    /// A decision's raw input (JSON, as the service received it), while
    /// retention keeps it; `None` once it has lapsed or if none was kept.
    pub async fn decision_input(
        &self,
        id: DecisionId,
    ) -> Result<Option<serde_json::Value>, AppError> {
        Ok(self.store.decision_input(id).await?)
    }

    /// A person accepts or overrides a decision; recorded in the ledger.
    pub async fn review(
        &self,
        id: DecisionId,
        action: ReviewAction,
        reviewer: Principal,
    ) -> Result<ReviewEvent, AppError> {
        Ok(self.writer.record_review(id, action, reviewer).await?)
    }

    /// Whether `person`, in `role`, may accept or override `decision`:
    /// reviewers and admins may review any decision; anyone else only a
    /// decision they asked for themselves. That is how a person decides at
    /// the point of contact: the caseworker handling a message confirms or
    /// corrects the routing they were given.
    pub fn may_review(decision: &Decision, person: &Principal, role: Role) -> bool {
        civic_core::Roles::REVIEWERS.allows(role) || decision.requested_by.same_actor(person)
    }

    /// [`App::review`] by a signed-in person, refused unless
    /// [`App::may_review`] allows it.
    pub async fn review_as(
        &self,
        id: DecisionId,
        action: ReviewAction,
        person: Principal,
        role: Role,
    ) -> Result<ReviewEvent, AppError> {
        let decision = self.store.decision(id).await?;
        if !Self::may_review(&decision, &person, role) {
            return Err(AppError::Forbidden(
                "only the person who asked for this decision, or a reviewer, may review it".into(),
            ));
        }
        self.review(id, action, person).await
    }

    /// Removes an override's stored reason, as an erasure request may
    /// require; only an administrator may. The removal is a ledger entry of
    /// its own that records who, when and the digest of `why` (kept in the
    /// record), never the reason. A review recorded before ledger entry
    /// version 2 is refused: its entry holds the reason itself.
    pub async fn redact_reason(
        &self,
        review_id: ReviewEventId,
        why: &str,
        person: Principal,
        role: Role,
    ) -> Result<ReasonRedaction, AppError> {
        if !civic_core::Roles::ADMINS.allows(role) {
            return Err(AppError::Forbidden(
                "only an administrator may redact a review's reason".into(),
            ));
        }
        let why = Reason::parse(why).map_err(|e| AppError::Invalid {
            field: "why",
            message: if e.message.contains("at most") {
                e.message
            } else {
                "say why the reason is redacted, e.g. the erasure request's reference".into()
            },
        })?;
        Ok(self.writer.redact_reason(review_id, person, why).await?)
    }

    /// Records a decision made by another system in the ledger.
    pub async fn record_decision(
        &self,
        new: civic_core::NewDecision,
    ) -> Result<Decision, AppError> {
        Ok(self.writer.record_decision(new).await?)
    }

    /// Creates an API key, recorded in the ledger as made by `by`; the
    /// token is in the result and nowhere else.
    pub async fn create_key(
        &self,
        name: &str,
        role: Role,
        by: Principal,
    ) -> Result<keys::NewApiKey, AppError> {
        let name = check_name(name, "a key", "case-management-system")?;
        Ok(self.writer.create_key(name, role, by).await?)
    }
}

/// `text` trimmed, if it is a good name for `what` (`civic_core::check_name`:
/// 1 to 100 characters, no control characters); otherwise an error on the
/// field `name` that gives `example`.
pub(crate) fn check_name<'t>(
    text: &'t str,
    what: &str,
    example: &str,
) -> Result<&'t str, AppError> {
    civic_core::check_name(text).map_err(|problem| AppError::Invalid {
        field: "name",
        message: format!(
            "{what} needs a name of 1 to {} characters without control characters, e.g. {example}; this one {}",
            civic_core::MAX_NAME_CHARS,
            problem.describe()
        ),
    })
}

/// Refuses an empty text (saying `when_empty`) or one over `max_chars` characters.
pub(crate) fn check_text(text: &str, max_chars: usize, when_empty: &str) -> Result<(), AppError> {
    if text.trim().is_empty() {
        return Err(AppError::Unprocessable {
            field: "text",
            message: when_empty.to_owned(),
        });
    }
    let chars = text.chars().count();
    if chars > max_chars {
        return Err(AppError::TooLarge {
            field: "text",
            message: format!("{chars} characters; the limit is {max_chars}"),
        });
    }
    Ok(())
}

/// The longest caller's reference (e.g. a case number) a decision may carry.
pub const MAX_REFERENCE_CHARS: usize = 200;

/// Checks a caller's reference before it goes into the ledger.
pub(crate) fn check_reference(reference: Option<&str>) -> Result<(), AppError> {
    if reference.is_some_and(|r| r.chars().count() > MAX_REFERENCE_CHARS) {
        return Err(AppError::Invalid {
            field: "reference",
            message: format!("must be at most {MAX_REFERENCE_CHARS} characters"),
        });
    }
    Ok(())
}

/// Generates a signer for a new ledger (used by `init`).
pub(crate) fn new_signer(origin: &str) -> Result<LogSigner, AppError> {
    Ok(LogSigner::generate(origin, &mut rand::rngs::OsRng)?)
}
