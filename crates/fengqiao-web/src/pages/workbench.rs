//! The workbench: the queues of what this user must do now, with counts on the tabs and the
//! most urgent first, and a search over everything the user may see.

use crate::render::{self, Page};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Query, State};
use axum::Form;
use fengqiao_app::App;
use fengqiao_domain::case::{CaseState, Channel};
use fengqiao_domain::deadline::OverdueLevel;
use fengqiao_domain::ids::{CaseId, RegionId, UnitId};
use fengqiao_domain::lifecycle::Action;
use fengqiao_domain::org::{Actor, ActorRole, RegionLevel, Role};
use fengqiao_store::CaseFilter;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// One tab of the workbench.
struct Queue {
    key: &'static str,
    label: &'static str,
    states: &'static [CaseState],
    overdue: Option<OverdueLevel>,
    listed: Option<bool>,
    extension_pending: bool,
    merge_proposed: bool,
    /// What reporters added in the last week.
    supplemented: bool,
}

const OPEN: &[CaseState] = &[
    CaseState::Reported,
    CaseState::Registered,
    CaseState::Dispatched,
    CaseState::ReturnRequested,
    CaseState::Accepted,
    CaseState::InProgress,
    CaseState::Replied,
    CaseState::Reviewed,
    CaseState::FollowedUp,
];

const fn queue(key: &'static str, label: &'static str, states: &'static [CaseState]) -> Queue {
    Queue {
        key,
        label,
        states,
        overdue: None,
        listed: None,
        extension_pending: false,
        merge_proposed: false,
        supplemented: false,
    }
}

const EXTENSIONS: Queue = Queue {
    extension_pending: true,
    ..queue("extensions", "延期申请", OPEN)
};

const YELLOW: Queue = Queue {
    overdue: Some(OverdueLevel::Yellow),
    ..queue("yellow", "即将超期", OPEN)
};
const RED: Queue = Queue {
    overdue: Some(OverdueLevel::Red),
    ..queue("red", "已超期", OPEN)
};

/// The queues a user works from, in the order of their day.
fn queues(actor: &Actor) -> Vec<Queue> {
    use CaseState as S;
    let role = match actor.role {
        ActorRole::User(r) => r,
        _ => return Vec::new(),
    };
    if fengqiao_domain::access::sees_own_village(actor) {
        // A village committee: what was sent to it, then the whole village's open cases.
        return vec![
            queue("to_accept", "待签收", &[S::Dispatched]),
            queue("handling", "办理中", &[S::Accepted, S::InProgress]),
            RED,
            YELLOW,
            queue("village", "本村在办", OPEN),
        ];
    }
    match role {
        Role::Operator | Role::Admin => vec![
            queue("reported", "待受理", &[S::Reported]),
            queue("registered", "待派单", &[S::Registered]),
            RED,
            YELLOW,
            queue("return", "退单申请", &[S::ReturnRequested]),
            EXTENSIONS,
            Queue {
                supplemented: true,
                ..queue("supplements", "补充诉求", &[])
            },
            Queue {
                merge_proposed: true,
                ..queue("merges", "合并建议", OPEN)
            },
            queue("review", "待审核", &[S::Replied]),
            queue("follow_up", "待回访", &[S::Reviewed]),
        ],
        Role::UnitStaff | Role::GridWorker => vec![
            queue("to_accept", "待签收", &[S::Dispatched]),
            queue("handling", "办理中", &[S::Accepted, S::InProgress]),
            RED,
            YELLOW,
            queue("returning", "退单申请中", &[S::ReturnRequested]),
        ],
        Role::Leader => vec![
            RED,
            YELLOW,
            EXTENSIONS,
            Queue {
                listed: Some(true),
                ..queue("listed", "挂牌督办", OPEN)
            },
            queue("open", "在办", OPEN),
        ],
    }
}

#[derive(Deserialize, Default)]
pub struct WorkbenchQuery {
    queue: Option<String>,
    /// Search: ticket or 12345 number, text, or (for the centre) a phone number.
    q: Option<String>,
    state: Option<String>,
    /// Strings, since an empty choice in the filter form sends an empty value.
    region_id: Option<String>,
    unit_id: Option<String>,
    /// Received on or after this China-time date (`2026-11-01`).
    from: Option<String>,
    /// Received on or before this China-time date.
    to: Option<String>,
    page: Option<String>,
}

/// A China-time date from a date field: the instant its day starts (`days_after` days later).
fn day_start(s: &str, days_after: i64) -> Option<fengqiao_domain::Timestamp> {
    let d = chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()?;
    (d + chrono::Duration::days(days_after))
        .and_hms_opt(0, 0, 0)?
        .and_local_timezone(fengqiao_domain::china_offset())
        .single()
        .map(|t| t.with_timezone(&chrono::Utc))
}

const PAGE_SIZE: u32 = 50;

pub async fn workbench(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(query): Query<WorkbenchQuery>,
) -> WebResult<Page> {
    render_workbench(&app, &staff, query, None).await
}

/// What a queue offers to do to many cases at once: dispatching what is registered, urging
/// what is late. Each case is still its own action, decided on its stored state.
fn bulk_action(queue: &str, actor: &Actor) -> Option<&'static str> {
    let centre = matches!(actor.role, ActorRole::User(Role::Operator | Role::Admin));
    let urges = centre || actor.role == ActorRole::User(Role::Leader);
    match queue {
        "registered" if centre => Some("dispatch"),
        "red" | "yellow" if urges => Some("urge"),
        _ => None,
    }
}

/// Acts on the cases ticked in a queue, one action each; the queue again with what was done
/// and, case by case, what was not and why.
pub async fn bulk(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> WebResult<Page> {
    let get = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    staff.check_csrf(get("_csrf").unwrap_or(""))?;
    let queue = get("queue").unwrap_or("").to_string();
    let query = WorkbenchQuery {
        queue: Some(queue.clone()),
        ..WorkbenchQuery::default()
    };
    let Some(kind) = bulk_action(&queue, &staff.actor) else {
        return Err(WebError::Forbidden("这个队列不能批量操作".into()));
    };
    let ids: Vec<i64> = form
        .iter()
        .filter(|(k, _)| k == "case")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let action = match kind {
        "dispatch" => match get("unit_id").and_then(|u| u.parse::<i64>().ok()) {
            Some(u) => Action::Dispatch {
                unit_id: UnitId(u),
                co_units: Vec::new(),
                remark: None,
            },
            None => {
                let flash = json!({"ok": false, "message": "请选择承办单位"});
                return render_workbench(&app, &staff, query, Some(flash)).await;
            }
        },
        _ => Action::Urge {
            remark: Some("批量催办".into()),
        },
    };
    if ids.is_empty() {
        let flash = json!({"ok": false, "message": "请先勾选工单"});
        return render_workbench(&app, &staff, query, Some(flash)).await;
    }
    let (mut done, mut failed) = (0, Vec::new());
    for id in ids {
        match app
            .actions
            .act(&staff.actor, CaseId(id), action.clone())
            .await
        {
            Ok(_) => done += 1,
            Err(e) => failed.push(format!("工单 {id}：{e}")),
        }
    }
    let label = if kind == "dispatch" {
        "派单"
    } else {
        "催办"
    };
    let flash = json!({
        "ok": failed.is_empty(),
        "message": format!("已{label} {done} 件{}", if failed.is_empty() { String::new() } else { format!("，{} 件未执行", failed.len()) }),
        "details": failed,
    });
    render_workbench(&app, &staff, query, Some(flash)).await
}

async fn render_workbench(
    app: &App,
    staff: &Staff,
    query: WorkbenchQuery,
    flash: Option<Value>,
) -> WebResult<Page> {
    let queues = queues(&staff.actor);
    let region_id = query
        .region_id
        .as_deref()
        .and_then(|r| r.parse::<i64>().ok());
    let page_no = query
        .page
        .as_deref()
        .and_then(|p| p.parse::<u32>().ok())
        .unwrap_or(1);
    let unit_id = query.unit_id.as_deref().and_then(|u| u.parse::<i64>().ok());
    let given = |v: &Option<String>| v.as_deref().is_some_and(|s| !s.trim().is_empty());
    let searching = given(&query.q)
        || given(&query.state)
        || given(&query.from)
        || given(&query.to)
        || region_id.is_some()
        || unit_id.is_some();
    let current = if searching {
        "search".to_string()
    } else {
        query
            .queue
            .clone()
            .filter(|k| k == "all" || queues.iter().any(|q| q.key == k))
            .unwrap_or_else(|| queues[0].key.to_string())
    };
    // Every tab's count in one read.
    let counts = app
        .queries
        .count_each(
            &staff.actor,
            queues
                .iter()
                .map(|q| filter_of(q, app.core.now()))
                .collect(),
        )
        .await?;
    let tabs: Vec<Value> = queues
        .iter()
        .zip(counts)
        .map(|(q, count)| {
            json!({"key": q.key, "label": q.label, "count": count, "alert": q.key == "red" && count > 0})
        })
        .collect();
    let mut filter = match queues.iter().find(|q| q.key == current) {
        Some(q) => CaseFilter {
            urgent_first: true,
            ..filter_of(q, app.core.now())
        },
        None => CaseFilter::default(),
    };
    let mut notice = None;
    if searching {
        filter.q = query
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        if let Some(s) = query.state.as_deref().filter(|s| !s.is_empty()) {
            match CaseState::parse(s) {
                Some(s) => filter.states = vec![s],
                None => notice = Some(format!("没有「{s}」这个状态")),
            }
        }
        filter.region_id = region_id.map(RegionId);
        filter.unit_id = unit_id.map(UnitId);
        for (field, days_after, what) in [(&query.from, 0, "起始日期"), (&query.to, 1, "截止日期")]
        {
            let Some(text) = field.as_deref().filter(|s| !s.trim().is_empty()) else {
                continue;
            };
            match day_start(text, days_after) {
                Some(t) if days_after == 0 => filter.created_from = Some(t),
                Some(t) => filter.created_to = Some(t),
                None => {
                    notice = Some(format!(
                        "{what}「{text}」不是有效日期，请按 2026-11-01 的格式填写"
                    ))
                }
            }
        }
    }
    // The pager keeps the search.
    let kept: Vec<String> = [
        ("queue", Some(current.clone())),
        ("q", query.q.clone()),
        ("state", query.state.clone()),
        ("region_id", region_id.map(|r| r.to_string())),
        ("unit_id", unit_id.map(|u| u.to_string())),
        ("from", query.from.clone()),
        ("to", query.to.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| {
        v.filter(|v| !v.trim().is_empty())
            .map(|v| format!("{k}={}", super::url_encode(v.trim())))
    })
    .collect();
    filter.page = page_no.max(1);
    filter.page_size = PAGE_SIZE;
    let page = match app.queries.list_cases(&staff.actor, filter).await {
        Ok(p) => p,
        // A search the user may not run (by phone number, outside the centre) is said on the
        // page, with the rest of the workbench still there.
        Err(e @ fengqiao_app::AppError::Forbidden(_)) => {
            notice = Some(e.to_string());
            fengqiao_store::Page {
                items: Vec::new(),
                total: 0,
                page: 1,
                page_size: PAGE_SIZE,
            }
        }
        Err(e) => return Err(WebError::from(e)),
    };
    let regions: Vec<_> = app
        .core
        .regions()
        .iter()
        .filter(|r| matches!(r.level, RegionLevel::Village | RegionLevel::Community))
        .filter(|r| r.path.starts_with(&staff.actor.region_path))
        .map(|r| json!({"id": r.id.0, "name": r.name}))
        .collect();
    let states: Vec<_> = CaseState::ALL
        .iter()
        .map(|s| json!({"value": s.as_str(), "label": s.label()}))
        .collect();
    let pages = page.total.div_ceil(PAGE_SIZE as u64).max(1);
    let saved: Vec<Value> = app
        .saved_filters
        .list(&staff.actor)
        .await?
        .into_iter()
        .map(|f| json!({"id": f.id, "name": f.name, "query": f.query}))
        .collect();
    // What a search saves: its fields, not the page it is on.
    let savable = searching.then(|| {
        kept.iter()
            .filter(|kv| !kv.starts_with("queue="))
            .cloned()
            .collect::<Vec<_>>()
            .join("&")
    });
    // Notices that never reached the reporter: the centre's to act on, so it is told here.
    let undelivered = if fengqiao_domain::access::require(
        &staff.actor,
        fengqiao_domain::access::Capability::ResendNotifications,
    )
    .is_ok()
    {
        app.notifier.failed_count(&staff.actor).await?
    } else {
        0
    };
    let field_tasks = super::places::field_tasks(app, staff).await?;
    Ok(render::timed_page(
        app,
        "workbench.html",
        json!({
            "title": "工作台",
            "staff": staff.frame(app),
            "tabs": tabs,
            "current": current,
            "cases": page.items.iter().map(|c| {
                let mut v = json!(c);
                v["channel_label"] = json!(Channel::parse(c.channel).map_or(c.channel, |ch| ch.label()));
                v
            }).collect::<Vec<_>>(),
            "total": page.total,
            "page": page.page,
            "pages": pages,
            "query": {"q": query.q, "state": query.state, "region_id": region_id, "unit_id": unit_id, "from": query.from, "to": query.to},
            "kept": kept.join("&"),
            "saved": saved,
            "savable": savable,
            "regions": regions,
            "states": states,
            "notice": notice,
            "undelivered": undelivered,
            "field_tasks": field_tasks,
            "flash": flash,
            "bulk": bulk_action(&current, &staff.actor),
            "units": app.core.units().iter().map(|u| json!({"id": u.id.0, "name": u.name})).collect::<Vec<_>>(),
        }),
    ))
}

fn filter_of(q: &Queue, now: fengqiao_domain::Timestamp) -> CaseFilter {
    CaseFilter {
        // A queue of what reporters added lately lists every state: it is narrowed by events.
        states: if q.supplemented {
            Vec::new()
        } else {
            q.states.to_vec()
        },
        overdue: q.overdue,
        listed_supervision: q.listed,
        extension_pending: q.extension_pending,
        merge_proposed: q.merge_proposed,
        supplemented_since: q.supplemented.then(|| now - chrono::Duration::days(7)),
        ..CaseFilter::default()
    }
}

/// The search fields a saved filter may hold.
const FILTER_KEYS: &[&str] = &["queue", "q", "state", "region_id", "unit_id", "from", "to"];

/// Saves the search on the page under a name (常用筛选), then shows it.
pub async fn save_filter(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> WebResult<axum::response::Response> {
    use axum::response::{IntoResponse, Redirect};
    let get = |k: &str| f.get(k).map(|v| v.trim()).unwrap_or("");
    staff.check_csrf(get("_csrf"))?;
    let query = get("query");
    let known = query
        .split('&')
        .filter(|kv| !kv.is_empty())
        .all(|kv| FILTER_KEYS.contains(&kv.split('=').next().unwrap_or("")));
    let again = axum::http::Uri::try_from(format!("/workbench?{query}"))
        .ok()
        .and_then(|u| Query::<WorkbenchQuery>::try_from_uri(&u).ok())
        .filter(|_| known);
    let Some(Query(search)) = again else {
        return Err(WebError::Invalid("筛选条件有误，请重新搜索后再保存".into()));
    };
    match app
        .saved_filters
        .save(&staff.actor, get("name"), query)
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!("/workbench?{query}")).into_response()),
        Err(e) => {
            let e = WebError::from(e);
            if matches!(e, WebError::Internal(_) | WebError::Login { .. }) {
                return Err(e);
            }
            let flash = json!({"ok": false, "message": e.message()});
            let status = e.status();
            Ok(render_workbench(&app, &staff, search, Some(flash))
                .await?
                .status(status))
        }
    }
}

/// Deletes one of the user's saved searches.
pub async fn delete_filter(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(f): Form<std::collections::HashMap<String, String>>,
) -> WebResult<axum::response::Response> {
    use axum::response::{IntoResponse, Redirect};
    staff.check_csrf(f.get("_csrf").map(String::as_str).unwrap_or(""))?;
    app.saved_filters.delete(&staff.actor, id).await?;
    Ok(Redirect::to("/workbench").into_response())
}
