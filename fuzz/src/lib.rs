//! What more than one fuzz target needs: reading a whole data set while
//! checking its line numbers, and building a Word package from a text
//! description so that the fuzzer can change its parts' XML directly
//! rather than through deflate.

use std::io::{Cursor, Write};

use civic_dataset::{Format, InvalidUtf8, ReadOptions, Reader};

/// Reads `data` as `format`, leniently and strictly, with both policies
/// for invalid UTF-8, and checks that every record and every problem names
/// a line that exists (at most `lines`, the file's count of lines) and that
/// records come in order of their lines.
pub fn read_dataset(data: &[u8], format: Format, lines: u64) {
    for strict in [false, true] {
        for invalid_utf8 in [InvalidUtf8::Reject, InvalidUtf8::Replace] {
            let options = ReadOptions::new().strict(strict).invalid_utf8(invalid_utf8);
            let mut reader =
                match Reader::from_reader(Cursor::new(data.to_vec()), "fuzz", format, &options) {
                    Ok(reader) => reader,
                    Err(e) => {
                        check_line(e.line(), lines);
                        continue;
                    }
                };
            let mut last = 0;
            for record in reader.by_ref() {
                match record {
                    Ok(r) => {
                        let line = r.line();
                        assert!(line > last, "record on line {line} after line {last}");
                        check_line(Some(line), lines);
                        last = line;
                        // Every cell can be read as the caller would.
                        let _ = r.to_json();
                    }
                    Err(e) => check_line(e.line(), lines),
                }
            }
            for p in reader.problems() {
                check_line(Some(p.line), lines);
            }
            for &line in reader.replaced_lines() {
                check_line(Some(line), lines);
            }
        }
    }
}

fn check_line(line: Option<u64>, lines: u64) {
    if let Some(line) = line {
        assert!(
            (1..=lines).contains(&line),
            "line {line} named in a file of {lines} lines"
        );
    }
}

/// The lines of a text whose lines end at each byte `ends_line` accepts
/// (the last line need not end).
pub fn count_lines(data: &[u8], ends_line: impl Fn(usize) -> bool) -> u64 {
    1 + (0..data.len()).filter(|&i| ends_line(i)).count() as u64
}

/// The byte that separates parts in [`package_from_text`]; never in UTF-8.
pub const PART_SEPARATOR: u8 = 0xFF;

/// A zip package built from `text`: parts separated by [`PART_SEPARATOR`],
/// each a name, a newline and the part's bytes, stored uncompressed. Bytes
/// that already start like a zip file (`PK\x03\x04`) are returned as they
/// are, so real documents can be seeds too.
pub fn package_from_text(text: &[u8]) -> Vec<u8> {
    if text.starts_with(b"PK\x03\x04") {
        return text.to_vec();
    }
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for part in text.split(|&b| b == PART_SEPARATOR) {
        let (name, bytes) = match part.iter().position(|&b| b == b'\n') {
            Some(at) => (&part[..at], &part[at + 1..]),
            None => (part, &[][..]),
        };
        let name = String::from_utf8_lossy(name);
        // A name the zip writer refuses (twice the same) makes a part less.
        if zip.start_file(name.as_ref(), options).is_err() {
            continue;
        }
        let _ = zip.write_all(bytes);
    }
    zip.finish().map(Cursor::into_inner).unwrap_or_default()
}
