//! The training-data digest: SHA-256 of a file's bytes.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::Error;

/// The SHA-256 of the file at `path`, as 64 lowercase hex digits, read in
/// fixed-size chunks so that files of any size take constant memory.
///
/// The digest is of the bytes as stored, so it identifies the exact file a
/// model was trained on (re-saving the same rows differently changes it).
///
/// # Errors
/// [`Error::Io`] if the file cannot be opened or read.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("empty.csv");
/// std::fs::write(&path, "")?;
/// assert_eq!(
///     civic_dataset::digest(&path)?,
///     "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
/// );
/// # Ok(())
/// # }
/// ```
pub fn digest(path: impl AsRef<Path>) -> Result<String, Error> {
    let path = path.as_ref();
    let file = File::open(path).map_err(|e| Error::io(path, "opening for reading", e))?;
    digest_reader(file).map_err(|e| Error::io(path, "reading", e))
}

fn digest_reader(mut input: impl Read) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match input.read(&mut buffer) {
            Ok(0) => return Ok(hex::encode(hasher.finalize())),
            Ok(n) => hasher.update(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_known_answers() {
        // FIPS 180-2 test vectors.
        let cases = [
            (
                "",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
            (
                "abc",
                "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(digest_reader(input.as_bytes()).unwrap(), expected);
        }
    }

    #[test]
    fn digest_spans_many_chunks() {
        let input = vec![b'a'; 1_000_000];
        assert_eq!(
            digest_reader(&input[..]).unwrap(),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"
        );
    }
}
