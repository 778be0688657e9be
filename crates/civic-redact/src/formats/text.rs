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

/// Redacts a long text held in memory, analysing it in pieces of about
/// `piece` bytes cut at paragraph breaks (as
/// [`Analyzer::analyze_stream`] does), so that the analysis's working
/// memory is bounded by the piece, not the text. A text no longer than
/// `piece` is analysed whole. Log offsets are positions in the whole text.
pub fn redact_in_pieces(
    analyzer: &Analyzer,
    text: &str,
    operator: &Operator,
    table: &mut PseudonymTable,
    piece: usize,
) -> Redacted {
    let mut out = Redacted {
        text: String::with_capacity(text.len()),
        log: Vec::new(),
    };
    let collected = redact_each_piece(analyzer, text, operator, table, piece, |redacted| {
        out.text.push_str(&redacted.text);
        out.log.extend(redacted.log);
        Ok(())
    });
    debug_assert!(collected.is_ok(), "collecting in memory cannot fail");
    out
}

/// [`redact_in_pieces`] a piece at a time: each redacted piece (its log's
/// offsets already positions in the whole text) is handed to `each` as
/// soon as it is done, so that the caller can write it out instead of
/// holding the whole redacted text and log. Stops at the first error
/// `each` returns.
pub fn redact_each_piece(
    analyzer: &Analyzer,
    text: &str,
    operator: &Operator,
    table: &mut PseudonymTable,
    piece: usize,
    mut each: impl FnMut(Redacted) -> Result<(), RedactError>,
) -> Result<(), RedactError> {
    if text.len() <= piece {
        return each(redact(analyzer, text, operator, table));
    }
    for chunk in analyzer.analyze_stream(text.as_bytes(), piece) {
        // Reading from a `&str` cannot fail, and its pieces are cut on
        // character boundaries, so every piece is valid UTF-8.
        let Ok(chunk) = chunk else { break };
        let mut redacted = redact_text(&chunk.text, &chunk.detections, operator, table);
        for e in &mut redacted.log {
            e.start += chunk.offset;
            e.end += chunk.offset;
        }
        each(redacted)?;
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_redacted_in_pieces_has_whole_text_offsets_and_loses_nothing() {
        let para = "Ring Sarah Jones on 020 7946 0958 or write to jo@example.com.\n\n";
        let text = para.repeat(200);
        let analyzer = Analyzer::default();
        let whole = redact(
            &analyzer,
            &text,
            &Operator::Label,
            &mut PseudonymTable::new(),
        );
        let pieces = redact_in_pieces(
            &analyzer,
            &text,
            &Operator::Label,
            &mut PseudonymTable::new(),
            1024,
        );
        assert_eq!(pieces.text, whole.text);
        assert_eq!(pieces.log, whole.log);
        for e in &pieces.log {
            assert!(e.end <= text.len());
        }
    }
}
