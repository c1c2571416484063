//! Storage behind traits, one per capability, composed into [`Store`] (as lldap composes its
//! backend handlers). Backends (SQLite now, PostgreSQL later) implement every capability trait;
//! `fengqiao-store-conformance` holds the one test suite every backend must pass.
//!
//! Invariants every backend keeps:
//! - every method is one transaction: it happens whole or not at all;
//! - a method that returned `Ok` is durable (survives a crash of the process);
//! - `case_events` and `audit_log` are append-only: no row is ever updated or deleted;
//! - [`CaseCommandStore::commit`] refuses a change whose case version is not the stored one
//!   ([`StoreError::Conflict`]), so concurrent actions on one case serialise.

mod audit;
mod auth;
mod campaigns;
mod case_commands;
mod case_queries;
mod clients;
mod config;
mod escalations;
mod figures;
mod hazards;
mod inspections;
mod kpis;
mod map;
mod notifications;
mod org;
mod patrols;
mod photos;
mod places;
mod rankings;
mod saved_filters;
mod triage;

pub use audit::*;
pub use auth::*;
pub use campaigns::*;
pub use case_commands::*;
pub use case_queries::*;
pub use clients::*;
pub use config::*;
pub use escalations::*;
pub use figures::*;
pub use hazards::*;
pub use inspections::*;
pub use kpis::*;
pub use map::*;
pub use notifications::*;
pub use org::*;
pub use patrols::*;
pub use photos::*;
pub use places::*;
pub use rankings::*;
pub use saved_filters::*;
pub use triage::*;

use fengqiao_domain::ids::UserId;
use fengqiao_domain::Timestamp;
use serde::Serialize;

/// A backend's own error, kept whole so logs show its cause.
pub type BackendError = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found: {0}")]
    NotFound(String),
    /// A uniqueness rule was broken (e.g. a username already taken). The backend names the
    /// rule; services put it in words a person can act on.
    #[error("{0}")]
    Duplicate(String),
    /// The case changed since it was read; reload and retry.
    #[error("the case was changed by someone else; reload and retry")]
    Conflict,
    /// A reference to a row that does not exist.
    #[error("{0}")]
    InvalidReference(String),
    /// An idempotency key came again with different content: not a retry of the first request.
    #[error("idempotency key {0} was used for a different request")]
    KeyReused(String),
    /// The backend failed (I/O, corruption, a bug): nothing a caller can correct.
    #[error("storage failure")]
    Backend(#[from] BackendError),
}

impl StoreError {
    /// A backend failure described in words (no underlying error to keep).
    pub fn backend(message: impl Into<String>) -> Self {
        StoreError::Backend(message.into().into())
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

/// Who made an administrative change, and when; the store records it with the change.
#[derive(Debug, Clone)]
pub struct Audit {
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub at: Timestamp,
}

/// Every capability a backend provides, as one handle for the services.
pub trait Store:
    OrgStore
    + AuthStore
    + ConfigStore
    + CaseCommandStore
    + CaseQueryStore
    + ApiClientStore
    + TriageStore
    + AuditStore
    + PhotoStore
    + FigureStore
    + MapStore
    + SavedFilterStore
    + NotificationStore
    + PlaceStore
    + InspectionStore
    + HazardStore
    + CampaignStore
    + PatrolStore
    + EscalationStore
    + KpiStore
    + RankingStore
{
}

impl<T> Store for T where
    T: OrgStore
        + AuthStore
        + ConfigStore
        + CaseCommandStore
        + CaseQueryStore
        + ApiClientStore
        + TriageStore
        + AuditStore
        + PhotoStore
        + FigureStore
        + MapStore
        + SavedFilterStore
        + NotificationStore
        + PlaceStore
        + InspectionStore
        + HazardStore
        + CampaignStore
        + PatrolStore
        + EscalationStore
        + KpiStore
        + RankingStore
{
}
