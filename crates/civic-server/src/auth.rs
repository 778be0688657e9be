//! Authentication and roles.
//!
//! A handler declares the roles it allows by the type of its [`Caller`]
//! argument, e.g. `Caller<Reviewers>`; the extractor answers 401 for a missing,
//! unknown or revoked key and 403 for a key whose role is not allowed, before
//! the handler runs.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use civic_core::{ErrorKind, KeyId, Principal, Role, Roles};

use crate::AppState;
use crate::error::ApiError;

/// A set of roles, as a type, for [`Caller`].
pub trait Policy: Send + Sync + 'static {
    /// The roles allowed.
    const ROLES: Roles;
}

macro_rules! policy {
    ($(#[$doc:meta])* $name:ident = $roles:expr) => {
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl Policy for $name {
            const ROLES: Roles = $roles;
        }
    };
}

policy!(
    /// Caseworkers, reviewers and admins: submitting work.
    CaseworkerAndAbove = Roles::CASEWORKER_AND_ABOVE
);
policy!(
    /// Reviewers and admins: accepting and overriding.
    Reviewers = Roles::REVIEWERS
);
policy!(
    /// Admins only.
    Admins = Roles::ADMINS
);
policy!(
    /// Every role: reading.
    Readers = Roles::READERS
);
policy!(
    /// Admins and auditors.
    Audit = Roles::AUDIT
);
policy!(
    /// Reviewers, admins and auditors: overseeing the models.
    Oversight = Roles::OVERSIGHT
);

/// The authenticated caller of an endpoint that allows the roles of `P`.
#[derive(Debug)]
pub struct Caller<P: Policy> {
    /// The API key's id.
    pub key_id: KeyId,
    /// The key's role.
    pub role: Role,
    _policy: PhantomData<P>,
}

impl<P: Policy> Caller<P> {
    /// Who is acting, as recorded in decisions, reviews and the ledger.
    pub fn principal(&self) -> Principal {
        Principal::ApiKey(self.key_id)
    }
}

fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

impl<P: Policy> FromRequestParts<AppState> for Caller<P> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts).ok_or_else(|| {
            ApiError::new(
                ErrorKind::Unauthenticated,
                "unauthenticated",
                "send an API key as `Authorization: Bearer civic_…`",
            )
        })?;
        let key = state.app.authenticate_key(token).await?.ok_or_else(|| {
            ApiError::new(
                ErrorKind::Unauthenticated,
                "unauthenticated",
                "the API key is unknown or revoked",
            )
        })?;
        if !P::ROLES.allows(key.role) {
            let allowed: Vec<&str> = P::ROLES.as_slice().iter().map(|r| r.as_str()).collect();
            return Err(ApiError::new(
                ErrorKind::Forbidden,
                "forbidden",
                format!(
                    "this needs one of the roles {}; your key has {}",
                    allowed.join(", "),
                    key.role
                ),
            ));
        }
        Ok(Caller {
            key_id: key.id,
            role: key.role,
            _policy: PhantomData,
        })
    }
}
