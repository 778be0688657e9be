//! Text normalisation and tokenisation.
//!
//! Normalisation is Unicode NFKC followed by lowercasing, with typographic apostrophes
//! mapped to `'`. We lowercase with [`str::to_lowercase`] rather than full case folding
//! (the `caseless` crate): the two differ only for a handful of characters (`ß`, final
//! sigma, some ligatures NFKC already splits), none of which matter for routing English
//! council contacts, and it saves a dependency. ASCII input, the common case, skips NFKC
//! entirely because NFKC leaves ASCII unchanged.
//!
//! The tokeniser keeps four kinds of token: words (letters and digits, with inner `'` or
//! `-`, so `don't` and `fly-tipping` stay whole), numbers (`12.50`, `01/02/2025`, `10am`),
//! e-mail-ish tokens (`name@example.org`) and URL-ish tokens (`https://…`, `www.…`).
//! Everything else (punctuation, symbols, whitespace) separates tokens.
//!
//! # What a model does not learn from
//!
//! Models trained since personal data was masked ([`crate::FeatureConfig::mask_personal_data`])
//! see a message only after [`mask_personal_data`] has replaced every piece of personal data
//! that `civic-redact`'s detectors find (names, addresses, postcodes, phone numbers, e-mail
//! addresses, NHS and National Insurance numbers, dates of birth…) with a typed placeholder
//! such as `<person>` or `<postcode>`, which [`tokenise_masked_into`] keeps as one token of
//! kind [`TokenKind::Placeholder`]. So no name can become a weight or appear in an
//! explanation; the placeholder can (that a message names a person or gives a postcode is
//! itself evidence). Such models also drop English stopwords ([`is_stopword`]). Models
//! trained before keep the raw words they were trained on.

use std::borrow::Cow;
use std::collections::HashSet;
use std::sync::LazyLock;

use civic_redact::{Analyzer, AnalyzerConfig, Label};
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

/// The redaction crate's detectors with their default labels (every kind of personal data
/// but organisations, which are rarely personal and often say which team is meant), and a
/// lower score threshold than redaction's 0.5: masking a capitalised pair of words that is
/// not a name costs a model a feature, whereas a name left in becomes a weight. At 0.4 a
/// given name no gazetteer knows before a known surname ("Priya Patel", scored 0.45) is
/// masked without an introducing phrase.
static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| {
    Analyzer::new(AnalyzerConfig {
        min_score: MASK_MIN_SCORE,
        ..AnalyzerConfig::default()
    })
});

/// The lowest detection score masked (see `ANALYZER`).
const MASK_MIN_SCORE: f32 = 0.4;

/// The placeholder that stands for a piece of personal data of kind `label` in the text a
/// masking model sees: the label's wire name in lower case between angle brackets.
pub fn placeholder(label: Label) -> &'static str {
    match label {
        Label::Person => "<person>",
        Label::Email => "<email>",
        Label::Phone => "<phone>",
        Label::Address => "<address>",
        Label::Postcode => "<postcode>",
        Label::DateOfBirth => "<date_of_birth>",
        Label::Nino => "<nino>",
        Label::NhsNumber => "<nhs_number>",
        Label::CardNumber => "<card_number>",
        Label::SortCode => "<sort_code>",
        Label::AccountNumber => "<account_number>",
        Label::Iban => "<iban>",
        Label::Passport => "<passport>",
        Label::DrivingLicence => "<driving_licence>",
        Label::VehicleReg => "<vehicle_reg>",
        Label::IpAddress => "<ip_address>",
        Label::Url => "<url>",
        Label::Organisation => "<organisation>",
    }
}

/// Replaces the personal data `civic-redact`'s detectors find in `text` with typed
/// placeholders ([`placeholder`]); borrows `text` when there is none.
///
/// ```
/// use civic_triage::text::mask_personal_data;
/// let masked = mask_personal_data("Mrs Priya Patel of 14 Mill Lane, LS6 2AB, rang from 0113 496 0000");
/// assert!(!masked.contains("Patel") && !masked.contains("LS6") && !masked.contains("0113"));
/// assert!(masked.contains("<person>") && masked.contains("<postcode>"));
/// ```
pub fn mask_personal_data(text: &str) -> Cow<'_, str> {
    let found = ANALYZER.analyze(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    // The analyzer returns sorted detections without overlaps, on character boundaries;
    // anything else is skipped rather than trusted.
    for d in found {
        let (Some(before), true) = (text.get(at..d.start), d.end <= text.len()) else {
            continue;
        };
        out.push_str(before);
        out.push_str(placeholder(d.label));
        at = d.end;
    }
    out.push_str(text.get(at..).unwrap_or_default());
    Cow::Owned(out)
}

/// Negations are kept although NLTK lists them: "not collected" is what a missed bin says.
const KEPT_STOPWORDS: [&str; 3] = ["no", "not", "nor"];

static STOPWORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    stop_words::lookup("en")
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|w| !KEPT_STOPWORDS.contains(w) && !w.ends_with("n't"))
        .collect()
});

/// Whether a normalised word is an English stopword that is not a feature of masking models:
/// NLTK's English list (from the `stop-words` crate) less the negations (`no`, `not`, `nor`
/// and the `n't` forms such as `didn't`), which change what a message asks for.
///
/// ```
/// use civic_triage::text::is_stopword;
/// assert!(is_stopword("the") && is_stopword("my") && is_stopword("himself"));
/// assert!(!is_stopword("not") && !is_stopword("didn't") && !is_stopword("bin"));
/// ```
pub fn is_stopword(word: &str) -> bool {
    STOPWORDS.contains(word)
}

/// Normalises text for feature extraction: NFKC, lowercase, straight apostrophes.
pub fn normalise(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        if text.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        }
    } else {
        let straight = |c: char| match c {
            '\u{2018}' | '\u{2019}' | '\u{02BC}' => '\'',
            other => other,
        };
        // Most non-ASCII messages (a `£`, an accent) are already NFKC: the quick check
        // proves that far faster than normalising.
        let nfkc: String = if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
            text.chars().map(straight).collect()
        } else {
            text.nfkc().map(straight).collect()
        };
        Cow::Owned(nfkc.to_lowercase())
    }
}

/// What kind of token a [`Token`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// Letters and digits, possibly with inner `'` or `-`.
    Word,
    /// Starts with a digit: amounts, dates, times, house numbers.
    Number,
    /// Something that looks like an e-mail address.
    Email,
    /// Something that looks like a web address.
    Url,
    /// A placeholder for personal data, such as `<person>` (see [`mask_personal_data`]).
    Placeholder,
}

/// One token: a slice of the normalised text and its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token<'a> {
    /// The token's text (already normalised).
    pub text: &'a str,
    /// What kind of token it is.
    pub kind: TokenKind,
}

/// Splits already-normalised text into tokens.
///
/// ```
/// use civic_triage::text::{normalise, tokenise, TokenKind};
/// let text = normalise("Bin NOT collected at 12a Park Rd — email me: jo@example.org");
/// let tokens = tokenise(&text);
/// assert_eq!(tokens[0].text, "bin");
/// assert_eq!(tokens.last().map(|t| t.kind), Some(TokenKind::Email));
/// ```
pub fn tokenise(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(text.len() / 5 + 1);
    tokenise_into(text, &mut out);
    out
}

/// Like [`tokenise`], reusing a buffer.
pub fn tokenise_into<'a>(text: &'a str, out: &mut Vec<Token<'a>>) {
    tokenise_impl(text, out, false);
}

/// Like [`tokenise_into`], also keeping each placeholder of [`mask_personal_data`]
/// (`<person>`, `<postcode>`…) whole as a [`TokenKind::Placeholder`].
///
/// ```
/// use civic_triage::text::{mask_personal_data, normalise, tokenise_masked_into, TokenKind};
/// let masked = mask_personal_data("Call me on 07700 900123 please");
/// let text = normalise(&masked);
/// let mut tokens = Vec::new();
/// tokenise_masked_into(&text, &mut tokens);
/// assert!(tokens.iter().any(|t| t.kind == TokenKind::Placeholder && t.text == "<phone>"));
/// ```
pub fn tokenise_masked_into<'a>(text: &'a str, out: &mut Vec<Token<'a>>) {
    tokenise_impl(text, out, true);
}

/// The placeholder of [`placeholder`] that `text` starts with, if any.
fn placeholder_at(text: &str) -> Option<&str> {
    let end = text.as_bytes().iter().take(24).position(|&b| b == b'>')?;
    let candidate = &text[..=end];
    Label::ALL
        .into_iter()
        .any(|l| placeholder(l) == candidate)
        .then_some(candidate)
}

fn tokenise_impl<'a>(text: &'a str, out: &mut Vec<Token<'a>>, placeholders: bool) {
    out.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    // The whitespace-delimited chunk around `i`, found once per chunk so that a long run
    // without spaces (a pasted blob) costs linear time, not quadratic.
    let mut chunk_end = 0;
    let mut chunk_has_at = false;
    while i < text.len() {
        // ASCII bytes, the common case, skip UTF-8 decoding and Unicode tables.
        let b = bytes[i];
        if b < 0x80 && !b.is_ascii_alphanumeric() {
            if let Some(p) = (placeholders && b == b'<')
                .then(|| placeholder_at(&text[i..]))
                .flatten()
            {
                out.push(Token {
                    text: p,
                    kind: TokenKind::Placeholder,
                });
                i += p.len();
                continue;
            }
            i += 1;
            continue;
        }
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        if !c.is_alphanumeric() {
            i += c.len_utf8();
            continue;
        }
        if i >= chunk_end {
            chunk_end = whitespace_from(text, i);
            chunk_has_at = text.as_bytes()[i..chunk_end].contains(&b'@');
        }
        let chunk = &text[i..chunk_end];
        if chunk.starts_with("http://")
            || chunk.starts_with("https://")
            || chunk.starts_with("www.")
        {
            let end = i + chunk.trim_end_matches(is_trailing_punct).len();
            out.push(Token {
                text: &text[i..end],
                kind: TokenKind::Url,
            });
            i = chunk_end;
            continue;
        }
        if let Some(end) = chunk_has_at.then(|| email_end(bytes, i)).flatten() {
            out.push(Token {
                text: &text[i..end],
                kind: TokenKind::Email,
            });
            i = end;
            continue;
        }
        let (end, kind) = if c.is_ascii_digit() {
            (number_end(text, i), TokenKind::Number)
        } else {
            (word_end(text, i), TokenKind::Word)
        };
        out.push(Token {
            text: &text[i..end],
            kind,
        });
        i = end;
    }
}

/// The byte offset of the first whitespace character at or after `i` (the text's length if
/// none), scanning ASCII bytes without decoding: the ASCII characters that are Unicode
/// whitespace are tab, line feed, vertical tab, form feed, carriage return and space.
fn whitespace_from(text: &str, i: usize) -> usize {
    let b = text.as_bytes();
    let mut k = i;
    while k < b.len() && b[k] < 0x80 {
        if matches!(b[k], b' ' | b'\t'..=b'\r') {
            return k;
        }
        k += 1;
    }
    if k >= b.len() {
        return b.len();
    }
    text[k..]
        .find(char::is_whitespace)
        .map_or(text.len(), |j| k + j)
}

fn is_trailing_punct(c: char) -> bool {
    matches!(
        c,
        '.' | ',' | ';' | ':' | '!' | '?' | ')' | ']' | '\'' | '"' | '>'
    )
}

/// The end of an e-mail-ish token starting at `start`, if there is one there.
fn email_end(bytes: &[u8], start: usize) -> Option<usize> {
    let local = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-');
    let domain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-');
    let mut i = start;
    while i < bytes.len() && local(bytes[i]) {
        i += 1;
    }
    if i == start || bytes.get(i) != Some(&b'@') {
        return None;
    }
    let at = i;
    i += 1;
    while i < bytes.len() && domain(bytes[i]) {
        i += 1;
    }
    while i > at + 1 && matches!(bytes[i - 1], b'.' | b'-') {
        i -= 1;
    }
    let host = &bytes[at + 1..i];
    (host.contains(&b'.') && host.first().is_some_and(u8::is_ascii_alphanumeric)).then_some(i)
}

/// Numbers: digits with inner `.`, `,`, `:`, `/` or `-` followed by a digit, then any
/// letters or digits stuck to them (`10am`, `3rd`, `12a`).
fn number_end(text: &str, start: usize) -> usize {
    let b = text.as_bytes();
    let mut i = start;
    loop {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        if i + 1 < b.len()
            && matches!(b[i], b'.' | b',' | b':' | b'/' | b'-')
            && b[i + 1].is_ascii_digit()
        {
            i += 1;
        } else {
            break;
        }
    }
    word_end(text, i)
}

/// Words: alphanumerics, with a `'` or `-` allowed between two alphanumerics.
fn word_end(text: &str, start: usize) -> usize {
    // Fast path over ASCII letters and digits; anything else goes to the general loop.
    let b = text.as_bytes();
    let mut start = start;
    while start < b.len() && b[start].is_ascii_alphanumeric() {
        start += 1;
    }
    if start >= b.len() || (b[start] < 0x80 && !matches!(b[start], b'\'' | b'-')) {
        return start;
    }
    let mut end = start;
    let mut chars = text[start..].char_indices().peekable();
    while let Some((k, c)) = chars.next() {
        if c.is_alphanumeric() {
            end = start + k + c.len_utf8();
        } else if (c == '\'' || c == '-')
            && end == start + k
            && chars.peek().is_some_and(|(_, n)| n.is_alphanumeric())
        {
            continue;
        } else {
            break;
        }
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toks(s: &str) -> Vec<(String, TokenKind)> {
        let n = normalise(s);
        tokenise(&n)
            .iter()
            .map(|t| (t.text.to_string(), t.kind))
            .collect()
    }

    #[test]
    fn tokenises_table_of_cases() {
        use TokenKind::*;
        let cases: &[(&str, &[(&str, TokenKind)])] = &[
            ("Hello World", &[("hello", Word), ("world", Word)]),
            (
                "don't  fly-tipping!",
                &[("don't", Word), ("fly-tipping", Word)],
            ),
            (
                "paid £12.50 on 01/02/2025",
                &[
                    ("paid", Word),
                    ("12.50", Number),
                    ("on", Word),
                    ("01/02/2025", Number),
                ],
            ),
            (
                "at 10am, flat 3b",
                &[
                    ("at", Word),
                    ("10am", Number),
                    ("flat", Word),
                    ("3b", Number),
                ],
            ),
            (
                "mail Jo.Bloggs@Example.org.",
                &[("mail", Word), ("jo.bloggs@example.org", Email)],
            ),
            (
                "see https://www.gov.uk/council-tax).",
                &[("see", Word), ("https://www.gov.uk/council-tax", Url)],
            ),
            ("www.leeds.gov.uk", &[("www.leeds.gov.uk", Url)]),
            (
                "a@b is not mail",
                &[
                    ("a", Word),
                    ("b", Word),
                    ("is", Word),
                    ("not", Word),
                    ("mail", Word),
                ],
            ),
            (
                "trailing- hyphen 'quoted'",
                &[("trailing", Word), ("hyphen", Word), ("quoted", Word)],
            ),
            ("", &[]),
        ];
        for (input, expected) in cases {
            let expected: Vec<_> = expected.iter().map(|(t, k)| (t.to_string(), *k)).collect();
            assert_eq!(toks(input), expected, "input: {input:?}");
        }
    }

    #[test]
    fn normalises_width_ligatures_case_and_apostrophes() {
        let cases = [
            ("ＣＯＵＮＣＩＬ", "council"),
            ("ﬁx the ﬂat", "fix the flat"),
            ("Don\u{2019}t", "don't"),
            ("Café", "café"),
            ("plain ascii", "plain ascii"),
        ];
        for (input, expected) in cases {
            assert_eq!(normalise(input), expected, "input: {input:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn whitespace_scan_agrees_with_unicode(
            s in "[a-z@é£ \\t\\n\\x0B\\x0C\\r\\x{85}\\x{A0}\\x{2003}]{0,40}",
            at in 0usize..40,
        ) {
            let mut i = at.min(s.len());
            while !s.is_char_boundary(i) {
                i -= 1;
            }
            let want = s[i..].find(char::is_whitespace).map_or(s.len(), |k| i + k);
            proptest::prop_assert_eq!(whitespace_from(&s, i), want);
        }

        #[test]
        fn tokens_are_non_empty_slices_of_the_input(s in "\\PC{0,80}") {
            let n = normalise(&s);
            for t in tokenise(&n) {
                proptest::prop_assert!(!t.text.is_empty());
                proptest::prop_assert!(n.contains(t.text));
            }
        }
    }
}
