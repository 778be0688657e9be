use civic_triage::{FORMAT_VERSION, TriageError, TriageModel};

use crate::fixture;

#[test]
fn round_trip_preserves_every_prediction() {
    let (model, _) = fixture();
    let bytes = model.to_bytes();
    let loaded = TriageModel::from_bytes(&bytes);
    assert_eq!(loaded.as_ref(), Ok(model));
    assert_eq!(loaded.map(|m| m.to_bytes()), Ok(bytes));
}

#[test]
fn foreign_truncated_altered_and_future_files_are_rejected_clearly() {
    let (model, _) = fixture();
    let good = model.to_bytes();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 1;
    let mut future = good.clone();
    future[8..12].copy_from_slice(&(FORMAT_VERSION + 1).to_le_bytes());
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "triage.not_a_model_file"),
        (
            "json",
            b"{\"labels\": []}".to_vec(),
            "triage.not_a_model_file",
        ),
        (
            "signature only",
            b"CIVICTRG".to_vec(),
            "triage.corrupt_model",
        ),
        (
            "truncated",
            good[..good.len() - 100].to_vec(),
            "triage.corrupt_model",
        ),
        ("bit flip", flipped, "triage.corrupt_model"),
        ("future version", future, "triage.unsupported_model_version"),
    ];
    for (name, bytes, code) in cases {
        match TriageModel::from_bytes(&bytes) {
            Err(e) => assert_eq!(e.code(), code, "{name}: {e}"),
            Ok(_) => panic!("{name}: a damaged file was accepted"),
        }
    }
    assert!(matches!(
        TriageModel::from_bytes(&good[..good.len() - 1]),
        Err(TriageError::CorruptModel { .. })
    ));
}
