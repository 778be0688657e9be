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
