//! Intake: registering what came in, refusing it, answering it at once, and more words from the reporter.

/// How a supplement that asks for the case to be handled again begins (KPIs count these).
pub const REOPEN_REQUEST_NOTE: &str = "群众反映问题仍未解决，申请重办：";

use super::*;

pub(super) fn decide(s: &mut Step<'_, '_>, action: &Action) -> Result<(), DomainError> {
    let (ctx, from, kind) = (s.ctx, s.from, s.kind);
    let not_allowed = || DomainError::NotAllowedInState {
        state: from,
        action: kind,
    };
    let (next, effects, note) = (&mut s.next, &mut s.effects, &mut s.note);
    use CaseState as S;
    match action {
        Action::Register {
            category_id,
            priority,
            region_id,
            remark: r,
        } => {
            if from != S::Reported {
                return Err(not_allowed());
            }
            if let Some(c) = category_id {
                let cat = ctx
                    .categories
                    .iter()
                    .find(|x| x.id == *c)
                    .ok_or_else(|| invalid("category_id", format!("分类 {c} 不存在")))?;
                next.category_id = Some(cat.id);
                next.is_petition = cat.is_petition;
            }
            if let Some(p) = priority {
                next.priority = *p;
            }
            if region_id.is_some() {
                let region = ctx
                    .region
                    .ok_or_else(|| invalid("region_id", "所选区域不存在"))?;
                next.location.region_id = Some(region.id);
                next.location.region_path = Some(region.path.clone());
            }
            next.state = S::Registered;
            *note = remark("remark", r)?;
        }
        Action::RejectIntake { reason: r } => {
            if from != S::Registered {
                return Err(not_allowed());
            }
            let r = reason("reason", r)?;
            next.state = S::Rejected;
            next.outcome.closed_at = Some(ctx.now);
            effects.push(Effect::NotifyReporters {
                message: format!("您反映的问题不予受理：{r}"),
            });
            *note = Some(r);
        }
        Action::AnswerDirectly { reply } => {
            if from != S::Registered {
                return Err(not_allowed());
            }
            let reply = reason("reply", reply)?;
            next.state = S::Closed;
            next.handling.reply = Some(reply.clone());
            next.handling.replied_at = Some(ctx.now);
            next.outcome.closed_at = Some(ctx.now);
            effects.push(Effect::NotifyReporters {
                message: reply.clone(),
            });
            *note = Some(reply);
        }
        Action::Supplement {
            content,
            reopen_requested,
        } => {
            // A merged case's news belongs on the case it was merged into.
            if from == S::Merged {
                return Err(not_allowed());
            }
            let content = reason("content", content)?;
            let finished =
                !from.is_open() || matches!(from, S::Replied | S::Reviewed | S::FollowedUp);
            *note = Some(if *reopen_requested && finished {
                format!("{REOPEN_REQUEST_NOTE}{content}")
            } else {
                content
            });
        }
        _ => unreachable!("{kind:?} is not decided here"),
    }
    Ok(())
}
