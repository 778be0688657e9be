use civic_triage::{Progress, TrainOptions, evaluate, train};

use crate::{examples, fixture, options};

#[test]
fn accuracy_on_unseen_generated_messages_clears_the_bar() {
    let (model, report) = fixture();
    let unseen = examples(99, 400);
    let eval = evaluate(model, &unseen);
    assert!(
        eval.metrics.accuracy > 0.85,
        "accuracy {}",
        eval.metrics.accuracy
    );
    assert!(
        eval.metrics.macro_f1 > 0.8,
        "macro-F1 {}",
        eval.metrics.macro_f1
    );
    assert!(
        report.holdout.accuracy > 0.8,
        "held-out accuracy {}",
        report.holdout.accuracy
    );
    assert_eq!(model.labels().len(), civic_triage::demo::teams().len());
}

#[test]
fn same_seed_gives_byte_identical_model_and_other_seed_does_not() {
    let data = examples(5, 300);
    let a = train(&data, &options(), &|_| {}).map(|(m, _)| m.to_bytes());
    let b = train(&data, &options(), &|_| {}).map(|(m, _)| m.to_bytes());
    let c = train(
        &data,
        &TrainOptions {
            seed: 43,
            ..options()
        },
        &|_| {},
    )
    .map(|(m, _)| m.to_bytes());
    assert!(a.is_ok());
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn temperature_scaling_lowers_calibration_error_of_an_underconfident_model() {
    // Three short epochs at a low rate leave twelve-way softmax probabilities far too flat:
    // the right team wins with 30 % when it is right 70 % of the time. Temperature scaling
    // must sharpen them (T < 1) and bring the calibration error down.
    let opts = TrainOptions {
        epochs: 3,
        learning_rate: 0.05,
        ..options()
    };
    let (model, report) = train(&examples(21, 400), &opts, &|_| {}).expect("training");
    let md = model.metadata();
    assert!(md.temperature < 1.0, "temperature {}", md.temperature);
    assert!(
        md.ece_after < md.ece_before / 1.5,
        "ECE {} → {}",
        md.ece_before,
        md.ece_after
    );
    assert_eq!(report.holdout.ece, md.ece_after);
}

#[test]
fn review_threshold_reaches_target_precision_on_holdout() {
    let (model, report) = fixture();
    let t = report.metadata.threshold;
    assert!(t.reached);
    assert!(t.precision >= 0.95);
    assert_eq!(model.review_threshold(), t.threshold);
    // Auto-routed predictions are exactly those at or above the threshold and not urgent.
    assert!(report.holdout.coverage > 0.3 && report.holdout.coverage <= t.coverage);
}

#[test]
fn progress_reports_every_epoch_in_order() {
    let seen = std::sync::Mutex::new(Vec::new());
    let opts = TrainOptions {
        epochs: 3,
        ..options()
    };
    let _ = train(&examples(2, 120), &opts, &|p| {
        if let Ok(mut s) = seen.lock() {
            s.push(p);
        }
    });
    let seen = seen.into_inner().unwrap_or_default();
    let epochs: Vec<u32> = seen
        .iter()
        .filter_map(|p| match p {
            Progress::Epoch { epoch, .. } => Some(*epoch),
            _ => None,
        })
        .collect();
    assert_eq!(epochs, vec![1, 2, 3]);
    assert!(matches!(seen.first(), Some(Progress::Prepared { .. })));
    assert_eq!(seen.last(), Some(&Progress::Done));
}

#[test]
fn batch_prediction_equals_one_by_one() {
    let (model, _) = fixture();
    let texts: Vec<String> = examples(8, 40).into_iter().map(|e| e.text).collect();
    let batch = model.predict_batch(&texts);
    let single: Vec<_> = texts.iter().map(|t| model.predict(t)).collect();
    assert_eq!(batch, single);
}
