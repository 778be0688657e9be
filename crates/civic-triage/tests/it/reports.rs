use civic_triage::{EvalReport, TrainReport, evaluate, svg};

use crate::{examples, fixture};

#[test]
fn train_report_renders_a_table_and_round_trips_as_json() {
    let (_, report) = fixture();
    let table = report.to_string();
    for needle in [
        "accuracy",
        "macro-F1",
        "ECE",
        "review threshold",
        "confusion matrix",
        "housing_repairs",
        "auto-routed",
    ] {
        assert!(table.contains(needle), "missing {needle:?} in\n{table}");
    }
    let json = serde_json::to_string(report).expect("serialise");
    let back: TrainReport = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(&back, report);
}

#[test]
fn eval_report_counts_unknown_labels_and_urgent_metrics() {
    let (model, _) = fixture();
    let mut data = examples(77, 150);
    data.push(civic_triage::TrainingExample::new(
        "street party licence",
        "events",
    ));
    let r: EvalReport = evaluate(model, &data);
    assert_eq!(r.unknown_labels, vec!["events".to_string()]);
    assert_eq!(r.metrics.examples, 151);
    let cm = &r.metrics.confusion;
    assert_eq!(cm.counts.iter().flatten().sum::<usize>(), 151);
    assert!(r.metrics.urgent.as_ref().is_some_and(|u| u.labelled == 150));
    assert!(r.to_string().contains("events"));
    let confusion = svg::confusion_matrix_svg(cm);
    let reliability = svg::reliability_svg(&r.metrics.reliability);
    assert!(confusion.contains("events") && confusion.ends_with("</svg>"));
    assert!(reliability.starts_with("<svg") && reliability.contains("<rect"));
}
