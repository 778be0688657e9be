//! Word documents (`.docx`) through the redaction writer, whole packages in
//! memory. The input is a real zip file, or (more often, as the fuzzer
//! mutates it) a text description of the parts that is zipped first
//! (`civic_fuzz::package_from_text`), so mutations reach the XML readers.
//! A document that is accepted must come out as a zip file that the
//! redaction writer accepts again.
#![no_main]

use std::sync::LazyLock;

use civic_fuzz::package_from_text;
use civic_redact::formats::docx;
use civic_redact::{Analyzer, Operator, PseudonymTable};
use libfuzzer_sys::fuzz_target;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);

// Built before the first input, so that no input is charged for it.
fuzz_target!(init: {
    LazyLock::force(&ANALYZER);
}, |data: &[u8]| {
    let package = package_from_text(data);
    let Ok(redacted) = docx::redact(
        &ANALYZER,
        &package,
        &Operator::Pseudonym,
        &mut PseudonymTable::new(),
        docx::UNLIMITED_TEXT_XML,
    ) else {
        return;
    };
    if let Err(e) = docx::redact(
        &ANALYZER,
        &redacted.bytes,
        &Operator::Label,
        &mut PseudonymTable::new(),
        docx::UNLIMITED_TEXT_XML,
    ) {
        panic!("a redacted document is refused when redacted again: {e}");
    }
});
