use crate::{examples, fixture};

#[test]
fn contributions_plus_bias_equal_the_logit() {
    let (model, _) = fixture();
    let mut texts: Vec<String> = examples(31, 60).into_iter().map(|e| e.text).collect();
    texts.push("bin bin bin not collected collected".into());
    texts.push("Ünïcödé ＦＵＬＬＷＩＤＴＨ pothole".into());
    for text in &texts {
        let full = model.explain(text);
        let sum: f64 = full.bias + full.terms.iter().map(|t| t.contribution).sum::<f64>();
        assert!(
            (sum - full.logit).abs() < 1e-9,
            "{text:?}: {sum} vs {}",
            full.logit
        );

        let p = model.predict(text);
        let e = &p.explanation;
        let shown: f64 = e
            .supporting
            .iter()
            .chain(&e.opposing)
            .map(|t| t.contribution)
            .sum();
        assert!((e.bias + shown + e.rest - e.logit).abs() < 1e-9, "{text:?}");
        assert_eq!(e.label, p.label);
        assert_eq!(full.logit, e.logit);
        assert!(
            e.supporting
                .windows(2)
                .all(|w| w[0].contribution >= w[1].contribution)
        );
        assert!(e.supporting.iter().all(|t| t.contribution > 0.0));
        assert!(e.opposing.iter().all(|t| t.contribution < 0.0));
    }
}

#[test]
fn explanation_names_the_words_that_matter() {
    let (model, _) = fixture();
    let p = model.predict("My bin was not collected again, the recycling was missed");
    assert_eq!(p.label, "waste_recycling");
    let top: Vec<&str> = p
        .explanation
        .supporting
        .iter()
        .map(|t| t.term.as_str())
        .collect();
    assert!(
        top.iter()
            .any(|t| t.contains("bin") || t.contains("recycling") || t.contains("collected")),
        "top terms {top:?}"
    );
    // Repeated words are one term.
    let full = model.explain("bin bin bin");
    assert_eq!(full.terms.iter().filter(|t| t.term == "bin").count(), 1);
}

#[test]
fn alternatives_are_sorted_probabilities_led_by_the_prediction() {
    let (model, _) = fixture();
    let p = model.predict("Someone dumped a mattress in the alley");
    assert_eq!(p.alternatives.len(), 3);
    assert_eq!(p.alternatives[0].label, p.label);
    assert_eq!(p.alternatives[0].probability, p.confidence);
    assert!(
        p.alternatives
            .windows(2)
            .all(|w| w[0].probability >= w[1].probability)
    );
    assert!(model.top_terms(&p.label).is_some_and(|t| !t.is_empty()));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn any_text_gets_a_prediction_whose_explanation_adds_up(s in "\\PC{0,200}") {
        let (model, _) = fixture();
        let p = model.predict(&s);
        let e = &p.explanation;
        let shown: f64 = e.supporting.iter().chain(&e.opposing).map(|t| t.contribution).sum();
        proptest::prop_assert!((e.bias + shown + e.rest - e.logit).abs() < 1e-9);
        proptest::prop_assert!(p.confidence > 0.0 && p.confidence <= 1.0);
    }
}
