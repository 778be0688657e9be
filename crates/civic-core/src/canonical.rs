//! Canonical JSON and digests.
//!
//! Ledger entries and input digests must not depend on the order in which a
//! map happened to be built, so objects are written with their keys sorted
//! (by UTF-8 bytes, which equals code-point order), without insignificant
//! whitespace, with serde_json's shortest round-trip number formatting.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

/// Serialises `value` as canonical JSON bytes.
///
/// ```
/// let v = serde_json::json!({"b": 1, "a": [true, null, "x"]});
/// assert_eq!(civic_core::canonical_json(&v), br#"{"a":[true,null,"x"],"b":1}"#);
/// ```
pub fn canonical_json(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    write_value(value, &mut out);
    out
}

/// [`canonical_json`] as a `String`.
pub fn canonical_json_string(value: &Value) -> String {
    // The writer only emits valid UTF-8: keys and strings come from `String`s.
    String::from_utf8_lossy(&canonical_json(value)).into_owned()
}

fn write_value(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Object(map) => {
            // serde_json's default map is already sorted this way; a map that
            // keeps insertion order (a feature another crate may switch on) is
            // sorted here.
            let sorted = map
                .keys()
                .zip(map.keys().skip(1))
                .all(|(a, b)| a.as_bytes() < b.as_bytes());
            if sorted {
                write_entries(map.iter(), out);
            } else {
                let mut entries: Vec<(&String, &Value)> = map.iter().collect();
                entries.sort_unstable_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                write_entries(entries.into_iter(), out);
            }
        }
        Value::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(v, out);
            }
            out.push(b']');
        }
        scalar => write_scalar(scalar, out),
    }
}

fn write_entries<'v>(entries: impl Iterator<Item = (&'v String, &'v Value)>, out: &mut Vec<u8>) {
    out.push(b'{');
    for (i, (key, v)) in entries.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_str(key, out);
        out.push(b':');
        write_value(v, out);
    }
    out.push(b'}');
}

fn write_scalar(value: &Value, out: &mut Vec<u8>) {
    // Writing a scalar `Value` into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, value);
}

/// Writes one JSON object in canonical form straight into a byte buffer.
///
/// For records whose fields are known in advance (ledger entries), this is
/// several times cheaper than building a [`Value`] and serialising it: no map
/// is built, no key is cloned and nothing is sorted. The caller names the
/// fields in canonical order (ascending by UTF-8 bytes); debug builds check it,
/// and the byte-for-byte tests of each record type keep it so.
///
/// ```
/// let mut out = Vec::new();
/// let mut obj = civic_core::CanonicalObject::new(&mut out);
/// obj.str("a", "x");
/// obj.value("b", &serde_json::json!({"d": 1, "c": 2}));
/// obj.finish();
/// assert_eq!(out, br#"{"a":"x","b":{"c":2,"d":1}}"#);
/// ```
#[derive(Debug)]
pub struct CanonicalObject<'a> {
    out: &'a mut Vec<u8>,
    last_key: Option<&'static str>,
}

impl<'a> CanonicalObject<'a> {
    /// Opens an object at the end of `out`.
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        out.push(b'{');
        Self {
            out,
            last_key: None,
        }
    }

    fn key(&mut self, key: &'static str) {
        debug_assert!(
            self.last_key
                .is_none_or(|last| last.as_bytes() < key.as_bytes()),
            "canonical keys out of order: {:?} then {key:?}",
            self.last_key
        );
        if self.last_key.is_some() {
            self.out.push(b',');
        }
        self.last_key = Some(key);
        write_str(key, self.out);
        self.out.push(b':');
    }

    /// A string field.
    pub fn str(&mut self, key: &'static str, value: &str) {
        self.key(key);
        write_str(value, self.out);
    }

    /// A string field that is `null` when absent.
    pub fn opt_str(&mut self, key: &'static str, value: Option<&str>) {
        match value {
            Some(v) => self.str(key, v),
            None => self.null(key),
        }
    }

    /// A number field that is `null` when absent (or not finite, as JSON has
    /// no such numbers).
    pub fn opt_f64(&mut self, key: &'static str, value: Option<f64>) {
        match value {
            Some(v) if v.is_finite() => {
                self.key(key);
                // Writing a finite f64 into a Vec cannot fail; this is the
                // same shortest round-trip form a `Value::Number` is given.
                let _ = serde_json::to_writer(&mut *self.out, &v);
            }
            _ => self.null(key),
        }
    }

    /// A boolean field.
    pub fn bool(&mut self, key: &'static str, value: bool) {
        self.key(key);
        self.out
            .extend_from_slice(if value { b"true" } else { b"false" });
    }

    /// A non-negative integer field.
    pub fn u64(&mut self, key: &'static str, value: u64) {
        self.key(key);
        self.out.extend_from_slice(value.to_string().as_bytes());
    }

    /// A `null` field.
    pub fn null(&mut self, key: &'static str) {
        self.key(key);
        self.out.extend_from_slice(b"null");
    }

    /// A field holding any JSON value, written canonically.
    pub fn value(&mut self, key: &'static str, value: &Value) {
        self.key(key);
        write_value(value, self.out);
    }

    /// A field holding a value, or text that is already canonical JSON
    /// (written as it is: the caller vouches for it).
    pub fn json(&mut self, key: &'static str, value: crate::Json<'_>) {
        match value {
            crate::Json::Value(v) => self.value(key, v),
            crate::Json::Canonical(text) => {
                self.key(key);
                self.out.extend_from_slice(text.as_bytes());
            }
        }
    }

    /// A field holding a nested object; finish it before the next field.
    pub fn object(&mut self, key: &'static str) -> CanonicalObject<'_> {
        self.key(key);
        CanonicalObject::new(self.out)
    }

    /// Closes the object.
    pub fn finish(self) {
        self.out.push(b'}');
    }
}

fn write_str(s: &str, out: &mut Vec<u8>) {
    // Writing a string into a Vec cannot fail; serde_json escapes it exactly
    // as it escapes a `Value::String`.
    let _ = serde_json::to_writer(&mut *out, s);
}

/// A SHA-256 digest, shown and serialised as lowercase hex.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Digest(pub [u8; 32]);

impl Digest {
    /// The SHA-256 digest of `bytes`.
    pub fn of(bytes: &[u8]) -> Self {
        Self(Sha256::digest(bytes).into())
    }

    /// The digest of the canonical JSON of `value`.
    pub fn of_json(value: &Value) -> Self {
        Self::of(&canonical_json(value))
    }

    /// Parses 64 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).ok()?;
        Some(Self(out))
    }

    /// The digest as lowercase hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Debug for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Digest({})", self.to_hex())
    }
}

impl fmt::Display for Digest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl Serialize for Digest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_hex())
    }
}

impl<'de> Deserialize<'de> for Digest {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Digest::from_hex(&s).ok_or_else(|| serde::de::Error::custom("expected 64 hex digits"))
    }
}

/// SHA-256 of `bytes` as lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Digest::of(bytes).to_hex()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v = json!({"z": {"b": 2, "a": 1}, "a": [{"y": 0, "x": 1}]});
        assert_eq!(
            canonical_json_string(&v),
            r#"{"a":[{"x":1,"y":0}],"z":{"a":1,"b":2}}"#
        );
    }

    #[test]
    fn canonical_json_escapes_strings_like_json() {
        let v = json!({"k\"ey": "line\nbreak \u{1F600}"});
        assert_eq!(
            canonical_json_string(&v),
            "{\"k\\\"ey\":\"line\\nbreak \u{1F600}\"}"
        );
    }

    #[test]
    fn floats_round_trip_through_text() {
        let v = json!({"c": 0.1 + 0.2});
        let text = canonical_json_string(&v);
        let back: Value = serde_json::from_str(&text).expect("valid json");
        assert_eq!(canonical_json_string(&back), text);
    }

    #[test]
    fn digest_is_sha256_of_canonical_bytes() {
        // SHA-256("{}") known answer.
        assert_eq!(
            Digest::of_json(&json!({})).to_hex(),
            "44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
        let d = Digest::of(b"abc");
        assert_eq!(Digest::from_hex(&d.to_hex()), Some(d));
        assert_eq!(Digest::from_hex("zz"), None);
    }
}
