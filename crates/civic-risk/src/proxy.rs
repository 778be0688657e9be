//! Proxy warnings: how strongly each feature is associated with each protected column.
//!
//! A model that never reads a protected column can still learn it through a feature that
//! stands in for it (a postcode for ethnicity, a benefit type for disability). For every
//! feature and protected column we measure the association on the training rows:
//!
//! - **categorical or boolean feature: Cramér's V** = √(χ² / (n · (min(r, c) − 1))), with a
//!   missing value counted as a category of its own;
//! - **numeric feature: the correlation ratio η** = √(between-group sum of squares / total sum
//!   of squares) of the feature across the protected groups, rows with a missing feature
//!   left out.
//!
//! Both lie in [0, 1], 0 meaning no association and 1 meaning the feature determines the
//! group (V) or the group determines the feature (η). A warning is raised at or above
//! [`DEFAULT_PROXY_THRESHOLD`] = 0.3, conventionally a moderate-to-strong association; the
//! threshold is an option.

use serde::{Deserialize, Serialize};
use std::collections::HashMap;

use crate::fairness::MISSING_GROUP;
use crate::schema::{FeatureKind, Schema};
use crate::table::{CellText, Table, read_cell};

/// The association at or above which a feature is reported as a possible proxy.
pub const DEFAULT_PROXY_THRESHOLD: f64 = 0.3;

/// Which measure an association uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AssociationMeasure {
    /// Cramér's V, for a categorical or boolean feature.
    CramersV,
    /// The correlation ratio η, for a numeric feature.
    CorrelationRatio,
}

/// The association between one feature and one protected column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Association {
    /// The feature.
    pub feature: String,
    /// The protected column.
    pub protected_column: String,
    /// The measure used.
    pub measure: AssociationMeasure,
    /// Its value, in [0, 1].
    pub value: f64,
    /// Whether it is at or above the threshold.
    pub warning: bool,
}

/// The group label of a protected cell.
pub(crate) fn group_label(value: &serde_json::Value) -> String {
    match read_cell(value) {
        CellText::Missing => MISSING_GROUP.to_string(),
        CellText::Number(n) => n.to_string(),
        CellText::Bool(b) => b.to_string(),
        CellText::Text(t) => t.to_string(),
    }
}

/// Measures every feature against every protected column present in `table`.
pub(crate) fn associations(
    table: &Table,
    schema: &Schema,
    feature_values: &[f64],
    threshold: f64,
) -> Vec<Association> {
    let n_features = schema.features.len();
    let mut out = Vec::new();
    for protected in &schema.protected_columns {
        let Some(pcol) = table.column_index(protected) else {
            continue;
        };
        let mut codes: HashMap<String, usize> = HashMap::new();
        let groups: Vec<usize> = table
            .rows()
            .iter()
            .map(|r| {
                let next = codes.len();
                *codes.entry(group_label(&r.cells[pcol])).or_insert(next)
            })
            .collect();
        let n_groups = codes.len();
        for (j, feature) in schema.features.iter().enumerate() {
            let column = (0..groups.len()).map(|i| feature_values[i * n_features + j]);
            let (measure, value) = match feature.kind {
                FeatureKind::Numeric => (
                    AssociationMeasure::CorrelationRatio,
                    correlation_ratio(column, &groups, n_groups),
                ),
                FeatureKind::Boolean | FeatureKind::Categorical { .. } => (
                    AssociationMeasure::CramersV,
                    cramers_v(column, &groups, n_groups),
                ),
            };
            out.push(Association {
                feature: feature.name.clone(),
                protected_column: protected.clone(),
                measure,
                value,
                warning: value >= threshold,
            });
        }
    }
    out.sort_by(|a, b| b.value.total_cmp(&a.value));
    out
}

/// Cramér's V between encoded categories (`NaN` = its own category) and groups.
fn cramers_v(values: impl Iterator<Item = f64>, groups: &[usize], n_groups: usize) -> f64 {
    let mut codes: HashMap<u64, usize> = HashMap::new();
    let cats: Vec<usize> = values
        .map(|v| {
            let key = if v.is_nan() { u64::MAX } else { v.to_bits() };
            let next = codes.len();
            *codes.entry(key).or_insert(next)
        })
        .collect();
    let (r, c) = (codes.len(), n_groups);
    if r < 2 || c < 2 {
        return 0.0;
    }
    let mut table = vec![0.0; r * c];
    for (&a, &g) in cats.iter().zip(groups) {
        table[a * c + g] += 1.0;
    }
    let n = cats.len() as f64;
    let row_sums: Vec<f64> = (0..r)
        .map(|i| table[i * c..(i + 1) * c].iter().sum())
        .collect();
    let col_sums: Vec<f64> = (0..c)
        .map(|j| (0..r).map(|i| table[i * c + j]).sum())
        .collect();
    let mut chi2 = 0.0;
    for i in 0..r {
        for j in 0..c {
            let expected = row_sums[i] * col_sums[j] / n;
            if expected > 0.0 {
                chi2 += (table[i * c + j] - expected).powi(2) / expected;
            }
        }
    }
    (chi2 / (n * (r.min(c) - 1) as f64)).sqrt().min(1.0)
}

/// The correlation ratio η of a numeric feature across groups.
fn correlation_ratio(values: impl Iterator<Item = f64>, groups: &[usize], n_groups: usize) -> f64 {
    let mut sums = vec![(0.0, 0.0); n_groups];
    let (mut total, mut count, mut total_sq) = (0.0, 0.0, 0.0);
    for (v, &g) in values.zip(groups) {
        if v.is_nan() {
            continue;
        }
        sums[g].0 += v;
        sums[g].1 += 1.0;
        total += v;
        total_sq += v * v;
        count += 1.0;
    }
    if count < 2.0 {
        return 0.0;
    }
    let mean = total / count;
    let ss_total = total_sq - count * mean * mean;
    if ss_total <= 0.0 {
        return 0.0;
    }
    let ss_between: f64 = sums
        .iter()
        .filter(|(_, n)| *n > 0.0)
        .map(|(s, n)| n * (s / n - mean).powi(2))
        .sum();
    (ss_between / ss_total).clamp(0.0, 1.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_categories_have_v_of_one_and_independent_ones_zero() {
        let groups = [0, 1, 0, 1, 0, 1, 0, 1];
        let same = groups.iter().map(|&g| g as f64);
        assert!((cramers_v(same, &groups, 2) - 1.0).abs() < 1e-12);
        let independent = [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0];
        assert!(cramers_v(independent.into_iter(), &groups, 2).abs() < 1e-12);
    }

    #[test]
    fn correlation_ratio_detects_group_means() {
        let groups = [0, 0, 1, 1];
        let separated = [1.0, 1.0, 5.0, 5.0];
        assert!((correlation_ratio(separated.into_iter(), &groups, 2) - 1.0).abs() < 1e-12);
        let mixed = [1.0, 5.0, 1.0, 5.0];
        assert!(correlation_ratio(mixed.into_iter(), &groups, 2).abs() < 1e-12);
    }
}
