//! The in-memory table this crate trains on and scores: column names and rows of JSON cells,
//! each row with the line it came from so that errors can point at it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::HashSet;

use crate::RiskError;

/// One row of a [`Table`]: its cells, in column order, and its source line.
///
/// A cell is a JSON value: CSV readers give strings (or `Null` for an empty cell), JSON Lines
/// readers give whatever the record holds. Missing values are `Null`, an empty string, `NA`,
/// `N/A`, `null` or `NaN`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Row {
    /// The line in the source file (1-based); 0 when the row did not come from a file.
    pub line: u64,
    /// The cells, one per column of the table.
    pub cells: Vec<Value>,
}

impl Row {
    /// A row from JSON cells.
    pub fn new(line: u64, cells: Vec<Value>) -> Self {
        Self { line, cells }
    }

    /// A row from optional strings, as a CSV reader produces them (`None` is missing).
    pub fn from_strings(line: u64, cells: Vec<Option<String>>) -> Self {
        let cells = cells
            .into_iter()
            .map(|c| c.map_or(Value::Null, Value::String))
            .collect();
        Self { line, cells }
    }
}

/// A table: named columns and rows of cells. Built with [`Table::new`], which checks that
/// names are unique and every row has one cell per column.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TableParts")]
pub struct Table {
    columns: Vec<String>,
    rows: Vec<Row>,
}

/// A table as it arrives from JSON, before [`Table::new`] has checked its shape.
#[derive(Deserialize)]
struct TableParts {
    columns: Vec<String>,
    rows: Vec<Row>,
}

impl TryFrom<TableParts> for Table {
    type Error = RiskError;

    fn try_from(parts: TableParts) -> Result<Self, RiskError> {
        Table::new(parts.columns, parts.rows)
    }
}

impl Table {
    /// Checks the shape of the table: unique column names, one cell per column in every row.
    ///
    /// ```
    /// use civic_risk::{Row, Table};
    /// use serde_json::json;
    /// let table = Table::new(
    ///     vec!["amount".into(), "channel".into()],
    ///     vec![Row::new(2, vec![json!(120.5), json!("online")])],
    /// )?;
    /// assert_eq!(table.len(), 1);
    /// # Ok::<(), civic_risk::RiskError>(())
    /// ```
    pub fn new(columns: Vec<String>, rows: Vec<Row>) -> Result<Self, RiskError> {
        let mut seen = HashSet::new();
        for column in &columns {
            if !seen.insert(column.as_str()) {
                return Err(RiskError::DuplicateColumn {
                    column: column.clone(),
                });
            }
        }
        if let Some(row) = rows.iter().find(|r| r.cells.len() != columns.len()) {
            return Err(RiskError::RaggedRow {
                line: row.line,
                expected: columns.len(),
                found: row.cells.len(),
            });
        }
        Ok(Self { columns, rows })
    }

    /// A one-row table from a JSON object, as the API receives a record.
    pub fn from_record(record: &serde_json::Map<String, Value>) -> Self {
        let columns = record.keys().cloned().collect();
        let cells = record.values().cloned().collect();
        Self {
            columns,
            rows: vec![Row::new(0, cells)],
        }
    }

    /// The column names, in order.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The rows, in order.
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The position of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// A table holding only the given rows (by index), in that order.
    pub(crate) fn select(&self, indices: &[usize]) -> Table {
        Table {
            columns: self.columns.clone(),
            rows: indices.iter().map(|&i| self.rows[i].clone()).collect(),
        }
    }
}

/// A cell's meaning once missing-value spellings are recognised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum CellText<'a> {
    Missing,
    Number(f64),
    Bool(bool),
    Text(&'a str),
}

/// Reads a cell without deciding its column's type yet.
pub(crate) fn read_cell(value: &Value) -> CellText<'_> {
    match value {
        Value::Null => CellText::Missing,
        Value::Bool(b) => CellText::Bool(*b),
        Value::Number(n) => n.as_f64().map_or(CellText::Missing, CellText::Number),
        Value::String(s) => {
            let t = s.trim();
            if is_missing_text(t) {
                CellText::Missing
            } else {
                CellText::Text(t)
            }
        }
        // Arrays and objects have no place in a flat table; treat them as opaque text so the
        // error names them rather than silently dropping them.
        Value::Array(_) | Value::Object(_) => CellText::Text("<nested value>"),
    }
}

fn is_missing_text(t: &str) -> bool {
    t.is_empty()
        || ["na", "n/a", "null", "nan", "none"]
            .iter()
            .any(|m| t.eq_ignore_ascii_case(m))
}

/// Parses text as a finite number.
pub(crate) fn parse_number(t: &str) -> Option<f64> {
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Parses text as a boolean.
pub(crate) fn parse_bool(t: &str) -> Option<bool> {
    const TRUE: [&str; 3] = ["true", "yes", "y"];
    const FALSE: [&str; 3] = ["false", "no", "n"];
    if TRUE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(true)
    } else if FALSE.iter().any(|w| t.eq_ignore_ascii_case(w)) {
        Some(false)
    } else {
        None
    }
}

/// A short text form of a cell for reports and error messages.
pub(crate) fn cell_display(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn table_rejects_duplicate_columns_and_ragged_rows() {
        let dup = Table::new(vec!["a".into(), "a".into()], vec![]);
        assert_eq!(dup.map_err(|e| e.code()), Err("risk.duplicate_column"));
        let ragged = Table::new(
            vec!["a".into()],
            vec![Row::new(7, vec![json!(1), json!(2)])],
        );
        assert_eq!(
            ragged,
            Err(RiskError::RaggedRow {
                line: 7,
                expected: 1,
                found: 2
            })
        );
    }

    #[test]
    fn a_ragged_table_cannot_be_deserialised() {
        let json = r#"{"columns":["a","b"],"rows":[{"line":2,"cells":[1]}]}"#;
        assert!(serde_json::from_str::<Table>(json).is_err());
        let ok = r#"{"columns":["a"],"rows":[{"line":2,"cells":[1]}]}"#;
        assert_eq!(
            serde_json::from_str::<Table>(ok).map(|t| t.len()).ok(),
            Some(1)
        );
    }

    #[test]
    fn missing_spellings_are_missing() {
        for v in [
            json!(null),
            json!(""),
            json!(" NA "),
            json!("n/a"),
            json!("NaN"),
        ] {
            assert_eq!(read_cell(&v), CellText::Missing, "{v}");
        }
        assert_eq!(read_cell(&json!("12")), CellText::Text("12"));
        assert_eq!(read_cell(&json!(12)), CellText::Number(12.0));
    }
}
