//! Training: split, fit, calibrate, choose the review threshold, report.

use std::collections::BTreeMap;
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::TriageError;
use crate::calibration::{choose_threshold, expected_calibration_error, fit_temperature, softmax};
use crate::features::{FeatureConfig, TermRef};
use crate::metrics::{Metrics, UrgentMetrics};
use crate::model::{ModelMetadata, TriageModel, WeightedTerm, argmax};
use crate::report::{LabelCount, TrainReport};
use crate::safeguarding::{SafeguardingMatch, SafeguardingRules};
use crate::solver::{self, SolverOptions};
use crate::weights::QuantisedWeights;
use civic_core::rng::SplitMix64;

/// Labels with fewer examples than this get a warning in the report.
pub const MIN_EXAMPLES_PER_LABEL: usize = 5;
/// Terms kept per class for [`TriageModel::top_terms`].
const CLASS_TERMS: usize = 15;
/// Examples read to name hashed features: enough to name every frequent term while
/// keeping the pass cheap on a million messages.
const NAMING_EXAMPLES: usize = 50_000;

/// One labelled message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrainingExample {
    /// The message text.
    pub text: String,
    /// The team it belongs to.
    pub label: String,
    /// Whether a person judged it urgent, when known (used to measure the safeguarding rules).
    pub urgent: Option<bool>,
}

impl TrainingExample {
    /// An example without an urgency label.
    pub fn new(text: impl Into<String>, label: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            label: label.into(),
            urgent: None,
        }
    }
}

/// Training settings. `TrainOptions::default()` suits council contact data.
#[derive(Debug, Clone)]
pub struct TrainOptions {
    /// Share of each label held out, stratified, for calibration and the threshold (0–0.5).
    pub holdout: f64,
    /// Seed of the stratified split and of the solver's shuffles (the feature hash has its
    /// own seed in `features`).
    pub seed: u64,
    /// Precision the review threshold must reach on held-out data (0–1].
    pub target_precision: f64,
    /// Passes over the training data (1–1000).
    pub epochs: u32,
    /// Adagrad learning rate (> 0).
    pub learning_rate: f32,
    /// L2 regularisation strength (≥ 0).
    pub l2: f32,
    /// How text becomes features; [`FeatureConfig::routing`] (personal data masked,
    /// stopwords dropped) by default.
    pub features: FeatureConfig,
    /// The safeguarding rules stored with the model.
    pub rules: SafeguardingRules,
}

impl Default for TrainOptions {
    fn default() -> Self {
        Self {
            holdout: 0.2,
            seed: 42,
            target_precision: 0.95,
            epochs: 10,
            learning_rate: 0.1,
            l2: 3e-3,
            features: FeatureConfig::routing(),
            rules: SafeguardingRules::default(),
        }
    }
}

/// Where training has got to, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum Progress {
    /// Examples checked and split.
    Prepared {
        /// Examples used for fitting.
        train: usize,
        /// Examples held out.
        holdout: usize,
    },
    /// An epoch finished.
    Epoch {
        /// Epochs done (1-based).
        epoch: u32,
        /// Epochs in total.
        epochs: u32,
        /// Mean training loss over the epoch.
        loss: f64,
    },
    /// Calibrating and choosing the threshold.
    Calibrating,
    /// Training finished.
    Done,
}

fn check_options(o: &TrainOptions) -> Result<(), TriageError> {
    let bad = |option: &'static str, reason: &str| {
        Err(TriageError::InvalidOption {
            option,
            reason: reason.to_string(),
        })
    };
    if !(o.holdout > 0.0 && o.holdout <= 0.5) {
        return bad("holdout", "must be above 0 and at most 0.5");
    }
    if !(o.target_precision > 0.0 && o.target_precision <= 1.0) {
        return bad("target_precision", "must be above 0 and at most 1");
    }
    if !(1..=1000).contains(&o.epochs) {
        return bad("epochs", "must be from 1 to 1000");
    }
    if !(o.learning_rate.is_finite() && o.learning_rate > 0.0) {
        return bad("learning_rate", "must be a positive number");
    }
    if !(o.l2.is_finite() && o.l2 >= 0.0) {
        return bad("l2", "must be zero or positive");
    }
    if !(10..=24).contains(&o.features.buckets_log2) {
        return bad("features.buckets_log2", "must be from 10 to 24");
    }
    let (lo, hi) = (o.features.char_ngram_min, o.features.char_ngram_max);
    if lo != 0 && !((2..=8).contains(&lo) && (lo..=8).contains(&hi)) {
        return bad(
            "features.char_ngram_min",
            "use 0 to disable, or 2 ≤ min ≤ max ≤ 8",
        );
    }
    Ok(())
}

/// Trains a model: fits on a stratified share of `examples`, calibrates and chooses the
/// review threshold on the rest, and reports held-out metrics.
///
/// Empty or whitespace-only texts are skipped and counted; a label with fewer than
/// [`MIN_EXAMPLES_PER_LABEL`] examples gets a warning; a single label is an error.
pub fn train(
    examples: &[TrainingExample],
    options: &TrainOptions,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<(TriageModel, TrainReport), TriageError> {
    let started = Instant::now();
    check_options(options)?;
    let usable: Vec<&TrainingExample> = examples
        .iter()
        .filter(|e| !e.text.trim().is_empty())
        .collect();
    let skipped_empty = examples.len() - usable.len();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &usable {
        *counts.entry(e.label.as_str()).or_default() += 1;
    }
    let labels: Vec<String> = counts.keys().map(|l| l.to_string()).collect();
    match labels.len() {
        0 => return Err(TriageError::NoExamples),
        1 => {
            return Err(TriageError::SingleLabel {
                label: labels[0].clone(),
            });
        }
        _ => {}
    }
    let mut warnings: Vec<String> = counts
        .iter()
        .filter(|(_, n)| **n < MIN_EXAMPLES_PER_LABEL)
        .map(|(l, n)| format!("label {l:?} has only {n} example(s): its predictions will be unreliable; add at least {MIN_EXAMPLES_PER_LABEL}"))
        .collect();
    if skipped_empty > 0 {
        warnings.push(format!(
            "{skipped_empty} example(s) with empty text were skipped"
        ));
    }
    let index: BTreeMap<&str, u16> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.as_str(), i as u16))
        .collect();
    let y: Vec<u16> = usable
        .iter()
        .map(|e| index.get(e.label.as_str()).copied().unwrap_or(0))
        .collect();
    let (train_idx, hold_idx) = stratified_split(&y, labels.len(), options.holdout, options.seed);
    progress(Progress::Prepared {
        train: train_idx.len(),
        holdout: hold_idx.len(),
    });

    let texts: Vec<&str> = train_idx.iter().map(|&i| usable[i].text.as_str()).collect();
    let train_y: Vec<u16> = train_idx.iter().map(|&i| y[i]).collect();
    let solver_opts = SolverOptions {
        epochs: options.epochs,
        learning_rate: options.learning_rate,
        l2: options.l2,
        seed: options.seed,
    };
    let mut epoch_losses = Vec::new();
    let linear = solver::train(
        &texts,
        &train_y,
        labels.len(),
        &options.features,
        &solver_opts,
        &mut |epoch, loss| {
            epoch_losses.push(loss);
            progress(Progress::Epoch {
                epoch,
                epochs: options.epochs,
                loss,
            });
        },
    );
    if linear
        .weights
        .iter()
        .chain(&linear.bias)
        .any(|w| !w.is_finite())
    {
        return Err(TriageError::InvalidOption {
            option: "learning_rate",
            reason: "training diverged (weights are not finite numbers): lower the learning rate"
                .into(),
        });
    }
    progress(Progress::Calibrating);
    // Everything from here on (calibration, threshold, top terms) uses the quantised
    // weights that will predict.
    let weights = QuantisedWeights::quantise(&linear);
    drop(linear);
    let class_terms = name_top_terms(&weights, &options.features, &texts);
    let mut model = TriageModel {
        labels: labels.clone(),
        weights,
        features: options.features.clone(),
        temperature: 1.0,
        threshold: 1.0,
        rules: options.rules.clone(),
        metadata: placeholder_metadata(options),
        class_terms,
    };

    // Calibrate on the held-out part.
    let hold: Vec<&TrainingExample> = hold_idx.iter().map(|&i| usable[i]).collect();
    let hold_y: Vec<u16> = hold_idx.iter().map(|&i| y[i]).collect();
    let logits: Vec<Vec<f64>> = hold
        .par_iter()
        .map(|e| model.score(&model.features.prepare(&e.text)).logits)
        .collect();
    let confidence_at = |t: f64| -> Vec<f64> {
        let mut p = vec![0.0; labels.len()];
        logits
            .iter()
            .map(|l| {
                softmax(l, t, &mut p);
                p[argmax(l)]
            })
            .collect()
    };
    let predicted: Vec<usize> = logits.iter().map(|l| argmax(l)).collect();
    let correct: Vec<bool> = predicted
        .iter()
        .zip(&hold_y)
        .map(|(&p, &t)| p == usize::from(t))
        .collect();
    let ece_before = expected_calibration_error(&confidence_at(1.0), &correct);
    let temperature = if hold.is_empty() {
        warnings.push("too few examples to hold any out: calibration skipped and every prediction will need review".into());
        1.0
    } else {
        fit_temperature(&logits, &hold_y)
    };
    let confidence = confidence_at(temperature);
    let ece_after = expected_calibration_error(&confidence, &correct);
    let choice = choose_threshold(&confidence, &correct, options.target_precision);
    if !choice.reached {
        warnings.push(format!(
            "no confidence threshold reaches the target precision {:.2} on held-out data: every prediction will need review",
            options.target_precision
        ));
    }
    let matches: Vec<Vec<SafeguardingMatch>> = hold
        .par_iter()
        .map(|e| options.rules.check(&e.text))
        .collect();
    let urgent: Vec<bool> = matches
        .iter()
        .map(|m| m.iter().any(SafeguardingMatch::is_active))
        .collect();
    let routed: Vec<bool> = confidence
        .iter()
        .zip(&urgent)
        .map(|(&c, &u)| c >= choice.threshold && !u)
        .collect();
    let truth: Vec<usize> = hold_y.iter().map(|&t| usize::from(t)).collect();
    let mut metrics = Metrics::compute(
        &labels,
        &truth,
        &predicted,
        &confidence,
        choice.threshold,
        &routed,
    );
    metrics.urgent =
        UrgentMetrics::compute(hold.iter().map(|e| e.urgent).zip(urgent.iter().copied()));

    model.temperature = temperature;
    model.threshold = choice.threshold;
    model.metadata = ModelMetadata {
        training_data_sha256: data_digest(&usable),
        train_examples: train_idx.len(),
        holdout_examples: hold_idx.len(),
        threshold: choice,
        temperature,
        holdout_accuracy: metrics.accuracy,
        holdout_macro_f1: metrics.macro_f1,
        ece_before,
        ece_after,
        ..model.metadata
    };
    progress(Progress::Done);
    let report = TrainReport {
        metadata: model.metadata.clone(),
        examples_used: usable.len(),
        skipped_empty,
        label_counts: counts
            .iter()
            .map(|(l, n)| LabelCount {
                label: l.to_string(),
                count: *n,
            })
            .collect(),
        warnings,
        epoch_losses,
        holdout: metrics,
        training_seconds: started.elapsed().as_secs_f64(),
    };
    Ok((model, report))
}

fn placeholder_metadata(o: &TrainOptions) -> ModelMetadata {
    ModelMetadata {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        seed: o.seed,
        training_data_sha256: String::new(),
        train_examples: 0,
        holdout_examples: 0,
        features: o.features.clone(),
        epochs: o.epochs,
        learning_rate: o.learning_rate,
        l2: o.l2,
        target_precision: o.target_precision,
        threshold: crate::calibration::ThresholdChoice {
            threshold: 1.0,
            precision: 0.0,
            coverage: 0.0,
            reached: false,
        },
        temperature: 1.0,
        holdout_accuracy: 0.0,
        holdout_macro_f1: 0.0,
        ece_before: 0.0,
        ece_after: 0.0,
    }
}

/// Splits indices per label: a seeded shuffle, then `round(holdout × n)` held out, always
/// leaving at least one example of each label for training.
fn stratified_split(
    y: &[u16],
    classes: usize,
    holdout: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    let mut by_class: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &c) in y.iter().enumerate() {
        by_class[usize::from(c)].push(i);
    }
    let mut rng = SplitMix64::new(seed ^ 0x5EED_5B17);
    let (mut train, mut hold) = (Vec::new(), Vec::new());
    for mut idx in by_class {
        rng.shuffle(&mut idx);
        let h = ((idx.len() as f64 * holdout).round() as usize).min(idx.len().saturating_sub(1));
        hold.extend_from_slice(&idx[..h]);
        train.extend_from_slice(&idx[h..]);
    }
    train.sort_unstable();
    hold.sort_unstable();
    (train, hold)
}

fn data_digest(examples: &[&TrainingExample]) -> String {
    let mut h = Sha256::new();
    for e in examples {
        h.update(e.label.as_bytes());
        h.update([0]);
        h.update(e.text.as_bytes());
        h.update([0, e.urgent.map_or(2, u8::from), b'\n']);
    }
    hex::encode(h.finalize())
}

/// Names the heaviest features of each class with the first word or bigram seen in
/// training that hashes to them (character n-grams stay unnamed and are skipped).
fn name_top_terms(
    weights: &QuantisedWeights,
    features: &FeatureConfig,
    texts: &[&str],
) -> Vec<Vec<WeightedTerm>> {
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let word_only = FeatureConfig {
        char_ngram_min: 0,
        ..features.clone()
    };
    for text in texts.iter().take(NAMING_EXAMPLES) {
        let norm = word_only.prepare(text);
        let mut tokens = Vec::new();
        word_only.tokens(&norm, &mut tokens);
        word_only.for_each_feature(&tokens, |b, t| {
            names.entry(b).or_insert_with(|| match t {
                TermRef::Token(i) => tokens[i as usize].text.to_string(),
                TermRef::Bigram(i) => format!(
                    "{} {}",
                    tokens[i as usize].text,
                    tokens[i as usize + 1].text
                ),
            });
        });
    }
    (0..weights.classes())
        .map(|k| {
            let mut scored: Vec<(&u32, &String)> = names.iter().collect();
            scored.sort_by(|a, b| {
                let wa = weights.q(*a.0, k);
                let wb = weights.q(*b.0, k);
                wb.cmp(&wa).then(a.0.cmp(b.0))
            });
            scored
                .into_iter()
                .take(CLASS_TERMS)
                .map(|(&b, t)| WeightedTerm {
                    term: t.clone(),
                    weight: weights.weight(b, k),
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_split_holds_out_each_label_in_proportion() {
        let y: Vec<u16> = (0..100).map(|i| u16::from(i % 4 == 0)).collect(); // 25 of label 1
        let (train, hold) = stratified_split(&y, 2, 0.2, 1);
        assert_eq!(train.len() + hold.len(), 100);
        assert_eq!(hold.iter().filter(|&&i| y[i] == 1).count(), 5);
        assert_eq!(hold.iter().filter(|&&i| y[i] == 0).count(), 15);
        // A label with one example is never held out.
        let (train, hold) = stratified_split(&[0, 0, 0, 0, 0, 1], 2, 0.5, 1);
        assert!(train.contains(&5) && !hold.contains(&5));
    }

    #[test]
    fn options_out_of_range_are_rejected_by_name() {
        let cases: Vec<(TrainOptions, &str)> = vec![
            (
                TrainOptions {
                    holdout: 0.0,
                    ..TrainOptions::default()
                },
                "holdout",
            ),
            (
                TrainOptions {
                    holdout: 0.9,
                    ..TrainOptions::default()
                },
                "holdout",
            ),
            (
                TrainOptions {
                    target_precision: 1.5,
                    ..TrainOptions::default()
                },
                "target_precision",
            ),
            (
                TrainOptions {
                    epochs: 0,
                    ..TrainOptions::default()
                },
                "epochs",
            ),
            (
                TrainOptions {
                    learning_rate: -1.0,
                    ..TrainOptions::default()
                },
                "learning_rate",
            ),
            (
                TrainOptions {
                    l2: f32::NAN,
                    ..TrainOptions::default()
                },
                "l2",
            ),
            (
                TrainOptions {
                    features: FeatureConfig {
                        buckets_log2: 30,
                        ..FeatureConfig::default()
                    },
                    ..TrainOptions::default()
                },
                "features.buckets_log2",
            ),
        ];
        for (o, name) in cases {
            match check_options(&o) {
                Err(TriageError::InvalidOption { option, .. }) => assert_eq!(option, name),
                other => panic!("expected {name} to be rejected, got {other:?}"),
            }
        }
        assert!(check_options(&TrainOptions::default()).is_ok());
    }
}
