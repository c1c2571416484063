//! The case lifecycle: every state and transition of PRODUCT.md as one pure function,
//! `decide(case, action, ctx)`, which either refuses (and nothing changes) or returns the new case,
//! the event to append and the effects on other records (child cases, co-unit tasks, merges).

mod action;
mod dispatch;
mod extension;
mod handling;
mod intake;
mod merge;
mod offer;
mod oversight;
mod review;

pub use action::{Action, ActionKind, CoUnit};
pub use intake::REOPEN_REQUEST_NOTE;
pub use offer::{offered, Offer};

use crate::access::authorize;
use crate::calendar::Calendar;
use crate::case::{Case, CaseState, ExtensionRequest, Satisfaction, Task, TaskState};
use crate::deadline::{resolve_limit, LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
use crate::error::DomainError;
use crate::ids::{CaseId, UnitId};
use crate::limits::*;
use crate::org::{category_chain, Actor, Category, Region};
use crate::{check_len, check_text, Timestamp};

/// What `decide` needs besides the case: the clock, the actor, configuration and related records,
/// all loaded by the caller.
pub struct DecideContext<'a> {
    pub now: Timestamp,
    pub actor: &'a Actor,
    pub calendar: &'a Calendar,
    pub policies: &'a [TimePolicy],
    pub categories: &'a [Category],
    /// The case's child cases (sub-dispatches) and their states.
    pub children: &'a [(CaseId, CaseState)],
    /// The case's co-unit tasks.
    pub tasks: &'a [Task],
    /// The parent case, when this is a child case.
    pub parent: Option<&'a Case>,
    /// The case being merged into, for `merge`.
    pub merge_target: Option<&'a Case>,
    /// The region named by `register`, resolved.
    pub region: Option<&'a Region>,
    /// Every unit id referenced by the action exists (checked by the caller).
    pub units_exist: bool,
    /// Share of a time limit after which a case turns yellow.
    pub yellow_share: f64,
}

impl<'a> DecideContext<'a> {
    /// A context with no configured policies or categories, no related records, referenced units
    /// taken to exist and the default yellow share (0.8); callers fill in what they have with
    /// struct-update syntax.
    pub fn new(now: Timestamp, actor: &'a Actor, calendar: &'a Calendar) -> Self {
        DecideContext {
            now,
            actor,
            calendar,
            policies: &[],
            categories: &[],
            children: &[],
            tasks: &[],
            parent: None,
            merge_target: None,
            region: None,
            units_exist: true,
            yellow_share: 0.8,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    pub action: ActionKind,
    pub from: Option<CaseState>,
    pub to: CaseState,
    pub remark: Option<String>,
    /// The unit responsible from this event on.
    pub unit_id: Option<UnitId>,
    /// The deadline in force when the action was taken (the current stage's).
    pub due_at: Option<Timestamp>,
}

/// A new child case created by a sub-dispatch.
#[derive(Debug, Clone, PartialEq)]
pub struct NewChild {
    pub unit_id: UnitId,
    pub instructions: String,
    pub accept_due: Timestamp,
    pub reply_due: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewTask {
    pub unit_id: UnitId,
    pub instructions: String,
    pub due_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    CreateChild(NewChild),
    CreateTasks(Vec<NewTask>),
    UpdateTask(Task),
    /// Move this case's reporters to `target` and record `merge_in` on it.
    MergeInto {
        target: CaseId,
    },
    /// Take this case's reporters back off `target` and record `split_out` on it.
    SplitFrom {
        target: CaseId,
    },
    /// Tell every reporter the outcome (at closure, rejection, withdrawal).
    NotifyReporters {
        message: String,
    },
    /// Record on the parent case that this child finished its part.
    NotifyParent {
        parent: CaseId,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub case: Case,
    pub event: EventDraft,
    pub effects: Vec<Effect>,
}

fn remark(field: &'static str, r: &Option<String>) -> Result<Option<String>, DomainError> {
    match r.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(t) => {
            check_len(field, t, REMARK_MAX_CHARS)?;
            Ok(Some(t.to_string()))
        }
    }
}

fn reason(field: &'static str, r: &str) -> Result<String, DomainError> {
    check_text(field, r, REMARK_MAX_CHARS)
}

fn invalid(field: &'static str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid {
        field,
        message: message.into(),
    }
}

impl DecideContext<'_> {
    fn limit(&self, case: &Case, stage: Stage) -> TimeLimit {
        let chain = case
            .category_id
            .map(|c| category_chain(self.categories, c))
            .unwrap_or_default();
        resolve_limit(self.policies, &chain, case.priority, stage)
    }

    /// Sets the deadlines of a (re)dispatch starting now.
    fn start_dispatch(&self, case: &mut Case) {
        let now = self.now;
        case.handling.dispatched_at = Some(now);
        case.deadlines.stage_started_at = Some(now);
        case.handling.accepted_at = None;
        case.deadlines.accept_due =
            Some(self.limit(case, Stage::Accept).due_from(now, self.calendar));
        case.deadlines.return_due =
            Some(self.limit(case, Stage::Return).due_from(now, self.calendar));
        case.deadlines.reply_due =
            Some(self.limit(case, Stage::Reply).due_from(now, self.calendar));
        case.deadlines.follow_up_due = None;
        case.deadlines.extension = None;
        case.deadlines.extended_days = 0;
        case.deadlines.overdue_level = OverdueLevel::Green;
    }
}

/// One decision in the making: the case as stored, the context, and what the stage module
/// changes — the next case, the effects on other records, the event's note.
pub(crate) struct Step<'c, 'a> {
    pub case: &'c Case,
    pub ctx: &'c DecideContext<'a>,
    pub from: CaseState,
    pub kind: ActionKind,
    pub next: Case,
    pub effects: Vec<Effect>,
    pub note: Option<String>,
}

/// Decides an action on a case. Refusals change nothing; an accepted action returns the new case
/// (version not yet bumped: the store does that when it commits) and exactly one event for it.
/// Who may act is decided first ([`authorize`]); then the stage the action belongs to decides.
pub fn decide(
    case: &Case,
    action: &Action,
    ctx: &DecideContext<'_>,
) -> Result<Decision, DomainError> {
    let kind = action.kind();
    authorize(ctx.actor, case, action, ctx)?;
    let mut next = case.clone();
    next.updated_at = ctx.now;
    let mut s = Step {
        case,
        ctx,
        from: case.state,
        kind,
        next,
        effects: Vec::new(),
        note: None,
    };
    use ActionKind as K;
    match kind {
        K::Register | K::RejectIntake | K::AnswerDirectly | K::Supplement => {
            intake::decide(&mut s, action)
        }
        K::Dispatch | K::Accept | K::RequestReturn | K::DenyReturn | K::Reassign => {
            dispatch::decide(&mut s, action)
        }
        K::Handle | K::SubDispatch | K::Reply | K::AcceptTask | K::ReplyTask => {
            handling::decide(&mut s, action)
        }
        K::RequestExtension | K::ApproveExtension | K::DenyExtension => {
            extension::decide(&mut s, action)
        }
        K::ReviewPass
        | K::ReviewFail
        | K::FollowUp
        | K::Rate
        | K::Reopen
        | K::Close
        | K::Archive => review::decide(&mut s, action),
        K::Withdraw | K::Merge | K::Split => merge::decide(&mut s, action),
        K::Urge | K::Supervise | K::ListedSupervision | K::MarkOverdue => {
            oversight::decide(&mut s, action)
        }
        // Recorded by the store on other cases, never asked for.
        K::Intake | K::MergeIn | K::SplitOut | K::ChildReplied | K::Amend => {
            return Err(DomainError::NotAllowedInState {
                state: case.state,
                action: kind,
            })
        }
    }?;
    Ok(Decision {
        event: EventDraft {
            action: kind,
            from: Some(s.from),
            to: s.next.state,
            remark: s.note,
            unit_id: s.next.handling.unit_id,
            due_at: case.current_deadline().map(|(_, due)| due),
        },
        case: s.next,
        effects: s.effects,
    })
}

/// The extension cap: 10 working days; petitions 30 calendar days.
fn extension_cap(reply_unit: LimitUnit) -> (u32, &'static str) {
    if reply_unit == LimitUnit::CalendarDays {
        (30, "自然日")
    } else {
        (MAX_EXTENSION_WORKING_DAYS, "工作日")
    }
}

fn recompute_level(case: &Case, ctx: &DecideContext<'_>) -> OverdueLevel {
    match case.current_deadline() {
        Some((start, due)) => OverdueLevel::compute(start, due, ctx.now, ctx.yellow_share),
        None => OverdueLevel::Green,
    }
}

/// The overdue level a case should carry now, or `None` when it carries it already.
pub fn overdue_change(case: &Case, now: Timestamp, yellow_share: f64) -> Option<OverdueLevel> {
    if !case.state.is_open() {
        return None;
    }
    let level = match case.current_deadline() {
        Some((start, due)) => OverdueLevel::compute(start, due, now, yellow_share),
        None => OverdueLevel::Green,
    };
    (level != case.deadlines.overdue_level).then_some(level)
}
