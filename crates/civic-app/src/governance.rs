//! Governance in the ledger: the settings that alter decisions, recorded
//! when an instance starts with different ones, and the listing of every
//! governance event (keys, users, model versions, purges, settings) for
//! auditors.
//!
//! The changes themselves are made by their own use cases (`create_key`,
//! `revoke_key`, `add_user`, `reset_password`, training, `activate_model`,
//! `purge_lapsed`), each through the ledger writer, which records the
//! governance entry in the same transaction as the change.

use civic_core::{GovernanceEvent, Principal};
use serde_json::{Map, Value, json};

pub use civic_core::{GovernanceChange, GovernanceKind};
pub use civic_store::GovernanceFilter;

use crate::{App, AppError, Config};

/// The most governance events one listing returns.
pub const MAX_EVENTS: u32 = 500;

/// The settings that alter decisions, by their names in `civic.toml`:
/// what `App::record_settings` records. Review thresholds of triage and
/// risk belong to each model version (recorded when it is registered),
/// not to the configuration.
pub fn decision_settings(config: &Config) -> Map<String, Value> {
    let safeguarding = &config.safeguarding;
    let teams: Map<String, Value> = safeguarding
        .teams
        .iter()
        .map(|(category, team)| (category.id().to_owned(), Value::String(team.clone())))
        .collect();
    let retention_days = config.input_retention.map(|d| d.as_secs() / 86_400);
    let settings = json!({
        "input_retention_days": retention_days.unwrap_or(0),
        "override_reasons": config.web.override_reasons,
        "quality_sample_rate": config.web.quality_sample_rate.get(),
        "safeguarding_alert_threshold": safeguarding.alert_threshold,
        "safeguarding_never_auto": safeguarding.never_auto,
        "safeguarding_teams": teams,
        "safeguarding_watch_threshold": safeguarding.watch_threshold,
    });
    match settings {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

impl App {
    /// Records the settings in force that alter decisions
    /// ([`decision_settings`]) as a `settings_changed` governance event
    /// naming `by`, when they differ from the last recorded ones (or none
    /// were recorded); returns the event, or `None` when they are the same.
    /// `civic serve` calls it at start-up.
    pub async fn record_settings(
        &self,
        by: Principal,
    ) -> Result<Option<GovernanceEvent>, AppError> {
        let settings = decision_settings(self.config());
        let event = self.writer().record_settings(settings, by).await?;
        if let Some(GovernanceEvent {
            change: GovernanceChange::SettingsChanged { changed, .. },
            ledger_index,
            ..
        }) = &event
        {
            tracing::info!(
                changed = %changed.join(","),
                ledger_index,
                "recorded the settings that alter decisions"
            );
        }
        Ok(event)
    }

    /// Up to `limit` (1 to [`MAX_EVENTS`]) governance events matching
    /// `filter`, newest first.
    pub async fn governance_events(
        &self,
        filter: &GovernanceFilter,
        limit: u32,
    ) -> Result<Vec<GovernanceEvent>, AppError> {
        if !(1..=MAX_EVENTS).contains(&limit) {
            return Err(AppError::Invalid {
                field: "limit",
                message: format!("{limit} is not from 1 to {MAX_EVENTS}"),
            });
        }
        if let (Some(from), Some(to)) = (filter.from, filter.to)
            && from >= to
        {
            return Err(AppError::Invalid {
                field: "to",
                message: "must be later than from".into(),
            });
        }
        Ok(self.store().governance_events(filter, limit).await?)
    }
}
