//! Normalisation for matching, keeping the way back to the original text's offsets.

use unicode_normalization::UnicodeNormalization;

/// Where to start looking back for negation before byte `s`: at most 512 bytes back (far more
/// than `negation_window` words), so a long message with many matches stays linear.
pub(super) fn window_start(norm: &str, s: usize) -> usize {
    let mut k = s.saturating_sub(512);
    while !norm.is_char_boundary(k) {
        k += 1;
    }
    k
}

/// The form rules match on: [`normalise_with_offsets`], then text-speak and misspellings
/// rewritten ([`super::variants::rewrite`]); for each byte, the offset in `text` of the
/// character it came from.
pub(super) fn matching_form(text: &str) -> (String, Vec<usize>) {
    let (norm, starts) = normalise_with_offsets(text);
    super::variants::rewrite(&norm, &starts)
}

/// Normalises like the classifier (NFKC, lowercase, straight apostrophes) and collapses
/// whitespace runs to one space.
#[cfg(test)]
pub(super) fn normalise_for_matching(text: &str) -> String {
    normalise_into(text, |_, _| {})
}

/// [`normalise_for_matching`], also returning for each output byte the byte offset of the
/// input character it came from.
pub(super) fn normalise_with_offsets(text: &str) -> (String, Vec<usize>) {
    let mut starts = Vec::with_capacity(text.len());
    let out = normalise_into(text, |i, n| starts.extend(std::iter::repeat_n(i, n)));
    (out, starts)
}

/// The normalisation itself; `mapped(i, n)` is told that the next `n` output bytes came
/// from the input character at byte `i`.
fn normalise_into(text: &str, mut mapped: impl FnMut(usize, usize)) -> String {
    if text.is_ascii() {
        return normalise_ascii(text.as_bytes(), mapped);
    }
    let mut out = String::with_capacity(text.len());
    let mut last_space = false;
    for (i, c) in text.char_indices() {
        if c.is_ascii() && !c.is_ascii_whitespace() && c != '\u{0B}' {
            last_space = false;
            out.push(c.to_ascii_lowercase());
            mapped(i, 1);
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                mapped(i, 1);
            }
            last_space = true;
            continue;
        }
        last_space = false;
        for n in std::iter::once(c).nfkc() {
            let n = if matches!(n, '\u{2018}' | '\u{2019}' | '\u{02BC}') {
                '\''
            } else {
                n
            };
            for l in n.to_lowercase() {
                out.push(l);
                mapped(i, l.len_utf8());
            }
        }
    }
    out
}

/// The ASCII case, byte by byte: NFKC leaves ASCII unchanged, and the ASCII characters
/// that are Unicode whitespace are tab, line feed, vertical tab, form feed, carriage return
/// and space.
fn normalise_ascii(bytes: &[u8], mut mapped: impl FnMut(usize, usize)) -> String {
    let mut out = Vec::with_capacity(bytes.len());
    let mut last_space = false;
    for (i, &b) in bytes.iter().enumerate() {
        if matches!(b, b' ' | b'\t'..=b'\r') {
            if !last_space {
                out.push(b' ');
                mapped(i, 1);
            }
            last_space = true;
        } else {
            out.push(b.to_ascii_lowercase());
            mapped(i, 1);
            last_space = false;
        }
    }
    // Only ASCII bytes were pushed, so this cannot fail.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_fast_path_agrees_with_the_general_path() {
        for text in [
            "Kill   Myself\n\n",
            "a\tb\x0Bc\x0Cd\re  f",
            " Leading and trailing ",
            "",
        ] {
            // A non-ASCII character at the end sends the text down the general path.
            let general = normalise_with_offsets(&format!("{text}é"));
            let (fast, starts) = normalise_with_offsets(text);
            assert_eq!(general.0.strip_suffix('é'), Some(fast.as_str()), "{text:?}");
            assert_eq!(&general.1[..starts.len()], starts.as_slice(), "{text:?}");
            assert_eq!(normalise_for_matching(text), fast);
        }
    }
}
