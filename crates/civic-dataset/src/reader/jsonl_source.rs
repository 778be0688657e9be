//! JSON Lines records: one object per line, blank lines skipped.
//!
//! Objects are parsed straight into a row aligned with the file's columns,
//! so key order is kept without asking `serde_json` to preserve order
//! workspace-wide, and keys that are already known cost no allocation.

use std::borrow::Cow;
use std::fmt;
use std::io::{BufRead, BufReader, Read};
use std::path::PathBuf;
use std::sync::Arc;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::Value;

use super::InvalidUtf8;
use crate::record::{Cells, Schema};
use crate::{Error, Record};

pub(crate) struct JsonlSource {
    reader: BufReader<Box<dyn Read + Send>>,
    schema: Arc<Schema>,
    invalid_utf8: InvalidUtf8,
    replaced_lines: Vec<u64>,
    line: u64,
    buffer: Vec<u8>,
    /// The first record, read at open time so that the columns are known.
    pending: Option<Record>,
}

impl JsonlSource {
    pub(crate) fn new(
        input: Box<dyn Read + Send>,
        path: PathBuf,
        invalid_utf8: InvalidUtf8,
        note: &mut impl FnMut(Error) -> Result<(), Error>,
    ) -> Result<Self, Error> {
        let mut source = Self {
            reader: BufReader::with_capacity(64 * 1024, input),
            schema: Arc::new(Schema::new(path)),
            invalid_utf8,
            replaced_lines: Vec::new(),
            line: 0,
            buffer: Vec::new(),
            pending: None,
        };
        source.pending = source.read_record(note)?;
        Ok(source)
    }

    /// Whether a record is waiting to be read (false only for a file with
    /// no usable records, right after opening).
    pub(crate) fn has_records(&self) -> bool {
        self.pending.is_some()
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
        match self.pending.take() {
            Some(record) => Ok(Some(record)),
            None => self.read_record(note),
        }
    }

    fn read_record(
        &mut self,
        note: &mut impl FnMut(Error) -> Result<(), Error>,
    ) -> Result<Option<Record>, Error> {
        loop {
            self.buffer.clear();
            let n = self
                .reader
                .read_until(b'\n', &mut self.buffer)
                .map_err(|e| Error::io(&self.schema.path, "reading", e))?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let mut bytes = trim_line_end(&self.buffer);
            if self.line == 1 {
                bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let text = match std::str::from_utf8(bytes) {
                Ok(text) => Cow::Borrowed(text),
                Err(_) if self.invalid_utf8 == InvalidUtf8::Replace => {
                    self.replaced_lines.push(self.line);
                    String::from_utf8_lossy(bytes)
                }
                Err(e) => {
                    note(Error::InvalidUtf8 {
                        path: self.schema.path.clone(),
                        line: self.line,
                        column: e.valid_up_to() as u64 + 1,
                    })?;
                    continue;
                }
            };
            match parse_object(&text, &mut self.schema) {
                Ok(values) => {
                    let schema = Arc::clone(&self.schema);
                    return Ok(Some(Record::new(self.line, schema, Cells::Json(values))));
                }
                Err(problem) => {
                    let error = problem.into_error(&self.schema.path, self.line);
                    note(error)?;
                }
            }
        }
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// Why a line is not a usable object.
#[derive(Debug)]
enum LineProblem {
    NotAnObject { column: u64, found: &'static str },
    InvalidJson(serde_json::Error),
}

impl LineProblem {
    fn into_error(self, path: &std::path::Path, line: u64) -> Error {
        match self {
            Self::NotAnObject { column, found } => Error::NotAnObject {
                path: path.to_owned(),
                line,
                column,
                found,
            },
            Self::InvalidJson(e) => Error::InvalidJson {
                path: path.to_owned(),
                line,
                column: e.column() as u64,
                message: without_position(&e),
            },
        }
    }
}

/// `serde_json`'s message without its own " at line 1 column N" suffix,
/// which would be wrong here: each line is parsed on its own.
fn without_position(error: &serde_json::Error) -> String {
    let message = error.to_string();
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message,
    }
}

/// Parses one line as an object whose values land at their column positions,
/// adding columns for keys not seen before.
fn parse_object(text: &str, schema: &mut Arc<Schema>) -> Result<Vec<Option<Value>>, LineProblem> {
    // Checking the first character gives a clearer message than the parser's
    // "invalid type" for the common mistakes: an array or a bare value.
    let start = text.len() - text.trim_start().len();
    let found = match text.as_bytes().get(start) {
        Some(b'{') | None => None,
        Some(b'[') => Some("an array"),
        Some(b'"') => Some("a string"),
        Some(b't' | b'f') => Some("a boolean"),
        Some(b'n') => Some("null"),
        Some(b'-' | b'0'..=b'9') => Some("a number"),
        Some(_) => None,
    };
    if let Some(found) = found
        && serde_json::from_str::<de::IgnoredAny>(text).is_ok()
    {
        let column = text[..start].chars().count() as u64 + 1;
        return Err(LineProblem::NotAnObject { column, found });
    }
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let values = ObjectSeed { schema }
        .deserialize(&mut deserializer)
        .map_err(LineProblem::InvalidJson)?;
    deserializer.end().map_err(LineProblem::InvalidJson)?;
    Ok(values)
}

struct ObjectSeed<'s> {
    schema: &'s mut Arc<Schema>,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = Vec<Option<Value>>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = Vec<Option<Value>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut values: Vec<Option<Value>> = vec![None; self.schema.names.len()];
        while let Some(key) = map.next_key_seed(KeySeed)? {
            let index = match self.schema.position(&key) {
                Some(index) => index,
                // Copy-on-write: records already handed out keep the columns
                // they were read with.
                None => Arc::make_mut(self.schema).push(&key),
            };
            if index >= values.len() {
                values.resize(index + 1, None);
            }
            // A repeated key: the later value wins, as in `serde_json`.
            values[index] = Some(map.next_value()?);
        }
        Ok(values)
    }
}

/// Deserialises a key borrowed from the input where it has no escapes.
struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Cow::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(text: &str) -> Result<(Vec<String>, Vec<Option<Value>>), String> {
        let mut schema = Arc::new(Schema::new("t.jsonl".into()));
        parse_object(text, &mut schema)
            .map(|values| (schema.names.clone(), values))
            .map_err(|p| p.into_error(std::path::Path::new("t.jsonl"), 1).to_string())
    }

    #[test]
    fn objects_keep_key_order_and_json_types() {
        let (names, values) = parse(r#"{"z": 1, "a": "x", "m": null, "b": [true]}"#).unwrap();
        assert_eq!(names, ["z", "a", "m", "b"]);
        assert_eq!(
            values,
            [
                Some(json!(1)),
                Some(json!("x")),
                Some(json!(null)),
                Some(json!([true]))
            ]
        );
    }

    #[test]
    fn lines_that_are_not_objects_are_rejected_with_a_column() {
        let cases = [
            ("[1, 2]", "column 1: found an array"),
            ("  \"text\"", "column 3: found a string"),
            ("42", "column 1: found a number"),
            ("null", "column 1: found null"),
            ("{\"a\": }", "column 7: invalid JSON (expected value)"),
            (
                "{\"a\": 1} x",
                "column 10: invalid JSON (trailing characters)",
            ),
            ("{\"a\": 1", "invalid JSON (EOF while parsing an object)"),
            ("nope", "invalid JSON (expected ident)"),
        ];
        for (text, expected) in cases {
            let err = parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn repeated_key_keeps_the_later_value() {
        let (names, values) = parse(r#"{"a": 1, "a": 2}"#).unwrap();
        assert_eq!(names, ["a"]);
        assert_eq!(values, [Some(json!(2))]);
    }

    #[test]
    fn escaped_keys_are_unescaped() {
        let (names, _) = parse(r#"{"caf\u00e9": 1}"#).unwrap();
        assert_eq!(names, ["café"]);
    }
}
