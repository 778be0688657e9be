//! Integration tests for civic-redact: one binary, one module per area.

mod analyzer;
mod detectors;
mod docx;
mod formats;
mod no_panic;
