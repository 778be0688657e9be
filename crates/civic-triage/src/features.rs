//! Feature extraction: hashed word unigrams, word bigrams and character n-grams.
//!
//! Every occurrence of a feature in a message has the same value, `1/√n` where `n` is the
//! number of feature occurrences in the message, so a message's feature vector has length
//! one when no two occurrences share a bucket, and the score of a class is simply
//! `bias + Σ weight[bucket] / √n` over occurrences. That sum is what [`crate::Explanation`]
//! splits, term by term, so explanations are exact.
//!
//! Features are hashed into `2^buckets_log2` buckets with XXH3 (seeded; the seed is stored in
//! the model). Hashing needs no vocabulary in the model file and makes extraction a pure
//! function of the text, which is what lets training stream a million messages without
//! holding a vocabulary or their feature vectors; see `docs/benchmarks/triage.md` for the
//! measurement of bucket counts against quality.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::text::{
    Token, TokenKind, is_stopword, mask_personal_data, normalise, tokenise_into,
    tokenise_masked_into,
};

const BIGRAM_SALT: u64 = 0xB16_B16;
const CHAR_SALT: u64 = 0xC4A2_C4A2;

/// How text becomes features. Stored in the model so prediction repeats training exactly.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeatureConfig {
    /// Number of hash buckets as a power of two (`2^buckets_log2`), between 10 and 24.
    pub buckets_log2: u8,
    /// Seed of the feature hash.
    pub hash_seed: u64,
    /// Whether to add word bigrams.
    pub word_bigrams: bool,
    /// Shortest character n-gram (0 disables character n-grams).
    pub char_ngram_min: u8,
    /// Longest character n-gram.
    pub char_ngram_max: u8,
    /// Whether personal data is replaced by typed placeholders (`<person>`, `<postcode>`…)
    /// before the text becomes features ([`crate::text::mask_personal_data`]), so that no
    /// name, address or number of a resident becomes a weight or an explanation's term.
    /// Absent (false) in models trained before it existed, which keep their raw words.
    #[serde(default)]
    pub mask_personal_data: bool,
    /// Whether English stopwords are dropped before the text becomes features
    /// ([`crate::text::is_stopword`]). Absent (false) in models trained before it existed.
    #[serde(default)]
    pub drop_stopwords: bool,
}

/// The settings every model had before personal data was masked: raw words, stopwords
/// included. [`FeatureConfig::routing`] is what new routing models are trained with.
impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            buckets_log2: 18,
            hash_seed: 0xC171_C7E1_A6E0,
            word_bigrams: true,
            char_ngram_min: 4,
            char_ngram_max: 4,
            mask_personal_data: false,
            drop_stopwords: false,
        }
    }
}

/// Which term of a message a feature occurrence belongs to.
///
/// Character n-grams belong to the word they were cut from, so a word's contribution
/// includes its spelling fragments; a bigram is a term of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TermRef {
    /// The token at this index.
    Token(u32),
    /// The bigram of the tokens at this index and the next.
    Bigram(u32),
}

impl FeatureConfig {
    /// The settings of new routing models ([`crate::TrainOptions::default`]): the defaults
    /// with personal data masked and stopwords dropped.
    pub fn routing() -> Self {
        Self {
            mask_personal_data: true,
            drop_stopwords: true,
            ..Self::default()
        }
    }

    /// The text as a model with these settings sees it: personal data masked (if the model
    /// masks it), then [`normalise`]d. The one preparation training and prediction share;
    /// tokenise the result with [`tokens`](Self::tokens).
    pub fn prepare<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if !self.mask_personal_data {
            return normalise(text);
        }
        match mask_personal_data(text) {
            Cow::Borrowed(t) => normalise(t),
            Cow::Owned(masked) => Cow::Owned(normalise(&masked).into_owned()),
        }
    }

    /// The tokens of [`prepare`](Self::prepare)d text that become features: placeholders
    /// kept whole and stopwords dropped, for models with those settings.
    pub fn tokens<'t>(&self, prepared: &'t str, out: &mut Vec<Token<'t>>) {
        if self.mask_personal_data {
            tokenise_masked_into(prepared, out);
        } else {
            tokenise_into(prepared, out);
        }
        if self.drop_stopwords {
            out.retain(|t| t.kind != TokenKind::Word || !is_stopword(t.text));
        }
    }

    pub(crate) fn buckets(&self) -> usize {
        1usize << self.buckets_log2
    }

    fn mask(&self) -> u64 {
        (1u64 << self.buckets_log2) - 1
    }

    /// Calls `f(bucket, term)` for every feature occurrence of `tokens`, in a fixed order.
    pub(crate) fn for_each_feature(&self, tokens: &[Token<'_>], f: impl FnMut(u32, TermRef)) {
        self.for_each_feature_and_token(tokens, |_| {}, f);
    }

    /// [`for_each_feature`](Self::for_each_feature), also calling `on_token(hash)` with
    /// each token's 64-bit (seeded) hash, in token order, so that callers that need to tell
    /// tokens apart need not hash them again.
    pub(crate) fn for_each_feature_and_token(
        &self,
        tokens: &[Token<'_>],
        mut on_token: impl FnMut(u64),
        mut f: impl FnMut(u32, TermRef),
    ) {
        let mask = self.mask();
        let mut prev_hash: Option<u64> = None;
        let mut gram = Vec::with_capacity(64);
        for (i, tok) in tokens.iter().enumerate() {
            let i = i as u32;
            let h = xxh3_64_with_seed(tok.text.as_bytes(), self.hash_seed);
            on_token(h);
            f((h & mask) as u32, TermRef::Token(i));
            if self.word_bigrams {
                if let Some(p) = prev_hash {
                    let mut pair = [0u8; 16];
                    pair[..8].copy_from_slice(&p.to_le_bytes());
                    pair[8..].copy_from_slice(&h.to_le_bytes());
                    let b = xxh3_64_with_seed(&pair, self.hash_seed ^ BIGRAM_SALT);
                    f((b & mask) as u32, TermRef::Bigram(i - 1));
                }
                prev_hash = Some(h);
            }
            if self.char_ngram_min > 0 && tok.kind == TokenKind::Word {
                self.char_ngrams(tok.text, &mut gram, |b| f(b, TermRef::Token(i)));
            }
        }
    }

    /// Character n-grams of `<word>`, hashed; ASCII words take a byte-slicing fast path.
    fn char_ngrams(&self, word: &str, buf: &mut Vec<u8>, mut f: impl FnMut(u32)) {
        let (lo, hi) = (
            usize::from(self.char_ngram_min),
            usize::from(self.char_ngram_max.max(self.char_ngram_min)),
        );
        let mask = self.mask();
        let seed = self.hash_seed ^ CHAR_SALT;
        buf.clear();
        buf.push(b'<');
        buf.extend_from_slice(word.as_bytes());
        buf.push(b'>');
        if word.is_ascii() {
            for n in lo..=hi {
                for w in buf.windows(n) {
                    f((xxh3_64_with_seed(w, seed) & mask) as u32);
                }
            }
        } else {
            // Cut on character boundaries so a gram never splits a UTF-8 sequence.
            let s = String::from_utf8_lossy(buf);
            let bounds: Vec<usize> = s
                .char_indices()
                .map(|(k, _)| k)
                .chain(std::iter::once(s.len()))
                .collect();
            for n in lo..=hi {
                for k in 0..bounds.len().saturating_sub(n) {
                    let g = &s.as_bytes()[bounds[k]..bounds[k + n]];
                    f((xxh3_64_with_seed(g, seed) & mask) as u32);
                }
            }
        }
    }

    /// The buckets of every feature occurrence of `text`, in order (no merging).
    pub(crate) fn occurrences(&self, text: &str, out: &mut Vec<u32>) {
        out.clear();
        let prepared = self.prepare(text);
        let mut tokens = Vec::new();
        self.tokens(&prepared, &mut tokens);
        self.for_each_feature(&tokens, |b, _| out.push(b));
    }

    /// The message as a sparse vector: sorted buckets with merged values `count/√n`.
    pub(crate) fn sparse(&self, text: &str) -> SparseVec {
        let mut occ = Vec::new();
        self.occurrences(text, &mut occ);
        SparseVec::from_occurrences(occ)
    }
}

/// A sparse feature vector: strictly increasing bucket indices and their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct SparseVec {
    pub(crate) index: Vec<u32>,
    pub(crate) value: Vec<f32>,
}

impl SparseVec {
    pub(crate) fn from_occurrences(mut occ: Vec<u32>) -> Self {
        if occ.is_empty() {
            return Self::default();
        }
        let scale = 1.0 / (occ.len() as f32).sqrt();
        occ.sort_unstable();
        let mut index = Vec::with_capacity(occ.len());
        let mut value: Vec<f32> = Vec::with_capacity(occ.len());
        for b in occ {
            if index.last() == Some(&b) {
                if let Some(v) = value.last_mut() {
                    *v += scale;
                }
            } else {
                index.push(b);
                value.push(scale);
            }
        }
        Self { index, value }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_of_each_feature_kind() {
        let text_tokens = |s: &str| {
            let n = normalise(s).into_owned();
            let mut t = Vec::new();
            tokenise_into(&n, &mut t);
            let owned: Vec<(String, TokenKind)> =
                t.iter().map(|t| (t.text.to_string(), t.kind)).collect();
            owned
        };
        // (config tweak, text, expected occurrences)
        let cases: &[(bool, u8, u8, &str, usize)] = &[
            (false, 0, 0, "bin not collected", 3),
            (true, 0, 0, "bin not collected", 5),
            // "<bin>" has 3 trigrams, "<not>" 3: 2 unigrams + 1 bigram + 6.
            (true, 3, 3, "bin not", 9),
            // Numbers get no character n-grams.
            (true, 3, 3, "bin 42", 6),
        ];
        for &(bigrams, lo, hi, text, expected) in cases {
            let cfg = FeatureConfig {
                word_bigrams: bigrams,
                char_ngram_min: lo,
                char_ngram_max: hi,
                ..FeatureConfig::default()
            };
            let owned = text_tokens(text);
            let tokens: Vec<Token<'_>> = owned
                .iter()
                .map(|(t, k)| Token { text: t, kind: *k })
                .collect();
            let mut n = 0;
            cfg.for_each_feature(&tokens, |b, _| {
                assert!((b as usize) < cfg.buckets());
                n += 1;
            });
            assert_eq!(n, expected, "case {text:?} bigrams={bigrams} {lo}..{hi}");
        }
    }

    #[test]
    fn sparse_vector_has_unit_norm_without_collisions_and_merges_repeats() {
        let cfg = FeatureConfig::default();
        let v = cfg.sparse("The bin was not collected on Tuesday");
        let norm: f32 = v.value.iter().map(|x| x * x).sum();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
        assert!(v.index.windows(2).all(|w| w[0] < w[1]));
        let r = cfg.sparse("bin bin");
        assert!(
            r.value
                .iter()
                .any(|&x| x > 1.0 / (r.value.len() as f32).sqrt())
        );
    }

    #[test]
    fn non_ascii_words_are_cut_on_character_boundaries() {
        let cfg = FeatureConfig::default();
        let v = cfg.sparse("Café naïve façade");
        assert!(!v.index.is_empty());
    }
}
