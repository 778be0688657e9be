//! The safeguarding detector: rules and the learned scorer, combined for recall.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use serde::{Deserialize, Serialize};

use super::learned::LearnedScorer;
use super::{Category, SafeguardingMatch, SafeguardingRules};
use crate::TriageError;

/// How strongly a message asks for a safeguarding look.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Level {
    /// Nothing found.
    None,
    /// Worth a look: a negated or quoted match, a watch rule, or a learned score in the
    /// watch band. The message goes to a person, not marked urgent.
    Watch,
    /// A concern: an active rule match or a learned score at or above the alert threshold.
    /// The message is urgent and goes to a person.
    Alert,
}

/// The learned score's thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// A learned concern score at or above this alerts.
    pub alert: f64,
    /// A learned concern score at or above this (and below `alert`) asks for a look.
    pub watch: f64,
}

impl Default for Thresholds {
    /// Set for recall by leaving each development group out in turn (see
    /// `docs/benchmarks/triage.md`): since round 7 (6 December 2026) the alert is at 0.35,
    /// where rules and scorer recall 99.3 % of the left-out concerns with 6.8 % of hard
    /// negatives and 1.1 % of ordinary contacts alerting (0.30: 99.4 %, 7.7 %, 1.4 %).
    fn default() -> Self {
        Self {
            alert: 0.35,
            watch: 0.15,
        }
    }
}

/// One category found in a message. Holds nothing of the message's text, so it may be
/// kept with a decision's output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    /// The category.
    pub category: Category,
    /// How strongly.
    pub level: Level,
    /// The learned scorer's probability for this category (0 to 1).
    pub score: f64,
    /// Ids of the rules that matched for this category.
    pub rule_ids: Vec<String>,
    /// Whether the learned scorer found it (at the level given).
    pub by_model: bool,
    /// The team suggested for a referral.
    pub suggested_team: String,
}

/// What the detector found in one message.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    /// The strongest level of any finding.
    pub level: Level,
    /// The learned concern score, `1 − P(none)` (0 without a learned scorer).
    pub score: f64,
    /// The categories found, strongest first.
    pub findings: Vec<Finding>,
    /// Every rule match, with the matched words and their offsets (negated, quoted and
    /// watch matches too). Derived from the text: keep it only where the text may be kept.
    pub matches: Vec<SafeguardingMatch>,
    /// The message's words that raised the learned score most, with their contributions.
    /// Derived from the text, like `matches`.
    pub model_terms: Vec<(String, f64)>,
}

impl Assessment {
    /// Whether the message is urgent (an alert).
    pub fn urgent(&self) -> bool {
        self.level == Level::Alert
    }

    /// Whether a person must look at it (an alert or a watch).
    pub fn needs_review(&self) -> bool {
        self.level != Level::None
    }

    /// The categories found at `level` or stronger.
    pub fn categories(&self, level: Level) -> Vec<Category> {
        self.findings
            .iter()
            .filter(|f| f.level >= level)
            .map(|f| f.category)
            .collect()
    }
}

/// Finds safeguarding concerns in a message: phrase and pattern rules, and a learned
/// scorer whose thresholds are set for recall. Either one raising an alert makes the
/// message urgent.
///
/// ```
/// use civic_triage::safeguarding::{Category, Detector};
/// let detector = Detector::shared_default()?;
/// let a = detector.assess("My partner hits me and I need somewhere safe to stay");
/// assert!(a.urgent());
/// assert_eq!(a.findings[0].category, Category::DomesticAbuse);
/// assert!(!detector.assess("Please kill the weeds on the verge").urgent());
/// # Ok::<(), civic_triage::TriageError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Detector {
    rules: SafeguardingRules,
    scorer: Option<Arc<LearnedScorer>>,
    thresholds: Thresholds,
    /// The team suggested per category where a body names its own
    /// ([`Category::suggested_team`] otherwise).
    teams: BTreeMap<Category, String>,
}

impl Detector {
    /// A detector from rules (whose categories must be the seven ids), an optional learned
    /// scorer and thresholds (`0 ≤ watch ≤ alert ≤ 1`).
    pub fn new(
        rules: SafeguardingRules,
        scorer: Option<Arc<LearnedScorer>>,
        thresholds: Thresholds,
    ) -> Result<Self, TriageError> {
        for r in rules.rules().iter().chain(rules.companion_rules()) {
            if Category::parse(&r.category).is_none() {
                return Err(TriageError::InvalidRules {
                    rule: Some(r.id.clone()),
                    field: Some("category".into()),
                    reason: format!(
                        "{:?} is not a safeguarding category; use one of {}",
                        r.category,
                        Category::ALL.map(Category::id).join(", ")
                    ),
                });
            }
        }
        let t = thresholds;
        if !(0.0..=1.0).contains(&t.watch) || !(t.watch..=1.0).contains(&t.alert) {
            return Err(TriageError::InvalidOption {
                option: "thresholds",
                reason: format!(
                    "safeguarding thresholds must satisfy 0 <= watch ({}) <= alert ({}) <= 1",
                    t.watch, t.alert
                ),
            });
        }
        Ok(Self {
            rules,
            scorer,
            thresholds,
            teams: BTreeMap::new(),
        })
    }

    /// The default rules and the default learned scorer, trained once per process and
    /// shared; default thresholds.
    pub fn shared_default() -> Result<Self, TriageError> {
        Self::new(
            SafeguardingRules::default(),
            Some(default_scorer()?),
            Thresholds::default(),
        )
    }

    /// The same detector with other thresholds.
    pub fn with_thresholds(self, thresholds: Thresholds) -> Result<Self, TriageError> {
        let teams = self.teams;
        Self::new(self.rules, self.scorer, thresholds).map(|d| d.with_teams(teams))
    }

    /// The same detector suggesting a body's own teams: `teams` names the team for some
    /// or all categories; the others keep [`Category::suggested_team`].
    ///
    /// ```
    /// use std::collections::BTreeMap;
    /// use civic_triage::safeguarding::{Category, Detector, SafeguardingRules, Thresholds};
    /// let teams = BTreeMap::from([(Category::DomesticAbuse, "Safer Homes team".to_string())]);
    /// let detector = Detector::new(SafeguardingRules::default(), None, Thresholds::default())?
    ///     .with_teams(teams);
    /// let a = detector.assess("My partner hits me");
    /// assert_eq!(a.findings[0].suggested_team, "Safer Homes team");
    /// assert_eq!(detector.suggested_team(Category::ChildAtRisk), Category::ChildAtRisk.suggested_team());
    /// # Ok::<(), civic_triage::TriageError>(())
    /// ```
    pub fn with_teams(mut self, teams: BTreeMap<Category, String>) -> Self {
        self.teams = teams;
        self
    }

    /// The team this detector suggests for a category.
    pub fn suggested_team(&self, category: Category) -> &str {
        self.teams
            .get(&category)
            .map_or(category.suggested_team(), String::as_str)
    }

    /// The thresholds in use.
    pub fn thresholds(&self) -> Thresholds {
        self.thresholds
    }

    /// The finding for `category` in `map`, added empty with this detector's team.
    fn finding<'m>(
        &self,
        map: &'m mut BTreeMap<Category, Finding>,
        category: Category,
    ) -> &'m mut Finding {
        map.entry(category).or_insert_with(|| Finding {
            category,
            level: Level::None,
            score: 0.0,
            rule_ids: Vec::new(),
            by_model: false,
            suggested_team: self.suggested_team(category).to_string(),
        })
    }

    /// Assesses one message.
    pub fn assess(&self, text: &str) -> Assessment {
        let matches = self.rules.check(text);
        let mut by_category: BTreeMap<Category, Finding> = BTreeMap::new();
        for m in &matches {
            let Some(category) = Category::parse(&m.category) else {
                continue;
            };
            let level = if m.is_active() {
                Level::Alert
            } else {
                Level::Watch
            };
            let f = self.finding(&mut by_category, category);
            f.level = f.level.max(level);
            if !f.rule_ids.contains(&m.rule_id) {
                f.rule_ids.push(m.rule_id.clone());
            }
        }
        let mut score = 0.0;
        let mut model_terms = Vec::new();
        if let Some(scorer) = &self.scorer {
            let learned = scorer.score_message(text);
            score = learned.concern;
            let top = learned
                .categories
                .iter()
                .map(|(_, p)| *p)
                .fold(0.0, f64::max);
            let level = if score >= self.thresholds.alert {
                Level::Alert
            } else if score >= self.thresholds.watch {
                Level::Watch
            } else {
                Level::None
            };
            for (category, p) in &learned.categories {
                // The likeliest category carries the level, however small its probability:
                // the concern score blends in the second model, which can be sure of a
                // concern the softmax puts in no category. Others close to it (half its
                // probability or more) are reported too, since a message may be two kinds.
                let likeliest = *p == top && top > 0.0;
                if level > Level::None && (likeliest || (*p >= top * 0.5 && *p > 0.05)) {
                    let f = self.finding(&mut by_category, *category);
                    f.level = f.level.max(level);
                    f.by_model = true;
                }
            }
            for (category, p) in learned.categories {
                if let Some(f) = by_category.get_mut(&category) {
                    f.score = p;
                }
            }
            if level > Level::None {
                model_terms = learned
                    .terms
                    .into_iter()
                    .map(|t| (t.term, t.contribution))
                    .collect();
            }
        }
        // A message that alerts may also be about someone a companion rule names (a child
        // in the household, an older person without heating): that category alerts too.
        if by_category.values().any(|f| f.level == Level::Alert) {
            for (rule_id, category) in self.rules.companions(text) {
                let Some(category) = Category::parse(category) else {
                    continue;
                };
                let f = self.finding(&mut by_category, category);
                f.level = Level::Alert;
                if !f.rule_ids.iter().any(|r| r == rule_id) {
                    f.rule_ids.push(rule_id.to_string());
                }
            }
        }
        let mut findings: Vec<Finding> = by_category.into_values().collect();
        findings.sort_by(|a, b| {
            b.level
                .cmp(&a.level)
                .then(a.rule_ids.is_empty().cmp(&b.rule_ids.is_empty()))
                .then(b.score.total_cmp(&a.score))
        });
        Assessment {
            level: findings
                .iter()
                .map(|f| f.level)
                .max()
                .unwrap_or(Level::None),
            score,
            findings,
            matches,
            model_terms,
        }
    }
}

/// The default learned scorer, trained on first use and shared by the whole process.
pub fn default_scorer() -> Result<Arc<LearnedScorer>, TriageError> {
    static SCORER: OnceLock<Result<Arc<LearnedScorer>, TriageError>> = OnceLock::new();
    SCORER
        .get_or_init(|| LearnedScorer::train_default().map(Arc::new))
        .clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (message, expected level, a category that must be among those at that level)
    #[test]
    fn levels_and_categories_table() {
        let detector = match Detector::shared_default() {
            Ok(d) => d,
            Err(e) => panic!("default detector: {e}"),
        };
        let cases: &[(&str, Level, Option<Category>)] = &[
            (
                "My neighbour is threatening to hurt himself",
                Level::Alert,
                Some(Category::SelfHarmSuicide),
            ),
            (
                "my bf hits me n i got nowhere 2 go 2nite",
                Level::Alert,
                Some(Category::DomesticAbuse),
            ),
            ("im sucidal", Level::Alert, Some(Category::SelfHarmSuicide)),
            (
                "The old man downstair no food since many days",
                Level::Alert,
                Some(Category::AdultAtRisk),
            ),
            (
                "My mum has dementia and is being neglected",
                Level::Alert,
                Some(Category::AdultAtRisk),
            ),
            (
                "About ten men live next door and a van picks them up at 5am",
                Level::Alert,
                Some(Category::ModernSlavery),
            ),
            (
                "There is a strong smell of gas in the flat above",
                Level::Alert,
                Some(Category::RiskToHealthOrHome),
            ),
            // A bare denial is worth a look (issue 13), not an alert: the negated rule
            // asks for one. (From 5 to 6 December 2026 the scorer alerted on it, having
            // learned denials that open disclosures; with each hand-written line weighted
            // 3 its score is in the watch band, and with round 7's scorer and alert 0.35
            // it stays there.)
            (
                "No one is hurting me",
                Level::Watch,
                Some(Category::DomesticAbuse),
            ),
            (
                "I am not suicidal, just fed up with the bins",
                Level::Watch,
                Some(Category::SelfHarmSuicide),
            ),
            // A companion rule adds the child in the household to an alert, and finds
            // nothing on its own.
            (
                "My partner hits me in front of my kids",
                Level::Alert,
                Some(Category::ChildAtRisk),
            ),
            // Concerns said without the usual words (the `*-veiled` rules).
            (
                "My ex keeps texting that he'll find me wherever I move",
                Level::Alert,
                Some(Category::DomesticAbuse),
            ),
            (
                "The man upstairs says he will make me disappear",
                Level::Alert,
                Some(Category::ThreatViolence),
            ),
            (
                "I've got the tablets ready, people won't miss me",
                Level::Alert,
                Some(Category::SelfHarmSuicide),
            ),
            (
                "The plaster keeps dropping from the ceiling above the cot",
                Level::Alert,
                Some(Category::RiskToHealthOrHome),
            ),
            // A reply written below the quote it answers is new text.
            (
                "On 3 March, Tenancy Services wrote:\n> Both tenants must sign.\n\nHe told me he'll kill me if I sign it.",
                Level::Alert,
                Some(Category::ThreatViolence),
            ),
            // Concerns told by concept (the `*-concept` and `suicide-leaving` rules).
            (
                "Tell whoever decided to watch their back, I know where you park",
                Level::Alert,
                Some(Category::ThreatViolence),
            ),
            (
                "My neighbour says she won't be a bother much longer and gave me her cat",
                Level::Alert,
                Some(Category::SelfHarmSuicide),
            ),
            (
                "I won't be around on Tuesday for the delivery",
                Level::None,
                None,
            ),
            (
                "I've made my own arrangements for the bulky waste collection",
                Level::None,
                None,
            ),
            ("I won't need my parking permit any more", Level::None, None),
            ("My kids love the new play park", Level::None, None),
            ("Please kill the weeds on the verge", Level::None, None),
            ("My phone died while paying for parking", Level::None, None),
        ];
        for (text, level, category) in cases {
            let a = detector.assess(text);
            assert_eq!(a.level, *level, "{text}: {:?}", a.findings);
            if let Some(c) = category {
                assert!(a.categories(*level).contains(c), "{text}: {:?}", a.findings);
            }
            assert_eq!(a.urgent(), *level == Level::Alert);
            // A learned score at the alert threshold always alerts, with a category.
            assert!(
                a.score < detector.thresholds().alert || a.urgent(),
                "{text}"
            );
        }
    }

    #[test]
    fn rules_with_unknown_categories_and_bad_thresholds_are_refused() {
        let rules = SafeguardingRules::from_toml(
            "[[rule]]\nid = \"flood\"\ncategory = \"flooding\"\nphrases = [\"flood\"]",
        );
        let Ok(rules) = rules else {
            panic!("the rules parse");
        };
        assert!(Detector::new(rules, None, Thresholds::default()).is_err());
        let bad = Thresholds {
            alert: 0.2,
            watch: 0.5,
        };
        assert!(Detector::new(SafeguardingRules::default(), None, bad).is_err());
    }
}
