//! Redaction with a person in the loop, as the API and the web page serve
//! it: a preview of the suggested spans, then the final redaction of a text
//! or of an uploaded document, following the reviewer's accepted and added
//! spans when given. Each final redaction is one decision in the ledger.
//!
//! A document is reviewed passage by passage: a passage is one piece of
//! text the format asks the detectors about (a piece of about a megabyte of
//! a plain text, cut at a paragraph break; a Word paragraph, a header, a
//! CSV cell). [`preview_document`] hands on the passages and their
//! suggestions as the format reads them; [`App::redact_upload_reviewed`]
//! redacts the same bytes again with the reviewer's spans in place of the
//! suggestions, through [`civic_redact::Review`], so every format applies a
//! review the way it applies detections: truly, in the file's own format.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{Cursor, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use civic_core::{Decision, Principal};
use civic_redact::formats::csv::CsvPolicy;
use civic_redact::{
    Detection, Evidence, KeepReason, Label, PseudonymTable, Review, char_offsets, redact_text,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use civic_redact::document::{
    ContentDigest, Decoding, FileType, RedactedDocument, Redaction, file_type, redact_document,
    redact_document_to,
};

use super::stream::{Streamed, redact_file_stream};
use super::{LogTally, RedactOptions, RedactionFacts, redact_failed};
use crate::{App, AppError};

/// The longest text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1_000_000;

/// The most spans a reviewer may send with a text (the API).
pub const MAX_SPANS: usize = 100_000;

/// A span as a reviewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Span {
    /// Start, in Unicode code points.
    pub start: usize,
    /// End (exclusive), in Unicode code points.
    pub end: usize,
    /// Start, in UTF-8 bytes.
    pub byte_start: usize,
    /// End (exclusive), in UTF-8 bytes.
    pub byte_end: usize,
    /// What it is.
    pub label: Label,
    /// Confidence in `0..=1`.
    pub score: f32,
    /// The pattern, check and context word that produced it.
    pub evidence: Evidence,
    /// Why it is not redacted, for spans the keep list protected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kept: Option<KeepReason>,
}

fn spans(text: &str, found: &[Detection], kept: Option<&[KeepReason]>) -> Vec<Span> {
    char_offsets(text, found)
        .into_iter()
        .zip(found)
        .enumerate()
        .map(|(i, ((start, end), d))| Span {
            start,
            end,
            byte_start: d.start,
            byte_end: d.end,
            label: d.label,
            score: d.score,
            evidence: d.evidence.clone(),
            kept: kept.and_then(|k| k.get(i).copied()),
        })
        .collect()
}

/// The suggested spans of a text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    /// What would be redacted.
    pub spans: Vec<Span>,
    /// What was found but is protected by the keep list.
    pub kept: Vec<Span>,
}

/// A span a reviewer chose to redact: a suggestion accepted, or one added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub struct ChosenSpan {
    /// Start, in Unicode code points.
    pub start: usize,
    /// End (exclusive), in Unicode code points.
    pub end: usize,
    /// What it is.
    pub label: Label,
}

/// How the final redaction compares with the suggestions.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReviewCounts {
    /// Suggestions the reviewer kept.
    pub accepted: usize,
    /// Spans the reviewer added.
    pub added: usize,
    /// Suggestions the reviewer left out.
    pub rejected: usize,
}

/// A redacted text.
#[derive(Debug, Clone)]
pub struct TextRedacted {
    /// The ledger record.
    pub decision: Decision,
    /// The redacted text.
    pub text: String,
    /// The operator's name.
    pub operator: &'static str,
    /// The spans redacted, offsets in the original text.
    pub spans: Vec<Span>,
    /// Present when the reviewer's spans were applied.
    pub review: Option<ReviewCounts>,
}

fn check_text(text: &str) -> Result<(), AppError> {
    crate::check_text(
        text,
        MAX_TEXT_CHARS,
        "the text is empty; send the text to redact",
    )
}

/// Runs CPU-bound redaction work (or file work) off the async workers.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| AppError::Internal(format!("redaction task: {e}")))?
}

impl App {
    /// The spans that would be redacted in `text`, with their evidence, and
    /// those the keep list protects. Nothing is recorded: a preview
    /// releases nothing; the final redaction is the decision.
    pub async fn preview_redaction(
        &self,
        text: String,
        options: &RedactOptions,
    ) -> Result<Preview, AppError> {
        check_text(&text)?;
        let redaction = self.redaction(options)?;
        blocking(move || {
            let analysis = redaction.analyzer.analyze_with_kept(&text);
            let (kept, reasons): (Vec<Detection>, Vec<KeepReason>) =
                analysis.kept.into_iter().unzip();
            Ok(Preview {
                spans: spans(&text, &analysis.detections, None),
                kept: spans(&text, &kept, Some(&reasons)),
            })
        })
        .await
    }

    /// Redacts `text` and records the decision. Without `chosen`, every
    /// suggestion is redacted; with it, exactly the reviewer's spans are
    /// (offsets in code points, as the preview gave them), and the decision
    /// records how many suggestions were accepted, added and rejected.
    pub async fn redact_text(
        &self,
        text: String,
        options: &RedactOptions,
        chosen: Option<Vec<ChosenSpan>>,
        reference: Option<String>,
        caller: Principal,
    ) -> Result<TextRedacted, AppError> {
        check_text(&text)?;
        crate::check_reference(reference.as_deref())?;
        if chosen.as_ref().is_some_and(|c| c.len() > MAX_SPANS) {
            return Err(AppError::TooLarge {
                field: "spans",
                message: format!("more than {MAX_SPANS} spans"),
            });
        }
        let redaction = self.redaction(options)?;
        let (text, redacted, found, review) = blocking(move || {
            let suggested = redaction.analyzer.analyze(&text);
            let (found, review) = match chosen {
                None => (suggested, None),
                Some(chosen) => {
                    let (found, counts) = apply_review(&text, &suggested, &chosen)?;
                    (found, Some(counts))
                }
            };
            let redacted = redact_text(
                &text,
                &found,
                &redaction.operator,
                &mut PseudonymTable::new(),
            );
            Ok((text, (redacted, redaction.operator.name()), found, review))
        })
        .await?;
        let (redacted, operator) = redacted;
        let tally = LogTally::of(&redacted.log);
        let facts = RedactionFacts {
            input: ContentDigest::of(text.as_bytes()),
            output: ContentDigest::of(redacted.text.as_bytes()),
            file_type: "text",
            operator,
            tally: &tally,
            extra: json!({ "review": review }),
        };
        let decision = self.record_redaction(facts, caller, reference).await?;
        Ok(TextRedacted {
            decision,
            spans: spans(&text, &found, None),
            text: redacted.text,
            operator,
            review,
        })
    }

    /// Redacts an uploaded document (`name` gives its extension; its
    /// content must agree) and records the decision.
    pub async fn redact_upload(
        &self,
        name: String,
        bytes: Vec<u8>,
        options: &RedactOptions,
        csv_policy: Option<String>,
        reference: Option<String>,
        caller: Principal,
    ) -> Result<(Decision, RedactedDocument), AppError> {
        let upload = Upload {
            name,
            bytes,
            csv_policy,
        };
        let (decision, doc, _) = self
            .upload(upload, options, None, reference, caller)
            .await?;
        Ok((decision, doc))
    }

    /// Redacts an uploaded document with exactly the reviewer's spans (one
    /// list per passage of [`preview_document`] for the same bytes and
    /// options) and records the decision, with how many suggestions were
    /// accepted, added and rejected. Spans that overlap, are empty or fall
    /// outside their passage are refused.
    #[allow(clippy::too_many_arguments)]
    pub async fn redact_upload_reviewed(
        &self,
        name: String,
        bytes: Vec<u8>,
        options: &RedactOptions,
        csv_policy: Option<String>,
        review: DocumentReview,
        reference: Option<String>,
        caller: Principal,
    ) -> Result<(Decision, RedactedDocument, ReviewCounts), AppError> {
        // No count limit here, unlike a text's spans from the API: the
        // spans are not overlapping and not empty, so a document cannot
        // take more of them than it has characters, and a draft's may
        // rightly be more than `MAX_SPANS` (a long document dense with
        // personal data, every suggestion accepted).
        let upload = Upload {
            name,
            bytes,
            csv_policy,
        };
        let (decision, doc, counts) = self
            .upload(upload, options, Some(review), reference, caller)
            .await?;
        Ok((decision, doc, counts.unwrap_or_default()))
    }

    /// Redacts an upload, following `review` when given, and records it.
    async fn upload(
        &self,
        upload: Upload,
        options: &RedactOptions,
        review: Option<DocumentReview>,
        reference: Option<String>,
        caller: Principal,
    ) -> Result<(Decision, RedactedDocument, Option<ReviewCounts>), AppError> {
        crate::check_reference(reference.as_deref())?;
        check_upload(&upload.bytes)?;
        let policy = csv_policy_of(upload.csv_policy)?;
        let redaction: Redaction = self.redaction(options)?;
        let Upload { name, bytes, .. } = upload;
        let (doc, operator, counts) = blocking(move || {
            let operator = redaction.operator.name();
            let (doc, counts) = redact_reviewed(&name, &bytes, redaction, &policy, review)?;
            Ok((doc, operator, counts))
        })
        .await?;
        let tally = LogTally::of(&doc.log);
        let facts = RedactionFacts {
            input: doc.input,
            output: ContentDigest::of(&doc.bytes),
            file_type: doc.file_type.as_str(),
            operator,
            tally: &tally,
            extra: json!({
                "attachments_removed": doc.attachments.len(),
                "removed": doc.removed,
                "decoding": doc.decoding,
                "review": counts,
            }),
        };
        let decision = self.record_redaction(facts, caller, reference).await?;
        Ok((decision, doc, counts))
    }
}

/// What a preview tells of a document besides its passages.
#[derive(Debug, Clone)]
pub(crate) struct PreviewFacts {
    /// The type it will be redacted as.
    pub file_type: FileType,
    /// How a text that was not valid UTF-8 was read.
    pub decoding: Option<Decoding>,
}

/// Runs the format over an uploaded document once and hands each passage,
/// with the spans suggested in it, to `each` (with `state`) in the order
/// the format reads them. The redacted output and its log are thrown away
/// as they are made, so that memory does not grow with the document: only
/// `state` keeps anything. After `each`'s first error it is called no more,
/// and that error is returned once the format has finished.
pub(crate) fn preview_document<S, F>(
    name: &str,
    bytes: &[u8],
    mut redaction: Redaction,
    policy: &CsvPolicy,
    state: S,
    each: F,
) -> Result<(PreviewFacts, S), AppError>
where
    S: Send + 'static,
    F: Fn(&mut S, &str, Vec<Span>) -> Result<(), AppError> + Send + Sync + 'static,
{
    check_upload(bytes)?;
    let kind = file_type(name, bytes).map_err(redact_failed(name))?;
    let recorder = Arc::new(Recorder {
        state: Mutex::new((state, None)),
        each,
    });
    redaction.analyzer = redaction.analyzer.with_review(recorder.clone());
    let facts = redact_document_to(
        kind,
        Cursor::new(bytes),
        &redaction,
        policy,
        &mut PseudonymTable::new(),
        Discard::default(),
        |_| Ok(()),
    );
    // The analyzer holds the other reference to the recorder.
    drop(redaction);
    let facts = facts.map_err(redact_failed(name))?;
    let (state, error) = Arc::into_inner(recorder)
        .ok_or_else(|| AppError::Internal("a preview's recorder is still in use".into()))?
        .state
        .into_inner()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(e) = error {
        return Err(e);
    }
    Ok((
        PreviewFacts {
            file_type: kind,
            decoding: facts.decoding,
        },
        state,
    ))
}

/// Output that is thrown away: written and sought over (the zip writer
/// seeks back to finish each entry), never kept.
#[derive(Debug, Default)]
struct Discard {
    at: u64,
    len: u64,
}

impl Write for Discard {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.at += bytes.len() as u64;
        self.len = self.len.max(self.at);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Seek for Discard {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let (base, delta) = match to {
            SeekFrom::Start(at) => (at, 0),
            SeekFrom::End(delta) => (self.len, delta),
            SeekFrom::Current(delta) => (self.at, delta),
        };
        self.at = base.checked_add_signed(delta).ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "a seek before the start")
        })?;
        Ok(self.at)
    }
}

impl DocumentPreview {
    /// Every passage of an uploaded document and the spans suggested in
    /// each, held in memory (a draft lays them out in pages as they come
    /// instead: see [`preview_document`]).
    pub fn of(
        name: &str,
        bytes: &[u8],
        redaction: Redaction,
        policy: &CsvPolicy,
    ) -> Result<Self, AppError> {
        let (facts, passages) = preview_document(
            name,
            bytes,
            redaction,
            policy,
            Vec::new(),
            |passages: &mut Vec<Passage>, text, spans| {
                passages.push(Passage {
                    text: text.to_owned(),
                    spans,
                });
                Ok(())
            },
        )?;
        Ok(DocumentPreview {
            file_type: facts.file_type,
            passages,
            decoding: facts.decoding,
        })
    }
}

/// Redacts a document, with the reviewer's spans in place of the
/// suggestions when `review` is given.
fn redact_reviewed(
    name: &str,
    bytes: &[u8],
    redaction: Redaction,
    policy: &CsvPolicy,
    review: Option<DocumentReview>,
) -> Result<(RedactedDocument, Option<ReviewCounts>), AppError> {
    let chooser = review.map(|r| Arc::new(Chooser::new(r)));
    let as_review = chooser.clone().map(|c| c as Arc<dyn Review>);
    let doc = run_format(name, bytes, redaction, policy, as_review)?;
    let counts = chooser.map(|c| c.finish()).transpose()?;
    Ok((doc, counts))
}

/// Redacts a document in its format, with `review` (if any) between the
/// detectors and the redaction.
fn run_format(
    name: &str,
    bytes: &[u8],
    mut redaction: Redaction,
    policy: &CsvPolicy,
    review: Option<Arc<dyn Review>>,
) -> Result<RedactedDocument, AppError> {
    let kind = file_type(name, bytes).map_err(redact_failed(name))?;
    if let Some(r) = review {
        redaction.analyzer = redaction.analyzer.with_review(r);
    }
    redact_document(kind, bytes, &redaction, policy, &mut PseudonymTable::new())
        .map_err(redact_failed(name))
}

/// Redacts the file at `input`, of type `kind`, with exactly the reviewer's
/// spans, as a stream into a temporary file in `out_dir` (see
/// [`redact_file_stream`]): neither the document, nor its redacted copy,
/// nor its log (spilled to disk) is held in memory, however long and dense
/// with personal data it is. Only the review is.
pub(crate) fn redact_file_reviewed(
    input: &Path,
    kind: FileType,
    out_dir: &Path,
    mut redaction: Redaction,
    review: DocumentReview,
) -> Result<(Streamed, ReviewCounts), AppError> {
    let chooser = Arc::new(Chooser::new(review));
    redaction.analyzer = redaction.analyzer.with_review(chooser.clone());
    let streamed = redact_file_stream(
        input,
        kind,
        out_dir,
        &redaction,
        &CsvPolicy::default(),
        &mut PseudonymTable::new(),
    )?;
    let counts = chooser.finish()?;
    Ok((streamed, counts))
}

/// An uploaded file: its name (for its extension), its bytes, and the CSV
/// column policy as TOML text.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    csv_policy: Option<String>,
}

fn check_upload(bytes: &[u8]) -> Result<(), AppError> {
    if bytes.is_empty() {
        return Err(AppError::Unprocessable {
            field: "file",
            message: "the uploaded file is empty".into(),
        });
    }
    Ok(())
}

fn csv_policy_of(text: Option<String>) -> Result<CsvPolicy, AppError> {
    match text {
        Some(text) => CsvPolicy::from_toml(&text).map_err(redact_failed("csv_policy")),
        None => Ok(CsvPolicy::default()),
    }
}

/// One piece of a document's text as the detectors saw it, with the spans
/// suggested in it (offsets within the passage).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Passage {
    /// The text.
    pub text: String,
    /// What would be redacted.
    pub spans: Vec<Span>,
}

/// The suggestions for an uploaded document, passage by passage.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DocumentPreview {
    /// The type it will be redacted as.
    pub file_type: FileType,
    /// Every passage, in the order the format reads them.
    pub passages: Vec<Passage>,
    /// How a text that was not valid UTF-8 was read.
    pub decoding: Option<Decoding>,
}

impl DocumentPreview {
    /// Every occurrence of `value` in the passages, as `(passage, start,
    /// end)` with offsets in code points; letters match whatever their
    /// (ASCII) case, so "smith" finds "Smith". For a reviewer adding a span
    /// the detectors missed: the same value is redacted wherever it is.
    pub fn occurrences(&self, value: &str) -> Vec<(usize, usize, usize)> {
        let mut finder = Occurrences::new(value, usize::MAX);
        for (p, passage) in self.passages.iter().enumerate() {
            finder.feed(p, 0, &passage.text);
        }
        finder.found
    }
}

/// Finds every occurrence of a value in passages read a piece at a time
/// (as a draft's pages hold them), matching as
/// [`DocumentPreview::occurrences`] does over whole passages: an occurrence
/// that runs over the cut between two pieces of a passage is found once.
#[derive(Debug)]
pub struct Occurrences {
    /// The value, trimmed and in ASCII lower case.
    needle: String,
    needle_chars: usize,
    /// The passage being read and where its carried tail starts.
    at: Option<(usize, usize)>,
    /// The end of the piece before, shorter than the value, that an
    /// occurrence may start in.
    carry: String,
    found: Vec<(usize, usize, usize)>,
    count: usize,
    keep: usize,
}

impl Occurrences {
    /// A search for `value` keeping at most `keep` occurrences (all are
    /// counted).
    pub fn new(value: &str, keep: usize) -> Self {
        let needle = value.trim().to_ascii_lowercase();
        Occurrences {
            needle_chars: needle.chars().count(),
            needle,
            at: None,
            carry: String::new(),
            found: Vec::new(),
            count: 0,
            keep,
        }
    }

    /// Reads `text`, the piece of passage `passage` that starts at code
    /// point `start`; pieces of a passage come in order, without gaps.
    pub fn feed(&mut self, passage: usize, start: usize, text: &str) {
        if self.needle.is_empty() {
            return;
        }
        let hay_start = match self.at {
            Some((p, carry_start)) if p == passage => carry_start,
            _ => {
                self.carry.clear();
                start
            }
        };
        let mut hay = std::mem::take(&mut self.carry);
        hay.push_str(text);
        // ASCII lowering keeps every byte offset, so offsets found in the
        // lowered text are offsets in the passage. Code points are counted
        // from the previous match on, not from the start for each match
        // (which was quadratic for a common word in a long passage).
        let lower = hay.to_ascii_lowercase();
        let (mut byte_at, mut char_at) = (0, 0);
        let mut last_end = 0;
        for (byte, _) in lower.match_indices(&self.needle) {
            char_at += hay[byte_at..byte].chars().count();
            byte_at = byte;
            last_end = char_at + self.needle_chars;
            self.count += 1;
            if self.found.len() < self.keep {
                self.found
                    .push((passage, hay_start + char_at, hay_start + last_end));
            }
        }
        // The tail an occurrence running into the next piece may start in:
        // shorter than the value, and after the last occurrence (they never
        // overlap).
        let hay_chars = char_at + hay[byte_at..].chars().count();
        let from = hay_chars
            .saturating_sub(self.needle_chars.saturating_sub(1))
            .max(last_end);
        let from_byte = hay.char_indices().nth(from).map_or(hay.len(), |(b, _)| b);
        self.carry = hay.split_off(from_byte);
        self.at = Some((passage, hay_start + from));
    }

    /// How many occurrences were found.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The occurrences kept, as `(passage, start, end)` in code points.
    pub fn into_found(self) -> Vec<(usize, usize, usize)> {
        self.found
    }
}

/// A reviewer's choice for a document: for each passage of its preview,
/// in order, the spans to redact (offsets within the passage).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentReview {
    /// One list per passage.
    pub passages: Vec<Vec<ChosenSpan>>,
}

/// Hands every passage and its suggestions to `each`, changing nothing;
/// keeps the first error.
struct Recorder<S, F> {
    state: Mutex<(S, Option<AppError>)>,
    each: F,
}

impl<S, F> std::fmt::Debug for Recorder<S, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder").finish_non_exhaustive()
    }
}

impl<S, F> Review for Recorder<S, F>
where
    S: Send,
    F: Fn(&mut S, &str, Vec<Span>) -> Result<(), AppError> + Send + Sync,
{
    fn review(&self, text: &str, found: Vec<Detection>) -> Vec<Detection> {
        let mut guard = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let (state, error) = &mut *guard;
        if error.is_none()
            && let Err(e) = (self.each)(state, text, spans(text, &found, None))
        {
            *error = Some(e);
        }
        found
    }
}

/// Replaces each passage's suggestions with the reviewer's spans.
#[derive(Debug)]
struct Chooser {
    review: DocumentReview,
    progress: Mutex<Progress>,
}

#[derive(Debug, Default)]
struct Progress {
    /// The next passage.
    next: usize,
    counts: ReviewCounts,
    /// The first problem; the output is then discarded.
    error: Option<String>,
}

impl Chooser {
    fn new(review: DocumentReview) -> Self {
        Chooser {
            review,
            progress: Mutex::new(Progress::default()),
        }
    }

    /// The counts, or why the review did not fit the document.
    fn finish(&self) -> Result<ReviewCounts, AppError> {
        let p = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
        let invalid = |message| AppError::Invalid {
            field: "spans",
            message,
        };
        if let Some(e) = &p.error {
            return Err(invalid(e.clone()));
        }
        if p.next != self.review.passages.len() {
            return Err(invalid(format!(
                "the review has {} passages but the document has {}; preview the document again",
                self.review.passages.len(),
                p.next
            )));
        }
        Ok(p.counts)
    }
}

impl Review for Chooser {
    fn review(&self, text: &str, found: Vec<Detection>) -> Vec<Detection> {
        let mut p = self.progress.lock().unwrap_or_else(PoisonError::into_inner);
        let i = p.next;
        p.next += 1;
        if p.error.is_some() {
            return Vec::new();
        }
        let chosen = self.review.passages.get(i).map_or(&[][..], Vec::as_slice);
        match apply_review(text, &found, chosen) {
            Ok((chosen, counts)) => {
                p.counts.accepted += counts.accepted;
                p.counts.added += counts.added;
                p.counts.rejected += counts.rejected;
                chosen
            }
            Err(e) => {
                p.error = Some(format!("passage {i}: {e}"));
                Vec::new()
            }
        }
    }
}

/// The detections to apply for a reviewer's choice: each accepted
/// suggestion keeps its evidence; each added span is marked as the
/// reviewer's. Spans must lie within the text and not overlap.
fn apply_review(
    text: &str,
    suggested: &[Detection],
    chosen: &[ChosenSpan],
) -> Result<(Vec<Detection>, ReviewCounts), AppError> {
    // Byte offset of every code point, and of the end.
    let bytes: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect();
    let chars = bytes.len() - 1;
    // Each suggestion by where it is and what it is, so that a review of
    // many spans is linear, not a search of every suggestion per span.
    let mut by_place: HashMap<(usize, usize, Label), &Detection> =
        HashMap::with_capacity(suggested.len());
    for d in suggested {
        by_place.entry((d.start, d.end, d.label)).or_insert(d);
    }
    let mut order: Vec<usize> = (0..chosen.len()).collect();
    order.sort_by_key(|&i| (chosen[i].start, chosen[i].end));
    let mut found = Vec::with_capacity(chosen.len());
    let mut counts = ReviewCounts::default();
    let mut previous: Option<usize> = None;
    for i in order {
        let c = chosen[i];
        if c.start >= c.end || c.end > chars {
            return Err(AppError::Invalid {
                field: "spans",
                message: format!(
                    "spans[{i}] ({}..{}) is empty or outside the text of {chars} characters",
                    c.start, c.end
                ),
            });
        }
        if let Some(p) = previous
            && chosen[p].end > c.start
        {
            return Err(AppError::Invalid {
                field: "spans",
                message: format!("spans[{i}] overlaps spans[{p}]; send non-overlapping spans"),
            });
        }
        previous = Some(i);
        let (start, end) = (bytes[c.start], bytes[c.end]);
        match by_place.get(&(start, end, c.label)) {
            Some(&d) => {
                counts.accepted += 1;
                found.push(d.clone());
            }
            None => {
                counts.added += 1;
                found.push(Detection {
                    label: c.label,
                    start,
                    end,
                    score: 1.0,
                    evidence: Evidence {
                        pattern: Cow::Borrowed("reviewer"),
                        check: Some(Cow::Borrowed("added by a reviewer")),
                        context: None,
                    },
                });
            }
        }
    }
    counts.rejected = suggested.len() - counts.accepted;
    Ok((found, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use civic_redact::Analyzer;

    #[test]
    fn a_review_keeps_accepted_evidence_marks_additions_and_counts_rejections() {
        let text = "Café: email jo@example.com, call 020 7946 0000.";
        let suggested = Analyzer::default().analyze(text);
        assert!(suggested.len() >= 2, "{suggested:?}");
        let offsets = char_offsets(text, &suggested);
        // "Café" is not a suggestion (ORGANISATION is off by default): an addition.
        let chosen = [
            ChosenSpan {
                start: offsets[0].0,
                end: offsets[0].1,
                label: suggested[0].label,
            },
            ChosenSpan {
                start: 0,
                end: 4,
                label: Label::Organisation,
            },
        ];
        let (found, counts) = apply_review(text, &suggested, &chosen).unwrap();
        assert_eq!(
            counts,
            ReviewCounts {
                accepted: 1,
                added: 1,
                rejected: suggested.len() - 1
            }
        );
        assert_eq!(found[1], suggested[0]);
        assert_eq!(found[0].value(text), "Café");
        assert_eq!(found[0].evidence.pattern, "reviewer");
    }

    #[test]
    fn a_review_of_more_spans_than_the_api_takes_matches_each_suggestion() {
        // A draft of a long document may accept more suggestions than a
        // text's API request may send; each must still find its own
        // suggestion (by place and label), and labels must agree.
        let n = MAX_SPANS + 5;
        let text = "Zoë ".repeat(n);
        let suggested: Vec<Detection> = (0..n)
            .map(|i| Detection {
                label: Label::Person,
                start: i * 5,
                end: i * 5 + 4,
                score: 0.5,
                evidence: Evidence {
                    pattern: Cow::Borrowed("test"),
                    check: None,
                    context: None,
                },
            })
            .collect();
        let mut chosen: Vec<ChosenSpan> = (0..n)
            .map(|i| ChosenSpan {
                start: i * 4,
                end: i * 4 + 3,
                label: Label::Person,
            })
            .collect();
        // The last one with another label is an addition, and its
        // suggestion is rejected.
        chosen[n - 1].label = Label::Organisation;
        let (found, counts) = apply_review(&text, &suggested, &chosen).unwrap();
        assert_eq!(
            counts,
            ReviewCounts {
                accepted: n - 1,
                added: 1,
                rejected: 1
            }
        );
        assert_eq!(found[0], suggested[0]);
        assert_eq!(found[n - 2], suggested[n - 2]);
        assert_eq!(found[n - 1].evidence.pattern, "reviewer");
    }

    #[test]
    fn occurrences_are_in_code_points_whatever_comes_before_them() {
        let preview = DocumentPreview {
            file_type: FileType::Text,
            decoding: None,
            passages: vec![
                Passage {
                    text: "Zoë met Zoë; ZOË and zoë 😀 Zoë".to_owned(),
                    spans: Vec::new(),
                },
                Passage {
                    text: "no one here".to_owned(),
                    spans: Vec::new(),
                },
            ],
        };
        // ASCII letters match whatever their case; "ë" must match exactly.
        assert_eq!(
            preview.occurrences("zoë"),
            vec![(0, 0, 3), (0, 8, 11), (0, 21, 24), (0, 27, 30)]
        );
        assert!(preview.occurrences("   ").is_empty());
        assert_eq!(preview.occurrences("one"), vec![(1, 3, 6)]);
    }

    #[test]
    fn occurrences_over_a_cut_between_pieces_are_found_once() {
        let text = "Ann Lee met ann lee; ANN LEE left. Zoë Ann Lee";
        let whole = {
            let mut f = Occurrences::new("ann lee", usize::MAX);
            f.feed(0, 0, text);
            f.into_found()
        };
        assert_eq!(whole.len(), 4);
        // Every way of cutting the passage in two or three finds the same.
        let chars: Vec<char> = text.chars().collect();
        for a in 0..=chars.len() {
            for b in a..=chars.len() {
                let mut f = Occurrences::new("ann lee", usize::MAX);
                f.feed(0, 0, &chars[..a].iter().collect::<String>());
                f.feed(0, a, &chars[a..b].iter().collect::<String>());
                f.feed(0, b, &chars[b..].iter().collect::<String>());
                assert_eq!(f.count(), 4, "cut at {a} and {b}");
                assert_eq!(f.into_found(), whole, "cut at {a} and {b}");
            }
        }
        // A new passage starts afresh; only `keep` are kept, all counted.
        let mut f = Occurrences::new("ann", 1);
        f.feed(0, 0, "an");
        f.feed(1, 0, "n ann");
        assert_eq!(f.count(), 1);
        assert_eq!(f.into_found(), vec![(1, 2, 5)]);
    }

    fn label_redaction() -> Redaction {
        Redaction::new(Analyzer::default(), civic_redact::Operator::Label)
    }

    #[test]
    fn a_document_review_replays_the_passages_with_the_reviewers_spans() {
        let csv = "name,phone,note\nMr John Smith,020 7946 0000,Ravenscroft case\n";
        let policy = CsvPolicy::default();
        let preview =
            DocumentPreview::of("a.csv", csv.as_bytes(), label_redaction(), &policy).unwrap();
        assert_eq!(preview.file_type, FileType::Csv);
        assert!(preview.passages.len() >= 3, "{preview:?}");
        let suggested: usize = preview.passages.iter().map(|p| p.spans.len()).sum();
        assert!(suggested >= 2, "{preview:?}");
        let missed = preview.occurrences("ravenscroft");
        assert_eq!(missed.len(), 1, "found whatever its case: {preview:?}");
        // Keep the phone number; add the missed name.
        let mut review = DocumentReview::default();
        for (p, passage) in preview.passages.iter().enumerate() {
            let mut chosen: Vec<ChosenSpan> = passage
                .spans
                .iter()
                .filter(|s| s.label != Label::Phone)
                .map(|s| ChosenSpan {
                    start: s.start,
                    end: s.end,
                    label: s.label,
                })
                .collect();
            chosen.extend(
                missed
                    .iter()
                    .filter(|m| m.0 == p)
                    .map(|&(_, start, end)| ChosenSpan {
                        start,
                        end,
                        label: Label::Person,
                    }),
            );
            review.passages.push(chosen);
        }
        let (doc, counts) = redact_reviewed(
            "a.csv",
            csv.as_bytes(),
            label_redaction(),
            &policy,
            Some(review.clone()),
        )
        .unwrap();
        let out = String::from_utf8(doc.bytes).unwrap();
        assert!(
            !out.contains("John Smith") && !out.contains("Ravenscroft"),
            "{out}"
        );
        assert!(out.contains("020 7946 0000"), "{out}");
        let counts = counts.unwrap();
        assert_eq!((counts.added, counts.rejected), (1, 1), "{counts:?}");
        assert_eq!(counts.accepted, suggested - 1);

        // A review that does not fit the document is refused, not applied.
        review.passages.pop();
        let e = redact_reviewed(
            "a.csv",
            csv.as_bytes(),
            label_redaction(),
            &policy,
            Some(review),
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("preview the document again"), "{e}");
    }

    #[test]
    fn review_spans_outside_the_text_or_overlapping_are_refused() {
        let text = "Call Ann on Monday.";
        let span = |start, end| ChosenSpan {
            start,
            end,
            label: Label::Person,
        };
        for (bad, want) in [
            (vec![span(5, 100)], "spans[0]"),
            (vec![span(3, 3)], "spans[0]"),
            (vec![span(5, 8), span(0, 6)], "spans[0] overlaps spans[1]"),
        ] {
            let e = apply_review(text, &[], &bad).unwrap_err().to_string();
            assert!(e.contains(want), "{e}");
        }
    }
}
