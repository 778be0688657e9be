//! Reading decisions and review events in pages for an export, oldest first.
//!
//! Pages use keyset pagination on `(created_at, id)`, so an export of a
//! million rows reads a thousand pages of the same cost and never holds more
//! than one page in memory.

use std::fmt;

use civic_core::{Decision, ModelRef, ReviewEvent, Service, Timestamp, unix_millis};
use sqlx::Row as _;

use crate::decisions::{DECISION_COLUMNS, REVIEW_COLUMNS, row_to_decision, row_to_review};
use crate::queue::{Conditions, Param};
use crate::{Store, StoreError};

/// Which records an export holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExportFilter {
    /// Only records made at or after this time.
    pub from: Option<Timestamp>,
    /// Only records made before this time.
    pub until: Option<Timestamp>,
    /// Only this service's decisions (and the reviews of them).
    pub service: Option<Service>,
}

/// Where the next page of an export starts: just after this record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportCursor {
    created_at: i64,
    id: String,
}

impl fmt::Display for ExportCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}_{}", self.created_at, self.id)
    }
}

/// A page of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportPage<T> {
    /// The records, oldest first.
    pub items: Vec<T>,
    /// Where the next page starts, if this one was full.
    pub next: Option<ExportCursor>,
}

/// A review event with what an auditor needs to know of its decision.
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRecord {
    /// The review.
    pub review: ReviewEvent,
    /// The decision's service.
    pub service: Service,
    /// The model that made the decision.
    pub model: ModelRef,
    /// Whether the decision was a quality sample.
    pub quality_sample: bool,
}

fn conditions(
    filter: &ExportFilter,
    after: Option<&ExportCursor>,
    table: &str,
    service_column: &str,
) -> Conditions {
    let mut c = Conditions::default();
    if let Some(t) = filter.from {
        c.push(
            &format!("{table}.created_at >= ?"),
            vec![Param::Int(unix_millis(t))],
        );
    }
    if let Some(t) = filter.until {
        c.push(
            &format!("{table}.created_at < ?"),
            vec![Param::Int(unix_millis(t))],
        );
    }
    if let Some(s) = &filter.service {
        c.push(
            &format!("{service_column} = ?"),
            vec![Param::Text(s.as_str().to_owned())],
        );
    }
    if let Some(a) = after {
        c.push(
            &format!("({table}.created_at > ? OR ({table}.created_at = ? AND {table}.id > ?))"),
            vec![
                Param::Int(a.created_at),
                Param::Int(a.created_at),
                Param::Text(a.id.clone()),
            ],
        );
    }
    c
}

/// Keeps at most `limit` items and says where the next page starts.
fn page<T>(mut items: Vec<T>, limit: u32, key: impl Fn(&T) -> ExportCursor) -> ExportPage<T> {
    let next = if items.len() > limit as usize {
        items.truncate(limit as usize);
        items.last().map(key)
    } else {
        None
    };
    ExportPage { items, next }
}

fn prefixed(columns: &str, table: &str) -> String {
    columns
        .split(", ")
        .map(|c| format!("{table}.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Store {
    /// A page of at most `limit` decisions matching `filter`, oldest first,
    /// starting after `after`.
    pub async fn decisions_for_export(
        &self,
        filter: &ExportFilter,
        after: Option<&ExportCursor>,
        limit: u32,
    ) -> Result<ExportPage<Decision>, StoreError> {
        let c = conditions(filter, after, "d", "d.service");
        let sql = format!(
            "SELECT {} FROM decisions d {} ORDER BY d.created_at, d.id LIMIT {}",
            prefixed(DECISION_COLUMNS, "d"),
            c.where_clause(),
            u64::from(limit) + 1
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(self.pool()).await?;
        let items = rows
            .iter()
            .map(row_to_decision)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(page(items, limit, |d: &Decision| ExportCursor {
            created_at: unix_millis(d.created_at),
            id: d.id.to_string(),
        }))
    }

    /// A page of at most `limit` review events whose decisions match
    /// `filter` (times are the reviews'), oldest first, starting after `after`.
    pub async fn reviews_for_export(
        &self,
        filter: &ExportFilter,
        after: Option<&ExportCursor>,
        limit: u32,
    ) -> Result<ExportPage<ReviewRecord>, StoreError> {
        let c = conditions(filter, after, "r", "d.service");
        let sql = format!(
            "SELECT {}, d.service AS d_service, d.model_name AS d_model_name, \
             d.model_version AS d_model_version, d.quality_sample AS d_quality_sample \
             FROM review_events r JOIN decisions d ON d.id = r.decision_id {} \
             ORDER BY r.created_at, r.id LIMIT {}",
            prefixed(REVIEW_COLUMNS, "r"),
            c.where_clause(),
            u64::from(limit) + 1
        );
        let rows = c.bind(sqlx::query(&sql)).fetch_all(self.pool()).await?;
        let items = rows
            .iter()
            .map(|row| {
                let service: String = row.try_get("d_service")?;
                let sampled: i64 = row.try_get("d_quality_sample")?;
                Ok(ReviewRecord {
                    review: row_to_review(row)?,
                    service: Service::parse(&service)
                        .map_err(|e| StoreError::Corrupt(format!("service: {e}")))?,
                    model: ModelRef {
                        name: row.try_get("d_model_name")?,
                        version: row.try_get("d_model_version")?,
                    },
                    quality_sample: sampled != 0,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(page(items, limit, |r: &ReviewRecord| ExportCursor {
            created_at: unix_millis(r.review.created_at),
            id: r.review.id.to_string(),
        }))
    }
}
