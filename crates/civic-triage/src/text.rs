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

use std::borrow::Cow;
use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfkc_quick};

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
