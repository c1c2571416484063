//! Time-limit policies and the working-day calendar.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::calendar::CalendarDay;
use fengqiao_domain::deadline::TimePolicy;

/// Configuration: time limits and the calendar, each change audited.
#[async_trait]
pub trait ConfigStore: Send + Sync + 'static {
    async fn policies(&self) -> Result<Vec<TimePolicy>>;
    /// Inserts or replaces the rule for (category, priority, stage); the id is assigned.
    async fn upsert_policy(&self, p: TimePolicy, audit: Audit) -> Result<TimePolicy>;
    async fn calendar_days(&self) -> Result<Vec<CalendarDay>>;
    /// Inserts or replaces days; returns how many were written.
    async fn upsert_calendar_days(&self, days: Vec<CalendarDay>, audit: Audit) -> Result<usize>;
}
