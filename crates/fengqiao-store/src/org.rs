//! The organisation: regions, units, categories and the questions a category asks.

use crate::*;
use async_trait::async_trait;
use fengqiao_domain::attributes::ServiceAttribute;
use fengqiao_domain::ids::{CategoryId, RegionId, UnitId};
use fengqiao_domain::org::{Category, Platform, Region, RegionLevel, Unit, UnitKind};

#[derive(Debug, Clone)]
pub struct NewRegion {
    pub parent_id: Option<RegionId>,
    pub name: String,
    pub level: RegionLevel,
}

#[derive(Debug, Clone)]
pub struct NewUnit {
    pub name: String,
    pub kind: UnitKind,
    pub platform: Option<Platform>,
    pub region_id: RegionId,
}

#[derive(Debug, Clone)]
pub struct NewCategory {
    pub parent_id: Option<CategoryId>,
    pub name: String,
    pub default_unit_id: Option<UnitId>,
    pub is_petition: bool,
}

/// Regions, units and categories. Every change is written together with its audit entry, in one transaction.
#[async_trait]
pub trait OrgStore: Send + Sync + 'static {
    async fn insert_region(&self, r: NewRegion, audit: Audit) -> Result<Region>;
    async fn regions(&self) -> Result<Vec<Region>>;
    async fn insert_unit(&self, u: NewUnit, audit: Audit) -> Result<Unit>;
    async fn units(&self) -> Result<Vec<Unit>>;
    async fn insert_category(&self, c: NewCategory, audit: Audit) -> Result<Category>;
    async fn categories(&self) -> Result<Vec<Category>>;
    /// Adds a question to a category (the `id` of `a` is ignored).
    async fn insert_category_attribute(
        &self,
        a: ServiceAttribute,
        audit: Audit,
    ) -> Result<ServiceAttribute>;
    async fn category_attributes(&self) -> Result<Vec<ServiceAttribute>>;
}
