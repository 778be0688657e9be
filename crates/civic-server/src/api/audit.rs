//! The ledger's latest signed checkpoint, inclusion proofs and the list of
//! governance events.

use axum::Json;
use axum::extract::{Path, State};
use civic_app::governance::{GovernanceChange, GovernanceFilter, GovernanceKind};
use civic_core::{DecisionId, ErrorKind, GovernanceEvent, rfc3339};
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

/// A query string read into `T`, or 400 `invalid_query` saying what is wrong.
fn query_or_400<T>(
    query: Result<axum::extract::Query<T>, axum::extract::rejection::QueryRejection>,
) -> Result<T, ApiError> {
    query.map(|axum::extract::Query(q)| q).map_err(|r| {
        ApiError::new(
            ErrorKind::InvalidInput,
            "invalid_query",
            format!("the query string is not valid: {}", r.body_text()),
        )
    })
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
    let q = query_or_400(query)?;
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

/// Which governance events to list.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct EventsQuery {
    /// Only events of this kind: `key_created`, `key_revoked`,
    /// `user_created`, `password_reset`, `model_registered`,
    /// `model_activated`, `inputs_purged` or `settings_changed`.
    kind: Option<String>,
    /// Only events by this principal (`key:<uuid>`, `user:<uuid>`,
    /// `operator:<name>`).
    by: Option<String>,
    /// Only events at or after this time (RFC 3339).
    from: Option<String>,
    /// Only events before this time (RFC 3339).
    to: Option<String>,
    /// Only events before this ledger position: `next_before` of the
    /// previous page.
    before: Option<u64>,
    /// At most this many, from 1 to 500 (default 100).
    #[serde(default = "default_limit")]
    limit: u32,
}

/// One governance event: a change of who may act or of what decides, as
/// its ledger entry records it. Besides the fields every event has, each
/// kind has its own (absent for the other kinds).
#[derive(Debug, Serialize, ToSchema)]
pub struct GovernanceEventView {
    /// Its position in the ledger (`GET /audit/proof/...` proves decisions;
    /// `civic audit verify` checks every entry).
    pub ledger_index: u64,
    /// The event's id.
    pub id: String,
    /// Its kind (see the `kind` filter).
    pub event: String,
    /// Who made the change (`key:…`, `user:…`, `operator:…`).
    pub by: String,
    /// When (RFC 3339).
    pub created_at: String,
    /// `key_created`, `key_revoked`: the key's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_id: Option<String>,
    /// `user_created`, `password_reset`: the user's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// `key_created`, `user_created`: the role given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// `model_registered`, `model_activated`: the model's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_name: Option<String>,
    /// `model_registered`, `model_activated`: the version registered or
    /// made active.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_version: Option<String>,
    /// `model_registered`, `model_activated`: the version it replaced as
    /// the active one (absent when there was none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replaced_version: Option<String>,
    /// `model_registered`: the service the model serves.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    /// `model_registered`: SHA-256 (hex) of the training data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub training_data_sha256: Option<String>,
    /// `model_registered`: SHA-256 (hex) of the canonical JSON of the
    /// version's evaluation report.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metrics_sha256: Option<String>,
    /// `inputs_purged`: how many decisions lost their input, explanation
    /// or reference.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub count: Option<u64>,
    /// `inputs_purged`: everything that lapsed by this time was purged
    /// (RFC 3339).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub up_to: Option<String>,
    /// `settings_changed`: SHA-256 (hex) of the canonical JSON of the
    /// settings that alter decisions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub settings_sha256: Option<String>,
    /// `settings_changed`: the names of the settings that differ from the
    /// last recorded ones (every name the first time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub changed: Option<Vec<String>>,
}

impl From<&GovernanceEvent> for GovernanceEventView {
    fn from(e: &GovernanceEvent) -> Self {
        let mut view = GovernanceEventView {
            ledger_index: e.ledger_index,
            id: e.id.to_string(),
            event: e.change.kind().to_string(),
            by: e.by.to_string(),
            created_at: rfc3339(e.created_at),
            key_id: None,
            user_id: None,
            role: None,
            model_name: None,
            model_version: None,
            replaced_version: None,
            service: None,
            training_data_sha256: None,
            metrics_sha256: None,
            count: None,
            up_to: None,
            settings_sha256: None,
            changed: None,
        };
        match &e.change {
            GovernanceChange::KeyCreated { key_id, role } => {
                view.key_id = Some(key_id.to_string());
                view.role = Some(role.to_string());
            }
            GovernanceChange::KeyRevoked { key_id } => view.key_id = Some(key_id.to_string()),
            GovernanceChange::UserCreated { user_id, role } => {
                view.user_id = Some(user_id.to_string());
                view.role = Some(role.to_string());
            }
            GovernanceChange::PasswordReset { user_id } => view.user_id = Some(user_id.to_string()),
            GovernanceChange::ModelRegistered {
                model,
                service,
                training_data_sha256,
                metrics_sha256,
                replaced_version,
            } => {
                view.model_name = Some(model.name.clone());
                view.model_version = Some(model.version.clone());
                view.replaced_version = replaced_version.clone();
                view.service = Some(service.to_string());
                view.training_data_sha256 = Some(training_data_sha256.clone());
                view.metrics_sha256 = Some(metrics_sha256.to_hex());
            }
            GovernanceChange::ModelActivated {
                model,
                replaced_version,
            } => {
                view.model_name = Some(model.name.clone());
                view.model_version = Some(model.version.clone());
                view.replaced_version = replaced_version.clone();
            }
            GovernanceChange::InputsPurged { count, up_to } => {
                view.count = Some(*count);
                view.up_to = Some(rfc3339(*up_to));
            }
            GovernanceChange::SettingsChanged { settings, changed } => {
                view.settings_sha256 = Some(civic_core::Digest::of_json(settings).to_hex());
                view.changed = Some(changed.clone());
            }
        }
        view
    }
}

/// A page of governance events.
#[derive(Debug, Serialize, ToSchema)]
pub struct GovernanceEventList {
    /// The events, newest first.
    pub events: Vec<GovernanceEventView>,
    /// `before` for the next (older) page, when there may be more.
    pub next_before: Option<u64>,
}

/// Every change of who may act or of what decides, newest first: API keys
/// created and revoked, web users added and passwords reset, model
/// versions registered and activated, purges of lapsed inputs, and the
/// settings that alter decisions when an instance started with different
/// ones. Each is a ledger entry, checked by `civic audit verify`.
#[utoipa::path(get, path = "/api/v1/audit/events", tag = "audit",
    params(EventsQuery),
    responses((status = 200, body = GovernanceEventList), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn events(
    State(state): State<AppState>,
    _caller: Caller<Audit>,
    query: Result<axum::extract::Query<EventsQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Json<GovernanceEventList>, ApiError> {
    let q = query_or_400(query)?;
    let time = |text: &Option<String>, field: &'static str| {
        text.as_deref()
            .map(|t| {
                civic_core::Timestamp::parse(t, &time::format_description::well_known::Rfc3339)
                    .map_err(|_| {
                        civic_core::ParseError::new(
                            field,
                            "must be an RFC 3339 time, e.g. 2026-12-01T00:00:00Z",
                        )
                    })
            })
            .transpose()
    };
    let filter = GovernanceFilter {
        kind: q.kind.as_deref().map(GovernanceKind::parse).transpose()?,
        by: q.by.as_deref().map(str::parse).transpose()?,
        from: time(&q.from, "from")?,
        to: time(&q.to, "to")?,
        before_index: q.before,
    };
    let found = state.app.governance_events(&filter, q.limit).await?;
    let next_before = (found.len() == q.limit as usize)
        .then(|| found.last().map(|e| e.ledger_index))
        .flatten();
    Ok(Json(GovernanceEventList {
        events: found.iter().map(GovernanceEventView::from).collect(),
        next_before,
    }))
}
