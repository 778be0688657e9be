//! The SHA-256 and size of what a document's redaction reads, computed
//! a block at a time, so that a file of any size is digested in bounded
//! memory.

use std::io::Read;

use sha2::{Digest as _, Sha256};

/// The size of the blocks read at a time.
pub(super) const BLOCK: usize = 64 * 1024;

/// The SHA-256 and the size of a file's bytes: what the ledger records of
/// a redaction's input and output instead of the bytes themselves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentDigest {
    /// The SHA-256 of the bytes.
    pub sha256: [u8; 32],
    /// How many bytes.
    pub bytes: u64,
}

impl ContentDigest {
    /// The digest of bytes held in memory.
    ///
    /// ```
    /// use civic_redact::document::ContentDigest;
    /// let d = ContentDigest::of(b"abc");
    /// assert_eq!(d.bytes, 3);
    /// assert!(d.to_hex().starts_with("ba7816bf"));
    /// ```
    pub fn of(bytes: &[u8]) -> Self {
        ContentDigest {
            sha256: Sha256::digest(bytes).into(),
            bytes: bytes.len() as u64,
        }
    }

    /// The digest of everything `reader` holds, read a block at a time.
    pub fn of_reader(reader: impl Read) -> std::io::Result<Self> {
        digest_blocks(reader, |_| {})
    }

    /// The SHA-256 in lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.sha256)
    }
}

/// Reads `reader` to its end a block at a time, handing each block to
/// `each`, and returns the digest and size of all of it.
pub(super) fn digest_blocks(
    mut reader: impl Read,
    mut each: impl FnMut(&[u8]),
) -> std::io::Result<ContentDigest> {
    let mut block = vec![0u8; BLOCK];
    let mut hasher = Sha256::new();
    let mut bytes = 0u64;
    loop {
        let n = match reader.read(&mut block) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(&block[..n]);
        bytes += n as u64;
        each(&block[..n]);
    }
    Ok(ContentDigest {
        sha256: hasher.finalize().into(),
        bytes,
    })
}
