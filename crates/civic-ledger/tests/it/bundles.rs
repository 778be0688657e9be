//! Proof bundles: a JSON round trip, and each way a bundle can be wrong.

use civic_ledger::{
    LedgerError, LogSigner, ProofBundle, inclusion_proof, inclusion_proof_indexes, leaf_hash,
};
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::support::MemoryLog;

const ORIGIN: &str = "civic.example.gov.uk/ledger";
const SIZE: u64 = 20;
const INDEX: u64 = 7;

fn signer(seed: u64) -> LogSigner {
    LogSigner::generate(ORIGIN, &mut StdRng::seed_from_u64(seed)).unwrap()
}

fn bundle_for(log: &MemoryLog, signer: &LogSigner, index: u64) -> ProofBundle {
    let size = log.frontier.size();
    let path = inclusion_proof(
        index,
        size,
        &log.fetch(&inclusion_proof_indexes(index, size).unwrap()),
    )
    .unwrap();
    ProofBundle::new(
        index,
        log.entries[index as usize].clone(),
        path,
        signer.sign(size, log.frontier.root()),
        signer.verifier_key().to_owned(),
    )
}

fn setup() -> (MemoryLog, LogSigner, ProofBundle) {
    let log = MemoryLog::with_entries(SIZE);
    let signer = signer(1);
    let bundle = bundle_for(&log, &signer, INDEX);
    (log, signer, bundle)
}

#[test]
fn bundle_round_trips_through_json_and_verifies() {
    let (log, signer, bundle) = setup();
    let json = bundle.to_json();
    let parsed = ProofBundle::from_json(&json).unwrap();
    assert_eq!(parsed, bundle);

    let verified = parsed.verify(&parsed.embedded_verifier().unwrap()).unwrap();
    assert_eq!(verified.index, INDEX);
    assert_eq!(verified.entry, log.entries[INDEX as usize]);
    assert_eq!(verified.leaf_hash, leaf_hash(&log.entries[INDEX as usize]));
    assert_eq!(verified.checkpoint.size, SIZE);
    assert_eq!(verified.checkpoint.root, log.frontier.root());
    assert!(parsed.verify(&signer.verifier()).is_ok());

    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["format"], "civic-ledger-proof/v1");
    assert_eq!(value["index"], INDEX);
    assert!(value["entry"].is_string());
    assert!(value["inclusion_path"].is_array());
}

#[test]
fn every_entry_of_a_log_has_a_verifying_bundle() {
    let log = MemoryLog::with_entries(SIZE);
    let signer = signer(2);
    for index in 0..SIZE {
        assert!(
            bundle_for(&log, &signer, index)
                .verify(&signer.verifier())
                .is_ok()
        );
    }
}

#[test]
fn altered_bundles_are_rejected_with_a_clear_error() {
    let (log, signer, bundle) = setup();
    let other_signer = signer_for_other_key();
    let alter: Vec<(&str, Alteration, &str)> = vec![
        (
            "tampered entry",
            Box::new(|b| b.entry.push(b' ')),
            "ledger_inclusion_proof_invalid",
        ),
        (
            "proof for a different index",
            Box::new(|b| b.index += 1),
            "ledger_inclusion_proof_invalid",
        ),
        (
            "index beyond the checkpoint",
            Box::new(|b| b.index = SIZE),
            "ledger_index_out_of_range",
        ),
        (
            "path element altered",
            Box::new(|b| b.inclusion_path[0].0[0] ^= 1),
            "ledger_inclusion_proof_invalid",
        ),
        (
            "path truncated",
            Box::new(|b| {
                b.inclusion_path.pop();
            }),
            "ledger_inclusion_proof_invalid",
        ),
        (
            "checkpoint signed by another key",
            Box::new(move |b| b.checkpoint = other_signer.sign(SIZE, b.inclusion_path[0])),
            "ledger_checkpoint_wrong_key",
        ),
        (
            "checkpoint text altered",
            Box::new(|b| b.checkpoint = b.checkpoint.replacen("\n20\n", "\n21\n", 1)),
            "ledger_checkpoint_bad_signature",
        ),
        (
            "unknown format",
            Box::new(|b| b.format = "v0".into()),
            "ledger_unsupported_bundle_format",
        ),
    ];
    for (name, change, code) in alter {
        let mut altered = bundle.clone();
        change(&mut altered);
        let err = altered.verify(&signer.verifier()).unwrap_err();
        assert_eq!(err.code(), code, "{name}: {err}");
    }

    // A genuine signature over a root that is not this tree's root.
    let mut wrong_root = bundle.clone();
    wrong_root.checkpoint = signer.sign(SIZE, leaf_hash(b"not the root"));
    let err = wrong_root.verify(&signer.verifier()).unwrap_err();
    assert!(
        matches!(
            err,
            LedgerError::InclusionProofInvalid {
                index: INDEX,
                size: SIZE
            }
        ),
        "{err}"
    );

    // A checkpoint for a larger tree does not match a path for this one.
    let mut bigger = MemoryLog::with_entries(SIZE);
    bigger.append(b"late".to_vec());
    let mut stale_path = bundle.clone();
    stale_path.checkpoint = signer.sign(bigger.frontier.size(), bigger.frontier.root());
    assert!(stale_path.verify(&signer.verifier()).is_err());
    assert_eq!(log.frontier.size(), SIZE);
}

/// A change made to a good bundle, expected to make it fail.
type Alteration = Box<dyn Fn(&mut ProofBundle)>;

fn signer_for_other_key() -> LogSigner {
    signer(99)
}

#[test]
fn a_bundle_checked_against_another_key_is_rejected() {
    let (_, _, bundle) = setup();
    let err = bundle.verify(&signer(3).verifier()).unwrap_err();
    assert_eq!(err.code(), "ledger_checkpoint_wrong_key");
    // The CLI compares a --public-key with the embedded one before verifying.
    assert_ne!(bundle.embedded_verifier().unwrap(), signer(3).verifier());
}

#[test]
fn malformed_bundle_json_names_the_problem() {
    let (_, _, bundle) = setup();
    let err = ProofBundle::from_json("{\"index\": 1,").unwrap_err();
    assert_eq!(err.code(), "ledger_malformed_bundle");
    assert!(err.to_string().contains("line 1"), "{err}");

    let mut value: serde_json::Value = serde_json::from_str(&bundle.to_json()).unwrap();
    value["extra"] = serde_json::json!(1);
    assert!(ProofBundle::from_json(&value.to_string()).is_err());

    let mut value: serde_json::Value = serde_json::from_str(&bundle.to_json()).unwrap();
    value["inclusion_path"][0] = serde_json::json!("AAAA");
    assert!(ProofBundle::from_json(&value.to_string()).is_err());
}

#[test]
fn bundle_exports_the_c2sp_tlog_proof_text() {
    let (_, _, bundle) = setup();
    let text = bundle.to_tlog_proof();
    let (head, checkpoint) = text.split_once("\n\n").unwrap();
    let mut lines = head.lines();
    assert_eq!(lines.next(), Some("c2sp.org/tlog-proof@v1"));
    assert_eq!(lines.next(), Some("index 7"));
    let path: Vec<String> = bundle
        .inclusion_path
        .iter()
        .map(|h| h.to_base64())
        .collect();
    assert_eq!(lines.collect::<Vec<_>>(), path);
    assert_eq!(checkpoint, bundle.checkpoint);
}

/// The fuzz target `ledger_bundles` starts from real, verifying inputs: a
/// proof bundle, a consistency bundle and a witness request. This builds
/// them, checks each parses and verifies, and, with `CIVIC_FUZZ_SEEDS_OUT`
/// set to a folder, writes them there (`fuzz/corpus/ledger_bundles`).
#[test]
fn fuzz_seeds_are_bundles_and_requests_that_verify() {
    use civic_ledger::{
        AddCheckpoint, ConsistencyBundle, consistency_proof, consistency_proof_indexes,
    };

    let (log, signer, bundle) = setup();
    let proof = bundle.to_json();
    assert!(
        ProofBundle::from_json(&proof)
            .unwrap()
            .verify(&signer.verifier())
            .is_ok()
    );

    let old = MemoryLog::with_entries(13);
    let path = consistency_proof(
        13,
        SIZE,
        &log.fetch(&consistency_proof_indexes(13, SIZE).unwrap()),
    )
    .unwrap();
    let consistency = ConsistencyBundle::new(
        signer.sign(13, old.frontier.root()),
        signer.sign(SIZE, log.frontier.root()),
        path.clone(),
        signer.verifier_key().to_owned(),
    )
    .to_json();
    assert!(
        ConsistencyBundle::from_json(&consistency)
            .unwrap()
            .verify(&signer.verifier())
            .is_ok()
    );

    let request = AddCheckpoint {
        old_size: 13,
        proof: path,
        checkpoint: signer.sign(SIZE, log.frontier.root()),
    }
    .to_text();
    assert_eq!(AddCheckpoint::parse(&request).unwrap().old_size, 13);

    if let Ok(dir) = std::env::var("CIVIC_FUZZ_SEEDS_OUT") {
        let dir = std::path::Path::new(&dir);
        std::fs::write(dir.join("proof.json"), proof).unwrap();
        std::fs::write(dir.join("consistency.json"), consistency).unwrap();
        std::fs::write(dir.join("add-checkpoint.txt"), request).unwrap();
    }
}
