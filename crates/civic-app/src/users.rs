//! People who sign in to the web interface: adding them, changing their
//! password, signing in and out.
//!
//! Passwords are hashed with argon2id (the crate's recommended parameters)
//! on the blocking pool, never on the async runtime: one hash takes tens of
//! milliseconds of CPU by design.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use base64::Engine as _;
use civic_core::{Email, Password, Principal, Role, now_millis};
use civic_store::NewSession;
pub use civic_store::{Session, User};
use std::net::IpAddr;
use std::time::Instant;

use crate::{App, AppError};

/// A user just added or given a new password; `generated` holds the
/// password when Civic made it (to be shown once).
#[derive(Debug)]
pub struct UserPassword {
    /// The user.
    pub user: User,
    /// The generated password, if none was given.
    pub generated: Option<String>,
}

/// A random password of 20 URL-safe characters (120 bits).
fn generate_password() -> Password {
    let text =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(civic_core::random_bytes::<15>());
    // 20 characters always meet the length rule.
    Password::parse(&text).unwrap_or_else(|_| unreachable!("20 characters are a valid password"))
}

async fn hash_password(password: Password) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.expose().as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AppError::Internal(format!("password hashing: {e}")))
    })
    .await
    .map_err(|e| AppError::Internal(format!("password hashing task: {e}")))?
}

async fn verify_password(password: String, hash: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| AppError::Internal(format!("stored password hash: {e}")))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check task: {e}")))?
}

/// A hash of a random password no one knows, made once per process: what an
/// unknown address's password is checked against.
async fn unknown_user_hash() -> Result<String, AppError> {
    static HASH: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    HASH.get_or_try_init(|| hash_password(generate_password()))
        .await
        .cloned()
}

/// Why signing in failed: the same answer for an unknown address and a
/// wrong password, so that the form does not reveal who has an account.
pub const SIGN_IN_FAILED: &str = "the email address or password is not right";

impl App {
    /// Adds a user with `password`, or a generated one, recorded in the
    /// ledger (their id and role, never their address) as done by `by`.
    pub async fn add_user(
        &self,
        email: &Email,
        role: Role,
        password: Option<Password>,
        by: Principal,
    ) -> Result<UserPassword, AppError> {
        if let Some(p) = &password {
            check_chosen_password(p, email)?;
        }
        let (password, generated) = with_generated(password);
        let hash = hash_password(password).await?;
        let user = self.writer().create_user(email, role, &hash, by).await?;
        Ok(UserPassword { user, generated })
    }

    /// Gives a user a new password (or a generated one) and ends their
    /// sessions, recorded in the ledger (the fact, never the password or
    /// its hash) as done by `by`.
    pub async fn reset_password(
        &self,
        email: &Email,
        password: Option<Password>,
        by: Principal,
    ) -> Result<UserPassword, AppError> {
        if let Some(p) = &password {
            check_chosen_password(p, email)?;
        }
        let (password, generated) = with_generated(password);
        let hash = hash_password(password).await?;
        let user = self.writer().set_password(email, &hash, by).await?;
        Ok(UserPassword { user, generated })
    }

    /// Checks an address and password and starts a session lasting the
    /// configured time. `client` is the address the attempt came from:
    /// failed attempts are throttled per account, per address and per both
    /// (see [`crate::sign_in_throttle`]); while a wait is running the
    /// attempt is refused with [`AppError::Throttled`] before the password
    /// is checked.
    pub async fn sign_in(
        &self,
        email: &str,
        password: &str,
        client: Option<IpAddr>,
    ) -> Result<NewSession, AppError> {
        let failed = || AppError::Unauthenticated(SIGN_IN_FAILED.into());
        // Counted under the address as typed, normalised, whether or not an
        // account has it, so that the answers do not reveal who has one.
        let account = email.trim().to_lowercase();
        let throttle = &self.sign_in_throttle;
        if let Err(wait) = throttle.check(&account, client, Instant::now()) {
            return Err(AppError::Throttled {
                retry_after: wait.retry_after,
            });
        }
        let refuse = |user: Option<&User>| {
            if let Some(wait) = throttle.failed(&account, client, Instant::now()) {
                // Never the password, the address typed or the client's
                // address: the user's id when there is one, and the limit.
                tracing::warn!(
                    user = user.map(|u| u.id.to_string()).unwrap_or_else(|| "-".into()),
                    scope = wait.scope.as_str(),
                    retry_after_s = wait.retry_after.as_secs(),
                    "sign-in throttled after repeated failures"
                );
            }
            failed()
        };
        let Ok(parsed) = Email::parse(email) else {
            return Err(refuse(None));
        };
        if password.chars().count() > Password::MAX_CHARS {
            return Err(refuse(None));
        }
        let Some((user, hash)) = self.store().user_credentials(&parsed).await? else {
            // Check the password against a hash of nothing anyway, so that an
            // unknown address takes as long to refuse as a wrong password and
            // the timing does not reveal who has an account.
            verify_password(password.to_owned(), unknown_user_hash().await?).await?;
            return Err(refuse(None));
        };
        if !verify_password(password.to_owned(), hash).await? {
            tracing::info!(user = %user.id, "sign-in refused: wrong password");
            return Err(refuse(Some(&user)));
        }
        throttle.succeeded(&account, client);
        let expires_at = now_millis() + self.config().web.session_ttl;
        let session = self.store().create_session(user.id, expires_at).await?;
        tracing::info!(user = %user.id, role = %user.role, "signed in");
        Ok(session)
    }

    /// The live session of a cookie's secret, if any.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, AppError> {
        Ok(self.store().session(token).await?)
    }

    /// Ends a session.
    pub async fn sign_out(&self, token: &str) -> Result<(), AppError> {
        Ok(self.store().end_session(token).await?)
    }

    /// Every user, oldest first.
    pub async fn list_users(&self) -> Result<Vec<User>, AppError> {
        Ok(self.store().list_users().await?)
    }

    /// Keeps a form's fields with a session (the form a person was filling
    /// in when their previous session expired), to be put back once.
    pub async fn keep_session_draft(&self, token: &str, draft: &str) -> Result<(), AppError> {
        Ok(self.store().set_session_draft(token, draft).await?)
    }

    /// The form kept with a session, if any, removed as it is read.
    pub async fn take_session_draft(&self, token: &str) -> Result<Option<String>, AppError> {
        Ok(self.store().take_session_draft(token).await?)
    }
}

/// Refuses a chosen password that is easy to guess: a common password or
/// a small change to one, a keyboard run, a date, or the person's own
/// address. The NCSC's guidance is to block the commonest passwords rather
/// than demand a mix of character types; zxcvbn (Dropbox's estimator, with
/// its lists of the 30,000 commonest passwords and English words, names and
/// keyboard patterns built in) estimates how many guesses one would take,
/// and anything an attacker would find in fewer than 10¹⁰ guesses (score
/// below 3) is refused with its advice.
pub fn check_chosen_password(password: &Password, email: &Email) -> Result<(), AppError> {
    let address = email.to_string();
    let local = address.split('@').next().unwrap_or_default();
    let estimate = zxcvbn::zxcvbn(password.expose(), &[address.as_str(), local]);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let mut message = String::from("this password is too easy to guess");
    if let Some(w) = estimate.feedback().and_then(|f| f.warning()) {
        message.push_str(&format!(
            " ({})",
            w.to_string().trim_end_matches('.').to_lowercase()
        ));
    }
    message.push_str(
        "; choose a longer one, such as three or four unrelated words, or leave it out and \
         Civic will make one",
    );
    Err(AppError::Invalid {
        field: "password",
        message,
    })
}

fn with_generated(password: Option<Password>) -> (Password, Option<String>) {
    match password {
        Some(p) => (p, None),
        None => {
            let p = generate_password();
            let shown = p.expose().to_owned();
            (p, Some(shown))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_only_the_right_password_and_are_salted() {
        let p = generate_password();
        assert_eq!(p.expose().len(), 20);
        let h1 = hash_password(p.clone()).await.expect("hash");
        let h2 = hash_password(p.clone()).await.expect("hash");
        assert!(h1.starts_with("$argon2id$"), "{h1}");
        assert_ne!(h1, h2, "each hash has its own salt");
        assert!(
            verify_password(p.expose().to_owned(), h1.clone())
                .await
                .expect("verify")
        );
        assert!(
            !verify_password("wrong password!".into(), h1)
                .await
                .expect("verify")
        );
    }
}
