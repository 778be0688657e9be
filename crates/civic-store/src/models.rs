//! The model registry: trained models, versioned per name, with their
//! metrics and training-data digest; one active version per name.

use civic_core::{Service, Timestamp, from_unix_millis, now_millis, unix_millis};
use serde_json::Value;
use sqlx::any::AnyRow;
use sqlx::{Executor as _, Row as _};

use crate::{Backend, Store, StoreError};

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

impl Store {
    /// Registers a new version of a model and makes it the active one.
    pub async fn register_model(&self, new: NewModel) -> Result<ModelVersion, StoreError> {
        let mut conn = self.pool().acquire().await?;
        conn.execute(match self.backend() {
            Backend::Sqlite => "BEGIN IMMEDIATE",
            Backend::Postgres => "BEGIN",
        })
        .await?;
        let result = async {
            if self.backend() == Backend::Postgres {
                // Serialises version numbering per name across processes.
                sqlx::query("SELECT pg_advisory_xact_lock(hashtext($1))")
                    .bind(&new.name)
                    .execute(&mut *conn)
                    .await?;
            }
            let row = sqlx::query("SELECT COALESCE(MAX(version), 0) + 1 AS v FROM models WHERE name = $1")
                .bind(&new.name)
                .fetch_one(&mut *conn)
                .await?;
            let version: i64 = row.try_get("v")?;
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
            .bind(unix_millis(now_millis()))
            .execute(&mut *conn)
            .await?;
            Ok::<i64, StoreError>(version)
        }
        .await;
        match result {
            Ok(version) => {
                conn.execute("COMMIT").await?;
                self.model_version(&new.name, version).await
            }
            Err(e) => {
                if conn.execute("ROLLBACK").await.is_err() {
                    let _ = conn.detach();
                }
                Err(e)
            }
        }
    }

    /// Makes `version` the active version of `name`.
    pub async fn activate_model(
        &self,
        name: &str,
        version: i64,
    ) -> Result<ModelVersion, StoreError> {
        self.model_version(name, version).await?;
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE models SET active = 0 WHERE name = $1 AND active = 1")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE models SET active = 1 WHERE name = $1 AND version = $2")
            .bind(name)
            .bind(version)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        self.model_version(name, version).await
    }

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
