//! Redacts a plain-text file of any size in bounded memory, writing the
//! redacted text to standard output and a summary to standard error.
//!
//! ```text
//! cargo run --release -p civic-redact --example redact_stream -- big.txt > big.redacted.txt
//! ```

use std::io::{BufWriter, Write};

use civic_redact::{Analyzer, Operator, PseudonymTable, redact_text};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args().nth(1).ok_or("usage: redact_stream FILE")?;
    let file = std::fs::File::open(&path)?;
    let analyzer = Analyzer::default();
    let mut table = PseudonymTable::new();
    let mut out = BufWriter::new(std::io::stdout().lock());
    let (mut bytes, mut found) = (0usize, 0usize);
    let started = std::time::Instant::now();
    for chunk in analyzer.analyze_stream(file, 1 << 20) {
        let chunk = chunk?;
        let redacted = redact_text(&chunk.text, &chunk.detections, &Operator::Label, &mut table);
        out.write_all(redacted.text.as_bytes())?;
        bytes += chunk.text.len();
        found += chunk.detections.len();
    }
    out.flush()?;
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "redacted {found} values in {bytes} bytes in {secs:.2} s ({:.2} MB/s)",
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
