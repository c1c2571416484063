//! Hazards (`Hazards`): the lists each person works from and the steps of the loop, each
//! decided by the domain and stored with its event and evidence.

use crate::core::Core;
use crate::intake::checked_photos;
use crate::{invalid, AppError, Result};
use fengqiao_domain::ids::{HazardId, RegionId};
use fengqiao_domain::org::Actor;
use fengqiao_domain::places::*;
use fengqiao_store::*;
use std::sync::Arc;

/// Everything a hazard's page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct HazardSheet {
    pub hazard: Hazard,
    pub place: Place,
    pub overdue: bool,
    pub owner_unit: Option<String>,
    pub events: Vec<HazardEvent>,
    pub photos: Vec<i64>,
    /// The steps the viewer may take now.
    pub offered: Vec<HazardActionKind>,
}

pub struct Hazards {
    core: Arc<Core>,
}

/// The steps `actor` may take on `h` now: those `decide` would accept with a plausible input.
pub fn offered(
    h: &Hazard,
    actor: &Actor,
    now: fengqiao_domain::Timestamp,
) -> Vec<HazardActionKind> {
    let probes = [
        HazardAction::Assign {
            owner_unit_id: h.owner_unit_id.unwrap_or(fengqiao_domain::UnitId(0)),
            leader: "责任领导".into(),
            due_at: now + chrono::Duration::days(1),
            remark: None,
        },
        HazardAction::Rectify {
            remark: "整改".into(),
            evidence: 1,
        },
        HazardAction::Recheck {
            passed: true,
            remark: None,
        },
        HazardAction::SignOff { remark: None },
    ];
    probes
        .iter()
        .filter(|a| decide(h, a, actor, now).is_ok())
        .map(HazardAction::kind)
        .collect()
}

impl Hazards {
    pub(crate) fn new(core: Arc<Core>) -> Self {
        Hazards { core }
    }

    /// Hazards within the actor's region (or a village/grid of it), newest first.
    pub async fn list(
        &self,
        actor: &Actor,
        region: Option<RegionId>,
        mut filter: HazardFilter,
    ) -> Result<Page<Hazard>> {
        filter.region_path = match region {
            None => actor.region_path.clone(),
            Some(id) => {
                let r = self.core.region_exists(id)?;
                if !actor.covers(Some(&r.path)) {
                    return Err(AppError::Forbidden("只能查看自己负责区域内的隐患".into()));
                }
                r.path
            }
        };
        Ok(self.core.store.hazards(&filter).await?)
    }

    async fn visible(&self, actor: &Actor, id: HazardId) -> Result<Hazard> {
        match self.core.store.hazard(id).await? {
            Some(h) if can_view_place(actor, &h.region_path) => Ok(h),
            _ => Err(AppError::NotFound(format!("隐患 {id} 不存在"))),
        }
    }

    pub async fn get(&self, actor: &Actor, id: HazardId) -> Result<HazardSheet> {
        let hazard = self.visible(actor, id).await?;
        let store = &self.core.store;
        let place = store
            .place(hazard.place_id)
            .await?
            .ok_or_else(|| AppError::internal("a hazard's place is missing"))?;
        let now = self.core.now();
        Ok(HazardSheet {
            overdue: hazard.is_overdue(now),
            owner_unit: self.core.unit_name(hazard.owner_unit_id),
            events: store.hazard_events(id).await?,
            photos: store.hazard_photos(id).await?,
            offered: offered(&hazard, actor, now),
            place: crate::places::mask_owner(place, actor),
            hazard,
        })
    }

    /// Takes a step on a hazard; `photos` are the rectification's evidence (整改 only).
    pub async fn act(
        &self,
        actor: &Actor,
        id: HazardId,
        version: Option<i64>,
        action: HazardAction,
        photos: Vec<Vec<u8>>,
    ) -> Result<Hazard> {
        self.act_at(actor, id, version, action, photos, self.core.now())
            .await
    }

    /// A step `actor` took at `at`, for whoever loads history (the demo, paper records):
    /// only with [`Capability::LoadHistory`].
    pub async fn act_in_history(
        &self,
        loader: &Actor,
        actor: &Actor,
        id: HazardId,
        action: HazardAction,
        photos: Vec<Vec<u8>>,
        at: fengqiao_domain::Timestamp,
    ) -> Result<Hazard> {
        fengqiao_domain::access::require(loader, fengqiao_domain::access::Capability::LoadHistory)?;
        if at > self.core.now() {
            return Err(invalid("at", "历史记录的时间不能晚于现在"));
        }
        self.act_at(actor, id, None, action, photos, at).await
    }

    async fn act_at(
        &self,
        actor: &Actor,
        id: HazardId,
        version: Option<i64>,
        mut action: HazardAction,
        photos: Vec<Vec<u8>>,
        now: fengqiao_domain::Timestamp,
    ) -> Result<Hazard> {
        let h = self.visible(actor, id).await?;
        if version.is_some_and(|v| v != h.version) {
            return Err(AppError::Conflict(
                "该隐患刚被他人处理过，请刷新页面查看后再操作".into(),
            ));
        }
        let evidence = checked_photos(&photos)?;
        match &mut action {
            HazardAction::Assign { owner_unit_id, .. } => {
                self.core
                    .unit_exists("owner_unit_id", Some(*owner_unit_id))?;
            }
            HazardAction::Rectify { evidence: n, .. } => *n = evidence.len() as u32,
            _ if !evidence.is_empty() => {
                return Err(invalid("photos", "只有填报整改时可以上传佐证照片"));
            }
            _ => {}
        }
        let decision = decide(&h, &action, actor, now)?;
        self.core
            .store
            .commit_hazard(decision, evidence)
            .await
            .map_err(|e| match e {
                StoreError::Conflict => {
                    AppError::Conflict("该隐患刚被他人处理过，请刷新页面查看后再操作".into())
                }
                e => e.into(),
            })
    }
}
