//! The redaction use cases that work on files, without a server.

use std::io::Write as _;
use std::path::Path;

use civic_dataset::{Format, ReadOptions, Reader, RowProblem};
use civic_redact::{Analyzer, AnalyzerConfig, char_offsets};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::AppError;

/// Documents analysed together (in parallel) between progress reports.
const CHUNK: usize = 1024;

/// What `detect` did.
#[derive(Debug, Clone, Default)]
pub struct DetectSummary {
    /// Documents analysed.
    pub documents: u64,
    /// Spans found.
    pub spans: u64,
    /// Lines skipped, with their numbers.
    pub problems: Vec<RowProblem>,
}

fn io_err(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// The machine interface for evaluation: reads JSON Lines `{"id", "text"}`
/// and writes one line `{"id", "spans": [{"start", "end", "label", "score"}]}`
/// per document, offsets in Unicode code points. The output is written to a
/// temporary file and renamed into place only when complete.
pub fn detect_jsonl(
    input: &Path,
    output: &Path,
    config: AnalyzerConfig,
    options: DetectOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<DetectSummary, AppError> {
    if input == output {
        return Err(AppError::Invalid {
            field: "output",
            message: "the output must not be the input file; Civic never overwrites its inputs"
                .into(),
        });
    }
    if !options.overwrite && output.exists() {
        return Err(AppError::Invalid {
            field: "output",
            message: format!(
                "{} exists; pass --overwrite to replace it",
                output.display()
            ),
        });
    }
    let mut reader = Reader::open(
        input,
        &ReadOptions::new()
            .format(Format::JsonLines)
            .strict(options.strict),
    )?;
    reader.require_columns(&["id", "text"])?;
    let analyzer = Analyzer::new(config);
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io_err(dir, e))?;
    let mut summary = DetectSummary::default();
    let mut batch: Vec<(Value, String)> = Vec::with_capacity(CHUNK);
    loop {
        batch.clear();
        for record in reader.by_ref().take(CHUNK) {
            let record = record?;
            let id = record
                .get("id")
                .map(|c| c.to_value())
                .unwrap_or(Value::Null);
            let text = record
                .get_str("text")
                .map(|t| t.into_owned())
                .unwrap_or_default();
            batch.push((id, text));
        }
        if batch.is_empty() {
            break;
        }
        let lines: Vec<(String, u64)> = batch
            .par_iter()
            .map(|(id, text)| {
                let found = analyzer.analyze(text);
                let spans: Vec<Value> = found
                    .iter()
                    .zip(char_offsets(text, &found))
                    .map(|(d, (start, end))| json!({"start": start, "end": end, "label": d.label.as_str(), "score": d.score}))
                    .collect();
                (json!({"id": id, "spans": spans}).to_string(), found.len() as u64)
            })
            .collect();
        for (line, n) in lines {
            writeln!(tmp, "{line}").map_err(|e| io_err(output, e))?;
            summary.spans += n;
        }
        summary.documents += batch.len() as u64;
        progress(summary.documents);
    }
    summary.problems = reader.problems().to_vec();
    tmp.as_file().sync_all().map_err(|e| io_err(output, e))?;
    let persisted = if options.overwrite {
        tmp.persist(output).map(|_| ())
    } else {
        tmp.persist_noclobber(output).map(|_| ())
    };
    persisted.map_err(|e| io_err(output, e.error))?;
    Ok(summary)
}

/// How `detect` treats bad input and existing outputs.
#[derive(Debug, Clone, Copy, Default)]
pub struct DetectOptions {
    /// Stop at the first malformed line instead of skipping and reporting it.
    pub strict: bool,
    /// Replace an existing output file.
    pub overwrite: bool,
}

/// Parses `--labels L1,L2` into an analyzer configuration (all default labels when empty).
pub fn analyzer_config(labels: Option<&str>) -> Result<AnalyzerConfig, AppError> {
    let mut config = AnalyzerConfig::default();
    if let Some(list) = labels {
        let mut chosen = std::collections::BTreeSet::new();
        for name in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let label = name
                .parse::<civic_redact::Label>()
                .map_err(|_| AppError::Invalid {
                    field: "labels",
                    message: format!(
                        "{name:?} is not a label; use any of {}",
                        civic_redact::Label::ALL
                            .iter()
                            .map(|l| l.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                })?;
            chosen.insert(label);
        }
        config.labels = chosen;
    }
    Ok(config)
}
