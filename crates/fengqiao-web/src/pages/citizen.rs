//! Citizens' pages, no login: the 民情码 landing of a village, community or grid; the report
//! in one page of plain questions (what, where, who to call back — the category is left to
//! triage and the centre: a citizen's own choice of topic, tried as the title, made triage's
//! suggestion worse); the ticket number at once; progress by ticket and phone
//! tail, with "still not solved". Reports go through the ordinary intake (triage, duplicates,
//! deadlines, audit) and its limits per client address.

use crate::render::{self, Page};
use crate::{WebError, WebResult};
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use fengqiao_api::ClientAddr;

use fengqiao_app::{App, IntakeInput};
use fengqiao_domain::case::{Channel, Satisfaction};
use fengqiao_domain::ids::CaseNo;
use fengqiao_domain::org::{Region, RegionLevel};
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::Arc;

/// What a 民情码 names: a village, community or grid of this township (its id), or one
/// registered place (its own code, `p…`, on the plate at its door), with the place's region.
struct Coded {
    region: Region,
    parent: Option<Region>,
    place: Option<fengqiao_domain::places::Place>,
}

async fn resolve(app: &App, code: &str) -> WebResult<Coded> {
    let gone = || WebError::NotFound("这个民情码已失效，请向村（社区）索取新的二维码".into());
    let (id, place) = if code.starts_with('p') {
        let place = app.places.by_code(code).await?.ok_or_else(gone)?;
        (place.region_id.0, Some(place))
    } else {
        (code.parse::<i64>().map_err(|_| gone())?, None)
    };
    let regions = app.core.regions();
    let region = regions
        .iter()
        .find(|r| r.id.0 == id && r.level != RegionLevel::Town)
        .cloned()
        .ok_or_else(gone)?;
    let parent = region
        .parent_id
        .and_then(|p| regions.iter().find(|x| x.id == p))
        .filter(|p| p.level != RegionLevel::Town)
        .cloned();
    Ok(Coded {
        region,
        parent,
        place,
    })
}

fn place_json(r: &Region, parent: &Option<Region>) -> Value {
    let full = match parent {
        Some(p) => format!("{} · {}", p.name, r.name),
        None => r.name.clone(),
    };
    json!({"id": r.id.0, "name": r.name, "full": full, "level": r.level.label()})
}

impl Coded {
    /// What the pages show: the region, and the place when the code is a place's.
    fn json(&self) -> Value {
        let mut v = place_json(&self.region, &self.parent);
        if let Some(p) = &self.place {
            v["place_name"] = json!(p.name);
            v["full"] = json!(format!(
                "{} · {}",
                v["full"].as_str().unwrap_or_default(),
                p.name
            ));
            v["level"] = json!(p.kind.label());
        }
        v
    }

    /// Where a report from a place's code happened, filled in for the citizen.
    fn address(&self) -> String {
        match &self.place {
            Some(p) => match &p.address {
                Some(a) => format!("{}（{a}）", p.name),
                None => p.name.clone(),
            },
            None => String::new(),
        }
    }
}

/// The landing page of a 民情码. An inspector who scans a place's code on their phone is
/// taken to the place's checklist instead, checked in: the inspection records the scan.
pub async fn landing(
    State(app): State<Arc<App>>,
    crate::session::MaybeStaff(staff): crate::session::MaybeStaff,
    Path(code): Path<String>,
) -> WebResult<Response> {
    let coded = resolve(&app, &code).await?;
    if let (Some(place), Some(staff)) = (&coded.place, &staff) {
        if super::places::may_inspect_place(&staff.actor, &place.region_path) {
            return Ok(Redirect::to(&format!(
                "/places/{}/inspect?checkin={}",
                place.id.0, place.code
            ))
            .into_response());
        }
    }
    Ok(render::page(
        "citizen/landing.html",
        json!({"title": format!("{}民情码", coded.place.as_ref().map_or(&coded.region.name, |p| &p.name)), "place": coded.json(), "code": code}),
    )
    .into_response())
}

pub async fn report_form(State(app): State<Arc<App>>, Path(code): Path<String>) -> WebResult<Page> {
    let coded = resolve(&app, &code).await?;
    let form = ReportForm {
        address: coded.address(),
        ..ReportForm::default()
    };
    Ok(report_page(&coded, &code, None, &form))
}

fn report_page(coded: &Coded, code: &str, error: Option<String>, kept: &ReportForm) -> Page {
    render::page(
        "citizen/report.html",
        json!({
            "title": "我要反映",
            "place": coded.json(),
            "code": code,
            "error": error,
            "form": kept,
        }),
    )
}

#[derive(Deserialize, serde::Serialize, Default)]
pub struct ReportForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    latitude: String,
    #[serde(default)]
    longitude: String,
    #[serde(default)]
    reporter_name: String,
    #[serde(default)]
    reporter_phone: String,
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_string())
}

/// A report with up to nine photos: the largest body the report page accepts.
pub const REPORT_LIMIT_BYTES: usize = fengqiao_api::upload::PHOTO_FORM_LIMIT_BYTES;

pub async fn report(
    State(app): State<Arc<App>>,
    ClientAddr(from): ClientAddr,
    Path(code): Path<String>,
    form: Multipart,
) -> WebResult<Response> {
    let coded = resolve(&app, &code).await?;
    let (f, photos) = match fengqiao_api::upload::read_form(form).await {
        Ok((fields, photos)) => {
            let field = |k: &str| fields.get(k).cloned().unwrap_or_default();
            let f = ReportForm {
                body: field("body"),
                address: field("address"),
                latitude: field("latitude"),
                longitude: field("longitude"),
                reporter_name: field("reporter_name"),
                reporter_phone: field("reporter_phone"),
            };
            (f, photos)
        }
        Err(message) => {
            let page = report_page(&coded, &code, Some(message), &ReportForm::default());
            return Ok(page.status(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    let refuse = |status: StatusCode, message: String| {
        report_page(&coded, &code, Some(message), &f).status(status)
    };
    if f.body.trim().chars().count() < 5 {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请写下您要反映的问题（不少于5个字）".into(),
        ));
    }
    if opt(&f.reporter_phone).is_none() {
        return Ok(refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            "请填写手机号码，以便工作人员联系您、您凭后四位查询进度".into(),
        ));
    }
    let coordinate = |s: &str| s.trim().parse::<f64>().ok();
    let input = IntakeInput {
        body: f.body.trim().to_string(),
        channel: Some(Channel::CitizenQr.as_str().into()),
        region_id: Some(coded.region.id.0),
        address: opt(&f.address),
        latitude: coordinate(&f.latitude),
        longitude: coordinate(&f.longitude),
        reporter_name: opt(&f.reporter_name),
        reporter_phone: opt(&f.reporter_phone),
        photos,
        ..IntakeInput::default()
    };
    let name = input.reporter_name.clone().unwrap_or_else(|| "群众".into());
    match app
        .intake
        .submit_public(&name, from.as_deref(), input)
        .await
    {
        Ok(out) => Ok(Redirect::to(&format!("/t/{}", out.case.case_no)).into_response()),
        Err(e) => {
            let e = WebError::from(e);
            match e {
                WebError::Invalid(_) | WebError::RateLimited { .. } | WebError::Busy { .. } => {
                    Ok(refuse(e.status(), e.message()))
                }
                other => Err(other),
            }
        }
    }
}

/// The confirmation: the ticket number, to copy or write down. Reads nothing but the number.
pub async fn ticket(Path(case_no): Path<String>) -> WebResult<Page> {
    let no = CaseNo::parse(&case_no).map_err(|_| WebError::NotFound("工单编号不正确".into()))?;
    Ok(render::page(
        "citizen/ticket.html",
        json!({"title": "已受理", "case_no": no.to_string()}),
    ))
}

#[derive(Deserialize)]
pub struct TicketQuery {
    ticket: Option<String>,
}

pub async fn progress_form(Query(q): Query<TicketQuery>) -> Page {
    render::page(
        "citizen/progress.html",
        json!({"title": "查询办理进度", "ticket": q.ticket}),
    )
}

#[derive(Deserialize)]
pub struct ProgressForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    tail: String,
}

/// The lookup is a POST, so the phone tail stays out of addresses and browser history.
pub async fn progress(
    State(app): State<Arc<App>>,
    ClientAddr(from): ClientAddr,
    Form(f): Form<ProgressForm>,
) -> Response {
    let found = app
        .citizens
        .progress(f.ticket.trim(), f.tail.trim(), from.as_deref())
        .await;
    progress_page(&f, found, None, StatusCode::OK)
}

/// The progress page: the case with `status` (and a message), or why it was not found.
fn progress_page(
    f: &ProgressForm,
    found: Result<fengqiao_app::PublicCaseView, fengqiao_app::AppError>,
    flash: Option<&str>,
    status: StatusCode,
) -> Response {
    match found {
        Ok(view) => render::page(
            "citizen/progress.html",
            json!({
                "title": "办理进度",
                "ticket": f.ticket.trim(),
                "tail": f.tail.trim(),
                "case": view,
                "flash": flash,
                "flash_error": !status.is_success(),
            }),
        )
        .status(status),
        Err(e) => {
            let e = WebError::from(e);
            let page = render::page(
                "citizen/progress.html",
                json!({"title": "查询办理进度", "ticket": f.ticket.trim(), "error": e.message()}),
            );
            page.status(e.status())
        }
    }
}

/// The progress page again with why a form on it was not taken (422).
async fn refuse(app: &App, lookup: &ProgressForm, from: Option<&str>, why: &str) -> Response {
    let found = app
        .citizens
        .progress(lookup.ticket.trim(), lookup.tail.trim(), from)
        .await;
    progress_page(lookup, found, Some(why), StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(Deserialize)]
pub struct SupplementForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    tail: String,
    #[serde(default)]
    content: String,
    not_solved: Option<String>,
}

pub async fn supplement(
    State(app): State<Arc<App>>,
    ClientAddr(from): ClientAddr,
    Form(f): Form<SupplementForm>,
) -> Response {
    let lookup = ProgressForm {
        ticket: f.ticket.clone(),
        tail: f.tail.clone(),
    };
    if f.content.trim().chars().count() < 5 {
        let why = "请写下补充的情况（不少于5个字）";
        return refuse(&app, &lookup, from.as_deref(), why).await;
    }
    let done = app
        .citizens
        .supplement(
            f.ticket.trim(),
            f.tail.trim(),
            from.as_deref(),
            f.content.trim(),
            f.not_solved.is_some(),
        )
        .await;
    let flash = if f.not_solved.is_some() {
        "已收到您的反馈：问题仍未解决。受理中心将核实并决定是否重新办理。"
    } else {
        "已收到您补充的情况，承办单位和受理中心都能看到。"
    };
    progress_page(&lookup, done, Some(flash), StatusCode::OK)
}

#[derive(Deserialize)]
pub struct RateForm {
    #[serde(default)]
    ticket: String,
    #[serde(default)]
    tail: String,
    #[serde(default)]
    satisfaction: String,
}

/// The reporter's own rating of the reply.
pub async fn rate(
    State(app): State<Arc<App>>,
    ClientAddr(from): ClientAddr,
    Form(f): Form<RateForm>,
) -> Response {
    let lookup = ProgressForm {
        ticket: f.ticket.clone(),
        tail: f.tail.clone(),
    };
    let Some(satisfaction) =
        Satisfaction::parse(&f.satisfaction).filter(|s| *s != Satisfaction::NoRating)
    else {
        let why = "请选择满意、基本满意或不满意";
        return refuse(&app, &lookup, from.as_deref(), why).await;
    };
    let done = app
        .citizens
        .rate(
            f.ticket.trim(),
            f.tail.trim(),
            from.as_deref(),
            satisfaction,
        )
        .await;
    let flash = if satisfaction == Satisfaction::Unsatisfied {
        "感谢您的评价。您不满意的情况受理中心会回访核实；问题仍未解决的，请在下方说明。"
    } else {
        "感谢您的评价。"
    };
    progress_page(&lookup, done, Some(flash), StatusCode::OK)
}

#[derive(Deserialize)]
pub struct SheetQuery {
    village: Option<String>,
}

/// A printable sheet of a village's 民情码: the village's own and one per grid.
pub async fn qr_sheet(
    State(app): State<Arc<App>>,
    staff: crate::session::Staff,
    Query(q): Query<SheetQuery>,
    headers: HeaderMap,
) -> WebResult<Page> {
    let regions = app.core.regions();
    let villages: Vec<&Region> = regions
        .iter()
        .filter(|r| matches!(r.level, RegionLevel::Village | RegionLevel::Community))
        .filter(|r| staff.actor.covers(Some(&r.path)))
        .collect();
    let current = q
        .village
        .and_then(|v| v.parse::<i64>().ok())
        .and_then(|id| villages.iter().find(|r| r.id.0 == id).copied())
        .or_else(|| villages.first().copied());
    let places: Vec<Value> = match current {
        Some(v) => std::iter::once(place_json(v, &None))
            .chain(
                regions
                    .iter()
                    .filter(|r| r.parent_id == Some(v.id))
                    .map(|g| place_json(g, &Some(v.clone()))),
            )
            .collect(),
        None => Vec::new(),
    };
    Ok(render::page(
        "qr_sheet.html",
        json!({
            "title": "民情码",
            "staff": staff.frame(&app),
            "villages": villages.iter().map(|v| json!({"id": v.id.0, "name": v.name})).collect::<Vec<_>>(),
            "current": current.map(|v| v.id.0),
            "places": places,
            "base": super::public_base(&app, &headers),
        }),
    ))
}

/// The 民情码 itself: a QR code (SVG, drawn here) of the landing page's address.
pub async fn qr_svg(
    State(app): State<Arc<App>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> WebResult<Response> {
    let coded = resolve(&app, &code).await?;
    let base = super::public_base(&app, &headers);
    let url = match &coded.place {
        Some(p) => format!("{base}/m/{}", p.code),
        None => format!("{base}/m/{}", coded.region.id.0),
    };
    let qr = qrcode::QrCode::with_error_correction_level(url.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| WebError::Internal(format!("QR for {url}: {e}")))?;
    let svg = qr
        .render::<qrcode::render::svg::Color<'_>>()
        .min_dimensions(240, 240)
        .quiet_zone(true)
        .build();
    let mut res = svg.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    Ok(res)
}
