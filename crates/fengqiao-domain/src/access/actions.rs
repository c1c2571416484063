//! Who may take which lifecycle action on a case: the duty an action needs, checked against the
//! actor's role and scope.

use crate::case::Case;
use crate::error::DomainError;
use crate::lifecycle::{Action, ActionKind, DecideContext};
use crate::org::{Actor, ActorRole, Role};

/// What kind of actor an action needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duty {
    /// The centre: intake operators (and admins).
    Centre,
    /// The centre or a leader (extension approval, urging).
    CentreOrLeader,
    /// A leader (supervision).
    Leader,
    /// The handling unit the case is assigned to.
    HandlingUnit,
    /// The unit holding the co-unit task.
    TaskUnit,
    /// Reviewing a reply: the centre, or for a child case the parent's unit.
    Reviewer,
    /// Only the system's scheduler.
    System,
    /// The citizen who reported the case (identified by the ticket and their phone).
    Reporter,
}

pub fn duty(kind: ActionKind) -> Duty {
    use ActionKind::*;
    match kind {
        Register | RejectIntake | AnswerDirectly | Dispatch | DenyReturn | Reassign | FollowUp
        | Reopen | Close | Archive | Withdraw | Merge | Split | Intake | MergeIn | SplitOut
        | ChildReplied | Supplement | Amend => Duty::Centre,
        ApproveExtension | DenyExtension | Urge => Duty::CentreOrLeader,
        Supervise | ListedSupervision => Duty::Leader,
        Accept | RequestReturn | Handle | SubDispatch | RequestExtension | Reply => {
            Duty::HandlingUnit
        }
        AcceptTask | ReplyTask => Duty::TaskUnit,
        ReviewPass | ReviewFail => Duty::Reviewer,
        MarkOverdue => Duty::System,
        Rate => Duty::Reporter,
    }
}

/// Refuses an action the actor's role or scope does not allow.
pub fn authorize(
    actor: &Actor,
    case: &Case,
    action: &Action,
    ctx: &DecideContext<'_>,
) -> Result<(), DomainError> {
    let kind = action.kind();
    let deny = |reason: &str| {
        Err(DomainError::Forbidden {
            action: kind,
            reason: reason.to_string(),
        })
    };
    let role = match actor.role {
        ActorRole::System => {
            // The scheduler marks overdue levels and escalates (urge, then supervise); triage
            // registers and dispatches a case it classified with high confidence.
            return match kind {
                ActionKind::MarkOverdue
                | ActionKind::Urge
                | ActionKind::Supervise
                | ActionKind::Register
                | ActionKind::Dispatch
                | ActionKind::Supplement => Ok(()),
                _ => deny("系统只能标记超时、自动催办督办、智能分拨和转来群众的补充诉求"),
            };
        }
        ActorRole::Citizen => {
            return match duty(kind) {
                Duty::Reporter => Ok(()),
                _ => deny("群众不能直接操作工单，请联系受理中心"),
            }
        }
        ActorRole::User(r) => r,
    };
    // Placing a case in a region one does not cover would hand it out of one's own sight.
    if let (
        Action::Register {
            region_id: Some(_), ..
        },
        Some(r),
    ) = (action, ctx.region)
    {
        if !actor.covers(Some(&r.path)) {
            return deny("所选区域不在您的辖区内");
        }
    }
    let in_region = actor.covers(case.location.region_path.as_deref());
    let own_unit = actor.unit_id.is_some() && actor.unit_id == case.handling.unit_id;
    match duty(kind) {
        Duty::System => deny("该操作只能由系统执行"),
        Duty::Reporter => deny("只有反映人本人可以评价"),
        Duty::Centre => match role {
            Role::Operator | Role::Admin if in_region => Ok(()),
            Role::Operator | Role::Admin => deny("工单不在您负责的区域内"),
            _ => deny("只有受理中心的受理员可以执行此操作"),
        },
        Duty::CentreOrLeader => match role {
            Role::Operator | Role::Admin | Role::Leader if in_region => Ok(()),
            Role::Operator | Role::Admin | Role::Leader => deny("工单不在您负责的区域内"),
            _ => deny("只有受理中心或领导可以执行此操作"),
        },
        Duty::Leader => match role {
            Role::Leader | Role::Admin if in_region => Ok(()),
            Role::Leader | Role::Admin => deny("工单不在您负责的区域内"),
            _ => deny("只有领导可以督办"),
        },
        Duty::HandlingUnit => match role {
            Role::UnitStaff | Role::GridWorker if own_unit => Ok(()),
            Role::UnitStaff | Role::GridWorker => deny("该工单未派给您所在的单位"),
            _ => deny("只有承办单位可以执行此操作"),
        },
        Duty::TaskUnit => {
            let task_id = match action {
                Action::AcceptTask { task_id } | Action::ReplyTask { task_id, .. } => *task_id,
                _ => unreachable!("task duty only for task actions"),
            };
            let task_unit = ctx
                .tasks
                .iter()
                .find(|t| t.id == task_id)
                .map(|t| t.unit_id);
            match role {
                Role::UnitStaff | Role::GridWorker
                    if task_unit.is_some() && task_unit == actor.unit_id =>
                {
                    Ok(())
                }
                _ => deny("该协办任务未派给您所在的单位"),
            }
        }
        Duty::Reviewer => {
            let parent_unit = ctx.parent.and_then(|p| p.handling.unit_id);
            match role {
                Role::Operator | Role::Admin if in_region => Ok(()),
                Role::UnitStaff | Role::GridWorker
                    if case.handling.parent_id.is_some()
                        && parent_unit.is_some()
                        && parent_unit == actor.unit_id =>
                {
                    Ok(())
                }
                _ => deny("只有受理中心（或下级工单的上级承办单位）可以审核"),
            }
        }
    }
}
