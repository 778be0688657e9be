//! Explanations made visual: a triage message with the words that drove
//! the suggestion highlighted for and against, and any safeguarding match;
//! for any other service, its explanation JSON laid out readably.

use std::collections::HashMap;

use serde_json::Value;

/// A stretch of the message with how to mark it.
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    /// The text.
    pub text: String,
    /// `civic-term--for`, `civic-term--against`, `civic-term--safeguarding` or empty.
    pub class: &'static str,
    /// What the mark means (shown on hover and to screen readers).
    pub note: String,
}

/// One term's contribution, with a bar length in percent of the largest.
#[derive(Debug, Clone, PartialEq)]
pub struct Contribution {
    /// The term.
    pub term: String,
    /// Its contribution, signed, to two decimals.
    pub value: String,
    /// Bar width, 1 to 100.
    pub width: u32,
}

/// A safeguarding rule's match, as listed under the message.
#[derive(Debug, Clone, PartialEq)]
pub struct SafeguardingRow {
    /// The rule's category.
    pub category: String,
    /// The matched text.
    pub text: String,
    /// Whether it made the message urgent (not negated or quoted).
    pub counts: bool,
}

/// A safeguarding category found in a message, for the banner.
#[derive(Debug, Clone, PartialEq)]
pub struct ConcernRow {
    /// The category's name, e.g. "Domestic abuse".
    pub title: String,
    /// "Urgent" (an alert) or "Worth a look" (a watch).
    pub level: &'static str,
    /// The team suggested for a referral.
    pub suggested_team: String,
    /// The ids of the rules that matched, or "learned model".
    pub found_by: String,
}

/// A triage explanation laid out for the page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriageView {
    /// The message, marked (empty when the input is not retained or not shown).
    pub segments: Vec<Segment>,
    /// Terms that raised the suggested team's score.
    pub supporting: Vec<Contribution>,
    /// Terms that lowered it.
    pub opposing: Vec<Contribution>,
    /// Safeguarding matches.
    pub safeguarding: Vec<SafeguardingRow>,
    /// Safeguarding categories found, strongest first (the banner).
    pub concerns: Vec<ConcernRow>,
    /// Whether any category was found at alert level.
    pub urgent_concern: bool,
    /// The words that raised the learned safeguarding score.
    pub model_terms: Vec<String>,
    /// The local safeguarding procedure, when configured.
    pub procedure_url: Option<String>,
}

impl TriageView {
    /// The same view, linking to the local safeguarding procedure.
    pub fn with_procedure(self, url: Option<&str>) -> Self {
        Self {
            procedure_url: url.map(str::to_owned),
            ..self
        }
    }
}

/// The safeguarding categories recorded in a triage decision's output.
fn concerns(output: &Value) -> Vec<(ConcernRow, bool)> {
    use civic_triage::safeguarding::Level;
    let recorded = output.get("safeguarding").cloned().and_then(|v| {
        serde_json::from_value::<civic_app::safeguarding::SafeguardingOutput>(v).ok()
    });
    recorded
        .map(|s| s.categories)
        .unwrap_or_default()
        .into_iter()
        .filter(|f| f.level != Level::None)
        .map(|f| {
            let alert = f.level == Level::Alert;
            let mut found_by = f.rule_ids.join(", ");
            if f.by_model {
                if !found_by.is_empty() {
                    found_by.push_str(", ");
                }
                found_by.push_str("learned model");
            }
            let row = ConcernRow {
                title: f.category.title().to_owned(),
                level: if alert { "Urgent" } else { "Worth a look" },
                suggested_team: f.suggested_team,
                found_by,
            };
            (row, alert)
        })
        .collect()
}

fn terms(explanation: &Value, key: &str) -> Vec<(String, f64)> {
    explanation
        .get(key)
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|t| {
                    Some((
                        t.get("term")?.as_str()?.to_owned(),
                        t.get("contribution")?.as_f64()?,
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

fn bars(list: &[(String, f64)], largest: f64) -> Vec<Contribution> {
    list.iter()
        .map(|(term, c)| Contribution {
            term: term.clone(),
            value: format!("{c:+.2}"),
            width: ((c.abs() / largest) * 100.0).round().clamp(1.0, 100.0) as u32,
        })
        .collect()
}

/// Lays out a triage decision's explanation; `None` when the explanation
/// does not have the triage shape (`for` and `against` term lists).
pub fn triage_view(output: &Value, explanation: &Value, text: Option<&str>) -> Option<TriageView> {
    if explanation.get("for").is_none() || explanation.get("against").is_none() {
        return None;
    }
    let supporting = terms(explanation, "for");
    let opposing = terms(explanation, "against");
    let largest = supporting
        .iter()
        .chain(&opposing)
        .map(|(_, c)| c.abs())
        .fold(f64::EPSILON, f64::max);
    // Decisions record the matched words in the explanation; older ones kept
    // them in the output.
    let matches: Vec<(usize, usize, SafeguardingRow)> = explanation
        .pointer("/safeguarding/matches")
        .or_else(|| output.get("safeguarding_matches"))
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| {
                    let counts = !m.get("negated")?.as_bool()?
                        && !m.get("quoted")?.as_bool()?
                        && m.get("watch").and_then(Value::as_bool) != Some(true);
                    Some((
                        usize::try_from(m.get("start")?.as_u64()?).ok()?,
                        usize::try_from(m.get("end")?.as_u64()?).ok()?,
                        SafeguardingRow {
                            category: m.get("category")?.as_str()?.to_owned(),
                            text: m.get("text")?.as_str()?.to_owned(),
                            counts,
                        },
                    ))
                })
                .collect()
        })
        .unwrap_or_default();
    let segments = text
        .map(|t| mark(t, &supporting, &opposing, &matches))
        .unwrap_or_default();
    let concerns = concerns(output);
    let model_terms = explanation
        .pointer("/safeguarding/model_terms")
        .and_then(Value::as_array)
        .map(|l| {
            l.iter()
                .filter_map(|t| t.get(0).and_then(Value::as_str).map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    Some(TriageView {
        segments,
        supporting: bars(&supporting, largest),
        opposing: bars(&opposing, largest),
        safeguarding: matches.into_iter().map(|(_, _, r)| r).collect(),
        urgent_concern: concerns.iter().any(|(_, alert)| *alert),
        concerns: concerns.into_iter().map(|(r, _)| r).collect(),
        model_terms,
        procedure_url: None,
    })
}

#[derive(Clone, Copy, PartialEq)]
enum Mark {
    None,
    For,
    Against,
    Safeguarding,
}

/// Splits `text` into marked stretches. A word is marked when its lowercase
/// form is one of the explanation's terms (the table beside the message
/// gives the exact figures, including two-word phrases); safeguarding
/// matches are marked at their exact byte offsets and win over terms.
fn mark(
    text: &str,
    supporting: &[(String, f64)],
    opposing: &[(String, f64)],
    matches: &[(usize, usize, SafeguardingRow)],
) -> Vec<Segment> {
    let mut weights: HashMap<&str, (Mark, f64)> = HashMap::new();
    for (t, c) in opposing {
        weights.insert(t.as_str(), (Mark::Against, *c));
    }
    for (t, c) in supporting {
        weights.insert(t.as_str(), (Mark::For, *c));
    }
    let mut marks = vec![(Mark::None, String::new()); text.len()];
    let mut word_start = None;
    for (i, ch) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let in_word = ch.is_alphanumeric() || ch == '\'';
        match (in_word, word_start) {
            (true, None) => word_start = Some(i),
            (false, Some(s)) => {
                let word = text[s..i].to_lowercase();
                if let Some((m, c)) = weights.get(word.as_str()) {
                    let note = format!(
                        "{} {c:+.2}",
                        if *m == Mark::For { "for" } else { "against" }
                    );
                    for slot in &mut marks[s..i] {
                        *slot = (*m, note.clone());
                    }
                }
                word_start = None;
            }
            _ => {}
        }
    }
    for (start, end, row) in matches {
        let valid = start < end
            && *end <= text.len()
            && text.is_char_boundary(*start)
            && text.is_char_boundary(*end);
        if valid {
            let note = format!("safeguarding: {}", row.category);
            for slot in &mut marks[*start..*end] {
                *slot = (Mark::Safeguarding, note.clone());
            }
        }
    }
    let mut segments: Vec<Segment> = Vec::new();
    for (i, ch) in text.char_indices() {
        let (m, note) = &marks[i];
        let class = match m {
            Mark::None => "",
            Mark::For => "civic-term--for",
            Mark::Against => "civic-term--against",
            Mark::Safeguarding => "civic-term--safeguarding",
        };
        match segments.last_mut() {
            Some(last) if last.class == class && &last.note == note => last.text.push(ch),
            _ => segments.push(Segment {
                text: ch.to_string(),
                class,
                note: note.clone(),
            }),
        }
    }
    segments
}

/// What a page says in place of an explanation removed under the retention
/// policy (`None` while it is kept), e.g. "Explanation removed on 4
/// December 2026 under the retention policy."
pub fn removal_note(decision: &civic_core::Decision) -> Option<String> {
    decision.explanation_removed_at.map(|at| {
        format!(
            "Explanation removed on {} {} {} under the retention policy; the ledger keeps only its digest.",
            at.day(),
            at.month(),
            at.year()
        )
    })
}

/// Any explanation as indented JSON, for services without a visual of their own.
pub fn readable_json(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn classes(segments: &[Segment]) -> Vec<(&str, &str)> {
        segments
            .iter()
            .map(|s| (s.text.as_str(), s.class))
            .collect()
    }

    #[test]
    fn words_for_and_against_and_safeguarding_matches_are_marked() {
        let text = "My bin was not collected. I feel unsafe!";
        let explanation = json!({
            "for": [{"term": "bin", "contribution": 2.0}, {"term": "collected", "contribution": 1.0}],
            "against": [{"term": "feel", "contribution": -0.5}],
        });
        let start = text.find("unsafe").expect("in text");
        let output = json!({"safeguarding_matches": [{
            "rule_id": "r1", "category": "risk to self", "text": "unsafe",
            "start": start, "end": start + 6, "negated": false, "quoted": false
        }]});
        let view = triage_view(&output, &explanation, Some(text)).expect("triage shape");
        assert_eq!(
            classes(&view.segments),
            vec![
                ("My ", ""),
                ("bin", "civic-term--for"),
                (" was not ", ""),
                ("collected", "civic-term--for"),
                (". I ", ""),
                ("feel", "civic-term--against"),
                (" ", ""),
                ("unsafe", "civic-term--safeguarding"),
                ("!", ""),
            ]
        );
        assert_eq!(view.supporting[0].width, 100);
        assert_eq!(view.supporting[1].width, 50);
        assert_eq!(view.opposing[0].value, "-0.50");
        assert!(view.safeguarding[0].counts);
    }

    #[test]
    fn other_explanations_and_bad_offsets_do_not_break_the_page() {
        assert_eq!(
            triage_view(&json!({}), &json!({"shap": [1, 2]}), None),
            None
        );
        let output = json!({"safeguarding_matches": [{
            "rule_id": "r", "category": "c", "text": "é", "start": 1, "end": 99,
            "negated": false, "quoted": false
        }]});
        let view = triage_view(&output, &json!({"for": [], "against": []}), Some("café"))
            .expect("triage shape");
        assert_eq!(classes(&view.segments), vec![("café", "")]);
        assert!(readable_json(&json!({"a": 1})).contains("\"a\": 1"));
    }
}
