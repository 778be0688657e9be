//! Training: splitting the rows, inferring the schema, growing and calibrating the trees,
//! choosing the threshold and measuring the result on held-out rows.

use civic_core::rng::SplitMix64;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::calibration::{Platt, sigmoid};
use crate::metrics::{average_precision, brier_score, calibration_table, roc_auc};
use crate::model::{FORMAT, ModelMetadata, RiskModel, fairness_from, option_column};
use crate::proxy::{DEFAULT_PROXY_THRESHOLD, associations};
use crate::report::{FeatureSummary, HoldoutMetrics, RowCounts, TrainReport};
use crate::schema::{Encoded, Schema, read_labels};
use crate::table::Table;
use crate::threshold::{ThresholdPolicy, threshold_for_rate};
use crate::trees::Ensemble;
use crate::{RiskError, threshold};

/// For tables of [`LARGE_TABLE_ROWS`] or more, the share of the non-held-out rows kept aside
/// to stop boosting early, calibrate probabilities and choose the threshold. (Smaller tables
/// are cross-fitted instead and grow their trees on all of them.)
const CALIBRATION_SHARE: f64 = 0.2;

/// Settings for the gradient-boosted trees.
///
/// [`BoosterParams::for_rows`] picks them from the table's size; the choice was made by
/// measurement against LightGBM (`docs/benchmarks/risk.md`): shallow trees with a small
/// learning rate ranked best on tables of thousands to tens of thousands of rows, and deeper
/// trees with a larger rate keep training on a million rows within a minute.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoosterParams {
    /// Most trees to grow; boosting stops earlier when the calibration log-loss has not
    /// improved for `early_stopping_rounds` trees.
    pub max_trees: usize,
    /// Shrinkage applied to each tree.
    pub learning_rate: f32,
    /// Deepest a tree may grow.
    pub max_depth: usize,
    /// Smallest Hessian sum in a leaf.
    pub min_leaf_weight: f32,
    /// L2 penalty on leaf values.
    pub l2: f32,
    /// Histogram bins per numeric feature.
    pub bins: u16,
    /// See `max_trees`.
    pub early_stopping_rounds: usize,
}

/// From this many rows to fit on, [`BoosterParams::for_rows`] grows deeper trees faster.
pub const LARGE_TABLE_ROWS: usize = 200_000;

impl BoosterParams {
    /// Settings for a table with `fit_rows` rows to grow trees on: depth-2 trees at a
    /// learning rate of 0.05 below [`LARGE_TABLE_ROWS`], depth-4 trees at 0.1 from there.
    pub fn for_rows(fit_rows: usize) -> Self {
        let small = Self {
            max_trees: 1000,
            learning_rate: 0.05,
            max_depth: 2,
            min_leaf_weight: 1.0,
            l2: 1.0,
            bins: 255,
            early_stopping_rounds: 50,
        };
        if fit_rows < LARGE_TABLE_ROWS {
            small
        } else {
            Self {
                learning_rate: 0.1,
                max_depth: 4,
                ..small
            }
        }
    }
}

/// What to train and how.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainOptions {
    /// The outcome column (0/1, true/false, yes/no).
    pub label_column: String,
    /// Protected characteristics: never features, used only to measure fairness.
    pub protected_columns: Vec<String>,
    /// Columns to ignore, such as identifiers.
    pub exclude_columns: Vec<String>,
    /// How to set the flag threshold.
    pub threshold: ThresholdPolicy,
    /// Share of rows held out for evaluation, in (0, 0.5].
    pub holdout: f64,
    /// Seed for the splits; with the same table and options, training is reproducible to
    /// the bit.
    pub seed: u64,
    /// Association at or above which a feature is reported as a proxy.
    pub proxy_threshold: f64,
    /// Booster settings; `None` chooses them from the number of rows
    /// ([`BoosterParams::for_rows`]).
    pub booster: Option<BoosterParams>,
    /// Whether to cross-fit (grow the final trees on every non-held-out row and calibrate on
    /// out-of-fold scores: six fits instead of one); `None` cross-fits tables with fewer
    /// than [`LARGE_TABLE_ROWS`] non-held-out rows.
    pub cross_fit: Option<bool>,
}

impl TrainOptions {
    /// Options with the defaults: flag 5% of cases, hold out 20%, seed 42.
    pub fn new(label_column: impl Into<String>) -> Self {
        Self {
            label_column: label_column.into(),
            protected_columns: Vec::new(),
            exclude_columns: Vec::new(),
            threshold: ThresholdPolicy::FlagRate(0.05),
            holdout: 0.2,
            seed: 42,
            proxy_threshold: DEFAULT_PROXY_THRESHOLD,
            booster: None,
            cross_fit: None,
        }
    }
}

/// Where training has got to, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrainStage {
    /// Reading labels, splitting and inferring the schema.
    CheckingData,
    /// Measuring proxies for protected columns.
    MeasuringProxies,
    /// Growing trees.
    Fitting,
    /// Calibrating probabilities and choosing the threshold.
    Calibrating,
    /// Measuring the model on held-out rows.
    Evaluating,
}

/// Splits row indices into (fit, calibration, holdout), stratified by outcome so that each
/// part has both outcomes in the same proportion.
fn split(labels: &[f64], holdout: f64, seed: u64) -> Result<[Vec<usize>; 3], RiskError> {
    let mut rng = SplitMix64::new(seed);
    let mut parts: [Vec<usize>; 3] = Default::default();
    for class in [0.0, 1.0] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut idx);
        let n = idx.len() as f64;
        let n_hold = (n * holdout).round() as usize;
        let n_cal = ((n - n_hold as f64) * CALIBRATION_SHARE).round() as usize;
        parts[2].extend_from_slice(&idx[..n_hold]);
        parts[1].extend_from_slice(&idx[n_hold..n_hold + n_cal]);
        parts[0].extend_from_slice(&idx[n_hold + n_cal..]);
    }
    for p in &mut parts {
        p.sort_unstable();
        let classes = p.iter().map(|&i| labels[i]).fold([false; 2], |mut acc, y| {
            acc[usize::from(y == 1.0)] = true;
            acc
        });
        if classes != [true, true] {
            return Err(RiskError::TooFewRows {
                rows: labels.len(),
                needed: 20,
            });
        }
    }
    Ok(parts)
}

fn check_options(table: &Table, options: &TrainOptions) -> Result<usize, RiskError> {
    // An empty file has no header either: say it is empty rather than that the label is
    // missing.
    if table.is_empty() {
        return Err(RiskError::EmptyTable);
    }
    if !(options.holdout > 0.0 && options.holdout <= 0.5) {
        return Err(RiskError::InvalidOption {
            option: "holdout",
            reason: format!(
                "the hold-out share must be above 0 and at most 0.5, not {}",
                options.holdout
            ),
        });
    }
    if !(options.proxy_threshold > 0.0 && options.proxy_threshold <= 1.0) {
        return Err(RiskError::InvalidOption {
            option: "proxy_threshold",
            reason: "the proxy threshold must be above 0 and at most 1".into(),
        });
    }
    options.threshold.flag_rate()?;
    let label = option_column(table, &options.label_column, "label column")?;
    for c in &options.protected_columns {
        option_column(table, c, "protected column")?;
    }
    for c in &options.exclude_columns {
        option_column(table, c, "excluded column")?;
    }
    Ok(label)
}

/// Trains a model on `table` and measures it on held-out rows.
///
/// Protected and excluded columns are removed before anything else looks at the data, so
/// they can never become features. `progress` is told each stage as it starts.
pub fn train(
    table: &Table,
    options: &TrainOptions,
    progress: &mut dyn FnMut(TrainStage),
) -> Result<(RiskModel, TrainReport), RiskError> {
    progress(TrainStage::CheckingData);
    let label_col = check_options(table, options)?;
    let labels = read_labels(table, label_col)?;
    let positives = labels.iter().filter(|&&y| y == 1.0).count();
    if positives == 0 || positives == labels.len() {
        return Err(RiskError::SingleClass {
            column: options.label_column.clone(),
            class: u8::from(positives > 0),
        });
    }
    let feature_columns: Vec<usize> = (0..table.columns().len())
        .filter(|&i| {
            let c = &table.columns()[i];
            i != label_col
                && !options.protected_columns.contains(c)
                && !options.exclude_columns.contains(c)
        })
        .collect();
    if feature_columns.is_empty() {
        return Err(RiskError::NoFeatures);
    }
    let [fit_idx, cal_idx, hold_idx] = split(&labels, options.holdout, options.seed)?;
    let pick = |idx: &[usize]| idx.iter().map(|&i| labels[i]).collect::<Vec<f64>>();
    // Large tables grow trees on the fit rows and calibrate on the calibration rows; smaller
    // ones use both for growing and calibrate by cross-fitting (see `cross_fit`).
    let cross_fitted = options
        .cross_fit
        .unwrap_or(fit_idx.len() + cal_idx.len() < LARGE_TABLE_ROWS);
    let fit_idx = if cross_fitted {
        let mut dev: Vec<usize> = fit_idx.iter().chain(&cal_idx).copied().collect();
        dev.sort_unstable();
        dev
    } else {
        fit_idx
    };
    let fit_table = table.select(&fit_idx);
    let (fit_y, hold_y) = (pick(&fit_idx), pick(&hold_idx));
    let schema = Schema::infer(
        &fit_table,
        &options.label_column,
        &feature_columns,
        options.protected_columns.clone(),
        options.exclude_columns.clone(),
        &fit_y,
    );
    let fit = schema.encode(&fit_table, &[])?;
    let hold_table = table.select(&hold_idx);
    let hold = schema.encode(&hold_table, &[])?;

    progress(TrainStage::MeasuringProxies);
    let proxies = associations(&fit_table, &schema, &fit.values, options.proxy_threshold);

    progress(TrainStage::Fitting);
    let params = options
        .booster
        .clone()
        .unwrap_or_else(|| BoosterParams::for_rows(fit.n_rows));
    let (ensemble, cal_margins, cal_y) = if cross_fitted {
        let (ensemble, margins) = cross_fit(&fit, &fit_y, &params, options.seed)?;
        (ensemble, margins, fit_y.clone())
    } else {
        let cal = schema.encode(&table.select(&cal_idx), &[])?;
        let cal_y = pick(&cal_idx);
        let ensemble = fit_trees(&fit, &fit_y, Some((&cal, &cal_y)), &params, options.seed)?;
        let margins = (0..cal.n_rows)
            .into_par_iter()
            .map(|i| ensemble.margin(cal.row(i)))
            .collect();
        (ensemble, margins, cal_y)
    };

    progress(TrainStage::Calibrating);
    let cal_bool: Vec<bool> = cal_y.iter().map(|&y| y == 1.0).collect();
    let platt = Platt::fit(&cal_margins, &cal_bool);
    let cal_scores: Vec<f64> = cal_margins
        .iter()
        .map(|&m| sigmoid(platt.log_odds(m)))
        .collect();
    let target_rate = options.threshold.flag_rate()?;
    let threshold_value = threshold_for_rate(&cal_scores, target_rate);

    progress(TrainStage::Evaluating);
    let hold_scores: Vec<f64> = (0..hold.n_rows)
        .into_par_iter()
        .map(|i| sigmoid(platt.log_odds(ensemble.margin(hold.row(i)))))
        .collect();
    let hold_bool: Vec<bool> = hold_y.iter().map(|&y| y == 1.0).collect();
    let threshold_report = threshold::report(
        options.threshold,
        target_rate,
        threshold_value,
        &hold_scores,
        &hold_bool,
    );
    let flagged: Vec<bool> = hold_scores.iter().map(|&s| s >= threshold_value).collect();
    let fairness = fairness_from(&hold_table, &schema.protected_columns, &hold_bool, &flagged);
    let rows = RowCounts {
        fit: fit.n_rows,
        calibration: cal_y.len(),
        holdout: hold.n_rows,
        cross_fitted,
    };
    let metadata = ModelMetadata {
        format: FORMAT.to_string(),
        booster: "forust-ml 0.8.0".to_string(),
        params,
        trees: ensemble.trees.len(),
        seed: options.seed,
        rows: rows.clone(),
        threshold_policy: options.threshold,
        threshold: threshold_value,
    };
    let report = TrainReport {
        rows,
        outcome_rate: positives as f64 / labels.len() as f64,
        features: schema.features.iter().map(FeatureSummary::from).collect(),
        protected_columns: options.protected_columns.clone(),
        excluded_columns: options.exclude_columns.clone(),
        trees: ensemble.trees.len(),
        metrics: HoldoutMetrics {
            roc_auc: roc_auc(&hold_scores, &hold_bool).unwrap_or(f64::NAN),
            pr_auc: average_precision(&hold_scores, &hold_bool).unwrap_or(f64::NAN),
            brier: brier_score(&hold_scores, &hold_bool),
            calibration: calibration_table(&hold_scores, &hold_bool, 10),
        },
        threshold: threshold_report,
        proxies,
        fairness,
        unseen_categories_in_holdout: hold.unseen.iter().map(Vec::len).sum(),
    };
    let model = RiskModel::from_parts(schema, ensemble, platt, metadata);
    Ok((model, report))
}

/// Grows trees on `fit`. With `stop_on`, boosting stops early on that set's log-loss and
/// trees after the best iteration are dropped; without it, exactly `params.max_trees` trees
/// are grown.
fn fit_trees(
    fit: &Encoded,
    fit_y: &[f64],
    stop_on: Option<(&Encoded, &[f64])>,
    params: &BoosterParams,
    seed: u64,
) -> Result<Ensemble, RiskError> {
    use forust_ml::metric::Metric;
    use forust_ml::objective::ObjectiveType;
    use forust_ml::{GradientBooster, Matrix};
    let training_error = |e: forust_ml::errors::ForustError| RiskError::Training {
        reason: e.to_string(),
    };
    let fit_values = fit.column_major();
    let fit_matrix = Matrix::new(&fit_values, fit.n_rows, fit.n_features);
    let fit_weights = vec![1.0; fit.n_rows];
    let mut booster = GradientBooster::default()
        .set_objective_type(ObjectiveType::LogLoss)
        .set_iterations(params.max_trees)
        .set_learning_rate(params.learning_rate)
        .set_max_depth(params.max_depth)
        .set_min_leaf_weight(params.min_leaf_weight)
        .set_l2(params.l2)
        .set_nbins(params.bins)
        .set_initialize_base_score(true)
        .set_allow_missing_splits(true)
        .set_create_missing_branch(false)
        .set_missing(f64::NAN)
        .set_seed(seed)
        .set_parallel(true)
        // Row-wise histograms from a tiled copy of the bins: faster on tall tables, and the
        // sums do not depend on the number of threads, so models stay reproducible.
        .set_tiled_histograms(true);
    match stop_on {
        Some((stop, stop_y)) => {
            let stop_values = stop.column_major();
            let stop_matrix = Matrix::new(&stop_values, stop.n_rows, stop.n_features);
            let stop_weights = vec![1.0; stop.n_rows];
            booster = booster
                .set_evaluation_metric(Some(Metric::LogLoss))
                .set_early_stopping_rounds(Some(params.early_stopping_rounds));
            booster
                .fit(
                    &fit_matrix,
                    fit_y,
                    &fit_weights,
                    Some(vec![(stop_matrix, stop_y, &stop_weights)]),
                )
                .map_err(training_error)?;
        }
        None => booster
            .fit(&fit_matrix, fit_y, &fit_weights, None)
            .map_err(training_error)?,
    }
    // Trees grown after the best iteration are not used for prediction; drop them.
    if let Some(n) = booster.prediction_iteration {
        booster.trees.truncate(n);
    }
    Ensemble::from_forust(&booster, fit.n_features)
}

/// Folds used to cross-fit tables smaller than [`LARGE_TABLE_ROWS`].
const FOLDS: usize = 5;

/// Cross-fitting for tables that are not large: every non-held-out row is used to grow the
/// final trees, and calibration uses out-of-fold margins, as scikit-learn's
/// `CalibratedClassifierCV(ensemble=False)` does. Each of [`FOLDS`] stratified folds is
/// scored by trees grown on the other folds (stopping early on that fold); the final trees
/// are grown on all rows, as many as the folds' mean best count. Returns the final trees
/// and each row's out-of-fold margin.
fn cross_fit(
    dev: &Encoded,
    dev_y: &[f64],
    params: &BoosterParams,
    seed: u64,
) -> Result<(Ensemble, Vec<f64>), RiskError> {
    let folds = stratified_folds(dev_y, FOLDS, seed);
    let mut margins = vec![0.0; dev.n_rows];
    let mut tree_counts = Vec::with_capacity(FOLDS);
    for k in 0..FOLDS {
        let (inside, outside): (Vec<usize>, Vec<usize>) =
            (0..dev.n_rows).partition(|&i| folds[i] == k);
        let train_part = dev.subset(&outside);
        let train_y: Vec<f64> = outside.iter().map(|&i| dev_y[i]).collect();
        let fold_part = dev.subset(&inside);
        let fold_y: Vec<f64> = inside.iter().map(|&i| dev_y[i]).collect();
        let trees = fit_trees(
            &train_part,
            &train_y,
            Some((&fold_part, &fold_y)),
            params,
            seed,
        )?;
        tree_counts.push(trees.trees.len());
        for (j, &i) in inside.iter().enumerate() {
            margins[i] = trees.margin(fold_part.row(j));
        }
    }
    let mean_trees = tree_counts.iter().sum::<usize>() as f64 / FOLDS as f64;
    let final_params = BoosterParams {
        max_trees: (mean_trees.round() as usize).max(1),
        ..params.clone()
    };
    let ensemble = fit_trees(dev, dev_y, None, &final_params, seed)?;
    Ok((ensemble, margins))
}

/// Assigns each row a fold in `0..k`, so that every fold has its share of each outcome.
fn stratified_folds(labels: &[f64], k: usize, seed: u64) -> Vec<usize> {
    let mut rng = SplitMix64::new(seed ^ 0x5eed_f01d);
    let mut folds = vec![0; labels.len()];
    for class in [0.0, 1.0] {
        let mut idx: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rng.shuffle(&mut idx);
        for (position, &i) in idx.iter().enumerate() {
            folds[i] = position % k;
        }
    }
    folds
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_is_stratified_and_disjoint() {
        let labels: Vec<f64> = (0..1000)
            .map(|i| f64::from(u8::from(i % 10 == 0)))
            .collect();
        let [fit, cal, hold] = split(&labels, 0.2, 7).unwrap();
        assert_eq!(fit.len() + cal.len() + hold.len(), 1000);
        assert_eq!(hold.iter().filter(|&&i| labels[i] == 1.0).count(), 20);
        let mut all: Vec<usize> = fit.iter().chain(&cal).chain(&hold).copied().collect();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), 1000);
    }

    #[test]
    fn too_few_positives_to_split_is_an_error() {
        let labels = [1.0, 0.0, 0.0, 0.0];
        assert_eq!(
            split(&labels, 0.2, 1).map_err(|e| e.code()),
            Err("risk.too_few_rows")
        );
    }
}
