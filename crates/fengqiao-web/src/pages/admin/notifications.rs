//! Notifications that did not reach the reporter (短信发送失败): the centre sees each one with
//! its case, number, message and the gateway's last answer, and sends it again once the cause is
//! fixed (a gateway back up, a number corrected).

use super::{admin_page, field, settle};
use crate::session::Staff;
use crate::WebResult;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use fengqiao_app::App;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

async fn failed_page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
) -> WebResult<Response> {
    let failed = app.notifier.failed(&staff.actor).await?;
    let rows: Vec<Value> = failed
        .iter()
        .map(|(n, no)| {
            json!({
                "id": n.id,
                "case_id": n.case_id.0,
                "case_no": no.as_ref().map(|no| no.to_string()),
                "phone": n.phone,
                "message": n.message,
                "created_at": n.created_at,
                "attempts": n.attempts,
                "last_error": n.last_error,
            })
        })
        .collect();
    Ok(admin_page(
        app,
        staff,
        "admin/notifications.html",
        "短信发送失败",
        json!({"failed": rows}),
        flash,
        None,
    ))
}

pub async fn notifications(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    failed_page(&app, &staff, None).await
}

/// Puts a failed notification back in the queue; the next delivery pass sends it.
pub async fn resend(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let result = app.notifier.resend(&staff.actor, id).await;
    let flash = settle(result, |()| "已重新排队发送，约十秒内发出".to_string())?;
    failed_page(&app, &staff, Some(flash)).await
}
