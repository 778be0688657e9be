//! File formats. Each takes the whole input in memory and returns the
//! whole output, or an error: a caller never sees half a file. Each also
//! has a streaming form that writes through the caller's writer, so memory
//! does not grow with the file: `text::redact_each_piece` (a piece of text
//! at a time), `csv::redact_stream` (a row), `docx::redact_stream` (a part,
//! and a stretch of paragraphs within one) and `eml::redact_to` (the body a
//! piece at a time; the message is parsed whole). On an error the caller
//! discards what was written.

pub mod csv;
pub mod docx;
pub mod eml;
pub mod text;
