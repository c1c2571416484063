//! Users: who has an account in the admin's region, adding one, and disabling someone who left
//! (their sessions end at once) or enabling them again. Every change goes through the same
//! services as the API, with the same scope rules and audit entries.

use crate::render::{self, Page};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Path, State};
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
        "admin/users.html",
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
