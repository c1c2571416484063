//! The leaders' dashboard: open and overdue counts, the overdue cases to urge, hot spots.
//! (Intake by channel and category, rankings and trends come with the KPI rollups.)

use crate::render::{self, Page};
use crate::session::Staff;
use crate::WebResult;
use axum::extract::State;
use fengqiao_app::App;
use fengqiao_domain::deadline::OverdueLevel;
use fengqiao_store::CaseFilter;
use serde_json::{json, Value};
use std::sync::Arc;

pub async fn dashboard(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Page> {
    let overdue = app
        .queries
        .list_cases(
            &staff.actor,
            CaseFilter {
                overdue: Some(OverdueLevel::Red),
                states: fengqiao_domain::case::CaseState::ALL
                    .iter()
                    .copied()
                    .filter(|s| s.is_open())
                    .collect(),
                urgent_first: true,
                page_size: 15,
                skip_total: true,
                ..CaseFilter::default()
            },
        )
        .await?;
    let figures = app.queries.open_figures(&staff.actor).await?;
    let map = schematic(&app.map.villages(&staff.actor).await?);
    // Hot spots are for those who may see them; others get the rest of the page.
    let hotspots = app.triage.hotspots(&staff.actor).await.unwrap_or_default();
    Ok(render::timed_page(
        &app,
        "dashboard.html",
        json!({
            "title": "驾驶舱",
            "staff": staff.frame(&app),
            "overdue": overdue.items,
            "hotspots": hotspots,
            "figures": figures,
            "map": map,
        }),
    ))
}

/// Width and height of the map's drawing, in SVG units; the margin keeps labels inside.
const MAP_W: f64 = 640.0;
const MAP_H: f64 = 420.0;
const MAP_MARGIN: f64 = 60.0;

/// The villages placed on a plane: longitude scaled by the cosine of the mean latitude (an
/// equirectangular projection, true enough across one township), fitted into the drawing with
/// north up. Each dot's area follows its open cases; its colour, the worst overdue level.
fn schematic(map: &fengqiao_app::VillageMap) -> Value {
    let vs = &map.villages;
    if vs.is_empty() {
        return json!({"villages": [], "unplaced": map.unplaced});
    }
    let mean_lat = vs.iter().map(|v| v.latitude).sum::<f64>() / vs.len() as f64;
    let k = mean_lat.to_radians().cos().max(0.1);
    let xs: Vec<f64> = vs.iter().map(|v| v.longitude * k).collect();
    let ys: Vec<f64> = vs.iter().map(|v| v.latitude).collect();
    let (x0, x1) = xs
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &x| (a.min(x), b.max(x)));
    let (y0, y1) = ys
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), &y| (a.min(y), b.max(y)));
    // One scale for both axes keeps distances true; a single village sits in the middle.
    let span = (x1 - x0).max(y1 - y0).max(1e-6);
    let scale = ((MAP_W - 2.0 * MAP_MARGIN) / span).min((MAP_H - 2.0 * MAP_MARGIN) / span);
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let most = vs.iter().map(|v| v.count.open).max().unwrap_or(0).max(1) as f64;
    let dots: Vec<Value> = vs
        .iter()
        .zip(xs.iter().zip(&ys))
        .map(|(v, (&x, &y))| {
            let r = 6.0 + 22.0 * (v.count.open as f64 / most).sqrt();
            let level = if v.count.red > 0 {
                "red"
            } else if v.count.yellow > 0 {
                "yellow"
            } else {
                "green"
            };
            json!({
                "id": v.region_id.0,
                "name": v.name,
                "x": format!("{:.1}", MAP_W / 2.0 + (x - cx) * scale),
                "y": format!("{:.1}", MAP_H / 2.0 - (y - cy) * scale),
                "r": format!("{r:.1}"),
                "open": v.count.open,
                "yellow": v.count.yellow,
                "red": v.count.red,
                "level": level,
            })
        })
        .collect();
    json!({"villages": dots, "unplaced": map.unplaced, "w": MAP_W, "h": MAP_H})
}
