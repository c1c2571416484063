//! The API's own description.

use super::*;

async fn openapi_json() -> Json<Value> {
    Json(crate::openapi::document().clone())
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    vec![Endpoint::get(
        "/openapi.json",
        openapi_json,
        json!({ "tags": ["meta"], "summary": "本文档", "security": [], "responses": { "200": ok("OpenAPI 文档", json!({"type": "object"})) } }),
    )]
}
