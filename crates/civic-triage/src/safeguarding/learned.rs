//! The learned half of the detector: a classifier over the seven categories and "none",
//! trained on the synthetic corpus ([`super::corpus`]) and the hand-written development
//! sets (`data/safeguarding/*-dev*.jsonl`, see [`super::development_group`]).
//!
//! # Why the triage classifier, and why one softmax
//!
//! The crate already has a text classifier that suits short, messy messages (hashed word
//! unigrams, bigrams and character 4-grams, so "sucidal" and "suicidal" share most
//! features), a deterministic solver, temperature calibration and exact explanations. The
//! safeguarding scorer reuses it rather than adding a second model family: one multinomial
//! model over eight classes (the seven categories and `none`). Its score for a message is
//! `1 − P(none)`, the calibrated probability that the message is a concern of *some*
//! kind, which is the quantity recall is set on; the categories are then read from the
//! other seven probabilities. A message of two categories is trained as two examples, so
//! both probabilities rise. One-vs-rest models would give independent category scores,
//! but the concern-or-not question, which matters most, would then have no single
//! calibrated answer.
//!
//! The model is trained at start-up (2–3 s of CPU in a release build; see
//! `docs/benchmarks/triage.md`) from the seeded corpus and the compiled-in development
//! sets, so nothing binary is committed and
//! the same seed gives the same model, byte for byte (tested).

use super::Category;
use super::corpus::{self, CorpusExample};
use crate::{TermContribution, TrainOptions, TrainingExample, TriageError, TriageModel};

/// The label of messages that are not a concern.
const NONE: &str = "none";

/// Sentences shorter than this are not scored on their own: too few words to judge.
const MIN_SEGMENT_WORDS: usize = 4;

/// Variants generated of each template for the default model.
pub const DEFAULT_VARIANTS: usize = 24;

/// How many times each hand-written line is repeated in training. 3 since the sixth group
/// (`dev6`) was added: against 2, cross-validation across the six groups gave the scorer
/// alone more recall for fewer false alarms (pooled, alert 0.30: 94.7 % urgent against
/// 94.3 %, hard negatives 2.3 % against 3.0 %, ordinary contacts 0.5 % against 1.0 %), for
/// about half a second more start-up training (`docs/benchmarks/triage.md`). The corpus's
/// generated variants outnumber the hand-written lines, which are the ones written as
/// people write.
pub const HANDWRITTEN_WEIGHT: usize = 3;

/// What the learned scorer says about one message.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedScore {
    /// `1 − P(none)`: the calibrated probability that the message is a concern.
    pub concern: f64,
    /// Each category's calibrated probability, in [`Category::ALL`] order.
    pub categories: Vec<(Category, f64)>,
    /// The message's words that most raised the likeliest category's score.
    pub terms: Vec<TermContribution>,
}

/// A trained safeguarding scorer.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedScorer {
    model: TriageModel,
    /// For each class of the model, its category (`None` for `none`).
    classes: Vec<Option<Category>>,
}

impl LearnedScorer {
    /// Trains the default scorer: the default corpus ([`corpus::DEFAULT_SEED`],
    /// [`DEFAULT_VARIANTS`]) and every hand-written development group.
    pub fn train_default() -> Result<Self, TriageError> {
        let mut handwritten = Vec::new();
        for group in super::development_groups() {
            handwritten.extend(super::development_group(group)?);
        }
        Self::train_with(
            &corpus::generate(corpus::DEFAULT_SEED, DEFAULT_VARIANTS),
            &handwritten,
        )
    }

    /// Trains on corpus examples only (all of them: choose held-out ones before calling).
    pub fn train(examples: &[CorpusExample]) -> Result<Self, TriageError> {
        Self::train_with(examples, &[])
    }

    /// Trains on corpus examples and hand-written labelled lines (all of them: leave out
    /// the ones to measure on before calling). Each hand-written line is repeated
    /// [`HANDWRITTEN_WEIGHT`] times: there are a few hundred per group against thousands
    /// of generated variants, and they are the ones written as people write.
    pub fn train_with(
        examples: &[CorpusExample],
        handwritten: &[super::EvalLine],
    ) -> Result<Self, TriageError> {
        let mut training = Vec::with_capacity(examples.len() * 9 / 8 + handwritten.len() * 4);
        for e in examples {
            push_labelled(&mut training, &e.text, &e.categories);
        }
        for line in handwritten {
            let categories: Vec<Category> = line
                .categories
                .iter()
                .filter_map(|c| Category::parse(c))
                .collect();
            if line.safeguarding && categories.is_empty() {
                continue;
            }
            for _ in 0..HANDWRITTEN_WEIGHT {
                push_labelled(&mut training, &line.text, &categories);
            }
        }
        let options = TrainOptions {
            seed: corpus::DEFAULT_SEED,
            epochs: 8,
            rules: super::SafeguardingRules::from_toml("")?,
            features: features(),
            ..TrainOptions::default()
        };
        let (model, _report) = crate::train(&training, &options, &|_| {})?;
        let classes = model.labels().iter().map(|l| Category::parse(l)).collect();
        Ok(Self { model, classes })
    }

    /// Scores one message.
    pub fn score(&self, text: &str) -> LearnedScore {
        self.score_plain(&plain_form(&crate::text::mask_personal_data(text)))
    }

    /// Scores a text already in [`plain_form`].
    fn score_plain(&self, text: &str) -> LearnedScore {
        let classes = &self.classes;
        let (probs, terms) = self.model.probabilities_with_support(text, |p| {
            (0..p.len())
                .filter(|&k| classes[k].is_some())
                .max_by(|&a, &b| p[a].total_cmp(&p[b]).then(b.cmp(&a)))
                .unwrap_or(0)
        });
        let none: f64 = self
            .classes
            .iter()
            .zip(&probs)
            .filter(|(c, _)| c.is_none())
            .map(|(_, p)| *p)
            .sum();
        let categories = Category::ALL
            .iter()
            .map(|&c| {
                let p = self
                    .classes
                    .iter()
                    .zip(&probs)
                    .find(|(k, _)| **k == Some(c))
                    .map_or(0.0, |(_, p)| *p);
                (c, p)
            })
            .collect();
        LearnedScore {
            concern: (1.0 - none).clamp(0.0, 1.0),
            categories,
            terms: terms.into_iter().filter(|t| t.contribution > 0.0).collect(),
        }
    }

    /// Scores a message as its strongest part: the whole text, each sentence, and each
    /// pair of neighbouring sentences, leaving out quoted reply lines. A long message
    /// whose concern is one sentence among ordinary requests would otherwise have it
    /// diluted by everything else (each feature weighs `1/√n`).
    ///
    /// Personal data is masked first, once, and a part is scored only if it has
    /// [`MIN_SEGMENT_WORDS`] words besides the placeholders: a sign-off such as "Yours
    /// faithfully, Mrs Ann Forsyth" is two words and a name, too little to judge (scored
    /// alone, such lines had made ordinary letters urgent).
    pub fn score_message(&self, text: &str) -> LearnedScore {
        let masked = crate::text::mask_personal_data(text);
        let text = masked.as_ref();
        let quoted = super::quoted::quoted_ranges(text);
        let sentences: Vec<String> = sentences(text)
            .into_iter()
            .filter(|(start, s)| {
                !quoted.iter().any(|q| q.contains(start)) && words(s) >= MIN_SEGMENT_WORDS
            })
            .map(|(_, s)| plain_form(s))
            .collect();
        let mut best = self.score_plain(&plain_form(text));
        if sentences.len() < 2 {
            return best;
        }
        let pairs = sentences.windows(2).map(|w| w.join(" "));
        for part in sentences.iter().cloned().chain(pairs) {
            let score = self.score_plain(&part);
            if score.concern > best.concern {
                best = score;
            }
        }
        best
    }

    /// The trained model's bytes (to check that retraining reproduces it).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.model.to_bytes()
    }
}

/// The scorer's features: as the routing model's ([`crate::FeatureConfig::routing`]),
/// personal data is replaced by typed placeholders (`<person>`, `<postcode>`…) before the
/// text becomes features, so no resident's name, address or number is ever learned or
/// shown as a term that raised the score (issue 13: "never learn from names"). Unlike the
/// routing model it keeps stopwords: "hits *me*", "*not* eating" and "*my* kids" carry
/// the concern. Fewer buckets than routing: eight classes and a small corpus.
fn features() -> crate::FeatureConfig {
    crate::FeatureConfig {
        buckets_log2: 17,
        mask_personal_data: true,
        ..crate::FeatureConfig::default()
    }
}

/// The form of a (masked) text the model reads, in training and scoring alike: lowercased,
/// whitespace runs as one space, and text-speak, stretched words and misspellings of key
/// words rewritten to plain words exactly as for the rules ([`super::variants`]). So "bf",
/// "2nite" and "sucidal" are learned and scored as "boyfriend", "tonight" and "suicidal":
/// a spelling the training data never showed still meets the weights of the plain word.
/// Personal data must be masked before: names are found by their capital letters.
fn plain_form(masked: &str) -> String {
    super::normalise::matching_form(masked).0
}

/// Adds one labelled message: a concern as one example per category; a message that is
/// not a concern as `none`, and each of its sentences of [`MIN_SEGMENT_WORDS`] words or
/// more too (the detector also scores single sentences, so the model must learn what
/// ordinary sentences on their own look like). Texts are masked and put in
/// [`plain_form`], as [`LearnedScorer::score_message`] does.
fn push_labelled(training: &mut Vec<TrainingExample>, text: &str, categories: &[Category]) {
    let masked = crate::text::mask_personal_data(text);
    let plain = plain_form(&masked);
    if categories.is_empty() {
        training.push(example(&plain, NONE));
        for (_, sentence) in sentences(&masked) {
            if words(sentence) >= MIN_SEGMENT_WORDS {
                training.push(example(&plain_form(sentence), NONE));
            }
        }
    }
    for c in categories {
        training.push(example(&plain, c.id()));
    }
}

fn example(text: &str, label: &str) -> TrainingExample {
    TrainingExample {
        text: text.to_string(),
        label: label.to_string(),
        urgent: None,
    }
}

/// The words of a (masked) text, not counting personal-data placeholders (`<person>`…).
fn words(text: &str) -> usize {
    text.split_whitespace()
        .filter(|w| {
            let w = w.trim_matches(|c: char| !(c.is_alphanumeric() || c == '<' || c == '>'));
            let placeholder = w.starts_with('<') && w.ends_with('>');
            !w.is_empty() && !placeholder
        })
        .count()
}

/// The sentences of a text with their byte offsets: split after `.`, `!`, `?` and line
/// breaks, trimmed, empty ones left out.
fn sentences(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '.' | '!' | '?' | '\n') {
            push_trimmed(&mut out, text, start, i + c.len_utf8());
            start = i + c.len_utf8();
        }
    }
    push_trimmed(&mut out, text, start, text.len());
    out
}

fn push_trimmed<'t>(out: &mut Vec<(usize, &'t str)>, text: &'t str, start: usize, end: usize) {
    let piece = &text[start..end];
    let trimmed = piece.trim_start();
    let offset = start + (piece.len() - trimmed.len());
    let trimmed = trimmed.trim_end();
    if trimmed.chars().any(char::is_alphanumeric) {
        out.push((offset, trimmed));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scorer_reads_text_speak_as_plain_words_and_keeps_placeholders() {
        assert_eq!(
            plain_form("My BF hits me 2nite, <person> knows"),
            "my boyfriend hits me tonight, <person> knows"
        );
        assert_eq!(
            plain_form("im thinkin of killin my self"),
            "i'm thinking of killing myself"
        );
    }

    #[test]
    fn placeholders_are_not_counted_as_words() {
        assert_eq!(words("Yours faithfully, <person>"), 2);
        assert_eq!(words("Thanks, <person>, <address>."), 1);
        assert_eq!(words("my ex <person> hits me"), 4);
    }

    #[test]
    fn sentences_split_on_ends_and_lines_with_offsets() {
        let text = "Hi. My bin!\n\n> old\nok";
        let got = sentences(text);
        assert_eq!(
            got,
            vec![(0, "Hi."), (4, "My bin!"), (13, "> old"), (19, "ok")]
        );
        for (start, s) in got {
            assert_eq!(&text[start..start + s.len()], s);
        }
    }
}

#[cfg(test)]
mod training_tests {
    use super::*;

    #[test]
    fn retraining_on_the_same_corpus_gives_the_same_model_byte_for_byte() {
        let examples = corpus::generate(corpus::DEFAULT_SEED, 3);
        let a = LearnedScorer::train(&examples).map(|s| s.to_bytes());
        let b = LearnedScorer::train(&examples).map(|s| s.to_bytes());
        assert!(a.is_ok());
        assert_eq!(a, b);
    }
}
