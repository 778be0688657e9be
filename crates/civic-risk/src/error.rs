//! The one error type of this crate.

use thiserror::Error;

/// Everything that can go wrong when training, scoring or reading a risk model.
///
/// Each variant has a stable [`code`](RiskError::code) that callers map to an HTTP status or
/// an exit code in one place; the message says, in plain English, what to do about it.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum RiskError {
    /// The table has no rows (or no rows left after removing the hold-out).
    #[error("the table has no rows: training and scoring need at least one")]
    EmptyTable,

    /// Too few rows to train, calibrate and evaluate.
    #[error(
        "the table has {rows} rows; training needs at least {needed} (with both outcomes present in each split)"
    )]
    TooFewRows {
        /// Rows given.
        rows: usize,
        /// Rows needed.
        needed: usize,
    },

    /// Two columns share a name.
    #[error("column `{column}` appears more than once: rename one of them")]
    DuplicateColumn {
        /// The repeated name.
        column: String,
    },

    /// A row has a different number of cells from the header.
    #[error("line {line}: the row has {found} cells but the table has {expected} columns")]
    RaggedRow {
        /// Source line of the row.
        line: u64,
        /// Cells expected.
        expected: usize,
        /// Cells found.
        found: usize,
    },

    /// A column named in the options is not in the table.
    #[error("column `{column}` named as the {role} is not in the table")]
    UnknownOptionColumn {
        /// The missing name.
        column: String,
        /// What the option called it: "label column", "protected column" or "excluded column".
        role: &'static str,
    },

    /// The label column has a value that is not a yes/no outcome.
    #[error(
        "line {line}: the label `{value}` in column `{column}` is not an outcome: use 0/1, true/false or yes/no"
    )]
    InvalidLabel {
        /// Source line.
        line: u64,
        /// Label column.
        column: String,
        /// The value found.
        value: String,
    },

    /// The label column has only one class, so there is nothing to learn.
    #[error(
        "the label column `{column}` has only one outcome ({class}); training needs examples of both"
    )]
    SingleClass {
        /// Label column.
        column: String,
        /// The only class present: 0 or 1.
        class: u8,
    },

    /// After removing the label, protected and excluded columns no feature is left.
    #[error("no feature columns are left after removing the label, protected and excluded columns")]
    NoFeatures,

    /// Scoring data has columns the model has never seen.
    #[error(
        "unknown columns {columns:?}: the model was not trained with them; remove them or retrain"
    )]
    UnknownColumns {
        /// The unknown names.
        columns: Vec<String>,
    },

    /// Scoring data lacks columns the model needs.
    #[error(
        "missing columns {columns:?}: the model needs them to score; add them (empty cells are allowed)"
    )]
    MissingColumns {
        /// The absent names.
        columns: Vec<String>,
    },

    /// A numeric column holds text that is not a number.
    #[error("{}column `{column}` must be a number but holds `{value}`", at_line(*line))]
    NotANumber {
        /// Source line, or 0 for a record without one.
        line: u64,
        /// Column name.
        column: String,
        /// The value found.
        value: String,
    },

    /// A boolean column holds something that is not true/false.
    #[error("{}column `{column}` must be true or false but holds `{value}`", at_line(*line))]
    NotABoolean {
        /// Source line, or 0 for a record without one.
        line: u64,
        /// Column name.
        column: String,
        /// The value found.
        value: String,
    },

    /// An option is out of range.
    #[error("invalid option `{option}`: {reason}")]
    InvalidOption {
        /// The option's name.
        option: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },

    /// The model bytes could not be read.
    #[error("the model file could not be read: {reason}")]
    InvalidModel {
        /// Why.
        reason: String,
    },

    /// The booster failed; this is a bug or a resource limit, not bad input.
    #[error("training failed inside the booster: {reason}")]
    Training {
        /// The booster's message.
        reason: String,
    },
}

/// `line N: ` for a row from a file; nothing for a record sent on its own (line 0).
fn at_line(line: u64) -> String {
    if line == 0 {
        String::new()
    } else {
        format!("line {line}: ")
    }
}

impl RiskError {
    /// A stable, transport-neutral identifier for the error, e.g. `risk.unknown_columns`.
    pub fn code(&self) -> &'static str {
        match self {
            Self::EmptyTable => "risk.empty_table",
            Self::TooFewRows { .. } => "risk.too_few_rows",
            Self::DuplicateColumn { .. } => "risk.duplicate_column",
            Self::RaggedRow { .. } => "risk.ragged_row",
            Self::UnknownOptionColumn { .. } => "risk.unknown_option_column",
            Self::InvalidLabel { .. } => "risk.invalid_label",
            Self::SingleClass { .. } => "risk.single_class",
            Self::NoFeatures => "risk.no_features",
            Self::UnknownColumns { .. } => "risk.unknown_columns",
            Self::MissingColumns { .. } => "risk.missing_columns",
            Self::NotANumber { .. } => "risk.not_a_number",
            Self::NotABoolean { .. } => "risk.not_a_boolean",
            Self::InvalidOption { .. } => "risk.invalid_option",
            Self::InvalidModel { .. } => "risk.invalid_model",
            Self::Training { .. } => "risk.training_failed",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_namespaced() {
        let errors = [
            RiskError::EmptyTable,
            RiskError::TooFewRows { rows: 1, needed: 2 },
            RiskError::DuplicateColumn { column: "a".into() },
            RiskError::RaggedRow {
                line: 1,
                expected: 2,
                found: 1,
            },
            RiskError::UnknownOptionColumn {
                column: "a".into(),
                role: "label column",
            },
            RiskError::InvalidLabel {
                line: 1,
                column: "a".into(),
                value: "x".into(),
            },
            RiskError::SingleClass {
                column: "a".into(),
                class: 0,
            },
            RiskError::NoFeatures,
            RiskError::UnknownColumns { columns: vec![] },
            RiskError::MissingColumns { columns: vec![] },
            RiskError::NotANumber {
                line: 1,
                column: "a".into(),
                value: "x".into(),
            },
            RiskError::NotABoolean {
                line: 1,
                column: "a".into(),
                value: "x".into(),
            },
            RiskError::InvalidOption {
                option: "holdout",
                reason: "x".into(),
            },
            RiskError::InvalidModel { reason: "x".into() },
            RiskError::Training { reason: "x".into() },
        ];
        assert_eq!(
            errors[10].to_string(),
            "line 1: column `a` must be a number but holds `x`"
        );
        let record = RiskError::NotANumber {
            line: 0,
            column: "a".into(),
            value: "x".into(),
        };
        assert_eq!(
            record.to_string(),
            "column `a` must be a number but holds `x`"
        );
        let mut codes: Vec<_> = errors.iter().map(RiskError::code).collect();
        assert!(codes.iter().all(|c| c.starts_with("risk.")));
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
    }
}
