//! Large files, redacted as a stream so that memory stays bounded whatever
//! the file's size.
//!
//! Reading a whole file, holding its decoded text, its redacted copy and
//! every detection costs several times the file's size (720 MB for a
//! 100 MB text). A file above [`STREAM_TEXT_ABOVE`] goes through here
//! instead ([`redact_file_stream`]):
//!
//! - text and CSV in two passes over the file: first decide how to decode
//!   it ([`scan`]), exactly as [`decode_text`] would for the whole file, and
//!   digest it; then decode it as it is read and redact it as it goes, text
//!   in pieces of [`PIECE`] bytes
//!   ([`redact_each_piece`](civic_redact::formats::text::redact_each_piece)),
//!   CSV a row at a time
//!   ([`redact_stream`](civic_redact::formats::csv::redact_stream));
//! - Word a part, and within the text parts a stretch of paragraphs, at a
//!   time ([`docx::redact_stream`](civic_redact::formats::docx::redact_stream));
//! - e-mail parsed whole (MIME needs the whole message; the caller bounds
//!   its size), its body written a piece at a time
//!   ([`eml::redact_to`](civic_redact::formats::eml::redact_to)).
//!
//! The redacted file goes to a temporary file beside the output, and the
//! log's entries are spilled to an anonymous temporary file ([`Spill`]).
//! The caller records the decision, then renames the output into place and
//! writes the log from the spilled entries ([`write_log`]), as for a file
//! redacted in memory. Pseudonyms come from the caller's table, so they are
//! consistent across pieces and across the batch.
//!
//! [`decode_text`]: super::document::decode_text

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, Write};
use std::path::Path;

use civic_core::Digest;
use civic_redact::formats::csv::CsvPolicy;
use civic_redact::formats::eml::RemovedAttachment;
use civic_redact::formats::text::redact_each_piece;
use civic_redact::{LogEntry, PseudonymTable, RedactError};
use sha2::{Digest as _, Sha256};

use super::document::{Decoding, FileType};
use super::{Content, LogTally, Redaction, io_err};
use crate::AppError;

/// Text, CSV, Word and e-mail files larger than this many bytes are
/// redacted as a stream.
pub const STREAM_TEXT_ABOVE: u64 = 8 << 20;

/// The size of the pieces analysed one at a time: with the analysis's own
/// working memory (about nine times the piece for text dense with personal
/// data) this keeps a streamed file to a few tens of megabytes.
pub const PIECE: usize = 1 << 20;

/// The size of the blocks read from disk.
const BLOCK: usize = 64 * 1024;

/// A file redacted as a stream, before its output is put in place.
#[derive(Debug)]
pub(crate) struct Streamed {
    /// The redacted file, complete and flushed, not yet renamed into place.
    pub output: tempfile::NamedTempFile,
    pub input_content: Content,
    pub output_content: Content,
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
    let failed = |source| AppError::Redact {
        file: input.display().to_string(),
        source,
    };
    let open = || File::open(input).map_err(|e| io_err(input, e));
    let mut attachments = Vec::new();
    let (input_content, output_content, decoding, removed) = match kind {
        FileType::Text | FileType::Csv => {
            let (input_content, decoding) = scan(open()?).map_err(|e| io_err(input, e))?;
            let reader = Decoder::new(open()?, decoding.as_ref());
            let mut out = HashingWriter::new(BufWriter::new(output.as_file()));
            if kind == FileType::Text {
                redact_text_stream(reader, &mut out, redaction, table, &mut |entry| {
                    spill.add(&entry).map_err(log_err)
                })
                .map_err(failed)?;
            } else {
                civic_redact::formats::csv::redact_stream(
                    &redaction.analyzer,
                    reader,
                    &mut out,
                    csv_policy,
                    &redaction.operator,
                    table,
                    |entry| spill.add(&entry).map_err(log_err),
                )
                .map_err(failed)?;
            }
            let output_content = out.finish().map_err(write_err)?;
            (input_content, output_content, decoding, BTreeMap::new())
        }
        FileType::Docx => {
            let input_content = digest(open()?).map_err(|e| io_err(input, e))?;
            let mut out = BufWriter::new(output.as_file_mut());
            let removed = civic_redact::formats::docx::redact_stream(
                &redaction.analyzer,
                BufReader::new(open()?),
                &mut out,
                &redaction.operator,
                table,
                redaction.docx_text_xml,
                |entry| spill.add(&entry).map_err(log_err),
            )
            .map_err(failed)?;
            out.flush().map_err(write_err)?;
            drop(out);
            // The zip writer seeks back to finish each entry, so the
            // output is digested once it is complete.
            let output_content =
                digest(File::open(&out_path).map_err(write_err)?).map_err(write_err)?;
            (
                input_content,
                output_content,
                None,
                removed.into_iter().collect(),
            )
        }
        FileType::Eml => {
            // MIME parsing needs the whole message, so it is read whole
            // (the caller has bounded its size); the redacted body and the
            // log are written out a piece at a time.
            let bytes = std::fs::read(input).map_err(|e| io_err(input, e))?;
            let input_content = Content::of(&bytes);
            let mut out = HashingWriter::new(BufWriter::new(output.as_file()));
            attachments = civic_redact::formats::eml::redact_to(
                &redaction.analyzer,
                &bytes,
                &mut out,
                &redaction.operator,
                table,
                |entry| spill.add(&entry).map_err(log_err),
            )
            .map_err(failed)?;
            drop(bytes);
            let output_content = out.finish().map_err(write_err)?;
            (input_content, output_content, None, BTreeMap::new())
        }
    };
    output.as_file().sync_all().map_err(write_err)?;
    let (tally, entries) = spill.finish().map_err(write_err)?;
    Ok(Streamed {
        output,
        input_content,
        output_content,
        tally,
        decoding,
        removed,
        attachments,
        entries,
    })
}

/// Redacts decoded text from `reader` to `out` in pieces of [`PIECE`]
/// bytes, handing each log entry to `on_entry`.
pub(crate) fn redact_text_stream(
    reader: impl Read,
    out: &mut impl Write,
    redaction: &Redaction,
    table: &mut PseudonymTable,
    on_entry: &mut dyn FnMut(LogEntry) -> Result<(), RedactError>,
) -> Result<(), RedactError> {
    let (analyzer, operator) = (&redaction.analyzer, &redaction.operator);
    redact_each_piece(analyzer, reader, operator, table, PIECE, |redacted| {
        out.write_all(redacted.text.as_bytes())
            .map_err(|e| RedactError::Io(format!("writing the output: {e}")))?;
        redacted.log.into_iter().try_for_each(&mut *on_entry)
    })
}

fn log_err(e: std::io::Error) -> RedactError {
    RedactError::Io(format!("writing the redaction log: {e}"))
}

/// The digest and size of everything `reader` holds, read a block at a time.
fn digest(reader: impl Read) -> std::io::Result<Content> {
    digest_blocks(reader, |_| {})
}

/// Reads `reader` to its end a block at a time, handing each block to
/// `each`, and returns the digest and size of all of it.
fn digest_blocks(mut reader: impl Read, mut each: impl FnMut(&[u8])) -> std::io::Result<Content> {
    let mut block = vec![0u8; BLOCK];
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    loop {
        let n = match reader.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&block[..n]);
        bytes += n as u64;
        each(&block[..n]);
    }
    Ok(Content {
        digest: Digest(hasher.finalize().into()),
        bytes,
    })
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

/// Counts bytes and digests them on their way to `inner`.
struct HashingWriter<W> {
    inner: W,
    hasher: Sha256,
    bytes: u64,
}

impl<W: Write> HashingWriter<W> {
    fn new(inner: W) -> Self {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
            bytes: 0,
        }
    }

    fn finish(mut self) -> std::io::Result<Content> {
        self.inner.flush()?;
        Ok(Content {
            digest: Digest(self.hasher.finalize().into()),
            bytes: self.bytes,
        })
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Lossy UTF-8 decoding a block at a time, with the same result as
/// `String::from_utf8_lossy` on the whole input: each invalid sequence
/// becomes one U+FFFD, and a sequence cut by a block boundary is completed
/// from the next block.
#[derive(Debug, Default)]
struct Utf8Lossy {
    /// The start of a sequence that the last block cut off.
    carry: Vec<u8>,
    /// Bytes consumed before `carry`.
    consumed: u64,
    replaced: usize,
    first_offset: Option<u64>,
    /// Whether a valid multi-byte character (other than U+FFFD) was seen.
    multibyte: bool,
}

impl Utf8Lossy {
    fn push(&mut self, block: &[u8], out: &mut String) {
        if self.carry.is_empty() {
            self.decode(block, out, false);
        } else {
            let mut joined = std::mem::take(&mut self.carry);
            joined.extend_from_slice(block);
            self.decode(&joined, out, false);
        }
    }

    fn finish(&mut self, out: &mut String) {
        let carry = std::mem::take(&mut self.carry);
        self.decode(&carry, out, true);
    }

    fn decode(&mut self, mut bytes: &[u8], out: &mut String, last: bool) {
        loop {
            match std::str::from_utf8(bytes) {
                Ok(valid) => {
                    self.take_valid(valid, out);
                    self.consumed += bytes.len() as u64;
                    return;
                }
                Err(e) => {
                    let (valid, rest) = bytes.split_at(e.valid_up_to());
                    // `valid_up_to` marks where the valid UTF-8 ends, so this always succeeds.
                    if let Ok(valid) = std::str::from_utf8(valid) {
                        self.take_valid(valid, out);
                    }
                    self.consumed += valid.len() as u64;
                    let bad = match e.error_len() {
                        Some(n) => n,
                        // Cut off by the end of the block: finish it with the next one.
                        None if !last => {
                            self.carry = rest.to_vec();
                            return;
                        }
                        None => rest.len(),
                    };
                    self.first_offset.get_or_insert(self.consumed);
                    self.replaced += 1;
                    out.push('\u{FFFD}');
                    self.consumed += bad as u64;
                    bytes = &rest[bad..];
                }
            }
        }
    }

    fn take_valid(&mut self, valid: &str, out: &mut String) {
        if !self.multibyte && !valid.is_ascii() {
            self.multibyte = valid.chars().any(|c| c != '\u{FFFD}' && c.len_utf8() > 1);
        }
        out.push_str(valid);
    }
}

/// Reads `reader` to its end and decides how its text is decoded, with the
/// rule of [`decode_text`](super::document::decode_text): UTF-8 as it is;
/// no valid multi-byte character at all, Windows-1252; otherwise UTF-8
/// with replacements. Also digests the bytes.
fn scan(reader: impl Read) -> std::io::Result<(Content, Option<Decoding>)> {
    let mut utf8 = Utf8Lossy::default();
    let mut scratch = String::with_capacity(BLOCK + 4);
    let content = digest_blocks(reader, |block| {
        scratch.clear();
        utf8.push(block, &mut scratch);
    })?;
    scratch.clear();
    utf8.finish(&mut scratch);
    let decoding = match utf8.first_offset {
        None => None,
        Some(_) if !utf8.multibyte => Some(Decoding::Windows1252),
        Some(first_offset) => Some(Decoding::Utf8Replaced {
            replaced: utf8.replaced,
            first_offset: usize::try_from(first_offset).unwrap_or(usize::MAX),
        }),
    };
    Ok((content, decoding))
}

/// How a [`Decoder`] turns bytes into UTF-8.
enum Mode {
    Utf8(Utf8Lossy),
    Legacy(encoding_rs::Decoder),
}

/// A reader of UTF-8: the bytes of `inner`, decoded as [`scan`] decided.
struct Decoder<R> {
    inner: R,
    mode: Mode,
    block: Vec<u8>,
    out: String,
    pos: usize,
    done: bool,
}

impl<R: Read> Decoder<R> {
    fn new(inner: R, decoding: Option<&Decoding>) -> Self {
        let mode = match decoding {
            // With BOM sniffing, as `Encoding::decode` does for the whole file.
            Some(Decoding::Windows1252) => Mode::Legacy(encoding_rs::WINDOWS_1252.new_decoder()),
            _ => Mode::Utf8(Utf8Lossy::default()),
        };
        Decoder {
            inner,
            mode,
            block: vec![0u8; BLOCK],
            out: String::new(),
            pos: 0,
            done: false,
        }
    }

    /// Decodes the next block into `out`; false at the end of the input.
    fn fill(&mut self) -> std::io::Result<bool> {
        self.out.clear();
        self.pos = 0;
        while self.out.is_empty() {
            if self.done {
                return Ok(false);
            }
            let n = match self.inner.read(&mut self.block) {
                Ok(n) => n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            let last = n == 0;
            self.done = last;
            let src = &self.block[..n];
            match &mut self.mode {
                Mode::Utf8(utf8) if last => utf8.finish(&mut self.out),
                Mode::Utf8(utf8) => utf8.push(src, &mut self.out),
                Mode::Legacy(decoder) => {
                    let need = decoder
                        .max_utf8_buffer_length(n)
                        .unwrap_or(n.saturating_mul(3).saturating_add(16));
                    self.out.reserve(need);
                    let _ = decoder.decode_to_string(src, &mut self.out, last);
                }
            }
        }
        Ok(true)
    }
}

impl<R: Read> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.out.len() && !self.fill()? {
            return Ok(0);
        }
        let available = &self.out.as_bytes()[self.pos..];
        let n = available.len().min(buf.len());
        buf[..n].copy_from_slice(&available[..n]);
        self.pos += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::redact::document::decode_text;

    /// A reader that hands out at most `step` bytes per read, to put block
    /// boundaries inside multi-byte sequences.
    struct Trickle<'a> {
        bytes: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn streamed_decoding_matches_decoding_the_whole_file() {
        let cases: &[&[u8]] = &[
            b"plain ascii",
            "Café – £5 ✓".as_bytes(),
            b"Caf\xe9 \x96 \xa35",
            b"ok \xc3\xa9 then \xff and \xe2\x82 cut and \xf0\x9f\x98",
            b"\xef\xbf\xbd literal replacement and a stray \x80",
            b"\xff\xfeU\x00T\x00F\x00",
            b"",
        ];
        for bytes in cases {
            let (want_text, want_decoding) = decode_text(bytes);
            for step in [1, 2, 3, 5, 64 * 1024] {
                let (content, decoding) = scan(Trickle { bytes, step }).unwrap();
                assert_eq!(decoding, want_decoding, "{bytes:?} in steps of {step}");
                assert_eq!(content.bytes, bytes.len() as u64);
                assert_eq!(content.digest, Digest::of(bytes));
                let mut text = String::new();
                Decoder::new(Trickle { bytes, step }, decoding.as_ref())
                    .read_to_string(&mut text)
                    .unwrap();
                assert_eq!(text, want_text, "{bytes:?} in steps of {step}");
            }
        }
    }

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
