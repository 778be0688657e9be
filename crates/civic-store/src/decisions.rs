//! Reading decision records and review events back.

use civic_core::{
    Decision, DecisionId, Digest, ModelRef, Reason, ReviewAction, ReviewEvent, Service,
    from_unix_millis, now_millis, unix_millis,
};
use serde_json::Value;
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::{Store, StoreError, from_sql_index};

pub(crate) const DECISION_COLUMNS: &str = "id, service, model_name, model_version, input_sha256, output, explanation, \
     confidence, status, initial_status, requested_by, reference, created_at, ledger_index";

pub(crate) const REVIEW_COLUMNS: &str =
    "id, decision_id, action, output, reason, reviewer, created_at, ledger_index";

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

/// Maps a row selected with [`DECISION_COLUMNS`] to a [`Decision`].
pub(crate) fn row_to_decision(row: &AnyRow) -> Result<Decision, StoreError> {
    let id: String = row.try_get("id")?;
    let service: String = row.try_get("service")?;
    let digest: String = row.try_get("input_sha256")?;
    let status: String = row.try_get("status")?;
    let initial_status: String = row.try_get("initial_status")?;
    let requested_by: String = row.try_get("requested_by")?;
    Ok(Decision {
        id: id.parse().map_err(|e| corrupt("decision id", e))?,
        service: Service::parse(&service).map_err(|e| corrupt("service", e))?,
        model: ModelRef {
            name: row.try_get("model_name")?,
            version: row.try_get("model_version")?,
        },
        input_digest: Digest::from_hex(&digest)
            .ok_or_else(|| corrupt("input_sha256", "not 64 hex digits"))?,
        output: json_column(row, "output")?,
        explanation: json_column(row, "explanation")?,
        confidence: row.try_get("confidence")?,
        status: status.parse().map_err(|e| corrupt("status", e))?,
        initial_status: initial_status
            .parse()
            .map_err(|e| corrupt("initial_status", e))?,
        requested_by: requested_by
            .parse()
            .map_err(|e| corrupt("requested_by", e))?,
        reference: row.try_get("reference")?,
        created_at: time_column(row, "created_at")?,
        ledger_index: from_sql_index(row.try_get("ledger_index")?)?,
    })
}

/// Maps a row selected with [`REVIEW_COLUMNS`] to a [`ReviewEvent`].
pub(crate) fn row_to_review(row: &AnyRow) -> Result<ReviewEvent, StoreError> {
    let id: String = row.try_get("id")?;
    let decision_id: String = row.try_get("decision_id")?;
    let action: String = row.try_get("action")?;
    let reviewer: String = row.try_get("reviewer")?;
    let action = match action.as_str() {
        "accept" => ReviewAction::Accept,
        "override" => {
            let output = json_column(row, "output")?;
            let reason: Option<String> = row.try_get("reason")?;
            let reason = Reason::parse(reason.as_deref().unwrap_or_default())
                .map_err(|e| corrupt("reason", e))?;
            ReviewAction::Override { output, reason }
        }
        other => return Err(corrupt("review action", other)),
    };
    Ok(ReviewEvent {
        id: id.parse().map_err(|e| corrupt("review id", e))?,
        decision_id: decision_id.parse().map_err(|e| corrupt("decision id", e))?,
        action,
        reviewer: reviewer.parse().map_err(|e| corrupt("reviewer", e))?,
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

    /// Deletes raw inputs whose retention has lapsed; returns how many.
    pub async fn purge_expired_inputs(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE decisions SET input = NULL, input_expires_at = NULL \
             WHERE input_expires_at IS NOT NULL AND input_expires_at <= $1",
        )
        .bind(unix_millis(now_millis()))
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected())
    }
}
