//! Integration tests of civic-triage's public API: one binary, one module per concern.

mod errors;
mod explain;
mod model_file;
mod personal_data;
mod quality;
mod reports;
mod safeguarding;

use std::sync::OnceLock;

use civic_triage::{
    FeatureConfig, TrainOptions, TrainReport, TrainingExample, TriageModel, demo, train,
};

/// Small enough to train in a second or two in a debug build; otherwise the routing
/// defaults (personal data masked, stopwords dropped).
pub fn options() -> TrainOptions {
    TrainOptions {
        features: FeatureConfig {
            buckets_log2: 16,
            ..FeatureConfig::routing()
        },
        ..TrainOptions::default()
    }
}

pub fn examples(seed: u64, n: usize) -> Vec<TrainingExample> {
    demo::generate(seed, n)
        .into_iter()
        .map(TrainingExample::from)
        .collect()
}

/// One model trained on 600 synthetic messages, shared by the tests that only read it.
pub fn fixture() -> &'static (TriageModel, TrainReport) {
    static MODEL: OnceLock<(TriageModel, TrainReport)> = OnceLock::new();
    MODEL.get_or_init(|| {
        train(&examples(11, 600), &options(), &|_| {}).expect("training the fixture model")
    })
}
