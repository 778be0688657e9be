//! Writing records back out with new columns, all or nothing.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;
use tempfile::NamedTempFile;

use crate::record::{Cells, Schema, value_text};
use crate::{Cell, Error, Format, Record};

/// How to write a file. The default takes the format from the extension and
/// refuses to overwrite an existing file.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// The format, or `None` to take it from the output path's extension.
    pub format: Option<Format>,
    /// Whether an existing file at the output path may be replaced.
    pub overwrite: bool,
}

impl WriteOptions {
    /// Format from the extension; never overwrite.
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes `format` whatever the output path's extension.
    #[must_use]
    pub fn format(mut self, format: Format) -> Self {
        self.format = Some(format);
        self
    }

    /// Allows (or, with `false`, refuses) replacing an existing file.
    #[must_use]
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }
}

/// Writes records with every input column, in order, followed by new columns.
///
/// CSV output has a header of the input columns then the new ones; each
/// value of a new column is rendered as text (strings bare, numbers and
/// booleans as JSON writes them, arrays and objects as compact JSON, `null`
/// as an empty cell); a key that a JSON Lines input first shows after the
/// writer was created has no CSV column and is left out. JSON Lines output keeps each record's original JSON
/// values and adds the new fields after them; a new field replaces a key of
/// the same name that first appears in a later line.
///
/// Everything is written to a temporary file beside the output (readable by
/// the owner only) and renamed into place by [`Writer::finish`]: a writer
/// dropped without `finish`, after an error or a panic, leaves no output.
///
/// ```
/// use civic_dataset::{ReadOptions, Reader, WriteOptions, Writer};
/// use serde_json::json;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let input = dir.path().join("in.csv");
/// std::fs::write(&input, "id,text\n1,pothole on the high street\n")?;
///
/// let reader = Reader::open(&input, &ReadOptions::new())?;
/// let output = dir.path().join("out.csv");
/// let mut writer = Writer::create(&output, reader.columns(), &["team"], &WriteOptions::new())?;
/// for record in reader {
///     writer.write(&record?, &[json!("highways")])?;
/// }
/// writer.finish()?;
/// assert_eq!(std::fs::read_to_string(&output)?, "id,text,team\n1,pothole on the high street,highways\n");
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Writer {
    path: PathBuf,
    overwrite: bool,
    new_columns: Vec<String>,
    sink: Sink,
}

#[derive(Debug)]
enum Sink {
    Csv {
        // Boxed: the csv writer carries its buffers inline.
        writer: Box<csv::Writer<NamedTempFile>>,
        columns: Vec<String>,
        /// The last schema seen to match `columns`, so that rows from the
        /// same CSV file are copied field by field without name look-ups.
        same_as: Option<Arc<Schema>>,
    },
    Jsonl {
        writer: BufWriter<NamedTempFile>,
    },
}

impl Writer {
    /// Starts writing to `path`: the output will have `input_columns` (in
    /// order), then `new_columns`.
    ///
    /// # Errors
    /// [`Error::OutputExists`] if `path` exists and overwriting is not
    /// allowed; [`Error::DuplicateColumn`] if a new column repeats an input
    /// column or another new column; an unknown format; or an I/O error
    /// creating the temporary file or writing the header.
    pub fn create(
        path: impl AsRef<Path>,
        input_columns: &[String],
        new_columns: &[&str],
        options: &WriteOptions,
    ) -> Result<Self, Error> {
        let path = path.as_ref().to_owned();
        let format = Format::resolve(options.format, &path)?;
        if !options.overwrite && path.exists() && !crate::output::is_special(&path) {
            return Err(Error::OutputExists { path });
        }
        let columns: Vec<String> = input_columns
            .iter()
            .cloned()
            .chain(new_columns.iter().map(|c| (*c).to_owned()))
            .collect();
        // Checks that no name repeats, input or new.
        Schema::with_names(path.clone(), columns.clone())?;

        let directory = crate::output::temp_dir_for(&path);
        let file = tempfile::Builder::new()
            .prefix(".civic-dataset-")
            .suffix(".tmp")
            .tempfile_in(&directory)
            .map_err(|e| Error::io(&directory, "creating a temporary file", e))?;
        let sink = match format {
            Format::Csv => {
                let mut writer = csv::Writer::from_writer(file);
                writer
                    .write_record(&columns)
                    .map_err(|e| Error::csv(&path, "writing", e))?;
                Sink::Csv {
                    writer: Box::new(writer),
                    columns: input_columns.to_vec(),
                    same_as: None,
                }
            }
            Format::JsonLines => Sink::Jsonl {
                writer: BufWriter::with_capacity(64 * 1024, file),
            },
        };
        Ok(Self {
            path,
            overwrite: options.overwrite,
            new_columns: new_columns.iter().map(|c| (*c).to_owned()).collect(),
            sink,
        })
    }

    /// Writes `record` followed by `new_values`, one per new column in the
    /// order given to [`Writer::create`].
    ///
    /// # Errors
    /// [`Error::ValueCount`] if the number of values is wrong; an I/O error.
    pub fn write(&mut self, record: &Record, new_values: &[Value]) -> Result<(), Error> {
        if new_values.len() != self.new_columns.len() {
            return Err(Error::ValueCount {
                path: self.path.clone(),
                expected: self.new_columns.len(),
                found: new_values.len(),
            });
        }
        match &mut self.sink {
            Sink::Csv {
                writer,
                columns,
                same_as,
            } => write_csv(writer, columns, same_as, record, new_values)
                .map_err(|e| Error::csv(&self.path, "writing", e)),
            Sink::Jsonl { writer } => write_jsonl(writer, &self.new_columns, record, new_values)
                .map_err(|e| Error::io(&self.path, "writing", e)),
        }
    }

    /// Flushes the output to disk and moves it into place.
    ///
    /// # Errors
    /// An I/O error, or [`Error::OutputExists`] if, without overwriting,
    /// another process created the output meanwhile. On error nothing is
    /// left at the output path by this writer.
    pub fn finish(self) -> Result<(), Error> {
        let path = self.path;
        let file = match self.sink {
            Sink::Csv { writer, .. } => writer
                .into_inner()
                .map_err(|e| Error::io(&path, "writing", e.into_error()))?,
            Sink::Jsonl { writer } => writer
                .into_inner()
                .map_err(|e| Error::io(&path, "writing", e.into_error()))?,
        };
        file.as_file()
            .sync_all()
            .map_err(|e| Error::io(&path, "writing", e))?;
        match crate::output::persist(file, &path, self.overwrite) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Err(Error::OutputExists { path })
            }
            Err(e) => Err(Error::io(&path, "moving the finished file into place", e)),
        }
    }
}

fn write_csv(
    writer: &mut csv::Writer<NamedTempFile>,
    columns: &[String],
    same_as: &mut Option<Arc<Schema>>,
    record: &Record,
    new_values: &[Value],
) -> csv::Result<()> {
    let same = match same_as {
        Some(schema) if Arc::ptr_eq(schema, record.schema()) => true,
        _ if record.columns() == columns => {
            *same_as = Some(Arc::clone(record.schema()));
            true
        }
        _ => false,
    };
    match record.cells() {
        Cells::Csv(row) if same => {
            for field in row {
                writer.write_field(field)?;
            }
        }
        _ => {
            for column in columns {
                let text = record.get(column).and_then(|cell| match cell {
                    Cell::Text(s) => Some(std::borrow::Cow::Borrowed(s)),
                    Cell::Json(v) => value_text(v),
                });
                writer.write_field(text.as_deref().unwrap_or(""))?;
            }
        }
    }
    for value in new_values {
        writer.write_field(value_text(value).as_deref().unwrap_or(""))?;
    }
    writer.write_record(None::<&[u8]>)
}

fn write_jsonl(
    writer: &mut impl Write,
    new_columns: &[String],
    record: &Record,
    new_values: &[Value],
) -> std::io::Result<()> {
    writer.write_all(b"{")?;
    let mut first = true;
    let old = record
        .iter()
        .filter(|(name, _)| !new_columns.iter().any(|c| c == name));
    for (name, cell) in old {
        write_key(writer, &mut first, name)?;
        match cell {
            Cell::Text(s) => serde_json::to_writer(&mut *writer, s)?,
            Cell::Json(v) => serde_json::to_writer(&mut *writer, v)?,
        }
    }
    for (name, value) in new_columns.iter().zip(new_values) {
        write_key(writer, &mut first, name)?;
        serde_json::to_writer(&mut *writer, value)?;
    }
    writer.write_all(b"}\n")
}

fn write_key(writer: &mut impl Write, first: &mut bool, key: &str) -> std::io::Result<()> {
    if !std::mem::take(first) {
        writer.write_all(b",")?;
    }
    serde_json::to_writer(&mut *writer, key)?;
    writer.write_all(b":")
}
