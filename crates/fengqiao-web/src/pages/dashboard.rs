//! The leaders' dashboard: open and overdue counts, the overdue cases to urge, hot spots.
//! (Intake by channel and category, rankings and trends come with the KPI rollups.)

use crate::render::{self, Page};
use crate::session::Staff;
use crate::WebResult;
use axum::extract::State;
use fengqiao_app::App;
use fengqiao_domain::deadline::OverdueLevel;
use fengqiao_store::CaseFilter;
use serde_json::json;
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
    // Hot spots are for those who may see them; others get the rest of the page.
    let hotspots = app.triage.hotspots(&staff.actor).await.unwrap_or_default();
    Ok(render::page(
        "dashboard.html",
        json!({
            "title": "驾驶舱",
            "staff": staff.frame(&app),
            "overdue": overdue.items,
            "hotspots": hotspots,
            "figures": figures,
            "now": super::now_str(&app),
        }),
    ))
}
