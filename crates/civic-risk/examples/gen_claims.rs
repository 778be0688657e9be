//! Writes the synthetic claims dataset as CSV.
//!
//! ```text
//! cargo run -p civic-risk --example gen_claims -- [ROWS] [SEED] > claims.csv
//! ```
//!
//! The data are synthetic: no real person or claim is behind any row.

use civic_risk::demo::synthetic_claims;
use serde_json::Value;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(Ok(20_000), |a| a.parse())?;
    let seed: u64 = args.next().map_or(Ok(2026), |a| a.parse())?;
    let table = synthetic_claims(rows, seed);
    let mut out = csv::Writer::from_writer(std::io::stdout().lock());
    out.write_record(table.columns())?;
    for row in table.rows() {
        out.write_record(row.cells.iter().map(|c| match c {
            Value::Null => String::new(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        }))?;
    }
    out.flush()?;
    Ok(())
}
