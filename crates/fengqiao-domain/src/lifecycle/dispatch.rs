//! Dispatch: sending a case to the unit responsible, its acceptance, return requests and reassignment.

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
        Action::Dispatch {
            unit_id,
            co_units,
            remark: r,
        } => {
            if from != S::Registered {
                return Err(not_allowed());
            }
            if next.category_id.is_none() {
                return Err(invalid("category_id", "派单前请先在受理时选择分类"));
            }
            if !ctx.units_exist {
                return Err(invalid("unit_id", "所选承办单位不存在"));
            }
            next.handling.unit_id = Some(*unit_id);
            next.state = S::Dispatched;
            ctx.start_dispatch(next);
            if !co_units.is_empty() {
                let reply_due = next.deadlines.reply_due.expect("set by start_dispatch");
                let mut tasks = Vec::new();
                for co in co_units {
                    if co.unit_id == *unit_id {
                        return Err(invalid("co_units", "协办单位不能与主办单位相同"));
                    }
                    if tasks.iter().any(|t: &NewTask| t.unit_id == co.unit_id) {
                        return Err(invalid("co_units", format!("协办单位 {} 重复", co.unit_id)));
                    }
                    let instructions =
                        check_text("instructions", &co.instructions, REMARK_MAX_CHARS)?;
                    let due_at = co.due_at.unwrap_or(reply_due);
                    if due_at <= ctx.now || due_at > reply_due {
                        return Err(invalid(
                            "co_units.due_at",
                            "协办时限须晚于现在且不晚于主办办结时限",
                        ));
                    }
                    tasks.push(NewTask {
                        unit_id: co.unit_id,
                        instructions,
                        due_at,
                    });
                }
                effects.push(Effect::CreateTasks(tasks));
            }
            *note = remark("remark", r)?;
        }
        Action::Accept { remark: r } => {
            if from != S::Dispatched {
                return Err(not_allowed());
            }
            next.state = S::Accepted;
            next.handling.accepted_at = Some(ctx.now);
            next.deadlines.stage_started_at = next.handling.dispatched_at;
            next.deadlines.overdue_level = recompute_level(next, ctx);
            *note = remark("remark", r)?;
        }
        Action::RequestReturn { reason: r } => {
            if from != S::Dispatched {
                return Err(not_allowed());
            }
            if let Some(due) = case.deadlines.return_due {
                if ctx.now > due {
                    return Err(DomainError::Conflict(
                        "已超过退单时限（派单后 2 个工作日内），请签收办理或联系受理中心".into(),
                    ));
                }
            }
            next.state = S::ReturnRequested;
            next.oversight.return_count += 1;
            *note = Some(reason("reason", r)?);
        }
        Action::DenyReturn { reason: r } => {
            if from != S::ReturnRequested {
                return Err(not_allowed());
            }
            next.state = S::Dispatched;
            *note = Some(reason("reason", r)?);
        }
        Action::Reassign { unit_id, remark: r } => {
            if from != S::ReturnRequested {
                return Err(not_allowed());
            }
            if Some(*unit_id) == case.handling.unit_id {
                return Err(invalid(
                    "unit_id",
                    "改派须选择另一个承办单位；维持原单位请驳回退单",
                ));
            }
            if !ctx.units_exist {
                return Err(invalid("unit_id", "所选承办单位不存在"));
            }
            next.handling.unit_id = Some(*unit_id);
            next.state = S::Dispatched;
            ctx.start_dispatch(next);
            *note = remark("remark", r)?;
        }
        _ => unreachable!("{kind:?} is not decided here"),
    }
    Ok(())
}
