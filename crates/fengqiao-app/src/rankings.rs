//! Rankings (晾晒): villages and units scored from the period's KPIs by the township's weights,
//! ranked, compared with the previous period, posted and kept as posted; the posted sheet as a
//! workbook.

use crate::core::Core;
use crate::kpis::Kpis;
use crate::{AppError, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::kpi::ranking::{rank, RankedLine, RankedObject, ScoreScheme};
use fengqiao_domain::kpi::{Figures, Period, PeriodKind};
use fengqiao_domain::org::{Actor, RegionLevel, UnitKind};
use fengqiao_store::PublishedRanking;
use serde::Serialize;
use std::sync::Arc;

/// A period's ranking, computed now.
#[derive(Debug, Clone, Serialize)]
pub struct Ranking {
    pub object: RankedObject,
    pub period: Period,
    pub period_label: String,
    pub previous_label: String,
    pub scheme: ScoreScheme,
    pub lines: Vec<RankedLine>,
}

pub struct Rankings {
    core: Arc<Core>,
    kpis: Arc<Kpis>,
    /// The last month whose rankings are known to be kept.
    kept_month: tokio::sync::Mutex<Option<Period>>,
}

impl Rankings {
    pub(crate) fn new(core: Arc<Core>, kpis: Arc<Kpis>) -> Self {
        Rankings {
            core,
            kpis,
            kept_month: tokio::sync::Mutex::new(None),
        }
    }

    /// The weights `object` is scored by, for whoever may read KPIs.
    pub async fn scheme_for(&self, actor: &Actor, object: RankedObject) -> Result<ScoreScheme> {
        access::require(actor, Capability::ViewKpis)?;
        self.scheme(object).await
    }

    /// The weights `object` is scored by: the township's, or the defaults.
    async fn scheme(&self, object: RankedObject) -> Result<ScoreScheme> {
        Ok(self
            .core
            .store
            .score_scheme(object)
            .await?
            .unwrap_or_else(|| ScoreScheme::default_for(object)))
    }

    /// Sets the weights from `indicator=weight` lines.
    pub async fn set_scheme(
        &self,
        actor: &Actor,
        object: RankedObject,
        text: &str,
    ) -> Result<ScoreScheme> {
        access::require(actor, Capability::SetRankingWeights)?;
        let scheme = ScoreScheme::parse(object, text)?;
        self.core
            .store
            .set_score_scheme(scheme.clone(), self.core.audit(actor))
            .await?;
        Ok(scheme)
    }

    /// Who is ranked: every village and community, or every unit except the village
    /// committees (which answer for their village) — listed even in a period with nothing
    /// counted.
    fn ranked(&self, object: RankedObject) -> Vec<(i64, String)> {
        match object {
            RankedObject::Village => self
                .core
                .regions()
                .iter()
                .filter(|r| matches!(r.level, RegionLevel::Village | RegionLevel::Community))
                .map(|r| (r.id.0, r.name.clone()))
                .collect(),
            RankedObject::Unit => self
                .core
                .units()
                .iter()
                .filter(|u| u.kind != UnitKind::VillageCommittee)
                .map(|u| (u.id.0, u.name.clone()))
                .collect(),
        }
    }

    /// The ranking of `period`, against the period before.
    pub async fn ranking(
        &self,
        actor: &Actor,
        object: RankedObject,
        period: Period,
    ) -> Result<Ranking> {
        access::require(actor, Capability::ViewKpis)?;
        let scheme = self.scheme(object).await?;
        let previous = period.previous();
        let dim = object.dim();
        self.kpis.refresh_for_read().await?;
        let now = self.kpis.counted_table(dim, period).await?;
        let before = self.kpis.counted_table(dim, previous).await?;
        let empty = || Figures::of(Default::default(), &[]);
        let figures_of = |lines: &[crate::KpiLine], key: i64| {
            lines
                .iter()
                .find(|l| l.key == key)
                .map_or_else(empty, |l| l.figures.clone())
        };
        let ranked = self.ranked(object);
        let lines = ranked
            .iter()
            .map(|(key, name)| {
                (
                    *key,
                    name.clone(),
                    scheme.score(&figures_of(&now.lines, *key)),
                )
            })
            .collect();
        let previous_scores: Vec<_> = ranked
            .iter()
            .map(|(key, _)| (*key, scheme.score(&figures_of(&before.lines, *key))))
            .collect();
        Ok(Ranking {
            object,
            period,
            period_label: period.label(),
            previous_label: previous.label(),
            lines: rank(lines, &previous_scores),
            scheme,
        })
    }

    /// Posts the period's ranking as it stands now; kept unchanged from then on.
    pub async fn publish(
        &self,
        actor: &Actor,
        object: RankedObject,
        period: Period,
    ) -> Result<PublishedRanking> {
        access::require(actor, Capability::PublishRankings)?;
        let r = self.ranking(actor, object, period).await?;
        let posted = PublishedRanking {
            id: 0,
            object,
            period_key: period.key(),
            period_label: r.period_label,
            published_at: self.core.now(),
            published_by: String::new(),
            scheme: r.scheme,
            lines: r.lines,
        };
        Ok(self
            .core
            .store
            .publish_ranking(posted, self.core.audit(actor))
            .await?)
    }

    /// Keeps last month's ranking of villages and of units as it stands once the month is over,
    /// unless one was posted already: every month's results are kept even if nobody posts them.
    /// The scheduler calls it; returns how many it kept.
    pub async fn keep_last_month(&self) -> Result<u32> {
        let last = Period::containing(PeriodKind::Month, self.core.today()).previous();
        // Once a month is kept, the scheduler's later passes that month read nothing.
        let mut kept_month = self.kept_month.lock().await;
        if *kept_month == Some(last) {
            return Ok(0);
        }
        let system = Actor::system();
        let mut kept = 0;
        for object in RankedObject::ALL {
            let posted = self.core.store.published_rankings(*object, 100).await?;
            if posted.iter().any(|p| p.period_key == last.key()) {
                continue;
            }
            self.publish(&system, *object, last).await?;
            kept += 1;
        }
        *kept_month = Some(last);
        Ok(kept)
    }

    /// Rankings posted for `object`, newest first (without their lines).
    pub async fn published(
        &self,
        actor: &Actor,
        object: RankedObject,
    ) -> Result<Vec<PublishedRanking>> {
        access::require(actor, Capability::ViewKpis)?;
        Ok(self.core.store.published_rankings(object, 100).await?)
    }

    pub async fn published_one(&self, actor: &Actor, id: i64) -> Result<PublishedRanking> {
        access::require(actor, Capability::ViewKpis)?;
        self.core
            .store
            .published_ranking(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("晾晒 {id}")))
    }

    /// A ranking as the sheet a township posts: rank, name, score, grade, each indicator, the
    /// previous period's rank and why it moved.
    pub fn xlsx(title: &str, scheme: &ScoreScheme, lines: &[RankedLine]) -> Result<Vec<u8>> {
        let fail = |e: crate::xlsx::XlsxError| AppError::internal(format!("晾晒表导出失败：{e}"));
        let mut w = crate::xlsx::SheetWriter::new(Vec::new(), "晾晒", 6).map_err(fail)?;
        w.row(&[title.to_string()]).map_err(fail)?;
        let mut head: Vec<String> = ["名次", "名称", "综合得分", "等级"]
            .map(String::from)
            .to_vec();
        for item in &scheme.weights {
            head.push(format!(
                "{}（权重{}%）",
                item.indicator.label(),
                item.weight
            ));
        }
        head.extend(["上期名次", "上期得分", "变化原因"].map(String::from));
        w.row(&head).map_err(fail)?;
        for l in lines {
            let mut row = vec![
                l.rank.map_or("—".into(), |r| r.to_string()),
                l.name.clone(),
                l.score.total.map_or("无数据".into(), |s| format!("{s:.2}")),
                l.grade.clone().unwrap_or_else(|| "—".into()),
            ];
            for item in &l.score.items {
                row.push(format!(
                    "{}（{}/{}）",
                    item.rate.percent(),
                    item.rate.num,
                    item.rate.den
                ));
            }
            row.push(l.previous_rank.map_or("—".into(), |r| r.to_string()));
            row.push(l.previous_score.map_or("—".into(), |s| format!("{s:.2}")));
            row.push(l.reasons.join("；"));
            w.row(&row).map_err(fail)?;
        }
        w.finish().map_err(fail)
    }
}
