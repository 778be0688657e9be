//! The overview: queue sizes by service and team, the oldest waiting item,
//! items past the target time, and today's decisions and override rate.

use askama::Template;
use axum::extract::State;
use axum::response::Html;
use civic_core::{Timestamp, now_millis};

use crate::AppState;
use crate::auth::Readers;
use crate::web::audit::{QualityRow, quality_rows};
use crate::web::error::PageError;
use crate::web::pages::{Chrome, render};
use crate::web::session::SignedIn;

/// A row of a count table.
#[derive(Debug)]
pub struct CountRow {
    /// The service or team.
    pub name: String,
    /// How many wait.
    pub count: u64,
}

#[derive(Template)]
#[template(path = "overview.html")]
struct OverviewTemplate {
    chrome: Chrome,
    total: u64,
    by_service: Vec<CountRow>,
    by_team: Vec<CountRow>,
    oldest: String,
    past_target: u64,
    target_hours: u64,
    decisions_today: u64,
    override_rate: String,
    quality: Vec<QualityRow>,
}

/// "3 hours ago", "2 days ago": how long ago `t` was, roughly.
pub fn waited(t: Timestamp, now: Timestamp) -> String {
    let secs = (now - t).whole_seconds().max(0);
    let (n, unit) = match secs {
        s if s < 3600 => (s / 60, "minute"),
        s if s < 86_400 => (s / 3600, "hour"),
        s => (s / 86_400, "day"),
    };
    format!("{n} {unit}{} ago", if n == 1 { "" } else { "s" })
}

/// `GET /`.
pub async fn overview(
    State(state): State<AppState>,
    user: SignedIn<Readers>,
) -> Result<Html<String>, PageError> {
    let now = now_millis();
    let target = state.app.config().web.review_target;
    let summary = state.app.queue_summary(now - target).await?;
    let today = state.app.activity_on_day_of(now).await?;
    let rows = |counts: Vec<civic_app::queue::QueueCount>| {
        counts
            .into_iter()
            .map(|c| CountRow {
                name: c.name.unwrap_or_else(|| "(none suggested)".into()),
                count: c.count,
            })
            .collect()
    };
    let t = OverviewTemplate {
        chrome: Chrome::new(&state, Some(&user.session), "Overview", "/"),
        total: summary.total,
        by_service: rows(summary.by_service),
        by_team: rows(summary.by_team),
        oldest: summary
            .oldest
            .map(|o| format!("waiting since {}", waited(o, now)))
            .unwrap_or_else(|| "nothing is waiting".into()),
        past_target: summary.past_target,
        target_hours: target.as_secs() / 3600,
        decisions_today: today.decisions,
        quality: quality_rows(&state).await?,
        override_rate: if today.reviews == 0 {
            "no reviews yet today".into()
        } else {
            format!(
                "{:.0}% ({} of {} reviews)",
                100.0 * today.overrides as f64 / today.reviews as f64,
                today.overrides,
                today.reviews
            )
        },
    };
    render(&t)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn waiting_times_read_naturally() {
        let now = now_millis();
        for (ago, want) in [
            (59, "0 minutes ago"),
            (60, "1 minute ago"),
            (7200, "2 hours ago"),
            (86_400, "1 day ago"),
            (3 * 86_400 + 5, "3 days ago"),
        ] {
            assert_eq!(waited(now - Duration::from_secs(ago), now), want);
        }
    }
}
