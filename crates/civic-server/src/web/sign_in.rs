//! Signing in and out: the sign-in page and form (with its own CSRF cookie,
//! throttling by account and address, and a draft kept across an expired
//! session), and `POST /sign-out`.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Readers;
use crate::web::error::{PageError, is_local_path};
use crate::web::pages::{Chrome, CsrfOnly, FieldError, error_for, form_title, render};
use crate::web::session::{
    self, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, WebForm, set_cookie, tokens_match,
};

/// The largest draft kept across signing in again, in bytes.
const MAX_DRAFT: usize = 8 * 1024;

fn random_token() -> String {
    hex::encode(civic_core::random_bytes::<32>())
}

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    csrf: String,
    email: String,
    return_to: String,
    draft: String,
    email_error: Option<String>,
    password_error: Option<String>,
}

/// The sign-in page, with a fresh sign-in CSRF token and the cookie that
/// carries it. `draft` is a form kept from an expired session.
pub fn sign_in_page(
    state: &AppState,
    secure: bool,
    return_to: Option<String>,
    draft: Option<String>,
    errors: Vec<FieldError>,
    email: String,
) -> Result<(Html<String>, Option<HeaderValue>), PageError> {
    let csrf = random_token();
    let draft = draft.filter(|d| d.len() <= MAX_DRAFT).unwrap_or_default();
    let t = SignInTemplate {
        chrome: Chrome::new(state, None, &form_title("Sign in", &errors), ""),
        email_error: error_for(&errors, "email").map(str::to_owned),
        password_error: error_for(&errors, "password").map(str::to_owned),
        errors,
        csrf: csrf.clone(),
        email,
        return_to: return_to.filter(|r| is_local_path(r)).unwrap_or_default(),
        draft,
    };
    let cookie = set_cookie(SIGN_IN_CSRF_COOKIE, &csrf, 3600, secure);
    Ok((render(&t)?, Some(cookie)))
}

/// `?return_to=` on the sign-in page.
#[derive(Debug, Deserialize)]
pub struct SignInQuery {
    #[serde(default)]
    return_to: Option<String>,
}

fn with_cookies(
    status: StatusCode,
    body: impl IntoResponse,
    cookies: Vec<HeaderValue>,
) -> Response {
    let mut r = (status, body).into_response();
    for c in cookies {
        r.headers_mut().append(header::SET_COOKIE, c);
    }
    r
}

/// `GET /sign-in`.
pub async fn sign_in_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Result<Response, PageError> {
    let secure = session::secure(&state, &headers);
    let (html, cookie) =
        sign_in_page(&state, secure, q.return_to, None, Vec::new(), String::new())?;
    Ok(with_cookies(
        StatusCode::OK,
        html,
        cookie.into_iter().collect(),
    ))
}

/// The sign-in form's fields.
#[derive(Debug, Deserialize)]
pub struct SignInFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    return_to: String,
    #[serde(default)]
    draft: String,
}

/// The address a request came from, for throttling sign-ins: the peer's,
/// or, when the peer is on this machine or a private network (a reverse
/// proxy in front of Civic), the last address in its `X-Forwarded-For`,
/// which that proxy added. `None` when the server was not told the peer
/// (requests driven in-process, as some tests do).
pub fn client_address(
    peer: Option<&axum::extract::ConnectInfo<std::net::SocketAddr>>,
    headers: &HeaderMap,
) -> Option<std::net::IpAddr> {
    let peer = peer?.0.ip();
    let behind_proxy = match peer {
        std::net::IpAddr::V4(a) => a.is_loopback() || a.is_private(),
        std::net::IpAddr::V6(a) => a.is_loopback() || a.is_unique_local(),
    };
    if !behind_proxy {
        return Some(peer);
    }
    // Only the very last entry is the proxy's own; anything before it came
    // from the client and could be made up.
    let forwarded = headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|a| a.trim().parse::<std::net::IpAddr>().ok());
    Some(forwarded.unwrap_or(peer))
}

/// `POST /sign-in`.
pub async fn sign_in(
    State(state): State<AppState>,
    headers: HeaderMap,
    peer: Option<axum::Extension<axum::extract::ConnectInfo<std::net::SocketAddr>>>,
    Form(f): Form<SignInFields>,
) -> Result<Response, PageError> {
    let expected = session::cookie(&headers, SIGN_IN_CSRF_COOKIE).unwrap_or_default();
    if !tokens_match(&f.csrf, expected) {
        return Err(PageError::Csrf);
    }
    let secure = session::secure(&state, &headers);
    let mut errors = Vec::new();
    if f.email.trim().is_empty() {
        errors.push(FieldError::new("email", "Enter your email address"));
    }
    if f.password.is_empty() {
        errors.push(FieldError::new("password", "Enter your password"));
    }
    let draft = (!f.draft.is_empty()).then(|| f.draft.clone());
    let return_to = (!f.return_to.is_empty()).then(|| f.return_to.clone());
    let mut throttled = None;
    let signed_in = if errors.is_empty() {
        let client = client_address(peer.as_ref().map(|p| &p.0), &headers);
        match state.app.sign_in(&f.email, &f.password, client).await {
            Ok(s) => Some(s),
            Err(civic_app::AppError::Throttled { retry_after }) => {
                let minutes = retry_after.as_secs().div_ceil(60).max(1);
                let wait = if minutes == 1 {
                    "a minute".to_owned()
                } else {
                    format!("{minutes} minutes")
                };
                errors.push(FieldError::new(
                    "email",
                    format!(
                        "There have been too many attempts to sign in. Wait {wait}, then try again"
                    ),
                ));
                throttled = Some(retry_after);
                None
            }
            Err(civic_app::AppError::Unauthenticated(_)) => {
                errors.push(FieldError::new(
                    "email",
                    "Enter the email address and password you were given",
                ));
                None
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        None
    };
    let Some(new) = signed_in else {
        let (html, cookie) = sign_in_page(
            &state,
            secure,
            return_to,
            draft,
            errors,
            f.email.trim().to_owned(),
        )?;
        let status = if throttled.is_some() {
            StatusCode::TOO_MANY_REQUESTS
        } else {
            StatusCode::BAD_REQUEST
        };
        let mut response = with_cookies(status, html, cookie.into_iter().collect());
        if let Some(wait) = throttled {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                HeaderValue::from(wait.as_secs().max(1)),
            );
        }
        return Ok(response);
    };
    if let Some(d) = draft.filter(|d| d.len() <= MAX_DRAFT) {
        state.app.keep_session_draft(&new.token, &d).await?;
    }
    let ttl = state.app.config().web.session_ttl.as_secs();
    let target = return_to
        .filter(|r| is_local_path(r))
        .unwrap_or_else(|| "/".to_owned());
    Ok(with_cookies(
        StatusCode::SEE_OTHER,
        [(header::LOCATION, target)],
        vec![
            set_cookie(SESSION_COOKIE, &new.token, ttl, secure),
            set_cookie(SIGN_IN_CSRF_COOKIE, "", 0, secure),
        ],
    ))
}

/// `POST /sign-out`.
pub async fn sign_out(
    State(state): State<AppState>,
    headers: HeaderMap,
    form: WebForm<Readers, CsrfOnly>,
) -> Result<Response, PageError> {
    state.app.sign_out(&form.user.token).await?;
    tracing::info!(user = %form.user.session.user.id, "signed out");
    let secure = session::secure(&state, &headers);
    Ok(with_cookies(
        StatusCode::SEE_OTHER,
        Redirect::to("/sign-in"),
        vec![set_cookie(SESSION_COOKIE, "", 0, secure)],
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::ConnectInfo;

    #[test]
    fn the_client_is_the_peer_or_the_last_address_a_local_proxy_added() {
        let peer = |a: &str| ConnectInfo(format!("{a}:5000").parse().expect("socket address"));
        let forwarded = |v: &str| {
            let mut h = HeaderMap::new();
            h.insert("x-forwarded-for", v.parse().expect("header"));
            h
        };
        let ip = |a: &str| a.parse::<std::net::IpAddr>().ok();
        let cases = [
            // A public peer is the client, whatever it claims.
            (
                peer("203.0.113.9"),
                forwarded("198.51.100.1"),
                ip("203.0.113.9"),
            ),
            // A proxy on this machine or the private network: its last entry.
            (
                peer("127.0.0.1"),
                forwarded("6.6.6.6, 198.51.100.7"),
                ip("198.51.100.7"),
            ),
            (
                peer("10.0.0.2"),
                forwarded("198.51.100.8"),
                ip("198.51.100.8"),
            ),
            // A last entry that is not an address: the peer, not an earlier entry.
            (
                peer("127.0.0.1"),
                forwarded("198.51.100.1, junk"),
                ip("127.0.0.1"),
            ),
            (peer("127.0.0.1"), HeaderMap::new(), ip("127.0.0.1")),
        ];
        for (p, h, want) in cases {
            assert_eq!(client_address(Some(&p), &h), want, "{h:?}");
        }
        assert_eq!(client_address(None, &HeaderMap::new()), None);
    }
}
