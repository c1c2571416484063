//! KPIs (考核指标) by dimension and period.

use super::*;
use fengqiao_domain::kpi::{Dim, Period, PeriodKind};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KpiQuery {
    dim: Option<String>,
    period: Option<String>,
}

/// `village` (the default), `grid`, `unit`, `category`, `channel` or `township`.
pub(crate) fn parse_dim(s: Option<&str>) -> ApiResult<Dim> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Dim::Village),
        Some(s) => Dim::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "dim",
                format!("dim 须为 village、grid、unit、category、channel 或 township，收到「{s}」"),
            )
        }),
    }
}

/// A period as people write it; this month when not given.
pub(crate) fn parse_period(app: &App, s: Option<&str>) -> ApiResult<Period> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Period::containing(
            PeriodKind::Month,
            fengqiao_domain::deadline::local_date(app.core.now()),
        )),
        Some(s) => Ok(Period::parse(s).map_err(fengqiao_app::AppError::from)?),
    }
}

async fn table(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<KpiQuery>,
) -> ApiResult<Json<Value>> {
    let dim = parse_dim(q.dim.as_deref())?;
    let period = parse_period(&app, q.period.as_deref())?;
    Ok(Json(json!(app.kpis.table(&auth.actor, dim, period).await?)))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get(
        "/kpis",
        table,
        json!({
            "tags": ["考核"],
            "summary": "考核指标：按村（社区）、网格、承办单位、类别或渠道，任意统计周期",
            "description": "受理量等按受理日计入；办理类指标按办结时限所在周期计入（应办结）。响应率 = 按时签收/派单次数；按时办结率 = 按期办结/应办结；办结率 = 办结/应办结；退单率 = 退单/派单次数；回访率 = 已回访/办结；满意率 = 满意（含基本满意）/有效评价；重办率 = 重办/结案。",
            "parameters": [
                q("dim", "string", "village（默认）、grid、unit、category、channel、township"),
                q("period", "string", "2026、2026-Q4、2026-11（默认本月）、2026-W48、2026-11-23 或 2026-11-01..2026-11-15"),
            ],
            "responses": { "200": ok("各行指标与全镇合计", json!({"type": "object"})), "401": err(), "403": err(), "422": err() }
        }),
    )]
}
