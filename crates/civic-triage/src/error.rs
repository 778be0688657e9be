//! The one error type of this crate.

use thiserror::Error;

/// Everything that can go wrong when training, loading or configuring a triage model.
///
/// Each variant has a stable [`code`](TriageError::code) that callers (the CLI, the HTTP
/// API) can map to an exit status or an HTTP status without matching on messages.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum TriageError {
    /// The training set had no usable (non-empty) example.
    #[error("no usable training example: every text was empty or whitespace")]
    NoExamples,
    /// The training set had a single label, so there is nothing to choose between.
    #[error("only one label ({label:?}) in the training data: at least two teams are needed")]
    SingleLabel {
        /// The only label found.
        label: String,
    },
    /// A training option is out of range.
    #[error("invalid training option `{option}`: {reason}")]
    InvalidOption {
        /// The option's field name in [`TrainOptions`](crate::TrainOptions).
        option: &'static str,
        /// What is wrong and what is allowed.
        reason: String,
    },
    /// The safeguarding rules file could not be read as TOML or failed validation.
    #[error("invalid safeguarding rules{}: {reason}", rule_suffix(.rule, .field))]
    InvalidRules {
        /// The id (or position) of the offending rule, when one is to blame.
        rule: Option<String>,
        /// The offending field, when one is to blame.
        field: Option<String>,
        /// What is wrong, in plain English.
        reason: String,
    },
    /// The bytes do not start with the triage model file signature.
    #[error("not a civic triage model file (the file signature is missing): check the path")]
    NotAModelFile,
    /// The model file was written by a format version this build cannot read.
    #[error(
        "model file format version {found} is not supported (this build reads versions 1 to {supported}): retrain or upgrade civic"
    )]
    UnsupportedVersion {
        /// The version found in the file.
        found: u32,
        /// The newest version this build reads (and the one it writes).
        supported: u32,
    },
    /// The model file is damaged: truncated, checksum mismatch or inconsistent contents.
    #[error("the model file is corrupt: {reason}")]
    CorruptModel {
        /// What was found to be wrong.
        reason: String,
    },
}

fn rule_suffix(rule: &Option<String>, field: &Option<String>) -> String {
    match (rule, field) {
        (Some(r), Some(f)) => format!(" (rule `{r}`, field `{f}`)"),
        (Some(r), None) => format!(" (rule `{r}`)"),
        (None, Some(f)) => format!(" (field `{f}`)"),
        (None, None) => String::new(),
    }
}

impl TriageError {
    /// A stable, machine-readable code for this error, e.g. `triage.single_label`.
    ///
    /// Codes never change once released; messages may be reworded.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoExamples => "triage.no_examples",
            Self::SingleLabel { .. } => "triage.single_label",
            Self::InvalidOption { .. } => "triage.invalid_option",
            Self::InvalidRules { .. } => "triage.invalid_rules",
            Self::NotAModelFile => "triage.not_a_model_file",
            Self::UnsupportedVersion { .. } => "triage.unsupported_model_version",
            Self::CorruptModel { .. } => "triage.corrupt_model",
        }
    }

    pub(crate) fn corrupt(reason: impl Into<String>) -> Self {
        Self::CorruptModel {
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_namespaced() {
        let all = [
            TriageError::NoExamples,
            TriageError::SingleLabel { label: "x".into() },
            TriageError::InvalidOption {
                option: "holdout",
                reason: "r".into(),
            },
            TriageError::InvalidRules {
                rule: None,
                field: None,
                reason: "r".into(),
            },
            TriageError::NotAModelFile,
            TriageError::UnsupportedVersion {
                found: 9,
                supported: 1,
            },
            TriageError::corrupt("x"),
        ];
        let codes: std::collections::BTreeSet<_> = all.iter().map(|e| e.code()).collect();
        assert_eq!(codes.len(), all.len());
        assert!(codes.iter().all(|c| c.starts_with("triage.")));
    }

    #[test]
    fn rules_error_names_rule_and_field() {
        let e = TriageError::InvalidRules {
            rule: Some("self-harm".into()),
            field: Some("phrases".into()),
            reason: "must not be empty".into(),
        };
        assert_eq!(
            e.to_string(),
            "invalid safeguarding rules (rule `self-harm`, field `phrases`): must not be empty"
        );
    }
}
