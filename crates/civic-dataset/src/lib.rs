//! Reading and writing Civic's tabular data files: CSV and JSON Lines.
//!
//! The triage and risk services and the CLI read their training and scoring
//! files through this crate, and write their results back with it. A
//! [`Reader`] streams [`Record`]s one at a time, each with its 1-based line
//! number and its values by column name; a [`Writer`] copies every input
//! column and appends new ones; [`digest`] gives the SHA-256 of a file for the
//! model registry.
//!
//! Invariants this crate keeps:
//! - reading never panics on bad input: every problem is an [`Error`] that
//!   names the file and, where there is one, the line (and column); in
//!   lenient mode malformed rows are skipped but never silently: each one is
//!   a [`RowProblem`] the caller can report;
//! - reading takes constant memory per record, whatever the file's size
//!   (apart from the list of problems, which grows with malformed rows);
//! - CSV values are text (the empty string is missing); JSON Lines values
//!   keep their JSON type; [`Record`] serves both;
//! - a [`Writer`] leaves either the complete output or nothing: it writes to a
//!   temporary file beside the output and renames it on [`Writer::finish`],
//!   and never replaces an existing file unless told to.
//!
//! It deliberately knows nothing of models, labels or what the columns mean:
//! checking that a label column has two classes is the caller's job.

mod digest;
mod error;
mod format;
pub mod output;
mod reader;
mod record;
mod writer;

pub use digest::digest;
pub use error::{Error, RowProblem};
pub use format::Format;
pub use reader::{Dataset, InvalidUtf8, ReadOptions, Reader, read_all};
pub use record::{Cell, Record};
pub use writer::{WriteOptions, Writer};
