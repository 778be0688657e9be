//! CSV records: RFC 4180 parsing is the `csv` crate's; line numbers, UTF-8
//! and field counts are checked here.
//!
//! Line numbers are counted here rather than taken from the `csv` crate's
//! record positions, which are wrong after blank lines and with CRLF line
//! ends (a record after a blank line is reported one line early, and CRLF
//! lines are counted from the second record on). Instead the input passes
//! through a [`LineEndCounter`], and a record's start line is worked out from
//! where it ends: the line of its last byte, less the line ends inside it.
//!
//! A line ends at `\n`, `\r\n` or a lone `\r`, as the `csv` crate ends a
//! record (and as old Mac files and some exports end lines), so a row after a
//! lone `\r` is on the next line, not the same one.

use std::collections::VecDeque;
use std::io::{self, Read};
use std::path::PathBuf;
use std::sync::Arc;

use csv::{ByteRecord, StringRecord};

use super::InvalidUtf8;
use crate::record::{Cells, Schema};
use crate::{Error, Record};

pub(crate) struct CsvSource {
    reader: csv::Reader<LineEndCounter<Box<dyn Read + Send>>>,
    schema: Arc<Schema>,
    invalid_utf8: InvalidUtf8,
    replaced_lines: Vec<u64>,
    /// The byte length of the last row, to size the next row's buffer in one
    /// allocation rather than by repeated growth.
    last_len: usize,
}

impl CsvSource {
    pub(crate) fn new(
        input: Box<dyn Read + Send>,
        path: PathBuf,
        invalid_utf8: InvalidUtf8,
    ) -> Result<Self, Error> {
        // The header is read as an ordinary row so that it gets the same
        // UTF-8 handling and line numbers as the rest; `flexible` because
        // field counts are checked here, where the error can name the line
        // and lenient mode can skip the row and go on.
        let reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineEndCounter::new(input));
        let mut source = Self {
            reader,
            schema: Arc::new(Schema::new(path)),
            invalid_utf8,
            replaced_lines: Vec::new(),
            last_len: 0,
        };
        let Some((line, header)) = source.read_row()? else {
            return Err(Error::NoHeader {
                path: source.schema.path.clone(),
            });
        };
        // A bad header is always fatal: without names no row can be read.
        let header = source.decode(line, header)?;
        let names = header.iter().map(str::to_owned).collect();
        source.schema = Arc::new(Schema::with_names(source.schema.path.clone(), names)?);
        Ok(source)
    }

    pub(crate) fn schema(&self) -> &Schema {
        &self.schema
    }

    pub(crate) fn replaced_lines(&self) -> &[u64] {
        &self.replaced_lines
    }

    pub(crate) fn next_record(
        &mut self,
        note: &mut impl FnMut(Error) -> Result<(), Error>,
    ) -> Result<Option<Record>, Error> {
        while let Some((line, row)) = self.read_row()? {
            if row.len() != self.schema.names.len() {
                note(Error::WrongFieldCount {
                    path: self.schema.path.clone(),
                    line,
                    expected: self.schema.names.len(),
                    found: row.len(),
                })?;
                continue;
            }
            match self.decode(line, row) {
                Ok(row) => {
                    let schema = Arc::clone(&self.schema);
                    return Ok(Some(Record::new(line, schema, Cells::Csv(row))));
                }
                Err(e) => note(e)?,
            }
        }
        Ok(None)
    }

    /// The next row, undecoded, with the line it starts on.
    fn read_row(&mut self) -> Result<Option<(u64, ByteRecord)>, Error> {
        let mut row = ByteRecord::with_capacity(self.last_len, self.schema.names.len());
        let more = self
            .reader
            .read_byte_record(&mut row)
            .map_err(|e| Error::csv(&self.schema.path, "reading", e))?;
        if !more {
            return Ok(None);
        }
        self.last_len = row.as_slice().len();
        // The reader's position is now just past the row's terminator (or
        // the first byte of a CRLF), so the line ends before that byte are
        // the row's own and those before it. A row that runs to the end of
        // the input has no terminator: every line end up to the position is
        // then the row's or before it (a quoted field left open can end
        // with one, which the field holds).
        let end = self.reader.position().byte();
        let counter = self.reader.get_mut();
        let last = if counter.is_end(end) {
            end
        } else {
            end.saturating_sub(1)
        };
        let ends_before_terminator = counter.count_before(last);
        let ends_inside: u64 = row.iter().map(count_line_ends).sum();
        let line = 1 + ends_before_terminator.saturating_sub(ends_inside);
        Ok(Some((line, row)))
    }

    /// Validates a row as UTF-8 without copying it, or replaces invalid bytes.
    fn decode(&mut self, line: u64, row: ByteRecord) -> Result<StringRecord, Error> {
        match StringRecord::from_byte_record(row) {
            Ok(row) => Ok(row),
            Err(err) => {
                let row = err.into_byte_record();
                let (line, column) = invalid_utf8_place(line, &row);
                if self.invalid_utf8 == InvalidUtf8::Replace {
                    self.replaced_lines.push(line);
                    return Ok(StringRecord::from_byte_record_lossy(row));
                }
                Err(Error::InvalidUtf8 {
                    path: self.schema.path.to_owned(),
                    line,
                    column,
                })
            }
        }
    }
}

/// The line ends in a field's bytes: each `\n`, and each `\r` not followed
/// by one. A `\r` that ends a field is a line end: in the file it is
/// followed by the field's closing quote.
fn count_line_ends(field: &[u8]) -> u64 {
    (0..field.len()).filter(|&i| ends_line(field, i)).count() as u64
}

/// Whether byte `i` of `bytes` ends a line (see [`count_line_ends`]).
fn ends_line(bytes: &[u8], i: usize) -> bool {
    match bytes[i] {
        b'\n' => true,
        b'\r' => bytes.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// The line of the first invalid UTF-8 byte in a row starting on `line`, and
/// its 1-based byte offset within its field on that line. A quoted field may
/// span lines, so line ends inside earlier fields and inside the bad field
/// move the line on.
fn invalid_utf8_place(mut line: u64, row: &ByteRecord) -> (u64, u64) {
    let mut column = 1;
    for field in row {
        column = 1;
        let valid_up_to = match std::str::from_utf8(field) {
            Ok(_) => field.len(),
            Err(e) => e.valid_up_to(),
        };
        for i in 0..valid_up_to {
            if ends_line(field, i) {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        if valid_up_to < field.len() {
            return (line, column);
        }
    }
    (line, column)
}

/// Passes bytes through, noting where each line ends (see
/// [`count_line_ends`]) so that the number of line ends before any byte
/// offset can be asked for. Offsets must be asked for in increasing order;
/// line ends before the last offset asked for are only counted, not kept, so
/// memory is bounded by the line ends the CSV reader has buffered ahead.
struct LineEndCounter<R> {
    inner: R,
    offset: u64,
    counted: u64,
    pending: VecDeque<u64>,
    /// A `\r` that was the last byte read: whether it ends a line depends
    /// on the next byte, not read yet.
    trailing_cr: Option<u64>,
    /// Whether the input has ended (a read returned nothing).
    ended: bool,
}

impl<R> LineEndCounter<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            offset: 0,
            counted: 0,
            pending: VecDeque::new(),
            trailing_cr: None,
            ended: false,
        }
    }

    /// Whether `offset` is the end of the input, and the input is known to
    /// have ended there: the CSV reader reads on past a row only when the
    /// row has no terminator, so this says a row ending at `offset` ran to
    /// the end of the file.
    fn is_end(&self, offset: u64) -> bool {
        self.ended && offset == self.offset
    }

    /// The number of line ends at byte offsets before `offset`. A `\r` at
    /// the end of what was read is not counted yet; the CSV reader asks
    /// only about offsets up to the byte it has read last.
    fn count_before(&mut self, offset: u64) -> u64 {
        while self.pending.front().is_some_and(|&at| at < offset) {
            self.pending.pop_front();
            self.counted += 1;
        }
        self.counted
    }
}

impl<R: Read> Read for LineEndCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if buf.is_empty() {
            return Ok(n);
        }
        let read = &buf[..n];
        self.ended |= n == 0;
        let start = self.offset;
        if let Some(at) = self.trailing_cr.take()
            && read.first() != Some(&b'\n')
        {
            self.pending.push_back(at);
        }
        let last = n.checked_sub(1);
        for i in 0..n {
            if read[i] == b'\r' && Some(i) == last {
                self.trailing_cr = Some(start + i as u64);
            } else if ends_line(read, i) {
                self.pending.push_back(start + i as u64);
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reads `input` as CSV and returns the start line of each row (header
    /// included), for tests.
    fn row_lines(input: &str) -> Vec<u64> {
        row_lines_read_by(input, input.len().max(1))
    }

    /// As [`row_lines`], with the input handed to the CSV reader at most
    /// `step` bytes per read, so that line ends fall across reads.
    fn row_lines_read_by(input: &str, step: usize) -> Vec<u64> {
        let mut source = CsvSource {
            reader: csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .from_reader(LineEndCounter::new(Box::new(Trickle(
                    input.as_bytes().to_vec(),
                    step,
                )))),
            schema: Arc::new(Schema::new(PathBuf::from("t.csv"))),
            invalid_utf8: InvalidUtf8::Reject,
            replaced_lines: Vec::new(),
            last_len: 0,
        };
        let mut lines = Vec::new();
        while let Some((line, _)) = source.read_row().unwrap() {
            lines.push(line);
        }
        lines
    }

    /// A reader that hands out at most `.1` bytes per read.
    struct Trickle(Vec<u8>, usize);

    impl Read for Trickle {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.1.min(buf.len()).min(self.0.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0.drain(..n);
            Ok(n)
        }
    }

    #[test]
    fn rows_start_on_the_right_line() {
        let cases: [(&str, &[u64]); 21] = [
            ("a\n1\n2\n", &[1, 2, 3]),
            ("a\n1\n2", &[1, 2, 3]),
            ("a\r\n1\r\n2\r\n", &[1, 2, 3]),
            ("a\r\n1\r\n2", &[1, 2, 3]),
            ("\u{feff}a\n1\n", &[1, 2]),
            ("a\n1\n\n\n2\n3\n", &[1, 2, 5, 6]),
            ("a\r\n\r\n1\r\n", &[1, 3]),
            ("\n\na\n1\n", &[3, 4]),
            ("a\n\"x\ny\"\n2\n", &[1, 2, 4]),
            ("a\n\"x\r\n\r\ny\"\r\n\"\n\"\n2", &[1, 2, 5, 7]),
            // A lone "\r" ends a line, as it ends a row (found by the fuzz
            // target `csv`: the third row was said to be on line 2).
            ("\0,\n,\r,", &[1, 2, 3]),
            ("a\r1\r2\r", &[1, 2, 3]),
            ("a\r\r1\r\n2", &[1, 3, 4]),
            ("a\n\"x\ry\"\n2\n", &[1, 2, 4]),
            ("a\n\"x\r\"\n2\n", &[1, 2, 4]),
            ("a\n\"\r\r\n\"\r3", &[1, 2, 5]),
            // A quoted field left open runs to the end of the input, line
            // end and all (found by the fuzz target `csv`: the last row was
            // said to be on the line before).
            ("a,b\n1,2\n34,5u\u{1c}\n,\"ina!ed\n", &[1, 2, 3, 4]),
            ("a\n\"x\n", &[1, 2]),
            ("a\n\"x\r", &[1, 2]),
            ("a\n\"\r\n\r\n", &[1, 2]),
            ("a\n1\r", &[1, 2]),
        ];
        for (input, expected) in cases {
            assert_eq!(row_lines(input), expected, "{input:?}");
            // The same, whichever read a "\r" and its "\n" arrive in. (Not
            // with a byte order mark: the csv crate reads no rows at all when
            // a read returns exactly the mark's three bytes, which a file or
            // a socket of any size does not do.)
            let steps = if input.starts_with('\u{feff}') {
                1..3
            } else {
                1..4
            };
            for step in steps {
                assert_eq!(
                    row_lines_read_by(input, step),
                    expected,
                    "{input:?} by {step}"
                );
            }
        }
    }

    #[test]
    fn a_row_after_a_lone_carriage_return_is_read_on_the_next_line() {
        let input = b"\0,\n,\r,".to_vec();
        let reader = crate::Reader::from_reader(
            io::Cursor::new(input),
            "t.csv",
            crate::Format::Csv,
            &crate::ReadOptions::new(),
        )
        .unwrap();
        let lines: Vec<u64> = reader.map(|r| r.unwrap().line()).collect();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn invalid_utf8_place_counts_lines_inside_quoted_fields() {
        let row = ByteRecord::from(vec![&b"ab"[..], &b"x\nyz\xff"[..]]);
        // Field 2 starts on line 4; the bad byte is after "\nyz" on line 5.
        assert_eq!(invalid_utf8_place(4, &row), (5, 3));
        // A lone "\r" ends a line too; "\r\n" is one line end.
        let row = ByteRecord::from(vec![&b"a\rb"[..], &b"x\r\nyz\xff"[..]]);
        assert_eq!(invalid_utf8_place(4, &row), (6, 3));
    }

    #[test]
    fn line_end_counter_counts_across_reads() {
        let mut counter = LineEndCounter::new(io::Cursor::new(b"a\nb\n\nc".to_vec()));
        let mut buf = [0; 3];
        while counter.read(&mut buf).unwrap() > 0 {}
        assert_eq!(counter.count_before(0), 0);
        assert_eq!(counter.count_before(2), 1);
        assert_eq!(counter.count_before(5), 3);
        assert_eq!(counter.count_before(99), 3);
        // "a\r|\nb\r|c\r|": a "\r" at the end of a read is decided by the
        // next; one at the end of the input ends a line.
        let mut counter = LineEndCounter::new(io::Cursor::new(b"a\r\nb\rc\r".to_vec()));
        let mut buf = [0; 2];
        while counter.read(&mut buf).unwrap() > 0 {}
        assert_eq!(counter.count_before(99), 3);
        assert_eq!(counter.pending.len(), 0);
    }
}
