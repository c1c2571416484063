//! Administration pages, one module per thing administered. Every change goes through the same
//! services as the API, with the same scope rules and audit entries; a refused form comes back
//! as its page with the reason and what was typed.

pub mod calendar;
pub mod categories;
pub mod checklists;
pub mod clients;
pub mod hotline;
pub mod models;
pub mod notifications;
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
            Capability::SetInspectionPolicy,
            "/admin/checklists",
            "检查表",
            "各类场所的检查项与严重程度，按版本发布",
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
        (
            Capability::ResendNotifications,
            "/admin/notifications",
            "短信发送失败",
            "未能送达群众的告知，排除原因后重新发送",
        ),
        (
            Capability::ViewAuditLog,
            "/admin/audit",
            "审计日志",
            "谁在何时改了什么、失败的登录",
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

/// What an audit entry's action was, in words.
fn action_label(action: &str) -> &str {
    match action {
        "user.create" => "新增用户",
        "user.disable" => "停用用户",
        "user.enable" => "启用用户",
        "auth.login_failed" => "登录失败",
        "region.create" => "新增区域",
        "region.centre" => "设置村的位置",
        "unit.create" => "新增单位",
        "category.create" => "新增分类",
        "category.attribute" => "新增分类问题",
        "policy.set" => "设置时限",
        "calendar.import" => "导入节假日",
        "api_client.create" => "发放接口密钥",
        "api_client.revoke" => "吊销接口密钥",
        "case.amend" => "修改未受理工单",
        "triage_model.train" => "训练分类模型",
        "triage_model.activate" => "启用分类模型",
        "duplicate.dismiss" => "驳回合并建议",
        "place.create" => "登记场所",
        "place.update" => "更正场所信息",
        "place.regrade" => "调整风险等级",
        "places.policy" => "设置检查频次",
        "checklist.version" => "发布检查表新版本",
        "patrol.create" => "设置巡查日",
        other => other,
    }
}

#[derive(serde::Deserialize, Default)]
pub struct AuditQuery {
    page: Option<String>,
}

/// The audit trail, newest first, fifty to a page: who changed what, and refused logins.
pub async fn audit(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::extract::Query(q): axum::extract::Query<AuditQuery>,
) -> WebResult<axum::response::Response> {
    const PAGE: u32 = 50;
    let page_no = q
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1)
        .max(1);
    let page = app.admin.audit_page(&staff.actor, page_no, PAGE).await?;
    let entries: Vec<Value> = page
        .items
        .iter()
        .map(|e| {
            json!({
                "at": e.at,
                "actor": e.actor_name,
                "action": action_label(&e.action),
                "target": e.target,
                "detail": e.detail,
            })
        })
        .collect();
    let pages = page.total.div_ceil(u64::from(PAGE)).max(1);
    Ok(admin_page(
        &app,
        &staff,
        "admin/audit.html",
        "审计日志",
        json!({"entries": entries, "page": page.page, "pages": pages, "total": page.total}),
        None,
        None,
    ))
}
