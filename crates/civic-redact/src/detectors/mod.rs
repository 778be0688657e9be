//! The detectors. Each pattern detector is a regular expression that finds
//! candidates plus a validation function that checks them (check digits,
//! structure, context) and scores them. Names and addresses, which need
//! more than one regular expression, live in their own modules.

pub(crate) mod contact;
pub(crate) mod dates;
pub(crate) mod identifiers;
pub(crate) mod names;
pub(crate) mod places;
pub(crate) mod uk_phone;

use crate::context::Context;
use crate::detection::Detection;
use crate::label::Label;

/// What a validation function sees: the whole text, its context phrases and
/// the byte range the pattern matched.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Candidate<'a> {
    pub text: &'a str,
    pub ctx: &'a Context,
    pub start: usize,
    pub end: usize,
}

impl<'a> Candidate<'a> {
    pub(crate) fn value(&self) -> &'a str {
        &self.text[self.start..self.end]
    }

    /// The byte just before the candidate, if any.
    pub(crate) fn byte_before(&self, back: usize) -> Option<u8> {
        self.start
            .checked_sub(back)
            .map(|i| self.text.as_bytes()[i])
    }

    /// The byte `ahead` bytes after the candidate's end (0 is the first), if any.
    pub(crate) fn byte_after(&self, ahead: usize) -> Option<u8> {
        self.text.as_bytes().get(self.end + ahead).copied()
    }

    /// Whether the candidate is glued to more digits by a separator
    /// (e.g. it is the middle of `12-34-56-78`), so it is part of a longer number.
    pub(crate) fn continues_as_number(&self) -> bool {
        let sep = |b: Option<u8>| matches!(b, Some(b'-' | b'/' | b'.' | b' '));
        let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
        let after = sep(self.byte_after(0)) && digit(self.byte_after(1));
        let before = sep(self.byte_before(1)) && digit(self.byte_before(2));
        after || before
    }
}

/// A validation function: a candidate in, a detection (or nothing) out.
pub(crate) type Validate = fn(Candidate<'_>) -> Option<Detection>;

/// A regular expression and the function that validates its matches.
#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    pub label: Label,
    pub regex: String,
    pub validate: Validate,
    /// Searched on its own rather than in the analyzer's combined pass.
    /// For patterns that the regex engine finds by a literal (`@`, `www.`,
    /// `:`) or by many alternatives (street names), and which made the
    /// combined automaton much larger and slower to build.
    pub alone: bool,
}

/// Every pattern detector, in a fixed order.
pub(crate) fn patterns() -> Vec<Pattern> {
    let mut all = Vec::new();
    all.extend(identifiers::patterns());
    all.extend(contact::patterns());
    all.extend(places::patterns());
    all.extend(dates::patterns());
    all
}

/// Loads the detectors' tables (the name lexicon and word classes, the
/// address patterns, the +44 numbering plan)
/// now rather than during the first analysis, so that building an
/// [`Analyzer`](crate::Analyzer) does all the one-time work.
pub(crate) fn load_tables() {
    names::load_tables();
    places::load_tables();
    uk_phone::load_tables();
}

/// Raises a score by context, never above 1.
pub(crate) fn boost(score: f32, by: f32) -> f32 {
    (score + by).min(1.0)
}
