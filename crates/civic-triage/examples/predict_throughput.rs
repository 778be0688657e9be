//! Single-thread prediction throughput on ~500-character messages: the full prediction as
//! the service returns it (probabilities, alternatives, safeguarding, explanation).
//!
//! Trains the same model as the criterion benchmark (5,000 demo messages, seed 1, default
//! options), then times `predict` over 1,000 messages of about 500 bytes, `ROUNDS` times,
//! and prints one JSON line: wall-clock and thread CPU time per round and the rate in
//! messages per second. Thread CPU time (from `/proc/thread-self/schedstat` on Linux) is
//! what the benchmark thread actually ran, so it is less disturbed by other work on a
//! shared machine than wall-clock time. It also times the model's text preparation alone
//! (`FeatureConfig::prepare`: masking personal data, if the model masks, and normalising),
//! in microseconds a message of wall clock (median round), and the triage service's
//! path (routing plus the safeguarding detector) with and without the model's own rules.
//!
//! Built from two versions of the code, it compares them side by side in one run:
//!
//! ```text
//! cargo build --release -p civic-triage --example predict_throughput
//! for i in 1 2 3; do
//!   taskset -c 1 ./predict_throughput.before 20
//!   taskset -c 1 target/release/examples/predict_throughput 20
//! done
//! ```

use std::hint::black_box;
use std::time::Instant;

use civic_triage::{TrainOptions, TrainingExample, demo, train};

#[path = "../benches/support/messages.rs"]
mod messages;

use messages::long_messages;

/// Nanoseconds this thread has spent on a CPU, if the kernel tells us.
fn thread_cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let rounds: usize = match std::env::args().nth(1) {
        Some(a) => a.parse()?,
        None => 20,
    };
    let examples: Vec<TrainingExample> = demo::generate(1, 5000)
        .into_iter()
        .map(TrainingExample::from)
        .collect();
    let (model, _) = train(&examples, &TrainOptions::default(), &|_| {})?;
    let messages = long_messages(1000);
    let mean_len = messages.iter().map(String::len).sum::<usize>() / messages.len();
    // A checksum of what was predicted, so two builds can be seen to agree.
    let mut labels = 0u64;
    let mut urgent = 0usize;
    for m in &messages {
        let p = model.predict(m);
        labels = labels.wrapping_mul(31).wrapping_add(p.label.len() as u64);
        urgent += usize::from(p.urgent);
    }
    let mut wall = Vec::with_capacity(rounds);
    let mut cpu = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let c0 = thread_cpu_ns();
        let t0 = Instant::now();
        for m in &messages {
            black_box(model.predict(black_box(m)));
        }
        wall.push(t0.elapsed().as_secs_f64());
        if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
            cpu.push((b - a) as f64 / 1e9);
        }
    }
    let per_s = |v: &[f64]| -> Vec<f64> {
        let mut r: Vec<f64> = v.iter().map(|s| messages.len() as f64 / s).collect();
        r.sort_by(f64::total_cmp);
        r
    };
    // The share of a prediction spent masking personal data: the model's text preparation
    // (masking, if the model masks, and normalisation) alone, timed the same way.
    let features = &model.metadata().features;
    let mut prepare = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t0 = Instant::now();
        for m in &messages {
            black_box(features.prepare(black_box(m)));
        }
        prepare.push(t0.elapsed().as_secs_f64());
    }
    // The triage service's path: the routing prediction and the safeguarding
    // detector, as it was (`predict`, whose embedded rules the service then
    // discards) and as it is (`route`, the detector alone deciding urgency),
    // alternating in the same run, in thread CPU time.
    let detector = civic_triage::safeguarding::Detector::shared_default()?;
    let (mut service_before, mut service_after) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        for (with_rules, times) in [(true, &mut service_before), (false, &mut service_after)] {
            let c0 = thread_cpu_ns();
            for m in &messages {
                let routed = if with_rules {
                    model.predict(black_box(m))
                } else {
                    model.route(black_box(m))
                };
                black_box((routed, detector.assess(black_box(m))));
            }
            if let (Some(a), Some(b)) = (c0, thread_cpu_ns()) {
                times.push((b - a) as f64 / 1e9);
            }
        }
    }
    let (sb, sa) = (per_s(&service_before), per_s(&service_after));
    let (w, c, p) = (per_s(&wall), per_s(&cpu), per_s(&prepare));
    let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(0.0);
    let best = |v: &[f64]| v.last().copied().unwrap_or(0.0);
    println!(
        "{}",
        serde_json::json!({
            "messages": messages.len(),
            "mean_bytes": mean_len,
            "rounds": rounds,
            "wall_msgs_per_s_median": median(&w).round(),
            "wall_msgs_per_s_best": best(&w).round(),
            "cpu_msgs_per_s_median": median(&c).round(),
            "cpu_msgs_per_s_best": best(&c).round(),
            "prepare_us_per_msg_median": (1e6 / median(&p)).round(),
            "service_predict_and_detector_cpu_msgs_per_s_median": median(&sb).round(),
            "service_route_and_detector_cpu_msgs_per_s_median": median(&sa).round(),
            "mask_personal_data": features.mask_personal_data,
            "label_checksum": labels,
            "urgent": urgent,
        })
    );
    Ok(())
}
