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
    let map = schematic(
        &app.map.villages(&staff.actor).await?,
        app.core.config.map_tiles.as_deref(),
    );
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

/// Where each village is drawn and what lies under it.
struct Projection {
    /// Each village's point in the drawing.
    points: Vec<(f64, f64)>,
    /// The tiles under the villages: URL and position.
    tiles: Vec<Value>,
}

/// The villages placed on a plane: longitude scaled by the cosine of the mean latitude (an
/// equirectangular projection, true enough across one township), fitted into the drawing with
/// north up.
fn plane(vs: &[fengqiao_app::MapVillage]) -> Projection {
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
    Projection {
        points: xs
            .iter()
            .zip(&ys)
            .map(|(&x, &y)| {
                (
                    MAP_W / 2.0 + (x - cx) * scale,
                    MAP_H / 2.0 - (y - cy) * scale,
                )
            })
            .collect(),
        tiles: Vec::new(),
    }
}

/// Web Mercator world pixels of a point at zoom `z` (256-pixel tiles).
fn mercator(lat: f64, lon: f64, z: u32) -> (f64, f64) {
    let size = 256.0 * f64::from(1u32 << z);
    let lat = lat.clamp(-85.05, 85.05).to_radians();
    (
        (lon + 180.0) / 360.0 * size,
        (1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * size,
    )
}

/// The villages over the tiles of a tile server: the deepest zoom at which they all fit, the
/// drawing centred on them, and the tiles that cover it.
fn tiled(vs: &[fengqiao_app::MapVillage], template: &str) -> Projection {
    let fits =
        |z: u32| {
            let ps: Vec<(f64, f64)> = vs
                .iter()
                .map(|v| mercator(v.latitude, v.longitude, z))
                .collect();
            let (x0, x1) = ps
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
            let (y0, y1) = ps
                .iter()
                .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
            (x1 - x0 <= MAP_W - 2.0 * MAP_MARGIN && y1 - y0 <= MAP_H - 2.0 * MAP_MARGIN)
                .then_some((ps, (x0 + x1) / 2.0, (y0 + y1) / 2.0))
        };
    let (z, (ps, cx, cy)) = (1..=17u32)
        .rev()
        .find_map(|z| fits(z).map(|f| (z, f)))
        .unwrap_or_else(|| (0, fits(0).unwrap_or((Vec::new(), 128.0, 128.0))));
    let (ox, oy) = (cx - MAP_W / 2.0, cy - MAP_H / 2.0);
    let last = (1i64 << z) - 1;
    let mut tiles = Vec::new();
    for ty in
        ((oy / 256.0).floor() as i64).max(0)..=(((oy + MAP_H) / 256.0).floor() as i64).min(last)
    {
        for tx in
            ((ox / 256.0).floor() as i64).max(0)..=(((ox + MAP_W) / 256.0).floor() as i64).min(last)
        {
            let url = template
                .replace("{z}", &z.to_string())
                .replace("{x}", &tx.to_string())
                .replace("{y}", &ty.to_string());
            tiles.push(json!({
                "url": url,
                "x": format!("{:.1}", tx as f64 * 256.0 - ox),
                "y": format!("{:.1}", ty as f64 * 256.0 - oy),
            }));
        }
    }
    Projection {
        points: ps.iter().map(|&(x, y)| (x - ox, y - oy)).collect(),
        tiles,
    }
}

/// The villages on the map. Each dot's area follows its open cases; its colour, the worst
/// overdue level.
fn schematic(map: &fengqiao_app::VillageMap, tiles: Option<&str>) -> Value {
    let vs = &map.villages;
    if vs.is_empty() {
        return json!({"villages": [], "unplaced": map.unplaced});
    }
    let projection = match tiles {
        Some(t) => tiled(vs, t),
        None => plane(vs),
    };
    let most = vs.iter().map(|v| v.count.open).max().unwrap_or(0).max(1) as f64;
    let dots: Vec<Value> = vs
        .iter()
        .zip(&projection.points)
        .map(|(v, &(x, y))| {
            let r = 5.0 + 13.0 * (v.count.open as f64 / most).sqrt();
            // A tenth of the open cases overdue is red; a tenth overdue or nearly so, yellow.
            let c = &v.count;
            let level = if c.red * 10 >= c.open.max(1) {
                "red"
            } else if (c.red + c.yellow) * 10 >= c.open.max(1) {
                "yellow"
            } else {
                "green"
            };
            json!({
                "id": v.region_id.0,
                "name": v.name,
                "x": format!("{x:.1}"),
                "y": format!("{y:.1}"),
                "r": format!("{r:.1}"),
                "open": v.count.open,
                "yellow": v.count.yellow,
                "red": v.count.red,
                "level": level,
            })
        })
        .collect();
    json!({
        "villages": dots,
        "tiles": projection.tiles,
        "unplaced": map.unplaced,
        "w": MAP_W,
        "h": MAP_H,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn village(id: i64, lat: f64, lon: f64, open: u64) -> fengqiao_app::MapVillage {
        fengqiao_app::MapVillage {
            region_id: fengqiao_domain::ids::RegionId(id),
            name: format!("{id}村"),
            latitude: lat,
            longitude: lon,
            count: fengqiao_store::OpenCount {
                open,
                yellow: 0,
                red: 0,
            },
        }
    }

    fn at(v: &Value, i: usize) -> (f64, f64) {
        let p = &v["villages"][i];
        (
            p["x"].as_str().unwrap().parse().unwrap(),
            p["y"].as_str().unwrap().parse().unwrap(),
        )
    }

    /// North is up, east is right, every village inside the drawing, with or without tiles;
    /// the tiles cover the drawing.
    #[test]
    fn villages_are_placed_north_up_inside_the_drawing() {
        let map = fengqiao_app::VillageMap {
            villages: vec![
                village(1, 29.65, 120.75, 3),
                village(2, 29.58, 120.84, 9),
                village(3, 29.61, 120.78, 0),
            ],
            unplaced: vec![],
        };
        for tiles in [None, Some("https://t.example.cn/{z}/{x}/{y}.png")] {
            let v = schematic(&map, tiles);
            let (a, b) = (at(&v, 0), at(&v, 1));
            assert!(a.1 < b.1, "the northern village is higher: {tiles:?}");
            assert!(a.0 < b.0, "the western village is further left: {tiles:?}");
            for i in 0..3 {
                let (x, y) = at(&v, i);
                assert!(
                    (0.0..=MAP_W).contains(&x) && (0.0..=MAP_H).contains(&y),
                    "{tiles:?}"
                );
            }
            if tiles.is_some() {
                let t = v["tiles"].as_array().unwrap();
                assert!(!t.is_empty() && t.len() <= 12, "{}", t.len());
                let url = t[0]["url"].as_str().unwrap();
                assert!(
                    url.starts_with("https://t.example.cn/") && !url.contains('{'),
                    "{url}"
                );
            }
        }
    }
}
