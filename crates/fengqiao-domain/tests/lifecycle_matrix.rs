//! Every (state, action, role) combination of the lifecycle: the action is accepted exactly when
//! PRODUCT.md's transition table and the role rules allow it, and then lands in the state the
//! table names; otherwise it is refused with the state or the role named, and nothing changes.

use chrono::{Duration, TimeZone, Utc};
use fengqiao_domain::case::*;
use fengqiao_domain::ids::*;
use fengqiao_domain::lifecycle::*;
use fengqiao_domain::org::*;
use fengqiao_domain::*;
use proptest::prelude::*;

const UNIT: UnitId = UnitId(10);
const OTHER_UNIT: UnitId = UnitId(11);
const TASK_UNIT: UnitId = UnitId(12);

fn now() -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 11, 24, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc)
}

fn base_case(state: CaseState) -> Case {
    let mut c = new_case(
        CaseId(1),
        Intake {
            title: "路灯不亮".into(),
            body: "村口路灯坏了".into(),
            channel: Channel::Hotline,
            category_id: Some(CategoryId(1)),
            priority: Priority::Normal,
            region_id: Some(RegionId(2)),
            region_path: Some("/1/2/".into()),
            address: None,
            latitude: None,
            longitude: None,
            is_petition: false,
            created_by: None,
        },
        now() - Duration::hours(3),
    );
    c.state = state;
    if !matches!(
        state,
        CaseState::Reported | CaseState::Registered | CaseState::Rejected
    ) {
        c.handling.unit_id = Some(UNIT);
        c.handling.dispatched_at = Some(now() - Duration::hours(2));
        c.deadlines.stage_started_at = c.handling.dispatched_at;
        c.deadlines.accept_due = Some(now() + Duration::hours(20));
        c.deadlines.return_due = Some(now() + Duration::days(2));
        c.deadlines.reply_due = Some(now() + Duration::days(5));
    }
    if state == CaseState::Merged {
        c.outcome.merged_into = Some(CaseId(2));
    }
    if state == CaseState::FollowedUp {
        c.outcome.satisfaction = Some(Satisfaction::Unsatisfied);
        c.outcome.unit_at_fault = true;
    }
    if matches!(
        state,
        CaseState::Replied | CaseState::Reviewed | CaseState::FollowedUp
    ) {
        // The day before: a follow-up is made from the day after the reply.
        c.handling.replied_at = Some(now() - Duration::hours(25));
        c.handling.reply = Some("已修复".into());
        c.deadlines.follow_up_due = Some(now() + Duration::days(3));
    }
    c
}

fn actor(role: Option<Role>, unit: Option<UnitId>) -> Actor {
    match role {
        None => Actor::system(),
        Some(r) => Actor {
            user_id: Some(UserId(7)),
            name: "测试".into(),
            role: ActorRole::User(r),
            region_path: "/1/".into(),
            unit_id: unit,
        },
    }
}

/// Every action, with arguments that satisfy its non-state preconditions.
fn actions() -> Vec<Action> {
    vec![
        Action::Register {
            category_id: Some(CategoryId(1)),
            priority: None,
            region_id: None,
            remark: None,
        },
        Action::RejectIntake {
            reason: "不属于受理范围".into(),
        },
        Action::AnswerDirectly {
            reply: "已电话答复".into(),
        },
        Action::Dispatch {
            unit_id: UNIT,
            co_units: vec![],
            remark: None,
        },
        Action::Accept { remark: None },
        Action::RequestReturn {
            reason: "非本单位职责".into(),
        },
        Action::DenyReturn {
            reason: "属于该单位职责".into(),
        },
        Action::Reassign {
            unit_id: OTHER_UNIT,
            remark: None,
        },
        Action::Handle { remark: None },
        Action::SubDispatch {
            unit_id: OTHER_UNIT,
            instructions: "请村里核实".into(),
            due_at: None,
        },
        Action::RequestExtension {
            days: 3,
            reason: "需协调".into(),
        },
        Action::ApproveExtension { remark: None },
        Action::DenyExtension {
            reason: "按期办结".into(),
        },
        Action::Reply {
            content: "已修复".into(),
        },
        Action::ReviewPass { remark: None },
        Action::ReviewFail {
            reason: "答复不完整".into(),
        },
        Action::FollowUp {
            satisfaction: Satisfaction::Satisfied,
            unit_at_fault: false,
            remark: None,
        },
        Action::Reopen {
            reason: "不满意".into(),
        },
        Action::Close { remark: None },
        Action::Archive { remark: None },
        Action::Withdraw {
            reason: "群众撤诉".into(),
        },
        Action::Merge {
            into: CaseId(2),
            remark: None,
        },
        Action::Split {
            reason: "不是同一问题".into(),
        },
        Action::Supplement {
            content: "又坏了".into(),
            reopen_requested: true,
        },
        Action::Rate {
            satisfaction: Satisfaction::BasicallySatisfied,
        },
        Action::Urge { remark: None },
        Action::Supervise { remark: None },
        Action::ListedSupervision { remark: None },
        Action::AcceptTask { task_id: TaskId(5) },
        Action::ReplyTask {
            task_id: TaskId(5),
            content: "已配合".into(),
        },
        Action::MarkOverdue {
            level: deadline::OverdueLevel::Red,
        },
    ]
}

/// PRODUCT.md's transition table: the state an action leads to from a state, if allowed.
fn expected(state: CaseState, a: &Action) -> Option<CaseState> {
    use CaseState::*;
    let open = state.is_open();
    let has_unit = open && !matches!(state, Reported | Registered);
    match (state, a) {
        (Reported, Action::Register { .. }) => Some(Registered),
        (Registered, Action::RejectIntake { .. }) => Some(Rejected),
        (Registered, Action::AnswerDirectly { .. }) => Some(Closed),
        (Registered, Action::Dispatch { .. }) => Some(Dispatched),
        (Dispatched, Action::Accept { .. }) => Some(Accepted),
        (Dispatched, Action::RequestReturn { .. }) => Some(ReturnRequested),
        (ReturnRequested, Action::DenyReturn { .. }) => Some(Dispatched),
        (ReturnRequested, Action::Reassign { .. }) => Some(Dispatched),
        (Accepted, Action::Handle { .. }) => Some(InProgress),
        (Accepted | InProgress, Action::SubDispatch { .. }) => Some(state),
        (Accepted | InProgress, Action::RequestExtension { .. }) => Some(state),
        (Accepted | InProgress, Action::ApproveExtension { .. } | Action::DenyExtension { .. }) => {
            Some(state)
        }
        (InProgress, Action::Reply { .. }) => Some(Replied),
        (Replied, Action::ReviewPass { .. }) => Some(Reviewed),
        (Replied, Action::ReviewFail { .. }) => Some(InProgress),
        (Reviewed, Action::FollowUp { .. }) => Some(FollowedUp),
        (FollowedUp, Action::Reopen { .. }) => Some(Dispatched),
        (FollowedUp, Action::Close { .. }) => Some(Closed),
        (Closed, Action::Archive { .. }) => Some(Archived),
        (_, Action::Withdraw { .. }) if open => Some(Withdrawn),
        (_, Action::Merge { .. }) if open => Some(Merged),
        (Merged, Action::Split { .. }) => Some(Registered),
        (_, Action::Urge { .. } | Action::Supervise { .. } | Action::ListedSupervision { .. })
            if has_unit =>
        {
            Some(state)
        }
        (
            Dispatched | Accepted | InProgress | ReturnRequested,
            Action::AcceptTask { .. } | Action::ReplyTask { .. },
        ) => Some(state),
        (_, Action::MarkOverdue { .. }) if open => Some(state),
        (_, Action::Supplement { .. }) if state != Merged => Some(state),
        // The reporter's rating, after the reply (the base cases of these states hold one).
        (Replied | Reviewed | FollowedUp, Action::Rate { .. }) => Some(state),
        _ => None,
    }
}

/// Who may do an action (None = the system), on a case of UNIT with a task for TASK_UNIT, written
/// out from PRODUCT.md's users table rather than from the code under test: the centre (operators,
/// admins) runs intake, dispatch, follow-up and closure; leaders supervise; the centre or a
/// leader approves extensions and urges; the unit the case was sent to handles it; a co-unit
/// handles its own task; the system only marks overdue levels, escalates, dispatches what
/// triage is sure of and passes on what a reporter adds.
fn role_allowed(
    role: Option<Role>,
    unit: Option<UnitId>,
    case_unit: Option<UnitId>,
    a: &Action,
) -> bool {
    use Action as A;
    let centre = matches!(role, Some(Role::Operator | Role::Admin));
    let leader = matches!(role, Some(Role::Leader | Role::Admin));
    let staff = matches!(role, Some(Role::UnitStaff | Role::GridWorker));
    let system = role.is_none();
    match a {
        A::Register { .. } | A::Dispatch { .. } | A::Supplement { .. } => centre || system,
        A::RejectIntake { .. }
        | A::AnswerDirectly { .. }
        | A::DenyReturn { .. }
        | A::Reassign { .. }
        | A::FollowUp { .. }
        | A::Reopen { .. }
        | A::Close { .. }
        | A::Archive { .. }
        | A::Withdraw { .. }
        | A::Merge { .. }
        | A::Split { .. }
        | A::ReviewPass { .. }
        | A::ReviewFail { .. } => centre,
        A::ApproveExtension { .. } | A::DenyExtension { .. } => {
            centre || role == Some(Role::Leader)
        }
        A::Urge { .. } => centre || role == Some(Role::Leader) || system,
        A::Supervise { .. } => leader || system,
        A::ListedSupervision { .. } => leader,
        A::Accept { .. }
        | A::RequestReturn { .. }
        | A::Handle { .. }
        | A::SubDispatch { .. }
        | A::RequestExtension { .. }
        | A::Reply { .. } => staff && unit.is_some() && unit == case_unit,
        A::AcceptTask { .. } | A::ReplyTask { .. } => staff && unit == Some(TASK_UNIT),
        A::MarkOverdue { .. } => system,
        // Only the reporter, who is no user: see `only_the_reporter_rates_once_after_the_reply`.
        A::Rate { .. } => false,
    }
}

#[test]
fn every_state_action_and_role() {
    let cal = Calendar::builtin();
    let categories = vec![Category {
        id: CategoryId(1),
        parent_id: None,
        name: "城乡建设".into(),
        default_unit_id: Some(UNIT),
        is_petition: false,
    }];
    let task = Task {
        id: TaskId(5),
        case_id: CaseId(1),
        unit_id: TASK_UNIT,
        instructions: "配合".into(),
        due_at: now() + Duration::days(3),
        state: TaskState::Dispatched,
        reply: None,
        replied_at: None,
    };
    let target = base_case(CaseState::Dispatched);
    let mut target = target;
    target.id = CaseId(2);
    let roles: Vec<(Option<Role>, Option<UnitId>)> = vec![
        (None, None),
        (Some(Role::Admin), None),
        (Some(Role::Operator), None),
        (Some(Role::Leader), None),
        (Some(Role::UnitStaff), Some(UNIT)),
        (Some(Role::UnitStaff), Some(OTHER_UNIT)),
        (Some(Role::UnitStaff), Some(TASK_UNIT)),
        (Some(Role::GridWorker), Some(UNIT)),
    ];
    let mut checked = 0;
    for &state in CaseState::ALL {
        for action in actions() {
            for &(role, unit) in &roles {
                let mut case = base_case(state);
                if matches!(
                    action,
                    Action::ApproveExtension { .. } | Action::DenyExtension { .. }
                ) {
                    case.deadlines.extension = Some(ExtensionRequest {
                        days: 3,
                        reason: "需协调".into(),
                        requested_at: now(),
                    });
                }
                let tasks =
                    if matches!(action, Action::AcceptTask { .. } | Action::ReplyTask { .. }) {
                        vec![task.clone()]
                    } else {
                        vec![]
                    };
                let a = actor(role, unit);
                let ctx = DecideContext {
                    categories: &categories,
                    tasks: &tasks,
                    merge_target: Some(&target),
                    ..DecideContext::new(now(), &a, &cal)
                };
                let before = case.clone();
                let result = decide(&case, &action, &ctx);
                let allowed_role = role_allowed(role, unit, case.handling.unit_id, &action);
                let to = expected(state, &action);
                let label = format!("{state:?} {:?} by {role:?}/{unit:?}", action.kind());
                match (&result, allowed_role, to) {
                    (Ok(d), true, Some(to)) => {
                        assert_eq!(d.case.state, to, "{label}");
                        assert_eq!(d.event.from, Some(state), "{label}");
                        assert_eq!(d.event.to, to, "{label}");
                        assert_eq!(d.event.action, action.kind(), "{label}");
                    }
                    (Err(DomainError::Forbidden { .. }), false, _) => {}
                    (
                        Err(DomainError::NotAllowedInState {
                            state: s,
                            action: k,
                        }),
                        true,
                        None,
                    ) => {
                        assert_eq!((*s, *k), (state, action.kind()), "{label}");
                        let msg = result.as_ref().unwrap_err().to_string();
                        assert!(
                            msg.contains(state.label()) && msg.contains(action.kind().label()),
                            "{label}: {msg}"
                        );
                    }
                    other => panic!(
                        "{label}: unexpected {:?} (role allowed {allowed_role}, expected {to:?})",
                        other.0
                    ),
                }
                assert_eq!(case, before, "decide must not touch its input");
                checked += 1;
            }
        }
    }
    assert_eq!(
        checked,
        CaseState::ALL.len() * actions().len() * roles.len()
    );
}

#[test]
fn reply_waits_for_children_and_co_units() {
    let cal = Calendar::builtin();
    let case = base_case(CaseState::InProgress);
    let staff = actor(Some(Role::UnitStaff), Some(UNIT));
    let open_child = [(CaseId(9), CaseState::InProgress)];
    let mut ctx = DecideContext {
        children: &open_child,
        ..DecideContext::new(now(), &staff, &cal)
    };
    let reply = Action::Reply {
        content: "已办结".into(),
    };
    assert!(
        matches!(decide(&case, &reply, &ctx), Err(DomainError::Conflict(m)) if m.contains("下级工单"))
    );
    let done_child = [(CaseId(9), CaseState::Replied)];
    ctx.children = &done_child;
    assert_eq!(
        decide(&case, &reply, &ctx).unwrap().case.state,
        CaseState::Replied
    );
}

#[test]
fn extension_only_before_the_due_date_and_within_the_cap() {
    let cal = Calendar::builtin();
    let staff = actor(Some(Role::UnitStaff), Some(UNIT));
    let mut case = base_case(CaseState::InProgress);
    let mk = |now| DecideContext::new(now, &staff, &cal);
    let ask = |days| Action::RequestExtension {
        days,
        reason: "需协调多部门".into(),
    };
    assert!(matches!(
        decide(&case, &ask(11), &mk(now())),
        Err(DomainError::Invalid { field: "days", .. })
    ));
    assert!(decide(&case, &ask(10), &mk(now())).is_ok());
    case.deadlines.reply_due = Some(now() - Duration::minutes(1));
    assert!(matches!(
        decide(&case, &ask(2), &mk(now())),
        Err(DomainError::Conflict(_))
    ));
}

#[test]
fn approved_extension_moves_the_due_date_by_working_days() {
    let cal = Calendar::builtin();
    let op = actor(Some(Role::Operator), None);
    let mut case = base_case(CaseState::InProgress);
    // Due Friday 25 Sep 2026 (a holiday) end of day; 3 working days later skips the Mid-Autumn
    // and National Day holidays: 28, 29, 30 September.
    case.deadlines.reply_due = Some(deadline::end_of_local_day(
        chrono::NaiveDate::from_ymd_opt(2026, 9, 24).unwrap(),
    ));
    case.deadlines.extension = Some(ExtensionRequest {
        days: 3,
        reason: "x".into(),
        requested_at: now(),
    });
    let now = china_offset()
        .with_ymd_and_hms(2026, 9, 23, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let ctx = DecideContext::new(now, &op, &cal);
    let d = decide(&case, &Action::ApproveExtension { remark: None }, &ctx).unwrap();
    assert_eq!(
        deadline::local_date(d.case.deadlines.reply_due.unwrap()),
        chrono::NaiveDate::from_ymd_opt(2026, 9, 30).unwrap()
    );
    assert_eq!(d.case.deadlines.extended_days, 3);
    assert!(d.case.deadlines.extension.is_none());
}

/// The actions of a walk: every action, plus an unsatisfied follow-up with the unit at fault
/// (the only way to a reopen).
fn walk_actions() -> Vec<Action> {
    let mut all = actions();
    all.push(Action::FollowUp {
        satisfaction: Satisfaction::Unsatisfied,
        unit_at_fault: true,
        remark: None,
    });
    all
}

/// Applies a sequence of (action, actor, minutes later) steps to a fresh case, checking after
/// every step: an accepted action yields exactly one event whose from/to match the states, the
/// reopen count never goes down, a (re)dispatch's new due date is a working day; a refused action
/// leaves the case exactly as it was. Returns the kinds of the accepted actions.
fn walk(start: CaseState, steps: &[(usize, usize, i64)]) -> Vec<ActionKind> {
    let cal = Calendar::builtin();
    let categories = vec![Category {
        id: CategoryId(1),
        parent_id: None,
        name: "城乡建设".into(),
        default_unit_id: Some(UNIT),
        is_petition: false,
    }];
    let roles: Vec<(Option<Role>, Option<UnitId>)> = vec![
        (None, None),
        (Some(Role::Admin), None),
        (Some(Role::Operator), None),
        (Some(Role::Leader), None),
        (Some(Role::UnitStaff), Some(UNIT)),
        (Some(Role::UnitStaff), Some(OTHER_UNIT)),
        (Some(Role::GridWorker), Some(UNIT)),
        (Some(Role::UnitStaff), Some(TASK_UNIT)),
    ];
    // Every role, the system, and the reporter.
    let actors: Vec<Actor> = roles
        .iter()
        .map(|&(r, u)| actor(r, u))
        .chain([Actor::citizen("群众")])
        .collect();
    let mut tasks = vec![Task {
        id: TaskId(5),
        case_id: CaseId(1),
        unit_id: TASK_UNIT,
        instructions: "配合".into(),
        due_at: now() + Duration::days(30),
        state: TaskState::Dispatched,
        reply: None,
        replied_at: None,
    }];
    let mut target = base_case(CaseState::Dispatched);
    target.id = CaseId(2);
    let mut case = base_case(start);
    let mut t = now();
    let mut accepted = Vec::new();
    let all = walk_actions();
    for &(ai, ri, minutes) in steps {
        t += Duration::minutes(minutes * 7);
        let action = all[ai % all.len()].clone();
        let a = actors[ri % actors.len()].clone();
        // A task belongs to the case only once it has been dispatched with it.
        let visible_tasks: &[Task] = if case.handling.unit_id.is_some() {
            &tasks
        } else {
            &[]
        };
        let ctx = DecideContext {
            categories: &categories,
            merge_target: Some(&target),
            tasks: visible_tasks,
            ..DecideContext::new(t, &a, &cal)
        };
        let before = case.clone();
        match decide(&case, &action, &ctx) {
            Ok(d) => {
                assert_eq!(d.event.from, Some(case.state));
                assert_eq!(d.event.to, d.case.state);
                assert_eq!(d.event.action, action.kind());
                assert!(d.case.oversight.reopen_count >= case.oversight.reopen_count);
                if matches!(
                    action.kind(),
                    ActionKind::Dispatch | ActionKind::Reassign | ActionKind::Reopen
                ) {
                    let due = d
                        .case
                        .deadlines
                        .reply_due
                        .expect("a dispatched case has a reply due");
                    assert!(cal.is_working_day(deadline::local_date(due)));
                }
                for e in &d.effects {
                    if let Effect::UpdateTask(updated) = e {
                        tasks = vec![updated.clone()];
                    }
                }
                accepted.push(action.kind());
                case = d.case;
            }
            Err(_) => assert_eq!(case, before, "a refused action changes nothing"),
        }
    }
    accepted
}

proptest! {
    /// Any sequence of actions by any actors keeps the invariants [`walk`] checks.
    #[test]
    fn invariants_hold_over_random_walks(
        start in 0usize..CaseState::ALL.len(),
        steps in proptest::collection::vec((0usize..64, 0usize..8, 0i64..200), 1..60),
    ) {
        walk(CaseState::ALL[start], &steps);
    }
}

/// The walks above are only worth something if they reach every action: a thousand seeded walks
/// together must have taken each kind at least once, reopening, co-unit replies and overdue
/// marks included. Walks start from every state, as a case found in the field might be.
#[test]
fn random_walks_reach_every_action() {
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % n
    };
    let mut reached = std::collections::HashSet::new();
    for _ in 0..1000 {
        let start = CaseState::ALL[next(CaseState::ALL.len() as u64) as usize];
        let steps: Vec<(usize, usize, i64)> = (0..80)
            .map(|_| (next(64) as usize, next(9) as usize, next(200) as i64))
            .collect();
        reached.extend(walk(start, &steps));
    }
    let missing: Vec<ActionKind> = walk_actions()
        .iter()
        .map(Action::kind)
        .filter(|k| !reached.contains(k))
        .collect();
    assert!(missing.is_empty(), "never reached: {missing:?}");
}

#[test]
fn a_supplement_on_a_finished_case_records_the_reopen_request_and_changes_nothing_else() {
    let cal = Calendar::builtin();
    let client = Actor {
        name: "随手拍".into(),
        ..Actor::system()
    };
    let ctx = DecideContext::new(now(), &client, &cal);
    let more = |reopen_requested| Action::Supplement {
        content: "路灯又不亮了".into(),
        reopen_requested,
    };
    let closed = base_case(CaseState::Closed);
    let d = decide(&closed, &more(true), &ctx).unwrap();
    assert_eq!(
        d.case.state,
        CaseState::Closed,
        "reopening is the centre's call"
    );
    assert_eq!(d.case.oversight.reopen_count, closed.oversight.reopen_count);
    assert_eq!(
        d.event.remark.as_deref(),
        Some("群众反映问题仍未解决，申请重办：路灯又不亮了")
    );
    // On a case still in handling it is simply more information.
    let open = base_case(CaseState::InProgress);
    let d = decide(&open, &more(true), &ctx).unwrap();
    assert_eq!(d.event.remark.as_deref(), Some("路灯又不亮了"));
    assert!(matches!(
        decide(
            &open,
            &Action::Supplement {
                content: " ".into(),
                reopen_requested: false
            },
            &ctx
        ),
        Err(DomainError::Invalid {
            field: "content",
            ..
        })
    ));
}

#[test]
fn events_record_the_unit_responsible_and_whether_the_step_met_its_deadline() {
    let cal = Calendar::builtin();
    let staff = actor(Some(Role::UnitStaff), Some(UNIT));
    let case = base_case(CaseState::Dispatched);
    let accept_due = case.deadlines.accept_due.unwrap();
    let accept = Action::Accept { remark: None };
    let in_time = decide(&case, &accept, &DecideContext::new(now(), &staff, &cal)).unwrap();
    assert_eq!(in_time.event.unit_id, Some(UNIT));
    assert_eq!(
        in_time.event.due_at,
        Some(accept_due),
        "the accept limit was in force"
    );
    let event = Event::from_draft(case.id, &in_time.event, None, "测试", now());
    assert_eq!(event.on_time, Some(true));
    let late_at = accept_due + Duration::minutes(1);
    let late = decide(&case, &accept, &DecideContext::new(late_at, &staff, &cal)).unwrap();
    let event = Event::from_draft(case.id, &late.event, None, "测试", late_at);
    assert_eq!(event.on_time, Some(false));
    // A reassignment records the new unit: from then on, the case is its responsibility.
    let op = actor(Some(Role::Operator), None);
    let d = decide(
        &base_case(CaseState::ReturnRequested),
        &Action::Reassign {
            unit_id: OTHER_UNIT,
            remark: None,
        },
        &DecideContext::new(now(), &op, &cal),
    )
    .unwrap();
    assert_eq!(d.event.unit_id, Some(OTHER_UNIT));
    // Registering a reported case has no deadline running yet.
    let reg = decide(
        &base_case(CaseState::Reported),
        &Action::Register {
            category_id: None,
            priority: None,
            region_id: None,
            remark: None,
        },
        &DecideContext::new(now(), &op, &cal),
    )
    .unwrap();
    assert_eq!((reg.event.due_at, reg.event.unit_id), (None, None));
}

/// The case page offers exactly what `decide` accepts: for every state and role, an action is
/// on offer if and only if the oracle says this role may take it in this state.
#[test]
fn offered_actions_are_exactly_what_the_oracle_allows() {
    let cal = Calendar::builtin();
    let categories = vec![Category {
        id: CategoryId(1),
        parent_id: None,
        name: "城乡建设".into(),
        default_unit_id: Some(UNIT),
        is_petition: false,
    }];
    let roles: Vec<(Option<Role>, Option<UnitId>)> = vec![
        (Some(Role::Admin), None),
        (Some(Role::Operator), None),
        (Some(Role::Leader), None),
        (Some(Role::UnitStaff), Some(UNIT)),
        (Some(Role::UnitStaff), Some(OTHER_UNIT)),
        (Some(Role::GridWorker), Some(UNIT)),
    ];
    let mut offers = 0;
    for &state in CaseState::ALL {
        for &(role, unit) in &roles {
            let mut case = base_case(state);
            case.deadlines.extension = Some(ExtensionRequest {
                days: 3,
                reason: "需协调".into(),
                requested_at: now(),
            });
            let mut target = base_case(CaseState::Dispatched);
            target.id = CaseId(2);
            if state == CaseState::Merged {
                case.outcome.merged_into = Some(target.id);
            }
            let a = actor(role, unit);
            let ctx = DecideContext {
                categories: &categories,
                merge_target: Some(&target),
                ..DecideContext::new(now(), &a, &cal)
            };
            let got: Vec<ActionKind> = offered(&case, &ctx).iter().map(|o| o.kind).collect();
            for action in actions() {
                // Task actions need a task; extension requests are tested without a pending one.
                if matches!(
                    action,
                    Action::AcceptTask { .. }
                        | Action::ReplyTask { .. }
                        | Action::RequestExtension { .. }
                        | Action::MarkOverdue { .. }
                ) {
                    continue;
                }
                let want = role_allowed(role, unit, case.handling.unit_id, &action)
                    && expected(state, &action).is_some();
                assert_eq!(
                    got.contains(&action.kind()),
                    want,
                    "{state:?} {:?} by {role:?}/{unit:?}: offered {got:?}",
                    action.kind()
                );
            }
            // What is offered, decide accepts.
            offers += got.len();
        }
    }
    assert!(
        offers > 50,
        "only {offers} offers over every state and role"
    );
}

/// A citizen (the reporter, known by the ticket and their phone) may do one thing: rate the
/// reply, once, after it came. Everything else is refused as forbidden.
#[test]
fn only_the_reporter_rates_once_after_the_reply() {
    let cal = Calendar::builtin();
    let citizen = Actor::citizen("群众");
    for &state in CaseState::ALL {
        for action in actions() {
            let mut case = base_case(state);
            case.outcome.satisfaction = None;
            let ctx = DecideContext::new(now(), &citizen, &cal);
            let result = decide(&case, &action, &ctx);
            let label = format!("{state:?} {:?}", action.kind());
            match (&action, expected(state, &action)) {
                (Action::Rate { satisfaction }, Some(to)) => {
                    let d = result.unwrap_or_else(|e| panic!("{label}: {e}"));
                    assert_eq!(d.case.state, to, "{label}: the state does not change");
                    assert_eq!(d.case.outcome.satisfaction, Some(*satisfaction));
                    assert_eq!(d.event.remark.as_deref(), Some("群众评价：基本满意"));
                    // Once: a second rating is refused.
                    let again = decide(&d.case, &action, &ctx);
                    assert!(
                        matches!(again, Err(DomainError::Conflict(_))),
                        "{label}: {again:?}"
                    );
                }
                (Action::Rate { .. }, None) => assert!(
                    matches!(result, Err(DomainError::NotAllowedInState { .. })),
                    "{label}: {result:?}"
                ),
                _ => assert!(
                    matches!(result, Err(DomainError::Forbidden { .. })),
                    "{label}: {result:?}"
                ),
            }
        }
    }
}
