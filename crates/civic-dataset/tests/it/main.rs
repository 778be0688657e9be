//! Integration tests: real files in a temporary directory, read and written
//! through the public API only.

// Test helpers outside `#[test]` functions panic on failure by design.
#![allow(clippy::unwrap_used)]

mod read_csv;
mod read_jsonl;
mod round_trip;
mod write;

use std::path::PathBuf;

use civic_dataset::{Dataset, Error, ReadOptions, read_all};

/// A temporary directory holding one file with `contents`; the directory
/// lives as long as the returned guard.
pub fn file(name: &str, contents: impl AsRef<[u8]>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, contents).unwrap();
    (dir, path)
}

/// Reads a file with these contents strictly.
pub fn read(name: &str, contents: impl AsRef<[u8]>) -> Result<Dataset, Error> {
    read_with(name, contents, &ReadOptions::new())
}

/// Reads a file with these contents.
pub fn read_with(
    name: &str,
    contents: impl AsRef<[u8]>,
    options: &ReadOptions,
) -> Result<Dataset, Error> {
    let (_dir, path) = file(name, contents);
    read_all(&path, options)
}

/// The line numbers of the records.
pub fn lines(dataset: &Dataset) -> Vec<u64> {
    dataset.records.iter().map(|r| r.line()).collect()
}
