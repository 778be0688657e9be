//! The hash type and the three RFC 9162 hash functions every other module builds on.

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::LedgerError;

/// A SHA-256 hash: a leaf hash, an interior node hash or a tree root.
///
/// `Display` and `Debug` print lowercase hex (for logs and error messages);
/// serde and the checkpoint format use standard padded base64, as C2SP and
/// the transparency-dev test vectors do.
///
/// ```
/// use civic_ledger::Hash;
/// let h = civic_ledger::empty_root();
/// assert_eq!(Hash::from_base64(&h.to_base64()).unwrap(), h);
/// assert!(h.to_string().starts_with("e3b0c442"));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// Encodes the hash as standard padded base64 (44 characters).
    pub fn to_base64(&self) -> String {
        BASE64.encode(self.0)
    }

    /// Decodes a hash from standard padded base64.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedHash`] if the text is not base64 of exactly 32 bytes.
    pub fn from_base64(text: &str) -> Result<Self, LedgerError> {
        let bytes = BASE64
            .decode(text)
            .map_err(|_| LedgerError::MalformedHash)?;
        Self::from_slice(&bytes)
    }

    /// Decodes a hash from 64 hex digits (either case).
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedHash`] if the text is not hex of exactly 32 bytes.
    pub fn from_hex(text: &str) -> Result<Self, LedgerError> {
        let bytes = hex::decode(text).map_err(|_| LedgerError::MalformedHash)?;
        Self::from_slice(&bytes)
    }

    /// Copies a hash out of a byte slice, as read from a database column.
    ///
    /// # Errors
    ///
    /// [`LedgerError::MalformedHash`] if the slice is not exactly 32 bytes long.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, LedgerError> {
        <[u8; 32]>::try_from(bytes)
            .map(Hash)
            .map_err(|_| LedgerError::MalformedHash)
    }

    /// The hash's 32 bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&hex::encode(self.0))
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hash({self})")
    }
}

impl FromStr for Hash {
    type Err = LedgerError;

    /// Parses the `Display` form (hex).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::from_hex(s)
    }
}

impl Serialize for Hash {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_base64())
    }
}

impl<'de> Deserialize<'de> for Hash {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Hash::from_base64(&text).map_err(serde::de::Error::custom)
    }
}

// Conversions to and from the hash type of `tlog_tiles`, which does the tree
// maths. They are private so that the dependency stays out of our public API.
impl From<tlog_tiles::Hash> for Hash {
    fn from(h: tlog_tiles::Hash) -> Self {
        Hash(h.0)
    }
}

impl From<Hash> for tlog_tiles::Hash {
    fn from(h: Hash) -> Self {
        tlog_tiles::Hash(h.0)
    }
}

/// The RFC 9162 leaf hash of one log entry: `SHA-256(0x00 ‖ entry)`.
///
/// ```
/// let h = civic_ledger::leaf_hash(b"");
/// assert_eq!(h.to_string(), "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
/// ```
pub fn leaf_hash(entry: &[u8]) -> Hash {
    tlog_tiles::record_hash(entry).into()
}

/// The RFC 9162 interior node hash: `SHA-256(0x01 ‖ left ‖ right)`.
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    tlog_tiles::node_hash((*left).into(), (*right).into()).into()
}

/// The root of the empty tree: SHA-256 of the empty string (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Hash(Sha256::digest([]).into())
}

/// Serde adapter for raw bytes as standard base64, used for entry bytes in
/// proof bundles.
pub(crate) mod base64_bytes {
    use super::BASE64;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(crate) fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&BASE64.encode(bytes))
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(deserializer)?;
        BASE64.decode(text).map_err(serde::de::Error::custom)
    }
}
