//! What a person may do to a case now: every action `decide` would accept from this actor in
//! this state, found by asking `decide` itself with a well-formed sample of each action. A page
//! offers exactly these, so nothing is offered that the server would refuse (short of a wrong
//! form field, which the form's own check names).

use super::*;
use crate::case::Satisfaction;
use crate::ids::TaskId;

/// One action on offer; task actions name their co-unit task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Offer {
    pub kind: ActionKind,
    pub task_id: Option<TaskId>,
}

/// The actions `ctx.actor` may take on `case` now. `ctx` is what `decide` would get, with
/// `merge_target` the case this one was merged into (for a split), if any.
pub fn offered(case: &Case, ctx: &DecideContext<'_>) -> Vec<Offer> {
    // A stand-in for "some other open case" and "some other unit": whether a merge or a
    // dispatch is possible must not depend on which one the form will name.
    let mut other = case.clone();
    other.id = CaseId(i64::MAX);
    other.state = CaseState::Registered;
    other.handling.parent_id = None;
    let other_unit = UnitId(i64::MAX);
    let text = || "（可执行性检查）".to_string();
    let mut probes: Vec<Action> = vec![
        Action::Register {
            category_id: None,
            priority: None,
            region_id: None,
            remark: None,
        },
        Action::RejectIntake { reason: text() },
        Action::AnswerDirectly { reply: text() },
        Action::Dispatch {
            unit_id: other_unit,
            co_units: Vec::new(),
            remark: None,
        },
        Action::Accept { remark: None },
        Action::RequestReturn { reason: text() },
        Action::DenyReturn { reason: text() },
        Action::Reassign {
            unit_id: other_unit,
            remark: None,
        },
        Action::Handle { remark: None },
        Action::SubDispatch {
            unit_id: other_unit,
            instructions: text(),
            due_at: None,
        },
        Action::RequestExtension {
            days: 1,
            reason: text(),
        },
        Action::ApproveExtension { remark: None },
        Action::DenyExtension { reason: text() },
        Action::Reply { content: text() },
        Action::ReviewPass { remark: None },
        Action::ReviewFail { reason: text() },
        Action::FollowUp {
            satisfaction: Satisfaction::Satisfied,
            unit_at_fault: false,
            remark: None,
        },
        Action::Reopen { reason: text() },
        Action::Close { remark: None },
        Action::Archive { remark: None },
        Action::Withdraw { reason: text() },
        Action::Merge {
            into: other.id,
            remark: None,
        },
        Action::Split { reason: text() },
        Action::Supplement {
            content: text(),
            reopen_requested: false,
        },
        Action::Rate {
            satisfaction: Satisfaction::Satisfied,
        },
        Action::Urge { remark: None },
        Action::Supervise { remark: None },
        Action::ListedSupervision { remark: None },
    ];
    for t in ctx.tasks {
        probes.push(Action::AcceptTask { task_id: t.id });
        probes.push(Action::ReplyTask {
            task_id: t.id,
            content: text(),
        });
    }
    probes
        .into_iter()
        .filter(|a| {
            let merge_target = match a {
                Action::Merge { .. } => Some(&other),
                _ => ctx.merge_target,
            };
            let probe_ctx = DecideContext {
                units_exist: true,
                merge_target,
                region: None,
                ..*ctx
            };
            decide(case, a, &probe_ctx).is_ok()
        })
        .map(|a| Offer {
            kind: a.kind(),
            task_id: match a {
                Action::AcceptTask { task_id } | Action::ReplyTask { task_id, .. } => Some(task_id),
                _ => None,
            },
        })
        .collect()
}
