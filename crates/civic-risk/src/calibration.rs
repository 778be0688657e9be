//! Platt scaling: a logistic map from the ensemble's raw log-odds to calibrated log-odds,
//! fitted on rows the trees did not see.
//!
//! Platt rather than isotonic regression because it is affine in log-odds: the calibrated
//! log-odds are `a·margin + b`, so contributions scaled by `a` still add up exactly to the
//! calibrated score, and the ranking (hence ROC AUC) is unchanged.

use serde::{Deserialize, Serialize};

/// `calibrated_log_odds = slope · margin + intercept`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Platt {
    /// Multiplies the raw log-odds.
    pub slope: f64,
    /// Added after.
    pub intercept: f64,
}

impl Platt {
    /// The identity map.
    pub const IDENTITY: Platt = Platt {
        slope: 1.0,
        intercept: 0.0,
    };

    /// Fits the map by Newton's method on the log-loss, with Platt's (1999) smoothed targets
    /// so that a perfectly separated calibration set does not send the slope to infinity.
    pub fn fit(margins: &[f64], labels: &[bool]) -> Platt {
        let pos = labels.iter().filter(|&&y| y).count() as f64;
        let neg = labels.len() as f64 - pos;
        if pos == 0.0 || neg == 0.0 {
            return Platt::IDENTITY;
        }
        let hi = (pos + 1.0) / (pos + 2.0);
        let lo = 1.0 / (neg + 2.0);
        let targets: Vec<f64> = labels.iter().map(|&y| if y { hi } else { lo }).collect();
        let (mut a, mut b) = (1.0, 0.0);
        let loss = |a: f64, b: f64| -> f64 {
            margins
                .iter()
                .zip(&targets)
                .map(|(&m, &t)| {
                    let z = a * m + b;
                    // log(1 + e^z) − t·z, computed stably.
                    z.max(0.0) + (-z.abs()).exp().ln_1p() - t * z
                })
                .sum()
        };
        let mut current = loss(a, b);
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (0.0, 0.0, 1e-12, 0.0, 1e-12);
            for (&m, &t) in margins.iter().zip(&targets) {
                let p = sigmoid(a * m + b);
                let w = p * (1.0 - p);
                ga += (p - t) * m;
                gb += p - t;
                haa += w * m * m;
                hab += w * m;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-300 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            // Backtrack until the loss falls.
            let mut step = 1.0;
            let mut improved = false;
            while step > 1e-10 {
                let (na, nb) = (a - step * da, b - step * db);
                let l = loss(na, nb);
                if l <= current {
                    improved = current - l > 1e-12 * current.abs().max(1.0);
                    (a, b, current) = (na, nb, l);
                    break;
                }
                step /= 2.0;
            }
            if !improved {
                break;
            }
        }
        Platt {
            slope: a,
            intercept: b,
        }
    }

    /// Calibrated log-odds.
    pub fn log_odds(&self, margin: f64) -> f64 {
        self.slope * margin + self.intercept
    }
}

/// The logistic function.
pub(crate) fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_recovers_a_known_map() {
        // Outcomes drawn so that P(y) = σ(0.5·m − 1): deterministic counts per margin.
        let mut margins = Vec::new();
        let mut labels = Vec::new();
        for k in -40..=40 {
            let m = f64::from(k) / 5.0;
            let p = sigmoid(0.5 * m - 1.0);
            let positives = (p * 1000.0).round() as usize;
            for i in 0..1000 {
                margins.push(m);
                labels.push(i < positives);
            }
        }
        let fit = Platt::fit(&margins, &labels);
        assert!((fit.slope - 0.5).abs() < 0.01, "{fit:?}");
        assert!((fit.intercept + 1.0).abs() < 0.01, "{fit:?}");
    }

    #[test]
    fn one_class_gives_identity() {
        assert_eq!(Platt::fit(&[1.0, 2.0], &[true, true]), Platt::IDENTITY);
    }
}
