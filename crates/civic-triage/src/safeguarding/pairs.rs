//! The learned scorer's second model: concern or not, from words, word pairs and negation.
//!
//! The first model ([`super::LearnedScorer`]'s softmax) reads words, neighbouring word
//! pairs and character 4-grams. People who write a concern without its usual words still
//! put two telling words close together with something between them ("*keeps* getting in
//! *cars*", "*took* her *wages*", "*won't* let her *out*"), and say what is *not* happening
//! ("not *eating*", "no *heating*"). This model sees exactly that: each word; each ordered
//! pair of words up to [`PAIR_SPAN`] apart, whatever lies between; and each word within a
//! negation's reach marked as negated. It is a binary logistic regression (concern or
//! none), trained by Adagrad on the same examples as the first model, in one thread in a
//! seeded order, so the same data give the same weights bit for bit. Its probability is
//! blended with the first model's concern score ([`super::ScorerOptions::second_weight`]);
//! the categories and the words shown come from the first model alone.

use xxhash_rust::xxh3::xxh3_64_with_seed;

use civic_core::rng::SplitMix64;

/// Word pairs are taken up to this many words apart (1 is neighbours).
const PAIR_SPAN: usize = 3;
/// A negation reaches this many words, or to the end of its clause if that is sooner.
const NEGATION_REACH: usize = 4;
const SEED: u64 = 0x5AFE_9A12;
const WORD: u64 = 1;
const PAIR: u64 = 2;
const NEGATED: u64 = 3;
const EPS: f32 = 1e-8;

/// Words that open a negation's reach (a word ending in `n't` does too).
const NEGATORS: &[&str] = &[
    "not", "no", "never", "nobody", "nothing", "none", "nowhere", "cannot", "without", "nor",
];

/// How the second model is trained.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct PairOptions {
    /// Hash buckets, as a power of two.
    pub(crate) buckets_log2: u8,
    /// Passes over the examples.
    pub(crate) epochs: u32,
    /// Adagrad learning rate.
    pub(crate) learning_rate: f32,
    /// L2 regularisation strength.
    pub(crate) l2: f32,
}

/// A trained concern-or-not model over words, word pairs and negated words.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PairModel {
    buckets_log2: u8,
    weights: Vec<f32>,
    bias: f32,
}

impl PairModel {
    /// Trains on texts (already in the scorer's plain form) and whether each is a concern.
    pub(crate) fn train(examples: &[(&str, bool)], options: &PairOptions) -> Self {
        let features: Vec<Vec<u32>> = examples
            .iter()
            .map(|(text, _)| buckets(text, options.buckets_log2))
            .collect();
        let size = 1usize << options.buckets_log2;
        let mut model = Self {
            buckets_log2: options.buckets_log2,
            weights: vec![0.0; size],
            bias: 0.0,
        };
        let mut g2 = vec![0f32; size];
        let mut g2_bias = 0f32;
        let mut order: Vec<usize> = (0..examples.len()).collect();
        let mut rng = SplitMix64::new(SEED);
        for _ in 0..options.epochs {
            rng.shuffle(&mut order);
            for &k in &order {
                let x = &features[k];
                if x.is_empty() {
                    continue;
                }
                let value = 1.0 / (x.len() as f32).sqrt();
                let p = sigmoid(model.logit_of(x, value));
                let g = p - f32::from(u8::from(examples[k].1));
                g2_bias += g * g;
                model.bias -= options.learning_rate * g / (g2_bias.sqrt() + EPS);
                for &b in x {
                    let w = &mut model.weights[b as usize];
                    let grad = g * value + options.l2 * value * *w;
                    g2[b as usize] += grad * grad;
                    *w -= options.learning_rate * grad / (g2[b as usize].sqrt() + EPS);
                }
            }
        }
        model
    }

    /// The probability that a text (in the scorer's plain form) is a concern.
    pub(crate) fn probability(&self, text: &str) -> f64 {
        let x = buckets(text, self.buckets_log2);
        if x.is_empty() {
            return f64::from(sigmoid(self.bias));
        }
        let value = 1.0 / (x.len() as f32).sqrt();
        f64::from(sigmoid(self.logit_of(&x, value)))
    }

    fn logit_of(&self, x: &[u32], value: f32) -> f32 {
        self.bias + x.iter().map(|&b| self.weights[b as usize]).sum::<f32>() * value
    }

    /// The weights and bias as bytes (to check that retraining reproduces them).
    pub(crate) fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(4 * self.weights.len() + 5);
        out.push(self.buckets_log2);
        for w in self.weights.iter().chain(std::iter::once(&self.bias)) {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }
}

fn sigmoid(z: f32) -> f32 {
    1.0 / (1.0 + (-z).exp())
}

/// The words of a plain-form text, each with whether a negation reaches it, and where
/// clauses end (after `.`, `,`, `;`, `:`, `!`, `?` and line breaks). A placeholder such
/// as `<person>` is one word.
fn words(text: &str) -> Vec<(&str, bool)> {
    let mut out = Vec::new();
    // Words a negation still reaches.
    let mut reach = 0usize;
    fn push<'t>(out: &mut Vec<(&'t str, bool)>, word: &'t str, reach: &mut usize) {
        let word = word.trim_matches('\'');
        if word.is_empty() {
            return;
        }
        let negator = NEGATORS.contains(&word) || word.ends_with("n't");
        out.push((word, *reach > 0 && !negator));
        *reach = if negator {
            NEGATION_REACH
        } else {
            reach.saturating_sub(1)
        };
    }
    let mut start = None;
    for (i, c) in text.char_indices() {
        let inside = c.is_alphanumeric() || matches!(c, '\'' | '<' | '>' | '_');
        match (inside, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                push(&mut out, &text[s..i], &mut reach);
                start = None;
            }
            _ => {}
        }
        if matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\n') {
            reach = 0;
        }
    }
    if let Some(s) = start {
        push(&mut out, &text[s..], &mut reach);
    }
    out
}

/// The hashed features of a plain-form text, sorted and without repeats (presence, not
/// counts).
fn buckets(text: &str, buckets_log2: u8) -> Vec<u32> {
    let mask = (1u64 << buckets_log2) - 1;
    let words = words(text);
    let hashes: Vec<u64> = words
        .iter()
        .map(|(w, _)| xxh3_64_with_seed(w.as_bytes(), SEED))
        .collect();
    let mut out = Vec::with_capacity(words.len() * (PAIR_SPAN + 2));
    let mix = |kind: u64, a: u64, b: u64| {
        let mut bytes = [0u8; 24];
        bytes[..8].copy_from_slice(&kind.to_le_bytes());
        bytes[8..16].copy_from_slice(&a.to_le_bytes());
        bytes[16..].copy_from_slice(&b.to_le_bytes());
        (xxh3_64_with_seed(&bytes, SEED) & mask) as u32
    };
    for (i, (&h, (_, negated))) in hashes.iter().zip(&words).enumerate() {
        out.push(mix(WORD, h, 0));
        if *negated {
            out.push(mix(NEGATED, h, 0));
        }
        for &g in hashes.iter().skip(i + 1).take(PAIR_SPAN) {
            out.push(mix(PAIR, h, g));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negation_reaches_a_few_words_and_stops_at_the_clause() {
        let got = words("he won't let her out, she is fine. not eating");
        let negated: Vec<&str> = got.iter().filter(|w| w.1).map(|w| w.0).collect();
        assert_eq!(negated, ["let", "her", "out", "eating"]);
        let got = words("no one is hurting me at all");
        let negated: Vec<&str> = got.iter().filter(|w| w.1).map(|w| w.0).collect();
        assert_eq!(negated, ["one", "is", "hurting", "me"]);
        assert_eq!(words("<person> said 'never'")[0], ("<person>", false));
    }

    #[test]
    fn pairs_skip_words_between_and_keep_their_order() {
        // "keeps getting in cars": keeps…cars is a pair three words apart.
        let a = buckets("keeps getting in cars", 20);
        let b = buckets("keeps driving off cars", 20);
        let c = buckets("cars getting in keeps", 20);
        let shared = |x: &[u32], y: &[u32]| x.iter().filter(|v| y.contains(v)).count();
        // The two words and their pair.
        assert_eq!(shared(&a, &b), 3);
        // The same two words in the other order share no pair.
        assert_eq!(shared(&a, &c), 4 + 1);
        // Four words, three negation-free: 4 words + 3 + 2 + 1 pairs.
        assert_eq!(a.len(), 10);
    }

    #[test]
    fn learns_concerns_and_retrains_identically() {
        let data: Vec<(&str, bool)> = [
            ("he won't let her out of the house", true),
            ("she has not eaten for days", true),
            ("he keeps taking her wages", true),
            ("the bin was not collected on tuesday", false),
            ("please send me a new parking permit", false),
            ("the streetlight is out on our road", false),
        ]
        .repeat(10);
        let options = PairOptions {
            buckets_log2: 16,
            epochs: 5,
            learning_rate: 0.2,
            l2: 1e-4,
        };
        let model = PairModel::train(&data, &options);
        assert!(model.probability("he won't let her out") > 0.5);
        assert!(model.probability("please send a new permit") < 0.5);
        assert_eq!(
            model.to_bytes(),
            PairModel::train(&data, &options).to_bytes()
        );
    }
}
