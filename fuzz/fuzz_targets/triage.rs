//! The triage pipeline on any text: the preparation (personal data masked,
//! NFKC, tokens), features, the model's prediction and its explanation, with
//! a small model trained once on the synthetic demo contacts. The
//! explanation must add up to the logit it explains.
#![no_main]

use std::sync::LazyLock;

use civic_triage::{TrainOptions, TrainingExample, TriageModel, demo, train};
use libfuzzer_sys::fuzz_target;

static MODEL: LazyLock<TriageModel> = LazyLock::new(|| {
    let examples: Vec<TrainingExample> = demo::generate(7, 200)
        .into_iter()
        .map(TrainingExample::from)
        .collect();
    train(&examples, &TrainOptions::default(), &|_| {})
        .expect("the demo data trains")
        .0
});

// Built before the first input, so that no input is charged for it.
fuzz_target!(init: {
    LazyLock::force(&MODEL);
}, |data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let p = MODEL.predict(text);
    assert!(!p.urgent || p.needs_review, "an urgent message routed without review");
    assert!((0.0..=1.0).contains(&p.confidence), "confidence {}", p.confidence);
    let e = &p.explanation;
    let sum = e.bias
        + e.rest
        + e.supporting
            .iter()
            .chain(&e.opposing)
            .map(|t| t.contribution)
            .sum::<f64>();
    assert!(
        (sum - e.logit).abs() <= 1e-6 * e.logit.abs().max(1.0),
        "explanation adds up to {sum}, logit {}",
        e.logit
    );
});
