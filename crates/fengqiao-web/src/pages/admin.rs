//! Administration pages. Users: who has an account in the admin's region, adding one, and
//! disabling someone who left (their sessions end at once) or enabling them again. Every change
//! goes through the same services as the API, with the same scope rules and audit entries.

use crate::render::{self, Page};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use fengqiao_app::App;
use fengqiao_domain::access::{require, Capability};
use fengqiao_domain::ids::{RegionId, UnitId, UserId};
use fengqiao_domain::org::Role;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

async fn users_page(
    app: &App,
    staff: &Staff,
    flash: Option<Value>,
    kept: Option<&HashMap<String, String>>,
) -> WebResult<Page> {
    let users = app.admin.users(&staff.actor).await?;
    let regions = app.core.regions();
    let units = app.core.units();
    let region_name = |id: RegionId| regions.iter().find(|r| r.id == id).map(|r| r.name.clone());
    let unit_name = |id: Option<UnitId>| {
        id.and_then(|u| units.iter().find(|x| x.id == u))
            .map(|u| u.name.clone())
    };
    let rows: Vec<Value> = users
        .iter()
        .map(|u| {
            json!({
                "id": u.id.0,
                "username": u.username,
                "display_name": u.display_name,
                "role": u.role.label(),
                "region": region_name(u.region_id),
                "unit": unit_name(u.unit_id),
                "active": u.active,
                "me": staff.actor.user_id == Some(u.id),
            })
        })
        .collect();
    let may_manage = require(&staff.actor, Capability::ManageUsers).is_ok();
    let in_scope: Vec<Value> = regions
        .iter()
        .filter(|r| staff.actor.covers(Some(&r.path)))
        .map(|r| json!({"id": r.id.0, "name": r.name, "level": r.level.label()}))
        .collect();
    let unit_list: Vec<Value> = units
        .iter()
        .filter(|u| {
            regions
                .iter()
                .find(|r| r.id == u.region_id)
                .is_some_and(|r| staff.actor.covers(Some(&r.path)))
        })
        .map(|u| json!({"id": u.id.0, "name": u.name}))
        .collect();
    let roles: Vec<Value> = Role::ALL
        .iter()
        .map(|r| json!({"value": r.as_str(), "label": r.label()}))
        .collect();
    Ok(render::page(
        "admin_users.html",
        json!({
            "title": "用户管理",
            "staff": staff.frame(app),
            "users": rows,
            "may_manage": may_manage,
            "regions": in_scope,
            "units": unit_list,
            "roles": roles,
            "flash": flash,
            "form": kept,
        }),
    ))
}

#[derive(Deserialize)]
pub struct Added {
    added: Option<i64>,
}

pub async fn users(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<Added>,
) -> WebResult<Page> {
    let flash = q
        .added
        .map(|_| json!({"ok": true, "message": "已新增用户，请把用户名和初始密码告知本人"}));
    users_page(&app, &staff, flash, None).await
}

/// Adds a user; a refused form comes back with what to fix and what was typed (never the
/// password).
pub async fn create_user(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(mut f): Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(f.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let get = |k: &str| f.get(k).map(|v| v.trim().to_string()).unwrap_or_default();
    let role = Role::parse(&get("role"));
    let region = get("region_id").parse::<i64>().ok();
    let unit = get("unit_id").parse::<i64>().ok();
    let result = match (role, region) {
        (Some(role), Some(region)) => app
            .admin
            .create_user(
                &staff.actor,
                &get("username"),
                &get("display_name"),
                f.get("password").map(String::as_str).unwrap_or(""),
                role,
                RegionId(region),
                unit.map(UnitId),
            )
            .await
            .map_err(WebError::from),
        _ => Err(WebError::Invalid("请选择角色和所属区域".into())),
    };
    f.remove("password");
    match result {
        Ok(u) => Ok(Redirect::to(&format!("/admin/users?added={}", u.id.0)).into_response()),
        Err(e @ (WebError::Invalid(_) | WebError::Forbidden(_) | WebError::Conflict(_))) => {
            let flash = json!({"ok": false, "message": e.message()});
            Ok(users_page(&app, &staff, Some(flash), Some(&f))
                .await?
                .status(e.status()))
        }
        Err(e) => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ActiveForm {
    #[serde(default, rename = "_csrf")]
    csrf: String,
    active: String,
}

/// Disables or enables a user.
pub async fn set_active(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<ActiveForm>,
) -> WebResult<Response> {
    staff.check_csrf(&f.csrf)?;
    let active = f.active == "true";
    match app
        .admin
        .set_user_active(&staff.actor, UserId(id), active)
        .await
    {
        Ok(u) => {
            let message = if active {
                format!("已启用 {}", u.display_name)
            } else {
                format!("已停用 {}，其登录已全部失效", u.display_name)
            };
            let flash = json!({"ok": true, "message": message});
            Ok(users_page(&app, &staff, Some(flash), None)
                .await?
                .into_response())
        }
        Err(e) => {
            let e = WebError::from(e);
            if matches!(e, WebError::Internal(_) | WebError::Login { .. }) {
                return Err(e);
            }
            let flash = json!({"ok": false, "message": e.message()});
            Ok(users_page(&app, &staff, Some(flash), None)
                .await?
                .status(e.status()))
        }
    }
}

/// Largest 12345 file accepted from the page (the workbook reader has limits of its own).
pub const IMPORT_LIMIT_BYTES: usize = 64 * 1024 * 1024;

fn hotline_page(app: &App, staff: &Staff, report: Option<Value>, error: Option<String>) -> Page {
    render::page(
        "admin_hotline.html",
        json!({"title": "12345 工单导入导出", "staff": staff.frame(app), "report": report, "error": error}),
    )
}

pub async fn hotline(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Page> {
    require(&staff.actor, Capability::ImportHotline)?;
    Ok(hotline_page(&app, &staff, None, None))
}

/// Imports a 12345 export (xlsx, xls, ods or CSV, told by its bytes); the page reports what
/// was created, updated or left, and every refused row with its column and reason.
pub async fn hotline_import(
    State(app): State<Arc<App>>,
    staff: Staff,
    form: axum::extract::Multipart,
) -> WebResult<Response> {
    require(&staff.actor, Capability::ImportHotline)?;
    let refuse =
        |message: String| {
            Ok(hotline_page(&app, &staff, None, Some(message))
                .status(StatusCode::UNPROCESSABLE_ENTITY))
        };
    let (fields, file) = match super::upload::read_file_form(form, IMPORT_LIMIT_BYTES).await {
        Ok(x) => x,
        Err(m) => return refuse(m),
    };
    staff.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let Some((_, bytes)) = file else {
        return refuse("请选择要导入的文件".into());
    };
    let dry_run = fields.contains_key("dry_run");
    let mapping = fengqiao_app::hotline::Mapping::default();
    // Reading a workbook is CPU work: off the request threads.
    let (orders, errors) = tokio::task::spawn_blocking(move || {
        let zip = bytes.starts_with(b"PK\x03\x04");
        let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]);
        let m = fengqiao_app::hotline::Mapping::default();
        if zip || ole {
            fengqiao_app::hotline::read_workbook(&bytes, &m)
        } else {
            fengqiao_app::hotline::read_csv(bytes.as_slice(), &m)
        }
    })
    .await
    .map_err(|e| WebError::Internal(format!("reading the file: {e}")))?;
    let report = app
        .hotline
        .import(&staff.actor, orders, errors, &mapping, dry_run)
        .await?;
    let report = json!(report);
    Ok(hotline_page(&app, &staff, Some(report), None).into_response())
}

/// Every case with its reply, in the 12345 layout, as a workbook to download.
pub async fn hotline_export(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    use axum::http::{header, HeaderValue};
    let mut out = Vec::new();
    app.hotline
        .export(
            &staff.actor,
            std::io::Cursor::new(&mut out),
            fengqiao_app::hotline::ExportFormat::Xlsx,
        )
        .await?;
    let mut res = out.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"cases-12345.xlsx\""),
    );
    Ok(res)
}

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
        "admin_calendar.html",
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
    let (fields, file) = match super::upload::read_file_form(form, 1024 * 1024).await {
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
