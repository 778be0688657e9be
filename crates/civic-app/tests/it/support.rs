//! What the use-case tests share: an instance's configuration on a fresh
//! data directory, and a decision another system records.

use std::path::Path;

use civic_app::{Config, Overrides};
use civic_core::{DecisionStatus, Digest, ModelRef, NewDecision, Principal, Service};
use serde_json::{Value, json};

/// The configuration of an instance at `data_dir`, with no quality sampling
/// (so that what is queued depends only on what the test records).
pub fn config(data_dir: &Path) -> Config {
    Config::load(Overrides {
        data_dir: Some(data_dir.to_owned()),
        quality_sample_rate: Some(0.0),
        ..Overrides::default()
    })
    .expect("config")
}

/// An eligibility decision recorded by another system, from the command
/// line; `input` is kept with it when `keep_input`, else only its digest.
pub fn decision(input: Value, keep_input: bool) -> NewDecision {
    NewDecision {
        service: Service::parse("eligibility").expect("service"),
        model: ModelRef {
            name: "fsm-rules".into(),
            version: "1".into(),
        },
        input_digest: Digest::of_json(&input),
        input: keep_input.then_some(input),
        output: json!({ "eligible": true }),
        explanation: json!({}),
        confidence: None,
        status: DecisionStatus::Auto,
        queue: civic_core::QueueFacts::default(),
        requested_by: Principal::Unqualified(uuid::Uuid::nil()),
        reference: None,
    }
}
