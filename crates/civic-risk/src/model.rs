//! A trained risk model: scoring, explaining, saving and loading, and fairness on new
//! outcomes.

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::RiskError;
use crate::calibration::{Platt, sigmoid};
use crate::fairness::{ColumnFairness, FairnessReport};
use crate::proxy::group_label;
use crate::report::RowCounts;
use crate::schema::{Schema, UnseenCategory, read_labels};
use crate::table::Table;
use crate::threshold::ThresholdPolicy;
use crate::train::BoosterParams;
use crate::trees::Ensemble;

/// The saved-model format this version writes and reads.
pub const FORMAT: &str = "civic-risk/1";

/// Facts about a trained model, kept with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMetadata {
    /// The saved-model format.
    pub format: String,
    /// The booster that grew the trees.
    pub booster: String,
    /// Its settings.
    pub params: BoosterParams,
    /// Trees in the model.
    pub trees: usize,
    /// The seed used.
    pub seed: u64,
    /// Rows used to grow, calibrate and evaluate.
    pub rows: RowCounts,
    /// The threshold policy.
    pub threshold_policy: ThresholdPolicy,
    /// Rows scoring at or above this are flagged.
    pub threshold: f64,
}

/// A trained risk model: schema, trees, calibration and threshold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskModel {
    schema: Schema,
    ensemble: Ensemble,
    platt: Platt,
    metadata: ModelMetadata,
}

/// One feature's part in a score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Contribution {
    /// The feature.
    pub feature: String,
    /// Its value in the row, as given.
    pub value: Value,
    /// Its SHAP value in calibrated log-odds: positive raises the risk.
    pub contribution: f64,
}

/// A row's score.
///
/// When contributions are present, `base_log_odds + Σ contribution = logit(risk_score)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Score {
    /// The row's source line (0 for a record).
    pub line: u64,
    /// Calibrated probability of the outcome.
    pub risk_score: f64,
    /// Whether the score reaches the threshold: the case goes to a person for review.
    pub flagged: bool,
    /// The calibrated log-odds of an average training row, where contributions start.
    pub base_log_odds: f64,
    /// Every feature's contribution, largest magnitude first; empty when not asked for.
    pub contributions: Vec<Contribution>,
    /// Categorical values never seen in training, scored as missing.
    pub unseen_categories: Vec<UnseenCategory>,
}

impl Score {
    /// The `n` largest contributions by magnitude.
    pub fn top_factors(&self, n: usize) -> &[Contribution] {
        &self.contributions[..n.min(self.contributions.len())]
    }
}

/// Which rows of a batch get contributions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Explain {
    /// Every row.
    All,
    /// Flagged rows only: the ones a person will look at.
    Flagged,
    /// No row.
    None,
}

pub(crate) fn option_column(
    table: &Table,
    column: &str,
    role: &'static str,
) -> Result<usize, RiskError> {
    table
        .column_index(column)
        .ok_or_else(|| RiskError::UnknownOptionColumn {
            column: column.to_string(),
            role,
        })
}

pub(crate) fn fairness_from(
    table: &Table,
    protected: &[String],
    outcomes: &[bool],
    flagged: &[bool],
) -> FairnessReport {
    let columns = protected
        .iter()
        .filter_map(|column| {
            let pos = table.column_index(column)?;
            let groups: Vec<String> = table
                .rows()
                .iter()
                .map(|r| group_label(&r.cells[pos]))
                .collect();
            Some(ColumnFairness::compute(column, &groups, outcomes, flagged))
        })
        .collect();
    FairnessReport {
        rows: table.len(),
        columns,
    }
}

impl RiskModel {
    pub(crate) fn from_parts(
        schema: Schema,
        ensemble: Ensemble,
        platt: Platt,
        metadata: ModelMetadata,
    ) -> Self {
        Self {
            schema,
            ensemble,
            platt,
            metadata,
        }
    }

    /// The schema the model was trained with.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// Facts about the model.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.metadata
    }

    /// The feature names, in model order. Never includes a protected column.
    pub fn features(&self) -> Vec<&str> {
        self.schema.feature_names()
    }

    /// Rows scoring at or above this are flagged.
    pub fn threshold(&self) -> f64 {
        self.metadata.threshold
    }

    /// Scores one record (a JSON object of column → value), with contributions.
    pub fn score_record(
        &self,
        record: &serde_json::Map<String, Value>,
    ) -> Result<Score, RiskError> {
        let table = Table::from_record(record);
        let mut scores = self.score_batch(&table, Explain::All)?;
        scores.pop().ok_or(RiskError::EmptyTable)
    }

    /// Scores every row of a table in parallel, with contributions for the rows `explain`
    /// asks for. The table's columns are checked against the schema first.
    pub fn score_batch(&self, table: &Table, explain: Explain) -> Result<Vec<Score>, RiskError> {
        self.score_with(table, explain, &[])
    }

    fn score_with(
        &self,
        table: &Table,
        explain: Explain,
        also_allowed: &[&str],
    ) -> Result<Vec<Score>, RiskError> {
        if table.is_empty() {
            return Err(RiskError::EmptyTable);
        }
        let encoded = self.schema.encode(table, also_allowed)?;
        let base_log_odds = self.platt.log_odds(self.ensemble.expected_value());
        let threshold = self.metadata.threshold;
        let scores = table
            .rows()
            .par_iter()
            .zip(encoded.unseen.into_par_iter())
            .enumerate()
            .map(|(i, (row, unseen))| {
                let x = &encoded.values[i * encoded.n_features..(i + 1) * encoded.n_features];
                let risk_score = sigmoid(self.platt.log_odds(self.ensemble.margin(x)));
                let flagged = risk_score >= threshold;
                let wanted = match explain {
                    Explain::All => true,
                    Explain::Flagged => flagged,
                    Explain::None => false,
                };
                let contributions = if wanted {
                    self.contributions(x, row, &encoded.positions)
                } else {
                    Vec::new()
                };
                Score {
                    line: row.line,
                    risk_score,
                    flagged,
                    base_log_odds,
                    contributions,
                    unseen_categories: unseen,
                }
            })
            .collect();
        Ok(scores)
    }

    fn contributions(&self, x: &[f64], row: &crate::Row, positions: &[usize]) -> Vec<Contribution> {
        let phi = self.ensemble.contributions(x);
        let mut out: Vec<Contribution> = self
            .schema
            .features
            .iter()
            .zip(positions)
            .zip(phi)
            .map(|((f, &pos), phi)| Contribution {
                feature: f.name.clone(),
                value: row.cells[pos].clone(),
                contribution: self.platt.slope * phi,
            })
            .collect();
        out.sort_by(|a, b| {
            b.contribution
                .abs()
                .total_cmp(&a.contribution.abs())
                .then_with(|| a.feature.cmp(&b.feature))
        });
        out
    }

    /// The model as bytes (JSON), to store or share.
    pub fn to_bytes(&self) -> Result<Vec<u8>, RiskError> {
        serde_json::to_vec(self).map_err(|e| RiskError::InvalidModel {
            reason: e.to_string(),
        })
    }

    /// Reads a model written by [`to_bytes`](Self::to_bytes), checking its format.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, RiskError> {
        let mut model: RiskModel =
            serde_json::from_slice(bytes).map_err(|e| RiskError::InvalidModel {
                reason: e.to_string(),
            })?;
        if model.metadata.format != FORMAT {
            return Err(RiskError::InvalidModel {
                reason: format!("format `{}` is not `{FORMAT}`", model.metadata.format),
            });
        }
        if model.ensemble.n_features != model.schema.features.len() {
            return Err(RiskError::InvalidModel {
                reason: "the trees and the schema disagree on the number of features".into(),
            });
        }
        model.ensemble = model.ensemble.validated()?;
        Ok(model)
    }
}

/// Fairness of a model's flags on labelled outcomes, per protected column present in the
/// table. `label_column` holds the outcomes found on review.
pub fn fairness(
    model: &RiskModel,
    table: &Table,
    label_column: &str,
) -> Result<FairnessReport, RiskError> {
    let label = option_column(table, label_column, "label column")?;
    let outcomes: Vec<bool> = read_labels(table, label)?
        .into_iter()
        .map(|y| y == 1.0)
        .collect();
    let scores = model.score_with(table, Explain::None, &[label_column])?;
    let flagged: Vec<bool> = scores.iter().map(|s| s.flagged).collect();
    Ok(fairness_from(
        table,
        &model.schema.protected_columns,
        &outcomes,
        &flagged,
    ))
}
