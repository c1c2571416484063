//! Time limits (时限) and deadlines. Limits are configuration: policies per category and priority
//! for each stage. Counting follows PRODUCT.md: "N working days" starts the day after receipt and
//! ends at the close of the Nth working day; hour and minute limits run around the clock; calendar
//! days (petitions) end at the close of the Nth day, moved to the next working day when that day is
//! a holiday or weekend.

use crate::calendar::Calendar;
use crate::case::Priority;
use crate::ids::CategoryId;
use crate::{china_offset, Timestamp};
use chrono::{Duration, NaiveDate, TimeZone};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 签收: accept a dispatched case.
    Accept,
    /// 退单: ask to return a dispatched case.
    Return,
    /// 办结: reply to the citizen.
    Reply,
    /// 回访: follow up after the reply.
    FollowUp,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Accept, Stage::Return, Stage::Reply, Stage::FollowUp];
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Accept => "accept",
            Stage::Return => "return",
            Stage::Reply => "reply",
            Stage::FollowUp => "follow_up",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Stage::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// The zh-CN name of the step whose time it limits.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Accept => "签收",
            Stage::Return => "退单",
            Stage::Reply => "办结",
            Stage::FollowUp => "回访",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitUnit {
    Minutes,
    Hours,
    WorkingDays,
    CalendarDays,
}

impl LimitUnit {
    pub const ALL: [LimitUnit; 4] = [
        LimitUnit::Minutes,
        LimitUnit::Hours,
        LimitUnit::WorkingDays,
        LimitUnit::CalendarDays,
    ];
    /// The zh-CN unit, as in "3个工作日".
    pub fn label(self) -> &'static str {
        match self {
            LimitUnit::Minutes => "分钟",
            LimitUnit::Hours => "小时",
            LimitUnit::WorkingDays => "个工作日",
            LimitUnit::CalendarDays => "个自然日",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            LimitUnit::Minutes => "minutes",
            LimitUnit::Hours => "hours",
            LimitUnit::WorkingDays => "working_days",
            LimitUnit::CalendarDays => "calendar_days",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        LimitUnit::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeLimit {
    pub amount: u32,
    pub unit: LimitUnit,
}

impl TimeLimit {
    pub const fn new(amount: u32, unit: LimitUnit) -> Self {
        TimeLimit { amount, unit }
    }

    /// The deadline of a limit starting at `start`.
    pub fn due_from(&self, start: Timestamp, cal: &Calendar) -> Timestamp {
        match self.unit {
            LimitUnit::Minutes => start + Duration::minutes(self.amount as i64),
            LimitUnit::Hours => start + Duration::hours(self.amount as i64),
            LimitUnit::WorkingDays => {
                end_of_local_day(cal.add_working_days(local_date(start), self.amount))
            }
            LimitUnit::CalendarDays => {
                let last = local_date(start) + Duration::days(self.amount as i64);
                end_of_local_day(cal.next_working_day_from(last))
            }
        }
    }

    /// Moves an existing deadline by this limit (an approved extension).
    pub fn extend(&self, due: Timestamp, cal: &Calendar) -> Timestamp {
        match self.unit {
            LimitUnit::WorkingDays => {
                end_of_local_day(cal.add_working_days(local_date(due), self.amount))
            }
            _ => self.due_from(due, cal),
        }
    }
}

/// The date an instant falls on in China time.
pub fn local_date(t: Timestamp) -> NaiveDate {
    t.with_timezone(&china_offset()).date_naive()
}

/// The last second of a China-time day (23:59:59 +08:00), as the instant a day-based limit ends.
pub fn end_of_local_day(d: NaiveDate) -> Timestamp {
    let naive = d.and_hms_opt(23, 59, 59).expect("valid time");
    china_offset()
        .from_local_datetime(&naive)
        .single()
        .expect("fixed offset is unambiguous")
        .with_timezone(&chrono::Utc)
}

/// A time-limit rule. `None` for category or priority means "any"; the most specific rule wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimePolicy {
    pub id: i64,
    pub category_id: Option<CategoryId>,
    pub priority: Option<Priority>,
    pub stage: Stage,
    pub limit: TimeLimit,
}

/// The fallback limits used when no policy matches (PRODUCT.md's typical values).
pub fn default_limit(stage: Stage, priority: Priority) -> TimeLimit {
    match (stage, priority) {
        (Stage::Accept, Priority::Emergency) => TimeLimit::new(15, LimitUnit::Minutes),
        (Stage::Accept, Priority::Urgent) => TimeLimit::new(30, LimitUnit::Minutes),
        (Stage::Accept, Priority::Normal) => TimeLimit::new(1, LimitUnit::WorkingDays),
        (Stage::Return, _) => TimeLimit::new(2, LimitUnit::WorkingDays),
        (Stage::Reply, Priority::Emergency) => TimeLimit::new(24, LimitUnit::Hours),
        (Stage::Reply, _) => TimeLimit::new(5, LimitUnit::WorkingDays),
        (Stage::FollowUp, _) => TimeLimit::new(3, LimitUnit::WorkingDays),
    }
}

/// Picks the limit for a stage. `category_chain` lists the case's category first, then its
/// ancestors. Specificity: category (nearest first) with matching priority, category with any
/// priority, then category-less rules with matching priority, then the global rule, then the
/// built-in default.
pub fn resolve_limit(
    policies: &[TimePolicy],
    category_chain: &[CategoryId],
    priority: Priority,
    stage: Stage,
) -> TimeLimit {
    let find = |cat: Option<CategoryId>, pri: Option<Priority>| {
        policies
            .iter()
            .find(|p| p.stage == stage && p.category_id == cat && p.priority == pri)
            .map(|p| p.limit)
    };
    for cat in category_chain {
        if let Some(l) = find(Some(*cat), Some(priority)).or_else(|| find(Some(*cat), None)) {
            return l;
        }
    }
    find(None, Some(priority))
        .or_else(|| find(None, None))
        .unwrap_or_else(|| default_limit(stage, priority))
}

/// Overdue overlay: green while inside the limit, yellow once a configurable share of it is used,
/// red when past due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverdueLevel {
    Green,
    Yellow,
    Red,
}

impl OverdueLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            OverdueLevel::Green => "green",
            OverdueLevel::Yellow => "yellow",
            OverdueLevel::Red => "red",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "green" => Some(OverdueLevel::Green),
            "yellow" => Some(OverdueLevel::Yellow),
            "red" => Some(OverdueLevel::Red),
            _ => None,
        }
    }
    /// The remark of the event that marks a case at this level (what KPIs read it back from).
    pub fn mark_note(self) -> &'static str {
        match self {
            OverdueLevel::Green => "超时等级：正常",
            OverdueLevel::Yellow => "超时等级：黄色预警",
            OverdueLevel::Red => "超时等级：红色超时",
        }
    }
    /// The level an overdue mark's remark names.
    pub fn from_mark_note(note: &str) -> Option<Self> {
        [OverdueLevel::Green, OverdueLevel::Yellow, OverdueLevel::Red]
            .into_iter()
            .find(|l| l.mark_note() == note)
    }
    pub fn compute(start: Timestamp, due: Timestamp, now: Timestamp, yellow_share: f64) -> Self {
        if now > due {
            return OverdueLevel::Red;
        }
        let total = (due - start).num_seconds().max(1) as f64;
        let used = (now - start).num_seconds() as f64;
        if used / total >= yellow_share {
            OverdueLevel::Yellow
        } else {
            OverdueLevel::Green
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, Utc};
    use proptest::prelude::*;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> Timestamp {
        china_offset()
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn working_days_start_the_day_after_receipt() {
        let cal = Calendar::builtin();
        // Received Monday 2026-11-23 16:00: 5 working days end Monday 2026-11-30 23:59:59.
        let due = TimeLimit::new(5, LimitUnit::WorkingDays).due_from(at(2026, 11, 23, 16, 0), &cal);
        assert_eq!(due, at(2026, 11, 30, 23, 59) + Duration::seconds(59));
        // Received Wednesday 30 Sep 2026 before National Day: 1 working day is Thursday 8 Oct.
        let due = TimeLimit::new(1, LimitUnit::WorkingDays).due_from(at(2026, 9, 30, 9, 0), &cal);
        assert_eq!(
            local_date(due),
            NaiveDate::from_ymd_opt(2026, 10, 8).unwrap()
        );
    }

    #[test]
    fn hour_limits_run_around_the_clock() {
        let cal = Calendar::builtin();
        let start = at(2026, 10, 1, 23, 50); // a holiday night
        assert_eq!(
            TimeLimit::new(15, LimitUnit::Minutes).due_from(start, &cal),
            start + Duration::minutes(15)
        );
        assert_eq!(
            TimeLimit::new(2, LimitUnit::Hours).due_from(start, &cal),
            start + Duration::hours(2)
        );
    }

    #[test]
    fn petition_calendar_days_move_off_holidays() {
        let cal = Calendar::builtin();
        // 15 calendar days from 16 Sep 2026 end on 1 Oct, a holiday: moved to Thursday 8 Oct.
        let due =
            TimeLimit::new(15, LimitUnit::CalendarDays).due_from(at(2026, 9, 16, 10, 0), &cal);
        assert_eq!(
            local_date(due),
            NaiveDate::from_ymd_opt(2026, 10, 8).unwrap()
        );
        // 15 calendar days from 2 Nov 2026 end on Tuesday 17 Nov, a working day: unchanged.
        let due =
            TimeLimit::new(15, LimitUnit::CalendarDays).due_from(at(2026, 11, 2, 10, 0), &cal);
        assert_eq!(
            local_date(due),
            NaiveDate::from_ymd_opt(2026, 11, 17).unwrap()
        );
    }

    #[test]
    fn the_most_specific_policy_wins() {
        let cat = CategoryId(7);
        let parent = CategoryId(1);
        let p = |id, c, pr, amount| TimePolicy {
            id,
            category_id: c,
            priority: pr,
            stage: Stage::Reply,
            limit: TimeLimit::new(amount, LimitUnit::WorkingDays),
        };
        let policies = vec![
            p(1, None, None, 5),
            p(2, Some(parent), None, 13),
            p(3, Some(cat), Some(Priority::Urgent), 2),
        ];
        let chain = [cat, parent];
        assert_eq!(
            resolve_limit(&policies, &chain, Priority::Urgent, Stage::Reply).amount,
            2
        );
        assert_eq!(
            resolve_limit(&policies, &chain, Priority::Normal, Stage::Reply).amount,
            13
        );
        assert_eq!(
            resolve_limit(&policies, &[CategoryId(99)], Priority::Normal, Stage::Reply).amount,
            5
        );
        assert_eq!(
            resolve_limit(&[], &chain, Priority::Emergency, Stage::Accept),
            TimeLimit::new(15, LimitUnit::Minutes)
        );
    }

    #[test]
    fn overdue_levels() {
        let s = at(2026, 11, 2, 9, 0);
        let due = s + Duration::hours(10);
        assert_eq!(
            OverdueLevel::compute(s, due, s + Duration::hours(5), 0.8),
            OverdueLevel::Green
        );
        assert_eq!(
            OverdueLevel::compute(s, due, s + Duration::hours(9), 0.8),
            OverdueLevel::Yellow
        );
        assert_eq!(
            OverdueLevel::compute(s, due, s + Duration::hours(11), 0.8),
            OverdueLevel::Red
        );
    }

    proptest! {
        /// Day-based deadlines never land on a non-working day, and never before the receipt.
        #[test]
        fn day_deadlines_land_on_working_days(
            day in 0i64..(365 * 4),
            minute in 0i64..(24 * 60),
            amount in 0u32..40,
            calendar_days in any::<bool>(),
        ) {
            let cal = Calendar::builtin();
            let start = at(2024, 1, 1, 0, 0) + Duration::days(day) + Duration::minutes(minute);
            let unit = if calendar_days { LimitUnit::CalendarDays } else { LimitUnit::WorkingDays };
            let due = TimeLimit::new(amount, unit).due_from(start, &cal);
            prop_assert!(cal.is_working_day(local_date(due)), "{} lands on {}", start, local_date(due));
            prop_assert!(due >= start);
            if unit == LimitUnit::WorkingDays && amount > 0 {
                prop_assert_eq!(cal.working_days_between(local_date(start), local_date(due)), amount as i64);
            }
            prop_assert!(local_date(due).year() >= 2024);
        }
    }
}
