//! The risk-flagging use cases: train a tabular model from a data file and
//! register it, score a file, measure fairness on new outcomes, explain one
//! row, and score one record for the API, recording it as a decision in the
//! ledger (flagged records wait for a person's review).
//!
//! Risk data files are read strictly: a malformed row is an error naming its
//! line, never skipped, because a silently dropped claim would change both the
//! model and the fairness figures without anyone knowing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use civic_core::{
    Decision, DecisionStatus, Digest, ModelRef, NewDecision, Principal, QueueFacts, Service,
};
use civic_dataset::{ReadOptions, Reader, Record};
use civic_risk::{
    Contribution, Explain, FairnessReport, RiskError, RiskModel, Row, Score, Table,
    ThresholdPolicy, TrainOptions, TrainReport, TrainStage,
};
use civic_store::{ModelVersion, NewModel};
use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::{App, AppError};

/// The service name risk decisions are recorded under.
pub const SERVICE: &str = "risk";

/// What a risk decision's output holds, in the store and in the ledger:
/// the score and the flag, and the columns whose values were never seen in
/// training (never the values: they are the record's own text). Field
/// names and order are those of every output recorded so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RiskOutput {
    /// Calibrated probability that a review finds an error.
    pub risk_score: f64,
    /// Whether the score reaches the threshold: a person reviews the claim.
    pub flagged: bool,
    /// The model's flag threshold.
    pub threshold: f64,
    /// Columns whose value was not seen in training (scored as missing).
    pub unseen_categories: Vec<String>,
}

/// The name the demo gives its risk model.
pub const DEMO_MODEL: &str = "claims-risk";

/// The most fields a record sent for scoring may have.
pub const MAX_RECORD_FIELDS: usize = 500;

/// How many of a row's largest contributions `score` writes as `top_factors`.
pub const TOP_FACTORS: usize = 3;

/// The columns `score` adds to every row.
pub const SCORE_COLUMNS: [&str; 3] = ["risk_score", "flagged", "top_factors"];

/// Rows scored together (in parallel) between progress reports.
const SCORE_CHUNK: usize = 16_384;

/// A risk model with the registry record it came from.
pub type Loaded = crate::models::Loaded<RiskModel>;

/// What to train on, and how.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    /// A CSV or JSON Lines file.
    pub data: PathBuf,
    /// The column holding the outcome found on review (0/1, true/false, yes/no).
    pub label_column: String,
    /// Columns kept only to measure fairness, never used as features.
    pub protected_columns: Vec<String>,
    /// Columns ignored altogether (identifiers, free text).
    pub exclude_columns: Vec<String>,
    /// The model's name in the registry.
    pub name: String,
    /// How the flag threshold is set.
    pub threshold: ThresholdPolicy,
    /// Share of the rows held out to measure the model.
    pub holdout: f64,
    /// The random seed.
    pub seed: u64,
}

/// The outcome of training.
#[derive(Debug)]
pub struct Trained {
    /// The registered (and activated) version.
    pub version: ModelVersion,
    /// The training report, measured on held-out rows.
    pub report: TrainReport,
}

/// A batch scoring of a data file.
#[derive(Debug, Clone)]
pub struct ScoreRequest {
    /// The model's name.
    pub model: String,
    /// A specific version; the active one when `None`.
    pub version: Option<i64>,
    /// The input file (CSV or JSON Lines).
    pub input: PathBuf,
    /// The output file (same format as its extension says).
    pub output: PathBuf,
    /// Replace an existing output file.
    pub overwrite: bool,
}

/// What a batch scoring did.
#[derive(Debug, Clone, Default)]
pub struct ScoreSummary {
    /// Rows written.
    pub rows: u64,
    /// Rows flagged for review.
    pub flagged: u64,
    /// Values that were categories never seen in training, scored as missing.
    pub unseen_categories: u64,
    /// The first few of them, as `line N: column = value`.
    pub unseen_examples: Vec<String>,
}

/// One record scored for the API.
#[derive(Debug)]
pub struct ScoredRecord {
    /// The decision recorded in the ledger.
    pub decision: Decision,
    /// The score, with every feature's contribution.
    pub score: Score,
    /// The threshold the score was compared with.
    pub threshold: f64,
}

/// Turns a data file's records into a risk table, strictly.
pub fn read_table(path: &Path) -> Result<Table, AppError> {
    let reader = Reader::open(path, &ReadOptions::new().strict(true))?;
    let dataset = reader.read_all()?;
    table_from_records(path, dataset.columns, &dataset.records)
}

fn table_from_records(
    path: &Path,
    columns: Vec<String>,
    records: &[Record],
) -> Result<Table, AppError> {
    let rows = records
        .iter()
        .map(|r| {
            let cells = columns
                .iter()
                .map(|c| r.get(c).map_or(Value::Null, |cell| cell.to_value()))
                .collect();
            Row::new(r.line(), cells)
        })
        .collect();
    Table::new(columns, rows).map_err(|e| in_file(path, e))
}

fn in_file(path: &Path, error: RiskError) -> AppError {
    AppError::RiskData {
        path: path.to_owned(),
        error,
    }
}

fn join_err(what: &str) -> impl FnOnce(tokio::task::JoinError) -> AppError + '_ {
    move |e| AppError::Internal(format!("{what} task: {e}"))
}

/// `claim_amount=1200 +0.42`: a contribution as one readable cell.
fn factor_text(c: &Contribution) -> String {
    let value = match &c.value {
        Value::String(s) => s.clone(),
        Value::Null => "(missing)".to_owned(),
        other => other.to_string(),
    };
    format!("{}={value} {:+.3}", c.feature, c.contribution)
}

impl App {
    /// Trains a risk model on a data file, registers it with its report and
    /// the file's SHA-256, and makes it active.
    pub async fn train_risk(
        &self,
        req: TrainRequest,
        created_by: &Principal,
        progress: Arc<dyn Fn(TrainStage) + Send + Sync>,
    ) -> Result<Trained, AppError> {
        let name = crate::check_name(&req.name, "a model", "claims-risk")?.to_owned();
        let mut options = TrainOptions::new(req.label_column.clone());
        options.protected_columns = req.protected_columns.clone();
        options.exclude_columns = req.exclude_columns.clone();
        options.threshold = req.threshold;
        options.holdout = req.holdout;
        options.seed = req.seed;
        // Reading, digesting and training are CPU-bound: off the async workers.
        let (model, report, digest) = tokio::task::spawn_blocking(move || {
            let table = read_table(&req.data)?;
            let digest = civic_dataset::digest(&req.data)?;
            let (model, report) = civic_risk::train(&table, &options, &mut |s| progress(s))
                .map_err(|e| in_file(&req.data, e))?;
            Ok::<_, AppError>((model, report, digest))
        })
        .await
        .map_err(join_err("training"))??;
        self.register_risk(name, &model, &report, digest, created_by)
            .await
    }

    /// Trains a risk model on a table in memory (the demo's synthetic
    /// claims); the training-data digest is that of the table's canonical JSON.
    pub(crate) async fn train_risk_table(
        &self,
        name: &str,
        table: Table,
        options: TrainOptions,
        created_by: &Principal,
    ) -> Result<Trained, AppError> {
        let name = crate::check_name(name, "a model", "claims-risk")?.to_owned();
        let (model, report, digest) = tokio::task::spawn_blocking(move || {
            let digest = serde_json::to_value(&table)
                .map(|v| Digest::of_json(&v).to_hex())
                .map_err(|e| AppError::Internal(format!("table digest: {e}")))?;
            let (model, report) = civic_risk::train(&table, &options, &mut |_| {})?;
            Ok::<_, AppError>((model, report, digest))
        })
        .await
        .map_err(join_err("training"))??;
        self.register_risk(name, &model, &report, digest, created_by)
            .await
    }

    async fn register_risk(
        &self,
        name: String,
        model: &RiskModel,
        report: &TrainReport,
        training_data_sha256: String,
        created_by: &Principal,
    ) -> Result<Trained, AppError> {
        let metrics =
            serde_json::to_value(report).map_err(|e| AppError::Internal(format!("report: {e}")))?;
        let version = self
            .writer()
            .register_model(
                NewModel {
                    name,
                    service: Service::parse(SERVICE)?,
                    training_data_sha256,
                    metrics,
                    model: model.to_bytes()?,
                    created_by: created_by.to_string(),
                },
                created_by.clone(),
            )
            .await?;
        self.risk_models.invalidate(&version.name);
        Ok(Trained {
            version,
            report: report.clone(),
        })
    }

    /// The active (or a given) version of a risk model, loaded.
    pub async fn risk_model(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<Arc<Loaded>, AppError> {
        self.load_model(&self.risk_models, SERVICE, name, version, |bytes| {
            Ok(RiskModel::from_bytes(bytes)?)
        })
        .await
    }

    /// Scores one record (column → value) with the active version of
    /// `model_name` and records the score, its contributions and the input's
    /// digest in the ledger. A flagged record becomes a `needs_review`
    /// decision: the score never decides anything by itself.
    pub async fn score_risk(
        &self,
        model_name: &str,
        record: Map<String, Value>,
        reference: Option<String>,
        caller: Principal,
    ) -> Result<ScoredRecord, AppError> {
        if record.is_empty() {
            return Err(AppError::Unprocessable {
                field: "record",
                message: "the record is empty; send the claim's fields as an object".into(),
            });
        }
        if record.len() > MAX_RECORD_FIELDS {
            return Err(AppError::TooLarge {
                field: "record",
                message: format!("{} fields; the limit is {MAX_RECORD_FIELDS}", record.len()),
            });
        }
        crate::check_reference(reference.as_deref())?;
        let loaded = self.risk_model(model_name, None).await?;
        let model = loaded.clone();
        let input = json!({ "record": record });
        let score = tokio::task::spawn_blocking(move || model.model.score_record(&record))
            .await
            .map_err(join_err("scoring"))??;
        let threshold = loaded.model.threshold();
        // The output enters the ledger as it is: a value never seen in
        // training is the record's own text (a name typed into a category
        // column, say), so the output names only its column and the value
        // is part of the explanation, with the contributions and their
        // feature values, which the ledger holds as a digest.
        let output = serde_json::to_value(RiskOutput {
            risk_score: score.risk_score,
            flagged: score.flagged,
            threshold,
            unseen_categories: score
                .unseen_categories
                .iter()
                .map(|u| u.column.clone())
                .collect(),
        })
        .map_err(|e| AppError::Internal(format!("risk output: {e}")))?;
        let explanation = json!({
            "base_log_odds": score.base_log_odds,
            "contributions": score.contributions,
            "unseen_categories": score.unseen_categories,
        });
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
            confidence: Some(score.risk_score),
            status: if score.flagged {
                DecisionStatus::NeedsReview
            } else {
                DecisionStatus::Auto
            },
            // Neither a team nor urgency: the queue shows the service.
            queue: QueueFacts::default(),
            requested_by: caller,
            reference,
        };
        let decision = self.writer().record_decision(new).await?;
        Ok(ScoredRecord {
            decision,
            score,
            threshold,
        })
    }

    /// Scores one row for a person at the terminal; nothing is recorded.
    pub async fn explain_risk(
        &self,
        model: &str,
        version: Option<i64>,
        row: Map<String, Value>,
    ) -> Result<(Arc<Loaded>, Score), AppError> {
        let loaded = self.risk_model(model, version).await?;
        let score = loaded.model.score_record(&row)?;
        Ok((loaded, score))
    }

    /// Scores every row of a file, writing every input column plus
    /// [`SCORE_COLUMNS`]. Like triage's batch prediction, file scoring is an
    /// offline tool and is not recorded in the ledger.
    pub async fn score_risk_file(
        &self,
        req: ScoreRequest,
        progress: Arc<dyn Fn(u64) + Send + Sync>,
    ) -> Result<ScoreSummary, AppError> {
        if req.input == req.output {
            return Err(AppError::Invalid {
                field: "output",
                message: "the output must not be the input file; Civic never overwrites its inputs"
                    .into(),
            });
        }
        let loaded = self.risk_model(&req.model, req.version).await?;
        tokio::task::spawn_blocking(move || score_blocking(&loaded.model, &req, &*progress))
            .await
            .map_err(join_err("scoring"))?
    }

    /// Fairness of a model's flags on labelled outcomes in a file, per
    /// protected column present in it.
    pub async fn risk_fairness(
        &self,
        model: &str,
        version: Option<i64>,
        data: &Path,
        label_column: &str,
    ) -> Result<(Arc<Loaded>, FairnessReport), AppError> {
        let loaded = self.risk_model(model, version).await?;
        let (data, label) = (data.to_owned(), label_column.to_owned());
        let model_ref = loaded.clone();
        let report = tokio::task::spawn_blocking(move || {
            let table = read_table(&data)?;
            civic_risk::fairness(&model_ref.model, &table, &label).map_err(|e| in_file(&data, e))
        })
        .await
        .map_err(join_err("fairness"))??;
        Ok((loaded, report))
    }
}

fn score_blocking(
    model: &RiskModel,
    req: &ScoreRequest,
    progress: &dyn Fn(u64),
) -> Result<ScoreSummary, AppError> {
    let mut reader = Reader::open(&req.input, &ReadOptions::new().strict(true))?;
    // Check the header before creating the output, so that a wrong file
    // leaves nothing behind.
    model
        .schema()
        .check_columns(reader.columns(), &[])
        .map_err(|e| in_file(&req.input, e))?;
    let mut writer = civic_dataset::Writer::create(
        &req.output,
        reader.columns(),
        &SCORE_COLUMNS,
        &civic_dataset::WriteOptions::new().overwrite(req.overwrite),
    )?;
    let mut summary = ScoreSummary::default();
    let mut chunk = Vec::with_capacity(SCORE_CHUNK);
    loop {
        chunk.clear();
        for record in reader.by_ref().take(SCORE_CHUNK) {
            chunk.push(record?);
        }
        if chunk.is_empty() {
            break;
        }
        let table = table_from_records(&req.input, reader.columns().to_vec(), &chunk)?;
        let scores = model
            .score_batch(&table, Explain::All)
            .map_err(|e| in_file(&req.input, e))?;
        for (record, s) in chunk.iter().zip(&scores) {
            summary.flagged += u64::from(s.flagged);
            for u in &s.unseen_categories {
                summary.unseen_categories += 1;
                if summary.unseen_examples.len() < 10 {
                    summary
                        .unseen_examples
                        .push(format!("line {}: {} = {:?}", s.line, u.column, u.value));
                }
            }
            let top: Vec<String> = s.top_factors(TOP_FACTORS).iter().map(factor_text).collect();
            writer.write(
                record,
                &[
                    json!((s.risk_score * 1e6).round() / 1e6),
                    json!(s.flagged),
                    json!(top),
                ],
            )?;
        }
        summary.rows += chunk.len() as u64;
        progress(summary.rows);
    }
    writer.finish()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_typed_output_is_the_json_recorded_before_it() {
        let typed = RiskOutput {
            risk_score: 0.4375,
            flagged: true,
            threshold: 0.3,
            unseen_categories: vec!["channel".into()],
        };
        // The output as `App::score_risk` built it with `json!` until this type.
        let before = json!({
            "risk_score": 0.4375,
            "flagged": true,
            "threshold": 0.3,
            "unseen_categories": ["channel"],
        });
        let after = serde_json::to_value(&typed).unwrap();
        assert_eq!(after.to_string(), before.to_string());
        assert_eq!(
            civic_core::canonical_json(&after),
            civic_core::canonical_json(&before)
        );
    }

    fn write_csv(dir: &Path, name: &str, header: &str, rows: &[String]) -> PathBuf {
        let path = dir.join(name);
        let mut text = format!("{header}\n");
        for r in rows {
            text.push_str(r);
            text.push('\n');
        }
        std::fs::write(&path, text).expect("write");
        path
    }

    #[test]
    fn a_table_keeps_lines_and_treats_absent_jsonl_keys_as_missing() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("claims.jsonl");
        std::fs::write(
            &path,
            "{\"amount\": 10, \"channel\": \"post\"}\n{\"amount\": 12}\n",
        )
        .expect("write");
        let table = read_table(&path).expect("table");
        assert_eq!(table.columns(), ["amount", "channel"]);
        assert_eq!(table.rows()[1].line, 2);
        assert_eq!(table.rows()[1].cells, vec![json!(12), Value::Null]);
    }

    #[test]
    fn an_empty_file_is_an_error_not_an_empty_table() {
        let dir = tempfile::tempdir().expect("dir");
        let path = write_csv(dir.path(), "empty.csv", "amount,error_found", &[]);
        let err = read_table(&path).expect_err("empty");
        assert!(err.to_string().contains("no records"), "{err}");
    }

    #[test]
    fn risk_errors_about_data_map_to_unprocessable_and_name_the_file() {
        let err = in_file(
            Path::new("claims.csv"),
            RiskError::NotANumber {
                line: 7,
                column: "claim_amount".into(),
                value: "lots".into(),
            },
        );
        assert_eq!(err.kind(), civic_core::ErrorKind::Unprocessable);
        assert_eq!(err.code(), "risk.not_a_number");
        let text = err.to_string();
        assert!(
            text.contains("claims.csv") && text.contains("line 7") && text.contains("claim_amount"),
            "{text}"
        );
        let one_class = AppError::from(RiskError::SingleClass {
            column: "error_found".into(),
            class: 0,
        });
        assert_eq!(one_class.kind(), civic_core::ErrorKind::InvalidInput);
    }

    #[test]
    fn a_factor_shows_the_feature_its_value_and_a_signed_contribution() {
        let c = Contribution {
            feature: "channel".into(),
            value: json!("phone"),
            contribution: -0.25,
        };
        assert_eq!(factor_text(&c), "channel=phone -0.250");
        let missing = Contribution {
            feature: "amount".into(),
            value: Value::Null,
            contribution: 0.5,
        };
        assert_eq!(factor_text(&missing), "amount=(missing) +0.500");
    }
}
