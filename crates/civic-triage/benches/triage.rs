//! Criterion benchmarks: prediction throughput on ~500-character messages, model loading,
//! and training on 5,000 synthetic messages.
//!
//! ```text
//! cargo bench -p civic-triage --bench triage
//! ```

use std::hint::black_box;

use civic_triage::{FeatureConfig, TrainOptions, TrainingExample, TriageModel, demo, train};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

#[path = "support/messages.rs"]
mod messages;

use messages::long_messages;

fn examples(seed: u64, n: usize) -> Vec<TrainingExample> {
    demo::generate(seed, n)
        .into_iter()
        .map(TrainingExample::from)
        .collect()
}

fn trained(buckets_log2: u8) -> TriageModel {
    let options = TrainOptions {
        features: FeatureConfig {
            buckets_log2,
            ..FeatureConfig::routing()
        },
        ..TrainOptions::default()
    };
    match train(&examples(1, 5000), &options, &|_| {}) {
        Ok((m, _)) => m,
        Err(e) => panic!("training the benchmark model failed: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let model = trained(FeatureConfig::routing().buckets_log2);
    let small = trained(16);
    let messages = long_messages(1000);
    let mean_len = messages.iter().map(String::len).sum::<usize>() / messages.len();
    eprintln!("mean message length: {mean_len} bytes");

    let mut g = c.benchmark_group("predict");
    g.throughput(Throughput::Elements(messages.len() as u64));
    g.bench_function("predict_1000_messages_one_thread", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(model.predict(black_box(m)));
            }
        })
    });
    // The same with 2^16 buckets: the weight table drops from 4.2 MB to 1 MB (bytes, rows
    // padded to 16).
    g.bench_function("predict_1000_messages_one_thread_2^16_buckets", |b| {
        b.iter(|| {
            for m in &messages {
                black_box(small.predict(black_box(m)));
            }
        })
    });
    g.bench_function("predict_batch_1000_messages_rayon", |b| {
        b.iter(|| black_box(model.predict_batch(black_box(&messages))))
    });
    g.finish();

    let bytes = model.to_bytes();
    eprintln!("model file: {} bytes", bytes.len());
    let mut g = c.benchmark_group("model_file");
    g.bench_function("from_bytes", |b| {
        b.iter(|| black_box(TriageModel::from_bytes(black_box(&bytes))))
    });
    g.finish();

    let data = examples(2, 5000);
    let mut g = c.benchmark_group("train");
    g.sample_size(10);
    g.bench_function("train_5000_messages", |b| {
        b.iter(|| black_box(train(black_box(&data), &TrainOptions::default(), &|_| {})))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
