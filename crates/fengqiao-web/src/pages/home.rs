//! The front page: citizens find the report and progress pages, staff the workbench.

use crate::render;
use crate::session::MaybeStaff;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use fengqiao_app::App;
use fengqiao_domain::org::RegionLevel;
use serde_json::json;
use std::sync::Arc;

pub async fn home(State(app): State<Arc<App>>, MaybeStaff(staff): MaybeStaff) -> Response {
    if staff.is_some() {
        return Redirect::to("/workbench").into_response();
    }
    let regions = app.core.regions();
    let town = regions
        .iter()
        .find(|r| r.level == RegionLevel::Town)
        .map(|r| r.name.clone())
        .unwrap_or_default();
    let villages: Vec<_> = regions
        .iter()
        .filter(|r| matches!(r.level, RegionLevel::Village | RegionLevel::Community))
        .map(|r| json!({"id": r.id.0, "name": r.name}))
        .collect();
    render::page(
        "home.html",
        json!({"title": format!("{town}群众诉求服务"), "town": town, "villages": villages}),
    )
    .into_response()
}
