//! 报告: the daily to annual report as a page with its charts (SVG drawn here, nothing
//! fetched), and as a workbook and a PDF.

use crate::render;
use crate::session::Staff;
use crate::WebResult;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use fengqiao_app::{report_name, App, Reports};
use fengqiao_domain::kpi::{Measure, Period, PeriodKind};
use serde::Deserialize;
use serde_json::json;
use std::fmt::Write as _;
use std::sync::Arc;

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    period: Option<String>,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Horizontal bars with their labels and values.
fn bars_svg(items: &[(String, i64)], title: &str) -> String {
    let max = items.iter().map(|i| i.1).max().unwrap_or(0).max(1) as f64;
    let row = 26.0;
    let height = row * items.len() as f64 + 8.0;
    let mut s = format!(
        "<svg viewBox=\"0 0 640 {height}\" role=\"img\" aria-label=\"{}\" class=\"chart\">",
        escape(title)
    );
    for (i, (label, v)) in items.iter().enumerate() {
        let y = i as f64 * row + 4.0;
        let w = 400.0 * (*v as f64) / max;
        let _ = write!(
            s,
            "<text x=\"150\" y=\"{:.1}\" text-anchor=\"end\">{}</text><rect x=\"160\" y=\"{:.1}\" width=\"{:.1}\" height=\"16\" class=\"bar\"/><text x=\"{:.1}\" y=\"{:.1}\">{v}</text>",
            y + 13.0,
            escape(label),
            y,
            w.max(1.0),
            166.0 + w,
            y + 13.0
        );
    }
    s.push_str("</svg>");
    s
}

/// Columns: this period beside the same step a year before.
fn trend_svg(points: &[(String, i64, i64)]) -> String {
    let max = points
        .iter()
        .map(|p| p.1.max(p.2))
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let (width, height, base) = (640.0, 200.0, 170.0);
    let step = (width - 20.0) / points.len().max(1) as f64;
    let bar = (step * 0.38).min(16.0);
    let every = (points.len() / 12).max(1);
    let mut s = format!(
        "<svg viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"受理量走势：本期与去年同期\" class=\"chart\"><line x1=\"10\" y1=\"{base}\" x2=\"{}\" y2=\"{base}\" class=\"axis\"/>",
        width - 10.0
    );
    for (i, (label, now, before)) in points.iter().enumerate() {
        let x = 10.0 + step * i as f64 + step / 2.0;
        let h_now = 150.0 * (*now as f64) / max;
        let h_before = 150.0 * (*before as f64) / max;
        let _ = write!(
            s,
            "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h_before:.1}\" class=\"bar before\"><title>{} 去年同期 {before}</title></rect><rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{h_now:.1}\" class=\"bar\"><title>{} 本期 {now}</title></rect>",
            x - bar,
            base - h_before,
            escape(label),
            base - h_now,
            escape(label)
        );
        if i % every == 0 {
            let _ = write!(
                s,
                "<text x=\"{x:.1}\" y=\"{:.1}\" text-anchor=\"middle\" class=\"small\">{}</text>",
                base + 16.0,
                escape(label)
            );
        }
    }
    s.push_str("</svg>");
    s
}

fn period_of(app: &App, q: &ReportQuery) -> WebResult<Period> {
    Ok(Period::parse_or_this_month(
        q.period.as_deref(),
        app.core.today(),
    )?)
}

pub async fn report(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let (period, r) = load(&app, &staff, &q).await?;
    let received = |lines: &[fengqiao_app::ReportLine]| -> Vec<(String, i64)> {
        lines
            .iter()
            .map(|l| (l.name.clone(), l.figures.measures.get(Measure::Received)))
            .filter(|l| l.1 > 0)
            .take(12)
            .collect()
    };
    let today = app.core.today();
    let yesterday = today - chrono::Duration::days(1);
    let kinds: Vec<serde_json::Value> = [
        (PeriodKind::Day, yesterday, "昨日日报"),
        (
            PeriodKind::Week,
            today - chrono::Duration::days(7),
            "上周周报",
        ),
        (PeriodKind::Month, today, "本月月报"),
        (
            PeriodKind::Month,
            Period::containing(PeriodKind::Month, today).first - chrono::Duration::days(1),
            "上月月报",
        ),
        (PeriodKind::Quarter, today, "本季度季报"),
        (PeriodKind::Year, today, "本年年报"),
        (
            PeriodKind::Year,
            Period::containing(PeriodKind::Year, today).first - chrono::Duration::days(1),
            "上年年报",
        ),
    ]
    .iter()
    .map(|(k, d, label)| {
        let p = Period::containing(*k, *d);
        json!({"key": p.key(), "label": label, "current": p == period})
    })
    .collect();
    let trend: Vec<(String, i64, i64)> = r
        .trend
        .iter()
        .map(|p| (p.label.clone(), p.received, p.received_year_before))
        .collect();
    Ok(render::page(
        "reports/index.html",
        json!({
            "title": r.title,
            "staff": staff.frame(&app),
            "r": r,
            "period_key": period.key(),
            "name": report_name(period.kind),
            "kinds": kinds,
            "channels_svg": bars_svg(&received(&r.by_channel), "诉求来源"),
            "categories_svg": bars_svg(&received(&r.by_category), "诉求类别"),
            "trend_svg": (!trend.is_empty()).then(|| trend_svg(&trend)),
        }),
    )
    .into_response())
}

pub(crate) const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

async fn load(
    app: &App,
    staff: &Staff,
    q: &ReportQuery,
) -> WebResult<(Period, fengqiao_app::Report)> {
    let period = period_of(app, q)?;
    Ok((period, app.reports.report(&staff.actor, period).await?))
}

pub async fn report_xlsx(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let (period, r) = load(&app, &staff, &q).await?;
    let bytes = Reports::xlsx(&r)?;
    Ok(super::places::download(
        bytes,
        XLSX,
        &format!("report-{}.xlsx", period.key()),
    ))
}

pub async fn report_pdf(
    State(app): State<Arc<App>>,
    staff: Staff,
    Query(q): Query<ReportQuery>,
) -> WebResult<Response> {
    let (period, r) = load(&app, &staff, &q).await?;
    let bytes = app.reports.pdf(&r).await?;
    Ok(super::places::download(
        bytes,
        "application/pdf",
        &format!("report-{}.pdf", period.key()),
    ))
}
