//! Reading speed: 100,000 short rows of CSV and of JSON Lines, streamed from
//! a file in a temporary directory. Criterion reports rows per second
//! (`thrpt`); multiply by 10 for the time to read a million rows.
//!
//! Run with `cargo bench -p civic-dataset --bench read`.

// A benchmark that cannot set up its data should stop at once.
#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::path::Path;

use civic_dataset::{ReadOptions, Reader};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const ROWS: u64 = 100_000;

/// Short council-contact-like rows: an id, a sentence with a comma (so CSV
/// quotes it), a label and a number.
fn write_files(dir: &Path) {
    let teams = ["waste", "housing", "council_tax", "highways", "parking"];
    let mut csv = String::from("id,text,label,amount\n");
    let mut jsonl = String::new();
    for i in 0..ROWS {
        let team = teams[(i % 5) as usize];
        let text = format!("message {i} about {team}, please call back");
        let amount = (i % 1000) as f64 / 4.0;
        let _ = writeln!(csv, "{i},\"{text}\",{team},{amount}");
        let _ = writeln!(
            jsonl,
            r#"{{"id": {i}, "text": "{text}", "label": "{team}", "amount": {amount}}}"#
        );
    }
    std::fs::write(dir.join("rows.csv"), csv).unwrap();
    std::fs::write(dir.join("rows.jsonl"), jsonl).unwrap();
}

/// Reads every record and touches two fields, as a trainer would.
fn read(path: &Path) -> usize {
    let reader = Reader::open(path, &ReadOptions::new()).unwrap();
    let mut total = 0;
    for record in reader {
        let record = record.unwrap();
        total += record.get_str("text").map_or(0, |t| t.len());
        total += record.get_str("label").map_or(0, |t| t.len());
    }
    total
}

fn bench_read(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path());
    let mut group = c.benchmark_group("read_100k_rows");
    group.throughput(Throughput::Elements(ROWS));
    group.sample_size(20);
    for name in ["rows.csv", "rows.jsonl"] {
        let path = dir.path().join(name);
        group.bench_function(name, |b| b.iter(|| read(&path)));
    }
    group.finish();
}

criterion_group!(benches, bench_read);
criterion_main!(benches);
