//! Notifications that never reached the reporter: the centre's list, and sending one again.

use super::*;

async fn failed(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = app
        .notifier
        .failed(&auth.actor)
        .await?
        .into_iter()
        .map(|(n, no)| {
            let mut v = serde_json::to_value(&n).unwrap_or_default();
            v["case_no"] = json!(no.map(|no| no.to_string()));
            v
        })
        .collect();
    Ok(Json(json!({ "items": items })))
}

async fn resend(
    State(app): State<Arc<App>>,
    auth: Auth,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<Value>> {
    app.notifier.resend(&auth.actor, id).await?;
    Ok(Json(json!({ "id": id, "state": "pending" })))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::get(
            "/notifications/failed",
            failed,
            json!(list(
                "cases",
                "多次发送仍未送达群众的告知（受理中心、管理员）"
            )),
        ),
        Endpoint::post(
            "/notifications/{id}/resend",
            resend,
            json!({ "tags": ["cases"], "summary": "重新发送一条发送失败的告知", "parameters": [id_param("id")], "responses": { "200": ok("已重新排队", json!({"type": "object"})), "401": err(), "403": err(), "404": err() } }),
        ),
    ]
}
