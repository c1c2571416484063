//! The case page: the facts and deadlines at the top, the whole timeline, and exactly the
//! actions this user may take now — each with its own form, built from the API's field table.
//! A form posted from a page the case has since moved past is refused with the fresh page.

use crate::render::{self, Page};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use fengqiao_api::action_form::{form_fields, parse};
use fengqiao_app::App;
use fengqiao_domain::case::{Priority, Satisfaction};
use fengqiao_domain::ids::CaseId;
use fengqiao_domain::lifecycle::ActionKind;
use fengqiao_domain::org::RegionLevel;
use fengqiao_store::CaseFilter;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize)]
pub struct Done {
    done: Option<String>,
}

pub async fn case_page(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<Done>,
) -> WebResult<Page> {
    let flash = q
        .done
        .as_deref()
        .and_then(ActionKind::parse)
        .map(|k| match k {
            ActionKind::Intake => json!({"ok": true, "message": "已登记"}),
            k => json!({"ok": true, "message": format!("已{}", k.label())}),
        })
        .or_else(|| {
            (q.done.as_deref() == Some("dismissed"))
                .then(|| json!({"ok": true, "message": "已认定不是同一问题"}))
        });
    render_case(&app, &staff, CaseId(id), flash, None).await
}

/// The case page, with a message from the last action and the form values to keep.
async fn render_case(
    app: &App,
    staff: &Staff,
    id: CaseId,
    flash: Option<Value>,
    kept: Option<&HashMap<String, String>>,
) -> WebResult<Page> {
    let fengqiao_app::CasePage {
        view,
        events,
        notifications,
    } = app.queries.case_page(&staff.actor, id).await?;
    // What the reporters were told, and whether it reached them.
    let notifications: Vec<Value> = notifications
        .into_iter()
        .map(|n| {
            json!({
                "phone": n.phone,
                "message": n.message,
                "created_at": n.created_at,
                "sent_at": n.sent_at,
                "state": n.state.as_str(),
                "state_label": n.state.label(),
                "attempts": n.attempts,
                "last_error": n.last_error,
            })
        })
        .collect();
    let offers = app.actions.offered(&staff.actor, id).await?;
    // Open proposals that this case repeats another, with the other case beside it (those the
    // user may see).
    let mut duplicates = Vec::new();
    for p in view
        .duplicate_proposals
        .iter()
        .filter(|p| p.status == fengqiao_store::ProposalStatus::Open)
    {
        if let Ok(other) = app.queries.case_view(&staff.actor, p.candidate_id).await {
            duplicates.push(json!({
                "proposal": p.id,
                "similarity": (p.similarity * 100.0).round(),
                "id": other.case.id.0,
                "case_no": other.case.case_no.to_string(),
                "title": other.case.text.title,
                "body": other.case.text.body.chars().take(200).collect::<String>(),
                "state_label": other.state_label,
                "region_name": other.region_name,
                "created_at": other.case.created_at,
            }));
        }
    }
    let may_merge = offers.iter().any(|o| o.kind == ActionKind::Merge);
    let own_unit = staff.actor.unit_id;
    let units: Vec<Value> = app
        .core
        .units()
        .iter()
        .map(|u| json!({"id": u.id.0, "name": u.name, "own": Some(u.id) == own_unit}))
        .collect();
    let categories: Vec<Value> = app
        .core
        .categories()
        .iter()
        .map(|c| json!({"id": c.id.0, "name": c.name, "parent": c.parent_id.map(|p| p.0)}))
        .collect();
    let regions: Vec<Value> = app
        .core
        .regions()
        .iter()
        .filter(|r| r.level != RegionLevel::Town && r.path.starts_with(&staff.actor.region_path))
        .map(|r| json!({"id": r.id.0, "name": r.name, "level": r.level.label()}))
        .collect();
    let forms: Vec<Value> = offers
        .iter()
        .filter_map(|o| {
            let fields = form_fields(o.kind)?
                .into_iter()
                .filter(|f| f.name != "task_id")
                .collect::<Vec<_>>();
            Some(json!({
                "kind": o.kind.as_str(),
                "label": o.kind.label(),
                "task_id": o.task_id.map(|t| t.0),
                "fields": fields,
                "primary": is_primary(o.kind),
            }))
        })
        .collect();
    let priorities: Vec<Value> = Priority::ALL
        .iter()
        .map(|p| json!({"value": p.as_str(), "label": p.label()}))
        .collect();
    let satisfactions: Vec<Value> = Satisfaction::ALL
        .iter()
        .map(|s| json!({"value": s.as_str(), "label": s.label()}))
        .collect();
    let deadline = view.case.current_deadline().map(|(_, due)| {
        use fengqiao_domain::case::CaseState as S;
        let stage = match view.case.state {
            S::Dispatched => "签收时限",
            S::Replied | S::Reviewed => "回访时限",
            _ => "办结时限",
        };
        json!({
            "stage": stage,
            "due": due.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            "level": view.case.deadlines.overdue_level.as_str(),
        })
    });
    Ok(render::timed_page(
        app,
        "case.html",
        json!({
            "title": format!("{} {}", view.case.case_no, view.case.text.title),
            "staff": staff.frame(app),
            "case": view,
            "events": events,
            "notifications": notifications,
            "forms": forms,
            // Reviewed on the day of its reply: the follow-up call waits for tomorrow.
            "follow_up_from": follow_up_from(app, &view.case),
            "duplicates": duplicates,
            "may_merge": may_merge,
            "may_dismiss": fengqiao_domain::access::require(
                &staff.actor,
                fengqiao_domain::access::Capability::SettleDuplicates
            )
            .is_ok(),
            "units": units,
            "categories": categories,
            "regions": regions,
            "priorities": priorities,
            "satisfactions": satisfactions,
            "deadline": deadline,
            "flash": flash,
            "kept": kept,
        }),
    ))
}

#[derive(Deserialize)]
pub struct CsrfOnly {
    #[serde(default, rename = "_csrf")]
    csrf: String,
}

/// "Not the same problem": closes a duplicate proposal.
pub async fn dismiss_duplicate(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path((id, proposal)): Path<(i64, i64)>,
    Form(f): Form<CsrfOnly>,
) -> WebResult<Response> {
    staff.check_csrf(&f.csrf)?;
    match app
        .triage
        .dismiss_proposal(&staff.actor, CaseId(id), proposal)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/cases/{id}?done=dismissed")).into_response()),
        Err(e) => {
            let e = WebError::from(e);
            let flash = json!({"ok": false, "message": e.message()});
            Ok(render_case(&app, &staff, CaseId(id), Some(flash), None)
                .await?
                .status(e.status()))
        }
    }
}

/// A photo of a case the user may see.
pub async fn photo(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let p = app.queries.photo(&staff.actor, id).await?;
    let mut res = p.bytes.into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&p.content_type) {
        res.headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, v);
    }
    Ok(res)
}

/// The actions that move a case forward, shown first and in the primary colour.
fn is_primary(kind: ActionKind) -> bool {
    use ActionKind as K;
    matches!(
        kind,
        K::Register
            | K::Dispatch
            | K::Accept
            | K::Handle
            | K::Reply
            | K::ReviewPass
            | K::FollowUp
            | K::Close
            | K::AcceptTask
            | K::ReplyTask
    )
}

/// Takes one action from a case page's form.
pub async fn act(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Form(sent): Form<Vec<(String, String)>>,
) -> WebResult<Response> {
    // One value per field, except the co-units ticked, which are kept together.
    let mut form: HashMap<String, String> = HashMap::new();
    let mut co_units = Vec::new();
    for (k, v) in sent {
        if k == "co_unit" {
            co_units.push(v);
        } else {
            form.insert(k, v);
        }
    }
    form.insert("co_units".into(), co_units.join(","));
    staff.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let id = CaseId(id);
    let refuse =
        |status: StatusCode, message: String| refuse(&app, &staff, id, &form, status, message);
    // A form from a page the case has moved past acts on nothing: the fresh page says why.
    let current = app.queries.case_view(&staff.actor, id).await?.case;
    let sent_version = form.get("version").and_then(|v| v.parse::<i64>().ok());
    if sent_version != Some(current.version) {
        return refuse(
            StatusCode::CONFLICT,
            format!(
                "工单已有新的变化（当前状态：{}），您的操作没有执行；请查看最新情况后再操作",
                current.state.label()
            ),
        )
        .await;
    }
    let Some(kind) = form.get("action").and_then(|a| ActionKind::parse(a)) else {
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请选择要执行的操作".into(),
        )
        .await;
    };
    let body = match wire_form(&app, &staff, kind, &form).await {
        Ok(b) => b,
        Err(message) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, message).await,
    };
    let action = match parse(body) {
        Ok(a) => a,
        Err(e) => return refuse(e.status, e.message).await,
    };
    match app.actions.act(&staff.actor, id, action).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/cases/{}?done={}", id.0, kind.as_str())).into_response())
        }
        Err(e) => {
            let e = WebError::from(e);
            match e {
                WebError::Invalid(_) | WebError::Conflict(_) | WebError::Forbidden(_) => {
                    refuse(e.status(), e.message()).await
                }
                other => Err(other),
            }
        }
    }
}

/// The case page again, with why nothing was done and the form's values kept.
async fn refuse(
    app: &App,
    staff: &Staff,
    id: CaseId,
    form: &HashMap<String, String>,
    status: StatusCode,
    message: String,
) -> WebResult<Response> {
    let flash = json!({"ok": false, "message": message, "action": form.get("action")});
    let page = render_case(app, staff, id, Some(flash), Some(form)).await?;
    Ok(page.status(status))
}

/// The form's fields as the API's wire form: numbers as numbers, ticks as true, empty optional
/// fields left out, and a case to merge into named by its ticket number.
async fn wire_form(
    app: &App,
    staff: &Staff,
    kind: ActionKind,
    form: &HashMap<String, String>,
) -> Result<Value, String> {
    let mut body = Map::new();
    body.insert("action".into(), json!(kind.as_str()));
    for f in form_fields(kind).unwrap_or_default() {
        let raw = form.get(f.name).map(|v| v.trim()).unwrap_or("");
        if raw.is_empty() {
            if f.kind == "flag" {
                body.insert(f.name.into(), json!(false));
            }
            continue;
        }
        let value = match (f.name, f.kind) {
            ("into", _) => json!(case_id_of(app, staff, raw).await?.0),
            (_, "id") | (_, "count") => match raw.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => return Err(format!("「{}」须为数字", f.label)),
            },
            (_, "flag") => json!(matches!(raw, "on" | "true" | "1" | "yes")),
            // A date field: the end of that day in China time, as day-based limits end.
            (_, "time") => match chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
                Ok(d) => json!(format!("{d}T23:59:59+08:00")),
                Err(_) => return Err(format!("「{}」须为日期，如 2026-12-01", f.label)),
            },
            (_, "co_units") => {
                let instructions = form
                    .get("co_instructions")
                    .map(|v| v.trim())
                    .filter(|v| !v.is_empty())
                    .unwrap_or("请配合主办单位办理");
                let mut units = Vec::new();
                for u in raw.split(',') {
                    match u.parse::<i64>() {
                        Ok(u) => units.push(json!({"unit_id": u, "instructions": instructions})),
                        Err(_) => return Err("请重新选择协办单位".into()),
                    }
                }
                json!(units)
            }
            _ => json!(raw),
        };
        body.insert(f.name.into(), value);
    }
    Ok(Value::Object(body))
}

/// A case the user may see, by its ticket number (or its id).
async fn case_id_of(app: &App, staff: &Staff, no: &str) -> Result<CaseId, String> {
    if let Ok(id) = no.parse::<i64>() {
        return Ok(CaseId(id));
    }
    let filter = CaseFilter {
        case_nos: vec![no.to_uppercase()],
        page_size: 1,
        skip_total: true,
        ..CaseFilter::default()
    };
    match app.queries.list_cases(&staff.actor, filter).await {
        Ok(p) => p
            .items
            .first()
            .map(|c| CaseId(c.id))
            .ok_or_else(|| format!("找不到工单 {no}（请填写完整的工单编号）")),
        Err(e) => Err(e.to_string()),
    }
}

/// The day a reviewed case's follow-up call may be made, while that is still ahead.
fn follow_up_from(app: &App, case: &fengqiao_domain::case::Case) -> Option<String> {
    use fengqiao_domain::deadline::local_date;
    let replied = case.handling.replied_at?;
    let from = local_date(replied).succ_opt()?;
    (case.state == fengqiao_domain::case::CaseState::Reviewed && local_date(app.core.now()) < from)
        .then(|| from.format("%-m月%-d日").to_string())
}
