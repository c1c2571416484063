//! What citizens reach without logging in: reporting and following a case.

use super::*;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicQuery {
    phone_tail: String,
}

/// What a citizen may send without logging in: text, place, photos and contact.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PublicReport {
    title: Option<String>,
    body: String,
    /// `citizen_web` (default) or `citizen_qr` (a 民情码).
    channel: Option<String>,
    region_id: Option<i64>,
    address: Option<String>,
    latitude: Option<f64>,
    longitude: Option<f64>,
    reporter_name: Option<String>,
    reporter_phone: Option<String>,
    #[serde(default)]
    media_urls: Vec<String>,
}

impl From<PublicReport> for IntakeInput {
    fn from(r: PublicReport) -> Self {
        IntakeInput {
            title: r.title,
            body: r.body,
            channel: r.channel,
            region_id: r.region_id,
            address: r.address,
            latitude: r.latitude,
            longitude: r.longitude,
            reporter_name: r.reporter_name,
            reporter_phone: r.reporter_phone,
            media_urls: r.media_urls,
            ..IntakeInput::default()
        }
    }
}

async fn public_create_case(
    State(app): State<Arc<App>>,
    ClientAddr(from): ClientAddr,
    ApiJson(report): ApiJson<PublicReport>,
) -> ApiResult<Response> {
    let input = IntakeInput::from(report);
    let name = input.reporter_name.clone().unwrap_or_else(|| "群众".into());
    let out = app
        .intake
        .submit_public(&name, from.as_deref(), input)
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
    ClientAddr(from): ClientAddr,
    ApiPath(case_no): ApiPath<String>,
    ApiQuery(q): ApiQuery<PublicQuery>,
) -> ApiResult<Json<Value>> {
    Ok(Json(
        serde_json::to_value(
            app.citizens
                .progress(&case_no, &q.phone_tail, from.as_deref())
                .await?,
        )
        .map_err(internal)?,
    ))
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![
        Endpoint::post(
            "/public/cases",
            public_create_case,
            json!({ "tags": ["public"], "summary": "群众反映问题（网上留言、民情码）", "security": [],
                "requestBody": body(json!({"type": "object", "additionalProperties": false, "required": ["body", "reporter_phone"], "properties": {
                    "title": {"type": "string", "maxLength": 200}, "body": {"type": "string", "maxLength": 10000},
                    "channel": {"type": "string", "enum": ["citizen_web", "citizen_qr"]}, "region_id": {"type": "integer"},
                    "address": {"type": "string", "maxLength": 300}, "latitude": {"type": "number"}, "longitude": {"type": "number"},
                    "reporter_name": {"type": "string", "maxLength": 100}, "reporter_phone": {"type": "string"},
                    "media_urls": {"type": "array", "maxItems": 10, "items": {"type": "string", "format": "uri"}}}})),
                "responses": { "201": ok("工单编号", json!({"type": "object", "properties": {"case_no": {"type": "string"}}})), "400": err(), "403": err(), "422": err(), "429": err() } }),
        ),
        Endpoint::get(
            "/public/cases/{case_no}",
            public_case,
            json!({ "tags": ["public"], "summary": "群众查询办理进度", "security": [],
                "parameters": [{ "name": "case_no", "in": "path", "required": true, "schema": { "type": "string" } }, { "name": "phone_tail", "in": "query", "required": true, "schema": { "type": "string" }, "description": "登记手机号后四位" }],
                "responses": { "200": ok("进度", json!({"type": "object"})), "400": err(), "404": err(), "422": err(), "429": err() } }),
        ),
    ]
}
