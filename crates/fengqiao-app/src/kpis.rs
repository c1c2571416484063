//! KPIs (考核指标) by village, grid, unit, category and channel for any period, read from rollups
//! the store keeps moving: a pass counts every case whose history grew since the last pass
//! (`refresh`, run by the scheduler and before every read, so answers are never stale) and moves
//! the rollups by the difference, so no figure ever scans the cases.

use crate::core::Core;
use crate::Result;
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::{CategoryId, RegionId, UnitId};
use fengqiao_domain::kpi::{self, CaseFacts, Dim, Figures, Period, Placement};
use fengqiao_domain::org::{Actor, RegionLevel};
use fengqiao_store::{CaseHistory, KpiRow};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Events a refresh pass takes at a time: each pass is one write transaction, so this bounds how
/// long a catch-up (after an upgrade, a bulk import) holds the writer from intake at once.
const EVENTS_PER_PASS: u32 = 20_000;

/// One row of a KPI table: a village, grid, unit, category or channel.
#[derive(Debug, Clone, Serialize)]
pub struct KpiLine {
    pub key: i64,
    pub name: String,
    pub figures: Figures,
}

/// The figures of a period by one dimension, with the township's total.
#[derive(Debug, Clone, Serialize)]
pub struct KpiTable {
    pub dim: Dim,
    pub period: Period,
    pub period_label: String,
    pub lines: Vec<KpiLine>,
    pub total: Figures,
}

pub struct Kpis {
    core: Arc<Core>,
    /// One refresh at a time in this process (a second would only lose the watermark race).
    refreshing: tokio::sync::Mutex<()>,
}

impl Kpis {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Kpis {
            core,
            refreshing: tokio::sync::Mutex::new(()),
        }
    }

    /// Counts every case whose history grew since the last pass; returns how many were counted.
    pub async fn refresh(&self) -> Result<u64> {
        let one = self.refreshing.lock().await;
        self.passes(one).await
    }

    /// Brings the rollups up to date before a read — unless a pass is already running (a long
    /// catch-up after an upgrade or a bulk load): then the read answers from the rollups as
    /// they stand rather than wait for it.
    pub(crate) async fn refresh_for_read(&self) -> Result<()> {
        if let Ok(one) = self.refreshing.try_lock() {
            self.passes(one).await?;
        }
        Ok(())
    }

    /// Passes until no case is left uncounted, holding the one-refresh lock.
    async fn passes(&self, _one: tokio::sync::MutexGuard<'_, ()>) -> Result<u64> {
        let mut counted = 0;
        loop {
            let changes = self.core.store.kpi_changes(EVENTS_PER_PASS).await?;
            if changes.to == changes.from {
                return Ok(counted);
            }
            let placements = self.placements();
            let calendar = self.core.calendar();
            let cases = changes.cases;
            let facts = tokio::task::spawn_blocking(move || {
                cases
                    .iter()
                    .map(|h| (h.case.id, case_facts(h, &placements, &calendar)))
                    .collect::<Vec<_>>()
            })
            .await
            .map_err(|e| crate::AppError::internal(e.to_string()))?;
            counted += facts.len() as u64;
            self.core
                .store
                .apply_kpi_facts(changes.from, changes.to, facts)
                .await?;
        }
    }

    /// Where each region lies: its village and grid.
    fn placements(&self) -> HashMap<RegionId, Placement> {
        let regions = self.core.regions();
        let by_id: HashMap<RegionId, _> = regions.iter().map(|r| (r.id, r)).collect();
        regions
            .iter()
            .map(|r| {
                let mut p = Placement::default();
                let mut cur = Some(r);
                while let Some(region) = cur {
                    match region.level {
                        RegionLevel::Grid => p.grid = p.grid.or(Some(region.id)),
                        RegionLevel::Village | RegionLevel::Community => {
                            p.village = p.village.or(Some(region.id))
                        }
                        RegionLevel::Town => {}
                    }
                    cur = region.parent_id.and_then(|id| by_id.get(&id).copied());
                }
                (r.id, p)
            })
            .collect()
    }

    /// The figures of `period` by `dim`, each line named, with the township's total.
    pub async fn table(&self, actor: &Actor, dim: Dim, period: Period) -> Result<KpiTable> {
        access::require(actor, Capability::ViewKpis)?;
        self.refresh_for_read().await?;
        self.counted_table(dim, period).await
    }

    /// [`Kpis::table`] from the rollups as they stand: for services that checked access and
    /// refreshed once before reading several tables.
    pub(crate) async fn counted_table(&self, dim: Dim, period: Period) -> Result<KpiTable> {
        let store = &self.core.store;
        let rows = store
            .kpi_rollup(dim, period.first, period.last, None)
            .await?;
        let total = store
            .kpi_rollup(Dim::Township, period.first, period.last, None)
            .await?
            .into_iter()
            .next();
        let mut lines: Vec<KpiLine> = rows
            .into_iter()
            .map(|r| KpiLine {
                key: r.key,
                name: self.name_of(dim, r.key),
                figures: figures(&r),
            })
            .collect();
        lines.sort_by(|a, b| {
            b.figures
                .measures
                .get(kpi::Measure::Due)
                .cmp(&a.figures.measures.get(kpi::Measure::Due))
                .then(a.key.cmp(&b.key))
        });
        Ok(KpiTable {
            dim,
            period,
            period_label: period.label(),
            lines,
            total: total
                .as_ref()
                .map_or_else(|| Figures::of(Default::default(), &[]), figures),
        })
    }

    /// The raw sums of `period` by `dim`, with their handling-time histograms (reports merge
    /// them, e.g. categories into their top level), counted up to now.
    /// Read from the rollups as they stand (the caller checked access and refreshed once).
    pub(crate) async fn counted_rows(&self, dim: Dim, period: Period) -> Result<Vec<KpiRow>> {
        Ok(self
            .core
            .store
            .kpi_rollup(dim, period.first, period.last, None)
            .await?)
    }

    /// What a dimension's key names, in the township's words.
    pub fn name_of(&self, dim: Dim, key: i64) -> String {
        let none = match dim {
            Dim::Township => return "全镇".into(),
            Dim::Village => "未定位到村（社区）",
            Dim::Grid => "未定位到网格",
            Dim::Unit => "未派单",
            Dim::Category => "未分类",
            Dim::Channel => "未知渠道",
        };
        let name = match dim {
            Dim::Village | Dim::Grid => self
                .core
                .regions()
                .iter()
                .find(|r| r.id == RegionId(key))
                .map(|r| r.name.clone()),
            Dim::Unit => self
                .core
                .units()
                .iter()
                .find(|u| u.id == UnitId(key))
                .map(|u| u.name.clone()),
            Dim::Category => self
                .core
                .categories()
                .iter()
                .find(|c| c.id == CategoryId(key))
                .map(|c| c.name.clone()),
            Dim::Channel => kpi::channel_of_key(key).map(|c| c.label().to_string()),
            Dim::Township => None,
        };
        name.unwrap_or_else(|| none.to_string())
    }
}

fn figures(r: &KpiRow) -> Figures {
    Figures::of(r.measures, &r.histogram)
}

fn case_facts(
    h: &CaseHistory,
    placements: &HashMap<RegionId, Placement>,
    calendar: &fengqiao_domain::Calendar,
) -> CaseFacts {
    let placement = h
        .case
        .location
        .region_id
        .and_then(|r| placements.get(&r).copied())
        .unwrap_or_default();
    kpi::facts(&h.case, &h.events, placement, calendar)
}
