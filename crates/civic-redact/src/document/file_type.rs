//! The type of a file to redact, told from its content and its name
//! together, so that a mislabelled file is named for what it really is.

use serde::{Deserialize, Serialize};

use crate::error::RedactError;

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
enum Sniffed {
    Text,
    Email,
    Docx,
    /// Something Civic does not redact, named for the error message.
    Other(&'static str),
}

impl Sniffed {
    fn describe(self) -> &'static str {
        match self {
            Sniffed::Text => "plain text",
            Sniffed::Email => "an e-mail message",
            Sniffed::Docx => "a Word document (docx)",
            Sniffed::Other(what) => what,
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

fn sniff(bytes: &[u8]) -> Sniffed {
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        // Zip entry names are stored uncompressed in the local headers.
        let is_word = bytes
            .windows(b"word/document.xml".len())
            .any(|w| w == b"word/document.xml");
        return if is_word {
            Sniffed::Docx
        } else {
            Sniffed::Other("a zip archive that is not a Word document")
        };
    }
    if let Some((_, what)) = SIGNATURES.iter().find(|(sig, _)| bytes.starts_with(sig)) {
        return Sniffed::Other(what);
    }
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) {
        return Sniffed::Other("binary data");
    }
    if looks_like_email(head) {
        Sniffed::Email
    } else {
        Sniffed::Text
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

/// The type to redact the file `name` as, from its `bytes` (the whole file,
/// or at least its first 64 KiB): its extension and its content must
/// agree. A file without an extension is taken for what its content is.
/// A refusal ([`RedactError::FileType`]) says what the content is and what
/// to do; it does not repeat the name.
///
/// ```
/// use civic_redact::document::{FileType, file_type};
/// assert_eq!(file_type("letter.txt", b"Dear Jo").unwrap(), FileType::Text);
/// assert!(file_type("scan.txt", b"%PDF-1.7").is_err());
/// ```
pub fn file_type(name: &str, bytes: &[u8]) -> Result<FileType, RedactError> {
    let content = sniff(bytes);
    let ext = std::path::Path::new(name)
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let mismatch = |says: &str| {
        RedactError::FileType(format!(
            "the extension says {says} but the content is {}; rename the file or convert it",
            content.describe()
        ))
    };
    match (ext.as_deref(), content) {
        (Some("docx"), Sniffed::Docx) => Ok(FileType::Docx),
        (Some("docx"), _) => Err(mismatch("a Word document (docx)")),
        (Some("eml"), Sniffed::Email) => Ok(FileType::Eml),
        (Some("eml"), _) => Err(mismatch("an e-mail message (eml)")),
        (Some("csv"), Sniffed::Text | Sniffed::Email) => Ok(FileType::Csv),
        (Some("csv"), _) => Err(mismatch("CSV text")),
        (Some("txt" | "text" | "md" | "markdown"), Sniffed::Text | Sniffed::Email) => {
            Ok(FileType::Text)
        }
        (Some("txt" | "text" | "md" | "markdown"), _) => Err(mismatch("plain text")),
        (None, Sniffed::Text) => Ok(FileType::Text),
        (None, Sniffed::Email) => Ok(FileType::Eml),
        (None, Sniffed::Docx) => Ok(FileType::Docx),
        (Some(other), _) => Err(RedactError::FileType(format!(
            "files of type .{other} ({}) are not supported; Civic redacts .txt, .md, .csv, .eml and .docx",
            content.describe()
        ))),
        (None, other) => Err(RedactError::FileType(format!(
            "the content is {}, which Civic does not redact; it redacts text, CSV, e-mail and Word files",
            other.describe()
        ))),
    }
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
        let e = file_type("letter.docx", b"Dear Sir").unwrap_err();
        assert_eq!(e.code(), "redact.unsupported_file_type");
        let e = e.to_string();
        assert!(e.starts_with("the extension says a Word document"), "{e}");
        assert!(e.contains("plain text"), "{e}");
        let e = file_type("scan.txt", b"%PDF-1.4").unwrap_err().to_string();
        assert!(e.contains("PDF"), "{e}");
    }
}
