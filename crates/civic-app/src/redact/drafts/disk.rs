//! A draft's files. Each draft is one directory under `DATA_DIR/drafts/`,
//! named by its id:
//!
//! | file | what | written |
//! |---|---|---|
//! | `upload` | the document as uploaded | once |
//! | `index.json` | its type, passages and where each page starts ([`Index`]) | once |
//! | `page-N.json` | page N's text and suggestions ([`Page`]) | once |
//! | `draft.json` | owner, name, options, last use, size, result ([`Meta`]) | on every use |
//! | `choices.json` | the reviewer's choices ([`Choices`]) | on every submit |
//! | `redacted`, `log.json` | the result, until both are downloaded | once |
//!
//! A new draft is written in full in a `.new-…` directory and renamed into
//! place; every later file is written beside its place and renamed over it.
//! So a crash leaves a draft whole or absent, never half-written.

use std::collections::BTreeSet;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use civic_core::UserId;
use civic_redact::{Evidence, Label};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::DraftId;
use crate::AppError;
use crate::redact::review::ReviewCounts;
use crate::redact::{RedactOptions, io_err};
use civic_redact::document::FileType;

/// The folder under the data directory that holds every draft.
pub(super) const DRAFTS_DIR: &str = "drafts";

/// The start of a draft's name while it is being written.
const NEW_PREFIX: &str = ".new-";

/// A draft's facts that change: who owns it, when it was last used, its
/// size on disk and, once redacted, the result.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Meta {
    pub owner: UserId,
    /// The file's name, as uploaded (its last component).
    pub name: String,
    pub options: StoredOptions,
    /// Seconds since the Unix epoch.
    pub created: u64,
    pub last_used: u64,
    /// Bytes on disk, all files included.
    pub bytes: u64,
    pub done: Option<Done>,
}

/// [`RedactOptions`] as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct StoredOptions {
    pub operator: Option<String>,
    pub labels: Option<String>,
    pub keep: Vec<String>,
}

impl From<&RedactOptions> for StoredOptions {
    fn from(o: &RedactOptions) -> Self {
        StoredOptions {
            // Stored as the name, as drafts always were.
            operator: o.operator.map(|kind| kind.as_str().to_owned()),
            // Stored as the names, comma-separated, as drafts always were.
            labels: o
                .labels
                .as_ref()
                .map(|set| set.iter().map(|l| l.as_str()).collect::<Vec<_>>().join(",")),
            keep: o.keep.clone(),
        }
    }
}

impl TryFrom<StoredOptions> for RedactOptions {
    type Error = AppError;

    fn try_from(o: StoredOptions) -> Result<Self, AppError> {
        Ok(RedactOptions {
            operator: o
                .operator
                .as_deref()
                .map(crate::redact::parse_operator)
                .transpose()?,
            labels: o
                .labels
                .as_deref()
                .map(|names| crate::redact::parse_labels(names.split(',')))
                .transpose()?,
            keep: o.keep,
        })
    }
}

/// The result of the final redaction, kept until both parts are downloaded.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Done {
    pub decision: String,
    pub file_type: FileType,
    pub counts: ReviewCounts,
    pub per_label: Vec<(String, u64)>,
    pub file_taken: bool,
    pub log_taken: bool,
}

/// What never changes after upload: the document's type and where each of
/// its pages starts.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Index {
    pub file_type: FileType,
    /// How a text that was not valid UTF-8 was read, in words.
    pub decoding: Option<String>,
    /// How many passages the document has.
    pub passages: usize,
    /// One entry per page, in reading order (at least one).
    pub pages: Vec<PageStart>,
}

/// Where a page starts, and how many suggestions come before it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub(super) struct PageStart {
    pub passage: usize,
    /// In code points within the passage.
    pub start: usize,
    pub suggestions_before: usize,
}

impl Index {
    /// The page (from 0) showing code point `offset` of `passage`.
    pub fn page_of(&self, passage: usize, offset: usize) -> usize {
        self.pages
            .partition_point(|p| (p.passage, p.start) <= (passage, offset))
            .saturating_sub(1)
    }

    /// Whether a span starting at `start` of `passage` belongs to page `page`.
    pub fn holds(&self, page: usize, passage: usize, start: usize) -> bool {
        self.page_of(passage, start) == page
    }
}

/// A page as stored: its text, stretch by stretch, and once each the
/// evidence its suggestions cite (most cite one of a few, so a page of 400
/// suggestions holds a few lines of evidence, not 400).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(super) struct Page {
    pub evidence: Vec<Evidence>,
    pub text: Vec<PageText>,
}

/// A stretch of one passage shown on a page, with the suggestions that
/// start in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageText {
    /// The passage (from 0).
    pub passage: usize,
    /// Where the stretch starts and ends in the passage, in code points.
    pub start: usize,
    pub end: usize,
    /// The text of the stretch.
    pub text: String,
    /// The suggestions starting in it, in order.
    pub suggestions: Vec<Suggestion>,
}

/// A suggested span, as a reviewer sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    /// Its number among its passage's suggestions (from 0).
    pub index: usize,
    /// Where it starts and ends in its passage, in code points.
    pub start: usize,
    pub end: usize,
    pub label: Label,
    pub score: f32,
    /// The pattern, check and context word that produced it, as an index
    /// into its page's evidence.
    pub evidence: usize,
}

/// A span the reviewer added, offsets in code points within its passage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Added {
    /// The passage (from 0).
    pub passage: usize,
    pub start: usize,
    pub end: usize,
    pub label: Label,
}

/// The reviewer's choices so far.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(super) struct Choices {
    /// The pages (from 0) the reviewer has opened.
    pub seen: BTreeSet<usize>,
    /// Suggestions the reviewer unticked, as `(passage, index)`.
    pub rejected: BTreeSet<(usize, usize)>,
    /// Spans the reviewer added, sorted, never overlapping one another.
    pub added: Vec<Added>,
}

/// Seconds since the Unix epoch.
pub(super) fn now() -> u64 {
    secs(SystemTime::now())
}

pub(super) fn secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

pub(super) fn root(data_dir: &Path) -> PathBuf {
    data_dir.join(DRAFTS_DIR)
}

pub(super) fn dir_of(root: &Path, id: DraftId) -> PathBuf {
    root.join(id.to_string())
}

pub(super) fn page_file(dir: &Path, page: usize) -> PathBuf {
    dir.join(format!("page-{page}.json"))
}

pub(super) const UPLOAD: &str = "upload";
pub(super) const INDEX: &str = "index.json";
pub(super) const META: &str = "draft.json";
pub(super) const CHOICES: &str = "choices.json";
pub(super) const REDACTED: &str = "redacted";
pub(super) const LOG: &str = "log.json";

/// Writes `bytes` to `path` atomically: a temporary file beside it, flushed
/// and renamed over it. The directory is never created, so a write to a
/// draft removed meanwhile fails rather than leave a stray file.
pub(super) fn write(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = match tempfile::NamedTempFile::new_in(dir) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::NotFound { what: "draft" });
        }
        Err(e) => return Err(io_err(dir, e)),
    };
    tmp.write_all(bytes).map_err(|e| io_err(path, e))?;
    crate::redact::persist(tmp, path, true)
}

/// Writes `value` as JSON to `path` atomically; returns its size.
pub(super) fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<u64, AppError> {
    let bytes = serde_json::to_vec(value)
        .map_err(|e| AppError::Internal(format!("{}: {e}", path.display())))?;
    write(path, &bytes)?;
    Ok(bytes.len() as u64)
}

/// Reads the JSON file `path`; a draft's file that is missing means the
/// draft is gone (discarded, expired or finished meanwhile).
pub(super) fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T, AppError> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::NotFound { what: "draft" });
        }
        Err(e) => return Err(io_err(path, e)),
    };
    serde_json::from_slice(&bytes).map_err(|e| AppError::Io {
        path: path.to_owned(),
        message: format!("a damaged draft file: {e}"),
    })
}

/// A new draft's directory, to fill and then [`publish`](NewDraft::publish).
/// Dropped unpublished, it is removed.
#[derive(Debug)]
pub(super) struct NewDraft {
    dir: tempfile::TempDir,
}

impl NewDraft {
    pub fn create(root: &Path) -> Result<Self, AppError> {
        std::fs::create_dir_all(root).map_err(|e| io_err(root, e))?;
        let dir = tempfile::Builder::new()
            .prefix(NEW_PREFIX)
            .tempdir_in(root)
            .map_err(|e| io_err(root, e))?;
        Ok(NewDraft { dir })
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Renames the finished draft to `root/ID`.
    pub fn publish(self, root: &Path, id: DraftId) -> Result<(), AppError> {
        let to = dir_of(root, id);
        let from = self.dir.keep();
        std::fs::rename(&from, &to).map_err(|e| {
            let _ = std::fs::remove_dir_all(&from);
            io_err(&to, e)
        })
    }
}

/// Every draft on disk, with its facts; a damaged one is logged and left
/// out (housekeeping removes it once it is old).
pub(super) fn all(root: &Path) -> Vec<(DraftId, Meta)> {
    let Ok(entries) = std::fs::read_dir(root) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(DraftId::parse) else {
            continue;
        };
        match read_json::<Meta>(&entry.path().join(META)) {
            Ok(meta) => out.push((id, meta)),
            Err(e) => tracing::warn!(error = %e, "a redaction draft could not be read"),
        }
    }
    out
}

/// Removes, under `root`, the drafts not used for `ttl`, those half-written
/// by a process that stopped more than an hour ago, and damaged ones as
/// old; returns how many.
pub(super) fn remove_expired(root: &Path, ttl: Duration) -> u64 {
    let Ok(entries) = std::fs::read_dir(root) else {
        return 0;
    };
    let now = now();
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let path = entry.path();
        let changed = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .unwrap_or_default();
        let lapsed = if name.starts_with(NEW_PREFIX) {
            changed > crate::redact::files::STALE_UPLOAD
        } else if DraftId::parse(&name).is_some() {
            match read_json::<Meta>(&path.join(META)) {
                Ok(meta) => expired(&meta, ttl, now),
                Err(_) => changed > ttl,
            }
        } else {
            false
        };
        if !lapsed {
            continue;
        }
        match std::fs::remove_dir_all(&path) {
            Ok(()) => removed += 1,
            Err(e) => tracing::warn!(error = %e, "could not remove an expired redaction draft"),
        }
    }
    removed
}

/// Whether `meta`'s draft has not been used for `ttl` at `now`.
pub(super) fn expired(meta: &Meta, ttl: Duration, now: u64) -> bool {
    now.saturating_sub(meta.last_used) >= ttl.as_secs()
}

/// The bytes of the files in `dir`.
pub(super) fn size_of(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(starts: &[(usize, usize)]) -> Index {
        Index {
            file_type: FileType::Text,
            decoding: None,
            passages: 3,
            pages: starts
                .iter()
                .map(|&(passage, start)| PageStart {
                    passage,
                    start,
                    suggestions_before: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn a_position_is_on_the_last_page_starting_at_or_before_it() {
        let index = index(&[(0, 0), (0, 40_000), (2, 0)]);
        for (passage, offset, page) in [
            (0, 0, 0),
            (0, 39_999, 0),
            (0, 40_000, 1),
            (1, 5, 1),
            (2, 0, 2),
            (9, 9, 2),
        ] {
            assert_eq!(index.page_of(passage, offset), page, "{passage} {offset}");
        }
        assert!(index.holds(1, 1, 0));
        assert!(!index.holds(0, 1, 0));
    }

    #[test]
    fn options_are_stored_as_names_so_drafts_written_before_still_load() {
        let before = r#"{"operator":"mask","labels":"PERSON,EMAIL","keep":["Jo"]}"#;
        let stored: StoredOptions = serde_json::from_str(before).expect("stored options");
        let options = RedactOptions::try_from(stored).expect("options");
        assert_eq!(options.operator, Some(civic_redact::OperatorKind::Mask));
        assert_eq!(
            options.labels,
            Some([civic_redact::Label::Person, civic_redact::Label::Email].into())
        );
        let again = serde_json::to_string(&StoredOptions::from(&options)).expect("json");
        assert_eq!(again, before);
        let bad: StoredOptions =
            serde_json::from_str(r#"{"operator":"blur","labels":null,"keep":[]}"#).expect("json");
        match RedactOptions::try_from(bad) {
            Err(AppError::Invalid { field, .. }) => assert_eq!(field, "operator"),
            other => panic!("expected a refusal naming the operator, got {other:?}"),
        }
    }

    #[test]
    fn lapsed_and_half_written_drafts_are_removed_and_others_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let root = dir.path();
        let meta = |last_used| Meta {
            owner: UserId::new(),
            name: "a.txt".into(),
            options: StoredOptions::from(&RedactOptions::default()),
            created: last_used,
            last_used,
            bytes: 0,
            done: None,
        };
        let (old, fresh) = (DraftId::random(), DraftId::random());
        for (id, used) in [(old, now() - 7_200), (fresh, now())] {
            let d = dir_of(root, id);
            std::fs::create_dir_all(&d).expect("dir");
            write_json(&d.join(META), &meta(used)).expect("meta");
        }
        // A new draft being written now is not touched.
        let writing = NewDraft::create(root).expect("new");
        assert_eq!(remove_expired(root, Duration::from_secs(3_600)), 1);
        assert!(!dir_of(root, old).exists());
        assert!(dir_of(root, fresh).exists());
        assert!(writing.path().exists());
        assert_eq!(all(root).len(), 1);
    }
}
