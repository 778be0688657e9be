//! CSV with a policy per column: redact the personal data in a column's
//! cells, drop the column, keep it as it is, or treat every cell as one
//! label (a `name` column is all PERSON).

use std::collections::BTreeMap;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::analyzer::Analyzer;
use crate::detection::Evidence;
use crate::error::RedactError;
use crate::label::Label;
use crate::operator::{LogEntry, Operator, PseudonymTable, digest, redact_text, replacement};

/// What to do with one column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ColumnPolicy {
    /// Find and redact personal data inside each cell (the default).
    Redact,
    /// Leave the column out of the output.
    Drop,
    /// Copy the column unchanged.
    Keep,
    /// Every non-empty cell is one value of this label.
    As(Label),
}

impl FromStr for ColumnPolicy {
    type Err = RedactError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "redact" => Ok(ColumnPolicy::Redact),
            "drop" => Ok(ColumnPolicy::Drop),
            "keep" => Ok(ColumnPolicy::Keep),
            _ => s
                .parse::<Label>()
                .map(ColumnPolicy::As)
                .map_err(|_| RedactError::UnknownColumnPolicy(s.to_owned())),
        }
    }
}

impl TryFrom<String> for ColumnPolicy {
    type Error = RedactError;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ColumnPolicy> for String {
    fn from(p: ColumnPolicy) -> String {
        match p {
            ColumnPolicy::Redact => "redact".to_owned(),
            ColumnPolicy::Drop => "drop".to_owned(),
            ColumnPolicy::Keep => "keep".to_owned(),
            ColumnPolicy::As(label) => label.as_str().to_owned(),
        }
    }
}

/// Policies for the columns of a CSV file, by header name
/// (case-insensitive). Columns not named get `default`.
///
/// Written as TOML:
///
/// ```toml
/// default = "redact"
/// [columns]
/// case_id = "keep"
/// notes = "redact"
/// full_name = "PERSON"
/// internal_score = "drop"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CsvPolicy {
    #[serde(default = "default_policy")]
    pub default: ColumnPolicy,
    #[serde(default)]
    pub columns: BTreeMap<String, ColumnPolicy>,
}

fn default_policy() -> ColumnPolicy {
    ColumnPolicy::Redact
}

impl Default for CsvPolicy {
    fn default() -> Self {
        CsvPolicy {
            default: ColumnPolicy::Redact,
            columns: BTreeMap::new(),
        }
    }
}

impl CsvPolicy {
    /// Parses a policy file.
    pub fn from_toml(text: &str) -> Result<Self, RedactError> {
        toml::from_str(text).map_err(|e| RedactError::CsvPolicy(e.message().to_owned()))
    }

    fn for_column(&self, header: &str) -> ColumnPolicy {
        let wanted = header.trim().to_lowercase();
        self.columns
            .iter()
            .find(|(name, _)| name.trim().to_lowercase() == wanted)
            .map(|(_, p)| *p)
            .unwrap_or(self.default)
    }
}

/// A redacted CSV file and its log.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvRedacted {
    pub bytes: Vec<u8>,
    pub log: Vec<LogEntry>,
}

/// Redacts a CSV file whose first row is a header. The whole input is
/// checked before any output is returned: a malformed row (bad UTF-8, a
/// different number of fields) is an error naming the row.
pub fn redact(
    analyzer: &Analyzer,
    input: &[u8],
    policy: &CsvPolicy,
    operator: &Operator,
    table: &mut PseudonymTable,
) -> Result<CsvRedacted, RedactError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| RedactError::Csv(format!("header row: {e}")))?
        .clone();
    let policies: Vec<ColumnPolicy> = headers.iter().map(|h| policy.for_column(h)).collect();
    let mut writer = csv::Writer::from_writer(Vec::with_capacity(input.len()));
    let kept_headers = headers
        .iter()
        .zip(&policies)
        .filter(|(_, p)| **p != ColumnPolicy::Drop)
        .map(|(h, _)| h);
    writer
        .write_record(kept_headers)
        .map_err(|e| RedactError::Csv(e.to_string()))?;
    let mut log = Vec::new();
    for (index, record) in reader.records().enumerate() {
        // Row 1 is the header, so data rows start at 2, as a spreadsheet shows them.
        let row = index + 2;
        let record = record.map_err(|e| RedactError::Csv(format!("row {row}: {e}")))?;
        let mut out = Vec::with_capacity(record.len());
        for ((cell, header), policy) in record.iter().zip(headers.iter()).zip(&policies) {
            let location = format!("row {row}, column {header}");
            match policy {
                ColumnPolicy::Drop => {}
                ColumnPolicy::Keep => out.push(cell.to_owned()),
                ColumnPolicy::As(label) => {
                    if cell.trim().is_empty() || analyzer.protection(cell).is_some() {
                        out.push(cell.to_owned());
                    } else {
                        out.push(replacement(cell, *label, operator, table));
                        log.push(LogEntry {
                            label: *label,
                            start: 0,
                            end: cell.len(),
                            location,
                            digest: digest(cell),
                            score: 1.0,
                            evidence: Evidence::new("csv column policy")
                                .check(format!("column {header} is {label}")),
                            operator: operator.name().to_owned(),
                        });
                    }
                }
                ColumnPolicy::Redact => {
                    let found = analyzer.analyze(cell);
                    let redacted = redact_text(cell, &found, operator, table);
                    log.extend(redacted.log.into_iter().map(|mut e| {
                        e.location = location.clone();
                        e
                    }));
                    out.push(redacted.text);
                }
            }
        }
        writer
            .write_record(&out)
            .map_err(|e| RedactError::Csv(e.to_string()))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| RedactError::Csv(e.to_string()))?;
    Ok(CsvRedacted { bytes, log })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policies_parse_from_toml_and_reject_unknown_values() {
        let p = CsvPolicy::from_toml(
            "default = \"keep\"\n[columns]\nnotes = \"redact\"\nName = \"PERSON\"\nx = \"drop\"\n",
        )
        .unwrap();
        assert_eq!(p.default, ColumnPolicy::Keep);
        assert_eq!(p.for_column("NOTES"), ColumnPolicy::Redact);
        assert_eq!(p.for_column("name"), ColumnPolicy::As(Label::Person));
        assert_eq!(p.for_column("x"), ColumnPolicy::Drop);
        assert_eq!(p.for_column("other"), ColumnPolicy::Keep);
        assert!(CsvPolicy::from_toml("[columns]\nnotes = \"blur\"\n").is_err());
    }
}
