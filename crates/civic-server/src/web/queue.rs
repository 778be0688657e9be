//! The review queue: filter by service, team, urgency and age; take an item
//! ("assign to me"); page through with keyset links.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, Redirect};
use civic_app::queue::{QueueCount, QueueCursor, QueueFilter};
use civic_core::{DecisionId, now_millis};
use serde::Deserialize;

use crate::AppState;
use crate::auth::Reviewers;
use crate::web::error::{PageError, is_local_path, percent_encode};
use crate::web::overview::waited;
use crate::web::pages::{Choice, Chrome, choices, render};
use crate::web::session::{FormFields, SignedIn, WebForm};

/// Items on one page.
const PAGE_SIZE: u32 = 50;

/// The queue's filters as they arrive in the query string.
#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    service: String,
    #[serde(default)]
    team: String,
    /// `urgent`, `not-urgent` or empty.
    #[serde(default)]
    urgency: String,
    /// `1d`, `7d`, `target` or empty.
    #[serde(default)]
    age: String,
    /// `mine` for items assigned to the signed-in user.
    #[serde(default)]
    assigned: String,
    #[serde(default)]
    after: String,
    /// The decision just reviewed, for the confirmation banner.
    #[serde(default)]
    reviewed: String,
}

impl QueueQuery {
    /// The query string of these filters (without the page cursor).
    fn filters_query(&self) -> String {
        let mut parts = Vec::new();
        for (k, v) in [
            ("service", &self.service),
            ("team", &self.team),
            ("urgency", &self.urgency),
            ("age", &self.age),
            ("assigned", &self.assigned),
        ] {
            if !v.is_empty() {
                parts.push(format!("{k}={}", percent_encode(v)));
            }
        }
        parts.join("&")
    }
}

/// A row of the queue table.
#[derive(Debug)]
pub struct Row {
    id: String,
    reference: String,
    service: String,
    team: String,
    urgent: bool,
    quality_sample: bool,
    confidence: String,
    waiting: String,
    assigned_to_me: bool,
    assigned_to_other: bool,
}

#[derive(Template)]
#[template(path = "queue.html")]
struct QueueTemplate {
    chrome: Chrome,
    rows: Vec<Row>,
    services: Vec<Choice>,
    teams: Vec<Choice>,
    urgencies: Vec<Choice>,
    ages: Vec<Choice>,
    mine: bool,
    next_url: String,
    first_url: String,
    on_first_page: bool,
    reviewed: String,
    return_to: String,
}

/// `GET /queue`.
pub async fn queue(
    State(state): State<AppState>,
    user: SignedIn<Reviewers>,
    Query(q): Query<QueueQuery>,
) -> Result<Html<String>, PageError> {
    let now = now_millis();
    let target = state.app.config().web.review_target;
    let since = match q.age.as_str() {
        "1d" => Some(now - std::time::Duration::from_secs(86_400)),
        "7d" => Some(now - std::time::Duration::from_secs(7 * 86_400)),
        "target" => Some(now - target),
        _ => None,
    };
    let filter = QueueFilter {
        service: (!q.service.is_empty()).then(|| q.service.clone()),
        team: (!q.team.is_empty()).then(|| q.team.clone()),
        urgent: match q.urgency.as_str() {
            "urgent" => Some(true),
            "not-urgent" => Some(false),
            _ => None,
        },
        waiting_since_before: since,
        assigned_to: (q.assigned == "mine").then_some(user.session.user.id),
    };
    // A cursor that does not parse starts again at the first page.
    let after: Option<QueueCursor> = q.after.parse().ok();
    let page = state.app.queue_page(&filter, after, PAGE_SIZE).await?;
    let summary = state.app.queue_summary(now - target).await?;
    let me = user.session.user.id;
    let rows = page
        .items
        .into_iter()
        .map(|i| Row {
            id: i.decision.id.to_string(),
            reference: i.decision.reference.clone().unwrap_or_default(),
            service: i.decision.service.to_string(),
            team: i.team.clone().unwrap_or_default(),
            urgent: i.urgent,
            quality_sample: i.decision.quality_sample,
            confidence: i
                .decision
                .confidence
                .map(|c| format!("{:.0}%", c * 100.0))
                .unwrap_or_default(),
            waiting: waited(i.decision.created_at, now),
            assigned_to_me: i.assigned_to == Some(me),
            assigned_to_other: i.assigned_to.is_some_and(|a| a != me),
        })
        .collect();
    let filters = q.filters_query();
    let with = |extra: String| {
        let joined = [filters.clone(), extra]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("&");
        if joined.is_empty() {
            "/queue".to_owned()
        } else {
            format!("/queue?{joined}")
        }
    };
    let any = || ("".to_owned(), "Any".to_owned());
    let named = |counts: Vec<QueueCount>| {
        std::iter::once(any()).chain(
            counts
                .into_iter()
                .filter_map(|c| c.name.map(|n| (n.clone(), format!("{n} ({})", c.count)))),
        )
    };
    let t = QueueTemplate {
        chrome: Chrome::new(&state, Some(&user.session), "Review queue", "/queue"),
        rows,
        services: choices(&q.service, named(summary.by_service)),
        teams: choices(&q.team, named(summary.by_team)),
        urgencies: choices(
            &q.urgency,
            [
                any(),
                ("urgent".into(), "Urgent".into()),
                ("not-urgent".into(), "Not urgent".into()),
            ],
        ),
        ages: choices(
            &q.age,
            [
                any(),
                ("1d".into(), "Waiting over 1 day".into()),
                ("7d".into(), "Waiting over 7 days".into()),
                ("target".into(), "Past the target time".into()),
            ],
        ),
        mine: q.assigned == "mine",
        next_url: page
            .next
            .map(|c| with(format!("after={c}")))
            .unwrap_or_default(),
        first_url: with(String::new()),
        on_first_page: after.is_none(),
        reviewed: q
            .reviewed
            .parse::<DecisionId>()
            .map(|d| d.to_string())
            .unwrap_or_default(),
        return_to: with(if q.after.is_empty() {
            String::new()
        } else {
            format!("after={}", percent_encode(&q.after))
        }),
    };
    render(&t)
}

/// The "assign to me" form.
#[derive(Debug, Deserialize)]
pub struct AssignFields {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    return_to: String,
}

impl FormFields for AssignFields {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /queue/{id}/assign`.
pub async fn assign(
    State(state): State<AppState>,
    Path(id): Path<String>,
    form: WebForm<Reviewers, AssignFields>,
) -> Result<Redirect, PageError> {
    let id: DecisionId = id.parse().map_err(|_| PageError::NotFound)?;
    state
        .app
        .assign(id, Some(form.user.session.user.id))
        .await?;
    let back = &form.fields.return_to;
    Ok(Redirect::to(if is_local_path(back) {
        back.as_str()
    } else {
        "/queue"
    }))
}
