//! An independent recount of the KPIs from the raw `cases` and `case_events` rows, by the
//! counting rules written out again from PRODUCT.md (not through `domain::kpi::facts`), for
//! tests to hold the rollups against — on the test township and on the demo.

use chrono::NaiveDate;
use fengqiao_app::App;
use fengqiao_domain::kpi::hours::{hours_bucket, working_minutes};
use fengqiao_domain::kpi::{Dim, Measure, Measures, Period};
use fengqiao_domain::org::Actor;
use fengqiao_domain::{Calendar, Timestamp};
use std::collections::{BTreeMap, HashMap};

/// Holds every dimension's figures of `app` over each of `periods` against a recount of the
/// database at `path`; panics on the first difference, naming it. Returns the rows compared.
pub async fn check(app: &App, path: &std::path::Path, periods: &[Period]) -> usize {
    let recount = Recount::from_database(path);
    let mut compared = 0;
    for period in periods {
        for dim in Dim::ALL {
            let table = app
                .kpis
                .table(&Actor::system(), *dim, *period)
                .await
                .unwrap();
            let expected = recount.sums(*dim, period);
            let got: BTreeMap<i64, (Measures, Option<i64>)> = table
                .lines
                .iter()
                .map(|l| (l.key, (l.figures.measures, l.figures.p90_hours)))
                .collect();
            assert_eq!(got, expected, "{dim:?} over {}", period.key());
            compared += got.len();
            if *dim == Dim::Township {
                let none = (Measures::default(), None);
                assert_eq!(
                    (table.total.measures, table.total.p90_hours),
                    *expected.get(&0).unwrap_or(&none),
                    "the total over {}",
                    period.key()
                );
            }
        }
    }
    compared
}

/// One case as recounted here.
pub struct Counted {
    pub received_day: NaiveDate,
    pub due_day: Option<NaiveDate>,
    pub keys: HashMap<Dim, i64>,
    pub m: Measures,
    pub bucket: Option<i64>,
}

pub struct Recount {
    pub cases: Vec<Counted>,
}

struct Ev {
    action: String,
    at: Timestamp,
    unit: Option<i64>,
    due: Option<Timestamp>,
    on_time: Option<bool>,
    remark: Option<String>,
}

impl Recount {
    /// Reads the raw rows of the database at `path` and counts every case.
    pub fn from_database(path: &std::path::Path) -> Recount {
        let conn = rusqlite::Connection::open(path).unwrap();
        let ts = |v: i64| chrono::DateTime::from_timestamp_millis(v).unwrap();
        let mut regions: HashMap<i64, (Option<i64>, String)> = HashMap::new();
        let mut st = conn
            .prepare("SELECT id, parent_id, level FROM regions")
            .unwrap();
        for r in st
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
        {
            let (id, parent, level) = r.unwrap();
            regions.insert(id, (parent, level));
        }
        let mut events: HashMap<i64, Vec<Ev>> = HashMap::new();
        let mut st = conn
            .prepare("SELECT case_id, action, at, unit_id, due_at, on_time, remark FROM case_events ORDER BY id")
            .unwrap();
        for r in st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    Ev {
                        action: r.get(1)?,
                        at: ts(r.get(2)?),
                        unit: r.get(3)?,
                        due: r.get::<_, Option<i64>>(4)?.map(ts),
                        on_time: r.get(5)?,
                        remark: r.get(6)?,
                    },
                ))
            })
            .unwrap()
        {
            let (case, e) = r.unwrap();
            events.entry(case).or_default().push(e);
        }
        let cal = Calendar::builtin();
        let channels: Vec<&str> = fengqiao_domain::Channel::ALL
            .iter()
            .map(|c| c.as_str())
            .collect();
        let mut st = conn
            .prepare("SELECT id, created_at, state, region_id, category_id, channel, unit_id, parent_id, reply_due, satisfaction FROM cases")
            .unwrap();
        let rows: Vec<_> = st
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    ts(r.get(1)?),
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<i64>>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, Option<i64>>(6)?,
                    r.get::<_, Option<i64>>(7)?,
                    r.get::<_, Option<i64>>(8)?.map(ts),
                    r.get::<_, Option<String>>(9)?,
                ))
            })
            .unwrap()
            .map(Result::unwrap)
            .collect();
        let mut cases = vec![];
        for (
            id,
            created,
            state,
            region,
            category,
            channel,
            unit,
            parent,
            reply_due,
            satisfaction,
        ) in rows
        {
            let evs = &events[&id];
            let n = |a: &str| evs.iter().filter(|e| e.action == a).count() as i64;
            let mut m = Measures::default();
            let child = parent.is_some();
            m.set(Measure::Received, i64::from(!child));
            m.set(Measure::Registered, i64::from(!child && n("register") > 0));
            m.set(Measure::Rejected, i64::from(n("reject_intake") > 0));
            m.set(
                Measure::AnsweredDirectly,
                i64::from(n("answer_directly") > 0),
            );
            m.set(Measure::Withdrawn, i64::from(state == "withdrawn"));
            m.set(Measure::Merged, i64::from(state == "merged"));
            m.set(Measure::Supplements, n("supplement"));
            m.set(
                Measure::ReopenRequests,
                evs.iter()
                    .filter(|e| {
                        e.action == "supplement"
                            && e.remark
                                .as_deref()
                                .unwrap_or("")
                                .starts_with("群众反映问题仍未解决")
                    })
                    .count() as i64,
            );
            // Village and grid from the region tree.
            let (mut village, mut grid) = (0, 0);
            let mut cur = region;
            while let Some(r) = cur {
                let (parent, level) = &regions[&r];
                match level.as_str() {
                    "grid" if grid == 0 => grid = r,
                    "village" | "community" if village == 0 => village = r,
                    _ => {}
                }
                cur = *parent;
            }
            let mut unit_key = unit.unwrap_or(0);
            let handled = n("dispatch") + n("reopen") + n("sub_dispatch") > 0
                && state != "withdrawn"
                && state != "merged";
            let replied = ["replied", "reviewed", "followed_up", "closed", "archived"]
                .contains(&state.as_str())
                && n("reply") > 0;
            let last_reply = evs.iter().rposition(|e| e.action == "reply");
            let due = if replied {
                evs[last_reply.unwrap()].due.or(reply_due)
            } else {
                reply_due
            };
            let mut due_day = None;
            let mut bucket = None;
            if let (true, Some(due)) = (handled, due) {
                due_day = Some(fengqiao_domain::deadline::local_date(due));
                let settled = if replied {
                    evs[last_reply.unwrap()].at.min(due)
                } else {
                    due
                };
                if let Some(u) = evs
                    .iter()
                    .rev()
                    .find(|e| e.at <= settled && e.unit.is_some())
                {
                    unit_key = u.unit.unwrap();
                }
                m.set(Measure::Due, 1);
                m.set(
                    Measure::Dispatches,
                    n("dispatch") + n("reassign") + n("reopen") + n("sub_dispatch"),
                );
                m.set(
                    Measure::AcceptedOnTime,
                    evs.iter()
                        .filter(|e| e.action == "accept" && e.on_time == Some(true))
                        .count() as i64,
                );
                m.set(Measure::Returns, n("request_return"));
                m.set(Measure::Extended, n("approve_extension"));
                m.set(Measure::Reopened, n("reopen"));
                let marks: Vec<&str> = evs
                    .iter()
                    .filter(|e| e.action == "mark_overdue")
                    .filter_map(|e| e.remark.as_deref())
                    .collect();
                m.set(
                    Measure::OverdueYellow,
                    i64::from(
                        marks
                            .iter()
                            .any(|r| r.contains("黄色") || r.contains("红色")),
                    ),
                );
                m.set(
                    Measure::OverdueRed,
                    i64::from(marks.iter().any(|r| r.contains("红色"))),
                );
                if replied {
                    let i = last_reply.unwrap();
                    m.set(Measure::Replied, 1);
                    m.set(
                        Measure::RepliedOnTime,
                        i64::from(evs[i].on_time == Some(true)),
                    );
                    m.set(
                        Measure::FollowedUp,
                        i64::from(evs[i..].iter().any(|e| e.action == "follow_up")),
                    );
                    m.set(
                        Measure::Closed,
                        i64::from(state == "closed" || state == "archived"),
                    );
                    let valid = matches!(
                        satisfaction.as_deref(),
                        Some("satisfied" | "basically_satisfied" | "unsatisfied")
                    );
                    m.set(Measure::Rated, i64::from(valid));
                    m.set(
                        Measure::Satisfied,
                        i64::from(matches!(
                            satisfaction.as_deref(),
                            Some("satisfied" | "basically_satisfied")
                        )),
                    );
                    let mut minutes = 0;
                    let mut open: Option<Timestamp> = None;
                    for e in evs {
                        let starts = ["dispatch", "reopen", "review_fail", "sub_dispatch"]
                            .contains(&e.action.as_str());
                        if starts && open.is_none() {
                            open = Some(e.at);
                        } else if e.action == "reply" {
                            if let Some(s) = open.take() {
                                minutes += working_minutes(&cal, s, e.at);
                            }
                        }
                    }
                    m.set(Measure::HandlingMinutes, minutes);
                    bucket = Some(hours_bucket(minutes));
                }
            }
            let channel_key = channels.iter().position(|c| *c == channel).unwrap() as i64 + 1;
            let keys = HashMap::from([
                (Dim::Township, 0),
                (Dim::Village, village),
                (Dim::Grid, grid),
                (Dim::Unit, unit_key),
                (Dim::Category, category.unwrap_or(0)),
                (Dim::Channel, channel_key),
            ]);
            cases.push(Counted {
                received_day: fengqiao_domain::deadline::local_date(created),
                due_day,
                keys,
                m,
                bucket,
            });
        }
        Recount { cases }
    }

    /// Each key's sums over `period`, and its p90 by nearest rank over the handling buckets.
    pub fn sums(&self, dim: Dim, period: &Period) -> BTreeMap<i64, (Measures, Option<i64>)> {
        let mut sums: BTreeMap<i64, Measures> = BTreeMap::new();
        let mut buckets: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for c in &self.cases {
            let key = c.keys[&dim];
            for m in Measure::ALL {
                let day = if m.on_received_day() {
                    Some(c.received_day)
                } else {
                    c.due_day
                };
                if day.is_some_and(|d| period.contains(d)) {
                    let e = sums.entry(key).or_default();
                    e.set(*m, e.get(*m) + c.m.get(*m));
                }
            }
            if let (Some(b), Some(d)) = (c.bucket, c.due_day) {
                if period.contains(d) {
                    buckets.entry(key).or_default().push(b);
                }
            }
        }
        sums.into_iter()
            .filter(|(_, m)| !m.is_zero())
            .map(|(k, m)| {
                let p90 = buckets.get_mut(&k).map(|b| {
                    b.sort_unstable();
                    let rank = (b.len() * 9).div_ceil(10);
                    b[rank - 1]
                });
                (k, (m, p90))
            })
            .collect()
    }
}
