//! Finds UK personal data in text and removes it: validated, explained, logged.
//!
//! The crate has three layers, and data flows one way through them:
//!
//! 1. **Detection** — an [`Analyzer`], built once from an [`AnalyzerConfig`],
//!    scans a text and returns [`Detection`]s: a [`Label`], byte offsets, a
//!    score and the [`Evidence`] (pattern, check digit, context word) that
//!    produced it. Identifiers are validated wherever the identifier allows
//!    it (mod-11, Luhn, mod-97, HMRC and DVLA rules, libphonenumber) and
//!    supported by context where it does not.
//! 2. **Operators** — [`redact_text`] replaces detections with a label, a
//!    mask, nothing, a consistent pseudonym or a keyed hash, and returns a
//!    log that records what was removed by digest, never by value.
//! 3. **Formats** — [`formats`] applies the two above to plain text and
//!    Markdown, CSV (a policy per column), e-mail (`.eml`) and Word
//!    (`.docx`, true redaction), returning the whole output in memory or an
//!    error: never a partial file. Each can also write through a writer
//!    the caller gives, a piece, a row or a stretch of paragraphs at a time.
//!    [`document`] is the one entry to all of them: a file's type told
//!    from its content and name, its text decoded (UTF-8, or Windows-1252
//!    for legacy text), and the matching format run over the caller's
//!    reader and writer, in bounded memory whatever the file's size.
//!
//! Scanning is done in few passes: one Aho-Corasick pass finds every
//! context phrase; one lazy-DFA pass over most identifier patterns at once
//! tells where each one's matches end, and only those that match run, each
//! over the stretch of text that holds its matches (a few patterns that the
//! regex engine finds by a literal run alone); one pass tokenises
//! capitalised words for names, which are looked up in one hash map. Each
//! candidate is then validated (check digits, structure, context) and
//! overlaps are resolved.
//!
//! Inputs of any size can be analysed in bounded memory with
//! [`Analyzer::analyze_stream`], which cuts them at paragraph breaks.
//!
//! Invariants: no network, no database, no file system access (streams
//! are the caller's readers and writers), no async;
//! no panic on any input; the same input and configuration always give the
//! same output (overlaps are resolved by a total order). Offsets are bytes
//! internally; [`char_offsets`] converts them for interfaces that count
//! Unicode code points.

mod analyzer;
mod checks;
mod context;
mod detection;
mod detectors;
pub mod document;
mod error;
pub mod formats;
mod label;
mod operator;
mod stream;

pub use analyzer::{Analysis, Analyzer, AnalyzerConfig, KeepReason, Review};
pub use detection::{Detection, Evidence, char_offsets};
pub use error::RedactError;
pub use label::Label;
pub use operator::{
    HashKey, LogEntry, Operator, OperatorKind, PseudonymTable, Redacted, digest, redact_text,
    replacement,
};
pub use stream::{Chunk, Chunks};
