//! Reading cases: one case, lists by scope and filter, histories, exports.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::case::{Case, CaseState, Channel, Event, Reporter, Task};
use fengqiao_domain::deadline::OverdueLevel;
use fengqiao_domain::ids::{CaseId, CaseNo, CategoryId, RegionId, UnitId};
use fengqiao_domain::Timestamp;
use serde::{Deserialize, Serialize};

/// A case with everything hanging off it.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub case: Case,
    pub reporters: Vec<Reporter>,
    pub tasks: Vec<Task>,
    pub children: Vec<(CaseId, CaseState)>,
}

/// A case as an export sees it.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub case: Case,
    pub reporter: Option<Reporter>,
    pub idempotency_key: Option<String>,
}

/// The histories, answers and media of many cases at once (Open311's `extensions=true` for a
/// page of requests), each list ordered by case, then as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseDetails {
    pub events: Vec<Event>,
    pub attributes: Vec<(CaseId, String, String)>,
    pub media: Vec<(CaseId, String)>,
}

/// A case with everything its page shows from the store, read at once: one round trip to the
/// database where the separate reads took seven (a case's page, and the answer to every intake).
#[derive(Debug, Clone)]
pub struct CaseSheet {
    pub record: CaseRecord,
    /// The unit handling the case's parent, when it was split off one (who may view it).
    pub parent_unit: Option<UnitId>,
    pub suggestion: Option<Suggestion>,
    pub duplicate_proposals: Vec<DuplicateProposal>,
    /// The API client that filed it.
    pub client_name: Option<String>,
    pub attributes: Vec<(String, String)>,
    pub media: Vec<String>,
    /// Where the case's photos were taken, for those that say.
    pub photo_places: Vec<PhotoPlace>,
}

/// Which cases a viewer may list: the domain's access rule, as a filter.
pub use fengqiao_domain::access::Scope;

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct CaseFilter {
    pub states: Vec<CaseState>,
    pub unit_id: Option<UnitId>,
    pub region_id: Option<RegionId>,
    pub category_id: Option<CategoryId>,
    pub channel: Option<Channel>,
    pub overdue: Option<OverdueLevel>,
    pub parent_id: Option<CaseId>,
    pub listed_supervision: Option<bool>,
    /// Substring of title, body or case number; or exactly a 12345 work-order number or a
    /// reporter's phone.
    pub q: Option<String>,
    pub created_from: Option<Timestamp>,
    pub created_to: Option<Timestamp>,
    /// Any of these categories (in addition to `category_id`).
    #[serde(default)]
    pub category_ids: Vec<CategoryId>,
    /// Only these case numbers.
    #[serde(default)]
    pub case_nos: Vec<String>,
    /// Only what may be published (Open311): categorised cases that are not petitions (信访
    /// never leaves the petition channel).
    #[serde(default)]
    pub public_only: bool,
    #[serde(default)]
    pub updated_from: Option<Timestamp>,
    #[serde(default)]
    pub updated_to: Option<Timestamp>,
    /// Leave `Page::total` at 0 instead of counting every match (a scan on large tables).
    #[serde(default)]
    pub skip_total: bool,
    /// Most urgent first — red, then yellow, then by the deadline in force (acceptance while
    /// dispatched, the reply otherwise), then newest — instead of newest first: the order of a
    /// work queue.
    #[serde(default)]
    pub urgent_first: bool,
    /// Only cases with an extension request waiting for a decision.
    #[serde(default)]
    pub extension_pending: bool,
    /// Only cases with an open proposal that they repeat another case (a merge to decide).
    #[serde(default)]
    pub merge_proposed: bool,
    /// Only cases the reporter added to (a supplement, or "still not solved") since then.
    #[serde(default)]
    pub supplemented_since: Option<Timestamp>,
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub case_id: CaseId,
    pub phone: Option<String>,
    pub message: String,
    pub created_at: Timestamp,
    pub state: DeliveryState,
    pub attempts: u32,
    pub sent_at: Option<Timestamp>,
    /// Why the last attempt failed.
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct StateCount {
    pub total: u64,
    pub open: u64,
    pub overdue_red: u64,
    pub overdue_yellow: u64,
}

/// Reads of cases and what hangs off them.
#[async_trait]
pub trait CaseQueryStore: Send + Sync + 'static {
    async fn case(&self, id: CaseId) -> Result<Option<CaseRecord>>;
    /// The case and what its page shows, in one read (see [`CaseSheet`]).
    async fn case_sheet(&self, id: CaseId) -> Result<Option<CaseSheet>>;
    async fn case_id_by_no(&self, no: &CaseNo) -> Result<Option<CaseId>>;
    /// The case first created with this idempotency key (imports key cases by the external
    /// work-order number).
    async fn case_id_by_idempotency_key(&self, key: &str) -> Result<Option<CaseId>>;
    /// Cases with an id above `after`, in id order, at most `limit`, each with its first
    /// reporter and idempotency key: the rows of an export, read page by page.
    async fn export_page(&self, after: CaseId, limit: u32) -> Result<Vec<ExportRow>>;
    async fn list_cases(&self, scope: &Scope, filter: &CaseFilter) -> Result<Page<Case>>;
    async fn events(&self, id: CaseId) -> Result<Vec<Event>>;
    /// The public steps (`publication::is_public_step`) of publishable cases (categorised, not
    /// petitions) in `[from, to)`, oldest first, at most `limit`, each with its case number
    /// (Open311 service request updates).
    async fn public_events_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<(Event, String)>>;
    /// Open cases that run against a deadline, for the scheduler (a page at a time, by id).
    async fn open_timed_cases(&self, after: CaseId, limit: u32) -> Result<Vec<Case>>;
    async fn count_cases(&self, scope: &Scope) -> Result<StateCount>;
    async fn notifications(&self, id: CaseId) -> Result<Vec<Notification>>;
    async fn case_attributes(&self, id: CaseId) -> Result<Vec<(String, String)>>;
    /// The media links a case was reported with, in order.
    async fn case_media(&self, id: CaseId) -> Result<Vec<String>>;
    /// Events, attribute answers and media of these cases, in one read.
    async fn case_details(&self, ids: &[CaseId]) -> Result<CaseDetails>;
    /// The case numbers of these cases (those that exist).
    async fn case_numbers(&self, ids: &[CaseId]) -> Result<Vec<(CaseId, CaseNo)>>;
    /// The first media link of each of these cases that has one (for lists).
    async fn first_media(&self, ids: &[CaseId]) -> Result<Vec<(CaseId, String)>>;
}
