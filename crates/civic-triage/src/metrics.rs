//! Classification metrics: accuracy, macro-F1, per-class scores, confusion matrix,
//! calibration and review coverage.

use serde::{Deserialize, Serialize};

use crate::calibration::{ReliabilityBin, expected_calibration_error, reliability_bins};

/// Precision, recall and F1 of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClassMetrics {
    /// The class (team) label.
    pub label: String,
    /// Share of messages predicted as this class that were this class (0 if none predicted).
    pub precision: f64,
    /// Share of messages of this class predicted as it (0 if none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 if both are 0).
    pub f1: f64,
    /// Number of messages of this class.
    pub support: usize,
}

/// Counts of (true class, predicted class) pairs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfusionMatrix {
    /// Class labels, in row and column order.
    pub labels: Vec<String>,
    /// `counts[true][predicted]`.
    pub counts: Vec<Vec<usize>>,
}

/// How the safeguarding rules did against examples labelled urgent or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UrgentMetrics {
    /// Examples that carried an urgent label.
    pub labelled: usize,
    /// Labelled urgent and flagged urgent.
    pub true_positives: usize,
    /// Labelled not urgent but flagged urgent.
    pub false_positives: usize,
    /// Labelled urgent but not flagged.
    pub false_negatives: usize,
    /// `tp / (tp + fp)` (0 when nothing was flagged).
    pub precision: f64,
    /// `tp / (tp + fn)` (0 when nothing was labelled urgent).
    pub recall: f64,
}

/// Every quality figure of a model on a set of labelled messages.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Messages evaluated.
    pub examples: usize,
    /// Share predicted correctly.
    pub accuracy: f64,
    /// Unweighted mean of per-class F1.
    pub macro_f1: f64,
    /// Per-class precision, recall, F1 and support.
    pub per_class: Vec<ClassMetrics>,
    /// The confusion matrix.
    pub confusion: ConfusionMatrix,
    /// Expected calibration error of the confidence (15 bins).
    pub ece: f64,
    /// The reliability diagram's bins.
    pub reliability: Vec<ReliabilityBin>,
    /// The review threshold in force.
    pub threshold: f64,
    /// Share of messages routed without review: at or above the threshold and not urgent.
    pub coverage: f64,
    /// Accuracy of the messages routed without review (0 if none).
    pub precision_at_threshold: f64,
    /// Safeguarding rules against urgent labels, when the data had them.
    pub urgent: Option<UrgentMetrics>,
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

impl Metrics {
    /// Computes metrics from true and predicted class indices into `labels`; `auto_routed`
    /// says which messages went through without review.
    pub(crate) fn compute(
        labels: &[String],
        truth: &[usize],
        predicted: &[usize],
        confidence: &[f64],
        threshold: f64,
        auto_routed: &[bool],
    ) -> Self {
        let k = labels.len();
        let mut counts = vec![vec![0usize; k]; k];
        for (&t, &p) in truth.iter().zip(predicted) {
            counts[t][p] += 1;
        }
        let per_class: Vec<ClassMetrics> = (0..k)
            .map(|c| {
                let tp = counts[c][c];
                let support: usize = counts[c].iter().sum();
                let predicted_c: usize = counts.iter().map(|row| row[c]).sum();
                let precision = ratio(tp, predicted_c);
                let recall = ratio(tp, support);
                let f1 = if precision + recall > 0.0 {
                    2.0 * precision * recall / (precision + recall)
                } else {
                    0.0
                };
                ClassMetrics {
                    label: labels[c].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                }
            })
            .collect();
        let n = truth.len();
        let correct: Vec<bool> = truth.iter().zip(predicted).map(|(t, p)| t == p).collect();
        let right = correct.iter().filter(|&&c| c).count();
        let present: Vec<&ClassMetrics> = per_class.iter().filter(|c| c.support > 0).collect();
        let macro_f1 = if present.is_empty() {
            0.0
        } else {
            present.iter().map(|c| c.f1).sum::<f64>() / present.len() as f64
        };
        let kept_n = auto_routed.iter().filter(|&&k| k).count();
        let kept_right = auto_routed
            .iter()
            .zip(&correct)
            .filter(|(k, c)| **k && **c)
            .count();
        Self {
            examples: n,
            accuracy: ratio(right, n),
            macro_f1,
            per_class,
            confusion: ConfusionMatrix {
                labels: labels.to_vec(),
                counts,
            },
            ece: expected_calibration_error(confidence, &correct),
            reliability: reliability_bins(confidence, &correct),
            threshold,
            coverage: ratio(kept_n, n),
            precision_at_threshold: ratio(kept_right, kept_n),
            urgent: None,
        }
    }
}

impl UrgentMetrics {
    /// Compares flags with labels (examples without a label are ignored).
    pub(crate) fn compute(pairs: impl Iterator<Item = (Option<bool>, bool)>) -> Option<Self> {
        let (mut labelled, mut tp, mut fp, mut fneg) = (0, 0, 0, 0);
        for (label, flagged) in pairs {
            let Some(label) = label else { continue };
            labelled += 1;
            match (label, flagged) {
                (true, true) => tp += 1,
                (false, true) => fp += 1,
                (true, false) => fneg += 1,
                (false, false) => {}
            }
        }
        (labelled > 0).then(|| Self {
            labelled,
            true_positives: tp,
            false_positives: fp,
            false_negatives: fneg,
            precision: ratio(tp, tp + fp),
            recall: ratio(tp, tp + fneg),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_metrics() {
        let labels: Vec<String> = ["a", "b", "c"].iter().map(|s| s.to_string()).collect();
        // truth: a a a b b c ; predicted: a a b b c c
        let truth = [0, 0, 0, 1, 1, 2];
        let pred = [0, 0, 1, 1, 2, 2];
        let conf = [0.9, 0.8, 0.6, 0.7, 0.55, 0.95];
        let routed: Vec<bool> = conf.iter().map(|&c| c >= 0.75).collect();
        let m = Metrics::compute(&labels, &truth, &pred, &conf, 0.75, &routed);
        assert!((m.accuracy - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(
            m.confusion.counts,
            vec![vec![2, 1, 0], vec![0, 1, 1], vec![0, 0, 1]]
        );
        // a: p=1 r=2/3 f1=0.8 ; b: p=1/2 r=1/2 f1=0.5 ; c: p=1/2 r=1 f1=2/3
        let f1: Vec<f64> = m.per_class.iter().map(|c| c.f1).collect();
        let expected = [0.8, 0.5, 2.0 / 3.0];
        for (got, want) in f1.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{f1:?}");
        }
        assert!((m.macro_f1 - (0.8 + 0.5 + 2.0 / 3.0) / 3.0).abs() < 1e-12);
        // Kept at 0.75: confidences 0.9, 0.8, 0.95 → all correct.
        assert!((m.coverage - 0.5).abs() < 1e-12);
        assert!((m.precision_at_threshold - 1.0).abs() < 1e-12);
    }

    #[test]
    fn urgent_metrics_ignore_unlabelled() {
        let pairs = [
            (Some(true), true),
            (Some(true), false),
            (Some(false), true),
            (None, true),
        ];
        let u = UrgentMetrics::compute(pairs.into_iter());
        assert_eq!(
            u.as_ref().map(|u| (
                u.labelled,
                u.true_positives,
                u.false_positives,
                u.false_negatives
            )),
            Some((3, 1, 1, 1))
        );
        assert!(UrgentMetrics::compute(std::iter::once((None, true))).is_none());
    }
}
