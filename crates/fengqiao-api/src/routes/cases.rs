//! Cases: intake, lists, one case, its history and messages, actions, the overview.

use super::*;

pub(crate) fn idempotency(headers: &HeaderMap, input: &mut IntakeInput) -> ApiResult<()> {
    if let Some(v) = headers.get("idempotency-key") {
        let key = v
            .to_str()
            .map_err(|_| ApiError::bad_request("Idempotency-Key 须为 ASCII 文本"))?;
        match &input.idempotency_key {
            Some(k) if k != key => {
                return Err(ApiError::bad_request(
                    "请求头与请求体中的 idempotency_key 不一致",
                ))
            }
            _ => input.idempotency_key = Some(key.to_string()),
        }
    }
    Ok(())
}

pub(crate) fn internal(e: impl std::fmt::Display) -> ApiError {
    ApiError::from(fengqiao_app::AppError::internal(e.to_string()))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// Comma-separated states.
    state: Option<String>,
    unit_id: Option<i64>,
    region_id: Option<i64>,
    category_id: Option<i64>,
    channel: Option<String>,
    overdue: Option<String>,
    parent_id: Option<i64>,
    listed_supervision: Option<bool>,
    q: Option<String>,
    created_from: Option<chrono::DateTime<chrono::Utc>>,
    created_to: Option<chrono::DateTime<chrono::Utc>>,
    updated_from: Option<chrono::DateTime<chrono::Utc>>,
    updated_to: Option<chrono::DateTime<chrono::Utc>>,
    page: Option<u32>,
    page_size: Option<u32>,
}

fn parse_list_query(q: ListQuery) -> ApiResult<CaseFilter> {
    let mut states = Vec::new();
    for s in q
        .state
        .iter()
        .flat_map(|s| s.split(','))
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        states.push(
            CaseState::parse(s)
                .ok_or_else(|| ApiError::bad_request(format!("未知的状态「{s}」")))?,
        );
    }
    let channel = match q.channel.as_deref() {
        Some(c) => Some(
            Channel::parse(c).ok_or_else(|| ApiError::bad_request(format!("未知的渠道「{c}」")))?,
        ),
        None => None,
    };
    let overdue = match q.overdue.as_deref() {
        Some(o) => Some(OverdueLevel::parse(o).ok_or_else(|| {
            ApiError::bad_request(format!("overdue 须为 green、yellow 或 red，而不是「{o}」"))
        })?),
        None => None,
    };
    let page_size = q.page_size.unwrap_or(20);
    if page_size == 0 || page_size > fengqiao_domain::limits::PAGE_SIZE_MAX {
        return Err(ApiError::bad_request(format!(
            "page_size 须为 1–{}",
            fengqiao_domain::limits::PAGE_SIZE_MAX
        )));
    }
    if q.page == Some(0) {
        return Err(ApiError::bad_request("page 从 1 开始"));
    }
    Ok(CaseFilter {
        states,
        unit_id: q.unit_id.map(UnitId),
        region_id: q.region_id.map(RegionId),
        category_id: q.category_id.map(CategoryId),
        channel,
        overdue,
        parent_id: q.parent_id.map(CaseId),
        listed_supervision: q.listed_supervision,
        q: q.q,
        created_from: q.created_from,
        created_to: q.created_to,
        updated_from: q.updated_from,
        updated_to: q.updated_to,
        page: q.page.unwrap_or(1),
        page_size,
        ..CaseFilter::default()
    })
}

async fn create_case(
    State(app): State<Arc<App>>,
    auth: Auth,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<IntakeInput>,
) -> ApiResult<Response> {
    idempotency(&headers, &mut input)?;
    let out = app.intake.submit(&auth.actor, input).await?;
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let view = app.queries.intake_view(&auth.actor, out).await?;
    Ok((status, Json(view)).into_response())
}

async fn list_cases(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> ApiResult<Json<Value>> {
    let filter = parse_list_query(q)?;
    let page = app.queries.list_cases(&auth.actor, filter).await?;
    Ok(Json(serde_json::to_value(page).map_err(internal)?))
}

/// A case's view, serialised as the answer to its report is (not through `Value`, which would
/// print its f32 figures with f64 digits: 0.808812141418457 for 0.80881214).
async fn get_case(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<fengqiao_app::CaseView>> {
    Ok(Json(app.queries.case_view(&auth.actor, CaseId(id)).await?))
}

async fn case_events(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.queries.events(&auth.actor, CaseId(id)).await? }),
    ))
}

async fn case_notifications(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.queries.notifications(&auth.actor, CaseId(id)).await? }),
    ))
}

async fn case_action(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
    ApiJson(body): ApiJson<Value>,
) -> ApiResult<Json<fengqiao_app::CaseView>> {
    let action = dto::action::parse(body)?;
    let case = app.actions.act(&auth.actor, CaseId(id), action).await?;
    Ok(Json(app.queries.case_view(&auth.actor, case.id).await?))
}

async fn overview(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.queries.overview(&auth.actor).await?).map_err(internal)?,
    ))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post(
            "/cases",
            create_case,
            json!({ "tags": ["cases"], "summary": "登记工单（一扇门进）", "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string" } }],
                    "requestBody": body(json!({"$ref": "#/components/schemas/Intake"})),
                    "responses": { "201": ok("已登记", json!({"$ref": "#/components/schemas/Case"})), "200": ok("幂等键重复：返回第一次登记的工单", json!({"$ref": "#/components/schemas/Case"})), "400": err(), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/cases",
            list_cases,
            json!({ "tags": ["cases"], "summary": "工单列表（按权限范围，分页筛选）",
                    "parameters": [q("state", "string", "状态，逗号分隔"), q("unit_id", "integer", "承办单位"), q("region_id", "integer", "区域（含下级）"), q("category_id", "integer", "分类"),
                        q("channel", "string", "渠道"), q("overdue", "string", "green/yellow/red"), q("parent_id", "integer", "上级工单"), q("listed_supervision", "boolean", "挂牌督办"),
                        q("q", "string", "标题、内容或编号包含"), q("created_from", "string", "登记时间起（RFC 3339）"), q("created_to", "string", "登记时间止（RFC 3339）"), q("updated_from", "string", "最后办理时间起（RFC 3339）"), q("updated_to", "string", "最后办理时间止（RFC 3339）"),
                        q("page", "integer", "页码，从 1 开始"), q("page_size", "integer", "每页条数 1–500，默认 20")],
                    "responses": { "200": ok("一页工单", json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}, "total": {"type": "integer"}, "page": {"type": "integer"}, "page_size": {"type": "integer"}}})), "400": err(), "401": err() } }),
        ),
        Endpoint::get(
            "/cases/{id}",
            get_case,
            json!({ "tags": ["cases"], "summary": "工单详情", "parameters": [id_param("id")], "responses": { "200": ok("工单", json!({"$ref": "#/components/schemas/Case"})), "401": err(), "404": err() } }),
        ),
        Endpoint::get(
            "/cases/{id}/events",
            case_events,
            json!({ "tags": ["cases"], "summary": "工单流转记录（只增不改）", "parameters": [id_param("id")], "responses": { "200": ok("事件", json!({"type": "object"})), "401": err(), "404": err() } }),
        ),
        Endpoint::get(
            "/cases/{id}/notifications",
            case_notifications,
            json!({ "tags": ["cases"], "summary": "告知诉求人的消息", "parameters": [id_param("id")], "responses": { "200": ok("消息", json!({"type": "object"})), "401": err(), "404": err() } }),
        ),
        Endpoint::post(
            "/cases/{id}/actions",
            case_action,
            json!({ "tags": ["cases"], "summary": "对工单执行一项操作（受理、派单、签收、办结、回访……）", "parameters": [id_param("id")],
                "requestBody": body(json!({"$ref": "#/components/schemas/Action"})),
                "responses": { "200": ok("操作后的工单", json!({"$ref": "#/components/schemas/Case"})), "400": err(), "401": err(), "403": err(), "404": err(), "409": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/overview",
            overview,
            json!({ "tags": ["cases"], "summary": "权限范围内的工单总数、在办数、超时数", "responses": { "200": ok("统计", json!({"type": "object"})), "401": err() } }),
        ),
    ]
}
