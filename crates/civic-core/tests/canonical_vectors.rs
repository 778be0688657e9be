//! The canonical JSON writer against the published test vectors
//! (`tests/data/canonical_json.json`). The vectors' expected text was written
//! by a second implementation made from the rules in `docs/architecture.md`
//! (`tests/data/canonical_json_reference.py`), so this test holds the Rust
//! writer, the Python one and the written rules to one another: an upgrade
//! of serde_json that changed how a number is written would fail here.

use civic_core::{Digest, canonical_json_string};
use serde::Deserialize;

#[derive(Deserialize)]
struct Vector {
    name: String,
    input: String,
    canonical: String,
    sha256: String,
}

#[test]
fn the_writer_matches_every_published_vector() {
    let text = include_str!("data/canonical_json.json");
    let vectors: Vec<Vector> = serde_json::from_str(text).expect("vectors parse");
    assert!(vectors.len() >= 14, "the vectors file lost vectors");
    for v in vectors {
        let value: serde_json::Value =
            serde_json::from_str(&v.input).unwrap_or_else(|e| panic!("{}: input: {e}", v.name));
        let written = canonical_json_string(&value);
        assert_eq!(written, v.canonical, "vector {:?}", v.name);
        assert_eq!(
            Digest::of(written.as_bytes()).to_hex(),
            v.sha256,
            "vector {:?}",
            v.name
        );
        // Canonical text is a fixed point: reading it back changes nothing.
        let again: serde_json::Value = serde_json::from_str(&written).expect("reads back");
        assert_eq!(
            canonical_json_string(&again),
            written,
            "vector {:?}",
            v.name
        );
    }
}
