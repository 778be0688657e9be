//! The training report: what the model was trained on and how it did on held-out rows,
//! as JSON (serde) and as a plain terminal table (`Display`).

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::fairness::FairnessReport;
use crate::metrics::CalibrationBin;
use crate::proxy::{Association, AssociationMeasure};
use crate::schema::{Feature, FeatureKind};
use crate::threshold::{ThresholdPolicy, ThresholdReport};

/// Rows in each part of the split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RowCounts {
    /// Rows the trees were grown on.
    pub fit: usize,
    /// Rows used to stop boosting, calibrate probabilities and choose the threshold.
    pub calibration: usize,
    /// Rows used only to measure the model.
    pub holdout: usize,
    /// Whether calibration used out-of-fold scores of the fit rows (tables below
    /// `LARGE_TABLE_ROWS`), in which case `calibration` counts those same rows.
    pub cross_fitted: bool,
}

/// A feature as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureSummary {
    /// Column name.
    pub name: String,
    /// `numeric`, `boolean` or `categorical`.
    pub kind: String,
    /// Number of categories, for a categorical feature.
    pub categories: Option<usize>,
    /// Training rows with no value.
    pub missing_in_training: usize,
}

impl From<&Feature> for FeatureSummary {
    fn from(f: &Feature) -> Self {
        let (kind, categories) = match &f.kind {
            FeatureKind::Numeric => ("numeric", None),
            FeatureKind::Boolean => ("boolean", None),
            FeatureKind::Categorical { categories } => ("categorical", Some(categories.len())),
        };
        Self {
            name: f.name.clone(),
            kind: kind.to_string(),
            categories,
            missing_in_training: f.missing_in_training,
        }
    }
}

/// Discrimination and calibration on held-out rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutMetrics {
    /// Area under the ROC curve.
    pub roc_auc: f64,
    /// Average precision (area under the precision–recall curve).
    pub pr_auc: f64,
    /// Brier score of the calibrated probabilities (lower is better).
    pub brier: f64,
    /// Predicted against observed rates in ten equal-width bins.
    pub calibration: Vec<CalibrationBin>,
}

/// Everything learnt while training, for the person who approves the model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// Rows in each split.
    pub rows: RowCounts,
    /// Share of all rows with the outcome.
    pub outcome_rate: f64,
    /// The features used.
    pub features: Vec<FeatureSummary>,
    /// Protected columns: not used as features.
    pub protected_columns: Vec<String>,
    /// Excluded columns: ignored.
    pub excluded_columns: Vec<String>,
    /// Trees in the model.
    pub trees: usize,
    /// Held-out measures.
    pub metrics: HoldoutMetrics,
    /// The threshold and its expected precision and recall.
    pub threshold: ThresholdReport,
    /// Association of every feature with every protected column, strongest first.
    pub proxies: Vec<Association>,
    /// Fairness of the flags on held-out rows.
    pub fairness: FairnessReport,
    /// Categorical values in held-out rows never seen in training (scored as missing).
    pub unseen_categories_in_holdout: usize,
}

impl TrainReport {
    /// The associations at or above the proxy threshold.
    pub fn proxy_warnings(&self) -> impl Iterator<Item = &Association> {
        self.proxies.iter().filter(|a| a.warning)
    }
}

fn pct(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

impl fmt::Display for TrainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.rows;
        writeln!(f, "Risk model")?;
        let calibration = if r.cross_fitted {
            "calibrated out-of-fold".to_string()
        } else {
            format!("{} calibration", r.calibration)
        };
        writeln!(
            f,
            "  rows: {} fit, {calibration}, {} held out; outcome rate {}; {} trees",
            r.fit,
            r.holdout,
            pct(self.outcome_rate),
            self.trees
        )?;
        let names: Vec<&str> = self.features.iter().map(|x| x.name.as_str()).collect();
        writeln!(f, "  features ({}): {}", names.len(), names.join(", "))?;
        if !self.protected_columns.is_empty() {
            writeln!(
                f,
                "  protected (never used as features): {}",
                self.protected_columns.join(", ")
            )?;
        }
        if !self.excluded_columns.is_empty() {
            writeln!(f, "  excluded: {}", self.excluded_columns.join(", "))?;
        }
        let m = &self.metrics;
        writeln!(f, "\nHeld-out performance")?;
        writeln!(f, "  ROC AUC  {:.4}", m.roc_auc)?;
        writeln!(f, "  PR AUC   {:.4}", m.pr_auc)?;
        writeln!(f, "  Brier    {:.4}", m.brier)?;
        writeln!(f, "\nCalibration (held out)")?;
        writeln!(
            f,
            "  {:<13} {:>7} {:>10} {:>9}",
            "predicted", "rows", "mean pred", "observed"
        )?;
        for b in &m.calibration {
            writeln!(
                f,
                "  {:<13} {:>7} {:>10} {:>9}",
                format!("{:.1}–{:.1}", b.lower, b.upper),
                b.count,
                pct(b.mean_predicted),
                pct(b.observed_rate)
            )?;
        }
        let t = &self.threshold;
        writeln!(f, "\nThreshold")?;
        match t.policy {
            ThresholdPolicy::FlagRate(rate) => {
                writeln!(f, "  policy: flag {} of cases", pct(rate))?
            }
            ThresholdPolicy::Capacity { per_period, volume } => writeln!(
                f,
                "  policy: review capacity {per_period} per period out of {volume} ({})",
                pct(t.target_flag_rate)
            )?,
        }
        writeln!(f, "  flag when risk score >= {:.4}", t.threshold)?;
        writeln!(
            f,
            "  held out: {} flagged, precision {}, recall {}",
            pct(t.held_out_flag_rate),
            pct(t.expected_precision),
            pct(t.expected_recall)
        )?;
        if let Some(n) = t.expected_flags_per_period {
            writeln!(f, "  expected flags per period: {n:.0}")?;
        }
        let warnings: Vec<&Association> = self.proxy_warnings().collect();
        writeln!(f, "\nProxy check")?;
        if warnings.is_empty() {
            writeln!(
                f,
                "  no feature is strongly associated with a protected column"
            )?;
        }
        for a in warnings {
            let measure = match a.measure {
                AssociationMeasure::CramersV => "Cramér's V",
                AssociationMeasure::CorrelationRatio => "correlation ratio",
            };
            writeln!(
                f,
                "  WARNING: `{}` may be a proxy for `{}` ({measure} {:.2})",
                a.feature, a.protected_column, a.value
            )?;
        }
        writeln!(f, "\nFairness on held-out rows")?;
        write!(f, "{}", self.fairness)?;
        if self.unseen_categories_in_holdout > 0 {
            writeln!(
                f,
                "\n{} held-out values were categories never seen in training and were scored as missing",
                self.unseen_categories_in_holdout
            )?;
        }
        Ok(())
    }
}

/// The fairness table: one block per protected column, one line per group, with 95% Wilson
/// intervals for the flag rate and the four-fifths rule flagged where it fails.
impl fmt::Display for FairnessReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "  {} rows; flag rates with 95% Wilson intervals; ratios to the best-off group",
            self.rows
        )?;
        if self.columns.is_empty() {
            writeln!(f, "  no protected column is present in the data")?;
        }
        for c in &self.columns {
            writeln!(f, "  {}", c.column)?;
            writeln!(
                f,
                "    {:<18} {:>6} {:>21} {:>9} {:>8} {:>8} {:>10}",
                "group", "rows", "flag rate", "precision", "FPR", "FNR", "flag ratio"
            )?;
            for g in &c.groups {
                writeln!(
                    f,
                    "    {:<18} {:>6} {:>21} {:>9} {:>8} {:>8} {:>10.2}{}",
                    g.group,
                    g.count,
                    format!(
                        "{} ({}–{})",
                        pct(g.flag_rate.value),
                        pct(g.flag_rate.low),
                        pct(g.flag_rate.high)
                    ),
                    pct(g.precision.value),
                    pct(g.false_positive_rate.value),
                    pct(g.false_negative_rate.value),
                    g.flag_rate_ratio,
                    if g.fails_four_fifths {
                        "  fails four-fifths rule"
                    } else {
                        ""
                    }
                )?;
            }
        }
        Ok(())
    }
}
