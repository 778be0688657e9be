//! The triage use cases: train a model from a data file and register it, and
//! route one message, recording the suggestion as a decision in the ledger.

use std::path::PathBuf;
use std::sync::Arc;

use civic_core::{
    Decision, DecisionStatus, Digest, ModelRef, NewDecision, Principal, QueueFacts, Service,
};
use civic_dataset::{ReadOptions, Reader, RowProblem};
use civic_store::{ModelVersion, NewModel};
use civic_triage::safeguarding::Level;
use civic_triage::{
    Alternative, Prediction, Progress, ReviewReason, TrainOptions, TrainReport, TrainingExample,
    TriageModel,
};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{App, AppError};

/// The service name triage decisions are recorded under.
pub const SERVICE: &str = "triage";

/// The model name used when a request does not name one.
pub const DEFAULT_MODEL: &str = "council-triage";

/// The longest message accepted, in characters.
pub const MAX_TEXT_CHARS: usize = 100_000;

/// What a triage decision's output holds, in the store and (as its digest
/// and canonical form) in the ledger: the suggestion and the safeguarding
/// findings, never a word of the message. Fields keep the order and names
/// of every output recorded so far, so stored outputs and ledger entries
/// are unchanged (a test holds it to the JSON written before this type).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TriageOutput {
    /// The suggested team.
    pub team: String,
    /// The top teams with their probabilities, the suggestion first.
    pub alternatives: Vec<Alternative>,
    /// Whether the safeguarding detector raised an alert.
    pub urgent: bool,
    /// The safeguarding findings: level, score and categories.
    pub safeguarding: crate::safeguarding::SafeguardingOutput,
    /// Why a person must look, if one must.
    pub review_reasons: Vec<ReviewReason>,
}

impl TriageOutput {
    fn to_value(&self) -> Result<Value, AppError> {
        serde_json::to_value(self).map_err(|e| AppError::Internal(format!("triage output: {e}")))
    }
}

/// Where labelled examples come from.
#[derive(Debug, Clone)]
pub struct ExampleSource<'a> {
    /// A CSV or JSON Lines file.
    pub data: &'a std::path::Path,
    /// The column holding the message text.
    pub text_column: &'a str,
    /// The column holding the team.
    pub label_column: &'a str,
    /// An optional column saying whether the message was urgent.
    pub urgent_column: Option<&'a str>,
    /// Stop at the first malformed row instead of skipping and reporting it.
    pub strict: bool,
}

impl TrainRequest {
    fn source(&self) -> ExampleSource<'_> {
        ExampleSource {
            data: &self.data,
            text_column: &self.text_column,
            label_column: &self.label_column,
            urgent_column: self.urgent_column.as_deref(),
            strict: self.strict,
        }
    }
}

/// What to train on.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// A CSV or JSON Lines file.
    pub data: PathBuf,
    /// The column holding the message text.
    pub text_column: String,
    /// The column holding the team.
    pub label_column: String,
    /// An optional column saying whether the message was urgent.
    pub urgent_column: Option<String>,
    /// The model's name in the registry.
    pub name: String,
    /// Share of the data held out for calibration and the review threshold.
    pub holdout: f64,
    /// The random seed.
    pub seed: u64,
    /// Stop at the first malformed row instead of skipping and reporting it.
    pub strict: bool,
    /// Also learn from reviewers' corrections: every override of a triage
    /// decision whose message is still retained becomes an example labelled
    /// with the team the reviewer chose.
    pub include_overrides: bool,
}

/// The outcome of training.
#[derive(Debug)]
pub struct Trained {
    /// The registered (and activated) version.
    pub version: ModelVersion,
    /// The training report.
    pub report: TrainReport,
    /// Rows that were skipped, with their line numbers.
    pub problems: Vec<RowProblem>,
    /// What reviewers' corrections added, when they were asked for.
    pub corrections: Option<CorrectionsUsed>,
}

/// How many reviewers' corrections became training examples.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CorrectionsUsed {
    /// Corrections added as examples.
    pub added: usize,
    /// Corrections skipped because the message is no longer retained (only
    /// its digest is in the ledger).
    pub input_not_retained: usize,
    /// Corrections skipped because they name no team or the kept input has
    /// no text (e.g. recorded through the decisions API in another shape).
    pub unusable: usize,
}

/// Turns overrides of triage decisions into training examples, counting
/// what could not be used. A decision overridden more than once counts
/// once, with its latest correction.
pub fn correction_examples(
    corrections: &[civic_store::Correction],
) -> (Vec<TrainingExample>, CorrectionsUsed) {
    let mut latest: Vec<&civic_store::Correction> = Vec::new();
    for c in corrections.iter().rev() {
        if !latest.iter().any(|l| l.decision_id == c.decision_id) {
            latest.push(c);
        }
    }
    latest.reverse();
    let mut used = CorrectionsUsed::default();
    let mut examples = Vec::new();
    for c in latest {
        let Some(input) = &c.input else {
            used.input_not_retained += 1;
            continue;
        };
        let text = input.get("text").and_then(serde_json::Value::as_str);
        let team = civic_core::QueueFacts::stated_in(&c.output).team;
        match (text, team.as_deref()) {
            (Some(text), Some(team)) if !team.trim().is_empty() => {
                used.added += 1;
                examples.push(TrainingExample {
                    text: text.to_owned(),
                    label: team.trim().to_owned(),
                    urgent: None,
                });
            }
            _ => used.unusable += 1,
        }
    }
    (examples, used)
}

/// A triage model with the registry record it came from.
pub type Loaded = crate::models::Loaded<TriageModel>;

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "y" | "t" => Some(true),
        "0" | "false" | "no" | "n" | "f" | "" => Some(false),
        _ => None,
    }
}

/// Reads the training examples from a file, with line-numbered problems.
pub fn read_examples(
    req: &ExampleSource<'_>,
) -> Result<(Vec<TrainingExample>, Vec<RowProblem>), AppError> {
    let mut reader = Reader::open(req.data, &ReadOptions::new().strict(req.strict))?;
    let mut required = vec![req.text_column, req.label_column];
    if let Some(u) = req.urgent_column {
        required.push(u);
    }
    reader.require_columns(&required)?;
    let mut examples = Vec::new();
    let mut problems = Vec::new();
    for record in reader.by_ref() {
        let record = record?;
        let line = record.line();
        let Some(label) = record.get_str(req.label_column) else {
            let problem = RowProblem {
                line,
                message: format!("the {} column is empty", req.label_column),
            };
            if req.strict {
                return Err(AppError::Invalid {
                    field: "data",
                    message: format!("{}: line {line}: {}", req.data.display(), problem.message),
                });
            }
            problems.push(problem);
            continue;
        };
        let text = record
            .get_str(req.text_column)
            .map(|t| t.into_owned())
            .unwrap_or_default();
        let urgent = match req.urgent_column {
            Some(col) => {
                let raw = record
                    .get_str(col)
                    .map(|v| v.into_owned())
                    .unwrap_or_default();
                match parse_bool(&raw) {
                    Some(b) => Some(b),
                    None => {
                        let message = format!("{col} is {raw:?}, not true/false");
                        if req.strict {
                            return Err(AppError::Invalid {
                                field: "data",
                                message: format!("{}: line {line}: {message}", req.data.display()),
                            });
                        }
                        problems.push(RowProblem { line, message });
                        None
                    }
                }
            }
            None => None,
        };
        examples.push(TrainingExample {
            text,
            label: label.trim().to_owned(),
            urgent,
        });
    }
    problems.extend(reader.problems().iter().cloned());
    problems.sort_by_key(|p| p.line);
    Ok((examples, problems))
}

impl App {
    /// Trains a triage model on a data file, registers it and makes it active.
    pub async fn train_triage(
        &self,
        req: TrainRequest,
        created_by: &Principal,
        progress: Arc<dyn Fn(Progress) + Send + Sync>,
    ) -> Result<Trained, AppError> {
        let name = crate::check_name(&req.name, "a model", "council-triage")?.to_owned();
        let (extra, corrections) = if req.include_overrides {
            let found = self.store().override_corrections(SERVICE).await?;
            let (examples, used) = correction_examples(&found);
            (examples, Some(used))
        } else {
            (Vec::new(), None)
        };
        // Reading and training are CPU-bound: keep them off the async workers.
        let (model, report, problems) = tokio::task::spawn_blocking(move || {
            let (mut examples, problems) = read_examples(&req.source())?;
            examples.extend(extra);
            let options = TrainOptions {
                holdout: req.holdout,
                seed: req.seed,
                ..TrainOptions::default()
            };
            let (model, report) = civic_triage::train(&examples, &options, &*progress)?;
            Ok::<_, AppError>((model, report, problems))
        })
        .await
        .map_err(|e| AppError::Internal(format!("training task: {e}")))??;
        let metrics = serde_json::to_value(&report)
            .map_err(|e| AppError::Internal(format!("report: {e}")))?;
        let version = self
            .writer()
            .register_model(
                NewModel {
                    name,
                    service: Service::parse(SERVICE)?,
                    training_data_sha256: model.metadata().training_data_sha256.clone(),
                    metrics,
                    model: model.to_bytes(),
                    created_by: created_by.to_string(),
                },
                created_by.clone(),
            )
            .await?;
        self.triage_models.invalidate(&version.name);
        Ok(Trained {
            version,
            report,
            problems,
            corrections,
        })
    }

    /// The active (or a given) version of a triage model, loaded.
    pub async fn triage_model(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<Arc<Loaded>, AppError> {
        self.load_model(&self.triage_models, SERVICE, name, version, |bytes| {
            Ok(TriageModel::from_bytes(bytes)?)
        })
        .await
    }

    /// Routes one message with the active version of `model_name`, runs the
    /// safeguarding detector on it (whatever the routing model says), and
    /// records both (with the input's digest, not the input unless retention is
    /// configured) in the ledger.
    ///
    /// A safeguarding alert makes the decision urgent and sends it to review;
    /// a watch-level finding sends it to review, not urgent (unless
    /// `safeguarding_never_auto` is off). The routing suggestion is kept either
    /// way. The output holds the safeguarding categories, levels, rule ids,
    /// scores and suggested teams; the matched words and their offsets go in
    /// the explanation only, which follows the input-retention policy.
    pub async fn triage(
        &self,
        model_name: &str,
        text: &str,
        reference: Option<String>,
        caller: Principal,
    ) -> Result<Triaged, AppError> {
        crate::check_text(
            text,
            MAX_TEXT_CHARS,
            "the message is empty; send the text to route",
        )?;
        crate::check_reference(reference.as_deref())?;
        let loaded = self.triage_model(model_name, None).await?;
        // The model's own rules are not run: the detector below decides
        // urgency and its findings replace theirs.
        let mut prediction = loaded.model.route(text);
        let assessment = self.safeguarding().await?.assess(text);
        let urgent = assessment.urgent();
        // The routing model's own embedded rules (older model files) no longer decide
        // urgency: the detector does, for every model alike.
        prediction
            .review_reasons
            .retain(|r| *r != ReviewReason::Urgent);
        match assessment.level {
            Level::Alert => prediction
                .review_reasons
                .insert(0, ReviewReason::Safeguarding),
            Level::Watch if self.config().safeguarding.never_auto => prediction
                .review_reasons
                .insert(0, ReviewReason::SafeguardingWatch),
            _ => {}
        }
        prediction.urgent = urgent;
        prediction.needs_review = !prediction.review_reasons.is_empty();
        let (safeguarding, evidence) = crate::safeguarding::record_parts(assessment);
        prediction.safeguarding_matches = evidence.matches.clone();
        let input = json!({ "text": text });
        let output = TriageOutput {
            team: prediction.label.clone(),
            alternatives: prediction.alternatives.clone(),
            urgent,
            safeguarding: safeguarding.clone(),
            review_reasons: prediction.review_reasons.clone(),
        }
        .to_value()?;
        let mut explanation = serde_json::to_value(&prediction.explanation)
            .map_err(|e| AppError::Internal(format!("explanation: {e}")))?;
        if let Some(object) = explanation.as_object_mut() {
            let evidence = serde_json::to_value(&evidence)
                .map_err(|e| AppError::Internal(format!("safeguarding evidence: {e}")))?;
            object.insert("safeguarding".into(), evidence);
        }
        let new = NewDecision {
            service: Service::parse(SERVICE)?,
            model: ModelRef {
                name: loaded.version.name.clone(),
                version: loaded.version.version.to_string(),
            },
            input_digest: Digest::of_json(&input),
            input: Some(input),
            output,
            explanation,
            confidence: Some(prediction.confidence),
            status: if prediction.needs_review {
                DecisionStatus::NeedsReview
            } else {
                DecisionStatus::Auto
            },
            queue: QueueFacts {
                team: Some(prediction.label.clone()),
                urgent,
            },
            requested_by: caller,
            reference,
        };
        let decision = self.writer().record_decision(new).await?;
        Ok(Triaged {
            decision,
            prediction,
            safeguarding,
        })
    }
}

/// A routed message: the recorded decision, the routing model's suggestion
/// (with urgency and review reasons as the safeguarding detector set them),
/// and the safeguarding findings recorded in the output.
#[derive(Debug, Clone)]
pub struct Triaged {
    /// The decision as recorded in the ledger.
    pub decision: Decision,
    /// The routing suggestion.
    pub prediction: Prediction,
    /// The safeguarding findings (no words of the message).
    pub safeguarding: crate::safeguarding::SafeguardingOutput,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_output_is_the_json_recorded_before_it() {
        use civic_triage::safeguarding::{Category, Finding};
        let typed = TriageOutput {
            team: "housing".into(),
            alternatives: vec![
                Alternative {
                    label: "housing".into(),
                    probability: 0.8125,
                },
                Alternative {
                    label: "waste".into(),
                    probability: 0.1,
                },
            ],
            urgent: true,
            safeguarding: crate::safeguarding::SafeguardingOutput {
                level: Level::Alert,
                score: 0.9731,
                categories: vec![Finding {
                    category: Category::DomesticAbuse,
                    level: Level::Alert,
                    score: 0.97,
                    rule_ids: vec!["da-1".into()],
                    by_model: true,
                    suggested_team: "Safeguarding adults".into(),
                }],
            },
            review_reasons: vec![ReviewReason::Safeguarding, ReviewReason::LowConfidence],
        };
        // The output as `App::triage` built it with `json!` until this type.
        let before = json!({
            "team": typed.team,
            "alternatives": typed.alternatives,
            "urgent": typed.urgent,
            "safeguarding": typed.safeguarding,
            "review_reasons": typed.review_reasons,
        });
        let after = typed.to_value().unwrap();
        assert_eq!(after.to_string(), before.to_string());
        assert_eq!(
            civic_core::canonical_json(&after),
            civic_core::canonical_json(&before)
        );
    }

    #[test]
    fn urgent_flags_parse_common_spellings_and_reject_others() {
        for (raw, want) in [
            ("1", Some(true)),
            ("Yes", Some(true)),
            ("false", Some(false)),
            ("", Some(false)),
            ("maybe", None),
        ] {
            assert_eq!(parse_bool(raw), want, "{raw}");
        }
    }

    fn correction(
        id: civic_core::DecisionId,
        input: Option<&str>,
        team: &str,
    ) -> civic_store::Correction {
        civic_store::Correction {
            decision_id: id,
            input: input.map(|t| json!({ "text": t })),
            output: json!({ "team": team }),
        }
    }

    #[test]
    fn corrections_become_examples_unless_the_message_is_gone() {
        let (a, b, c, d) = (
            civic_core::DecisionId::new(),
            civic_core::DecisionId::new(),
            civic_core::DecisionId::new(),
            civic_core::DecisionId::new(),
        );
        let found = vec![
            correction(a, Some("my bin"), "housing"),
            correction(b, None, "waste"),
            correction(a, Some("my bin"), "waste"),
            correction(c, Some("pothole"), " "),
            civic_store::Correction {
                decision_id: d,
                input: Some(json!({ "household": 4 })),
                output: json!({ "team": "roads" }),
            },
        ];
        let (examples, used) = correction_examples(&found);
        assert_eq!(
            used,
            CorrectionsUsed {
                added: 1,
                input_not_retained: 1,
                unusable: 2
            }
        );
        assert_eq!(examples.len(), 1);
        assert_eq!(
            (examples[0].text.as_str(), examples[0].label.as_str()),
            ("my bin", "waste")
        );
    }
}

/// A batch prediction over a data file.
#[derive(Debug, Clone)]
pub struct PredictRequest {
    /// The model's name.
    pub model: String,
    /// A specific version; the active one when `None`.
    pub version: Option<i64>,
    /// The input file (CSV or JSON Lines).
    pub input: PathBuf,
    /// The output file (same format as its extension says).
    pub output: PathBuf,
    /// The column with the message text.
    pub text_column: String,
    /// Stop at the first malformed row instead of skipping and reporting it.
    pub strict: bool,
    /// Replace an existing output file.
    pub overwrite: bool,
}

/// What a batch prediction did.
#[derive(Debug, Clone, Default)]
pub struct PredictSummary {
    /// Rows written.
    pub rows: u64,
    /// Rows a person must review.
    pub needs_review: u64,
    /// Rows with an active safeguarding match.
    pub urgent: u64,
    /// Rows skipped, with their line numbers.
    pub problems: Vec<RowProblem>,
}

/// The columns `predict` adds to every row. `urgent` and `needs_review` are
/// the safeguarding detector's and the routing model's together, as
/// [`App::triage`] decides them; `safeguarding` lists the categories found
/// (alert or watch) and `safeguarding_level` says how strongly.
pub const PREDICTION_COLUMNS: [&str; 7] = [
    "predicted",
    "confidence",
    "urgent",
    "needs_review",
    "top_terms",
    "safeguarding_level",
    "safeguarding",
];

/// Rows predicted together (in parallel) between progress reports.
const PREDICT_CHUNK: usize = 4096;

impl App {
    /// Predicts every row of a file with a triage model, writing every input
    /// column plus [`PREDICTION_COLUMNS`]. Batch predictions on files are not
    /// recorded in the ledger: they are an offline tool, and the output file
    /// carries the model name and version the caller chose.
    pub async fn predict_file(
        &self,
        req: PredictRequest,
        progress: Arc<dyn Fn(u64) + Send + Sync>,
    ) -> Result<PredictSummary, AppError> {
        if req.input == req.output {
            return Err(AppError::Invalid {
                field: "output",
                message: "the output must not be the input file; Civic never overwrites its inputs"
                    .into(),
            });
        }
        let loaded = self.triage_model(&req.model, req.version).await?;
        let detector = self.safeguarding().await?;
        let never_auto = self.config().safeguarding.never_auto;
        tokio::task::spawn_blocking(move || {
            let check = Safeguarding {
                detector: &detector,
                never_auto,
            };
            predict_blocking(&loaded.model, check, &req, &*progress)
        })
        .await
        .map_err(|e| AppError::Internal(format!("prediction task: {e}")))?
    }
}

/// The safeguarding detector and the rule for watch-level findings.
#[derive(Clone, Copy)]
struct Safeguarding<'a> {
    detector: &'a civic_triage::safeguarding::Detector,
    never_auto: bool,
}

fn predict_blocking(
    model: &TriageModel,
    safeguarding: Safeguarding<'_>,
    req: &PredictRequest,
    progress: &dyn Fn(u64),
) -> Result<PredictSummary, AppError> {
    let mut reader = Reader::open(&req.input, &ReadOptions::new().strict(req.strict))?;
    reader.require_columns(&[req.text_column.as_str()])?;
    let mut writer = civic_dataset::Writer::create(
        &req.output,
        reader.columns(),
        &PREDICTION_COLUMNS,
        &civic_dataset::WriteOptions::new().overwrite(req.overwrite),
    )?;
    let mut summary = PredictSummary::default();
    let mut chunk = Vec::with_capacity(PREDICT_CHUNK);
    loop {
        chunk.clear();
        for record in reader.by_ref().take(PREDICT_CHUNK) {
            chunk.push(record?);
        }
        if chunk.is_empty() {
            break;
        }
        let texts: Vec<String> = chunk
            .iter()
            .map(|r| {
                r.get_str(&req.text_column)
                    .map(|t| t.into_owned())
                    .unwrap_or_default()
            })
            .collect();
        let assessments: Vec<_> = {
            use rayon::prelude::*;
            texts
                .par_iter()
                .map(|t| safeguarding.detector.assess(t))
                .collect()
        };
        for ((record, p), a) in chunk
            .iter()
            .zip(model.predict_batch(&texts))
            .zip(assessments)
        {
            let top_terms: Vec<String> = p
                .explanation
                .supporting
                .iter()
                .map(|t| format!("{} {:+.2}", t.term, t.contribution))
                .collect();
            let routing_review = p
                .review_reasons
                .iter()
                .any(|r| !matches!(r, ReviewReason::Urgent));
            let urgent = a.urgent();
            let needs_review =
                urgent || routing_review || (safeguarding.never_auto && a.needs_review());
            summary.needs_review += u64::from(needs_review);
            summary.urgent += u64::from(urgent);
            let categories: Vec<&str> = a.findings.iter().map(|f| f.category.id()).collect();
            writer.write(
                record,
                &[
                    json!(p.label),
                    json!((p.confidence * 10_000.0).round() / 10_000.0),
                    json!(urgent),
                    json!(needs_review),
                    json!(top_terms),
                    json!(a.level),
                    json!(categories),
                ],
            )?;
        }
        summary.rows += chunk.len() as u64;
        progress(summary.rows);
    }
    summary.problems = reader.problems().to_vec();
    writer.finish()?;
    Ok(summary)
}

impl App {
    /// Evaluates a triage model on labelled data: the same metrics as
    /// training reports (accuracy, macro-F1, per-team figures, confusion
    /// matrix, calibration), with malformed rows reported by line.
    pub async fn evaluate_triage(
        &self,
        model: &str,
        version: Option<i64>,
        source: ExampleSource<'_>,
    ) -> Result<(Arc<Loaded>, civic_triage::EvalReport, Vec<RowProblem>), AppError> {
        let loaded = self.triage_model(model, version).await?;
        // Reading and scoring are CPU-bound: off the async workers, with owned copies.
        let (data, text, label) = (
            source.data.to_owned(),
            source.text_column.to_owned(),
            source.label_column.to_owned(),
        );
        let urgent = source.urgent_column.map(str::to_owned);
        let strict = source.strict;
        let model_ref = loaded.clone();
        let (report, problems) = tokio::task::spawn_blocking(move || {
            let (examples, problems) = read_examples(&ExampleSource {
                data: &data,
                text_column: &text,
                label_column: &label,
                urgent_column: urgent.as_deref(),
                strict,
            })?;
            Ok::<_, AppError>((
                civic_triage::evaluate(&model_ref.model, &examples),
                problems,
            ))
        })
        .await
        .map_err(|e| AppError::Internal(format!("evaluation task: {e}")))??;
        Ok((loaded, report, problems))
    }
}
