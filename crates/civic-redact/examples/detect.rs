//! The JSONL interface of `civic redact detect`, for evaluation.
//!
//! Reads lines `{"id": …, "text": "…"}` from a file (or standard input with
//! `-`) and writes lines `{"id": …, "spans": [{"start", "end", "label",
//! "score"}]}` with offsets in Unicode code points.
//!
//! ```text
//! cargo run --release -p civic-redact --example detect -- input.jsonl > output.jsonl
//! ```

use std::io::{BufRead, BufReader, BufWriter, Write};

use civic_redact::{Analyzer, char_offsets};

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::thread_cpu_time;
use serde::{Deserialize, Serialize};

/// Documents parsed and analysed together: the CPU time is read once per
/// batch. Small enough that memory stays that of a few documents.
const BATCH: usize = 256;

#[derive(Deserialize)]
struct Input {
    id: serde_json::Value,
    text: String,
}

#[derive(Serialize)]
struct Span {
    start: usize,
    end: usize,
    label: &'static str,
    score: f32,
}

#[derive(Serialize)]
struct Output {
    id: serde_json::Value,
    spans: Vec<Span>,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).unwrap_or_else(|| "-".to_owned());
    let reader: Box<dyn BufRead> = if path == "-" {
        Box::new(BufReader::new(std::io::stdin()))
    } else {
        Box::new(BufReader::new(std::fs::File::open(&path)?))
    };
    let built = std::time::Instant::now();
    let analyzer = Analyzer::default();
    eprintln!(
        "civic: analyzer built in {:.3} s",
        built.elapsed().as_secs_f64()
    );
    let mut out = BufWriter::new(std::io::stdout().lock());
    // Time the analysis alone (not reading, parsing or writing), for the
    // benchmark. Documents are parsed a batch at a time and the batch's
    // analysis is timed as one interval: reading the CPU time is a system
    // call of a few microseconds, as long as analysing a short document, so
    // reading it around every document would mostly measure the reading.
    let (mut busy, mut bytes, mut docs) = (std::time::Duration::ZERO, 0usize, 0usize);
    let mut cpu = Some(std::time::Duration::ZERO);
    let mut batch: Vec<Input> = Vec::with_capacity(BATCH);
    let mut found = Vec::with_capacity(BATCH);
    let mut lines = reader.lines().enumerate().peekable();
    while lines.peek().is_some() {
        batch.clear();
        for (n, line) in lines.by_ref() {
            let line = line?;
            if line.trim().is_empty() {
                continue;
            }
            let input: Input =
                serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
            batch.push(input);
            if batch.len() == BATCH {
                break;
            }
        }
        // Read CPU time outside the wall-clock interval: each read is a system call.
        let cpu_started = thread_cpu_time();
        let started = std::time::Instant::now();
        found.clear();
        found.extend(batch.iter().map(|input| {
            let detections = analyzer.analyze(&input.text);
            let offsets = char_offsets(&input.text, &detections);
            (detections, offsets)
        }));
        busy += started.elapsed();
        cpu = cpu
            .zip(cpu_started.zip(thread_cpu_time()))
            .map(|(sum, (a, b))| sum + b.saturating_sub(a));
        for (input, (detections, offsets)) in batch.drain(..).zip(found.drain(..)) {
            bytes += input.text.len();
            docs += 1;
            let spans = detections
                .iter()
                .zip(offsets)
                .map(|(d, (start, end))| Span {
                    start,
                    end,
                    label: d.label.as_str(),
                    score: d.score,
                })
                .collect();
            serde_json::to_writer(
                &mut out,
                &Output {
                    id: input.id,
                    spans,
                },
            )?;
            out.write_all(b"\n")?;
        }
    }
    out.flush()?;
    let secs = busy.as_secs_f64();
    eprintln!(
        "civic: {docs} documents, {bytes} bytes analysed in {secs:.3} s ({:.2} MB/s, {:.0} documents/s)",
        bytes as f64 / 1e6 / secs.max(1e-9),
        docs as f64 / secs.max(1e-9)
    );
    if let Some(cpu) = cpu {
        let cpu = cpu.as_secs_f64();
        eprintln!(
            "civic: analysis CPU time {cpu:.3} s ({:.2} MB/s per core of CPU time)",
            bytes as f64 / 1e6 / cpu.max(1e-9)
        );
    }
    Ok(())
}
