//! Case actions: load, decide, commit — one transaction per action, retried when someone else
//! changed the case in between, so every decision is made on the stored state.

use crate::core::Core;
use crate::triage::Triage;
use crate::{AppError, Result};
use fengqiao_domain::access::can_view;
use fengqiao_domain::calendar::Calendar;
use fengqiao_domain::case::Case;
use fengqiao_domain::deadline::local_date;
use fengqiao_domain::deadline::TimePolicy;
use fengqiao_domain::ids::{CaseId, UnitId};
use fengqiao_domain::lifecycle::{decide, offered, Action, DecideContext, Offer};
use fengqiao_domain::org::Category;
use fengqiao_domain::org::{Actor, ActorRole};
use fengqiao_store::*;
use std::sync::Arc;

/// A stored case and the configuration a decision on it reads.
struct Loaded {
    rec: CaseRecord,
    parent: Option<Case>,
    calendar: Arc<Calendar>,
    policies: Arc<Vec<TimePolicy>>,
    categories: Arc<Vec<Category>>,
    now: fengqiao_domain::Timestamp,
    yellow_share: f64,
}

impl Loaded {
    /// The decision context for `actor`, with no merge target or region and the referenced
    /// units taken to exist: callers fill those in for the action at hand.
    fn ctx<'a>(&'a self, actor: &'a Actor) -> DecideContext<'a> {
        DecideContext {
            now: self.now,
            actor,
            calendar: &self.calendar,
            policies: &self.policies,
            categories: &self.categories,
            children: &self.rec.children,
            tasks: &self.rec.tasks,
            parent: self.parent.as_ref(),
            merge_target: None,
            region: None,
            units_exist: true,
            yellow_share: self.yellow_share,
        }
    }
}

/// Applies lifecycle actions to cases.
pub struct CaseActions {
    core: Arc<Core>,
    triage: Arc<Triage>,
}

impl CaseActions {
    pub(crate) fn new(core: Arc<Core>, triage: Arc<Triage>) -> Self {
        CaseActions { core, triage }
    }

    /// The actions `actor` may take on a case now — what a case page offers. Out of the
    /// actor's sight, the case is "not found".
    pub async fn offered(&self, actor: &Actor, id: CaseId) -> Result<Vec<Offer>> {
        let l = self.load(actor, id).await?;
        let merged_into = match l.rec.case.outcome.merged_into {
            Some(into) => self.core.store.case(into).await?.map(|r| r.case),
            None => None,
        };
        let ctx = DecideContext {
            merge_target: merged_into.as_ref(),
            ..l.ctx(actor)
        };
        Ok(offered(&l.rec.case, &ctx))
    }

    /// A case with what every decision on it needs, checked against the actor's sight.
    async fn load(&self, actor: &Actor, id: CaseId) -> Result<Loaded> {
        let rec = self
            .core
            .store
            .case(id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("工单 {id} 不存在")))?;
        self.context(actor, rec).await
    }

    /// The decision context around a case's record, read or just written.
    async fn context(&self, actor: &Actor, rec: CaseRecord) -> Result<Loaded> {
        let id = rec.case.id;
        let parent = match rec.case.handling.parent_id {
            Some(p) => self.core.store.case(p).await?.map(|r| r.case),
            None => None,
        };
        let task_units: Vec<UnitId> = rec.tasks.iter().map(|t| t.unit_id).collect();
        // The system sees every case; a citizen reaches this only through `Citizens`, which
        // checked their ticket and phone first.
        if !matches!(actor.role, ActorRole::System | ActorRole::Citizen)
            && !can_view(
                actor,
                &rec.case,
                &task_units,
                parent.as_ref().and_then(|p| p.handling.unit_id),
            )
        {
            return Err(AppError::NotFound(format!("工单 {id} 不存在")));
        }
        Ok(Loaded {
            rec,
            parent,
            calendar: self.core.calendar(),
            policies: self.core.policies(),
            categories: self.core.categories(),
            now: self.core.now(),
            yellow_share: self.core.config.yellow_share,
        })
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
            let l = self.load(actor, id).await?;
            let mut change = self.change(actor, &l, &l.rec.case, &action).await?;
            change.external = external.clone();
            match self.core.store.commit(change).await {
                Ok(case) => {
                    self.after_commit(&case, &action);
                    return Ok(case);
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(conflict())
    }

    /// Triage's own registration and dispatch of a new case (智能分拨), decided on one load
    /// and stored in one transaction with the suggestion marked as dispatched by it: one
    /// write where there were three. A dispatch that is refused leaves the case registered,
    /// for an operator; a refused registration leaves it as it was. `None` when nothing was
    /// applied.
    ///
    /// `stored` is the record as the intake just wrote it, decided on without reading it back;
    /// should someone have changed the case since, the commit's version check fails and the
    /// case is read. Returns the case and whether the dispatch, not only the registration,
    /// was applied.
    pub(crate) async fn auto_dispatch(
        &self,
        actor: &Actor,
        mut stored: Option<CaseRecord>,
        id: CaseId,
        register: Action,
        dispatch: Action,
    ) -> Result<Option<(Case, bool)>> {
        for _ in 0..5 {
            let l = match stored.take() {
                Some(rec) => self.context(actor, rec).await?,
                None => self.load(actor, id).await?,
            };
            let registered = match self.change(actor, &l, &l.rec.case, &register).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(case = %l.rec.case.case_no, error = %e, "automatic registration refused; the case waits for an operator");
                    return Ok(None);
                }
            };
            // The case as the registration leaves it once stored (the store counts versions).
            let mut after = registered.case.clone();
            after.version += 1;
            let mut changes = vec![registered];
            let mut dispatched = false;
            match self.change(actor, &l, &after, &dispatch).await {
                Ok(mut change) => {
                    change.auto_dispatched = true;
                    changes.push(change);
                    dispatched = true;
                }
                Err(e) => {
                    tracing::warn!(case = %l.rec.case.case_no, error = %e, "automatic dispatch refused; the case waits for an operator");
                }
            }
            match self.core.store.commit_all(changes).await {
                Ok(case) => {
                    self.after_commit(&case, &dispatch);
                    return Ok(Some((case, dispatched)));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(conflict())
    }

    /// What `action` by `actor` does to `case` (the loaded case, or what earlier changes of
    /// the same transaction made of it), as a changeset to store.
    async fn change(
        &self,
        actor: &Actor,
        l: &Loaded,
        case: &Case,
        action: &Action,
    ) -> Result<Changeset> {
        let id = case.id;
        // The other case a merge or split touches must be one the actor may see too: out of
        // scope it is "not found", whatever the action.
        let merge_target = match (action, case.outcome.merged_into) {
            (Action::Merge { into, .. }, _) => {
                Some(self.core.visible_case(actor, *into).await?.case)
            }
            (Action::Split { .. }, Some(into)) => {
                Some(self.core.visible_case(actor, into).await?.case)
            }
            _ => None,
        };
        let region = match action {
            Action::Register {
                region_id: Some(r), ..
            } => self.core.regions().iter().find(|x| x.id == *r).cloned(),
            _ => None,
        };
        let units = self.core.units();
        let units_exist = action
            .referenced_unit()
            .is_none_or(|u| units.iter().any(|x| x.id == u));
        let (calendar, now) = (&l.calendar, l.now);
        let ctx = DecideContext {
            merge_target: merge_target.as_ref(),
            region: region.as_ref(),
            units_exist,
            ..l.ctx(actor)
        };
        let decision = decide(case, action, &ctx)?;
        let feedback = match action {
            Action::Register { category_id, .. } if actor.user_id.is_some() => {
                self.triage
                    .feedback_for(id, category_id.or(case.category_id))
                    .await?
            }
            _ => None,
        };
        let settles = match (action, case.outcome.merged_into) {
            (Action::Merge { into, .. }, _) => vec![(id, *into, ProposalStatus::Merged)],
            (Action::Split { .. }, Some(into)) => vec![(id, into, ProposalStatus::Dismissed)],
            _ => Vec::new(),
        };
        if let Some(due) = decision.case.deadlines.reply_due {
            let gaps = calendar.unknown_years_between(local_date(now), local_date(due));
            if !gaps.is_empty() {
                tracing::warn!(years = ?gaps, case = %case.case_no, "no holiday calendar for these years: counting Monday–Friday; import the official calendar with `fengqiao calendar import`");
            }
        }
        Ok(Changeset {
            case: decision.case,
            event: decision.event,
            effects: decision.effects,
            actor_id: actor.user_id,
            actor_name: actor.name.clone(),
            at: now,
            feedback,
            settles,
            external: None,
            auto_dispatched: false,
        })
    }

    /// Keeps the duplicate finder's index in step with a stored change.
    fn after_commit(&self, case: &Case, action: &Action) {
        if !case.state.is_open() {
            self.triage.forget_case(case.id);
        } else if matches!(action, Action::Split { .. }) {
            self.triage.index_case(case);
        }
    }
}

fn conflict() -> AppError {
    AppError::Conflict("工单正被他人同时处理，请刷新后重试".into())
}
