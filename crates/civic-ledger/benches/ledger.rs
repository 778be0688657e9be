//! Ledger throughput: leaf hashing plus frontier appends (the writer's and
//! `civic audit verify`'s inner loop), and inclusion proofs at one million
//! entries. Run with `cargo bench -p civic-ledger --bench ledger`.

// Setup failures in a benchmark should stop it loudly.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;
use std::time::Duration;

use civic_ledger::{
    Frontier, Hash, inclusion_proof, inclusion_proof_indexes, leaf_hash, verify_inclusion,
};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// A typical canonical-JSON ledger entry is a few hundred bytes.
fn entry(i: u64) -> Vec<u8> {
    format!(
        "{{\"kind\":\"decision\",\"id\":\"0192f6c1-7a3e-7cc0-8f00-{i:012x}\",\"service\":\"triage\",\"model\":\"triage-linear\",\"model_version\":\"1.0.0\",\"input_sha256\":\"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\"status\":\"auto\",\"confidence\":0.93}}"
    )
    .into_bytes()
}

fn append_throughput(c: &mut Criterion) {
    const N: u64 = 10_000;
    let entries: Vec<Vec<u8>> = (0..N).map(entry).collect();
    let mut group = c.benchmark_group("append");
    group.throughput(Throughput::Elements(N));
    group.bench_function("leaf_hash+frontier_append/10k", |b| {
        b.iter(|| {
            let mut frontier = Frontier::new();
            for e in &entries {
                black_box(frontier.append(leaf_hash(e)));
            }
            frontier.root()
        });
    });
    group.finish();
}

fn inclusion_at_one_million(c: &mut Criterion) {
    const SIZE: u64 = 1_000_000;
    let mut frontier = Frontier::new();
    let mut stored: Vec<Hash> = Vec::with_capacity(2 * SIZE as usize);
    for i in 0..SIZE {
        stored.extend(frontier.append(leaf_hash(&i.to_be_bytes())));
    }
    let root = frontier.root();
    let index: u64 = 765_432;
    let leaf = leaf_hash(&index.to_be_bytes());
    let fetch = |idx: &[u64]| idx.iter().map(|&i| stored[i as usize]).collect::<Vec<_>>();
    let proof = inclusion_proof(
        index,
        SIZE,
        &fetch(&inclusion_proof_indexes(index, SIZE).unwrap()),
    )
    .unwrap();

    let mut group = c.benchmark_group("inclusion/1M");
    group.bench_function("verify_inclusion", |b| {
        b.iter(|| verify_inclusion(black_box(&leaf), index, SIZE, black_box(&proof), &root))
    });
    group.bench_function("indexes+prove (hashes in memory)", |b| {
        b.iter(|| {
            let idx = inclusion_proof_indexes(black_box(index), SIZE).unwrap();
            inclusion_proof(index, SIZE, &fetch(&idx)).unwrap()
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = append_throughput, inclusion_at_one_million
}
criterion_main!(benches);
