//! Context words: the phrases near a candidate that make it more (or less)
//! likely to be personal data ("NHS no", "sort code", "date of birth"…).
//!
//! All phrases are found in one pass with Aho-Corasick; detectors then ask
//! whether a phrase of a kind lies within a window of their candidate.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// What a context phrase is evidence for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cue {
    Nhs,
    Nino,
    Card,
    SortCode,
    Account,
    Bank,
    Passport,
    Licence,
    Vehicle,
    Birth,
    Phone,
    /// "my name is", "Dear", "signed", "contact"…: a name follows.
    NameIntro,
    /// "Yours sincerely", "Kind regards"…: a name follows on the next line.
    SignOff,
    /// Reference-number words that argue *against* personal data.
    Reference,
    /// "aged 42" after a date: the date is a date of birth.
    Age,
}

const PHRASES: &[(&str, Cue)] = &[
    ("nhs", Cue::Nhs),
    ("nhs no", Cue::Nhs),
    ("nhs number", Cue::Nhs),
    ("nhs num", Cue::Nhs),
    ("health service number", Cue::Nhs),
    ("chi number", Cue::Nhs),
    ("patient number", Cue::Nhs),
    ("national insurance", Cue::Nino),
    ("ni number", Cue::Nino),
    ("ni no", Cue::Nino),
    ("nino", Cue::Nino),
    ("nat ins", Cue::Nino),
    ("card", Cue::Card),
    ("card number", Cue::Card),
    ("card no", Cue::Card),
    ("credit card", Cue::Card),
    ("debit card", Cue::Card),
    ("visa", Cue::Card),
    ("mastercard", Cue::Card),
    ("amex", Cue::Card),
    ("sort code", Cue::SortCode),
    ("sort-code", Cue::SortCode),
    ("sortcode", Cue::SortCode),
    ("s/c", Cue::SortCode),
    ("account number", Cue::Account),
    ("account no", Cue::Account),
    ("acc no", Cue::Account),
    ("acct", Cue::Account),
    ("a/c", Cue::Account),
    ("account", Cue::Account),
    ("bank", Cue::Bank),
    ("bank details", Cue::Bank),
    ("iban", Cue::Bank),
    ("passport", Cue::Passport),
    ("driving licence", Cue::Licence),
    ("driving license", Cue::Licence),
    ("driver's licence", Cue::Licence),
    ("licence number", Cue::Licence),
    ("licence no", Cue::Licence),
    ("dvla", Cue::Licence),
    ("registration", Cue::Vehicle),
    ("reg no", Cue::Vehicle),
    ("reg.", Cue::Vehicle),
    ("reg:", Cue::Vehicle),
    ("vehicle", Cue::Vehicle),
    ("number plate", Cue::Vehicle),
    ("numberplate", Cue::Vehicle),
    ("vrm", Cue::Vehicle),
    ("car", Cue::Vehicle),
    ("van", Cue::Vehicle),
    ("parked", Cue::Vehicle),
    ("driving", Cue::Vehicle),
    ("dob", Cue::Birth),
    ("d.o.b", Cue::Birth),
    ("date of birth", Cue::Birth),
    ("birth date", Cue::Birth),
    ("birthdate", Cue::Birth),
    ("born", Cue::Birth),
    ("birthday", Cue::Birth),
    ("aged", Cue::Age),
    ("age", Cue::Age),
    ("tel", Cue::Phone),
    ("phone", Cue::Phone),
    ("telephone", Cue::Phone),
    ("mobile", Cue::Phone),
    ("mob", Cue::Phone),
    ("call", Cue::Phone),
    ("ring", Cue::Phone),
    ("contact number", Cue::Phone),
    ("my name is", Cue::NameIntro),
    ("hi", Cue::NameIntro),
    ("hello", Cue::NameIntro),
    ("contact", Cue::NameIntro),
    ("speak to", Cue::NameIntro),
    ("cc:", Cue::NameIntro),
    ("name:", Cue::NameIntro),
    ("named", Cue::NameIntro),
    ("called", Cue::NameIntro),
    ("dear", Cue::NameIntro),
    ("signed", Cue::NameIntro),
    ("signed by", Cue::NameIntro),
    ("spoke to", Cue::NameIntro),
    ("visit to", Cue::NameIntro),
    ("visited", Cue::NameIntro),
    ("according to", Cue::NameIntro),
    ("letter from", Cue::NameIntro),
    ("met with", Cue::NameIntro),
    ("neighbour", Cue::NameIntro),
    ("landlord", Cue::NameIntro),
    ("landlady", Cue::NameIntro),
    ("spoke with", Cue::NameIntro),
    ("from:", Cue::NameIntro),
    ("to:", Cue::NameIntro),
    ("client", Cue::NameIntro),
    ("tenant", Cue::NameIntro),
    ("resident", Cue::NameIntro),
    ("applicant", Cue::NameIntro),
    ("claimant", Cue::NameIntro),
    ("patient", Cue::NameIntro),
    ("mother", Cue::NameIntro),
    ("father", Cue::NameIntro),
    ("son", Cue::NameIntro),
    ("daughter", Cue::NameIntro),
    ("partner", Cue::NameIntro),
    ("yours sincerely", Cue::SignOff),
    ("yours faithfully", Cue::SignOff),
    ("kind regards", Cue::SignOff),
    ("best regards", Cue::SignOff),
    ("regards", Cue::SignOff),
    ("many thanks", Cue::SignOff),
    ("thanks", Cue::SignOff),
    ("best wishes", Cue::SignOff),
    ("reference", Cue::Reference),
    ("ref", Cue::Reference),
    ("invoice", Cue::Reference),
    ("order", Cue::Reference),
    ("case no", Cue::Reference),
    ("case number", Cue::Reference),
    ("ticket", Cue::Reference),
    ("claim no", Cue::Reference),
];

/// The compiled phrase list. Built once per process and shared by every [`Analyzer`](crate::Analyzer).
#[derive(Debug)]
pub(crate) struct ContextWords {
    matcher: AhoCorasick,
}

/// One context phrase found in a text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hit {
    pub start: usize,
    pub end: usize,
    pub cue: Cue,
    pub phrase: &'static str,
}

impl ContextWords {
    pub(crate) fn new() -> Self {
        // The phrase list is a constant: building depends on no input.
        // A full DFA: with this many phrases the builder would pick an NFA,
        // and short phrases in either case ("hi", "car") leave its
        // prefilter nothing to skip, so every byte steps the automaton;
        // a DFA step is a table lookup (the matches are the same).
        let matcher = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostLongest)
            .kind(Some(AhoCorasickKind::DFA))
            .build(PHRASES.iter().map(|(p, _)| p))
            .expect("the constant context phrase list builds");
        ContextWords { matcher }
    }

    /// All phrases in `text` that stand as whole words, in order.
    pub(crate) fn scan(&self, text: &str) -> Context {
        let bytes = text.as_bytes();
        let hits = self
            .matcher
            .find_iter(text)
            .filter(|m| {
                let before_ok = m.start() == 0 || !bytes[m.start() - 1].is_ascii_alphanumeric();
                let last = bytes[m.end() - 1];
                let after_ok = !last.is_ascii_alphanumeric()
                    || m.end() == bytes.len()
                    || !bytes[m.end()].is_ascii_alphanumeric();
                before_ok && after_ok
            })
            .map(|m| {
                let (phrase, cue) = PHRASES[m.pattern().as_usize()];
                Hit {
                    start: m.start(),
                    end: m.end(),
                    cue,
                    phrase,
                }
            })
            .collect();
        Context { hits }
    }
}

/// The context phrases of one text, sorted by position.
#[derive(Debug, Default)]
pub(crate) struct Context {
    hits: Vec<Hit>,
}

impl Context {
    /// The nearest phrase of `cue` in the same sentence as `text[start..end]`,
    /// ending at most `before` bytes before `start` or starting at most
    /// `after` bytes after `end`.
    pub(crate) fn near(
        &self,
        text: &str,
        start: usize,
        end: usize,
        cue: Cue,
        before: usize,
        after: usize,
    ) -> Option<&'static str> {
        let lo = start.saturating_sub(before);
        let hi = end.saturating_add(after);
        let first = self.hits.partition_point(|h| h.end < lo);
        self.hits[first..]
            .iter()
            .take_while(|h| h.start <= hi)
            .filter(|h| h.cue == cue)
            .filter(|h| {
                if h.end <= start {
                    same_sentence(text.get(h.end..start).unwrap_or("."))
                } else if h.start >= end {
                    same_sentence(text.get(end..h.start).unwrap_or("."))
                } else {
                    false
                }
            })
            .min_by_key(|h| {
                if h.end <= start {
                    start - h.end
                } else {
                    h.start - end
                }
            })
            .map(|h| h.phrase)
    }

    /// Whether any phrase of `cue` lies within the window (see [`near`](Self::near)).
    pub(crate) fn has(
        &self,
        text: &str,
        start: usize,
        end: usize,
        cue: Cue,
        before: usize,
        after: usize,
    ) -> bool {
        self.near(text, start, end, cue, before, after).is_some()
    }

    /// The phrase of `cue` that directly precedes `start`, with nothing
    /// but spaces and punctuation between (e.g. "Dear Sam", "Kind regards,\nSam").
    pub(crate) fn just_before(&self, text: &str, start: usize, cue: Cue) -> Option<&'static str> {
        let first = self.hits.partition_point(|h| h.end + 24 < start);
        self.hits[first..]
            .iter()
            .take_while(|h| h.end <= start)
            .filter(|h| h.cue == cue)
            .filter(|h| {
                text.get(h.end..start).is_some_and(|gap| {
                    gap.chars()
                        .all(|c| c.is_whitespace() || matches!(c, ',' | ':' | '-' | ';'))
                })
            })
            .last()
            .map(|h| h.phrase)
    }

    #[cfg(test)]
    pub(crate) fn hits(&self) -> &[Hit] {
        &self.hits
    }
}

/// Whether the text between a context phrase and a candidate stays within
/// one sentence. A full stop right after the phrase ("D.O.B. 1/2/80",
/// "NHS no. 943…") is an abbreviation, not the end of a sentence.
fn same_sentence(gap: &str) -> bool {
    let gap = gap.strip_prefix('.').unwrap_or(gap);
    !(gap.contains(". ")
        || gap.contains(".\n")
        || gap.contains("\n\n")
        || gap.contains("? ")
        || gap.contains("! "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_whole_word_phrases_case_insensitively() {
        let words = ContextWords::new();
        let text = "Patient NHS No: 943 476 5919; Carpet fitted.";
        let ctx = words.scan(text);
        assert_eq!(ctx.near(text, 16, 28, Cue::Nhs, 30, 0), Some("nhs no"));
        // "car" inside "Carpet" is not a whole word.
        assert!(ctx.hits().iter().all(|h| h.phrase != "car"));
    }

    #[test]
    fn window_limits_are_respected() {
        let words = ContextWords::new();
        let text = "passport                                        123456789";
        let ctx = words.scan(text);
        assert!(ctx.has(text, 48, 57, Cue::Passport, 45, 0));
        assert!(!ctx.has(text, 48, 57, Cue::Passport, 10, 0));
    }

    #[test]
    fn context_does_not_cross_a_sentence_end() {
        let words = ContextWords::new();
        let text = "Born in Leeds. Meeting on 12/05/2024. D.O.B. 01/02/1980";
        let ctx = words.scan(text);
        assert!(!ctx.has(text, 26, 36, Cue::Birth, 40, 0));
        assert!(ctx.has(text, 45, 55, Cue::Birth, 40, 0));
    }
}
