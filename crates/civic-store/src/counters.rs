//! Counters the overview and the queue's filters read instead of counting
//! rows: items waiting per service and team, decisions and reviews per UTC
//! day, and quality samples per model version (migration 0005).
//!
//! The ledger writer gathers a batch's changes in a [`CounterDeltas`] and
//! applies them in the batch's own transaction, so the counters commit or
//! roll back with the rows they count and can never disagree with them.

use std::collections::BTreeMap;

use civic_core::{Decision, ModelRef, ReviewAction, Timestamp, unix_millis};
use sqlx::AnyConnection;

use crate::StoreError;

/// Milliseconds in a day.
const DAY_MS: i64 = 86_400_000;

/// The UTC day of `t`, as days since the Unix epoch (the `daily_activity` key).
pub fn utc_day(t: Timestamp) -> i64 {
    unix_millis(t).div_euclid(DAY_MS)
}

/// The queue counters' key for a team: `''` stands for "no team suggested".
fn team_key(team: Option<&str>) -> &str {
    team.unwrap_or("")
}

/// A decision's state before its review, read as the writer marks it reviewed.
#[derive(Debug, Clone)]
pub(crate) struct Dequeued {
    /// The model that made the decision.
    pub model: ModelRef,
    /// Whether it was a quality sample.
    pub quality_sample: bool,
    /// Its queue row's service and team, if it was waiting in the queue.
    pub queue: Option<(String, Option<String>)>,
}

/// Changes to the counters made by one batch of the writer.
#[derive(Debug, Default)]
pub(crate) struct CounterDeltas {
    /// (service, team key) → change in items waiting.
    queue: BTreeMap<(String, String), i64>,
    /// day → (decisions, reviews, overrides).
    days: BTreeMap<i64, [i64; 3]>,
    /// (model name, version) → (sampled, reviewed, overridden).
    quality: BTreeMap<(String, String), [i64; 3]>,
}

impl CounterDeltas {
    /// A decision recorded; `queued` holds its queue row's team if it waits.
    pub(crate) fn decision(&mut self, d: &Decision, queued: Option<Option<&str>>) {
        self.days.entry(utc_day(d.created_at)).or_default()[0] += 1;
        if let Some(team) = queued {
            *self
                .queue
                .entry((d.service.as_str().to_owned(), team_key(team).to_owned()))
                .or_default() += 1;
        }
        if d.quality_sample {
            self.quality
                .entry((d.model.name.clone(), d.model.version.clone()))
                .or_default()[0] += 1;
        }
    }

    /// A review made at `at` of the decision described by `was`.
    pub(crate) fn review(&mut self, was: &Dequeued, action: &ReviewAction, at: Timestamp) {
        let overridden = i64::from(matches!(action, ReviewAction::Override { .. }));
        let day = self.days.entry(utc_day(at)).or_default();
        day[1] += 1;
        day[2] += overridden;
        if let Some((service, team)) = &was.queue {
            *self
                .queue
                .entry((service.clone(), team_key(team.as_deref()).to_owned()))
                .or_default() -= 1;
        }
        if was.quality_sample {
            let q = self
                .quality
                .entry((was.model.name.clone(), was.model.version.clone()))
                .or_default();
            q[1] += 1;
            q[2] += overridden;
        }
    }

    /// Adds the changes to the counters, within the caller's transaction.
    pub(crate) async fn apply(self, conn: &mut AnyConnection) -> Result<(), StoreError> {
        for ((service, team), n) in self.queue {
            if n == 0 {
                continue;
            }
            sqlx::query(
                "INSERT INTO queue_counts (service, team, waiting) VALUES ($1, $2, $3) \
                 ON CONFLICT (service, team) DO UPDATE SET waiting = queue_counts.waiting + excluded.waiting",
            )
            .bind(service)
            .bind(team)
            .bind(n)
            .execute(&mut *conn)
            .await?;
        }
        for (day, [d, r, o]) in self.days {
            sqlx::query(
                "INSERT INTO daily_activity (day, decisions, reviews, overrides) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (day) DO UPDATE SET decisions = daily_activity.decisions + excluded.decisions, \
                 reviews = daily_activity.reviews + excluded.reviews, \
                 overrides = daily_activity.overrides + excluded.overrides",
            )
            .bind(day)
            .bind(d)
            .bind(r)
            .bind(o)
            .execute(&mut *conn)
            .await?;
        }
        for ((name, version), [s, r, o]) in self.quality {
            sqlx::query(
                "INSERT INTO quality_counts (model_name, model_version, sampled, reviewed, overridden) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (model_name, model_version) DO UPDATE SET \
                 sampled = quality_counts.sampled + excluded.sampled, \
                 reviewed = quality_counts.reviewed + excluded.reviewed, \
                 overridden = quality_counts.overridden + excluded.overridden",
            )
            .bind(name)
            .bind(version)
            .bind(s)
            .bind(r)
            .bind(o)
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use civic_core::from_unix_millis;

    use super::*;

    #[test]
    fn days_are_utc_days_since_the_epoch() {
        let at = |ms| from_unix_millis(ms).expect("time");
        assert_eq!(utc_day(at(0)), 0);
        assert_eq!(utc_day(at(DAY_MS - 1)), 0);
        assert_eq!(utc_day(at(DAY_MS)), 1);
        // 2026-11-24T00:00:00Z is day 20,781.
        assert_eq!(utc_day(at(1_795_478_400_000)), 20_781);
        assert_eq!(utc_day(at(1_795_478_400_000 - 1)), 20_780);
    }

    #[test]
    fn a_review_undoes_the_queue_count_its_decision_added() {
        let mut deltas = CounterDeltas::default();
        let was = Dequeued {
            model: ModelRef {
                name: "m".into(),
                version: "1".into(),
            },
            quality_sample: true,
            queue: Some(("triage".into(), None)),
        };
        let at = from_unix_millis(5 * DAY_MS + 1).expect("time");
        deltas.review(&was, &ReviewAction::Accept, at);
        assert_eq!(deltas.queue[&("triage".to_owned(), String::new())], -1);
        assert_eq!(deltas.days[&5], [0, 1, 0]);
        assert_eq!(deltas.quality[&("m".to_owned(), "1".to_owned())], [0, 1, 0]);
    }
}
