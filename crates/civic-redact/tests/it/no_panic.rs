//! No input makes the analyzer or the operators panic.

use std::sync::LazyLock;

use civic_redact::{Analyzer, Operator, PseudonymTable, char_offsets, redact_text};
use proptest::prelude::*;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(Analyzer::default);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,300}") {
        let found = ANALYZER.analyze(&text);
        let _ = char_offsets(&text, &found);
        let out = redact_text(&text, &found, &Operator::Pseudonym, &mut PseudonymTable::new());
        prop_assert!(out.log.len() == found.len());
    }

    #[test]
    fn identifier_shaped_text_never_panics(text in "[A-Z0-9 .,:/()+@\\-\\n]{0,200}") {
        let found = ANALYZER.analyze(&text);
        for d in &found {
            prop_assert!(text.is_char_boundary(d.start) && text.is_char_boundary(d.end) && d.start < d.end);
        }
    }
}
