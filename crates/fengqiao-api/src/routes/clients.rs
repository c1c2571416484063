//! API clients and their keys.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClientBody {
    name: String,
}

async fn list_clients(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    Ok(Json(
        json!({ "items": app.clients.list(&auth.actor).await? }),
    ))
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
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(app.clients.revoke(&auth.actor, id).await?).map_err(internal)?,
    ))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/clients",
            list_clients,
            json!(list(
                "configuration",
                "接入方（Open311 应用、12345 平台；管理员）"
            )),
        ),
        Endpoint::post(
            "/clients",
            create_client,
            json!(create(
                "configuration",
                "登记接入方并发放接口密钥（密钥只返回这一次）",
                json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})
            )),
        ),
        Endpoint::post(
            "/clients/{id}/revoke",
            revoke_client,
            json!({ "tags": ["configuration"], "summary": "吊销接入方的密钥", "parameters": [id_param("id")], "responses": { "200": ok("已吊销", json!({"type": "object"})), "401": err(), "403": err(), "404": err(), "409": err() } }),
        ),
    ]
}
