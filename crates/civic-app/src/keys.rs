//! API keys: the credentials other systems use to call the JSON API.
//! (Creating one is [`App::create_key`], which checks the key's name.)

use civic_core::{KeyId, Principal};

pub use civic_store::{ApiKey, NewApiKey};

use crate::{App, AppError};

impl App {
    /// Every key, oldest first, revoked ones included.
    pub async fn list_keys(&self) -> Result<Vec<ApiKey>, AppError> {
        Ok(self.store().list_keys().await?)
    }

    /// Revokes a key, recorded in the ledger as done by `by`; its token
    /// stops working at once. A key already revoked is a conflict, an
    /// unknown one not found.
    pub async fn revoke_key(&self, id: KeyId, by: Principal) -> Result<ApiKey, AppError> {
        Ok(self.writer().revoke_key(id, by).await?)
    }

    /// The live (not revoked) key a bearer token belongs to, if any.
    pub async fn authenticate_key(&self, token: &str) -> Result<Option<ApiKey>, AppError> {
        Ok(self.store().authenticate(token).await?)
    }
}
