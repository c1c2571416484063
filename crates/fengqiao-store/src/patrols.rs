//! Patrol schedules, and what patrol days and coverage are counted from.

use crate::*;
use async_trait::async_trait;
use chrono::NaiveDate;
use fengqiao_domain::ids::{PatrolScheduleId, RegionId};
use fengqiao_domain::places::{Coverage, PatrolSchedule};

#[derive(Debug, Clone, PartialEq)]
pub struct NewPatrolSchedule {
    pub region_id: RegionId,
    pub name: String,
    pub weekday: u8,
}

#[async_trait]
pub trait PatrolStore: Send + Sync + 'static {
    async fn create_patrol_schedule(
        &self,
        s: NewPatrolSchedule,
        audit: Audit,
    ) -> Result<PatrolSchedule>;
    /// Every schedule, active or not, in the order they were made.
    async fn patrol_schedules(&self) -> Result<Vec<PatrolSchedule>>;
    async fn set_patrol_schedule_active(
        &self,
        id: PatrolScheduleId,
        active: bool,
        audit: Audit,
    ) -> Result<PatrolSchedule>;
    /// Inspections made in `[from, to)` at places within `region_path`, per region and China-time
    /// day.
    async fn inspections_by_day(
        &self,
        region_path: &str,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<(RegionId, NaiveDate, u64)>>;
    /// Per region within `region_path`: places with an inspection due in `[from, to)` (and
    /// before `now`), and how many of them had every such inspection made by its due time.
    async fn coverage(
        &self,
        region_path: &str,
        from: Timestamp,
        to: Timestamp,
        now: Timestamp,
    ) -> Result<Vec<(RegionId, Coverage)>>;
}
