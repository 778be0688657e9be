//! Being a witness for other councils' ledgers (C2SP `tlog-witness`).
//!
//! A witness keeps, for each log it knows, the last checkpoint it cosigned.
//! Asked to cosign a new one (`POST /add-checkpoint`), it checks the log's
//! signature, that the log knows what it last saw (`old`), and an RFC 9162
//! consistency proof from that checkpoint to the new one; only then does it
//! record the new checkpoint (atomically, before answering) and return its
//! cosignature. So a log that rewrites its history cannot get the rewrite
//! cosigned by any witness that saw the earlier one, and anyone who
//! requires cosignatures on a checkpoint (`civic audit check-proof
//! --require-witnesses`) is protected from a log that shows different
//! histories to different people.
//!
//! The witness is configured by its own TOML file (known logs, key file,
//! state file, address) and needs no database. The HTTP edge is in
//! `civic-server` (`civic witness serve`); this module holds the rules.
//!
//! Departures from the specification, all documented in
//! `docs/operations.md`: one cosignature (Ed25519 cosignature/v1) is
//! returned; a log is identified by its Civic verifier key, whose name is
//! the checkpoint origin; no rate limiting beyond the request size limit.

use std::collections::{BTreeMap, HashMap};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use civic_ledger::{AddCheckpoint, Cosigner, Hash, LedgerError, LogVerifier};
use serde::{Deserialize, Serialize};

use crate::AppError;

/// The largest `add-checkpoint` body a witness reads: 63 proof lines of 45
/// bytes and a checkpoint note with a few signatures fit in far less.
pub const MAX_REQUEST_BYTES: usize = 16 * 1024;

/// The default address of `civic witness serve`.
pub const DEFAULT_WITNESS_BIND: &str = "127.0.0.1:7380";

/// A witness's settings, from its TOML file.
#[derive(Debug, Clone, PartialEq)]
pub struct WitnessConfig {
    /// The address to listen on.
    pub bind: SocketAddr,
    /// The witness's private key (made by `civic witness init`).
    pub key_file: PathBuf,
    /// Where the last cosigned checkpoint of each log is kept.
    pub state_file: PathBuf,
    /// The logs this witness cosigns for, by their public keys.
    pub logs: Vec<LogVerifier>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WitnessFile {
    bind: Option<String>,
    key_file: PathBuf,
    state_file: PathBuf,
    #[serde(default)]
    logs: Vec<KnownLogFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KnownLogFile {
    /// The log's public key, `<origin>+<key id>+<base64>` (its `ledger.pub`).
    key: String,
}

impl WitnessConfig {
    /// Reads the witness's TOML file. Relative paths in it are relative to
    /// the file's folder.
    ///
    /// ```toml
    /// bind = "0.0.0.0:7380"
    /// key_file = "witness.key"
    /// state_file = "witness-state.json"
    ///
    /// [[logs]]
    /// key = "civic.other-council.gov.uk/ledger+1a2b3c4d+AQ…"
    /// ```
    pub fn load(path: &Path) -> Result<Self, AppError> {
        let text = std::fs::read_to_string(path).map_err(|e| AppError::Io {
            path: path.to_owned(),
            message: format!("could not read the witness configuration: {e}"),
        })?;
        let file: WitnessFile = toml::from_str(&text).map_err(|e| AppError::ConfigFile {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let bind_text = file.bind.unwrap_or_else(|| DEFAULT_WITNESS_BIND.to_owned());
        let bind = bind_text.parse().map_err(|_| AppError::ConfigFile {
            path: path.to_owned(),
            message: format!("bind: {bind_text:?} is not an address like 127.0.0.1:7380"),
        })?;
        let mut logs: Vec<LogVerifier> = Vec::new();
        for (i, log) in file.logs.iter().enumerate() {
            let verifier =
                LogVerifier::from_verifier_key(&log.key).map_err(|e| AppError::ConfigFile {
                    path: path.to_owned(),
                    message: format!("logs[{i}].key: {e}"),
                })?;
            if logs.iter().any(|l| l.origin() == verifier.origin()) {
                return Err(AppError::ConfigFile {
                    path: path.to_owned(),
                    message: format!(
                        "logs[{i}].key: a second key for the log {:?}; give each log once",
                        verifier.origin()
                    ),
                });
            }
            logs.push(verifier);
        }
        Ok(Self {
            bind,
            key_file: dir.join(file.key_file),
            state_file: dir.join(file.state_file),
            logs,
        })
    }
}

/// Makes a witness key named `name` and writes it to `key_file` (readable
/// by its owner only) and its public key beside it (`.pub`); refuses to
/// overwrite an existing key.
pub fn init_witness_key(name: &str, key_file: &Path) -> Result<Cosigner, AppError> {
    if key_file.exists() {
        return Err(AppError::Invalid {
            field: "key file",
            message: format!(
                "{} already exists; a witness keeps its key (remove it yourself to start again)",
                key_file.display()
            ),
        });
    }
    let cosigner = Cosigner::generate(name, &mut rand::rngs::OsRng)?;
    crate::setup::write_private(key_file, cosigner.private_key())?;
    let public = key_file.with_extension("pub");
    std::fs::write(&public, format!("{}\n", cosigner.verifier_key())).map_err(|e| {
        AppError::Io {
            path: public.clone(),
            message: e.to_string(),
        }
    })?;
    Ok(cosigner)
}

/// Why a witness refused to cosign. Each maps to the HTTP status the
/// specification gives it (in `civic-server`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The request does not parse (400 Bad Request).
    #[error("malformed request: {0}")]
    Malformed(String),
    /// The checkpoint's origin is not a log this witness knows (404 Not Found).
    #[error("unknown log {0:?}")]
    UnknownLog(String),
    /// The checkpoint is not signed by the log's known key (403 Forbidden).
    #[error("the checkpoint is not signed by the log's known key: {0}")]
    BadSignature(String),
    /// `old` is not the size this witness last cosigned (409 Conflict);
    /// the body is that size.
    #[error("the witness's latest checkpoint of this log has {latest} entries")]
    Conflict {
        /// The size of the last checkpoint this witness cosigned.
        latest: u64,
    },
    /// The consistency proof does not check (422 Unprocessable Entity):
    /// the log rewrote the history this witness saw.
    #[error("the consistency proof does not check: {0}")]
    BadProof(String),
    /// The state file could not be written (500); nothing was cosigned.
    #[error("the witness could not record the checkpoint: {0}")]
    Internal(String),
}

/// One log's last cosigned checkpoint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Seen {
    size: u64,
    root: Hash,
    /// The signed note, kept as evidence should the log later fork.
    checkpoint: String,
}

/// The state file: the last cosigned checkpoint of each log, by origin.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    format: String,
    logs: BTreeMap<String, Seen>,
}

const STATE_FORMAT: &str = "civic-witness-state/v1";

/// A running witness.
#[derive(Debug)]
pub struct Witness {
    cosigner: Cosigner,
    logs: HashMap<String, LogVerifier>,
    state_file: PathBuf,
    /// Held across check, write and cosign: two requests for one log must
    /// not both build on the same old checkpoint.
    state: std::sync::Mutex<State>,
}

impl Witness {
    /// Reads the key and the state file (none yet is an empty state).
    pub fn open(config: &WitnessConfig) -> Result<Self, AppError> {
        let key = std::fs::read_to_string(&config.key_file).map_err(|e| AppError::Io {
            path: config.key_file.clone(),
            message: format!(
                "could not read the witness key (make one with `civic witness init`): {e}"
            ),
        })?;
        let cosigner = Cosigner::from_private_key(&key).map_err(|e| AppError::Io {
            path: config.key_file.clone(),
            message: e.to_string(),
        })?;
        let state = match std::fs::read_to_string(&config.state_file) {
            Ok(text) => {
                let state: State = serde_json::from_str(&text).map_err(|e| AppError::Io {
                    path: config.state_file.clone(),
                    message: format!("not a witness state file: {e}"),
                })?;
                if state.format != STATE_FORMAT {
                    return Err(AppError::Io {
                        path: config.state_file.clone(),
                        message: format!(
                            "unsupported witness state format {:?}: expected {STATE_FORMAT:?}",
                            state.format
                        ),
                    });
                }
                state
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => State {
                format: STATE_FORMAT.to_owned(),
                logs: BTreeMap::new(),
            },
            Err(e) => {
                return Err(AppError::Io {
                    path: config.state_file.clone(),
                    message: e.to_string(),
                });
            }
        };
        Ok(Self {
            cosigner,
            logs: config
                .logs
                .iter()
                .map(|l| (l.origin().to_owned(), l.clone()))
                .collect(),
            state_file: config.state_file.clone(),
            state: std::sync::Mutex::new(state),
        })
    }

    /// The witness's public key text, for the logs' configuration.
    pub fn verifier_key(&self) -> &str {
        self.cosigner.verifier_key()
    }

    /// The size of the last checkpoint of `origin` this witness cosigned.
    pub fn latest_size(&self, origin: &str) -> u64 {
        self.lock().logs.get(origin).map_or(0, |s| s.size)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is replaced whole, after the file is written: one left
        // by a panicking thread is still a consistent state.
        self.state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Handles an `add-checkpoint` request body at `now` (seconds since
    /// the Unix epoch) and returns the cosignature line(s). Blocking (it
    /// writes and syncs the state file): call it off the async workers.
    pub fn add_checkpoint(&self, body: &[u8], now: u64) -> Result<String, Refusal> {
        if body.len() > MAX_REQUEST_BYTES {
            return Err(Refusal::Malformed(format!(
                "the request is larger than {MAX_REQUEST_BYTES} bytes"
            )));
        }
        let body = std::str::from_utf8(body)
            .map_err(|_| Refusal::Malformed("the request is not UTF-8 text".into()))?;
        let request = AddCheckpoint::parse(body).map_err(|e| Refusal::Malformed(e.to_string()))?;
        // A malformed checkpoint is a bad request (400) whatever its
        // first line names; only a well-formed one is looked up by origin.
        let origin = civic_ledger::Checkpoint::parse_unverified(&request.checkpoint)
            .map_err(|e| Refusal::Malformed(e.to_string()))?
            .origin;
        let log = self
            .logs
            .get(&origin)
            .ok_or_else(|| Refusal::UnknownLog(origin.clone()))?;
        let checkpoint = log.verify(&request.checkpoint).map_err(|e| match e {
            LedgerError::MalformedNote | LedgerError::MalformedCheckpoint => {
                Refusal::Malformed(e.to_string())
            }
            other => Refusal::BadSignature(other.to_string()),
        })?;
        if request.old_size > checkpoint.size {
            return Err(Refusal::Malformed(format!(
                "old size {} is larger than the checkpoint's {}",
                request.old_size, checkpoint.size
            )));
        }
        let mut state = self.lock();
        let seen = state.logs.get(&origin);
        let latest = seen.map_or(0, |s| s.size);
        if request.old_size != latest {
            return Err(Refusal::Conflict { latest });
        }
        match seen {
            // The same size again: only the same tree may be cosigned.
            Some(seen)
                if seen.size == checkpoint.size
                    && (seen.root != checkpoint.root || !request.proof.is_empty()) =>
            {
                tracing::error!(
                    origin = %origin,
                    size = seen.size,
                    "a log presented a second, different checkpoint of a size this witness already cosigned: it has forked"
                );
                return Err(Refusal::Conflict { latest });
            }
            Some(seen) if seen.size == checkpoint.size => {}
            Some(seen) => {
                civic_ledger::verify_consistency(
                    seen.size,
                    checkpoint.size,
                    &request.proof,
                    &seen.root,
                    &checkpoint.root,
                )
                .map_err(|e| {
                    tracing::error!(
                        origin = %origin,
                        old = seen.size,
                        new = checkpoint.size,
                        "a log's new checkpoint does not extend the one this witness cosigned: refused"
                    );
                    Refusal::BadProof(e.to_string())
                })?;
            }
            None if !request.proof.is_empty() => {
                return Err(Refusal::BadProof(
                    "a proof from size 0 must be empty".into(),
                ));
            }
            None => {}
        }
        let mut next = State {
            format: STATE_FORMAT.to_owned(),
            logs: state.logs.clone(),
        };
        next.logs.insert(
            origin,
            Seen {
                size: checkpoint.size,
                root: checkpoint.root,
                checkpoint: request.checkpoint.clone(),
            },
        );
        write_atomically(&self.state_file, &next).map_err(Refusal::Internal)?;
        *state = next;
        let cosignature = self
            .cosigner
            .cosign(&request.checkpoint, now)
            .map_err(|e| Refusal::Malformed(e.to_string()))?;
        Ok(cosignature.to_line())
    }
}

/// Seconds since the Unix epoch, the cosignature timestamp.
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Writes the state to a temporary file in the same folder, syncs it and
/// renames it over the old one, so a crash leaves the old state or the new,
/// never a mixture.
fn write_atomically(path: &Path, state: &State) -> Result<(), String> {
    let text = serde_json::to_string_pretty(state).map_err(|e| e.to_string())?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)
        .map_err(|e| format!("{}: could not create a temporary file: {e}", dir.display()))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.as_file().sync_all())
        .map_err(|e| format!("{}: could not write: {e}", path.display()))?;
    file.persist(path)
        .map_err(|e| format!("{}: could not replace it: {e}", path.display()))?;
    // The rename itself is durable once the folder is synced.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use civic_ledger::{Frontier, LogSigner, leaf_hash};

    struct Log {
        signer: LogSigner,
        stored: Vec<Hash>,
        frontier: Frontier,
    }

    impl Log {
        fn new(signer: LogSigner) -> Self {
            Self {
                signer,
                stored: Vec::new(),
                frontier: Frontier::new(),
            }
        }

        fn grow(&mut self, n: u64, salt: u8) {
            for i in 0..n {
                self.stored
                    .extend(self.frontier.append(leaf_hash(&[salt, i as u8])));
            }
        }

        fn request(&self, old: u64) -> Vec<u8> {
            let size = self.frontier.size();
            let proof = if old == 0 || old == size {
                Vec::new()
            } else {
                let idx = civic_ledger::consistency_proof_indexes(old, size).expect("sizes");
                let hashes: Vec<Hash> = idx.iter().map(|&i| self.stored[i as usize]).collect();
                civic_ledger::consistency_proof(old, size, &hashes).expect("proof")
            };
            AddCheckpoint {
                old_size: old,
                proof,
                checkpoint: self.signer.sign(size, self.frontier.root()),
            }
            .to_text()
            .into_bytes()
        }
    }

    fn witness(dir: &Path, logs: Vec<LogVerifier>) -> Witness {
        let key_file = dir.join("witness.key");
        if !key_file.exists() {
            init_witness_key("witness.test/w1", &key_file).expect("key");
        }
        Witness::open(&WitnessConfig {
            bind: DEFAULT_WITNESS_BIND.parse().expect("addr"),
            key_file,
            state_file: dir.join("state.json"),
            logs,
        })
        .expect("open")
    }

    #[test]
    fn consistent_checkpoints_are_cosigned_and_remembered_across_restarts() {
        let dir = tempfile::tempdir().expect("dir");
        let signer = LogSigner::generate("log.test/ledger", &mut rand::rngs::OsRng).expect("key");
        let mut log = Log::new(signer.clone());
        let w = witness(dir.path(), vec![signer.verifier()]);
        log.grow(3, 0);
        let line = w.add_checkpoint(&log.request(0), 100).expect("first");
        let note = civic_ledger::add_cosignature(
            &signer.sign(3, log.frontier.root()),
            &civic_ledger::Cosignature::from_line(&line).expect("line"),
        )
        .expect("add");
        let verifier =
            civic_ledger::CosignatureVerifier::from_verifier_key(w.verifier_key()).expect("key");
        assert_eq!(verifier.verify(&note), Ok(100));
        log.grow(5, 0);
        w.add_checkpoint(&log.request(3), 101).expect("grown");
        // The same checkpoint again is cosigned again.
        w.add_checkpoint(&log.request(8), 102).expect("repeat");
        // A restarted witness remembers the size.
        drop(w);
        let w = witness(dir.path(), vec![signer.verifier()]);
        assert_eq!(w.latest_size("log.test/ledger"), 8);
        assert_eq!(
            w.add_checkpoint(&log.request(3), 103),
            Err(Refusal::Conflict { latest: 8 })
        );
    }

    #[test]
    fn a_rewritten_history_a_stranger_and_a_forger_are_refused() {
        let dir = tempfile::tempdir().expect("dir");
        let signer = LogSigner::generate("log.test/ledger", &mut rand::rngs::OsRng).expect("key");
        let w = witness(dir.path(), vec![signer.verifier()]);
        let mut real = Log::new(signer.clone());
        real.grow(4, 0);
        w.add_checkpoint(&real.request(0), 1).expect("real");

        // The same key signs another history: the proof from 4 fails.
        let mut forged = Log::new(signer.clone());
        forged.grow(6, 1);
        assert!(matches!(
            w.add_checkpoint(&forged.request(4), 2),
            Err(Refusal::BadProof(_))
        ));
        // Another tree of the same size.
        let mut same_size = Log::new(signer.clone());
        same_size.grow(4, 2);
        assert_eq!(
            w.add_checkpoint(&same_size.request(4), 2),
            Err(Refusal::Conflict { latest: 4 })
        );
        assert_eq!(w.latest_size("log.test/ledger"), 4, "nothing recorded");

        // A log the witness does not know, and a known origin signed by another key.
        let stranger =
            LogSigner::generate("other.test/ledger", &mut rand::rngs::OsRng).expect("key");
        let mut other = Log::new(stranger);
        other.grow(1, 0);
        assert_eq!(
            w.add_checkpoint(&other.request(0), 3),
            Err(Refusal::UnknownLog("other.test/ledger".into()))
        );
        let impostor = LogSigner::generate("log.test/ledger", &mut rand::rngs::OsRng).expect("key");
        let mut fake = Log::new(impostor);
        fake.grow(9, 0);
        assert!(matches!(
            w.add_checkpoint(&fake.request(4), 3),
            Err(Refusal::BadSignature(_))
        ));
        // Malformed and oversized bodies.
        assert!(matches!(
            w.add_checkpoint(b"old x\n\nnote\n", 3),
            Err(Refusal::Malformed(_))
        ));
        assert!(matches!(
            w.add_checkpoint(&vec![b'a'; MAX_REQUEST_BYTES + 1], 3),
            Err(Refusal::Malformed(_))
        ));
        let mut bigger_old = real.request(0);
        bigger_old.splice(..5, b"old 9".iter().copied());
        assert!(matches!(
            w.add_checkpoint(&bigger_old, 3),
            Err(Refusal::Malformed(_))
        ));
    }
}
