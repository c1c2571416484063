//! Triage: classifier models, suggestions, duplicate proposals and hot spots.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, UnitId};
use fengqiao_domain::Timestamp;
use serde::{Deserialize, Serialize};

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
    /// The key words as they now stand; `None` keeps an existing hot spot's (a surge's
    /// thousandth report need not re-describe it).
    pub keywords: Option<Vec<String>>,
    pub members: Vec<CaseId>,
    pub first_at: Timestamp,
    pub last_at: Timestamp,
}

/// Triage's models, suggestions, proposals and hot spots.
#[async_trait]
pub trait TriageStore: Send + Sync + 'static {
    /// Stores a trained model and makes it the active one.
    async fn insert_triage_model(&self, m: NewTriageModel, audit: Audit)
        -> Result<TriageModelInfo>;
    async fn triage_models(&self) -> Result<Vec<TriageModelInfo>>;
    /// The active model's version and weights.
    async fn active_triage_model(&self) -> Result<Option<(i64, Vec<u8>)>>;
    /// Makes a stored model the active one (e.g. switching back to an earlier version).
    async fn activate_triage_model(&self, version: i64, audit: Audit) -> Result<TriageModelInfo>;
    async fn case_suggestion(&self, id: CaseId) -> Result<Option<Suggestion>>;
    /// Cases whose category a person gave or confirmed: training data. Cases the system
    /// categorised on its own are left out, so the model never learns from itself.
    async fn labelled_cases(&self) -> Result<Vec<LabelledCase>>;
    /// Open, non-merged cases received at or after `since`, oldest first.
    async fn open_texts(&self, since: Timestamp) -> Result<Vec<OpenText>>;
    async fn duplicate_proposals(&self, id: CaseId) -> Result<Vec<DuplicateProposal>>;
    /// Proposes `case` as a duplicate of each candidate, for a case already stored (look-alikes
    /// that were being stored at the same time as it). A pair already proposed is left as it is.
    /// Returns the new proposals, most similar first.
    async fn propose_duplicates(
        &self,
        case: CaseId,
        candidates: Vec<(CaseId, f32)>,
        at: Timestamp,
    ) -> Result<Vec<DuplicateProposal>>;
    /// Dismisses an open proposal ("not the same problem").
    async fn dismiss_proposal(&self, id: i64, audit: Audit) -> Result<DuplicateProposal>;
    /// Raises or extends a hot spot; returns its id.
    async fn upsert_hotspot(&self, h: HotspotUpdate, audit: Audit) -> Result<i64>;
    /// Hot spots whose last report is at or after `since`, newest first.
    async fn hotspots(&self, since: Timestamp) -> Result<Vec<Hotspot>>;
}
