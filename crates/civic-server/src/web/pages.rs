//! What every page shares (the layout's data), the sign-in and sign-out
//! forms, and the error page.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use civic_app::users::Session;
use civic_core::{Role, Roles};
use rand::RngCore as _;
use serde::Deserialize;

use crate::AppState;
use crate::auth::Readers;
use crate::web::assets;
use crate::web::error::{PageError, is_local_path};
use crate::web::session::{
    self, FormFields, SESSION_COOKIE, SIGN_IN_CSRF_COOKIE, WebForm, set_cookie, tokens_match,
};

/// The largest draft kept across signing in again, in bytes.
const MAX_DRAFT: usize = 8 * 1024;

/// The signed-in user, as the layout shows them.
#[derive(Debug)]
pub struct ChromeUser {
    /// Their address.
    pub email: String,
    /// Their role.
    pub role: String,
}

/// A link in the service navigation.
#[derive(Debug)]
pub struct NavItem {
    /// Where it goes.
    pub href: &'static str,
    /// Its text.
    pub text: &'static str,
    /// Whether it is the page shown.
    pub current: bool,
}

/// The layout's data: every page template has one, as `chrome`.
#[derive(Debug)]
pub struct Chrome {
    /// The page's title (before the organisation's name).
    pub title: String,
    /// The organisation's name, from configuration.
    pub organisation: String,
    /// The stylesheet's URL.
    pub css: String,
    /// The script's URL.
    pub js: String,
    /// The URL of the script run first in the body (see [`assets::INIT_JS`]).
    pub init_js: String,
    /// Who is signed in.
    pub user: Option<ChromeUser>,
    /// The session's CSRF token, for the sign-out form.
    pub csrf: String,
    /// The service navigation.
    pub nav: Vec<NavItem>,
}

impl Chrome {
    /// The layout data for `session`'s user on the page at `current`.
    pub fn new(state: &AppState, session: Option<&Session>, title: &str, current: &str) -> Self {
        let role = session.map(|s| s.user.role);
        let mut nav = Vec::new();
        if role.is_some() {
            nav.push(("/", "Overview"));
        }
        if role.is_some_and(|r| Roles::CASEWORKER_AND_ABOVE.allows(r)) {
            nav.push(("/triage", "Triage"));
        }
        if role.is_some_and(|r| Roles::REVIEWERS.allows(r)) {
            nav.push(("/queue", "Review queue"));
        }
        if role.is_some_and(|r| Roles::OVERSIGHT.allows(r)) {
            nav.push(("/models", "Models"));
        }
        if role.is_some_and(|r| Roles::CASEWORKER_AND_ABOVE.allows(r)) {
            nav.push(("/redact", "Redaction"));
        }
        if role.is_some_and(|r| Roles::AUDIT.allows(r)) {
            nav.push(("/audit", "Audit"));
        }
        Chrome {
            title: title.to_owned(),
            organisation: state.app.config().organisation.clone(),
            css: assets::CSS.url(),
            js: assets::JS.url(),
            init_js: assets::INIT_JS.url(),
            user: session.map(|s| ChromeUser {
                email: s.user.email.to_string(),
                role: s.user.role.to_string(),
            }),
            csrf: session.map(|s| s.csrf_token.clone()).unwrap_or_default(),
            nav: nav
                .into_iter()
                .map(|(href, text)| NavItem {
                    href,
                    text,
                    current: href == current,
                })
                .collect(),
        }
    }
}

/// One choice of a select box or radio group.
#[derive(Debug)]
pub struct Choice {
    /// The value sent.
    pub value: String,
    /// The text shown.
    pub text: String,
    /// Whether it is chosen now.
    pub selected: bool,
}

/// The choices `(value, text)`, with `current` selected.
pub fn choices(current: &str, options: impl IntoIterator<Item = (String, String)>) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, text)| Choice {
            selected: value == current,
            value,
            text,
        })
        .collect()
}

/// A form error, shown in the error summary and beside its field.
#[derive(Debug, Clone)]
pub struct FieldError {
    /// The field's `id` (the summary links to it).
    pub field: &'static str,
    /// What to do.
    pub message: String,
}

impl FieldError {
    /// An error on `field`.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        FieldError {
            field,
            message: message.into(),
        }
    }
}

/// The message for `field` among `errors`, if any (templates call this).
pub fn error_for<'a>(errors: &'a [FieldError], field: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
}

/// Renders a template as an HTML response.
pub fn render(t: &impl Template) -> Result<Html<String>, PageError> {
    Ok(Html(t.render()?))
}

/// A form page's title: with "Error: " first when it shows errors, as the
/// GOV.UK error summary pattern asks, so screen readers hear it first.
pub fn form_title(title: &str, errors: &[FieldError]) -> String {
    if errors.is_empty() {
        title.to_owned()
    } else {
        format!("Error: {title}")
    }
}

/// Renders a form page: 200, or 400 when it shows `errors` (so that
/// nothing treats a refused form as a success).
pub fn render_form(t: &impl Template, errors: &[FieldError]) -> Result<Response, PageError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, render(t)?).into_response())
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
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

/// A form that carries nothing but its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl FormFields for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
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

/// The page shown for a refused or failed request.
#[derive(Debug, Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    chrome: Chrome,
    heading: String,
    body: Vec<String>,
}

/// A byte count as people say it: "10 MB", "512 KB".
fn size_in_words(bytes: usize) -> String {
    const MB: usize = 1024 * 1024;
    if bytes >= MB {
        format!("{} MB", bytes.div_ceil(MB))
    } else {
        format!("{} KB", bytes.div_ceil(1024).max(1))
    }
}

fn role_list(roles: Roles) -> String {
    let names: Vec<&str> = roles.as_slice().iter().map(|r: &Role| r.as_str()).collect();
    names.join(", ")
}

impl ErrorPage {
    /// The page for `error`.
    pub fn for_error(state: &AppState, error: &PageError) -> Self {
        let (heading, body): (&str, Vec<String>) = match error {
            PageError::Forbidden { allowed } => (
                "You cannot see this page",
                vec![
                    format!("This page is for these roles: {}.", role_list(*allowed)),
                    "Ask an administrator if you need access.".into(),
                ],
            ),
            PageError::NotYours => (
                "You cannot see this decision",
                vec![
                    "Only the person who asked for this decision, or a reviewer, can see it and confirm or correct it.".into(),
                    "If it should be yours, ask a reviewer to look at it in the review queue.".into(),
                ],
            ),
            PageError::Csrf => (
                "Your form could not be accepted",
                vec![
                    "The form was missing its security token or it did not match your sign-in. Nothing was changed.".into(),
                    "Go back, reload the page and try again.".into(),
                ],
            ),
            PageError::TooLarge => (
                "What you sent is too large",
                vec![
                    format!(
                        "This service accepts at most {} in one form. Nothing was changed.",
                        size_in_words(state.app.config().body_limit)
                    ),
                    "Go back and send less: split a long message, or upload a large document on the Redaction page.".into(),
                ],
            ),
            PageError::Unstorable => (
                "Your form could not be saved",
                vec![
                    "It contains a hidden control character (NUL) that cannot be stored. Nothing was changed.".into(),
                    "Go back, retype the text instead of pasting it, and try again.".into(),
                ],
            ),
            PageError::NotFound => (
                "Page not found",
                vec!["Check the address, or go back to the overview.".into()],
            ),
            PageError::Unavailable => (
                "Sorry, the service is unavailable",
                vec!["The database is not answering. Nothing was changed. Try again in a few minutes.".into()],
            ),
            PageError::Internal | PageError::SignIn { .. } => (
                "Sorry, there is a problem with the service",
                vec!["It has been logged. Try again later.".into()],
            ),
        };
        ErrorPage {
            chrome: Chrome::new(state, None, heading, ""),
            heading: heading.to_owned(),
            body,
        }
    }

    /// Renders the page (no cookie to set).
    pub fn render_page(&self) -> Result<(Html<String>, Option<HeaderValue>), PageError> {
        Ok((render(self)?, None))
    }
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

    #[test]
    fn sizes_are_said_in_kilobytes_or_megabytes() {
        assert_eq!(size_in_words(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_in_words(64 * 1024), "64 KB");
        assert_eq!(size_in_words(10), "1 KB");
    }
}
