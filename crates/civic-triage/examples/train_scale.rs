//! Trains on a large synthetic set to measure training time and peak memory at scale.
//!
//! ```text
//! /usr/bin/time -v cargo run --release -p civic-triage --example train_scale -- 1000000 [EPOCHS]
//! ```
//! Messages are synthetic demo contacts joined to about 500 characters each.

use std::error::Error;
use std::time::Instant;

use civic_triage::{TrainOptions, TrainingExample, demo, train};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let n: usize = args
        .next()
        .ok_or("usage: train_scale N [EPOCHS]")?
        .parse()?;
    let epochs: u32 = args.next().map(|e| e.parse()).transpose()?.unwrap_or(10);
    let t0 = Instant::now();
    let mut examples = Vec::with_capacity(n);
    // Join short demo messages of the same team into one message of about 500 characters.
    let mut pending: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    let mut seed = 0;
    while examples.len() < n {
        seed += 1;
        for m in demo::generate(seed, 200_000) {
            let text = pending.entry(m.label.clone()).or_default();
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(&m.text);
            if text.len() >= 480 && examples.len() < n {
                let text = std::mem::take(text);
                examples.push(TrainingExample {
                    text,
                    label: m.label,
                    urgent: None,
                });
            }
        }
    }
    let bytes: usize = examples.iter().map(|e| e.text.len()).sum();
    eprintln!(
        "generated {n} messages, mean {} bytes, in {:.1} s",
        bytes / n.max(1),
        t0.elapsed().as_secs_f64()
    );
    let t1 = Instant::now();
    let opts = TrainOptions {
        epochs,
        ..TrainOptions::default()
    };
    let (_, report) = train(&examples, &opts, &|p| eprintln!("{p:?}"))?;
    eprintln!(
        "trained in {:.1} s: held-out accuracy {:.3}",
        t1.elapsed().as_secs_f64(),
        report.holdout.accuracy
    );
    Ok(())
}
