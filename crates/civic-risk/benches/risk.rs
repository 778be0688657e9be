//! Criterion benchmarks for civic-risk: scoring throughput with and without contributions,
//! and training on the demo data. Figures and commands are in `docs/benchmarks/risk.md`.
//!
//! ```text
//! RAYON_NUM_THREADS=2 cargo bench -p civic-risk --bench risk
//! ```

use civic_risk::demo::{CLAIM_ID, CLAIM_LABEL, CLAIM_PROTECTED, synthetic_claims};
use civic_risk::{Explain, TrainOptions, train};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

fn options() -> TrainOptions {
    let mut options = TrainOptions::new(CLAIM_LABEL);
    options.protected_columns = CLAIM_PROTECTED.iter().map(|c| c.to_string()).collect();
    options.exclude_columns = vec![CLAIM_ID.to_string()];
    options
}

fn scoring(c: &mut Criterion) {
    let (model, _) = train(&synthetic_claims(20_000, 2026), &options(), &mut |_| {})
        .unwrap_or_else(|e| panic!("training the benchmark model failed: {e}"));
    let batch = synthetic_claims(100_000, 7);
    let mut group = c.benchmark_group("score_100k_claims");
    group.sample_size(10);
    group.throughput(Throughput::Elements(batch.len() as u64));
    for (name, explain) in [
        ("no_contributions", Explain::None),
        ("contributions_for_flagged", Explain::Flagged),
        ("contributions_for_all", Explain::All),
    ] {
        group.bench_with_input(
            BenchmarkId::from_parameter(name),
            &explain,
            |b, &explain| b.iter(|| black_box(model.score_batch(&batch, explain))),
        );
    }
    group.finish();
}

fn training(c: &mut Criterion) {
    let table = synthetic_claims(20_000, 2026);
    let mut group = c.benchmark_group("train");
    group.sample_size(10);
    group.throughput(Throughput::Elements(table.len() as u64));
    group.bench_function("claims_20k", |b| {
        b.iter(|| black_box(train(&table, &options(), &mut |_| {})))
    });
    group.finish();
}

criterion_group!(benches, scoring, training);
criterion_main!(benches);
