//! A trained triage model and its predictions.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calibration::{ThresholdChoice, softmax};
use crate::features::{FeatureConfig, TermRef};
use crate::safeguarding::{SafeguardingMatch, SafeguardingRules};
use crate::text::Token;
use crate::weights::QuantisedWeights;

/// How many terms [`Explanation::supporting`] and [`Explanation::opposing`] list.
pub const EXPLANATION_TERMS: usize = 5;
/// How many classes [`Prediction::alternatives`] lists.
pub const ALTERNATIVES: usize = 3;

/// Facts about how a model was trained, stored in the model file.
///
/// Holds nothing that changes from run to run (no clock time), so the same data, options
/// and seed give a byte-identical model file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// Version of this crate that trained the model.
    pub crate_version: String,
    /// The training seed.
    pub seed: u64,
    /// SHA-256 (hex) of the training examples used, in order (label, text, urgent label).
    pub training_data_sha256: String,
    /// Examples the classifier was fitted on.
    pub train_examples: usize,
    /// Examples held out for calibration and the review threshold.
    pub holdout_examples: usize,
    /// How text became features.
    pub features: FeatureConfig,
    /// Passes over the training data.
    pub epochs: u32,
    /// Adagrad learning rate.
    pub learning_rate: f32,
    /// L2 regularisation strength.
    pub l2: f32,
    /// Precision the review threshold was chosen to reach.
    pub target_precision: f64,
    /// The review threshold as chosen on held-out data.
    pub threshold: ThresholdChoice,
    /// Temperature of the calibrated softmax.
    pub temperature: f64,
    /// Held-out accuracy (calibration does not change it).
    pub holdout_accuracy: f64,
    /// Held-out macro-F1.
    pub holdout_macro_f1: f64,
    /// Held-out expected calibration error before temperature scaling.
    pub ece_before: f64,
    /// Held-out expected calibration error after temperature scaling.
    pub ece_after: f64,
}

/// A term with a weight in a class's score: a model-level summary for model cards.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedTerm {
    /// A word or two-word phrase seen in training.
    pub term: String,
    /// Its weight in the class's logit (per unit of feature value).
    pub weight: f64,
}

/// What one term of a message added to the predicted class's logit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TermContribution {
    /// The term as normalised: a word (with its character n-grams) or a two-word phrase.
    pub term: String,
    /// Its exact contribution to the logit: the sum of weight × value of its features.
    pub contribution: f64,
}

/// An exact account of the predicted class's logit.
///
/// `bias + Σ supporting + Σ opposing + rest == logit`, up to floating-point rounding
/// (tested to 1e-9), and the confidence is `softmax(logits / temperature)` of that logit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Explanation {
    /// The class explained (the predicted one).
    pub label: String,
    /// The class's logit (score before calibration).
    pub logit: f64,
    /// The class's bias: its score for an empty message.
    pub bias: f64,
    /// The terms that raised the score most, largest first.
    #[serde(rename = "for")]
    pub supporting: Vec<TermContribution>,
    /// The terms that lowered the score most, most negative first.
    #[serde(rename = "against")]
    pub opposing: Vec<TermContribution>,
    /// The summed contribution of every other term.
    pub rest: f64,
    /// The temperature that turns logits into calibrated probabilities.
    pub temperature: f64,
}

/// Every term's contribution to one class's logit.
///
/// `bias + Σ terms[i].contribution == logit`, up to floating-point rounding (tested to 1e-9).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogitBreakdown {
    /// The class explained (the predicted one).
    pub label: String,
    /// The class's logit.
    pub logit: f64,
    /// The class's bias.
    pub bias: f64,
    /// Each distinct term of the message and its contribution, in order of first appearance.
    pub terms: Vec<TermContribution>,
}

/// A class and its calibrated probability.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Alternative {
    /// The class label.
    pub label: String,
    /// Its calibrated probability.
    pub probability: f64,
}

/// Why a prediction needs a person to look at it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ReviewReason {
    /// A safeguarding rule embedded in the routing model matched (models trained before
    /// the separate safeguarding detector; new decisions use `Safeguarding`).
    Urgent,
    /// The safeguarding detector raised an alert: urgent, a person must look.
    Safeguarding,
    /// The safeguarding detector found something worth a look (a negated or quoted match,
    /// a watch rule, or a learned score in the watch band): not urgent, never automatic.
    SafeguardingWatch,
    /// The confidence is below the model's review threshold.
    LowConfidence,
    /// The message had no words to classify.
    NoText,
}

/// The model's suggestion for one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The suggested team.
    pub label: String,
    /// Calibrated probability of the suggested team.
    pub confidence: f64,
    /// The top classes (the suggested one first) with their probabilities.
    pub alternatives: Vec<Alternative>,
    /// Whether an active safeguarding match was found.
    pub urgent: bool,
    /// All safeguarding matches, including negated and quoted ones.
    pub safeguarding_matches: Vec<SafeguardingMatch>,
    /// Why the model suggests this team.
    pub explanation: Explanation,
    /// Whether a person must confirm the routing.
    pub needs_review: bool,
    /// Why it needs review (empty when it does not).
    pub review_reasons: Vec<ReviewReason>,
}

/// A trained classifier, its calibration, review threshold and safeguarding rules.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageModel {
    pub(crate) labels: Vec<String>,
    pub(crate) weights: QuantisedWeights,
    pub(crate) features: FeatureConfig,
    pub(crate) temperature: f64,
    pub(crate) threshold: f64,
    pub(crate) rules: SafeguardingRules,
    pub(crate) metadata: ModelMetadata,
    pub(crate) class_terms: Vec<Vec<WeightedTerm>>,
}

/// Scores of one message, with the feature occurrences kept for explaining.
pub(crate) struct Scored<'t> {
    pub(crate) logits: Vec<f64>,
    tokens: Vec<Token<'t>>,
    /// The bucket of every feature occurrence, in order, and the term it belongs to.
    buckets: Vec<u32>,
    terms: Vec<TermRef>,
    /// Each token's feature hash: equal for equal tokens, so it keys terms when explaining.
    token_hashes: Vec<u64>,
    /// The value of every feature occurrence, `1/√n` (0 for an empty message).
    value: f64,
}

impl TriageModel {
    /// The class labels (teams), sorted.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Predictions with a confidence below this need review.
    pub fn review_threshold(&self) -> f64 {
        self.threshold
    }

    /// The calibration temperature.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    /// How the model was trained.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// The safeguarding rules the model applies.
    pub fn rules(&self) -> &SafeguardingRules {
        &self.rules
    }

    /// Replaces the safeguarding rules (for example with a body's own file).
    pub fn set_rules(&mut self, rules: SafeguardingRules) {
        self.rules = rules;
    }

    /// The terms with the largest weights for `label`, as seen in training.
    pub fn top_terms(&self, label: &str) -> Option<&[WeightedTerm]> {
        let k = self.labels.iter().position(|l| l == label)?;
        self.class_terms.get(k).map(Vec::as_slice)
    }

    /// Logits of every class for text [`FeatureConfig::prepare`]d with this model's settings.
    pub(crate) fn score<'t>(&self, norm: &'t str) -> Scored<'t> {
        let mut tokens = Vec::new();
        self.features.tokens(norm, &mut tokens);
        let mut buckets = Vec::with_capacity(norm.len());
        let mut terms = Vec::with_capacity(norm.len());
        let mut token_hashes = Vec::with_capacity(tokens.len());
        self.features.for_each_feature_and_token(
            &tokens,
            |h| token_hashes.push(h),
            |b, t| {
                buckets.push(b);
                terms.push(t);
            },
        );
        let mut sums = Vec::new();
        self.weights.sum_rows(&buckets, &mut sums);
        let value = if buckets.is_empty() {
            0.0
        } else {
            1.0 / (buckets.len() as f64).sqrt()
        };
        let logits = sums
            .iter()
            .zip(self.weights.bias())
            .zip(self.weights.scale())
            .map(|((&sum, &b), &scale)| f64::from(b) + sum as f64 * (f64::from(scale) * value))
            .collect();
        Scored {
            logits,
            tokens,
            buckets,
            terms,
            token_hashes,
            value,
        }
    }

    /// Every term's contribution to class `class`, merged by term, in text order of first
    /// appearance. Terms are keyed by a 64-bit hash of their text (a word's feature hash)
    /// rather than compared as strings, and named only when shown, which keeps explaining
    /// cheap enough to do for every prediction.
    fn raw_contributions(&self, s: &Scored<'_>, class: usize) -> Vec<RawTerm> {
        let n = s.tokens.len();
        // Integer sums of the quantised weights, as in `score`, so the terms add up to the
        // logit exactly but for the final multiplication.
        // Per token: the sum over its own features and, when it starts a bigram, the
        // bigram's.
        let mut sums: Vec<(i64, Option<i64>)> = vec![(0, None); n];
        for (&b, &t) in s.buckets.iter().zip(&s.terms) {
            let w = i64::from(self.weights.q(b, class));
            match t {
                TermRef::Token(i) => sums[i as usize].0 += w,
                TermRef::Bigram(i) => *sums[i as usize].1.get_or_insert(0) += w,
            }
        }
        let hashes = &s.token_hashes;
        let factor = f64::from(self.weights.scale()[class]) * s.value;
        let mut terms: Vec<RawTerm> = Vec::with_capacity(2 * n);
        for (i, &(word, bigram)) in sums.iter().enumerate() {
            terms.push(RawTerm {
                key: hashes[i],
                pos: 2 * i as u32,
                contribution: word as f64 * factor,
            });
            if let Some(bigram) = bigram.filter(|_| i + 1 < n) {
                let key =
                    hashes[i].rotate_left(17) ^ hashes[i + 1].wrapping_mul(0x9E37_79B9_7F4A_7C15);
                terms.push(RawTerm {
                    key,
                    pos: 2 * i as u32 + 1,
                    contribution: bigram as f64 * factor,
                });
            }
        }
        merge_by_key(terms)
    }

    /// The [`EXPLANATION_TERMS`] terms with the largest positive `score`, largest first
    /// (ties in text order), found by selection rather than a full sort.
    fn top(
        s: &Scored<'_>,
        terms: &[RawTerm],
        score: impl Fn(&RawTerm) -> f64,
    ) -> Vec<TermContribution> {
        let mut best: Vec<&RawTerm> = terms.iter().filter(|t| score(t) > 0.0).collect();
        let order =
            |a: &&RawTerm, b: &&RawTerm| score(b).total_cmp(&score(a)).then(a.pos.cmp(&b.pos));
        if best.len() > EXPLANATION_TERMS {
            best.select_nth_unstable_by(EXPLANATION_TERMS - 1, order);
            best.truncate(EXPLANATION_TERMS);
        }
        best.sort_by(order);
        best.into_iter().map(|t| Self::name(s, t)).collect()
    }

    fn name(s: &Scored<'_>, t: &RawTerm) -> TermContribution {
        let i = (t.pos / 2) as usize;
        let term = if t.pos.is_multiple_of(2) {
            s.tokens[i].text.to_string()
        } else {
            format!(
                "{} {}",
                s.tokens[i].text,
                s.tokens.get(i + 1).map_or("", |t| t.text)
            )
        };
        TermContribution {
            term,
            contribution: t.contribution,
        }
    }

    /// Calibrated probabilities of every class, and the terms that most raise the logit of
    /// the class `class_of` picks from them (for the safeguarding scorer, which asks about
    /// the likeliest category rather than the likeliest class).
    pub(crate) fn probabilities_with_support(
        &self,
        text: &str,
        class_of: impl Fn(&[f64]) -> usize,
    ) -> (Vec<f64>, Vec<TermContribution>) {
        let norm = self.features.prepare(text);
        let s = self.score(&norm);
        let mut probs = vec![0.0; s.logits.len()];
        softmax(&s.logits, self.temperature, &mut probs);
        let k = class_of(&probs).min(probs.len().saturating_sub(1));
        let terms = self.raw_contributions(&s, k);
        let support = Self::top(&s, &terms, |t| t.contribution);
        (probs, support)
    }

    /// Every term's exact contribution to the logit of the predicted class, in text order
    /// (the full list that [`Prediction::explanation`] summarises).
    pub fn explain(&self, text: &str) -> LogitBreakdown {
        let norm = self.features.prepare(text);
        let s = self.score(&norm);
        let k = argmax(&s.logits);
        LogitBreakdown {
            label: self.labels[k].clone(),
            logit: s.logits[k],
            bias: f64::from(self.weights.bias()[k]),
            terms: {
                let mut raw = self.raw_contributions(&s, k);
                raw.sort_unstable_by_key(|t| t.pos);
                raw.iter().map(|t| Self::name(&s, t)).collect()
            },
        }
    }

    /// Routes one message: team, calibrated confidence, alternatives, safeguarding flags,
    /// an exact explanation and whether a person must review it.
    pub fn predict(&self, text: &str) -> Prediction {
        self.predict_with(text, true)
    }

    /// [`predict`](Self::predict) without the model's own safeguarding rules: urgency
    /// off and no matches. For a caller that runs the safeguarding detector itself and
    /// replaces what the rules would say (the triage service does), so that the rules,
    /// most of a prediction's cost, do not run twice for nothing.
    pub fn route(&self, text: &str) -> Prediction {
        self.predict_with(text, false)
    }

    fn predict_with(&self, text: &str, run_rules: bool) -> Prediction {
        let norm = self.features.prepare(text);
        let s = self.score(&norm);
        let mut probs = vec![0.0; s.logits.len()];
        softmax(&s.logits, self.temperature, &mut probs);
        let mut order: Vec<usize> = (0..probs.len()).collect();
        order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]).then(a.cmp(&b)));
        let k = order[0];
        let explanation = self.explanation(&s, k);
        let safeguarding_matches = if run_rules {
            self.rules.check(text)
        } else {
            Vec::new()
        };
        let urgent = safeguarding_matches
            .iter()
            .any(SafeguardingMatch::is_active);
        let mut review_reasons = Vec::new();
        if urgent {
            review_reasons.push(ReviewReason::Urgent);
        }
        if s.tokens.is_empty() {
            review_reasons.push(ReviewReason::NoText);
        }
        if probs[k] < self.threshold {
            review_reasons.push(ReviewReason::LowConfidence);
        }
        Prediction {
            label: self.labels[k].clone(),
            confidence: probs[k],
            alternatives: order
                .iter()
                .take(ALTERNATIVES)
                .map(|&j| Alternative {
                    label: self.labels[j].clone(),
                    probability: probs[j],
                })
                .collect(),
            urgent,
            safeguarding_matches,
            explanation,
            needs_review: !review_reasons.is_empty(),
            review_reasons,
        }
    }

    fn explanation(&self, s: &Scored<'_>, k: usize) -> Explanation {
        let terms = self.raw_contributions(s, k);
        let all: f64 = terms.iter().map(|t| t.contribution).sum();
        let supporting = Self::top(s, &terms, |t| t.contribution);
        let opposing = Self::top(s, &terms, |t| -t.contribution);
        let shown: f64 = supporting
            .iter()
            .chain(&opposing)
            .map(|t| t.contribution)
            .sum();
        Explanation {
            label: self.labels[k].clone(),
            logit: s.logits[k],
            bias: f64::from(self.weights.bias()[k]),
            supporting,
            opposing,
            rest: all - shown,
            temperature: self.temperature,
        }
    }

    /// [`predict`](Self::predict) for many messages, in parallel, in input order.
    pub fn predict_batch<S: AsRef<str> + Sync>(&self, texts: &[S]) -> Vec<Prediction> {
        texts.par_iter().map(|t| self.predict(t.as_ref())).collect()
    }
}

/// A term's contribution before it is named: `pos` is `2 × token index` for a word and
/// `2 × token index + 1` for the bigram starting there.
struct RawTerm {
    key: u64,
    pos: u32,
    contribution: f64,
}

/// Adds up terms with the same key, keeping the first position, in one pass over a small
/// open-addressing table (a sort by key cost more than the rest of explaining together).
fn merge_by_key(terms: Vec<RawTerm>) -> Vec<RawTerm> {
    let size = (terms.len() * 2).next_power_of_two().max(16);
    let mask = size - 1;
    let mut slots: Vec<u32> = vec![u32::MAX; size];
    let mut merged: Vec<RawTerm> = Vec::with_capacity(terms.len());
    for t in terms {
        let mut k = (t.key as usize) & mask;
        loop {
            match slots[k] {
                u32::MAX => {
                    slots[k] = merged.len() as u32;
                    merged.push(t);
                    break;
                }
                j if merged[j as usize].key == t.key => {
                    merged[j as usize].contribution += t.contribution;
                    break;
                }
                _ => k = (k + 1) & mask,
            }
        }
    }
    merged
}

pub(crate) fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, x) in v.iter().enumerate() {
        if *x > v[best] {
            best = i;
        }
    }
    best
}
