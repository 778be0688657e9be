//! The integration tests of civic-ledger, in one binary (see STYLE.md).

// A failing unwrap is a failing test, with its location; helper functions
// outside `#[test]` functions are not covered by clippy's allow-unwrap-in-tests.
#![allow(clippy::unwrap_used)]

mod bundles;
mod checkpoints;
mod support;
mod tree_props;
mod vectors;
