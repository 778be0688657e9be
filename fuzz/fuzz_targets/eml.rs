//! E-mail messages (`.eml`) through the redaction writer, as `civic redact`
//! and the Redaction page take them.
#![no_main]

use std::sync::LazyLock;

use civic_redact::formats::eml;
use civic_redact::{Analyzer, Operator, PseudonymTable};
use libfuzzer_sys::fuzz_target;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);

// Built before the first input, so that no input is charged for it.
fuzz_target!(init: {
    LazyLock::force(&ANALYZER);
}, |data: &[u8]| {
    let _ = eml::redact(&ANALYZER, data, &Operator::Label, &mut PseudonymTable::new());
});
