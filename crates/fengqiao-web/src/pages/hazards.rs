//! Hazards (隐患): the lists by stage of the loop, and a hazard's page with its history, its
//! evidence photos and the steps the viewer may take now.

use super::admin::{done, refusal};
use super::places::hazard_row;
use crate::render;
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_api::upload::read_form;
use fengqiao_app::App;
use fengqiao_domain::ids::HazardId;
use fengqiao_domain::places::{HazardActionKind, HazardState};
use fengqiao_store::HazardFilter;
use serde::Deserialize;
use serde_json::{json, Map, Value};
use std::sync::Arc;

const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    tab: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

/// The lists, in the order of the loop.
const TABS: &[(&str, &str)] = &[
    ("open", "未销号"),
    ("found", "待交办"),
    ("assigned", "整改中"),
    ("rectified", "待复查"),
    ("rechecked", "待销号"),
    ("overdue", "逾期未整改"),
    ("relapse", "回潮"),
    ("signed_off", "已销号"),
];

fn filter_for(tab: &str, now: fengqiao_domain::Timestamp) -> HazardFilter {
    let mut f = HazardFilter::default();
    match tab {
        "overdue" => f.overdue_at = Some(now),
        "relapse" => f.relapse = true,
        "open" => f.open = true,
        s => f.state = HazardState::parse(s),
    }
    f
}

pub async fn hazards(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    let now = app.core.now();
    let tab = q
        .tab
        .as_deref()
        .filter(|t| TABS.iter().any(|(k, _)| k == t))
        .unwrap_or("open");
    let c = app.hazards.counts(&staff.actor).await?;
    let mut tabs = Vec::new();
    for (key, label) in TABS {
        let n = match *key {
            "open" => c.open(),
            "found" => c.found,
            "assigned" => c.assigned,
            "rectified" => c.rectified,
            "rechecked" => c.rechecked,
            "overdue" => c.overdue,
            "relapse" => c.relapse,
            _ => c.signed_off,
        };
        tabs.push(json!({"key": key, "label": label, "count": n, "current": *key == tab, "alert": *key == "overdue" && n > 0}));
    }
    let mut f = filter_for(tab, now);
    f.page = q.page.unwrap_or(1);
    f.page_size = PAGE_SIZE;
    let listed = app.hazards.list(&staff.actor, None, f).await?;
    let mut rows = Vec::new();
    for h in &listed.items {
        let mut v = hazard_row(&app, h);
        // One read per row for the place's name, not its whole page.
        if let Ok(p) = app.places.brief(&staff.actor, h.place_id).await {
            v["place_name"] = json!(p.name);
            v["region_name"] = json!(app
                .core
                .regions()
                .iter()
                .find(|r| r.id == p.region_id)
                .map(|r| r.name.clone()));
        }
        rows.push(v);
    }
    let pages = listed.total.div_ceil(PAGE_SIZE as u64).max(1) as u32;
    Ok(render::page(
        "hazards/index.html",
        json!({
            "title": "隐患整改",
            "staff": staff.frame(&app),
            "tabs": tabs,
            "tab": tab,
            "hazards": rows,
            "total": listed.total,
            "prev": (listed.page > 1).then(|| format!("/hazards?tab={tab}&page={}", listed.page - 1)),
            "next": (listed.page < pages).then(|| format!("/hazards?tab={tab}&page={}", listed.page + 1)),
        }),
    )
    .into_response())
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn hazard_page(
    app: &App,
    staff: &Staff,
    id: HazardId,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&std::collections::HashMap<String, String>>,
) -> WebResult<Response> {
    let sheet = app.hazards.get(&staff.actor, id).await?;
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    let events: Vec<Value> = sheet
        .events
        .iter()
        .map(|e| {
            let mut v = json!(e);
            v["action_label"] = json!(e.action.label());
            v["to_label"] = json!(e.to_state.label());
            v
        })
        .collect();
    let offered: Vec<&str> = sheet.offered.iter().map(|k| k.as_str()).collect();
    let units: Vec<Value> = app
        .core
        .units()
        .iter()
        .map(|u| json!({"id": u.id.0, "name": u.name}))
        .collect();
    let default_due = (app.core.now() + chrono::Duration::days(7))
        .with_timezone(&fengqiao_domain::china_offset())
        .format("%Y-%m-%d")
        .to_string();
    Ok(render::page(
        "hazards/show.html",
        json!({
            "title": format!("隐患 #{}", id.0),
            "staff": staff.frame(app),
            "hazard": hazard_row(app, &sheet.hazard),
            "place": sheet.place,
            "place_kind": sheet.place.kind.label(),
            "owner_unit": sheet.owner_unit,
            "events": events,
            "photos": sheet.photos,
            "case": sheet.case,
            "offered": offered,
            "labels": HazardActionKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect::<std::collections::HashMap<_, _>>(),
            "units": units,
            "default_due": default_due,
            "flash": flash,
            "form": kept.filter(|_| flash_refused(&flash)),
        }),
    )
    .status(status))
}

fn flash_refused(flash: &Option<Value>) -> bool {
    flash.as_ref().is_some_and(|f| f["ok"] == false)
}

pub async fn hazard(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let flash = q
        .done
        .as_deref()
        .and_then(HazardActionKind::parse)
        .map(|k| done(format!("已{}", k.label())));
    hazard_page(&app, &staff, HazardId(id), flash, None).await
}

pub async fn act(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    form: Multipart,
) -> WebResult<Response> {
    let id = HazardId(id);
    let (fields, photos) = match read_form(form).await {
        Ok(x) => x,
        Err(m) => {
            let flash = Some((
                json!({"ok": false, "message": m}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ));
            return hazard_page(&app, &staff, id, flash, None).await;
        }
    };
    staff.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let map: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let result = match fengqiao_api::places_form::hazard_action(&map) {
        Ok((action, version)) => {
            let kind = action.kind();
            app.hazards
                .act(&staff.actor, id, version, action, photos)
                .await
                .map(|_| kind)
                .map_err(WebError::from)
        }
        Err(e) => Err(WebError::Invalid(e.message)),
    };
    match result {
        Ok(kind) => {
            Ok(Redirect::to(&format!("/hazards/{}?done={}", id.0, kind.as_str())).into_response())
        }
        Err(e) => {
            let flash = refusal(e)?;
            hazard_page(&app, &staff, id, Some(flash), Some(&fields)).await
        }
    }
}
