//! Measuring a detector on labelled messages: recall per category and per register, and
//! false alarms split by kind of negative.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Deserialize;

use super::{Category, Detector, Level};

/// One labelled line of an evaluation file (JSON Lines).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct EvalLine {
    /// The message.
    pub text: String,
    /// Whether it is a safeguarding message.
    pub safeguarding: bool,
    /// Its categories (ids), for a safeguarding message.
    #[serde(default)]
    pub categories: Vec<String>,
    /// For a negative: `hard_negative` or `ordinary` (other values are reported as given).
    #[serde(default)]
    pub kind: Option<String>,
    /// How it is written (formal, text-speak…), when the author said.
    #[serde(default)]
    pub register: Option<String>,
}

/// Hits out of a total.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Count {
    /// How many were flagged.
    pub hits: usize,
    /// How many there were.
    pub total: usize,
}

impl Count {
    fn add(&mut self, hit: bool) {
        self.hits += usize::from(hit);
        self.total += 1;
    }

    /// `hits / total`, or `None` when there were none.
    pub fn rate(&self) -> Option<f64> {
        (self.total > 0).then(|| self.hits as f64 / self.total as f64)
    }
}

/// A detector's figures on a set of labelled messages.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EvalReport {
    /// Positives that alerted (urgent).
    pub recall: Count,
    /// Positives that went to a person at all (alert or watch).
    pub review_recall: Count,
    /// Per category: positives of that category that alerted with that category.
    pub per_category: BTreeMap<String, Count>,
    /// Per category: positives of that category that alerted, whatever category.
    pub per_category_any: BTreeMap<String, Count>,
    /// Per register: positives that alerted.
    pub per_register: BTreeMap<String, Count>,
    /// Per kind of negative: negatives that alerted (false alarms).
    pub false_alarms: BTreeMap<String, Count>,
    /// Per kind of negative: negatives sent to a person (alert or watch).
    pub reviewed_negatives: BTreeMap<String, Count>,
}

/// Runs the detector on every line and counts.
pub fn evaluate(detector: &Detector, lines: &[EvalLine]) -> EvalReport {
    let mut r = EvalReport::default();
    for line in lines {
        let a = detector.assess(&line.text);
        if line.safeguarding {
            r.recall.add(a.urgent());
            r.review_recall.add(a.needs_review());
            let register = line.register.clone().unwrap_or_else(|| "unstated".into());
            r.per_register.entry(register).or_default().add(a.urgent());
            let found = a.categories(Level::Alert);
            for c in &line.categories {
                let hit = Category::parse(c).is_some_and(|c| found.contains(&c));
                r.per_category.entry(c.clone()).or_default().add(hit);
                r.per_category_any
                    .entry(c.clone())
                    .or_default()
                    .add(a.urgent());
            }
        } else {
            let kind = line.kind.clone().unwrap_or_else(|| "unstated".into());
            r.false_alarms
                .entry(kind.clone())
                .or_default()
                .add(a.urgent());
            r.reviewed_negatives
                .entry(kind)
                .or_default()
                .add(a.needs_review());
        }
    }
    r
}

fn pct(c: &Count) -> String {
    match c.rate() {
        Some(r) => format!("{:.1} % ({}/{})", r * 100.0, c.hits, c.total),
        None => "–".into(),
    }
}

impl EvalReport {
    /// The figures as Markdown tables.
    pub fn to_markdown(&self) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "| measure | value |\n|---|---|");
        let _ = writeln!(s, "| recall (urgent) | {} |", pct(&self.recall));
        let _ = writeln!(
            s,
            "| recall (sent to review, urgent or watch) | {} |",
            pct(&self.review_recall)
        );
        for (kind, c) in &self.false_alarms {
            let _ = writeln!(s, "| false alarms (urgent), {kind} | {} |", pct(c));
        }
        for (kind, c) in &self.reviewed_negatives {
            let _ = writeln!(s, "| sent to review, {kind} | {} |", pct(c));
        }
        let _ = writeln!(
            s,
            "\n| category | recall, right category | recall, any alert |\n|---|---|---|"
        );
        for (c, n) in &self.per_category {
            let any = self.per_category_any.get(c).copied().unwrap_or_default();
            let _ = writeln!(s, "| {c} | {} | {} |", pct(n), pct(&any));
        }
        let _ = writeln!(s, "\n| register | recall (urgent) |\n|---|---|");
        for (register, n) in &self.per_register {
            let _ = writeln!(s, "| {register} | {} |", pct(n));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::safeguarding::{SafeguardingRules, Thresholds};

    fn line(text: &str, safeguarding: bool, categories: &[&str], kind: Option<&str>) -> EvalLine {
        EvalLine {
            text: text.into(),
            safeguarding,
            categories: categories.iter().map(|c| c.to_string()).collect(),
            kind: kind.map(str::to_string),
            register: None,
        }
    }

    #[test]
    fn counts_recall_per_category_and_false_alarms_per_kind() {
        let detector = Detector::new(SafeguardingRules::default(), None, Thresholds::default());
        let Ok(detector) = detector else {
            panic!("default rules must make a detector");
        };
        let lines = [
            line("I feel suicidal", true, &["self_harm_suicide"], None),
            line("I feel suicidal", true, &["domestic_abuse"], None),
            line("my bin was missed", true, &["child_at_risk"], None),
            line("kill the weeds please", false, &[], Some("hard_negative")),
            line("my bin was missed", false, &[], Some("ordinary")),
        ];
        let r = evaluate(&detector, &lines);
        assert_eq!(r.recall, Count { hits: 2, total: 3 });
        assert_eq!(
            r.per_category["self_harm_suicide"],
            Count { hits: 1, total: 1 }
        );
        assert_eq!(
            r.per_category["domestic_abuse"],
            Count { hits: 0, total: 1 }
        );
        assert_eq!(r.false_alarms["hard_negative"], Count { hits: 0, total: 1 });
        assert!(
            r.to_markdown()
                .contains("| self_harm_suicide | 100.0 % (1/1)")
        );
    }
}
