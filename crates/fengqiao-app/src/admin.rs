//! Administration of the organisation and the configuration: regions, units, categories and
//! their questions, users, time limits, the calendar; the audit log. Admin only (the CLI acts as
//! the system); every change is written with its audit entry.

use crate::core::Core;
use crate::error::duplicate_means;
use crate::{auth, invalid, Result};
use fengqiao_domain::access::{self, Capability};
use fengqiao_domain::attributes::ServiceAttribute;
use fengqiao_domain::calendar::CalendarDay;
use fengqiao_domain::check_text;
use fengqiao_domain::deadline::TimePolicy;
use fengqiao_domain::ids::{CategoryId, RegionId, UnitId};
use fengqiao_domain::limits::*;
use fengqiao_domain::org::{
    Actor, ActorRole, Category, Platform, Region, RegionLevel, Role, Unit, UnitKind, User,
};
use fengqiao_store::*;
use std::sync::Arc;

/// Organisation and configuration.
pub struct Admin {
    core: Arc<Core>,
}

impl Admin {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Admin { core }
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_user(
        &self,
        actor: &Actor,
        username: &str,
        display_name: &str,
        password: &str,
        role: Role,
        region_id: RegionId,
        unit_id: Option<UnitId>,
    ) -> Result<User> {
        access::require(actor, Capability::ManageUsers)?;
        let username = username.trim();
        if username.is_empty()
            || username.chars().count() > 64
            || !username
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(invalid("username", "用户名须为 1–64 位字母、数字或 . _ -"));
        }
        let display_name = check_text("display_name", display_name, NAME_MAX_CHARS)?;
        // Admins hold the keys to everyone's data: a longer password for them.
        let min = if role == Role::Admin { 12 } else { 8 };
        if password.chars().count() < min {
            return Err(invalid(
                "password",
                format!(
                    "{}密码至少 {min} 位",
                    if role == Role::Admin { "管理员" } else { "" }
                ),
            ));
        }
        let kinds = [
            password.chars().any(|c| c.is_alphabetic()),
            password.chars().any(|c| c.is_ascii_digit()),
            password.chars().any(|c| !c.is_alphanumeric()),
        ];
        if kinds.iter().filter(|k| **k).count() < 2 {
            return Err(invalid(
                "password",
                "密码须包含字母、数字、符号中的至少两类",
            ));
        }
        if username.chars().count() >= 3
            && password.to_lowercase().contains(&username.to_lowercase())
        {
            return Err(invalid("password", "密码不能包含用户名"));
        }
        let region = self.core.region_exists(region_id)?;
        access::require_within(actor, Capability::ManageUsers, Some(&region.path))?;
        self.core.unit_exists("unit_id", unit_id)?;
        if let Some(unit) =
            unit_id.and_then(|u| self.core.units().iter().find(|x| x.id == u).cloned())
        {
            let unit_region = self.core.region_exists(unit.region_id)?;
            access::require_within(actor, Capability::ManageUsers, Some(&unit_region.path))?;
        }
        if matches!(role, Role::UnitStaff | Role::GridWorker) && unit_id.is_none() {
            return Err(invalid("unit_id", "承办人员和网格员须指定所在单位"));
        }
        let password_hash = auth::hash_password_blocking(password.to_string()).await?;
        let new = NewUser {
            username: username.to_string(),
            display_name,
            role,
            region_id,
            unit_id,
            password_hash,
            created_at: self.core.now(),
        };
        Ok(self
            .core
            .store
            .insert_user(new, self.core.audit(actor))
            .await?)
    }

    pub async fn create_region(
        &self,
        actor: &Actor,
        parent_id: Option<RegionId>,
        name: &str,
        level: RegionLevel,
    ) -> Result<Region> {
        let parent = parent_id.map(|p| self.core.region_exists(p)).transpose()?;
        access::require_within(
            actor,
            Capability::ManageRegions,
            parent.as_ref().map(|p| p.path.as_str()),
        )?;
        let fits = match &parent {
            None => level == RegionLevel::Town,
            Some(p) => level.depth() > p.level.depth(),
        };
        if !fits {
            return Err(invalid(
                "level",
                match &parent {
                    None => "最上级区域须为乡镇".to_string(),
                    Some(p) => format!(
                        "「{}」之下不能再设「{}」：乡镇之下为村（社区），村（社区）之下为网格",
                        p.level.label(),
                        level.label()
                    ),
                },
            ));
        }
        let name = check_text("name", name, NAME_MAX_CHARS)?;
        let region = self
            .core
            .store
            .insert_region(
                NewRegion {
                    parent_id,
                    name,
                    level,
                },
                self.core.audit(actor),
            )
            .await
            .map_err(duplicate_means("同一上级下已有同名区域"))?;
        self.core.reload().await?;
        Ok(region)
    }

    pub async fn create_unit(
        &self,
        actor: &Actor,
        name: &str,
        kind: UnitKind,
        platform: Option<Platform>,
        region_id: RegionId,
    ) -> Result<Unit> {
        let region = self.core.region_exists(region_id)?;
        access::require_within(actor, Capability::ManageUnits, Some(&region.path))?;
        let name = check_text("name", name, NAME_MAX_CHARS)?;
        let unit = self
            .core
            .store
            .insert_unit(
                NewUnit {
                    name,
                    kind,
                    platform,
                    region_id,
                },
                self.core.audit(actor),
            )
            .await
            .map_err(duplicate_means("同名单位已存在"))?;
        self.core.reload().await?;
        Ok(unit)
    }

    pub async fn create_category(
        &self,
        actor: &Actor,
        parent_id: Option<CategoryId>,
        name: &str,
        default_unit_id: Option<UnitId>,
        is_petition: bool,
    ) -> Result<Category> {
        access::require(actor, Capability::ManageCategories)?;
        let name = check_text("name", name, NAME_MAX_CHARS)?;
        self.core.category_exists("parent_id", parent_id)?;
        self.core.unit_exists("default_unit_id", default_unit_id)?;
        let new = NewCategory {
            parent_id,
            name,
            default_unit_id,
            is_petition,
        };
        let cat = self
            .core
            .store
            .insert_category(new, self.core.audit(actor))
            .await
            .map_err(duplicate_means("同一上级下已有同名分类"))?;
        self.core.reload().await?;
        Ok(cat)
    }

    /// Adds a question to a category (admin).
    pub async fn create_category_attribute(
        &self,
        actor: &Actor,
        attribute: ServiceAttribute,
    ) -> Result<ServiceAttribute> {
        access::require(actor, Capability::ManageCategories)?;
        self.core
            .category_exists("category_id", Some(attribute.category_id))?;
        fengqiao_domain::attributes::check_definition(&attribute)?;
        let a = self
            .core
            .store
            .insert_category_attribute(attribute, self.core.audit(actor))
            .await
            .map_err(duplicate_means("该分类已有同代码或同顺序的属性"))?;
        self.core.reload().await?;
        Ok(a)
    }

    pub async fn set_policy(&self, actor: &Actor, policy: TimePolicy) -> Result<TimePolicy> {
        access::require(actor, Capability::SetTimeLimits)?;
        if policy.limit.amount == 0 || policy.limit.amount > 10_000 {
            return Err(invalid("amount", "时限须为 1–10000"));
        }
        self.core
            .category_exists("category_id", policy.category_id)?;
        let p = self
            .core
            .store
            .upsert_policy(policy, self.core.audit(actor))
            .await?;
        self.core.reload().await?;
        Ok(p)
    }

    /// Imports calendar days (e.g. a newly published year) and returns how many were written.
    pub async fn import_calendar(&self, actor: &Actor, days: Vec<CalendarDay>) -> Result<usize> {
        access::require(actor, Capability::MaintainCalendar)?;
        if days.is_empty() {
            return Err(invalid("days", "没有要导入的日期"));
        }
        let n = self
            .core
            .store
            .upsert_calendar_days(days, self.core.audit(actor))
            .await?;
        self.core.reload().await?;
        Ok(n)
    }

    /// The calendar's listed days, optionally of one year.
    pub async fn calendar_days(&self, year: Option<i32>) -> Result<Vec<CalendarDay>> {
        use chrono::Datelike;
        let days = self.core.store.calendar_days().await?;
        Ok(days
            .into_iter()
            .filter(|d| year.is_none_or(|y| d.date.year() == y))
            .collect())
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<User>> {
        access::require(actor, Capability::ViewUsers)?;
        let regions = self.core.regions();
        let path_of = |id| regions.iter().find(|r| r.id == id).map(|r| r.path.as_str());
        let mut users = self.core.store.users().await?;
        users.retain(|u| actor.role == ActorRole::System || actor.covers(path_of(u.region_id)));
        Ok(users)
    }

    /// Disables a user (someone who left) and ends their sessions, or enables them again. An
    /// admin manages users of their own region only, and never disables themself.
    pub async fn set_user_active(
        &self,
        actor: &Actor,
        user_id: fengqiao_domain::ids::UserId,
        active: bool,
    ) -> Result<User> {
        access::require(actor, Capability::ManageUsers)?;
        let users = self.core.store.users().await?;
        let user = users
            .iter()
            .find(|u| u.id == user_id)
            .ok_or_else(|| crate::AppError::NotFound(format!("用户 {user_id} 不存在")))?;
        let region = self.core.region_exists(user.region_id)?;
        access::require_within(actor, Capability::ManageUsers, Some(&region.path))?;
        if actor.user_id == Some(user_id) && !active {
            return Err(invalid("user_id", "不能停用自己的账号"));
        }
        Ok(self
            .core
            .store
            .set_user_active(user_id, active, self.core.audit(actor))
            .await?)
    }

    pub async fn audit_log(&self, actor: &Actor, limit: u32) -> Result<Vec<AuditEntry>> {
        access::require(actor, Capability::ViewAuditLog)?;
        Ok(self.core.store.audit_log(limit.clamp(1, 1000)).await?)
    }

    /// One page of the audit trail, newest first.
    pub async fn audit_page(
        &self,
        actor: &Actor,
        page: u32,
        page_size: u32,
    ) -> Result<Page<AuditEntry>> {
        access::require(actor, Capability::ViewAuditLog)?;
        if page == 0 {
            return Err(invalid("page", "page 从 1 开始"));
        }
        if page_size == 0 || page_size > fengqiao_domain::limits::PAGE_SIZE_MAX {
            return Err(invalid(
                "page_size",
                format!(
                    "page_size 须为 1–{}",
                    fengqiao_domain::limits::PAGE_SIZE_MAX
                ),
            ));
        }
        Ok(self.core.store.audit_page(page, page_size).await?)
    }

    /// Writes complete cases with their histories as they are (the demo's generated years, a
    /// migration from another system). The system only: nothing here passes the lifecycle.
    pub async fn load_history(&self, actor: &Actor, bundles: Vec<CaseBundle>) -> Result<()> {
        access::require(actor, Capability::LoadHistory)?;
        Ok(self.core.store.insert_bundles(bundles).await?)
    }
}
