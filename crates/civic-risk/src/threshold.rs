//! Setting the flag threshold from how many cases reviewers can check.

use serde::{Deserialize, Serialize};

use crate::RiskError;

/// How the flag threshold is chosen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThresholdPolicy {
    /// Flag this share of cases (e.g. `0.05` for 5%).
    FlagRate(f64),
    /// Reviewers can check `per_period` cases out of `volume` arriving in the same period
    /// (e.g. 200 a week out of 4,000 a week).
    Capacity {
        /// Cases reviewers can check per period.
        per_period: f64,
        /// Cases arriving per period.
        volume: f64,
    },
}

impl ThresholdPolicy {
    /// The share of cases to flag, checked to lie in (0, 1].
    pub fn flag_rate(&self) -> Result<f64, RiskError> {
        let rate = match *self {
            ThresholdPolicy::FlagRate(r) => r,
            ThresholdPolicy::Capacity { per_period, volume } => {
                let valid = volume > 0.0 && volume.is_finite() && per_period > 0.0;
                if !valid {
                    return Err(RiskError::InvalidOption {
                        option: "capacity",
                        reason: "capacity and volume must both be positive".into(),
                    });
                }
                (per_period / volume).min(1.0)
            }
        };
        if rate > 0.0 && rate <= 1.0 {
            Ok(rate)
        } else {
            Err(RiskError::InvalidOption {
                option: "flag_rate",
                reason: format!("the flag rate must be above 0 and at most 1, not {rate}"),
            })
        }
    }
}

/// The threshold chosen and what it is expected to do, measured on held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThresholdReport {
    /// The policy asked for.
    pub policy: ThresholdPolicy,
    /// Rows with `risk_score >= threshold` are flagged.
    pub threshold: f64,
    /// The share of cases to flag that the policy asks for.
    pub target_flag_rate: f64,
    /// The share of held-out rows flagged at the threshold.
    pub held_out_flag_rate: f64,
    /// Of the flagged held-out rows, the share with the outcome.
    pub expected_precision: f64,
    /// Of the held-out rows with the outcome, the share flagged.
    pub expected_recall: f64,
    /// Cases expected to be flagged per period, when the policy gave a volume.
    pub expected_flags_per_period: Option<f64>,
}

/// Picks the lowest score among the top `rate` share of `scores` as the threshold.
pub(crate) fn threshold_for_rate(scores: &[f64], rate: f64) -> f64 {
    let mut sorted = scores.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let k = ((rate * sorted.len() as f64).round() as usize).clamp(1, sorted.len().max(1));
    sorted.get(k - 1).copied().unwrap_or(1.0)
}

/// Measures a threshold on held-out scores and outcomes.
pub(crate) fn report(
    policy: ThresholdPolicy,
    target: f64,
    threshold: f64,
    scores: &[f64],
    labels: &[bool],
) -> ThresholdReport {
    let (mut tp, mut fp, mut pos) = (0usize, 0usize, 0usize);
    for (&s, &y) in scores.iter().zip(labels) {
        let flagged = s >= threshold;
        tp += usize::from(flagged && y);
        fp += usize::from(flagged && !y);
        pos += usize::from(y);
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let held_out_flag_rate = ratio(tp + fp, scores.len());
    ThresholdReport {
        policy,
        threshold,
        target_flag_rate: target,
        held_out_flag_rate,
        expected_precision: ratio(tp, tp + fp),
        expected_recall: ratio(tp, pos),
        expected_flags_per_period: match policy {
            ThresholdPolicy::Capacity { volume, .. } => Some(held_out_flag_rate * volume),
            ThresholdPolicy::FlagRate(_) => None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_becomes_a_rate() {
        let p = ThresholdPolicy::Capacity {
            per_period: 200.0,
            volume: 4000.0,
        };
        assert_eq!(p.flag_rate(), Ok(0.05));
        for bad in [0.0, -0.1, 1.5, f64::NAN] {
            assert!(ThresholdPolicy::FlagRate(bad).flag_rate().is_err(), "{bad}");
        }
    }

    #[test]
    fn threshold_flags_the_requested_share() {
        let scores: Vec<f64> = (0..100).map(|i| f64::from(i) / 100.0).collect();
        let t = threshold_for_rate(&scores, 0.05);
        assert_eq!(scores.iter().filter(|&&s| s >= t).count(), 5);
        let labels: Vec<bool> = (0..100).map(|i| i >= 90).collect();
        let r = report(ThresholdPolicy::FlagRate(0.05), 0.05, t, &scores, &labels);
        assert_eq!(r.expected_precision, 1.0);
        assert!((r.expected_recall - 0.5).abs() < 1e-12);
    }
}
