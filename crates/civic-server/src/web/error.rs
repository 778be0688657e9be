//! What a page request can fail with, and the one place those failures
//! become pages.
//!
//! A [`PageError`] turns into a bare response carrying the error as an
//! extension; the [`render_errors`] middleware, which has the application
//! state, renders it as a full page (the organisation's name, the GOV.UK
//! layout). Internal details are logged, never shown.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use civic_core::{ErrorKind, Role, Roles};

use crate::AppState;
use crate::web::pages::{Chrome, render};

/// Why a page could not be shown.
#[derive(Debug, Clone)]
pub enum PageError {
    /// Nobody is signed in (or the session expired). `draft` holds a
    /// submitted form to keep across signing in again.
    SignIn {
        /// Where to go back to after signing in.
        return_to: Option<String>,
        /// The form that was submitted, as JSON, to restore afterwards.
        draft: Option<String>,
    },
    /// The user's role may not do this.
    Forbidden {
        /// The roles that may.
        allowed: Roles,
    },
    /// The role may do this in general, but not to this record (another
    /// caseworker's decision).
    NotYours,
    /// A form's CSRF token was missing or wrong.
    Csrf,
    /// A form's body was over the configured limit (`body_limit`).
    TooLarge,
    /// A form held a character no backend can store (NUL).
    Unstorable,
    /// Nothing is at this address.
    NotFound,
    /// The database is unavailable.
    Unavailable,
    /// A bug; already logged.
    Internal,
}

impl From<civic_app::AppError> for PageError {
    fn from(e: civic_app::AppError) -> Self {
        match e.kind() {
            ErrorKind::NotFound => PageError::NotFound,
            ErrorKind::Forbidden => PageError::NotYours,
            ErrorKind::Unavailable => {
                tracing::warn!(error = %e, "database unavailable");
                PageError::Unavailable
            }
            _ => {
                tracing::error!(error = %e, code = e.code(), "page failed");
                PageError::Internal
            }
        }
    }
}

impl From<askama::Error> for PageError {
    fn from(e: askama::Error) -> Self {
        tracing::error!(error = %e, "template failed");
        PageError::Internal
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = match &self {
            PageError::SignIn { draft: None, .. } => {
                // A page asked for without a session: sign in, then come back.
                let target = match &self {
                    PageError::SignIn {
                        return_to: Some(r), ..
                    } => format!("/sign-in?return_to={}", percent_encode(r)),
                    _ => "/sign-in".to_owned(),
                };
                return Redirect::to(&target).into_response();
            }
            PageError::SignIn { .. } => StatusCode::UNAUTHORIZED,
            PageError::Forbidden { .. } | PageError::NotYours | PageError::Csrf => {
                StatusCode::FORBIDDEN
            }
            PageError::NotFound => StatusCode::NOT_FOUND,
            PageError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            PageError::Unstorable => StatusCode::UNPROCESSABLE_ENTITY,
            PageError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            PageError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let mut response = status.into_response();
        response.extensions_mut().insert(self);
        response
    }
}

/// Renders every [`PageError`] response as a full page.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let secure = crate::web::session::secure(&state, req.headers());
    let mut response = next.run(req).await;
    let Some(error) = response.extensions_mut().remove::<PageError>() else {
        return response;
    };
    error_page(&state, secure, response.status(), error)
}

/// `error` as a full page with `status`; `secure` says whether cookies it
/// sets must be `Secure`.
pub fn error_page(
    state: &AppState,
    secure: bool,
    status: StatusCode,
    error: PageError,
) -> Response {
    let page = match error {
        PageError::SignIn { return_to, draft } => crate::web::sign_in::sign_in_page(
            state,
            secure,
            return_to,
            draft,
            Vec::new(),
            String::new(),
        ),
        other => ErrorPage::for_error(state, &other).render_page(),
    };
    match page {
        Ok((html, cookie)) => {
            let mut r = (status, html).into_response();
            if let Some(c) = cookie {
                r.headers_mut().append(header::SET_COOKIE, c);
            }
            r
        }
        Err(_) => (status, "something went wrong; it has been logged").into_response(),
    }
}

/// Percent-encodes everything but unreserved characters and `/`, for a
/// path carried in a query string.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `path` is a local path to return to after signing in (never
/// another site: `//host` or a scheme would make an open redirect).
pub fn is_local_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.starts_with("//")
        && !path.starts_with("/\\")
        && !path.chars().any(|c| c.is_control())
        && path.len() <= 2000
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

    #[test]
    fn sizes_are_said_in_kilobytes_or_megabytes() {
        assert_eq!(size_in_words(10 * 1024 * 1024), "10 MB");
        assert_eq!(size_in_words(64 * 1024), "64 KB");
        assert_eq!(size_in_words(10), "1 KB");
    }

    #[test]
    fn only_local_paths_are_returned_to() {
        for ok in ["/", "/queue?team=waste", "/review/abc"] {
            assert!(is_local_path(ok), "{ok}");
        }
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil",
            "queue",
        ] {
            assert!(!is_local_path(bad), "{bad}");
        }
    }

    #[test]
    fn return_paths_are_encoded_for_a_query_string() {
        assert_eq!(
            percent_encode("/queue?team=a b&x"),
            "/queue%3Fteam%3Da%20b%26x"
        );
    }
}
