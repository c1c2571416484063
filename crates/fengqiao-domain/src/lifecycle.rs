//! The case lifecycle: every state and transition of PRODUCT.md as one pure function,
//! `decide(case, action, ctx)`, which either refuses (and nothing changes) or returns the new case,
//! the event to append and the effects on other records (child cases, co-unit tasks, merges).

use crate::access::authorize;
use crate::calendar::Calendar;
use crate::case::{Case, CaseState, ExtensionRequest, Priority, Satisfaction, Task, TaskState};
use crate::deadline::{resolve_limit, LimitUnit, OverdueLevel, Stage, TimeLimit, TimePolicy};
use crate::error::DomainError;
use crate::ids::{CaseId, CategoryId, RegionId, TaskId, UnitId};
use crate::limits::*;
use crate::org::{category_chain, str_enum, Actor, Category, Region};
use crate::{check_len, check_text, Timestamp};
use serde::{Deserialize, Serialize};

/// A co-unit named at dispatch, with its own task and (optionally) its own deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoUnit {
    pub unit_id: UnitId,
    pub instructions: String,
    #[serde(default)]
    pub due_at: Option<Timestamp>,
}

/// Everything a person (or the scheduler) can do to a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    Register {
        #[serde(default)]
        category_id: Option<CategoryId>,
        #[serde(default)]
        priority: Option<Priority>,
        #[serde(default)]
        region_id: Option<RegionId>,
        #[serde(default)]
        remark: Option<String>,
    },
    RejectIntake {
        reason: String,
    },
    AnswerDirectly {
        reply: String,
    },
    Dispatch {
        unit_id: UnitId,
        #[serde(default)]
        co_units: Vec<CoUnit>,
        #[serde(default)]
        remark: Option<String>,
    },
    Accept {
        #[serde(default)]
        remark: Option<String>,
    },
    RequestReturn {
        reason: String,
    },
    DenyReturn {
        reason: String,
    },
    Reassign {
        unit_id: UnitId,
        #[serde(default)]
        remark: Option<String>,
    },
    Handle {
        #[serde(default)]
        remark: Option<String>,
    },
    SubDispatch {
        unit_id: UnitId,
        instructions: String,
        #[serde(default)]
        due_at: Option<Timestamp>,
    },
    RequestExtension {
        days: u32,
        reason: String,
    },
    ApproveExtension {
        #[serde(default)]
        remark: Option<String>,
    },
    DenyExtension {
        reason: String,
    },
    Reply {
        content: String,
    },
    ReviewPass {
        #[serde(default)]
        remark: Option<String>,
    },
    ReviewFail {
        reason: String,
    },
    FollowUp {
        satisfaction: Satisfaction,
        #[serde(default)]
        unit_at_fault: bool,
        #[serde(default)]
        remark: Option<String>,
    },
    Reopen {
        reason: String,
    },
    Close {
        #[serde(default)]
        remark: Option<String>,
    },
    Archive {
        #[serde(default)]
        remark: Option<String>,
    },
    Withdraw {
        reason: String,
    },
    Merge {
        into: CaseId,
        #[serde(default)]
        remark: Option<String>,
    },
    /// Undo a merge: "not the same problem after all". The case comes back registered, its
    /// reporters leave the case it was merged into.
    Split {
        reason: String,
    },
    /// More from the reporter about a case already on file: a second call, or an update
    /// posted through an Open311 client. The state does not change; the handling unit and the
    /// centre see it in the history. `reopen_requested` on a finished case records that the
    /// reporter says the problem is not solved — reopening stays the centre's decision.
    Supplement {
        content: String,
        #[serde(default)]
        reopen_requested: bool,
    },
    Urge {
        #[serde(default)]
        remark: Option<String>,
    },
    Supervise {
        #[serde(default)]
        remark: Option<String>,
    },
    ListedSupervision {
        #[serde(default)]
        remark: Option<String>,
    },
    AcceptTask {
        task_id: TaskId,
    },
    ReplyTask {
        task_id: TaskId,
        content: String,
    },
    /// The scheduler's record that a case crossed an overdue threshold.
    MarkOverdue {
        level: OverdueLevel,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    Intake,
    Register,
    RejectIntake,
    AnswerDirectly,
    Dispatch,
    Accept,
    RequestReturn,
    DenyReturn,
    Reassign,
    Handle,
    SubDispatch,
    RequestExtension,
    ApproveExtension,
    DenyExtension,
    Reply,
    ReviewPass,
    ReviewFail,
    FollowUp,
    Reopen,
    Close,
    Archive,
    Withdraw,
    Merge,
    MergeIn,
    Split,
    SplitOut,
    Supplement,
    Urge,
    Supervise,
    ListedSupervision,
    AcceptTask,
    ReplyTask,
    MarkOverdue,
    ChildReplied,
}
str_enum!(ActionKind {
    Intake => "intake" / "登记",
    Register => "register" / "受理",
    RejectIntake => "reject_intake" / "不予受理",
    AnswerDirectly => "answer_directly" / "直接答复",
    Dispatch => "dispatch" / "派单",
    Accept => "accept" / "签收",
    RequestReturn => "request_return" / "申请退单",
    DenyReturn => "deny_return" / "驳回退单",
    Reassign => "reassign" / "改派",
    Handle => "handle" / "开始办理",
    SubDispatch => "sub_dispatch" / "二次派单",
    RequestExtension => "request_extension" / "申请延期",
    ApproveExtension => "approve_extension" / "批准延期",
    DenyExtension => "deny_extension" / "驳回延期",
    Reply => "reply" / "办结答复",
    ReviewPass => "review_pass" / "审核通过",
    ReviewFail => "review_fail" / "审核退回",
    FollowUp => "follow_up" / "回访",
    Reopen => "reopen" / "重办",
    Close => "close" / "结案",
    Archive => "archive" / "归档",
    Withdraw => "withdraw" / "撤回",
    Merge => "merge" / "合并",
    MergeIn => "merge_in" / "并入工单",
    Split => "split" / "拆分",
    SplitOut => "split_out" / "拆出工单",
    Supplement => "supplement" / "补充诉求",
    Urge => "urge" / "催办",
    Supervise => "supervise" / "督办",
    ListedSupervision => "listed_supervision" / "挂牌督办",
    AcceptTask => "accept_task" / "协办签收",
    ReplyTask => "reply_task" / "协办反馈",
    MarkOverdue => "mark_overdue" / "超时预警",
    ChildReplied => "child_replied" / "下级办结",
});

impl Action {
    pub fn kind(&self) -> ActionKind {
        use Action::*;
        match self {
            Register { .. } => ActionKind::Register,
            RejectIntake { .. } => ActionKind::RejectIntake,
            AnswerDirectly { .. } => ActionKind::AnswerDirectly,
            Dispatch { .. } => ActionKind::Dispatch,
            Accept { .. } => ActionKind::Accept,
            RequestReturn { .. } => ActionKind::RequestReturn,
            DenyReturn { .. } => ActionKind::DenyReturn,
            Reassign { .. } => ActionKind::Reassign,
            Handle { .. } => ActionKind::Handle,
            SubDispatch { .. } => ActionKind::SubDispatch,
            RequestExtension { .. } => ActionKind::RequestExtension,
            ApproveExtension { .. } => ActionKind::ApproveExtension,
            DenyExtension { .. } => ActionKind::DenyExtension,
            Reply { .. } => ActionKind::Reply,
            ReviewPass { .. } => ActionKind::ReviewPass,
            ReviewFail { .. } => ActionKind::ReviewFail,
            FollowUp { .. } => ActionKind::FollowUp,
            Reopen { .. } => ActionKind::Reopen,
            Close { .. } => ActionKind::Close,
            Archive { .. } => ActionKind::Archive,
            Withdraw { .. } => ActionKind::Withdraw,
            Merge { .. } => ActionKind::Merge,
            Split { .. } => ActionKind::Split,
            Supplement { .. } => ActionKind::Supplement,
            Urge { .. } => ActionKind::Urge,
            Supervise { .. } => ActionKind::Supervise,
            ListedSupervision { .. } => ActionKind::ListedSupervision,
            AcceptTask { .. } => ActionKind::AcceptTask,
            ReplyTask { .. } => ActionKind::ReplyTask,
            MarkOverdue { .. } => ActionKind::MarkOverdue,
        }
    }

    /// Ids this action refers to, which the caller must resolve into the context.
    pub fn referenced_unit(&self) -> Option<UnitId> {
        match self {
            Action::Dispatch { unit_id, .. }
            | Action::Reassign { unit_id, .. }
            | Action::SubDispatch { unit_id, .. } => Some(*unit_id),
            _ => None,
        }
    }
}

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
        case.dispatched_at = Some(now);
        case.stage_started_at = Some(now);
        case.accepted_at = None;
        case.accept_due = Some(self.limit(case, Stage::Accept).due_from(now, self.calendar));
        case.return_due = Some(self.limit(case, Stage::Return).due_from(now, self.calendar));
        case.reply_due = Some(self.limit(case, Stage::Reply).due_from(now, self.calendar));
        case.follow_up_due = None;
        case.extension = None;
        case.extended_days = 0;
        case.overdue_level = OverdueLevel::Green;
    }
}

/// Decides an action on a case. Refusals change nothing; an accepted action returns the new case
/// (version not yet bumped: the store does that when it commits) and exactly one event for it.
pub fn decide(
    case: &Case,
    action: &Action,
    ctx: &DecideContext<'_>,
) -> Result<Decision, DomainError> {
    let kind = action.kind();
    authorize(ctx.actor, case, action, ctx)?;
    let from = case.state;
    let not_allowed = || DomainError::NotAllowedInState {
        state: from,
        action: kind,
    };
    let mut next = case.clone();
    next.updated_at = ctx.now;
    let mut effects = Vec::new();
    let mut note: Option<String> = None;
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
                next.region_id = Some(region.id);
                next.region_path = Some(region.path.clone());
            }
            next.state = S::Registered;
            note = remark("remark", r)?;
        }
        Action::RejectIntake { reason: r } => {
            if from != S::Registered {
                return Err(not_allowed());
            }
            let r = reason("reason", r)?;
            next.state = S::Rejected;
            next.closed_at = Some(ctx.now);
            effects.push(Effect::NotifyReporters {
                message: format!("您反映的问题不予受理：{r}"),
            });
            note = Some(r);
        }
        Action::AnswerDirectly { reply } => {
            if from != S::Registered {
                return Err(not_allowed());
            }
            let reply = reason("reply", reply)?;
            next.state = S::Closed;
            next.reply = Some(reply.clone());
            next.replied_at = Some(ctx.now);
            next.closed_at = Some(ctx.now);
            effects.push(Effect::NotifyReporters {
                message: reply.clone(),
            });
            note = Some(reply);
        }
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
            next.unit_id = Some(*unit_id);
            next.state = S::Dispatched;
            ctx.start_dispatch(&mut next);
            if !co_units.is_empty() {
                let reply_due = next.reply_due.expect("set by start_dispatch");
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
            note = remark("remark", r)?;
        }
        Action::Accept { remark: r } => {
            if from != S::Dispatched {
                return Err(not_allowed());
            }
            next.state = S::Accepted;
            next.accepted_at = Some(ctx.now);
            next.stage_started_at = next.dispatched_at;
            next.overdue_level = recompute_level(&next, ctx);
            note = remark("remark", r)?;
        }
        Action::RequestReturn { reason: r } => {
            if from != S::Dispatched {
                return Err(not_allowed());
            }
            if let Some(due) = case.return_due {
                if ctx.now > due {
                    return Err(DomainError::Conflict(
                        "已超过退单时限（派单后 2 个工作日内），请签收办理或联系受理中心".into(),
                    ));
                }
            }
            next.state = S::ReturnRequested;
            next.return_count += 1;
            note = Some(reason("reason", r)?);
        }
        Action::DenyReturn { reason: r } => {
            if from != S::ReturnRequested {
                return Err(not_allowed());
            }
            next.state = S::Dispatched;
            note = Some(reason("reason", r)?);
        }
        Action::Reassign { unit_id, remark: r } => {
            if from != S::ReturnRequested {
                return Err(not_allowed());
            }
            if Some(*unit_id) == case.unit_id {
                return Err(invalid(
                    "unit_id",
                    "改派须选择另一个承办单位；维持原单位请驳回退单",
                ));
            }
            if !ctx.units_exist {
                return Err(invalid("unit_id", "所选承办单位不存在"));
            }
            next.unit_id = Some(*unit_id);
            next.state = S::Dispatched;
            ctx.start_dispatch(&mut next);
            note = remark("remark", r)?;
        }
        Action::Handle { remark: r } => {
            if from != S::Accepted {
                return Err(not_allowed());
            }
            next.state = S::InProgress;
            note = remark("remark", r)?;
        }
        Action::SubDispatch {
            unit_id,
            instructions,
            due_at,
        } => {
            if !matches!(from, S::Accepted | S::InProgress) {
                return Err(not_allowed());
            }
            if Some(*unit_id) == case.unit_id {
                return Err(invalid("unit_id", "二次派单须派给下级单位，不能派给本单位"));
            }
            if !ctx.units_exist {
                return Err(invalid("unit_id", "所选承办单位不存在"));
            }
            let instructions = check_text("instructions", instructions, REMARK_MAX_CHARS)?;
            let parent_due = case.reply_due.unwrap_or(ctx.now);
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
            note = Some(instructions);
        }
        Action::RequestExtension { days, reason: r } => {
            if !matches!(from, S::Accepted | S::InProgress) {
                return Err(not_allowed());
            }
            if case.extension.is_some() {
                return Err(DomainError::Conflict("已有一项延期申请待审批".into()));
            }
            let due = case.reply_due.ok_or_else(not_allowed)?;
            if ctx.now >= due {
                return Err(DomainError::Conflict(
                    "延期须在办结时限届满前申请，本工单已超时".into(),
                ));
            }
            let (max, unit_label) = extension_cap(ctx.limit(case, Stage::Reply).unit);
            if *days == 0 || case.extended_days + days > max {
                return Err(invalid(
                    "days",
                    format!(
                        "延期天数须为 1–{} 个{unit_label}（已延期 {} 天）",
                        max - case.extended_days.min(max),
                        case.extended_days
                    ),
                ));
            }
            let r = reason("reason", r)?;
            next.extension = Some(ExtensionRequest {
                days: *days,
                reason: r.clone(),
                requested_at: ctx.now,
            });
            note = Some(format!("申请延期 {days} 个{unit_label}：{r}"));
        }
        Action::ApproveExtension { remark: r } => {
            let req = match (&case.extension, from) {
                (Some(req), S::Accepted | S::InProgress) => req,
                _ => return Err(not_allowed()),
            };
            let unit = ctx.limit(case, Stage::Reply).unit;
            let unit = if unit == LimitUnit::CalendarDays {
                unit
            } else {
                LimitUnit::WorkingDays
            };
            let due = case.reply_due.ok_or_else(not_allowed)?;
            next.reply_due = Some(TimeLimit::new(req.days, unit).extend(due, ctx.calendar));
            next.extended_days += req.days;
            next.extension = None;
            next.overdue_level = recompute_level(&next, ctx);
            effects.push(Effect::NotifyReporters {
                message: format!("您反映的问题办理时限已延长 {} 天：{}", req.days, req.reason),
            });
            note = remark("remark", r)?;
        }
        Action::DenyExtension { reason: r } => {
            if case.extension.is_none() || !matches!(from, S::Accepted | S::InProgress) {
                return Err(not_allowed());
            }
            next.extension = None;
            note = Some(reason("reason", r)?);
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
            next.reply = Some(content.clone());
            next.replied_at = Some(ctx.now);
            next.extension = None;
            next.stage_started_at = Some(ctx.now);
            next.follow_up_due = Some(
                ctx.limit(case, Stage::FollowUp)
                    .due_from(ctx.now, ctx.calendar),
            );
            next.overdue_level = OverdueLevel::Green;
            if let Some(p) = case.parent_id {
                effects.push(Effect::NotifyParent { parent: p });
            }
            note = Some(content);
        }
        Action::ReviewPass { remark: r } => {
            if from != S::Replied {
                return Err(not_allowed());
            }
            if case.parent_id.is_some() {
                // A child case ends when the parent unit accepts its work; the citizen is
                // followed up once, on the parent.
                next.state = S::Closed;
                next.closed_at = Some(ctx.now);
            } else {
                next.state = S::Reviewed;
            }
            note = remark("remark", r)?;
        }
        Action::ReviewFail { reason: r } => {
            if from != S::Replied {
                return Err(not_allowed());
            }
            next.state = S::InProgress;
            next.replied_at = None;
            next.follow_up_due = None;
            next.stage_started_at = next.dispatched_at;
            next.overdue_level = recompute_level(&next, ctx);
            note = Some(reason("reason", r)?);
        }
        Action::FollowUp {
            satisfaction,
            unit_at_fault,
            remark: r,
        } => {
            if from != S::Reviewed {
                return Err(not_allowed());
            }
            next.state = S::FollowedUp;
            next.satisfaction = Some(*satisfaction);
            next.unit_at_fault = *unit_at_fault && *satisfaction == Satisfaction::Unsatisfied;
            next.overdue_level = OverdueLevel::Green;
            let r = remark("remark", r)?;
            note = Some(match r {
                Some(r) => format!("{}：{r}", satisfaction.label()),
                None => satisfaction.label().to_string(),
            });
        }
        Action::Reopen { reason: r } => {
            if from != S::FollowedUp {
                return Err(not_allowed());
            }
            if case.satisfaction != Some(Satisfaction::Unsatisfied) || !case.unit_at_fault {
                return Err(DomainError::Conflict(
                    "只有群众不满意且经核实承办单位有责的工单才能重办".into(),
                ));
            }
            next.state = S::Dispatched;
            next.reopen_count += 1;
            next.reply = None;
            next.replied_at = None;
            next.satisfaction = None;
            next.unit_at_fault = false;
            ctx.start_dispatch(&mut next);
            note = Some(reason("reason", r)?);
        }
        Action::Close { remark: r } => {
            if from != S::FollowedUp {
                return Err(not_allowed());
            }
            next.state = S::Closed;
            next.closed_at = Some(ctx.now);
            effects.push(Effect::NotifyReporters {
                message: format!(
                    "您反映的问题已办结：{}",
                    case.reply.clone().unwrap_or_default()
                ),
            });
            note = remark("remark", r)?;
        }
        Action::Archive { remark: r } => {
            if from != S::Closed {
                return Err(not_allowed());
            }
            next.state = S::Archived;
            note = remark("remark", r)?;
        }
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
            next.closed_at = Some(ctx.now);
            next.extension = None;
            effects.push(Effect::NotifyReporters {
                message: format!("您反映的问题已撤回：{r}"),
            });
            note = Some(r);
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
            if !ctx.children.is_empty() || !ctx.tasks.is_empty() || case.parent_id.is_some() {
                return Err(DomainError::Conflict(
                    "已二次派单、联合办理或本身是下级工单的工单不能合并".into(),
                ));
            }
            next.state = S::Merged;
            next.merged_into = Some(target.id);
            next.closed_at = Some(ctx.now);
            next.extension = None;
            effects.push(Effect::MergeInto { target: target.id });
            let r = remark("remark", r)?;
            note = Some(match r {
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
                .filter(|t| Some(t.id) == case.merged_into)
                .ok_or_else(|| DomainError::Conflict("找不到该工单并入的工单，无法拆分".into()))?;
            if !target.state.is_open() {
                return Err(DomainError::Conflict(format!(
                    "工单 {} 已「{}」，不能再拆分出来",
                    target.case_no,
                    target.state.label()
                )));
            }
            next.state = S::Registered;
            next.merged_into = None;
            next.closed_at = None;
            effects.push(Effect::SplitFrom { target: target.id });
            note = Some(format!("从 {} 拆分：{r}", target.case_no));
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
            note = Some(if *reopen_requested && finished {
                format!("群众反映问题仍未解决，申请重办：{content}")
            } else {
                content
            });
        }
        Action::Urge { remark: r }
        | Action::Supervise { remark: r }
        | Action::ListedSupervision { remark: r } => {
            if !from.is_open()
                || case.unit_id.is_none()
                || matches!(from, S::Reported | S::Registered)
            {
                return Err(not_allowed());
            }
            match kind {
                ActionKind::Urge => next.urge_count += 1,
                ActionKind::Supervise => next.supervise_count += 1,
                _ => {
                    if case.listed_supervision {
                        return Err(DomainError::Conflict("该工单已挂牌督办".into()));
                    }
                    next.listed_supervision = true;
                }
            }
            note = remark("remark", r)?;
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
                    note = Some(content);
                }
                _ => unreachable!(),
            }
            effects.push(Effect::UpdateTask(t));
        }
        Action::MarkOverdue { level } => {
            if !from.is_open() || case.overdue_level == *level {
                return Err(not_allowed());
            }
            next.overdue_level = *level;
            note = Some(format!(
                "超时等级：{}",
                match level {
                    OverdueLevel::Green => "正常",
                    OverdueLevel::Yellow => "黄色预警",
                    OverdueLevel::Red => "红色超时",
                }
            ));
        }
    }
    Ok(Decision {
        event: EventDraft {
            action: kind,
            from: Some(from),
            to: next.state,
            remark: note,
        },
        case: next,
        effects,
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
    (level != case.overdue_level).then_some(level)
}
