//! The OpenAPI 3 description of `/api/v1`, served at `/api/v1/openapi.json`: the shared
//! components here, every path and operation from the route table (`routes::all`).

use serde_json::{json, Value};

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    let mut doc = json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Fengqiao 枫桥 API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "乡镇基层治理平台：工单登记、派单、办理、回访、督办。所有接口（/public 除外）须带 Authorization: Bearer <token>，token 由 /auth/login 取得。错误统一为 {\"error\": {\"code\", \"message\"}}。"
        },
        "servers": [{ "url": "/api/v1" }],
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["code", "message"], "properties": {
                    "code": { "type": "string", "enum": ["bad_request", "unauthorized", "forbidden", "not_found", "conflict", "invalid_state", "invalid", "unsupported_media_type", "internal"] },
                    "message": { "type": "string" }, "field": { "type": "string" } } } } },
                "Intake": { "type": "object", "additionalProperties": false, "required": ["body"], "properties": {
                    "title": { "type": "string", "maxLength": 200 }, "body": { "type": "string", "maxLength": 10000 },
                    "channel": { "type": "string", "enum": ["citizen_web", "citizen_qr", "hotline", "open311", "grid_patrol", "inspection", "petition_desk", "service_counter"] },
                    "category_id": { "type": "integer" }, "priority": { "type": "string", "enum": ["emergency", "urgent", "normal"] },
                    "region_id": { "type": "integer" }, "address": { "type": "string", "maxLength": 300 },
                    "latitude": { "type": "number" }, "longitude": { "type": "number" },
                    "reporter_name": { "type": "string", "maxLength": 100 }, "reporter_phone": { "type": "string", "description": "11 位手机号或带区号的固定电话" },
                    "idempotency_key": { "type": "string", "maxLength": 128, "description": "同一键重复提交返回第一次创建的工单（也可用 Idempotency-Key 请求头）" },
                    "media_urls": { "type": "array", "maxItems": 10, "items": { "type": "string", "format": "uri", "maxLength": 1000 }, "description": "问题照片等媒体的 http(s) 链接，按原样保存，不下载" } } },
                "Case": { "type": "object", "description": "工单详情，含诉求人（按权限脱敏）、协办任务、下级工单" }
            }
        },
        "security": [{ "bearer": [] }]
    });
    // Every action has its own schema, from the same table that reads requests.
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .expect("the schemas object");
    schemas.extend(crate::dto::action::schemas());
    // The paths, from the route table the router is built from.
    let mut paths = serde_json::Map::new();
    for e in crate::routes::all() {
        let item = paths.entry(e.path).or_insert_with(|| json!({}));
        item[e.method] = e.doc;
    }
    // Statuses every operation of a kind can return, so a client knows them all: a bad body
    // (400/422) wherever there is a body, 401 wherever a token is needed, 404 wherever the path
    // names something, 429 where throttled, 500 everywhere.
    for (path, item) in paths.iter_mut() {
        for (method, op) in item.as_object_mut().expect("a path item").iter_mut() {
            let public = op.get("security").is_some_and(|s| s == &json!([]));
            let responses = op["responses"]
                .as_object_mut()
                .expect("an operation's responses");
            let mut add = |code: &str| {
                responses.entry(code).or_insert_with(crate::routes::err);
            };
            if !public {
                add("401");
            }
            if op_has_body(method, path) {
                add("400");
                add("422");
            }
            if path.contains('{') {
                add("404");
            }
            if path.starts_with("/public/") || path == "/auth/login" {
                add("429");
            }
            add("500");
        }
    }
    doc["paths"] = Value::Object(paths);
    doc
}

/// Whether an operation reads a request body (every POST but the bodiless actions).
fn op_has_body(method: &str, path: &str) -> bool {
    method == "post" && !path.ends_with("/logout") && !path.ends_with("/logout_all")
}
