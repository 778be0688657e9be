//! Asking witnesses to cosign this ledger's checkpoints (the log side of
//! C2SP `tlog-witness`).
//!
//! After the writer signs a checkpoint, a background task (started by the
//! server, [`App::spawn_witnessing`]) sends the latest checkpoint to each
//! configured witness with a consistency proof from the size that witness
//! last cosigned, and keeps the cosignature it returns. A witness that is
//! down, slow or refuses is retried on the next round; writes never wait
//! for a witness.
//!
//! Cosignatures are kept in a JSON Lines file beside the checkpoint log
//! ([`Config::cosignature_log`](crate::Config::cosignature_log)), not in the
//! database: like the checkpoints they vouch for, they are evidence about
//! the database and should not share its fate (a restored or rewritten
//! database must not take them with it), each line verifies on its own, and
//! both backends need no migration. Each line:
//! `{"witness":…,"key":…,"size":…,"root":…,"cosignature":"— name base64\n"}`.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

use civic_ledger::{AddCheckpoint, Checkpoint, Cosignature, Hash};
use civic_store::StoredCheckpoint;
use serde::{Deserialize, Serialize};

use crate::config::WitnessSetting;
use crate::{App, AppError};

/// How long one request to a witness may take.
const WITNESS_TIMEOUT: Duration = Duration::from_secs(10);

/// One witness's cosignature of one checkpoint, as kept in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedCosignature {
    /// The witness's name.
    pub witness: String,
    /// The witness's public key when it cosigned.
    pub key: String,
    /// The checkpoint's tree size.
    pub size: u64,
    /// The checkpoint's root hash.
    pub root: Hash,
    /// The note signature line, as the witness returned it.
    pub cosignature: String,
}

impl RecordedCosignature {
    /// When the witness cosigned (seconds since the Unix epoch), if the line parses.
    pub fn timestamp(&self) -> Option<u64> {
        Cosignature::from_line(&self.cosignature)
            .ok()
            .map(|c| c.timestamp)
    }

    /// When the witness cosigned, if the line parses.
    pub fn cosigned_at(&self) -> Option<civic_core::Timestamp> {
        let seconds = i64::try_from(self.timestamp()?).ok()?;
        civic_core::from_unix_millis(seconds.checked_mul(1000)?)
    }
}

/// A checkpoint and the configured witnesses' valid cosignatures of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CosignedCheckpoint {
    /// Entries covered.
    pub size: u64,
    /// Its root hash.
    pub root: Hash,
    /// At least one.
    pub cosignatures: Vec<RecordedCosignature>,
}

/// What one round did with one witness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WitnessOutcome {
    /// The witness's name.
    pub witness: String,
    /// The size it cosigned (or had already), or why it did not.
    pub result: Result<u64, String>,
}

/// The log side's state: the cosignatures so far and what each witness
/// is believed to have seen.
#[derive(Debug)]
pub(crate) struct Witnessing {
    path: PathBuf,
    witnesses: Vec<WitnessSetting>,
    client: reqwest::Client,
    /// By tree size, every cosignature recorded (kept in memory: about
    /// 200 bytes each, read once at start).
    recorded: std::sync::Mutex<BTreeMap<u64, Vec<RecordedCosignature>>>,
    /// The size each witness last cosigned or told us it has.
    known: std::sync::Mutex<HashMap<String, u64>>,
    /// One round at a time: the task and a test (or two ticks) must not
    /// send the same witness two requests built on the same old size.
    round: tokio::sync::Mutex<()>,
}

impl Witnessing {
    /// Reads the cosignature file at `path` (none yet is empty).
    pub(crate) fn open(path: PathBuf, witnesses: Vec<WitnessSetting>) -> Result<Self, AppError> {
        let mut recorded: BTreeMap<u64, Vec<RecordedCosignature>> = BTreeMap::new();
        let mut known = HashMap::new();
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let r: RecordedCosignature =
                        serde_json::from_str(line).map_err(|e| AppError::Io {
                            path: path.clone(),
                            message: format!(
                                "the cosignature log: line {}: not a cosignature record: {e}",
                                i + 1
                            ),
                        })?;
                    let size = known.entry(r.witness.clone()).or_insert(0);
                    *size = (*size).max(r.size);
                    recorded.entry(r.size).or_default().push(r);
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(AppError::Io {
                    path,
                    message: format!("the cosignature log: {e}"),
                });
            }
        }
        let client = reqwest::Client::builder()
            .timeout(WITNESS_TIMEOUT)
            .build()
            .map_err(|e| AppError::Internal(format!("http client: {e}")))?;
        Ok(Self {
            path,
            witnesses,
            client,
            recorded: std::sync::Mutex::new(recorded),
            known: std::sync::Mutex::new(known),
            round: tokio::sync::Mutex::new(()),
        })
    }

    fn recorded(&self) -> std::sync::MutexGuard<'_, BTreeMap<u64, Vec<RecordedCosignature>>> {
        // Only ever appended to: a map left by a panicking thread is usable.
        self.recorded
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, u64>> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The `n` largest checkpoints with at least one valid cosignature,
    /// largest first, each with its cosignatures.
    pub(crate) fn recently_cosigned(&self, origin: &str, n: usize) -> Vec<CosignedCheckpoint> {
        // Read the candidates under the lock, check them after it.
        let candidates: Vec<(u64, Hash)> = {
            let recorded = self.recorded();
            recorded
                .iter()
                .rev()
                .flat_map(|(size, list)| {
                    let mut roots: Vec<Hash> = list.iter().map(|r| r.root).collect();
                    roots.dedup();
                    roots.into_iter().map(move |root| (*size, root))
                })
                .take(n.saturating_mul(4))
                .collect()
        };
        candidates
            .into_iter()
            .map(|(size, root)| CosignedCheckpoint {
                size,
                root,
                cosignatures: self.cosignatures(origin, size, &root),
            })
            .filter(|c| !c.cosignatures.is_empty())
            .take(n)
            .collect()
    }

    /// The configured witnesses' cosignatures of the checkpoint of `size`
    /// entries with root `root`, each checked against the witness's key.
    pub(crate) fn cosignatures(
        &self,
        origin: &str,
        size: u64,
        root: &Hash,
    ) -> Vec<RecordedCosignature> {
        let note_text = Checkpoint {
            origin: origin.to_owned(),
            size,
            root: *root,
        }
        .to_body();
        let recorded = self.recorded();
        let Some(found) = recorded.get(&size) else {
            return Vec::new();
        };
        found
            .iter()
            .filter(|r| &r.root == root)
            .filter(|r| {
                self.witnesses.iter().any(|w| {
                    w.key.verifier_key() == r.key && accepted(&w.key, &note_text, &r.cosignature)
                })
            })
            .cloned()
            .collect()
    }

    /// The largest checkpoint covering entry `index` that a configured
    /// witness cosigned, if any (its cosignature is checked by the caller,
    /// through [`Witnessing::cosignatures`]).
    pub(crate) fn largest_cosigned_covering(&self, index: u64) -> Option<(u64, Hash)> {
        let recorded = self.recorded();
        recorded
            .range(index.saturating_add(1)..)
            .rev()
            .flat_map(|(size, list)| list.iter().map(move |r| (*size, r)))
            .find(|(_, r)| self.witnesses.iter().any(|w| w.key.verifier_key() == r.key))
            .map(|(size, r)| (size, r.root))
    }

    fn append(&self, record: RecordedCosignature) -> Result<(), AppError> {
        let io = |message: String| AppError::Io {
            path: self.path.clone(),
            message: format!("the cosignature log: {message}"),
        };
        let mut line =
            serde_json::to_string(&record).map_err(|e| io(format!("could not write: {e}")))?;
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| io(format!("could not open it to append: {e}")))?;
        file.write_all(line.as_bytes())
            .and_then(|()| file.sync_data())
            .map_err(|e| io(format!("could not append to it: {e}")))?;
        self.recorded().entry(record.size).or_default().push(record);
        Ok(())
    }
}

/// Whether `line` is `key`'s valid cosignature over the note text.
fn accepted(key: &civic_ledger::CosignatureVerifier, note_text: &str, line: &str) -> bool {
    // A note of the text with this one signature line: verify ignores the
    // absence of the log's own line, which is checked elsewhere.
    key.verify(&format!("{note_text}\n{line}")).is_ok()
}

impl App {
    /// Sends the latest signed checkpoint to every configured witness that
    /// has not cosigned it yet, each with a consistency proof from the size
    /// it last cosigned, and keeps the cosignatures returned. A witness that
    /// answers 409 (it has seen another size) is asked again from that
    /// size, once. Never fails as a whole: each witness's outcome is given.
    pub async fn witness_round(&self) -> Result<Vec<WitnessOutcome>, AppError> {
        let witnessing = &self.witnessing;
        if witnessing.witnesses.is_empty() {
            return Ok(Vec::new());
        }
        let _one_round = witnessing.round.lock().await;
        let Some(latest) = self.store().latest_checkpoint().await? else {
            return Ok(Vec::new());
        };
        let mut outcomes = Vec::new();
        for witness in &witnessing.witnesses {
            let result = self.submit(witness, &latest).await;
            match &result {
                Ok(size) => tracing::debug!(witness = %witness.name, size, "checkpoint cosigned"),
                Err(e) => tracing::warn!(
                    witness = %witness.name,
                    size = latest.size,
                    error = %e,
                    "a witness did not cosign the latest checkpoint; trying again next round"
                ),
            }
            outcomes.push(WitnessOutcome {
                witness: witness.name.clone(),
                result,
            });
        }
        Ok(outcomes)
    }

    async fn submit(
        &self,
        witness: &WitnessSetting,
        latest: &StoredCheckpoint,
    ) -> Result<u64, String> {
        let witnessing = &self.witnessing;
        let origin = self.verifier().origin();
        let already = witnessing
            .cosignatures(origin, latest.size, &latest.root)
            .iter()
            .any(|r| r.witness == witness.name);
        if already {
            return Ok(latest.size);
        }
        let mut old = witnessing.known().get(&witness.name).copied().unwrap_or(0);
        for _ in 0..2 {
            if old > latest.size {
                return Err(format!(
                    "the witness has cosigned a checkpoint of {old} entries, more than this ledger's latest ({}): it has seen another history of this ledger, or this one was rolled back",
                    latest.size
                ));
            }
            let proof = self
                .consistency_proof_between(old, latest.size)
                .await
                .map_err(|e| format!("could not build the consistency proof: {e}"))?;
            let body = AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: latest.note.clone(),
            }
            .to_text();
            let response = witnessing
                .client
                .post(format!("{}/add-checkpoint", witness.url))
                .header("content-type", "text/plain; charset=utf-8")
                .body(body)
                .send()
                .await
                .map_err(|e| format!("could not reach {}: {e}", witness.url))?;
            let status = response.status();
            let text = response.text().await.unwrap_or_default();
            match status.as_u16() {
                200 => {
                    let line = text
                        .lines()
                        .map(|l| format!("{l}\n"))
                        .find(|l| accepted(&witness.key, &latest_body(origin, latest), l))
                        .ok_or("the witness answered with no valid cosignature by its key")?;
                    witnessing
                        .append(RecordedCosignature {
                            witness: witness.name.clone(),
                            key: witness.key.verifier_key().to_owned(),
                            size: latest.size,
                            root: latest.root,
                            cosignature: line,
                        })
                        .map_err(|e| e.to_string())?;
                    witnessing.known().insert(witness.name.clone(), latest.size);
                    return Ok(latest.size);
                }
                409 => {
                    old = text.trim().parse().map_err(|_| {
                        "the witness answered 409 without its latest size".to_owned()
                    })?;
                    witnessing.known().insert(witness.name.clone(), old);
                }
                _ => {
                    let text: String = text.chars().take(200).collect();
                    return Err(format!("the witness refused ({status}): {}", text.trim()));
                }
            }
        }
        Err("the witness's latest size kept changing; trying again next round".into())
    }

    /// The consistency proof from the tree of `old` entries to the tree of
    /// `new`, empty when either end makes it trivial.
    async fn consistency_proof_between(&self, old: u64, new: u64) -> Result<Vec<Hash>, AppError> {
        if old == 0 || old == new {
            return Ok(Vec::new());
        }
        let indexes = civic_ledger::consistency_proof_indexes(old, new)?;
        let hashes = self.store().read_hashes(&indexes).await?;
        Ok(civic_ledger::consistency_proof(old, new, &hashes)?)
    }

    /// Starts the background task that runs [`App::witness_round`] every
    /// checkpoint interval; `None` when no witness is configured.
    pub fn spawn_witnessing(&self) -> Option<tokio::task::JoinHandle<()>> {
        if self.witnessing.witnesses.is_empty() {
            return None;
        }
        let app = self.clone();
        Some(tokio::spawn(async move {
            let mut tick = tokio::time::interval(app.config().checkpoint_interval);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = app.witness_round().await {
                    tracing::warn!(error = %e, "could not send checkpoints to the witnesses");
                }
            }
        }))
    }

    /// The configured witnesses' valid cosignatures of the checkpoint of
    /// `size` entries with root `root`.
    pub fn cosignatures(&self, size: u64, root: &Hash) -> Vec<RecordedCosignature> {
        self.witnessing
            .cosignatures(self.verifier().origin(), size, root)
    }

    /// The `n` most recent checkpoints the configured witnesses have
    /// cosigned, largest first, with their cosignatures (for the Audit page).
    pub fn recently_cosigned(&self, n: usize) -> Vec<CosignedCheckpoint> {
        self.witnessing
            .recently_cosigned(self.verifier().origin(), n)
    }

    /// The file where cosignatures are kept.
    pub fn cosignature_log_path(&self) -> &Path {
        &self.witnessing.path
    }
}

fn latest_body(origin: &str, cp: &StoredCheckpoint) -> String {
    Checkpoint {
        origin: origin.to_owned(),
        size: cp.size,
        root: cp.root,
    }
    .to_body()
}
