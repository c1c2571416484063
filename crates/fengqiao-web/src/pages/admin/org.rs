//! The organisation: the region tree (town → village/community → grid) with where each village
//! lies on the map, and the handling units under the four platforms.

use super::{admin_page, field, optional_id, settle};
use crate::session::Staff;
use crate::{WebError, WebResult};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::Form;
use fengqiao_app::App;
use fengqiao_domain::access::{require, require_within, Capability};
use fengqiao_domain::ids::RegionId;
use fengqiao_domain::org::{Platform, RegionLevel, UnitKind};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

type Fields = HashMap<String, String>;

async fn regions_page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&Fields>,
) -> WebResult<Response> {
    require(&staff.actor, Capability::ManageRegions)?;
    let regions = app.core.regions();
    let units = app.core.units();
    let centres = app.map.centres().await?;
    let rows: Vec<Value> = regions
        .iter()
        .map(|r| {
            let centre = centres.iter().find(|c| c.region_id == r.id);
            json!({
                "id": r.id.0,
                "name": r.name,
                "level": r.level.label(),
                "depth": r.level.depth(),
                "units": units.iter().filter(|u| u.region_id == r.id).count(),
                "placeable": matches!(r.level, RegionLevel::Village | RegionLevel::Community),
                "mine": require_within(&staff.actor, Capability::ManageRegions, Some(&r.path)).is_ok(),
                "latitude": centre.map(|c| format!("{:.6}", c.latitude)),
                "longitude": centre.map(|c| format!("{:.6}", c.longitude)),
            })
        })
        .collect();
    let parents: Vec<Value> = regions
        .iter()
        .filter(|r| r.level != RegionLevel::Grid && staff.actor.covers(Some(&r.path)))
        .map(|r| json!({"id": r.id.0, "name": r.name, "level": r.level.label()}))
        .collect();
    let levels: Vec<Value> = RegionLevel::ALL
        .iter()
        .filter(|l| **l != RegionLevel::Town)
        .map(|l| json!({"value": l.as_str(), "label": l.label()}))
        .collect();
    Ok(admin_page(
        app,
        staff,
        "admin/regions.html",
        "区域与网格",
        json!({"regions": rows, "parents": parents, "levels": levels}),
        flash,
        kept,
    ))
}

pub async fn regions(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    regions_page(&app, &staff, None, None).await
}

/// Adds a village, community or grid under a region the admin oversees.
pub async fn create_region(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let outcome = async {
        let parent = optional_id(&f, "parent_id", "上级区域")?
            .ok_or_else(|| WebError::Invalid("请选择上级区域".into()))?;
        let level = RegionLevel::parse(&field(&f, "level"))
            .ok_or_else(|| WebError::Invalid("请选择区域层级".into()))?;
        let r = app
            .admin
            .create_region(
                &staff.actor,
                Some(RegionId(parent)),
                &field(&f, "name"),
                level,
            )
            .await?;
        Ok::<_, WebError>(r)
    }
    .await;
    let flash = settle(outcome, |r| {
        format!("已新增{}「{}」", r.level.label(), r.name)
    })?;
    regions_page(&app, &staff, Some(flash), Some(&f)).await
}

/// Sets where a village lies on the map (decimal degrees, as a phone's map app shows them).
pub async fn set_centre(
    State(app): State<Arc<App>>,
    staff: Staff,
    axum::extract::Path(id): axum::extract::Path<i64>,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let degrees = |k: &str, what: &str| {
        field(&f, k)
            .parse::<f64>()
            .map_err(|_| WebError::Invalid(format!("{what}须为十进制度数，如 29.812345")))
    };
    let outcome = async {
        let (lat, lon) = (degrees("latitude", "纬度")?, degrees("longitude", "经度")?);
        Ok::<_, WebError>(
            app.map
                .set_centre(&staff.actor, RegionId(id), lat, lon)
                .await?,
        )
    }
    .await;
    let flash = settle(outcome, |_| {
        let regions = app.core.regions();
        let name = regions
            .iter()
            .find(|r| r.id.0 == id)
            .map_or("", |r| r.name.as_str());
        format!("已更新「{name}」的位置")
    })?;
    regions_page(&app, &staff, Some(flash), None).await
}

async fn units_page(
    app: &App,
    staff: &Staff,
    flash: Option<(Value, StatusCode)>,
    kept: Option<&Fields>,
) -> WebResult<Response> {
    require(&staff.actor, Capability::ManageUnits)?;
    let regions = app.core.regions();
    let region_name = |id: RegionId| {
        regions
            .iter()
            .find(|r| r.id == id)
            .map(|r| r.name.clone())
            .unwrap_or_default()
    };
    let units: Vec<Value> = app
        .core
        .units()
        .iter()
        .map(|u| {
            json!({
                "id": u.id.0,
                "name": u.name,
                "kind": u.kind.label(),
                "platform": u.platform.map(|p| p.label()),
                "region": region_name(u.region_id),
            })
        })
        .collect();
    let in_scope: Vec<Value> = regions
        .iter()
        .filter(|r| staff.actor.covers(Some(&r.path)))
        .map(|r| json!({"id": r.id.0, "name": r.name, "level": r.level.label()}))
        .collect();
    let kinds: Vec<Value> = UnitKind::ALL
        .iter()
        .map(|k| json!({"value": k.as_str(), "label": k.label()}))
        .collect();
    let platforms: Vec<Value> = Platform::ALL
        .iter()
        .map(|p| json!({"value": p.as_str(), "label": p.label()}))
        .collect();
    Ok(admin_page(
        app,
        staff,
        "admin/units.html",
        "承办单位",
        json!({"units": units, "regions": in_scope, "kinds": kinds, "platforms": platforms}),
        flash,
        kept,
    ))
}

pub async fn units(State(app): State<Arc<App>>, staff: Staff) -> WebResult<Response> {
    units_page(&app, &staff, None, None).await
}

/// Adds a handling unit: a department or station under a platform, or a village committee.
pub async fn create_unit(
    State(app): State<Arc<App>>,
    staff: Staff,
    Form(f): Form<Fields>,
) -> WebResult<Response> {
    staff.check_csrf(&field(&f, "_csrf"))?;
    let outcome = async {
        let kind = UnitKind::parse(&field(&f, "kind"))
            .ok_or_else(|| WebError::Invalid("请选择单位类型".into()))?;
        let platform = match field(&f, "platform").as_str() {
            "" => None,
            p => Some(
                Platform::parse(p).ok_or_else(|| WebError::Invalid("请重新选择所属平台".into()))?,
            ),
        };
        let region = optional_id(&f, "region_id", "所在区域")?
            .ok_or_else(|| WebError::Invalid("请选择所在区域".into()))?;
        Ok::<_, WebError>(
            app.admin
                .create_unit(
                    &staff.actor,
                    &field(&f, "name"),
                    kind,
                    platform,
                    RegionId(region),
                )
                .await?,
        )
    }
    .await;
    let flash = settle(outcome, |u| format!("已新增单位「{}」", u.name))?;
    units_page(&app, &staff, Some(flash), Some(&f)).await
}
