//! API request bodies, read as the server reads them
//! (`civic_server::json::parse_body`: the checks for NUL, duplicate keys and
//! integers beyond 2⁵³, then each endpoint's request type), and a decision
//! to record parsed into its domain type. A body the checks accept must
//! hold no NUL and no inexact integer, and its canonical JSON (what the
//! ledger hashes) must read back as the same value.
#![no_main]

use civic_core::{KeyId, Principal, canonical_json};
use civic_server::api::decisions::{RecordRequest, RedactReasonRequest, ReviewRequest};
use civic_server::api::keys::CreateKeyRequest;
use civic_server::api::redact::{PreviewRequest, RedactRequest};
use civic_server::api::risk::RiskScoreRequest;
use civic_server::api::triage::TriageRequest;
use civic_server::json::parse_body;
use civic_server::json_check::MAX_EXACT_INTEGER;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = parse_body::<RecordRequest>(data) {
        let _ = request.parse(Principal::ApiKey(KeyId::new()));
    }
    let _ = parse_body::<ReviewRequest>(data);
    let _ = parse_body::<RedactReasonRequest>(data);
    let _ = parse_body::<CreateKeyRequest>(data);
    let _ = parse_body::<PreviewRequest>(data);
    let _ = parse_body::<RedactRequest>(data);
    let _ = parse_body::<RiskScoreRequest>(data);
    let _ = parse_body::<TriageRequest>(data);

    let Ok(value) = parse_body::<Value>(data) else {
        return;
    };
    check_kept_exactly(&value);
    let canonical = canonical_json(&value);
    let again: Value = serde_json::from_slice(&canonical).expect("canonical JSON is JSON");
    assert_eq!(again, value, "canonical JSON reads back as another value");
});

/// What the body checks promise: no NUL anywhere, every integer exact.
fn check_kept_exactly(value: &Value) {
    match value {
        Value::String(s) => assert!(!s.contains('\0'), "a NUL was accepted"),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                assert!(i.unsigned_abs() <= MAX_EXACT_INTEGER, "{n} was accepted");
            } else if let Some(u) = n.as_u64() {
                assert!(u <= MAX_EXACT_INTEGER, "{n} was accepted");
            }
        }
        Value::Array(items) => items.iter().for_each(check_kept_exactly),
        Value::Object(map) => {
            for (k, v) in map {
                assert!(!k.contains('\0'), "a NUL in a key was accepted");
                check_kept_exactly(v);
            }
        }
        Value::Null | Value::Bool(_) => {}
    }
}
