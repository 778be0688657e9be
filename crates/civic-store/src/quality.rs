//! How quality samples turned out: of the would-be automatic decisions that
//! were queued for a check, how many a person has reviewed and how many they
//! overrode, per model version.

use civic_core::ModelRef;
use sqlx::Row as _;

use crate::{Store, StoreError};

/// The quality samples of one model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleOutcomes {
    /// The model version that made the decisions.
    pub model: ModelRef,
    /// Decisions sampled.
    pub sampled: u64,
    /// Of which reviewed so far.
    pub reviewed: u64,
    /// Of which overridden: the automatic answer would have been wrong.
    pub overridden: u64,
}

impl SampleOutcomes {
    /// The share of reviewed samples that were overridden, if any were reviewed.
    pub fn override_rate(&self) -> Option<f64> {
        (self.reviewed > 0).then(|| self.overridden as f64 / self.reviewed as f64)
    }
}

fn count(row: &sqlx::any::AnyRow, col: &str) -> Result<u64, StoreError> {
    let n: i64 = row.try_get(col)?;
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")))
}

impl Store {
    /// The outcomes of quality samples per model version, by model name and
    /// version, from the counters the writer keeps (`quality_counts`).
    pub async fn quality_samples_by_model(&self) -> Result<Vec<SampleOutcomes>, StoreError> {
        let rows = sqlx::query(
            "SELECT model_name AS name, model_version AS version, sampled, reviewed, overridden \
             FROM quality_counts WHERE sampled > 0 ORDER BY model_name, model_version",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SampleOutcomes {
                    model: ModelRef {
                        name: r.try_get("name")?,
                        version: r.try_get("version")?,
                    },
                    sampled: count(r, "sampled")?,
                    reviewed: count(r, "reviewed")?,
                    overridden: count(r, "overridden")?,
                })
            })
            .collect()
    }
}

/// How reviewers treated triage decisions the safeguarding detector flagged
/// urgent, per model version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeguardingDismissals {
    /// The routing model version the decisions were recorded with.
    pub model: ModelRef,
    /// Urgent (safeguarding) decisions reviewed.
    pub reviewed: u64,
    /// Of which dismissed: overridden with the reason
    /// [`NOT_A_SAFEGUARDING_CONCERN`], or with an output that sets
    /// `"urgent": false`.
    pub dismissed: u64,
}

/// The override reason that dismisses a safeguarding flag.
pub const NOT_A_SAFEGUARDING_CONCERN: &str = "Not a safeguarding concern";

impl Store {
    /// Reviewed and dismissed safeguarding flags of triage decisions, per
    /// model version. Decision and review outputs are stored as canonical
    /// JSON (sorted keys, no spaces), so `"urgent":true` is matched as text
    /// alike on both backends.
    pub async fn safeguarding_dismissals(&self) -> Result<Vec<SafeguardingDismissals>, StoreError> {
        let rows = sqlx::query(
            "SELECT d.model_name AS name, d.model_version AS version, COUNT(*) AS reviewed, \
             SUM(CASE WHEN r.action = 'override' AND (r.reason LIKE $1 \
                 OR r.output LIKE '%\"urgent\":false%') THEN 1 ELSE 0 END) AS dismissed \
             FROM review_events r JOIN decisions d ON d.id = r.decision_id \
             WHERE d.service = 'triage' AND d.output LIKE '%\"urgent\":true%' \
             GROUP BY d.model_name, d.model_version ORDER BY d.model_name, d.model_version",
        )
        .bind(format!("{NOT_A_SAFEGUARDING_CONCERN}%"))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(SafeguardingDismissals {
                    model: ModelRef {
                        name: r.try_get("name")?,
                        version: r.try_get("version")?,
                    },
                    reviewed: count(r, "reviewed")?,
                    dismissed: count(r, "dismissed")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_override_rate_counts_only_reviewed_samples() {
        let o = |sampled, reviewed, overridden| SampleOutcomes {
            model: ModelRef {
                name: "m".into(),
                version: "1".into(),
            },
            sampled,
            reviewed,
            overridden,
        };
        assert_eq!(o(5, 0, 0).override_rate(), None);
        assert_eq!(o(10, 4, 1).override_rate(), Some(0.25));
    }
}
