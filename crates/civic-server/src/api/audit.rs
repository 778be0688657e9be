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
    /// The C2SP signed note: checkpoint body, the ledger's Ed25519
    /// signature and any witness cosignatures (C2SP tlog-cosignature).
    pub note: String,
    /// The public key that verifies it (signed-note verifier key).
    pub verifier_key: String,
    /// When it was signed (RFC 3339).
    pub signed_at: String,
    /// The configured witnesses that cosigned it, each checked against the
    /// witness's key; empty when none has (yet).
    pub cosignatures: Vec<CosignatureView>,
}

/// One witness's cosignature of a checkpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct CosignatureView {
    /// The witness's name.
    pub witness: String,
    /// The witness's public key (cosignature/v1 verifier key).
    pub witness_key: String,
    /// When the witness cosigned (RFC 3339).
    pub cosigned_at: Option<String>,
    /// The note signature line, as the witness returned it.
    pub line: String,
}

impl CheckpointView {
    /// A stored checkpoint with its cosignatures, as the API shows it.
    pub fn new(
        app: &civic_app::App,
        cp: civic_app::ledger::StoredCheckpoint,
    ) -> Result<Self, ApiError> {
        let cosignatures = app
            .cosignatures(cp.size, &cp.root)
            .into_iter()
            .map(|c| CosignatureView {
                cosigned_at: c.cosigned_at().map(rfc3339),
                witness: c.witness,
                witness_key: c.key,
                line: c.cosignature,
            })
            .collect();
        Ok(CheckpointView {
            tree_size: cp.size,
            root_hash: cp.root.to_base64(),
            note: app.with_cosignatures(&cp)?,
            verifier_key: app.verifier().verifier_key().to_owned(),
            signed_at: rfc3339(cp.created_at),
            cosignatures,
        })
    }
}

/// The latest signed checkpoint (one is signed now if entries are unsigned).
#[utoipa::path(get, path = "/api/v1/audit/checkpoint", tag = "audit",
    responses((status = 200, body = CheckpointView), (status = 404, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn checkpoint(
    State(state): State<AppState>,
    _caller: Caller<Readers>,
) -> Result<Json<CheckpointView>, ApiError> {
    let cp = state.app.checkpoint_now().await?.ok_or_else(|| {
        ApiError::new(
            ErrorKind::NotFound,
            "empty_ledger",
            "the ledger has no entries yet",
        )
    })?;
    Ok(Json(CheckpointView::new(&state.app, cp)?))
}

/// Which checkpoints to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct CheckpointsQuery {
    /// Only checkpoints covering more than this many entries (default 0).
    #[serde(default)]
    after: u64,
    /// At most this many, from 1 to 1,000 (default 100).
    #[serde(default = "default_limit")]
    limit: u32,
}

fn default_limit() -> u32 {
    100
}

/// A page of signed checkpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckpointList {
    /// The checkpoints, smallest tree first.
    pub checkpoints: Vec<CheckpointView>,
    /// `after` for the next page, when there may be more.
    pub next_after: Option<u64>,
}

/// Every signed checkpoint, in pages, smallest first: what an auditor or a
/// witness keeps, to prove later with `civic audit verify --since` that the
/// ledger still extends it.
#[utoipa::path(get, path = "/api/v1/audit/checkpoints", tag = "audit",
    params(CheckpointsQuery),
    responses((status = 200, body = CheckpointList), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn checkpoints(
    State(state): State<AppState>,
    _caller: Caller<Readers>,
    query: Result<axum::extract::Query<CheckpointsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<CheckpointList>, ApiError> {
    let axum::extract::Query(q) = query.map_err(|r| {
        ApiError::new(
            ErrorKind::InvalidInput,
            "invalid_query",
            format!("the query string is not valid: {}", r.body_text()),
        )
    })?;
    let found = state.app.checkpoints_after(q.after, q.limit).await?;
    let next_after = (found.len() == q.limit as usize)
        .then(|| found.last().map(|c| c.size))
        .flatten();
    let checkpoints = found
        .into_iter()
        .map(|cp| CheckpointView::new(&state.app, cp))
        .collect::<Result<_, _>>()?;
    Ok(Json(CheckpointList {
        checkpoints,
        next_after,
    }))
}

/// The layout of a proof bundle (`civic-ledger-proof/v1`), for the OpenAPI
/// document only: the answer is the ledger's own bundle, serialised by
/// civic-ledger, which the server does not depend on. A test holds the
/// answer's fields to these.
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct ProofBundleLayout {
    /// Always `civic-ledger-proof/v1`.
    format: String,
    /// The entry's 0-based position in the log.
    index: u64,
    /// The entry bytes exactly as logged (canonical JSON), base64.
    entry: String,
    /// The RFC 9162 inclusion path from the entry's leaf to the
    /// checkpoint's root, base64 hashes, lowest level first.
    inclusion_path: Vec<String>,
    /// The signed checkpoint (C2SP signed note) whose tree holds the entry,
    /// with any witnesses' cosignature lines.
    checkpoint: String,
    /// The log's verifier key, `<origin>+<key id>+<base64 key>`.
    verifier_key: String,
}

/// An inclusion proof bundle for a decision's ledger entry, checkable
/// offline with `civic audit check-proof`.
#[utoipa::path(get, path = "/api/v1/audit/proof/{id}", tag = "audit",
    params(("id" = String, Path, description = "Decision id (UUID)")),
    responses((status = 200, description = "A proof bundle (civic-ledger-proof/v1 JSON)", body = ProofBundleLayout),
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
