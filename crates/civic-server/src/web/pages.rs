//! What every page shares: the layout's data (`Chrome`), select and radio
//! choices, form errors and rendering. Signing in and out is in
//! [`super::sign_in`]; the error page in [`super::error`].

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use civic_app::users::Session;
use civic_core::Roles;
use serde::Deserialize;

use crate::AppState;
use crate::web::assets;
use crate::web::error::PageError;
use crate::web::session::FormFields;

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
