//! Training and evaluation reports: JSON via serde, a terminal table via `Display`.

use std::collections::BTreeMap;
use std::fmt;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::metrics::{Metrics, UrgentMetrics};
use crate::model::{ModelMetadata, TriageModel};
use crate::train::TrainingExample;

/// What training did and how the model scored on held-out data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainReport {
    /// The model's metadata (also stored in the model file).
    pub metadata: ModelMetadata,
    /// Examples with text, used for training or held out.
    pub examples_used: usize,
    /// Examples skipped because their text was empty or whitespace.
    pub skipped_empty: usize,
    /// Examples per label, sorted by label.
    pub label_counts: Vec<LabelCount>,
    /// Things the caller should know (rare labels, unreachable target precision…).
    pub warnings: Vec<String>,
    /// Mean training loss after each epoch.
    pub epoch_losses: Vec<f64>,
    /// Metrics on the held-out part, with calibrated probabilities.
    pub holdout: Metrics,
    /// Wall-clock training time (not stored in the model).
    pub training_seconds: f64,
}

/// How many usable training examples a label had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelCount {
    /// The label (team).
    pub label: String,
    /// Its examples with non-empty text.
    pub count: usize,
}

/// How a model scored on a labelled data set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvalReport {
    /// Messages skipped because their text was empty or whitespace.
    pub skipped_empty: usize,
    /// Labels in the data that the model does not know (all their messages count as errors).
    pub unknown_labels: Vec<String>,
    /// The metrics.
    pub metrics: Metrics,
}

/// Evaluates `model` on labelled examples: the same metrics as training reports, at the
/// model's own threshold and temperature. Predictions run in parallel.
pub fn evaluate(model: &TriageModel, examples: &[TrainingExample]) -> EvalReport {
    let usable: Vec<&TrainingExample> = examples
        .iter()
        .filter(|e| !e.text.trim().is_empty())
        .collect();
    let mut labels = model.labels().to_vec();
    let mut index: BTreeMap<String, usize> = labels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.clone(), i))
        .collect();
    let mut unknown_labels = Vec::new();
    let truth: Vec<usize> = usable
        .iter()
        .map(|e| match index.get(&e.label) {
            Some(&i) => i,
            None => {
                let i = labels.len();
                labels.push(e.label.clone());
                unknown_labels.push(e.label.clone());
                index.insert(e.label.clone(), i);
                i
            }
        })
        .collect();
    let predictions: Vec<(usize, f64, bool)> = usable
        .par_iter()
        .map(|e| {
            let p = model.predict(&e.text);
            let k = model
                .labels()
                .iter()
                .position(|l| *l == p.label)
                .unwrap_or(0);
            (k, p.confidence, p.urgent)
        })
        .collect();
    let predicted: Vec<usize> = predictions.iter().map(|p| p.0).collect();
    let confidence: Vec<f64> = predictions.iter().map(|p| p.1).collect();
    let routed: Vec<bool> = predictions
        .iter()
        .map(|p| p.1 >= model.review_threshold() && !p.2)
        .collect();
    let mut metrics = Metrics::compute(
        &labels,
        &truth,
        &predicted,
        &confidence,
        model.review_threshold(),
        &routed,
    );
    metrics.urgent = UrgentMetrics::compute(
        usable
            .iter()
            .map(|e| e.urgent)
            .zip(predictions.iter().map(|p| p.2)),
    );
    EvalReport {
        skipped_empty: examples.len() - usable.len(),
        unknown_labels,
        metrics,
    }
}

fn write_metrics(f: &mut fmt::Formatter<'_>, m: &Metrics) -> fmt::Result {
    writeln!(f, "  messages          {}", m.examples)?;
    writeln!(f, "  accuracy          {:.3}", m.accuracy)?;
    writeln!(f, "  macro-F1          {:.3}", m.macro_f1)?;
    writeln!(f, "  calibration (ECE) {:.3}", m.ece)?;
    writeln!(f, "  review threshold  {:.3}", m.threshold)?;
    writeln!(
        f,
        "  auto-routed       {:.1}% (precision {:.3}); the rest go to review",
        100.0 * m.coverage,
        m.precision_at_threshold
    )?;
    if let Some(u) = &m.urgent {
        writeln!(
            f,
            "  safeguarding      {} labelled: recall {:.3}, precision {:.3} ({} missed, {} false alarms)",
            u.labelled, u.recall, u.precision, u.false_negatives, u.false_positives
        )?;
    }
    let width = m
        .per_class
        .iter()
        .map(|c| c.label.chars().count())
        .max()
        .unwrap_or(5)
        .max(5);
    writeln!(f)?;
    writeln!(f, "  {:<width$}  precision  recall     F1  support", "team")?;
    for c in &m.per_class {
        writeln!(
            f,
            "  {:<width$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
            c.label, c.precision, c.recall, c.f1, c.support
        )?;
    }
    writeln!(f)?;
    writeln!(
        f,
        "  confusion matrix (rows: true team, columns: predicted, in the order above)"
    )?;
    for (label, row) in m.confusion.labels.iter().zip(&m.confusion.counts) {
        write!(f, "  {label:<width$} ")?;
        for n in row {
            write!(f, "{n:>5}")?;
        }
        writeln!(f)?;
    }
    Ok(())
}

impl fmt::Display for TrainReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let md = &self.metadata;
        writeln!(f, "Triage model trained in {:.1} s", self.training_seconds)?;
        writeln!(
            f,
            "  examples          {} used ({} fitted, {} held out), {} empty skipped",
            self.examples_used, md.train_examples, md.holdout_examples, self.skipped_empty
        )?;
        writeln!(f, "  teams             {}", self.label_counts.len())?;
        writeln!(
            f,
            "  calibration       temperature {:.3}; ECE {:.3} before, {:.3} after",
            md.temperature, md.ece_before, md.ece_after
        )?;
        writeln!(
            f,
            "  target precision  {:.2} (reached: {})",
            md.target_precision,
            if md.threshold.reached { "yes" } else { "no" }
        )?;
        writeln!(f)?;
        writeln!(f, "Held-out results")?;
        write_metrics(f, &self.holdout)?;
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

impl fmt::Display for EvalReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Evaluation ({} empty messages skipped)",
            self.skipped_empty
        )?;
        write_metrics(f, &self.metrics)?;
        if !self.unknown_labels.is_empty() {
            writeln!(
                f,
                "warning: labels unknown to the model: {}",
                self.unknown_labels.join(", ")
            )?;
        }
        Ok(())
    }
}
