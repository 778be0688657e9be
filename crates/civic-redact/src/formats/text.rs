//! Plain text and Markdown.

use std::io::{Read, Write};

use crate::analyzer::Analyzer;
use crate::error::RedactError;
use crate::operator::{LogEntry, Operator, PseudonymTable, Redacted, redact_text};

/// The size of the pieces a text read as a stream is analysed in: with
/// the analysis's own working memory (about nine times the piece for text
/// dense with personal data) this keeps a text of any length to a few tens
/// of megabytes.
pub const PIECE: usize = 1 << 20;

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

/// Redacts a text read from `reader` a piece at a time: the text is cut
/// into pieces of about `piece` bytes at paragraph breaks (as
/// [`Analyzer::analyze_stream`] does; a text no longer than `piece` is one
/// piece, analysed whole), and each redacted piece, its log's offsets
/// already positions in the whole text, is handed to `each` as soon as it
/// is done. Neither the analysis nor the caller need hold more than a
/// piece. Stops at the first error from `reader` or `each`.
pub fn redact_each_piece(
    analyzer: &Analyzer,
    reader: impl Read,
    operator: &Operator,
    table: &mut PseudonymTable,
    piece: usize,
    mut each: impl FnMut(Redacted) -> Result<(), RedactError>,
) -> Result<(), RedactError> {
    for chunk in analyzer.analyze_stream(reader, piece) {
        let chunk = chunk?;
        let mut redacted = redact_text(&chunk.text, &chunk.detections, operator, table);
        for e in &mut redacted.log {
            e.start += chunk.offset;
            e.end += chunk.offset;
        }
        each(redacted)?;
    }
    Ok(())
}

/// Redacts a text read from `input` into `output` in pieces of [`PIECE`]
/// bytes (see [`redact_each_piece`]), handing each log entry, its offsets
/// in the whole text, to `on_entry`. On an error, what was written to
/// `output` must be discarded.
pub fn redact_stream<R: Read, W: Write>(
    analyzer: &Analyzer,
    input: R,
    mut output: W,
    operator: &Operator,
    table: &mut PseudonymTable,
    mut on_entry: impl FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<(), RedactError> {
    redact_each_piece(analyzer, input, operator, table, PIECE, |redacted| {
        output
            .write_all(redacted.text.as_bytes())
            .map_err(|e| RedactError::Io(format!("writing the output: {e}")))?;
        redacted.log.into_iter().try_for_each(&mut on_entry)
    })
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
        let mut pieces = Redacted {
            text: String::new(),
            log: Vec::new(),
        };
        let mut count = 0;
        redact_each_piece(
            &analyzer,
            text.as_bytes(),
            &Operator::Label,
            &mut PseudonymTable::new(),
            1024,
            |piece| {
                count += 1;
                pieces.text.push_str(&piece.text);
                pieces.log.extend(piece.log);
                Ok(())
            },
        )
        .unwrap();
        assert!(count > 1, "the text went in one piece");
        assert_eq!(pieces.text, whole.text);
        assert_eq!(pieces.log, whole.log);
        for e in &pieces.log {
            assert!(e.end <= text.len());
        }
    }
}
