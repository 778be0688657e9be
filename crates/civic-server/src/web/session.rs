//! Sessions, roles and CSRF for pages.
//!
//! A page declares the roles it allows by the type of its [`SignedIn`]
//! argument (`SignedIn<Reviewers>`), exactly as an API handler does with
//! `Caller<Reviewers>`. Every form is read through [`WebForm`], which also
//! checks the session's CSRF token, so no form can forget it. Cookies are
//! `HttpOnly`, `SameSite=Strict`, and `Secure` as configured.

use std::marker::PhantomData;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use civic_app::SecureCookies;
use civic_app::users::Session;
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::auth::Policy;
use crate::web::error::PageError;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "civic_session";
/// The cookie holding the sign-in form's CSRF token (before any session).
pub const SIGN_IN_CSRF_COOKIE: &str = "civic_sign_in";

/// The value of cookie `name`, if the request has it.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// Whether cookies set in answer to this request get `Secure`.
pub fn secure(state: &AppState, headers: &HeaderMap) -> bool {
    match state.app.config().web.secure_cookies {
        SecureCookies::Always => true,
        SecureCookies::Never => false,
        SecureCookies::Auto => headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https")),
    }
}

/// A `Set-Cookie` value; `max_age` 0 deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age: u64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    let text =
        format!("{name}={value}; Path=/; Max-Age={max_age}; HttpOnly; SameSite=Strict{secure}");
    // Names and values are our own URL-safe tokens, always valid in a header.
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Compares two tokens in time independent of where they differ.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && !a.is_empty()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// The signed-in user of a page that allows the roles of `P`.
#[derive(Debug)]
pub struct SignedIn<P: Policy> {
    /// The session (user, role, CSRF token).
    pub session: Session,
    /// The cookie's secret, to end or annotate this session.
    pub token: String,
    _policy: PhantomData<P>,
}

impl<P: Policy> FromRequestParts<AppState> for SignedIn<P> {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let return_to = (parts.method == Method::GET)
            .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_owned()))
            .flatten();
        let sign_in = || PageError::SignIn {
            return_to: return_to.clone(),
            draft: None,
        };
        let token = cookie(&parts.headers, SESSION_COOKIE).ok_or_else(sign_in)?;
        let session = state.app.session(token).await?.ok_or_else(sign_in)?;
        if !P::ROLES.allows(session.user.role) {
            tracing::info!(user = %session.user.id, role = %session.user.role, path = %parts.uri.path(), "page refused: role");
            return Err(PageError::Forbidden { allowed: P::ROLES });
        }
        Ok(SignedIn {
            session,
            token: token.to_owned(),
            _policy: PhantomData,
        })
    }
}

impl<P: Policy> SignedIn<P> {
    /// Refuses a form whose CSRF token is not this session's. Forms read
    /// through [`WebForm`] are checked already; a file upload, which is not
    /// a `WebForm`, calls this itself once its fields are read.
    pub fn check_csrf(&self, submitted: &str, path: &str) -> Result<(), PageError> {
        if tokens_match(submitted, &self.session.csrf_token) {
            Ok(())
        } else {
            tracing::info!(user = %self.session.user.id, path = %path, "form refused: csrf token");
            Err(PageError::Csrf)
        }
    }
}

/// A form's fields. Every form carries a CSRF token; a form may offer a
/// draft to keep if the session has expired when it is submitted.
pub trait FormFields: DeserializeOwned + Send {
    /// The submitted CSRF token.
    fn csrf(&self) -> &str;
    /// What to keep if the user must sign in again first.
    fn draft(&self) -> Option<serde_json::Value> {
        None
    }
}

/// A form posted by a signed-in user whose role is in `P`, with a valid
/// CSRF token. A form that cannot be read is treated as a CSRF failure:
/// only a forged or broken request sends one.
#[derive(Debug)]
pub struct WebForm<P: Policy, T> {
    /// Who posted it.
    pub user: SignedIn<P>,
    /// The fields.
    pub fields: T,
}

impl<P: Policy, T: FormFields> FromRequest<AppState> for WebForm<P, T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let path = parts.uri.path().to_owned();
        let user = SignedIn::<P>::from_request_parts(&mut parts, state).await;
        // The form is read from a copy of the head; the body is read first,
        // so that a body over the limit or one holding a NUL character gets
        // its own answer instead of passing for a forged form.
        let form_parts = {
            let mut head = Request::new(());
            *head.method_mut() = parts.method.clone();
            *head.uri_mut() = parts.uri.clone();
            *head.headers_mut() = parts.headers.clone();
            // The extensions carry the configured body limit: without it the
            // form would be read again under axum's 2 MB default, and a
            // form between that and `body_limit` refused as forged.
            *head.extensions_mut() = parts.extensions.clone();
            head.into_parts().0
        };
        let bytes = axum::body::Bytes::from_request(Request::from_parts(parts, body), state)
            .await
            .map_err(|r| {
                if r.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    PageError::TooLarge
                } else {
                    PageError::Csrf
                }
            })?;
        if has_nul(&bytes) {
            return Err(PageError::Unstorable);
        }
        let req = Request::from_parts(form_parts, axum::body::Body::from(bytes));
        let Form(fields) = Form::<T>::from_request(req, state)
            .await
            .map_err(|_| PageError::Csrf)?;
        let user = match user {
            Ok(u) => u,
            Err(PageError::SignIn { .. }) => {
                // The page the form was posted to can restore it after
                // signing in: it checks `path` is its own.
                let draft = fields
                    .draft()
                    .map(|f| serde_json::json!({ "path": path, "fields": f }).to_string());
                return Err(PageError::SignIn {
                    return_to: Some(path),
                    draft,
                });
            }
            Err(e) => return Err(e),
        };
        user.check_csrf(fields.csrf(), &path)?;
        Ok(WebForm { user, fields })
    }
}

/// Whether a URL-encoded form body holds a NUL character, raw or encoded
/// (`%00`): no backend can store one in text (PostgreSQL refuses it), so a
/// form holding one is refused before anything is written.
fn has_nul(body: &[u8]) -> bool {
    body.contains(&0) || body.windows(3).any(|w| w == b"%00")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_characters_are_found_raw_or_encoded() {
        assert!(has_nul(b"reason=a%00b"));
        assert!(has_nul(b"reason=a\0b"));
        assert!(!has_nul(b"reason=100%25+done&n=%2000"));
    }

    #[test]
    fn cookies_are_found_among_several_headers_and_pairs() {
        let mut h = HeaderMap::new();
        h.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; civic_session=xyz"),
        );
        h.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(cookie(&h, SESSION_COOKIE), Some("xyz"));
        assert_eq!(cookie(&h, "b"), Some("2"));
        assert_eq!(cookie(&h, "civic"), None);
    }

    #[test]
    fn session_cookies_are_http_only_strict_and_secure_when_asked() {
        let c = set_cookie(SESSION_COOKIE, "t", 60, true);
        assert_eq!(
            c.to_str().expect("ascii"),
            "civic_session=t; Path=/; Max-Age=60; HttpOnly; SameSite=Strict; Secure"
        );
        assert!(
            !set_cookie("x", "t", 0, false)
                .to_str()
                .expect("ascii")
                .contains("Secure")
        );
    }

    #[test]
    fn tokens_match_only_when_equal_and_not_empty() {
        assert!(tokens_match("abc", "abc"));
        assert!(!tokens_match("abc", "abd"));
        assert!(!tokens_match("abc", "ab"));
        assert!(!tokens_match("", ""));
    }
}
