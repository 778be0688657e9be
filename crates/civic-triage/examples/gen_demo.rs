//! Writes the synthetic demo data set as CSV (columns `text,label,urgent`).
//!
//! ```text
//! cargo run -p civic-triage --example gen_demo -- [--seed N] [--n COUNT] [OUT.csv]
//! ```
//! Without OUT the CSV goes to standard output. The data is synthetic: see
//! `civic_triage::demo`.

use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut seed = 2025u64;
    let mut n = 6000usize;
    let mut out: Option<String> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--seed" => seed = args.next().ok_or("--seed needs a value")?.parse()?,
            "--n" => n = args.next().ok_or("--n needs a value")?.parse()?,
            other => out = Some(other.to_string()),
        }
    }
    let writer: Box<dyn std::io::Write> = match &out {
        Some(path) => Box::new(std::fs::File::create(path)?),
        None => Box::new(std::io::stdout()),
    };
    let mut csv = csv::Writer::from_writer(writer);
    csv.write_record(["text", "label", "urgent"])?;
    for m in civic_triage::demo::generate(seed, n) {
        csv.write_record([
            m.text.as_str(),
            m.label.as_str(),
            if m.urgent { "true" } else { "false" },
        ])?;
    }
    csv.flush()?;
    Ok(())
}
