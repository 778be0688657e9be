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
    /// How long an entry is trusted ([`RECHECK`]).
    recheck: Duration,
    /// Held while the registry is asked again, so that when an entry expires
    /// under load one request checks (and, if the active version changed,
    /// reloads) while the others wait for its answer, instead of every
    /// request reading and parsing the whole model at once.
    refresh: tokio::sync::Mutex<()>,
}

impl<M> Default for ModelCache<M> {
    fn default() -> Self {
        Self::with_recheck(RECHECK)
    }
}

impl<M> ModelCache<M> {
    fn with_recheck(recheck: Duration) -> Self {
        Self {
            loaded: RwLock::new(HashMap::new()),
            recheck,
            refresh: tokio::sync::Mutex::new(()),
        }
    }

    fn fresh(&self, name: &str) -> Option<Arc<Loaded<M>>> {
        let map = self.loaded.read().ok()?;
        let (loaded, at) = map.get(name)?;
        (at.elapsed() < self.recheck).then(|| loaded.clone())
    }

    /// The cached entry, however old.
    fn cached(&self, name: &str) -> Option<Arc<Loaded<M>>> {
        let map = self.loaded.read().ok()?;
        map.get(name).map(|(loaded, _)| loaded.clone())
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
        // The active version: one request at a time asks the registry again.
        let _refreshing = match version {
            None => Some(cache.refresh.lock().await),
            Some(_) => None,
        };
        if version.is_none() {
            if let Some(hit) = cache.fresh(name) {
                return Ok(hit);
            }
            if let Some(stale) = cache.cached(name)
                && self.store().active_version(name).await? == Some(stale.version.version)
            {
                cache.put(name, stale.clone());
                return Ok(stale);
            }
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

    /// Makes `version` the active version of a model, whatever its
    /// service, recorded in the ledger (which version replaced which) as
    /// done by `by`. Activating the active version changes and records
    /// nothing.
    pub async fn activate_model(
        &self,
        name: &str,
        version: i64,
        by: civic_core::Principal,
    ) -> Result<ModelVersion, AppError> {
        let activated = self.writer().activate_model(name, version, by).await?;
        self.triage_models.invalidate(name);
        self.risk_models.invalidate(name);
        match activated {
            Some(v) => Ok(v),
            None => Ok(self.store().model_version(name, version).await?),
        }
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

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    static PARSED: AtomicUsize = AtomicUsize::new(0);

    fn parse(bytes: &[u8]) -> Result<Vec<u8>, AppError> {
        PARSED.fetch_add(1, Ordering::SeqCst);
        Ok(bytes.to_vec())
    }

    async fn register(app: &App, bytes: &[u8]) -> i64 {
        app.writer()
            .register_model(
                civic_store::NewModel {
                    name: "m".into(),
                    service: civic_core::Service::parse("triage").expect("service"),
                    training_data_sha256: String::new(),
                    metrics: serde_json::json!({}),
                    model: bytes.to_vec(),
                    created_by: "operator:test".into(),
                },
                civic_core::Principal::demo(),
            )
            .await
            .expect("register")
            .version
    }

    /// When the cached active version expires under load, the model is read
    /// and parsed once, not once per waiting request; and a new active
    /// version is picked up at the next check.
    #[tokio::test(flavor = "multi_thread")]
    async fn an_expired_model_is_checked_once_and_reloaded_only_when_the_active_version_changed() {
        let dir = tempfile::tempdir().expect("dir");
        let config = crate::Config::load(crate::Overrides {
            data_dir: Some(dir.path().to_owned()),
            ..crate::Overrides::default()
        })
        .expect("config");
        crate::init(&config).await.expect("init");
        let app = App::open(config).await.expect("open");
        register(&app, b"one").await;
        // Every entry is stale at once: each call asks the registry again.
        let cache = Arc::new(ModelCache::<Vec<u8>>::with_recheck(Duration::ZERO));
        let load = |app: App, cache: Arc<ModelCache<Vec<u8>>>| async move {
            app.load_model(&cache, "triage", "m", None, parse)
                .await
                .expect("load")
        };
        let tasks: Vec<_> = (0..16)
            .map(|_| tokio::spawn(load(app.clone(), cache.clone())))
            .collect();
        for t in tasks {
            assert_eq!(t.await.expect("task").model, b"one");
        }
        assert_eq!(
            PARSED.load(Ordering::SeqCst),
            1,
            "parsed once for 16 requests"
        );

        let two = register(&app, b"two").await;
        let loaded = load(app.clone(), cache.clone()).await;
        assert_eq!(
            (loaded.version.version, loaded.model.as_slice()),
            (two, &b"two"[..])
        );
        assert_eq!(PARSED.load(Ordering::SeqCst), 2);
        app.shutdown().await.expect("shutdown");
    }
}
