//! Users of the web interface and their server-side sessions.
//!
//! A user has an e-mail address, a role and an argon2id PHC string of their
//! password (hashed by the caller: this crate never sees a password). A
//! session cookie holds a random 256-bit secret; only its SHA-256 is stored,
//! beside the session's CSRF token and expiry.

use civic_core::{Email, Role, Timestamp, UserId, from_unix_millis, now_millis, unix_millis};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row as _};

use crate::keys::{new_token, token_hash};
use crate::{Store, StoreError};

/// A stored user (never the password hash, which only [`Store::user_credentials`] returns).
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The address they sign in with.
    pub email: Email,
    /// What they may do.
    pub role: Role,
    /// When the account was made.
    pub created_at: Timestamp,
}

/// A signed-in session, as found from its cookie.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    /// Who is signed in.
    pub user: User,
    /// The token every form of this session must carry.
    pub csrf_token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

/// A new session: the cookie's secret is here and nowhere else.
#[derive(Debug)]
pub struct NewSession {
    /// The secret for the cookie.
    pub token: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// When it stops working.
    pub expires_at: Timestamp,
}

const USER_COLUMNS: &str = "id, email, role, created_at";

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what}: {e}"))
}

fn row_to_user(row: &AnyRow) -> Result<User, StoreError> {
    let id: String = row.try_get("id")?;
    let email: String = row.try_get("email")?;
    let role: String = row.try_get("role")?;
    let created_at: i64 = row.try_get("created_at")?;
    Ok(User {
        id: id.parse().map_err(|e| corrupt("user id", e))?,
        email: Email::parse(&email).map_err(|e| corrupt("user email", e))?,
        role: role.parse().map_err(|e| corrupt("user role", e))?,
        created_at: from_unix_millis(created_at)
            .ok_or_else(|| corrupt("user time", "out of range"))?,
    })
}

/// Inserts a user made at `now` on `conn`: `Ok(Err)` when the address is
/// already in use.
pub(crate) async fn insert_user(
    conn: &mut AnyConnection,
    email: &Email,
    role: Role,
    password_hash: &str,
    now: Timestamp,
) -> Result<Result<User, StoreError>, StoreError> {
    let taken = sqlx::query("SELECT 1 FROM users WHERE email = $1")
        .bind(email.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    if taken.is_some() {
        return Ok(Err(StoreError::Conflict(format!(
            "there is already a user {email}; use `civic user reset-password` to change their password"
        ))));
    }
    let user = User {
        id: UserId::new(),
        email: email.clone(),
        role,
        created_at: now,
    };
    sqlx::query(
        "INSERT INTO users (id, email, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(user.id.to_string())
    .bind(email.as_str())
    .bind(role.as_str())
    .bind(password_hash)
    .bind(unix_millis(user.created_at))
    .execute(&mut *conn)
    .await?;
    Ok(Ok(user))
}

/// Replaces the password hash of the live user with `email` on `conn` and
/// ends all their sessions: `Ok(Err)` when there is no such user.
pub(crate) async fn set_password(
    conn: &mut AnyConnection,
    email: &Email,
    password_hash: &str,
) -> Result<Result<User, StoreError>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1 AND disabled_at IS NULL"
    ))
    .bind(email.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        return Ok(Err(StoreError::NotFound {
            what: "user",
            id: email.to_string(),
        }));
    };
    let user = row_to_user(&row)?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user.id.to_string())
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user.id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(Ok(user))
}

impl Store {
    /// A live user and their password hash, for signing in.
    pub async fn user_credentials(
        &self,
        email: &Email,
    ) -> Result<Option<(User, String)>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = $1 AND disabled_at IS NULL"
        ))
        .bind(email.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| Ok((row_to_user(&r)?, r.try_get("password_hash")?)))
            .transpose()
    }

    /// Every user, oldest first.
    pub async fn list_users(&self) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users ORDER BY created_at, id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(row_to_user).collect()
    }

    /// Starts a session for `user` that lasts until `expires_at`.
    pub async fn create_session(
        &self,
        user: UserId,
        expires_at: Timestamp,
    ) -> Result<NewSession, StoreError> {
        let new = NewSession {
            token: new_token(),
            csrf_token: new_token(),
            expires_at,
        };
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash(&new.token))
        .bind(user.to_string())
        .bind(&new.csrf_token)
        .bind(unix_millis(now_millis()))
        .bind(unix_millis(expires_at))
        .execute(self.pool())
        .await?;
        Ok(new)
    }

    /// The live session a cookie's secret belongs to: not expired, and its
    /// user not disabled.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query(
            "SELECT u.id, u.email, u.role, u.created_at, s.csrf_token, s.expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
        )
        .bind(token_hash(token))
        .bind(unix_millis(now_millis()))
        .fetch_optional(self.pool())
        .await?;
        let Some(row) = row else { return Ok(None) };
        let expires_at: i64 = row.try_get("expires_at")?;
        Ok(Some(Session {
            user: row_to_user(&row)?,
            csrf_token: row.try_get("csrf_token")?,
            expires_at: from_unix_millis(expires_at)
                .ok_or_else(|| corrupt("session expiry", "out of range"))?,
        }))
    }

    /// Ends a session (signing out). Ending one that is gone is not an error.
    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Keeps a form draft (JSON text) in a session until [`Store::take_session_draft`].
    pub async fn set_session_draft(&self, token: &str, draft: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET draft = $1 WHERE token_hash = $2")
            .bind(draft)
            .bind(token_hash(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Returns and forgets a session's draft, if it has one.
    pub async fn take_session_draft(&self, token: &str) -> Result<Option<String>, StoreError> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query("SELECT draft FROM sessions WHERE token_hash = $1")
            .bind(token_hash(token))
            .fetch_optional(&mut *tx)
            .await?;
        let draft: Option<String> = match row {
            Some(r) => r.try_get("draft")?,
            None => None,
        };
        if draft.is_some() {
            sqlx::query("UPDATE sessions SET draft = NULL WHERE token_hash = $1")
                .bind(token_hash(token))
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(draft)
    }

    /// Deletes sessions that have expired; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(unix_millis(now_millis()))
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }
}
