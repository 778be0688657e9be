//! CSV with a policy per column: redact the personal data in a column's
//! cells, drop the column, keep it as it is, or treat every cell as one
//! label (a `name` column is all PERSON).

use std::collections::BTreeMap;
use std::io::{Read, Write};
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

/// Redacts a CSV file held in memory whose first row is a header; see
/// [`redact_stream`], which this collects.
pub fn redact(
    analyzer: &Analyzer,
    input: &[u8],
    policy: &CsvPolicy,
    operator: &Operator,
    table: &mut PseudonymTable,
) -> Result<CsvRedacted, RedactError> {
    let mut bytes = Vec::with_capacity(input.len());
    let mut log = Vec::new();
    redact_stream(analyzer, input, &mut bytes, policy, operator, table, |e| {
        log.push(e);
        Ok(())
    })?;
    Ok(CsvRedacted { bytes, log })
}

/// Redacts a CSV file whose first row is a header, a row at a time: rows
/// are read from `input`, redacted and written to `output`, and each log
/// entry is handed to `on_entry` as it is made, so memory does not grow
/// with the file. Pseudonyms come from `table`, so they are consistent
/// across rows. A malformed row (bad UTF-8, a different number of fields)
/// is an error naming the row and, where it applies, the field; what was
/// written to `output` before it must then be discarded by the caller.
pub fn redact_stream<R: Read, W: Write>(
    analyzer: &Analyzer,
    input: R,
    output: W,
    policy: &CsvPolicy,
    operator: &Operator,
    table: &mut PseudonymTable,
    mut on_entry: impl FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<(), RedactError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let headers = reader
        .headers()
        .map_err(|e| RedactError::Csv(format!("header row: {e}")))?
        .clone();
    let policies: Vec<ColumnPolicy> = headers.iter().map(|h| policy.for_column(h)).collect();
    let mut writer = csv::Writer::from_writer(output);
    let kept_headers = headers
        .iter()
        .zip(&policies)
        .filter(|(_, p)| **p != ColumnPolicy::Drop)
        .map(|(h, _)| h);
    writer
        .write_record(kept_headers)
        .map_err(|e| RedactError::Csv(e.to_string()))?;
    let mut record = csv::StringRecord::new();
    let mut out: Vec<String> = Vec::with_capacity(headers.len());
    // Row 1 is the header, so data rows start at 2, as a spreadsheet shows them.
    let mut row = 1;
    loop {
        row += 1;
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => return Err(RedactError::Csv(row_error(row, &e))),
        }
        out.clear();
        for ((cell, header), policy) in record.iter().zip(headers.iter()).zip(&policies) {
            let location = || format!("row {row}, column {header}");
            match policy {
                ColumnPolicy::Drop => {}
                ColumnPolicy::Keep => out.push(cell.to_owned()),
                ColumnPolicy::As(label) => {
                    if cell.trim().is_empty() || analyzer.protection(cell).is_some() {
                        out.push(cell.to_owned());
                    } else {
                        out.push(replacement(cell, *label, operator, table));
                        on_entry(LogEntry {
                            label: *label,
                            start: 0,
                            end: cell.len(),
                            location: location(),
                            digest: digest(cell),
                            score: 1.0,
                            evidence: Evidence::new("csv column policy")
                                .check(format!("column {header} is {label}")),
                            operator: operator.name().to_owned(),
                        })?;
                    }
                }
                ColumnPolicy::Redact => {
                    let found = analyzer.analyze(cell);
                    let redacted = redact_text(cell, &found, operator, table);
                    for mut e in redacted.log {
                        e.location = location();
                        on_entry(e)?;
                    }
                    out.push(redacted.text);
                }
            }
        }
        writer
            .write_record(&out)
            .map_err(|e| RedactError::Csv(format!("writing row {row}: {e}")))?;
    }
    writer
        .flush()
        .map_err(|e| RedactError::Csv(format!("writing: {e}")))?;
    Ok(())
}

/// What is wrong with row `row`, placed by its row and byte offset. The
/// `csv` crate's own line number is left out: it counts only `\n`, so it is
/// wrong after a lone `\r` (which ends a row) and after quoted line breaks.
fn row_error(row: u64, e: &csv::Error) -> String {
    let at = |pos: &Option<csv::Position>| {
        pos.as_ref().map_or_else(
            || format!("row {row}"),
            |p| format!("row {row} (byte {})", p.byte()),
        )
    };
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "{}: {len} fields, but the header has {expected_len}",
            at(pos)
        ),
        csv::ErrorKind::Utf8 { pos, err } => {
            format!("{}: field {} is not valid UTF-8", at(pos), err.field() + 1)
        }
        _ => format!("row {row}: {e}"),
    }
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

    /// A reader that hands out a few bytes per read, so that rows arrive in pieces.
    struct Trickle<'a>(&'a [u8]);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = 7.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    #[test]
    fn streamed_rows_keep_pseudonyms_consistent_and_log_every_entry() {
        let input = "name,notes,secret\n\
            Sarah Jones,\"Rang on 07700 900123 about Mr David Smith\",x\n\
            Sarah Jones,\"Mr David Smith wrote in\",y\n";
        let policy =
            CsvPolicy::from_toml("[columns]\nname = \"PERSON\"\nsecret = \"drop\"\n").unwrap();
        let analyzer = Analyzer::default();
        let mut table = PseudonymTable::new();
        let mut out = Vec::new();
        let mut log = Vec::new();
        redact_stream(
            &analyzer,
            Trickle(input.as_bytes()),
            &mut out,
            &policy,
            &Operator::Pseudonym,
            &mut table,
            |e| {
                log.push(e);
                Ok(())
            },
        )
        .unwrap();
        let out = String::from_utf8(out).unwrap();
        let rows: Vec<&str> = out.lines().collect();
        assert_eq!(rows[0], "name,notes");
        // The same person has the same pseudonym in every row and column.
        assert!(rows[1].starts_with("Person A,"), "{out}");
        assert!(rows[2].starts_with("Person A,"), "{out}");
        let david = rows[2]
            .split(',')
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap();
        assert!(rows[1].contains(david), "{out}");
        assert!(!out.contains("Sarah") && !out.contains("Smith") && !out.contains("07700"));
        assert!(log.iter().any(|e| e.location == "row 3, column name"));
        // The in-memory form is the same redaction.
        let whole = redact(
            &analyzer,
            input.as_bytes(),
            &policy,
            &Operator::Pseudonym,
            &mut PseudonymTable::new(),
        )
        .unwrap();
        assert_eq!(String::from_utf8(whole.bytes).unwrap(), out);
        assert_eq!(whole.log, log);
    }

    #[test]
    fn a_ragged_row_is_an_error_naming_its_row_and_byte() {
        let input = b"a,b\n1,2\n3,4,5\n";
        let e = redact(
            &Analyzer::default(),
            input,
            &CsvPolicy::default(),
            &Operator::Label,
            &mut PseudonymTable::new(),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("row 3 (byte 8)"), "{e}");
    }

    #[test]
    fn a_ragged_row_after_lone_carriage_returns_names_its_row() {
        let e = redact(
            &Analyzer::default(),
            b"a,b\r1,2\r3,4,5\r",
            &CsvPolicy::default(),
            &Operator::Label,
            &mut PseudonymTable::new(),
        )
        .unwrap_err()
        .to_string();
        // Row 3 starts at byte 8; the csv crate called it line 1.
        assert!(
            e.contains("row 3 (byte 8): 3 fields, but the header has 2"),
            "{e}"
        );
        assert!(!e.contains("line"), "{e}");
    }

    #[test]
    fn an_entry_the_caller_refuses_stops_the_redaction() {
        let e = redact_stream(
            &Analyzer::default(),
            &b"notes\njo@example.com\n"[..],
            Vec::new(),
            &CsvPolicy::default(),
            &Operator::Label,
            &mut PseudonymTable::new(),
            |_| Err(RedactError::Io("disk full".into())),
        )
        .unwrap_err();
        assert_eq!(e.code(), "redact.io");
    }
}
