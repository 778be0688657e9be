//! Never learn from names: personal data and stopwords are not features of a routing model,
//! and models trained before that keep the raw words they were trained on.

use civic_triage::{FeatureConfig, TrainOptions, TrainingExample, TriageModel, train};

use crate::{examples, fixture, options};

/// Messages with personal data of several kinds, and the fragments of it (lower case, as
/// terms are) that must never be shown as evidence. The names include ones the demo
/// generator signs its messages with (Patel, Okafor, Hughes, Priya, Kwame).
const CASES: &[(&str, &[&str])] = &[
    (
        "Mrs Patel here, the bins at 14 Mill Lane, LS6 2AB were not collected again",
        &["patel", "ls6", "2ab", "mill"],
    ),
    (
        "Huge pothole outside the school, ring me on 07700 900123. Regards, Kwame Okafor",
        &["07700", "900123", "kwame", "okafor"],
    ),
    (
        "Noise from next door until 3am every night. Margaret Hughes, 0113 496 0000",
        &["margaret", "hughes", "0113", "496"],
    ),
    (
        "Council tax bill for Priya Patel (priya.patel@example.org) is wrong, postcode SW1A 1AA",
        &["priya", "patel", "example.org", "sw1a", "1aa"],
    ),
    (
        "My neighbour Mr Siobhan O'Connor keeps dumping rubbish in the alley, NHS number 943 476 5919",
        &["siobhan", "o'connor", "connor", "943", "5919"],
    ),
];

fn shown_terms(model: &TriageModel, text: &str) -> Vec<String> {
    let p = model.predict(text);
    let mut terms: Vec<String> = p
        .explanation
        .supporting
        .iter()
        .chain(&p.explanation.opposing)
        .map(|t| t.term.clone())
        .collect();
    terms.extend(model.explain(text).terms.into_iter().map(|t| t.term));
    terms
}

fn assert_no_personal_data(model: &TriageModel, what: &str) {
    for (text, fragments) in CASES {
        let terms = shown_terms(model, text);
        for term in &terms {
            for f in *fragments {
                assert!(
                    !term.contains(f),
                    "{what}: the explanation of {text:?} shows {term:?}, which contains {f:?}"
                );
            }
        }
        assert!(
            terms.iter().any(|t| t.starts_with('<')),
            "{what}: no placeholder among the terms of {text:?}: {terms:?}"
        );
    }
}

#[test]
fn explanations_never_show_names_postcodes_or_phone_numbers() {
    let (model, _) = fixture();
    assert!(model.metadata().features.mask_personal_data);
    assert_no_personal_data(model, "demo model");
}

/// The demo messages, with waste messages signed by one resident and every other message
/// by another: a model that learnt from names would learn "patel" means waste.
fn signed_examples() -> Vec<TrainingExample> {
    examples(23, 600)
        .into_iter()
        .map(|mut e| {
            let who = if e.label == "waste_recycling" {
                "Priya Patel, 07700 900123"
            } else {
                "Gareth Evans, 0113 496 0000"
            };
            e.text = format!("{}\nKind regards, {who}", e.text);
            e
        })
        .collect()
}

#[test]
fn a_model_trained_on_signed_messages_has_no_name_features() {
    let data = signed_examples();
    let signed = "Kind regards, Priya Patel, 07700 900123";
    let fragments = ["priya", "patel", "07700", "900123", "gareth", "evans"];

    // The same data with raw words: the name is learnt (the test can tell).
    let raw = TrainOptions {
        features: FeatureConfig {
            buckets_log2: 16,
            ..FeatureConfig::default()
        },
        ..TrainOptions::default()
    };
    let (raw_model, _) = train(&data, &raw, &|_| {}).expect("training with raw words");
    let patel = raw_model
        .explain(signed)
        .terms
        .into_iter()
        .find(|t| t.term == "patel")
        .map(|t| t.contribution);
    assert_eq!(raw_model.predict(signed).label, "waste_recycling");
    assert!(patel.is_some_and(|c| c > 0.0), "raw words: {patel:?}");

    let (model, _) = train(&data, &options(), &|_| {}).expect("training with masking");
    assert_no_personal_data(&model, "model trained on signed messages");
    // The signature alone is no longer evidence for waste: every term it has is a
    // placeholder or a word of the sign-off, the same for both residents.
    let terms: Vec<String> = model
        .explain(signed)
        .terms
        .into_iter()
        .map(|t| t.term)
        .collect();
    assert!(
        terms
            .iter()
            .all(|t| fragments.iter().all(|f| !t.contains(f))),
        "{terms:?}"
    );
    let other = model.explain("Kind regards, Gareth Evans, 0113 496 0000");
    assert_eq!(
        terms,
        other.terms.into_iter().map(|t| t.term).collect::<Vec<_>>()
    );
    // Nor is any name among the heaviest terms of any team.
    for label in model.labels() {
        for t in model.top_terms(label).unwrap_or_default() {
            assert!(
                fragments.iter().all(|f| !t.term.contains(f)),
                "{label}: {}",
                t.term
            );
        }
    }
}

#[test]
fn stopwords_are_not_features_but_negations_are() {
    let (model, _) = fixture();
    let terms = shown_terms(model, "The bin was not collected from my house on Monday");
    for stop in ["the", "was", "from", "my", "on"] {
        assert!(
            terms.iter().all(|t| t.split(' ').all(|w| w != stop)),
            "{stop:?} in {terms:?}"
        );
    }
    assert!(terms.iter().any(|t| t == "not"), "{terms:?}");
    assert!(terms.iter().any(|t| t == "not collected"), "{terms:?}");
}

/// A model file written by the code before masking (format version 2: `examples/` at
/// commit 1d6d7cf, `demo::generate(3, 600)`, 2¹² buckets), and what that code predicted.
#[test]
fn models_trained_before_masking_load_and_predict_as_before() {
    let bytes = include_bytes!("../data/models/model-v2.bin");
    assert_eq!(&bytes[8..12], &2u32.to_le_bytes());
    let model = TriageModel::from_bytes(bytes).expect("a version 2 model loads");
    let features = &model.metadata().features;
    assert!(!features.mask_personal_data && !features.drop_stopwords);
    let recorded = include_str!("../data/models/model-v2-predictions.jsonl");
    for line in recorded.lines() {
        let want: serde_json::Value = serde_json::from_str(line).expect("a recorded line");
        let text = want["text"].as_str().unwrap_or_default();
        let p = model.predict(text);
        assert_eq!(
            p.label,
            want["label"].as_str().unwrap_or_default(),
            "{text}"
        );
        let confidence = want["confidence"].as_f64().unwrap_or(-1.0);
        assert!((p.confidence - confidence).abs() < 1e-12, "{text}");
        let terms: Vec<String> = model
            .explain(text)
            .terms
            .into_iter()
            .map(|t| t.term)
            .collect();
        let want_terms: Vec<String> = want["terms"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|t| t.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(terms, want_terms, "{text}");
    }
    // Saved again it is a version 3 file with the same settings and predictions.
    let again = TriageModel::from_bytes(&model.to_bytes()).expect("re-saved");
    assert_eq!(again, model);
}
