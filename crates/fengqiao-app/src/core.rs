//! What every service shares: the store (private to the services), the clock, the settings,
//! the reference data read on every decision (cached, reloaded when an admin changes it), and
//! the checks of scope and role that come from the actor, never from the request.

use crate::error::AppError;
use crate::{invalid, AppConfig, Clock, Result};
use fengqiao_domain::access::can_view;
use fengqiao_domain::attributes::ServiceAttribute;
use fengqiao_domain::calendar::Calendar;
use fengqiao_domain::deadline::TimePolicy;
use fengqiao_domain::ids::{CaseId, CaseNo, CategoryId, RegionId, UnitId};
use fengqiao_domain::org::{Actor, ActorRole, Category, Region, Unit, User};
use fengqiao_domain::Timestamp;
use fengqiao_store::*;
use std::sync::{Arc, RwLock};

/// Configuration read on every decision, cached and reloaded when an admin changes it.
#[derive(Default)]
struct Reference {
    calendar: Arc<Calendar>,
    policies: Arc<Vec<TimePolicy>>,
    categories: Arc<Vec<Category>>,
    units: Arc<Vec<Unit>>,
    regions: Arc<Vec<Region>>,
    attributes: Arc<Vec<ServiceAttribute>>,
}

/// The shared core of the services.
pub struct Core {
    pub(crate) store: Arc<dyn Store>,
    pub clock: Arc<dyn Clock>,
    pub config: AppConfig,
    reference: RwLock<Reference>,
}

impl Core {
    pub(crate) async fn new(
        store: Arc<dyn Store>,
        clock: Arc<dyn Clock>,
        config: AppConfig,
    ) -> Result<Self> {
        let core = Core {
            store,
            clock,
            config,
            reference: RwLock::new(Reference::default()),
        };
        core.seed_calendar_if_empty().await?;
        core.reload().await?;
        Ok(core)
    }

    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// China-time today.
    pub fn today(&self) -> chrono::NaiveDate {
        fengqiao_domain::deadline::local_date(self.now())
    }

    /// A round trip to the database, for health checks.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    async fn seed_calendar_if_empty(&self) -> Result<()> {
        if self.store.calendar_days().await?.is_empty() {
            let days = fengqiao_domain::calendar::parse_csv(fengqiao_domain::calendar::BUILTIN_CSV)
                .map_err(AppError::internal)?;
            let audit = Audit {
                actor_id: None,
                actor_name: "系统".into(),
                at: self.now(),
            };
            self.store.upsert_calendar_days(days, audit).await?;
        }
        Ok(())
    }

    /// Reloads the cached configuration from the store.
    pub async fn reload(&self) -> Result<()> {
        let calendar = Calendar::new(self.store.calendar_days().await?);
        let r = Reference {
            calendar: Arc::new(calendar),
            policies: Arc::new(self.store.policies().await?),
            categories: Arc::new(self.store.categories().await?),
            units: Arc::new(self.store.units().await?),
            regions: Arc::new(self.store.regions().await?),
            attributes: Arc::new(self.store.category_attributes().await?),
        };
        *self.reference.write().expect("reference lock") = r;
        Ok(())
    }

    pub fn calendar(&self) -> Arc<Calendar> {
        self.reference
            .read()
            .expect("reference lock")
            .calendar
            .clone()
    }

    pub fn categories(&self) -> Arc<Vec<Category>> {
        self.reference
            .read()
            .expect("reference lock")
            .categories
            .clone()
    }

    /// The questions a category asks, in form order.
    pub fn category_attributes(&self, id: CategoryId) -> Vec<ServiceAttribute> {
        self.reference
            .read()
            .expect("reference lock")
            .attributes
            .iter()
            .filter(|a| a.category_id == id)
            .cloned()
            .collect()
    }

    pub fn units(&self) -> Arc<Vec<Unit>> {
        self.reference.read().expect("reference lock").units.clone()
    }

    pub fn regions(&self) -> Arc<Vec<Region>> {
        self.reference
            .read()
            .expect("reference lock")
            .regions
            .clone()
    }

    pub fn policies(&self) -> Arc<Vec<TimePolicy>> {
        self.reference
            .read()
            .expect("reference lock")
            .policies
            .clone()
    }

    /// The actor for a user: their scope is their region's subtree.
    pub fn actor_for(&self, user: &User) -> Actor {
        let path = self
            .regions()
            .iter()
            .find(|r| r.id == user.region_id)
            .map(|r| r.path.clone())
            .unwrap_or_else(|| "/".into());
        Actor::from_user(user, &path)
    }

    pub(crate) fn scope_for(&self, actor: &Actor) -> Scope {
        fengqiao_domain::access::scope_of(actor)
    }

    /// The audit stamp a change by `actor` is stored with.
    pub(crate) fn audit(&self, actor: &Actor) -> Audit {
        Audit {
            actor_id: actor.user_id,
            actor_name: actor.name.clone(),
            at: self.now(),
        }
    }

    /// The region an address names: the deepest region whose name it contains. A name that
    /// several regions share (every village's "第一网格") counts only when its parent is named
    /// too. Names of one character are ignored.
    pub fn region_in_address(&self, address: &str) -> Option<RegionId> {
        let regions = self.regions();
        let named: Vec<&Region> = regions
            .iter()
            .filter(|r| r.name.chars().nth(1).is_some() && address.contains(r.name.as_str()))
            .collect();
        named
            .iter()
            .filter(|r| {
                regions.iter().filter(|x| x.name == r.name).count() == 1
                    || r.parent_id.is_some_and(|p| named.iter().any(|m| m.id == p))
            })
            .max_by_key(|r| (r.path.matches('/').count(), r.name.len()))
            .map(|r| r.id)
    }

    /// Next year, while its official holidays are not in the calendar: deadlines running into
    /// it are counted Monday to Friday until they are imported.
    pub fn missing_calendar_year(&self) -> Option<i32> {
        use chrono::Datelike;
        let next = fengqiao_domain::deadline::local_date(self.now()).year() + 1;
        (!self.calendar().is_known_year(next)).then_some(next)
    }

    /// The committee of the village (or community) a region lies in, if it has one: who
    /// handles what a category sends to "the case's own village".
    pub fn village_committee(&self, region: RegionId) -> Option<UnitId> {
        use fengqiao_domain::org::{RegionLevel, UnitKind};
        let regions = self.regions();
        let place = regions.iter().find(|r| r.id == region)?;
        let village = regions.iter().find(|v| {
            matches!(v.level, RegionLevel::Village | RegionLevel::Community)
                && place.path.starts_with(&v.path)
        })?;
        self.units()
            .iter()
            .find(|u| u.kind == UnitKind::VillageCommittee && u.region_id == village.id)
            .map(|u| u.id)
    }

    pub(crate) fn region_exists(&self, id: RegionId) -> Result<Region> {
        self.regions()
            .iter()
            .find(|r| r.id == id)
            .cloned()
            .ok_or_else(|| invalid("region_id", format!("区域 {id} 不存在")))
    }

    pub(crate) fn unit_exists(&self, field: &'static str, id: Option<UnitId>) -> Result<()> {
        match id {
            Some(u) if !self.units().iter().any(|x| x.id == u) => {
                Err(invalid(field, format!("单位 {u} 不存在")))
            }
            _ => Ok(()),
        }
    }

    pub(crate) fn category_exists(
        &self,
        field: &'static str,
        id: Option<CategoryId>,
    ) -> Result<()> {
        match id {
            Some(c) if !self.categories().iter().any(|x| x.id == c) => {
                Err(invalid(field, format!("分类 {c} 不存在")))
            }
            _ => Ok(()),
        }
    }

    /// The name of a unit, for views.
    pub fn unit_name(&self, id: Option<UnitId>) -> Option<String> {
        let id = id?;
        self.units()
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
    }

    /// The name of a category, for views.
    pub fn category_name(&self, id: Option<CategoryId>) -> Option<String> {
        let id = id?;
        self.categories()
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.clone())
    }

    /// A case by its public number, whoever asks (callers decide what of it to show).
    pub(crate) async fn case_by_no(&self, no: &CaseNo) -> Result<Option<CaseRecord>> {
        match self.store.case_id_by_no(no).await? {
            Some(id) => Ok(self.store.case(id).await?),
            None => Ok(None),
        }
    }

    /// A case with everything hanging off it, if the actor may see it. A case outside one's
    /// scope is "not found", never "forbidden": its existence is not acknowledged.
    pub(crate) async fn visible_case(&self, actor: &Actor, id: CaseId) -> Result<CaseRecord> {
        let not_found = || AppError::NotFound(format!("工单 {id} 不存在"));
        let rec = self.store.case(id).await?.ok_or_else(not_found)?;
        if actor.role == ActorRole::System {
            return Ok(rec);
        }
        let parent_unit = match rec.case.handling.parent_id {
            Some(p) => self
                .store
                .case(p)
                .await?
                .and_then(|r| r.case.handling.unit_id),
            None => None,
        };
        let task_units: Vec<UnitId> = rec.tasks.iter().map(|t| t.unit_id).collect();
        if can_view(actor, &rec.case, &task_units, parent_unit) {
            Ok(rec)
        } else {
            Err(not_found())
        }
    }

    /// A case with what its page shows, in one read, if the actor may see it (as
    /// [`Core::visible_case`]).
    pub(crate) async fn visible_sheet(&self, actor: &Actor, id: CaseId) -> Result<CaseSheet> {
        let sheet = self
            .store
            .case_sheet(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("工单 {id} 不存在")))?;
        self.sheet_if_visible(actor, sheet)
    }

    /// The sheet, if the actor may view its case (as [`Core::visible_sheet`] decides for one it
    /// reads).
    pub(crate) fn sheet_if_visible(&self, actor: &Actor, sheet: CaseSheet) -> Result<CaseSheet> {
        let task_units: Vec<UnitId> = sheet.record.tasks.iter().map(|t| t.unit_id).collect();
        if actor.role == ActorRole::System
            || can_view(actor, &sheet.record.case, &task_units, sheet.parent_unit)
        {
            Ok(sheet)
        } else {
            Err(AppError::NotFound(format!(
                "工单 {} 不存在",
                sheet.record.case.id
            )))
        }
    }
}
