//! Configuration: time-limit policies, the calendar; the audit log.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    category_id: Option<i64>,
    priority: Option<String>,
    stage: String,
    amount: u32,
    unit: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CalendarQuery {
    year: Option<i32>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarBody {
    days: Vec<CalendarDayBody>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarDayBody {
    date: chrono::NaiveDate,
    kind: String,
    #[serde(default)]
    name: String,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    page: Option<u32>,
    page_size: Option<u32>,
    /// The first `limit` entries: what this list took before it paged like every other one.
    limit: Option<u32>,
}

async fn list_policies(State(app): State<Arc<App>>, _auth: Auth) -> Json<Value> {
    Json(json!({ "items": *app.core.policies() }))
}

async fn set_policy(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<PolicyBody>,
) -> ApiResult<Json<Value>> {
    let priority = match b.priority.as_deref() {
        Some(p) => Some(Priority::parse(p).ok_or_else(|| {
            ApiError::invalid("priority", "priority 须为 emergency、urgent 或 normal")
        })?),
        None => None,
    };
    let stage = Stage::parse(&b.stage).ok_or_else(|| {
        ApiError::invalid("stage", "stage 须为 accept、return、reply 或 follow_up")
    })?;
    let unit = LimitUnit::parse(&b.unit).ok_or_else(|| {
        ApiError::invalid(
            "unit",
            "unit 须为 minutes、hours、working_days 或 calendar_days",
        )
    })?;
    let p = app
        .admin
        .set_policy(
            &auth.actor,
            TimePolicy {
                id: 0,
                category_id: b.category_id.map(CategoryId),
                priority,
                stage,
                limit: TimeLimit::new(b.amount, unit),
            },
        )
        .await?;
    Ok(Json(json!(p)))
}

async fn get_calendar(
    State(app): State<Arc<App>>,
    _auth: Auth,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> ApiResult<Json<Value>> {
    let days = app.admin.calendar_days(q.year).await?;
    let cal = app.core.calendar();
    Ok(Json(
        json!({ "known_years": cal.known_years().collect::<Vec<_>>(), "items": days }),
    ))
}

async fn import_calendar(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<CalendarBody>,
) -> ApiResult<Json<Value>> {
    let mut days = Vec::with_capacity(b.days.len());
    for d in b.days {
        let kind = DayKind::parse(&d.kind).ok_or_else(|| {
            ApiError::invalid("kind", format!("{}：kind 须为 holiday 或 workday", d.date))
        })?;
        days.push(CalendarDay {
            date: d.date,
            kind,
            name: d.name,
        });
    }
    let n = app.admin.import_calendar(&auth.actor, days).await?;
    Ok(Json(json!({ "written": n })))
}

async fn audit_log(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Value>> {
    let page_size = q.page_size.or(q.limit).unwrap_or(100);
    Ok(Json(json!(
        app.admin
            .audit_page(&auth.actor, q.page.unwrap_or(1), page_size)
            .await?
    )))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/policies",
            list_policies,
            json!(list("configuration", "时限规则")),
        ),
        Endpoint::post(
            "/policies",
            set_policy,
            json!({ "tags": ["configuration"], "summary": "设置时限规则（同一分类、紧急程度、环节只保留一条）",
                "requestBody": body(json!({"type": "object", "required": ["stage", "amount", "unit"], "properties": {"category_id": {"type": "integer"}, "priority": {"type": "string"}, "stage": {"type": "string", "enum": ["accept", "return", "reply", "follow_up"]}, "amount": {"type": "integer"}, "unit": {"type": "string", "enum": ["minutes", "hours", "working_days", "calendar_days"]}}})),
                "responses": { "200": ok("规则", json!({"type": "object"})), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/calendar",
            get_calendar,
            json!({ "tags": ["configuration"], "summary": "节假日与调休日历", "parameters": [q("year", "integer", "年份")], "responses": { "200": ok("日历", json!({"type": "object"})), "401": err() } }),
        ),
        Endpoint::post(
            "/calendar",
            import_calendar,
            json!({ "tags": ["configuration"], "summary": "导入或修改日历（管理员）", "requestBody": body(json!({"type": "object", "required": ["days"], "properties": {"days": {"type": "array", "items": {"type": "object", "required": ["date", "kind"], "properties": {"date": {"type": "string", "format": "date"}, "kind": {"type": "string", "enum": ["holiday", "workday"]}, "name": {"type": "string"}}}}}})),
                    "responses": { "200": ok("写入天数", json!({"type": "object"})), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/audit",
            audit_log,
            json!({ "tags": ["configuration"], "summary": "审计日志（管理员，只增不改）", "parameters": [q("page", "integer", "页码，从 1 开始"), q("page_size", "integer", "每页条数，1–500，默认 100"), q("limit", "integer", "旧参数：等同 page_size")], "responses": { "200": ok("日志", json!({"type": "object"})), "401": err(), "403": err() } }),
        ),
    ]
}
