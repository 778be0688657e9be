//! Trains a civic-risk model on one CSV file and measures it on another, for side-by-side
//! comparison with LightGBM (see `bench/lightgbm_compare.py` and `docs/benchmarks/risk.md`).
//!
//! ```text
//! cargo run --release -p civic-risk --example compare -- \
//!     --train train.csv --test test.csv --label y [--protected a,b] [--exclude id] \
//!     [--holdout 0.2] [--seed 42] [--learning-rate 0.1] [--max-depth 5] [--max-trees 300] \
//!     [--min-leaf-weight 1] [--early-stopping 20]
//! cargo run --release -p civic-risk --example compare -- --synthetic 1000000 --features 30
//! cargo run --release -p civic-risk --example compare -- --score-claims 100000
//! ```
//!
//! Prints one JSON object: held-out ROC AUC on the test file, training seconds and scoring
//! throughput (rows per second, contributions for flagged rows).

use civic_core::rng::SplitMix64;
use civic_risk::{BoosterParams, Explain, Row, Table, TrainOptions, roc_auc, train};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Instant;

type Error = Box<dyn std::error::Error>;

fn read_csv(path: &str) -> Result<Table, Error> {
    let mut reader = csv::Reader::from_path(path)?;
    let columns: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record?;
        let cells = record
            .iter()
            .map(|c| (!c.is_empty()).then(|| c.to_string()))
            .collect();
        rows.push(Row::from_strings(i as u64 + 2, cells));
    }
    Ok(Table::new(columns, rows)?)
}

fn list(value: Option<&String>) -> Vec<String> {
    value.map_or_else(Vec::new, |v| {
        v.split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    })
}

/// A numeric table of `rows` × `features` with a nonlinear outcome, for the training-time
/// target.
fn synthetic(rows: usize, features: usize) -> Table {
    let mut rng = SplitMix64::new(1);
    let mut columns: Vec<String> = (0..features).map(|j| format!("x{j}")).collect();
    columns.push("y".into());
    let data = (0..rows)
        .map(|i| {
            let x: Vec<f64> = (0..features).map(|_| 4.0 * rng.unit() - 2.0).collect();
            let z = -2.5 + 0.8 * x[0] + x[1] * x[2] + if x[3] > 0.5 { 1.2 } else { 0.0 }
                - 0.5 * x[4] * x[4];
            let y = rng.chance(1.0 / (1.0 + (-z).exp()));
            let mut cells: Vec<Value> = x.into_iter().map(|v| json!(v)).collect();
            cells.push(json!(u8::from(y)));
            Row::new(i as u64 + 2, cells)
        })
        .collect();
    Table::new(columns, data).unwrap_or_default()
}

/// CPU seconds (user + system) used by this process so far, from `/proc/self/stat` (Linux;
/// the kernel counts in ticks of 1/100 s).
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_name = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Trains on 20,000 synthetic claims, then scores `rows` others ten times with
/// contributions for flagged rows, reporting wall-clock and CPU time. CPU time per row is
/// what the machine's load cannot inflate: on `threads` idle cores, throughput would be about
/// `threads / cpu_seconds_per_row`.
fn score_claims(rows: usize, threads: usize) -> Result<(), Error> {
    use civic_risk::demo::{CLAIM_ID, CLAIM_LABEL, CLAIM_PROTECTED, synthetic_claims};
    let mut options = TrainOptions::new(CLAIM_LABEL);
    options.protected_columns = CLAIM_PROTECTED.iter().map(|c| c.to_string()).collect();
    options.exclude_columns = vec![CLAIM_ID.to_string()];
    let (model, _) = train(&synthetic_claims(20_000, 2026), &options, &mut |_| {})?;
    let batch = synthetic_claims(rows, 7);
    let mut out = serde_json::Map::new();
    for (name, explain) in [
        ("none", Explain::None),
        ("flagged", Explain::Flagged),
        ("all", Explain::All),
    ] {
        let cpu_before = cpu_seconds().ok_or("cannot read /proc/self/stat")?;
        let started = Instant::now();
        let mut flagged = 0;
        for _ in 0..10 {
            flagged = model
                .score_batch(&batch, explain)?
                .iter()
                .filter(|s| s.flagged)
                .count();
        }
        let wall = started.elapsed().as_secs_f64();
        let cpu = cpu_seconds().ok_or("cannot read /proc/self/stat")? - cpu_before;
        let scored = 10.0 * rows as f64;
        out.insert(
            name.to_string(),
            json!({"rows_per_second_wall": scored / wall, "cpu_microseconds_per_row": cpu / scored * 1e6,
                   "rows_per_second_if_cores_idle": threads as f64 * scored / cpu, "flagged": flagged}),
        );
    }
    out.insert("threads".into(), json!(threads));
    out.insert("trees".into(), json!(model.metadata().trees));
    println!("{}", Value::Object(out));
    Ok(())
}

/// Booster flags override the settings for small tables (`BoosterParams::for_rows(0)`).
fn apply_booster_flags(
    flags: &HashMap<&str, &String>,
    options: &mut TrainOptions,
) -> Result<(), Error> {
    let names = [
        "learning-rate",
        "max-depth",
        "max-trees",
        "min-leaf-weight",
        "early-stopping",
    ];
    if !names.iter().any(|n| flags.contains_key(n)) {
        return Ok(());
    }
    let booster = options
        .booster
        .get_or_insert_with(|| BoosterParams::for_rows(0));
    if let Some(v) = flags.get("learning-rate") {
        booster.learning_rate = v.parse()?;
    }
    if let Some(v) = flags.get("max-depth") {
        booster.max_depth = v.parse()?;
    }
    if let Some(v) = flags.get("max-trees") {
        booster.max_trees = v.parse()?;
    }
    if let Some(v) = flags.get("min-leaf-weight") {
        booster.min_leaf_weight = v.parse()?;
    }
    if let Some(v) = flags.get("early-stopping") {
        booster.early_stopping_rounds = v.parse()?;
    }
    Ok(())
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut flags: HashMap<&str, &String> = HashMap::new();
    let mut i = 0;
    while i + 1 < args.len() {
        flags.insert(args[i].trim_start_matches("--"), &args[i + 1]);
        i += 2;
    }
    let threads = rayon::current_num_threads();
    if let Some(rows) = flags.get("score-claims") {
        return score_claims(rows.parse()?, threads);
    }
    if let Some(rows) = flags.get("synthetic") {
        let rows: usize = rows.parse()?;
        let features: usize = flags.get("features").map_or(Ok(30), |a| a.parse())?;
        let started = Instant::now();
        let table = synthetic(rows, features);
        let generated = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let mut stages = Vec::new();
        let mut options = TrainOptions::new("y");
        apply_booster_flags(&flags, &mut options)?;
        let (model, report) = train(&table, &options, &mut |stage| {
            stages.push(format!(
                "{stage:?} at {:.2} s",
                started.elapsed().as_secs_f64()
            ));
        })?;
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "{}",
            json!({"rows": rows, "features": features, "threads": threads, "generate_seconds": generated,
                   "train_seconds": seconds, "stages": stages, "trees": model.metadata().trees, "holdout_roc_auc": report.metrics.roc_auc})
        );
        return Ok(());
    }
    let train_path = flags.get("train").ok_or("--train is required")?;
    let test_path = flags.get("test").ok_or("--test is required")?;
    let label = flags.get("label").ok_or("--label is required")?;
    let mut options = TrainOptions::new(label.as_str());
    options.protected_columns = list(flags.get("protected").copied());
    options.exclude_columns = list(flags.get("exclude").copied());
    if let Some(h) = flags.get("holdout") {
        options.holdout = h.parse()?;
    }
    if let Some(s) = flags.get("seed") {
        options.seed = s.parse()?;
    }
    apply_booster_flags(&flags, &mut options)?;
    let train_table = read_csv(train_path)?;
    let test_table = read_csv(test_path)?;
    let started = Instant::now();
    let (model, report) = train(&train_table, &options, &mut |_| {})?;
    let train_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let scores = model.score_batch(&test_table, Explain::Flagged)?;
    let score_seconds = started.elapsed().as_secs_f64();
    let label_col = test_table
        .column_index(label)
        .ok_or("label column not in test file")?;
    let outcomes: Vec<bool> = test_table
        .rows()
        .iter()
        .map(|r| matches!(&r.cells[label_col], Value::String(s) if s == "1" || s.eq_ignore_ascii_case("true")))
        .collect();
    let risk: Vec<f64> = scores.iter().map(|s| s.risk_score).collect();
    println!(
        "{}",
        json!({
            "train_rows": train_table.len(), "test_rows": test_table.len(), "threads": threads,
            "trees": model.metadata().trees, "train_seconds": train_seconds,
            "test_roc_auc": roc_auc(&risk, &outcomes),
            "internal_holdout_roc_auc": report.metrics.roc_auc,
            "score_rows_per_second": test_table.len() as f64 / score_seconds,
        })
    );
    Ok(())
}
