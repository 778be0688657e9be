//! Which rule patterns can match a message at all, found in one pass over it.
//!
//! The rules' patterns are some 200 regular expressions. Searched one by one they were
//! most of the detector's cost (about 0.7 ms a message): many start with a frequent word
//! ("she", "my mum", "the kids") and then scan a bounded window for a second part, so the
//! regex engine's own prefix prefilter keeps firing. One [`regex::RegexSet`] over all of
//! them was slower still (its lazy DFA thrashes on the bounded windows).
//!
//! Instead each pattern gets a **gate**: literals of which every match must contain one,
//! taken from its prefixes or its suffixes (whichever is more selective), as
//! `regex-syntax` extracts them. One Aho–Corasick pass finds every gate literal in the
//! message, and only patterns whose gate opened are searched. The gate is sound by
//! construction: a match of the pattern starts (or ends) with one of its literals, so a
//! message without any of them cannot match. A pattern whose literals cannot be listed
//! (an open class such as `[a-z]+` at both ends) has no gate and is always searched.

use aho_corasick::{AhoCorasick, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor, Seq};

/// Literals shorter than this would open a gate in almost every message: such a pattern
/// is left ungated.
const MIN_GATE_LEN: usize = 3;

/// The gates of a list of patterns.
#[derive(Debug, Clone)]
pub(super) struct Gates {
    /// All gate literals; `None` when no pattern has a gate.
    literals: Option<AhoCorasick>,
    /// For each literal, the patterns it opens.
    opens: Vec<Vec<usize>>,
    /// For each pattern, whether it has no gate (always searched).
    ungated: Vec<bool>,
}

impl Gates {
    /// Gates for `patterns` (regular expressions as the `regex` crate compiles them).
    pub(super) fn new<'p>(patterns: impl IntoIterator<Item = &'p str>) -> Self {
        let mut literals: Vec<Vec<u8>> = Vec::new();
        let mut index = std::collections::HashMap::<Vec<u8>, usize>::new();
        let mut opens: Vec<Vec<usize>> = Vec::new();
        let mut ungated = Vec::new();
        for (k, pattern) in patterns.into_iter().enumerate() {
            let Some(gate) = gate(pattern) else {
                ungated.push(true);
                continue;
            };
            ungated.push(false);
            for literal in gate {
                let i = *index.entry(literal.clone()).or_insert_with(|| {
                    literals.push(literal);
                    opens.push(Vec::new());
                    opens.len() - 1
                });
                if opens[i].last() != Some(&k) {
                    opens[i].push(k);
                }
            }
        }
        // Standard semantics so that overlapping search reports every literal present.
        let literals = (!literals.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .match_kind(MatchKind::Standard)
                    .build(&literals)
                    .ok()
            })
            .flatten();
        if literals.is_none() {
            ungated.iter_mut().for_each(|u| *u = true);
        }
        Self {
            literals,
            opens,
            ungated,
        }
    }

    /// For each pattern, whether it may match `haystack` (false only when it cannot).
    pub(super) fn open(&self, haystack: &str) -> Vec<bool> {
        let mut open = self.ungated.clone();
        if let Some(ac) = &self.literals {
            for m in ac.find_overlapping_iter(haystack) {
                for &k in &self.opens[m.pattern().as_usize()] {
                    open[k] = true;
                }
            }
        }
        open
    }
}

/// The literals one of which every match of `pattern` contains, or `None` when no useful
/// list exists.
fn gate(pattern: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let best = [ExtractKind::Prefix, ExtractKind::Suffix]
        .into_iter()
        .filter_map(|kind| {
            let seq = Extractor::new().kind(kind).limit_total(2_000).extract(&hir);
            usable(&seq).then_some(seq)
        })
        // Longer shortest literal first (more selective), then fewer literals.
        .max_by_key(|seq| {
            (
                seq.min_literal_len().unwrap_or(0),
                std::cmp::Reverse(seq.len().unwrap_or(usize::MAX)),
            )
        })?;
    Some(
        best.literals()?
            .iter()
            .map(|l| l.as_bytes().to_vec())
            .collect(),
    )
}

fn usable(seq: &Seq) -> bool {
    seq.is_finite()
        && seq.len().is_some_and(|n| n > 0)
        && seq.min_literal_len().is_some_and(|n| n >= MIN_GATE_LEN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_opens_only_where_its_pattern_can_match() {
        let patterns = [
            r"\b(?:she|he)\b[^.!?]{0,60}?\b(?:can't|cannot) leave\b",
            r"\bgas leak\b",
            r"[a-z]+",
        ];
        let gates = Gates::new(patterns);
        assert_eq!(gates.open("he says he cannot leave"), [true, false, true]);
        assert_eq!(gates.open("a gas leak"), [false, true, true]);
        assert_eq!(gates.open("my bins"), [false, false, true]);
    }

    /// Soundness: the gates change nothing that is found, on the short examples below and
    /// on every fourth message of the development sets (all registers, concerns and not).
    #[test]
    fn gated_and_ungated_rules_find_the_same_matches() {
        let rules = crate::SafeguardingRules::default();
        let mut texts: Vec<String> = [
            "my nan has dementia and has not eaten for days",
            "they live in the back room and can't leave, the boss keeps their passports",
            "he said he will stab me, my ex has a knife",
        ]
        .map(String::from)
        .to_vec();
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/safeguarding");
        for file in ["positives", "negatives"].map(|k| format!("{dir}/{k}-dev3.jsonl")) {
            let Ok(data) = std::fs::read_to_string(&file) else {
                panic!("{file} is missing");
            };
            for line in data.lines().step_by(4) {
                let value: serde_json::Value = serde_json::from_str(line).unwrap_or_default();
                texts.extend(value["text"].as_str().map(String::from));
            }
        }
        assert!(texts.len() > 150);
        for text in &texts {
            assert_eq!(rules.check_ungated(text), rules.check(text), "{text}");
        }
    }
}
