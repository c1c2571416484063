//! Inspections: one record per visit, stored with the hazards its findings open (relapses
//! linked), the place's new colour and next due time, and its photos — in one transaction.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::{HazardId, InspectionId, PlaceId, TemplateId};
use fengqiao_domain::places::{Answer, Finding, Hazard, Place, RiskColor};

/// An inspection to store, checked by the service against its template.
#[derive(Debug, Clone, PartialEq)]
pub struct NewInspection {
    pub place_id: PlaceId,
    pub template_id: TemplateId,
    pub inspector_id: Option<UserId>,
    pub inspector_name: String,
    pub inspected_at: Timestamp,
    pub recorded_at: Timestamp,
    pub answers: Vec<Answer>,
    pub findings: Vec<Finding>,
    pub suggested: RiskColor,
    pub confirmed: RiskColor,
    /// The colour the inspector saw when they began. If the place was re-graded meanwhile, the
    /// confirmed colour is not applied and the record says why.
    pub seen_color: Option<RiskColor>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// Set by a phone that may send the same record twice: stored once per inspector.
    pub client_key: Option<String>,
    /// Digest of the content, to tell a resend from a different record under the same key.
    pub fingerprint: String,
    pub photos: Vec<NewPhoto>,
    pub relapse_window_days: u32,
    /// The inspector scanned the place's own code on site.
    pub checked_in: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InspectionRecord {
    pub id: InspectionId,
    pub place_id: PlaceId,
    pub template_id: TemplateId,
    pub inspector_id: Option<UserId>,
    pub inspector_name: String,
    pub inspected_at: Timestamp,
    pub recorded_at: Timestamp,
    pub answers: Vec<Answer>,
    pub suggested: RiskColor,
    pub confirmed: RiskColor,
    /// The colour this inspection gave the place; `None` when it was not applied.
    pub applied: Option<RiskColor>,
    /// Why the confirmed colour was not applied.
    pub conflict: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    /// The inspector scanned the place's own code on site.
    pub checked_in: bool,
    pub hazards: Vec<HazardId>,
    pub photos: Vec<i64>,
}

/// What storing an inspection did.
#[derive(Debug, Clone, PartialEq)]
pub struct InspectionOutcome {
    pub record: InspectionRecord,
    pub hazards: Vec<Hazard>,
    pub place: Place,
    /// The same record came again (same inspector and key): nothing new was stored.
    pub replayed: bool,
}

/// A photo taken in the field, with the region of its place for the viewer's scope.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldPhoto {
    pub id: i64,
    pub region_path: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

#[async_trait]
pub trait InspectionStore: Send + Sync + 'static {
    /// Stores an inspection whole: the record, a hazard per finding (a relapse linked to the
    /// hazard it repeats), the place's colour (raised by a relapse) and next due time, the
    /// colour history and the photos. The same `client_key` again from the same inspector
    /// returns what was stored ([`InspectionOutcome::replayed`]); with different content it is
    /// [`StoreError::KeyReused`].
    async fn record_inspection(&self, inspection: NewInspection) -> Result<InspectionOutcome>;
    async fn inspection(&self, id: InspectionId) -> Result<Option<InspectionRecord>>;
    /// A place's inspections, newest first.
    async fn inspections_of(&self, place: PlaceId, limit: u32) -> Result<Vec<InspectionRecord>>;
    async fn field_photo(&self, id: i64) -> Result<Option<FieldPhoto>>;
}
