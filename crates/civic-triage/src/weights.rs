//! The classifier's weights as used for prediction: one signed byte per bucket and class,
//! with one scale per class.
//!
//! The solver trains in f32; [`QuantisedWeights::quantise`] then rounds each class's
//! weights to `scale[k] × q` with `q` in −127..=127 and `scale[k] = max |w| / 127`.
//! Calibration, the review threshold and the named top terms are all computed on the
//! quantised model, so what is calibrated is what predicts.
//!
//! Why: a message of 500 characters touches about 500 random rows of the weight table. In
//! f32 the default table (2¹⁸ buckets × 12 classes) is 12.6 MB and those loads miss the
//! cache; in bytes it is 3.1 MB (4.2 MB with rows padded to 16 bytes so that no row straddles
//! a cache line), and the sums are integer additions. A class's score is
//! `bias[k] + scale[k] × (Σ q[bucket][k]) / √n` with the sum over the message's `n`
//! feature occurrences computed exactly in integers, so an explanation that splits that sum
//! by term is exact for the model that predicted. See `docs/benchmarks/triage.md` for the
//! measured effect on speed and on quality.

use crate::solver::LinearModel;

/// The largest quantised magnitude (symmetric, so −127..=127).
const Q_MAX: f32 = 127.0;

/// Quantised weights, bucket-major, each row padded to `stride` bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct QuantisedWeights {
    classes: usize,
    stride: usize,
    q: Vec<i8>,
    scale: Vec<f32>,
    bias: Vec<f32>,
}

/// Row length in bytes for `classes` classes: a power of two up to 16 so a row never
/// straddles a 64-byte cache line, a multiple of 16 above that.
fn stride_for(classes: usize) -> usize {
    if classes <= 16 {
        classes.next_power_of_two()
    } else {
        classes.div_ceil(16) * 16
    }
}

impl QuantisedWeights {
    /// Rounds trained f32 weights to bytes with one scale per class. Deterministic.
    pub(crate) fn quantise(m: &LinearModel) -> Self {
        let c = m.classes;
        let buckets = m.weights.len() / c.max(1);
        let mut max_abs = vec![0f32; c];
        for row in m.weights.chunks_exact(c) {
            for (mx, w) in max_abs.iter_mut().zip(row) {
                *mx = mx.max(w.abs());
            }
        }
        let scale: Vec<f32> = max_abs
            .iter()
            .map(|&mx| if mx > 0.0 { mx / Q_MAX } else { 1.0 })
            .collect();
        let mut q = Vec::with_capacity(buckets * c);
        for row in m.weights.chunks_exact(c) {
            for (w, s) in row.iter().zip(&scale) {
                // In range by construction of the scale; the clamp guards rounding.
                q.push((w / s).round().clamp(-Q_MAX, Q_MAX) as i8);
            }
        }
        Self::from_parts(c, q, scale, m.bias.clone())
    }

    /// Builds the weights from unpadded rows (`buckets × classes` bytes, bucket-major).
    /// The caller has checked the lengths.
    pub(crate) fn from_parts(classes: usize, q: Vec<i8>, scale: Vec<f32>, bias: Vec<f32>) -> Self {
        let stride = stride_for(classes);
        let q = if stride == classes {
            q
        } else {
            let mut padded = vec![0i8; q.len() / classes * stride];
            for (dst, src) in padded.chunks_exact_mut(stride).zip(q.chunks_exact(classes)) {
                dst[..classes].copy_from_slice(src);
            }
            padded
        };
        Self {
            classes,
            stride,
            q,
            scale,
            bias,
        }
    }

    pub(crate) fn classes(&self) -> usize {
        self.classes
    }

    pub(crate) fn bias(&self) -> &[f32] {
        &self.bias
    }

    pub(crate) fn scale(&self) -> &[f32] {
        &self.scale
    }

    /// The quantised weights of one bucket, padded to the stride with zeros.
    fn row(&self, bucket: u32) -> &[i8] {
        let at = bucket as usize * self.stride;
        &self.q[at..at + self.stride]
    }

    /// The quantised weight of `bucket` for class `k`.
    pub(crate) fn q(&self, bucket: u32, k: usize) -> i8 {
        self.row(bucket)[k]
    }

    /// The weight of `bucket` for class `k` as the model uses it.
    pub(crate) fn weight(&self, bucket: u32, k: usize) -> f64 {
        f64::from(self.q(bucket, k)) * f64::from(self.scale[k])
    }

    /// The unpadded rows, bucket-major, as stored in the model file.
    pub(crate) fn rows(&self) -> impl Iterator<Item = &[i8]> {
        self.q.chunks_exact(self.stride).map(|r| &r[..self.classes])
    }

    /// Sums the quantised rows of `buckets` into `acc`, one total per class.
    ///
    /// Exact: partial sums are kept in i32 for at most 2²⁴ rows (127 × 2²⁴ < 2³¹) and then
    /// added to the i64 totals, so no message is long enough to overflow. Rows of 2 to 16
    /// bytes are summed with fixed-size accumulators that stay in registers, so the loads of
    /// successive rows do not wait on each other.
    pub(crate) fn sum_rows(&self, buckets: &[u32], acc: &mut Vec<i64>) {
        const CHUNK: usize = 1 << 24;
        acc.clear();
        acc.resize(self.stride, 0);
        let mut part = vec![0i32; self.stride];
        for chunk in buckets.chunks(CHUNK) {
            match self.stride {
                2 => sum_fixed::<2>(&self.q, chunk, &mut part),
                4 => sum_fixed::<4>(&self.q, chunk, &mut part),
                8 => sum_fixed::<8>(&self.q, chunk, &mut part),
                16 => sum_fixed::<16>(&self.q, chunk, &mut part),
                _ => {
                    for &b in chunk {
                        for (p, &w) in part.iter_mut().zip(self.row(b)) {
                            *p += i32::from(w);
                        }
                    }
                }
            }
            for (a, p) in acc.iter_mut().zip(part.iter_mut()) {
                *a += i64::from(*p);
                *p = 0;
            }
        }
        acc.truncate(self.classes);
    }
}

/// Adds the rows `buckets` of `q` (rows of `W` bytes) to `out`.
///
/// The running sums are i16 lanes, widened to i32 every 256 rows (256 × 127 < 2¹⁵): half
/// the width of i32 lanes, so the sum of a row is a couple of vector instructions and many
/// rows' loads can be in flight at once.
fn sum_fixed<const W: usize>(q: &[i8], buckets: &[u32], out: &mut [i32]) {
    for block in buckets.chunks(256) {
        let mut sum = [0i16; W];
        for &b in block {
            let at = b as usize * W;
            if let Ok(row) = <[i8; W]>::try_from(&q[at..at + W]) {
                for (s, w) in sum.iter_mut().zip(row) {
                    *s += i16::from(w);
                }
            }
        }
        for (o, s) in out.iter_mut().zip(sum) {
            *o += i32::from(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn model(classes: usize, weights: Vec<f32>) -> LinearModel {
        LinearModel {
            classes,
            weights,
            bias: vec![0.5; classes],
        }
    }

    #[test]
    fn quantised_weights_are_within_half_a_step_of_the_trained_ones() {
        let w: Vec<f32> = (0..3 * 40)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 17.0)
            .collect();
        let m = model(3, w.clone());
        let q = QuantisedWeights::quantise(&m);
        assert_eq!(q.stride, 4);
        for (i, &x) in w.iter().enumerate() {
            let (b, k) = ((i / 3) as u32, i % 3);
            let step = f64::from(q.scale()[k]);
            assert!((q.weight(b, k) - f64::from(x)).abs() <= step / 2.0 + 1e-6);
        }
        // Each class uses the full range.
        for k in 0..3 {
            let max = (0..40).map(|b| q.q(b, k).unsigned_abs()).max();
            assert_eq!(max, Some(127));
        }
        let rows: Vec<i8> = q.rows().flatten().copied().collect();
        assert_eq!(rows.len(), 3 * 40);
        assert_eq!(
            QuantisedWeights::from_parts(3, rows, q.scale.clone(), q.bias.clone()),
            q
        );
    }

    #[test]
    fn a_class_with_all_zero_weights_quantises_to_zero() {
        let q = QuantisedWeights::quantise(&model(2, vec![0.0, 1.0, 0.0, -2.0]));
        assert_eq!((q.q(0, 0), q.q(1, 0)), (0, 0));
        assert_eq!((q.q(0, 1), q.q(1, 1)), (64, -127));
    }

    #[test]
    fn row_sums_are_exact_and_ignore_padding() {
        let w: Vec<f32> = (0..12 * 8).map(|i| (i as f32).sin()).collect();
        let q = QuantisedWeights::quantise(&model(12, w));
        assert_eq!(q.stride, 16);
        let buckets = [3u32, 5, 3, 7, 0];
        let mut acc = Vec::new();
        q.sum_rows(&buckets, &mut acc);
        assert_eq!(acc.len(), 12);
        for (k, &a) in acc.iter().enumerate() {
            let want: i64 = buckets.iter().map(|&b| i64::from(q.q(b, k))).sum();
            assert_eq!(a, want);
        }
        // Past the 256 rows that i16 lanes hold: 1,000 rows of ±127 (each class has its
        // own scale, so 0.5 is the largest of its class too).
        let extreme = QuantisedWeights::quantise(&model(4, vec![1.0, -1.0, 0.5, 0.0]));
        let mut acc = Vec::new();
        extreme.sum_rows(&[0; 1000], &mut acc);
        assert_eq!(acc, vec![127_000, -127_000, 127_000, 0]);
        assert_eq!(stride_for(2), 2);
        assert_eq!(stride_for(17), 32);
    }
}
