//! API keys: random 256-bit tokens shown once; only their SHA-256 is stored.

use base64::Engine as _;
use civic_core::{KeyId, Role, Timestamp, from_unix_millis, now_millis, unix_millis};
use sha2::{Digest as _, Sha256};
use sqlx::{AnyConnection, Row as _};

use crate::{Store, StoreError};

/// The prefix of every token, so that a leaked one is easy to recognise.
const TOKEN_PREFIX: &str = "civic_";

/// A stored API key (never the token).
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// The key's id.
    pub id: KeyId,
    /// A human name, e.g. `case-management-system`.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// When it was made.
    pub created_at: Timestamp,
    /// When it was revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// A newly created key with its token, which is shown once and never stored.
#[derive(Debug)]
pub struct NewApiKey {
    /// The stored key.
    pub key: ApiKey,
    /// The secret bearer token.
    pub token: String,
}

pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub(crate) fn new_token() -> String {
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(civic_core::random_bytes::<32>())
    )
}

fn row_to_key(row: &sqlx::any::AnyRow) -> Result<ApiKey, StoreError> {
    let id: String = row.try_get("id")?;
    let role: String = row.try_get("role")?;
    let created_at: i64 = row.try_get("created_at")?;
    let revoked_at: Option<i64> = row.try_get("revoked_at")?;
    Ok(ApiKey {
        id: id
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("api key id: {e}")))?,
        name: row.try_get("name")?,
        role: role
            .parse()
            .map_err(|e| StoreError::Corrupt(format!("api key role: {e}")))?,
        created_at: from_unix_millis(created_at)
            .ok_or_else(|| StoreError::Corrupt("api key time".into()))?,
        revoked_at: revoked_at.and_then(from_unix_millis),
    })
}

/// Inserts a key with a fresh random token, made at `now`, on `conn`
/// (the ledger writer's transaction, or `civic init`'s first key).
pub(crate) async fn insert_key(
    conn: &mut AnyConnection,
    name: &str,
    role: Role,
    now: Timestamp,
) -> Result<NewApiKey, StoreError> {
    let token = new_token();
    let key = ApiKey {
        id: KeyId::new(),
        name: name.to_owned(),
        role,
        created_at: now,
        revoked_at: None,
    };
    sqlx::query(
        "INSERT INTO api_keys (id, name, role, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(key.id.to_string())
    .bind(&key.name)
    .bind(role.as_str())
    .bind(token_hash(&token))
    .bind(unix_millis(key.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(NewApiKey { key, token })
}

/// Revokes key `id` at `now` on `conn`: `Ok(Err)` when there is no such key
/// or it was already revoked (a refusal of this request only).
pub(crate) async fn revoke_key(
    conn: &mut AnyConnection,
    id: KeyId,
    now: Timestamp,
) -> Result<Result<ApiKey, StoreError>, StoreError> {
    let done =
        sqlx::query("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
            .bind(unix_millis(now))
            .bind(id.to_string())
            .execute(&mut *conn)
            .await?;
    let row =
        sqlx::query("SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&mut *conn)
            .await?;
    let Some(row) = row else {
        return Ok(Err(StoreError::NotFound {
            what: "API key",
            id: id.to_string(),
        }));
    };
    if done.rows_affected() == 0 {
        return Ok(Err(StoreError::Conflict(format!(
            "API key {id} was already revoked"
        ))));
    }
    Ok(Ok(row_to_key(&row)?))
}

impl Store {
    /// Creates the first key of a new instance, for `civic init`, which runs
    /// before the ledger has a writer. Every other key is created through
    /// the ledger writer (`LedgerWriter::create_key`), which records it.
    pub async fn create_first_key(&self, name: &str, role: Role) -> Result<NewApiKey, StoreError> {
        let mut conn = self.pool().acquire().await?;
        insert_key(&mut conn, name, role, now_millis()).await
    }

    /// Every key, oldest first, revoked ones included.
    pub async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys ORDER BY created_at, id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_key).collect()
    }

    /// The live (not revoked) key a bearer token belongs to, if any.
    pub async fn authenticate(&self, token: &str) -> Result<Option<ApiKey>, StoreError> {
        if !token.starts_with(TOKEN_PREFIX) {
            return Ok(None);
        }
        let row = sqlx::query(
            "SELECT id, name, role, created_at, revoked_at FROM api_keys WHERE token_hash = $1 AND revoked_at IS NULL",
        )
        .bind(token_hash(token))
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(row_to_key).transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_prefixed_and_carry_256_bits() {
        let t = new_token();
        assert!(t.starts_with(TOKEN_PREFIX));
        // 32 bytes in unpadded base64 are 43 characters.
        assert_eq!(t.len(), TOKEN_PREFIX.len() + 43);
        assert_ne!(t, new_token());
    }
}
