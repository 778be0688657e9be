//! The file formats this crate reads and writes, and how they are recognised.

use std::fmt;
use std::path::Path;

use crate::Error;

/// A tabular file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Comma-separated values (RFC 4180) with a header row.
    Csv,
    /// JSON Lines: one JSON object per line; blank lines are skipped.
    JsonLines,
}

impl Format {
    /// The format named by `path`'s extension (`.csv`, `.jsonl` or `.ndjson`,
    /// in any letter case).
    ///
    /// # Errors
    /// [`Error::UnknownFormat`], naming the file, for any other extension.
    ///
    /// ```
    /// use civic_dataset::Format;
    /// assert_eq!(Format::from_path("contacts.CSV").unwrap(), Format::Csv);
    /// assert_eq!(Format::from_path("out/claims.ndjson").unwrap(), Format::JsonLines);
    /// assert!(Format::from_path("claims.xlsx").is_err());
    /// ```
    pub fn from_path(path: impl AsRef<Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("csv") => Ok(Self::Csv),
            Some("jsonl" | "ndjson") => Ok(Self::JsonLines),
            _ => Err(Error::UnknownFormat {
                path: path.to_owned(),
            }),
        }
    }

    /// `explicit` if given, otherwise the format named by `path`'s extension.
    ///
    /// # Errors
    /// As [`Format::from_path`], only when `explicit` is `None`.
    pub fn resolve(explicit: Option<Self>, path: &Path) -> Result<Self, Error> {
        explicit.map_or_else(|| Self::from_path(path), Ok)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Csv => "CSV",
            Self::JsonLines => "JSON Lines",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_is_recognised_from_the_extension() {
        let cases = [
            ("a.csv", Some(Format::Csv)),
            ("dir.d/A.Csv", Some(Format::Csv)),
            ("a.jsonl", Some(Format::JsonLines)),
            ("a.NDJSON", Some(Format::JsonLines)),
            ("a.json", None),
            ("a.tsv", None),
            ("csv", None),
            ("a.csv.gz", None),
        ];
        for (path, expected) in cases {
            assert_eq!(Format::from_path(path).ok(), expected, "{path}");
        }
    }

    #[test]
    fn unknown_format_error_names_the_file() {
        let err = Format::from_path("claims.xlsx").unwrap_err();
        assert!(err.to_string().starts_with("claims.xlsx: "), "{err}");
        assert_eq!(err.code(), "dataset.unknown_format");
    }

    #[test]
    fn explicit_format_overrides_the_extension() {
        let format = Format::resolve(Some(Format::JsonLines), Path::new("x.txt"));
        assert_eq!(format.ok(), Some(Format::JsonLines));
    }
}
