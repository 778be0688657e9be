//! Tabular risk models for Civic: score claims or applications for fraud-and-error review,
//! explain every score, and measure who gets flagged.
//!
//! The crate takes an in-memory [`Table`] (reading files is `civic-dataset`'s job), trains a
//! gradient-boosted tree model with [`train`], and scores rows with
//! [`RiskModel::score_batch`] or [`RiskModel::score_record`]. A score never decides anything:
//! `flagged` only means "put this case in front of a person".
//!
//! ```
//! use civic_risk::{Explain, TrainOptions, demo, train};
//!
//! let table = demo::synthetic_claims(2_000, 1);
//! let mut options = TrainOptions::new(demo::CLAIM_LABEL);
//! options.protected_columns = demo::CLAIM_PROTECTED.iter().map(|c| c.to_string()).collect();
//! options.exclude_columns = vec![demo::CLAIM_ID.to_string()];
//! let (model, report) = train(&table, &options, &mut |_stage| {})?;
//! println!("{report}");
//! let scores = model.score_batch(&table, Explain::Flagged)?;
//! assert!(scores.iter().any(|s| s.flagged));
//! # Ok::<(), civic_risk::RiskError>(())
//! ```
//!
//! # Invariants
//!
//! - **Protected columns are never features.** They are removed from the feature list before
//!   the schema is inferred; the model cannot read them, and changing them never changes a
//!   score (tested). They are kept only to measure fairness, and every feature is checked for
//!   being a proxy of one (Cramér's V or the correlation ratio, warning at 0.3: see `proxy`).
//! - **Every score is explained faithfully.** Contributions are exact TreeSHAP values of the
//!   trees, scaled by the Platt slope: `base_log_odds + Σ contributions = logit(risk_score)`
//!   for every row (tested, and TreeSHAP is tested against brute-force Shapley values).
//! - **The schema travels with the model.** Scoring tables are checked against it: unknown
//!   or missing columns, text in a numeric column and bad booleans are errors naming the
//!   line and column; a category never seen in training is scored as missing and reported.
//! - **Deterministic given a seed.** The same table and options give the same model bytes,
//!   and the same seed the same [`demo`] claims: the split, the folds and the demo data are
//!   drawn from [`civic_core::rng::SplitMix64`], so no dependency upgrade can change them.
//! - **No I/O, no network, no async.** CPU-heavy work runs on rayon; callers in async code
//!   should use `spawn_blocking`.
//!
//! # Choosing the booster (measured November 2026 on this 2-core machine)
//!
//! | crate | licence | builds on stable Rust | categorical | missing | exact contributions | verdict |
//! |---|---|---|---|---|---|---|
//! | `perpetual` ≥ 1.7.0 | Apache-2.0 | **no** for every stable release: 1.7.0, 1.9.4 and 2.3.0 (the latest) have `#![feature(array_ptr_get)]`; the 3.0.0-rc.2 pre-release builds, but its Shapley contributions panicked on our test data | yes | yes | yes (see left) | rejected for now; revisit at 3.0.0 |
//! | `forust-ml` 0.8.0 | Apache-2.0 | yes, pure Rust (rayon, serde, rand 0.8) | no (numeric only) | yes, learnt direction | yes, but slow (below) | **chosen** for the trees |
//! | `lightgbm3` | MIT | needs CMake and a C++ build of LightGBM | yes | yes | yes | rejected: C++ toolchain in CI and in every build |
//!
//! On a synthetic 100,000-row, 10-feature problem (2 threads), forust-ml trained 100 trees
//! of depth 6 in 0.66 s and predicted 449,000 rows/s, but its own Shapley contributions ran
//! at 1,168 rows/s, far too slow for the scoring target. On 1,000,000 rows × 30 features it
//! trained 100 trees in 16.1 s. So the crate uses forust-ml to grow the trees, copies them
//! into its own compact format (`trees.rs`), and computes contributions with its own
//! TreeSHAP: per-leaf tables for trees up to depth 4 (`leaf_shap.rs`, about four times
//! faster than the recursion on the default trees) and the recursive algorithm for deeper
//! ones, both tested against brute-force Shapley values. Categorical columns are
//! encoded as their categories' rank by training outcome rate (the ordering LightGBM uses
//! for categorical splits), with unseen categories scored as missing. forust-ml is pinned
//! exactly because `trees.rs` reads its fitted trees' public fields. Its maintenance is
//! thin (0.8.0 is the latest release; its line of work continues in `perpetual`), which is
//! why saved models, prediction and explanations depend only on this crate's own code: the
//! booster could be replaced without invalidating a saved model.
//!
//! Against LightGBM 4.7 on the same splits (`docs/benchmarks/risk.md`), test ROC AUC with
//! the default options was 0.7884 against 0.7486 (LightGBM defaults) and 0.7938 (LightGBM
//! tuned by cross-validation) on the synthetic claims, 0.9832 against 0.9851 / 0.9807 on
//! scikit-learn's breast cancer data, and 0.7593 against 0.7438 / 0.7616 on statsmodels'
//! Fair affairs data, growing trees on 64% of the training rows. Growing them on all
//! non-held-out rows with cross-fitted calibration (below) raised these to 0.7958, 0.9855 and
//! 0.7597, and on a second split not used for any choice to within 0.0051 of the best
//! LightGBM on all three. Training on 1,000,000 rows × 30 features took 30.1 s.
//!
//! # Training, calibration and thresholds
//!
//! [`train`] first sets aside a held-out share of the rows ([`TrainOptions::holdout`],
//! stratified by outcome); everything in the [`TrainReport`] (ROC AUC, PR AUC, Brier score,
//! calibration table, expected precision and recall at the threshold, fairness) is measured
//! on those rows only. With fewer than [`LARGE_TABLE_ROWS`] rows left, the trees are
//! cross-fitted: five stratified folds each get out-of-fold log-odds from trees grown on the
//! other four (stopping early on the fold), and the final trees are grown on all the rows,
//! as many as the folds' mean best count. Platt scaling on the out-of-fold log-odds turns
//! the trees' log-odds into probabilities (affine in log-odds, so contributions still add
//! up), and the threshold is set on the out-of-fold probabilities from a flag rate or a
//! review capacity ([`ThresholdPolicy`]). Larger tables, where five extra fits would cost
//! too much, keep 20% of the rows aside for early stopping, calibration and the threshold.

mod calibration;
pub mod demo;
mod error;
mod fairness;
mod leaf_shap;
mod metrics;
mod model;
mod proxy;
mod report;
mod schema;
mod table;
mod threshold;
mod train;
mod trees;

pub use calibration::Platt;
pub use error::RiskError;
pub use fairness::{
    ColumnFairness, FairnessReport, GroupFairness, MIN_GROUP_ROWS, MISSING_GROUP, Proportion,
};
pub use metrics::{CalibrationBin, average_precision, brier_score, calibration_table, roc_auc};
pub use model::{Contribution, Explain, FORMAT, ModelMetadata, RiskModel, Score, fairness};
pub use proxy::{Association, AssociationMeasure, DEFAULT_PROXY_THRESHOLD};
pub use report::{FeatureSummary, HoldoutMetrics, RowCounts, TrainReport};
pub use schema::{Feature, FeatureKind, Schema, UnseenCategory};
pub use table::{Row, Table};
pub use threshold::{ThresholdPolicy, ThresholdReport};
pub use train::{BoosterParams, LARGE_TABLE_ROWS, TrainOptions, TrainStage, train};
