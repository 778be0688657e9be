//! A synthetic safeguarding corpus, generated deterministically from a seed, to train and
//! measure the learned scorer.
//!
//! Each concern in [`concerns`] was written by the Civic team from a category's definition
//! (docs/safeguarding.md). The generator varies it systematically:
//!
//! - **slots**: who is at risk or doing harm (a partner, a neighbour, a child, a parent with
//!   dementia…), where and how often, with pronouns that agree;
//! - **registers**: plain, a formal letter, an angry e-mail, a web-form fragment, text-speak,
//!   English written by a non-native speaker, reported speech, and a long message where the
//!   concern is one sentence among ordinary requests;
//! - **perturbations**: typos (a letter dropped, doubled or swapped), lost apostrophes and
//!   capitals.
//!
//! Beside them it writes hard negatives (the same words, harmless: "kill the weeds") and
//! ordinary council contacts in the same registers, plus the demo data's non-urgent
//! messages. It is synthetic: it says nothing about real people or real councils, and a
//! held-out part of it measures how well the scorer generalises to *new templates*, not
//! to real messages (the evaluation sets written independently do that).

mod concerns;
mod registers;

use serde::{Deserialize, Serialize};

use super::Category;
use civic_core::rng::SplitMix64;
use concerns::{CONCERNS, HARD_NEGATIVES, ORDINARY};
pub use registers::Register;

/// One generated message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusExample {
    /// The message.
    pub text: String,
    /// Its safeguarding categories; empty for a message that is not a concern.
    pub categories: Vec<Category>,
    /// How it is written.
    pub register: Register,
    /// Whether it is a hard negative (concern words used harmlessly).
    pub hard_negative: bool,
    /// The template it came from: examples of one template are all in training or all
    /// held out.
    pub template: u32,
}

impl CorpusExample {
    /// Whether this example's template is in the held-out fifth.
    pub fn held_out(&self) -> bool {
        self.template.is_multiple_of(5)
    }
}

/// The seed the default scorer is trained with.
pub const DEFAULT_SEED: u64 = 0x5AFE_6A2D;

/// Generates the corpus: `per_template` variants of every concern and hard negative, and
/// as many ordinary contacts as concerns, in a fixed order for a given seed.
pub fn generate(seed: u64, per_template: usize) -> Vec<CorpusExample> {
    let mut rng = SplitMix64::new(seed);
    let mut out = Vec::new();
    // Concerns, then hard negatives, then ordinary contacts: (categories, text, hard).
    let templates = CONCERNS
        .iter()
        .map(|(categories, text)| (*categories, *text, false))
        .chain(HARD_NEGATIVES.iter().map(|text| (&[][..], *text, true)))
        .chain(ORDINARY.iter().map(|text| (&[][..], *text, false)));
    let mut template = 0u32;
    for (categories, text, hard_negative) in templates {
        for _ in 0..per_template {
            let register = Register::pick(&mut rng);
            out.push(CorpusExample {
                text: register.write(&mut rng, text),
                categories: categories.to_vec(),
                register,
                hard_negative,
                template,
            });
        }
        template += 1;
    }
    // The demo data's ordinary messages add breadth to "none"; each is its own template.
    let demo = crate::demo::generate(seed, CONCERNS.len() * per_template);
    for m in demo.into_iter().filter(|m| !m.urgent) {
        out.push(CorpusExample {
            text: m.text,
            categories: Vec::new(),
            register: Register::Plain,
            hard_negative: false,
            template,
        });
        template += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_corpus_is_deterministic_and_covers_every_category() {
        let a = generate(7, 3);
        assert_eq!(a, generate(7, 3));
        assert_ne!(a, generate(8, 3));
        for c in Category::ALL {
            let n = a.iter().filter(|e| e.categories.contains(&c)).count();
            assert!(n >= 30, "{c:?}: {n}");
        }
        assert!(
            a.iter().all(|e| !e.text.contains('{')),
            "a slot was left unfilled"
        );
    }
}
