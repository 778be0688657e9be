//! API key management (admins only).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use civic_app::keys::ApiKey;
use civic_core::{KeyId, Role, rfc3339};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::auth::{Admins, Caller};
use crate::error::ApiError;
use crate::json::ApiJson;

/// An API key (never its token).
#[derive(Debug, Serialize, ToSchema)]
pub struct KeyView {
    /// The key's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// `caseworker`, `reviewer`, `admin` or `auditor`.
    pub role: String,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339, if revoked.
    pub revoked_at: Option<String>,
}

impl From<&ApiKey> for KeyView {
    fn from(k: &ApiKey) -> Self {
        KeyView {
            id: k.id.to_string(),
            name: k.name.clone(),
            role: k.role.to_string(),
            created_at: rfc3339(k.created_at),
            revoked_at: k.revoked_at.map(rfc3339),
        }
    }
}

/// A new key's request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateKeyRequest {
    /// A name saying who or what uses it.
    pub name: String,
    /// `caseworker`, `reviewer`, `admin` or `auditor`.
    pub role: String,
}

/// A new key with its token, shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedKey {
    /// The key.
    pub key: KeyView,
    /// The bearer token. It is not stored and cannot be shown again.
    pub token: String,
}

/// Every API key.
#[utoipa::path(get, path = "/api/v1/keys", tag = "keys",
    responses((status = 200, body = [KeyView])), security(("api_key" = [])))]
pub async fn list(
    State(state): State<AppState>,
    _caller: Caller<Admins>,
) -> Result<Json<Vec<KeyView>>, ApiError> {
    let keys = state.app.list_keys().await?;
    Ok(Json(keys.iter().map(KeyView::from).collect()))
}

/// Creates a key.
#[utoipa::path(post, path = "/api/v1/keys", tag = "keys", request_body = CreateKeyRequest,
    responses((status = 201, body = CreatedKey), (status = 400, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn create(
    State(state): State<AppState>,
    caller: Caller<Admins>,
    ApiJson(body): ApiJson<CreateKeyRequest>,
) -> Result<(StatusCode, Json<CreatedKey>), ApiError> {
    let role: Role = body.role.parse()?;
    let made = state
        .app
        .create_key(&body.name, role, caller.principal())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedKey {
            key: KeyView::from(&made.key),
            token: made.token,
        }),
    ))
}

/// Revokes a key at once.
#[utoipa::path(post, path = "/api/v1/keys/{id}/revoke", tag = "keys",
    params(("id" = String, Path, description = "Key id")),
    responses((status = 200, body = KeyView), (status = 404, body = crate::error::ErrorBody),
              (status = 409, body = crate::error::ErrorBody)),
    security(("api_key" = [])))]
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller<Admins>,
    Path(id): Path<String>,
) -> Result<Json<KeyView>, ApiError> {
    let id: KeyId = id.parse()?;
    let key = state.app.revoke_key(id, caller.principal()).await?;
    Ok(Json(KeyView::from(&key)))
}
