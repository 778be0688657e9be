//! The schema a model is trained with: which columns are features and of what kind, and how
//! a row's cells become the numbers the trees read. Inferred from the training table, stored
//! with the model, and enforced on every table scored.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};

use crate::RiskError;
use crate::table::{CellText, Table, parse_bool, parse_number, read_cell};

/// What kind of values a feature holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FeatureKind {
    /// Finite numbers (JSON numbers or numeric text).
    Numeric,
    /// true/false (also yes/no, y/n).
    Boolean,
    /// A closed set of labels seen in training. The trees read a category's position in
    /// `categories`, which is ordered by the outcome rate seen in training, so that a
    /// threshold split groups categories of similar risk (the ordering LightGBM and CatBoost
    /// use for categorical splits). A label never seen in training is read as missing.
    Categorical {
        /// The labels, in code order.
        categories: Vec<String>,
    },
}

/// One feature column of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Feature {
    /// The column name.
    pub name: String,
    /// Its kind.
    #[serde(flatten)]
    pub kind: FeatureKind,
    /// How many training rows had no value.
    pub missing_in_training: usize,
}

/// The columns a model knows and the role each plays.
///
/// Protected columns are never features: they are listed here only so that scoring tables may
/// carry them (for fairness monitoring) without being rejected as unknown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The outcome column used for training.
    pub label_column: String,
    /// The features, in the order the trees index them.
    pub features: Vec<Feature>,
    /// Protected characteristics: kept for fairness, never read by the model.
    pub protected_columns: Vec<String>,
    /// Columns ignored by the model (identifiers and the like).
    pub excluded_columns: Vec<String>,
}

/// A value in a categorical column that training never saw; it is scored as missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnseenCategory {
    /// The column.
    pub column: String,
    /// The value as given.
    pub value: String,
}

/// Rows turned into the numbers the trees read: row-major, `NaN` for missing.
#[derive(Debug)]
pub(crate) struct Encoded {
    pub values: Vec<f64>,
    pub n_rows: usize,
    pub n_features: usize,
    /// Unseen categorical values per row (empty for most rows).
    pub unseen: Vec<Vec<UnseenCategory>>,
    /// For each feature, the position of its column in the source table.
    pub positions: Vec<usize>,
}

impl Encoded {
    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.n_features..(i + 1) * self.n_features]
    }

    /// The given rows (by index), in that order.
    pub fn subset(&self, indices: &[usize]) -> Encoded {
        let mut values = Vec::with_capacity(indices.len() * self.n_features);
        for &i in indices {
            values.extend_from_slice(self.row(i));
        }
        Encoded {
            values,
            n_rows: indices.len(),
            n_features: self.n_features,
            unseen: indices.iter().map(|&i| self.unseen[i].clone()).collect(),
            positions: self.positions.clone(),
        }
    }

    /// The same values, column-major, as the booster wants them.
    pub fn column_major(&self) -> Vec<f64> {
        let mut out = vec![0.0; self.values.len()];
        for i in 0..self.n_rows {
            for j in 0..self.n_features {
                out[j * self.n_rows + i] = self.values[i * self.n_features + j];
            }
        }
        out
    }
}

/// The kind a column's cells imply, before categories are ordered.
fn infer_kind(table: &Table, col: usize) -> (FeatureKind, usize) {
    let (mut present, mut numbers, mut missing) = (0usize, 0usize, 0usize);
    let mut boolean = true;
    for row in table.rows() {
        match read_cell(&row.cells[col]) {
            CellText::Missing => missing += 1,
            CellText::Number(_) => {
                present += 1;
                numbers += 1;
                boolean = false;
            }
            CellText::Bool(_) => present += 1,
            CellText::Text(t) => {
                present += 1;
                numbers += usize::from(parse_number(t).is_some());
                if parse_bool(t).is_none() {
                    boolean = false;
                }
            }
        }
    }
    // A column that is overwhelmingly numbers is numeric, and its few stray words are
    // reported as errors naming their lines rather than silently turning the column into
    // categories.
    let numeric = present > 0 && numbers * 10 >= present * 9;
    let kind = if numeric {
        FeatureKind::Numeric
    } else if boolean {
        FeatureKind::Boolean
    } else {
        // A second pass collects every label, including rows read before the column was
        // known to be categorical.
        let categories = table
            .rows()
            .iter()
            .filter_map(|r| category_label(&r.cells[col]))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        FeatureKind::Categorical { categories }
    };
    (kind, missing)
}

/// The label of a cell in a categorical column, or `None` when missing.
fn category_label(value: &Value) -> Option<String> {
    match read_cell(value) {
        CellText::Missing => None,
        CellText::Number(n) => Some(n.to_string()),
        CellText::Bool(b) => Some(b.to_string()),
        CellText::Text(t) => Some(t.to_string()),
    }
}

impl Schema {
    /// Infers the schema from the training rows and orders each categorical feature's labels
    /// by their (smoothed) outcome rate among those rows.
    pub(crate) fn infer(
        table: &Table,
        label_column: &str,
        feature_columns: &[usize],
        protected_columns: Vec<String>,
        excluded_columns: Vec<String>,
        labels: &[f64],
    ) -> Schema {
        let prior = labels.iter().sum::<f64>() / labels.len().max(1) as f64;
        let features = feature_columns
            .iter()
            .map(|&col| {
                let (mut kind, missing) = infer_kind(table, col);
                if let FeatureKind::Categorical { categories } = &mut kind {
                    order_by_outcome_rate(table, col, labels, prior, categories);
                }
                Feature {
                    name: table.columns()[col].clone(),
                    kind,
                    missing_in_training: missing,
                }
            })
            .collect();
        Schema {
            label_column: label_column.to_string(),
            features,
            protected_columns,
            excluded_columns,
        }
    }

    /// The feature names, in model order.
    pub fn feature_names(&self) -> Vec<&str> {
        self.features.iter().map(|f| f.name.as_str()).collect()
    }

    /// Checks a table's columns against the schema: every feature must be present, and every
    /// other column must be the label, protected, excluded or one of `also_allowed`.
    /// Returns the position of each feature's column.
    pub fn check_columns(
        &self,
        columns: &[String],
        also_allowed: &[&str],
    ) -> Result<Vec<usize>, RiskError> {
        let known = |c: &String| {
            *c == self.label_column
                || also_allowed.contains(&c.as_str())
                || self.protected_columns.contains(c)
                || self.excluded_columns.contains(c)
                || self.features.iter().any(|f| f.name == *c)
        };
        let unknown: Vec<String> = columns.iter().filter(|c| !known(c)).cloned().collect();
        if !unknown.is_empty() {
            return Err(RiskError::UnknownColumns { columns: unknown });
        }
        let mut positions = Vec::with_capacity(self.features.len());
        let mut missing = Vec::new();
        for f in &self.features {
            match columns.iter().position(|c| *c == f.name) {
                Some(p) => positions.push(p),
                None => missing.push(f.name.clone()),
            }
        }
        if missing.is_empty() {
            Ok(positions)
        } else {
            Err(RiskError::MissingColumns { columns: missing })
        }
    }

    /// Turns a table's rows into feature values, checking every cell against its feature.
    pub(crate) fn encode(
        &self,
        table: &Table,
        also_allowed: &[&str],
    ) -> Result<Encoded, RiskError> {
        use rayon::prelude::*;
        let positions = self.check_columns(table.columns(), also_allowed)?;
        let lookups: Vec<Option<HashMap<&str, f64>>> = self
            .features
            .iter()
            .map(|f| match &f.kind {
                FeatureKind::Categorical { categories } => Some(
                    categories
                        .iter()
                        .enumerate()
                        .map(|(i, c)| (c.as_str(), i as f64))
                        .collect(),
                ),
                _ => None,
            })
            .collect();
        let n_features = self.features.len();
        let n_rows = table.len();
        // Each row writes straight into its slice of one buffer: no allocation per row
        // unless it holds an unseen category.
        let mut values = vec![0.0; n_rows * n_features];
        let unseen = values
            .par_chunks_mut(n_features.max(1))
            .zip(table.rows().par_iter())
            .map(|(out, row)| {
                let mut unseen = Vec::new();
                for (((f, &pos), lookup), slot) in self
                    .features
                    .iter()
                    .zip(&positions)
                    .zip(&lookups)
                    .zip(out.iter_mut())
                {
                    let cell = &row.cells[pos];
                    *slot = encode_cell(f, lookup.as_ref(), cell, row.line, &mut unseen)?;
                }
                Ok(unseen)
            })
            .collect::<Result<Vec<_>, RiskError>>()?;
        Ok(Encoded {
            values,
            n_rows,
            n_features,
            unseen,
            positions,
        })
    }
}

fn encode_cell(
    feature: &Feature,
    lookup: Option<&HashMap<&str, f64>>,
    cell: &Value,
    line: u64,
    unseen: &mut Vec<UnseenCategory>,
) -> Result<f64, RiskError> {
    let text = read_cell(cell);
    if text == CellText::Missing {
        return Ok(f64::NAN);
    }
    match &feature.kind {
        FeatureKind::Numeric => match text {
            CellText::Number(n) => Ok(n),
            CellText::Text(t) => parse_number(t).ok_or_else(|| not_a_number(feature, line, t)),
            _ => Err(not_a_number(
                feature,
                line,
                &crate::table::cell_display(cell),
            )),
        },
        FeatureKind::Boolean => {
            let b = match text {
                CellText::Bool(b) => Some(b),
                CellText::Text(t) => parse_bool(t),
                _ => None,
            };
            b.map(|b| if b { 1.0 } else { 0.0 })
                .ok_or_else(|| RiskError::NotABoolean {
                    line,
                    column: feature.name.clone(),
                    value: crate::table::cell_display(cell),
                })
        }
        FeatureKind::Categorical { .. } => {
            // Text cells are looked up without copying; only numbers and booleans in a
            // categorical column need their label built.
            let built;
            let label = match text {
                CellText::Text(t) => t,
                _ => {
                    built = category_label(cell).unwrap_or_default();
                    built.as_str()
                }
            };
            match lookup.and_then(|l| l.get(label)) {
                Some(code) => Ok(*code),
                None => {
                    unseen.push(UnseenCategory {
                        column: feature.name.clone(),
                        value: label.to_string(),
                    });
                    Ok(f64::NAN)
                }
            }
        }
    }
}

fn not_a_number(feature: &Feature, line: u64, value: &str) -> RiskError {
    RiskError::NotANumber {
        line,
        column: feature.name.clone(),
        value: value.to_string(),
    }
}

/// Orders categories by smoothed outcome rate, ties broken by name, so the order (and the
/// model) depends only on the training rows.
fn order_by_outcome_rate(
    table: &Table,
    col: usize,
    labels: &[f64],
    prior: f64,
    categories: &mut [String],
) {
    // Ten pseudo-rows at the overall rate keep rare categories from the extremes.
    const SMOOTHING: f64 = 10.0;
    let mut stats: HashMap<String, (f64, f64)> = HashMap::new();
    for (row, y) in table.rows().iter().zip(labels) {
        if let Some(label) = category_label(&row.cells[col]) {
            let e = stats.entry(label).or_insert((0.0, 0.0));
            e.0 += y;
            e.1 += 1.0;
        }
    }
    let rate = |c: &String| {
        let (pos, n) = stats.get(c).copied().unwrap_or((0.0, 0.0));
        (pos + SMOOTHING * prior) / (n + SMOOTHING)
    };
    categories.sort_by(|a, b| rate(a).total_cmp(&rate(b)).then_with(|| a.cmp(b)));
}

/// Reads the label column as 0/1.
pub(crate) fn read_labels(table: &Table, col: usize) -> Result<Vec<f64>, RiskError> {
    let column = &table.columns()[col];
    table
        .rows()
        .iter()
        .map(|row| {
            let cell = &row.cells[col];
            let y = match read_cell(cell) {
                CellText::Number(n) if n == 0.0 || n == 1.0 => Some(n),
                CellText::Bool(b) => Some(f64::from(u8::from(b))),
                CellText::Text(t) => match t {
                    "0" => Some(0.0),
                    "1" => Some(1.0),
                    _ => parse_bool(t).map(|b| f64::from(u8::from(b))),
                },
                _ => None,
            };
            y.ok_or_else(|| RiskError::InvalidLabel {
                line: row.line,
                column: column.clone(),
                value: crate::table::cell_display(cell),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::Row;
    use serde_json::json;

    fn table(rows: Vec<Vec<Value>>) -> Table {
        let rows = rows
            .into_iter()
            .enumerate()
            .map(|(i, c)| Row::new(i as u64 + 2, c))
            .collect();
        Table::new(vec!["x".into(), "y".into()], rows).unwrap()
    }

    #[test]
    fn kinds_are_inferred_from_cells() {
        let cases = [
            (
                vec![json!("1.5"), json!(2), json!("")],
                FeatureKind::Numeric,
            ),
            (
                vec![json!("yes"), json!(false), json!(null)],
                FeatureKind::Boolean,
            ),
            (
                vec![json!("b"), json!("a"), json!(3)],
                FeatureKind::Categorical {
                    categories: vec!["3".into(), "a".into(), "b".into()],
                },
            ),
        ];
        for (cells, expected) in cases {
            let t = table(cells.into_iter().map(|c| vec![c, json!(0)]).collect());
            assert_eq!(infer_kind(&t, 0).0, expected);
        }
    }

    #[test]
    fn categories_are_ordered_by_outcome_rate() {
        let t = table(vec![
            vec![json!("low"), json!(0)],
            vec![json!("high"), json!(1)],
            vec![json!("high"), json!(1)],
            vec![json!("low"), json!(0)],
        ]);
        let labels = read_labels(&t, 1).unwrap();
        let s = Schema::infer(&t, "y", &[0], vec![], vec![], &labels);
        assert_eq!(
            s.features[0].kind,
            FeatureKind::Categorical {
                categories: vec!["low".into(), "high".into()]
            }
        );
    }

    #[test]
    fn labels_accept_common_spellings_and_name_the_bad_line() {
        let t = table(vec![
            vec![json!(0), json!("yes")],
            vec![json!(0), json!(0)],
            vec![json!(0), json!("maybe")],
        ]);
        let err = read_labels(&t, 1).unwrap_err();
        assert_eq!(
            err,
            RiskError::InvalidLabel {
                line: 4,
                column: "y".into(),
                value: "maybe".into()
            }
        );
    }
}
