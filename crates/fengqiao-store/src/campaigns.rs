//! Campaigns and the figures their daily report is made of, counted from the records.

use crate::*;
use async_trait::async_trait;
use chrono::NaiveDate;
use fengqiao_domain::ids::CampaignId;
use fengqiao_domain::places::{Campaign, CampaignTarget, PlaceKind, Tally};

#[derive(Debug, Clone, PartialEq)]
pub struct NewCampaign {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub targets: Vec<CampaignTarget>,
    pub task_force: String,
    pub region_path: String,
}

/// The figures of one region (where the places lie) and kind, as of the end of the window and
/// as of the start of its last day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RegionTally {
    /// The path of the region the places lie in (a village's or a grid's).
    pub region_path: String,
    pub kind: PlaceKind,
    pub tally: Tally,
    pub before: Tally,
}

#[async_trait]
pub trait CampaignStore: Send + Sync + 'static {
    async fn create_campaign(&self, c: NewCampaign, audit: Audit) -> Result<Campaign>;
    /// Newest first.
    async fn campaigns(&self) -> Result<Vec<Campaign>>;
    async fn campaign(&self, id: CampaignId) -> Result<Option<Campaign>>;
    /// For places of `kinds` within `region_path`: inspections made in `[from, to)`, and the
    /// hazards found in `[from, to)` with how many were signed off, and how many not signed off
    /// were past their deadline, as of `to` — and the same figures as of `day` (the start of the
    /// report's day, `from <= day <= to`). One row per (region, kind) with anything in it.
    async fn tallies(
        &self,
        kinds: &[PlaceKind],
        region_path: &str,
        from: Timestamp,
        day: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<RegionTally>>;
}
