use civic_triage::{TrainingExample, TriageError, train};

use crate::{examples, options};

#[test]
fn one_label_is_an_error_and_no_text_is_an_error() {
    let one: Vec<TrainingExample> = (0..10)
        .map(|i| TrainingExample::new(format!("bin {i}"), "waste"))
        .collect();
    let e = train(&one, &options(), &|_| {}).err();
    assert_eq!(
        e.as_ref().map(TriageError::code),
        Some("triage.single_label")
    );
    let blank = vec![
        TrainingExample::new("  ", "a"),
        TrainingExample::new("", "b"),
    ];
    let e = train(&blank, &options(), &|_| {}).err();
    assert_eq!(
        e.as_ref().map(TriageError::code),
        Some("triage.no_examples")
    );
}

#[test]
fn empty_texts_are_skipped_and_rare_labels_warned_about() {
    let mut data = examples(4, 200);
    data.push(TrainingExample::new("   \n", "waste_recycling"));
    data.push(TrainingExample::new("", "planning"));
    data.extend(
        (0..3).map(|i| TrainingExample::new(format!("street party licence {i}"), "events")),
    );
    let (model, report) = train(&data, &options(), &|_| {}).expect("training");
    assert_eq!(report.skipped_empty, 2);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.contains("\"events\"") && w.contains('3')),
        "{:?}",
        report.warnings
    );
    assert!(model.labels().iter().any(|l| l == "events"));
}

#[test]
fn a_diverging_solver_is_an_error_not_a_broken_model() {
    let opts = civic_triage::TrainOptions {
        learning_rate: 1e30,
        epochs: 3,
        ..options()
    };
    let e = train(&examples(6, 100), &opts, &|_| {}).err();
    assert_eq!(
        e.as_ref().map(TriageError::code),
        Some("triage.invalid_option")
    );
    assert!(e.is_some_and(|e| e.to_string().contains("learning_rate")));
}
