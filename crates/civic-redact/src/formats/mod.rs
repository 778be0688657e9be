//! File formats. Each takes the whole input in memory and returns the
//! whole output, or an error: a caller never sees half a file. CSV and
//! Word also have a streaming form (`csv::redact_stream`,
//! `docx::redact_stream`) that reads and writes through the caller's
//! readers and writers, a row or a part at a time, so memory does not
//! grow with the file; on an error the caller discards what was written.

pub mod csv;
pub mod docx;
pub mod eml;
pub mod text;
