//! A case's counts, from the case and its events (the rules are in the module above).

use super::hours::{hours_bucket, working_minutes};
use super::period::day_number;
use super::{Dim, Measure as M, Measures};
use crate::calendar::Calendar;
use crate::case::{Case, CaseState, Event, Satisfaction};
use crate::deadline::{local_date, OverdueLevel};
use crate::ids::{CategoryId, RegionId, UnitId};
use crate::lifecycle::{ActionKind as A, REOPEN_REQUEST_NOTE};
use crate::Channel;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Where a case lies, resolved from its region by whoever knows the region tree.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Placement {
    pub village: Option<RegionId>,
    pub grid: Option<RegionId>,
}

/// What one case counts for: its counts, the days they count on and what they are broken down
/// by.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseFacts {
    pub received_day: NaiveDate,
    /// The day its reply deadline falls on; `None` keeps it out of every handling figure.
    pub due_day: Option<NaiveDate>,
    pub village: Option<RegionId>,
    pub grid: Option<RegionId>,
    pub unit: Option<UnitId>,
    pub category: Option<CategoryId>,
    pub channel: Channel,
    pub measures: Measures,
    /// The handling time's bucket (working hours), once replied.
    pub hours_bucket: Option<i64>,
}

impl CaseFacts {
    /// The rows it is counted in: `(dimension, key)`; key 0 is "none" (and the township).
    pub fn keys(&self) -> [(Dim, i64); 6] {
        let channel = crate::Channel::ALL
            .iter()
            .position(|c| *c == self.channel)
            .unwrap_or(0) as i64
            + 1;
        [
            (Dim::Township, 0),
            (Dim::Village, self.village.map_or(0, |r| r.0)),
            (Dim::Grid, self.grid.map_or(0, |r| r.0)),
            (Dim::Unit, self.unit.map_or(0, |u| u.0)),
            (Dim::Category, self.category.map_or(0, |c| c.0)),
            (Dim::Channel, channel),
        ]
    }

    /// What it adds to each day: `(day number, counts)` — the volume counts on the received
    /// day, the handling counts on the deadline's day.
    pub fn by_day(&self) -> Vec<(i64, Measures)> {
        let mut out = vec![(day_number(self.received_day), self.measures.part(true))];
        if let Some(due) = self.due_day {
            let part = self.measures.part(false);
            if !part.is_zero() {
                out.push((day_number(due), part));
            }
        }
        out
    }

    /// The handling-time bucket and the day it counts on.
    pub fn histogram_entry(&self) -> Option<(i64, i64)> {
        Some((day_number(self.due_day?), self.hours_bucket?))
    }
}

/// The channel a dimension key names (the inverse of the key [`CaseFacts::keys`] gives).
pub fn channel_of_key(key: i64) -> Option<Channel> {
    usize::try_from(key - 1)
        .ok()
        .and_then(|i| Channel::ALL.get(i).copied())
}

/// Counts a case: `events` are its own, oldest first.
pub fn facts(case: &Case, events: &[Event], placement: Placement, cal: &Calendar) -> CaseFacts {
    let mut m = Measures::default();
    let count = |pred: &dyn Fn(&Event) -> bool| events.iter().filter(|e| pred(e)).count() as i64;
    let has = |k: A| events.iter().any(|e| e.action == k);

    // Volume, on the received day. A child case (二次派单) is work, not a new request.
    if case.handling.parent_id.is_none() {
        m.set(M::Received, 1);
        m.set(M::Registered, i64::from(has(A::Register)));
    }
    m.set(M::Rejected, i64::from(has(A::RejectIntake)));
    m.set(M::AnsweredDirectly, i64::from(has(A::AnswerDirectly)));
    m.set(M::Withdrawn, i64::from(case.state == CaseState::Withdrawn));
    m.set(M::Merged, i64::from(case.state == CaseState::Merged));
    m.set(M::Supplements, count(&|e| e.action == A::Supplement));
    m.set(
        M::ReopenRequests,
        count(&|e| {
            e.action == A::Supplement
                && e.remark
                    .as_deref()
                    .is_some_and(|r| r.starts_with(REOPEN_REQUEST_NOTE))
        }),
    );

    let dispatched = events
        .iter()
        .any(|e| matches!(e.action, A::Dispatch | A::Reopen | A::SubDispatch));
    let out_of_handling = matches!(case.state, CaseState::Withdrawn | CaseState::Merged);
    let last_reply = events.iter().rposition(|e| e.action == A::Reply);
    let replied = last_reply.is_some()
        && matches!(
            case.state,
            CaseState::Replied
                | CaseState::Reviewed
                | CaseState::FollowedUp
                | CaseState::Closed
                | CaseState::Archived
        );
    let due = match last_reply {
        Some(i) if replied => events[i].due_at.or(case.deadlines.reply_due),
        _ => case.deadlines.reply_due,
    };
    let mut facts = CaseFacts {
        received_day: local_date(case.created_at),
        due_day: None,
        village: placement.village,
        grid: placement.grid,
        unit: case.handling.unit_id,
        category: case.category_id,
        channel: case.channel,
        measures: m,
        hours_bucket: None,
    };
    let (Some(due), true, false) = (due, dispatched, out_of_handling) else {
        return facts;
    };
    facts.due_day = Some(local_date(due));

    // The unit: whoever held the case when the deadline passed, or replied before it.
    let settled_at = match last_reply {
        Some(i) if replied => events[i].at.min(due),
        _ => due,
    };
    if let Some(u) = events
        .iter()
        .rev()
        .filter(|e| e.at <= settled_at)
        .find_map(|e| e.unit_id)
    {
        facts.unit = Some(u);
    }

    m.set(M::Due, 1);
    m.set(
        M::Dispatches,
        count(&|e| {
            matches!(
                e.action,
                A::Dispatch | A::Reassign | A::Reopen | A::SubDispatch
            )
        }),
    );
    m.set(
        M::AcceptedOnTime,
        count(&|e| e.action == A::Accept && e.on_time == Some(true)),
    );
    m.set(M::Returns, count(&|e| e.action == A::RequestReturn));
    m.set(M::Extended, count(&|e| e.action == A::ApproveExtension));
    m.set(M::Reopened, count(&|e| e.action == A::Reopen));
    let marks: Vec<OverdueLevel> = events
        .iter()
        .filter(|e| e.action == A::MarkOverdue)
        .filter_map(|e| e.remark.as_deref().and_then(OverdueLevel::from_mark_note))
        .collect();
    m.set(
        M::OverdueYellow,
        i64::from(marks.iter().any(|l| *l >= OverdueLevel::Yellow)),
    );
    m.set(M::OverdueRed, i64::from(marks.contains(&OverdueLevel::Red)));
    if let (true, Some(i)) = (replied, last_reply) {
        m.set(M::Replied, 1);
        m.set(M::RepliedOnTime, i64::from(events[i].on_time == Some(true)));
        m.set(
            M::FollowedUp,
            i64::from(events[i..].iter().any(|e| e.action == A::FollowUp)),
        );
        m.set(
            M::Closed,
            i64::from(matches!(
                case.state,
                CaseState::Closed | CaseState::Archived
            )),
        );
        match case.outcome.satisfaction {
            Some(Satisfaction::Satisfied | Satisfaction::BasicallySatisfied) => {
                m.set(M::Rated, 1);
                m.set(M::Satisfied, 1);
            }
            Some(Satisfaction::Unsatisfied) => m.set(M::Rated, 1),
            Some(Satisfaction::NoRating) | None => {}
        }
        // Each round runs from a dispatch, a reopen or a failed review to the reply.
        let mut minutes = 0;
        let mut round_start = None;
        for e in events {
            match e.action {
                A::Dispatch | A::Reopen | A::ReviewFail | A::SubDispatch
                    if round_start.is_none() =>
                {
                    round_start = Some(e.at)
                }
                A::Reply => {
                    if let Some(start) = round_start.take() {
                        minutes += working_minutes(cal, start, e.at);
                    }
                }
                _ => {}
            }
        }
        m.set(M::HandlingMinutes, minutes);
        facts.hours_bucket = Some(hours_bucket(minutes));
    }
    facts.measures = m;
    facts
}
