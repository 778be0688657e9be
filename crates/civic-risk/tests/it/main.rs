//! Integration tests for civic-risk: one binary, one module per concern.

// Helpers shared by the tests panic on purpose: a failure there is a test failure.
#![allow(clippy::unwrap_used)]

mod bad_input;
mod fairlearn;
mod training;

use civic_risk::demo::{CLAIM_ID, CLAIM_LABEL, CLAIM_PROTECTED, synthetic_claims};
use civic_risk::{RiskModel, Table, TrainOptions, TrainReport, train};
use std::sync::OnceLock;

/// Options for the demo claims table.
pub fn claim_options() -> TrainOptions {
    let mut options = TrainOptions::new(CLAIM_LABEL);
    options.protected_columns = CLAIM_PROTECTED.iter().map(|c| c.to_string()).collect();
    options.exclude_columns = vec![CLAIM_ID.to_string()];
    options
}

/// A small demo table.
pub fn claims() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| synthetic_claims(4000, 11))
}

/// A model trained once on [`claims`] and shared by the tests.
pub fn trained() -> &'static (RiskModel, TrainReport) {
    static MODEL: OnceLock<(RiskModel, TrainReport)> = OnceLock::new();
    MODEL.get_or_init(|| train(claims(), &claim_options(), &mut |_| {}).expect("demo data trains"))
}
