//! Handling: work on the case, sub-dispatch to a lower unit, the reply, and co-unit tasks.

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
        Action::Handle { remark: r } => {
            if from != S::Accepted {
                return Err(not_allowed());
            }
            next.state = S::InProgress;
            *note = remark("remark", r)?;
        }
        Action::SubDispatch {
            unit_id,
            instructions,
            due_at,
        } => {
            if !matches!(from, S::Accepted | S::InProgress) {
                return Err(not_allowed());
            }
            if Some(*unit_id) == case.handling.unit_id {
                return Err(invalid("unit_id", "二次派单须派给下级单位，不能派给本单位"));
            }
            if !ctx.units_exist {
                return Err(invalid("unit_id", "所选承办单位不存在"));
            }
            let instructions = check_text("instructions", instructions, REMARK_MAX_CHARS)?;
            let parent_due = case.deadlines.reply_due.unwrap_or(ctx.now);
            let reply_due = due_at.unwrap_or(parent_due);
            if reply_due <= ctx.now || reply_due > parent_due {
                return Err(invalid(
                    "due_at",
                    "下级办理时限须晚于现在且不晚于本工单的办结时限",
                ));
            }
            let accept_due = ctx
                .limit(case, Stage::Accept)
                .due_from(ctx.now, ctx.calendar)
                .min(reply_due);
            effects.push(Effect::CreateChild(NewChild {
                unit_id: *unit_id,
                instructions: instructions.clone(),
                accept_due,
                reply_due,
            }));
            *note = Some(instructions);
        }
        Action::Reply { content } => {
            if from != S::InProgress {
                return Err(not_allowed());
            }
            let open_children = ctx.children.iter().filter(|(_, s)| !s.child_done()).count();
            if open_children > 0 {
                return Err(DomainError::Conflict(format!(
                    "还有 {open_children} 件下级工单未办结，须等其办结后再答复"
                )));
            }
            let open_tasks = ctx
                .tasks
                .iter()
                .filter(|t| t.state != TaskState::Replied)
                .count();
            if open_tasks > 0 {
                return Err(DomainError::Conflict(format!(
                    "还有 {open_tasks} 个协办单位未反馈，须等其反馈后再答复"
                )));
            }
            let content = check_text("content", content, BODY_MAX_CHARS)?;
            next.state = S::Replied;
            next.handling.reply = Some(content.clone());
            next.handling.replied_at = Some(ctx.now);
            next.deadlines.extension = None;
            next.deadlines.stage_started_at = Some(ctx.now);
            next.deadlines.follow_up_due = Some(
                ctx.limit(case, Stage::FollowUp)
                    .due_from(ctx.now, ctx.calendar),
            );
            next.deadlines.overdue_level = OverdueLevel::Green;
            if let Some(p) = case.handling.parent_id {
                effects.push(Effect::NotifyParent { parent: p });
            }
            *note = Some(content);
        }
        Action::AcceptTask { task_id } | Action::ReplyTask { task_id, .. } => {
            if !matches!(
                from,
                S::Dispatched | S::Accepted | S::InProgress | S::ReturnRequested
            ) {
                return Err(not_allowed());
            }
            let task =
                ctx.tasks.iter().find(|t| t.id == *task_id).ok_or_else(|| {
                    invalid("task_id", format!("协办任务 {task_id} 不属于本工单"))
                })?;
            let mut t = task.clone();
            match action {
                Action::AcceptTask { .. } => {
                    if t.state != TaskState::Dispatched {
                        return Err(DomainError::Conflict("该协办任务已签收".into()));
                    }
                    t.state = TaskState::Accepted;
                }
                Action::ReplyTask { content, .. } => {
                    if t.state == TaskState::Replied {
                        return Err(DomainError::Conflict("该协办任务已反馈".into()));
                    }
                    let content = check_text("content", content, BODY_MAX_CHARS)?;
                    t.state = TaskState::Replied;
                    t.reply = Some(content.clone());
                    t.replied_at = Some(ctx.now);
                    *note = Some(content);
                }
                _ => unreachable!(),
            }
            effects.push(Effect::UpdateTask(t));
        }
        _ => unreachable!("{kind:?} is not decided here"),
    }
    Ok(())
}
