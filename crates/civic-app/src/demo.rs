//! `civic serve --demo`: a demonstration instance with a trained triage
//! model, an API key and a web user for each role, and a few hundred routed messages, some
//! waiting for review. The data is synthetic (`civic_triage::demo`).

use civic_core::Role;
use civic_store::ModelVersion;
use civic_triage::{TrainOptions, TrainingExample};

use crate::{App, AppError, triage};

/// Messages routed when a demo instance is first set up.
const DEMO_MESSAGES: usize = 300;

/// What setting up the demo did.
#[derive(Debug, Default)]
pub struct DemoOutcome {
    /// The triage model trained now, if there was none.
    pub trained: Option<ModelVersion>,
    /// API keys created now (role, token), shown once.
    pub keys: Vec<(Role, String)>,
    /// Web users created now (role, e-mail, password), shown once.
    pub users: Vec<(Role, String, String)>,
    /// Messages routed now.
    pub routed: u64,
    /// Of which waiting for review.
    pub waiting: u64,
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
                .store()
                .register_model(civic_store::NewModel {
                    name: triage::DEFAULT_MODEL.to_owned(),
                    service: civic_core::Service::parse(triage::SERVICE)?,
                    training_data_sha256: model.metadata().training_data_sha256.clone(),
                    metrics: serde_json::to_value(&report)
                        .map_err(|e| AppError::Internal(e.to_string()))?,
                    model: model.to_bytes(),
                    created_by: "demo".into(),
                })
                .await?;
            outcome.trained = Some(version);
        }
        if self.store().ledger_size().await? == 0 {
            let mut caseworker = None;
            for role in Role::ALL {
                let made = self.create_key(&format!("demo-{role}"), role).await?;
                if role == Role::Caseworker {
                    caseworker = Some(made.key.id);
                }
                outcome.keys.push((role, made.token));
                let email = civic_core::Email::parse(&format!("{role}@demo.civic.local"))?;
                let user = self.add_user(&email, role, None).await?;
                let password = user.generated.unwrap_or_default();
                outcome.users.push((role, email.to_string(), password));
            }
            let caller =
                caseworker.ok_or_else(|| AppError::Internal("no caseworker key".into()))?;
            for (i, m) in civic_triage::demo::generate(2026, DEMO_MESSAGES)
                .into_iter()
                .enumerate()
            {
                let (decision, _) = self
                    .triage(
                        triage::DEFAULT_MODEL,
                        &m.text,
                        Some(format!("demo-{i:04}")),
                        caller,
                    )
                    .await?;
                outcome.routed += 1;
                outcome.waiting +=
                    u64::from(decision.status == civic_core::DecisionStatus::NeedsReview);
            }
        }
        Ok(outcome)
    }
}
