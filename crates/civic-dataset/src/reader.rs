//! Streaming reading of a data file, record by record.

mod csv_source;
mod jsonl_source;

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::record::Schema;
use crate::{Error, Format, Record, RowProblem};

use csv_source::CsvSource;
use jsonl_source::JsonlSource;

/// What to do with bytes that are not valid UTF-8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InvalidUtf8 {
    /// Treat the row as malformed: an error in strict mode, a skipped row
    /// with a [`RowProblem`] in lenient mode.
    #[default]
    Reject,
    /// Replace each invalid sequence with U+FFFD and keep the row; the lines
    /// where this happened are listed by [`Reader::replaced_lines`].
    Replace,
}

/// How to read a file. The default is strict, rejects invalid UTF-8 and takes
/// the format from the file's extension.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The format, or `None` to take it from the extension.
    pub format: Option<Format>,
    /// Strict mode (`true`, the default) stops at the first malformed row;
    /// lenient mode (`false`) skips malformed rows and collects them as
    /// [`RowProblem`]s. A malformed CSV header is an error in both modes.
    pub strict: bool,
    /// What to do with bytes that are not valid UTF-8.
    pub invalid_utf8: InvalidUtf8,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            format: None,
            strict: true,
            invalid_utf8: InvalidUtf8::Reject,
        }
    }
}

impl ReadOptions {
    /// Strict reading, format from the extension.
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `format` whatever the file's extension.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// `true` stops at the first malformed row; `false` skips malformed rows
    /// and collects them (see [`Reader::problems`]).
    #[must_use]
    pub fn strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// What to do with bytes that are not valid UTF-8.
    #[must_use]
    pub fn invalid_utf8(mut self, policy: InvalidUtf8) -> Self {
        self.invalid_utf8 = policy;
        self
    }
}

enum Source {
    Csv(CsvSource),
    Jsonl(JsonlSource),
}

impl Source {
    fn schema(&self) -> &Schema {
        match self {
            Self::Csv(s) => s.schema(),
            Self::Jsonl(s) => s.schema(),
        }
    }
}

/// Reads a data file one [`Record`] at a time, in constant memory.
///
/// The reader is an iterator of `Result<Record, Error>`. After an error it
/// yields nothing more. In lenient mode malformed rows are skipped and
/// collected; read them with [`Reader::problems`] once iteration is done
/// (iterate with `by_ref()` to keep the reader). A file with no usable
/// records ends with [`Error::NoRecords`].
///
/// ```
/// use civic_dataset::{ReadOptions, Reader};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("contacts.csv");
/// std::fs::write(&path, "text,label\n\"bin not, collected\",waste\nnoise at night,env\n")?;
///
/// let mut reader = Reader::open(&path, &ReadOptions::new().strict(false))?;
/// reader.require_columns(&["text", "label"])?;
/// for record in reader.by_ref() {
///     let record = record?;
///     let text = record.get_str("text").unwrap_or_default();
///     println!("line {}: {text}", record.line());
/// }
/// assert!(reader.problems().is_empty());
/// # Ok(())
/// # }
/// ```
pub struct Reader {
    source: Source,
    strict: bool,
    problems: Vec<RowProblem>,
    records: u64,
    done: bool,
}

impl std::fmt::Debug for Reader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reader")
            .field("path", &self.path())
            .field("columns", &self.columns())
            .field("strict", &self.strict)
            .field("records", &self.records)
            .field("problems", &self.problems.len())
            .finish_non_exhaustive()
    }
}

impl Reader {
    /// Opens `path` and reads its header (CSV) or first object (JSON Lines),
    /// so that [`Reader::columns`] is known at once.
    ///
    /// # Errors
    /// An unknown format, a file that cannot be opened, an empty file, or (in
    /// strict mode) a malformed header or first record.
    pub fn open(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Self, Error> {
        let path = path.as_ref();
        let format = Format::resolve(options.format, path)?;
        let file = File::open(path).map_err(|e| Error::io(path, "opening for reading", e))?;
        Self::from_reader(file, path, format, options)
    }

    /// Reads from any byte stream; `name` is used in errors in place of a
    /// path (e.g. `"<stdin>"`).
    ///
    /// # Errors
    /// As [`Reader::open`], except for the format, which is given.
    pub fn from_reader(
        input: impl Read + Send + 'static,
        name: impl Into<PathBuf>,
        format: Format,
        options: &ReadOptions,
    ) -> Result<Self, Error> {
        let path = name.into();
        let mut problems = Vec::new();
        let mut note = |malformed| note_malformed(options.strict, &mut problems, malformed);
        let source = match format {
            Format::Csv => {
                Source::Csv(CsvSource::new(Box::new(input), path, options.invalid_utf8)?)
            }
            Format::JsonLines => {
                let source =
                    JsonlSource::new(Box::new(input), path, options.invalid_utf8, &mut note)?;
                // JSON Lines has no header: an empty file is found here, not
                // later, so that it is not mistaken for missing columns.
                if !source.has_records() {
                    return Err(Error::NoRecords {
                        path: source.schema().path.clone(),
                        skipped: problems.len() as u64,
                    });
                }
                Source::Jsonl(source)
            }
        };
        Ok(Self {
            source,
            strict: options.strict,
            problems,
            records: 0,
            done: false,
        })
    }

    /// The file's columns in order. For CSV, the header. For JSON Lines, the
    /// keys of the first object, followed by any new keys of later objects in
    /// the order they were first seen (so the list can grow as reading goes on).
    pub fn columns(&self) -> &[String] {
        &self.source.schema().names
    }

    /// Checks that every column in `required` is present.
    ///
    /// # Errors
    /// [`Error::MissingColumns`], naming the missing columns and listing the
    /// columns found. For JSON Lines, the check is against the columns known
    /// so far (normally the first object's keys).
    pub fn require_columns(&self, required: &[&str]) -> Result<(), Error> {
        self.source.schema().require(required)
    }

    /// The file being read (or the name given to [`Reader::from_reader`]).
    pub fn path(&self) -> &Path {
        &self.source.schema().path
    }

    /// The malformed rows skipped so far in lenient mode, in file order.
    pub fn problems(&self) -> &[RowProblem] {
        &self.problems
    }

    /// The lines where invalid UTF-8 was replaced (with
    /// [`InvalidUtf8::Replace`]), in file order.
    pub fn replaced_lines(&self) -> &[u64] {
        match &self.source {
            Source::Csv(s) => s.replaced_lines(),
            Source::Jsonl(s) => s.replaced_lines(),
        }
    }

    /// Reads every remaining record into memory.
    ///
    /// # Errors
    /// The first error the iterator yields.
    pub fn read_all(mut self) -> Result<Dataset, Error> {
        let records = self.by_ref().collect::<Result<Vec<_>, _>>()?;
        Ok(Dataset {
            columns: self.columns().to_vec(),
            records,
            replaced_lines: self.replaced_lines().to_vec(),
            problems: self.problems,
        })
    }

    fn next_record(&mut self) -> Result<Option<Record>, Error> {
        let (strict, problems) = (self.strict, &mut self.problems);
        let mut note = |malformed| note_malformed(strict, problems, malformed);
        match &mut self.source {
            Source::Csv(s) => s.next_record(&mut note),
            Source::Jsonl(s) => s.next_record(&mut note),
        }
    }
}

impl Iterator for Reader {
    type Item = Result<Record, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.next_record() {
            Ok(Some(record)) => {
                self.records += 1;
                Some(Ok(record))
            }
            Ok(None) => {
                self.done = true;
                (self.records == 0).then(|| {
                    Err(Error::NoRecords {
                        path: self.path().to_owned(),
                        skipped: self.problems.len() as u64,
                    })
                })
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for Reader {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_and_records_can_move_between_threads() {
        fn assert_send<T: Send>() {}
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send::<Reader>();
        assert_send_sync::<Record>();
        assert_send_sync::<Error>();
    }

    #[test]
    fn default_options_are_strict() {
        assert!(ReadOptions::default().strict);
        assert!(!ReadOptions::new().strict(false).strict);
    }
}

/// A whole file in memory, as returned by [`read_all`].
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The file's columns in order (see [`Reader::columns`]).
    pub columns: Vec<String>,
    /// Every record that was read.
    pub records: Vec<Record>,
    /// The malformed rows skipped in lenient mode.
    pub problems: Vec<RowProblem>,
    /// The lines where invalid UTF-8 was replaced.
    pub replaced_lines: Vec<u64>,
}

/// Reads the whole of `path` into memory. Prefer [`Reader`] for large files.
///
/// # Errors
/// As [`Reader::open`], and the first error met while reading.
pub fn read_all(path: impl AsRef<Path>, options: &ReadOptions) -> Result<Dataset, Error> {
    Reader::open(path, options)?.read_all()
}

/// Where sources report each malformed row: in strict mode it becomes the
/// error, in lenient mode a problem, and reading goes on.
fn note_malformed(
    strict: bool,
    problems: &mut Vec<RowProblem>,
    malformed: Error,
) -> Result<(), Error> {
    if strict {
        return Err(malformed);
    }
    problems.push(RowProblem {
        line: malformed.line().unwrap_or(0),
        message: malformed.to_string(),
    });
    Ok(())
}
