//! One row of a data file, whichever format it came from.

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::Error;

/// The column names of a file and where each is, shared by all the records
/// read from it so that a record does not repeat its header.
#[derive(Debug, Clone)]
pub(crate) struct Schema {
    pub(crate) path: PathBuf,
    pub(crate) names: Vec<String>,
    index: HashMap<String, usize>,
}

impl Schema {
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            path,
            names: Vec::new(),
            index: HashMap::new(),
        }
    }

    /// A schema with these names, or the first repeated name.
    pub(crate) fn with_names(path: PathBuf, names: Vec<String>) -> Result<Self, Error> {
        let mut index = HashMap::with_capacity(names.len());
        for (i, name) in names.iter().enumerate() {
            if index.insert(name.clone(), i).is_some() {
                return Err(Error::DuplicateColumn {
                    path,
                    column: name.clone(),
                });
            }
        }
        Ok(Self { path, names, index })
    }

    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    /// Appends `name` (which must not be present) and returns its position.
    pub(crate) fn push(&mut self, name: &str) -> usize {
        let i = self.names.len();
        self.names.push(name.to_owned());
        self.index.insert(name.to_owned(), i);
        i
    }

    pub(crate) fn require(&self, required: &[&str]) -> Result<(), Error> {
        let missing: Vec<String> = required
            .iter()
            .filter(|c| self.position(c).is_none())
            .map(|c| (*c).to_owned())
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(Error::MissingColumns {
                path: self.path.clone(),
                missing,
                found: self.names.clone(),
            })
        }
    }
}

/// The values of a record, as the format gives them.
#[derive(Debug, Clone)]
pub(crate) enum Cells {
    /// CSV: one validated UTF-8 buffer for the whole row, aligned with the
    /// header.
    Csv(csv::StringRecord),
    /// JSON Lines: aligned with the schema's names at the time the line was
    /// read; `None` where the object had no such key. Columns added by later
    /// lines lie beyond the end.
    Json(Vec<Option<Value>>),
}

/// One record (row) of a data file, with its line number and its values by
/// column name.
///
/// The same type serves both formats: a CSV cell is always text, a JSON Lines
/// value keeps its JSON type. A value is *missing* when the column is absent
/// from the record, is JSON `null`, or is the empty string.
#[derive(Debug, Clone)]
pub struct Record {
    line: u64,
    schema: Arc<Schema>,
    cells: Cells,
}

/// A borrowed view of one value in a [`Record`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// A CSV cell: always text, possibly empty.
    Text(&'a str),
    /// A JSON Lines value, of any JSON type.
    Json(&'a Value),
}

impl<'a> Cell<'a> {
    /// The value as text, or `None` if it is missing (empty or `null`).
    /// Numbers and booleans are rendered as JSON writes them; arrays and
    /// objects as compact JSON.
    pub fn as_str(&self) -> Option<Cow<'a, str>> {
        match *self {
            Cell::Text("") => None,
            Cell::Text(s) => Some(Cow::Borrowed(s)),
            Cell::Json(v) => value_text(v),
        }
    }

    /// Whether the value is missing: an empty string or JSON `null`.
    pub fn is_missing(&self) -> bool {
        self.as_str().is_none()
    }

    /// The value as JSON: a CSV cell becomes a JSON string.
    pub fn to_value(&self) -> Value {
        match *self {
            Cell::Text(s) => Value::String(s.to_owned()),
            Cell::Json(v) => v.clone(),
        }
    }
}

/// The text form of a JSON value, as used for CSV output and [`Cell::as_str`]:
/// strings bare, numbers and booleans as JSON writes them, arrays and objects
/// as compact JSON; `None` for `null` and the empty string.
pub(crate) fn value_text(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::Null => None,
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Array(_) | Value::Object(_) => Some(Cow::Owned(value.to_string())),
    }
}

impl Record {
    pub(crate) fn new(line: u64, schema: Arc<Schema>, cells: Cells) -> Self {
        Self {
            line,
            schema,
            cells,
        }
    }

    /// The 1-based line of the file this record starts on.
    pub fn line(&self) -> u64 {
        self.line
    }

    /// The file's columns in order, as known when this record was read (for
    /// JSON Lines, later lines may add more).
    pub fn columns(&self) -> &[String] {
        &self.schema.names
    }

    /// The value in `column`, or `None` if the file has no such column or
    /// (JSON Lines) this object has no such key.
    pub fn get(&self, column: &str) -> Option<Cell<'_>> {
        self.schema.position(column).and_then(|i| self.get_at(i))
    }

    /// The value at column position `index` (see [`Record::columns`]).
    pub fn get_at(&self, index: usize) -> Option<Cell<'_>> {
        match &self.cells {
            Cells::Csv(row) => row.get(index).map(Cell::Text),
            Cells::Json(values) => values.get(index)?.as_ref().map(Cell::Json),
        }
    }

    /// The value in `column` as text, or `None` if it is missing (see
    /// [`Cell::as_str`]). Borrows where it can.
    pub fn get_str(&self, column: &str) -> Option<Cow<'_, str>> {
        self.get(column)?.as_str()
    }

    /// The value in `column` as a finite number, `Ok(None)` if it is
    /// missing. Text is parsed after trimming spaces.
    ///
    /// # Errors
    /// [`Error::NotANumber`], naming the line and column, if the value is
    /// text that is not a finite number, a boolean, an array or an object.
    pub fn get_f64(&self, column: &str) -> Result<Option<f64>, Error> {
        let Some(cell) = self.get(column) else {
            return Ok(None);
        };
        // Blank text is missing, not an error.
        let parse = |s: &str| match s.trim() {
            "" => None,
            text => Some(text.parse::<f64>().ok()),
        };
        let number = match cell {
            Cell::Json(Value::Null) => return Ok(None),
            Cell::Json(Value::Number(n)) => n.as_f64(),
            Cell::Json(Value::String(s)) => match parse(s) {
                Some(n) => n,
                None => return Ok(None),
            },
            Cell::Text(s) => match parse(s) {
                Some(n) => n,
                None => return Ok(None),
            },
            Cell::Json(_) => None,
        };
        match number {
            Some(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(self.not_a_number(column, cell)),
        }
    }

    /// Iterates over `(column, value)` for the columns this record has a
    /// value for, in column order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, Cell<'_>)> {
        self.schema
            .names
            .iter()
            .enumerate()
            .filter_map(|(i, name)| Some((name.as_str(), self.get_at(i)?)))
    }

    /// The record as a JSON object (CSV cells become strings), for
    /// explanations and APIs. The map orders keys its own way; use
    /// [`Record::iter`] for column order.
    pub fn to_json(&self) -> serde_json::Map<String, Value> {
        self.iter()
            .map(|(name, cell)| (name.to_owned(), cell.to_value()))
            .collect()
    }

    /// The file this record was read from.
    pub fn path(&self) -> &Path {
        &self.schema.path
    }

    pub(crate) fn schema(&self) -> &Arc<Schema> {
        &self.schema
    }

    pub(crate) fn cells(&self) -> &Cells {
        &self.cells
    }

    fn not_a_number(&self, column: &str, cell: Cell<'_>) -> Error {
        let text = cell.as_str().unwrap_or_default();
        Error::NotANumber {
            path: self.schema.path.clone(),
            line: self.line,
            column: column.to_owned(),
            value: text.chars().take(40).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn csv_record(names: &[&str], cells: &[&str]) -> Record {
        let names = names.iter().map(|s| (*s).to_owned()).collect();
        let schema = Schema::with_names("t.csv".into(), names).unwrap();
        Record::new(
            2,
            Arc::new(schema),
            Cells::Csv(csv::StringRecord::from(cells.to_vec())),
        )
    }

    fn json_record(names: &[&str], values: Vec<Option<Value>>) -> Record {
        let names = names.iter().map(|s| (*s).to_owned()).collect();
        let schema = Schema::with_names("t.jsonl".into(), names).unwrap();
        Record::new(7, Arc::new(schema), Cells::Json(values))
    }

    #[test]
    fn json_values_render_as_text() {
        let cases = [
            (json!("hello"), Some("hello")),
            (json!(""), None),
            (json!(null), None),
            (json!(3), Some("3")),
            (json!(2.5), Some("2.5")),
            (json!(true), Some("true")),
            (json!([1, "a"]), Some(r#"[1,"a"]"#)),
            (json!({"k": 1}), Some(r#"{"k":1}"#)),
        ];
        for (value, expected) in cases {
            assert_eq!(value_text(&value).as_deref(), expected, "{value}");
        }
    }

    #[test]
    fn csv_cells_are_text_and_empty_is_missing() {
        let r = csv_record(&["a", "b"], &["x", ""]);
        assert_eq!(r.get_str("a").as_deref(), Some("x"));
        assert_eq!(r.get("b"), Some(Cell::Text("")));
        assert_eq!(r.get_str("b"), None);
        assert_eq!(r.get("c"), None);
    }

    #[test]
    fn json_keys_absent_from_an_object_are_none() {
        let r = json_record(&["a", "b", "c"], vec![Some(json!(1)), None]);
        assert_eq!(r.get("a"), Some(Cell::Json(&json!(1))));
        assert_eq!(r.get("b"), None);
        assert_eq!(r.get("c"), None);
        assert_eq!(r.iter().count(), 1);
    }

    #[test]
    fn numbers_are_parsed_or_rejected_with_line_and_column() {
        let r = csv_record(&["n"], &[" 4.5 "]);
        assert_eq!(r.get_f64("n").unwrap(), Some(4.5));
        let cases: [(Value, Result<Option<f64>, &str>); 7] = [
            (json!(3), Ok(Some(3.0))),
            (json!("7"), Ok(Some(7.0))),
            (json!(null), Ok(None)),
            (json!(" "), Ok(None)),
            (json!("seven"), Err("seven")),
            (json!("NaN"), Err("NaN")),
            (json!(true), Err("true")),
        ];
        for (value, expected) in cases {
            let r = json_record(&["n"], vec![Some(value.clone())]);
            match (r.get_f64("n"), expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{value}"),
                (
                    Err(Error::NotANumber {
                        line,
                        column,
                        value,
                        ..
                    }),
                    Err(want),
                ) => {
                    assert_eq!((line, column.as_str(), value.as_str()), (7, "n", want));
                }
                (got, want) => panic!("{value}: got {got:?}, want {want:?}"),
            }
        }
    }

    #[test]
    fn to_json_keeps_column_order() {
        let r = csv_record(&["z", "a"], &["1", "2"]);
        let keys: Vec<_> = r.to_json().keys().cloned().collect();
        // serde_json's map may sort keys; the iterator is the ordered view.
        let ordered: Vec<_> = r.iter().map(|(k, _)| k.to_owned()).collect();
        assert_eq!(ordered, ["z", "a"]);
        assert_eq!(keys.len(), 2);
    }
}
