//! The holiday calendar: which years are known, and importing the next one as published.

use crate::render;
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use fengqiao_app::App;
use fengqiao_domain::access::{require, Capability};
use serde_json::{json, Value};
use std::sync::Arc;

fn calendar_page(
    app: &App,
    staff: &Staff,
    flash: Option<Value>,
    status: StatusCode,
) -> WebResult<Response> {
    let calendar = app.core.calendar();
    let this_year = chrono::Datelike::year(&fengqiao_domain::deadline::local_date(app.core.now()));
    let years: Vec<Value> = (this_year - 1..=this_year + 1)
        .map(|y| json!({"year": y, "known": calendar.is_known_year(y)}))
        .collect();
    Ok(render::page(
        "admin/calendar.html",
        json!({"title": "节假日日历", "staff": staff.frame(app), "years": years, "flash": flash}),
    )
    .status(status))
}

pub async fn calendar(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    require(&staff.actor, Capability::MaintainCalendar)?;
    calendar_page(&app, &staff, None, StatusCode::OK)
}

/// Imports a year's official working-day calendar (`date,kind,name` lines, as published).
pub async fn calendar_import(
    State(app): State<Arc<App>>,
    staff: Staff,
    form: axum::extract::Multipart,
) -> WebResult<Response> {
    require(&staff.actor, Capability::MaintainCalendar)?;
    let bad = |message: String| {
        let flash = json!({"ok": false, "message": message});
        calendar_page(&app, &staff, Some(flash), StatusCode::UNPROCESSABLE_ENTITY)
    };
    let (fields, file) = match fengqiao_api::upload::read_file_form(form, 1024 * 1024).await {
        Ok(x) => x,
        Err(m) => return bad(m),
    };
    staff.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let Some((_, bytes)) = file else {
        return bad("请选择日历文件".into());
    };
    let Ok(text) = String::from_utf8(bytes) else {
        return bad("日历文件须为 UTF-8 编码的 CSV".into());
    };
    let days = match fengqiao_domain::calendar::parse_csv(&text) {
        Ok(d) => d,
        Err(m) => return bad(m),
    };
    match app.admin.import_calendar(&staff.actor, days).await {
        Ok(n) => {
            let flash = json!({"ok": true, "message": format!("已导入 {n} 天")});
            calendar_page(&app, &staff, Some(flash), StatusCode::OK)
        }
        Err(e) => {
            let e = WebError::from(e);
            if matches!(e, WebError::Internal(_)) {
                return Err(e);
            }
            let flash = json!({"ok": false, "message": e.message()});
            calendar_page(&app, &staff, Some(flash), e.status())
        }
    }
}
