//! Safeguarding in the use cases: the detector's settings, the detector itself, and what
//! of its findings is recorded where.
//!
//! The detector runs on every triaged message, independently of the routing model. What
//! it finds is split in two, because a decision's `output` is kept for ever in the ledger
//! while its `explanation` follows the input-retention policy:
//!
//! - [`SafeguardingOutput`] (in `output.safeguarding`): the level, the learned score, and
//!   per category its level, score, rule ids and suggested team. Nothing derived from the
//!   person's words.
//! - [`SafeguardingEvidence`] (in `explanation.safeguarding`): the matched words with
//!   their offsets, and the words that raised the learned score.

use std::collections::BTreeMap;
use std::sync::Arc;

use civic_core::{ReviewAction, TeamName};
use civic_triage::safeguarding::{
    Assessment, Category, Detector, Finding, Level, SafeguardingMatch, Thresholds,
};
use serde::{Deserialize, Serialize};

use crate::{App, AppError};

/// The safeguarding settings (`[safeguarding]`-prefixed keys of `civic.toml`).
#[derive(Debug, Clone, PartialEq)]
pub struct SafeguardingConfig {
    /// A learned concern score at or above this makes a message urgent.
    pub alert_threshold: f64,
    /// A learned concern score at or above this (below the alert) sends it to review.
    pub watch_threshold: f64,
    /// Whether a message with any safeguarding finding, urgent or watch, is never decided
    /// automatically (default true; false lets watch-level messages be routed alone).
    pub never_auto: bool,
    /// The local safeguarding procedure, linked from the review banner.
    pub procedure_url: Option<String>,
    /// The team suggested for a category where the body names its own
    /// (`safeguarding_teams`); the other categories keep the detector's defaults.
    pub teams: BTreeMap<Category, String>,
}

impl Default for SafeguardingConfig {
    fn default() -> Self {
        let t = Thresholds::default();
        Self {
            alert_threshold: t.alert,
            watch_threshold: t.watch,
            never_auto: true,
            procedure_url: None,
            teams: BTreeMap::new(),
        }
    }
}

impl SafeguardingConfig {
    /// Checks the settings, naming the one at fault.
    pub(crate) fn validate(self) -> Result<Self, AppError> {
        let bad = |setting: &'static str, message: &str| AppError::Config {
            setting,
            message: message.into(),
        };
        if !(0.0..=1.0).contains(&self.alert_threshold) {
            return Err(bad(
                "safeguarding_alert_threshold",
                "must be between 0 and 1",
            ));
        }
        if !(0.0..=self.alert_threshold).contains(&self.watch_threshold) {
            return Err(bad(
                "safeguarding_watch_threshold",
                "must be between 0 and the alert threshold",
            ));
        }
        let url_ok = |url: &str| {
            (url.starts_with("https://") || url.starts_with("http://") || url.starts_with('/'))
                && !url.contains(char::is_whitespace)
        };
        if self.procedure_url.as_deref().is_some_and(|u| !url_ok(u)) {
            return Err(bad(
                "safeguarding_procedure_url",
                "must be an http(s) address or a path starting with /",
            ));
        }
        for (category, team) in &self.teams {
            if let Err(problem) = civic_core::check_name(team) {
                return Err(AppError::Config {
                    setting: "safeguarding_teams",
                    message: format!("the team for {} {}", category.id(), problem.describe()),
                });
            }
        }
        Ok(self)
    }

    /// The detector these settings describe: the default rules and learned scorer (trained
    /// once per process) with these thresholds. Training takes about a second: call it off
    /// the async workers.
    pub fn detector(&self) -> Result<Arc<Detector>, AppError> {
        let detector = Detector::shared_default()
            .and_then(|d| {
                d.with_thresholds(Thresholds {
                    alert: self.alert_threshold,
                    watch: self.watch_threshold,
                })
            })
            .map_err(|e| AppError::Internal(format!("safeguarding detector: {e}")))?
            .with_teams(
                self.teams
                    .iter()
                    .map(|(c, t)| (*c, t.trim().to_string()))
                    .collect(),
            );
        Ok(Arc::new(detector))
    }
}

impl SafeguardingConfig {
    /// The teams a message may be referred to: each category's team (as
    /// configured in `safeguarding_teams`, or the detector's default), in
    /// category order, without repeats.
    pub fn referral_teams(&self) -> Vec<String> {
        let mut teams: Vec<String> = Vec::new();
        for category in Category::ALL {
            let team = self
                .teams
                .get(&category)
                .map_or(category.suggested_team(), |t| t.trim());
            if !teams.iter().any(|t| t == team) {
                teams.push(team.to_owned());
            }
        }
        teams
    }
}

impl App {
    /// A referral of a message to a safeguarding team, checked: `team` must be
    /// one of [`SafeguardingConfig::referral_teams`]. Any decision may be
    /// referred, since a reviewer may see a concern the detector missed; the
    /// error names the field (`team`) and lists the teams.
    pub fn check_referral(&self, team: &str) -> Result<ReviewAction, AppError> {
        let teams = self.config().safeguarding.referral_teams();
        let invalid = |message: String| AppError::Unprocessable {
            field: "team",
            message,
        };
        let team = team.trim();
        if team.is_empty() {
            return Err(invalid(format!(
                "name the team it was referred to: one of {}",
                teams.join("; ")
            )));
        }
        if !teams.iter().any(|t| t == team) {
            return Err(invalid(format!(
                "{team:?} is not one of the safeguarding teams: {}",
                teams.join("; ")
            )));
        }
        let team = TeamName::parse(team).map_err(|e| invalid(e.message))?;
        Ok(ReviewAction::Refer { team })
    }

    /// How reviewers treated safeguarding flags, per routing model version:
    /// urgent triage decisions reviewed, and of those dismissed (overridden
    /// as "Not a safeguarding concern" or with `"urgent": false`). Shown on
    /// the Models page, so that a rise in dismissals is seen.
    pub async fn safeguarding_dismissals(
        &self,
    ) -> Result<Vec<civic_store::SafeguardingDismissals>, AppError> {
        Ok(self.store().safeguarding_dismissals().await?)
    }
}

/// What a decision's output records of the detector's findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SafeguardingOutput {
    /// `none`, `watch` or `alert`.
    pub level: Level,
    /// The learned concern score (0 to 1), rounded to four places.
    pub score: f64,
    /// The categories found, strongest first.
    pub categories: Vec<Finding>,
}

/// What a decision's explanation records: the words behind the findings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SafeguardingEvidence {
    /// Every rule match, with the words and offsets (negated, quoted and watch ones too).
    pub matches: Vec<SafeguardingMatch>,
    /// The words that raised the learned score most, with their contributions.
    pub model_terms: Vec<(String, f64)>,
}

/// Splits an assessment into what the output may keep and what only the explanation may.
pub fn record_parts(a: Assessment) -> (SafeguardingOutput, SafeguardingEvidence) {
    let round = |x: f64| (x * 10_000.0).round() / 10_000.0;
    let categories = a
        .findings
        .into_iter()
        .map(|f| Finding {
            score: round(f.score),
            ..f
        })
        .collect();
    (
        SafeguardingOutput {
            level: a.level,
            score: round(a.score),
            categories,
        },
        SafeguardingEvidence {
            matches: a.matches,
            model_terms: a.model_terms,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn referral_teams_are_the_categories_teams_once_each() {
        let default = SafeguardingConfig::default().referral_teams();
        assert_eq!(default.len(), Category::ALL.len());
        assert_eq!(default[0], Category::ALL[0].suggested_team());
        let configured = SafeguardingConfig {
            teams: BTreeMap::from([
                (Category::ChildAtRisk, " Early help hub ".to_string()),
                (Category::AdultAtRisk, "Early help hub".to_string()),
            ]),
            ..Default::default()
        }
        .referral_teams();
        assert_eq!(configured.len(), Category::ALL.len() - 1);
        assert_eq!(
            configured.iter().filter(|t| *t == "Early help hub").count(),
            1
        );
        assert!(
            !configured
                .iter()
                .any(|t| t == Category::ChildAtRisk.suggested_team())
        );
    }

    #[test]
    fn settings_are_checked_and_name_the_setting() {
        let cases = [
            (SafeguardingConfig::default(), None),
            (
                SafeguardingConfig {
                    alert_threshold: 1.5,
                    ..Default::default()
                },
                Some("safeguarding_alert_threshold"),
            ),
            (
                SafeguardingConfig {
                    watch_threshold: 0.9,
                    ..Default::default()
                },
                Some("safeguarding_watch_threshold"),
            ),
            (
                SafeguardingConfig {
                    procedure_url: Some("javascript:alert(1)".into()),
                    ..Default::default()
                },
                Some("safeguarding_procedure_url"),
            ),
            (
                SafeguardingConfig {
                    teams: BTreeMap::from([(Category::ChildAtRisk, "  ".to_string())]),
                    ..Default::default()
                },
                Some("safeguarding_teams"),
            ),
            (
                SafeguardingConfig {
                    teams: BTreeMap::from([(Category::ChildAtRisk, "Early help hub".into())]),
                    ..Default::default()
                },
                None,
            ),
        ];
        for (config, want) in cases {
            let got = match config.validate() {
                Ok(_) => None,
                Err(AppError::Config { setting, .. }) => Some(setting),
                Err(_) => Some("other error"),
            };
            assert_eq!(got, want);
        }
    }
}
