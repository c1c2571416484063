//! The place registry (场所), a place's page and the inspection form. A grid worker's phone is
//! the first user: the due list first, one tap to a checklist, photos, and a form that can be
//! sent twice without being stored twice.

use super::admin::{done, refusal};
use crate::render;
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Redirect, Response};
use fengqiao_api::upload::read_form;
use fengqiao_app::{App, InspectionInput, PlaceInput};
use fengqiao_domain::access::{require_within, Capability};
use fengqiao_domain::ids::{PlaceId, RegionId};
use fengqiao_domain::org::RegionLevel;
use fengqiao_domain::places::{
    end_of_china_day, may_inspect, HazardState, PlaceKind, RiskColor, Severity,
};
use fengqiao_store::{InspectionOutcome, PlaceFilter};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;

const PAGE_SIZE: u32 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    region_id: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    color: Option<String>,
    #[serde(default)]
    q: Option<String>,
    /// `due`: the due list (overdue and due within a week).
    #[serde(default)]
    view: Option<String>,
    #[serde(default)]
    page: Option<u32>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Colours with their labels, in the order red → green, for selects and legends.
pub(crate) fn colors() -> Value {
    json!(RiskColor::ALL
        .iter()
        .map(|c| json!({"value": c.as_str(), "label": c.label(), "risk": c.risk_label()}))
        .collect::<Vec<_>>())
}

fn kinds() -> Value {
    json!(PlaceKind::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "label": k.label(), "criteria": k.criteria()}))
        .collect::<Vec<_>>())
}

/// The villages and grids within the actor's region, for filters and the registry form.
fn regions_within(app: &App, staff: &Staff) -> Value {
    json!(app
        .core
        .regions()
        .iter()
        .filter(|r| r.level != RegionLevel::Town && staff.actor.covers(Some(&r.path)))
        .map(|r| json!({"id": r.id.0, "name": r.name, "grid": r.level == RegionLevel::Grid}))
        .collect::<Vec<_>>())
}

fn region_name(app: &App, id: RegionId) -> String {
    app.core
        .regions()
        .iter()
        .find(|r| r.id == id)
        .map(|r| r.name.clone())
        .unwrap_or_default()
}

/// A place as a row of the registry: its facts plus labels and whether it is overdue.
pub(crate) fn place_row(app: &App, p: &fengqiao_domain::places::Place) -> Value {
    let now = app.core.now();
    let mut v = json!(p);
    v["kind_label"] = json!(p.kind.label());
    v["color_label"] = json!(p.color.label());
    v["region_name"] = json!(region_name(app, p.region_id));
    v["overdue"] = json!(p.is_overdue(now));
    v["escalation_label"] = json!(p
        .escalation
        .filter(|_| p.is_overdue(now))
        .map(|e| e.label()));
    v
}

pub async fn places(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> WebResult<Response> {
    places_page(&app, &staff, q, None).await
}

async fn places_page(
    app: &App,
    staff: &Staff,
    q: ListQuery,
    flash: Option<(Value, StatusCode)>,
) -> WebResult<Response> {
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    let region = match nonempty(&q.region_id).map(str::parse::<i64>) {
        Some(Ok(id)) => Some(RegionId(id)),
        Some(Err(_)) => return Err(WebError::Invalid("请重新选择村（社区）或网格".into())),
        None => None,
    };
    let due_view = q.view.as_deref() == Some("due");
    // 督办清单: overdue inspections the township supervises, most overdue first.
    let supervised_view = q.view.as_deref() == Some("supervised");
    let filter = PlaceFilter {
        kind: nonempty(&q.kind).and_then(PlaceKind::parse),
        color: nonempty(&q.color).and_then(RiskColor::parse),
        q: nonempty(&q.q).map(str::to_string),
        due_by: if supervised_view {
            Some(app.core.now())
        } else {
            due_view.then(|| end_of_china_day(app.core.now() + chrono::Duration::days(7)))
        },
        escalation: supervised_view
            .then_some(fengqiao_domain::places::InspectionEscalation::Supervised),
        page: q.page.unwrap_or(1),
        page_size: PAGE_SIZE,
        ..Default::default()
    };
    let listed = app.places.list(&staff.actor, region, filter).await?;
    let summary = app.places.summary(&staff.actor, region).await?;
    let rows: Vec<Value> = listed.items.iter().map(|p| place_row(app, p)).collect();
    // Anyone who may register places somewhere (a village's operator in the village, a grid
    // worker in the grid): the form offers only the regions within their own.
    let may_register =
        fengqiao_domain::access::require(&staff.actor, Capability::ManagePlaces).is_ok();
    let query = |page: u32| {
        format!(
            "/places?view={}&region_id={}&kind={}&color={}&q={}&page={page}",
            q.view.as_deref().unwrap_or(""),
            nonempty(&q.region_id).unwrap_or(""),
            nonempty(&q.kind).unwrap_or(""),
            nonempty(&q.color).unwrap_or(""),
            super::url_encode(nonempty(&q.q).unwrap_or("")),
        )
    };
    let pages = listed.total.div_ceil(PAGE_SIZE as u64).max(1) as u32;
    Ok(render::page(
        "places/index.html",
        json!({
            "title": if supervised_view { "督办清单" } else if due_view { "应检清单" } else { "场所名录" },
            "staff": staff.frame(app),
            "flash": flash,
            "may_import": may_register,
            "places": rows,
            "total": listed.total,
            "summary": summary,
            "due_view": due_view,
            "supervised_view": supervised_view,
            "q": {"region_id": nonempty(&q.region_id), "kind": nonempty(&q.kind), "color": nonempty(&q.color), "q": nonempty(&q.q)},
            "regions": regions_within(app, staff),
            "kinds": kinds(),
            "colors": colors(),
            "may_register": may_register,
            "prev": (listed.page > 1).then(|| query(listed.page - 1)),
            "next": (listed.page < pages).then(|| query(listed.page + 1)),
            "page": listed.page,
            "pages": pages,
        }),
    )
    .status(status))
}

fn new_page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
    kept: &HashMap<String, String>,
) -> Response {
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    render::page(
        "places/new.html",
        json!({
            "title": "登记场所",
            "staff": staff.frame(app),
            "regions": regions_within(app, staff),
            "kinds": kinds(),
            "colors": colors(),
            "flash": flash,
            "form": kept,
        }),
    )
    .status(status)
}

pub async fn new_place(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    Ok(new_page(&app, &staff, None, &HashMap::new()))
}

pub async fn create_place(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&super::admin::field(&f, "_csrf"))?;
    let field = |k: &str| Some(super::admin::field(&f, k)).filter(|v| !v.is_empty());
    let number = |k: &str| field(k).and_then(|v| v.parse::<f64>().ok());
    let input = PlaceInput {
        reg_no: field("reg_no").unwrap_or_default(),
        name: field("name").unwrap_or_default(),
        kind: field("kind").unwrap_or_default(),
        region_id: field("region_id").and_then(|v| v.parse().ok()).unwrap_or(0),
        address: field("address"),
        owner_name: field("owner_name"),
        owner_phone: field("owner_phone"),
        latitude: number("latitude"),
        longitude: number("longitude"),
        color: field("color"),
    };
    match app.places.register(&staff.actor, input).await {
        Ok(p) => Ok(Redirect::to(&format!("/places/{}?done=registered", p.id.0)).into_response()),
        Err(e) => Ok(new_page(&app, &staff, Some(refusal(e)?), &f)),
    }
}

#[derive(Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

fn done_message(done: Option<&str>) -> Option<&'static str> {
    match done? {
        "registered" => Some("场所已登记，今天内应完成首次检查"),
        "inspected" => Some("检查记录已保存"),
        "regraded" => Some("风险等级已调整"),
        _ => None,
    }
}

async fn place_page(
    app: &App,
    staff: &Staff,
    id: PlaceId,
    flash: Option<(Value, StatusCode)>,
) -> WebResult<Response> {
    let sheet = app.places.get(&staff.actor, id).await?;
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    let history: Vec<Value> = sheet
        .history
        .iter()
        .rev()
        .map(|c| {
            let mut v = json!(c);
            v["to_label"] = json!(c.to.label());
            v["from_label"] = json!(c.from.map(|f| f.label()));
            v["reason_label"] = json!(c.reason.label());
            v
        })
        .collect();
    let inspections: Vec<Value> = sheet
        .inspections
        .iter()
        .map(|i| {
            let mut v = json!(i);
            v["failed"] = json!(i.answers.iter().filter(|a| !a.passed).count());
            v["applied_label"] = json!(i.applied.map(|c| c.label()));
            v["confirmed_label"] = json!(i.confirmed.label());
            // Made where there was no signal and sent from the phone's queue later.
            v["sent_later"] = json!(i.recorded_at - i.inspected_at > chrono::Duration::minutes(10));
            v
        })
        .collect();
    let hazards: Vec<Value> = sheet.hazards.iter().map(|h| hazard_row(app, h)).collect();
    let place = &sheet.place;
    Ok(render::page(
        "places/show.html",
        json!({
            "title": place.name,
            "staff": staff.frame(app),
            "place": place_row(app, place),
            "region_name": sheet.region_name,
            "interval_days": sheet.interval_days,
            "history": history,
            "inspections": inspections,
            "hazards": hazards,
            "escalations": sheet.escalations.iter().map(|e| {
                let mut v = json!(e);
                v["label"] = json!(match e.level {
                    fengqiao_domain::places::InspectionEscalation::Urged => "系统催检",
                    fengqiao_domain::places::InspectionEscalation::Supervised => "逾期未检，提请督办",
                });
                v
            }).collect::<Vec<_>>(),
            "may_inspect": may_inspect(&staff.actor, &place.region_path).is_ok(),
            "may_regrade": require_within(&staff.actor, Capability::ManagePlaces, Some(&place.region_path)).is_ok(),
            "colors": colors(),
            "flash": flash,
        }),
    )
    .status(status))
}

pub(crate) fn hazard_row(app: &App, h: &fengqiao_domain::places::Hazard) -> Value {
    let mut v = json!(h);
    v["state_label"] = json!(h.state.label());
    v["severity_label"] = json!(h.severity.label());
    v["overdue"] = json!(h.is_overdue(app.core.now()));
    v["owner_unit"] = json!(app.core.unit_name(h.owner_unit_id));
    v["open"] = json!(h.state != HazardState::SignedOff);
    v["major"] = json!(h.severity == Severity::Major);
    v
}

pub async fn place(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<DoneQuery>,
) -> WebResult<Response> {
    let flash = done_message(q.done.as_deref()).map(done);
    place_page(&app, &staff, PlaceId(id), flash).await
}

pub async fn regrade(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&super::admin::field(&f, "_csrf"))?;
    let field = |k: &str| super::admin::field(&f, k);
    let color =
        RiskColor::parse(&field("color")).ok_or_else(|| WebError::Invalid("请选择风险等级".into()));
    let version = field("version")
        .parse::<i64>()
        .map_err(|_| WebError::Invalid("页面已过期，请刷新".into()));
    let result = match (color, version) {
        (Ok(c), Ok(v)) => app
            .places
            .regrade(&staff.actor, PlaceId(id), v, c, &field("remark"))
            .await
            .map_err(WebError::from),
        (Err(e), _) | (_, Err(e)) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/places/{id}?done=regraded")).into_response()),
        Err(e) => place_page(&app, &staff, PlaceId(id), Some(refusal(e)?)).await,
    }
}

/// A key for one opening of the inspection form: the form sent twice (a double tap, a resend
/// after the signal came back) is stored once.
fn form_key(staff: &Staff, id: PlaceId, now: chrono::DateTime<chrono::Utc>) -> String {
    let mut h = Sha256::new();
    h.update(staff.csrf().as_bytes());
    h.update(id.0.to_le_bytes());
    h.update(now.timestamp_nanos_opt().unwrap_or_default().to_le_bytes());
    format!("web-{}", hex::encode(&h.finalize()[..12]))
}

async fn inspect_page(
    app: &App,
    staff: &Staff,
    id: PlaceId,
    message: Option<String>,
    kept: &HashMap<String, String>,
    status: StatusCode,
) -> WebResult<Response> {
    let (place, checklist) = app.places.checklist(&staff.actor, id).await?;
    may_inspect(&staff.actor, &place.region_path)?;
    let items: Vec<Value> = checklist
        .items
        .iter()
        .map(|i| {
            json!({
                "code": i.code,
                "text": i.text,
                "major": i.severity == Severity::Major,
                "answer": kept.get(&format!("item.{}", i.code)),
                "note": kept.get(&format!("note.{}", i.code)),
            })
        })
        .collect();
    let now = app.core.now();
    Ok(render::page(
        "places/inspect.html",
        json!({
            "title": format!("检查：{}", place.name),
            "staff": staff.frame(app),
            "place": place_row(app, &place),
            "checklist": {"id": checklist.id, "name": checklist.name, "version": checklist.version},
            "items": items,
            "colors": colors(),
            "client_key": kept.get("client_key").cloned().unwrap_or_else(|| form_key(staff, id, now)),
            "seen_color": kept.get("seen_color").cloned().unwrap_or_else(|| place.color.as_str().to_string()),
            "confirmed": kept.get("confirmed"),
            "kept": kept.contains_key("client_key"),
            "checkin": kept.get("checkin"),
            "checkin_ok": kept.get("checkin") == Some(&place.code),
            "error": message,
        }),
    )
    .status(status))
}

#[derive(Deserialize, Default)]
pub struct InspectQuery {
    /// The place's own code, when the form was opened by scanning it on site.
    #[serde(default)]
    checkin: Option<String>,
}

pub async fn inspect_form(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<InspectQuery>,
) -> WebResult<Response> {
    let kept: HashMap<String, String> = q
        .checkin
        .filter(|c| !c.trim().is_empty())
        .map(|c| ("checkin".to_string(), c))
        .into_iter()
        .collect();
    inspect_page(&app, &staff, PlaceId(id), None, &kept, StatusCode::OK).await
}

/// Whether this person inspects places in their own area (grid workers, the centre).
pub(crate) fn may_inspect_here(actor: &fengqiao_domain::org::Actor) -> bool {
    may_inspect_place(actor, &actor.region_path)
}

/// Whether this person may inspect a place in this region.
pub(crate) fn may_inspect_place(actor: &fengqiao_domain::org::Actor, region_path: &str) -> bool {
    may_inspect(actor, region_path).is_ok()
}

/// Whether the form was sent by the phone's queue (field.js), which wants the answer as JSON.
fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"))
}

/// The answer to a record sent from the phone's queue: stored (or already stored — a resend),
/// and the conflict if the place was re-graded meanwhile; or why it was refused.
fn queue_answer(result: WebResult<InspectionOutcome>, id: PlaceId) -> Response {
    match result {
        Ok(o) => Json(json!({
            "status": if o.replayed { "replayed" } else { "stored" },
            "inspection_id": o.record.id,
            "hazards": o.hazards.len(),
            "conflict": o.record.conflict,
            "place_url": format!("/places/{}?done=inspected", id.0),
        }))
        .into_response(),
        Err(e) => {
            if let WebError::Internal(cause) = &e {
                tracing::error!(%cause, "an inspection from a phone's queue failed");
            }
            (e.status(), Json(json!({"error": e.message()}))).into_response()
        }
    }
}

pub async fn inspect(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
    form: Multipart,
) -> WebResult<Response> {
    let id = PlaceId(id);
    let json_answer = wants_json(&headers);
    let (fields, photos) = match read_form(form).await {
        Ok(x) => x,
        Err(m) if json_answer => return Ok(queue_answer(Err(WebError::Invalid(m)), id)),
        Err(m) => {
            return inspect_page(
                &app,
                &staff,
                id,
                Some(m),
                &HashMap::new(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    if let Err(e) = staff.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or("")) {
        return if json_answer {
            Ok(queue_answer(Err(e), id))
        } else {
            Err(e)
        };
    }
    let map: Map<String, Value> = fields
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect();
    let result = match fengqiao_api::places_form::inspection(&map) {
        Ok(f) => app
            .places
            .inspect(
                &staff.actor,
                id,
                InspectionInput {
                    template_id: f.template_id,
                    answers: f.answers,
                    confirmed: f.confirmed,
                    seen_color: f.seen_color,
                    inspected_at: f.inspected_at,
                    latitude: f.latitude,
                    longitude: f.longitude,
                    client_key: f.client_key,
                    checkin: f.checkin,
                    photos,
                },
            )
            .await
            .map_err(WebError::from),
        Err(e) => Err(WebError::Invalid(e.message)),
    };
    if json_answer {
        return Ok(queue_answer(result, id));
    }
    match result {
        Ok(_) => Ok(Redirect::to(&format!("/places/{}?done=inspected", id.0)).into_response()),
        Err(e @ (WebError::Invalid(_) | WebError::Conflict(_))) => {
            let status = e.status();
            inspect_page(&app, &staff, id, Some(e.message()), &fields, status).await
        }
        Err(e) => Err(e),
    }
}

/// A place's own 民情码 on a sheet to print and put up at its door.
pub async fn code_sheet(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    headers: axum::http::HeaderMap,
) -> WebResult<Response> {
    let place = app.places.brief(&staff.actor, PlaceId(id)).await?;
    Ok(render::page(
        "places/code.html",
        json!({
            "title": format!("场所码：{}", place.name),
            "staff": staff.frame(&app),
            "place": place_row(&app, &place),
            "base": super::public_base(&app, &headers),
        }),
    )
    .into_response())
}

pub async fn field_photo(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let p = app.places.photo(&staff.actor, id).await?;
    let mut res = p.bytes.into_response();
    if let Ok(v) = axum::http::HeaderValue::from_str(&p.content_type) {
        res.headers_mut()
            .insert(axum::http::header::CONTENT_TYPE, v);
    }
    Ok(res)
}

/// What the workbench tells each person about places and hazards today: a grid worker's due
/// inspections and hazards to recheck, a unit's hazards to rectify, the centre's hazards to
/// assign and sign off. Empty when there is nothing to do.
pub(crate) async fn field_tasks(app: &App, staff: &Staff) -> WebResult<Vec<Value>> {
    use fengqiao_domain::org::Role;
    use fengqiao_store::HazardFilter;
    let actor = &staff.actor;
    let role = staff.user.role;
    let now = app.core.now();
    let mut tasks = Vec::new();
    // The region's place figures, read once for whichever tasks need them.
    let mut summary = None;
    if may_inspect_here(actor) && role != Role::Admin {
        let due = app
            .places
            .due(actor, None, end_of_china_day(now), 1, 1)
            .await?
            .total;
        if due > 0 {
            let overdue = summary
                .insert(app.places.summary(actor, None).await?)
                .overdue;
            tasks.push(json!({"href": "/field", "text": format!("今日应检场所 {due} 处"), "alert": overdue > 0,
                "detail": if overdue > 0 { format!("其中逾期未检 {overdue} 处") } else { String::new() }}));
        }
    }
    if role == Role::GridWorker {
        let names = app.patrols.today_for(actor).await?;
        if !names.is_empty() {
            tasks.push(json!({"href": "/patrols", "text": format!("今天是{}：请巡查本网格", names.join("、")), "alert": false, "detail": ""}));
        }
    }
    if matches!(role, Role::Operator | Role::Leader) {
        let supervised = match summary {
            Some(s) => s.supervised,
            None => app.places.summary(actor, None).await?.supervised,
        };
        if supervised > 0 {
            tasks.push(json!({"href": "/places?view=supervised", "text": format!("逾期未检、已督办的场所 {supervised} 处"), "alert": true, "detail": ""}));
        }
    }
    // Every stage's count of the region in one read; a unit's own share needs its filter.
    let counts = app.hazards.counts(actor).await?;
    let mut hazard_task = |n: u64, tab: &str, text: &str| {
        if n > 0 {
            tasks.push(json!({"href": format!("/hazards?tab={tab}"), "text": format!("{text} {n} 个"), "alert": false, "detail": ""}));
        }
    };
    match role {
        Role::GridWorker => hazard_task(counts.rectified, "rectified", "待复查隐患"),
        Role::UnitStaff => {
            let mine = HazardFilter {
                state: Some(HazardState::Assigned),
                owner_unit_id: actor.unit_id,
                page: 1,
                page_size: 1,
                ..Default::default()
            };
            let n = app.hazards.list(actor, None, mine).await?.total;
            hazard_task(n, "assigned", "本单位待整改隐患");
        }
        Role::Operator => {
            hazard_task(counts.found, "found", "待交办隐患");
            hazard_task(counts.rechecked, "rechecked", "待销号隐患");
        }
        _ => {}
    }
    if counts.overdue > 0 && role != Role::GridWorker {
        tasks.push(json!({"href": "/hazards?tab=overdue", "text": format!("逾期未整改隐患 {} 个", counts.overdue), "alert": true, "detail": ""}));
    }
    Ok(tasks)
}

/// Largest registry file accepted.
pub const PLACE_IMPORT_LIMIT_BYTES: usize = 20 << 20;

/// Imports a registry file; the registry page comes back with what was done and each bad row.
pub async fn import(
    State(app): State<Arc<App>>,
    staff: Staff,
    form: Multipart,
) -> WebResult<Response> {
    let (fields, file) =
        match fengqiao_api::upload::read_file_form(form, PLACE_IMPORT_LIMIT_BYTES).await {
            Ok(x) => x,
            Err(m) => return Err(WebError::Invalid(m)),
        };
    staff.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let Some((name, bytes)) = file else {
        return Err(WebError::Invalid("请选择要导入的文件".into()));
    };
    fengqiao_domain::access::require(&staff.actor, Capability::ManagePlaces)?;
    let out = app.places.import(&staff.actor, &bytes, Some(&name)).await?;
    let details: Vec<String> = out
        .failed
        .iter()
        .take(50)
        .map(|e| {
            format!(
                "第 {} 行{}：{}",
                e.row,
                if e.column.is_empty() {
                    String::new()
                } else {
                    format!("「{}」", e.column)
                },
                e.reason
            )
        })
        .collect();
    let flash = json!({
        "ok": out.failed.is_empty(),
        "message": format!("导入完成：新登记 {} 处，更正 {} 处，已登记（未改动）{} 处，有问题 {} 行", out.created, out.updated, out.existing, out.failed.len()),
        "details": details,
    });
    let status = if out.failed.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    places_page(&app, &staff, ListQuery::default(), Some((flash, status))).await
}

/// The registry as CSV, as the viewer sees it.
pub async fn export_csv(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    let rows = app.places.export_rows(&staff.actor).await?;
    Ok(download(
        fengqiao_app::places_csv(&rows),
        "text/csv; charset=utf-8",
        "places.csv",
    ))
}

/// The registry as a workbook, as the viewer sees it.
pub async fn export_xlsx(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    let rows = app.places.export_rows(&staff.actor).await?;
    Ok(download(
        fengqiao_app::places_xlsx(&rows)?,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "places.xlsx",
    ))
}

/// A file to download: its bytes, type and name.
pub(crate) fn download(bytes: Vec<u8>, kind: &'static str, name: &str) -> Response {
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(kind),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut()
            .insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    res
}
