//! A case's KPI counts, worked out by hand from PRODUCT.md's rules for small histories.

use chrono::{NaiveDate, TimeZone};
use fengqiao_domain::case::{new_case, Intake};
use fengqiao_domain::kpi::{facts, Dim, Measure as M, Placement};
use fengqiao_domain::lifecycle::REOPEN_REQUEST_NOTE;
use fengqiao_domain::{
    china_offset, ActionKind as A, Calendar, Case, CaseId, CaseState as S, Channel, Event,
    OverdueLevel, RegionId, Satisfaction, Timestamp, UnitId,
};

fn at(d: u32, h: u32, mi: u32) -> Timestamp {
    china_offset()
        .with_ymd_and_hms(2026, 11, d, h, mi, 0)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

struct History {
    case: Case,
    events: Vec<Event>,
}

impl History {
    fn received(d: u32, h: u32) -> History {
        let case = new_case(
            CaseId(1),
            Intake::text("路灯不亮", "村口路灯坏了", Channel::Hotline),
            at(d, h, 0),
        );
        let mut hist = History {
            case,
            events: vec![],
        };
        hist.ev(A::Intake, S::Reported, at(d, h, 0), None, None, None);
        hist
    }

    fn ev(
        &mut self,
        action: A,
        to: S,
        t: Timestamp,
        unit: Option<i64>,
        due: Option<Timestamp>,
        remark: Option<&str>,
    ) -> &mut Self {
        self.events.push(Event {
            id: self.events.len() as i64 + 1,
            case_id: self.case.id,
            action,
            from_state: Some(self.case.state),
            to_state: to,
            actor_id: None,
            actor_name: "测试".into(),
            remark: remark.map(str::to_string),
            at: t,
            unit_id: unit.map(UnitId),
            due_at: due,
            on_time: due.map(|d| t <= d),
        });
        self.case.state = to;
        if let Some(u) = unit {
            self.case.handling.unit_id = Some(UnitId(u));
        }
        self
    }

    fn facts(&self) -> fengqiao_domain::kpi::CaseFacts {
        let placement = Placement {
            village: Some(RegionId(3)),
            grid: Some(RegionId(30)),
        };
        facts(&self.case, &self.events, placement, &Calendar::builtin())
    }
}

#[test]
fn a_case_replied_in_time_counts_in_its_deadlines_period() {
    // Received Monday 23 Nov 10:00, due (5 working days) Monday 30 Nov.
    let mut h = History::received(23, 10);
    let due = at(30, 23, 59);
    h.case.deadlines.reply_due = Some(due);
    h.case.category_id = Some(fengqiao_domain::CategoryId(8));
    h.ev(A::Register, S::Registered, at(23, 10, 10), None, None, None)
        .ev(
            A::Dispatch,
            S::Dispatched,
            at(23, 10, 30),
            Some(5),
            None,
            None,
        )
        .ev(
            A::Accept,
            S::Accepted,
            at(23, 11, 0),
            Some(5),
            Some(at(24, 23, 59)),
            None,
        )
        .ev(
            A::Reply,
            S::Replied,
            at(25, 15, 0),
            Some(5),
            Some(due),
            None,
        );
    h.case.outcome.satisfaction = Some(Satisfaction::BasicallySatisfied);
    let f = h.facts();
    assert_eq!(f.received_day, day(23));
    assert_eq!(f.due_day, Some(day(30)));
    assert_eq!(f.unit, Some(UnitId(5)));
    let m = f.measures;
    for (k, v) in [
        (M::Received, 1),
        (M::Registered, 1),
        (M::Due, 1),
        (M::Dispatches, 1),
        (M::AcceptedOnTime, 1),
        (M::Replied, 1),
        (M::RepliedOnTime, 1),
        (M::Rated, 1),
        (M::Satisfied, 1),
        (M::Closed, 0),
        (M::Returns, 0),
        (M::OverdueRed, 0),
        // 23rd 10:30–17:00, all of the 24th, 25th 09:00–15:00: 390 + 480 + 360 minutes.
        (M::HandlingMinutes, 1230),
    ] {
        assert_eq!(m.get(k), v, "{k:?}");
    }
    assert_eq!(f.hours_bucket, Some(21));
    // Volume on the 23rd, handling on the 30th.
    let days = f.by_day();
    assert_eq!(days.len(), 2);
    assert_eq!(days[0].1.get(M::Received), 1);
    assert_eq!(days[0].1.get(M::Due), 0);
    assert_eq!(days[1].1.get(M::Due), 1);
    assert_eq!(f.keys()[1], (Dim::Village, 3));
    assert_eq!(f.keys()[4], (Dim::Category, 8));
}

#[test]
fn the_unit_holding_the_case_when_the_deadline_passed_is_the_one_counted() {
    let mut h = History::received(23, 9);
    let due = at(27, 17, 0);
    h.case.deadlines.reply_due = Some(due);
    h.ev(A::Register, S::Registered, at(23, 9, 5), None, None, None)
        .ev(
            A::Dispatch,
            S::Dispatched,
            at(23, 9, 30),
            Some(5),
            None,
            None,
        )
        .ev(
            A::RequestReturn,
            S::ReturnRequested,
            at(23, 10, 0),
            Some(5),
            None,
            Some("非本单位职责"),
        )
        .ev(
            A::Reassign,
            S::Dispatched,
            at(23, 11, 0),
            Some(6),
            None,
            None,
        )
        // Accepted late (the accept deadline was the 23rd 12:00).
        .ev(
            A::Accept,
            S::Accepted,
            at(24, 9, 0),
            Some(6),
            Some(at(23, 12, 0)),
            None,
        )
        .ev(
            A::MarkOverdue,
            S::Accepted,
            at(26, 9, 0),
            Some(6),
            None,
            Some(OverdueLevel::Yellow.mark_note()),
        )
        .ev(
            A::MarkOverdue,
            S::Accepted,
            at(27, 17, 1),
            Some(6),
            None,
            Some(OverdueLevel::Red.mark_note()),
        )
        .ev(
            A::Reply,
            S::Replied,
            at(30, 10, 0),
            Some(6),
            Some(due),
            None,
        );
    let f = h.facts();
    assert_eq!(f.unit, Some(UnitId(6)));
    assert_eq!(f.due_day, Some(day(27)));
    let m = f.measures;
    for (k, v) in [
        (M::Dispatches, 2),
        (M::Returns, 1),
        (M::AcceptedOnTime, 0),
        (M::Replied, 1),
        (M::RepliedOnTime, 0),
        (M::OverdueYellow, 1),
        (M::OverdueRed, 1),
        // 23rd 09:30–17:00 (450), 24th–27th (4 × 480), 30th 09:00–10:00 (60).
        (M::HandlingMinutes, 450 + 1920 + 60),
    ] {
        assert_eq!(m.get(k), v, "{k:?}");
    }
}

#[test]
fn a_reopened_case_counts_once_against_its_new_deadline() {
    let mut h = History::received(2, 9);
    let first_due = at(9, 23, 59);
    let second_due = at(16, 23, 59);
    h.ev(A::Register, S::Registered, at(2, 9, 0), None, None, None)
        .ev(A::Dispatch, S::Dispatched, at(2, 9, 0), Some(5), None, None)
        .ev(
            A::Reply,
            S::Replied,
            at(3, 9, 0),
            Some(5),
            Some(first_due),
            None,
        )
        .ev(A::ReviewPass, S::Reviewed, at(4, 9, 0), Some(5), None, None)
        .ev(
            A::FollowUp,
            S::FollowedUp,
            at(4, 10, 0),
            Some(5),
            None,
            Some("不满意"),
        )
        .ev(A::Reopen, S::Dispatched, at(4, 11, 0), Some(5), None, None)
        .ev(
            A::Reply,
            S::Replied,
            at(5, 11, 0),
            Some(5),
            Some(second_due),
            None,
        );
    h.case.deadlines.reply_due = Some(second_due);
    let f = h.facts();
    assert_eq!(f.due_day, Some(day(16)));
    let m = f.measures;
    assert_eq!(m.get(M::Reopened), 1);
    assert_eq!(m.get(M::Dispatches), 2);
    assert_eq!(m.get(M::Replied), 1);
    assert_eq!(m.get(M::RepliedOnTime), 1);
    // The follow-up was of the first reply: the second one is not followed up yet.
    assert_eq!(m.get(M::FollowedUp), 0);
    // Two rounds of one working day each.
    assert_eq!(m.get(M::HandlingMinutes), 960);
    // Still unreplied after a reopen: due, not replied, no handling time.
    let mut open = History::received(2, 9);
    open.events = h.events[..6].to_vec();
    open.case.state = S::Dispatched;
    open.case.deadlines.reply_due = Some(second_due);
    let f = open.facts();
    assert_eq!(f.measures.get(M::Due), 1);
    assert_eq!(f.measures.get(M::Replied), 0);
    assert_eq!(f.hours_bucket, None);
}

#[test]
fn merged_withdrawn_child_and_undispatched_cases() {
    let mut merged = History::received(23, 9);
    merged.case.deadlines.reply_due = Some(at(30, 23, 59));
    merged
        .ev(A::Register, S::Registered, at(23, 9, 0), None, None, None)
        .ev(
            A::Dispatch,
            S::Dispatched,
            at(23, 9, 0),
            Some(5),
            None,
            None,
        )
        .ev(A::Merge, S::Merged, at(23, 10, 0), Some(5), None, None);
    let f = merged.facts();
    assert_eq!(
        (f.measures.get(M::Received), f.measures.get(M::Merged)),
        (1, 1)
    );
    assert_eq!(f.due_day, None, "a merged case is not due");
    assert_eq!(f.by_day().len(), 1);

    let mut rejected = History::received(23, 9);
    rejected
        .ev(
            A::Supplement,
            S::Reported,
            at(23, 9, 30),
            None,
            None,
            Some("补充：在桥头"),
        )
        .ev(
            A::RejectIntake,
            S::Rejected,
            at(23, 10, 0),
            None,
            None,
            None,
        );
    let f = rejected.facts();
    assert_eq!(f.measures.get(M::Rejected), 1);
    assert_eq!(f.measures.get(M::Registered), 0);
    assert_eq!(f.measures.get(M::Supplements), 1);
    assert_eq!(f.measures.get(M::ReopenRequests), 0);
    assert_eq!(f.due_day, None);

    let mut child = History::received(23, 9);
    child.case.handling.parent_id = Some(CaseId(99));
    child.case.deadlines.reply_due = Some(at(25, 23, 59));
    child.ev(
        A::SubDispatch,
        S::Dispatched,
        at(23, 9, 0),
        Some(7),
        None,
        None,
    );
    let note = format!("{REOPEN_REQUEST_NOTE}灯还是不亮");
    child.ev(
        A::Supplement,
        S::Dispatched,
        at(24, 9, 0),
        Some(7),
        None,
        Some(&note),
    );
    let f = child.facts();
    assert_eq!(
        f.measures.get(M::Received),
        0,
        "a child case is not a new request"
    );
    assert_eq!(f.measures.get(M::Due), 1);
    assert_eq!(f.measures.get(M::ReopenRequests), 1);
    assert_eq!(f.unit, Some(UnitId(7)));
}
