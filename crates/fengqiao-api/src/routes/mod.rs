//! The JSON API's route table: one module per resource, each listing its endpoints — path,
//! method, handler and OpenAPI operation together. The router and the OpenAPI document are both
//! built from [`all`], so nothing is served that is not described, or described and not served.

mod auth;
mod campaigns;
mod cases;
mod clients;
mod config;
mod kpis;
mod meta;
mod notifications;
mod org;
mod patrols;
mod places;
mod public;
mod triage;

pub(crate) use crate::extract::{ApiJson, ApiPath, ApiQuery, Auth, ClientAddr};
pub(crate) use crate::{dto, ApiError, ApiResult};
pub(crate) use axum::extract::State;
pub(crate) use axum::http::{HeaderMap, StatusCode};
pub(crate) use axum::response::{IntoResponse, Response};
pub(crate) use axum::Json;
pub(crate) use fengqiao_app::{App, IntakeInput};
pub(crate) use fengqiao_domain::calendar::{CalendarDay, DayKind};
pub(crate) use fengqiao_domain::case::{CaseState, Channel, Priority};
pub(crate) use fengqiao_domain::deadline::{LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
pub(crate) use fengqiao_domain::ids::{CaseId, CategoryId, RegionId, UnitId};
pub(crate) use fengqiao_domain::org::{Platform, RegionLevel, Role, UnitKind};
pub(crate) use fengqiao_store::CaseFilter;
pub(crate) use serde::Deserialize;
pub(crate) use serde_json::{json, Value};
pub(crate) use std::sync::Arc;

pub(crate) use cases::internal;

use axum::handler::Handler;
use axum::routing::{self, MethodRouter};

/// One operation of the API.
pub(crate) struct Endpoint {
    pub path: &'static str,
    /// `get` or `post`, as OpenAPI names it.
    pub method: &'static str,
    pub handler: MethodRouter<Arc<App>>,
    /// The OpenAPI operation object.
    pub doc: Value,
}

impl Endpoint {
    pub(crate) fn get<H, T>(path: &'static str, handler: H, doc: Value) -> Self
    where
        H: Handler<T, Arc<App>>,
        T: 'static,
    {
        Endpoint {
            path,
            method: "get",
            handler: routing::get(handler),
            doc,
        }
    }

    pub(crate) fn post<H, T>(path: &'static str, handler: H, doc: Value) -> Self
    where
        H: Handler<T, Arc<App>>,
        T: 'static,
    {
        Endpoint {
            path,
            method: "post",
            handler: routing::post(handler),
            doc,
        }
    }
}

/// Every endpoint of `/api/v1`, resource by resource.
pub(crate) fn all() -> Vec<Endpoint> {
    [
        meta::endpoints(),
        auth::endpoints(),
        cases::endpoints(),
        public::endpoints(),
        triage::endpoints(),
        clients::endpoints(),
        notifications::endpoints(),
        org::endpoints(),
        config::endpoints(),
        places::endpoints(),
        campaigns::endpoints(),
        patrols::endpoints(),
        kpis::endpoints(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

// ---- OpenAPI building blocks for the operations

pub(crate) fn err() -> Value {
    json!({ "description": "错误", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } })
}

pub(crate) fn ok(desc: &str, schema: Value) -> Value {
    json!({ "description": desc, "content": { "application/json": { "schema": schema } } })
}

pub(crate) fn body(schema: Value) -> Value {
    json!({ "required": true, "content": { "application/json": { "schema": schema } } })
}

pub(crate) fn id_param(name: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "schema": { "type": "integer" } })
}

pub(crate) fn q(name: &str, ty: &str, desc: &str) -> Value {
    json!({ "name": name, "in": "query", "required": false, "schema": { "type": ty }, "description": desc })
}

pub(crate) fn list(tag: &str, summary: &str) -> Value {
    json!({ "tags": [tag], "summary": summary, "responses": { "200": ok("列表", json!({"type": "object", "properties": {"items": {"type": "array", "items": {"type": "object"}}}})), "401": err() } })
}

pub(crate) fn create(tag: &str, summary: &str, schema: Value) -> Value {
    json!({ "tags": [tag], "summary": summary, "requestBody": body(schema), "responses": { "201": ok("已创建", json!({"type": "object"})), "401": err(), "403": err(), "409": err(), "422": err() } })
}
