//! Login, logout and who one is.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct LoginBody {
    username: String,
    password: String,
}

async fn login(
    State(app): State<Arc<App>>,
    ClientAddr(from): ClientAddr,
    ApiJson(b): ApiJson<LoginBody>,
) -> ApiResult<Json<Value>> {
    let (token, user) = app
        .auth
        .login(&b.username, &b.password, from.as_deref())
        .await?;
    Ok(Json(
        json!({ "token": token, "token_type": "Bearer", "expires_in": app.core.config.token_ttl.num_seconds(), "user": user }),
    ))
}

async fn logout(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<StatusCode> {
    app.auth.logout(&auth.token).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn logout_everywhere(State(app): State<Arc<App>>, auth: Auth) -> ApiResult<Json<Value>> {
    let ended = app.auth.logout_everywhere(&auth.user).await?;
    Ok(Json(json!({ "sessions_ended": ended })))
}

async fn me(State(app): State<Arc<App>>, auth: Auth) -> Json<Value> {
    let calendar = app.core.missing_calendar_year().map(|y| {
        format!("尚未导入 {y} 年的节假日安排：跨年的时限暂按周一至周五计算，请管理员在公布后导入")
    });
    Json(json!({
        "user": auth.user,
        "role_label": auth.user.role.label(),
        "scope": auth.actor.region_path,
        "warnings": calendar.into_iter().collect::<Vec<_>>(),
    }))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post(
            "/auth/login",
            login,
            json!({ "tags": ["auth"], "summary": "登录，取得 token", "security": [],
                "requestBody": body(json!({"type": "object", "required": ["username", "password"], "properties": {"username": {"type": "string"}, "password": {"type": "string"}}})),
                "responses": { "200": ok("token 与用户", json!({"type": "object", "properties": {"token": {"type": "string"}, "user": {"type": "object"}}})), "401": err(), "422": err() } }),
        ),
        Endpoint::post(
            "/auth/logout",
            logout,
            json!({ "tags": ["auth"], "summary": "注销当前 token", "responses": { "204": { "description": "已注销" }, "401": err() } }),
        ),
        Endpoint::post(
            "/auth/logout_all",
            logout_everywhere,
            json!({ "tags": ["auth"], "summary": "注销本人所有登录（手机丢失、公用电脑）", "responses": { "200": ok("结束的登录数", json!({"type": "object", "properties": {"sessions_ended": {"type": "integer"}}})), "401": err() } }),
        ),
        Endpoint::get(
            "/me",
            me,
            json!({ "tags": ["auth"], "summary": "当前用户", "responses": { "200": ok("用户", json!({"type": "object"})), "401": err() } }),
        ),
    ]
}
