//! Oversight: urging, supervision, listed supervision, and the scheduler's overdue marks.

use super::*;

pub(super) fn decide(s: &mut Step<'_, '_>, action: &Action) -> Result<(), DomainError> {
    let (case, from, kind) = (s.case, s.from, s.kind);
    let not_allowed = || DomainError::NotAllowedInState {
        state: from,
        action: kind,
    };
    let (next, note) = (&mut s.next, &mut s.note);
    use CaseState as S;
    match action {
        Action::Urge { remark: r }
        | Action::Supervise { remark: r }
        | Action::ListedSupervision { remark: r } => {
            if !from.is_open()
                || case.handling.unit_id.is_none()
                || matches!(from, S::Reported | S::Registered)
            {
                return Err(not_allowed());
            }
            match kind {
                ActionKind::Urge => next.oversight.urge_count += 1,
                ActionKind::Supervise => next.oversight.supervise_count += 1,
                _ => {
                    if case.oversight.listed_supervision {
                        return Err(DomainError::Conflict("该工单已挂牌督办".into()));
                    }
                    next.oversight.listed_supervision = true;
                }
            }
            *note = remark("remark", r)?;
        }
        Action::MarkOverdue { level } => {
            if !from.is_open() || case.deadlines.overdue_level == *level {
                return Err(not_allowed());
            }
            next.deadlines.overdue_level = *level;
            *note = Some(level.mark_note().to_string());
        }

        _ => unreachable!("{kind:?} is not decided here"),
    }
    Ok(())
}
