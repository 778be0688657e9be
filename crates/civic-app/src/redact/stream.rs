//! Large files, redacted as a stream so that memory stays bounded whatever
//! the file's size.
//!
//! Reading a whole file, holding its decoded text, its redacted copy and
//! every detection costs several times the file's size (720 MB for a
//! 100 MB text). A file above [`STREAM_TEXT_ABOVE`] goes through here
//! instead ([`redact_file_stream`]): the format reads it from disk a piece,
//! a row or a stretch of paragraphs at a time
//! ([`redact_document_to`](civic_redact::document::redact_document_to)),
//! the redacted file goes to a temporary file beside the output, and the
//! log's entries are spilled to an anonymous temporary file ([`Spill`]).
//! The caller records the decision, then renames the output into place and
//! writes the log from the spilled entries ([`write_log`]), as for a file
//! redacted in memory. Pseudonyms come from the caller's table, so they are
//! consistent across pieces and across the batch.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Seek, Write};
use std::path::Path;

use civic_redact::document::{ContentDigest, Decoding, FileType, Redaction, redact_document_to};
use civic_redact::formats::csv::CsvPolicy;
use civic_redact::formats::eml::RemovedAttachment;
use civic_redact::{LogEntry, PseudonymTable, RedactError};

use super::{LogTally, io_err, redact_failed};
use crate::AppError;

/// Text, CSV, Word and e-mail files larger than this many bytes are
/// redacted as a stream.
pub const STREAM_TEXT_ABOVE: u64 = 8 << 20;

/// A file redacted as a stream, before its output is put in place.
#[derive(Debug)]
pub(crate) struct Streamed {
    /// The redacted file, complete and flushed, not yet renamed into place.
    pub output: tempfile::NamedTempFile,
    pub input_content: ContentDigest,
    pub output_content: ContentDigest,
    pub tally: LogTally,
    pub decoding: Option<Decoding>,
    /// Word content removed besides the personal data, with counts.
    pub removed: BTreeMap<String, usize>,
    /// The attachments left out of an e-mail.
    pub attachments: Vec<RemovedAttachment>,
    /// The log's entries, one JSON object per line (for text, offsets in
    /// the whole text).
    pub entries: File,
}

/// Redacts the text, CSV, Word or e-mail file `input` as a stream; the
/// redacted file goes to a temporary file in `out_dir`. A CSV file is read,
/// redacted and written a row at a time with `csv_policy`; a Word file a
/// stretch of paragraphs at a time; an e-mail is parsed whole (the caller
/// bounds its size) and its body written a piece at a time.
pub(crate) fn redact_file_stream(
    input: &Path,
    kind: FileType,
    out_dir: &Path,
    redaction: &Redaction,
    csv_policy: &CsvPolicy,
    table: &mut PseudonymTable,
) -> Result<Streamed, AppError> {
    std::fs::create_dir_all(out_dir).map_err(|e| io_err(out_dir, e))?;
    let mut output = tempfile::NamedTempFile::new_in(out_dir).map_err(|e| io_err(out_dir, e))?;
    let out_path = output.path().to_path_buf();
    let write_err = |e| io_err(&out_path, e);
    let mut spill = Spill::new(out_dir)?;
    let reader = BufReader::new(File::open(input).map_err(|e| io_err(input, e))?);
    let mut out = BufWriter::new(output.as_file_mut());
    let facts = redact_document_to(
        kind,
        reader,
        redaction,
        csv_policy,
        table,
        &mut out,
        |entry| spill.add(&entry).map_err(log_err),
    )
    .map_err(redact_failed(&input.display().to_string()))?;
    out.flush().map_err(write_err)?;
    drop(out);
    output.as_file().sync_all().map_err(write_err)?;
    // The zip writer seeks back to finish each entry, so the output is
    // digested once it is complete, read back from the file.
    let output_content =
        ContentDigest::of_reader(File::open(&out_path).map_err(write_err)?).map_err(write_err)?;
    let (tally, entries) = spill.finish().map_err(write_err)?;
    Ok(Streamed {
        output,
        input_content: facts.input,
        output_content,
        tally,
        decoding: facts.decoding,
        removed: facts.removed,
        attachments: facts.attachments,
        entries,
    })
}

fn log_err(e: std::io::Error) -> RedactError {
    RedactError::Io(format!("writing the redaction log: {e}"))
}

/// A redaction log's entries on their way to an anonymous temporary file,
/// one compact JSON object per line, counted as they go.
pub(crate) struct Spill {
    entries: BufWriter<File>,
    tally: LogTally,
}

impl Spill {
    /// A spill file in `dir` (the output directory, which has room for the output).
    pub(crate) fn new(dir: &Path) -> Result<Self, AppError> {
        Ok(Spill {
            entries: BufWriter::new(tempfile::tempfile_in(dir).map_err(|e| io_err(dir, e))?),
            tally: LogTally::default(),
        })
    }

    /// Writes one entry and counts it.
    pub(crate) fn add(&mut self, entry: &LogEntry) -> std::io::Result<()> {
        self.tally.add(entry);
        serde_json::to_writer(&mut self.entries, entry)?;
        self.entries.write_all(b"\n")
    }

    /// The tally and the entries, rewound for [`write_log`].
    pub(crate) fn finish(self) -> std::io::Result<(LogTally, File)> {
        let mut entries = self.entries.into_inner().map_err(|e| e.into_error())?;
        entries.rewind()?;
        Ok((self.tally, entries))
    }
}

/// The entries of a redaction log, as [`write_log`] takes them.
pub(crate) enum LogEntries<'a> {
    /// Spilled to a file by a streamed redaction, one JSON object per line.
    Spilled(File),
    /// Held in memory by a redaction done in memory.
    Held(&'a [LogEntry]),
}

/// Writes a redaction log: `header` (a JSON object without its
/// `redactions`) followed by a `redactions` array holding each entry as
/// one compact line, written atomically to `path`. The entries are written
/// one at a time, never built into one JSON value (which would take many
/// times their size).
pub(crate) fn write_log(
    path: &Path,
    header: &serde_json::Value,
    entries: LogEntries<'_>,
    overwrite: bool,
) -> Result<(), AppError> {
    let dir = civic_dataset::output::temp_dir_for(path);
    let head = serde_json::to_vec_pretty(header)
        .map_err(|e| AppError::Internal(format!("redaction log: {e}")))?;
    // A pretty-printed object ends with "\n}": reopen it to add the array.
    let head = head
        .strip_suffix(b"\n}")
        .filter(|_| header.as_object().is_some_and(|o| !o.is_empty()))
        .ok_or_else(|| AppError::Internal("redaction log header is not an object".into()))?;
    let mut tmp = tempfile::NamedTempFile::new_in(&dir).map_err(|e| io_err(&dir, e))?;
    let mut w = BufWriter::new(tmp.as_file_mut());
    write_entries(&mut w, head, entries)
        .and_then(|()| w.flush())
        .map_err(|e| io_err(path, e))?;
    drop(w);
    super::persist(tmp, path, overwrite)
}

/// Writes the log's head, then its entries, one compact line each, and
/// closes the array and the object.
fn write_entries(w: &mut impl Write, head: &[u8], entries: LogEntries<'_>) -> std::io::Result<()> {
    w.write_all(head)?;
    w.write_all(b",\n  \"redactions\": [")?;
    let mut count = 0u64;
    let mut put = |w: &mut dyn Write, line: &[u8]| -> std::io::Result<()> {
        w.write_all(if count == 0 { b"\n    " } else { b",\n    " })?;
        count += 1;
        w.write_all(line)
    };
    match entries {
        LogEntries::Spilled(file) => {
            for line in BufReader::new(file).lines() {
                put(w, line?.as_bytes())?;
            }
        }
        LogEntries::Held(held) => {
            for e in held {
                put(w, &serde_json::to_vec(e)?)?;
            }
        }
    }
    w.write_all(if count == 0 { b"]\n}" } else { b"\n  ]\n}" })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_is_the_header_and_the_spilled_entries_as_one_json_object() {
        let dir = tempfile::tempdir().unwrap();
        let header = serde_json::json!({"input": "a.txt", "counts": {"EMAIL": 2}});
        for lines in [
            &[][..],
            &[
                r#"{"label":"EMAIL","start":0}"#,
                r#"{"label":"EMAIL","start":9}"#,
            ][..],
        ] {
            let mut entries = tempfile::tempfile().unwrap();
            for l in lines {
                writeln!(entries, "{l}").unwrap();
            }
            entries.rewind().unwrap();
            let path = dir.path().join("a.txt.redaction.json");
            write_log(&path, &header, LogEntries::Spilled(entries), true).unwrap();
            let log: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert_eq!(log["input"], "a.txt");
            assert_eq!(log["redactions"].as_array().unwrap().len(), lines.len());
        }
    }
}
