//! The ledger's latest signed checkpoint and inclusion proofs.

use axum::Json;
use axum::extract::{Path, State};
use civic_core::{DecisionId, ErrorKind, rfc3339};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Audit, Caller, Readers};
use crate::error::ApiError;

/// A signed checkpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointView {
    /// The number of entries it commits to.
    pub tree_size: u64,
    /// The Merkle root (base64).
    pub root_hash: String,
    /// The C2SP signed note: checkpoint body and Ed25519 signature.
    pub note: String,
    /// The public key that verifies it (signed-note verifier key).
    pub verifier_key: String,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
}

/// The latest signed checkpoint (one is signed now if entries are unsigned).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = CheckpointView), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn checkpoint(
    State(state): State<AppState>,
    _caller: Caller<Readers>,
) -> Result<Json<CheckpointView>, ApiError> {
    let cp = state.app.writer().checkpoint_now().await?.ok_or_else(|| {
        ApiError::new(
            ErrorKind::NotFound,
            "empty_ledger",
            "the ledger has no entries yet",
        )
    })?;
    Ok(Json(CheckpointView {
        tree_size: cp.size,
        root_hash: cp.root.to_base64(),
        note: cp.note,
        verifier_key: state.app.verifier().verifier_key().to_owned(),
        signed_at: rfc3339(cp.created_at),
    }))
}

/// An inclusion proof bundle for a decision's ledger entry, checkable
/// offline with `civic audit check-proof`.
#[utoipa::path(get, path = "/api/v1/audit/proof/{id}", tag = "audit",
    params(("id" = String, Path, description = "Decision id (UUID)")),
    responses((status = 200, description = "A proof bundle (civic-ledger-proof/v1 JSON)", body = Object),
              (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn proof(
    State(state): State<AppState>,
    _caller: Caller<Audit>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: DecisionId = id.parse()?;
    let bundle = state.app.proof(id).await?;
    let value = serde_json::to_value(&bundle).map_err(|e| {
        ApiError::new(
            ErrorKind::Internal,
            "internal",
            format!("proof bundle: {e}"),
        )
    })?;
    Ok(Json(value))
}
