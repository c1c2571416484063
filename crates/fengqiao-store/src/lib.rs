//! Storage behind a trait. Backends (SQLite now, PostgreSQL later) implement [`Store`]; the
//! [`conformance`] module holds the one test suite every backend must pass.
//!
//! Invariants every backend keeps:
//! - every method is one transaction: it happens whole or not at all;
//! - a method that returned `Ok` is durable (survives a crash of the process);
//! - `case_events` and `audit_log` are append-only: no row is ever updated or deleted;
//! - [`Store::commit`] refuses a change whose case version is not the stored one
//!   ([`StoreError::Conflict`]), so concurrent actions on one case serialise.

pub mod conformance;

use async_trait::async_trait;
use fengqiao_domain::attributes::ServiceAttribute;
use fengqiao_domain::calendar::CalendarDay;
use fengqiao_domain::case::{Case, CaseState, Channel, Event, Intake, Reporter, Task};
use fengqiao_domain::deadline::{OverdueLevel, TimePolicy};
use fengqiao_domain::ids::{CaseId, CaseNo, CategoryId, Phone, RegionId, UnitId, UserId};

use fengqiao_domain::lifecycle::{Effect, EventDraft};
use fengqiao_domain::org::{Category, Platform, Region, RegionLevel, Role, Unit, UnitKind, User};
use fengqiao_domain::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness rule was broken (e.g. a username already taken).
    #[error("{0}")]
    Duplicate(String),
    /// The case changed since it was read; reload and retry.
    #[error("the case was changed by someone else; reload and retry")]
    Conflict,
    /// A reference to a row that does not exist.
    #[error("{0}")]
    InvalidReference(String),
    #[error("storage failure: {0}")]
    Backend(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone)]
pub struct NewRegion {
    pub parent_id: Option<RegionId>,
    pub name: String,
    pub level: RegionLevel,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub platform: Option<Platform>,
    pub region_id: RegionId,
}

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub parent_id: Option<CategoryId>,
    pub name: String,
    pub default_unit_id: Option<UnitId>,
    pub is_petition: bool,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub region_id: RegionId,
    pub unit_id: Option<UnitId>,
    /// An argon2 PHC string; the store never sees a password.
    pub password_hash: String,
    pub created_at: Timestamp,
}

/// A case as it arrives at the one door, already parsed.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The case itself; the store fills in `region_path` from `region_id`.
    pub intake: Intake,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<Phone>,
    pub idempotency_key: Option<String>,
    pub actor_name: String,
    pub received_at: Timestamp,
    /// Triage's suggestion, stored with the case.
    pub suggestion: Option<Suggestion>,
    /// Open cases this one resembles, with their similarity: stored as open proposals.
    pub duplicates: Vec<(CaseId, f32)>,
    /// The API client that sent it (Open311, the 12345 platform), if any.
    pub client_id: Option<i64>,
    /// Answers to the category's attributes, checked: `(code, value)`, one row per value.
    pub attributes: Vec<(String, String)>,
    /// Links to photos or other media of the report, checked, in order.
    pub media: Vec<String>,
}

/// A case as an export sees it.
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub case: Case,
    pub reporter: Option<Reporter>,
    pub idempotency_key: Option<String>,
}

/// New intake text for a case still waiting to be registered.
#[derive(Debug, Clone)]
pub struct CaseAmendment {
    pub id: CaseId,
    pub title: String,
    pub body: String,
    pub address: Option<String>,
    pub priority: fengqiao_domain::case::Priority,
}

/// An API client to register; the key itself is never stored.
#[derive(Debug, Clone)]
pub struct NewApiClient {
    pub name: String,
    pub key_hash: String,
    pub key_prefix: String,
}

/// A third-party client allowed to post cases with its API key.
#[derive(Debug, Clone, Serialize)]
pub struct ApiClient {
    pub id: i64,
    pub name: String,
    pub key_prefix: String,
    pub created_at: Timestamp,
    pub created_by: String,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone)]
pub struct IntakeOutcome {
    pub case: Case,
    /// False when the idempotency key matched an earlier intake: `case` is that first case.
    pub created: bool,
}

/// A case with everything hanging off it.
#[derive(Debug, Clone)]
pub struct CaseRecord {
    pub case: Case,
    pub reporters: Vec<Reporter>,
    pub tasks: Vec<Task>,
    pub children: Vec<(CaseId, CaseState)>,
}

/// One accepted action, ready to be written atomically: the case's new row (carrying the version
/// it was read at), its event, and the effects on other rows.
#[derive(Debug, Clone)]
pub struct Changeset {
    pub case: Case,
    pub event: EventDraft,
    pub effects: Vec<Effect>,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub at: Timestamp,
    /// An operator's verdict on the triage suggestion, recorded with the change.
    pub feedback: Option<TriageFeedback>,
    /// Duplicate proposals this change settles (e.g. a merge), with their outcome.
    pub settles: Vec<(CaseId, CaseId, ProposalStatus)>,
    /// The change is an update a client posted under its own id: recorded with the event, so
    /// the same id cannot be applied twice (`Duplicate`).
    pub external: Option<ExternalRef>,
}

/// The histories, answers and media of many cases at once (Open311's `extensions=true` for a
/// page of requests), each list ordered by case, then as stored.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CaseDetails {
    pub events: Vec<Event>,
    pub attributes: Vec<(CaseId, String, String)>,
    pub media: Vec<(CaseId, String)>,
}

/// A client's own id for something it sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalRef {
    pub client_id: i64,
    pub external_id: String,
}

/// An update a client posted, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExternalUpdate {
    pub client_id: i64,
    pub external_id: String,
    pub case_id: CaseId,
    pub event_id: i64,
}

/// Which cases a viewer may list. Built by the service from the actor, never from the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Cases in a region subtree; `include_unplaced` adds cases with no region yet.
    Region {
        path: String,
        include_unplaced: bool,
    },
    /// Cases of a unit (lead, co-unit task or parent of a child), plus those the user reported,
    /// plus, for grid workers, a region subtree.
    Unit {
        unit_id: UnitId,
        user_id: UserId,
        region_path: Option<String>,
    },
}

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
    /// Substring of title, body or case number.
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
    pub page: u32,
    pub page_size: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

/// A complete case with its history, written as-is (demo generation, bulk import).
#[derive(Debug, Clone)]
pub struct CaseBundle {
    pub case: Case,
    pub reporters: Vec<Reporter>,
    pub tasks: Vec<Task>,
    pub events: Vec<Event>,
    pub idempotency_key: Option<String>,
}

/// Who made an administrative change, and when; the store records it with the change.
#[derive(Debug, Clone)]
pub struct Audit {
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub id: i64,
    pub at: Timestamp,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub action: String,
    pub target: String,
    pub detail: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub case_id: CaseId,
    pub phone: Option<String>,
    pub message: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct StateCount {
    pub total: u64,
    pub open: u64,
    pub overdue_red: u64,
    pub overdue_yellow: u64,
}

// ---- triage ----

/// A trained classifier to store. It becomes the active model.
#[derive(Debug, Clone)]
pub struct NewTriageModel {
    pub trained_by: String,
    pub source: String,
    pub examples: u64,
    pub labels: Vec<String>,
    /// Evaluation figures as JSON (macro-F1, accuracy, per class).
    pub metrics: serde_json::Value,
    pub blob: Vec<u8>,
    pub trained_at: Timestamp,
}

/// A stored classifier, without its weights.
#[derive(Debug, Clone, Serialize)]
pub struct TriageModelInfo {
    pub version: i64,
    pub trained_at: Timestamp,
    pub trained_by: String,
    pub source: String,
    pub examples: u64,
    pub labels: Vec<String>,
    pub metrics: serde_json::Value,
    pub active: bool,
}

/// What triage suggested for a case at intake.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Suggestion {
    pub model_version: i64,
    pub label: String,
    pub category_id: Option<CategoryId>,
    pub unit_id: Option<UnitId>,
    pub confidence: f32,
    /// The words that drove the suggestion.
    pub words: Vec<String>,
    /// The system registered and dispatched the case on this suggestion.
    pub auto_dispatched: bool,
}

/// An operator's verdict on a suggestion: the category they chose.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageFeedback {
    pub suggested_category_id: Option<CategoryId>,
    pub chosen_category_id: CategoryId,
}

/// A message with the category a person gave it: training data.
#[derive(Debug, Clone)]
pub struct LabelledCase {
    pub title: String,
    pub body: String,
    pub category_id: CategoryId,
}

/// An open case as the duplicate finder and hot-spot detector see it.
#[derive(Debug, Clone)]
pub struct OpenText {
    pub id: CaseId,
    pub region_id: Option<RegionId>,
    /// What kind of problem it is: triage's suggested label, else its category id.
    pub kind: Option<String>,
    pub title: String,
    pub body: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProposalStatus {
    Open,
    Merged,
    Dismissed,
}

impl ProposalStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProposalStatus::Open => "open",
            ProposalStatus::Merged => "merged",
            ProposalStatus::Dismissed => "dismissed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Open, Self::Merged, Self::Dismissed]
            .into_iter()
            .find(|x| x.as_str() == s)
    }
}

/// "This new case looks like that open one."
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateProposal {
    pub id: i64,
    pub case_id: CaseId,
    pub candidate_id: CaseId,
    pub similarity: f32,
    pub status: ProposalStatus,
    pub created_at: Timestamp,
}

/// A cluster of similar reports in one region within a window.
#[derive(Debug, Clone, Serialize)]
pub struct Hotspot {
    pub id: i64,
    pub region_id: RegionId,
    pub keywords: Vec<String>,
    pub members: Vec<CaseId>,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
    pub created_at: Timestamp,
}

/// A hot spot to raise, or an existing one (`id`) that gained members.
#[derive(Debug, Clone)]
pub struct HotspotUpdate {
    pub id: Option<i64>,
    pub region_id: RegionId,
    pub keywords: Vec<String>,
    pub members: Vec<CaseId>,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    // ---- organisation ----
    // Every change to the organisation or the configuration is written together with its audit
    // entry, in one transaction.
    async fn insert_region(&self, r: NewRegion, audit: Audit) -> Result<Region>;
    async fn regions(&self) -> Result<Vec<Region>>;
    async fn insert_unit(&self, u: NewUnit, audit: Audit) -> Result<Unit>;
    async fn units(&self) -> Result<Vec<Unit>>;
    async fn insert_category(&self, c: NewCategory, audit: Audit) -> Result<Category>;
    async fn categories(&self) -> Result<Vec<Category>>;
    async fn insert_user(&self, u: NewUser, audit: Audit) -> Result<User>;
    async fn users(&self) -> Result<Vec<User>>;
    /// The user and their password hash.
    async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>>;
    async fn insert_token(
        &self,
        user_id: UserId,
        token_hash: &str,
        created_at: Timestamp,
        expires_at: Timestamp,
    ) -> Result<()>;
    /// The active user a live (unexpired, unrevoked) token belongs to.
    async fn user_by_token(&self, token_hash: &str, now: Timestamp) -> Result<Option<User>>;
    async fn revoke_token(&self, token_hash: &str, now: Timestamp) -> Result<()>;

    // ---- configuration ----
    async fn policies(&self) -> Result<Vec<TimePolicy>>;
    /// Inserts or replaces the rule for (category, priority, stage); the id is assigned.
    async fn upsert_policy(&self, p: TimePolicy, audit: Audit) -> Result<TimePolicy>;
    async fn calendar_days(&self) -> Result<Vec<CalendarDay>>;
    /// Inserts or replaces days; returns how many were written.
    async fn upsert_calendar_days(&self, days: Vec<CalendarDay>, audit: Audit) -> Result<usize>;

    // ---- cases ----
    /// Registers a new case (state `reported`) with its first reporter and an `intake` event.
    /// Idempotent by `idempotency_key`.
    async fn intake(&self, new: NewCase) -> Result<IntakeOutcome>;
    async fn case(&self, id: CaseId) -> Result<Option<CaseRecord>>;
    async fn case_id_by_no(&self, no: &CaseNo) -> Result<Option<CaseId>>;
    /// Cases with an id above `after`, in id order, at most `limit`, each with its first
    /// reporter and idempotency key: the rows of an export, read page by page.
    async fn export_page(&self, after: CaseId, limit: u32) -> Result<Vec<ExportRow>>;
    /// The case first created with this idempotency key (imports key cases by the external
    /// work-order number).
    async fn case_id_by_idempotency_key(&self, key: &str) -> Result<Option<CaseId>>;
    /// Corrects the intake text of a case nobody has registered yet (a re-imported work order
    /// that changed at the source). False, and nothing written, once it is registered.
    async fn amend_reported_case(&self, amend: CaseAmendment, audit: Audit) -> Result<bool>;
    /// Writes one accepted action atomically; `Conflict` if the case changed since it was read.
    async fn commit(&self, change: Changeset) -> Result<Case>;
    async fn list_cases(&self, scope: &Scope, filter: &CaseFilter) -> Result<Page<Case>>;
    async fn events(&self, id: CaseId) -> Result<Vec<Event>>;
    /// Events of publishable cases (categorised, not petitions) in `[from, to)`, oldest first,
    /// at most `limit`, each with its case number (Open311 service request updates).
    async fn public_events_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: u32,
    ) -> Result<Vec<(Event, String)>>;
    /// Open cases that run against a deadline, for the scheduler (a page at a time, by id).
    async fn open_timed_cases(&self, after: CaseId, limit: u32) -> Result<Vec<Case>>;
    async fn count_cases(&self, scope: &Scope) -> Result<StateCount>;
    /// A cheap round trip to the database, for health checks.
    async fn ping(&self) -> Result<()>;
    async fn notifications(&self, id: CaseId) -> Result<Vec<Notification>>;
    /// Writes complete cases with their histories in large transactions (demo, bulk import).
    async fn insert_bundles(&self, bundles: Vec<CaseBundle>) -> Result<()>;

    // ---- service attributes ----
    /// Adds a question to a category (the `id` of `a` is ignored).
    async fn insert_category_attribute(
        &self,
        a: ServiceAttribute,
        audit: Audit,
    ) -> Result<ServiceAttribute>;
    async fn category_attributes(&self) -> Result<Vec<ServiceAttribute>>;
    async fn case_attributes(&self, id: CaseId) -> Result<Vec<(String, String)>>;
    /// The media links a case was reported with, in order.
    async fn case_media(&self, id: CaseId) -> Result<Vec<String>>;
    /// Events, attribute answers and media of these cases, in one read.
    async fn case_details(&self, ids: &[CaseId]) -> Result<CaseDetails>;
    /// The case numbers of these cases (those that exist).
    async fn case_numbers(&self, ids: &[CaseId]) -> Result<Vec<(CaseId, CaseNo)>>;
    /// The first media link of each of these cases that has one (for lists).
    async fn first_media(&self, ids: &[CaseId]) -> Result<Vec<(CaseId, String)>>;

    // ---- API clients ----
    async fn insert_api_client(&self, c: NewApiClient, audit: Audit) -> Result<ApiClient>;
    async fn api_clients(&self) -> Result<Vec<ApiClient>>;
    /// The client holding a key (by its hash), unless revoked.
    async fn api_client_by_key_hash(&self, key_hash: &str) -> Result<Option<ApiClient>>;
    /// The client a case came from, if any.
    async fn case_client(&self, id: CaseId) -> Result<Option<ApiClient>>;
    /// An update a client posted, by the client's id for it.
    async fn external_update(&self, r: &ExternalRef) -> Result<Option<ExternalUpdate>>;
    /// An update a client posted, by our event id for it.
    async fn external_update_by_event(&self, event_id: i64) -> Result<Option<ExternalUpdate>>;
    /// Revokes a client's key; `Conflict` if it already was.
    async fn revoke_api_client(&self, id: i64, audit: Audit) -> Result<ApiClient>;

    // ---- triage ----
    /// Stores a trained model and makes it the active one.
    async fn insert_triage_model(&self, m: NewTriageModel, audit: Audit)
        -> Result<TriageModelInfo>;
    async fn triage_models(&self) -> Result<Vec<TriageModelInfo>>;
    /// The active model's version and weights.
    async fn active_triage_model(&self) -> Result<Option<(i64, Vec<u8>)>>;
    /// Makes a stored model the active one (e.g. switching back to an earlier version).
    async fn activate_triage_model(&self, version: i64, audit: Audit) -> Result<TriageModelInfo>;
    async fn case_suggestion(&self, id: CaseId) -> Result<Option<Suggestion>>;
    /// Marks a case's suggestion as acted on by the system.
    async fn mark_auto_dispatched(&self, id: CaseId) -> Result<()>;
    /// Cases whose category a person gave or confirmed: training data. Cases the system
    /// categorised on its own are left out, so the model never learns from itself.
    async fn labelled_cases(&self) -> Result<Vec<LabelledCase>>;
    /// Open, non-merged cases received at or after `since`, oldest first.
    async fn open_texts(&self, since: Timestamp) -> Result<Vec<OpenText>>;
    async fn duplicate_proposals(&self, id: CaseId) -> Result<Vec<DuplicateProposal>>;
    /// Dismisses an open proposal ("not the same problem").
    async fn dismiss_proposal(&self, id: i64, audit: Audit) -> Result<DuplicateProposal>;
    /// Raises or extends a hot spot; returns it with all its members.
    async fn upsert_hotspot(&self, h: HotspotUpdate, audit: Audit) -> Result<Hotspot>;
    /// Hot spots whose last report is at or after `since`, newest first.
    async fn hotspots(&self, since: Timestamp) -> Result<Vec<Hotspot>>;

    // ---- audit ----
    async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>>;
}
