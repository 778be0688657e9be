//! The review queue: every decision waiting for a person, whatever service
//! made it.
//!
//! The ledger writer keeps `review_queue` in step with the decisions: it adds
//! a row in the same transaction as each `needs_review` decision and removes
//! it in the same transaction as the review. The queue's `team` and `urgent`
//! columns are the decision's [`civic_core::QueueFacts`], given by the use case
//! that made it (and, for decisions other systems record through the API, read
//! from their output at that edge).
//!
//! Pages are read with keyset pagination on `(urgent DESC, created_at,
//! decision_id)`: urgent items (safeguarding alerts) first, then the rest,
//! each oldest first, so that every page costs the same however deep it is.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use civic_core::{
    Decision, DecisionId, ParseError, Timestamp, UserId, from_unix_millis, unix_millis,
};
use sqlx::Row as _;
use sqlx::any::AnyRow;

use crate::decisions::{DECISION_COLUMNS, row_to_decision};
use crate::{Store, StoreError};

/// Which queued items to show.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueueFilter {
    /// Only this service's decisions.
    pub service: Option<String>,
    /// Only decisions suggesting this team.
    pub team: Option<String>,
    /// Only urgent (`Some(true)`) or only not urgent (`Some(false)`) items.
    pub urgent: Option<bool>,
    /// Only items waiting since before this time.
    pub waiting_since_before: Option<Timestamp>,
    /// Only items assigned to this user.
    pub assigned_to: Option<UserId>,
}

/// Where a page of the queue starts: just after this item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCursor {
    urgent: bool,
    created_at: i64,
    decision_id: DecisionId,
}

impl fmt::Display for QueueCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let urgent = if self.urgent { "u" } else { "n" };
        write!(f, "{urgent}_{}_{}", self.created_at, self.decision_id)
    }
}

impl FromStr for QueueCursor {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || {
            ParseError::new(
                "after",
                "this page link is not valid; go back to the first page",
            )
        };
        let (urgent, rest) = s.split_once('_').ok_or_else(bad)?;
        let urgent = match urgent {
            "u" => true,
            "n" => false,
            _ => return Err(bad()),
        };
        let (ms, id) = rest.split_once('_').ok_or_else(bad)?;
        Ok(QueueCursor {
            urgent,
            created_at: ms.parse().map_err(|_| bad())?,
            decision_id: id.parse().map_err(|_| bad())?,
        })
    }
}

/// One item waiting for review.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueItem {
    /// The decision waiting.
    pub decision: Decision,
    /// The suggested team, if the service suggests one.
    pub team: Option<String>,
    /// Whether the service marked it urgent.
    pub urgent: bool,
    /// Who has taken it, if anyone.
    pub assigned_to: Option<UserId>,
}

/// A page of the queue.
#[derive(Debug, Clone, PartialEq)]
pub struct QueuePage {
    /// The items, urgent ones first, then each group oldest first.
    pub items: Vec<QueueItem>,
    /// Where the next page starts, if there are more items.
    pub next: Option<QueueCursor>,
}

/// How many items wait, by service or by team.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueCount {
    /// The service or team (`None`: the service suggests no team).
    pub name: Option<String>,
    /// How many items wait.
    pub count: u64,
}

/// The queue at a glance.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueSummary {
    /// Items waiting in all.
    pub total: u64,
    /// By service, largest first.
    pub by_service: Vec<QueueCount>,
    /// By suggested team, largest first.
    pub by_team: Vec<QueueCount>,
    /// When the oldest item started waiting.
    pub oldest: Option<Timestamp>,
    /// Items waiting since before the target time.
    pub past_target: u64,
}

/// Decisions and reviews since the start of a day (e.g. today).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Activity {
    /// Decisions recorded.
    pub decisions: u64,
    /// Reviews recorded.
    pub reviews: u64,
    /// Of which overrides.
    pub overrides: u64,
}

fn count(row: &AnyRow, col: &str) -> Result<u64, StoreError> {
    let n: i64 = row.try_get(col)?;
    u64::try_from(n).map_err(|_| StoreError::Corrupt(format!("negative count {n}")))
}

fn row_to_item(row: &AnyRow) -> Result<QueueItem, StoreError> {
    let assigned: Option<String> = row.try_get("q_assigned_to")?;
    let urgent: i64 = row.try_get("q_urgent")?;
    Ok(QueueItem {
        decision: row_to_decision(row)?,
        team: row.try_get("q_team")?,
        urgent: urgent != 0,
        assigned_to: assigned
            .map(|a| a.parse())
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("queue assignee: {e}")))?,
    })
}

/// A `WHERE` clause and its parameters, numbered as they are added.
#[derive(Default)]
pub(crate) struct Conditions {
    sql: Vec<String>,
    params: Vec<Param>,
}

pub(crate) enum Param {
    Text(String),
    Int(i64),
}

impl Conditions {
    /// Adds a condition; each `?` in it becomes the next numbered parameter.
    pub(crate) fn push(&mut self, template: &str, params: Vec<Param>) {
        let mut n = self.params.len();
        let mut sql = String::with_capacity(template.len() + 8);
        for ch in template.chars() {
            if ch == '?' {
                n += 1;
                sql.push_str(&format!("${n}"));
            } else {
                sql.push(ch);
            }
        }
        self.params.extend(params);
        self.sql.push(sql);
    }

    pub(crate) fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!("WHERE {}", self.sql.join(" AND "))
        }
    }

    pub(crate) fn bind<'q>(
        &'q self,
        mut query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>,
    ) -> sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>> {
        for p in &self.params {
            query = match p {
                Param::Text(t) => query.bind(t.as_str()),
                Param::Int(i) => query.bind(*i),
            };
        }
        query
    }
}

/// The columns of a [`QueueItem`], from the queue joined to its decisions.
fn item_select() -> String {
    let columns: Vec<String> = DECISION_COLUMNS
        .split(", ")
        .map(|col| format!("d.{col}"))
        .collect();
    format!(
        "SELECT {}, q.team AS q_team, q.urgent AS q_urgent, q.assigned_to AS q_assigned_to \
         FROM review_queue q JOIN decisions d ON d.id = q.decision_id",
        columns.join(", ")
    )
}

fn filter_conditions(filter: &QueueFilter) -> Conditions {
    let mut c = Conditions::default();
    if let Some(s) = &filter.service {
        c.push("q.service = ?", vec![Param::Text(s.clone())]);
    }
    if let Some(t) = &filter.team {
        c.push("q.team = ?", vec![Param::Text(t.clone())]);
    }
    if let Some(u) = filter.urgent {
        c.push("q.urgent = ?", vec![Param::Int(i64::from(u))]);
    }
    if let Some(t) = filter.waiting_since_before {
        c.push("q.created_at < ?", vec![Param::Int(unix_millis(t))]);
    }
    if let Some(u) = filter.assigned_to {
        c.push("q.assigned_to = ?", vec![Param::Text(u.to_string())]);
    }
    c
}

impl Store {
    /// A page of at most `limit` queued items matching `filter`, urgent
    /// ones first and then by waiting time (oldest first), starting after
    /// `after`.
    pub async fn queue_page(
        &self,
        filter: &QueueFilter,
        after: Option<QueueCursor>,
        limit: u32,
    ) -> Result<QueuePage, StoreError> {
        let mut c = filter_conditions(filter);
        if let Some(a) = after {
            // The next item in (urgent DESC, created_at, decision_id) order.
            c.push(
                "(q.urgent < ? OR (q.urgent = ? AND (q.created_at > ? \
                 OR (q.created_at = ? AND q.decision_id > ?))))",
                vec![
                    Param::Int(i64::from(a.urgent)),
                    Param::Int(i64::from(a.urgent)),
                    Param::Int(a.created_at),
                    Param::Int(a.created_at),
                    Param::Text(a.decision_id.to_string()),
                ],
            );
        }
        let sql = format!(
            "{} {} ORDER BY q.urgent DESC, q.created_at, q.decision_id LIMIT {}",
            item_select(),
            c.where_clause(),
            u64::from(limit) + 1
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(self.pool()).await?;
        let mut items = rows
            .iter()
            .map(row_to_item)
            .collect::<Result<Vec<_>, _>>()?;
        let next = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|i| QueueCursor {
                urgent: i.urgent,
                created_at: unix_millis(i.decision.created_at),
                decision_id: i.decision.id,
            })
        } else {
            None
        };
        Ok(QueuePage { items, next })
    }

    /// The queue entry of one decision, if it is waiting.
    pub async fn queue_item(&self, id: DecisionId) -> Result<Option<QueueItem>, StoreError> {
        let row = sqlx::query(&format!("{} WHERE q.decision_id = $1", item_select()))
            .bind(id.to_string())
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(row_to_item).transpose()
    }

    /// Assigns a waiting item to a user (`None` releases it).
    pub async fn assign(&self, id: DecisionId, to: Option<UserId>) -> Result<(), StoreError> {
        let done = sqlx::query("UPDATE review_queue SET assigned_to = $1 WHERE decision_id = $2")
            .bind(to.map(|u| u.to_string()))
            .bind(id.to_string())
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound {
                what: "decision waiting for review",
                id: id.to_string(),
            });
        }
        Ok(())
    }

    /// Queue sizes by service and team, the oldest item, and how many have
    /// waited since before `target` (i.e. longer than the target time).
    ///
    /// The sizes come from the counters the writer keeps (`queue_counts`);
    /// the oldest item and the late ones from the queue's age index.
    pub async fn queue_summary(&self, target: Timestamp) -> Result<QueueSummary, StoreError> {
        let counts =
            sqlx::query("SELECT service, team, waiting FROM queue_counts WHERE waiting > 0")
                .fetch_all(self.pool())
                .await?;
        let mut by_service = BTreeMap::<String, u64>::new();
        let mut by_team = BTreeMap::<String, u64>::new();
        let mut total = 0;
        for row in &counts {
            let n = count(row, "waiting")?;
            total += n;
            *by_service.entry(row.try_get("service")?).or_default() += n;
            *by_team.entry(row.try_get("team")?).or_default() += n;
        }
        let largest_first = |counts: BTreeMap<String, u64>| {
            let mut v: Vec<QueueCount> = counts
                .into_iter()
                .map(|(name, count)| QueueCount {
                    name: (!name.is_empty()).then_some(name),
                    count,
                })
                .collect();
            v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.name.cmp(&b.name)));
            v
        };
        let oldest: Option<i64> = sqlx::query("SELECT MIN(created_at) AS oldest FROM review_queue")
            .fetch_one(self.pool())
            .await?
            .try_get("oldest")?;
        let late = sqlx::query("SELECT COUNT(*) AS n FROM review_queue WHERE created_at < $1")
            .bind(unix_millis(target))
            .fetch_one(self.pool())
            .await?;
        Ok(QueueSummary {
            total,
            by_service: largest_first(by_service),
            by_team: largest_first(by_team),
            oldest: oldest.and_then(from_unix_millis),
            past_target: count(&late, "n")?,
        })
    }

    /// Decisions, reviews and overrides recorded on UTC day `first_day` (see
    /// [`utc_day`](crate::utc_day)) and after, from the writer's daily counters.
    pub async fn activity_since_day(&self, first_day: i64) -> Result<Activity, StoreError> {
        let row = sqlx::query(
            "SELECT CAST(COALESCE(SUM(decisions), 0) AS BIGINT) AS d, \
             CAST(COALESCE(SUM(reviews), 0) AS BIGINT) AS r, \
             CAST(COALESCE(SUM(overrides), 0) AS BIGINT) AS o FROM daily_activity WHERE day >= $1",
        )
        .bind(first_day)
        .fetch_one(self.pool())
        .await?;
        Ok(Activity {
            decisions: count(&row, "d")?,
            reviews: count(&row, "r")?,
            overrides: count(&row, "o")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_tampering() {
        for urgent in [true, false] {
            let c = QueueCursor {
                urgent,
                created_at: 1_700_000_000_000,
                decision_id: DecisionId::new(),
            };
            assert_eq!(c.to_string().parse::<QueueCursor>(), Ok(c));
        }
        let old_form = format!("12_{}", DecisionId::new());
        for bad in [
            "",
            "x_y",
            "12",
            "u_12_notauuid",
            "x_12_1",
            old_form.as_str(),
        ] {
            assert_eq!(bad.parse::<QueueCursor>().unwrap_err().field, "after");
        }
    }
}
