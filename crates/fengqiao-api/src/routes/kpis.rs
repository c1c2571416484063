//! KPIs (考核指标) by dimension and period.

use super::*;
use fengqiao_domain::kpi::ranking::RankedObject;
use fengqiao_domain::kpi::{Dim, Period};

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
    Ok(Period::parse_or_this_month(s, app.core.today()).map_err(fengqiao_app::AppError::from)?)
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RankingQuery {
    object: Option<String>,
    period: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishBody {
    object: String,
    period: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SchemeBody {
    /// `indicator=weight` per line, weights summing to 100.
    weights: String,
}

/// `village` (the default) or `unit`.
pub(crate) fn parse_object(s: Option<&str>) -> ApiResult<RankedObject> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(RankedObject::Village),
        Some(s) => RankedObject::parse(s).ok_or_else(|| {
            ApiError::invalid(
                "object",
                format!("object 须为 village 或 unit，收到「{s}」"),
            )
        }),
    }
}

async fn ranking(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<RankingQuery>,
) -> ApiResult<Json<Value>> {
    let object = parse_object(q.object.as_deref())?;
    let period = parse_period(&app, q.period.as_deref())?;
    Ok(Json(json!(
        app.rankings.ranking(&auth.actor, object, period).await?
    )))
}

async fn publish(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<PublishBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let object = parse_object(Some(&b.object))?;
    let period = parse_period(&app, Some(&b.period))?;
    let posted = app.rankings.publish(&auth.actor, object, period).await?;
    Ok((StatusCode::CREATED, Json(json!(posted))))
}

async fn published(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<RankingQuery>,
) -> ApiResult<Json<Value>> {
    let object = parse_object(q.object.as_deref())?;
    Ok(Json(
        json!({ "items": app.rankings.published(&auth.actor, object).await? }),
    ))
}

async fn published_one(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        app.rankings.published_one(&auth.actor, id).await?
    )))
}

async fn scheme(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(object): ApiPath<String>,
) -> ApiResult<Json<Value>> {
    let object = parse_object(Some(&object))?;
    let s = app.rankings.scheme_for(&auth.actor, object).await?;
    Ok(Json(json!({ "scheme": s, "text": s.text() })))
}

async fn set_scheme(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(object): ApiPath<String>,
    ApiJson(b): ApiJson<SchemeBody>,
) -> ApiResult<Json<Value>> {
    let object = parse_object(Some(&object))?;
    let s = app
        .rankings
        .set_scheme(&auth.actor, object, &b.weights)
        .await?;
    Ok(Json(json!({ "scheme": s, "text": s.text() })))
}

async fn report(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Value>> {
    let period = parse_period(&app, q.period.as_deref())?;
    Ok(Json(json!(app.reports.report(&auth.actor, period).await?)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReportQuery {
    period: Option<String>,
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    let object_param = json!({ "name": "object", "in": "path", "required": true, "schema": { "type": "string", "enum": ["village", "unit"] } });
    vec![
        Endpoint::get(
            "/rankings",
            ranking,
            json!({
                "tags": ["考核"],
                "summary": "晾晒排名：按考核权重计算村（社区）或承办单位的综合得分、名次和较上期变化",
                "parameters": [
                    q("object", "string", "village（默认）或 unit"),
                    q("period", "string", "2026、2026-Q4、2026-11（默认本月）、2026-W48 或 2026-11-01..2026-11-15"),
                ],
                "responses": { "200": ok("排名", json!({"type": "object"})), "401": err(), "403": err(), "422": err() }
            }),
        ),
        Endpoint::post(
            "/rankings/published",
            publish,
            json!({
                "tags": ["考核"],
                "summary": "发布一期晾晒：按当前数据计算并原样保存",
                "requestBody": body(json!({"type": "object", "required": ["object", "period"], "additionalProperties": false, "properties": {"object": {"type": "string", "enum": ["village", "unit"]}, "period": {"type": "string"}}})),
                "responses": { "201": ok("已发布", json!({"type": "object"})), "401": err(), "403": err(), "422": err() }
            }),
        ),
        Endpoint::get(
            "/rankings/published",
            published,
            json!({
                "tags": ["考核"],
                "summary": "已发布的晾晒（最新在前）",
                "parameters": [q("object", "string", "village（默认）或 unit"), q("period", "string", "不使用")],
                "responses": { "200": ok("列表", json!({"type": "object"})), "401": err(), "403": err(), "422": err() }
            }),
        ),
        Endpoint::get(
            "/reports",
            report,
            json!({
                "tags": ["考核"],
                "summary": "日报、周报、月报、季报、年报：总体情况（含同比、环比和文字摘要）、按渠道、类别、村（社区）和承办单位，走势、热点、隐患整改、信访和便民服务",
                "parameters": [q("period", "string", "2026-11-23（日报）、2026-W48（周报）、2026-11（月报，默认本月）、2026-Q4（季报）、2026（年报）或 2026-11-01..2026-11-15")],
                "responses": { "200": ok("报告", json!({"type": "object"})), "401": err(), "403": err(), "422": err() }
            }),
        ),
        Endpoint::get(
            "/rankings/published/{id}",
            published_one,
            json!({
                "tags": ["考核"],
                "summary": "一期已发布的晾晒，与发布时一致",
                "parameters": [id_param("id")],
                "responses": { "200": ok("晾晒", json!({"type": "object"})), "401": err(), "403": err(), "404": err() }
            }),
        ),
        Endpoint::get(
            "/rankings/schemes/{object}",
            scheme,
            json!({
                "tags": ["考核"],
                "summary": "考核权重",
                "parameters": [object_param.clone()],
                "responses": { "200": ok("权重", json!({"type": "object"})), "401": err(), "403": err(), "422": err() }
            }),
        ),
        Endpoint::post(
            "/rankings/schemes/{object}",
            set_scheme,
            json!({
                "tags": ["考核"],
                "summary": "设置考核权重（每行 指标=权重，合计 100；留痕）",
                "parameters": [object_param],
                "requestBody": body(json!({"type": "object", "required": ["weights"], "additionalProperties": false, "properties": {"weights": {"type": "string"}}})),
                "responses": { "200": ok("权重", json!({"type": "object"})), "401": err(), "403": err(), "422": err() }
            }),
        ),
        Endpoint::get(
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
        ),
    ]
}
