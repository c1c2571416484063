//! The place registry: places with their risk colour and its history, the inspection policy
//! that sets when each is due, and the checklists inspections are made against.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::{PlaceId, RegionId, TemplateId};
use fengqiao_domain::places::{
    ChecklistTemplate, ColorChange, InspectionPolicy, Place, PlaceKind, RiskColor,
};

/// A place to register, checked by the service.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPlace {
    pub reg_no: String,
    pub name: String,
    pub kind: PlaceKind,
    pub region_id: RegionId,
    pub address: Option<String>,
    pub owner_name: Option<String>,
    pub owner_phone: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub color: RiskColor,
}

/// Which places to list. `region_path` is the viewer's scope (or a village/grid within it).
#[derive(Debug, Clone, Default)]
pub struct PlaceFilter {
    pub region_path: String,
    pub kind: Option<PlaceKind>,
    pub color: Option<RiskColor>,
    /// Only places due by then (a due list); ordered by due time when set, by name otherwise.
    pub due_by: Option<Timestamp>,
    /// Name, registration number or address contains it.
    pub q: Option<String>,
    /// Only places whose overdue inspection has been escalated this far.
    pub escalation: Option<fengqiao_domain::places::InspectionEscalation>,
    pub page: u32,
    pub page_size: u32,
}

/// How many places a region has, by colour, and how many are overdue for inspection.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PlaceSummary {
    pub total: u64,
    pub red: u64,
    pub yellow: u64,
    pub blue: u64,
    pub green: u64,
    pub overdue: u64,
    /// Overdue and supervised (督办) by the township.
    pub supervised: u64,
}

#[async_trait]
pub trait PlaceStore: Send + Sync + 'static {
    /// Registers a place: due for its first inspection by the end of the day, its colour
    /// history started. A registration number already used is [`StoreError::Duplicate`].
    async fn create_place(&self, place: NewPlace, audit: Audit) -> Result<Place>;
    async fn place(&self, id: PlaceId) -> Result<Option<Place>>;
    /// The place registered under a number (imports are idempotent by it).
    async fn place_by_reg_no(&self, reg_no: &str) -> Result<Option<Place>>;
    /// The place whose own 民情码 (the plate at its door) carries this code.
    async fn place_by_code(&self, code: &str) -> Result<Option<Place>>;
    async fn places(&self, filter: &PlaceFilter) -> Result<Page<Place>>;
    /// Counts within a region; `now` decides what is overdue.
    async fn place_summary(&self, region_path: &str, now: Timestamp) -> Result<PlaceSummary>;
    /// A place's colour history, oldest first.
    async fn color_history(&self, id: PlaceId) -> Result<Vec<ColorChange>>;
    /// Re-grades a place by hand, with the reason; refused with [`StoreError::Conflict`] if
    /// the place changed since `version`.
    async fn regrade(
        &self,
        id: PlaceId,
        version: i64,
        to: RiskColor,
        remark: &str,
        audit: Audit,
    ) -> Result<Place>;
    /// Corrects a registered place's particulars (name, kind, where, address, owner; never its
    /// number, code or colour) — from a registry import; its due time follows its kind, the
    /// hazards follow it to its region. [`StoreError::Conflict`] if it changed since `version`.
    /// `detail` says what changed, for the audit log.
    async fn update_place(
        &self,
        id: PlaceId,
        version: i64,
        place: NewPlace,
        detail: String,
        audit: Audit,
    ) -> Result<Place>;
    async fn inspection_policy(&self) -> Result<InspectionPolicy>;
    /// Replaces the policy and moves every place's next due time to follow it.
    async fn set_inspection_policy(&self, policy: InspectionPolicy, audit: Audit) -> Result<()>;
    /// The newest checklist of a kind.
    async fn checklist(&self, kind: PlaceKind) -> Result<ChecklistTemplate>;
    /// Adds a kind's checklist as its next version (the newest is what forms show; inspections
    /// keep the version they answered), audited.
    async fn add_checklist_version(
        &self,
        kind: PlaceKind,
        name: String,
        items: Vec<fengqiao_domain::places::ChecklistItem>,
        audit: Audit,
    ) -> Result<ChecklistTemplate>;
    /// A checklist at the version an inspection was made against.
    async fn checklist_version(&self, id: TemplateId) -> Result<Option<ChecklistTemplate>>;
}
