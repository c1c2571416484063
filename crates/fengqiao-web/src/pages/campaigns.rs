//! Campaigns (专项行动): the list with a form to launch one, and the daily report (专班日报) as
//! a page that prints on one sheet and as a workbook.

use super::admin::refusal;
use super::places::colors;
use crate::render;
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_app::{App, CampaignInput, Campaigns};
use fengqiao_domain::access::{require, Capability};
use fengqiao_domain::ids::CampaignId;
use fengqiao_domain::places::{CampaignTarget, PlaceKind};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

async fn list_page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
    kept: &HashMap<String, String>,
) -> WebResult<Response> {
    let campaigns = app.campaigns.list(&staff.actor).await?;
    let today = app.campaigns.today();
    let rows: Vec<Value> = campaigns
        .iter()
        .map(|c| {
            let mut v = json!(c);
            v["running"] = json!(c.starts_on <= today && today <= c.ends_on);
            v["kinds"] = json!(c
                .targets
                .iter()
                .map(|t| format!("{} {} 处", t.kind.label(), t.places))
                .collect::<Vec<_>>()
                .join("、"));
            v
        })
        .collect();
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    let kinds: Vec<Value> = PlaceKind::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "label": k.label(), "target": kept.get(&format!("target.{}", k.as_str()))}))
        .collect();
    Ok(render::page(
        "campaigns/index.html",
        json!({
            "title": "专项行动",
            "staff": staff.frame(app),
            "campaigns": rows,
            "may_launch": require(&staff.actor, Capability::ManageCampaigns).is_ok(),
            "kinds": kinds,
            "today": today.to_string(),
            "flash": flash,
            "form": kept,
            "colors": colors(),
        }),
    )
    .status(status))
}

pub async fn campaigns(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    list_page(&app, &staff, None, &HashMap::new()).await
}

pub async fn create(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&super::admin::field(&f, "_csrf"))?;
    let field = |k: &str| super::admin::field(&f, k);
    let date = |k: &str, what: &str| {
        field(k)
            .parse::<chrono::NaiveDate>()
            .map_err(|_| WebError::Invalid(format!("请填写{what}")))
    };
    let mut targets = Vec::new();
    let mut bad = None;
    for k in PlaceKind::ALL {
        match field(&format!("target.{}", k.as_str())).as_str() {
            "" => {}
            v => match v.parse::<u32>() {
                Ok(n) => targets.push(CampaignTarget {
                    kind: *k,
                    places: n,
                }),
                Err(_) => {
                    bad = Some(WebError::Invalid(format!(
                        "「{}」的目标数须为整数",
                        k.label()
                    )))
                }
            },
        }
    }
    let result = match (
        date("starts_on", "开始日期"),
        date("ends_on", "结束日期"),
        bad,
    ) {
        (_, _, Some(e)) | (Err(e), _, _) | (_, Err(e), _) => Err(e),
        (Ok(starts_on), Ok(ends_on), None) => app
            .campaigns
            .create(
                &staff.actor,
                CampaignInput {
                    name: field("name"),
                    starts_on,
                    ends_on,
                    targets,
                    task_force: field("task_force"),
                    region_id: None,
                },
            )
            .await
            .map_err(WebError::from),
    };
    match result {
        Ok(c) => Ok(Redirect::to(&format!("/campaigns/{}", c.id.0)).into_response()),
        Err(e) => list_page(&app, &staff, Some(refusal(e)?), &f).await,
    }
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    date: Option<String>,
}

fn parse_date(q: &ReportQuery) -> WebResult<Option<chrono::NaiveDate>> {
    match q.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        Some(d) => d
            .parse()
            .map(Some)
            .map_err(|_| WebError::Invalid(format!("「{d}」不是日期"))),
        None => Ok(None),
    }
}

pub async fn report(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let r = app
        .campaigns
        .report(&staff.actor, CampaignId(id), parse_date(&q)?)
        .await?;
    let today = app.campaigns.today();
    let prev = r.date.pred_opt().filter(|d| *d >= r.campaign.starts_on);
    let next = r
        .date
        .succ_opt()
        .filter(|d| *d <= r.campaign.ends_on && *d <= today);
    Ok(render::page(
        "campaigns/report.html",
        json!({
            "title": format!("{} 专班日报", r.campaign.name),
            "staff": staff.frame(&app),
            "r": r,
            "prev": prev.map(|d| d.to_string()),
            "next": next.map(|d| d.to_string()),
        }),
    )
    .into_response())
}

pub async fn report_xlsx(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let r = app
        .campaigns
        .report(&staff.actor, CampaignId(id), parse_date(&q)?)
        .await?;
    let bytes = Campaigns::report_xlsx(&r)?;
    let mut res = bytes.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    );
    let name = format!("campaign-{}-{}.xlsx", id, r.date);
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        res.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}
