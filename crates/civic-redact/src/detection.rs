//! What a detector reports: a labelled span with its score and evidence.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::label::Label;

/// Why a span was reported: the pattern that matched, the check that
/// passed and the context word that supported it. This is the explanation
/// shown to a reviewer and written to the redaction log.
///
/// The texts are nearly always constants of this crate, so they are
/// borrowed rather than allocated for each of what can be millions of
/// detections.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Evidence {
    /// The name of the pattern that matched, e.g. `"nhs-number 3-3-4"`.
    pub pattern: Cow<'static, str>,
    /// The validation that passed, e.g. `"mod-11 passed"`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check: Option<Cow<'static, str>>,
    /// The context word that supported the find, e.g. `"nhs no"`, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub context: Option<Cow<'static, str>>,
}

impl Evidence {
    pub(crate) fn new(pattern: &'static str) -> Self {
        Evidence {
            pattern: Cow::Borrowed(pattern),
            check: None,
            context: None,
        }
    }

    pub(crate) fn check(mut self, check: impl Into<Cow<'static, str>>) -> Self {
        self.check = Some(check.into());
        self
    }

    pub(crate) fn context(mut self, context: Option<&'static str>) -> Self {
        self.context = context.map(Cow::Borrowed);
        self
    }
}

/// A span of personal data found in a text.
///
/// `start` and `end` are byte offsets into the UTF-8 text (so `&text[start..end]`
/// is the value); use [`char_offsets`] to convert them to Unicode code-point
/// offsets for interfaces that count characters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Detection {
    pub label: Label,
    pub start: usize,
    pub end: usize,
    /// Confidence in `0.0..=1.0`.
    pub score: f32,
    pub evidence: Evidence,
}

impl Detection {
    pub(crate) fn new(
        label: Label,
        start: usize,
        end: usize,
        score: f32,
        evidence: Evidence,
    ) -> Self {
        Detection {
            label,
            start,
            end,
            score,
            evidence,
        }
    }

    /// The detected value, or `""` if the offsets do not fit `text`.
    pub fn value<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.start..self.end).unwrap_or("")
    }
}

/// Converts byte offsets to Unicode code-point offsets, for every
/// detection at once (one pass over the text).
///
/// Offsets that do not fall on a character boundary are rounded down.
///
/// ```
/// use civic_redact::{char_offsets, Analyzer};
/// let text = "Café owner: jo@example.com";
/// let found = Analyzer::default().analyze(text);
/// assert_eq!(char_offsets(text, &found), vec![(12, 26)]);
/// ```
pub fn char_offsets(text: &str, detections: &[Detection]) -> Vec<(usize, usize)> {
    let mut wanted: Vec<usize> = detections.iter().flat_map(|d| [d.start, d.end]).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // `chars_at[k]` is the code-point offset of `wanted[k]`, found by binary
    // search: no hash map to build for a short text's few offsets.
    let mut chars_at = Vec::with_capacity(wanted.len());
    let mut next = wanted.iter().peekable();
    let boundaries = text
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()));
    for (chars, byte) in boundaries.enumerate() {
        while let Some(&&w) = next.peek() {
            if w > byte {
                break;
            }
            chars_at.push(if w == byte {
                chars
            } else {
                chars.saturating_sub(1)
            });
            next.next();
        }
        // Nothing to convert after the last offset wanted.
        if next.peek().is_none() {
            break;
        }
    }
    // Offsets past the end of the text (never from the analyzer) count as its end.
    let total = if chars_at.len() < wanted.len() {
        text.chars().count()
    } else {
        0
    };
    let lookup = |offset: usize| {
        wanted
            .binary_search(&offset)
            .ok()
            .and_then(|k| chars_at.get(k).copied())
            .unwrap_or(total)
    };
    detections
        .iter()
        .map(|d| (lookup(d.start), lookup(d.end)))
        .collect()
}
