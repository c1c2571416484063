//! Hazards (`Hazards`): the lists each person works from and the steps of the loop, each
//! decided by the domain and stored with its event and evidence.

use crate::core::Core;
use crate::intake::{checked_photos, IntakeInput, IntakeService, KeyScope};
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
    /// The case opened for it (转为工单): its number and state (the case page itself checks
    /// who may read it).
    pub case: Option<LinkedCase>,
}

/// A hazard's case, as the hazard page names it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkedCase {
    pub id: fengqiao_domain::ids::CaseId,
    pub case_no: String,
    pub state_label: &'static str,
}

pub struct Hazards {
    core: Arc<Core>,
    intake: Arc<IntakeService>,
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
        HazardAction::OpenCase {
            case_id: h.case_id.unwrap_or(fengqiao_domain::ids::CaseId(0)),
            case_no: String::new(),
            remark: None,
        },
    ];
    probes
        .iter()
        // Opened once: offered while no case is open for it.
        .filter(|a| !(matches!(a, HazardAction::OpenCase { .. }) && h.case_id.is_some()))
        .filter(|a| decide(h, a, actor, now).is_ok())
        .map(HazardAction::kind)
        .collect()
}

impl Hazards {
    pub(crate) fn new(core: Arc<Core>, intake: Arc<IntakeService>) -> Self {
        Hazards { core, intake }
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

    /// The counts of the actor's region at each stage of the loop, overdue now, relapsed.
    pub async fn counts(&self, actor: &Actor) -> Result<HazardCounts> {
        Ok(self
            .core
            .store
            .hazard_counts(&actor.region_path, self.core.now())
            .await?)
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
        let case = match hazard.case_id {
            Some(c) => store.case(c).await?.map(|r| LinkedCase {
                id: c,
                case_no: r.case.case_no.to_string(),
                state_label: r.case.state.label(),
            }),
            None => None,
        };
        Ok(HazardSheet {
            case,
            overdue: hazard.is_overdue(now),
            owner_unit: self.core.unit_name(hazard.owner_unit_id),
            events: store.hazard_events(id).await?,
            photos: store.hazard_photos(id).await?,
            offered: offered(&hazard, actor, now),
            place: crate::places::mask_owner(place, actor),
            hazard,
        })
    }

    /// 转为工单: the hazard needs another unit's work, so an ordinary case is opened for it
    /// through the one intake (triage, deadlines, dispatch, audit as any case), in the place's
    /// village or grid, and the hazard points at it. The intake is keyed by the hazard: sent
    /// again — a retry after a lost answer, a second operator at the same moment — it finds
    /// the same case, never a second one.
    pub async fn open_case(
        &self,
        actor: &Actor,
        id: HazardId,
        version: Option<i64>,
        remark: Option<String>,
    ) -> Result<Hazard> {
        let h = self.visible(actor, id).await?;
        if version.is_some_and(|v| v != h.version) {
            return Err(AppError::Conflict(
                "该隐患刚被他人处理过，请刷新页面查看后再操作".into(),
            ));
        }
        if let Some(c) = h.case_id {
            let no = match self.core.store.case(c).await? {
                Some(r) => r.case.case_no.to_string(),
                None => c.to_string(),
            };
            return Err(AppError::Conflict(format!(
                "该隐患已转为工单 {no}，请在工单中跟进"
            )));
        }
        // Who may and when, before anything is written.
        let probe = HazardAction::OpenCase {
            case_id: fengqiao_domain::ids::CaseId(0),
            case_no: String::new(),
            remark: remark.clone(),
        };
        decide(&h, &probe, actor, self.core.now())?;
        let place = self
            .core
            .store
            .place(h.place_id)
            .await?
            .ok_or_else(|| AppError::internal("a hazard's place is missing"))?;
        // Drawn from the hazard alone, so a retry is the same report to the intake's key; the
        // operator's remark goes on the hazard's history (and the dispatch carries its own).
        let body = format!(
            "【隐患转办】{}（{}，登记编号 {}）检查发现「{}」不合格：{}。{}",
            place.name,
            place.kind.label(),
            place.reg_no,
            h.item_text,
            h.description,
            h.due_at
                .map(|d| format!(
                    "（隐患整改期限 {}）",
                    d.with_timezone(&fengqiao_domain::china_offset())
                        .format("%Y年%m月%d日")
                ))
                .unwrap_or_default(),
        );
        let out = self
            .intake
            .submit(
                actor,
                IntakeInput {
                    title: Some(format!("{}：{}", place.name, h.item_text)),
                    // Who found it: the inspector, not a member of the public.
                    reporter_name: Some(h.found_by.clone()),
                    body,
                    channel: Some(fengqiao_domain::case::Channel::Inspection.as_str().into()),
                    priority: (h.severity == Severity::Major).then(|| "urgent".to_string()),
                    region_id: Some(place.region_id.0),
                    address: Some(place.address.clone().unwrap_or_else(|| place.name.clone())),
                    latitude: place.latitude,
                    longitude: place.longitude,
                    idempotency_key: Some(format!("hazard-{}", h.id.0)),
                    key_scope: Some(KeyScope::System),
                    ..IntakeInput::default()
                },
            )
            .await?;
        let action = HazardAction::OpenCase {
            case_id: out.case.id,
            case_no: out.case.case_no.to_string(),
            remark,
        };
        // The case is kept whatever happens next; a step taken on the hazard meanwhile is
        // read again rather than refused (the link does not depend on it).
        for _ in 0..3 {
            let h = self.visible(actor, id).await?;
            if h.case_id == Some(out.case.id) {
                return Ok(h);
            }
            let decision = decide(&h, &action, actor, self.core.now())?;
            match self.core.store.commit_hazard(decision, Vec::new()).await {
                Err(StoreError::Conflict) => continue,
                other => return Ok(other?),
            }
        }
        Err(AppError::Conflict(
            "该隐患正被他人连续处理，请稍后刷新页面查看".into(),
        ))
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
        if let HazardAction::OpenCase { remark, .. } = action {
            if !photos.is_empty() {
                return Err(invalid("photos", "只有填报整改时可以上传佐证照片"));
            }
            return self.open_case(actor, id, version, remark).await;
        }
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
            HazardAction::OpenCase { .. } => {
                return Err(invalid("action", "转为工单须经统一受理登记，不能补录"));
            }
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
