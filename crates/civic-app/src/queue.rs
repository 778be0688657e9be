//! The review queue: decisions waiting for a person, their counts, and who
//! has taken which.
//!
//! The queue's types are the store's own (re-exported here, so that the
//! server and the CLI need no dependency on `civic-store`).

use civic_core::{DecisionId, Timestamp, UserId};

pub use civic_store::{
    Activity, QueueCount, QueueCursor, QueueFilter, QueueItem, QueuePage, QueueSummary,
};

use crate::{App, AppError};

impl App {
    /// A page of at most `limit` queued items matching `filter`, urgent
    /// ones first and then by waiting time (oldest first), starting after
    /// `after`.
    pub async fn queue_page(
        &self,
        filter: &QueueFilter,
        after: Option<QueueCursor>,
        limit: u32,
    ) -> Result<QueuePage, AppError> {
        Ok(self.store().queue_page(filter, after, limit).await?)
    }

    /// Queue sizes by service and team, the oldest item, and how many have
    /// waited since before `target` (i.e. longer than the target time).
    pub async fn queue_summary(&self, target: Timestamp) -> Result<QueueSummary, AppError> {
        Ok(self.store().queue_summary(target).await?)
    }

    /// Gives a waiting decision to `person` ("assign to me"); `None`
    /// releases it. A decision not waiting for review is not found.
    pub async fn assign(&self, id: DecisionId, person: Option<UserId>) -> Result<(), AppError> {
        Ok(self.store().assign(id, person).await?)
    }

    /// Decisions, reviews and overrides recorded since the start of the UTC
    /// day that holds `now`.
    pub async fn activity_on_day_of(&self, now: Timestamp) -> Result<Activity, AppError> {
        Ok(self
            .store()
            .activity_since_day(civic_store::utc_day(now))
            .await?)
    }
}
