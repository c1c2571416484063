//! Extensions of the reply deadline: request, approval, refusal.

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
        Action::RequestExtension { days, reason: r } => {
            if !matches!(from, S::Accepted | S::InProgress) {
                return Err(not_allowed());
            }
            if case.deadlines.extension.is_some() {
                return Err(DomainError::Conflict("已有一项延期申请待审批".into()));
            }
            let due = case.deadlines.reply_due.ok_or_else(not_allowed)?;
            if ctx.now >= due {
                return Err(DomainError::Conflict(
                    "延期须在办结时限届满前申请，本工单已超时".into(),
                ));
            }
            let (max, unit_label) = extension_cap(ctx.limit(case, Stage::Reply).unit);
            if *days == 0 || case.deadlines.extended_days + days > max {
                return Err(invalid(
                    "days",
                    format!(
                        "延期天数须为 1–{} 个{unit_label}（已延期 {} 天）",
                        max - case.deadlines.extended_days.min(max),
                        case.deadlines.extended_days
                    ),
                ));
            }
            let r = reason("reason", r)?;
            next.deadlines.extension = Some(ExtensionRequest {
                days: *days,
                reason: r.clone(),
                requested_at: ctx.now,
            });
            *note = Some(format!("申请延期 {days} 个{unit_label}：{r}"));
        }
        Action::ApproveExtension { remark: r } => {
            let req = match (&case.deadlines.extension, from) {
                (Some(req), S::Accepted | S::InProgress) => req,
                _ => return Err(not_allowed()),
            };
            let unit = ctx.limit(case, Stage::Reply).unit;
            let unit = if unit == LimitUnit::CalendarDays {
                unit
            } else {
                LimitUnit::WorkingDays
            };
            let due = case.deadlines.reply_due.ok_or_else(not_allowed)?;
            let new_due = TimeLimit::new(req.days, unit).extend(due, ctx.calendar);
            next.deadlines.reply_due = Some(new_due);
            next.deadlines.extended_days += req.days;
            next.deadlines.extension = None;
            next.deadlines.overdue_level = recompute_level(next, ctx);
            effects.push(Effect::NotifyReporters {
                // In the unit the limit counts in (working days unless a petition), with the
                // new day: "2 天" read as calendar days misleads.
                message: format!(
                    "您反映的问题办理时限已延长 {}{}，新的办结期限为 {}：{}",
                    req.days,
                    unit.label(),
                    crate::deadline::local_date(new_due).format("%Y年%-m月%-d日"),
                    req.reason
                ),
            });
            *note = remark("remark", r)?;
        }
        Action::DenyExtension { reason: r } => {
            if case.deadlines.extension.is_none() || !matches!(from, S::Accepted | S::InProgress) {
                return Err(not_allowed());
            }
            next.deadlines.extension = None;
            *note = Some(reason("reason", r)?);
        }
        _ => unreachable!("{kind:?} is not decided here"),
    }
    Ok(())
}
