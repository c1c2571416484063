//! The deadline scheduler: runs in the same process, marks overdue levels and escalates red cases
//! (urge first, then supervision) at the configured thresholds. Every change it makes is an event
//! by the actor 系统. Overdue inspections are escalated the same way, urged (催检) once past due
//! and supervised (督办) past the configured days, in one set-based statement per level.

use crate::actions::CaseActions;
use crate::core::Core;
use fengqiao_domain::case::Case;

use fengqiao_domain::ids::CaseId;
use fengqiao_domain::lifecycle::{overdue_change, Action};
use fengqiao_domain::org::Actor;
use std::sync::Arc;

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct TickReport {
    pub scanned: u64,
    pub level_changes: u64,
    pub urged: u64,
    pub supervised: u64,
    pub errors: u64,
    /// Overdue inspections urged (催检) and supervised (督办) in this pass.
    pub places_urged: u64,
    pub places_supervised: u64,
    /// Cases whose KPI counts were brought up to date (the pass's own marks included).
    pub kpi_cases: u64,
    /// Last month's rankings kept because nobody posted them (on the first pass of a month).
    pub rankings_kept: u32,
}

/// The deadline scheduler.
pub struct Scheduler {
    core: Arc<Core>,
    actions: Arc<CaseActions>,
    kpis: Arc<crate::Kpis>,
    rankings: Arc<crate::Rankings>,
}

impl Scheduler {
    pub(crate) fn new(
        core: Arc<Core>,
        actions: Arc<CaseActions>,
        kpis: Arc<crate::Kpis>,
        rankings: Arc<crate::Rankings>,
    ) -> Self {
        Scheduler {
            core,
            actions,
            kpis,
            rankings,
        }
    }

    /// One pass over every open timed case.
    pub async fn tick(&self) -> crate::Result<TickReport> {
        let system = Actor::system();
        let mut report = TickReport::default();
        let mut after = CaseId(0);
        loop {
            let batch = self.core.store.open_timed_cases(after, 1000).await?;
            let Some(last) = batch.last() else { break };
            after = last.id;
            for case in batch {
                report.scanned += 1;
                let now = self.core.now();
                if let Some(level) = overdue_change(&case, now, self.core.config.yellow_share) {
                    match self
                        .actions
                        .act(&system, case.id, Action::MarkOverdue { level })
                        .await
                    {
                        Ok(_) => report.level_changes += 1,
                        Err(e) => {
                            report.errors += 1;
                            tracing::warn!(case = %case.case_no, error = %e, "could not mark overdue");
                        }
                    }
                }
                if let Some(step) = self.escalation_due(&case, now) {
                    let action = match step {
                        Escalation::Urge => Action::Urge {
                            remark: Some("已超过办理时限，系统自动催办".into()),
                        },
                        Escalation::Supervise => Action::Supervise {
                            remark: Some("超时未办结，系统自动提请督办".into()),
                        },
                    };
                    match self.actions.act(&system, case.id, action).await {
                        Ok(_) if step == Escalation::Urge => report.urged += 1,
                        Ok(_) => report.supervised += 1,
                        Err(e) => {
                            report.errors += 1;
                            tracing::warn!(case = %case.case_no, error = %e, "could not escalate");
                        }
                    }
                }
            }
        }
        if let Some(days) = self.core.config.inspection_supervise_after_days {
            let now = self.core.now();
            let cutoffs = fengqiao_domain::places::escalation_cutoffs(now, days);
            let t = self
                .core
                .store
                .escalate_overdue_places(cutoffs, now)
                .await?;
            report.places_urged = t.urged;
            report.places_supervised = t.supervised;
        }
        report.kpi_cases = self.kpis.refresh().await?;
        report.rankings_kept = self.rankings.keep_last_month().await?;
        Ok(report)
    }

    fn escalation_due(&self, case: &Case, now: fengqiao_domain::Timestamp) -> Option<Escalation> {
        let (_, due) = case.current_deadline()?;
        if now <= due
            || case.handling.unit_id.is_none()
            || !matches!(
                case.state,
                fengqiao_domain::CaseState::Dispatched
                    | fengqiao_domain::CaseState::Accepted
                    | fengqiao_domain::CaseState::InProgress
            )
        {
            return None;
        }
        let late = now - due;
        if let Some(h) = self.core.config.supervise_after_hours {
            if case.oversight.supervise_count == 0 && late >= chrono::Duration::hours(h) {
                return Some(Escalation::Supervise);
            }
        }
        if let Some(h) = self.core.config.urge_after_hours {
            if case.oversight.urge_count == 0 && late >= chrono::Duration::hours(h) {
                return Some(Escalation::Urge);
            }
        }
        None
    }

    /// Runs the scheduler every `period` until the process ends.
    pub fn spawn(self: &Arc<Self>, period: std::time::Duration) -> tokio::task::JoinHandle<()> {
        let app = self.clone();
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticker.tick().await;
                match app.tick().await {
                    Ok(r)
                        if r.level_changes
                            + r.urged
                            + r.supervised
                            + r.places_urged
                            + r.places_supervised
                            > 0 =>
                    {
                        tracing::info!(?r, "scheduler pass")
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "scheduler pass failed"),
                }
            }
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escalation {
    Urge,
    Supervise,
}
