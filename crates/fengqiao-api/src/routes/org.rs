//! The organisation: regions, units, categories and their questions, users.

use super::*;

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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RegionBody {
    parent_id: Option<i64>,
    name: String,
    level: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UnitBody {
    name: String,
    kind: String,
    platform: Option<String>,
    region_id: i64,
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

async fn list_regions(State(app): State<Arc<App>>, _auth: Auth) -> Json<Value> {
    Json(json!({ "items": *app.core.regions() }))
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

async fn list_category_attributes(
    State(app): State<Arc<App>>,
    _auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> Json<Value> {
    Json(json!({ "items": app.core.category_attributes(CategoryId(id)) }))
}

async fn create_category_attribute(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
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

async fn list_users(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.admin.users(&auth.actor).await? }),
    ))
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

async fn set_active(app: &App, auth: &Auth, id: i64, active: bool) -> ApiResult<Json<Value>> {
    let user = app
        .admin
        .set_user_active(&auth.actor, fengqiao_domain::ids::UserId(id), active)
        .await?;
    Ok(Json(serde_json::to_value(user).map_err(internal)?))
}

async fn disable_user(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    set_active(&app, &auth, id, false).await
}

async fn enable_user(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    set_active(&app, &auth, id, true).await
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/regions",
            list_regions,
            json!(list("organisation", "区域树（乡镇→村/社区→网格）")),
        ),
        Endpoint::post(
            "/regions",
            create_region,
            json!(create(
                "organisation",
                "新建区域",
                json!({"type": "object", "required": ["name", "level"], "properties": {"parent_id": {"type": "integer"}, "name": {"type": "string"}, "level": {"type": "string", "enum": ["town", "village", "community", "grid"]}}})
            )),
        ),
        Endpoint::get(
            "/units",
            list_units,
            json!(list("organisation", "承办单位")),
        ),
        Endpoint::post(
            "/units",
            create_unit,
            json!(create(
                "organisation",
                "新建单位",
                json!({"type": "object", "required": ["name", "kind", "region_id"], "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["centre", "department", "station", "village_committee"]}, "platform": {"type": "string", "enum": ["party_building", "economy_ecology", "safety_law", "public_service"]}, "region_id": {"type": "integer"}}})
            )),
        ),
        Endpoint::get(
            "/categories",
            list_categories,
            json!(list("organisation", "事项分类")),
        ),
        Endpoint::post(
            "/categories",
            create_category,
            json!(create(
                "organisation",
                "新建分类",
                json!({"type": "object", "required": ["name"], "properties": {"parent_id": {"type": "integer"}, "name": {"type": "string"}, "default_unit_id": {"type": "integer"}, "is_petition": {"type": "boolean"}}})
            )),
        ),
        Endpoint::get(
            "/categories/{id}/attributes",
            list_category_attributes,
            json!({ "tags": ["organisation"], "summary": "分类的附加问题（Open311 服务定义的属性）", "parameters": [id_param("id")], "responses": { "200": ok("属性", json!({"type": "object"})), "401": err() } }),
        ),
        Endpoint::post(
            "/categories/{id}/attributes",
            create_category_attribute,
            json!({ "tags": ["organisation"], "summary": "为分类增加一个附加问题（管理员）", "parameters": [id_param("id")], "requestBody": body(json!({"type": "object", "required": ["code", "datatype", "description", "order"], "properties": {"code": {"type": "string"}, "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]}, "required": {"type": "boolean"}, "variable": {"type": "boolean"}, "description": {"type": "string"}, "datatype_description": {"type": "string"}, "order": {"type": "integer", "minimum": 1}, "values": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "name": {"type": "string"}}}}}})), "responses": { "201": ok("已创建", json!({"type": "object"})), "401": err(), "403": err(), "409": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/users",
            list_users,
            json!(list("organisation", "用户（管理员）")),
        ),
        Endpoint::post(
            "/users",
            create_user,
            json!(create(
                "organisation",
                "新建用户（管理员）",
                json!({"type": "object", "required": ["username", "display_name", "password", "role", "region_id"], "properties": {"username": {"type": "string"}, "display_name": {"type": "string"}, "password": {"type": "string", "minLength": 8}, "role": {"type": "string", "enum": ["admin", "operator", "unit_staff", "grid_worker", "leader"]}, "region_id": {"type": "integer"}, "unit_id": {"type": "integer"}}})
            )),
        ),
        Endpoint::post(
            "/users/{id}/disable",
            disable_user,
            json!({ "tags": ["organisation"], "summary": "停用用户并结束其所有登录（管理员，本辖区）", "parameters": [id_param("id")], "responses": { "200": ok("用户", json!({"type": "object"})), "401": err(), "403": err(), "404": err(), "422": err() } }),
        ),
        Endpoint::post(
            "/users/{id}/enable",
            enable_user,
            json!({ "tags": ["organisation"], "summary": "重新启用用户（管理员，本辖区）", "parameters": [id_param("id")], "responses": { "200": ok("用户", json!({"type": "object"})), "401": err(), "403": err(), "404": err() } }),
        ),
    ]
}
