//! API clients (Open311 apps, the 12345 platform) and their keys: issue one (shown once, on
//! the page that answers the form, never again), see who has one and since when, revoke a key
//! that leaked or a client that left.

use super::{admin_page, field, settle};
use crate::pages::public_base;
use crate::session::Staff;
use crate::WebResult;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use fengqiao_app::App;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Fields = HashMap<String, String>;

async fn clients_page(
    app: &App,
    staff: &Staff,
    headers: &HeaderMap,
    flash: Option<(Value, StatusCode)>,
    issued: Option<Value>,
) -> WebResult<Response> {
    let clients = app.clients.list(&staff.actor).await?;
    let discovery = format!("{}/open311/v2/discovery.json", public_base(app, headers));
    Ok(admin_page(
        app,
        staff,
        "admin/clients.html",
        "接口接入方",
        json!({"clients": clients, "issued": issued, "open311": discovery}),
        flash,
        None,
    ))
}

pub async fn clients(
    State(app): State<Arc<App>>,
    staff: Staff,
    headers: HeaderMap,
) -> WebResult<Response> {
    clients_page(&app, &staff, &headers, None, None).await
}

/// Issues a key to a new client; the page shows it this once.
pub async fn create_client(
    State(app): State<Arc<App>>,
    staff: Staff,
    headers: HeaderMap,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let mut issued = None;
    let result = app
        .clients
        .issue_key(&staff.actor, &field(&f, "name"))
        .await;
    let flash = settle(result, |(client, key)| {
        issued = Some(json!({"name": client.name, "key": key}));
        format!(
            "已为「{}」发放密钥：请立即复制，离开本页后无法再次查看",
            client.name
        )
    })?;
    clients_page(&app, &staff, &headers, Some(flash), issued).await
}

/// Revokes a client's key: its next request is refused.
pub async fn revoke_client(
    State(app): State<Arc<App>>,
    staff: Staff,
    headers: HeaderMap,
    Path(id): Path<i64>,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let result = app.clients.revoke(&staff.actor, id).await;
    let flash = settle(result, |c| {
        format!("已吊销「{}」的密钥，其后续请求将被拒绝", c.name)
    })?;
    clients_page(&app, &staff, &headers, Some(flash), None).await
}
