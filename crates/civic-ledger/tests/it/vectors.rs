//! The transparency-dev/merkle known-answer vectors (tests/data/merkle): every
//! happy path verifies and every negative case is rejected, exactly as each
//! file's `wantErr` says.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use civic_ledger::{Hash, verify_consistency, verify_inclusion};
use serde_json::Value;
use sha2::{Digest, Sha256};

fn data_dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/merkle")
        .join(kind)
}

fn json_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(json_files(&path));
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Decodes a base64 hash. Values that are not 32 bytes (the vectors include
/// empty strings and short placeholders) cannot become a `Hash`: our API
/// rejects them at the edge, which counts as a rejection.
fn hash(v: &Value) -> Option<Hash> {
    let bytes = BASE64.decode(v.as_str().unwrap()).unwrap();
    Hash::from_slice(&bytes).ok()
}

fn proof(v: &Value) -> Option<Vec<Hash>> {
    match v {
        Value::Null => Some(Vec::new()),
        Value::Array(items) => items.iter().map(hash).collect(),
        other => panic!("proof is neither null nor an array: {other}"),
    }
}

/// The consistency vectors' static probes use short placeholders ("don't
/// care 1") for roots whose value does not matter, only whether two are equal;
/// one such probe even expects success. A `Hash` is 32 bytes by construction,
/// so we run those probes with each placeholder replaced by its SHA-256, which
/// keeps equal placeholders equal and different ones different.
fn root(v: &Value) -> Hash {
    let bytes = BASE64.decode(v.as_str().unwrap()).unwrap();
    Hash::from_slice(&bytes).unwrap_or_else(|_| Hash(Sha256::digest(&bytes).into()))
}

#[derive(Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
}

impl Tally {
    fn check(&mut self, path: &Path, want_err: bool, result: Result<(), String>) {
        match (&result, want_err) {
            (Ok(()), false) => self.accepted += 1,
            (Err(_), true) => self.rejected += 1,
            _ => panic!(
                "{}: wantErr={want_err} but verification gave {result:?}",
                path.display()
            ),
        }
    }
}

#[test]
fn inclusion_vectors_verify_exactly_as_want_err_says() {
    let mut tally = Tally::default();
    let files = json_files(&data_dir("inclusion"));
    for path in &files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let want_err = v["wantErr"].as_bool().unwrap();
        let index = v["leafIdx"].as_u64().unwrap();
        let size = v["treeSize"].as_u64().unwrap();
        let result = match (hash(&v["leafHash"]), proof(&v["proof"]), hash(&v["root"])) {
            (Some(leaf), Some(proof), Some(root)) => {
                verify_inclusion(&leaf, index, size, &proof, &root).map_err(|e| e.to_string())
            }
            _ => Err("not a 32-byte hash".to_owned()),
        };
        tally.check(path, want_err, result);
    }
    assert_eq!(tally.accepted + tally.rejected, files.len());
    assert!(tally.accepted >= 6, "happy paths: {}", tally.accepted);
    assert!(tally.rejected >= 60, "negative cases: {}", tally.rejected);
}

#[test]
fn consistency_vectors_verify_exactly_as_want_err_says() {
    let mut tally = Tally::default();
    let files = json_files(&data_dir("consistency"));
    for path in &files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let want_err = v["wantErr"].as_bool().unwrap();
        let size1 = v["size1"].as_u64().unwrap();
        let size2 = v["size2"].as_u64().unwrap();
        let (root1, root2) = (root(&v["root1"]), root(&v["root2"]));
        let result = match proof(&v["proof"]) {
            Some(proof) => {
                verify_consistency(size1, size2, &proof, &root1, &root2).map_err(|e| e.to_string())
            }
            None => Err("not a 32-byte hash".to_owned()),
        };
        tally.check(path, want_err, result);
    }
    assert_eq!(tally.accepted + tally.rejected, files.len());
    assert!(tally.accepted >= 5, "happy paths: {}", tally.accepted);
    assert!(tally.rejected >= 60, "negative cases: {}", tally.rejected);
}

#[test]
fn equal_size_vectors_are_still_rejected_when_roots_differ() {
    // The placeholder substitution above keeps unequal roots unequal.
    let a = Hash(Sha256::digest(b"don't care 1").into());
    let b = Hash(Sha256::digest(b"don't care 2").into());
    assert!(verify_consistency(1, 1, &[], &a, &b).is_err());
    assert!(verify_consistency(1, 1, &[], &b, &b).is_ok());
    // A tree of size zero has exactly one root.
    assert!(verify_consistency(0, 0, &[], &b, &b).is_err());
    let empty = civic_ledger::empty_root();
    assert!(verify_consistency(0, 0, &[], &empty, &empty).is_ok());
}
