//! Trains and evaluates the Civic classifier on given train/test CSV files (columns `text`
//! and `label`, optionally `urgent`), for side-by-side comparison with the Python baselines
//! in `crates/civic-triage/bench/`. Prints one JSON line of results.
//!
//! ```text
//! cargo run --release -p civic-triage --example bench_compare -- TRAIN.csv TEST.csv \
//!     [--name NAME] [--buckets-log2 18] [--char MIN MAX] [--no-bigrams] [--epochs 10] \
//!     [--lr 0.3] [--l2 1e-5] [--holdout 0.2] [--seed 42] [--save MODEL] \
//!     [--raw-words] [--keep-personal-data] [--keep-stopwords]
//! ```
//!
//! By default personal data is masked and stopwords dropped, as in `TrainOptions::default()`;
//! `--raw-words` turns both off (the features of models trained before masking).

use std::error::Error;
use std::time::Instant;

use civic_triage::{FeatureConfig, TrainOptions, TrainingExample, TriageModel, evaluate, train};

fn read(path: &str) -> Result<Vec<TrainingExample>, Box<dyn Error>> {
    let mut r = csv::Reader::from_path(path)?;
    let headers = r.headers()?.clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let text = col("text").ok_or("no `text` column")?;
    let label = col("label").ok_or("no `label` column")?;
    let urgent = col("urgent");
    let mut out = Vec::new();
    for row in r.records() {
        let row = row?;
        out.push(TrainingExample {
            text: row.get(text).unwrap_or("").to_string(),
            label: row.get(label).unwrap_or("").to_string(),
            urgent: urgent
                .and_then(|u| row.get(u))
                .map(|v| v == "true" || v == "1"),
        });
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (train_path, test_path) = match (args.first(), args.get(1)) {
        (Some(a), Some(b)) => (a.clone(), b.clone()),
        _ => return Err("usage: bench_compare TRAIN.csv TEST.csv [options]".into()),
    };
    let mut options = TrainOptions::default();
    let mut features = FeatureConfig::routing();
    let mut name = String::from("civic");
    let mut save: Option<String> = None;
    let mut i = 2;
    let value = |i: usize| args.get(i).cloned().ok_or("missing option value");
    while i < args.len() {
        match args[i].as_str() {
            "--name" => {
                name = value(i + 1)?;
                i += 1;
            }
            "--buckets-log2" => {
                features.buckets_log2 = value(i + 1)?.parse()?;
                i += 1;
            }
            "--char" => {
                features.char_ngram_min = value(i + 1)?.parse()?;
                features.char_ngram_max = value(i + 2)?.parse()?;
                i += 2;
            }
            "--no-bigrams" => features.word_bigrams = false,
            "--raw-words" => {
                features.mask_personal_data = false;
                features.drop_stopwords = false;
            }
            "--keep-personal-data" => features.mask_personal_data = false,
            "--keep-stopwords" => features.drop_stopwords = false,
            "--epochs" => {
                options.epochs = value(i + 1)?.parse()?;
                i += 1;
            }
            "--lr" => {
                options.learning_rate = value(i + 1)?.parse()?;
                i += 1;
            }
            "--l2" => {
                options.l2 = value(i + 1)?.parse()?;
                i += 1;
            }
            "--holdout" => {
                options.holdout = value(i + 1)?.parse()?;
                i += 1;
            }
            "--seed" => {
                options.seed = value(i + 1)?.parse()?;
                i += 1;
            }
            "--save" => {
                save = Some(value(i + 1)?);
                i += 1;
            }
            other => return Err(format!("unknown option {other}").into()),
        }
        i += 1;
    }
    options.features = features;
    let train_set = read(&train_path)?;
    let test_set = read(&test_path)?;
    let t0 = Instant::now();
    let (model, report) = train(&train_set, &options, &|_| {})?;
    let train_s = t0.elapsed().as_secs_f64();
    let texts: Vec<&str> = test_set.iter().map(|e| e.text.as_str()).collect();
    let t1 = Instant::now();
    let _ = model.predict_batch(&texts);
    let predict_s = t1.elapsed().as_secs_f64();
    let eval = evaluate(&model, &test_set);
    let bytes = model.to_bytes();
    let t2 = Instant::now();
    let _ = TriageModel::from_bytes(&bytes)?;
    let load_s = t2.elapsed().as_secs_f64();
    if let Some(path) = save {
        std::fs::write(path, &bytes)?;
    }
    let m = &eval.metrics;
    println!(
        "{}",
        serde_json::json!({
            "system": name,
            "train_examples": train_set.len(),
            "test_examples": test_set.len(),
            "accuracy": m.accuracy,
            "macro_f1": m.macro_f1,
            "ece": m.ece,
            "ece_holdout_before": report.metadata.ece_before,
            "ece_holdout_after": report.metadata.ece_after,
            "threshold": m.threshold,
            "coverage": m.coverage,
            "precision_at_threshold": m.precision_at_threshold,
            "train_seconds": train_s,
            "predict_seconds": predict_s,
            "load_seconds": load_s,
            "model_bytes": bytes.len(),
        })
    );
    Ok(())
}
