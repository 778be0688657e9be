//! One document, whatever its format: its type told from its content and
//! its name ([`file_type`]), its text decoded ([`decode_text`]; a stream
//! with [`scan`] and [`Decoder`]), and the matching format of
//! [`formats`](crate::formats) run over it ([`redact_document_to`], the one
//! entry to every format, and [`redact_document`] for a document held in
//! memory). What it reads and writes are the caller's `Read` and `Write`:
//! a file, or bytes in memory.
//!
//! ```
//! use civic_redact::document::{FileType, Redaction, file_type, redact_document};
//! use civic_redact::formats::csv::CsvPolicy;
//! use civic_redact::{Analyzer, Operator, PseudonymTable};
//!
//! let bytes = b"Email jo@example.com today.";
//! let kind = file_type("note.txt", bytes).unwrap();
//! let redaction = Redaction::new(Analyzer::default(), Operator::Label);
//! let doc = redact_document(
//!     kind,
//!     bytes,
//!     &redaction,
//!     &CsvPolicy::default(),
//!     &mut PseudonymTable::new(),
//! )
//! .unwrap();
//! assert_eq!(doc.bytes, b"Email [EMAIL] today.");
//! assert_eq!(doc.input.bytes, bytes.len() as u64);
//! ```

mod decode;
mod digest;
mod file_type;

use std::collections::BTreeMap;
use std::io::{Cursor, Read, Seek, Write};

pub use decode::{Decoder, Decoding, decode_text, decode_utf8, decode_utf8_lossy, scan};
pub use digest::ContentDigest;
pub use file_type::{FileType, file_type};

use crate::analyzer::Analyzer;
use crate::error::RedactError;
use crate::formats::csv::CsvPolicy;
use crate::formats::eml::RemovedAttachment;
use crate::formats::{csv, docx, eml, text};
use crate::label::Label;
use crate::operator::{LogEntry, Operator, PseudonymTable};

/// What to find in a document and what to replace it with.
#[derive(Debug)]
pub struct Redaction {
    /// The detectors, with the labels and keep list.
    pub analyzer: Analyzer,
    /// What each find is replaced with.
    pub operator: Operator,
    /// The most XML of a Word document's text parts that is rewritten; a
    /// document holding more is refused (see
    /// [`docx::redact_stream`](crate::formats::docx::redact_stream)).
    pub docx_text_xml: u64,
}

impl Redaction {
    /// A redaction with `analyzer` and `operator`, and no limit on a Word
    /// document's text beyond the package's own
    /// ([`UNLIMITED_TEXT_XML`](crate::formats::docx::UNLIMITED_TEXT_XML)).
    pub fn new(analyzer: Analyzer, operator: Operator) -> Self {
        Redaction {
            analyzer,
            operator,
            docx_text_xml: docx::UNLIMITED_TEXT_XML,
        }
    }
}

/// A document redacted in memory, and everything its log needs.
#[derive(Debug, Clone)]
pub struct RedactedDocument {
    /// The type it was redacted as.
    pub file_type: FileType,
    /// The digest and size of the document redacted.
    pub input: ContentDigest,
    /// The redacted file.
    pub bytes: Vec<u8>,
    /// One entry per redaction (digests of the values, not the values).
    pub log: Vec<LogEntry>,
    /// E-mail attachments left out of the output.
    pub attachments: Vec<RemovedAttachment>,
    /// Word content removed besides the personal data (comments, tracked
    /// changes, hidden text, properties), with counts.
    pub removed: BTreeMap<String, usize>,
    /// How a text that was not valid UTF-8 was read.
    pub decoding: Option<Decoding>,
}

impl RedactedDocument {
    /// Redactions per label.
    pub fn counts(&self) -> BTreeMap<Label, u64> {
        let mut counts = BTreeMap::new();
        for e in &self.log {
            *counts.entry(e.label).or_default() += 1;
        }
        counts
    }
}

/// What a document's redaction tells besides its output and its log.
#[derive(Debug, Clone)]
pub struct DocumentFacts {
    /// The digest and size of the document redacted.
    pub input: ContentDigest,
    /// How a text that was not valid UTF-8 was read.
    pub decoding: Option<Decoding>,
    /// E-mail attachments left out of the output.
    pub attachments: Vec<RemovedAttachment>,
    /// Word content removed besides the personal data, with counts.
    pub removed: BTreeMap<String, usize>,
}

impl DocumentFacts {
    fn of(input: ContentDigest) -> Self {
        DocumentFacts {
            input,
            decoding: None,
            attachments: Vec::new(),
            removed: BTreeMap::new(),
        }
    }
}

/// Redacts one document of type `file_type` held in memory. This collects
/// [`redact_document_to`].
pub fn redact_document(
    file_type: FileType,
    bytes: &[u8],
    redaction: &Redaction,
    csv_policy: &CsvPolicy,
    table: &mut PseudonymTable,
) -> Result<RedactedDocument, RedactError> {
    let mut out = Cursor::new(Vec::with_capacity(bytes.len()));
    let mut log = Vec::new();
    let facts = redact_document_to(
        file_type,
        Cursor::new(bytes),
        redaction,
        csv_policy,
        table,
        &mut out,
        |entry| {
            log.push(entry);
            Ok(())
        },
    )?;
    Ok(RedactedDocument {
        file_type,
        input: facts.input,
        bytes: out.into_inner(),
        log,
        attachments: facts.attachments,
        removed: facts.removed,
        decoding: facts.decoding,
    })
}

/// Redacts one document of type `file_type`, read from `input`, into
/// `output`, handing each log entry to `on_entry` as it is made, so that
/// neither the document, nor the redacted file, nor its log need be held
/// whole:
///
/// - text and CSV in two passes over the input: first decide how to decode
///   it ([`scan`], exactly as [`decode_text`] would for the whole input)
///   and digest it; then decode it as it is read and redact it as it goes,
///   text in pieces of [`text::PIECE`] bytes cut at paragraph breaks
///   ([`text::redact_stream`]), CSV a row at a time
///   ([`csv::redact_stream`]);
/// - Word digested, then redacted a part, and within the text parts a
///   stretch of paragraphs, at a time ([`docx::redact_stream`]);
/// - e-mail read whole (MIME needs the whole message; the caller bounds
///   its size), its body written a piece at a time ([`eml::redact_to`]).
///
/// Each piece the analyzer is asked about is one passage of a review, in
/// the same order on every run over the same bytes, whether they come from
/// memory or from a file. On an error, what was written to `output` must
/// be discarded.
pub fn redact_document_to<R: Read + Seek, W: Write + Seek>(
    file_type: FileType,
    mut input: R,
    redaction: &Redaction,
    csv_policy: &CsvPolicy,
    table: &mut PseudonymTable,
    mut output: W,
    on_entry: impl FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<DocumentFacts, RedactError> {
    let (analyzer, operator) = (&redaction.analyzer, &redaction.operator);
    let read_failed = |e: std::io::Error| RedactError::Io(e.to_string());
    match file_type {
        FileType::Text | FileType::Csv => {
            let (digest, decoding) = scan(&mut input).map_err(read_failed)?;
            input.rewind().map_err(read_failed)?;
            let decoded = Decoder::new(&mut input, decoding.as_ref());
            if file_type == FileType::Text {
                text::redact_stream(analyzer, decoded, &mut output, operator, table, on_entry)?;
            } else {
                csv::redact_stream(
                    analyzer,
                    decoded,
                    &mut output,
                    csv_policy,
                    operator,
                    table,
                    on_entry,
                )?;
            }
            Ok(DocumentFacts {
                decoding,
                ..DocumentFacts::of(digest)
            })
        }
        FileType::Eml => {
            let mut bytes = Vec::new();
            input.read_to_end(&mut bytes).map_err(read_failed)?;
            let attachments =
                eml::redact_to(analyzer, &bytes, &mut output, operator, table, on_entry)?;
            Ok(DocumentFacts {
                attachments,
                ..DocumentFacts::of(ContentDigest::of(&bytes))
            })
        }
        FileType::Docx => {
            let digest = ContentDigest::of_reader(&mut input).map_err(read_failed)?;
            input.rewind().map_err(read_failed)?;
            let removed = docx::redact_stream(
                analyzer,
                &mut input,
                &mut output,
                operator,
                table,
                redaction.docx_text_xml,
                on_entry,
            )?;
            Ok(DocumentFacts {
                removed: removed.into_iter().collect(),
                ..DocumentFacts::of(digest)
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_legacy_text_is_decoded_and_redacted_in_pieces_as_its_whole_text_would_be() {
        let para = "Ring Sarah Jones on 020 7946 0958 or write to jo@example.com.\n\n";
        // Windows-1252 text, long enough to be analysed in several pieces.
        let mut latin = para.repeat(20_000).into_bytes();
        latin.extend_from_slice(b"Caf\xe9 \xa35\n");
        let redaction = Redaction::new(Analyzer::default(), Operator::Pseudonym);
        let whole = redact_document(
            FileType::Text,
            &latin,
            &redaction,
            &CsvPolicy::default(),
            &mut PseudonymTable::new(),
        )
        .unwrap();
        assert_eq!(whole.decoding, Some(Decoding::Windows1252));
        assert_eq!(whole.input, ContentDigest::of(&latin));
        let (want, _) = decode_text(&latin);
        let found = redaction.analyzer.analyze_in_pieces(&want, text::PIECE);
        let at_once = crate::redact_text(
            &want,
            &found,
            &redaction.operator,
            &mut PseudonymTable::new(),
        );
        assert_eq!(String::from_utf8(whole.bytes).unwrap(), at_once.text);
        assert_eq!(whole.log, at_once.log);
        assert!(whole.log.len() >= 40_000, "{}", whole.log.len());
    }
}
