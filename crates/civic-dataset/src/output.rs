//! Putting a finished output in place without ever replacing what is not a
//! regular file.
//!
//! Outputs are written to a temporary file and renamed over the output path,
//! so that a reader sees the whole file or none. A rename replaces whatever
//! the path names: given `/dev/null` (run as root), it replaced the device
//! with a regular file and broke every other program on the machine. So an
//! output that is `-` (standard output), or that exists and is not a regular
//! file (a device, a FIFO, a socket, a symbolic link), is written into in
//! place instead, its temporary file kept in the system's temporary folder.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// Whether `path` is written into in place: `-`, or something that exists
/// and is not a regular file.
pub fn is_special(path: &Path) -> bool {
    path == Path::new("-")
        || std::fs::symlink_metadata(path).is_ok_and(|m| !m.file_type().is_file())
}

/// Where the temporary file for `path` is made: beside it (so the rename is
/// atomic), or in the system's temporary folder for a special output.
pub fn temp_dir_for(path: &Path) -> PathBuf {
    if is_special(path) {
        return std::env::temp_dir();
    }
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Puts the finished `tmp` at `path`: renamed into place (refused with
/// [`std::io::ErrorKind::AlreadyExists`] if `path` exists and not
/// `overwrite`), or, for a special output, copied into it and removed.
pub fn persist(tmp: NamedTempFile, path: &Path, overwrite: bool) -> std::io::Result<()> {
    if !is_special(path) {
        let persisted = if overwrite {
            tmp.persist(path).map(|_| ())
        } else {
            tmp.persist_noclobber(path).map(|_| ())
        };
        return persisted.map_err(|e| e.error);
    }
    let mut from = tmp.reopen()?;
    if path == Path::new("-") {
        let mut out = std::io::stdout().lock();
        std::io::copy(&mut from, &mut out)?;
        out.flush()
    } else {
        // Opened to write and truncate, never created or replaced: the path
        // exists, and a device or FIFO takes the bytes as they come.
        let mut out = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)?;
        std::io::copy(&mut from, &mut out)?;
        out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(text: &str) -> NamedTempFile {
        let mut tmp = NamedTempFile::new().expect("temp");
        tmp.write_all(text.as_bytes()).expect("write");
        tmp
    }

    #[test]
    fn dev_null_stays_a_device() {
        let null = Path::new("/dev/null");
        if !null.exists() {
            return;
        }
        assert!(is_special(null));
        assert_eq!(temp_dir_for(null), std::env::temp_dir());
        persist(finished("gone"), null, false).expect("written into /dev/null");
        let kind = std::fs::symlink_metadata(null)
            .expect("still there")
            .file_type();
        assert!(
            !kind.is_file(),
            "/dev/null must never become a regular file"
        );
    }

    #[test]
    fn a_symbolic_link_is_written_through_and_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let target = dir.path().join("target.csv");
        std::fs::write(&target, "old").expect("write");
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&target, &link).expect("symlink");
        persist(finished("new"), &link, false).expect("written");
        assert!(
            std::fs::symlink_metadata(&link)
                .expect("link")
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read_to_string(&target).expect("read"), "new");
    }

    #[test]
    fn a_regular_file_is_renamed_into_place_and_not_clobbered_unless_asked() {
        let dir = tempfile::tempdir().expect("dir");
        let out = dir.path().join("out.csv");
        assert_eq!(temp_dir_for(&out), dir.path());
        persist(finished("one"), &out, false).expect("first");
        let again = persist(finished("two"), &out, false).expect_err("exists");
        assert_eq!(again.kind(), std::io::ErrorKind::AlreadyExists);
        persist(finished("two"), &out, true).expect("overwrite");
        assert_eq!(std::fs::read_to_string(&out).expect("read"), "two");
    }
}
