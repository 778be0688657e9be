//! Safeguarding: finding messages about a person at risk of serious harm, recall first.
//!
//! The [`Detector`] is separate from the routing model and runs on every message. It
//! combines two parts, either of which can raise an alert:
//!
//! - **Rules** ([`SafeguardingRules`], `default_rules.toml`): phrases and regular-expression
//!   patterns per category, matched after text-speak and common misspellings are rewritten
//!   to plain words (`variants`), with negation and quoted replies recognised. An active
//!   match alerts; a negated or quoted match, or one from a watch rule, asks for a look.
//! - **A learned scorer** ([`LearnedScorer`]): the crate's text classifier trained on a
//!   synthetic corpus ([`corpus`]) and the hand-written development sets
//!   ([`development_group`]) over the seven categories and "none". Its concern score
//!   `1 − P(none)` alerts at or above [`Thresholds::alert`] and asks for a look at or
//!   above [`Thresholds::watch`].
//!
//! The seven categories are fixed ([`Category`]); their definitions and sources, how the
//! detector works and its limits are in `docs/safeguarding.md`. [`evaluate`] measures a
//! detector on labelled lines (`examples/safeguarding_eval.rs`).

mod category;
pub mod corpus;
mod detector;
mod eval;
mod gate;
mod handwritten;
mod learned;
mod normalise;
mod pairs;
mod parse;
mod quoted;
mod rules;
mod variants;

pub use category::Category;
pub use detector::{Assessment, Detector, Finding, Level, Thresholds, default_scorer};
pub use eval::{Count, EvalLine, EvalReport, evaluate};
pub use handwritten::{development_group, development_groups};
pub use learned::{
    DEFAULT_VARIANTS, HANDWRITTEN_WEIGHT, LearnedScore, LearnedScorer, ScorerOptions,
};
pub use rules::{SafeguardingMatch, SafeguardingRule, SafeguardingRules};
