//! Review of a reply and the follow-up with the citizen (the centre's 回访, or the reporter's own
//! rating), reopening, closure and archiving.

use super::*;

pub(super) fn decide(s: &mut Step<'_, '_>, action: &Action) -> Result<(), DomainError> {
    let (case, ctx, from, kind) = (s.case, s.ctx, s.from, s.kind);
    let not_allowed = || DomainError::NotAllowedInState {
        state: from,
        action: kind,
    };
    let (next, effects, note) = (&mut s.next, &mut s.effects, &mut s.note);
    use CaseState as S;
    match action {
        Action::ReviewPass { remark: r } => {
            if from != S::Replied {
                return Err(not_allowed());
            }
            if case.handling.parent_id.is_some() {
                // A child case ends when the parent unit accepts its work; the citizen is
                // followed up once, on the parent.
                next.state = S::Closed;
                next.outcome.closed_at = Some(ctx.now);
            } else {
                next.state = S::Reviewed;
            }
            *note = remark("remark", r)?;
        }
        Action::ReviewFail { reason: r } => {
            if from != S::Replied {
                return Err(not_allowed());
            }
            next.state = S::InProgress;
            next.handling.replied_at = None;
            next.deadlines.follow_up_due = None;
            next.deadlines.stage_started_at = next.handling.dispatched_at;
            next.deadlines.overdue_level = recompute_level(next, ctx);
            *note = Some(reason("reason", r)?);
        }
        Action::FollowUp {
            satisfaction,
            unit_at_fault,
            remark: r,
        } => {
            if from != S::Reviewed {
                return Err(not_allowed());
            }
            // PRODUCT.md: the follow-up call is made from the day after the reply, so the
            // citizen has lived with the answer before being asked about it.
            if let Some(replied) = case.handling.replied_at {
                let day = crate::deadline::local_date(replied);
                if crate::deadline::local_date(ctx.now) <= day {
                    return Err(DomainError::Conflict(format!(
                        "回访从办结次日起进行：本件于{}办结，请{}起回访",
                        day.format("%-m月%-d日"),
                        day.succ_opt().unwrap_or(day).format("%-m月%-d日")
                    )));
                }
            }
            next.state = S::FollowedUp;
            next.outcome.satisfaction = Some(*satisfaction);
            next.outcome.unit_at_fault =
                *unit_at_fault && *satisfaction == Satisfaction::Unsatisfied;
            next.deadlines.overdue_level = OverdueLevel::Green;
            let r = remark("remark", r)?;
            *note = Some(match r {
                Some(r) => format!("{}：{r}", satisfaction.label()),
                None => satisfaction.label().to_string(),
            });
        }
        Action::Rate { satisfaction } => {
            // After the reply, once; the centre's follow-up records a rating too, and then the
            // reporter's word has been taken.
            let answered = case.handling.replied_at.is_some();
            if !matches!(from, S::Replied | S::Reviewed | S::FollowedUp | S::Closed) || !answered {
                return Err(not_allowed());
            }
            if case.outcome.satisfaction.is_some() {
                return Err(DomainError::Conflict("已评价过，感谢您的反馈".into()));
            }
            next.outcome.satisfaction = Some(*satisfaction);
            *note = Some(format!("群众评价：{}", satisfaction.label()));
        }
        Action::Reopen { reason: r } => {
            if from != S::FollowedUp {
                return Err(not_allowed());
            }
            if case.outcome.satisfaction != Some(Satisfaction::Unsatisfied)
                || !case.outcome.unit_at_fault
            {
                return Err(DomainError::Conflict(
                    "只有群众不满意且经核实承办单位有责的工单才能重办".into(),
                ));
            }
            next.state = S::Dispatched;
            next.oversight.reopen_count += 1;
            next.handling.reply = None;
            next.handling.replied_at = None;
            next.outcome.satisfaction = None;
            next.outcome.unit_at_fault = false;
            ctx.start_dispatch(next);
            *note = Some(reason("reason", r)?);
        }
        Action::Close { remark: r } => {
            if from != S::FollowedUp {
                return Err(not_allowed());
            }
            next.state = S::Closed;
            next.outcome.closed_at = Some(ctx.now);
            effects.push(Effect::NotifyReporters {
                message: format!(
                    "您反映的问题已办结：{}",
                    case.handling.reply.clone().unwrap_or_default()
                ),
            });
            *note = remark("remark", r)?;
        }
        Action::Archive { remark: r } => {
            if from != S::Closed {
                return Err(not_allowed());
            }
            next.state = S::Archived;
            *note = remark("remark", r)?;
        }
        _ => unreachable!("{kind:?} is not decided here"),
    }
    Ok(())
}
