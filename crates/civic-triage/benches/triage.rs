//! Criterion benchmarks: prediction throughput on ~500-character messages, model loading,
//! and training on 5,000 synthetic messages.
//!
//! ```text
//! cargo bench -p civic-triage --bench triage
//! ```

use std::hint::black_box;

use civic_triage::{FeatureConfig, TrainOptions, TrainingExample, TriageModel, demo, train};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn examples(seed: u64, n: usize) -> Vec<TrainingExample> {
    demo::generate(seed, n)
        .into_iter()
        .map(TrainingExample::from)
        .collect()
}

/// Messages of about 500 characters: demo messages joined until long enough.
fn long_messages(n: usize) -> Vec<String> {
    let mut parts = demo::generate(77, n * 4).into_iter().map(|m| m.text);
    (0..n)
        .map(|_| {
            let mut s = String::new();
            while s.len() < 480 {
                match parts.next() {
                    Some(p) => {
                        s.push(' ');
                        s.push_str(&p);
                    }
                    None => break,
                }
            }
            let mut end = s.len().min(520);
            while !s.is_char_boundary(end) {
                end -= 1;
            }
            s.truncate(end);
            s
        })
        .collect()
}

fn trained(buckets_log2: u8) -> TriageModel {
    let options = TrainOptions {
        features: FeatureConfig {
            buckets_log2,
            ..FeatureConfig::default()
        },
        ..TrainOptions::default()
    };
    match train(&examples(1, 5000), &options, &|_| {}) {
        Ok((m, _)) => m,
        Err(e) => panic!("training the benchmark model failed: {e}"),
    }
}

fn bench(c: &mut Criterion) {
    let model = trained(FeatureConfig::default().buckets_log2);
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
    // The same with 2^16 buckets: the weight table drops from 12.6 MB to 3.1 MB.
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
