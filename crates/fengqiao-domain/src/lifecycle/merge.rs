//! Ending a case early: withdrawal, merging a repeat into the case it repeats, and undoing a merge.

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
        Action::Withdraw { reason: r } => {
            if !from.is_open() {
                return Err(not_allowed());
            }
            if ctx.children.iter().any(|(_, s)| s.is_open()) {
                return Err(DomainError::Conflict(
                    "该工单还有未结束的下级工单，请先撤回下级工单".into(),
                ));
            }
            let r = reason("reason", r)?;
            next.state = S::Withdrawn;
            next.outcome.closed_at = Some(ctx.now);
            next.deadlines.extension = None;
            effects.push(Effect::NotifyReporters {
                message: format!("您反映的问题已撤回：{r}"),
            });
            *note = Some(r);
        }
        Action::Merge { into, remark: r } => {
            if !from.is_open() {
                return Err(not_allowed());
            }
            if *into == case.id {
                return Err(invalid("into", "不能把工单合并到它自己"));
            }
            let target = ctx
                .merge_target
                .ok_or_else(|| invalid("into", format!("工单 {into} 不存在")))?;
            if !target.state.is_open() {
                return Err(DomainError::Conflict(format!(
                    "目标工单 {} 状态为「{}」，只能合并到未结束的工单",
                    target.case_no,
                    target.state.label()
                )));
            }
            if !ctx.children.is_empty()
                || !ctx.tasks.is_empty()
                || case.handling.parent_id.is_some()
            {
                return Err(DomainError::Conflict(
                    "已二次派单、联合办理或本身是下级工单的工单不能合并".into(),
                ));
            }
            next.state = S::Merged;
            next.outcome.merged_into = Some(target.id);
            next.outcome.closed_at = Some(ctx.now);
            next.deadlines.extension = None;
            effects.push(Effect::MergeInto { target: target.id });
            let r = remark("remark", r)?;
            *note = Some(match r {
                Some(r) => format!("并入 {}：{r}", target.case_no),
                None => format!("并入 {}", target.case_no),
            });
        }
        Action::Split { reason: r } => {
            if from != S::Merged {
                return Err(not_allowed());
            }
            let r = reason("reason", r)?;
            let target = ctx
                .merge_target
                .filter(|t| Some(t.id) == case.outcome.merged_into)
                .ok_or_else(|| DomainError::Conflict("找不到该工单并入的工单，无法拆分".into()))?;
            if !target.state.is_open() {
                return Err(DomainError::Conflict(format!(
                    "工单 {} 已「{}」，不能再拆分出来",
                    target.case_no,
                    target.state.label()
                )));
            }
            next.state = S::Registered;
            next.outcome.merged_into = None;
            next.outcome.closed_at = None;
            effects.push(Effect::SplitFrom { target: target.id });
            *note = Some(format!("从 {} 拆分：{r}", target.case_no));
        }
        _ => unreachable!("{kind:?} is not decided here"),
    }
    Ok(())
}
