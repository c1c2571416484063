//! The hazard loop (闭环): 发现 found → 交办 assigned (deadline, owning unit, accountable
//! leader: 定时定人定责) → 整改 rectified (with evidence photos) → 复查 rechecked → 销号 signed
//! off, or back to assigned when the recheck fails. Every step is an event with its actor.
//!
//! A hazard for the same checklist item at the same place, found within the relapse window after
//! an earlier one was signed off, is a relapse (回潮): linked to the earlier hazard, counted
//! against the village, and it raises the place's colour.

use super::{RiskColor, Severity};
use crate::error::DomainError;
use crate::ids::{CaseId, HazardId, InspectionId, PlaceId, UnitId, UserId};
use crate::org::{str_enum, Actor, ActorRole, Role};
use crate::Timestamp;
use chrono::Duration;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardState {
    Found,
    Assigned,
    Rectified,
    Rechecked,
    SignedOff,
}
str_enum!(HazardState {
    Found => "found" / "待交办",
    Assigned => "assigned" / "整改中",
    Rectified => "rectified" / "待复查",
    Rechecked => "rechecked" / "待销号",
    SignedOff => "signed_off" / "已销号",
});

impl HazardState {
    pub fn is_open(self) -> bool {
        self != HazardState::SignedOff
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardActionKind {
    Found,
    Assign,
    Rectify,
    Recheck,
    SignOff,
    OpenCase,
}
str_enum!(HazardActionKind {
    Found => "found" / "发现",
    Assign => "assign" / "交办",
    Rectify => "rectify" / "整改",
    Recheck => "recheck" / "复查",
    SignOff => "sign_off" / "销号",
    OpenCase => "open_case" / "转为工单",
});

/// A step someone takes on a hazard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum HazardAction {
    /// 交办 (again, to change the deadline or the owner): who puts it right, by when, and the
    /// leader accountable.
    Assign {
        owner_unit_id: UnitId,
        leader: String,
        due_at: Timestamp,
        #[serde(default)]
        remark: Option<String>,
    },
    /// 整改: what was done, with `evidence` photos sent alongside.
    Rectify {
        remark: String,
        #[serde(default)]
        evidence: u32,
    },
    /// 复查: the rectification holds, or it does not (back to 整改中).
    Recheck {
        passed: bool,
        #[serde(default)]
        remark: Option<String>,
    },
    /// 销号.
    SignOff {
        #[serde(default)]
        remark: Option<String>,
    },
    /// 转为工单: the hazard needs another unit's work, so an ordinary case was opened for it
    /// through the one intake (`case_id`, `case_no`); the hazard keeps its own loop and points
    /// at the case. Once only.
    OpenCase {
        case_id: CaseId,
        case_no: String,
        #[serde(default)]
        remark: Option<String>,
    },
}

impl HazardAction {
    pub fn kind(&self) -> HazardActionKind {
        match self {
            HazardAction::Assign { .. } => HazardActionKind::Assign,
            HazardAction::Rectify { .. } => HazardActionKind::Rectify,
            HazardAction::Recheck { .. } => HazardActionKind::Recheck,
            HazardAction::SignOff { .. } => HazardActionKind::SignOff,
            HazardAction::OpenCase { .. } => HazardActionKind::OpenCase,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hazard {
    pub id: HazardId,
    pub place_id: PlaceId,
    /// The place's region, copied so scope needs no join.
    pub region_path: String,
    pub inspection_id: Option<InspectionId>,
    pub item_code: String,
    pub item_text: String,
    pub severity: Severity,
    pub description: String,
    pub state: HazardState,
    pub owner_unit_id: Option<UnitId>,
    pub leader: Option<String>,
    pub due_at: Option<Timestamp>,
    pub found_at: Timestamp,
    pub found_by: String,
    pub rectified_at: Option<Timestamp>,
    pub signed_off_at: Option<Timestamp>,
    /// The signed-off hazard this one relapses (回潮).
    pub relapse_of: Option<HazardId>,
    /// Evidence photos of the rectification.
    pub evidence: u32,
    /// The case opened for it through the intake (转为工单), when another unit's work is needed.
    pub case_id: Option<CaseId>,
    pub version: i64,
}

impl Hazard {
    pub fn is_overdue(&self, now: Timestamp) -> bool {
        matches!(self.state, HazardState::Found | HazardState::Assigned)
            && self.due_at.is_some_and(|d| d < now)
    }
}

/// One step in a hazard's history (append-only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HazardEvent {
    pub hazard_id: HazardId,
    pub action: HazardActionKind,
    pub from_state: Option<HazardState>,
    pub to_state: HazardState,
    pub actor_id: Option<UserId>,
    pub actor_name: String,
    pub remark: Option<String>,
    pub at: Timestamp,
    /// For 整改: whether it came before the deadline.
    pub on_time: Option<bool>,
}

/// What an accepted step does: the hazard after it and the event that records it.
#[derive(Debug, Clone, PartialEq)]
pub struct HazardDecision {
    pub hazard: Hazard,
    pub event: HazardEvent,
}

/// Default relapse window: a failure of the same item within 90 days of sign-off is 回潮.
pub const DEFAULT_RELAPSE_WINDOW_DAYS: u32 = 90;

/// The signed-off hazard a new finding at the same place and item relapses, if any: the most
/// recently signed off within `window_days` before `found_at`.
pub fn relapse_of<'a>(
    earlier: impl IntoIterator<Item = &'a Hazard>,
    found_at: Timestamp,
    window_days: u32,
) -> Option<HazardId> {
    earlier
        .into_iter()
        .filter_map(|h| h.signed_off_at.map(|t| (t, h.id)))
        .filter(|(t, _)| *t <= found_at && found_at - *t <= Duration::days(window_days as i64))
        .max_by_key(|(t, _)| *t)
        .map(|(_, id)| id)
}

/// The colour a place takes after an inspection: the grade the inspector confirmed, raised at
/// least one step above the place's former colour when a finding relapses.
pub fn color_after_inspection(
    before: RiskColor,
    confirmed: RiskColor,
    relapsed: bool,
) -> RiskColor {
    if relapsed {
        confirmed.max(before.raised())
    } else {
        confirmed
    }
}

fn refuse_state(h: &Hazard, action: HazardActionKind) -> DomainError {
    DomainError::Conflict(format!(
        "隐患当前为「{}」，不能{}",
        h.state.label(),
        action.label()
    ))
}

fn remark(text: Option<&str>) -> Result<Option<String>, DomainError> {
    match text.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => {
            crate::check_len("remark", t, crate::limits::REMARK_MAX_CHARS)?;
            Ok(Some(t.to_string()))
        }
        None => Ok(None),
    }
}

/// Who may take a step, before the state is looked at.
fn authorize(h: &Hazard, kind: HazardActionKind, actor: &Actor) -> Result<(), DomainError> {
    let role = match actor.role {
        ActorRole::System => return Ok(()),
        ActorRole::User(r) => r,
        ActorRole::Citizen => {
            return Err(DomainError::NotPermitted {
                what: "处理隐患"
            });
        }
    };
    if !actor.covers(Some(&h.region_path)) {
        return Err(DomainError::NotPermittedBecause(
            "该隐患不在您负责的区域内".into(),
        ));
    }
    let allowed = match kind {
        HazardActionKind::Found => true,
        HazardActionKind::Assign | HazardActionKind::SignOff => {
            matches!(role, Role::Operator | Role::Admin | Role::Leader)
        }
        // Through the intake, which leaders do not use.
        HazardActionKind::OpenCase => matches!(role, Role::Operator | Role::Admin),
        HazardActionKind::Rectify => {
            return if role == Role::UnitStaff
                && actor.unit_id.is_some()
                && actor.unit_id == h.owner_unit_id
            {
                Ok(())
            } else {
                Err(DomainError::NotPermittedBecause(
                    "只有交办的整改责任单位可以填报整改".into(),
                ))
            };
        }
        HazardActionKind::Recheck => {
            matches!(role, Role::GridWorker | Role::Operator | Role::Admin)
                || (role == Role::UnitStaff && actor.unit_id != h.owner_unit_id)
        }
    };
    if allowed {
        Ok(())
    } else {
        Err(DomainError::NotPermittedBecause(format!(
            "您的角色不能{}隐患",
            kind.label()
        )))
    }
}

/// Decides a step on a hazard: who may take it, whether its state allows it, and what it
/// changes. Pure: nothing is stored.
pub fn decide(
    h: &Hazard,
    action: &HazardAction,
    actor: &Actor,
    now: Timestamp,
) -> Result<HazardDecision, DomainError> {
    let kind = action.kind();
    authorize(h, kind, actor)?;
    let mut next = h.clone();
    let mut on_time = None;
    let note = match action {
        HazardAction::Assign {
            owner_unit_id,
            leader,
            due_at,
            remark: r,
        } => {
            if !matches!(h.state, HazardState::Found | HazardState::Assigned) {
                return Err(refuse_state(h, kind));
            }
            let leader = crate::check_text("leader", leader, crate::limits::NAME_MAX_CHARS)
                .map_err(|_| DomainError::Invalid {
                    field: "leader",
                    message: "请填写责任领导（定时定人定责）".into(),
                })?;
            if *due_at <= now {
                return Err(DomainError::Invalid {
                    field: "due_at",
                    message: "整改期限须晚于现在".into(),
                });
            }
            next.owner_unit_id = Some(*owner_unit_id);
            next.leader = Some(leader);
            next.due_at = Some(*due_at);
            next.state = HazardState::Assigned;
            remark(r.as_deref())?
        }
        HazardAction::Rectify {
            remark: r,
            evidence,
        } => {
            if h.state != HazardState::Assigned {
                return Err(refuse_state(h, kind));
            }
            let r = remark(Some(r))?.ok_or(DomainError::Invalid {
                field: "remark",
                message: "请写明整改了什么".into(),
            })?;
            if *evidence == 0 {
                return Err(DomainError::Invalid {
                    field: "evidence",
                    message: "请上传整改后的照片作为佐证".into(),
                });
            }
            next.evidence = h.evidence + evidence;
            next.rectified_at = Some(now);
            next.state = HazardState::Rectified;
            on_time = h.due_at.map(|d| now <= d);
            Some(r)
        }
        HazardAction::Recheck { passed, remark: r } => {
            if h.state != HazardState::Rectified {
                return Err(refuse_state(h, kind));
            }
            let r = remark(r.as_deref())?;
            if *passed {
                next.state = HazardState::Rechecked;
            } else {
                if r.is_none() {
                    return Err(DomainError::Invalid {
                        field: "remark",
                        message: "复查不合格，请写明仍存在的问题".into(),
                    });
                }
                next.state = HazardState::Assigned;
            }
            r
        }
        HazardAction::SignOff { remark: r } => {
            if h.state != HazardState::Rechecked {
                return Err(refuse_state(h, kind));
            }
            if h.evidence == 0 {
                return Err(DomainError::Invalid {
                    field: "evidence",
                    message: "没有整改佐证照片，不能销号".into(),
                });
            }
            next.signed_off_at = Some(now);
            next.state = HazardState::SignedOff;
            remark(r.as_deref())?
        }
        HazardAction::OpenCase {
            case_id,
            case_no,
            remark: r,
        } => {
            if !matches!(h.state, HazardState::Found | HazardState::Assigned) {
                return Err(refuse_state(h, kind));
            }
            if h.case_id.is_some_and(|c| c != *case_id) {
                return Err(DomainError::Conflict(
                    "该隐患已转为工单，请在工单中跟进".into(),
                ));
            }
            next.case_id = Some(*case_id);
            Some(match remark(r.as_deref())? {
                Some(r) => format!("已转为工单 {case_no}：{r}"),
                None => format!("已转为工单 {case_no}"),
            })
        }
    };
    next.version = h.version + 1;
    let event = HazardEvent {
        hazard_id: h.id,
        action: kind,
        from_state: Some(h.state),
        to_state: next.state,
        actor_id: actor.user_id,
        actor_name: actor.name.clone(),
        remark: note,
        at: now,
        on_time,
    };
    Ok(HazardDecision {
        hazard: next,
        event,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::ActorRole;

    fn actor(role: Role, region: &str, unit: Option<i64>) -> Actor {
        Actor {
            user_id: Some(UserId(1)),
            name: "张三".into(),
            role: ActorRole::User(role),
            region_path: region.into(),
            unit_id: unit.map(UnitId),
        }
    }

    fn found(now: Timestamp) -> Hazard {
        Hazard {
            id: HazardId(7),
            place_id: PlaceId(3),
            region_path: "/1/2/5/".into(),
            inspection_id: Some(InspectionId(11)),
            item_code: "exit".into(),
            item_text: "安全出口畅通".into(),
            severity: Severity::Major,
            description: "后门堆放货物".into(),
            state: HazardState::Found,
            owner_unit_id: None,
            leader: None,
            due_at: None,
            found_at: now,
            found_by: "李网格".into(),
            rectified_at: None,
            signed_off_at: None,
            relapse_of: None,
            evidence: 0,
            case_id: None,
            version: 1,
        }
    }

    #[test]
    fn the_whole_loop_with_a_failed_recheck() {
        let t0 = chrono::Utc::now();
        let op = actor(Role::Operator, "/1/", None);
        let owner = actor(Role::UnitStaff, "/1/2/", Some(9));
        let grid = actor(Role::GridWorker, "/1/2/5/", None);
        let h = found(t0);
        let assign = HazardAction::Assign {
            owner_unit_id: UnitId(9),
            leader: "王副镇长".into(),
            due_at: t0 + Duration::days(3),
            remark: None,
        };
        let d = decide(&h, &assign, &op, t0).unwrap();
        assert_eq!(d.hazard.state, HazardState::Assigned);
        let h = d.hazard;

        // Someone else's unit cannot rectify; no photo, no rectification.
        let other = actor(Role::UnitStaff, "/1/", Some(4));
        let rectify = |n| HazardAction::Rectify {
            remark: "已清理通道".into(),
            evidence: n,
        };
        assert!(decide(&h, &rectify(1), &other, t0)
            .unwrap_err()
            .to_string()
            .contains("责任单位"));
        assert!(decide(&h, &rectify(0), &owner, t0)
            .unwrap_err()
            .to_string()
            .contains("照片"));
        let d = decide(&h, &rectify(2), &owner, t0 + Duration::days(1)).unwrap();
        assert_eq!(d.event.on_time, Some(true));
        let h = d.hazard;
        assert_eq!(h.state, HazardState::Rectified);

        // Signing off before the recheck is refused; a failed recheck goes back to 整改中.
        assert!(decide(&h, &HazardAction::SignOff { remark: None }, &op, t0).is_err());
        let fail = HazardAction::Recheck {
            passed: false,
            remark: None,
        };
        assert!(decide(&h, &fail, &grid, t0)
            .unwrap_err()
            .to_string()
            .contains("写明"));
        let fail = HazardAction::Recheck {
            passed: false,
            remark: Some("通道又被堵".into()),
        };
        let h = decide(&h, &fail, &grid, t0).unwrap().hazard;
        assert_eq!(h.state, HazardState::Assigned);
        let d = decide(&h, &rectify(1), &owner, t0 + Duration::days(4)).unwrap();
        assert_eq!(d.event.on_time, Some(false), "after the deadline");
        let h = d.hazard;
        let pass = HazardAction::Recheck {
            passed: true,
            remark: None,
        };
        let h = decide(&h, &pass, &grid, t0).unwrap().hazard;
        assert!(
            decide(&h, &HazardAction::SignOff { remark: None }, &grid, t0).is_err(),
            "grid workers do not sign off"
        );
        let d = decide(
            &h,
            &HazardAction::SignOff { remark: None },
            &op,
            t0 + Duration::days(5),
        )
        .unwrap();
        assert_eq!(d.hazard.state, HazardState::SignedOff);
        assert_eq!(d.hazard.evidence, 3);
        assert_eq!(d.event.from_state, Some(HazardState::Rechecked));
    }

    #[test]
    fn no_sign_off_without_evidence_and_no_assignment_into_the_past() {
        let t0 = chrono::Utc::now();
        let op = actor(Role::Operator, "/1/", None);
        let mut h = found(t0);
        let past = HazardAction::Assign {
            owner_unit_id: UnitId(9),
            leader: "王副镇长".into(),
            due_at: t0 - Duration::hours(1),
            remark: None,
        };
        assert!(decide(&h, &past, &op, t0)
            .unwrap_err()
            .to_string()
            .contains("期限"));
        h.state = HazardState::Rechecked;
        let e = decide(&h, &HazardAction::SignOff { remark: None }, &op, t0).unwrap_err();
        assert!(e.to_string().contains("佐证"), "{e}");
        let outside = actor(Role::Operator, "/1/3/", None);
        assert!(decide(&h, &HazardAction::SignOff { remark: None }, &outside, t0).is_err());
    }

    #[test]
    fn a_failure_soon_after_sign_off_is_a_relapse_that_raises_the_colour() {
        let t0 = chrono::Utc::now();
        let mut old = found(t0);
        old.signed_off_at = Some(t0);
        let mut older = found(t0);
        older.id = HazardId(3);
        older.signed_off_at = Some(t0 - Duration::days(50));
        let open = found(t0);
        let hs = [older.clone(), old.clone(), open];
        assert_eq!(
            relapse_of(&hs, t0 + Duration::days(30), 90),
            Some(HazardId(7))
        );
        assert_eq!(relapse_of(&hs, t0 + Duration::days(91), 90), None);
        assert_eq!(
            relapse_of(&hs[..1], t0 + Duration::days(30), 90),
            Some(HazardId(3))
        );
        assert_eq!(
            color_after_inspection(RiskColor::Blue, RiskColor::Green, true),
            RiskColor::Yellow
        );
        assert_eq!(
            color_after_inspection(RiskColor::Blue, RiskColor::Red, true),
            RiskColor::Red
        );
        assert_eq!(
            color_after_inspection(RiskColor::Blue, RiskColor::Green, false),
            RiskColor::Green
        );
    }

    #[test]
    fn a_hazard_opens_one_case_and_keeps_its_own_loop() {
        let t0 = chrono::Utc::now();
        let op = actor(Role::Operator, "/1/", None);
        let grid = actor(Role::GridWorker, "/1/2/5/", None);
        let open = |id: i64| HazardAction::OpenCase {
            case_id: CaseId(id),
            case_no: format!("FQ2026112900{id:04}"),
            remark: Some("需交通运输站修复路面".into()),
        };
        let h = found(t0);
        assert!(decide(&h, &open(1), &grid, t0)
            .unwrap_err()
            .to_string()
            .contains("转为工单"));
        let d = decide(&h, &open(1), &op, t0).unwrap();
        assert_eq!(d.hazard.case_id, Some(CaseId(1)));
        assert_eq!(d.hazard.state, HazardState::Found, "its own loop goes on");
        assert_eq!(d.event.action, HazardActionKind::OpenCase);
        assert!(d
            .event
            .remark
            .as_deref()
            .unwrap()
            .contains("FQ20261129000001"));
        // The same case again (a retry) is accepted; another is not.
        assert!(decide(&d.hazard, &open(1), &op, t0).is_ok());
        assert!(matches!(
            decide(&d.hazard, &open(2), &op, t0),
            Err(DomainError::Conflict(_))
        ));
        let mut done = found(t0);
        done.state = HazardState::Rectified;
        assert!(matches!(
            decide(&done, &open(1), &op, t0),
            Err(DomainError::Conflict(_))
        ));
    }
}
