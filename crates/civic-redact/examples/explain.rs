//! Prints each detection in a text with its evidence: a quick way to see
//! why something was (or was not) found.
//!
//! ```text
//! echo "NHS no 943 476 5919" | cargo run -p civic-redact --example explain
//! ```

use std::io::Read;

use civic_redact::Analyzer;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut text = String::new();
    std::io::stdin().read_to_string(&mut text)?;
    for d in Analyzer::default().analyze(&text) {
        println!(
            "{:<16} {:>5.2} {:?}  {}",
            d.label.as_str(),
            d.score,
            d.value(&text),
            serde_json::to_string(&d.evidence)?
        );
    }
    Ok(())
}
