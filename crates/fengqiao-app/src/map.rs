//! The schematic map: where each village lies (set by an admin) and its open and overdue
//! cases, drawn by the dashboard without any map tiles.

use crate::core::Core;
use crate::{invalid, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::ids::RegionId;
use fengqiao_domain::org::{Actor, RegionLevel};
use fengqiao_store::{OpenCount, RegionCentre};
use serde::Serialize;
use std::sync::Arc;

/// A village (or community) on the map with its open cases.
#[derive(Debug, Clone, Serialize)]
pub struct MapVillage {
    pub region_id: RegionId,
    pub name: String,
    pub latitude: f64,
    pub longitude: f64,
    #[serde(flatten)]
    pub count: OpenCount,
}

/// The villages the actor oversees: those with a centre to draw, and the names of those
/// without one yet (said under the map, so nobody takes a missing dot for a quiet village).
#[derive(Debug, Clone, Default, Serialize)]
pub struct VillageMap {
    pub villages: Vec<MapVillage>,
    pub unplaced: Vec<String>,
}

pub struct RegionMap {
    core: Arc<Core>,
}

impl RegionMap {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        RegionMap { core }
    }

    /// Every centre set (where regions lie is not personal data).
    pub async fn centres(&self) -> Result<Vec<RegionCentre>> {
        Ok(self.core.store.region_centres().await?)
    }

    /// Sets where a region lies (an admin of that region).
    pub async fn set_centre(
        &self,
        actor: &Actor,
        region_id: RegionId,
        latitude: f64,
        longitude: f64,
    ) -> Result<RegionCentre> {
        let region = self.core.region_exists(region_id)?;
        access::require_within(actor, Capability::ManageRegions, Some(&region.path))?;
        if !(-90.0..=90.0).contains(&latitude) || !latitude.is_finite() {
            return Err(invalid("latitude", "纬度须在 -90 到 90 之间"));
        }
        if !(-180.0..=180.0).contains(&longitude) || !longitude.is_finite() {
            return Err(invalid("longitude", "经度须在 -180 到 180 之间"));
        }
        let centre = RegionCentre {
            region_id,
            latitude,
            longitude,
        };
        self.core
            .store
            .set_region_centre(centre, self.core.audit(actor))
            .await?;
        Ok(centre)
    }

    /// The villages within the actor's scope, with their open and overdue cases (grids fold
    /// into their village).
    pub async fn villages(&self, actor: &Actor) -> Result<VillageMap> {
        let scope = self.core.scope_for(actor);
        let regions = self.core.regions();
        let centres = self.core.store.region_centres().await?;
        let open = self.core.store.open_by_region(&scope).await?;
        let mut map = VillageMap::default();
        for r in regions.iter().filter(|r| {
            matches!(r.level, RegionLevel::Village | RegionLevel::Community)
                && actor.covers(Some(&r.path))
        }) {
            let Some(c) = centres.iter().find(|c| c.region_id == r.id) else {
                map.unplaced.push(r.name.clone());
                continue;
            };
            let count = open
                .iter()
                .filter(|(p, _)| p.as_deref().is_some_and(|p| r.contains_path(p)))
                .fold(OpenCount::default(), |mut sum, (_, n)| {
                    sum.open += n.open;
                    sum.yellow += n.yellow;
                    sum.red += n.red;
                    sum
                });
            map.villages.push(MapVillage {
                region_id: r.id,
                name: r.name.clone(),
                latitude: c.latitude,
                longitude: c.longitude,
                count,
            });
        }
        Ok(map)
    }
}
