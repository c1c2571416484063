//! Writing cases: intake, accepted actions, corrections and bulk loads.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::case::{Case, Event, Intake, Reporter, Task};
use fengqiao_domain::ids::{CaseId, Phone, UserId};
use fengqiao_domain::lifecycle::{Effect, EventDraft};
use fengqiao_domain::Timestamp;

/// A case as it arrives at the one door, already parsed.
#[derive(Debug, Clone)]
pub struct NewCase {
    /// The case itself; the store fills in `region_path` from `region_id`.
    pub intake: Intake,
    pub reporter_name: Option<String>,
    pub reporter_phone: Option<Phone>,
    /// A relayed number that cannot be read as a phone, kept as sent ([`Reporter::phone_unread`]).
    pub reporter_phone_unread: Option<String>,
    /// Scoped to whoever sent it (`u7:…`, `c2:…`, `12345:…`), so nobody can claim another's key.
    pub idempotency_key: Option<String>,
    /// A digest of the request's content: a replay of the key with other content is refused
    /// ([`StoreError::KeyReused`]) instead of answered with the first case.
    pub fingerprint: Option<String>,
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
    /// Photos uploaded with the report: stored with the case and listed after the links, as
    /// [`photo_path`]s.
    pub photos: Vec<NewPhoto>,
    /// How the intake placed the case when nobody chose its village (`村（社区）按地址「…」确定`):
    /// written into the intake event's remark, so the case says where its place came from.
    pub place_note: Option<String>,
    /// Tell the reporter the case is registered, with its number (the intake notice). Not for
    /// work orders imported from a source that told the caller itself.
    pub notify_reporter: bool,
    /// The hot spot of a look-alike report this one joins: its membership and the hot spot's
    /// last report are stored with the case, so a surge's reports add no write of their own.
    /// Ignored when the hot spot is no longer there.
    pub hotspot: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct IntakeOutcome {
    pub case: Case,
    /// False when the idempotency key matched an earlier intake: `case` is that first case.
    pub created: bool,
    /// The new case's sheet as the intake's transaction wrote it, so the answer to the report
    /// needs no read of its own; `None` for a repeated key (the first case is read as usual).
    pub sheet: Option<crate::CaseSheet>,
}

impl IntakeOutcome {
    /// The case as a later change of the same request left it (triage's own dispatch), in the
    /// outcome and in its sheet alike.
    pub fn replace_case(&mut self, case: Case) {
        if let Some(sheet) = &mut self.sheet {
            sheet.record.case = case.clone();
        }
        self.case = case;
    }
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
    /// The change is triage's own dispatch (智能分拨): the case's suggestion is marked as
    /// dispatched by it, in the same transaction.
    pub auto_dispatched: bool,
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

/// A complete case with its history, written as-is (demo generation, bulk import).
#[derive(Debug, Clone)]
pub struct CaseBundle {
    pub case: Case,
    pub reporters: Vec<Reporter>,
    pub tasks: Vec<Task>,
    pub events: Vec<Event>,
    pub idempotency_key: Option<String>,
}

/// Writes to cases. Each call is one transaction.
#[async_trait]
pub trait CaseCommandStore: Send + Sync + 'static {
    /// Registers a new case (state `reported`) with its first reporter and an `intake` event.
    /// Idempotent by `idempotency_key`.
    async fn intake(&self, new: NewCase) -> Result<IntakeOutcome>;
    /// Writes one accepted action atomically; `Conflict` if the case changed since it was read.
    async fn commit(&self, change: Changeset) -> Result<Case>;
    /// Writes accepted actions in order in one transaction, each decided on the case as the
    /// one before left it: all are stored or none (`Conflict` if any case changed since it was
    /// read). Returns the case as the last change left it.
    async fn commit_all(&self, changes: Vec<Changeset>) -> Result<Case>;
    /// Corrects the intake text of a case nobody has registered yet (a re-imported work order
    /// that changed at the source). False, and nothing written, once it is registered.
    async fn amend_reported_case(&self, amend: CaseAmendment, audit: Audit) -> Result<bool>;
    /// Writes complete cases with their histories in large transactions (demo, bulk import).
    async fn insert_bundles(&self, bundles: Vec<CaseBundle>) -> Result<()>;
}
