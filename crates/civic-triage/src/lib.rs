//! Civic's triage classifier: routes citizen contacts (e-mails, web forms, letters) to the
//! right team, with a calibrated confidence, safeguarding flags and an exact explanation.
//!
//! # How a message is handled
//!
//! 1. [`FeatureConfig::prepare`] and [`FeatureConfig::tokens`], the one preparation training
//!    and prediction share: personal data replaced by typed placeholders (`<person>`,
//!    `<postcode>`…) with `civic-redact`'s detectors, then ([`text`]) Unicode NFKC,
//!    lowercasing, and an English tokeniser that keeps numbers, e-mail-ish and URL-ish
//!    tokens and placeholders whole, less English stopwords. Models trained before masking
//!    (no such settings stored) keep the raw words and stopwords they were trained on.
//! 2. Features ([`FeatureConfig`]): word unigrams, word bigrams and character 4-grams of
//!    words (`<word>` with boundary marks), hashed with seeded XXH3 into 2¹⁸ buckets; each
//!    occurrence has value `1/√n` for a message with `n` feature occurrences.
//! 3. A multinomial logistic regression (softmax) over those features, trained in f32 and
//!    then stored with one signed byte per weight and a scale per class; calibration and
//!    everything after it use the quantised weights, so they describe the model that predicts.
//! 4. Calibrated probabilities: `softmax(logits / T)` with the temperature `T` fitted on a
//!    stratified held-out 20 % of the training data.
//! 5. [`SafeguardingRules`]: phrases and patterns (TOML) embedded in a model file; kept for
//!    the training report and older models. Safeguarding proper is the separate
//!    [`safeguarding::Detector`] (rules for seven categories plus a learned scorer), which
//!    the application runs on every message whatever the routing model says.
//! 6. Review routing: a prediction `needs_review` when it is urgent, when the message has no
//!    words, or when its confidence is below the model's review threshold, the lowest
//!    confidence at which held-out precision reaches the target (default 0.95).
//!
//! # Why our own solver
//!
//! The Rust crates for logistic regression we looked at (linfa-logistic, smartcore) take
//! dense `ndarray` matrices and run full-batch L-BFGS or gradient descent; for hashed text
//! that means a dense `messages × 2¹⁸` design matrix, or an optimiser state of hundreds of
//! megabytes. Text wants sparse, per-example updates, so the crate has a small Adagrad SGD
//! solver (`solver.rs`, under 200 lines with its tests) with L2 applied to the coordinates
//! each example touches. It is deterministic: the example order of every epoch is a seeded
//! shuffle and updates are sequential, while rayon parallelises feature extraction (the bulk
//! of the work) in blocks whose results are collected in order. Above 24 MB of training text
//! features are recomputed every epoch instead of kept, so memory is bounded by the text.
//!
//! # Invariants
//!
//! - **Exact explanations.** A class's logit is its bias plus the sum of weight × value over
//!   the message's features. [`TriageModel::explain`] splits that sum by term (a word
//!   together with its character n-grams, or a bigram) and [`Explanation`] reports the top
//!   terms for and against the predicted class plus the rest, so
//!   `bias + Σ for + Σ against + rest == logit` (to floating-point rounding, tested to 1e-9).
//!   Hashed features are named by the words of the message itself (or, for personal data
//!   in a masking model, by the placeholder that replaced it), never guessed.
//! - **Determinism.** The same examples, options and seed give a byte-identical model file
//!   (the seeded generator every crate shares, [`civic_core::rng::SplitMix64`], so no
//!   dependency upgrade can change it).
//! - **A person decides.** Nothing urgent or uncertain is routed silently.
//! - **No I/O.** No HTTP, no database, no files: the model file is bytes in and out
//!   ([`TriageModel::to_bytes`], [`TriageModel::from_bytes`]); reading CSV or JSON Lines is
//!   the caller's job.
//!
//! # Safeguarding: what negation and quoting handle, exactly
//!
//! A match is reported with `negated: true` when one of the rule file's negation cues
//! (`not`, `no`, `never`, `no longer`, `isn't`, `without`…) is among the 3 words before it in
//! the same clause (the search stops at `.`, `!`, `?`, `;`, `:`, `,`, a line break or `but`):
//! "I am not suicidal" and "we are no longer homeless" are negated; "No, I am suicidal" and
//! "not sure but I want to die" are not. Negation after the phrase and double negatives are
//! not handled. A match has `quoted: true` inside quoted reply text: lines starting with `>`,
//! everything after an `On … wrote:` attribution (also wrapped over two lines), after
//! `-----Original Message-----`, or after an Outlook `From:`/`Sent:` header block unless its
//! subject starts `FW:`/`Fwd:`. Forwarded messages are deliberately *not* quoted text: a
//! colleague forwarding a resident's words is passing on a live concern. Negated and quoted
//! matches are still returned, so a caseworker sees what was found and why it was set aside;
//! only the others make a message urgent.
//!
//! # Demo data
//!
//! [`demo`] generates a **synthetic** data set of UK council contacts for demos, tests and
//! benchmarks. It is not real data and says nothing about any real council.
//!
//! ```
//! use civic_triage::{demo, train, TrainOptions, TrainingExample};
//! let examples: Vec<TrainingExample> =
//!     demo::generate(7, 400).into_iter().map(TrainingExample::from).collect();
//! let (model, report) = train(&examples, &TrainOptions::default(), &|_| {})?;
//! assert!(report.holdout.accuracy > 0.6);
//! let p = model.predict("There is a huge pothole outside 14 Mill Lane, my tyre burst");
//! assert_eq!(p.label, "highways_potholes");
//! let e = &p.explanation;
//! let sum: f64 = e.bias + e.rest + e.supporting.iter().chain(&e.opposing).map(|t| t.contribution).sum::<f64>();
//! assert!((sum - e.logit).abs() < 1e-9);
//! # Ok::<(), civic_triage::TriageError>(())
//! ```

#![warn(missing_docs)]

mod calibration;
pub mod demo;
mod error;
mod features;
mod format;
mod metrics;
mod model;
mod report;
pub mod safeguarding;
mod solver;
pub mod svg;
pub mod text;
mod train;
mod weights;

pub use calibration::{ECE_BINS, ReliabilityBin, ThresholdChoice, expected_calibration_error};
pub use error::TriageError;
pub use features::FeatureConfig;
pub use format::{FORMAT_VERSION, SIGNATURE};
pub use metrics::{ClassMetrics, ConfusionMatrix, Metrics, UrgentMetrics};
pub use model::{
    ALTERNATIVES, Alternative, EXPLANATION_TERMS, Explanation, LogitBreakdown, ModelMetadata,
    Prediction, ReviewReason, TermContribution, TriageModel, WeightedTerm,
};
pub use report::{EvalReport, LabelCount, TrainReport, evaluate};
pub use safeguarding::{SafeguardingMatch, SafeguardingRule, SafeguardingRules};
pub use train::{MIN_EXAMPLES_PER_LABEL, Progress, TrainOptions, TrainingExample, train};
