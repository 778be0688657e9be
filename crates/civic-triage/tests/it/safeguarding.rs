use civic_triage::{ReviewReason, SafeguardingRules};

use crate::fixture;

/// (message, urgent?) through the whole model, default rules.
#[test]
fn urgent_messages_always_need_review_and_negated_or_quoted_ones_do_not_trip() {
    let (model, _) = fixture();
    let cases = [
        ("My bin was not collected on Monday", false),
        ("I have nowhere to sleep tonight, please help", true),
        (
            "Pothole on Mill Lane. I am not suicidal, just fed up with it",
            false,
        ),
        ("We are no longer homeless, thank you for the flat", false),
        ("My mum has had a fall and can't get up", true),
        ("Thanks for sorting the bins.\n> I feel suicidal\n", false),
        (
            "Thanks\nOn Mon, 3 Mar 2025, Jo wrote:\nwe have no heating",
            false,
        ),
        (
            "fyi\n---------- Forwarded message ---------\nI have nowhere to sleep",
            true,
        ),
    ];
    for (text, urgent) in cases {
        let p = model.predict(text);
        assert_eq!(p.urgent, urgent, "{text:?}: {:?}", p.safeguarding_matches);
        if urgent {
            assert!(p.needs_review);
            assert!(p.review_reasons.contains(&ReviewReason::Urgent));
            let m = &p.safeguarding_matches[0];
            assert_eq!(&text[m.start..m.end], m.text);
        }
    }
}

/// `route` is `predict` without the model's own safeguarding rules: the same
/// team, confidence, alternatives and explanation, no urgency and no matches.
#[test]
fn routing_without_the_rules_changes_only_what_the_rules_decide() {
    let (model, _) = fixture();
    for text in [
        "I have nowhere to sleep tonight, please help",
        "My bin was not collected on Monday",
        "",
    ] {
        let (full, routed) = (model.predict(text), model.route(text));
        assert_eq!(routed.label, full.label, "{text:?}");
        assert_eq!(routed.confidence.to_bits(), full.confidence.to_bits());
        assert_eq!(routed.alternatives, full.alternatives);
        assert_eq!(routed.explanation, full.explanation);
        assert!(!routed.urgent && routed.safeguarding_matches.is_empty());
        let mut expected = full.review_reasons.clone();
        expected.retain(|r| *r != ReviewReason::Urgent);
        assert_eq!(routed.review_reasons, expected, "{text:?}");
    }
    assert!(
        model
            .predict("I have nowhere to sleep tonight, please help")
            .urgent
    );
}

#[test]
fn a_body_can_replace_the_rules_and_they_survive_the_model_file() {
    let (model, _) = fixture();
    let mut model = model.clone();
    let rules = SafeguardingRules::from_toml(
        "[[rule]]\nid = \"flood\"\ncategory = \"flooding\"\nphrases = [\"house is flooding\"]",
    );
    assert!(rules.is_ok());
    if let Ok(rules) = rules {
        model.set_rules(rules);
    }
    let bytes = model.to_bytes();
    let loaded = civic_triage::TriageModel::from_bytes(&bytes);
    let p = loaded.map(|m| m.predict("Help, my house is flooding"));
    assert_eq!(p.as_ref().map(|p| p.urgent), Ok(true));
    assert_eq!(
        p.map(|p| p.safeguarding_matches[0].rule_id.clone()),
        Ok("flood".to_string())
    );
}

#[test]
fn empty_text_needs_review() {
    let (model, _) = fixture();
    let p = model.predict("   ");
    assert!(p.needs_review && p.review_reasons.contains(&ReviewReason::NoText));
}

#[test]
fn pathological_inputs_are_handled_in_linear_time() {
    // A pasted blob with no spaces and many token boundaries, and a message with thousands
    // of matches: both were quadratic once (this test would not finish), now linear.
    let (model, _) = fixture();
    let blob = format!("{}@example.org", "ab+".repeat(100_000));
    assert!(!model.predict(&blob).label.is_empty());
    let many = "I feel suicidal. ".repeat(20_000);
    let p = model.predict(&many);
    assert!(p.urgent);
    assert_eq!(p.safeguarding_matches.len(), 20_000);
}

/// The development sets, written by other authors from the definitions, and the
/// former held-out set demoted to development data (`*-dev3`). A held-out set is
/// deliberately never used here: a test that had to pass on it would invite tuning on it.
fn development_set() -> Vec<civic_triage::safeguarding::EvalLine> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/data/safeguarding");
    let mut lines = Vec::new();
    for file in [
        "positives-dev.jsonl",
        "negatives-dev.jsonl",
        "positives-dev2.jsonl",
        "negatives-dev2.jsonl",
        "ordinary-dev.jsonl",
        "positives-dev3.jsonl",
        "negatives-dev3.jsonl",
        "ordinary-dev3.jsonl",
    ] {
        let text = std::fs::read_to_string(format!("{dir}/{file}")).expect("development set");
        for (i, line) in text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            lines.push(
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{file}:{}: {e}", i + 1)),
            );
        }
    }
    lines
}

/// Guards the figures in docs/benchmarks/triage.md for the development
/// sets together (measured before the scorer was trained on them: 99.2 % urgent
/// recall, every category at least 99.1 % flagged and 90.9 % with its own category, 4.4 % false alarms on hard
/// negatives, 2.5 % on ordinary contacts) with a little slack: a change to the rules,
/// corpus or thresholds that loses concerns or raises false alarms fails here.
/// Since 5 December 2026 this is a training figure (the scorer learns these
/// sets); generalisation is `safeguarding_eval --cross-validate`.
#[test]
fn the_detector_keeps_its_recall_on_the_development_sets() {
    let detector = civic_triage::safeguarding::Detector::shared_default().expect("detector");
    let lines = development_set();
    assert_eq!(lines.iter().filter(|l| l.safeguarding).count(), 749);
    let report = civic_triage::safeguarding::evaluate(&detector, &lines);
    let table = report.to_markdown();
    let recall = report.recall.rate().expect("positives");
    assert!(recall >= 0.985, "urgent recall {recall:.3}\n{table}");
    for (category, count) in &report.per_category_any {
        let rate = count.rate().unwrap_or(0.0);
        assert!(rate >= 0.98, "{category}: {rate:.3}\n{table}");
    }
    for (category, count) in &report.per_category {
        let rate = count.rate().unwrap_or(0.0);
        assert!(
            rate >= 0.88,
            "{category} (right category): {rate:.3}\n{table}"
        );
    }
    let rate = |kind: &str| report.false_alarms.get(kind).and_then(|c| c.rate());
    let hard = rate("hard_negative");
    assert!(
        hard.is_some_and(|r| r <= 0.05),
        "hard-negative false alarms {hard:?}\n{table}"
    );
    let ordinary = rate("ordinary");
    assert!(
        ordinary.is_some_and(|r| r <= 0.03),
        "ordinary false alarms {ordinary:?}\n{table}"
    );
}
