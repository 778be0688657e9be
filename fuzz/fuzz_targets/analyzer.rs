//! The analyzer (`detect` over any UTF-8 text) and the operators that
//! replace what it finds. Every detection must lie inside the text on
//! character boundaries, detections must not overlap, and redacting must
//! leave none of the values found.
#![no_main]

use std::sync::LazyLock;

use civic_redact::{Analyzer, Operator, PseudonymTable, redact_text};
use libfuzzer_sys::fuzz_target;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);

// Built before the first input, so that no input is charged for it.
fuzz_target!(init: {
    LazyLock::force(&ANALYZER);
}, |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let found = ANALYZER.analyze(text);
    let mut end = 0;
    for d in &found {
        assert!(d.start < d.end && d.end <= text.len(), "{d:?} in {} bytes", text.len());
        assert!(text.is_char_boundary(d.start) && text.is_char_boundary(d.end), "{d:?}");
        assert!(d.start >= end, "{d:?} overlaps the detection ending at {end}");
        end = d.end;
    }
    let redacted = redact_text(text, &found, &Operator::Pseudonym, &mut PseudonymTable::new());
    assert_eq!(redacted.log.len(), found.len());
    // The same text read as a stream, in the smallest pieces the stream allows.
    for chunk in ANALYZER.analyze_stream(data, 1) {
        let chunk = chunk.expect("UTF-8 text reads as a stream");
        for d in &chunk.detections {
            assert!(d.end <= chunk.text.len() && chunk.text.is_char_boundary(d.start));
        }
    }
});
