//! Everything a person (or the scheduler) can ask of a case, and the kinds of events a case's
//! history records.

use crate::case::{Priority, Satisfaction};
use crate::deadline::OverdueLevel;
use crate::ids::{CaseId, CategoryId, RegionId, TaskId, UnitId};
use crate::org::str_enum;
use crate::Timestamp;
use serde::{Deserialize, Serialize};

/// A co-unit named at dispatch, with its own task and (optionally) its own deadline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoUnit {
    pub unit_id: UnitId,
    pub instructions: String,
    #[serde(default)]
    pub due_at: Option<Timestamp>,
}

/// Everything a person (or the scheduler) can do to a case. Its wire form is the API's own
/// (`fengqiao-api`'s `dto::action`); serialised here only for logs and fixtures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "action", rename_all = "snake_case")]
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
    /// The reporter's own rating of the reply (满意 / 基本满意 / 不满意), given on the progress
    /// page. The state does not change; the centre's follow-up (回访) may record its own.
    Rate {
        satisfaction: Satisfaction,
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
    Rate,
    Urge,
    Supervise,
    ListedSupervision,
    AcceptTask,
    ReplyTask,
    MarkOverdue,
    ChildReplied,
    /// A reported case's text replaced by a newer version from its source (a 12345 work order
    /// imported again); the history keeps what it said before.
    Amend,
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
    Rate => "rate" / "群众评价",
    Urge => "urge" / "催办",
    Supervise => "supervise" / "督办",
    ListedSupervision => "listed_supervision" / "挂牌督办",
    AcceptTask => "accept_task" / "协办签收",
    ReplyTask => "reply_task" / "协办反馈",
    MarkOverdue => "mark_overdue" / "超时预警",
    ChildReplied => "child_replied" / "下级办结",
    Amend => "amend" / "更新诉求内容",
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
            Rate { .. } => ActionKind::Rate,
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
