//! Staff intake: the centre registers what came by phone, at the counter or the petition desk;
//! a grid worker reports from the phone — photo, a few words, send. The channels offered and the
//! places one may file in are the domain's (`may_intake`, `may_file_in`); the case goes through
//! the same intake as every other channel.

use crate::render::{self, Page};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_api::upload::read_form;
use fengqiao_app::{App, IntakeInput};
use fengqiao_domain::access::{may_file_in, may_intake};
use fengqiao_domain::case::Channel;
use fengqiao_domain::org::RegionLevel;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// The channels this person may file through, their usual one first.
fn channels(staff: &Staff) -> Vec<Channel> {
    let usual = fengqiao_domain::access::default_channel(&staff.actor);
    std::iter::once(usual)
        .chain(Channel::ALL.iter().copied().filter(|c| *c != usual))
        .filter(|c| {
            !matches!(
                c,
                Channel::Open311 | Channel::CitizenWeb | Channel::CitizenQr
            )
        })
        .filter(|c| may_intake(&staff.actor, *c).is_ok())
        .collect()
}

fn form_page(
    app: &App,
    staff: &Staff,
    error: Option<String>,
    kept: &HashMap<String, String>,
) -> WebResult<Page> {
    let channels = channels(staff);
    if channels.is_empty() {
        return Err(WebError::Forbidden(
            "您的账号不登记工单；群众反映的问题请转社会治理中心受理".into(),
        ));
    }
    // Places one may file in, one's own first; a grid worker's grid is the default.
    let regions: Vec<Value> = app
        .core
        .regions()
        .iter()
        .filter(|r| {
            r.level != RegionLevel::Town && may_file_in(&staff.actor, Some(&r.path)).is_ok()
        })
        .map(|r| {
            json!({"id": r.id.0, "name": r.name, "level": r.level.label(),
                   "own": r.path == staff.actor.region_path})
        })
        .collect();
    Ok(render::page(
        "intake.html",
        json!({
            "title": "登记上报",
            "staff": staff.frame(app),
            "channels": channels.iter().map(|c| json!({"value": c.as_str(), "label": c.label()})).collect::<Vec<_>>(),
            "regions": regions,
            "may_leave_unplaced": may_file_in(&staff.actor, None).is_ok(),
            "grid_worker": staff.actor.role == fengqiao_domain::org::ActorRole::User(fengqiao_domain::org::Role::GridWorker),
            "error": error,
            "form": kept,
        }),
    ))
}

pub async fn intake_form(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Page> {
    form_page(&app, &staff, None, &HashMap::new())
}

pub async fn intake(
    State(app): State<Arc<App>>,
    staff: Staff,
    form: Multipart,
) -> WebResult<Response> {
    let (fields, photos) = match read_form(form).await {
        Ok(x) => x,
        Err(message) => {
            let page = form_page(&app, &staff, Some(message), &HashMap::new())?;
            return Ok(page.status(StatusCode::UNPROCESSABLE_ENTITY));
        }
    };
    staff.check_csrf(fields.get("_csrf").map(String::as_str).unwrap_or(""))?;
    let field = |k: &str| {
        fields
            .get(k)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    let refuse = |message: String, status: StatusCode| -> WebResult<Response> {
        Ok(form_page(&app, &staff, Some(message), &fields)?.status(status))
    };
    let region_id = match field("region_id").map(|r| r.parse::<i64>()) {
        Some(Ok(id)) => Some(id),
        Some(Err(_)) => {
            return refuse(
                "请选择村（社区）或网格".into(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
        }
        // Not chosen: one's own village or grid, when one may not leave it to the township.
        None if may_file_in(&staff.actor, None).is_err() => app
            .core
            .regions()
            .iter()
            .find(|r| r.path == staff.actor.region_path)
            .map(|r| r.id.0),
        None => None,
    };
    let input = IntakeInput {
        body: field("body").unwrap_or_default(),
        channel: field("channel"),
        region_id,
        address: field("address"),
        latitude: field("latitude").and_then(|v| v.parse().ok()),
        longitude: field("longitude").and_then(|v| v.parse().ok()),
        reporter_name: field("reporter_name"),
        reporter_phone: field("reporter_phone"),
        photos,
        ..IntakeInput::default()
    };
    match app.intake.submit(&staff.actor, input).await {
        Ok(out) => {
            Ok(Redirect::to(&format!("/cases/{}?done=intake", out.case.id.0)).into_response())
        }
        Err(e) => {
            let e = WebError::from(e);
            match e {
                WebError::Invalid(_)
                | WebError::Forbidden(_)
                | WebError::Conflict(_)
                | WebError::Busy { .. } => refuse(e.message(), e.status()),
                other => Err(other),
            }
        }
    }
}
