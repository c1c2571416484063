//! KPI rollups: each case's counts kept beside it, and per-day and per-month sums by dimension,
//! moved by the difference whenever a case's counts change.

use crate::*;
use async_trait::async_trait;
use chrono::NaiveDate;
use fengqiao_domain::case::{Case, Event};
use fengqiao_domain::ids::CaseId;
use fengqiao_domain::kpi::{CaseFacts, Dim, Measures};

/// A case with its events, oldest first.
#[derive(Debug, Clone)]
pub struct CaseHistory {
    pub case: Case,
    pub events: Vec<Event>,
}

/// The cases whose history moved past the rollups' watermark.
#[derive(Debug, Clone, Default)]
pub struct KpiChanges {
    /// The event id the rollups are counted to.
    pub from: i64,
    /// The event id these histories cover (≥ `from`; equal when nothing changed).
    pub to: i64,
    pub cases: Vec<CaseHistory>,
}

/// One key's sums over a period.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiRow {
    pub key: i64,
    pub measures: Measures,
    /// Handling times: `(bucket in working hours, cases)`.
    pub histogram: Vec<(i64, i64)>,
}

#[async_trait]
pub trait KpiStore: Send + Sync + 'static {
    /// The cases with events after the watermark, covering at most `max_events` events.
    async fn kpi_changes(&self, max_events: u32) -> Result<KpiChanges>;
    /// Stores the cases' counts, moves every rollup row they count in by the difference from
    /// their stored counts, and the watermark from `from` to `to` — in one transaction. False,
    /// and nothing written, when the watermark is no longer `from` (another pass got there).
    async fn apply_kpi_facts(
        &self,
        from: i64,
        to: i64,
        facts: Vec<(CaseId, CaseFacts)>,
    ) -> Result<bool>;
    /// Sums per key of `dim` over the days `first..=last` (whole months read from month rows),
    /// only for `keys` when given. Keys with nothing counted are left out.
    async fn kpi_rollup(
        &self,
        dim: Dim,
        first: NaiveDate,
        last: NaiveDate,
        keys: Option<Vec<i64>>,
    ) -> Result<Vec<KpiRow>>;
    /// A case's stored counts (what the rollups hold for it).
    async fn kpi_facts(&self, id: CaseId) -> Result<Option<CaseFacts>>;
    /// The watermark and the newest event's id: how far behind the rollups are.
    async fn kpi_lag(&self) -> Result<(i64, i64)>;
}
