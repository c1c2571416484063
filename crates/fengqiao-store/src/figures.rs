//! Figures over open cases for the dashboard: how many are open and overdue, per unit and per
//! place. (Period KPIs and rankings are rollups of their own.)

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::UnitId;
use serde::Serialize;

/// Open cases of one group: all, and how many are yellow and red.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OpenCount {
    pub open: u64,
    pub yellow: u64,
    pub red: u64,
}

#[async_trait]
pub trait FigureStore: Send + Sync + 'static {
    /// Open cases in `scope` by the unit handling them (`None`: not yet dispatched).
    async fn open_by_unit(&self, scope: &Scope) -> Result<Vec<(Option<UnitId>, OpenCount)>>;
    /// Open cases in `scope` by the region path they are placed in (`None`: unplaced).
    async fn open_by_region(&self, scope: &Scope) -> Result<Vec<(Option<String>, OpenCount)>>;
    /// How many cases in `scope` each filter would list (their `total`s), counted in one read:
    /// the counts on a workbench's tabs. Only the filters' conditions count, not their pages.
    async fn count_each(&self, scope: &Scope, filters: &[CaseFilter]) -> Result<Vec<u64>>;
    /// Cases received in `scope` since `since`, by China-time day (oldest first; days with
    /// none left out).
    async fn received_by_day(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
    ) -> Result<Vec<(chrono::NaiveDate, u64)>>;
    /// Cases received in `scope` since `since`, by channel, most first.
    async fn received_by_channel(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
    ) -> Result<Vec<(String, u64)>>;
    /// Cases received in `scope` since `since`, by category (`None`: not yet categorised),
    /// most first.
    async fn received_by_category(
        &self,
        scope: &Scope,
        since: fengqiao_domain::Timestamp,
    ) -> Result<Vec<(Option<fengqiao_domain::ids::CategoryId>, u64)>>;
}
