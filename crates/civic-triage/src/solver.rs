//! Multinomial logistic regression (softmax) trained by Adagrad stochastic gradient descent.
//!
//! Why our own solver rather than a crate: see the crate documentation.
//!
//! Determinism: the example order of each epoch is a seeded shuffle and updates are applied
//! one example at a time on one thread, so the same seed gives the same weights bit for bit.
//! Rayon parallelises what pays and keeps order: feature extraction of each block of examples
//! (the bulk of the work) runs in parallel, results collected in order, before the block's
//! sequential updates.
//!
//! L2 regularisation is applied "lazily": only to the coordinates an example touches, scaled
//! by the feature value, the usual approximation for sparse SGD, which keeps an update
//! proportional to the example's size rather than to the model's.

use std::collections::HashMap;

use rayon::prelude::*;

use crate::features::{FeatureConfig, SparseVec};
use civic_core::rng::SplitMix64;

/// Above this many bytes of training text, feature vectors are recomputed every epoch
/// instead of being kept, so memory stays bounded by the text itself (≈ 0.5 GB for a million
/// 500-character messages) rather than by their feature vectors (≈ 8 bytes per feature).
const CACHE_TEXT_BYTES: usize = 24 << 20;
/// Examples whose features are extracted in parallel before their sequential updates.
const BLOCK: usize = 8192;

/// Hyper-parameters of the solver.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SolverOptions {
    pub(crate) epochs: u32,
    pub(crate) learning_rate: f32,
    pub(crate) l2: f32,
    pub(crate) seed: u64,
}

/// Weights laid out feature-major (`weights[bucket * classes + class]`), so the class scores
/// of one feature are contiguous in memory: one cache line per feature when predicting.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LinearModel {
    pub(crate) classes: usize,
    pub(crate) weights: Vec<f32>,
    pub(crate) bias: Vec<f32>,
}

impl LinearModel {
    /// Class scores (logits) of a sparse vector, in f64.
    #[cfg(test)]
    pub(crate) fn scores_sparse(&self, x: &SparseVec, out: &mut [f64]) {
        let c = self.classes;
        for (o, b) in out.iter_mut().zip(&self.bias) {
            *o = f64::from(*b);
        }
        let mut acc = vec![0f32; c];
        for (&i, &v) in x.index.iter().zip(&x.value) {
            let row = &self.weights[i as usize * c..(i as usize + 1) * c];
            for (a, w) in acc.iter_mut().zip(row) {
                *a += w * v;
            }
        }
        for (o, a) in out.iter_mut().zip(acc) {
            *o += f64::from(a);
        }
    }
}

/// Trains on `texts` with class indices `labels`. `on_epoch(epoch, mean_loss)` is called
/// after each epoch.
pub(crate) fn train(
    texts: &[&str],
    labels: &[u16],
    classes: usize,
    features: &FeatureConfig,
    opts: &SolverOptions,
    on_epoch: &mut dyn FnMut(u32, f64),
) -> LinearModel {
    let buckets = features.buckets();
    let mut state = Adagrad::new(buckets, classes, opts);
    // Each distinct text's features are computed once: training data may repeat a text
    // to weigh it (the safeguarding scorer counts hand-written lines several times).
    let cache: Option<(Vec<SparseVec>, Vec<usize>)> =
        (texts.iter().map(|t| t.len()).sum::<usize>() <= CACHE_TEXT_BYTES).then(|| {
            let mut first: HashMap<&str, usize> = HashMap::new();
            let mut distinct = Vec::new();
            let slot: Vec<usize> = texts
                .iter()
                .map(|&t| {
                    *first.entry(t).or_insert_with(|| {
                        distinct.push(t);
                        distinct.len() - 1
                    })
                })
                .collect();
            let vectors = distinct.par_iter().map(|t| features.sparse(t)).collect();
            (vectors, slot)
        });
    let mut order: Vec<usize> = (0..texts.len()).collect();
    let mut rng = SplitMix64::new(opts.seed);
    for epoch in 0..opts.epochs {
        rng.shuffle(&mut order);
        let mut loss = 0.0;
        for block in order.chunks(BLOCK) {
            match &cache {
                Some((vectors, slot)) => {
                    for &k in block {
                        loss += state.step(&vectors[slot[k]], labels[k]);
                    }
                }
                None => {
                    let xs: Vec<SparseVec> = block
                        .par_iter()
                        .map(|&k| features.sparse(texts[k]))
                        .collect();
                    for (x, &k) in xs.iter().zip(block) {
                        loss += state.step(x, labels[k]);
                    }
                }
            }
        }
        on_epoch(epoch + 1, loss / texts.len().max(1) as f64);
    }
    state.model
}

struct Adagrad {
    model: LinearModel,
    g2_weights: Vec<f32>,
    g2_bias: Vec<f32>,
    lr: f32,
    l2: f32,
    probs: Vec<f32>,
}

const EPS: f32 = 1e-8;

impl Adagrad {
    fn new(buckets: usize, classes: usize, opts: &SolverOptions) -> Self {
        Self {
            model: LinearModel {
                classes,
                weights: vec![0.0; buckets * classes],
                bias: vec![0.0; classes],
            },
            g2_weights: vec![0.0; buckets * classes],
            g2_bias: vec![0.0; classes],
            lr: opts.learning_rate,
            l2: opts.l2,
            probs: vec![0.0; classes],
        }
    }

    /// One update on one example; returns its cross-entropy loss before the update.
    fn step(&mut self, x: &SparseVec, y: u16) -> f64 {
        let c = self.model.classes;
        let y = usize::from(y);
        // Forward: softmax of the scores.
        self.probs.copy_from_slice(&self.model.bias);
        for (&i, &v) in x.index.iter().zip(&x.value) {
            let row = &self.model.weights[i as usize * c..(i as usize + 1) * c];
            for (p, w) in self.probs.iter_mut().zip(row) {
                *p += w * v;
            }
        }
        let max = self.probs.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for p in &mut self.probs {
            *p = (*p - max).exp();
            sum += *p;
        }
        for p in &mut self.probs {
            *p /= sum;
        }
        let loss = -f64::from(self.probs[y].max(1e-12)).ln();
        // Gradient of the loss with respect to the scores is p - onehot(y).
        self.probs[y] -= 1.0;
        for k in 0..c {
            let g = self.probs[k];
            self.g2_bias[k] += g * g;
            self.model.bias[k] -= self.lr * g / (self.g2_bias[k].sqrt() + EPS);
        }
        for (&i, &v) in x.index.iter().zip(&x.value) {
            let base = i as usize * c;
            let w = &mut self.model.weights[base..base + c];
            let g2 = &mut self.g2_weights[base..base + c];
            for k in 0..c {
                let g = self.probs[k] * v + self.l2 * v * w[k];
                g2[k] += g * g;
                w[k] -= self.lr * g / (g2[k].sqrt() + EPS);
            }
        }
        loss
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(seed: u64) -> SolverOptions {
        SolverOptions {
            epochs: 8,
            learning_rate: 0.5,
            l2: 1e-4,
            seed,
        }
    }

    fn toy() -> (Vec<&'static str>, Vec<u16>) {
        let mut texts = Vec::new();
        let mut labels = Vec::new();
        for _ in 0..20 {
            texts.extend([
                "my bin was not emptied",
                "pothole on the road",
                "council tax bill",
            ]);
            labels.extend([0u16, 1, 2]);
        }
        (texts, labels)
    }

    #[test]
    fn learns_a_separable_problem_and_loss_falls() {
        let (texts, labels) = toy();
        let cfg = FeatureConfig::default();
        let mut losses = Vec::new();
        let m = train(&texts, &labels, 3, &cfg, &opts(1), &mut |_, l| {
            losses.push(l)
        });
        assert_eq!(losses.len(), 8);
        assert!(losses[7] < losses[0] / 4.0, "losses {losses:?}");
        let mut s = [0f64; 3];
        for (t, &y) in texts.iter().zip(&labels).take(3) {
            m.scores_sparse(&cfg.sparse(t), &mut s);
            let best = (0..3).max_by(|&a, &b| s[a].total_cmp(&s[b]));
            assert_eq!(best, Some(usize::from(y)));
        }
    }

    #[test]
    fn same_seed_same_weights_other_seed_other_weights() {
        let (texts, labels) = toy();
        let cfg = FeatureConfig::default();
        let a = train(&texts, &labels, 3, &cfg, &opts(5), &mut |_, _| {});
        let b = train(&texts, &labels, 3, &cfg, &opts(5), &mut |_, _| {});
        let c = train(&texts, &labels, 3, &cfg, &opts(6), &mut |_, _| {});
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
