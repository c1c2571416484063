//! Hazards and their history: each step stored with its event, refused if the hazard changed
//! since it was read.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::{HazardId, PlaceId, UnitId};
use fengqiao_domain::places::{Hazard, HazardDecision, HazardEvent, HazardState};

#[derive(Debug, Clone, Default)]
pub struct HazardFilter {
    /// The viewer's scope, or a village/grid within it.
    pub region_path: String,
    pub state: Option<HazardState>,
    /// Only those not yet signed off.
    pub open: bool,
    pub owner_unit_id: Option<UnitId>,
    pub place_id: Option<PlaceId>,
    /// Only those past their deadline and not yet rectified at that instant.
    pub overdue_at: Option<Timestamp>,
    /// Only relapses (回潮).
    pub relapse: bool,
    pub page: u32,
    pub page_size: u32,
}

/// How many hazards a region has at each stage of the loop, overdue and relapsed: the hazard
/// list's tabs, in one read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct HazardCounts {
    pub found: u64,
    pub assigned: u64,
    pub rectified: u64,
    pub rechecked: u64,
    pub signed_off: u64,
    /// Found or assigned, past their deadline at the instant asked.
    pub overdue: u64,
    pub relapse: u64,
}

impl HazardCounts {
    /// Not yet signed off.
    pub fn open(&self) -> u64 {
        self.found + self.assigned + self.rectified + self.rechecked
    }
}

#[async_trait]
pub trait HazardStore: Send + Sync + 'static {
    async fn hazard(&self, id: HazardId) -> Result<Option<Hazard>>;
    /// Its history, oldest first.
    async fn hazard_events(&self, id: HazardId) -> Result<Vec<HazardEvent>>;
    /// Newest first.
    async fn hazards(&self, filter: &HazardFilter) -> Result<Page<Hazard>>;
    /// The counts of a region (a path), overdue as of `now`: what [`HazardStore::hazards`]
    /// would total for each tab.
    async fn hazard_counts(&self, region_path: &str, now: Timestamp) -> Result<HazardCounts>;
    /// Stores a decided step and its event, with evidence photos; [`StoreError::Conflict`] if
    /// the stored hazard's version is no longer `decision.hazard.version - 1`.
    async fn commit_hazard(
        &self,
        decision: HazardDecision,
        evidence: Vec<NewPhoto>,
    ) -> Result<Hazard>;
    /// Ids of the evidence photos of a hazard, in order.
    async fn hazard_photos(&self, id: HazardId) -> Result<Vec<i64>>;
}
