//! Loading registered models, for every service: the registry record, the
//! check that the model serves the service asked for, parsing off the async
//! workers, and a short-lived cache of active versions.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

pub use civic_store::{ModelVersion, SampleOutcomes};

use crate::{App, AppError};

/// How long a loaded model is trusted to still be the active version before
/// the registry is asked again (another process may have activated another).
const RECHECK: Duration = Duration::from_secs(10);

/// A model with the registry record it came from.
#[derive(Debug)]
pub struct Loaded<M> {
    /// The registry record.
    pub version: ModelVersion,
    /// The model.
    pub model: M,
}

/// A cached model and when it was loaded.
type Entry<M> = (Arc<Loaded<M>>, Instant);

/// Loaded active versions of one service's models, by name.
#[derive(Debug)]
pub(crate) struct ModelCache<M> {
    loaded: RwLock<HashMap<String, Entry<M>>>,
}

impl<M> Default for ModelCache<M> {
    fn default() -> Self {
        Self {
            loaded: RwLock::new(HashMap::new()),
        }
    }
}

impl<M> ModelCache<M> {
    fn fresh(&self, name: &str) -> Option<Arc<Loaded<M>>> {
        let map = self.loaded.read().ok()?;
        let (loaded, at) = map.get(name)?;
        (at.elapsed() < RECHECK).then(|| loaded.clone())
    }

    fn put(&self, name: &str, loaded: Arc<Loaded<M>>) {
        if let Ok(mut map) = self.loaded.write() {
            map.insert(name.to_owned(), (loaded, Instant::now()));
        }
    }

    /// Forgets a model, so that the next use reads the registry again.
    pub(crate) fn invalidate(&self, name: &str) {
        if let Ok(mut map) = self.loaded.write() {
            map.remove(name);
        }
    }
}

impl App {
    /// The active (or a given) version of a model of `service`, loaded with
    /// `parse` on a blocking thread; active versions are cached.
    pub(crate) async fn load_model<M: Send + Sync + 'static>(
        &self,
        cache: &ModelCache<M>,
        service: &'static str,
        name: &str,
        version: Option<i64>,
        parse: fn(&[u8]) -> Result<M, AppError>,
    ) -> Result<Arc<Loaded<M>>, AppError> {
        if version.is_none()
            && let Some(hit) = cache.fresh(name)
        {
            return Ok(hit);
        }
        let (record, bytes) = self.store().model_bytes(name, version).await?;
        if record.service.as_str() != service {
            return Err(AppError::Invalid {
                field: "model",
                message: format!(
                    "{name} is a {} model, not a {service} model",
                    record.service
                ),
            });
        }
        let model = tokio::task::spawn_blocking(move || parse(&bytes))
            .await
            .map_err(|e| AppError::Internal(format!("model load task: {e}")))??;
        let loaded = Arc::new(Loaded {
            version: record,
            model,
        });
        if version.is_none() {
            cache.put(name, loaded.clone());
        }
        Ok(loaded)
    }

    /// Makes `version` the active version of a model, whatever its service.
    pub async fn activate_model(&self, name: &str, version: i64) -> Result<ModelVersion, AppError> {
        let v = self.store().activate_model(name, version).await?;
        self.triage_models.invalidate(name);
        self.risk_models.invalidate(name);
        Ok(v)
    }

    /// Every registered model version, whatever its service, by name then
    /// version.
    pub async fn list_models(&self) -> Result<Vec<ModelVersion>, AppError> {
        Ok(self.store().list_models().await?)
    }

    /// The outcomes of quality samples per model version (how many were
    /// sampled, reviewed and overridden), by model name and version.
    pub async fn quality_samples_by_model(&self) -> Result<Vec<SampleOutcomes>, AppError> {
        Ok(self.store().quality_samples_by_model().await?)
    }
}
