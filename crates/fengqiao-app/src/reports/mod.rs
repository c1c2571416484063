//! Reports (日报、周报、月报、季报、年报): a period's figures from the KPI rollups, beside the
//! previous period and the same period a year before, by channel, category, village and unit,
//! with the trend, hot spots, rectification of hazards found in inspections, first petitions
//! resolved at once and the service counter's volume — and the sentences a township writes
//! upward ("全年受理群众诉求X件，同比…，平均办理时长缩短Y%"). As a page, a workbook and a PDF.

mod pdf;
mod xlsx;

use crate::core::Core;
use crate::kpis::Kpis;
use crate::{AppError, Result};
use chrono::Duration;
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::CategoryId;
use fengqiao_domain::kpi::{channel_of_key, Dim, Figures, Measure, Measures, Period, PeriodKind};
use fengqiao_domain::org::{Actor, RegionLevel};
use fengqiao_domain::places::PlaceKind;
use fengqiao_domain::{Channel, Timestamp};
use fengqiao_store::KpiRow;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

/// One line of a breakdown.
#[derive(Debug, Clone, Serialize)]
pub struct ReportLine {
    pub name: String,
    pub figures: Figures,
}

/// One step of the trend: what came in, and in the same step a year before.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub label: String,
    pub received: i64,
    pub received_year_before: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct HotspotLine {
    pub village: String,
    pub keywords: String,
    pub reports: usize,
    pub first_at: Timestamp,
}

/// Inspections in the period and the hazards they found, with how many are signed off.
#[derive(Debug, Clone, Serialize)]
pub struct FieldFigures {
    pub inspections: u64,
    pub places: u64,
    pub problems: u64,
    pub rectified: u64,
    pub rate: Option<f64>,
}

/// 初访化解: petitions received at the desk whose deadline fell in the period, and how many
/// were closed without ever being reopened.
#[derive(Debug, Clone, Serialize)]
pub struct PetitionFigures {
    pub received: i64,
    pub due: i64,
    pub resolved_at_once: i64,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub town: String,
    pub period: Period,
    pub period_label: String,
    pub previous_label: String,
    pub year_before_label: String,
    pub generated_at: Timestamp,
    pub total: Figures,
    pub previous: Figures,
    pub year_before: Figures,
    pub by_channel: Vec<ReportLine>,
    pub by_category: Vec<ReportLine>,
    pub by_village: Vec<ReportLine>,
    pub by_unit: Vec<ReportLine>,
    pub trend: Vec<TrendPoint>,
    pub hotspots: Vec<HotspotLine>,
    pub field: FieldFigures,
    pub petitions: PetitionFigures,
    pub service_counter: i64,
    /// The summary, sentence by sentence.
    pub sentences: Vec<String>,
}

/// What a period's report is called: 日报, 周报, 月报…
pub fn report_name(kind: PeriodKind) -> &'static str {
    match kind {
        PeriodKind::Day => "日报",
        PeriodKind::Week => "周报",
        PeriodKind::Month => "月报",
        PeriodKind::Quarter => "季报",
        PeriodKind::Year => "年报",
        PeriodKind::Custom => "专题报告",
    }
}

pub struct Reports {
    core: Arc<Core>,
    kpis: Arc<Kpis>,
    font: OnceLock<std::result::Result<Arc<crate::formats::pdf::Font>, String>>,
}

fn merge(rows: &[&KpiRow]) -> Figures {
    let mut m = Measures::default();
    let mut hist: BTreeMap<i64, i64> = BTreeMap::new();
    for r in rows {
        m.add(&r.measures);
        for (b, n) in &r.histogram {
            *hist.entry(*b).or_default() += n;
        }
    }
    Figures::of(m, &hist.into_iter().collect::<Vec<_>>())
}

/// Percent change, `None` without a base.
fn change(now: f64, before: f64) -> Option<f64> {
    (before > 0.0).then(|| (now - before) / before * 100.0)
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |v| format!("{:.1}%", v * 100.0))
}

impl Reports {
    pub(crate) fn new(core: Arc<Core>, kpis: Arc<Kpis>) -> Self {
        Reports {
            core,
            kpis,
            font: OnceLock::new(),
        }
    }

    /// The report of `period`.
    pub async fn report(&self, actor: &Actor, period: Period) -> Result<Report> {
        access::require(actor, Capability::ViewKpis)?;
        // Once for the whole report; every figure below reads the rollups as they stand.
        self.kpis.refresh_for_read().await?;
        let previous = period.previous();
        let year_before = period.year_before();
        let total = |p: Period| async move {
            let rows = self.kpis.counted_rows(Dim::Township, p).await?;
            Ok::<_, AppError>(merge(&rows.iter().collect::<Vec<_>>()))
        };
        let (now, prev, before) = (
            total(period).await?,
            total(previous).await?,
            total(year_before).await?,
        );
        let names = |dim: Dim, rows: Vec<KpiRow>| -> Vec<ReportLine> {
            let mut lines: Vec<ReportLine> = rows
                .iter()
                .map(|r| ReportLine {
                    name: self.kpis.name_of(dim, r.key),
                    figures: merge(&[r]),
                })
                .collect();
            lines.sort_by_key(|l| std::cmp::Reverse(l.figures.measures.get(Measure::Received)));
            lines
        };
        let channel_rows = self.kpis.counted_rows(Dim::Channel, period).await?;
        let by_village = names(
            Dim::Village,
            self.kpis.counted_rows(Dim::Village, period).await?,
        );
        let by_unit = names(Dim::Unit, self.kpis.counted_rows(Dim::Unit, period).await?);
        let by_category = self.top_categories(period).await?;
        let trend = self.trend(period).await?;
        let hotspots = self.hotspots(period).await?;
        let field = self.field(period).await?;
        let of_channel = |c: Channel| {
            channel_rows
                .iter()
                .find(|r| channel_of_key(r.key) == Some(c))
                .map(|r| r.measures)
                .unwrap_or_default()
        };
        let desk = of_channel(Channel::PetitionDesk);
        let resolved = (desk.get(Measure::Closed) - desk.get(Measure::Reopened)).max(0);
        let petitions = PetitionFigures {
            received: desk.get(Measure::Received),
            due: desk.get(Measure::Due),
            resolved_at_once: resolved,
            rate: (desk.get(Measure::Due) > 0)
                .then(|| resolved as f64 / desk.get(Measure::Due) as f64),
        };
        let service_counter = of_channel(Channel::ServiceCounter).get(Measure::Received);
        let by_channel = names(Dim::Channel, channel_rows);
        let town = self
            .core
            .regions()
            .iter()
            .find(|r| r.level == RegionLevel::Town)
            .map_or_else(|| "本镇".to_string(), |r| r.name.clone());
        let mut report = Report {
            title: format!(
                "{town}{}基层治理{}",
                period.label(),
                report_name(period.kind)
            ),
            town,
            period,
            period_label: period.label(),
            previous_label: previous.label(),
            year_before_label: year_before.label(),
            generated_at: self.core.now(),
            total: now,
            previous: prev,
            year_before: before,
            by_channel,
            by_category,
            by_village,
            by_unit,
            trend,
            hotspots,
            field,
            petitions,
            service_counter,
            sentences: vec![],
        };
        report.sentences = sentences(&report);
        Ok(report)
    }

    /// Categories rolled up to their top level (大类).
    async fn top_categories(&self, period: Period) -> Result<Vec<ReportLine>> {
        let rows = self.kpis.counted_rows(Dim::Category, period).await?;
        let categories = self.core.categories();
        let top_of = |id: i64| {
            let mut cur = categories.iter().find(|c| c.id == CategoryId(id));
            while let Some(c) = cur {
                match c.parent_id {
                    Some(p) => cur = categories.iter().find(|x| x.id == p),
                    None => return Some(c),
                }
            }
            None
        };
        let mut groups: BTreeMap<String, Vec<&KpiRow>> = BTreeMap::new();
        for r in &rows {
            let name = top_of(r.key).map_or_else(|| "未分类".to_string(), |c| c.name.clone());
            groups.entry(name).or_default().push(r);
        }
        let mut lines: Vec<ReportLine> = groups
            .into_iter()
            .map(|(name, rows)| ReportLine {
                name,
                figures: merge(&rows),
            })
            .collect();
        lines.sort_by_key(|l| std::cmp::Reverse(l.figures.measures.get(Measure::Received)));
        Ok(lines)
    }

    /// Received per month (a quarter or a year) or per day (a week, a month or a custom
    /// range up to two months), beside the same step a year before.
    async fn trend(&self, period: Period) -> Result<Vec<TrendPoint>> {
        let mut steps = vec![];
        match period.kind {
            PeriodKind::Day => {}
            PeriodKind::Quarter | PeriodKind::Year => {
                let mut d = period.first;
                while d <= period.last {
                    let m = Period::containing(PeriodKind::Month, d);
                    steps.push((m, m.first.format("%-m月").to_string()));
                    d = m.last + Duration::days(1);
                }
            }
            _ if period.days() <= 62 => {
                let mut d = period.first;
                while d <= period.last {
                    steps.push((
                        Period::containing(PeriodKind::Day, d),
                        d.format("%-m/%-d").to_string(),
                    ));
                    d += Duration::days(1);
                }
            }
            _ => {}
        }
        let mut out = vec![];
        for (p, label) in steps {
            let received = |p: Period| async move {
                Ok::<i64, AppError>(
                    self.kpis
                        .counted_rows(Dim::Township, p)
                        .await?
                        .iter()
                        .map(|r| r.measures.get(Measure::Received))
                        .sum(),
                )
            };
            out.push(TrendPoint {
                label,
                received: received(p).await?,
                received_year_before: received(p.year_before()).await?,
            });
        }
        Ok(out)
    }

    async fn hotspots(&self, period: Period) -> Result<Vec<HotspotLine>> {
        let from = fengqiao_domain::deadline::end_of_local_day(period.first - Duration::days(1));
        let to = fengqiao_domain::deadline::end_of_local_day(period.last);
        let regions = self.core.regions();
        let mut lines: Vec<HotspotLine> = self
            .core
            .store
            .hotspots(from)
            .await?
            .into_iter()
            .filter(|h| h.first_at > from && h.first_at <= to)
            .map(|h| HotspotLine {
                village: regions
                    .iter()
                    .find(|r| r.id == h.region_id)
                    .map_or_else(String::new, |r| r.name.clone()),
                keywords: h.keywords.join("、"),
                reports: h.members.len(),
                first_at: h.first_at,
            })
            .collect();
        lines.sort_by_key(|l| std::cmp::Reverse(l.reports));
        lines.truncate(10);
        Ok(lines)
    }

    async fn field(&self, period: Period) -> Result<FieldFigures> {
        let from = fengqiao_domain::deadline::end_of_local_day(period.first - Duration::days(1));
        let to = fengqiao_domain::deadline::end_of_local_day(period.last);
        let root = self
            .core
            .regions()
            .iter()
            .find(|r| r.parent_id.is_none())
            .map_or_else(|| "/".to_string(), |r| r.path.clone());
        let tallies = self
            .core
            .store
            .tallies(PlaceKind::ALL, &root, from, from, to)
            .await?;
        let (mut inspections, mut places, mut problems, mut rectified) = (0, 0, 0, 0);
        for t in &tallies {
            inspections += t.tally.inspections;
            places += t.tally.places_checked;
            problems += t.tally.problems;
            rectified += t.tally.rectified;
        }
        Ok(FieldFigures {
            inspections,
            places,
            problems,
            rectified,
            rate: (problems > 0).then(|| rectified as f64 / problems as f64),
        })
    }

    fn font(&self) -> Result<Arc<crate::formats::pdf::Font>> {
        self.font
            .get_or_init(|| {
                crate::formats::pdf::Font::find(self.core.config.report_font.as_deref())
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(AppError::Unavailable)
    }

    /// The report as a PDF (A4, Chinese text in the township's font, charts drawn as vectors).
    pub async fn pdf(&self, report: &Report) -> Result<Vec<u8>> {
        let font = self.font()?;
        let report = report.clone();
        tokio::task::spawn_blocking(move || pdf::render(&font, &report))
            .await
            .map_err(|e| AppError::internal(e.to_string()))?
            .map_err(|e| AppError::internal(e.to_string()))
    }

    /// The report as a workbook.
    pub fn xlsx(report: &Report) -> Result<Vec<u8>> {
        xlsx::render(report)
    }
}

/// The summary in the words a township reports upward.
fn sentences(r: &Report) -> Vec<String> {
    let m = |f: &Figures, k: Measure| f.measures.get(k);
    let received = m(&r.total, Measure::Received);
    let before = m(&r.year_before, Measure::Received);
    let mut out = vec![];
    let mut s = format!("{}，全镇共受理群众诉求{}件", r.period_label, received);
    match change(received as f64, before as f64) {
        Some(c) if c.abs() >= 0.05 => s.push_str(&format!(
            "，同比{}{:.1}%（{}{}件）",
            if c > 0.0 { "增长" } else { "下降" },
            c.abs(),
            r.year_before_label,
            before
        )),
        Some(_) => s.push_str(&format!("，与{}基本持平", r.year_before_label)),
        None => {}
    }
    let top: Vec<String> = r
        .by_channel
        .iter()
        .filter(|l| m(&l.figures, Measure::Received) > 0)
        .take(3)
        .map(|l| format!("{}{}件", l.name, m(&l.figures, Measure::Received)))
        .collect();
    if !top.is_empty() {
        s.push_str(&format!("，其中{}", top.join("、")));
    }
    s.push('。');
    out.push(s);
    let due = m(&r.total, Measure::Due);
    if due > 0 {
        let mut s = format!(
            "办结时限在本期的{}件中，已办结{}件，办结率{}，按时办结率{}",
            due,
            m(&r.total, Measure::Replied),
            pct(r.total.completion.value),
            pct(r.total.on_time.value)
        );
        if let Some(h) = r.total.mean_hours {
            s.push_str(&format!("；平均办理时长{h:.1}个工作小时"));
            if let Some(c) = r.year_before.mean_hours.and_then(|b| change(h, b)) {
                if c.abs() >= 0.05 {
                    s.push_str(&format!(
                        "，较{}{}{:.1}%",
                        r.year_before_label,
                        if c < 0.0 { "缩短" } else { "延长" },
                        c.abs()
                    ));
                }
            }
        }
        s.push('。');
        out.push(s);
    }
    if let Some(v) = r.total.satisfaction.value {
        let mut s = format!(
            "回访{}件，群众满意率{:.1}%",
            m(&r.total, Measure::FollowedUp),
            v * 100.0
        );
        if let Some(b) = r.year_before.satisfaction.value {
            let pts = (v - b) * 100.0;
            if pts.abs() >= 0.05 {
                s.push_str(&format!(
                    "，较{}{}{:.1}个百分点",
                    r.year_before_label,
                    if pts > 0.0 { "提高" } else { "降低" },
                    pts.abs()
                ));
            }
        }
        s.push('。');
        out.push(s);
    }
    if r.field.inspections > 0 {
        out.push(format!(
            "检查场所{}家（处）{}次，发现问题{}个，已整改{}个{}。",
            r.field.places,
            r.field.inspections,
            r.field.problems,
            r.field.rectified,
            r.field
                .rate
                .map_or(String::new(), |v| format!("，整改率{:.1}%", v * 100.0))
        ));
    }
    if r.petitions.due > 0 {
        out.push(format!(
            "信访接待受理{}件，到期{}件中一次性化解{}件，初访化解率{}。",
            r.petitions.received,
            r.petitions.due,
            r.petitions.resolved_at_once,
            pct(r.petitions.rate)
        ));
    }
    if r.service_counter > 0 {
        out.push(format!("便民服务窗口受理{}件。", r.service_counter));
    }
    if let Some(h) = r.hotspots.first() {
        out.push(format!(
            "热点问题{}个，最集中的是{}“{}”（{}件）。",
            r.hotspots.len(),
            h.village,
            h.keywords,
            h.reports
        ));
    }
    out
}
