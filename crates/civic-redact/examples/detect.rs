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
    // Time the analysis alone (not reading or writing), for the benchmark.
    let (mut busy, mut bytes, mut docs) = (std::time::Duration::ZERO, 0usize, 0usize);
    let mut cpu = Some(std::time::Duration::ZERO);
    for (n, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let input: Input =
            serde_json::from_str(&line).map_err(|e| format!("line {}: {e}", n + 1))?;
        // Read CPU time outside the wall-clock interval: each read is a system call.
        let cpu_started = thread_cpu_time();
        let started = std::time::Instant::now();
        let found = analyzer.analyze(&input.text);
        let offsets = char_offsets(&input.text, &found);
        busy += started.elapsed();
        cpu = cpu
            .zip(cpu_started.zip(thread_cpu_time()))
            .map(|(sum, (a, b))| sum + b.saturating_sub(a));
        bytes += input.text.len();
        docs += 1;
        let spans = found
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
