//! Campaigns (专项行动) and their daily report (专班日报): the figures are counted from the
//! inspections and hazards of the campaign's kinds of places, as of the end of the report's day,
//! beside the same figures as of the day before (the day's change), by village and kind, with
//! each kind's progress against its target.

use crate::core::Core;
use crate::{invalid, AppError, Result};
use chrono::{Duration, NaiveDate};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::{CampaignId, RegionId};
use fengqiao_domain::org::Actor;
use fengqiao_domain::places::*;
use fengqiao_domain::Timestamp;
use fengqiao_store::{NewCampaign, RegionTally};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::Arc;

/// A campaign as its form or client sends it.
#[derive(Debug, Clone, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CampaignInput {
    pub name: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub targets: Vec<CampaignTarget>,
    #[serde(default)]
    pub task_force: String,
    /// The village it covers; the actor's whole region if not said.
    #[serde(default)]
    pub region_id: Option<i64>,
}

/// How a figure moved over the report's day.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Change {
    pub places_checked: i64,
    pub inspections: i64,
    pub problems: i64,
    pub rectified: i64,
    pub overdue: i64,
}

impl Change {
    fn between(now: &Tally, before: &Tally) -> Self {
        let d = |a: u64, b: u64| a as i64 - b as i64;
        Change {
            places_checked: d(now.places_checked, before.places_checked),
            inspections: d(now.inspections, before.inspections),
            problems: d(now.problems, before.problems),
            rectified: d(now.rectified, before.rectified),
            overdue: d(now.overdue, before.overdue),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct KindLine {
    /// `None` on a total line (a village's 小计, the report's 合计).
    pub kind: Option<PlaceKind>,
    pub label: &'static str,
    pub tally: Tally,
    pub outstanding: u64,
    pub change: Change,
    /// Target places for the kind (on the campaign's lines only).
    pub target: Option<u32>,
    /// Places checked as a share of the target, in percent.
    pub progress: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct VillageLine {
    pub region_id: RegionId,
    pub name: String,
    pub kinds: Vec<KindLine>,
    pub total: KindLine,
}

/// The daily report of one campaign for one day, within the viewer's region.
#[derive(Debug, Clone, Serialize)]
pub struct DailyReport {
    pub campaign: Campaign,
    pub date: NaiveDate,
    /// Which day of the campaign it is (1 on its first day).
    pub day_number: i64,
    pub generated_at: Timestamp,
    pub scope_name: String,
    pub kinds: Vec<KindLine>,
    pub villages: Vec<VillageLine>,
    pub total: Tally,
    pub total_outstanding: u64,
    pub change: Change,
    /// Signed off as a share of found, in percent (None when nothing was found).
    pub rectification_rate: Option<f64>,
}

pub struct Campaigns {
    core: Arc<Core>,
}

/// A kind's line, or (`kind` None) a line over every kind: a village's subtotal, the total.
fn line(kind: Option<PlaceKind>, tally: Tally, before: Tally, target: Option<u32>) -> KindLine {
    KindLine {
        kind,
        label: kind.map_or("合计", PlaceKind::label),
        outstanding: tally.outstanding(),
        change: Change::between(&tally, &before),
        progress: target.map(|t| tally.places_checked as f64 * 100.0 / t as f64),
        target,
        tally,
    }
}

impl Campaigns {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Campaigns { core }
    }

    /// China-time today.
    pub fn today(&self) -> NaiveDate {
        self.core.today()
    }

    pub async fn create(&self, actor: &Actor, input: CampaignInput) -> Result<Campaign> {
        let region_path = match input.region_id {
            Some(id) => self.core.region_exists(RegionId(id))?.path,
            None => actor.region_path.clone(),
        };
        access::require_within(actor, Capability::ManageCampaigns, Some(&region_path))?;
        let name = check_campaign(&input.name, input.starts_on, input.ends_on, &input.targets)?;
        fengqiao_domain::check_len(
            "task_force",
            &input.task_force,
            fengqiao_domain::limits::REMARK_MAX_CHARS,
        )?;
        let c = NewCampaign {
            name,
            starts_on: input.starts_on,
            ends_on: input.ends_on,
            targets: input.targets,
            task_force: input.task_force.trim().to_string(),
            region_path,
        };
        Ok(self
            .core
            .store
            .create_campaign(c, self.core.audit(actor))
            .await?)
    }

    /// The region a viewer's report covers: the campaign's, narrowed to the viewer's own.
    fn scope(actor: &Actor, c: &Campaign) -> Option<String> {
        if actor.covers(Some(&c.region_path)) {
            Some(c.region_path.clone())
        } else if actor.region_path.starts_with(&c.region_path) {
            Some(actor.region_path.clone())
        } else {
            None
        }
    }

    /// The campaigns the actor takes part in (covering their region or within it), newest first.
    pub async fn list(&self, actor: &Actor) -> Result<Vec<Campaign>> {
        Ok(self
            .core
            .store
            .campaigns()
            .await?
            .into_iter()
            .filter(|c| Self::scope(actor, c).is_some())
            .collect())
    }

    /// The daily report for `date` (yesterday's, the last whole day, if not said; a day outside
    /// the campaign or in the future is refused).
    pub async fn report(
        &self,
        actor: &Actor,
        id: CampaignId,
        date: Option<NaiveDate>,
    ) -> Result<DailyReport> {
        let c = self
            .core
            .store
            .campaign(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("专项行动 {id} 不存在")))?;
        let scope = Self::scope(actor, &c)
            .ok_or_else(|| AppError::NotFound(format!("专项行动 {id} 不存在")))?;
        let today = self.today();
        // Unasked, the report is the morning's: of the last whole day (the first day's on the
        // day a campaign starts).
        let date =
            date.unwrap_or_else(|| (today - Duration::days(1)).min(c.ends_on).max(c.starts_on));
        if date < c.starts_on || date > c.ends_on {
            return Err(invalid(
                "date",
                format!("日报日期须在 {} 至 {} 之间", c.starts_on, c.ends_on),
            ));
        }
        if date > today {
            return Err(invalid("date", "还没到这一天，不能生成日报"));
        }
        let kinds: Vec<PlaceKind> = c.targets.iter().map(|t| t.kind).collect();
        let from = start_of_china_day(c.starts_on);
        let to = start_of_china_day(date) + Duration::days(1);
        let store = &self.core.store;
        let tallies = store
            .tallies(&kinds, &scope, from, to - Duration::days(1), to)
            .await?;
        Ok(self.assemble(c, date, &scope, tallies))
    }

    fn assemble(
        &self,
        c: Campaign,
        date: NaiveDate,
        scope: &str,
        tallies: Vec<RegionTally>,
    ) -> DailyReport {
        let regions = self.core.regions();
        // The village a region lies in: its ancestor one level below the township (paths are
        // `/town/village/grid/`).
        let village_of = |path: &str| -> (RegionId, String) {
            let id = path
                .split('/')
                .filter(|s| !s.is_empty())
                .nth(1)
                .and_then(|s| s.parse().ok())
                .map(RegionId)
                .unwrap_or(RegionId(0));
            let name = regions
                .iter()
                .find(|r| r.id == id)
                .map(|r| r.name.clone())
                .unwrap_or_default();
            (id, name)
        };
        let mut by_village: BTreeMap<(RegionId, String), BTreeMap<PlaceKind, (Tally, Tally)>> =
            BTreeMap::new();
        let mut by_kind: BTreeMap<PlaceKind, (Tally, Tally)> = BTreeMap::new();
        for r in &tallies {
            let v = by_village
                .entry(village_of(&r.region_path))
                .or_default()
                .entry(r.kind)
                .or_default();
            v.0.add(&r.tally);
            v.1.add(&r.before);
            let k = by_kind.entry(r.kind).or_default();
            k.0.add(&r.tally);
            k.1.add(&r.before);
        }
        let kinds: Vec<KindLine> = c
            .targets
            .iter()
            .map(|t| {
                let (n, b) = by_kind.get(&t.kind).copied().unwrap_or_default();
                line(Some(t.kind), n, b, Some(t.places))
            })
            .collect();
        let villages = by_village
            .into_iter()
            .map(|((region_id, name), kinds)| {
                let (mut n, mut b) = (Tally::default(), Tally::default());
                let lines = kinds
                    .into_iter()
                    .map(|(k, (kn, kb))| {
                        n.add(&kn);
                        b.add(&kb);
                        line(Some(k), kn, kb, None)
                    })
                    .collect();
                VillageLine {
                    region_id,
                    name,
                    kinds: lines,
                    total: line(None, n, b, None),
                }
            })
            .collect();
        let (mut total, mut total_before) = (Tally::default(), Tally::default());
        for (n, b) in by_kind.values() {
            total.add(n);
            total_before.add(b);
        }
        DailyReport {
            day_number: (date - c.starts_on).num_days() + 1,
            date,
            generated_at: self.core.now(),
            scope_name: regions
                .iter()
                .find(|r| r.path == scope)
                .map(|r| r.name.clone())
                .unwrap_or_else(|| "全镇".into()),
            kinds,
            villages,
            total_outstanding: total.outstanding(),
            change: Change::between(&total, &total_before),
            rectification_rate: (total.problems > 0)
                .then(|| total.rectified as f64 * 100.0 / total.problems as f64),
            total,
            campaign: c,
        }
    }

    /// The report as a workbook: one sheet, one row per village and kind, then the totals.
    pub fn report_xlsx(report: &DailyReport) -> Result<Vec<u8>> {
        let fail = |e: crate::xlsx::XlsxError| AppError::internal(format!("日报导出失败：{e}"));
        let mut w = crate::xlsx::SheetWriter::new(Vec::new(), "专班日报", 6).map_err(fail)?;
        let c = &report.campaign;
        w.row(&[format!(
            "{} 专班日报（{}，第 {} 天）",
            c.name, report.date, report.day_number
        )])
        .map_err(fail)?;
        w.row(&[
            "村（社区）",
            "类型",
            "检查场所",
            "检查次数",
            "发现问题",
            "已整改销号",
            "未整改",
            "逾期未整改",
            "当日新增检查",
            "当日新增问题",
            "当日整改",
        ])
        .map_err(fail)?;
        let cells = |v: &str, l: &KindLine| -> Vec<String> {
            vec![
                v.to_string(),
                l.label.to_string(),
                l.tally.places_checked.to_string(),
                l.tally.inspections.to_string(),
                l.tally.problems.to_string(),
                l.tally.rectified.to_string(),
                l.outstanding.to_string(),
                l.tally.overdue.to_string(),
                l.change.inspections.to_string(),
                l.change.problems.to_string(),
                l.change.rectified.to_string(),
            ]
        };
        for v in &report.villages {
            for l in &v.kinds {
                w.row(&cells(&v.name, l)).map_err(fail)?;
            }
        }
        for l in &report.kinds {
            w.row(&cells("全部", l)).map_err(fail)?;
        }
        w.finish().map_err(fail)
    }
}
