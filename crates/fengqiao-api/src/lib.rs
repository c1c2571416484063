#![recursion_limit = "512"]
//! The JSON API under `/api/v1`, and Open311 GeoReport v2 under `/open311/v2` (`open311.rs`).
//!
//! Invariant: handlers parse and format; every decision is made in `fengqiao-app`.

mod error;
mod extract;
mod open311;
mod openapi;

pub use error::ApiError;

use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use extract::{ApiJson, ApiQuery, Auth};
use fengqiao_app::{App, IntakeInput};
use fengqiao_domain::calendar::{CalendarDay, DayKind};
use fengqiao_domain::case::{CaseState, Channel, Priority};
use fengqiao_domain::deadline::{LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, UnitId};
use fengqiao_domain::lifecycle::Action;
use fengqiao_domain::org::{Platform, RegionLevel, Role, UnitKind};
use fengqiao_store::CaseFilter;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

type ApiResult<T> = Result<T, ApiError>;

/// Largest request body accepted (a case body is at most 10,000 characters).
pub const BODY_LIMIT_BYTES: usize = 256 * 1024;

pub fn router(app: Arc<App>) -> Router {
    let api = Router::new()
        .route("/openapi.json", get(|| async { Json(openapi::document()) }))
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
        .route("/me", get(me))
        .route("/cases", post(create_case).get(list_cases))
        .route("/cases/{id}", get(get_case))
        .route("/cases/{id}/events", get(case_events))
        .route("/cases/{id}/notifications", get(case_notifications))
        .route("/cases/{id}/actions", post(case_action))
        .route("/cases/{id}/duplicates", get(case_duplicates))
        .route(
            "/cases/{id}/duplicates/{proposal}/dismiss",
            post(dismiss_duplicate),
        )
        .route("/hotspots", get(hotspots))
        .route("/clients", get(list_clients).post(create_client))
        .route("/clients/{id}/revoke", post(revoke_client))
        .route("/triage/models", get(triage_models))
        .route("/triage/models/train", post(train_model))
        .route("/triage/models/{version}/activate", post(activate_model))
        .route("/overview", get(overview))
        .route("/regions", get(list_regions).post(create_region))
        .route("/units", get(list_units).post(create_unit))
        .route("/categories", get(list_categories).post(create_category))
        .route(
            "/categories/{id}/attributes",
            get(list_category_attributes).post(create_category_attribute),
        )
        .route("/users", get(list_users).post(create_user))
        .route("/policies", get(list_policies).post(set_policy))
        .route("/calendar", get(get_calendar).post(import_calendar))
        .route("/audit", get(audit_log))
        .route("/public/cases", post(public_create_case))
        .route("/public/cases/{case_no}", get(public_case))
        .fallback(|| async {
            ApiError::not_found("没有这个接口；接口说明见 /api/v1/openapi.json")
        });
    Router::new()
        .route("/healthz", get(healthz))
        .nest("/api/v1", api)
        .nest("/open311/v2", open311::router())
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .with_state(app)
}

async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.core.ping().await {
        Ok(_) => (StatusCode::OK, Json(json!({"status": "ok"}))).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable"})),
            )
                .into_response()
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(app): State<Arc<App>>,
    ApiJson(b): ApiJson<LoginBody>,
) -> ApiResult<Json<Value>> {
    let (token, user) = app.auth.login(&b.username, &b.password).await?;
    Ok(Json(
        json!({ "token": token, "token_type": "Bearer", "expires_in": app.core.config.token_ttl.num_seconds(), "user": user }),
    ))
}

async fn logout(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<StatusCode> {
    app.auth.logout(&auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn me(auth: Auth) -> Json<Value> {
    Json(
        json!({ "user": auth.user, "role_label": auth.user.role.label(), "scope": auth.actor.region_path }),
    )
}

fn idempotency(headers: &HeaderMap, input: &mut IntakeInput) -> ApiResult<()> {
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
    let view = app.queries.case_view(&auth.actor, out.case.id).await?;
    Ok((status, Json(view)).into_response())
}

async fn public_create_case(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    ApiJson(mut input): ApiJson<IntakeInput>,
) -> ApiResult<Response> {
    idempotency(&headers, &mut input)?;
    let name = input.reporter_name.clone().unwrap_or_else(|| "群众".into());
    let out = app
        .intake
        .submit(&fengqiao_domain::org::Actor::citizen(&name), input)
        .await?;
    let status = if out.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(json!({
            "case_no": out.case.case_no,
            "state_label": out.case.state.label(),
            "message": format!("已收到您反映的问题，工单编号 {}。凭工单编号和手机号后四位可查询办理进度。", out.case.case_no),
        })),
    )
        .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicQuery {
    phone_tail: String,
}

async fn public_case(
    State(app): State<Arc<App>>,
    Path(case_no): Path<String>,
    ApiQuery(q): ApiQuery<PublicQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.queries.public_case(&case_no, &q.phone_tail).await?)
            .map_err(internal)?,
    ))
}

fn internal(e: impl std::fmt::Display) -> ApiError {
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
        page: q.page.unwrap_or(1),
        page_size,
        ..CaseFilter::default()
    })
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

async fn get_case(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.queries.case_view(&auth.actor, CaseId(id)).await?)
            .map_err(internal)?,
    ))
}

async fn case_events(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.queries.events(&auth.actor, CaseId(id)).await? }),
    ))
}

async fn case_notifications(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.queries.notifications(&auth.actor, CaseId(id)).await? }),
    ))
}

async fn case_action(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(action): ApiJson<Action>,
) -> ApiResult<Json<Value>> {
    if matches!(action, Action::MarkOverdue { .. }) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "超时标记只能由系统执行",
        ));
    }
    let case = app.actions.act(&auth.actor, CaseId(id), action).await?;
    Ok(Json(
        serde_json::to_value(app.queries.case_view(&auth.actor, case.id).await?)
            .map_err(internal)?,
    ))
}

async fn case_duplicates(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.triage.duplicate_proposals(&auth.actor, CaseId(id)).await? }),
    ))
}

async fn dismiss_duplicate(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path((id, proposal)): Path<(i64, i64)>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(
            app.triage
                .dismiss_proposal(&auth.actor, CaseId(id), proposal)
                .await?,
        )
        .map_err(internal)?,
    ))
}

async fn list_clients(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.clients.list(&auth.actor).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientBody {
    name: String,
}

async fn create_client(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<ClientBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let (client, key) = app.clients.issue_key(&auth.actor, &b.name).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "client": client, "api_key": key })),
    ))
}

async fn revoke_client(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(id): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.clients.revoke(&auth.actor, id).await?).map_err(internal)?,
    ))
}

async fn list_category_attributes(
    State(app): State<Arc<App>>,
    _auth: Auth,
    Path(id): Path<i64>,
) -> Json<Value> {
    Json(json!({ "items": app.core.category_attributes(CategoryId(id)) }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttributeBody {
    code: String,
    datatype: fengqiao_domain::attributes::AttrType,
    #[serde(default)]
    required: bool,
    #[serde(default = "yes")]
    variable: bool,
    description: String,
    datatype_description: Option<String>,
    order: u32,
    #[serde(default)]
    values: Vec<fengqiao_domain::attributes::AttrChoice>,
}

fn yes() -> bool {
    true
}

async fn create_category_attribute(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AttributeBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let a = app
        .admin
        .create_category_attribute(
            &auth.actor,
            fengqiao_domain::attributes::ServiceAttribute {
                id: 0,
                category_id: CategoryId(id),
                code: b.code,
                datatype: b.datatype,
                required: b.required,
                variable: b.variable,
                description: b.description,
                datatype_description: b.datatype_description,
                order: b.order,
                values: b.values,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(a).map_err(internal)?),
    ))
}

async fn hotspots(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.triage.hotspots(&auth.actor).await? }),
    ))
}

async fn triage_models(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.triage.models(&auth.actor).await? }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TrainBody {
    /// Cross-validate with this many folds first and store the figures with the model.
    folds: Option<usize>,
}

async fn train_model(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<TrainBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    if b.folds.is_some_and(|k| !(2..=10).contains(&k)) {
        return Err(fengqiao_app::AppError::Invalid {
            field: "folds",
            message: "交叉验证折数须在 2 到 10 之间".into(),
        }
        .into());
    }
    let outcome = app.triage.train_from_cases(&auth.actor, b.folds).await?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::to_value(outcome).map_err(internal)?),
    ))
}

async fn activate_model(
    State(app): State<Arc<App>>,
    auth: Auth,
    Path(version): Path<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.triage.activate_model(&auth.actor, version).await?)
            .map_err(internal)?,
    ))
}

async fn overview(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.queries.overview(&auth.actor).await?).map_err(internal)?,
    ))
}

async fn list_regions(State(app): State<Arc<App>>, _auth: Auth) -> Json<Value> {
    Json(json!({ "items": *app.core.regions() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionBody {
    parent_id: Option<i64>,
    name: String,
    level: String,
}

async fn create_region(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<RegionBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let level = RegionLevel::parse(&b.level)
        .ok_or_else(|| ApiError::invalid("level", "level 须为 town、village、community 或 grid"))?;
    let r = app
        .admin
        .create_region(&auth.actor, b.parent_id.map(RegionId), &b.name, level)
        .await?;
    Ok((StatusCode::CREATED, Json(json!(r))))
}

async fn list_units(State(app): State<Arc<App>>, _auth: Auth) -> Json<Value> {
    Json(json!({ "items": *app.core.units() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitBody {
    name: String,
    kind: String,
    platform: Option<String>,
    region_id: i64,
}

async fn create_unit(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<UnitBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let kind = UnitKind::parse(&b.kind).ok_or_else(|| {
        ApiError::invalid(
            "kind",
            "kind 须为 centre、department、station 或 village_committee",
        )
    })?;
    let platform = match b.platform.as_deref() {
        Some(p) => Some(Platform::parse(p).ok_or_else(|| {
            ApiError::invalid(
                "platform",
                "platform 须为 party_building、economy_ecology、safety_law 或 public_service",
            )
        })?),
        None => None,
    };
    let u = app
        .admin
        .create_unit(&auth.actor, &b.name, kind, platform, RegionId(b.region_id))
        .await?;
    Ok((StatusCode::CREATED, Json(json!(u))))
}

async fn list_categories(State(app): State<Arc<App>>, _auth: Auth) -> Json<Value> {
    Json(json!({ "items": *app.core.categories() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CategoryBody {
    parent_id: Option<i64>,
    name: String,
    default_unit_id: Option<i64>,
    #[serde(default)]
    is_petition: bool,
}

async fn create_category(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<CategoryBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let c = app
        .admin
        .create_category(
            &auth.actor,
            b.parent_id.map(CategoryId),
            &b.name,
            b.default_unit_id.map(UnitId),
            b.is_petition,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(c))))
}

async fn list_users(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.admin.users(&auth.actor).await? }),
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UserBody {
    username: String,
    display_name: String,
    password: String,
    role: String,
    region_id: i64,
    unit_id: Option<i64>,
}

async fn create_user(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiJson(b): ApiJson<UserBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let role = Role::parse(&b.role).ok_or_else(|| {
        ApiError::invalid(
            "role",
            "role 须为 admin、operator、unit_staff、grid_worker 或 leader",
        )
    })?;
    let u = app
        .admin
        .create_user(
            &auth.actor,
            &b.username,
            &b.display_name,
            &b.password,
            role,
            RegionId(b.region_id),
            b.unit_id.map(UnitId),
        )
        .await?;
    Ok((StatusCode::CREATED, Json(json!(u))))
}

async fn list_policies(State(app): State<Arc<App>>, _auth: Auth) -> Json<Value> {
    Json(json!({ "items": *app.core.policies() }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyBody {
    category_id: Option<i64>,
    priority: Option<String>,
    stage: String,
    amount: u32,
    unit: String,
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct CalendarQuery {
    year: Option<i32>,
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

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    limit: Option<u32>,
}

async fn audit_log(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiQuery(q): ApiQuery<AuditQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.admin.audit_log(&auth.actor, q.limit.unwrap_or(100)).await? }),
    ))
}
