//! Administration pages, one module per thing administered. Every change goes through the same
//! services as the API, with the same scope rules and audit entries; a refused form comes back
//! as its page with the reason and what was typed.

pub mod calendar;
pub mod categories;
pub mod clients;
pub mod hotline;
pub mod models;
pub mod org;
pub mod users;

use crate::render::{self, Page};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::State;
use axum::http::StatusCode;
use fengqiao_app::App;
use fengqiao_domain::access::{require, Capability};
use serde_json::{json, Value};
use std::sync::Arc;

/// The administration index: the sections this user may open, each with what it is for.
pub async fn index(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Page> {
    let may = |c| require(&staff.actor, c).is_ok();
    let sections: Vec<Value> = [
        (
            Capability::ViewUsers,
            "/admin/users",
            "用户与角色",
            "新增账号、停用离职人员",
        ),
        (
            Capability::ManageRegions,
            "/admin/regions",
            "区域与网格",
            "乡镇、村（社区）、网格，及村的地图位置",
        ),
        (
            Capability::ManageUnits,
            "/admin/units",
            "承办单位",
            "四平台下的部门、站所与村（社区）",
        ),
        (
            Capability::ManageCategories,
            "/admin/categories",
            "诉求分类",
            "分类、默认承办单位、附加问题",
        ),
        (
            Capability::SetTimeLimits,
            "/admin/policies",
            "办理时限",
            "签收、退单、办结、回访时限",
        ),
        (
            Capability::MaintainCalendar,
            "/admin/calendar",
            "节假日日历",
            "导入每年的法定节假日安排",
        ),
        (
            Capability::ViewApiClients,
            "/admin/clients",
            "接口接入方",
            "Open311 与外部系统的接口密钥",
        ),
        (
            Capability::ViewModels,
            "/admin/models",
            "智能分类模型",
            "训练、比较与启用模型",
        ),
        (
            Capability::ImportHotline,
            "/admin/hotline",
            "12345 工单",
            "导入 12345 工单、导出办理结果",
        ),
    ]
    .into_iter()
    .filter(|(c, ..)| may(*c))
    .map(|(_, href, name, what)| json!({"href": href, "name": name, "what": what}))
    .collect();
    if sections.is_empty() {
        return Err(WebError::Forbidden("无权进入系统管理".into()));
    }
    Ok(render::page(
        "admin/index.html",
        json!({"title": "系统管理", "staff": staff.frame(&app), "sections": sections}),
    ))
}

/// An administration page: `ctx` plus the staff frame, the title, the outcome of the form just
/// sent (if any) in its status, and — when it was refused — what was typed, to correct.
pub(crate) fn admin_page(
    app: &App,
    staff: &Staff,
    template: &str,
    title: &str,
    mut ctx: Value,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&std::collections::HashMap<String, String>>,
) -> axum::response::Response {
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    let refused = flash.as_ref().is_some_and(|f| f["ok"] == false);
    ctx["title"] = json!(title);
    ctx["staff"] = staff.frame(app);
    ctx["flash"] = json!(flash);
    ctx["form"] = json!(kept.filter(|_| refused));
    render::page(template, ctx).status(status)
}

/// A form's outcome as the page shows it: the message of what was done, or the reason it was
/// refused in the status that says why (faults and ended sessions stay errors of their own).
pub(crate) fn settle<T, E: Into<WebError>>(
    result: Result<T, E>,
    message: impl FnOnce(T) -> String,
) -> WebResult<(Value, StatusCode)> {
    match result {
        Ok(v) => Ok(done(message(v))),
        Err(e) => refusal(e),
    }
}

/// What a refused form shows: the reason as a message, in the status that says why. Failures
/// that are not about the form (a fault, an ended session) stay errors of their own.
pub(crate) fn refusal(e: impl Into<WebError>) -> WebResult<(Value, StatusCode)> {
    match e.into() {
        e @ (WebError::Internal(_) | WebError::Login { .. }) => Err(e),
        e => Ok((json!({"ok": false, "message": e.message()}), e.status())),
    }
}

/// A done form's message.
pub(crate) fn done(message: impl Into<String>) -> (Value, StatusCode) {
    (
        json!({"ok": true, "message": message.into()}),
        StatusCode::OK,
    )
}

/// A form's field, trimmed ("" when absent).
pub(crate) fn field(f: &std::collections::HashMap<String, String>, k: &str) -> String {
    f.get(k).map(|v| v.trim().to_string()).unwrap_or_default()
}

/// An optional id field: empty means none; anything else must be a number.
pub(crate) fn optional_id(
    f: &std::collections::HashMap<String, String>,
    k: &str,
    what: &str,
) -> Result<Option<i64>, WebError> {
    match field(f, k).as_str() {
        "" => Ok(None),
        v => v
            .parse()
            .map(Some)
            .map_err(|_| WebError::Invalid(format!("请重新选择{what}"))),
    }
}
