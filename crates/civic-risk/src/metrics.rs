//! Standard measures of a scorer on labelled rows: ROC AUC, average precision, Brier score
//! and a calibration table. Definitions follow scikit-learn's (`roc_auc_score`,
//! `average_precision_score`, `brier_score_loss`, `calibration_curve` with uniform bins).

use serde::{Deserialize, Serialize};

/// Area under the ROC curve, with tied scores counted as half (the Mann–Whitney statistic).
/// Returns `None` when only one class is present.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let (mut rank_sum, mut positives) = (0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        let mid_rank = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if labels[k] {
                rank_sum += mid_rank;
                positives += 1.0;
            }
        }
        i = j + 1;
    }
    let negatives = scores.len() as f64 - positives;
    if positives == 0.0 || negatives == 0.0 {
        return None;
    }
    Some((rank_sum - positives * (positives + 1.0) / 2.0) / (positives * negatives))
}

/// Average precision: Σ (Rₙ − Rₙ₋₁) Pₙ over distinct score thresholds, highest first.
/// Returns `None` when there are no positives.
pub fn average_precision(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let total_pos = labels.iter().filter(|&&l| l).count() as f64;
    if total_pos == 0.0 {
        return None;
    }
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut fp, mut ap, mut prev_recall) = (0.0, 0.0, 0.0, 0.0);
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && scores[idx[j + 1]] == scores[idx[i]] {
            j += 1;
        }
        for &k in &idx[i..=j] {
            if labels[k] {
                tp += 1.0;
            } else {
                fp += 1.0;
            }
        }
        let recall = tp / total_pos;
        ap += (recall - prev_recall) * tp / (tp + fp);
        prev_recall = recall;
        i = j + 1;
    }
    Some(ap)
}

/// Mean squared difference between predicted probability and outcome.
pub fn brier_score(probabilities: &[f64], labels: &[bool]) -> f64 {
    let n = probabilities.len().max(1) as f64;
    probabilities
        .iter()
        .zip(labels)
        .map(|(p, &y)| (p - f64::from(u8::from(y))).powi(2))
        .sum::<f64>()
        / n
}

/// One bin of a calibration table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CalibrationBin {
    /// Lower edge of the predicted-probability bin.
    pub lower: f64,
    /// Upper edge.
    pub upper: f64,
    /// Rows in the bin.
    pub count: usize,
    /// Mean predicted probability in the bin.
    pub mean_predicted: f64,
    /// Observed outcome rate in the bin.
    pub observed_rate: f64,
}

/// Predicted against observed rates in `bins` equal-width bins; empty bins are left out.
pub fn calibration_table(
    probabilities: &[f64],
    labels: &[bool],
    bins: usize,
) -> Vec<CalibrationBin> {
    let bins = bins.max(1);
    let mut sums = vec![(0usize, 0.0, 0.0); bins];
    for (&p, &y) in probabilities.iter().zip(labels) {
        let b = ((p * bins as f64) as usize).min(bins - 1);
        sums[b].0 += 1;
        sums[b].1 += p;
        sums[b].2 += f64::from(u8::from(y));
    }
    sums.into_iter()
        .enumerate()
        .filter(|(_, (n, _, _))| *n > 0)
        .map(|(b, (n, p, y))| CalibrationBin {
            lower: b as f64 / bins as f64,
            upper: (b + 1) as f64 / bins as f64,
            count: n,
            mean_predicted: p / n as f64,
            observed_rate: y / n as f64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    // Known answers from scikit-learn 1.x on the same vectors.
    #[test]
    fn known_answers_match_scikit_learn() {
        let scores = [0.1, 0.4, 0.35, 0.8, 0.8, 0.2];
        let labels = [false, false, true, true, false, true];
        // roc_auc_score([0,0,1,1,0,1],[0.1,0.4,0.35,0.8,0.8,0.2]) = 0.5
        assert!((roc_auc(&scores, &labels).unwrap() - 0.5).abs() < 1e-12);
        // average_precision_score(...) = 0.5333333333333333
        let ap = average_precision(&scores, &labels).unwrap();
        assert!((ap - 0.533_333_333_333_333_3).abs() < 1e-12, "{ap}");
        let brier = brier_score(&[1.0, 0.0, 0.5], &[true, true, false]);
        assert!((brier - (0.0 + 1.0 + 0.25) / 3.0).abs() < 1e-12);
    }

    #[test]
    fn one_class_has_no_auc() {
        assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
        assert_eq!(average_precision(&[0.1, 0.2], &[false, false]), None);
    }

    #[test]
    fn calibration_bins_cover_every_row() {
        let p = [0.05, 0.15, 0.95, 1.0];
        let t = calibration_table(&p, &[false, true, true, true], 10);
        assert_eq!(t.iter().map(|b| b.count).sum::<usize>(), 4);
        assert_eq!(t.last().map(|b| b.count), Some(2));
    }
}
