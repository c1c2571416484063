//! 考核指标 and 晾晒: the KPI table by village, grid, unit, category or channel for any period,
//! and the ranking of villages or units — a page that prints as the sheet a township posts, a
//! workbook, the weights, and every posted ranking as it was posted.

use super::admin::{field, refusal};
use crate::render;
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_app::{App, Rankings};
use fengqiao_domain::access::{require, Capability};
use fengqiao_domain::kpi::ranking::{RankedLine, RankedObject, ScoreScheme};
use fengqiao_domain::kpi::{Dim, Period, PeriodKind};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct KpiQuery {
    #[serde(default)]
    dim: Option<String>,
    #[serde(default)]
    period: Option<String>,
    #[serde(default)]
    object: Option<String>,
}

fn period_of(app: &App, q: &KpiQuery) -> WebResult<Period> {
    Ok(Period::parse_or_this_month(
        q.period.as_deref(),
        app.core.today(),
    )?)
}

/// Quick choices of period: this and last week, month, quarter and year.
fn period_links(app: &App) -> Vec<Value> {
    let d = app.core.today();
    let mut out = vec![];
    for kind in [
        PeriodKind::Week,
        PeriodKind::Month,
        PeriodKind::Quarter,
        PeriodKind::Year,
    ] {
        let now = Period::containing(kind, d);
        out.push(json!({"key": now.key(), "label": format!("本{}", kind.label())}));
        out.push(json!({"key": now.previous().key(), "label": format!("上{}", kind.label())}));
    }
    out
}

fn period_frame(app: &App, period: &Period) -> Value {
    json!({
        "key": period.key(),
        "label": period.label(),
        "previous": period.previous().key(),
        "year_before": period.year_before().key(),
        "links": period_links(app),
    })
}

pub async fn kpis(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let dim = match q.dim.as_deref().filter(|s| !s.is_empty()) {
        None => Dim::Village,
        Some(s) => {
            Dim::parse(s).ok_or_else(|| WebError::Invalid(format!("没有「{s}」这种分组")))?
        }
    };
    let period = period_of(&app, &q)?;
    let table = app.kpis.table(&staff.actor, dim, period).await?;
    let dims: Vec<Value> = Dim::ALL
        .iter()
        .filter(|d| **d != Dim::Township)
        .map(|d| json!({"value": d.as_str(), "label": d.label(), "current": *d == dim}))
        .collect();
    Ok(render::page(
        "kpis/index.html",
        json!({
            "title": format!("考核指标 · {}", period.label()),
            "staff": staff.frame(&app),
            "t": table,
            "dim": dim.as_str(),
            "dim_label": dim.label(),
            "dims": dims,
            "period": period_frame(&app, &period),
        }),
    )
    .into_response())
}

fn object_of(q: &KpiQuery) -> WebResult<RankedObject> {
    match q.object.as_deref().filter(|s| !s.is_empty()) {
        None => Ok(RankedObject::Village),
        Some(s) => RankedObject::parse(s)
            .ok_or_else(|| WebError::Invalid(format!("没有「{s}」这种排名对象"))),
    }
}

fn lines_json(lines: &[RankedLine]) -> Vec<Value> {
    lines
        .iter()
        .map(|l| {
            let mut v = json!(l);
            v["moved"] = json!(match (l.rank, l.previous_rank) {
                (Some(now), Some(before)) if now < before => format!("↑{}", before - now),
                (Some(now), Some(before)) if now > before => format!("↓{}", now - before),
                (Some(_), Some(_)) => "—".to_string(),
                _ => String::new(),
            });
            v
        })
        .collect()
}

fn scheme_json(s: &ScoreScheme) -> Value {
    json!({
        "weights": s.weights.iter().map(|w| json!({"label": w.indicator.label(), "weight": w.weight, "lower_is_better": w.indicator.lower_is_better()})).collect::<Vec<_>>(),
        "text": s.text(),
    })
}

async fn ranking_page(
    app: &App,
    staff: &Staff,
    q: &KpiQuery,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&HashMap<String, String>>,
) -> WebResult<Response> {
    let object = object_of(q)?;
    let period = period_of(app, q)?;
    let r = app.rankings.ranking(&staff.actor, object, period).await?;
    let published = app.rankings.published(&staff.actor, object).await?;
    let (flash, status) = flash.map_or((None, StatusCode::OK), |(f, s)| (Some(f), s));
    Ok(render::page(
        "kpis/ranking.html",
        json!({
            "title": format!("{}{}晾晒", r.period_label, object.label()),
            "staff": staff.frame(app),
            "object": object.as_str(),
            "object_label": object.label(),
            "objects": RankedObject::ALL.iter().map(|o| json!({"value": o.as_str(), "label": o.label(), "current": *o == object})).collect::<Vec<_>>(),
            "period": period_frame(app, &period),
            "previous_label": r.previous_label,
            "scheme": scheme_json(&r.scheme),
            "lines": lines_json(&r.lines),
            "published": published.iter().take(12).map(|p| json!({"id": p.id, "label": p.period_label, "at": p.published_at, "by": p.published_by})).collect::<Vec<_>>(),
            "may_publish": require(&staff.actor, Capability::PublishRankings).is_ok(),
            "may_weigh": require(&staff.actor, Capability::SetRankingWeights).is_ok(),
            "weights_text": kept.map(|k| field(k, "weights")).unwrap_or_else(|| r.scheme.text()),
            "flash": flash,
        }),
    )
    .status(status))
}

pub async fn rankings(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    ranking_page(&app, &staff, &q, None, None).await
}

fn xlsx_response(bytes: Vec<u8>, name: &str) -> Response {
    super::places::download(bytes, super::reports::XLSX, name)
}

/// A posted form's object and period, read as the page's query.
fn form_query(f: &HashMap<String, String>) -> KpiQuery {
    KpiQuery {
        dim: None,
        period: Some(field(f, "period")),
        object: Some(field(f, "object")),
    }
}

pub async fn rankings_xlsx(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<KpiQuery>,
) -> WebResult<Response> {
    let object = object_of(&q)?;
    let period = period_of(&app, &q)?;
    let r = app.rankings.ranking(&staff.actor, object, period).await?;
    let title = format!(
        "{}{}晾晒（生成于 {}）",
        r.period_label,
        object.label(),
        crate::time::cn_datetime(&app.core.now().to_rfc3339())
    );
    let bytes = Rankings::xlsx(&title, &r.scheme, &r.lines)?;
    Ok(xlsx_response(
        bytes,
        &format!("ranking-{}-{}.xlsx", object.as_str(), period.key()),
    ))
}

/// Posts the period's ranking (form: object, period).
pub async fn publish(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let q = form_query(&f);
    let object = object_of(&q)?;
    let period = period_of(&app, &q)?;
    match app.rankings.publish(&staff.actor, object, period).await {
        Ok(p) => Ok(Redirect::to(&format!("/rankings/published/{}", p.id)).into_response()),
        Err(e) => ranking_page(&app, &staff, &q, Some(refusal(e)?), None).await,
    }
}

/// Sets the weights (form: object, weights, period to come back to).
pub async fn weights(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::Form(f): axum::Form<HashMap<String, String>>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let q = form_query(&f);
    let object = object_of(&q)?;
    match app
        .rankings
        .set_scheme(&staff.actor, object, &field(&f, "weights"))
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/rankings?object={}&period={}",
            object.as_str(),
            super::url_encode(&field(&f, "period"))
        ))
        .into_response()),
        Err(e) => ranking_page(&app, &staff, &q, Some(refusal(e)?), Some(&f)).await,
    }
}

pub async fn published(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let p = app.rankings.published_one(&staff.actor, id).await?;
    Ok(render::page(
        "kpis/published.html",
        json!({
            "title": format!("{}{}晾晒（已发布）", p.period_label, p.object.label()),
            "staff": staff.frame(&app),
            "p": p,
            "object_label": p.object.label(),
            "scheme": scheme_json(&p.scheme),
            "lines": lines_json(&p.lines),
        }),
    )
    .into_response())
}

pub async fn published_xlsx(
    State(app): State<Arc<App>>,
    staff: Staff,
    Path(id): Path<i64>,
) -> WebResult<Response> {
    let p = app.rankings.published_one(&staff.actor, id).await?;
    let title = format!(
        "{}{}晾晒（{} 于 {} 发布）",
        p.period_label,
        p.object.label(),
        p.published_by,
        crate::time::cn_datetime(&p.published_at.to_rfc3339())
    );
    let bytes = Rankings::xlsx(&title, &p.scheme, &p.lines)?;
    Ok(xlsx_response(
        bytes,
        &format!("ranking-{}-{}.xlsx", p.object.as_str(), p.period_key),
    ))
}
