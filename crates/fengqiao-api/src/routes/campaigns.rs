//! Campaigns (专项行动) and their daily report.

use super::*;
use fengqiao_app::CampaignInput;
use fengqiao_domain::ids::CampaignId;

#[derive(Deserialize)]
struct ReportQuery {
    date: Option<String>,
}

async fn list(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.campaigns.list(&auth.actor).await? }),
    ))
}

async fn create(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<CampaignInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let c = app.campaigns.create(&auth.actor, b).await?;
    Ok((StatusCode::CREATED, Json(json!(c))))
}

async fn report(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<ReportQuery>,
) -> ApiResult<Json<Value>> {
    let date = match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => Some(d.parse::<chrono::NaiveDate>().map_err(|_| {
            ApiError::invalid("date", format!("date 须为日期，如 2026-11-29，收到「{d}」"))
        })?),
        None => None,
    };
    let r = app
        .campaigns
        .report(&auth.actor, CampaignId(id), date)
        .await?;
    Ok(Json(json!(r)))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    let obj = json!({"type": "object"});
    vec![
        Endpoint::get(
            "/campaigns",
            list,
            json!(super::list("places", "专项行动（本人区域参与的）")),
        ),
        Endpoint::post(
            "/campaigns",
            create,
            json!(super::create(
                "places",
                "部署专项行动",
                json!({"type": "object", "required": ["name", "starts_on", "ends_on", "targets"], "properties": {
                "name": {"type": "string"},
                "starts_on": {"type": "string", "format": "date"},
                "ends_on": {"type": "string", "format": "date"},
                "targets": {"type": "array", "items": {"type": "object", "required": ["kind", "places"], "properties": {"kind": {"type": "string"}, "places": {"type": "integer", "minimum": 1}}}},
                "task_force": {"type": "string", "description": "专班组成"},
                "region_id": {"type": "integer", "description": "只在某村开展时填写"} }})
            )),
        ),
        Endpoint::get(
            "/campaigns/{id}/report",
            report,
            json!({ "tags": ["places"], "summary": "专班日报：截至当日的检查场所、发现问题、已整改、未整改、逾期，按村和类型，附当日变化与目标进度",
                "parameters": [id_param("id"), q("date", "string", "日期（缺省为今天）")],
                "responses": { "200": ok("日报", obj), "401": err(), "404": err(), "422": err() } }),
        ),
    ]
}
