//! The redaction use cases: the JSON Lines detection interface, the batch
//! redaction of files ([`files`]), and the text and document redactions the
//! API serves ([`review`]). Each redacted file or text is recorded in the
//! ledger as one decision holding digests and counts, never personal data.

pub mod drafts;
pub mod files;
pub mod review;
pub mod stream;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write as _;
use std::path::Path;

use civic_core::{
    Decision, DecisionStatus, Digest, ModelRef, NewDecision, Principal, QueueFacts, Service,
};
use civic_dataset::{Format, ReadOptions, Reader, RowProblem};
use civic_redact::document::{ContentDigest, Redaction};
use civic_redact::formats::text::PIECE;
use civic_redact::{
    Analyzer, AnalyzerConfig, Label, Operator, OperatorKind, RedactError, char_offsets,
};
use rayon::prelude::*;
use serde_json::{Value, json};

use crate::{App, AppError};

/// The service name redaction decisions are recorded under.
pub const SERVICE: &str = "redact";

/// The "model" redaction decisions name: the detector library and its version.
pub const MODEL: &str = "civic-redact";

/// The most values a keep list may hold, and the longest value: a Subject
/// Access Request's requester has a few names, addresses and numbers, and
/// the list is matched against every find, so a longer one is only work
/// (10,000 values of 500 characters took 5 s and 550 MB a request).
pub const MAX_KEEP_VALUES: usize = 1_000;
const MAX_KEEP_CHARS: usize = 200;

/// Documents analysed together (in parallel) between progress reports.
const CHUNK: usize = 1024;

/// The most text analysed together: a batch is cut short when its texts
/// reach this many bytes, so that a file of long documents does not hold
/// a thousand of them at once.
const CHUNK_BYTES: usize = 8 << 20;

/// The longest line `detect` reads unless changed. A line is read and
/// parsed whole (about three times its size); its text is analysed a
/// [`PIECE`] at a time
/// ([`Analyzer::analyze_in_pieces`](civic_redact::Analyzer::analyze_in_pieces)).
pub const MAX_LINE_BYTES: u64 = 8 << 20;

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

pub(crate) fn io_err(path: &Path, e: impl std::fmt::Display) -> AppError {
    AppError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// The error for a file (or a field) that could not be redacted, naming it.
pub(crate) fn redact_failed(file: &str) -> impl Fn(RedactError) -> AppError + '_ {
    move |source| AppError::Redact {
        file: file.to_owned(),
        source,
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
    if !options.overwrite && output.exists() && !civic_dataset::output::is_special(output) {
        return Err(AppError::Invalid {
            field: "output",
            message: format!(
                "{} exists; pass --overwrite to replace it",
                output.display()
            ),
        });
    }
    let file = std::fs::File::open(input).map_err(|e| io_err(input, e))?;
    let too_long = |e| line_too_long(input, e);
    let mut reader = Reader::from_reader(
        LineCap::new(file, options.max_line_bytes),
        input,
        Format::JsonLines,
        &ReadOptions::new().strict(options.strict),
    )
    .map_err(too_long)?;
    reader.require_columns(&["id", "text"])?;
    let analyzer = Analyzer::new(config);
    let dir = civic_dataset::output::temp_dir_for(output);
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| io_err(&dir, e))?;
    let mut summary = DetectSummary::default();
    let mut batch: Vec<(Value, String)> = Vec::with_capacity(CHUNK);
    loop {
        batch.clear();
        let mut batch_bytes = 0;
        for record in reader.by_ref() {
            let record = record.map_err(too_long)?;
            let id = record
                .get("id")
                .map(|c| c.to_value())
                .unwrap_or(Value::Null);
            let text = record
                .get_str("text")
                .map(|t| t.into_owned())
                .unwrap_or_default();
            batch_bytes += text.len();
            batch.push((id, text));
            if batch.len() == CHUNK || batch_bytes >= CHUNK_BYTES {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let lines: Vec<(String, u64)> = batch
            .par_iter()
            .map(|(id, text)| {
                // A long document in pieces, as a long file is, so that
                // the analysis's working memory stays bounded.
                let found = analyzer.analyze_in_pieces(text, PIECE);
                let spans: Vec<SpanLine> = found
                    .iter()
                    .zip(char_offsets(text, &found))
                    .map(|(d, (start, end))| SpanLine {
                        end,
                        label: d.label.as_str(),
                        score: f64::from(d.score),
                        start,
                    })
                    .collect();
                let line = serde_json::to_string(&DetectLine { id, spans: &spans })
                    .map_err(|e| AppError::Internal(format!("writing a detect line: {e}")))?;
                Ok((line, found.len() as u64))
            })
            .collect::<Result<_, AppError>>()?;
        for (line, n) in lines {
            writeln!(tmp, "{line}").map_err(|e| io_err(output, e))?;
            summary.spans += n;
        }
        summary.documents += batch.len() as u64;
        progress(summary.documents);
    }
    summary.problems = reader.problems().to_vec();
    persist(tmp, output, options.overwrite)?;
    Ok(summary)
}

/// One output line of `detect`. Spans are plain structs rather than JSON
/// values (a `serde_json::Value` per span cost about 500 bytes, 100 MB for a
/// long document); the fields are in the order a JSON object's keys sort
/// in, and the score is widened to `f64` as `json!` widens it, so the
/// output is the same byte for byte.
#[derive(serde::Serialize)]
struct DetectLine<'a> {
    id: &'a Value,
    spans: &'a [SpanLine],
}

#[derive(serde::Serialize)]
struct SpanLine {
    end: usize,
    label: &'static str,
    score: f64,
    start: usize,
}

/// Moves a finished temporary file into place: flushed to disk first, and
/// refused if `output` exists unless `overwrite`. The rename is atomic, so a
/// reader sees the whole file or none.
pub(crate) fn persist(
    tmp: tempfile::NamedTempFile,
    output: &Path,
    overwrite: bool,
) -> Result<(), AppError> {
    tmp.as_file().sync_all().map_err(|e| io_err(output, e))?;
    civic_dataset::output::persist(tmp, output, overwrite).map_err(|e| io_err(output, e))
}

/// Writes `bytes` to `output` atomically (a temporary file in the same
/// directory, renamed into place), creating the directory if needed; a
/// special output (`-`, a device, a FIFO, a link) is written into in place
/// (see [`civic_dataset::output`]).
pub(crate) fn write_atomic(output: &Path, bytes: &[u8], overwrite: bool) -> Result<(), AppError> {
    let dir = civic_dataset::output::temp_dir_for(output);
    std::fs::create_dir_all(&dir).map_err(|e| io_err(&dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| io_err(&dir, e))?;
    tmp.write_all(bytes).map_err(|e| io_err(output, e))?;
    persist(tmp, output, overwrite)
}

/// How `detect` treats bad input and existing outputs.
#[derive(Debug, Clone, Copy)]
pub struct DetectOptions {
    /// Stop at the first malformed line instead of skipping and reporting it.
    pub strict: bool,
    /// Replace an existing output file.
    pub overwrite: bool,
    /// A line longer than this many bytes stops the run with an error
    /// naming it, so that memory stays bounded ([`MAX_LINE_BYTES`] by default).
    pub max_line_bytes: u64,
}

impl Default for DetectOptions {
    fn default() -> Self {
        DetectOptions {
            strict: false,
            overwrite: false,
            max_line_bytes: MAX_LINE_BYTES,
        }
    }
}

/// A line longer than `detect` allows.
#[derive(Debug, thiserror::Error)]
#[error(
    "line {line} is longer than {max} bytes, the limit for one document; raise it with --max-line-bytes"
)]
struct LineTooLong {
    line: u64,
    max: u64,
}

/// A dataset error, or, when reading stopped at a line that is too long,
/// an error naming the file and the line.
fn line_too_long(input: &Path, e: civic_dataset::Error) -> AppError {
    let too_long = match &e {
        civic_dataset::Error::Io { source, .. } => source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<LineTooLong>()),
        _ => None,
    };
    match too_long {
        Some(t) => AppError::TooLarge {
            field: "a JSON line",
            message: format!("{}: {t}", input.display()),
        },
        None => e.into(),
    }
}

/// A reader that fails as soon as a line runs past `max` bytes, naming the
/// line, so that reading a line never holds more than that.
struct LineCap<R> {
    inner: R,
    max: u64,
    /// The number of the line being read (from 1).
    line: u64,
    /// Its length so far.
    run: u64,
}

impl<R> LineCap<R> {
    fn new(inner: R, max: u64) -> Self {
        LineCap {
            inner,
            max,
            line: 1,
            run: 0,
        }
    }
}

impl<R: std::io::Read> std::io::Read for LineCap<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        for &b in &buf[..n] {
            if b == b'\n' {
                self.line += 1;
                self.run = 0;
                continue;
            }
            self.run += 1;
            if self.run > self.max {
                return Err(std::io::Error::other(LineTooLong {
                    line: self.line,
                    max: self.max,
                }));
            }
        }
        Ok(n)
    }
}

/// The analyzer configuration for the chosen labels (all but ORGANISATION
/// when `None`).
pub fn analyzer_config(labels: Option<&BTreeSet<Label>>) -> AnalyzerConfig {
    let mut config = AnalyzerConfig::default();
    if let Some(chosen) = labels {
        config.labels = chosen.clone();
    }
    config
}

/// The labels named in `names` (`PERSON`, `NHS_NUMBER`…; blank names are
/// skipped), as every edge parses them: the API's list, the command line's
/// comma-separated value, a stored draft's options.
pub fn parse_labels<'a>(
    names: impl IntoIterator<Item = &'a str>,
) -> Result<BTreeSet<Label>, AppError> {
    let mut chosen = BTreeSet::new();
    for name in names.into_iter().map(str::trim).filter(|s| !s.is_empty()) {
        let label = name.parse::<Label>().map_err(|_| AppError::Invalid {
            field: "labels",
            message: format!(
                "{name:?} is not a label; use any of {}",
                Label::ALL
                    .iter()
                    .map(|l| l.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })?;
        chosen.insert(label);
    }
    Ok(chosen)
}

/// The operator named `name` (`label`, `mask`, `remove`, `pseudonym` or
/// `hash`, whatever its case), as every edge parses it: the API's options,
/// the command line's `--operator`, the web form, a stored draft's options.
pub fn parse_operator(name: &str) -> Result<OperatorKind, AppError> {
    name.parse().map_err(|e: RedactError| AppError::Invalid {
        field: "operator",
        message: e.to_string(),
    })
}

/// The most XML of a Word document's text parts that is redacted for an
/// upload when the server accepts bodies of `body_limit` bytes: as much as
/// the body limit. Measured on a release build (`scripts/bench/request_bounds.py`),
/// redacting such XML dense with personal data costs about 0.21 s of CPU
/// per MiB, and a text about 0.23 s per MiB, so the largest Word upload
/// costs about what the largest text upload does (2–2.5 s for 10 MiB),
/// where the 512 MiB a package may unzip to would take minutes.
pub fn upload_text_xml(body_limit: usize) -> u64 {
    body_limit as u64
}

/// The choices a caller makes, as given at the edge.
#[derive(Debug, Clone, Default)]
pub struct RedactOptions {
    /// What replaces each find; `label` when `None` (names are parsed at
    /// the edge, with [`parse_operator`]).
    pub operator: Option<OperatorKind>,
    /// The labels to look for; all but ORGANISATION when `None` (names
    /// are parsed at the edge, with [`parse_labels`]).
    pub labels: Option<BTreeSet<Label>>,
    /// Values never redacted (a Subject Access Request's requester).
    pub keep: Vec<String>,
}

impl App {
    /// Builds the [`Redaction`] that `options` choose: an analyzer for the
    /// chosen labels and keep list, the operator, and the limit on a Word
    /// document's text for an upload ([`upload_text_xml`]; the command line
    /// lifts it). The `hash` operator uses this deployment's secret key
    /// (created in the data directory on first use).
    pub fn redaction(&self, options: &RedactOptions) -> Result<Redaction, AppError> {
        let mut config = analyzer_config(options.labels.as_ref());
        if options.keep.len() > MAX_KEEP_VALUES {
            return Err(AppError::TooLarge {
                field: "keep",
                message: format!(
                    "{} values; the limit is {MAX_KEEP_VALUES}",
                    options.keep.len()
                ),
            });
        }
        if let Some(long) = options
            .keep
            .iter()
            .position(|v| v.chars().count() > MAX_KEEP_CHARS)
        {
            return Err(AppError::Invalid {
                field: "keep",
                message: format!(
                    "value {} is longer than {MAX_KEEP_CHARS} characters",
                    long + 1
                ),
            });
        }
        config.keep = options.keep.clone();
        let kind = options.operator.unwrap_or_default();
        let key = match kind {
            OperatorKind::Hash => Some(crate::setup::load_or_create_hash_key(self.config())?),
            _ => None,
        };
        let operator = Operator::new(kind, key).map_err(|e| AppError::Invalid {
            field: "operator",
            message: e.to_string(),
        })?;
        Ok(Redaction {
            analyzer: Analyzer::new(config),
            operator,
            docx_text_xml: upload_text_xml(self.config().body_limit),
        })
    }

    /// Records one redaction in the ledger: the input's digest, the counts
    /// per label, the operator, the file type and the output's digest. No
    /// value that was found, and not the input, is recorded.
    pub(crate) async fn record_redaction(
        &self,
        facts: RedactionFacts<'_>,
        caller: Principal,
        reference: Option<String>,
    ) -> Result<Decision, AppError> {
        let new = facts.decision(caller, reference)?;
        Ok(self.writer().record_decision(new).await?)
    }
}

/// Counts over a redaction log: spans, spans per label, and which checks
/// and patterns produced them. Built entry by entry, so a streamed file's
/// log need not be held in memory.
#[derive(Debug, Clone, Default)]
pub(crate) struct LogTally {
    spans: u64,
    counts: BTreeMap<Label, u64>,
    evidence: BTreeMap<String, u64>,
}

impl LogTally {
    /// The tally of a whole log.
    pub fn of(log: &[civic_redact::LogEntry]) -> Self {
        let mut tally = LogTally::default();
        for e in log {
            tally.add(e);
        }
        tally
    }

    /// Counts one more entry.
    pub fn add(&mut self, e: &civic_redact::LogEntry) {
        self.spans += 1;
        *self.counts.entry(e.label).or_default() += 1;
        let how = match &e.evidence.check {
            Some(check) => format!("{} {} ({check})", e.label, e.evidence.pattern),
            None => format!("{} {}", e.label, e.evidence.pattern),
        };
        *self.evidence.entry(how).or_default() += 1;
    }

    /// How many redactions.
    pub fn spans(&self) -> u64 {
        self.spans
    }

    /// Redactions per label.
    pub fn counts(&self) -> &BTreeMap<Label, u64> {
        &self.counts
    }
}

/// What the ledger records about one redaction.
#[derive(Debug, Clone)]
pub(crate) struct RedactionFacts<'a> {
    pub input: ContentDigest,
    pub output: ContentDigest,
    pub file_type: &'a str,
    pub operator: &'a str,
    pub tally: &'a LogTally,
    /// Service-specific extras (review counts, removed attachments…), all
    /// free of personal data.
    pub extra: Value,
}

impl RedactionFacts<'_> {
    fn decision(
        &self,
        caller: Principal,
        reference: Option<String>,
    ) -> Result<NewDecision, AppError> {
        let mut output = json!({
            "file_type": self.file_type,
            "operator": self.operator,
            "spans": self.tally.spans,
            "counts": self.tally.counts,
            "output_sha256": self.output.to_hex(),
            "input_bytes": self.input.bytes,
            "output_bytes": self.output.bytes,
        });
        if let (Some(out), Value::Object(extra)) = (output.as_object_mut(), &self.extra) {
            out.extend(extra.clone());
        }
        // The explanation: which checks and patterns produced the finds, counted.
        let evidence = &self.tally.evidence;
        Ok(NewDecision {
            service: Service::parse(SERVICE)?,
            model: ModelRef {
                name: MODEL.to_owned(),
                version: env!("CARGO_PKG_VERSION").to_owned(),
            },
            input_digest: Digest(self.input.sha256),
            // Never the input: it is personal data by definition.
            input: None,
            output,
            explanation: json!({ "evidence": evidence }),
            confidence: None,
            status: DecisionStatus::Auto,
            // Neither a team nor urgency: the queue shows the service.
            queue: QueueFacts::default(),
            requested_by: caller,
            reference,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_parsed_once_at_the_edge_and_an_unknown_one_is_named() {
        let chosen = parse_labels(" PERSON ,,NHS_NUMBER".split(',')).expect("labels");
        assert_eq!(
            chosen.into_iter().collect::<Vec<_>>(),
            [Label::Person, Label::NhsNumber]
        );
        match parse_labels(["PERSON", "SOCIAL"]) {
            Err(AppError::Invalid { field, message }) => {
                assert_eq!(field, "labels");
                assert!(message.contains("\"SOCIAL\" is not a label"), "{message}");
            }
            other => panic!("expected a refusal, got {other:?}"),
        }
        let config = analyzer_config(Some(&BTreeSet::from([Label::Email])));
        assert_eq!(config.labels, BTreeSet::from([Label::Email]));
    }

    #[test]
    fn operators_are_parsed_once_at_the_edge_and_an_unknown_one_is_named() {
        assert_eq!(
            parse_operator(" Pseudonym ").ok(),
            Some(OperatorKind::Pseudonym)
        );
        let e = parse_operator("blur").expect_err("an unknown operator");
        assert!(
            matches!(
                e,
                AppError::Invalid {
                    field: "operator",
                    ..
                }
            ),
            "{e:?}"
        );
        assert_eq!(
            e.to_string(),
            "invalid operator: unknown operator \"blur\": use one of label, mask, remove, pseudonym, hash"
        );
    }
}
