//! The case (工单/事件) and what hangs off it: reporters, co-unit tasks, events.

use crate::deadline::OverdueLevel;
use crate::ids::{CaseId, CaseNo, CategoryId, Phone, RegionId, TaskId, UnitId, UserId};
use crate::lifecycle::{ActionKind, EventDraft};
use crate::org::str_enum;
use crate::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseState {
    Reported,
    Registered,
    Rejected,
    Dispatched,
    ReturnRequested,
    Accepted,
    InProgress,
    Replied,
    Reviewed,
    FollowedUp,
    Closed,
    Archived,
    Withdrawn,
    Merged,
}
str_enum!(CaseState {
    Reported => "reported" / "待受理",
    Registered => "registered" / "已受理",
    Rejected => "rejected" / "不予受理",
    Dispatched => "dispatched" / "已派单",
    ReturnRequested => "return_requested" / "退单申请中",
    Accepted => "accepted" / "已签收",
    InProgress => "in_progress" / "办理中",
    Replied => "replied" / "已办结",
    Reviewed => "reviewed" / "已审核",
    FollowedUp => "followed_up" / "已回访",
    Closed => "closed" / "已结案",
    Archived => "archived" / "已归档",
    Withdrawn => "withdrawn" / "已撤回",
    Merged => "merged" / "已合并",
});

impl CaseState {
    /// States in which the case is still being worked on (withdraw, merge and the overlays apply).
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            CaseState::Rejected
                | CaseState::Closed
                | CaseState::Archived
                | CaseState::Withdrawn
                | CaseState::Merged
        )
    }
    /// States that run against a deadline (see [`Case::current_deadline`]).
    pub fn is_timed(self) -> bool {
        matches!(
            self,
            CaseState::Dispatched
                | CaseState::ReturnRequested
                | CaseState::Accepted
                | CaseState::InProgress
                | CaseState::Replied
                | CaseState::Reviewed
        )
    }
    /// For a child case: has the unit it was sent to finished its part?
    pub fn child_done(self) -> bool {
        !matches!(
            self,
            CaseState::Reported
                | CaseState::Registered
                | CaseState::Dispatched
                | CaseState::ReturnRequested
                | CaseState::Accepted
                | CaseState::InProgress
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Priority {
    /// Danger to life or property: accept within 15 minutes around the clock.
    Emergency,
    /// Utilities (water, power, gas): accept within 30 minutes around the clock.
    Urgent,
    Normal,
}
str_enum!(Priority {
    Emergency => "emergency" / "紧急（人身财产危险）",
    Urgent => "urgent" / "加急（水电气）",
    Normal => "normal" / "一般",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    CitizenWeb,
    CitizenQr,
    Hotline,
    Open311,
    GridPatrol,
    Inspection,
    PetitionDesk,
    ServiceCounter,
}
str_enum!(Channel {
    CitizenWeb => "citizen_web" / "网上留言",
    CitizenQr => "citizen_qr" / "民情码",
    Hotline => "hotline" / "12345热线",
    Open311 => "open311" / "Open311接口",
    GridPatrol => "grid_patrol" / "网格巡查",
    Inspection => "inspection" / "检查发现",
    PetitionDesk => "petition_desk" / "信访接待",
    ServiceCounter => "service_counter" / "便民服务窗口",
});

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Satisfaction {
    Satisfied,
    BasicallySatisfied,
    Unsatisfied,
    /// The citizen could not be reached or declined to rate: not a valid rating.
    NoRating,
}
str_enum!(Satisfaction {
    Satisfied => "satisfied" / "满意",
    BasicallySatisfied => "basically_satisfied" / "基本满意",
    Unsatisfied => "unsatisfied" / "不满意",
    NoRating => "no_rating" / "未评价",
});

/// A pending extension request (延期申请).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtensionRequest {
    pub days: u32,
    pub reason: String,
    pub requested_at: Timestamp,
}

/// What was reported, in the reporter's words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseText {
    pub title: String,
    pub body: String,
}

/// Where it is: the region (with its materialised path, denormalised for scope checks), the
/// address as given and coordinates. Places, hazards and projects carry the same part.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Location {
    pub region_id: Option<RegionId>,
    pub region_path: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
}

/// Who handles it and how far they got: the lead unit (主办单位), the parent case of a
/// sub-dispatch, and the times of dispatch, acceptance and reply.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Handling {
    pub unit_id: Option<UnitId>,
    pub parent_id: Option<CaseId>,
    pub dispatched_at: Option<Timestamp>,
    pub accepted_at: Option<Timestamp>,
    pub replied_at: Option<Timestamp>,
    pub reply: Option<String>,
}

/// The clock: each stage's due time, the current stage's start (for the overdue share), a
/// pending extension and the days granted, and the overdue level. Hazards reuse it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deadlines {
    /// Start of the current timed stage (dispatch, accept, reply…), for the overdue share.
    pub stage_started_at: Option<Timestamp>,
    pub accept_due: Option<Timestamp>,
    pub return_due: Option<Timestamp>,
    pub reply_due: Option<Timestamp>,
    pub follow_up_due: Option<Timestamp>,
    pub extension: Option<ExtensionRequest>,
    pub extended_days: u32,
    pub overdue_level: OverdueLevel,
}

impl Default for Deadlines {
    fn default() -> Self {
        Deadlines {
            stage_started_at: None,
            accept_due: None,
            return_due: None,
            reply_due: None,
            follow_up_due: None,
            extension: None,
            extended_days: 0,
            overdue_level: OverdueLevel::Green,
        }
    }
}

/// Counts of what oversight and the unit did to it: reopenings, returns, urging, supervision.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Oversight {
    pub reopen_count: u32,
    pub return_count: u32,
    pub urge_count: u32,
    pub supervise_count: u32,
    pub listed_supervision: bool,
}

/// How it ended: merged into another case, closed, and the reporter's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Outcome {
    pub merged_into: Option<CaseId>,
    pub closed_at: Option<Timestamp>,
    pub satisfaction: Option<Satisfaction>,
    pub unit_at_fault: bool,
}

/// A case (工单): its identity and state, and its parts. The parts serialise flat, so the wire
/// form is one object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    pub id: CaseId,
    pub case_no: CaseNo,
    #[serde(flatten)]
    pub text: CaseText,
    pub channel: Channel,
    pub category_id: Option<CategoryId>,
    pub priority: Priority,
    #[serde(flatten)]
    pub location: Location,
    pub state: CaseState,
    pub is_petition: bool,
    #[serde(flatten)]
    pub handling: Handling,
    #[serde(flatten)]
    pub deadlines: Deadlines,
    #[serde(flatten)]
    pub oversight: Oversight,
    #[serde(flatten)]
    pub outcome: Outcome,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Optimistic-concurrency version: bumped by every committed change.
    pub version: i64,
}

impl Case {
    /// The deadline the case is currently running against, with the instant it started.
    pub fn current_deadline(&self) -> Option<(Timestamp, Timestamp)> {
        let start = self.deadlines.stage_started_at?;
        let due = match self.state {
            CaseState::Dispatched => self.deadlines.accept_due,
            CaseState::ReturnRequested | CaseState::Accepted | CaseState::InProgress => {
                self.deadlines.reply_due
            }
            CaseState::Replied | CaseState::Reviewed => self.deadlines.follow_up_due,
            _ => None,
        }?;
        Some((start, due))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reporter {
    pub name: Option<String>,
    pub phone: Option<Phone>,
    /// A number relayed by another system (an Open311 app, a 12345 work order) that cannot be
    /// read as a phone: kept as sent, for a person to read and call, instead of losing the
    /// report.
    #[serde(default)]
    pub phone_unread: Option<String>,
    pub channel: Channel,
    pub reported_at: Timestamp,
    /// The case this reporter first reported through (differs after a merge).
    pub original_case_id: CaseId,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Dispatched,
    Accepted,
    Replied,
}
str_enum!(TaskState {
    Dispatched => "dispatched" / "已派发",
    Accepted => "accepted" / "已签收",
    Replied => "replied" / "已反馈",
});

/// A co-unit's part of a jointly handled case (协办任务), with its own deadline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub id: TaskId,
    pub case_id: CaseId,
    pub unit_id: UnitId,
    pub instructions: String,
    pub due_at: Timestamp,
    pub state: TaskState,
    pub reply: Option<String>,
    pub replied_at: Option<Timestamp>,
}

/// An append-only record of one accepted action, with the facts KPIs are counted from: which
/// unit was responsible, the deadline in force and whether the step met it. Recorded when it
/// happens, so per-unit rates survive a later reassignment or reopening.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub id: i64,
    pub case_id: CaseId,
    pub action: ActionKind,
    pub from_state: Option<CaseState>,
    pub to_state: CaseState,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub remark: Option<String>,
    pub at: Timestamp,
    /// The unit responsible for the case from this event on (the lead unit after it).
    pub unit_id: Option<UnitId>,
    /// The deadline of the stage the case was in when the action was taken.
    pub due_at: Option<Timestamp>,
    /// Whether the action came by that deadline.
    pub on_time: Option<bool>,
}

/// What intake knows about a new case.
#[derive(Debug, Clone)]
pub struct Intake {
    pub title: String,
    pub body: String,
    pub channel: Channel,
    pub category_id: Option<CategoryId>,
    pub priority: Priority,
    pub region_id: Option<RegionId>,
    pub region_path: Option<String>,
    pub address: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub is_petition: bool,
    pub created_by: Option<UserId>,
}

impl Intake {
    /// An intake of which only the text and the channel are known yet.
    pub fn text(title: impl Into<String>, body: impl Into<String>, channel: Channel) -> Self {
        Intake {
            title: title.into(),
            body: body.into(),
            channel,
            category_id: None,
            priority: Priority::Normal,
            region_id: None,
            region_path: None,
            address: None,
            latitude: None,
            longitude: None,
            is_petition: channel == Channel::PetitionDesk,
            created_by: None,
        }
    }
}

impl Event {
    /// The first event of every case: its intake through a channel.
    pub fn intake(case: &Case, actor_id: Option<UserId>, actor_name: &str) -> Event {
        Event {
            id: 0,
            case_id: case.id,
            action: ActionKind::Intake,
            from_state: None,
            to_state: CaseState::Reported,
            actor_id,
            actor_name: actor_name.to_string(),
            remark: Some(format!("经「{}」登记", case.channel.label())),
            at: case.created_at,
            unit_id: case.handling.unit_id,
            due_at: None,
            on_time: None,
        }
    }

    /// The event of a decided action, as the store appends it.
    pub fn from_draft(
        case_id: CaseId,
        draft: &EventDraft,
        actor_id: Option<UserId>,
        actor_name: &str,
        at: Timestamp,
    ) -> Event {
        Event {
            id: 0,
            case_id,
            action: draft.action,
            from_state: draft.from,
            to_state: draft.to,
            actor_id,
            actor_name: actor_name.to_string(),
            remark: draft.remark.clone(),
            at,
            unit_id: draft.unit_id,
            due_at: draft.due_at,
            on_time: draft.due_at.map(|due| at <= due),
        }
    }
}

/// A freshly reported case (state `reported`).
pub fn new_case(id: CaseId, i: Intake, now: Timestamp) -> Case {
    Case {
        id,
        case_no: CaseNo::new(crate::deadline::local_date(now), id),
        text: CaseText {
            title: i.title,
            body: i.body,
        },
        channel: i.channel,
        category_id: i.category_id,
        priority: i.priority,
        location: Location {
            region_id: i.region_id,
            region_path: i.region_path,
            address: i.address,
            latitude: i.latitude,
            longitude: i.longitude,
        },
        state: CaseState::Reported,
        is_petition: i.is_petition,
        handling: Handling::default(),
        deadlines: Deadlines::default(),
        oversight: Oversight::default(),
        outcome: Outcome::default(),
        created_by: i.created_by,
        created_at: now,
        updated_at: now,
        version: 0,
    }
}

/// The child case a sub-dispatch creates: dispatched straight to the lower unit.
pub fn child_case(
    parent: &Case,
    child: &crate::lifecycle::NewChild,
    id: CaseId,
    now: Timestamp,
) -> Case {
    let mut c = new_case(
        id,
        Intake {
            category_id: parent.category_id,
            priority: parent.priority,
            region_id: parent.location.region_id,
            region_path: parent.location.region_path.clone(),
            address: parent.location.address.clone(),
            latitude: parent.location.latitude,
            longitude: parent.location.longitude,
            is_petition: parent.is_petition,
            ..Intake::text(
                format!("【二次派单】{}", parent.text.title),
                format!("{}\n\n——原诉求——\n{}", child.instructions, parent.text.body),
                parent.channel,
            )
        },
        now,
    );
    c.handling.parent_id = Some(parent.id);
    c.handling.unit_id = Some(child.unit_id);
    c.state = CaseState::Dispatched;
    c.handling.dispatched_at = Some(now);
    c.deadlines.stage_started_at = Some(now);
    c.deadlines.accept_due = Some(child.accept_due);
    c.deadlines.return_due = Some(child.accept_due);
    c.deadlines.reply_due = Some(child.reply_due);
    c
}

/// What a reporter is told when their case is registered: its number, and how to follow it.
pub fn intake_notice(no: &CaseNo) -> String {
    format!("您反映的问题已登记，工单编号 {no}。可凭工单编号和手机号后四位查询办理进度。")
}

#[cfg(test)]
mod wire_tests {
    use super::*;

    /// The parts are how the code is organised, not the wire: a case is one flat object.
    #[test]
    fn a_case_serialises_flat_and_reads_back() {
        let now = chrono::Utc::now();
        let mut case = new_case(
            CaseId(7),
            Intake::text("路灯", "村口路灯坏了", Channel::Hotline),
            now,
        );
        case.deadlines.reply_due = Some(now);
        case.handling.unit_id = Some(UnitId(3));
        let v = serde_json::to_value(&case).unwrap();
        for key in [
            "title",
            "body",
            "region_id",
            "unit_id",
            "reply_due",
            "urge_count",
            "closed_at",
        ] {
            assert!(v.get(key).is_some(), "{key} at the top level: {v}");
        }
        for part in [
            "text",
            "location",
            "handling",
            "deadlines",
            "oversight",
            "outcome",
        ] {
            assert!(v.get(part).is_none(), "{part} is not a wire field");
        }
        let back: Case = serde_json::from_value(v).unwrap();
        assert_eq!(back, case);
    }
}
