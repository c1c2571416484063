//! KPIs (考核指标): what a case counts for, and the rates a township reports.
//!
//! # Counting rules
//!
//! Every figure is a sum of per-case counts ([`Measures`]) over the cases a period takes, then a
//! rate of two sums ([`Figures`]). A case's counts are a pure function of the case and its
//! events ([`facts`]), so a figure can always be recomputed from the raw history, and a change
//! to an old case moves only that case's counts.
//!
//! - **Which period a case counts in.** The volume figures (received, registered, rejected,
//!   answered at once, withdrawn, merged, supplements, reopen requests) count on the day the case
//!   was received. Every handling figure counts in the period its **reply deadline fell in**
//!   (PRODUCT.md, and the standards' 应结案数): a case received on 28 November and due on
//!   3 December counts in December. The deadline is the one in force at the final reply — an
//!   approved extension moves it, a reopen sets a new one — or, while unreplied, the one in force
//!   now.
//! - **Cases out of the handling figures:** cases never dispatched (rejected, answered at once,
//!   still waiting), and cases withdrawn or merged into another (the surviving case counts).
//! - **The unit and the place a case counts for.** The unit is the one that held the case when
//!   its reply deadline passed, or, replied in time, the unit that replied (a reassignment moves
//!   the case to the new unit; the unit at fault is the one holding it at the deadline). The
//!   village and grid are the case's own; a case with none counts for the township only.
//! - **Handling time** is working hours (office hours 09:00–17:00 on working days, see
//!   [`hours`]) from each dispatch (or reopen, or a failed review) to the reply that answers it,
//!   summed over rounds; the p90 is reported in [`hours::hours_bucket`] steps.
//! - **Satisfaction** counts the final rating; "no rating" (未评价) is not a valid rating and is
//!   left out of 满意率.
//! - **Overdue by level:** a case counts as yellow if it was ever marked yellow or red, as red if
//!   it was ever marked red.

pub mod hours;
pub mod period;
pub mod ranking;

mod facts;

pub use facts::{channel_of_key, facts, CaseFacts, Placement};
pub use period::{Period, PeriodKind};

use serde::{Deserialize, Serialize};

/// A per-case count. The snake-case names are the rollup's column names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    Received,
    Registered,
    Rejected,
    AnsweredDirectly,
    Withdrawn,
    Merged,
    Supplements,
    ReopenRequests,
    Due,
    Dispatches,
    AcceptedOnTime,
    Returns,
    Replied,
    RepliedOnTime,
    Closed,
    FollowedUp,
    Rated,
    Satisfied,
    Reopened,
    Extended,
    OverdueYellow,
    OverdueRed,
    HandlingMinutes,
}
crate::org::str_enum!(Measure {
    Received => "received" / "受理量",
    Registered => "registered" / "受理",
    Rejected => "rejected" / "不予受理",
    AnsweredDirectly => "answered_directly" / "直接答复",
    Withdrawn => "withdrawn" / "撤回",
    Merged => "merged" / "合并",
    Supplements => "supplements" / "补充诉求",
    ReopenRequests => "reopen_requests" / "申请重办",
    Due => "due" / "应办结",
    Dispatches => "dispatches" / "派单次数",
    AcceptedOnTime => "accepted_on_time" / "按时签收",
    Returns => "returns" / "退单",
    Replied => "replied" / "办结",
    RepliedOnTime => "replied_on_time" / "按期办结",
    Closed => "closed" / "结案",
    FollowedUp => "followed_up" / "已回访",
    Rated => "rated" / "有效评价",
    Satisfied => "satisfied" / "满意（含基本满意）",
    Reopened => "reopened" / "重办",
    Extended => "extended" / "延期",
    OverdueYellow => "overdue_yellow" / "黄色预警",
    OverdueRed => "overdue_red" / "红色超时",
    HandlingMinutes => "handling_minutes" / "办理时长（工作分钟）",
});

impl Measure {
    /// Whether it counts on the day the case was received (else in its deadline's period).
    pub fn on_received_day(self) -> bool {
        (self as usize) < Measure::Due as usize
    }
}

pub const MEASURES: usize = Measure::ALL.len();

/// Counts, one per [`Measure`]: additive, so a period's are the sum of its days'. Written as an
/// object of the measures' names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Measures(pub [i64; MEASURES]);

impl Serialize for Measures {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(MEASURES))?;
        for m in Measure::ALL {
            map.serialize_entry(m.as_str(), &self.get(*m))?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Measures {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = std::collections::BTreeMap::<String, i64>::deserialize(d)?;
        let mut out = Measures::default();
        for (name, v) in map {
            let m = Measure::parse(&name)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown measure {name}")))?;
            out.set(m, v);
        }
        Ok(out)
    }
}

impl Measures {
    pub fn get(&self, m: Measure) -> i64 {
        self.0[m as usize]
    }
    pub fn set(&mut self, m: Measure, v: i64) {
        self.0[m as usize] = v;
    }
    pub fn add(&mut self, other: &Measures) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
    pub fn sub(&mut self, other: &Measures) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a -= b;
        }
    }
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(|v| *v == 0)
    }
    /// Only the measures counted on the received day, or only the others.
    pub fn part(&self, received_day: bool) -> Measures {
        let mut m = *self;
        for k in Measure::ALL {
            if k.on_received_day() != received_day {
                m.set(*k, 0);
            }
        }
        m
    }
}

/// What a figure is broken down by. The township row (key 0) holds every case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    Township,
    Village,
    Grid,
    Unit,
    Category,
    Channel,
}
crate::org::str_enum!(Dim {
    Township => "township" / "全镇",
    Village => "village" / "村（社区）",
    Grid => "grid" / "网格",
    Unit => "unit" / "承办单位",
    Category => "category" / "类别",
    Channel => "channel" / "渠道",
});

/// A rate with its two counts, `None` when nothing was counted (shown as "—", never 0%).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    pub num: i64,
    pub den: i64,
    pub value: Option<f64>,
}

impl Rate {
    pub fn of(num: i64, den: i64) -> Rate {
        Rate {
            num,
            den,
            value: (den > 0).then(|| num as f64 / den as f64),
        }
    }
    /// As a percentage with one decimal, e.g. `93.7%`, or `—`.
    pub fn percent(&self) -> String {
        match self.value {
            Some(v) => format!("{:.1}%", v * 100.0),
            None => "—".into(),
        }
    }
}

/// The rates of a period (PRODUCT.md's KPI table).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    pub measures: Measures,
    /// 响应率: acceptances on time / dispatches.
    pub response: Rate,
    /// 按时办结率: replied by the deadline (approved extensions count) / cases due.
    pub on_time: Rate,
    /// 办结率: replied / cases due (withdrawn and merged are not due).
    pub completion: Rate,
    /// 退单率: returns / dispatches.
    pub returns: Rate,
    /// 回访率: followed up / replied.
    pub follow_up: Rate,
    /// 满意率: satisfied and basically satisfied / valid ratings.
    pub satisfaction: Rate,
    /// 重办率 (回潮): reopens / closed.
    pub reopen: Rate,
    /// 平均办理时长, working hours.
    pub mean_hours: Option<f64>,
    /// p90 of the handling time, working hours ([`hours::hours_bucket`] steps).
    pub p90_hours: Option<i64>,
}

impl Figures {
    pub fn of(m: Measures, histogram: &[(i64, i64)]) -> Figures {
        use Measure as M;
        let r = |a: M, b: M| Rate::of(m.get(a), m.get(b));
        Figures {
            response: r(M::AcceptedOnTime, M::Dispatches),
            on_time: r(M::RepliedOnTime, M::Due),
            completion: r(M::Replied, M::Due),
            returns: r(M::Returns, M::Dispatches),
            follow_up: r(M::FollowedUp, M::Replied),
            satisfaction: r(M::Satisfied, M::Rated),
            reopen: r(M::Reopened, M::Closed),
            mean_hours: (m.get(M::Replied) > 0)
                .then(|| m.get(M::HandlingMinutes) as f64 / 60.0 / m.get(M::Replied) as f64),
            p90_hours: hours::p90(histogram),
            measures: m,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn measures_split_by_anchor_day() {
        assert!(Measure::Received.on_received_day());
        assert!(Measure::ReopenRequests.on_received_day());
        assert!(!Measure::Due.on_received_day());
        assert!(!Measure::HandlingMinutes.on_received_day());
        let mut m = Measures::default();
        m.set(Measure::Received, 1);
        m.set(Measure::Due, 1);
        assert_eq!(m.part(true).get(Measure::Due), 0);
        assert_eq!(m.part(false).get(Measure::Received), 0);
    }

    #[test]
    fn rates_name_both_counts_and_never_divide_by_zero() {
        let mut m = Measures::default();
        m.set(Measure::Due, 972);
        m.set(Measure::Replied, 911);
        m.set(Measure::RepliedOnTime, 737);
        let f = Figures::of(m, &[]);
        // The bulletin STANDARDS.md quotes: 结案率 93.72%, 按期结案率 75.82%.
        assert_eq!(f.completion.percent(), "93.7%");
        assert_eq!(f.on_time.percent(), "75.8%");
        assert_eq!(f.satisfaction.percent(), "—");
        assert_eq!(f.mean_hours, Some(0.0));
    }
}
