//! What citizens reach without logging in: reporting and following a case.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicQuery {
    phone_tail: String,
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

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post(
            "/public/cases",
            public_create_case,
            json!({ "tags": ["public"], "summary": "群众反映问题（网上留言、民情码）", "security": [],
                "requestBody": body(json!({"$ref": "#/components/schemas/Intake"})),
                "responses": { "201": ok("工单编号", json!({"type": "object", "properties": {"case_no": {"type": "string"}}})), "400": err(), "403": err(), "422": err() } }),
        ),
        Endpoint::get(
            "/public/cases/{case_no}",
            public_case,
            json!({ "tags": ["public"], "summary": "群众查询办理进度", "security": [],
                "parameters": [{ "name": "case_no", "in": "path", "required": true, "schema": { "type": "string" } }, { "name": "phone_tail", "in": "query", "required": true, "schema": { "type": "string" }, "description": "登记手机号后四位" }],
                "responses": { "200": ok("进度", json!({"type": "object"})), "400": err(), "404": err(), "422": err() } }),
        ),
    ]
}
