//! `civic serve --demo`: a demonstration instance with a trained triage
//! model and a trained risk model, an API key and a web user for each role, a
//! few hundred routed messages and scored claims, some waiting for review. All
//! the data is synthetic (`civic_triage::demo`, `civic_risk::demo`): no real
//! person, message or claim is behind any of it.

use civic_core::Role;
use civic_store::ModelVersion;
use civic_triage::{TrainOptions, TrainingExample};

use crate::{App, AppError, risk, triage};

/// Messages routed when a demo instance is first set up.
const DEMO_MESSAGES: usize = 300;

/// Synthetic claims the demo risk model is trained on: enough for a stable
/// fairness table, few enough to train in a few seconds.
pub const DEMO_TRAINING_CLAIMS: usize = 5_000;

/// Synthetic claims scored (and recorded) when a demo instance is first set up.
const DEMO_CLAIMS: usize = 200;

/// What setting up the demo did.
#[derive(Debug, Default)]
pub struct DemoOutcome {
    /// The triage model trained now, if there was none.
    pub trained: Option<ModelVersion>,
    /// The risk model trained now, if there was none.
    pub trained_risk: Option<ModelVersion>,
    /// API keys created now (role, token), shown once.
    pub keys: Vec<(Role, String)>,
    /// Web users created now (role, e-mail, password), shown once.
    pub users: Vec<(Role, String, String)>,
    /// Messages routed now.
    pub routed: u64,
    /// Of which waiting for review.
    pub waiting: u64,
    /// Claims scored now.
    pub scored: u64,
    /// Of which flagged for review.
    pub flagged: u64,
}

impl App {
    /// Makes this instance a demonstration one, doing only what has not
    /// been done before (so restarting `serve --demo` keeps its data).
    pub async fn seed_demo(&self) -> Result<DemoOutcome, AppError> {
        let mut outcome = DemoOutcome::default();
        if self
            .store()
            .model_bytes(triage::DEFAULT_MODEL, None)
            .await
            .is_err()
        {
            let examples: Vec<TrainingExample> = civic_triage::demo::generate(2025, 6000)
                .into_iter()
                .map(TrainingExample::from)
                .collect();
            let (model, report) = tokio::task::spawn_blocking(move || {
                civic_triage::train(&examples, &TrainOptions::default(), &|_| {})
            })
            .await
            .map_err(|e| AppError::Internal(format!("demo training task: {e}")))??;
            let version = self
                .writer()
                .register_model(
                    civic_store::NewModel {
                        name: triage::DEFAULT_MODEL.to_owned(),
                        service: civic_core::Service::parse(triage::SERVICE)?,
                        training_data_sha256: model.metadata().training_data_sha256.clone(),
                        metrics: serde_json::to_value(&report)
                            .map_err(|e| AppError::Internal(e.to_string()))?,
                        model: model.to_bytes(),
                        created_by: civic_core::Principal::demo().to_string(),
                    },
                    civic_core::Principal::demo(),
                )
                .await?;
            outcome.trained = Some(version);
        }
        if self
            .store()
            .model_bytes(risk::DEMO_MODEL, None)
            .await
            .is_err()
        {
            let trained = self
                .train_risk_table(
                    risk::DEMO_MODEL,
                    civic_risk::demo::synthetic_claims(DEMO_TRAINING_CLAIMS, 2025),
                    demo_risk_options(),
                    &civic_core::Principal::demo(),
                )
                .await?;
            outcome.trained_risk = Some(trained.version);
        }
        // Keys, users and the demo's decisions are made once, on an
        // instance that has recorded no decision yet (training the models
        // above appends governance entries of their own).
        if self.store().count_decision_records().await? == 0 {
            let mut caseworker = None;
            for role in Role::ALL {
                let made = self
                    .create_key(&format!("demo-{role}"), role, civic_core::Principal::demo())
                    .await?;
                if role == Role::Caseworker {
                    caseworker = Some(made.key.id);
                }
                outcome.keys.push((role, made.token));
                let email = civic_core::Email::parse(&format!("{role}@demo.civic.local"))?;
                let user = self
                    .add_user(&email, role, None, civic_core::Principal::demo())
                    .await?;
                let password = user.generated.unwrap_or_default();
                outcome.users.push((role, email.to_string(), password));
            }
            let caller = civic_core::Principal::ApiKey(
                caseworker.ok_or_else(|| AppError::Internal("no caseworker key".into()))?,
            );
            for (i, m) in civic_triage::demo::generate(2026, DEMO_MESSAGES)
                .into_iter()
                .enumerate()
            {
                let decision = self
                    .triage(
                        triage::DEFAULT_MODEL,
                        &m.text,
                        Some(format!("demo-{i:04}")),
                        caller.clone(),
                    )
                    .await?
                    .decision;
                outcome.routed += 1;
                outcome.waiting +=
                    u64::from(decision.status == civic_core::DecisionStatus::NeedsReview);
            }
            self.score_demo_claims(&caller, &mut outcome).await?;
        }
        Ok(outcome)
    }

    /// Scores new synthetic claims as a case-management system would send
    /// them: without the outcome (not known yet) and with the claim id as the
    /// reference.
    async fn score_demo_claims(
        &self,
        caller: &civic_core::Principal,
        outcome: &mut DemoOutcome,
    ) -> Result<(), AppError> {
        use civic_risk::demo::{CLAIM_ID, CLAIM_LABEL};
        let claims = civic_risk::demo::synthetic_claims(DEMO_CLAIMS, 2026);
        for row in claims.rows() {
            let mut record: serde_json::Map<String, serde_json::Value> = claims
                .columns()
                .iter()
                .cloned()
                .zip(row.cells.iter().cloned())
                .collect();
            record.remove(CLAIM_LABEL);
            let reference = record
                .remove(CLAIM_ID)
                .and_then(|v| v.as_str().map(str::to_owned));
            let scored = self
                .score_risk(risk::DEMO_MODEL, record, reference, caller.clone())
                .await?;
            outcome.scored += 1;
            outcome.flagged += u64::from(scored.score.flagged);
        }
        Ok(())
    }
}

/// The demo's training options: the synthetic claims' protected columns,
/// the claim id excluded, 5% flagged.
fn demo_risk_options() -> civic_risk::TrainOptions {
    use civic_risk::demo::{CLAIM_ID, CLAIM_LABEL, CLAIM_PROTECTED};
    let mut options = civic_risk::TrainOptions::new(CLAIM_LABEL);
    options.protected_columns = CLAIM_PROTECTED.iter().map(|c| c.to_string()).collect();
    options.exclude_columns = vec![CLAIM_ID.to_owned()];
    options.seed = 2025;
    options
}
