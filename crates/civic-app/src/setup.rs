//! Setting up a data directory: the directory, the database, the ledger's
//! signing key (mode 0600) and a first admin API key.

use std::io::Write as _;
use std::path::Path;

use civic_core::Role;
use civic_ledger::LogSigner;
use civic_store::Store;

use crate::{AppError, Config};

/// What `init` did.
#[derive(Debug)]
pub enum InitOutcome {
    /// A new instance was set up; the admin token is shown once.
    Created {
        /// The first admin key's token.
        admin_token: String,
        /// The ledger's public verifier key.
        verifier_key: String,
    },
    /// The data directory already had a ledger key; nothing was changed
    /// except that the database schema was brought up to date.
    AlreadyInitialised,
}

fn io_err(path: &Path, e: std::io::Error) -> AppError {
    AppError::Io {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// Sets up the data directory and database, unless already done.
pub async fn init(config: &Config) -> Result<InitOutcome, AppError> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| io_err(&config.data_dir, e))?;
    let store = Store::connect(&config.database_url).await?;
    if config.ledger_key_file.exists() {
        load_signer(config)?;
        store.close().await;
        return Ok(InitOutcome::AlreadyInitialised);
    }
    let signer = crate::new_signer(&config.ledger_origin)?;
    write_private(&config.ledger_key_file, signer.private_key())?;
    let public = config.ledger_public_key_file();
    std::fs::write(&public, format!("{}\n", signer.verifier_key()))
        .map_err(|e| io_err(&public, e))?;
    let admin = store.create_first_key("first-admin", Role::Admin).await?;
    store.close().await;
    Ok(InitOutcome::Created {
        admin_token: admin.token,
        verifier_key: signer.verifier_key().to_owned(),
    })
}

/// Writes a secret file readable by its owner only, refusing to replace one.
pub(crate) fn write_private(path: &Path, text: &str) -> Result<(), AppError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(|e| io_err(path, e))?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.write_all(b"\n"))
        .and_then(|()| file.sync_all())
        .map_err(|e| io_err(path, e))
}

/// Reads the ledger's signing key.
pub(crate) fn load_signer(config: &Config) -> Result<LogSigner, AppError> {
    let path = &config.ledger_key_file;
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(AppError::NotInitialised { path: path.clone() });
        }
        Err(e) => return Err(io_err(path, e)),
    };
    Ok(LogSigner::from_private_key(text.trim())?)
}

/// The file in the data directory holding the `hash` redaction operator's
/// secret key.
pub const REDACT_HASH_KEY_FILE: &str = "redact-hash.key";

/// The deployment secret for the `hash` redaction operator: read from
/// `redact-hash.key` in the data directory, or created there (32 random
/// bytes, hex, mode 0600) on first use. Every process of one deployment
/// shares the file, so the same value hashes the same everywhere.
pub(crate) fn load_or_create_hash_key(config: &Config) -> Result<civic_redact::HashKey, AppError> {
    let path = config.data_dir.join(REDACT_HASH_KEY_FILE);
    if !path.exists() {
        let secret = civic_core::random_bytes::<32>();
        match write_private(&path, &hex::encode(secret)) {
            Ok(()) => {}
            // Another process created it first: use theirs.
            Err(_) if path.exists() => {}
            Err(e) => return Err(e),
        }
    }
    let text = std::fs::read_to_string(&path).map_err(|e| io_err(&path, e))?;
    civic_redact::HashKey::new(text.trim().as_bytes().to_vec()).map_err(|_| AppError::Config {
        setting: "redact-hash.key",
        message: format!(
            "{} must hold a secret of at least 16 characters",
            path.display()
        ),
    })
}
