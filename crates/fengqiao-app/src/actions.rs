//! Case actions: load, decide, commit — one transaction per action, retried when someone else
//! changed the case in between, so every decision is made on the stored state.

use crate::core::Core;
use crate::triage::Triage;
use crate::{AppError, Result};
use fengqiao_domain::access::can_view;
use fengqiao_domain::case::Case;
use fengqiao_domain::deadline::local_date;
use fengqiao_domain::ids::{CaseId, UnitId};
use fengqiao_domain::lifecycle::{decide, Action, DecideContext};
use fengqiao_domain::org::{Actor, ActorRole};
use fengqiao_store::*;
use std::sync::Arc;

/// Applies lifecycle actions to cases.
pub struct CaseActions {
    core: Arc<Core>,
    triage: Arc<Triage>,
}

impl CaseActions {
    pub(crate) fn new(core: Arc<Core>, triage: Arc<Triage>) -> Self {
        CaseActions { core, triage }
    }

    /// Applies one action to a case: load, decide, commit — retried if someone else changed the
    /// case in between, so the decision is always made on the stored state.
    pub async fn act(&self, actor: &Actor, id: CaseId, action: Action) -> Result<Case> {
        self.act_as(actor, id, action, None).await
    }

    /// [`CaseActions::act`] for an update a client sent under its own id, recorded with the event.
    pub(crate) async fn act_as(
        &self,
        actor: &Actor,
        id: CaseId,
        action: Action,
        external: Option<ExternalRef>,
    ) -> Result<Case> {
        for _ in 0..5 {
            let rec = self
                .core
                .store
                .case(id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("工单 {id} 不存在")))?;
            let parent = match rec.case.handling.parent_id {
                Some(p) => self.core.store.case(p).await?.map(|r| r.case),
                None => None,
            };
            let task_units: Vec<UnitId> = rec.tasks.iter().map(|t| t.unit_id).collect();
            if actor.role != ActorRole::System
                && !can_view(
                    actor,
                    &rec.case,
                    &task_units,
                    parent.as_ref().and_then(|p| p.handling.unit_id),
                )
            {
                return Err(AppError::NotFound(format!("工单 {id} 不存在")));
            }
            // The other case a merge or split touches must be one the actor may see too: out of
            // scope it is "not found", whatever the action.
            let merge_target = match (&action, rec.case.outcome.merged_into) {
                (Action::Merge { into, .. }, _) => {
                    Some(self.core.visible_case(actor, *into).await?.case)
                }
                (Action::Split { .. }, Some(into)) => {
                    Some(self.core.visible_case(actor, into).await?.case)
                }
                _ => None,
            };
            let region = match &action {
                Action::Register {
                    region_id: Some(r), ..
                } => self.core.regions().iter().find(|x| x.id == *r).cloned(),
                _ => None,
            };
            let units = self.core.units();
            let units_exist = action
                .referenced_unit()
                .is_none_or(|u| units.iter().any(|x| x.id == u));
            let (calendar, policies, categories) = (
                self.core.calendar(),
                self.core.policies(),
                self.core.categories(),
            );
            let now = self.core.now();
            let ctx = DecideContext {
                now,
                actor,
                calendar: &calendar,
                policies: &policies,
                categories: &categories,
                children: &rec.children,
                tasks: &rec.tasks,
                parent: parent.as_ref(),
                merge_target: merge_target.as_ref(),
                region: region.as_ref(),
                units_exist,
                yellow_share: self.core.config.yellow_share,
            };
            let decision = decide(&rec.case, &action, &ctx)?;
            let feedback = match &action {
                Action::Register { category_id, .. } if actor.user_id.is_some() => {
                    self.triage
                        .feedback_for(id, category_id.or(rec.case.category_id))
                        .await?
                }
                _ => None,
            };
            let settles = match (&action, rec.case.outcome.merged_into) {
                (Action::Merge { into, .. }, _) => vec![(id, *into, ProposalStatus::Merged)],
                (Action::Split { .. }, Some(into)) => vec![(id, into, ProposalStatus::Dismissed)],
                _ => Vec::new(),
            };
            if let Some(due) = decision.case.deadlines.reply_due {
                let gaps = calendar.unknown_years_between(local_date(now), local_date(due));
                if !gaps.is_empty() {
                    tracing::warn!(years = ?gaps, case = %rec.case.case_no, "no holiday calendar for these years: counting Monday–Friday; import the official calendar with `fengqiao calendar import`");
                }
            }
            match self
                .core
                .store
                .commit(Changeset {
                    case: decision.case,
                    event: decision.event,
                    effects: decision.effects,
                    actor_id: actor.user_id,
                    actor_name: actor.name.clone(),
                    at: now,
                    feedback,
                    settles,
                    external: external.clone(),
                })
                .await
            {
                Ok(case) => {
                    if !case.state.is_open() {
                        self.triage.forget_case(case.id);
                    } else if matches!(action, Action::Split { .. }) {
                        self.triage.index_case(&case);
                    }
                    return Ok(case);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Conflict(
            "工单正被他人同时处理，请刷新后重试".into(),
        ))
    }
}
