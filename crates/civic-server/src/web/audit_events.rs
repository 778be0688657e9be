//! The Audit page's list of governance events (auditors and admins): every
//! change of who may act or of what decides, newest first, filtered by
//! kind. Everything shown is escaped by the template.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use civic_app::governance::{GovernanceChange, GovernanceFilter, GovernanceKind};
use civic_core::{GovernanceEvent, rfc3339};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Audit;
use crate::web::error::PageError;
use crate::web::pages::{Chrome, FieldError, render};
use crate::web::session::SignedIn;

/// How many events the page lists (the API pages through every one).
const SHOWN: u32 = 100;

/// One event, as the table shows it.
#[derive(Debug)]
struct EventRow {
    index: u64,
    at: String,
    kind: &'static str,
    by: String,
    what: String,
}

/// A choice of the kind filter.
#[derive(Debug)]
struct KindChoice {
    value: &'static str,
    label: &'static str,
    selected: bool,
}

#[derive(Template)]
#[template(path = "audit_events.html")]
struct EventsTemplate {
    chrome: Chrome,
    errors: Vec<FieldError>,
    kinds: Vec<KindChoice>,
    rows: Vec<EventRow>,
}

/// The kind filter, as typed.
#[derive(Debug, Deserialize)]
pub struct EventsQuery {
    /// A kind's name, or empty for every kind.
    #[serde(default)]
    kind: String,
}

/// What a person reads for each kind.
fn label(kind: GovernanceKind) -> &'static str {
    match kind {
        GovernanceKind::KeyCreated => "API key created",
        GovernanceKind::KeyRevoked => "API key revoked",
        GovernanceKind::UserCreated => "User added",
        GovernanceKind::PasswordReset => "Password reset",
        GovernanceKind::ModelRegistered => "Model version registered",
        GovernanceKind::ModelActivated => "Model version made active",
        GovernanceKind::InputsPurged => "Lapsed inputs purged",
        GovernanceKind::SettingsChanged => "Decision settings changed",
    }
}

/// The event's own fields, in a sentence.
fn what(change: &GovernanceChange) -> String {
    let replacing = |v: &Option<String>| match v {
        Some(v) => format!(", replacing version {v}"),
        None => String::new(),
    };
    match change {
        GovernanceChange::KeyCreated { key_id, role } => format!("Key {key_id}, role {role}"),
        GovernanceChange::KeyRevoked { key_id } => format!("Key {key_id}"),
        GovernanceChange::UserCreated { user_id, role } => format!("User {user_id}, role {role}"),
        GovernanceChange::PasswordReset { user_id } => format!("User {user_id}"),
        GovernanceChange::ModelRegistered {
            model,
            service,
            training_data_sha256,
            metrics_sha256,
            replaced_version,
        } => format!(
            "{} version {} ({service}){}; training data SHA-256 {training_data_sha256}; report SHA-256 {}",
            model.name,
            model.version,
            replacing(replaced_version),
            metrics_sha256.to_hex()
        ),
        GovernanceChange::ModelActivated {
            model,
            replaced_version,
        } => format!(
            "{} version {}{}",
            model.name,
            model.version,
            replacing(replaced_version)
        ),
        GovernanceChange::InputsPurged { count, up_to } => {
            format!("{count} decisions, retention lapsed by {}", rfc3339(*up_to))
        }
        GovernanceChange::SettingsChanged { settings, changed } => format!(
            "Changed: {}; settings SHA-256 {}",
            changed.join(", "),
            civic_core::Digest::of_json(settings).to_hex()
        ),
    }
}

fn row(e: &GovernanceEvent) -> EventRow {
    EventRow {
        index: e.ledger_index,
        at: rfc3339(e.created_at),
        kind: label(e.change.kind()),
        by: e.by.to_string(),
        what: what(&e.change),
    }
}

/// `GET /audit/events?kind=`: the latest governance events.
pub async fn show(
    State(state): State<AppState>,
    user: SignedIn<Audit>,
    Query(typed): Query<EventsQuery>,
) -> Result<Response, PageError> {
    let (kind, errors) = match typed.kind.as_str() {
        "" => (None, Vec::new()),
        name => match GovernanceKind::parse(name) {
            Ok(kind) => (Some(kind), Vec::new()),
            Err(_) => (
                None,
                vec![FieldError::new(
                    "kind",
                    "Choose a kind of event from the list",
                )],
            ),
        },
    };
    let rows = if errors.is_empty() {
        let filter = GovernanceFilter {
            kind,
            ..GovernanceFilter::default()
        };
        let found = state.app.governance_events(&filter, SHOWN).await?;
        found.iter().map(row).collect()
    } else {
        Vec::new()
    };
    let kinds = GovernanceKind::ALL
        .into_iter()
        .map(|k| KindChoice {
            value: k.as_str(),
            label: label(k),
            selected: kind == Some(k),
        })
        .collect();
    let title = if errors.is_empty() {
        "Governance events"
    } else {
        "Error: Governance events"
    };
    let t = EventsTemplate {
        chrome: Chrome::new(&state, Some(&user.session), title, "/audit"),
        errors,
        kinds,
        rows,
    };
    let status = if t.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok((status, render(&t)?).into_response())
}
