//! What an auditor or a witness is handed: proof bundles (`civic audit
//! check-proof`), consistency bundles and the tlog-witness request body
//! (`POST /add-checkpoint`), each parsed and verified with the key it embeds.
#![no_main]

use civic_ledger::{AddCheckpoint, ConsistencyBundle, Cosignature, LogVerifier, ProofBundle};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(bundle) = ProofBundle::from_json(text) {
        let _ = bundle.to_tlog_proof();
        if let Ok(verifier) = bundle.embedded_verifier() {
            let _ = bundle.verify(&verifier);
        }
    }
    if let Ok(bundle) = ConsistencyBundle::from_json(text) {
        if let Ok(verifier) = LogVerifier::from_verifier_key(&bundle.verifier_key) {
            let _ = bundle.verify(&verifier);
        }
    }
    if let Ok(request) = AddCheckpoint::parse(text) {
        // What was parsed writes back to a body that parses the same.
        let again = AddCheckpoint::parse(&request.to_text()).expect("a written request parses");
        assert_eq!(again.old_size, request.old_size);
        assert_eq!(again.checkpoint, request.checkpoint);
    }
    let _ = civic_ledger::Checkpoint::parse_unverified(text);
    for line in text.lines() {
        let _ = Cosignature::from_line(line);
    }
});
