//! Patrol days (巡查日) and coverage.

use super::*;
use fengqiao_domain::ids::PatrolScheduleId;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScheduleBody {
    name: String,
    /// Monday = 1 … Sunday = 7.
    weekday: u8,
    region_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ActiveBody {
    active: bool,
}

#[derive(Deserialize)]
struct WeekQuery {
    date: Option<String>,
}

#[derive(Deserialize)]
struct MonthQuery {
    month: Option<String>,
}

fn date(
    key: &'static str,
    s: Option<&str>,
    today: chrono::NaiveDate,
) -> ApiResult<chrono::NaiveDate> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(today),
        Some(s) => s
            .parse()
            .or_else(|_| chrono::NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d"))
            .map_err(|_| {
                ApiError::invalid(
                    key,
                    format!("{key} 须为日期（2026-11-29）或月份（2026-11），收到「{s}」"),
                )
            }),
    }
}

async fn schedules(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.patrols.schedules(&auth.actor).await? }),
    ))
}

async fn create(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<ScheduleBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let s = app
        .patrols
        .create(&auth.actor, b.region_id.map(RegionId), &b.name, b.weekday)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(s))))
}

async fn set_active(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ActiveBody>,
) -> ApiResult<Json<Value>> {
    let s = app
        .patrols
        .set_active(&auth.actor, PatrolScheduleId(id), b.active)
        .await?;
    Ok(Json(json!(s)))
}

async fn week(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<WeekQuery>,
) -> ApiResult<Json<Value>> {
    let d = date("date", q.date.as_deref(), app.patrols.today())?;
    Ok(Json(
        json!({ "items": app.patrols.week(&auth.actor, d).await? }),
    ))
}

async fn coverage(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<MonthQuery>,
) -> ApiResult<Json<Value>> {
    let d = date("month", q.month.as_deref(), app.patrols.today())?;
    Ok(Json(json!(app.patrols.coverage(&auth.actor, d).await?)))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    let obj = json!({"type": "object"});
    vec![
        Endpoint::get(
            "/patrol-schedules",
            schedules,
            json!(list("places", "巡查日安排（涉及本人区域的）")),
        ),
        Endpoint::post(
            "/patrol-schedules",
            create,
            json!(super::create(
                "places",
                "设置巡查日（如每周二下村日）",
                json!({"type": "object", "required": ["name", "weekday"], "properties": {
                "name": {"type": "string"}, "weekday": {"type": "integer", "minimum": 1, "maximum": 7, "description": "周一为 1，周日为 7"},
                "region_id": {"type": "integer", "description": "巡查的村或网格（缺省为本人区域）"} }})
            )),
        ),
        Endpoint::post(
            "/patrol-schedules/{id}/active",
            set_active,
            json!({ "tags": ["places"], "summary": "停用或恢复巡查日", "parameters": [id_param("id")],
                "requestBody": body(json!({"type": "object", "required": ["active"], "properties": {"active": {"type": "boolean"}}})),
                "responses": { "200": ok("已更新", obj.clone()), "401": err(), "403": err(), "404": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/patrols/week",
            week,
            json!({ "tags": ["places"], "summary": "一周巡查任务：各网格的巡查日及当天检查数", "parameters": [q("date", "string", "周内任一天（缺省本周）")],
                "responses": { "200": ok("各网格", obj.clone()), "401": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/patrols/coverage",
            coverage,
            json!({ "tags": ["places"], "summary": "按时检查覆盖率：当月应检场所中全部按时检查的比例，按网格和村", "parameters": [q("month", "string", "月份（2026-11，缺省本月）")],
                "responses": { "200": ok("覆盖率", obj), "401": err(), "422": err() } }),
        ),
    ]
}
