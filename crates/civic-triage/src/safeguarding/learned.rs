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
//! Beside it, since 6 December 2026, a second, different model reads the same examples
//! as concern or not, from words, word pairs a few words apart and negated words
//! ([`super::pairs`]); the concern score is the mean of the two, which cross-validation
//! across the development groups showed recalls more at the same false-alarm rate than
//! either alone. The categories and the words shown come from the softmax.
//!
//! Both are trained at start-up (2–3 s of CPU in a release build; see
//! `docs/benchmarks/triage.md`) from the seeded corpus and the compiled-in development
//! sets, so nothing binary is committed and
//! the same seed gives the same model, byte for byte (tested).

use super::Category;
use super::corpus::{self, CorpusExample};
use super::pairs::{PairModel, PairOptions};
use crate::{TermContribution, TrainOptions, TrainingExample, TriageError, TriageModel};

/// The label of messages that are not a concern.
const NONE: &str = "none";

/// Sentences shorter than this are not scored on their own: too few words to judge.
const MIN_SEGMENT_WORDS: usize = 4;

/// Variants generated of each template for the default model. 12 since round 7 (24
/// before): cross-validated across the seven development groups, 12 lost nothing (the
/// scorer alone at alert 0.35: 97.2 % urgent, 2.9 % of hard negatives, against 96.9 % and
/// 3.1 % with 24) and it pays for the second model and the concern weight at start-up.
pub const DEFAULT_VARIANTS: usize = 12;

/// How many times each hand-written line is repeated in training. 3 since the sixth group
/// (`dev6`) was added: against 2, cross-validation across the six groups gave the scorer
/// alone more recall for fewer false alarms (pooled, alert 0.30: 94.7 % urgent against
/// 94.3 %, hard negatives 2.3 % against 3.0 %, ordinary contacts 0.5 % against 1.0 %), for
/// about half a second more start-up training (`docs/benchmarks/triage.md`). The corpus's
/// generated variants outnumber the hand-written lines, which are the ones written as
/// people write.
pub const HANDWRITTEN_WEIGHT: usize = 3;

/// How the learned scorer is trained. [`ScorerOptions::default`] gives the default
/// scorer; `examples/safeguarding_eval.rs --cross-validate` compares other settings with
/// it, each development group left out in turn.
#[derive(Debug, Clone, PartialEq)]
pub struct ScorerOptions {
    /// Variants generated of each corpus template ([`corpus::generate`]).
    pub variants: usize,
    /// How many times each hand-written line is repeated (at least 1).
    pub handwritten_weight: usize,
    /// Shortest and longest character n-grams (0 and 0 for none; else 2 ≤ min ≤ max ≤ 8).
    pub char_ngrams: (u8, u8),
    /// Hash buckets, as a power of two (10 to 24).
    pub buckets_log2: u8,
    /// Passes over the training data.
    pub epochs: u32,
    /// L2 regularisation strength.
    pub l2: f32,
    /// Share of each class held out to calibrate the temperature (above 0, at most 0.5).
    pub holdout: f64,
    /// How many times each concern example counts against one that is not (at least 1).
    pub concern_weight: usize,
    /// The second model's share of the concern score (0 for no second model, at most 1).
    pub second_weight: f64,
    /// The second model's passes over the training data.
    pub second_epochs: u32,
    /// The second model's L2 regularisation strength.
    pub second_l2: f32,
    /// The second model's hash buckets, as a power of two (10 to 24).
    pub second_buckets_log2: u8,
}

/// The settings cross-validation chose on 6 December 2026 (seven groups, each left out in
/// turn; `docs/benchmarks/triage.md`), against round 6's (2^17 buckets, 8 epochs, L2 0.003,
/// concerns counted once, no second model). Each of these moved the scorer alone to more
/// recall at the same false-alarm rate: a stronger L2 (0.01; 0.001 was worse), concerns
/// counted three times (a class weight, not only a shift of the threshold), the second
/// model at half the score, and 2^19 buckets (fewer collisions among the character
/// 4-grams). Fewer epochs (5, and 3 for the second model) and fewer corpus variants
/// ([`DEFAULT_VARIANTS`]) gave about the same figures for less start-up training.
impl Default for ScorerOptions {
    fn default() -> Self {
        Self {
            variants: DEFAULT_VARIANTS,
            handwritten_weight: HANDWRITTEN_WEIGHT,
            char_ngrams: (4, 4),
            buckets_log2: 19,
            epochs: 5,
            l2: 0.01,
            holdout: TrainOptions::default().holdout,
            concern_weight: 3,
            second_weight: 0.5,
            second_epochs: 3,
            second_l2: 1e-4,
            second_buckets_log2: 20,
        }
    }
}

impl ScorerOptions {
    /// Settings written as `name=value` pairs separated by commas, each changing the
    /// default: `variants`, `weight`, `ngrams` (`MIN-MAX`), `buckets` (log2), `epochs`,
    /// `l2`, `holdout`, `concern` (the concern weight), `second` (the second model's
    /// share, 0 for none), `second_epochs`, `second_l2`, `second_buckets` (log2). An
    /// empty text is the default. For the evaluation example's
    /// command line.
    ///
    /// ```
    /// use civic_triage::safeguarding::ScorerOptions;
    /// let o = ScorerOptions::parse("weight=2,ngrams=3-5")?;
    /// assert_eq!((o.handwritten_weight, o.char_ngrams), (2, (3, 5)));
    /// assert!(ScorerOptions::parse("weight=two").is_err());
    /// # Ok::<(), civic_triage::TriageError>(())
    /// ```
    pub fn parse(text: &str) -> Result<Self, TriageError> {
        let mut o = Self::default();
        for pair in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            let bad = |reason: String| TriageError::InvalidOption {
                option: "scorer options",
                reason: format!("{name}={value}: {reason}"),
            };
            let number = |v: &str| v.trim().parse::<f64>().map_err(|e| bad(e.to_string()));
            let whole = |v: &str| v.trim().parse::<u32>().map_err(|e| bad(e.to_string()));
            match name.trim() {
                "variants" => o.variants = whole(value)? as usize,
                "weight" => o.handwritten_weight = whole(value)? as usize,
                "ngrams" => {
                    let (lo, hi) = value.split_once('-').unwrap_or((value, value));
                    let narrow = |n: u32| u8::try_from(n).map_err(|e| bad(e.to_string()));
                    o.char_ngrams = (narrow(whole(lo)?)?, narrow(whole(hi)?)?);
                }
                "buckets" => {
                    o.buckets_log2 = u8::try_from(whole(value)?).map_err(|e| bad(e.to_string()))?
                }
                "epochs" => o.epochs = whole(value)?,
                "l2" => o.l2 = number(value)? as f32,
                "holdout" => o.holdout = number(value)?,
                "concern" => o.concern_weight = whole(value)? as usize,
                "second" => o.second_weight = number(value)?,
                "second_epochs" => o.second_epochs = whole(value)?,
                "second_l2" => o.second_l2 = number(value)? as f32,
                "second_buckets" => {
                    o.second_buckets_log2 =
                        u8::try_from(whole(value)?).map_err(|e| bad(e.to_string()))?
                }
                _ => {
                    return Err(bad(
                        "unknown setting; use variants, weight, ngrams, buckets, epochs, l2, holdout, concern, second, second_epochs, second_l2 or second_buckets"
                            .into(),
                    ));
                }
            }
        }
        let bad = |reason: &str| {
            Err(TriageError::InvalidOption {
                option: "scorer options",
                reason: reason.into(),
            })
        };
        if o.handwritten_weight == 0 || o.concern_weight == 0 {
            return bad("weight and concern must be at least 1");
        }
        if !(0.0..=1.0).contains(&o.second_weight) {
            return bad("second must be from 0 to 1");
        }
        if !(10..=24).contains(&o.second_buckets_log2) || o.second_epochs == 0 {
            return bad("second_buckets must be from 10 to 24 and second_epochs at least 1");
        }
        Ok(o)
    }

    fn pair_options(&self) -> PairOptions {
        PairOptions {
            buckets_log2: self.second_buckets_log2,
            epochs: self.second_epochs,
            learning_rate: 0.2,
            l2: self.second_l2,
        }
    }

    /// The options of the triage classifier trained with these settings.
    fn train_options(&self) -> Result<TrainOptions, TriageError> {
        Ok(TrainOptions {
            seed: corpus::DEFAULT_SEED,
            epochs: self.epochs,
            l2: self.l2,
            holdout: self.holdout,
            rules: super::SafeguardingRules::from_toml("")?,
            features: crate::FeatureConfig {
                buckets_log2: self.buckets_log2,
                char_ngram_min: self.char_ngrams.0,
                char_ngram_max: self.char_ngrams.1,
                ..features()
            },
            ..TrainOptions::default()
        })
    }
}

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
    /// The second model and its share of the concern score, when there is one.
    second: Option<(PairModel, f64)>,
}

impl LearnedScorer {
    /// Trains the default scorer: the default corpus ([`corpus::DEFAULT_SEED`],
    /// [`DEFAULT_VARIANTS`]) and every hand-written development group.
    pub fn train_default() -> Result<Self, TriageError> {
        let options = ScorerOptions::default();
        let mut handwritten = Vec::new();
        for group in super::development_groups() {
            handwritten.extend(super::development_group(group)?);
        }
        Self::train_with_options(
            &corpus::generate(corpus::DEFAULT_SEED, options.variants),
            &handwritten,
            &options,
        )
    }

    /// Trains on corpus examples only (all of them: choose held-out ones before calling).
    pub fn train(examples: &[CorpusExample]) -> Result<Self, TriageError> {
        Self::train_with(examples, &[])
    }

    /// Trains on corpus examples and hand-written labelled lines (all of them: leave out
    /// the ones to measure on before calling), with the default [`ScorerOptions`].
    pub fn train_with(
        examples: &[CorpusExample],
        handwritten: &[super::EvalLine],
    ) -> Result<Self, TriageError> {
        Self::train_with_options(examples, handwritten, &ScorerOptions::default())
    }

    /// [`train_with`](Self::train_with) with other settings. Each hand-written line is
    /// repeated [`ScorerOptions::handwritten_weight`] times: there are a few hundred per
    /// group against thousands of generated variants, and they are the ones written as
    /// people write.
    pub fn train_with_options(
        examples: &[CorpusExample],
        handwritten: &[super::EvalLine],
        options: &ScorerOptions,
    ) -> Result<Self, TriageError> {
        let mut training = Vec::with_capacity(examples.len() * 9 / 8 + handwritten.len() * 4);
        for e in examples {
            push_labelled(&mut training, &e.text, &e.categories, 1);
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
            push_labelled(
                &mut training,
                &line.text,
                &categories,
                options.handwritten_weight,
            );
        }
        if options.concern_weight > 1 {
            let concerns: Vec<TrainingExample> = training
                .iter()
                .filter(|e| e.label != NONE)
                .cloned()
                .collect();
            for _ in 1..options.concern_weight {
                training.extend(concerns.iter().cloned());
            }
        }
        let second = (options.second_weight > 0.0).then(|| {
            let examples: Vec<(&str, bool)> = training
                .iter()
                .map(|e| (e.text.as_str(), e.label != NONE))
                .collect();
            (
                PairModel::train(&examples, &options.pair_options()),
                options.second_weight,
            )
        });
        let (model, _report) = crate::train(&training, &options.train_options()?, &|_| {})?;
        let classes = model.labels().iter().map(|l| Category::parse(l)).collect();
        Ok(Self {
            model,
            classes,
            second,
        })
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
        let mut concern = (1.0 - none).clamp(0.0, 1.0);
        if let Some((pairs, weight)) = &self.second {
            concern = (1.0 - weight) * concern + weight * pairs.probability(text);
        }
        LearnedScore {
            concern,
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
        let mut bytes = self.model.to_bytes();
        if let Some((pairs, weight)) = &self.second {
            bytes.extend(pairs.to_bytes());
            bytes.extend(weight.to_le_bytes());
        }
        bytes
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
/// [`plain_form`], as [`LearnedScorer::score_message`] does, once, and each example is
/// pushed `copies` times.
fn push_labelled(
    training: &mut Vec<TrainingExample>,
    text: &str,
    categories: &[Category],
    copies: usize,
) {
    let masked = crate::text::mask_personal_data(text);
    let plain = plain_form(&masked);
    let mut push = |text: &str, label: &str| {
        for _ in 0..copies {
            training.push(example(text, label));
        }
    };
    if categories.is_empty() {
        push(&plain, NONE);
        for (_, sentence) in sentences(&masked) {
            if words(sentence) >= MIN_SEGMENT_WORDS {
                push(&plain_form(sentence), NONE);
            }
        }
    }
    for c in categories {
        push(&plain, c.id());
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

    #[test]
    fn the_second_model_is_retrained_identically_and_blended_into_the_concern_score() {
        let examples = corpus::generate(corpus::DEFAULT_SEED, 3);
        let with = |second_weight| ScorerOptions {
            second_weight,
            ..ScorerOptions::default()
        };
        let train = |o: &ScorerOptions| LearnedScorer::train_with_options(&examples, &[], o);
        let (Ok(a), Ok(b), Ok(none)) = (train(&with(0.5)), train(&with(0.5)), train(&with(0.0)))
        else {
            panic!("training failed");
        };
        assert_eq!(a.to_bytes(), b.to_bytes());
        assert!(a.second.is_some() && none.second.is_none());
        let text = "he keeps taking her wages and won't let her out";
        let (first, blended) = (none.score(text), a.score(text));
        let Some((pairs, _)) = &a.second else {
            panic!("no second model");
        };
        let second = pairs.probability(&plain_form(&crate::text::mask_personal_data(text)));
        // The first model is trained alike with or without the second: only the blend differs.
        assert!((blended.concern - (0.5 * first.concern + 0.5 * second)).abs() < 1e-9);
        assert_eq!(blended.categories, first.categories);
    }

    #[test]
    fn scorer_settings_are_parsed_and_bad_ones_named() {
        let o = ScorerOptions::parse(" l2=0.01, concern=2 ,second=0.4,ngrams=3-5,buckets=19");
        let Ok(o) = o else {
            panic!("valid settings refused: {o:?}");
        };
        assert_eq!(
            (
                o.l2,
                o.concern_weight,
                o.second_weight,
                o.char_ngrams,
                o.buckets_log2
            ),
            (0.01, 2, 0.4, (3, 5), 19)
        );
        assert_eq!(ScorerOptions::parse(""), Ok(ScorerOptions::default()));
        for (bad, named) in [
            ("colour=red", "colour=red: unknown setting"),
            ("weight=lots", "weight=lots"),
            ("weight=0", "at least 1"),
            ("second=1.5", "second must be from 0 to 1"),
            ("ngrams=3-500", "ngrams=3-500"),
        ] {
            let err = ScorerOptions::parse(bad).map_err(|e| e.to_string());
            assert!(
                err.as_ref().is_err_and(|e| e.contains(named)),
                "{bad}: {err:?}"
            );
        }
    }
}
