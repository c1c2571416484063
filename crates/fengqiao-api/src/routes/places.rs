//! Places, inspections, the inspection policy and hazards.

use super::*;
use fengqiao_app::{InspectionInput, PlaceInput};
use fengqiao_domain::ids::{HazardId, PlaceId};
use fengqiao_domain::places::{FrequencyRule, HazardState, InspectionPolicy, PlaceKind};
use fengqiao_store::{HazardFilter, PlaceFilter};
use serde_json::Map;

#[derive(Deserialize)]
struct PlaceQuery {
    region_id: Option<i64>,
    kind: Option<String>,
    color: Option<String>,
    q: Option<String>,
    page: Option<u32>,
    page_size: Option<u32>,
}

#[derive(Deserialize)]
struct DueQuery {
    region_id: Option<i64>,
    /// Due within this many days from today (0: due by the end of today, overdue included).
    days: Option<u32>,
    page: Option<u32>,
    page_size: Option<u32>,
}

#[derive(Deserialize)]
struct RegionQuery {
    region_id: Option<i64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegradeBody {
    version: i64,
    color: String,
    remark: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ChecklistBody {
    name: String,
    items: Vec<fengqiao_domain::places::ChecklistItem>,
}

async fn list_checklists(State(app): State<Arc<App>>, _auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(json!({ "items": app.places.checklists().await? })))
}

async fn add_checklist(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(kind): ApiPath<String>,
    ApiJson(b): ApiJson<ChecklistBody>,
) -> ApiResult<Json<Value>> {
    let t = app
        .places
        .set_checklist(&auth.actor, &kind, &b.name, b.items)
        .await?;
    Ok(Json(json!(t)))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    rules: Vec<RuleBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleBody {
    kind: Option<String>,
    color: String,
    interval_days: u32,
}

#[derive(Deserialize)]
struct HazardQuery {
    region_id: Option<i64>,
    state: Option<String>,
    open: Option<bool>,
    overdue: Option<bool>,
    relapse: Option<bool>,
    place_id: Option<i64>,
    owner_unit_id: Option<i64>,
    page: Option<u32>,
    page_size: Option<u32>,
}

fn kind(s: Option<&str>) -> ApiResult<Option<PlaceKind>> {
    s.filter(|s| !s.is_empty())
        .map(|s| {
            PlaceKind::parse(s).ok_or_else(|| {
                ApiError::invalid("kind", format!("kind「{s}」无效：可选 small_venue、emitting_firm、building_site、restaurant、river_segment、village_point"))
            })
        })
        .transpose()
}

fn page_json<T: serde::Serialize>(p: fengqiao_store::Page<T>) -> Value {
    json!({ "items": p.items, "total": p.total, "page": p.page, "page_size": p.page_size })
}

async fn list_places(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<PlaceQuery>,
) -> ApiResult<Json<Value>> {
    let filter = PlaceFilter {
        kind: kind(q.kind.as_deref())?,
        color: q
            .color
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(|c| dto::places::color("color", c))
            .transpose()?,
        q: q.q,
        page: q.page.unwrap_or(1),
        page_size: q.page_size.unwrap_or(50),
        ..Default::default()
    };
    let page = app
        .places
        .list(&auth.actor, q.region_id.map(RegionId), filter)
        .await?;
    Ok(Json(page_json(page)))
}

async fn due_places(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<DueQuery>,
) -> ApiResult<Json<Value>> {
    let days = q.days.unwrap_or(0).min(366);
    let by = fengqiao_domain::places::end_of_china_day(
        app.core.now() + chrono::Duration::days(days as i64),
    );
    let page = app
        .places
        .due(
            &auth.actor,
            q.region_id.map(RegionId),
            by,
            q.page.unwrap_or(1),
            q.page_size.unwrap_or(50),
        )
        .await?;
    let now = app.core.now();
    let mut v = page_json(page);
    if let Some(items) = v["items"].as_array_mut() {
        for p in items {
            let due = p["next_due_at"].as_str().unwrap_or_default().to_string();
            p["overdue"] = json!(chrono::DateTime::parse_from_rfc3339(&due).is_ok_and(|d| d < now));
        }
    }
    v["due_by"] = json!(by);
    Ok(Json(v))
}

async fn summary(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<RegionQuery>,
) -> ApiResult<Json<Value>> {
    let s = app
        .places
        .summary(&auth.actor, q.region_id.map(RegionId))
        .await?;
    Ok(Json(json!(s)))
}

async fn create_place(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<PlaceInput>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let p = app.places.register(&auth.actor, b).await?;
    Ok((StatusCode::CREATED, Json(json!(p))))
}

async fn get_place(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(app.places.get(&auth.actor, PlaceId(id)).await?)))
}

async fn checklist(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    let (place, t) = app.places.checklist(&auth.actor, PlaceId(id)).await?;
    Ok(Json(json!({ "place": place, "checklist": t })))
}

async fn inspect(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let f = dto::places::inspection(&body)?;
    let out = app
        .places
        .inspect(
            &auth.actor,
            PlaceId(id),
            InspectionInput {
                template_id: f.template_id,
                answers: f.answers,
                confirmed: f.confirmed,
                seen_color: f.seen_color,
                inspected_at: f.inspected_at,
                latitude: f.latitude,
                longitude: f.longitude,
                client_key: f.client_key,
                checkin: f.checkin,
                photos: Vec::new(),
            },
        )
        .await?;
    let status = if out.replayed {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok((
        status,
        Json(
            json!({ "inspection": out.record, "hazards": out.hazards, "place": out.place, "replayed": out.replayed }),
        ),
    ))
}

async fn regrade(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<RegradeBody>,
) -> ApiResult<Json<Value>> {
    let color = dto::places::color("color", &b.color)?;
    let p = app
        .places
        .regrade(&auth.actor, PlaceId(id), b.version, color, &b.remark)
        .await?;
    Ok(Json(json!(p)))
}

async fn get_policy(State(app): State<Arc<App>>, _auth: Auth) -> ApiResult<Json<Value>> {
    let p = app.places.policy().await?;
    let defaults: Vec<Value> = fengqiao_domain::places::RiskColor::ALL
        .iter()
        .map(
            |c| json!({ "color": c, "interval_days": InspectionPolicy::default_interval_days(*c) }),
        )
        .collect();
    Ok(Json(json!({ "rules": p.rules, "defaults": defaults })))
}

async fn set_policy(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<PolicyBody>,
) -> ApiResult<Json<Value>> {
    let rules = b
        .rules
        .iter()
        .map(|r| {
            Ok(FrequencyRule {
                kind: kind(r.kind.as_deref())?,
                color: dto::places::color("color", &r.color)?,
                interval_days: r.interval_days,
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    let policy = InspectionPolicy { rules };
    app.places.set_policy(&auth.actor, policy.clone()).await?;
    Ok(Json(json!({ "rules": policy.rules })))
}

async fn list_hazards(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<HazardQuery>,
) -> ApiResult<Json<Value>> {
    let state = q
        .state
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(|s| {
            HazardState::parse(s).ok_or_else(|| {
                ApiError::invalid(
                    "state",
                    format!(
                        "state「{s}」无效：可选 found、assigned、rectified、rechecked、signed_off"
                    ),
                )
            })
        })
        .transpose()?;
    let filter = HazardFilter {
        state,
        open: q.open.unwrap_or(false),
        overdue_at: q.overdue.unwrap_or(false).then(|| app.core.now()),
        relapse: q.relapse.unwrap_or(false),
        place_id: q.place_id.map(PlaceId),
        owner_unit_id: q.owner_unit_id.map(UnitId),
        page: q.page.unwrap_or(1),
        page_size: q.page_size.unwrap_or(50),
        ..Default::default()
    };
    let page = app
        .hazards
        .list(&auth.actor, q.region_id.map(RegionId), filter)
        .await?;
    Ok(Json(page_json(page)))
}

async fn get_hazard(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(json!(
        app.hazards.get(&auth.actor, HazardId(id)).await?
    )))
}

async fn hazard_action(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    let (action, version) = dto::places::hazard_action(&body)?;
    let h = app
        .hazards
        .act(&auth.actor, HazardId(id), version, action, Vec::new())
        .await?;
    Ok(Json(json!(h)))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    let obj = json!({"type": "object"});
    let place_schema = json!({ "type": "object", "required": ["reg_no", "name", "kind", "region_id"], "properties": {
        "reg_no": {"type": "string", "description": "登记编号（营业执照号、河段编码等），导入时按它去重"},
        "name": {"type": "string"},
        "kind": {"type": "string", "enum": ["small_venue", "emitting_firm", "building_site", "restaurant", "river_segment", "village_point"]},
        "region_id": {"type": "integer", "description": "所在村（社区）或网格"},
        "address": {"type": "string"}, "owner_name": {"type": "string"}, "owner_phone": {"type": "string"},
        "latitude": {"type": "number"}, "longitude": {"type": "number"},
        "color": {"type": "string", "enum": ["red", "yellow", "blue", "green"]} } });
    let inspection_schema = json!({ "type": "object", "required": ["answers"], "properties": {
        "template_id": {"type": "integer", "description": "检查表版本（缺省为最新版）"},
        "answers": {"type": "array", "items": {"type": "object", "required": ["item_code", "passed"], "properties": {
            "item_code": {"type": "string"}, "passed": {"type": "boolean"}, "note": {"type": "string", "description": "不合格时必填：发现的问题"} } } },
        "confirmed": {"type": "string", "enum": ["red", "yellow", "blue", "green"], "description": "检查人确认的风险等级（缺省采用建议等级）"},
        "seen_color": {"type": "string", "enum": ["red", "yellow", "blue", "green"], "description": "打开检查表时场所的等级；期间被他人调整则本次定级不生效并说明"},
        "inspected_at": {"type": "string", "description": "检查时间（离线补传时填写），RFC 3339 或北京时间 2026-11-23T08:30"},
        "latitude": {"type": "number"}, "longitude": {"type": "number"},
        "client_key": {"type": "string", "description": "手机端生成的记录编号：同一人重发只保存一次"} } });
    let action_schema = json!({ "type": "object", "required": ["action"], "properties": {
        "action": {"type": "string", "enum": ["assign", "rectify", "recheck", "sign_off", "open_case"], "description": "open_case：转为工单，经统一受理登记一件工单（同一隐患只一件），隐患指向该工单"},
        "version": {"type": "integer", "description": "页面上隐患的版本；已被他人处理则 409"},
        "owner_unit_id": {"type": "integer", "description": "交办：整改责任单位"},
        "leader": {"type": "string", "description": "交办：责任领导"},
        "due_at": {"type": "string", "description": "交办：整改期限（日期或时间，北京时间）"},
        "passed": {"type": "boolean", "description": "复查：是否合格"},
        "remark": {"type": "string"} } });
    vec![
        Endpoint::get(
            "/places",
            list_places,
            json!({ "tags": ["places"], "summary": "场所名录（本人负责区域内），可按村/网格、类型、风险等级、关键字筛选",
                "parameters": [q("region_id", "integer", "村（社区）或网格"), q("kind", "string", "场所类型"), q("color", "string", "风险等级"), q("q", "string", "名称、登记编号或地址包含"), q("page", "integer", "页码"), q("page_size", "integer", "每页条数")],
                "responses": { "200": ok("列表", obj.clone()), "400": err(), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::post(
            "/places",
            create_place,
            json!(create("places", "登记场所", place_schema)),
        ),
        Endpoint::get(
            "/places/due",
            due_places,
            json!({ "tags": ["places"], "summary": "应检清单：到期（含已逾期）须检查的场所，逾期最久的在前",
                "parameters": [q("region_id", "integer", "村（社区）或网格"), q("days", "integer", "今后几天内到期（0 为今天）"), q("page", "integer", "页码"), q("page_size", "integer", "每页条数")],
                "responses": { "200": ok("列表", obj.clone()), "400": err(), "401": err(), "403": err() } }),
        ),
        Endpoint::get(
            "/places/summary",
            summary,
            json!({ "tags": ["places"], "summary": "四色分布与逾期未检数", "parameters": [q("region_id", "integer", "村（社区）或网格")],
                "responses": { "200": ok("统计", obj.clone()), "401": err(), "403": err() } }),
        ),
        Endpoint::get(
            "/places/{id}",
            get_place,
            json!({ "tags": ["places"], "summary": "场所详情：等级变化、检查记录、隐患", "parameters": [id_param("id")], "responses": { "200": ok("场所", obj.clone()), "401": err(), "404": err() } }),
        ),
        Endpoint::get(
            "/places/{id}/checklist",
            checklist,
            json!({ "tags": ["places"], "summary": "该场所适用的检查表（最新版）", "parameters": [id_param("id")], "responses": { "200": ok("检查表", obj.clone()), "401": err(), "404": err() } }),
        ),
        Endpoint::post(
            "/places/{id}/inspections",
            inspect,
            json!({ "tags": ["places"], "summary": "提交检查记录：不合格项生成隐患，同一检查项销号后再次不合格记为回潮并上调风险等级",
                "parameters": [id_param("id")], "requestBody": body(inspection_schema),
                "responses": { "201": ok("已保存", obj.clone()), "200": ok("重复提交，返回已保存的记录", obj.clone()), "401": err(), "403": err(), "404": err(), "422": err() } }),
        ),
        Endpoint::post(
            "/places/{id}/regrade",
            regrade,
            json!({ "tags": ["places"], "summary": "人工调整风险等级（须写明理由）", "parameters": [id_param("id")],
                "requestBody": body(json!({"type": "object", "required": ["version", "color", "remark"], "properties": {"version": {"type": "integer"}, "color": {"type": "string", "enum": ["red", "yellow", "blue", "green"]}, "remark": {"type": "string"}}})),
                "responses": { "200": ok("已调整", obj.clone()), "401": err(), "403": err(), "404": err(), "409": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/checklists",
            list_checklists,
            json!({ "tags": ["places"], "summary": "各类场所现行的检查表（最新版本）", "responses": { "200": ok("检查表", obj.clone()), "401": err() } }),
        ),
        Endpoint::post(
            "/checklists/{kind}",
            add_checklist,
            json!({ "tags": ["places"], "summary": "发布某类场所检查表的新版本（乡镇级管理员；此前的检查记录保留原题目，检查项编码跨版本不变以便识别回潮）",
                "parameters": [{"name": "kind", "in": "path", "required": true, "schema": {"type": "string", "enum": ["small_venue", "emitting_firm", "building_site", "restaurant", "river_segment", "village_point"]}}],
                "requestBody": body(json!({"type": "object", "required": ["name", "items"], "properties": {"name": {"type": "string"}, "items": {"type": "array", "minItems": 1, "maxItems": 60, "items": {"type": "object", "required": ["code", "text", "severity"], "properties": {"code": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$"}, "text": {"type": "string"}, "severity": {"type": "string", "enum": ["minor", "major"]}}}}}})),
                "responses": { "200": ok("已发布", obj.clone()), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/inspection-policy",
            get_policy,
            json!({ "tags": ["places"], "summary": "检查频次：各风险等级（及场所类型）的检查周期", "responses": { "200": ok("频次", obj.clone()), "401": err() } }),
        ),
        Endpoint::post(
            "/inspection-policy",
            set_policy,
            json!({ "tags": ["places"], "summary": "设置检查频次（乡镇级管理员；所有场所的下次检查时间随之调整）",
                "requestBody": body(json!({"type": "object", "required": ["rules"], "properties": {"rules": {"type": "array", "items": {"type": "object", "required": ["color", "interval_days"], "properties": {"kind": {"type": "string"}, "color": {"type": "string"}, "interval_days": {"type": "integer", "minimum": 1, "maximum": 366}}}}}})),
                "responses": { "200": ok("已设置", obj.clone()), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/hazards",
            list_hazards,
            json!({ "tags": ["places"], "summary": "隐患清单（本人负责区域内），新发现的在前",
                "parameters": [q("region_id", "integer", "村（社区）或网格"), q("state", "string", "状态"), q("open", "boolean", "仅未销号"), q("overdue", "boolean", "仅逾期未整改"), q("relapse", "boolean", "仅回潮"), q("place_id", "integer", "场所"), q("owner_unit_id", "integer", "整改责任单位"), q("page", "integer", "页码"), q("page_size", "integer", "每页条数")],
                "responses": { "200": ok("列表", obj.clone()), "400": err(), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/hazards/{id}",
            get_hazard,
            json!({ "tags": ["places"], "summary": "隐患详情与处理经过", "parameters": [id_param("id")], "responses": { "200": ok("隐患", obj.clone()), "401": err(), "404": err() } }),
        ),
        Endpoint::post(
            "/hazards/{id}/actions",
            hazard_action,
            json!({ "tags": ["places"], "summary": "隐患处理：交办、整改、复查、销号（整改须附照片，请用网页或带照片的表单）",
                "parameters": [id_param("id")], "requestBody": body(action_schema),
                "responses": { "200": ok("已处理", obj), "401": err(), "403": err(), "404": err(), "409": err(), "422": err() } }),
        ),
    ]
}
