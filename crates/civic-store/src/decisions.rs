//! Reading decision records and review events back.

use civic_core::{
    Decision, DecisionId, Digest, EntryVersion, ModelRef, Reason, ReviewAction, ReviewEvent,
    Service, TeamName, Timestamp, from_unix_millis, now_millis, unix_millis,
};
use serde_json::Value;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, from_sql_index};

/// A reviewer's override of a decision, with the decision's input if it is
/// still retained.
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    /// The decision corrected.
    pub decision_id: DecisionId,
    /// Its raw input, while retention keeps it.
    pub input: Option<Value>,
    /// The output the reviewer gave instead.
    pub output: Value,
}

pub(crate) const DECISION_COLUMNS: &str = "id, service, model_name, model_version, input_sha256, output, explanation, \
     confidence, status, initial_status, requested_by, reference, created_at, ledger_index, quality_sample, \
     entry_version, explanation_sha256, reference_sha256, explanation_removed_at";

pub(crate) const REVIEW_COLUMNS: &str = "id, decision_id, action, output, reason, reviewer, created_at, ledger_index, \
     entry_version, reason_sha256, reason_redacted_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn json_column(row: &AnyRow, col: &str) -> Result<Value, StoreError> {
    let text: String = row.try_get(col)?;
    serde_json::from_str(&text).map_err(|e| corrupt(col, e))
}

fn time_column(row: &AnyRow, col: &str) -> Result<civic_core::Timestamp, StoreError> {
    let ms: i64 = row.try_get(col)?;
    from_unix_millis(ms).ok_or_else(|| corrupt(col, "out of range"))
}

/// A decision's columns as stored, before they are parsed into a [`Decision`].
/// Rows and aggregated pages are both read into this, so the mapping from
/// columns to the domain type lives in one place.
#[derive(Debug)]
pub(crate) struct DecisionColumns {
    pub(crate) id: String,
    pub(crate) service: String,
    pub(crate) model_name: String,
    pub(crate) model_version: String,
    pub(crate) input_sha256: String,
    pub(crate) output: String,
    pub(crate) explanation: String,
    pub(crate) confidence: Option<f64>,
    pub(crate) status: String,
    pub(crate) initial_status: String,
    pub(crate) requested_by: String,
    pub(crate) reference: Option<String>,
    pub(crate) created_at: i64,
    pub(crate) ledger_index: i64,
    pub(crate) quality_sample: i64,
    pub(crate) entry_version: i64,
    pub(crate) explanation_sha256: Option<String>,
    pub(crate) reference_sha256: Option<String>,
    pub(crate) explanation_removed_at: Option<i64>,
}

/// An entry version as stored.
pub(crate) fn entry_version(n: i64) -> Result<EntryVersion, StoreError> {
    EntryVersion::from_number(n).ok_or_else(|| corrupt("entry_version", n))
}

/// A stored digest column: absent, or 64 hex digits.
pub(crate) fn digest_column(what: &str, hex: Option<&str>) -> Result<Option<Digest>, StoreError> {
    hex.map(|h| Digest::from_hex(h).ok_or_else(|| corrupt(what, "not 64 hex digits")))
        .transpose()
}

fn opt_time(what: &str, ms: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    ms.map(|ms| from_unix_millis(ms).ok_or_else(|| corrupt(what, "out of range")))
        .transpose()
}

/// A float read exactly: a JSON number, or text with enough digits to round-trip.
#[derive(Debug, serde::Deserialize)]
#[serde(untagged)]
pub(crate) enum ExactFloat {
    Number(f64),
    Text(String),
}

impl ExactFloat {
    pub(crate) fn to_f64(&self) -> Result<f64, StoreError> {
        match self {
            ExactFloat::Number(f) => Ok(*f),
            ExactFloat::Text(t) => t
                .trim()
                .parse::<f64>()
                .map_err(|e| corrupt("confidence", e)),
        }
    }
}

impl DecisionColumns {
    fn from_row(row: &AnyRow) -> Result<Self, StoreError> {
        Ok(DecisionColumns {
            id: row.try_get("id")?,
            service: row.try_get("service")?,
            model_name: row.try_get("model_name")?,
            model_version: row.try_get("model_version")?,
            input_sha256: row.try_get("input_sha256")?,
            output: row.try_get("output")?,
            explanation: row.try_get("explanation")?,
            confidence: row.try_get("confidence")?,
            status: row.try_get("status")?,
            initial_status: row.try_get("initial_status")?,
            requested_by: row.try_get("requested_by")?,
            reference: row.try_get("reference")?,
            created_at: row.try_get("created_at")?,
            ledger_index: row.try_get("ledger_index")?,
            quality_sample: row.try_get("quality_sample")?,
            entry_version: row.try_get("entry_version")?,
            explanation_sha256: row.try_get("explanation_sha256")?,
            reference_sha256: row.try_get("reference_sha256")?,
            explanation_removed_at: row.try_get("explanation_removed_at")?,
        })
    }

    /// Parses the columns into the domain type.
    pub(crate) fn into_decision(self) -> Result<Decision, StoreError> {
        Ok(Decision {
            id: self.id.parse().map_err(|e| corrupt("decision id", e))?,
            service: Service::parse(&self.service).map_err(|e| corrupt("service", e))?,
            model: ModelRef {
                name: self.model_name,
                version: self.model_version,
            },
            input_digest: Digest::from_hex(&self.input_sha256)
                .ok_or_else(|| corrupt("input_sha256", "not 64 hex digits"))?,
            output: serde_json::from_str(&self.output).map_err(|e| corrupt("output", e))?,
            explanation: serde_json::from_str(&self.explanation)
                .map_err(|e| corrupt("explanation", e))?,
            confidence: self.confidence,
            status: self.status.parse().map_err(|e| corrupt("status", e))?,
            initial_status: self
                .initial_status
                .parse()
                .map_err(|e| corrupt("initial_status", e))?,
            requested_by: self
                .requested_by
                .parse()
                .map_err(|e| corrupt("requested_by", e))?,
            reference: self.reference,
            created_at: from_unix_millis(self.created_at)
                .ok_or_else(|| corrupt("created_at", "out of range"))?,
            ledger_index: from_sql_index(self.ledger_index)?,
            quality_sample: self.quality_sample != 0,
            entry_version: entry_version(self.entry_version)?,
            explanation_sha256: digest_column(
                "explanation_sha256",
                self.explanation_sha256.as_deref(),
            )?,
            reference_sha256: digest_column("reference_sha256", self.reference_sha256.as_deref())?,
            explanation_removed_at: opt_time(
                "explanation_removed_at",
                self.explanation_removed_at,
            )?,
        })
    }
}

/// Maps a row selected with [`DECISION_COLUMNS`] to a [`Decision`].
pub(crate) fn row_to_decision(row: &AnyRow) -> Result<Decision, StoreError> {
    DecisionColumns::from_row(row)?.into_decision()
}

/// Maps a row selected with [`REVIEW_COLUMNS`] to a [`ReviewEvent`].
pub(crate) fn row_to_review(row: &AnyRow) -> Result<ReviewEvent, StoreError> {
    let id: String = row.try_get("id")?;
    let decision_id: String = row.try_get("decision_id")?;
    let action: String = row.try_get("action")?;
    let reviewer: String = row.try_get("reviewer")?;
    let reason_redacted_at = opt_time("reason_redacted_at", row.try_get("reason_redacted_at")?)?;
    let action = match action.as_str() {
        "accept" => ReviewAction::Accept,
        "override" => {
            let output = json_column(row, "output")?;
            let reason: Option<String> = row.try_get("reason")?;
            let reason = match (reason, reason_redacted_at) {
                (None, Some(_)) => Reason::redacted(),
                (reason, _) => Reason::parse(reason.as_deref().unwrap_or_default())
                    .map_err(|e| corrupt("reason", e))?,
            };
            ReviewAction::Override { output, reason }
        }
        "refer" => {
            let output = json_column(row, "output")?;
            let team = output
                .get("referred_to")
                .and_then(serde_json::Value::as_str)
                .ok_or_else(|| corrupt("referral", "no referred_to team"))?;
            ReviewAction::Refer {
                team: TeamName::parse(team).map_err(|e| corrupt("referral team", e))?,
            }
        }
        other => return Err(corrupt("review action", other)),
    };
    let reason_sha256: Option<String> = row.try_get("reason_sha256")?;
    Ok(ReviewEvent {
        id: id.parse().map_err(|e| corrupt("review id", e))?,
        decision_id: decision_id.parse().map_err(|e| corrupt("decision id", e))?,
        action,
        reviewer: reviewer.parse().map_err(|e| corrupt("reviewer", e))?,
        created_at: time_column(row, "created_at")?,
        ledger_index: from_sql_index(row.try_get("ledger_index")?)?,
        entry_version: entry_version(row.try_get("entry_version")?)?,
        reason_sha256: digest_column("reason_sha256", reason_sha256.as_deref())?,
        reason_redacted_at,
    })
}

pub(crate) const REDACTION_COLUMNS: &str =
    "id, review_id, decision_id, redacted_by, why, created_at, ledger_index";

/// Maps a row selected with [`REDACTION_COLUMNS`] to a [`civic_core::ReasonRedaction`].
pub(crate) fn row_to_redaction(row: &AnyRow) -> Result<civic_core::ReasonRedaction, StoreError> {
    let text = |col: &str| -> Result<String, StoreError> { Ok(row.try_get(col)?) };
    Ok(civic_core::ReasonRedaction {
        id: text("id")?
            .parse()
            .map_err(|e| corrupt("redaction id", e))?,
        review_id: text("review_id")?
            .parse()
            .map_err(|e| corrupt("review id", e))?,
        decision_id: text("decision_id")?
            .parse()
            .map_err(|e| corrupt("decision id", e))?,
        redacted_by: text("redacted_by")?
            .parse()
            .map_err(|e| corrupt("redacted_by", e))?,
        why: Reason::parse(&text("why")?).map_err(|e| corrupt("why", e))?,
        created_at: time_column(row, "created_at")?,
        ledger_index: from_sql_index(row.try_get("ledger_index")?)?,
    })
}

impl Store {
    /// One decision record.
    pub async fn decision(&self, id: DecisionId) -> Result<Decision, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {DECISION_COLUMNS} FROM decisions WHERE id = $1"
        ))
        .bind(id.to_string())
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "decision",
            id: id.to_string(),
        })?;
        row_to_decision(&row)
    }

    /// The raw input of a decision, if it is still retained.
    pub async fn decision_input(&self, id: DecisionId) -> Result<Option<Value>, StoreError> {
        let row = sqlx::query("SELECT input FROM decisions WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?
            .ok_or_else(|| StoreError::NotFound {
                what: "decision",
                id: id.to_string(),
            })?;
        let input: Option<String> = row.try_get("input")?;
        input
            .map(|t| serde_json::from_str(&t).map_err(|e| corrupt("input", e)))
            .transpose()
    }

    /// The review events of a decision, oldest first.
    pub async fn reviews(&self, decision_id: DecisionId) -> Result<Vec<ReviewEvent>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REVIEW_COLUMNS} FROM review_events WHERE decision_id = $1 ORDER BY ledger_index"
        ))
        .bind(decision_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_review).collect()
    }

    /// The redactions of the reasons of a decision's reviews, oldest first.
    pub async fn reason_redactions(
        &self,
        decision_id: DecisionId,
    ) -> Result<Vec<civic_core::ReasonRedaction>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {REDACTION_COLUMNS} FROM reason_redactions WHERE decision_id = $1 \
             ORDER BY ledger_index"
        ))
        .bind(decision_id.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_redaction).collect()
    }

    /// Every override of a decision of `service`, oldest first, with the
    /// decision's raw input while it is still retained (`None` once it has
    /// lapsed or when it was never kept). Learning from reviewers'
    /// corrections reads these.
    pub async fn override_corrections(&self, service: &str) -> Result<Vec<Correction>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.decision_id, r.output, d.input, d.input_expires_at \
             FROM review_events r JOIN decisions d ON d.id = r.decision_id \
             WHERE r.action = 'override' AND d.service = $1 ORDER BY r.ledger_index",
        )
        .bind(service)
        .fetch_all(self.pool())
        .await?;
        let now = unix_millis(now_millis());
        rows.iter()
            .map(|row| {
                let decision_id: String = row.try_get("decision_id")?;
                let input: Option<String> = row.try_get("input")?;
                let expires: Option<i64> = row.try_get("input_expires_at")?;
                // Lapsed but not yet purged counts as gone: retention is a promise.
                let input = input
                    .filter(|_| expires.is_none_or(|e| e > now))
                    .map(|t| serde_json::from_str(&t).map_err(|e| corrupt("input", e)))
                    .transpose()?;
                Ok(Correction {
                    decision_id: decision_id.parse().map_err(|e| corrupt("decision id", e))?,
                    input,
                    output: json_column(row, "output")?,
                })
            })
            .collect()
    }
}

/// Deletes raw inputs, and the explanations and references of version-2
/// decisions, whose retention had lapsed by `now`, on `conn` (the ledger
/// writer's transaction, which records the purge); returns how many
/// decisions lost something. An explanation becomes JSON `null` and
/// `explanation_removed_at` records when; its digest stays, so the
/// decision's ledger entry still rebuilds.
pub(crate) async fn purge_expired_inputs(
    conn: &mut sqlx::AnyConnection,
    now: Timestamp,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE decisions SET \
           input = CASE WHEN input_expires_at <= $1 THEN NULL ELSE input END, \
           input_expires_at = CASE WHEN input_expires_at <= $1 THEN NULL ELSE input_expires_at END, \
           explanation = CASE WHEN text_expires_at <= $1 THEN 'null' ELSE explanation END, \
           reference = CASE WHEN text_expires_at <= $1 THEN NULL ELSE reference END, \
           explanation_removed_at = CASE WHEN text_expires_at <= $1 THEN $1 \
             ELSE explanation_removed_at END, \
           text_expires_at = CASE WHEN text_expires_at <= $1 THEN NULL ELSE text_expires_at END \
         WHERE input_expires_at <= $1 OR text_expires_at <= $1",
    )
    .bind(unix_millis(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
