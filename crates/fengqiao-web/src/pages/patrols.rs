//! Patrol days (巡查日): the schedules with a form to set one, the week's patrol tasks per grid
//! (done when the grid's places were inspected that day), and the month's coverage per grid and
//! village.

use super::admin::refusal;
use crate::render;
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Datelike, NaiveDate};
use fengqiao_app::App;
use fengqiao_domain::access::{require, Capability};
use fengqiao_domain::ids::{PatrolScheduleId, RegionId};
use fengqiao_domain::org::RegionLevel;
use fengqiao_domain::places::WEEKDAYS;
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct PatrolQuery {
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    month: Option<String>,
}

async fn page(
    app: &App,
    staff: &Staff,
    q: &PatrolQuery,
    flash: Option<(Value, StatusCode)>,
) -> WebResult<Response> {
    let today = app.patrols.today();
    let date = match q.date.as_deref().filter(|d| !d.is_empty()) {
        Some(d) => d
            .parse()
            .map_err(|_| WebError::Invalid(format!("「{d}」不是日期")))?,
        None => today,
    };
    let month = match q.month.as_deref().filter(|m| !m.is_empty()) {
        Some(m) => NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
            .map_err(|_| WebError::Invalid(format!("「{m}」不是月份")))?,
        None => today,
    };
    let schedules = app.patrols.schedules(&staff.actor).await?;
    let regions = app.core.regions();
    let rows: Vec<Value> = schedules
        .iter()
        .map(|s| {
            let mut v = json!(s);
            v["weekday_label"] = json!(s.weekday_label());
            v["region_name"] = json!(regions
                .iter()
                .find(|r| r.id == s.region_id)
                .map(|r| r.name.clone()));
            v
        })
        .collect();
    let week = app.patrols.week(&staff.actor, date).await?;
    let coverage = app.patrols.coverage(&staff.actor, month).await?;
    let days: Vec<Value> = fengqiao_domain::places::week_of(date)
        .iter()
        .map(|d| json!({"date": d.to_string(), "label": format!("{}月{}日 {}", d.month(), d.day(), WEEKDAYS[d.weekday().num_days_from_monday() as usize]), "today": *d == today}))
        .collect();
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    let prev_month = (month.with_day(1).expect("day 1") - chrono::Duration::days(1))
        .format("%Y-%m")
        .to_string();
    Ok(render::page(
        "patrols.html",
        json!({
            "title": "巡查日与覆盖率",
            "staff": staff.frame(app),
            "schedules": rows,
            "may_manage": require(&staff.actor, Capability::ManagePatrols).is_ok(),
            "regions": regions.iter().filter(|r| r.level != RegionLevel::Grid && staff.actor.covers(Some(&r.path))).map(|r| json!({"id": r.id.0, "name": r.name})).collect::<Vec<_>>(),
            "weekdays": WEEKDAYS,
            "days": days,
            "week": week,
            "prev_week": (date - chrono::Duration::days(7)).to_string(),
            "next_week": (date + chrono::Duration::days(7)).to_string(),
            "coverage": coverage,
            "prev_month": prev_month,
            "flash": flash,
        }),
    )
    .status(status))
}

pub async fn patrols(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<PatrolQuery>,
) -> WebResult<Response> {
    page(&app, &staff, &q, None).await
}

pub async fn create(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&super::admin::field(&f, "_csrf"))?;
    let field = |k: &str| super::admin::field(&f, k);
    let region = field("region_id").parse::<i64>().ok().map(RegionId);
    let weekday = field("weekday").parse::<u8>().unwrap_or(0);
    match app
        .patrols
        .create(&staff.actor, region, &field("name"), weekday)
        .await
    {
        Ok(_) => Ok(Redirect::to("/patrols").into_response()),
        Err(e) => {
            page(
                &app,
                &staff,
                &PatrolQuery::default(),
                Some(refusal(WebError::from(e))?),
            )
            .await
        }
    }
}

pub async fn set_active(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&super::admin::field(&f, "_csrf"))?;
    let active = super::admin::field(&f, "active") == "true";
    match app
        .patrols
        .set_active(&staff.actor, PatrolScheduleId(id), active)
        .await
    {
        Ok(_) => Ok(Redirect::to("/patrols").into_response()),
        Err(e) => {
            page(
                &app,
                &staff,
                &PatrolQuery::default(),
                Some(refusal(WebError::from(e))?),
            )
            .await
        }
    }
}
