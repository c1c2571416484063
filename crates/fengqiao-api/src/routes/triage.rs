//! Triage: duplicate proposals, hot spots, classifier models.

use super::*;

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct TrainBody {
    /// Cross-validate with this many folds first and store the figures with the model.
    folds: Option<usize>,
}

async fn case_duplicates(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.triage.duplicate_proposals(&auth.actor, CaseId(id)).await? }),
    ))
}

async fn dismiss_duplicate(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath((id, proposal)): ApiPath<(i64, i64)>,
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
    ApiPath(version): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.triage.activate_model(&auth.actor, version).await?)
            .map_err(internal)?,
    ))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/cases/{id}/duplicates",
            case_duplicates,
            json!({ "tags": ["triage"], "summary": "该工单的重复件提示（同一问题多渠道反映）；合并请对工单执行 merge 操作", "parameters": [id_param("id")], "responses": { "200": ok("提示", json!({"type": "object"})), "401": err(), "404": err() } }),
        ),
        Endpoint::post(
            "/cases/{id}/duplicates/{proposal}/dismiss",
            dismiss_duplicate,
            json!({ "tags": ["triage"], "summary": "认定不是同一问题，关闭重复件提示", "parameters": [id_param("id"), id_param("proposal")], "responses": { "200": ok("已关闭", json!({"type": "object"})), "401": err(), "403": err(), "404": err(), "409": err() } }),
        ),
        Endpoint::get(
            "/hotspots",
            hotspots,
            json!({ "tags": ["triage"], "summary": "当前热点：同一区域短时间内集中反映的相似问题（关键词与工单）", "responses": { "200": ok("热点", json!({"type": "object"})), "401": err(), "403": err() } }),
        ),
        Endpoint::get(
            "/triage/models",
            triage_models,
            json!({ "tags": ["triage"], "summary": "分类模型版本（管理员）", "responses": { "200": ok("模型", json!({"type": "object"})), "401": err(), "403": err() } }),
        ),
        Endpoint::post(
            "/triage/models/train",
            train_model,
            json!({ "tags": ["triage"], "summary": "用已人工分类的工单训练新模型并启用（可选先做 k 折交叉验证）", "requestBody": body(json!({"type": "object", "properties": {"folds": {"type": "integer", "minimum": 2, "maximum": 10}}})), "responses": { "201": ok("新模型", json!({"type": "object"})), "401": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::post(
            "/triage/models/{version}/activate",
            activate_model,
            json!({ "tags": ["triage"], "summary": "切换启用的模型（可切回旧版本）", "parameters": [id_param("version")], "responses": { "200": ok("已启用", json!({"type": "object"})), "401": err(), "403": err(), "404": err() } }),
        ),
    ]
}
