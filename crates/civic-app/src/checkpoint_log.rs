//! Every signed checkpoint, kept outside the database as well.
//!
//! A checkpoint in the database proves nothing to someone who can rewrite
//! the database: they can delete it, recompute the tree and sign a new one.
//! So the ledger writer appends each checkpoint it signs, once it is
//! committed, to a file outside the database (`checkpoint_log`, by default
//! `DATA_DIR.checkpoints.jsonl` beside the data directory), and before it
//! builds on the tree in the database, or signs it, it checks with an
//! RFC 9162 consistency proof that the tree extends the last checkpoint in
//! that file. If it does not, the writer signs nothing more and refuses
//! every write ([`civic_store::StoreError::Forked`]). `civic audit verify`
//! compares the file with the database's checkpoints, and the file (or one
//! checkpoint exported from it) is what an auditor or a witness keeps.
//!
//! The file is JSON Lines, one checkpoint a line, appended and synced:
//! `{"key":…,"note":…,"root":…,"signed_at":…,"size":…}`, where `note` is
//! the C2SP signed note. Lines whose `key` is not this ledger's verifier
//! key belong to another ledger (a data directory made again from scratch
//! beside an old file) and are passed over.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use civic_ledger::{Hash, LogVerifier};
use civic_store::{SignedHistory, StoredCheckpoint};
use serde::{Deserialize, Serialize};

use crate::AppError;

/// One line of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoggedCheckpoint {
    /// The verifier key of the ledger that signed it.
    pub key: String,
    /// The signed note (C2SP tlog-checkpoint in a C2SP signed note).
    pub note: String,
    /// The root hash, base64, as in the note.
    pub root: String,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
    /// The tree size.
    pub size: u64,
}

/// The file of checkpoints signed by one ledger key.
#[derive(Debug)]
pub struct CheckpointLog {
    path: PathBuf,
    verifier: LogVerifier,
    /// The largest checkpoint known, once the file has been read: the
    /// writer asks before every signature, and the file grows by a line a
    /// checkpoint (every 10 s by default), so it is read once and then
    /// kept up to date by [`SignedHistory::record`].
    last: std::sync::Mutex<Option<Option<(u64, Hash)>>>,
}

impl CheckpointLog {
    /// The log at `path` for the ledger that `verifier` checks.
    pub fn new(path: PathBuf, verifier: LogVerifier) -> Self {
        Self {
            path,
            verifier,
            last: std::sync::Mutex::new(None),
        }
    }

    /// The largest checkpoint of this ledger in the file: every line is
    /// parsed, and the chosen one's signature checked (all of them are
    /// checked by [`CheckpointLog::read`], which `civic audit verify` uses).
    pub fn largest(&self) -> Result<Option<(u64, Hash)>, AppError> {
        let mut cached = self.lock();
        if let Some(known) = *cached {
            return Ok(known);
        }
        let found = match self
            .lines()?
            .into_iter()
            .max_by_key(|(i, logged)| (logged.size, std::cmp::Reverse(*i)))
        {
            None => None,
            Some((i, logged)) => {
                let cp = self.check(i, &logged)?;
                Some((cp.size, cp.root))
            }
        };
        *cached = Some(found);
        Ok(found)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Option<(u64, Hash)>>> {
        // A cached size and root: one left by a panicking thread is usable.
        self.last
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every checkpoint of this ledger in the file, in the order appended,
    /// each signature checked; an empty list when there is no file yet.
    ///
    /// # Errors
    ///
    /// A line that does not parse, or whose signature does not verify,
    /// names the file and the line: the file is evidence, so it is never
    /// silently skipped.
    pub fn read(&self) -> Result<Vec<(LoggedCheckpoint, civic_ledger::Checkpoint)>, AppError> {
        self.lines()?
            .into_iter()
            .map(|(i, logged)| {
                let cp = self.check(i, &logged)?;
                Ok((logged, cp))
            })
            .collect()
    }

    /// This ledger's lines of the file, parsed, with their 0-based line
    /// numbers; none when there is no file yet.
    fn lines(&self) -> Result<Vec<(usize, LoggedCheckpoint)>, AppError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.error(format!("could not read it: {e}"))),
        };
        let mut out = Vec::new();
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let logged: LoggedCheckpoint = serde_json::from_str(line)
                .map_err(|e| self.error(format!("line {}: not a checkpoint record: {e}", i + 1)))?;
            if logged.key == self.verifier.verifier_key() {
                out.push((i, logged));
            }
        }
        Ok(out)
    }

    /// Checks line `i`'s signed note, and that the size and root beside it
    /// are the note's.
    fn check(
        &self,
        i: usize,
        logged: &LoggedCheckpoint,
    ) -> Result<civic_ledger::Checkpoint, AppError> {
        let bad = |what: String| self.error(format!("line {}: {what}", i + 1));
        let cp = self
            .verifier
            .verify(&logged.note)
            .map_err(|e| bad(format!("its signed note does not verify: {e}")))?;
        if cp.size != logged.size || cp.root.to_base64() != logged.root {
            return Err(bad(
                "the size or root beside the note differs from the note".into(),
            ));
        }
        Ok(cp)
    }

    /// Appends one checkpoint and syncs the file.
    pub fn append(&self, cp: &StoredCheckpoint) -> Result<(), AppError> {
        let line = LoggedCheckpoint {
            key: self.verifier.verifier_key().to_owned(),
            note: cp.note.clone(),
            root: cp.root.to_base64(),
            signed_at: civic_core::rfc3339(cp.created_at),
            size: cp.size,
        };
        let mut text = serde_json::to_string(&line)
            .map_err(|e| self.error(format!("could not write a record: {e}")))?;
        text.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| self.error(format!("could not open it to append: {e}")))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| self.error(format!("could not append to it: {e}")))?;
        // Keep the largest known, if the file has been read already.
        let mut cached = self.lock();
        if let Some(known) = cached.as_mut()
            && known.is_none_or(|(size, _)| cp.size > size)
        {
            *known = Some((cp.size, cp.root));
        }
        Ok(())
    }

    fn error(&self, message: String) -> AppError {
        AppError::Io {
            path: self.path.clone(),
            message: format!("the checkpoint log: {message}"),
        }
    }
}

impl SignedHistory for CheckpointLog {
    fn last(&self) -> Result<Option<(u64, Hash)>, String> {
        // The largest, not the last line: two processes on one database
        // sharing the file may append in either order.
        self.largest().map_err(|e| e.to_string())
    }

    fn record(&self, checkpoint: &StoredCheckpoint) -> Result<(), String> {
        self.append(checkpoint).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use civic_ledger::{Frontier, LogSigner, leaf_hash};

    fn signer() -> LogSigner {
        LogSigner::generate("test.example/ledger", &mut rand::rngs::OsRng).expect("key")
    }

    fn stored(signer: &LogSigner, size: u64) -> StoredCheckpoint {
        let mut f = Frontier::new();
        for i in 0..size {
            f.append(leaf_hash(&i.to_be_bytes()));
        }
        StoredCheckpoint {
            size,
            root: f.root(),
            note: signer.sign(size, f.root()),
            created_at: civic_core::now_millis(),
        }
    }

    #[test]
    fn checkpoints_round_trip_and_the_largest_is_the_last() {
        let dir = tempfile::tempdir().expect("dir");
        let s = signer();
        let log = CheckpointLog::new(dir.path().join("c.jsonl"), s.verifier());
        assert_eq!(SignedHistory::last(&log), Ok(None), "no file yet");
        for size in [3, 7, 5] {
            log.append(&stored(&s, size)).expect("append");
        }
        let all = log.read().expect("read");
        assert_eq!(
            all.iter().map(|(l, _)| l.size).collect::<Vec<_>>(),
            [3, 7, 5]
        );
        let last = SignedHistory::last(&log).expect("last");
        assert_eq!(last, Some((7, stored(&s, 7).root)));
    }

    #[test]
    fn a_log_read_afresh_finds_the_largest_and_checks_its_signature() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.jsonl");
        let s = signer();
        let writer = CheckpointLog::new(path.clone(), s.verifier());
        for size in [2, 9, 4] {
            writer.append(&stored(&s, size)).expect("append");
        }
        let fresh = CheckpointLog::new(path.clone(), s.verifier());
        assert_eq!(
            fresh.largest().expect("read"),
            Some((9, stored(&s, 9).root))
        );
        // The largest line's note altered: the file is refused, naming it.
        let text = std::fs::read_to_string(&path).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        let forged = lines[1]
            .replacen("\\n9\\n", "\\n10\\n", 1)
            .replace("\"size\":9", "\"size\":10");
        std::fs::write(&path, format!("{}\n{forged}\n{}\n", lines[0], lines[2])).expect("write");
        let err = CheckpointLog::new(path, s.verifier())
            .largest()
            .expect_err("forged");
        assert!(err.to_string().contains("line 2"), "{err}");
    }

    #[test]
    fn another_ledgers_lines_are_passed_over() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.jsonl");
        let (old, new) = (signer(), signer());
        CheckpointLog::new(path.clone(), old.verifier())
            .append(&stored(&old, 9))
            .expect("append");
        let log = CheckpointLog::new(path, new.verifier());
        assert_eq!(SignedHistory::last(&log), Ok(None));
    }

    #[test]
    fn a_forged_or_broken_line_is_an_error_naming_the_line() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("c.jsonl");
        let s = signer();
        let log = CheckpointLog::new(path.clone(), s.verifier());
        log.append(&stored(&s, 2)).expect("append");
        let text = std::fs::read_to_string(&path).expect("read");
        // A different size beside a genuine note.
        let forged = text.replace("\"size\":2", "\"size\":3");
        std::fs::write(&path, format!("{text}{forged}")).expect("write");
        let err = log.read().expect_err("forged").to_string();
        assert!(err.contains("line 2") && err.contains("differs"), "{err}");
        std::fs::write(&path, "not json\n").expect("write");
        let err = log.read().expect_err("broken").to_string();
        assert!(err.contains("line 1"), "{err}");
    }
}
