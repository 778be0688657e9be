//! The CSV readers: the redaction writer's (`civic_redact::formats::csv`,
//! for `civic redact` and uploads) and the data sets' (`civic_dataset`, for
//! training and scoring files), on the same bytes. Besides "no panic", the
//! data set reader must name only lines that exist, in order.
#![no_main]

use std::sync::LazyLock;

use civic_dataset::Format;
use civic_fuzz::{count_lines, read_dataset};
use civic_redact::formats::csv::{CsvPolicy, redact};
use civic_redact::{Analyzer, Operator, PseudonymTable};
use libfuzzer_sys::fuzz_target;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);
static POLICY: LazyLock<CsvPolicy> = LazyLock::new(|| {
    CsvPolicy::from_toml("[columns]\nname = \"PERSON\"\nid = \"keep\"\nsecret = \"drop\"\n")
        .expect("a valid policy")
});

// Built before the first input, so that no input is charged for it.
fuzz_target!(init: {
    LazyLock::force(&ANALYZER);
    LazyLock::force(&POLICY);
}, |data: &[u8]| {
    let _ = redact(
        &ANALYZER,
        data,
        &POLICY,
        &Operator::Pseudonym,
        &mut PseudonymTable::new(),
    );
    // The CSV reader ends a row at "\n", "\r\n" or a lone "\r", and so a line.
    let lines = count_lines(data, |i| {
        data[i] == b'\n' || (data[i] == b'\r' && data.get(i + 1) != Some(&b'\n'))
    });
    read_dataset(data, Format::Csv, lines);
});
