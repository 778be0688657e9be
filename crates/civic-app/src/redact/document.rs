//! One document, whatever its format: its type told from its content and
//! its name, its text decoded, and the matching `civic-redact` format run.
//! The CLI's batch command and the API's upload both come through here.

use std::collections::BTreeMap;
use std::io::{Cursor, Seek, Write};

use civic_redact::formats::csv::CsvPolicy;
use civic_redact::formats::eml::RemovedAttachment;
use civic_redact::{LogEntry, PseudonymTable, RedactError};
use serde::{Deserialize, Serialize};

use super::Redaction;
use crate::AppError;

/// The formats Civic redacts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FileType {
    /// Plain text or Markdown.
    Text,
    /// CSV with a header row.
    Csv,
    /// An RFC 5322 e-mail message (`.eml`).
    Eml,
    /// A Word document (`.docx`).
    Docx,
}

impl FileType {
    /// The type's name as logged and recorded (`text`, `csv`, `eml`, `docx`).
    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Text => "text",
            FileType::Csv => "csv",
            FileType::Eml => "eml",
            FileType::Docx => "docx",
        }
    }
}

/// What the bytes of a file are, judged from the content alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Content {
    Text,
    Email,
    Docx,
    /// Something Civic does not redact, named for the error message.
    Other(&'static str),
}

impl Content {
    fn describe(self) -> &'static str {
        match self {
            Content::Text => "plain text",
            Content::Email => "an e-mail message",
            Content::Docx => "a Word document (docx)",
            Content::Other(what) => what,
        }
    }
}

/// Magic numbers of formats that are not text, so that a mislabelled file
/// is named for what it is.
const SIGNATURES: &[(&[u8], &str)] = &[
    (
        b"%PDF-",
        "a PDF document (not supported: PDF is out of scope)",
    ),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "a legacy Office file (.doc/.xls; save it as .docx)",
    ),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{\\rtf", "an RTF document (save it as .docx)"),
];

fn sniff(bytes: &[u8]) -> Content {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // Zip entry names are stored uncompressed in the local headers.
        let is_word = bytes
            .windows(b"word/document.xml".len())
            .any(|w| w == b"word/document.xml");
        return if is_word {
            Content::Docx
        } else {
            Content::Other("a zip archive that is not a Word document")
        };
    }
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return Content::Other(what);
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Content::Other("binary data");
    }
    if looks_like_email(head) {
        Content::Email
    } else {
        Content::Text
    }
}

/// An RFC 5322 header block at the start: every line up to the first blank
/// one is a `Name: value` header or a folded continuation, and one of them
/// is a header every message has.
fn looks_like_email(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let mut lines = text.lines();
    let mut known = false;
    let mut any = false;
    for line in lines.by_ref().take(200) {
        if line.trim().is_empty() {
            return any && known;
        }
        if line.starts_with([' ', '\t']) && any {
            continue;
        }
        let Some((name, _)) = line.split_once(':') else {
            return false;
        };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic() && b != b':') {
            return false;
        }
        any = true;
        known |= matches!(
            name.to_ascii_lowercase().as_str(),
            "from" | "to" | "subject" | "date" | "message-id" | "received" | "return-path"
        );
    }
    false
}

/// The type to redact `name` as: its extension and its content must agree.
/// A file without an extension is taken for what its content is.
pub fn file_type(name: &str, bytes: &[u8]) -> Result<FileType, AppError> {
    let content = sniff(bytes);
    let ext = std::path::Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let mismatch = |says: &str| AppError::FileType {
        file: name.to_owned(),
        message: format!(
            "the extension says {says} but the content is {}; rename the file or convert it",
            content.describe()
        ),
    };
    match (ext.as_deref(), content) {
        (Some("docx"), Content::Docx) => Ok(FileType::Docx),
        (Some("docx"), _) => Err(mismatch("a Word document (docx)")),
        (Some("eml"), Content::Email) => Ok(FileType::Eml),
        (Some("eml"), _) => Err(mismatch("an e-mail message (eml)")),
        (Some("csv"), Content::Text | Content::Email) => Ok(FileType::Csv),
        (Some("csv"), _) => Err(mismatch("CSV text")),
        (Some("txt" | "text" | "md" | "markdown"), Content::Text | Content::Email) => {
            Ok(FileType::Text)
        }
        (Some("txt" | "text" | "md" | "markdown"), _) => Err(mismatch("plain text")),
        (None, Content::Text) => Ok(FileType::Text),
        (None, Content::Email) => Ok(FileType::Eml),
        (None, Content::Docx) => Ok(FileType::Docx),
        (Some(other), _) => Err(AppError::FileType {
            file: name.to_owned(),
            message: format!(
                "files of type .{other} ({}) are not supported; Civic redacts .txt, .md, .csv, .eml and .docx",
                content.describe()
            ),
        }),
        (None, other) => Err(AppError::FileType {
            file: name.to_owned(),
            message: format!(
                "the content is {}, which Civic does not redact; it redacts text, CSV, e-mail and Word files",
                other.describe()
            ),
        }),
    }
}

/// How a text file that was not valid UTF-8 was read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "decoded_as", rename_all = "kebab-case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Decoding {
    /// No byte sequence in the file was valid multi-byte UTF-8, so it was
    /// read as Windows-1252 (which maps every byte: nothing was lost) and
    /// written out as UTF-8.
    #[serde(rename = "windows-1252")]
    Windows1252,
    /// Mostly UTF-8 with some invalid bytes, each replaced with U+FFFD.
    #[serde(rename = "utf-8-with-replacements")]
    Utf8Replaced {
        /// How many invalid sequences were replaced.
        replaced: usize,
        /// The byte offset of the first.
        first_offset: usize,
    },
}

impl Decoding {
    /// A one-line description for summaries.
    pub fn describe(&self) -> String {
        match self {
            Decoding::Windows1252 => {
                "not UTF-8: read as Windows-1252 (lossless) and written as UTF-8".to_owned()
            }
            Decoding::Utf8Replaced {
                replaced,
                first_offset,
            } => format!(
                "invalid UTF-8: {replaced} invalid byte sequence(s) replaced with U+FFFD, the first at byte {first_offset}"
            ),
        }
    }
}

/// Decodes a text file: UTF-8 as it is; legacy single-byte text as
/// Windows-1252, losslessly; otherwise UTF-8 with invalid bytes replaced.
pub fn decode_text(bytes: &[u8]) -> (String, Option<Decoding>) {
    let first_offset = match std::str::from_utf8(bytes) {
        Ok(text) => return (text.to_owned(), None),
        Err(e) => e.valid_up_to(),
    };
    let (lossy, replaced) = civic_redact::formats::text::decode_utf8_lossy(bytes);
    let has_utf8_multibyte = lossy.chars().any(|c| c != '\u{FFFD}' && c.len_utf8() > 1);
    if !has_utf8_multibyte {
        let (text, _, _) = encoding_rs::WINDOWS_1252.decode(bytes);
        return (text.into_owned(), Some(Decoding::Windows1252));
    }
    (
        lossy,
        Some(Decoding::Utf8Replaced {
            replaced,
            first_offset,
        }),
    )
}

/// A redacted document, and everything its log needs.
#[derive(Debug, Clone)]
pub struct RedactedDocument {
    /// The type it was redacted as.
    pub file_type: FileType,
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
    pub fn counts(&self) -> BTreeMap<civic_redact::Label, u64> {
        let mut counts = BTreeMap::new();
        for e in &self.log {
            *counts.entry(e.label).or_default() += 1;
        }
        counts
    }
}

/// Redacts one document of type `file_type` held in memory. `name` is used
/// in errors only. This collects [`redact_document_to`].
pub fn redact_document(
    name: &str,
    file_type: FileType,
    bytes: &[u8],
    redaction: &Redaction,
    csv_policy: &CsvPolicy,
    table: &mut PseudonymTable,
) -> Result<RedactedDocument, AppError> {
    let mut out = Cursor::new(Vec::with_capacity(bytes.len()));
    let mut log = Vec::new();
    let facts = redact_document_to(
        name,
        file_type,
        bytes,
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
        bytes: out.into_inner(),
        log,
        attachments: facts.attachments,
        removed: facts.removed,
        decoding: facts.decoding,
    })
}

/// What a document's redaction tells besides its output and its log.
#[derive(Debug, Clone, Default)]
pub struct DocumentFacts {
    /// How a text that was not valid UTF-8 was read.
    pub decoding: Option<Decoding>,
    /// E-mail attachments left out of the output.
    pub attachments: Vec<RemovedAttachment>,
    /// Word content removed besides the personal data, with counts.
    pub removed: BTreeMap<String, usize>,
}

/// Redacts one document of type `file_type` held in memory into `output`,
/// handing each log entry to `on_entry` as it is made, so that neither the
/// redacted file nor its log need be held whole. A text is analysed in
/// pieces of [`PIECE`](super::stream::PIECE) bytes cut at paragraph breaks,
/// as a streamed file is, so the analysis's working memory does not grow
/// with the text; CSV a row, Word a stretch of paragraphs, e-mail a piece
/// of its body at a time. Each piece the analyzer is asked about is one
/// passage of a review, in the same order on every run. On an error, what
/// was written to `output` must be discarded.
#[allow(clippy::too_many_arguments)]
pub fn redact_document_to<W: Write + Seek>(
    name: &str,
    file_type: FileType,
    bytes: &[u8],
    redaction: &Redaction,
    csv_policy: &CsvPolicy,
    table: &mut PseudonymTable,
    mut output: W,
    mut on_entry: impl FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<DocumentFacts, AppError> {
    let failed = |source| AppError::Redact {
        file: name.to_owned(),
        source,
    };
    let (analyzer, operator) = (&redaction.analyzer, &redaction.operator);
    let mut facts = DocumentFacts::default();
    match file_type {
        FileType::Text => {
            let (text, decoding) = decode_text(bytes);
            super::stream::redact_text_stream(
                text.as_bytes(),
                &mut output,
                redaction,
                table,
                &mut on_entry,
            )
            .map_err(failed)?;
            facts.decoding = decoding;
        }
        FileType::Csv => {
            let (text, decoding) = decode_text(bytes);
            civic_redact::formats::csv::redact_stream(
                analyzer,
                text.as_bytes(),
                &mut output,
                csv_policy,
                operator,
                table,
                on_entry,
            )
            .map_err(failed)?;
            facts.decoding = decoding;
        }
        FileType::Eml => {
            facts.attachments = civic_redact::formats::eml::redact_to(
                analyzer,
                bytes,
                &mut output,
                operator,
                table,
                on_entry,
            )
            .map_err(failed)?;
        }
        FileType::Docx => {
            let removed = civic_redact::formats::docx::redact_stream(
                analyzer,
                Cursor::new(bytes),
                &mut output,
                operator,
                table,
                redaction.docx_text_xml,
                on_entry,
            )
            .map_err(failed)?;
            facts.removed = removed.into_iter().collect();
        }
    }
    Ok(facts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_content_and_extension_together() {
        let email = b"From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nbody";
        let zip_docx = b"PK\x03\x04....word/document.xml....";
        let cases: &[(&str, &[u8], Option<FileType>)] = &[
            ("a.txt", b"hello", Some(FileType::Text)),
            ("a.md", b"# Title", Some(FileType::Text)),
            ("a.csv", b"a,b\n1,2\n", Some(FileType::Csv)),
            ("a.eml", email, Some(FileType::Eml)),
            ("a.docx", zip_docx, Some(FileType::Docx)),
            ("noext", email, Some(FileType::Eml)),
            ("noext", b"just text", Some(FileType::Text)),
            ("a.txt", email, Some(FileType::Text)),
            ("a.docx", b"plain text pretending", None),
            ("a.eml", b"no headers here", None),
            ("a.txt", b"%PDF-1.7 ...", None),
            ("a.txt", zip_docx, None),
            ("a.docx", b"PK\x03\x04 other zip", None),
            ("a.pdf", b"%PDF-1.7", None),
            ("a.csv", b"\x00\x01\x02", None),
            ("noext", b"\x89PNG\r\n\x1a\n", None),
        ];
        for (name, bytes, want) in cases {
            assert_eq!(file_type(name, bytes).ok(), *want, "{name} {bytes:?}");
        }
    }

    #[test]
    fn mislabelled_files_are_named_with_what_they_really_are() {
        let e = file_type("letter.docx", b"Dear Sir")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("letter.docx: "), "{e}");
        assert!(e.contains("plain text"), "{e}");
        let e = file_type("scan.txt", b"%PDF-1.4").unwrap_err().to_string();
        assert!(e.contains("PDF"), "{e}");
    }

    #[test]
    fn text_is_decoded_losslessly_where_possible_and_reported() {
        assert_eq!(decode_text("Café".as_bytes()), ("Café".to_owned(), None));
        // Latin-1 / Windows-1252 "Café – £5": every byte maps, nothing is lost.
        let (text, how) = decode_text(b"Caf\xe9 \x96 \xa35");
        assert_eq!(text, "Café – £5");
        assert_eq!(how, Some(Decoding::Windows1252));
        // UTF-8 with one stray byte: replaced and located.
        let (text, how) = decode_text(
            "é ok \u{00e9}"
                .as_bytes()
                .iter()
                .copied()
                .chain([0xff])
                .collect::<Vec<_>>()
                .as_slice(),
        );
        assert!(text.ends_with('\u{FFFD}'));
        assert_eq!(
            how,
            Some(Decoding::Utf8Replaced {
                replaced: 1,
                first_offset: 8
            })
        );
    }
}
