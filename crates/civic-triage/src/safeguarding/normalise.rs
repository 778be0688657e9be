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

/// Normalises like the classifier (NFKC, lowercase, straight apostrophes) and collapses
/// whitespace runs to one space, returning for each output byte the byte offset of the
/// input character it came from.
pub(super) fn normalise_with_offsets(text: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(text.len());
    let mut starts = Vec::with_capacity(text.len());
    let mut last_space = false;
    for (i, c) in text.char_indices() {
        if c.is_ascii() && !c.is_ascii_whitespace() && c != '\u{0B}' {
            last_space = false;
            out.push(c.to_ascii_lowercase());
            starts.push(i);
            continue;
        }
        if c.is_whitespace() {
            if !last_space {
                out.push(' ');
                starts.push(i);
            }
            last_space = true;
            continue;
        }
        last_space = false;
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            starts.push(i);
            continue;
        }
        for n in std::iter::once(c).nfkc() {
            let n = if matches!(n, '\u{2018}' | '\u{2019}' | '\u{02BC}') {
                '\''
            } else {
                n
            };
            for l in n.to_lowercase() {
                out.push(l);
                starts.extend(std::iter::repeat_n(i, l.len_utf8()));
            }
        }
    }
    (out, starts)
}
