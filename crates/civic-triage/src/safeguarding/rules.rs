//! The rule engine: phrases and patterns, read from TOML, that find safeguarding concerns.
//!
//! A rule matches on whole words of the message after normalisation (NFKC, lowercase,
//! straight apostrophes, runs of whitespace as one space) and after text-speak and common
//! misspellings are rewritten to plain words ([`super::variants`]), so `Kill   myself`,
//! `kill\nmyself` and `kms` all match `kill myself`. Phrases of all rules are matched in one
//! pass with Aho–Corasick; `patterns` are regular expressions, which may name shared word
//! lists from the file's `[sets]` table as `{name}` (see `docs/safeguarding.md`).
//!
//! Three things stop a match from raising an alert. The match is still reported, with a
//! flag that says why, and the detector treats it as "worth a look" (review, not urgent):
//!
//! - **Negation** (`negated`): one of the rule file's `negation_cues` (`not`, `no`,
//!   `never`, `no longer`, `isn't`, `without`…) among the `negation_window` words (default 3)
//!   just before the match, within the same clause: the search stops at `.`, `!`, `?`, `;`,
//!   `:`, `,`, a line break or the word `but`. So "I am not suicidal" and "we are no longer
//!   homeless" are negated, while "No, I am suicidal", "I'm not OK, I want to end my life" and
//!   "not sure but I want to die" are not. Negation *after* the phrase ("suicidal? no") and
//!   double negatives are not handled. A rule with `negatable = false` ignores negation.
//! - **Quoted text** (`quoted`): a match inside quoted reply text; see [`super::quoted`] for
//!   exactly what counts (lines starting `>`, `On … wrote:` blocks, Outlook reply headers;
//!   forwarded messages are deliberately not quoted).
//! - **Watch rules** (`watch`): a rule with `level = "watch"` marks words that are often,
//!   but not usually, a concern ("bailiffs", "food bank"): its matches never alert.
//!
//! **Companion rules** (`[[companion]]` tables, same fields as a rule) name a second
//! category that a message also belongs to *when something else alerts on it*: a child in
//! a household with domestic abuse or about to be homeless is also `child_at_risk`; an
//! older or disabled person without heating is also `adult_at_risk`. On their own they
//! find nothing, so they are not in [`SafeguardingRules::check`]'s matches; the detector
//! asks for them with [`SafeguardingRules::companions`] once a message has alerted.
//!
//! One thing removes a match altogether: the file's `harmless` patterns, regular
//! expressions for the harmless uses of concern words that whole-word phrases cannot tell
//! apart ("end it early" of a tenancy, "cut themselves on" broken glass, "suicide
//! prevention training"). A match that overlaps a harmless match is dropped.

use std::collections::{BTreeMap, BTreeSet};

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::gate::Gates;
use super::normalise::{matching_form, window_start};
use super::parse::{expand_sets, invalid, parse_rule, parse_sets, string_list};
use super::quoted;
use crate::TriageError;

const DEFAULT_RULES: &str = include_str!("default_rules.toml");

/// One safeguarding rule as written in the rules file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SafeguardingRule {
    /// Unique, stable identifier, e.g. `suicide-self-harm`.
    pub id: String,
    /// The safeguarding category, e.g. `self_harm_suicide`.
    pub category: String,
    /// Words or phrases matched on whole words, case-insensitively.
    pub phrases: Vec<String>,
    /// Regular expressions matched on the normalised (lowercased) text.
    pub patterns: Vec<String>,
    /// Whether a negation cue just before a match cancels it.
    pub negatable: bool,
    /// Whether the rule only ever marks a message as worth a look (`level = "watch"`).
    pub watch: bool,
}

/// A safeguarding phrase or pattern found in a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SafeguardingMatch {
    /// The rule's id.
    pub rule_id: String,
    /// The rule's category.
    pub category: String,
    /// The matched text, exactly as it appears in the message.
    pub text: String,
    /// Byte offset of the match in the message.
    pub start: usize,
    /// Byte offset just past the match.
    pub end: usize,
    /// A negation cue came just before it ("not suicidal"): it does not make the message urgent.
    pub negated: bool,
    /// It is inside quoted reply text: it does not make the message urgent.
    pub quoted: bool,
    /// Its rule only marks messages as worth a look: it does not make the message urgent.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub watch: bool,
}

impl SafeguardingMatch {
    /// Whether this match makes the message urgent (it is not negated, quoted or a watch
    /// rule's).
    pub fn is_active(&self) -> bool {
        !self.negated && !self.quoted && !self.watch
    }
}

/// A compiled set of safeguarding rules.
///
/// ```
/// use civic_triage::SafeguardingRules;
/// let rules = SafeguardingRules::default();
/// let found = rules.check("Please help, I have nowhere to sleep tonight.");
/// assert_eq!(found[0].rule_id, "homeless-now");
/// assert!(found[0].is_active());
/// assert!(!rules.check("I am not suicidal, I just need my bin emptied")[0].is_active());
/// ```
#[derive(Debug, Clone)]
pub struct SafeguardingRules {
    source: String,
    rules: Vec<SafeguardingRule>,
    phrases: Option<AhoCorasick>,
    phrase_rule: Vec<usize>,
    patterns: Vec<(usize, Regex)>,
    /// Which of `patterns` can match a message, found in one pass ([`Gates`]).
    gates: Gates,
    harmless: Vec<Regex>,
    companions: Vec<Companion>,
    negation_cues: BTreeSet<String>,
    negation_window: usize,
}

/// A compiled `[[companion]]` rule: its phrases (as whole-word expressions) and patterns.
#[derive(Debug, Clone)]
struct Companion {
    rule: SafeguardingRule,
    patterns: Vec<Regex>,
}

impl Default for SafeguardingRules {
    /// The default rules for UK councils, embedded in the binary.
    fn default() -> Self {
        // Compiled once per process (the patterns are large) and cloned, which shares the
        // compiled automata. The embedded file is checked by a unit test, so this cannot
        // fail at run time; should it ever, an empty rule set is safer than a panic.
        static DEFAULT: std::sync::OnceLock<SafeguardingRules> = std::sync::OnceLock::new();
        DEFAULT
            .get_or_init(|| Self::from_toml(DEFAULT_RULES).unwrap_or_else(|_| Self::empty()))
            .clone()
    }
}

impl PartialEq for SafeguardingRules {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

impl SafeguardingRules {
    fn empty() -> Self {
        Self {
            source: String::new(),
            rules: Vec::new(),
            phrases: None,
            phrase_rule: Vec::new(),
            patterns: Vec::new(),
            gates: Gates::new([]),
            harmless: Vec::new(),
            companions: Vec::new(),
            negation_cues: BTreeSet::new(),
            negation_window: 0,
        }
    }

    /// The default rules' TOML source, a starting point for a body's own file.
    pub fn default_toml() -> &'static str {
        DEFAULT_RULES
    }

    /// Parses and compiles rules from TOML. Errors name the rule (by id, or by position
    /// when the id itself is missing) and the field at fault.
    pub fn from_toml(source: &str) -> Result<Self, TriageError> {
        let doc: toml::Table = source
            .parse()
            .map_err(|e: toml::de::Error| invalid(None, None, e.message().to_string()))?;
        for key in doc.keys() {
            if !matches!(
                key.as_str(),
                "rule" | "sets" | "negation_cues" | "negation_window" | "harmless" | "companion"
            ) {
                return Err(invalid(
                    None,
                    Some(key),
                    "unknown top-level field (expected rule, companion, sets, negation_cues, negation_window, harmless)",
                ));
            }
        }
        let rules: Vec<SafeguardingRule> = match doc.get("rule") {
            Some(toml::Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| parse_rule(i, v))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid(None, Some("rule"), "use [[rule]] tables")),
            None => Vec::new(),
        };
        let sets = parse_sets(&doc)?;
        let companions: Vec<Companion> = match doc.get("companion") {
            Some(toml::Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, v)| compile_companion(parse_rule(i, v)?, &sets))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid(None, Some("companion"), "use [[companion]] tables")),
            None => Vec::new(),
        };
        let mut seen = BTreeSet::new();
        for r in rules.iter().chain(companions.iter().map(|c| &c.rule)) {
            if !seen.insert(r.id.as_str()) {
                return Err(invalid(Some(&r.id), Some("id"), "duplicate rule id"));
            }
        }
        let negation_cues = string_list(&doc, "negation_cues", None)?
            .iter()
            .map(|c| matching_form(c).0)
            .collect();
        let negation_window = match doc.get("negation_window") {
            None => 3,
            Some(toml::Value::Integer(n)) if (0..=20).contains(n) => *n as usize,
            Some(_) => {
                return Err(invalid(
                    None,
                    Some("negation_window"),
                    "must be a whole number from 0 to 20",
                ));
            }
        };
        let mut phrase_list = Vec::new();
        let mut phrase_rule = Vec::new();
        let mut patterns = Vec::new();
        for (k, r) in rules.iter().enumerate() {
            for p in &r.phrases {
                phrase_list.push(matching_form(p).0);
                phrase_rule.push(k);
            }
            for p in &r.patterns {
                let p = &expand_sets(p, &sets)
                    .map_err(|e| invalid(Some(&r.id), Some("patterns"), e))?;
                let re = Regex::new(p).map_err(|e| {
                    invalid(
                        Some(&r.id),
                        Some("patterns"),
                        format!("bad regular expression {p:?}: {e}"),
                    )
                })?;
                patterns.push((k, re));
            }
        }
        let harmless = string_list(&doc, "harmless", None)?
            .iter()
            .map(|p| {
                let p = expand_sets(p, &sets).map_err(|e| invalid(None, Some("harmless"), e))?;
                Regex::new(&p).map_err(|e| {
                    invalid(
                        None,
                        Some("harmless"),
                        format!("bad regular expression {p:?}: {e}"),
                    )
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let phrases = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&phrase_list)
            .map_err(|e| invalid(None, Some("phrases"), e.to_string()))?;
        let phrases = Some(phrases);
        let gates = Gates::new(patterns.iter().map(|(_, re)| re.as_str()));
        Ok(Self {
            source: source.to_string(),
            rules,
            phrases,
            phrase_rule,
            patterns,
            gates,
            harmless,
            companions,
            negation_cues,
            negation_window,
        })
    }

    /// The TOML these rules were compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The rules, in file order.
    pub fn rules(&self) -> &[SafeguardingRule] {
        &self.rules
    }

    /// The companion rules, in file order.
    pub fn companion_rules(&self) -> impl Iterator<Item = &SafeguardingRule> {
        self.companions.iter().map(|c| &c.rule)
    }

    /// The companion rules that match `text` outside quoted reply text, as (rule id,
    /// category) pairs in file order: the further categories a message that has alerted
    /// also belongs to.
    pub fn companions(&self, text: &str) -> Vec<(&str, &str)> {
        if self.companions.is_empty() {
            return Vec::new();
        }
        let (norm, starts) = matching_form(text);
        let quoted = quoted::quoted_ranges(text);
        let live = |s: usize| !quoted.iter().any(|q| q.contains(&starts[s]));
        self.companions
            .iter()
            .filter(|c| {
                c.patterns
                    .iter()
                    .any(|re| re.find_iter(&norm).any(|m| live(m.start())))
            })
            .map(|c| (c.rule.id.as_str(), c.rule.category.as_str()))
            .collect()
    }

    /// Finds every safeguarding match in `text`, in order of position, with `negated` and
    /// `quoted` set. A match contained in a longer match is dropped.
    pub fn check(&self, text: &str) -> Vec<SafeguardingMatch> {
        self.check_gated(text, true)
    }

    /// [`check`](Self::check) searching every pattern, gate or not: the gates must never
    /// change what is found.
    #[cfg(test)]
    pub(super) fn check_ungated(&self, text: &str) -> Vec<SafeguardingMatch> {
        self.check_gated(text, false)
    }

    fn check_gated(&self, text: &str, gated: bool) -> Vec<SafeguardingMatch> {
        if self.rules.is_empty() {
            return Vec::new();
        }
        let (norm, starts) = matching_form(text);
        let nb = norm.as_bytes();
        let word =
            |i: usize| -> bool { norm[i..].chars().next().is_some_and(char::is_alphanumeric) };
        let boundary_before = |s: usize| {
            s == 0
                || !norm[..s]
                    .chars()
                    .next_back()
                    .is_some_and(char::is_alphanumeric)
        };
        let mut found: Vec<(usize, usize, usize)> = Vec::new();
        for m in self
            .phrases
            .iter()
            .flat_map(|ac| ac.find_overlapping_iter(&norm))
        {
            let (s, e) = (m.start(), m.end());
            if boundary_before(s) && (e >= nb.len() || !word(e)) {
                found.push((s, e, self.phrase_rule[m.pattern().as_usize()]));
            }
        }
        let open = if gated {
            self.gates.open(&norm)
        } else {
            vec![true; self.patterns.len()]
        };
        for ((k, re), _) in self.patterns.iter().zip(open).filter(|(_, open)| *open) {
            for m in re.find_iter(&norm) {
                if m.end() > m.start() {
                    found.push((m.start(), m.end(), *k));
                }
            }
        }
        if !found.is_empty() && !self.harmless.is_empty() {
            let harmless: Vec<(usize, usize)> = self
                .harmless
                .iter()
                .flat_map(|re| re.find_iter(&norm).map(|m| (m.start(), m.end())))
                .collect();
            found.retain(|&(s, e, _)| !harmless.iter().any(|&(hs, he)| s < he && hs < e));
        }
        // Keep the longest of overlapping matches of one category, leftmost first. Matches
        // of different categories may overlap: "threatening to hurt himself" is a threat
        // pattern's start and a self-harm pattern's, and the person reading needs both.
        found.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let mut kept: Vec<(usize, usize, usize)> = Vec::new();
        let mut category_end: BTreeMap<&str, usize> = BTreeMap::new();
        for f in found {
            let category = self.rules[f.2].category.as_str();
            if category_end.get(category).is_some_and(|end| f.0 < *end) {
                continue;
            }
            category_end.insert(category, f.1);
            kept.push(f);
        }
        if kept.is_empty() {
            return Vec::new();
        }
        let quoted = quoted::quoted_ranges(text);
        kept.into_iter()
            .map(|(s, e, k)| {
                let rule = &self.rules[k];
                let start = starts[s];
                let last = starts[e - 1];
                let end = last + text[last..].chars().next().map_or(0, char::len_utf8);
                SafeguardingMatch {
                    rule_id: rule.id.clone(),
                    category: rule.category.clone(),
                    text: text[start..end].to_string(),
                    start,
                    end,
                    negated: rule.negatable
                        && self.negated_before(&norm[window_start(&norm, s)..s]),
                    watch: rule.watch,
                    quoted: {
                        // Ranges are sorted and disjoint: find the last one starting at or before.
                        let k = quoted.partition_point(|q| q.start <= start);
                        k > 0 && quoted[k - 1].contains(&start)
                    },
                }
            })
            .collect()
    }

    /// Whether a negation cue is among the last `negation_window` words of `before`,
    /// within its last clause.
    fn negated_before(&self, before: &str) -> bool {
        let clause = before
            .rfind(['.', '!', '?', ';', ':', ',', '\n'])
            .map_or(before, |i| &before[i + 1..]);
        let words: Vec<&str> = clause
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .filter(|w| !w.is_empty())
            .collect();
        let clause_words = match words.iter().rposition(|w| *w == "but") {
            Some(i) => &words[i + 1..],
            None => &words[..],
        };
        clause_words
            .iter()
            .rev()
            .take(self.negation_window)
            .any(|w| self.negation_cues.contains(*w))
    }
}

/// Compiles a companion rule: each phrase as a whole-word expression, and the patterns.
fn compile_companion(
    rule: SafeguardingRule,
    sets: &BTreeMap<String, String>,
) -> Result<Companion, TriageError> {
    let phrases = rule
        .phrases
        .iter()
        .map(|p| format!(r"\b{}\b", regex::escape(&matching_form(p).0)));
    let mut patterns = Vec::new();
    for p in phrases.chain(rule.patterns.iter().cloned()) {
        let p = expand_sets(&p, sets).map_err(|e| invalid(Some(&rule.id), Some("patterns"), e))?;
        let re = Regex::new(&p).map_err(|e| {
            invalid(
                Some(&rule.id),
                Some("patterns"),
                format!("bad regular expression {p:?}: {e}"),
            )
        })?;
        patterns.push(re);
    }
    Ok(Companion { rule, patterns })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rules_compile_and_use_only_the_seven_categories() {
        let rules = SafeguardingRules::from_toml(DEFAULT_RULES).map_err(|e| e.to_string());
        let rules = rules.as_ref().map(SafeguardingRules::rules);
        let categories: BTreeSet<&str> = rules
            .iter()
            .flat_map(|r| r.iter())
            .map(|r| r.category.as_str())
            .collect();
        let seven: BTreeSet<&str> = super::super::Category::ALL.iter().map(|c| c.id()).collect();
        assert_eq!(categories, seven);
    }

    /// (text, expected (rule id, matched text, negated, quoted) of each match)
    #[test]
    fn matches_negation_and_quotes_table() {
        let rules = SafeguardingRules::default();
        // (rule id, matched text, negated, quoted)
        type Found<'a> = (&'a str, &'a str, bool, bool);
        let cases: &[(&str, &[Found<'_>])] = &[
            ("My bin was not collected", &[]),
            (
                "I feel suicidal",
                &[("suicide-words", "suicidal", false, false)],
            ),
            (
                "I am not suicidal",
                &[("suicide-words", "suicidal", true, false)],
            ),
            (
                "I'm not feeling suicidal today",
                &[("suicide-words", "suicidal", true, false)],
            ),
            (
                "No, I am suicidal",
                &[("suicide-words", "suicidal", false, false)],
            ),
            (
                "I'm ok, I want to END   MY\nLIFE",
                &[("suicide-words", "END   MY\nLIFE", false, false)],
            ),
            (
                "not sure who to ask but I want to die",
                &[("suicide-words", "want to die", false, false)],
            ),
            (
                "We are no longer homeless tonight thanks to you",
                &[("homeless-now", "homeless tonight", true, false)],
            ),
            (
                "I have nowhere to sleep",
                &[("homeless-now", "I have nowhere to sleep", false, false)],
            ),
            ("im sucidal", &[("suicide-words", "sucidal", false, false)]),
            (
                "my bf hits me",
                &[("domestic-abuse-words", "my bf hits me", false, false)],
            ),
            (
                "ive got nowhere 2 go 2nite",
                &[("homeless-now", "ive got nowhere 2 go", false, false)],
            ),
            (
                "Mum has had a fall",
                &[("adult-at-risk-words", "has had a fall", false, false)],
            ),
            (
                "the refuge of the ducks",
                &[("domestic-abuse-watch", "refuge", false, false)],
            ),
            ("refugee support", &[]),
            ("Please kill the weeds on the verge", &[]),
            ("This pothole will kill someone's tyres", &[]),
            // Harmless patterns drop matches that phrases cannot tell apart.
            ("I want to end it early, how much notice?", &[]),
            (
                "The glass is smashed, someone will cut themselves on it",
                &[],
            ),
            (
                "Can I volunteer on the domestic abuse awareness stall?",
                &[],
            ),
            (
                "I want to end it, I can't go on",
                &[("suicide-words", "end it", false, false)],
            ),
            ("My phone died", &[]),
            (
                "Thanks!\n> I am suicidal\nAll sorted now",
                &[("suicide-words", "suicidal", false, true)],
            ),
            (
                "Ok\nOn Tue, 4 Mar 2025, Housing wrote:\nwe have no heating",
                &[("health-home-watch", "no heating", false, true)],
            ),
            (
                "Ｓｕｉｃｉｄａｌ",
                &[("suicide-words", "Ｓｕｉｃｉｄａｌ", false, false)],
            ),
        ];
        for (text, expected) in cases {
            let got: Vec<(String, String, bool, bool)> = rules
                .check(text)
                .into_iter()
                .map(|m| {
                    assert_eq!(&text[m.start..m.end], m.text);
                    (m.rule_id, m.text, m.negated, m.quoted)
                })
                .collect();
            let expected: Vec<(String, String, bool, bool)> = expected
                .iter()
                .map(|(a, b, c, d)| (a.to_string(), b.to_string(), *c, *d))
                .collect();
            assert_eq!(got, expected, "text: {text:?}");
        }
    }

    /// The round-6 concept rules: for each concept, a message of that class (not a
    /// development-set sentence) fires the rule as an active match, and a harmless message
    /// with the same words does not.
    #[test]
    fn concept_rules_fire_on_their_class_and_not_on_harmless_uses() {
        // Each rule alone (with the default sets and harmless patterns), since overlapping
        // matches of one category keep only the longest.
        let only = |id: &str| {
            let mut doc: toml::Table = DEFAULT_RULES.parse().expect("default rules parse");
            if let Some(toml::Value::Array(rules)) = doc.get_mut("rule") {
                rules.retain(|r| r.get("id").and_then(toml::Value::as_str) == Some(id));
                assert_eq!(rules.len(), 1, "{id}");
            }
            doc.remove("companion");
            SafeguardingRules::from_toml(&doc.to_string()).expect("one rule compiles")
        };
        let fired = |id: &str, text: &str| {
            only(id)
                .check(text)
                .iter()
                .any(|m| m.rule_id == id && m.is_active())
        };
        // (rule id, a concern of the class, a harmless message with the same words)
        let cases: &[(&str, &str, &str)] = &[
            (
                "suicide-concept",
                "There are cuts on her wrists that she hides under her jumper",
                "There are marks on my car from the bin lorry",
            ),
            (
                "suicide-concept",
                "Honestly I do not expect to be here by Christmas",
                "I do not expect to be here when the van comes, leave it round the back",
            ),
            (
                "health-home-concept-6",
                "It's the gas again. It's getting worse and I've opened every window",
                "The gas bill keeps getting worse every winter",
            ),
            (
                "suicide-concept",
                "He has been giving away all his things and says he won't need them",
                "I am giving away my old sofa, can the bulky waste team take the rest",
            ),
            (
                "suicide-concept",
                "cant do this no more, sorry",
                "I can't do the school run no more since the bus was cut",
            ),
            (
                "suicide-concept",
                "my mate has taken loads of tabs and wont talk",
                "I have loads of tabs open on the council website and still cannot pay",
            ),
            (
                "suicide-concept",
                "she swallowed all of her citalopram an hour ago",
                "she is taking sertraline and needs a blue badge review",
            ),
            (
                "adult-at-risk-concept",
                "I could hear the old lady at number 4 calling for help from inside",
                "I heard the council is calling for volunteers to help at the food bank",
            ),
            (
                "adult-at-risk-concept",
                "My grandad was out in his pyjamas at 3am, confused and shivering",
                "The school has a pyjama day for charity, are council staff joining in",
            ),
            (
                "adult-at-risk-concept",
                "Nobody has seen the gentleman at 7 since last month and he's ninety",
                "I have not seen the gritter since last week, the road is like glass",
            ),
            (
                "adult-at-risk-concept",
                "Her son keeps helping himself to her pension every Monday",
                "Help yourself to the leaflets about pension credit in reception",
            ),
            (
                "adult-at-risk-concept",
                "A neighbour takes his prescriptions and he never seems to get them",
                "Can I collect my prescription at the library hub on Saturdays?",
            ),
            (
                "child-at-risk-concept",
                "My daughter is 13 and a man has been grooming her on snapchat",
                "Who is grooming the football pitches this season, the lines are gone",
            ),
            (
                "child-at-risk-concept",
                "The kids next door sit on the window ledge on the 5th floor and no one is watching",
                "The kids love the new window boxes, thank you",
            ),
            (
                "domestic-abuse-concept",
                "The police came again because the father was assaulting the mother in front of the kids",
                "My husband and the mother-in-law both want a garden waste bin",
            ),
            (
                "domestic-abuse-concept",
                "We keep having rows and last night he shoved me against the wall",
                "We had a row with the parking warden who shoved a ticket on the van",
            ),
            (
                "health-home-concept-6",
                "The smell of gas is getting stronger and we have opened the windows",
                "The gas bill has gone up again, it is getting ridiculous",
            ),
            (
                "health-home-concept-6",
                "Our landlord switched off the electricity to force us out",
                "The landlord switched off the hallway lights to save money",
            ),
            (
                "health-home-concept-6",
                "He cannot get to the front door for boxes and the heater is on all day",
                "I cannot get to the front door on bin day because of parked cars",
            ),
            (
                "modern-slavery-concept-6",
                "At the car wash the boss locks them in after the shift",
                "Our boss locks the car wash at 6pm, can we still drop off",
            ),
            (
                "modern-slavery-concept-6",
                "A van comes at 4am and takes about ten men from the house",
                "A van comes at 4am for the bakery delivery and the engine is loud",
            ),
            (
                "modern-slavery-concept-6",
                "When I asked if she was ok she whispered help me",
                "The librarian whispered the opening hours to me",
            ),
            (
                "threat-violence-weapon-waved",
                "Some lad was swinging a machete outside the shops",
                "Some lad was swinging on the gate outside the shops",
            ),
        ];
        for (id, concern, harmless) in cases {
            assert!(fired(id, concern), "{id} should fire: {concern}");
            assert!(!fired(id, harmless), "{id} should not fire: {harmless}");
        }
    }

    #[test]
    fn companions_name_further_categories_outside_quotes() {
        let rules = SafeguardingRules::default();
        let categories = |text: &str| -> Vec<String> {
            rules
                .companions(text)
                .into_iter()
                .map(|(_, c)| c.to_string())
                .collect()
        };
        assert_eq!(
            categories("he hits me in front of my kids"),
            ["child_at_risk"]
        );
        assert_eq!(categories("no heating and my nan is 88"), ["adult_at_risk"]);
        assert!(categories("thanks\n> my kids").is_empty());
        assert!(categories("the bins are overflowing").is_empty());
    }

    #[test]
    fn rule_file_errors_name_rule_and_field() {
        let cases: &[(&str, Option<&str>, Option<&str>)] = &[
            (
                "[[rule]]\ncategory = \"x\"\nphrases = [\"a\"]",
                Some("#1"),
                Some("id"),
            ),
            (
                "[[rule]]\nid = \"r1\"\nphrases = [\"a\"]",
                Some("r1"),
                Some("category"),
            ),
            (
                "[[rule]]\nid = \"r1\"\ncategory = \"c\"",
                Some("r1"),
                Some("phrases"),
            ),
            (
                "[[rule]]\nid = \"r1\"\ncategory = \"c\"\nphrases = [1]",
                Some("r1"),
                Some("phrases"),
            ),
            (
                "[[rule]]\nid = \"r1\"\ncategory = \"c\"\npatterns = [\"(\"]",
                Some("r1"),
                Some("patterns"),
            ),
            (
                "[[rule]]\nid = \"r1\"\ncategory = \"c\"\nphrase = [\"a\"]",
                Some("r1"),
                Some("phrase"),
            ),
            (
                "[[rule]]\nid = \"r1\"\ncategory = \"c\"\nphrases = [\"a\"]\n[[rule]]\nid = \"r1\"\ncategory = \"c\"\nphrases = [\"b\"]",
                Some("r1"),
                Some("id"),
            ),
            ("negation_window = 99", None, Some("negation_window")),
            ("harmless = [\"(\"]", None, Some("harmless")),
            (
                "[[companion]]\nid = \"c1\"\ncategory = \"c\"\npatterns = [\"(\"]",
                Some("c1"),
                Some("patterns"),
            ),
            (
                "[[rule]]\nid = \"r1\"\ncategory = \"c\"\nphrases = [\"a\"]\n[[companion]]\nid = \"r1\"\ncategory = \"c\"\nphrases = [\"b\"]",
                Some("r1"),
                Some("id"),
            ),
            ("this is not toml", None, None),
        ];
        for (src, rule, field) in cases {
            match SafeguardingRules::from_toml(src) {
                Err(TriageError::InvalidRules {
                    rule: r, field: f, ..
                }) => {
                    assert_eq!(
                        (r.as_deref(), f.as_deref()),
                        (*rule, *field),
                        "source: {src:?}"
                    );
                }
                other => panic!("expected an invalid-rules error for {src:?}, got {other:?}"),
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn matches_are_slices_of_the_input_on_char_boundaries(
            s in "(\\PC|suicidal|no heating|\u{FB01}|\u{2019}|\n> | ){0,40}"
        ) {
            let rules = SafeguardingRules::default();
            for m in rules.check(&s) {
                proptest::prop_assert!(s.is_char_boundary(m.start) && s.is_char_boundary(m.end));
                proptest::prop_assert!(m.start < m.end);
                proptest::prop_assert_eq!(&s[m.start..m.end], m.text.as_str());
            }
        }
    }

    #[test]
    fn custom_rule_with_negation_disabled() {
        let src =
            "[[rule]]\nid = \"n\"\ncategory = \"c\"\nphrases = [\"no food\"]\nnegatable = false";
        let rules = SafeguardingRules::from_toml(src).map_err(|e| e.to_string());
        let found = rules.map(|r| r.check("there is not no food"));
        assert_eq!(
            found.map(|f| f.iter().all(SafeguardingMatch::is_active)),
            Ok(true)
        );
    }
}
