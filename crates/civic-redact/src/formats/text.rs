//! Plain text and Markdown.

use crate::analyzer::Analyzer;
use crate::error::RedactError;
use crate::operator::{Operator, PseudonymTable, Redacted, redact_text};

/// Redacts a UTF-8 text (plain or Markdown: Markdown is text to the detectors).
pub fn redact(
    analyzer: &Analyzer,
    text: &str,
    operator: &Operator,
    table: &mut PseudonymTable,
) -> Redacted {
    let found = analyzer.analyze(text);
    redact_text(text, &found, operator, table)
}

/// Decodes bytes as UTF-8 strictly, naming the first bad byte.
pub fn decode_utf8(bytes: &[u8]) -> Result<&str, RedactError> {
    std::str::from_utf8(bytes).map_err(|e| RedactError::InvalidUtf8 {
        offset: e.valid_up_to(),
    })
}

/// Decodes bytes as UTF-8, replacing invalid sequences with U+FFFD, and
/// says how many were replaced so the caller can report it.
pub fn decode_utf8_lossy(bytes: &[u8]) -> (String, usize) {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let replaced = text.matches('\u{FFFD}').count() - bytes_contain_literal_replacement(bytes);
    (text, replaced)
}

fn bytes_contain_literal_replacement(bytes: &[u8]) -> usize {
    bytes
        .windows(3)
        .filter(|w| *w == [0xEF, 0xBF, 0xBD])
        .count()
}
