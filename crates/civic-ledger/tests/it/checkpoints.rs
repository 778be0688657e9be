//! Signed checkpoints: round trips, interoperability with signed_note and
//! tlog_tiles, and rejection of altered notes and other keys.

use civic_ledger::{Checkpoint, LedgerError, LogSigner, LogVerifier, leaf_hash};
use rand::SeedableRng;
use rand::rngs::StdRng;

const ORIGIN: &str = "civic.example.gov.uk/ledger";

fn signer(seed: u64) -> LogSigner {
    LogSigner::generate(ORIGIN, &mut StdRng::seed_from_u64(seed)).unwrap()
}

#[test]
fn signed_checkpoint_round_trips() {
    let signer = signer(1);
    let root = leaf_hash(b"root");
    let note = signer.sign(42, root);
    let checkpoint = signer.verifier().verify(&note).unwrap();
    assert_eq!(
        checkpoint,
        Checkpoint {
            origin: ORIGIN.to_owned(),
            size: 42,
            root
        }
    );
    assert!(note.starts_with(&format!(
        "{ORIGIN}\n42\n{}\n\n\u{2014} {ORIGIN} ",
        root.to_base64()
    )));
}

#[test]
fn checkpoint_body_is_what_tlog_tiles_writes() {
    let root = leaf_hash(b"root");
    let ours = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 7,
        root,
    }
    .to_body();
    let theirs = tlog_tiles::Checkpoint::new(ORIGIN, 7, tlog_tiles::Hash(root.0), "").unwrap();
    assert_eq!(ours.as_bytes(), theirs.to_bytes());
}

#[test]
fn notes_signed_by_signed_note_itself_verify() {
    // Guards our hand-formatted signature line against the library's own.
    let signer = signer(2);
    let body = Checkpoint {
        origin: ORIGIN.to_owned(),
        size: 3,
        root: leaf_hash(b"r"),
    }
    .to_body();
    let their_signer = signed_note::StandardSigner::new(signer.private_key()).unwrap();
    let mut note = signed_note::Note::new(body.as_bytes(), &[]).unwrap();
    note.add_sigs(&[&their_signer]).unwrap();
    let their_text = String::from_utf8(note.to_bytes()).unwrap();
    assert_eq!(their_text, signer.sign(3, leaf_hash(b"r")));
    assert!(signer.verifier().verify(&their_text).is_ok());
}

#[test]
fn key_texts_round_trip() {
    let signer = signer(3);
    assert!(
        signer
            .private_key()
            .starts_with(&format!("PRIVATE+KEY+{ORIGIN}+"))
    );
    assert!(signer.verifier_key().starts_with(&format!("{ORIGIN}+")));
    let reread = LogSigner::from_private_key(&format!("{}\n", signer.private_key())).unwrap();
    assert_eq!(reread.verifier_key(), signer.verifier_key());
    let verifier = LogVerifier::from_verifier_key(signer.verifier_key()).unwrap();
    assert_eq!(verifier, signer.verifier());
    assert_eq!(verifier.origin(), ORIGIN);
    assert!(verifier.verify(&reread.sign(9, leaf_hash(b"x"))).is_ok());
    assert!(!format!("{signer:?}").contains(signer.private_key()));
}

#[test]
fn tampered_notes_are_rejected() {
    let signer = signer(4);
    let verifier = signer.verifier();
    let note = signer.sign(42, leaf_hash(b"root"));
    let cases = [
        (
            "size changed",
            note.replacen("\n42\n", "\n43\n", 1),
            "ledger_checkpoint_bad_signature",
        ),
        (
            "root changed",
            note.replacen(
                &leaf_hash(b"root").to_base64(),
                &leaf_hash(b"toor").to_base64(),
                1,
            ),
            "ledger_checkpoint_bad_signature",
        ),
        (
            "signature removed",
            note.split("\n\n").next().unwrap().to_owned() + "\n",
            "ledger_malformed_note",
        ),
        ("garbage", "hello".to_owned(), "ledger_malformed_note"),
        ("empty", String::new(), "ledger_malformed_note"),
    ];
    for (name, text, code) in cases {
        let err = verifier.verify(&text).unwrap_err();
        assert_eq!(err.code(), code, "{name}: {err}");
    }
}

#[test]
fn checkpoints_signed_by_another_key_are_rejected() {
    let note = signer(5).sign(1, leaf_hash(b"a"));
    let err = signer(6).verifier().verify(&note).unwrap_err();
    assert!(
        matches!(err, LedgerError::CheckpointWrongKey { .. }),
        "{err}"
    );

    // Another log's key does not vouch for this log's checkpoints either.
    let other = LogSigner::generate("other.example/log", &mut StdRng::seed_from_u64(5)).unwrap();
    let err = other.verifier().verify(&note).unwrap_err();
    assert_eq!(err.code(), "ledger_checkpoint_wrong_key");
}

#[test]
fn malformed_keys_and_origins_are_rejected() {
    for origin in ["", "has space", "has+plus", "line\nbreak"] {
        let err = LogSigner::generate(origin, &mut StdRng::seed_from_u64(7)).unwrap_err();
        assert_eq!(err.code(), "ledger_invalid_origin", "{origin:?}");
    }
    let signer = signer(8);
    let mut wrong_id = signer.private_key().to_owned();
    let id_start = "PRIVATE+KEY+".len() + ORIGIN.len() + 1;
    wrong_id.replace_range(id_start..id_start + 8, "00000000");
    for text in [
        "",
        "PRIVATE+KEY+x",
        wrong_id.as_str(),
        signer.verifier_key(),
    ] {
        assert_eq!(
            LogSigner::from_private_key(text).unwrap_err(),
            LedgerError::MalformedPrivateKey,
            "{text:?}"
        );
    }
    for text in ["", "name+00000000+AAAA", signer.private_key()] {
        assert_eq!(
            LogVerifier::from_verifier_key(text).unwrap_err(),
            LedgerError::MalformedVerifierKey,
            "{text:?}"
        );
    }
}

#[test]
fn cosignatures_by_unknown_keys_are_ignored() {
    // C2SP signed-note: a verifier ignores signatures from keys it does not know,
    // so a checkpoint cosigned by a witness still verifies.
    let signer = signer(10);
    let note = signer.sign(5, leaf_hash(b"five"));
    let witness =
        LogSigner::generate("witness.example/w1", &mut StdRng::seed_from_u64(11)).unwrap();
    let witness_signer = signed_note::StandardSigner::new(witness.private_key()).unwrap();
    let mut cosigned = signed_note::Note::from_bytes(note.as_bytes()).unwrap();
    cosigned.add_sigs(&[&witness_signer]).unwrap();
    let cosigned = String::from_utf8(cosigned.to_bytes()).unwrap();
    assert_ne!(cosigned, note);
    assert_eq!(signer.verifier().verify(&cosigned).unwrap().size, 5);
}

#[test]
fn error_codes_are_distinct_and_prefixed() {
    let errors = [
        LedgerError::MalformedHash,
        LedgerError::WrongHashCount {
            expected: 1,
            got: 0,
        },
        LedgerError::IndexOutOfRange { index: 1, size: 1 },
        LedgerError::InvalidTreeSizes { size1: 2, size2: 1 },
        LedgerError::InclusionProofInvalid { index: 0, size: 1 },
        LedgerError::ConsistencyProofInvalid { size1: 1, size2: 2 },
        LedgerError::InvalidOrigin {
            origin: String::new(),
        },
        LedgerError::MalformedPrivateKey,
        LedgerError::MalformedVerifierKey,
        LedgerError::MalformedNote,
        LedgerError::MalformedCheckpoint,
        LedgerError::CheckpointWrongKey {
            verifier_key: String::new(),
        },
        LedgerError::CheckpointBadSignature,
        LedgerError::CheckpointOriginMismatch {
            expected: String::new(),
            found: String::new(),
        },
        LedgerError::UnsupportedBundleFormat {
            expected: "",
            found: String::new(),
        },
        LedgerError::MalformedBundle {
            reason: String::new(),
        },
    ];
    let codes: std::collections::BTreeSet<&str> = errors.iter().map(LedgerError::code).collect();
    assert_eq!(codes.len(), errors.len());
    assert!(codes.iter().all(|c| c.starts_with("ledger_")));
    assert!(errors.iter().all(|e| !e.to_string().is_empty()));
}
