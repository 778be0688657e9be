//! Redaction with a person in the loop, as the API serves it: a preview of
//! the suggested spans, then the final redaction of a text (following the
//! reviewer's accepted and added spans when given), or of an uploaded
//! document. Each final redaction is one decision in the ledger.

use std::borrow::Cow;

use civic_core::{Decision, KeyId};
use civic_redact::formats::csv::CsvPolicy;
use civic_redact::{
    Detection, Evidence, KeepReason, Label, PseudonymTable, char_offsets, redact_text,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::document::{RedactedDocument, file_type, redact_document};
use super::{Content, LogTally, RedactOptions, Redaction, RedactionFacts};
use crate::{App, AppError};

/// The longest text accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 1_000_000;

/// The most spans a reviewer may send.
pub const MAX_SPANS: usize = 100_000;

/// A span as a reviewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
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
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
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

/// Runs CPU-bound redaction work off the async workers.
async fn blocking<T: Send + 'static>(
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
        caller: KeyId,
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
            input: Content::of(text.as_bytes()),
            output: Content::of(redacted.text.as_bytes()),
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
        caller: KeyId,
    ) -> Result<(Decision, RedactedDocument), AppError> {
        crate::check_reference(reference.as_deref())?;
        if bytes.is_empty() {
            return Err(AppError::Unprocessable {
                field: "file",
                message: "the uploaded file is empty".into(),
            });
        }
        let policy = match csv_policy {
            Some(text) => CsvPolicy::from_toml(&text).map_err(|source| AppError::Redact {
                file: "csv_policy".into(),
                source,
            })?,
            None => CsvPolicy::default(),
        };
        let redaction: Redaction = self.redaction(options)?;
        let (bytes, doc, operator) = blocking(move || {
            let kind = file_type(&name, &bytes)?;
            let doc = redact_document(
                &name,
                kind,
                &bytes,
                &redaction,
                &policy,
                &mut PseudonymTable::new(),
            )?;
            Ok((bytes, doc, redaction.operator.name()))
        })
        .await?;
        let tally = LogTally::of(&doc.log);
        let facts = RedactionFacts {
            input: Content::of(&bytes),
            output: Content::of(&doc.bytes),
            file_type: doc.file_type.as_str(),
            operator,
            tally: &tally,
            extra: json!({
                "attachments_removed": doc.attachments.len(),
                "removed": doc.removed,
                "decoding": doc.decoding,
            }),
        };
        let decision = self.record_redaction(facts, caller, reference).await?;
        Ok((decision, doc))
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
        match suggested
            .iter()
            .find(|d| d.start == start && d.end == end && d.label == c.label)
        {
            Some(d) => {
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
