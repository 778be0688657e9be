//! The one error type of this crate, and the problems that lenient reading
//! collects instead of failing.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while reading or writing a data file.
///
/// Every variant names the file, and where the problem is tied to a place in
/// the file, the 1-based line (and column where it is known). Messages are
/// plain English, lowercase, and say what to do; [`Error::code`] gives a
/// stable machine-readable code for each variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file's extension is not one this crate reads or writes.
    #[error(
        "{}: cannot tell the file format from the extension; use .csv, .jsonl or .ndjson, or name the format explicitly",
        path.display()
    )]
    UnknownFormat {
        /// The file in question.
        path: PathBuf,
    },

    /// The operating system refused to open, read or write the file.
    #[error("{}: {action} failed: {source}", path.display())]
    Io {
        /// The file in question.
        path: PathBuf,
        /// What was being done, e.g. "opening for reading".
        action: &'static str,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },

    /// A CSV file is empty: not even a header row.
    #[error("{}: the file has no header row; a CSV file must start with a row of column names", path.display())]
    NoHeader {
        /// The file in question.
        path: PathBuf,
    },

    /// The file has a header (CSV) but no usable records, or is empty (JSONL).
    #[error(
        "{}: the file has no records{}; check that it is the right file",
        path.display(),
        if *skipped > 0 { format!(" ({skipped} malformed rows were skipped)") } else { String::new() }
    )]
    NoRecords {
        /// The file in question.
        path: PathBuf,
        /// How many malformed rows were skipped in lenient mode.
        skipped: u64,
    },

    /// Bytes that are not valid UTF-8.
    #[error(
        "{}: line {line}, byte {column} is not valid UTF-8; save the file as UTF-8, or read it with invalid bytes replaced",
        path.display()
    )]
    InvalidUtf8 {
        /// The file in question.
        path: PathBuf,
        /// The 1-based line of the first invalid byte.
        line: u64,
        /// The 1-based byte offset of the first invalid byte within its line
        /// (for CSV, within its field).
        column: u64,
    },

    /// A CSV row with more or fewer fields than the header.
    #[error(
        "{}: line {line} has {found} fields but the header has {expected}; check for an unquoted comma or a missing field",
        path.display()
    )]
    WrongFieldCount {
        /// The file in question.
        path: PathBuf,
        /// The line the row starts on.
        line: u64,
        /// How many columns the header names.
        expected: usize,
        /// How many fields the row has.
        found: usize,
    },

    /// A JSON Lines line that is not valid JSON.
    #[error("{}: line {line}, column {column}: invalid JSON ({message}); each line must be one JSON object", path.display())]
    InvalidJson {
        /// The file in question.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The 1-based column where the parser stopped.
        column: u64,
        /// What the JSON parser said.
        message: String,
    },

    /// A JSON Lines line that is valid JSON but not an object.
    #[error("{}: line {line}, column {column}: found {found} where a JSON object was expected; each line must be one object such as {{\"text\": \"...\"}}", path.display())]
    NotAnObject {
        /// The file in question.
        path: PathBuf,
        /// The 1-based line.
        line: u64,
        /// The 1-based column where the value starts.
        column: u64,
        /// What was found instead: "an array", "a string", "a number"...
        found: &'static str,
    },

    /// A column the caller needs is not in the file.
    #[error(
        "{}: missing column{} {}; the file has columns: {}",
        path.display(),
        if missing.len() == 1 { "" } else { "s" },
        quoted_list(missing),
        quoted_list(found)
    )]
    MissingColumns {
        /// The file in question.
        path: PathBuf,
        /// The required columns that are not there.
        missing: Vec<String>,
        /// The columns the file does have, in order.
        found: Vec<String>,
    },

    /// A column name appears twice (in a CSV header, or among the columns a
    /// writer is asked to add).
    #[error("{}: column `{column}` appears more than once; give each column a distinct name", path.display())]
    DuplicateColumn {
        /// The file in question.
        path: PathBuf,
        /// The repeated name.
        column: String,
    },

    /// A value that should be a number is not one.
    #[error("{}: line {line}, column `{column}`: `{value}` is not a number", path.display())]
    NotANumber {
        /// The file in question.
        path: PathBuf,
        /// The line of the record.
        line: u64,
        /// The column name.
        column: String,
        /// The offending value, shortened to at most 40 characters.
        value: String,
    },

    /// The output path exists and overwriting was not allowed.
    #[error("{}: the output file already exists; choose another path or allow overwriting", path.display())]
    OutputExists {
        /// The path that exists.
        path: PathBuf,
    },

    /// A writer was given a different number of new values than it has new
    /// columns. This is a bug in the caller.
    #[error("{}: {found} new values given for {expected} new columns", path.display())]
    ValueCount {
        /// The output file.
        path: PathBuf,
        /// How many new columns the writer was created with.
        expected: usize,
        /// How many values were given.
        found: usize,
    },
}

impl Error {
    /// A stable, machine-readable code for this error, e.g.
    /// `"dataset.missing_columns"`. Codes never change once released.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnknownFormat { .. } => "dataset.unknown_format",
            Self::Io { .. } => "dataset.io",
            Self::NoHeader { .. } => "dataset.no_header",
            Self::NoRecords { .. } => "dataset.no_records",
            Self::InvalidUtf8 { .. } => "dataset.invalid_utf8",
            Self::WrongFieldCount { .. } => "dataset.wrong_field_count",
            Self::InvalidJson { .. } => "dataset.invalid_json",
            Self::NotAnObject { .. } => "dataset.not_an_object",
            Self::MissingColumns { .. } => "dataset.missing_columns",
            Self::DuplicateColumn { .. } => "dataset.duplicate_column",
            Self::NotANumber { .. } => "dataset.not_a_number",
            Self::OutputExists { .. } => "dataset.output_exists",
            Self::ValueCount { .. } => "dataset.value_count",
        }
    }

    /// The 1-based line this error points at, if it points at one.
    pub fn line(&self) -> Option<u64> {
        match self {
            Self::InvalidUtf8 { line, .. }
            | Self::WrongFieldCount { line, .. }
            | Self::InvalidJson { line, .. }
            | Self::NotAnObject { line, .. }
            | Self::NotANumber { line, .. } => Some(*line),
            _ => None,
        }
    }

    /// An error from the `csv` crate. With byte records and `flexible` set,
    /// as this crate uses it, the only kind it can return is an I/O error.
    pub(crate) fn csv(path: impl Into<PathBuf>, action: &'static str, error: csv::Error) -> Self {
        let source = match error.into_kind() {
            csv::ErrorKind::Io(source) => source,
            other => io::Error::other(format!("{other:?}")),
        };
        Self::io(path, action, source)
    }

    pub(crate) fn io(path: impl Into<PathBuf>, action: &'static str, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            action,
            source,
        }
    }
}

/// A malformed row that lenient reading skipped, for the caller to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    /// The 1-based line the row starts on.
    pub line: u64,
    /// What was wrong with it, in the same words as the strict-mode error.
    pub message: String,
}

fn quoted_list(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_owned();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_columns_message_names_missing_and_found() {
        let err = Error::MissingColumns {
            path: "data.csv".into(),
            missing: vec!["label".into()],
            found: vec!["id".into(), "text".into()],
        };
        assert_eq!(
            err.to_string(),
            "data.csv: missing column `label`; the file has columns: `id`, `text`"
        );
        assert_eq!(err.code(), "dataset.missing_columns");
    }

    #[test]
    fn no_records_message_counts_skipped_rows() {
        let err = Error::NoRecords {
            path: "a.jsonl".into(),
            skipped: 2,
        };
        assert!(err.to_string().contains("(2 malformed rows were skipped)"));
    }
}
