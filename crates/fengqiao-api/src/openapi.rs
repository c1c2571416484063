//! The OpenAPI 3 description of `/api/v1`, served at `/api/v1/openapi.json`. A test checks that
//! every route the router serves is described here.

use serde_json::{json, Value};

fn err() -> Value {
    json!({ "description": "错误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

fn ok(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema } } })
}

fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

fn id_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer" } })
}

fn q(name: &str, ty: &str, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": { "type": ty }, "description": desc })
}

fn list(tag: &str, summary: &str) -> Value {
    json!({ "tags": [tag], "summary": summary, "responses": { "200": ok("列表", json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})), "401": err() } })
}

fn create(tag: &str, summary: &str, schema: Value) -> Value {
    json!({ "tags": [tag], "summary": summary, "requestBody": body(schema), "responses": { "201": ok("已创建", json!({"type": "object"})), "401": err(), "403": err(), "409": err(), "422": err() } })
}

/// The document, built once.
pub fn document() -> &'static Value {
    static DOC: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    DOC.get_or_init(build)
}

fn build() -> Value {
    // Every action a person (or client) can ask for: the lifecycle's kinds, less the steps only
    // the system records on its own.
    use fengqiao_domain::lifecycle::ActionKind as K;
    let action_names: Vec<&str> = K::ALL
        .iter()
        .filter(|k| {
            !matches!(
                k,
                K::Intake | K::MergeIn | K::SplitOut | K::MarkOverdue | K::ChildReplied
            )
        })
        .map(|k| k.as_str())
        .collect();
    json!({
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
                "Action": { "type": "object", "required": ["action"], "description": "工单操作；除 action 外的字段随操作而定，见 README。", "properties": {
                    "action": { "type": "string", "enum": action_names },
                    "remark": { "type": "string" }, "reason": { "type": "string" }, "reply": { "type": "string" }, "content": { "type": "string" },
                    "unit_id": { "type": "integer" }, "category_id": { "type": "integer" }, "region_id": { "type": "integer" },
                    "priority": { "type": "string" }, "days": { "type": "integer" }, "into": { "type": "integer" },
                    "satisfaction": { "type": "string", "enum": ["satisfied", "basically_satisfied", "unsatisfied", "no_rating"] },
                    "unit_at_fault": { "type": "boolean" }, "instructions": { "type": "string" }, "due_at": { "type": "string", "format": "date-time" },
                    "task_id": { "type": "integer" }, "reopen_requested": { "type": "boolean" },
                    "co_units": { "type": "array", "items": { "type": "object", "required": ["unit_id", "instructions"], "properties": {
                        "unit_id": { "type": "integer" }, "instructions": { "type": "string" }, "due_at": { "type": "string", "format": "date-time" } } } } } },
                "Case": { "type": "object", "description": "工单详情，含诉求人（按权限脱敏）、协办任务、下级工单" }
            }
        },
        "security": [{ "bearer": [] }],
        "paths": {
            "/openapi.json": { "get": { "tags": ["meta"], "summary": "本文档", "security": [], "responses": { "200": ok("OpenAPI 文档", json!({"type": "object"})) } } },
            "/auth/login": { "post": { "tags": ["auth"], "summary": "登录，取得 token", "security": [],
                "requestBody": body(json!({"type": "object", "required": ["username", "password"], "properties": {"username": {"type": "string"}, "password": {"type": "string"}}})),
                "responses": { "200": ok("token 与用户", json!({"type": "object", "properties": {"token": {"type": "string"}, "user": {"type": "object"}}})), "401": err(), "422": err() } } },
            "/auth/logout": { "post": { "tags": ["auth"], "summary": "注销当前 token", "responses": { "204": { "description": "已注销" }, "401": err() } } },
            "/me": { "get": { "tags": ["auth"], "summary": "当前用户", "responses": { "200": ok("用户", json!({"type": "object"})), "401": err() } } },
            "/cases": {
                "post": { "tags": ["cases"], "summary": "登记工单（一扇门进）", "parameters": [{ "name": "Idempotency-Key", "in": "header", "required": false, "schema": { "type": "string" } }],
                    "requestBody": body(json!({"$ref": "#/components/schemas/Intake"})),
                    "responses": { "201": ok("已登记", json!({"$ref": "#/components/schemas/Case"})), "200": ok("幂等键重复：返回第一次登记的工单", json!({"$ref": "#/components/schemas/Case"})), "400": err(), "401": err(), "403": err(), "422": err() } },
                "get": { "tags": ["cases"], "summary": "工单列表（按权限范围，分页筛选）",
                    "parameters": [q("state", "string", "状态，逗号分隔"), q("unit_id", "integer", "承办单位"), q("region_id", "integer", "区域（含下级）"), q("category_id", "integer", "分类"),
                        q("channel", "string", "渠道"), q("overdue", "string", "green/yellow/red"), q("parent_id", "integer", "上级工单"), q("listed_supervision", "boolean", "挂牌督办"),
                        q("q", "string", "标题、内容或编号包含"), q("created_from", "string", "登记时间起（RFC 3339）"), q("created_to", "string", "登记时间止（RFC 3339）"),
                        q("page", "integer", "页码，从 1 开始"), q("page_size", "integer", "每页条数 1–500，默认 20")],
                    "responses": { "200": ok("一页工单", json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}, "total": {"type": "integer"}, "page": {"type": "integer"}, "page_size": {"type": "integer"}}})), "400": err(), "401": err() } } },
            "/cases/{id}": { "get": { "tags": ["cases"], "summary": "工单详情", "parameters": [id_param("id")], "responses": { "200": ok("工单", json!({"$ref": "#/components/schemas/Case"})), "401": err(), "404": err() } } },
            "/cases/{id}/events": { "get": { "tags": ["cases"], "summary": "工单流转记录（只增不改）", "parameters": [id_param("id")], "responses": { "200": ok("事件", json!({"type": "object"})), "401": err(), "404": err() } } },
            "/cases/{id}/notifications": { "get": { "tags": ["cases"], "summary": "告知诉求人的消息", "parameters": [id_param("id")], "responses": { "200": ok("消息", json!({"type": "object"})), "401": err(), "404": err() } } },
            "/cases/{id}/actions": { "post": { "tags": ["cases"], "summary": "对工单执行一项操作（受理、派单、签收、办结、回访……）", "parameters": [id_param("id")],
                "requestBody": body(json!({"$ref": "#/components/schemas/Action"})),
                "responses": { "200": ok("操作后的工单", json!({"$ref": "#/components/schemas/Case"})), "400": err(), "401": err(), "403": err(), "404": err(), "409": err(), "422": err() } } },
            "/cases/{id}/duplicates": { "get": { "tags": ["triage"], "summary": "该工单的重复件提示（同一问题多渠道反映）；合并请对工单执行 merge 操作", "parameters": [id_param("id")], "responses": { "200": ok("提示", json!({"type": "object"})), "401": err(), "404": err() } } },
            "/cases/{id}/duplicates/{proposal}/dismiss": { "post": { "tags": ["triage"], "summary": "认定不是同一问题，关闭重复件提示", "parameters": [id_param("id"), id_param("proposal")], "responses": { "200": ok("已关闭", json!({"type": "object"})), "401": err(), "403": err(), "404": err(), "409": err() } } },
            "/categories/{id}/attributes": { "get": { "tags": ["organisation"], "summary": "分类的附加问题（Open311 服务定义的属性）", "parameters": [id_param("id")], "responses": { "200": ok("属性", json!({"type": "object"})), "401": err() } },
                "post": { "tags": ["organisation"], "summary": "为分类增加一个附加问题（管理员）", "parameters": [id_param("id")], "requestBody": body(json!({"type": "object", "required": ["code", "datatype", "description", "order"], "properties": {"code": {"type": "string"}, "datatype": {"type": "string", "enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]}, "required": {"type": "boolean"}, "variable": {"type": "boolean"}, "description": {"type": "string"}, "datatype_description": {"type": "string"}, "order": {"type": "integer", "minimum": 1}, "values": {"type": "array", "items": {"type": "object", "properties": {"key": {"type": "string"}, "name": {"type": "string"}}}}}})), "responses": { "201": ok("已创建", json!({"type": "object"})), "401": err(), "403": err(), "409": err(), "422": err() } } },
            "/clients": { "get": list("configuration", "接入方（Open311 应用、12345 平台；管理员）"), "post": create("configuration", "登记接入方并发放接口密钥（密钥只返回这一次）", json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}})) },
            "/clients/{id}/revoke": { "post": { "tags": ["configuration"], "summary": "吊销接入方的密钥", "parameters": [id_param("id")], "responses": { "200": ok("已吊销", json!({"type": "object"})), "401": err(), "403": err(), "404": err(), "409": err() } } },
            "/hotspots": { "get": { "tags": ["triage"], "summary": "当前热点：同一区域短时间内集中反映的相似问题（关键词与工单）", "responses": { "200": ok("热点", json!({"type": "object"})), "401": err(), "403": err() } } },
            "/triage/models": { "get": { "tags": ["triage"], "summary": "分类模型版本（管理员）", "responses": { "200": ok("模型", json!({"type": "object"})), "401": err(), "403": err() } } },
            "/triage/models/train": { "post": { "tags": ["triage"], "summary": "用已人工分类的工单训练新模型并启用（可选先做 k 折交叉验证）", "requestBody": body(json!({"type": "object", "properties": {"folds": {"type": "integer", "minimum": 2, "maximum": 10}}})), "responses": { "201": ok("新模型", json!({"type": "object"})), "401": err(), "403": err(), "422": err() } } },
            "/triage/models/{version}/activate": { "post": { "tags": ["triage"], "summary": "切换启用的模型（可切回旧版本）", "parameters": [id_param("version")], "responses": { "200": ok("已启用", json!({"type": "object"})), "401": err(), "403": err(), "404": err() } } },
            "/overview": { "get": { "tags": ["cases"], "summary": "权限范围内的工单总数、在办数、超时数", "responses": { "200": ok("统计", json!({"type": "object"})), "401": err() } } },
            "/regions": { "get": list("organisation", "区域树（乡镇→村/社区→网格）"), "post": create("organisation", "新建区域", json!({"type": "object", "required": ["name", "level"], "properties": {"parent_id": {"type": "integer"}, "name": {"type": "string"}, "level": {"type": "string", "enum": ["town", "village", "community", "grid"]}}})) },
            "/units": { "get": list("organisation", "承办单位"), "post": create("organisation", "新建单位", json!({"type": "object", "required": ["name", "kind", "region_id"], "properties": {"name": {"type": "string"}, "kind": {"type": "string", "enum": ["centre", "department", "station", "village_committee"]}, "platform": {"type": "string", "enum": ["party_building", "economy_ecology", "safety_law", "public_service"]}, "region_id": {"type": "integer"}}})) },
            "/categories": { "get": list("organisation", "事项分类"), "post": create("organisation", "新建分类", json!({"type": "object", "required": ["name"], "properties": {"parent_id": {"type": "integer"}, "name": {"type": "string"}, "default_unit_id": {"type": "integer"}, "is_petition": {"type": "boolean"}}})) },
            "/users": { "get": list("organisation", "用户（管理员）"), "post": create("organisation", "新建用户（管理员）", json!({"type": "object", "required": ["username", "display_name", "password", "role", "region_id"], "properties": {"username": {"type": "string"}, "display_name": {"type": "string"}, "password": {"type": "string", "minLength": 8}, "role": {"type": "string", "enum": ["admin", "operator", "unit_staff", "grid_worker", "leader"]}, "region_id": {"type": "integer"}, "unit_id": {"type": "integer"}}})) },
            "/policies": { "get": list("configuration", "时限规则"), "post": { "tags": ["configuration"], "summary": "设置时限规则（同一分类、紧急程度、环节只保留一条）",
                "requestBody": body(json!({"type": "object", "required": ["stage", "amount", "unit"], "properties": {"category_id": {"type": "integer"}, "priority": {"type": "string"}, "stage": {"type": "string", "enum": ["accept", "return", "reply", "follow_up"]}, "amount": {"type": "integer"}, "unit": {"type": "string", "enum": ["minutes", "hours", "working_days", "calendar_days"]}}})),
                "responses": { "200": ok("规则", json!({"type": "object"})), "401": err(), "403": err(), "422": err() } } },
            "/calendar": { "get": { "tags": ["configuration"], "summary": "节假日与调休日历", "parameters": [q("year", "integer", "年份")], "responses": { "200": ok("日历", json!({"type": "object"})), "401": err() } },
                "post": { "tags": ["configuration"], "summary": "导入或修改日历（管理员）", "requestBody": body(json!({"type": "object", "required": ["days"], "properties": {"days": {"type": "array", "items": {"type": "object", "required": ["date", "kind"], "properties": {"date": {"type": "string", "format": "date"}, "kind": {"type": "string", "enum": ["holiday", "workday"]}, "name": {"type": "string"}}}}}})),
                    "responses": { "200": ok("写入天数", json!({"type": "object"})), "401": err(), "403": err(), "422": err() } } },
            "/audit": { "get": { "tags": ["configuration"], "summary": "审计日志（管理员，只增不改）", "parameters": [q("limit", "integer", "条数，最多 1000")], "responses": { "200": ok("日志", json!({"type": "object"})), "401": err(), "403": err() } } },
            "/public/cases": { "post": { "tags": ["public"], "summary": "群众反映问题（网上留言、民情码）", "security": [],
                "requestBody": body(json!({"$ref": "#/components/schemas/Intake"})),
                "responses": { "201": ok("工单编号", json!({"type": "object", "properties": {"case_no": {"type": "string"}}})), "400": err(), "403": err(), "422": err() } } },
            "/public/cases/{case_no}": { "get": { "tags": ["public"], "summary": "群众查询办理进度", "security": [],
                "parameters": [{ "name": "case_no", "in": "path", "required": true, "schema": { "type": "string" } }, { "name": "phone_tail", "in": "query", "required": true, "schema": { "type": "string" }, "description": "登记手机号后四位" }],
                "responses": { "200": ok("进度", json!({"type": "object"})), "400": err(), "404": err(), "422": err() } } }
        }
    })
}
