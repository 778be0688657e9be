//! The safeguarding detector (rules, text-speak rewriting, negation, quoted
//! replies and the learned scorer) on any text, as every message meets it.
#![no_main]

use std::sync::LazyLock;

use civic_triage::safeguarding::Detector;
use libfuzzer_sys::fuzz_target;

static DETECTOR: LazyLock<Detector> =
    LazyLock::new(|| Detector::shared_default().expect("the default detector builds"));

// Built before the first input, so that no input is charged for it.
fuzz_target!(init: {
    LazyLock::force(&DETECTOR);
}, |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let assessment = DETECTOR.assess(text);
    // An urgent message always goes to a person.
    assert!(!assessment.urgent() || assessment.needs_review());
});
