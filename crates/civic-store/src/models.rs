//! The model registry: trained models, versioned per name, with their
//! metrics and training-data digest; one active version per name.

use civic_core::{Service, Timestamp, from_unix_millis, unix_millis};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::{Store, StoreError};

/// A model to register.
#[derive(Debug, Clone)]
pub struct NewModel {
    /// The model's name, e.g. `council-triage`.
    pub name: String,
    /// The service it serves.
    pub service: Service,
    /// SHA-256 (hex) of the training data file.
    pub training_data_sha256: String,
    /// Evaluation metrics (service-specific JSON).
    pub metrics: Value,
    /// The serialised model.
    pub model: Vec<u8>,
    /// Who trained it (a key id or `cli`).
    pub created_by: String,
}

/// A registered model version, without its bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelVersion {
    /// The model's name.
    pub name: String,
    /// Its version, counting from 1 per name.
    pub version: i64,
    /// The service it serves.
    pub service: Service,
    /// Whether it is the version in use.
    pub active: bool,
    /// SHA-256 (hex) of the training data.
    pub training_data_sha256: String,
    /// Evaluation metrics.
    pub metrics: Value,
    /// Who trained it.
    pub created_by: String,
    /// When.
    pub created_at: Timestamp,
}

const COLUMNS: &str =
    "name, version, service, active, training_data_sha256, metrics, created_by, created_at";

fn row_to_version(row: &AnyRow) -> Result<ModelVersion, StoreError> {
    let service: String = row.try_get("service")?;
    let metrics: String = row.try_get("metrics")?;
    let active: i64 = row.try_get("active")?;
    let created_at: i64 = row.try_get("created_at")?;
    Ok(ModelVersion {
        name: row.try_get("name")?,
        version: row.try_get("version")?,
        service: Service::parse(&service)
            .map_err(|e| StoreError::Corrupt(format!("model service: {e}")))?,
        active: active != 0,
        training_data_sha256: row.try_get("training_data_sha256")?,
        metrics: serde_json::from_str(&metrics)
            .map_err(|e| StoreError::Corrupt(format!("model metrics: {e}")))?,
        created_by: row.try_get("created_by")?,
        created_at: from_unix_millis(created_at)
            .ok_or_else(|| StoreError::Corrupt("model time".into()))?,
    })
}

/// The active version of `name` on `conn`, if it has one.
async fn active_on(conn: &mut AnyConnection, name: &str) -> Result<Option<i64>, StoreError> {
    let row = sqlx::query("SELECT version FROM models WHERE name = $1 AND active = 1")
        .bind(name)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get("version")?),
        None => None,
    })
}

async fn version_on(
    conn: &mut AnyConnection,
    name: &str,
    version: i64,
) -> Result<Option<ModelVersion>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM models WHERE name = $1 AND version = $2"
    ))
    .bind(name)
    .bind(version)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(row_to_version).transpose()
}

/// Registers a new version of a model at `now` on `conn` (the ledger
/// writer's transaction, which holds the ledger's lock, so version numbers
/// never collide) and makes it the active one; returns it and the version it
/// replaced as the active one, if any.
pub(crate) async fn register(
    conn: &mut AnyConnection,
    new: &NewModel,
    now: Timestamp,
) -> Result<(ModelVersion, Option<i64>), StoreError> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM models WHERE name = $1")
        .bind(&new.name)
        .fetch_one(&mut *conn)
        .await?;
    let version: i64 = row.try_get("v")?;
    let replaced = active_on(conn, &new.name).await?;
    sqlx::query("UPDATE models SET active = 0 WHERE name = $1 AND active = 1")
        .bind(&new.name)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO models (name, version, service, active, training_data_sha256, metrics, model, \
         created_by, created_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)",
    )
    .bind(&new.name)
    .bind(version)
    .bind(new.service.as_str())
    .bind(&new.training_data_sha256)
    .bind(new.metrics.to_string())
    .bind(new.model.clone())
    .bind(&new.created_by)
    .bind(unix_millis(now))
    .execute(&mut *conn)
    .await?;
    let registered = version_on(conn, &new.name, version)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("model {}@{version} vanished", new.name)))?;
    Ok((registered, replaced))
}

/// Makes `version` the active version of `name` on `conn`: `Ok(Ok(None))`
/// when it already is (nothing changes), `Ok(Err)` when there is no such
/// version; otherwise the version and the one it replaced.
pub(crate) async fn activate(
    conn: &mut AnyConnection,
    name: &str,
    version: i64,
) -> Result<Result<Option<(ModelVersion, Option<i64>)>, StoreError>, StoreError> {
    if version_on(conn, name, version).await?.is_none() {
        return Ok(Err(StoreError::NotFound {
            what: "model version",
            id: format!("{name}@{version}"),
        }));
    }
    let replaced = active_on(conn, name).await?;
    if replaced == Some(version) {
        return Ok(Ok(None));
    }
    sqlx::query("UPDATE models SET active = 0 WHERE name = $1 AND active = 1")
        .bind(name)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE models SET active = 1 WHERE name = $1 AND version = $2")
        .bind(name)
        .bind(version)
        .execute(&mut *conn)
        .await?;
    let activated = version_on(conn, name, version)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("model {name}@{version} vanished")))?;
    Ok(Ok(Some((activated, replaced))))
}

impl Store {
    /// One version's record (without its bytes).
    pub async fn model_version(
        &self,
        name: &str,
        version: i64,
    ) -> Result<ModelVersion, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM models WHERE name = $1 AND version = $2"
        ))
        .bind(name)
        .bind(version)
        .fetch_optional(self.pool())
        .await?
        .ok_or_else(|| StoreError::NotFound {
            what: "model version",
            id: format!("{name}@{version}"),
        })?;
        row_to_version(&row)
    }

    /// Every registered version, by name then version.
    pub async fn list_models(&self) -> Result<Vec<ModelVersion>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM models ORDER BY name, version"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_version).collect()
    }

    /// The active version number of `name`, if it has one: a cheap check of
    /// whether a cached model is still the active one.
    pub async fn active_version(&self, name: &str) -> Result<Option<i64>, StoreError> {
        let row = sqlx::query("SELECT version FROM models WHERE name = $1 AND active = 1")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(match row {
            Some(row) => Some(row.try_get("version")?),
            None => None,
        })
    }

    /// A model's bytes: the given version, or the active one.
    pub async fn model_bytes(
        &self,
        name: &str,
        version: Option<i64>,
    ) -> Result<(ModelVersion, Vec<u8>), StoreError> {
        let row = match version {
            Some(v) => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS}, model FROM models WHERE name = $1 AND version = $2"
                ))
                .bind(name)
                .bind(v)
                .fetch_optional(self.pool())
                .await?
            }
            None => {
                sqlx::query(&format!(
                    "SELECT {COLUMNS}, model FROM models WHERE name = $1 AND active = 1"
                ))
                .bind(name)
                .fetch_optional(self.pool())
                .await?
            }
        };
        let row = row.ok_or_else(|| StoreError::NotFound {
            what: "model",
            id: match version {
                Some(v) => format!("{name}@{v}"),
                None => {
                    format!("{name} (no active version; train one or run `civic model activate`)")
                }
            },
        })?;
        Ok((row_to_version(&row)?, row.try_get("model")?))
    }
}
