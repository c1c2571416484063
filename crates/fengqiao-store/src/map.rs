//! Where villages and grids lie, for the schematic map: a centre per region, set by an admin
//! (or the demo), with no map tiles needed.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::ids::RegionId;

/// A region's centre in WGS-84 degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct RegionCentre {
    pub region_id: RegionId,
    pub latitude: f64,
    pub longitude: f64,
}

#[async_trait]
pub trait MapStore: Send + Sync + 'static {
    /// Every region's centre that has been set.
    async fn region_centres(&self) -> Result<Vec<RegionCentre>>;
    /// Sets (or moves) a region's centre; [`StoreError::InvalidReference`] for no such region.
    async fn set_region_centre(&self, centre: RegionCentre, audit: Audit) -> Result<()>;
}
